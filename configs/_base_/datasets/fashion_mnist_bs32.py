# dataset settings
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

train_pipeline = [
    dict(type='Resize', scale=32),
    dict(type='PackInputs'),
]

test_pipeline = [
    dict(type='Resize', scale=32),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        download=False,
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)

val_dataloader = dict(
    batch_size=32,
    num_workers=2,
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

# If you want standard test, please manually configure the test dataset
test_dataloader = val_dataloader
test_evaluator = val_evaluator
