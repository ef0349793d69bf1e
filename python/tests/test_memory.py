"""Peak memory of the fem2d-1000 gradient through spgrad.jax and
spgrad.torch: within 1.2x of the arrays the computation holds by design.

Each case runs in a child process (memory_child.py) that generates the P1
triplets of a 1000 x 1000 node grid (18M triplets, 7M stored entries),
resets its peak resident memory, then makes the plan and takes the
gradient of f(V) = x' A(V) y with respect to V. The arrays held by design
are the inputs (I, J, V, x, y), the plan's five arrays, the assembled
values Ax, the gradient dV and, through the matrix (not the COO pullback),
dA. PyTorch's own sparse autograd asks for a dense 1M x 1M cotangent on
this problem (bench/python/compare.py)."""

import json
import os
import subprocess
import sys

import pytest

CHILD = os.path.join(os.path.dirname(__file__), "memory_child.py")


@pytest.mark.parametrize("framework", ["jax", "torch"])
@pytest.mark.parametrize("route", ["plan", "coo"])
def test_fem2d_1000_gradient_memory(framework, route):
    out = subprocess.run([sys.executable, CHILD, framework, route, "1000"], check=True,
                         capture_output=True, text=True).stdout
    r = json.loads(out.splitlines()[-1])
    ratio = r["peak_working"] / r["by_design"]
    print(f"{framework} {route}: peak {r['peak_working'] / 2**20:.0f} MiB, "
          f"arrays {r['by_design'] / 2**20:.0f} MiB, ratio {ratio:.3f}")
    assert r["dV_ok"]
    assert ratio <= 1.2
