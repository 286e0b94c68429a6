# The oracle tests on another oracle folder, chosen at run time: a few cases of
# each kind of the real oracle under other names (models/renamed_model/,
# cases renamed `x_*`, a handful of schedules and --cfg-options cases), given
# through $MMCPP_ORACLE_DIR to the same build. They must pass without a skip:
# no harness may hold the shared set's case names or counts.
#
#   cmake -DORACLE=<oracle dir> -DWORK_DIR=<scratch> -DTESTS=<mmcpp_oracle_tests>
#         -P oracle_subset_test.cmake
cmake_minimum_required(VERSION 3.22)

set(sub "${WORK_DIR}/oracle")
file(REMOVE_RECURSE "${sub}")
file(MAKE_DIRECTORY "${sub}")

# The first `count` files of `from` matching `glob`, linked into `to` as x_<name>.
function(link_renamed from glob to count)
  file(GLOB files LIST_DIRECTORIES false "${from}/${glob}")
  list(SORT files)
  list(LENGTH files n)
  if(n EQUAL 0)
    message(FATAL_ERROR "no ${glob} in ${from}")
  endif()
  if(n GREATER count)
    list(SUBLIST files 0 ${count} files)
  endif()
  file(MAKE_DIRECTORY "${to}")
  foreach(f IN LISTS files)
    get_filename_component(name "${f}" NAME)
    file(CREATE_LINK "${f}" "${to}/x_${name}" SYMBOLIC)
  endforeach()
endfunction()

# models: one model folder under another name, and the hostile files.
file(MAKE_DIRECTORY "${sub}/models")
file(CREATE_LINK "${ORACLE}/models/lenet5" "${sub}/models/renamed_model" SYMBOLIC)
file(CREATE_LINK "${ORACLE}/models/_bad" "${sub}/models/_bad" SYMBOLIC)
# transforms: six cases renamed, PackInputs as is, the shared images and outputs.
file(MAKE_DIRECTORY "${sub}/transforms")
foreach(item images outputs index.json)
  file(CREATE_LINK "${ORACLE}/transforms/${item}" "${sub}/transforms/${item}" SYMBOLIC)
endforeach()
link_renamed("${ORACLE}/transforms/cases" "[a-z]*.json" "${sub}/transforms/cases" 6)
file(CREATE_LINK "${ORACLE}/transforms/cases/_packinputs.json"
     "${sub}/transforms/cases/_packinputs.json" SYMBOLIC)
# a few schedules, paramwise and optimizer cases.
link_renamed("${ORACLE}/schedulers" "*.json" "${sub}/schedulers" 4)
link_renamed("${ORACLE}/paramwise" "*.json" "${sub}/paramwise" 4)
link_renamed("${ORACLE}/optimizers" "*.json" "${sub}/optimizers" 3)
# config: the trees and expected results, five --cfg-options cases renamed.
file(MAKE_DIRECTORY "${sub}/config/expected")
file(CREATE_LINK "${ORACLE}/config/trees" "${sub}/config/trees" SYMBOLIC)
file(GLOB indexes "${ORACLE}/config/expected/*.index.json")
foreach(index IN LISTS indexes)
  get_filename_component(name "${index}" NAME)
  string(REPLACE ".index.json" "" package "${name}")
  file(CREATE_LINK "${index}" "${sub}/config/expected/${name}" SYMBOLIC)
  file(CREATE_LINK "${ORACLE}/config/expected/${package}" "${sub}/config/expected/${package}"
       SYMBOLIC)
endforeach()
link_renamed("${ORACLE}/config/expected/options" "*.json" "${sub}/config/expected/options" 5)

set(filter "PthReaderOracle.*:PthWriterOracle.*:TransformsOracle.*:PackInputsOracle.*")
string(APPEND filter ":ParamSchedulerOracle.*:ScheduleSimulationOracle.*:ParamwiseOracle.*")
string(APPEND filter ":OptimizerOracle.*:ClsDataPreprocessorOracle.*")
string(APPEND filter ":ConfigOracle.CfgOptionsCasesMatchMMEngine")
execute_process(COMMAND ${CMAKE_COMMAND} -E env "MMCPP_ORACLE_DIR=${sub}" "${TESTS}"
                        "--gtest_filter=${filter}"
                OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the oracle tests failed on a renamed subset of the oracle (${rc})")
endif()
if(out MATCHES "SKIPPED")
  message(FATAL_ERROR "an oracle test skipped on a renamed subset of the oracle")
endif()
file(REMOVE_RECURSE "${sub}")
