# A small EDSR x2 (16 channels, 2 residual blocks) trained on the photographs
# that Debian's python3-skimage ships (apt install python3-skimage): ten for
# training, chelsea (the cat) and coins for validation. The low-resolution
# inputs are made on the fly: each photo is cropped to even sizes (ModCrop) and
# halved with INTER_AREA (Resize), then the usual EDSR patches and flips.
# Its 1000 iterations (a few minutes on two CPU cores) beat bicubic upscaling
# of the same inputs; see docs/editing.md.
_base_ = ['../_base_/default_runtime.py']

experiment_name = 'edsr_x2c16b2_1xb8-1k_skimage-photos'
work_dir = f'./work_dirs/{experiment_name}'

scale = 2
model = dict(
    type='BaseEditModel',
    generator=dict(
        type='EDSRNet',
        in_channels=3,
        out_channels=3,
        mid_channels=16,
        num_blocks=2,
        upscale_factor=scale,
        res_scale=1,
        rgb_mean=[0.4488, 0.4371, 0.4040],
        rgb_std=[1.0, 1.0, 1.0]),
    pixel_loss=dict(type='L1Loss', loss_weight=1.0, reduction='mean'),
    train_cfg=dict(),
    test_cfg=dict(),
    data_preprocessor=dict(
        type='DataPreprocessor', mean=[0., 0., 0.], std=[255., 255., 255.]))

# Both keys load the same photo; 'img' becomes its half-size version.
load_pair = [
    dict(
        type='LoadImageFromFile',
        key='img',
        color_type='color',
        channel_order='rgb',
        imdecode_backend='cv2'),
    dict(
        type='LoadImageFromFile',
        key='gt',
        color_type='color',
        channel_order='rgb',
        imdecode_backend='cv2'),
    dict(type='SetValues', dictionary=dict(scale=scale)),
]
train_pipeline = load_pair + [
    dict(type='ModCrop', key='img'),
    dict(type='ModCrop', key='gt'),
    dict(
        type='Resize',
        keys=['img'],
        scale=1 / scale,
        keep_ratio=True,
        interpolation='area'),
    dict(type='PairedRandomCrop', gt_patch_size=48),
    dict(
        type='Flip',
        keys=['img', 'gt'],
        flip_ratio=0.5,
        direction='horizontal'),
    dict(
        type='Flip', keys=['img', 'gt'], flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5),
    dict(type='PackInputs')
]
# Validation on the central 192x192 of each photo (96x96 input).
val_pipeline = load_pair + [
    dict(
        type='Crop',
        keys=['img', 'gt'],
        crop_size=(192, 192),
        random_crop=False),
    dict(
        type='Resize',
        keys=['img'],
        scale=1 / scale,
        keep_ratio=True,
        interpolation='area'),
    dict(type='PackInputs')
]
test_pipeline = val_pipeline
# `mmcpp infer --task super-resolution` upscales the whole image it is given.
inference_pipeline = [
    dict(
        type='LoadImageFromFile',
        key='img',
        color_type='color',
        channel_order='rgb',
        imdecode_backend='cv2'),
    dict(type='PackInputs')
]

data_root = '/usr/lib/python3/dist-packages/skimage/data'
dataset_type = 'BasicImageDataset'

train_dataloader = dict(
    num_workers=2,
    batch_size=8,
    drop_last=True,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    # Ten photos, repeated: each pass draws many patches of each.
    dataset=dict(
        type='RepeatDataset',
        times=100,
        dataset=dict(
            type=dataset_type,
            ann_file='{{fileDirname}}/skimage_photos_train.txt',
            metainfo=dict(dataset_type='skimage_photos', task_name='sisr'),
            data_root=data_root,
            data_prefix=dict(img='', gt=''),
            pipeline=train_pipeline)))

val_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file='{{fileDirname}}/skimage_photos_val.txt',
        metainfo=dict(dataset_type='skimage_photos', task_name='sisr'),
        data_root=data_root,
        data_prefix=dict(img='', gt=''),
        pipeline=val_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='Evaluator',
    metrics=[
        dict(type='MAE'),
        dict(type='PSNR', crop_border=scale),
        dict(type='SSIM', crop_border=scale),
    ])
test_evaluator = val_evaluator

train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=250)
val_cfg = dict(type='MultiValLoop')
test_cfg = dict(type='MultiTestLoop')

optim_wrapper = dict(
    constructor='DefaultOptimWrapperConstructor',
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=2e-3, betas=(0.9, 0.999)))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=False, milestones=[800], gamma=0.5)

default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook',
        interval=250,
        save_optimizer=True,
        by_epoch=False,
        out_dir=None,
        max_keep_ckpts=2),
    logger=dict(type='LoggerHook', interval=50))
randomness = dict(seed=0)
