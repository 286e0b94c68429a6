# The library floors, checked on every #include "mmcpp/..." of mmcpp/ (ctest
# label `lint`):
#   core/                 includes only core/ (the ground floor);
#   config registry io engine data evaluation visualization (mmcpp_engine)
#                         include nothing of cv/, pretrain/, editing/;
#   cv/                   nothing of pretrain/, editing/;
#   pretrain/ and editing/ never each other.
#
#   cmake -DSOURCE_DIR=<repo> -P layering_test.cmake
cmake_minimum_required(VERSION 3.22)

set(forbidden_core "config|registry|io|engine|data|evaluation|visualization|cv|pretrain|editing")
set(forbidden_engine "cv|pretrain|editing")
set(forbidden_cv "pretrain|editing")
set(forbidden_pretrain "editing")
set(forbidden_editing "pretrain")

file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/mmcpp/*.h" "${SOURCE_DIR}/mmcpp/*.cpp"
     "${SOURCE_DIR}/mmcpp/*.inc")
set(violations "")
set(checked 0)
foreach(f IN LISTS files)
  string(REGEX MATCH "^mmcpp/([a-z_]+)/" _ "${f}")
  set(floor "${CMAKE_MATCH_1}")
  if(floor STREQUAL "core")
    set(bad "${forbidden_core}")
  elseif(floor MATCHES "^(config|registry|io|engine|data|evaluation|visualization)$")
    set(bad "${forbidden_engine}")
  elseif(floor STREQUAL "cv")
    set(bad "${forbidden_cv}")
  elseif(floor STREQUAL "pretrain")
    set(bad "${forbidden_pretrain}")
  elseif(floor STREQUAL "editing")
    set(bad "${forbidden_editing}")
  else()
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  file(STRINGS "${SOURCE_DIR}/${f}" includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"mmcpp/")
  foreach(line IN LISTS includes)
    if(line MATCHES "\"mmcpp/(${bad})/")
      string(APPEND violations "\n  ${f}: ${line}")
    endif()
  endforeach()
endforeach()
if(checked EQUAL 0)
  message(FATAL_ERROR "no source under ${SOURCE_DIR}/mmcpp")
endif()
if(violations)
  message(FATAL_ERROR "includes that break the library floors:${violations}")
endif()
message(STATUS "${checked} files keep to their floor")
