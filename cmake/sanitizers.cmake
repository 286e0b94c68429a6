# -DMMCPP_SANITIZE=address,undefined builds everything with those sanitizers.
if(MMCPP_SANITIZE)
  add_compile_options(-fsanitize=${MMCPP_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${MMCPP_SANITIZE})
endif()
