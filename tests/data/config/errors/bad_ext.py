_base_ = './base.txt'
