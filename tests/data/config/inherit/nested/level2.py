_base_ = '../child_list.py'
optimizer = dict(lr=0.01)
model = dict(backbone=dict(norm_cfg=dict(type='SyncBN')))
