# Runs "PROGRAM bench --json ARGS" and checks its JSON: a row for each
# timed operation, each with a positive median, and GB/s where a bytes model
# is kept; a positive reference bandwidth.
#   cmake -DPROGRAM=path -DARGS=arg|arg... -P run_cli_bench.cmake
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND "${PROGRAM}" bench --json ${args}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "exit status ${status}\n${out}\n${err}")
endif()
string(JSON rows LENGTH "${out}" rows)
string(JSON ref GET "${out}" reference gbs)
if(rows LESS 14 OR NOT ref GREATER 0)
  message(FATAL_ERROR "${rows} rows, reference ${ref} GB/s:\n${out}")
endif()
math(EXPR last "${rows} - 1")
foreach(i RANGE ${last})
  string(JSON op GET "${out}" rows ${i} op)
  string(JSON t GET "${out}" rows ${i} median_s)
  string(JSON bytes GET "${out}" rows ${i} bytes)
  string(JSON gbs GET "${out}" rows ${i} gbs)
  if(NOT t GREATER 0 OR (bytes GREATER 0 AND NOT gbs GREATER 0))
    message(FATAL_ERROR "row ${op}: median ${t} s, ${bytes} bytes, ${gbs} GB/s\n${out}")
  endif()
endforeach()
message("${rows} rows, reference ${ref} GB/s")
