# The seed example with components mmcpp does not have, in the places the
# config checker must search (tests/tools/model_tools_cli.sh).
_base_ = ['../../../configs/seed_example/example_config.py']
model = dict(
    _delete_=True,
    type='NoSuchClassifier',
    backbone=dict(type='NoSuchBackbone', norm_cfg=dict(type='NoSuchNorm')),
    head=dict(type='NoSuchHead', loss=dict(type='NoSuchLoss')))
train_dataloader = dict(dataset=dict(pipeline=[dict(type='NoSuchTransform')]))
test_dataloader = dict(dataset=dict(type='NoSuchTestDataset'))
test_cfg = dict()
test_evaluator = dict(type='SeedAccuracy')
custom_hooks = [dict(type='CheckInvalidLossHook', interval=50), dict(type='NoSuchHook')]
