from mmpretrain.models import ResNet

model = ResNet(depth=50)
