#!/usr/bin/env bash
# tools/gpu-check.sh DIR: the one command for a GPU node with the CUDA
# toolkit, from the project root:
#
#   tools/gpu-check.sh gpu-out
#
# In this order, each step bounded in time (SPGRAD_GPU_BUDGET seconds in
# all, default 450):
#   env        nvidia-smi and nvcc --version; stops at once without either
#   build      configure for the GPU present (its compute capability) in
#              $SPGRAD_GPU_BUILD (default /tmp/spgrad-gpu-build), and build
#              only what runs: the gpu tests and the spgrad program
#   gpu tests  ctest -L gpu; a skip is a failure here, since nvidia-smi sees a GPU
#   check      spgrad check --backend cuda on the test matrices (double, float)
#   demo       spgrad demo --backend cuda (n = 1000)
#   bench      spgrad bench --backend cuda on fem2d-1000, and on the CPU
#   sanitizer  test_ops --quick on the CUDA backend (every operation on a
#              9 x 9 problem) under compute-sanitizer, where it exists
# DIR gets a log per step and summary.txt, the page to quote. Exit status 0
# when every step passed, 1 when one failed, 2 when the machine lacks
# nvidia-smi, nvcc or cmake.
set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-gpu-out}" && cd "${1:-gpu-out}" && pwd)
BUILD=${SPGRAD_GPU_BUILD:-/tmp/spgrad-gpu-build}
BUDGET=${SPGRAD_GPU_BUDGET:-450}
T0=$(date +%s)
JOBS=$(nproc 2>/dev/null || echo 4)
SUMMARY=$OUT/summary.txt
FAILED=0
: >"$SUMMARY"

say() { echo "$*" | tee -a "$SUMMARY"; }

# step NAME CAP LOG CMD...: CMD for at most CAP seconds (less when the
# budget is nearly spent), its output appended to DIR/LOG; a summary row.
step() {
    local name=$1 cap=$2 log=$OUT/$3 left rc start
    shift 3
    left=$((T0 + BUDGET - $(date +%s) - 5))
    ((left < cap)) && cap=$left
    if ((cap < 10)); then
        say "$(printf '%-28s %-8s' "$name" SKIP) budget spent"
        FAILED=1
        return 1
    fi
    start=$(date +%s)
    echo "=== $name: $*" >>"$log"
    timeout -k 5 "$cap" "$@" >>"$log" 2>&1
    rc=$?
    local status=PASS
    ((rc != 0)) && status=FAIL && FAILED=1
    ((rc == 124 || rc == 137)) && status=TIMEOUT
    say "$(printf '%-28s %-8s %4ss  exit %s' "$name" "$status" $(($(date +%s) - start)) "$rc")"
    return $rc
}

# ---- env --------------------------------------------------------------------
for tool in nvidia-smi cmake ctest timeout; do
    command -v "$tool" >/dev/null 2>&1 || { say "FATAL: $tool not found"; exit 2; }
done
NVCC=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$NVCC" ] || { say "FATAL: nvcc not found (CUDACXX, PATH, /usr/local/cuda/bin)"; exit 2; }
{ nvidia-smi; "$NVCC" --version; git -C "$ROOT" log -1 --oneline; } >"$OUT/env.txt" 2>&1 ||
    { say "FATAL: nvidia-smi or nvcc failed (see env.txt)"; exit 2; }
ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
say "spgrad gpu-check $(date -u '+%F %T') UTC, $(git -C "$ROOT" log -1 --format=%h 2>/dev/null)"
GPU=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)
say "GPU: $GPU, sm_$ARCH"
say "nvcc: $("$NVCC" --version | grep -o 'release [0-9.]*')"

# ---- build --------------------------------------------------------------------
step "configure (sm_$ARCH)" 120 build.log cmake -S "$ROOT" -B "$BUILD" -DSPGRAD_CUDA=ON \
    -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_CUDA_ARCHITECTURES="$ARCH" -DSPGRAD_PYTHON=OFF \
    -DSPGRAD_BENCH=OFF -DSPGRAD_TESTS=ON || { say "RESULT: FAILED (no build)"; exit 1; }
step "build" 300 build.log cmake --build "$BUILD" -j "$JOBS" --target test_cuda test_ops \
    test_assemble test_gradient test_errors test_matrices test_hostile test_solve spgrad_cli ||
    { say "RESULT: FAILED (no build)"; exit 1; }
SPGRAD=$BUILD/spgrad

# ---- run ----------------------------------------------------------------------
# Functions that step runs (under timeout, through bash -c).
gpu_tests() { # a skip fails here: nvidia-smi sees a GPU
    ctest --test-dir "$BUILD" -L gpu --output-on-failure | tee /dev/stderr |
        { ! grep -q 'Skipped\|Not Run'; }
}
check_all() {
    local rc=0
    for mtx in "$ROOT"/tests/data/*.mtx; do
        for type in double float; do
            "$SPGRAD" check "$mtx" --backend cuda --type "$type" || rc=1
        done
    done
    return $rc
}
export -f gpu_tests check_all
export BUILD ROOT SPGRAD
step "ctest -L gpu" 120 gpu_tests.log bash -c gpu_tests
step "spgrad check --backend cuda" 120 check.log bash -c check_all
step "spgrad demo --backend cuda" 60 demo.log "$SPGRAD" demo --backend cuda
step "spgrad bench --backend cuda" 90 bench.log "$SPGRAD" bench --backend cuda
step "spgrad bench (cpu)" 90 bench.log "$SPGRAD" bench
SANITIZER=$(command -v compute-sanitizer || ls "$(dirname "$NVCC")"/compute-sanitizer 2>/dev/null)
if [ -n "$SANITIZER" ]; then
    step "compute-sanitizer test_ops" 120 sanitizer.log "$SANITIZER" --tool memcheck \
        --leak-check full --error-exitcode 1 "$BUILD/tests/test_ops" --backend cuda --quick
else
    say "compute-sanitizer             absent"
fi

say ""
say "total $(($(date +%s) - T0))s of ${BUDGET}s; logs in $OUT"
grep -h "^spgrad bench\|^reference" "$OUT/bench.log" 2>/dev/null | tee -a "$SUMMARY"
say "$([ "$FAILED" = 0 ] && echo 'RESULT: every step passed' || echo 'RESULT: FAILED (see above)')"
exit "$FAILED"
