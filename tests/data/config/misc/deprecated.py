_deprecation_ = dict(expected='new_config.py', reference='https://example.invalid/pr')
x = 1
