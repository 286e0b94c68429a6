# A small base config: model, data and an optimizer.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=50, out_indices=(3, ), norm_cfg=dict(type='BN')),
    head=dict(type='LinearClsHead', num_classes=1000, topk=(1, 5)),
)
pipeline = [dict(type='LoadImage'), dict(type='Resize', scale=224)]
