_base_ = 'base.py'
mean = _base_.data_preprocessor['mean']
_base_.train_dataloader.dataset.pipeline = [dict(type='PackInputs')]
_base_['test_pipeline'][0]['scale'] = 160
