data_root = '{{$MMCPP_TEST_UNSET_NO_DEFAULT:}}'
