from mmengine.config import read_base

with read_base():
    from .._base_.default_runtime import *
    from .._base_.models.resnet18 import *

from mmpretrain.models import ResNet, ImageClassifier
from torch.optim import SGD
import mmengine.optim as optim

model.update(backbone=dict(type=ResNet, depth=50))
optim_wrapper = dict(type=optim.OptimWrapper, optimizer=dict(type=SGD, lr=0.1))
randomness.update(seed=0)
