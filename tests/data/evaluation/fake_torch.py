"""A stand-in for the parts of torch 1.13 that pickle tensors by value, so that
Python's own pickle module can write and read DumpResults files without torch.

Writing mirrors torch: Tensor.__reduce_ex__ -> torch._utils._rebuild_tensor_v2(
storage, offset, size, stride, requires_grad, OrderedDict()), and
TypedStorage.__reduce__ -> torch.storage._load_from_bytes(<torch._legacy_save of
the storage>). Reading runs the same functions in reverse.
"""
import collections
import io
import pickle
import struct
import sys
import types

MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
PROTOCOL_VERSION = 1001
FORMATS = {'FloatStorage': 'f', 'DoubleStorage': 'd', 'LongStorage': 'q', 'IntStorage': 'i',
           'ByteStorage': 'B', 'BoolStorage': '?'}


class Storage:
    def __init__(self, type_name, values):
        self.type_name = type_name
        self.values = list(values)

    def __reduce__(self):
        return (_load_from_bytes, (_legacy_save(self),))


class Tensor:
    def __init__(self, type_name, values, size):
        self.storage = Storage(type_name, values)
        self.size = tuple(size)

    def tolist(self):
        return list(self.storage.values)

    def __reduce_ex__(self, proto):
        stride, acc = [], 1
        for s in reversed(self.size):
            stride.insert(0, acc)
            acc *= s
        return (_rebuild_tensor_v2, (self.storage, 0, self.size, tuple(stride), False,
                                     collections.OrderedDict()))


def _storage_class(name):
    cls = type(name, (), {})
    cls.__module__ = 'torch'
    return cls


def _legacy_save(storage):
    f = io.BytesIO()
    pickle.dump(MAGIC_NUMBER, f, protocol=2)
    pickle.dump(PROTOCOL_VERSION, f, protocol=2)
    pickle.dump(dict(protocol_version=PROTOCOL_VERSION, little_endian=True,
                     type_sizes=dict(short=2, int=4, long=4)), f, protocol=2)
    pickler = pickle.Pickler(f, protocol=2)
    cls = getattr(torch_module, storage.type_name)
    pickler.persistent_id = lambda obj: (
        ('storage', cls, '0', 'cpu', len(obj.values), None) if isinstance(obj, Storage) else None)
    pickler.dump(storage)
    pickle.dump(['0'], f, protocol=2)
    f.write(struct.pack('<q', len(storage.values)))
    f.write(struct.pack('<%d%s' % (len(storage.values), FORMATS[storage.type_name]),
                        *storage.values))
    return f.getvalue()


def _load_from_bytes(b):
    f = io.BytesIO(b)
    assert pickle.load(f) == MAGIC_NUMBER
    assert pickle.load(f) == PROTOCOL_VERSION
    sys_info = pickle.load(f)
    assert sys_info['little_endian']
    roots = {}

    class Unpickler(pickle.Unpickler):
        def persistent_load(self, pid):
            tag, cls, key, location, numel, view = pid
            assert tag == 'storage' and view is None
            roots[key] = Storage(cls.__name__, [None] * numel)
            return roots[key]

    result = Unpickler(f).load()
    for key in pickle.load(f):
        (numel,) = struct.unpack('<q', f.read(8))
        s = roots[key]
        fmt = FORMATS[s.type_name]
        s.values = list(struct.unpack('<%d%s' % (numel, fmt),
                                      f.read(numel * struct.calcsize(fmt))))
    return result


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks):
    t = Tensor.__new__(Tensor)
    numel = 1
    for s in size:
        numel *= s
    assert all(st >= 0 for st in stride)
    t.storage = Storage(storage.type_name, storage.values[offset:offset + numel])
    t.size = tuple(size)
    return t


torch_module = types.ModuleType('torch')
utils_module = types.ModuleType('torch._utils')
storage_module = types.ModuleType('torch.storage')
for _name in FORMATS:
    setattr(torch_module, _name, _storage_class(_name))
_rebuild_tensor_v2.__module__ = 'torch._utils'
_load_from_bytes.__module__ = 'torch.storage'
utils_module._rebuild_tensor_v2 = _rebuild_tensor_v2
storage_module._load_from_bytes = _load_from_bytes
torch_module._utils = utils_module
torch_module.storage = storage_module
sys.modules.setdefault('torch', torch_module)
sys.modules.setdefault('torch._utils', utils_module)
sys.modules.setdefault('torch.storage', storage_module)
