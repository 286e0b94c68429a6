test_dataloader = [dict(dataset=dict(pipeline=[dict(type='Resize')])) for _ in range(2)]
for dataloader in test_dataloader:
    dataloader['dataset']['pipeline'][0]['scale'] = 2
scale, keep = 4, True
if scale > 2 and keep:
    factor = scale // 2
else:
    factor = 1
reg_loss_weight: float = 0.0005
experiment_name = 'edsr_x2c64b16_1xb16-300k_div2k'
work_dir = f'./work_dirs/{experiment_name}'
size = max(len(test_dataloader), 3) - 1 + float(2)
