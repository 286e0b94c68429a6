_base_ = ['./base_model.py', './base_schedule.py']
# Recursive merge: only depth changes, the rest of backbone is inherited.
model = dict(backbone=dict(depth=18), head=dict(num_classes=10))
# Lists replace instead of merging.
pipeline = [dict(type='LoadImage')]
param_scheduler = dict(milestones=[5])
max_epochs = 10
