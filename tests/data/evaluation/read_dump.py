"""Reads a DumpResults pickle with Python's pickle module (tensors through
fake_torch.py, as torch 1.13 would rebuild them) and prints it as JSON lines:
one object per sample, tensors as {"tensor": [values], "size": [...]}."""
import json
import pickle
import sys

from fake_torch import Tensor

with open(sys.argv[1], 'rb') as f:
    samples = pickle.load(f)
assert isinstance(samples, list), type(samples)
for s in samples:
    out = {}
    for k, v in s.items():
        if isinstance(v, Tensor):
            out[k] = {'tensor': v.tolist(), 'size': list(v.size)}
        elif isinstance(v, tuple):
            out[k] = {'tuple': list(v)}
        else:
            out[k] = v
    print(json.dumps(out))
