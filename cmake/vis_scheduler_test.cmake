# `mmcpp vis-scheduler` checks, run by ctest (label `cli`):
#
#   cmake -DMMCPP=<mmcpp> -DCONFIG=<file> -DWORK_DIR=<dir> -P vis_scheduler_test.cmake
#
# Runs vis-scheduler CONFIG --dataset-size 8 --window-size 640x360 --json --save-path
# on tests/data/vis_scheduler/warmup_cosine.py and checks the JSON (shape and values
# of the schedule: LinearLR 0.125 -> 0.5 over 4 iterations, then the cosine
# 1e-4 + (0.5 - 1e-4) * (1 + cos(pi * t / 20)) / 2, t = iteration - 4), the PNG
# (signature and IHDR size), then that a save path in a missing folder is a
# FileNotFoundError with exit status 1.
cmake_minimum_required(VERSION 3.22)

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(json_file "${WORK_DIR}/lr.json")
set(png_file "${WORK_DIR}/lr.png")
execute_process(COMMAND "${MMCPP}" vis-scheduler "${CONFIG}" --dataset-size 8 --not-show
                        --window-size 640x360 --json "${json_file}" --save-path "${png_file}"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vis-scheduler failed (${rc}):\n${out}\n${err}")
endif()
foreach(expected "Iterations per epoch: 4" "graph is saved at")
  string(FIND "${out}" "${expected}" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "output lacks '${expected}':\n${out}")
  endif()
endforeach()

file(READ "${json_file}" doc)
string(JSON parameter GET "${doc}" parameter)
string(JSON ipe GET "${doc}" iters_per_epoch)
string(JSON num_iters GET "${doc}" num_iters)
string(JSON ngroups LENGTH "${doc}" groups)
string(JSON nvalues LENGTH "${doc}" groups 0)
if(NOT parameter STREQUAL "lr" OR NOT ipe EQUAL 4 OR NOT num_iters EQUAL 24
   OR NOT ngroups EQUAL 1 OR NOT nvalues EQUAL 24)
  message(FATAL_ERROR "unexpected JSON header: parameter=${parameter} iters_per_epoch=${ipe} "
                      "num_iters=${num_iters} groups=${ngroups} values=${nvalues}")
endif()
# Iterations and bounds of their lr (relative tolerance ~1e-12).
set(iters 0 2 4 5 14 23)
set(los 0.124999999999 0.374999999999 0.499999999999 0.496922700731 0.250049999999
        0.00317729926824)
set(his 0.125000000001 0.375000000001 0.500000000001 0.496922700732 0.250050000001
        0.00317729926825)
foreach(k RANGE 5)
  list(GET iters ${k} i)
  list(GET los ${k} lo)
  list(GET his ${k} hi)
  string(JSON v GET "${doc}" groups 0 ${i})
  if(v LESS lo OR v GREATER hi)
    message(FATAL_ERROR "lr of iteration ${i} is ${v}, expected within [${lo}, ${hi}]")
  endif()
endforeach()

# PNG: signature, then the IHDR chunk with width and height (big-endian).
file(READ "${png_file}" head LIMIT 24 HEX)
string(SUBSTRING "${head}" 0 16 signature)
string(SUBSTRING "${head}" 24 8 ihdr)
string(SUBSTRING "${head}" 32 8 width)
string(SUBSTRING "${head}" 40 8 height)
if(NOT signature STREQUAL "89504e470d0a1a0a" OR NOT ihdr STREQUAL "49484452")
  message(FATAL_ERROR "${png_file} is not a PNG: ${head}")
endif()
math(EXPR width "0x${width}")
math(EXPR height "0x${height}")
if(NOT width EQUAL 640 OR NOT height EQUAL 360)
  message(FATAL_ERROR "PNG is ${width}x${height}, expected 640x360")
endif()

# A save path in a folder that does not exist: MMPretrain's FileNotFoundError.
execute_process(COMMAND "${MMCPP}" vis-scheduler "${CONFIG}" --dataset-size 8 --not-show
                        --save-path "${WORK_DIR}/missing/lr.png"
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc STREQUAL "1" OR NOT err MATCHES "^error: FileNotFoundError: The save path is")
  message(FATAL_ERROR "expected exit status 1 and a FileNotFoundError, got ${rc}:\n${err}")
endif()
