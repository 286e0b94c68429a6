optimizer = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4)
param_scheduler = dict(type='MultiStepLR', milestones=[30, 60, 90])
max_epochs = 100
