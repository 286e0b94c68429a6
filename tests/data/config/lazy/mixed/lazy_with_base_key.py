from mmengine.config import read_base

with read_base():
    from .._base_.model import *

_base_ = '../star.py'
