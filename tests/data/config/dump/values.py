# Values that are easy to get wrong when written back as Python.
ints = [0, -1, 9223372036854775807, -9223372036854775807 - 1, True, False]
floats = [0.0, -0.0, 1.0, 0.1, 1e-05, 1e16, 123.675, 2.5e-300, float('inf'), float('-inf'), float('nan')]
strings = ['', "it's", 'say "hi"', 'both \' and "', 'tab\there\nnewline', 'back\\slash', 'caf\u00e9', '{{ braces }}', '%d %s', '#not a comment']
tuples = [(), (1, ), ('a', ), (1, (2, (3, )))]
nested = dict(a=dict(b=dict(c=[dict(d=None)])), empty=dict(), empty_list=[], empty_tuple=())
odd_keys = {'a-b': 1, 'Top 1': 2, 1: 'int key', None: 'none key', (1, 2): 'tuple key', 'class': 3, 'x': {'y z': [1]}}
unsorted = dict(z=1, a=2, M=3)
long_list = list(range(40))
long_string = 'x' * 200
mixed = [1, 'a', 2.5, None, [True], {'k': (1, 2)}]
