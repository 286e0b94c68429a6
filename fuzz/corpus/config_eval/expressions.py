import copy

bgr_mean = [103.53, 116.28, 123.675]
rgb_mean = bgr_mean[::-1]
pad_val = [round(x) for x in bgr_mean]
lr = 5e-4 * 1024 / 512
crop = int(320 / 224 * 256)
embed = 128 * 2**3
names = ['backbone.layers.{}'.format(i) for i in range(4)]
custom_keys = {'.cls_token': dict(decay_mult=0.), '.pos_embed': dict(decay_mult=0.0)}
common = dict(type='MNIST', data_prefix='data/mnist')
train = dict(**common, test_mode=False)
test = copy.deepcopy(train)
test['test_mode'] = True
steps = [1, 2]
steps *= 2
prompt = f'lr={lr} crop={crop}'
flags = (True, False, None, -1, 0x10, 1_000, .5, 5., 1e400)
