_base_ = './base.py'
# Mutating the base in place, without redefining model, changes the result.
_base_.model.head.num_classes = 18
_base_['model']['head']['loss']['weight'] = 0.5
_base_.model.head.update(dict(extra=dict(a=1)))
