a = 1
_base_ = ['./does_not_exist.py']
