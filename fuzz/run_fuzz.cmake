# Runs one fuzz target for SECONDS on a fresh copy of its seed corpus, so
# that the inputs libFuzzer adds never land in the source tree.
#   cmake -DFUZZER=prog -DSEEDS=dir -DWORK=dir -DSECONDS=s [-DARGS=a;b] -P run_fuzz.cmake
# Crash, leak and timeout inputs are written to WORK; the run fails on any.
foreach(var FUZZER SEEDS WORK SECONDS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzz.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
file(GLOB seeds ${SEEDS}/*)
if(seeds)
  file(COPY ${seeds} DESTINATION ${WORK}/corpus)
endif()

execute_process(COMMAND ${FUZZER} ${ARGS} -max_total_time=${SECONDS} -print_final_stats=1
                        -artifact_prefix=${WORK}/ ${WORK}/corpus
                WORKING_DIRECTORY ${WORK}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB found ${WORK}/crash-* ${WORK}/leak-* ${WORK}/timeout-* ${WORK}/oom-*)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); its inputs: ${found}")
endif()
