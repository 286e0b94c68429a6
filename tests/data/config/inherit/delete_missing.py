_base_ = './base_schedule.py'
# _delete_ in a key the base does not have stays in the dict, as in MMEngine.
new_key = dict(_delete_=True, a=1)
