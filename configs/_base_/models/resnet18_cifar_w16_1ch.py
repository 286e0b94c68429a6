# model settings: ResNet_CIFAR-18 at a quarter of its width (16-32-64 channels,
# three stages) for 28x28 single-channel images (Fashion-MNIST, MNIST). The
# 3x3 stride-1 stem sees the full 28x28 image; every stage then halves it
# (28 -> 14 -> 7 -> 4), so the net costs about 11 MFLOPs per image forward.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        in_channels=1,
        stem_channels=16,
        base_channels=16,
        num_stages=3,
        strides=(2, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, loss_weight=1.0),
    ))
