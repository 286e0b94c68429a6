# optimizer: SGD with Nesterov momentum, peak lr 0.2 for batch 128
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.2, momentum=0.9, weight_decay=5e-4, nesterov=True))

# learning policy: one cycle over the whole run, updated every iteration
# (warm up for 30% of the iterations, then cosine annealing to ~0)
param_scheduler = dict(
    type='OneCycleLR',
    eta_max=0.2,
    by_epoch=True,
    total_steps=4,
    convert_to_iter_based=True)

# train, val, test setting: validate on the test images every epoch
train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# `auto_scale_lr` scales the LR by the real batch size over this one
auto_scale_lr = dict(base_batch_size=128)
