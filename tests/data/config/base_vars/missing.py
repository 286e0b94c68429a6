_base_ = './base.py'
x = {{_base_.no_such_key}}
