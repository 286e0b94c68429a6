# Distributed tests: DistTestNet (tests/engine/dist/dist_test_models.cpp) on real
# Fashion-MNIST images (Debian's dataset-fashion-mnist). 50 SGD iterations of
# batch 128 on one process; the distributed tests run 2 ranks x batch 64 with
# --cfg-options train_dataloader.batch_size=64 and must reach the same weights.
custom_imports = dict(imports=['libdist_test_models.so'], allow_failed_imports=False)
default_scope = 'mmpretrain'

model = dict(
    type='DistTestNet',
    norm='none',
    data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=10, mean=[72.94], std=[90.02]))

data_root = '/usr/share/datasets/fashion-mnist'
train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    dataset=dict(
        type='FashionMNIST', data_root=data_root, split='train', indices=6400,
        pipeline=[dict(type='PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'))
# 1001 test images: not divisible by 2 ranks, so the sampler pads one.
val_dataloader = dict(
    batch_size=100,
    num_workers=0,
    dataset=dict(
        type='FashionMNIST', data_root=data_root, split='test', test_mode=True, indices=1001,
        pipeline=[dict(type='PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'))
val_evaluator = dict(type='DistTestAccuracy')
val_cfg = dict()
test_dataloader = val_dataloader
test_evaluator = val_evaluator
test_cfg = dict()

train_cfg = dict(by_epoch=False, max_iters=50, val_interval=1000)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=25, by_epoch=False))

env_cfg = dict(dist_cfg=dict(backend='gloo', timeout=60))
randomness = dict(seed=0)
log_level = 'INFO'
