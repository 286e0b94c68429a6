_base_ = './base.py'
# Text substitution: the base value itself, not a string.
head_classes = {{_base_.num_classes}}
loss = {{ _base_.model.head.loss }}
pipeline = [dict(type='Resize', scale={{_base_.img_size}}), dict(type='Crop', sizes={{_base_.crops}})]
# Attribute and subscript reads of _base_ at run time.
doubled = _base_.num_classes * 2
head_type = _base_['model']['head']['loss']['type']
model = dict(head=dict(num_classes=_base_.num_classes + 1))
