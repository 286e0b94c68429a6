_base_ = './syntax_error.py'
