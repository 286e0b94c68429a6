"""Writes mmpretrain_dump.pkl: what MMPretrain's `tools/test.py --out` writes
(MMEngine's DumpResults: mmengine.dump(list of DataSample.to_dict(), protocol 2))
for 20 Fashion-MNIST-like predictions, with tensors pickled as torch 1.13 does
(fake_torch.py). Sample i: gt_label i % 10; pred_label i % 10 for i < 14 (so
top-1 = 70.0), else (i + 1) % 10, with the gt class second best (top-2 = 100.0).
"""
import os
import pickle

from fake_torch import Tensor


def sample(i):
    gt = i % 10
    pred = gt if i < 14 else (i + 1) % 10
    score = [0.01] * 10
    score[pred] = 0.7
    if pred != gt:
        score[gt] = 0.2
    return {
        'img_path': f'data/fashion/test/{i:05d}.png',
        'ori_shape': (28, 28),
        'img_shape': (28, 28),
        'sample_idx': i,
        'num_classes': 10,
        'gt_label': Tensor('LongStorage', [gt], (1, )),
        'pred_score': Tensor('FloatStorage', score, (10, )),
        'pred_label': Tensor('LongStorage', [pred], (1, )),
    }


if __name__ == '__main__':
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, 'mmpretrain_dump.pkl'), 'wb') as f:
        f.write(pickle.dumps([sample(i) for i in range(20)], protocol=2))
