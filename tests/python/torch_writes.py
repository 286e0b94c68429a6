"""Write a checkpoint with PyTorch, and describe it.

    python3 torch_writes.py OUT.pth OUT.json

A small model trained a few steps with SGD (momentum, weight decay) and Adam,
their optimizer and scheduler state dicts, MMEngine-style meta and values of
every kind a checkpoint holds (ints beyond 64 bits, nan/inf, unicode, bytes,
tuples, OrderedDict, Counter, non-contiguous and storage-sharing tensors of
several dtypes). torch.save()s it (zip format) to OUT.pth and writes
pth_describe.describe() of what was saved to OUT.json.
tests/io/torch_interop_python_test.cpp reads OUT.pth with mmcpp and compares.
"""
import collections
import json
import math
import sys

import torch

from pth_describe import describe


def main():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                torch.nn.Linear(4, 2))
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    adam = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.99))
    multistep = torch.optim.lr_scheduler.MultiStepLR(sgd, milestones=[2, 4], gamma=0.5)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(adam, T_max=5)
    for _ in range(3):
        x = torch.randn(8, 3)
        loss = model(x).square().mean()
        sgd.zero_grad()
        adam.zero_grad()
        loss.backward()
        sgd.step()
        adam.step()
        multistep.step()
        cosine.step()

    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    ckpt = {
        "meta": {"epoch": 3, "iter": 3, "seed": 0, "mmengine_version": "0.11.0rc0",
                 "dataset_meta": {"classes": ("a", "b")}},
        "state_dict": model.state_dict(),
        "optimizer": sgd.state_dict(),
        "adam": adam.state_dict(),
        "param_schedulers": [multistep.state_dict(), cosine.state_dict()],
        "values": {
            "big_int": 2**70 + 1, "negative_big_int": -(2**65), "int": -7, "float": 0.1,
            "nan": math.nan, "inf": math.inf, "text": "résumé ☃", "bytes": b"\x00\xffab",
            "tuple": (1, (2.5, None), [True, False]), "empty": {},
            "ordered": collections.OrderedDict([("z", 1), ("a", 2)]),
            "counter": collections.Counter({15: 1, 30: 2}),
        },
        "tensors": {
            "float64": torch.linspace(-1, 1, 5, dtype=torch.float64),
            "int64": torch.tensor([-(2**40), 0, 5]),
            "uint8": torch.arange(250, 256, dtype=torch.uint8),
            "bool": torch.tensor([True, False, True]),
            "float16": torch.tensor([0.5, -2.0, 65504.0], dtype=torch.float16),
            "bfloat16": torch.tensor([1.5, -3.0], dtype=torch.bfloat16),
            "scalar": torch.tensor(3.25),
            "empty": torch.zeros(0, 3),
            "transposed": base.t(),
            "view_a": base[1],
            "view_b": base[:, 2],
            "requires_grad": torch.nn.Parameter(torch.ones(2)),
        },
    }
    torch.save(ckpt, sys.argv[1])
    with open(sys.argv[2], "w") as f:
        json.dump(describe(ckpt), f, indent=1)


if __name__ == "__main__":
    main()
