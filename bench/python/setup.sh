#!/usr/bin/env bash
# One-line set-up of the comparison environment (run from anywhere):
#
#   bash bench/python/setup.sh
#
# Creates bench/python/.venv (gitignored) and installs numpy, scipy and
# jax (CPU) from the default package index, then tries PyTorch from the same
# index. PyTorch is optional: when it cannot be installed (no wheel, not
# enough disk, or SPGRAD_BENCH_NO_TORCH=1), the script says so and
# compare.py reports torch as not run. The spgrad library itself is built
# separately (see README.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --upgrade pip
"$venv/bin/python" -m pip install numpy scipy "jax[cpu]"

if [ "${SPGRAD_BENCH_NO_TORCH:-0}" = 1 ]; then
    echo "setup.sh: torch skipped (SPGRAD_BENCH_NO_TORCH=1)"
elif "$venv/bin/python" -m pip install torch; then
    echo "setup.sh: torch installed"
else
    echo "setup.sh: torch could not be installed from the default index;" \
         "compare.py will report it as not run" >&2
fi

"$venv/bin/python" - <<'PY'
import importlib
for name in ("numpy", "scipy", "jax", "torch"):
    try:
        mod = importlib.import_module(name)
        print(f"{name} {mod.__version__}")
    except ImportError:
        print(f"{name}: not installed")
PY
