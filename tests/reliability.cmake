# Reliability tests, included by tests/CMakeLists.txt after spg_test is
# defined: hostile inputs (sizes at the limits of the index types, NaN and
# infinities, malformed CSC views, NULL for every pointer argument) and
# concurrent use from user threads (C11 <threads.h>). Both also carry the
# label "reliability": ctest -L reliability.
find_package(Threads REQUIRED)

spg_test(test_hostile)
spg_test(test_concurrency LIBS Threads::Threads)
set_property(TEST test_hostile test_concurrency APPEND PROPERTY LABELS reliability)
