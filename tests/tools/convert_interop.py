"""`mmcpp convert` against PyTorch itself: state dicts laid out as torchvision's
resnet18 and timm's deit_tiny (with the `model` wrapper) are written with
torch.save, converted by mmcpp, and read back with torch.load (weights_only):
every key must be MMPretrain's and every tensor unchanged.

    python3 convert_interop.py MMCPP WORK_DIR

Exits 77 (skipped) when this Python has no torch (Debian's python3-torch).
"""
import os
import subprocess
import sys
from collections import OrderedDict

try:
    import torch
except ImportError:
    print('python3-torch is not installed: skipped')
    sys.exit(77)

mmcpp, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
torch.manual_seed(0)


def resnet18_state_dict():
    sd = OrderedDict()

    def bn(prefix, c):
        sd[prefix + '.weight'] = torch.rand(c)
        sd[prefix + '.bias'] = torch.randn(c)
        sd[prefix + '.running_mean'] = torch.randn(c)
        sd[prefix + '.running_var'] = torch.rand(c)
        sd[prefix + '.num_batches_tracked'] = torch.tensor(7)

    sd['conv1.weight'] = torch.randn(64, 3, 7, 7)
    bn('bn1', 64)
    cin = 64
    for layer, c in enumerate([64, 128, 256, 512], 1):
        for block in range(2):
            p = f'layer{layer}.{block}'
            sd[p + '.conv1.weight'] = torch.randn(c, cin if block == 0 else c, 3, 3)
            bn(p + '.bn1', c)
            sd[p + '.conv2.weight'] = torch.randn(c, c, 3, 3)
            bn(p + '.bn2', c)
            if block == 0 and cin != c:
                sd[p + '.downsample.0.weight'] = torch.randn(c, cin, 1, 1)
                bn(p + '.downsample.1', c)
        cin = c
    sd['fc.weight'] = torch.randn(1000, 512)
    sd['fc.bias'] = torch.randn(1000)
    return sd


def expected_resnet(sd):
    return OrderedDict(
        (('head.' if k.startswith('fc') else 'backbone.') + k, v) for k, v in sd.items())


def deit_tiny_state_dict():
    d, sd = 192, OrderedDict()
    sd['cls_token'] = torch.randn(1, 1, d)
    sd['pos_embed'] = torch.randn(1, 197, d)
    sd['patch_embed.proj.weight'] = torch.randn(d, 3, 16, 16)
    sd['patch_embed.proj.bias'] = torch.randn(d)
    for i in range(2):
        p = f'blocks.{i}.'
        sd[p + 'norm1.weight'] = torch.randn(d)
        sd[p + 'norm1.bias'] = torch.randn(d)
        sd[p + 'attn.qkv.weight'] = torch.randn(3 * d, d)
        sd[p + 'attn.qkv.bias'] = torch.randn(3 * d)
        sd[p + 'attn.proj.weight'] = torch.randn(d, d)
        sd[p + 'attn.proj.bias'] = torch.randn(d)
        sd[p + 'norm2.weight'] = torch.randn(d)
        sd[p + 'norm2.bias'] = torch.randn(d)
        sd[p + 'mlp.fc1.weight'] = torch.randn(4 * d, d)
        sd[p + 'mlp.fc1.bias'] = torch.randn(4 * d)
        sd[p + 'mlp.fc2.weight'] = torch.randn(d, 4 * d)
        sd[p + 'mlp.fc2.bias'] = torch.randn(d)
    sd['norm.weight'] = torch.randn(d)
    sd['norm.bias'] = torch.randn(d)
    sd['head.weight'] = torch.randn(1000, d)
    sd['head.bias'] = torch.randn(1000)
    return sd


def expected_vit(sd):
    out = OrderedDict()
    for k, v in sd.items():
        if k.startswith('head.'):
            out['head.layers.' + k] = v
            continue
        k = k.replace('patch_embed.proj.', 'patch_embed.projection.')
        k = k.replace('blocks.', 'layers.').replace('norm1', 'ln1').replace('norm2', 'ln2')
        k = k.replace('mlp.fc1', 'ffn.layers.0.0').replace('mlp.fc2', 'ffn.layers.1')
        if k.startswith('norm.'):
            k = 'ln1.' + k[5:]
        out['backbone.' + k] = v
    return out


def check(kind, src_obj, expected):
    src = os.path.join(work, kind + '.pth')
    dst = os.path.join(work, kind + '_mmpretrain.pth')
    torch.save(src_obj, src)
    subprocess.run([mmcpp, 'convert', kind, src, dst], check=True)
    got = torch.load(dst, map_location='cpu', weights_only=True)
    assert isinstance(got, OrderedDict), type(got)
    assert list(got.keys()) == list(expected.keys()), (list(got)[:5], list(expected)[:5])
    for k, v in expected.items():
        assert got[k].dtype == v.dtype and torch.equal(got[k], v), k
    print(f'{kind}: {len(got)} tensors converted as MMPretrain names them')


rn = resnet18_state_dict()
check('torchvision', rn, expected_resnet(rn))
vit = deit_tiny_state_dict()
check('timm', {'model': vit}, expected_vit(vit))
print('CONVERT_INTEROP_OK')
