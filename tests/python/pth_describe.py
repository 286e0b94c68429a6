"""Describe a .pth checkpoint as PyTorch sees it, as canonical JSON.

    python3 pth_describe.py CHECKPOINT OUT.json

torch.load()s CHECKPOINT (MMEngine's classes, e.g. HistoryBuffer, need not be
installed: unknown classes become stubs that keep their state) and writes
describe(obj) to OUT.json. tests/io/torch_interop_python_test.cpp describes the
same file as mmcpp reads it and compares the two: every key, type and value,
tensors by dtype, shape, strides-free contents (sha256 of their bytes).
"""
import collections
import hashlib
import json
import pickle
import sys
import types

import numpy
import torch


class Stub:
    """An instance of a class that is not importable here (mmengine's)."""

    def __init__(self, *args):
        self.__dict__["_args"] = list(args)

    def __setstate__(self, state):
        self.__dict__["_state"] = state


def stub_class(module, name):
    return type(name, (Stub,), {"__module__": module, "__qualname__": name})


class GlobalRef:
    """getattr(<stub class>, name): a reference to a method, as MMEngine's
    HistoryBuffer pickles its statistics_methods; resolved to nothing."""

    def __init__(self, name):
        self.name = name


def attribute_of_stub(cls, name):
    if not (isinstance(cls, type) and issubclass(cls, Stub)):
        raise pickle.UnpicklingError(f"getattr on {cls!r} is not allowed")
    return GlobalRef(cls.__module__ + "." + cls.__qualname__ + "." + name)


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module in ("__builtin__", "builtins") and name == "getattr":
            return attribute_of_stub
        if module.split(".")[0] in ("torch", "numpy", "collections", "builtins", "_codecs"):
            return super().find_class(module, name)
        return stub_class(module, name)


def pickle_module():
    """The pickle module with our Unpickler (a copy; pickle itself is untouched)."""
    module = types.ModuleType("pickle")
    module.__dict__.update(pickle.__dict__)
    module.Unpickler = Unpickler
    return module


def tensor_bytes_sha256(t):
    t = t.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        data = t.view(torch.int16).numpy().tobytes()
    else:
        data = t.numpy().tobytes()
    return hashlib.sha256(data).hexdigest()


def describe(obj):
    if obj is None:
        return {"type": "None"}
    if isinstance(obj, bool):
        return {"type": "bool", "value": obj}
    if isinstance(obj, int):
        return {"type": "int", "value": str(obj)}
    if isinstance(obj, float):
        return {"type": "float", "value": repr(obj)}
    if isinstance(obj, str):
        return {"type": "str", "value": obj}
    if isinstance(obj, (bytes, bytearray)):
        return {"type": "bytes", "value": bytes(obj).hex()}
    if isinstance(obj, torch.Tensor):
        return {"type": "tensor", "dtype": str(obj.dtype).replace("torch.", ""),
                "shape": list(obj.shape), "requires_grad": obj.requires_grad,
                "sha256": tensor_bytes_sha256(obj)}
    if isinstance(obj, numpy.ndarray):
        return {"type": "ndarray", "dtype": obj.dtype.str, "shape": list(obj.shape),
                "sha256": hashlib.sha256(numpy.ascontiguousarray(obj).tobytes()).hexdigest()}
    if isinstance(obj, numpy.generic):
        return {"type": "numpy_scalar", "dtype": obj.dtype.str,
                "sha256": hashlib.sha256(obj.tobytes()).hexdigest()}
    if isinstance(obj, dict):
        kind = ("Counter" if isinstance(obj, collections.Counter) else
                "OrderedDict" if isinstance(obj, collections.OrderedDict) else "dict")
        return {"type": kind, "items": [[describe(k), describe(v)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"type": type(obj).__name__, "items": [describe(x) for x in obj]}
    if isinstance(obj, (set, frozenset)):
        return {"type": type(obj).__name__, "size": len(obj)}
    if isinstance(obj, Stub):
        cls = type(obj)
        out = {"type": "object", "class": cls.__module__ + "." + cls.__qualname__}
        if "_state" in obj.__dict__:
            out["state"] = describe(obj.__dict__["_state"])
        return out
    if isinstance(obj, GlobalRef):
        return {"type": "global", "name": obj.name}
    if isinstance(obj, type) or callable(obj):
        return {"type": "global", "name": getattr(obj, "__module__", "?") + "." +
                getattr(obj, "__qualname__", getattr(obj, "__name__", "?"))}
    raise TypeError(f"cannot describe {type(obj)}")


def load(path):
    # Debian's torch 1.13 load() replaces any pickle_module by `pickle` unless
    # weights_only (which refuses MMEngine's classes): hand it ours through the
    # name it uses.
    saved = torch.serialization.pickle
    torch.serialization.pickle = pickle_module()
    try:
        return torch.load(path, map_location="cpu")
    finally:
        torch.serialization.pickle = saved


def main():
    obj = load(sys.argv[1])
    with open(sys.argv[2], "w") as f:
        json.dump(describe(obj), f, indent=1)


if __name__ == "__main__":
    main()
