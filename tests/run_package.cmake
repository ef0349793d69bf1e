# Installs the build into a scratch prefix, then builds and runs a consumer
# program against it through find_package(spgrad) and through pkg-config.
# Variables: BUILD (the project's build dir), SRC (tests/package), WORK.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message("${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})
foreach(f include/spgrad.h bin/spgrad)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
file(GLOB_RECURSE libs ${prefix}/*/libspgrad.so ${prefix}/*/libspgrad.a
     ${prefix}/*/spgradConfig.cmake ${prefix}/*/spgrad.pc)
list(LENGTH libs nlibs)
if(NOT nlibs EQUAL 4)
  message(FATAL_ERROR "expected shared and static libraries, CMake package and pkg-config file: ${libs}")
endif()
run(${prefix}/bin/spgrad --help)

# CMake package
run(${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/build -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_C_COMPILER=${CC})
run(${CMAKE_COMMAND} --build ${WORK}/build)
run(${WORK}/build/consumer_shared)
run(${WORK}/build/consumer_static)

# pkg-config, where it is installed
find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  list(FILTER libs INCLUDE REGEX "spgrad.pc$")
  get_filename_component(pcdir ${libs} DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} ${pcdir})
  execute_process(COMMAND ${PKG_CONFIG} --cflags --libs spgrad OUTPUT_VARIABLE flags
                  RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config does not find spgrad")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run(${CC} ${SRC}/consumer.c ${flags} -o ${WORK}/consumer_pc)
  set(ENV{LD_LIBRARY_PATH} ${pcdir}/..)
  run(${WORK}/consumer_pc)
endif()
