from mmengine.config import read_base
from mmpretrain.models import *
