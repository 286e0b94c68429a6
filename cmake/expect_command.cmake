# Runs a command and checks both its exit status and its output (ctest's
# PASS_REGULAR_EXPRESSION alone ignores the exit status, so a program that
# prints the expected line and then crashes would pass):
#
#   cmake [-DEXPECT_STATUS=<n>] [-DEXPECT=<regex>] [-DEXPECT_ALSO=<regex>]
#         [-DREJECT=<regex>] -P expect_command.cmake -- <command> [<args>...]
#
# EXPECT_STATUS defaults to 0; the regexes are matched against stdout and
# stderr together (CMake regex syntax): EXPECT and EXPECT_ALSO must match,
# REJECT must not. On a mismatch it prints the command's whole output and fails.
cmake_minimum_required(VERSION 3.22)

set(command "")
set(found_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(found_separator)
    # Keep a semicolon inside an argument (bash -c "a; b") as part of it.
    string(REPLACE ";" "\\;" arg "${CMAKE_ARGV${i}}")
    list(APPEND command "${arg}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(found_separator TRUE)
  endif()
endforeach()
if(NOT command)
  message(FATAL_ERROR "expect_command.cmake: no command after --")
endif()
if(NOT DEFINED EXPECT_STATUS)
  set(EXPECT_STATUS 0)
endif()

execute_process(COMMAND ${command} OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
message("${out}")
set(problems "")
if(NOT rc STREQUAL "${EXPECT_STATUS}")
  string(APPEND problems "\n  exit status '${rc}', expected ${EXPECT_STATUS}")
endif()
foreach(var EXPECT EXPECT_ALSO)
  if(DEFINED ${var} AND NOT out MATCHES "${${var}}")
    string(APPEND problems "\n  the output does not match '${${var}}'")
  endif()
endforeach()
if(DEFINED REJECT AND out MATCHES "${REJECT}")
  string(APPEND problems "\n  the output matches '${REJECT}' (${CMAKE_MATCH_0})")
endif()
if(problems)
  message(FATAL_ERROR "${command}:${problems}")
endif()
