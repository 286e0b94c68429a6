_base_ = [
    '../_base_/models/lenet5.py',
    '../_base_/datasets/fashion_mnist_bs32.py',
    '../_base_/schedules/fashion_mnist_bs256.py',
    '../_base_/default_runtime.py',
]

# Only the keys given here change; the rest of each dict comes from the bases.
default_hooks = dict(
    # 60000 images / 32 per batch = 1875 iterations per epoch
    logger=dict(interval=50),
    checkpoint=dict(max_keep_ckpts=3, save_best='auto'),
)

# CPU training: gloo instead of nccl for distributed runs
env_cfg = dict(dist_cfg=dict(backend='gloo'))

randomness = dict(seed=0)

work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
