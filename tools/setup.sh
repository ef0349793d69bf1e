#!/bin/sh
# What the build needs beyond a C compiler and CMake: SuiteSparse (CHOLMOD,
# UMFPACK) for the sparse solves. Installs Debian's libsuitesparse-dev when
# it is missing and this runs as root; otherwise prints the command to run.
# Without it the library still builds, and its solves return
# SPG_ERR_NOT_BUILT (configure with -DSPGRAD_SUITESPARSE=OFF to say so).
set -eu
for dir in /usr/include/suitesparse /usr/local/include/suitesparse /usr/include /usr/local/include; do
    if [ -f "$dir/cholmod.h" ] && [ -f "$dir/umfpack.h" ]; then
        exit 0
    fi
done
cmd="apt-get update && apt-get install -y libsuitesparse-dev"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "tools/setup.sh: installing SuiteSparse: $cmd"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsuitesparse-dev >/dev/null
    exit 0
fi
echo "tools/setup.sh: SuiteSparse (CHOLMOD, UMFPACK) is missing; install it with" >&2
echo "    sudo sh -c '$cmd'" >&2
echo "or configure with -DSPGRAD_SUITESPARSE=OFF to build without sparse solves." >&2
exit 1
