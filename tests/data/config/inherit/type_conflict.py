_base_ = './base_schedule.py'
max_epochs = dict(value=3)
