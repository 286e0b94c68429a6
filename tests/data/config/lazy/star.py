from mmengine.config import read_base

with read_base():
    from ._base_.model import *
    from ._base_.schedule import *

# .update() on an imported base dict is recursive (ConfigDict).
model.update(dict(backbone=dict(depth=18)))
optim_wrapper.optimizer.lr = 0.01
max_epochs = 10
