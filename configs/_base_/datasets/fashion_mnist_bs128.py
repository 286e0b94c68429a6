# dataset settings: Fashion-MNIST at its own 28x28 size, no augmentation
dataset_type = 'FashionMNIST'
# Debian's dataset-fashion-mnist package: train-images-idx3-ubyte.gz,
# train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz
data_root = '/usr/share/datasets/fashion-mnist'

data_preprocessor = dict(
    num_classes=10,
    # Fashion-MNIST's pixel mean and std (0.2860, 0.3530) on the 0-255 scale
    mean=[72.94],
    std=[90.02],
)

train_pipeline = [dict(type='PackInputs')]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=128,
    num_workers=1,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        download=False,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=256,
    num_workers=1,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        # MMPretrain 1.2.0's MNIST datasets pick the files by test_mode, not by
        # split: without it the 60,000 training images would be validated on.
        test_mode=True,
        download=False,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))

# the 10,000 test images, as validation
test_dataloader = val_dataloader
test_evaluator = val_evaluator
