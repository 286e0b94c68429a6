# Command-line checks of the mmcpp binary, run by ctest (label `cli`):
#
#   cmake -DMMCPP=<mmcpp> -DCONFIG=<file> -DWORK_DIR=<dir> -DMODE=roundtrip -P cli_test.cmake
#     print-config CONFIG, load the printed text again, print it again: both equal.
#   cmake -DMMCPP=<mmcpp> -DCONFIG=<file> -DMODE=error [-DOPTION=k=v] [-DEXPECT=<regex>]
#         -P cli_test.cmake
#     print-config CONFIG [--cfg-options OPTION] must exit with status 1 and print
#     `error: ...` (matching EXPECT) on stderr.
cmake_minimum_required(VERSION 3.22)

if(MODE STREQUAL "roundtrip")
  file(MAKE_DIRECTORY "${WORK_DIR}")
  get_filename_component(name "${CONFIG}" NAME_WE)
  set(first "${WORK_DIR}/${name}.dumped.py")
  execute_process(COMMAND "${MMCPP}" print-config "${CONFIG}"
                  OUTPUT_FILE "${first}" ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "print-config ${CONFIG} failed (${rc}): ${err}")
  endif()
  execute_process(COMMAND "${MMCPP}" print-config "${first}"
                  OUTPUT_VARIABLE second ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "print-config of the dumped ${first} failed (${rc}): ${err}")
  endif()
  file(READ "${first}" expected)
  if(NOT expected STREQUAL second)
    message(FATAL_ERROR "dump -> load -> dump changed the config.\nfirst:\n${expected}\nsecond:\n${second}")
  endif()
elseif(MODE STREQUAL "error")
  set(args "")
  if(DEFINED OPTION)
    set(args --cfg-options "${OPTION}")
  endif()
  execute_process(COMMAND "${MMCPP}" print-config "${CONFIG}" ${args}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc STREQUAL "1")
    message(FATAL_ERROR "expected exit status 1, got '${rc}'.\nstdout: ${out}\nstderr: ${err}")
  endif()
  if(NOT err MATCHES "^error: ")
    message(FATAL_ERROR "stderr does not start with 'error: ':\n${err}")
  endif()
  if(DEFINED EXPECT AND NOT err MATCHES "${EXPECT}")
    message(FATAL_ERROR "stderr does not match '${EXPECT}':\n${err}")
  endif()
else()
  message(FATAL_ERROR "MODE must be roundtrip or error, got '${MODE}'")
endif()
