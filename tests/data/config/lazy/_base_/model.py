from mmpretrain.models import ImageClassifier, ResNet

model = dict(type=ImageClassifier, backbone=dict(type=ResNet, depth=50, norm=dict(type='BN')))
num_classes = 1000
