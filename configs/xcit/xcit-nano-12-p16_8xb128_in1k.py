_base_ = [
    '../_base_/models/xcit/xcit-nano-12-p16.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

# dataset settings
train_dataloader = dict(batch_size=128)
