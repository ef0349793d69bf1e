#!/bin/sh
# Line coverage of the library (src/ and kernels/) by the test suite, on the
# CPU build.
#
# Usage: tools/coverage.sh [BUILD_DIR]      (run from anywhere)
#
# Configures BUILD_DIR (default: build-cov, relative to the project root)
# as a Debug build with gcc's --coverage, OpenMP on and the CUDA backend off,
# builds it, clears the counters of any earlier run, and runs ctest on every
# test except those labelled "build" (they configure and build the project
# again, elsewhere) and "lint" (static analysis: it runs no library code).
# Then gcovr prints the summary and the per-file table (lines not covered in
# the Missing column) for src/ and kernels/, and writes an HTML report to
# BUILD_DIR/coverage/index.html.
#
# Needs cmake, gcc (gcov) and gcovr. When gcovr is not on PATH the script
# installs it with "pip install --user gcovr" (set SPG_NO_PIP=1 to refuse).
# A failing test does not stop the report: the script ends with ctest's
# status, so a CI job fails on failing tests but still gets the report.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-cov}
case $build in
/*) ;;
*) build=$root/$build ;;
esac
jobs=$(nproc 2>/dev/null || echo 2)

if ! command -v gcovr >/dev/null 2>&1; then
    if [ "${SPG_NO_PIP:-0}" = 1 ]; then
        echo "coverage.sh: gcovr not found (pip install gcovr)" >&2
        exit 2
    fi
    echo "coverage.sh: installing gcovr with pip" >&2
    python3 -m pip install --user gcovr >&2
    PATH=$(python3 -m site --user-base)/bin:$PATH
fi

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=gcc -DCMAKE_C_FLAGS=--coverage \
    -DCMAKE_BUILD_TYPE=Debug -DSPGRAD_OPENMP=ON -DSPGRAD_CUDA=OFF -DSPGRAD_TESTS=ON
cmake --build "$build" -j "$jobs"

# counters of an earlier run would add to this one's
find "$build" -name '*.gcda' -delete

status=0
ctest --test-dir "$build" -j "$jobs" -LE '^(build|lint)$' --output-on-failure || status=$?

mkdir -p "$build/coverage"
cd "$root"
# CMakeFiles/<version>/ holds CMake's compiler probe, built with --coverage
# too but without its source: gcov cannot read it, so it is left out.
# src/cpu/*.c are compiled once per value and index type (symbolic.c and
# checks.c once per index type), each copy with its own function names;
# --merge-lines counts a line as run when any copy ran it (without the
# option a line of a copy that a test never calls would count again, as
# missed, for each copy).
gcovr --root "$root" --object-directory "$build" --merge-lines \
    --exclude-directories '.*/CMakeFiles/[0-9][0-9.]*' \
    --filter "$root/src/" --filter "$root/kernels/" \
    --print-summary --txt - \
    --html-details "$build/coverage/index.html" "$build"
echo "coverage.sh: HTML report in $build/coverage/index.html"
exit $status
