_base_ = ['./_base_/models/resnet18.py', './_base_/default_runtime.py']
model = dict(backbone=dict(depth=34), head=dict(_delete_=True, type='ClsHead'))
work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
data_root = '{{$DATA_ROOT:data/cifar10}}'
policies = {{_base_.policies}}
