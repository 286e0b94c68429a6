data_root = '{{$MMCPP_TEST_DATA_ROOT:/default/root}}/images'
batch = {{'$MMCPP_TEST_BATCH:8'}}
quoted = '{{ $MMCPP_TEST_DATA_ROOT:fallback }}'
