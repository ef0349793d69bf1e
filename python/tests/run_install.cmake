# pip install ./python, then the NumPy, JAX and PyTorch smoke test on the
# installed package alone (no build tree, no source tree on the path).
# -DPY=python -DSRC=python/ -DWORK=scratch directory
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()
# the build's own requirements come from the environment (tools/setup.sh)
run(${PY} -m pip wheel --quiet --no-build-isolation --no-deps ${SRC} -w ${WORK}/wheel)
file(GLOB wheel ${WORK}/wheel/spgrad-*.whl)
run(${PY} -m pip install --quiet --no-deps --target ${WORK}/site ${wheel})
run(${CMAKE_COMMAND} -E env --unset=SPGRAD_LIBRARY_DIR PYTHONPATH=${WORK}/site
    ${PY} ${SRC}/tests/smoke.py ${WORK}/site)
