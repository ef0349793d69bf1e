# Tests of the Matrix Market reader (test_mmread) and of "spgrad info"
# (label cli). Included by tests/CMakeLists.txt, which defines the targets
# spgrad_tools and spgrad_cli.
set(spg_mm_data "${CMAKE_CURRENT_LIST_DIR}/data")

add_executable(test_mmread "${CMAKE_CURRENT_LIST_DIR}/test_mmread.c")
target_link_libraries(test_mmread PRIVATE spgrad_tools)
add_test(NAME test_mmread COMMAND test_mmread "${spg_mm_data}")
set_tests_properties(test_mmread PROPERTIES LABELS cpu)

# Adds the test cli_info_NAME running "spgrad info" through cli_info.cmake,
# which checks the exit status RC and the output; the remaining arguments
# are -D definitions for it (MTX, EXPECT_TEXT, EXPECT_REGEX).
function(spg_add_info_test name rc)
  add_test(NAME cli_info_${name}
           COMMAND ${CMAKE_COMMAND} "-DPROGRAM=$<TARGET_FILE:spgrad_cli>" "-DRC=${rc}"
                   ${ARGN} -P "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/cli_info.cmake")
  set_tests_properties(cli_info_${name} PROPERTIES LABELS cli)
endfunction()

if(TARGET spgrad_cli)
  # Good matrices: exit status 0 and the shape line. Each item is FILE|M x N.
  foreach(item IN ITEMS
          "494_bus|494 x 494" "Groebner_id2003_aug|4967 x 2456"
          "LFAT5_hypersparse|2000 x 2000" "bcsstk13|2003 x 2003" "cage5|37 x 37"
          "jagmesh7|1138 x 1138" "lp_e226|223 x 472" "west0479|479 x 479")
    string(REPLACE "|" ";" parts "${item}")
    list(GET parts 0 file)
    list(GET parts 1 shape)
    spg_add_info_test(${file} 0 "-DMTX=${spg_mm_data}/${file}.mtx"
                      "-DEXPECT_REGEX=shape: +${shape}[^0-9]")
  endforeach()

  # Malformed files: exit status 1 and the message naming the line. Each
  # item is FILE|MESSAGE, FILE relative to the data directory.
  foreach(item IN ITEMS
          "GD99_cc.mtx|line 1: complex matrices are not supported"
          "bad/array.mtx|line 1: dense array files are not supported"
          "bad/bad_index_large.mtx|line 5: row index 4 out of range 1..3"
          "bad/bad_index_zero.mtx|line 4: row index 0 out of range 1..3"
          "bad/bad_value.mtx|line 4: value '1,5' is not a number"
          "bad/garbage.mtx|line 4: column index 'x' is not an integer"
          "bad/huge_claim.mtx|line 5: file ends after 2 of 1000000000000000 entries"
          "bad/negative_size.mtx|line 3: negative row count -3"
          "bad/no_banner.mtx|line 1: missing banner '%%MatrixMarket matrix coordinate"
          "bad/skew_diagonal.mtx|line 4: diagonal entry (2, 2) in a skew-symmetric file"
          "bad/too_many.mtx|line 5: more entries than the 2 the size line claims"
          "bad/trailing.mtx|line 4: unexpected '7' after the entry"
          "bad/truncated.mtx|line 7: file ends after 3 of 5 entries"
          "bad/huge_dims.mtx|line 2: dimensions 1 x 100000000 need 1600000048 bytes for arrays of their rows and columns, over the reader's limit of 1073741824 bytes"
          "nonfinite.mtx|line 4: value 'inf' is not finite")
    string(REPLACE "|" ";" parts "${item}")
    list(GET parts 0 file)
    list(GET parts 1 message)
    get_filename_component(stem "${file}" NAME_WE)
    spg_add_info_test(${stem} 1 "-DMTX=${spg_mm_data}/${file}"
                      "-DEXPECT_TEXT=spgrad info: ${spg_mm_data}/${file}: ${message}")
  endforeach()

  # duplicates summed: 7 triplets, 4 stored entries
  spg_add_info_test(duplicates 0 "-DMTX=${spg_mm_data}/duplicates.mtx"
                    "-DEXPECT_REGEX=stored: +4 entries.*duplicates: +3 summed")

  spg_add_info_test(missing_file 1 "-DMTX=${spg_mm_data}/no_such_file.mtx"
                    "-DEXPECT_TEXT=spgrad info: ${spg_mm_data}/no_such_file.mtx: cannot open")
  spg_add_info_test(usage 2 "-DEXPECT_TEXT=spgrad info: missing FILE argument")

  # The reader's options: a higher limit or none reads the 68-byte file of
  # 10^8 columns; --nonfinite reads inf; bad values are refused.
  spg_add_info_test(max_memory 0 "-DMTX=${spg_mm_data}/bad/huge_dims.mtx"
                    "-DOPTIONS=--max-memory|2G" "-DEXPECT_REGEX=shape: +1 x 100000000[^0-9]")
  spg_add_info_test(max_memory_bad 2 "-DMTX=${spg_mm_data}/bad/huge_dims.mtx"
                    "-DOPTIONS=--max-memory|2X" "-DEXPECT_TEXT=--max-memory needs a byte count")
  spg_add_info_test(nonfinite_read 0 "-DMTX=${spg_mm_data}/nonfinite.mtx" "-DOPTIONS=--nonfinite"
                    "-DEXPECT_REGEX=values: +min -inf, max inf")
  spg_add_info_test(unknown_option 2 "-DMTX=${spg_mm_data}/cage5.mtx" "-DOPTIONS=--fast"
                    "-DEXPECT_TEXT=spgrad info: unknown argument")
  spg_add_info_test(directory 1 "-DMTX=${spg_mm_data}/bad"
                    "-DEXPECT_TEXT=spgrad info: ${spg_mm_data}/bad: line 1: read error: Is a directory")
endif()

# The reader under a locale whose decimal point is a comma: de_DE.UTF-8,
# compiled by localedef (glibc's, with Debian's locales sources) into the
# build directory, then test_mmread with CHECK_DECIMAL_COMMA, which makes
# it check that the locale took effect before it reads anything.
set(spg_locales "${CMAKE_CURRENT_BINARY_DIR}/locales")
add_test(NAME locale_de_DE
         COMMAND sh -c "mkdir -p '${spg_locales}' && localedef -i de_DE -f UTF-8 '${spg_locales}/de_DE.UTF-8'")
set_tests_properties(locale_de_DE PROPERTIES LABELS cpu FIXTURES_SETUP decimal_comma)
add_test(NAME test_mmread_decimal_comma COMMAND test_mmread "${spg_mm_data}")
set_tests_properties(test_mmread_decimal_comma PROPERTIES
                     LABELS cpu FIXTURES_REQUIRED decimal_comma
                     ENVIRONMENT "LOCPATH=${spg_locales};LC_ALL=de_DE.UTF-8;CHECK_DECIMAL_COMMA=de_DE.UTF-8")
