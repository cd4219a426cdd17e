# ctest's fuzz.<target>.run: a deterministic libFuzzer run, the same inputs on every machine.
#   cmake -DFUZZER=<binary> -DCORPUS=<committed corpus> -DWORK=<scratch dir> -DDICT=<dict>
#         -DSEED=<n> -DRUNS=<n> -P run_fuzz.cmake
# libFuzzer writes the inputs it keeps into the first corpus directory it is given: that is
# WORK, emptied first, so the committed corpus never changes and every run starts from it
# alone. Any crash, leak, timeout or out-of-memory fails the test with libFuzzer's report;
# the input is kept as WORK/artifacts/crash-* (the output names it).
foreach(v FUZZER CORPUS WORK DICT SEED RUNS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_fuzz.cmake: -D${v}= is missing")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus" "${WORK}/artifacts")
# -timeout=60: a single input over a minute is a hang, not a slow machine.
# -use_cmp=0 and -reload=0 make the run the same run every time: libFuzzer's compare traces
# hold the values the target compared, pointers among them (heap addresses differ from run to
# run), and feed them to its mutations; -reload re-reads the corpus directory on a timer. With
# both off, the same seed keeps the same inputs (fuzz.<target>.same_twice checks it).
# scripts/fuzz.sh, for people, keeps libFuzzer's defaults.
execute_process(
  COMMAND "${FUZZER}" -seed=${SEED} -runs=${RUNS} -use_cmp=0 -reload=0 -timeout=60 -rss_limit_mb=2048
          -print_final_stats=1 -dict=${DICT} -artifact_prefix=${WORK}/artifacts/
          "${WORK}/corpus" "${CORPUS}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB kept "${WORK}/artifacts/*")
  message(FATAL_ERROR "${FUZZER} (-seed=${SEED} -runs=${RUNS}) failed (${rc}); input kept: ${kept}\n"
                      "Reproduce: ${FUZZER} <that file>. To keep it fixed, see docs/hardening.md "
                      "(\"Turning a finding into a regression test\").")
endif()
