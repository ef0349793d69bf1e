# Configures, builds and tests the library without OpenMP: the CPU backend
# must still work, serially. Variables: SRC (project root), WORK, CC.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message("${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()

run(${CMAKE_COMMAND} -S ${SRC} -B ${WORK} -DSPGRAD_OPENMP=OFF -DSPGRAD_WERROR=ON
    -DSPGRAD_TESTS=ON -DCMAKE_C_COMPILER=${CC})
file(READ ${WORK}/CMakeCache.txt cache)
if(cache MATCHES "OpenMP_C_FLAGS:")
  message(FATAL_ERROR "the serial build looked for OpenMP")
endif()
run(${CMAKE_COMMAND} --build ${WORK} --target test_assemble test_errors test_threads -j 2)
run(${CMAKE_COMMAND} -E chdir ${WORK} ${CMAKE_CTEST_COMMAND} -R "^test_(assemble|errors|threads)$"
    --output-on-failure)
