# Runs "PROGRAM info [MTX]" and checks both its exit status and its output:
#   cmake -DPROGRAM=path [-DMTX=file] [-DOPTIONS=opt|...] -DRC=status
#         [-DEXPECT_TEXT=literal] [-DEXPECT_REGEX=regex] -P run_cli_info.cmake
# With RC 0 the expectations apply to the standard output and the standard
# error must be empty; otherwise they apply to the standard error and the
# standard output must be empty.
if(NOT DEFINED PROGRAM OR NOT DEFINED RC)
  message(FATAL_ERROR "run_cli_info.cmake needs PROGRAM and RC")
endif()
if(NOT DEFINED EXPECT_TEXT AND NOT DEFINED EXPECT_REGEX)
  message(FATAL_ERROR "run_cli_info.cmake needs EXPECT_TEXT or EXPECT_REGEX")
endif()

set(args info)
if(DEFINED MTX)
  list(APPEND args "${MTX}")
endif()
if(DEFINED OPTIONS) # separated by |: a ; would split the -D argument
  string(REPLACE "|" ";" options "${OPTIONS}")
  list(APPEND args ${options})
endif()
execute_process(COMMAND "${PROGRAM}" ${args}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(report "command: ${PROGRAM} ${args}\nstdout:\n${out}\nstderr:\n${err}")

if(NOT "${status}" STREQUAL "${RC}")
  message(FATAL_ERROR "exit status ${status}, expected ${RC}\n${report}")
endif()
if(RC EQUAL 0)
  set(checked "${out}")
  set(quiet "${err}")
else()
  set(checked "${err}")
  set(quiet "${out}")
endif()
if(NOT quiet STREQUAL "")
  message(FATAL_ERROR "unexpected output on the other stream\n${report}")
endif()
if(DEFINED EXPECT_TEXT)
  string(FIND "${checked}" "${EXPECT_TEXT}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "output lacks '${EXPECT_TEXT}'\n${report}")
  endif()
endif()
if(DEFINED EXPECT_REGEX AND NOT checked MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "output does not match '${EXPECT_REGEX}'\n${report}")
endif()
