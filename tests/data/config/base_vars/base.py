num_classes = 7
model = dict(type='Net', head=dict(num_classes=num_classes, loss=dict(type='CE')))
img_size = 224
crops = [224, 256]
