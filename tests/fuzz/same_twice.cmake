# ctest's fuzz.<target>.same_twice: two fixed-seed runs of the same fuzzer keep the same inputs,
# i.e. what fuzz.<target>.run does cannot depend on luck (see run_fuzz.cmake for the flags).
#   cmake -DFUZZER=<binary> -DCORPUS=<committed corpus> -DWORK=<scratch dir> -DDICT=<dict>
#         -DSEED=<n> -DRUNS=<n> -P same_twice.cmake
foreach(v FUZZER CORPUS WORK DICT SEED RUNS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "same_twice.cmake: -D${v}= is missing")
  endif()
endforeach()
set(kept)
foreach(i 1 2)
  file(REMOVE_RECURSE "${WORK}/${i}")
  file(MAKE_DIRECTORY "${WORK}/${i}")
  execute_process(
    COMMAND "${FUZZER}" -seed=${SEED} -runs=${RUNS} -use_cmp=0 -reload=0 -timeout=60 -rss_limit_mb=2048
            -dict=${DICT} -artifact_prefix=${WORK}/ "${WORK}/${i}" "${CORPUS}"
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${FUZZER} failed (${rc}) in run ${i}: fuzz.*.run reports why")
  endif()
  file(GLOB names RELATIVE "${WORK}/${i}" "${WORK}/${i}/*")
  list(SORT names)
  list(APPEND kept "${names}")
  set(run_${i} "${names}")
endforeach()
if(NOT run_1 STREQUAL run_2)
  message(FATAL_ERROR "two runs of ${FUZZER} with -seed=${SEED} -runs=${RUNS} kept different inputs: "
                      "something in the target depends on the time, the thread schedule or addresses "
                      "(tests/fuzz/fuzz_world.hpp fixes the clocks and seeds; find what else varies)")
endif()
list(LENGTH run_1 n)
message(STATUS "both runs kept the same ${n} inputs")
