# The warm-up + cosine recipe of MMPretrain's configs, small: one warm-up epoch
# and a cosine over epochs 1..6, both converted to iterations. The CLI test runs
# `mmcpp vis-scheduler` on it with --dataset-size 8 (4 iterations per epoch).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.5, momentum=0.9, weight_decay=5e-05))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.25, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=5, eta_min=0.0001, by_epoch=True,
         begin=1, end=6, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=6)
train_dataloader = dict(
    batch_size=2,
    dataset=dict(type='ToyDataset', size=8),
    sampler=dict(type='DefaultSampler', shuffle=True))
default_scope = 'mmpretrain'
