_base_ = './base_schedule.py'
max_epochs = dict(_delete_=True, value=3)
