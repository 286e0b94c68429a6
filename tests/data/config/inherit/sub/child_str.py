_base_ = '../base_model.py'
model = dict(head=dict(num_classes=5))
