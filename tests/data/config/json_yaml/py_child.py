_base_ = ['./child.yml']
model = dict(depth=101)
