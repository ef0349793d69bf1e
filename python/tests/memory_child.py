"""One case of test_memory.py: python memory_child.py jax|torch plan|coo N.

Prints one JSON line: the peak resident memory of the plan and gradient
above what the process held before (its libraries and the inputs, which
are counted by design), the bytes held by design, and whether dV equals
x[I] * y[J] (exact: one product each)."""

import gc
import json
import sys

import numpy as np

import spgrad


def status(key):
    """A field of /proc/self/status, in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def reset_peak():
    """Start VmHWM again from the current resident size (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def fem2d(N):
    """Triplet indices of P1 elements on an N x N node grid: two triangles
    per square, 9 triplets per triangle."""
    i, j = np.meshgrid(np.arange(N - 1, dtype=np.int32), np.arange(N - 1, dtype=np.int32),
                       indexing="ij")
    a = (i * N + j).ravel()
    b, c = a + 1, a + N
    tri = np.concatenate([np.stack([a, b, c], 1), np.stack([b, c + 1, c], 1)])
    return np.repeat(tri, 3, axis=1).ravel(), np.tile(tri, (1, 3)).ravel()


def gradient(framework, route, plan, V, x, y):
    if framework == "jax":
        import jax
        import spgrad.jax as sj
        f = (lambda V: sj.coo_bilinear(plan, V, x, y)) if route == "coo" else \
            (lambda V: sj.bilinear(plan, sj.assemble(plan, V), x, y))
        return jax.block_until_ready(jax.jit(jax.grad(f))(V))
    import spgrad.torch as st
    v = V.detach().requires_grad_(True)
    f = st.coo_bilinear(plan, v, x, y) if route == "coo" else \
        st.bilinear(plan, st.assemble(plan, v), x, y)
    f.backward()
    return v.grad


def main(framework, route, N):
    if framework == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
        to = jax.numpy.asarray
    else:
        import torch
        to = torch.from_numpy
    I, J = fem2d(N)
    rng = np.random.default_rng(0)
    V, x, y = rng.standard_normal(I.size), rng.standard_normal(N * N), rng.standard_normal(N * N)
    Vf, xf, yf = to(V), to(x), to(y)
    gc.collect()
    reset_peak()
    base = status("VmRSS:")
    plan = spgrad.Plan(I, J, (N * N, N * N))
    dV = gradient(framework, route, plan, Vf, xf, yf)
    peak = status("VmHWM:")  # before dV is viewed or copied as numpy
    inputs = I.nbytes + J.nbytes + V.nbytes + x.nbytes + y.nbytes
    plan_arrays = 4 * (N * N + 1 + 2 * plan.nnz + 1 + plan.nnz_kept + plan.nnz_coo)
    held = plan_arrays + 8 * plan.nnz + V.nbytes + (8 * plan.nnz if route == "plan" else 0)
    print(json.dumps({"peak_working": inputs + peak - base, "by_design": inputs + held,
                      "dV_ok": bool(np.array_equal(np.asarray(dV), x[I] * y[J]))}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
