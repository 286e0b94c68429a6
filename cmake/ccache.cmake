# Use ccache when it is installed: rebuilds on CI's 2 cores are dominated by
# LibTorch headers. The sloppiness lets ccache cache objects built with a
# precompiled header.
find_program(MMCPP_CCACHE ccache)
if(MMCPP_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
      # Paths relative to the checkout: a fresh clone (as CI builds) hits the cache.
      "CCACHE_BASEDIR=${CMAKE_SOURCE_DIR}" "CCACHE_NOHASHDIR=true"
      ${MMCPP_CCACHE})
endif()
