#!/bin/sh
# What the build needs beyond a C compiler and CMake, run from the project's
# root before configuring:
# - SuiteSparse (CHOLMOD, UMFPACK) for the CPU's sparse solves. Installs
#   Debian's libsuitesparse-dev when it is missing and this runs as root;
#   otherwise prints the command and fails. Configure with
#   -DSPGRAD_SUITESPARSE=OFF to build without (solves: SPG_ERR_NOT_BUILT).
# - OpenBLAS, pthread build (libopenblas0-pthread), under SuiteSparse's
#   BLAS: Debian's reference BLAS makes CHOLMOD's factorisations about 4x
#   slower, and OpenBLAS's OpenMP build slower still beside an OpenMP
#   program (bench/README.md). Installed as root; otherwise a note only.
# - cuDSS for the CUDA backend's solves, where the CUDA toolkit is found:
#   NVIDIA's wheel nvidia-cudss-cu13, unpacked by pip into .deps/cudss
#   (headers and library, which CMake finds there). Optional: without it
#   the CUDA backend's solves return SPG_ERR_NOT_BUILT.
# - The Python package's environment, python/.venv: numpy, scipy, JAX (CPU),
#   PyTorch, pytest and scikit-build-core from the package index, for the
#   Python tests (ctest label python) and `pip install ./python`. PyTorch's
#   Linux wheel brings NVIDIA's CUDA libraries: about 6 GiB in all.
#   SPGRAD_SETUP_PYTHON=0 skips it; CMake then builds no Python parts.
# - MPI (Debian's OpenMPI: libopenmpi-dev, openmpi-bin) for the distributed
#   layer (spgrad_mpi.h) and its tests under mpirun. Installed as root when
#   missing; otherwise a note, and CMake builds no MPI parts
#   (-DSPGRAD_MPI=OFF says so explicitly).
set -eu
cd "$(dirname "$0")/.."

have_suitesparse() {
    for dir in /usr/include/suitesparse /usr/local/include/suitesparse /usr/include /usr/local/include; do
        if [ -f "$dir/cholmod.h" ] && [ -f "$dir/umfpack.h" ]; then
            return 0
        fi
    done
    return 1
}

suitesparse() {
    have_suitesparse && return 0
    cmd="apt-get update && apt-get install -y libsuitesparse-dev"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "tools/setup.sh: installing SuiteSparse: $cmd"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsuitesparse-dev >/dev/null
        return 0
    fi
    echo "tools/setup.sh: SuiteSparse (CHOLMOD, UMFPACK) is missing; install it with" >&2
    echo "    sudo sh -c '$cmd'" >&2
    echo "or configure with -DSPGRAD_SUITESPARSE=OFF to build without sparse solves." >&2
    return 1
}

have_openblas() {
    for dir in /usr/lib/*-linux-gnu/openblas-pthread /usr/lib/openblas-pthread; do
        [ -e "$dir/libblas.so.3" ] && return 0
    done
    return 1
}

openblas() {
    have_openblas && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "tools/setup.sh: installing OpenBLAS (pthread) for SuiteSparse's BLAS"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-pthread >/dev/null ||
            echo "tools/setup.sh: OpenBLAS could not be installed; the solves run on the reference BLAS" >&2
        return 0
    fi
    echo "tools/setup.sh: note: the sparse factorisations are about 4x faster with" \
         "OpenBLAS: sudo apt-get install libopenblas0-pthread" >&2
    return 0
}

cudss() {
    command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ] || return 0
    [ -f .deps/cudss/nvidia/cu13/include/cudss.h ] && return 0
    cmd="python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --target .deps/cudss nvidia-cudss-cu13"
    echo "tools/setup.sh: fetching cuDSS for the CUDA solves: $cmd"
    if ! $cmd; then
        echo "tools/setup.sh: cuDSS could not be fetched; the CUDA backend builds without solves." >&2
    fi
    return 0
}

have_mpi() {
    command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1
}

mpi() {
    have_mpi && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "tools/setup.sh: installing OpenMPI for the distributed layer and its tests"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            libopenmpi-dev openmpi-bin >/dev/null
        return 0
    fi
    echo "tools/setup.sh: note: MPI is missing, so the distributed layer is not built:" \
         "sudo apt-get install libopenmpi-dev openmpi-bin" >&2
    return 0
}

python_env() {
    [ "${SPGRAD_SETUP_PYTHON:-1}" = 0 ] && return 0
    venv=python/.venv
    [ -x $venv/bin/python ] || python3 -m venv $venv
    $venv/bin/python -c "import numpy, scipy, jax, torch, pytest, scikit_build_core" 2>/dev/null &&
        return 0
    echo "tools/setup.sh: installing the Python test environment in $venv (numpy, scipy, jax, torch)"
    $venv/bin/python -m pip install --quiet --disable-pip-version-check \
        numpy scipy "jax[cpu]" torch pytest scikit-build-core
}

suitesparse
openblas
cudss
mpi
python_env
