_base_ = '../star.py'
x = 1
