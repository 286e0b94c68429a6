"""Helper variables stay in the config as keys, as in MMEngine."""
default_scope = 'mmpretrain'
custom_imports = dict(imports=['my_module'], allow_failed_imports=True)
data_root = 'data/imagenet/'
img_norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
val_dataloader = dict(batch_size=32, dataset=dict(data_root=data_root, pipeline=[dict(type='Load')]))
test_dataloader = val_dataloader
_private_helper = 3
__dunder = 'dropped'
