# torchrun for the tests: torch.distributed.run's main, which /usr/bin/torchrun
# runs, with one fix. Debian's python3-torch 1.13 on Python 3.11 cannot start
# any program: Std.from_str('0') (the default of --redirects and --tee) returns
# None, because `Std(0) in Std` is False for an IntFlag since Python 3.11, and
# torch then fails with "'NoneType' object has no attribute 'get'". Everything
# else (the agent, its store, the variables it sets) is PyTorch's.
import re
import sys

from torch.distributed.elastic.multiprocessing import api


def _from_str(vm):
    if re.match(api._VALUE_REGEX, vm):
        return api.Std(int(vm))
    if re.match(api._MAPPING_REGEX, vm):
        return {int(i): api.Std(int(v)) for i, v in (m.split(':') for m in vm.split(','))}
    raise ValueError(f'{vm} does not match: {api._VALUE_REGEX} or {api._MAPPING_REGEX}')


api.Std.from_str = staticmethod(_from_str)

from torch.distributed.run import main  # noqa: E402

sys.exit(main())
