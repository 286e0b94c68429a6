import torch

optim_wrapper = dict(optimizer=dict(type=torch.optim.SGD, lr=0.1))
max_epochs = 100
