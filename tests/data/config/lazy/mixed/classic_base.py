_base_ = '../../inherit/base_schedule.py'
y = 2
