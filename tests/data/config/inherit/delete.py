_base_ = './base_schedule.py'
optimizer = dict(_delete_=True, type='AdamW', lr=0.001)
