import torch
import a.b as m
from mmpretrain.models import ResNet
from mmpretrain.datasets import ImageNet as DS

backbone = dict(type=ResNet, depth=18)
optimizer = dict(type=torch.optim.AdamW, lr=1e-3)
thing = m.C
nested = m.C.D
dataset = dict(type=DS)
items = [ResNet, torch.nn.ReLU]
