_base_ = ['mmpretrain::_base_/models/lenet5.py']
model = dict(backbone=dict(num_classes=7))
