# Ints past 64 bits (MMagic's AnimateDiff seeds) and the operators on them.
randomness = dict(seed=[10917152860782582783, 6399018107401806238, -18446744073709551617])
a = 2 ** 100 + 1
b = (a // 7, a % -7, a >> 3, a << 5, a & 0xFFFF, a | 1, a ^ -1, ~a, -a, abs(-a))
c = [a / 3, a > 1.5e30, a == 2.0 ** 100, int('123456789012345678901234567890'), int(1e30)]
d = f'{a:x} {a:,} {a:>40}' + '%d' % a
e = round(a, -10), float(2 ** 64), sorted([a, 1, -a])
