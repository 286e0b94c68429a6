from mmengine.config import read_base

with read_base():
    from ._base_.model import model, num_classes as base_classes

model.backbone.depth = 101
head_classes = base_classes // 10
