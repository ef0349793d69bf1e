"""The per-call cost of spgrad's Python binding on a tiny matrix.

On a 10 x 10 matrix with 30 triplets every call does almost no arithmetic,
so its time is the cost of getting into the C library and back. Each row is
the median, over --batches batches of --calls calls, of the mean time of a
call in a batch, and the time above a reference row:

  * the floor: spg_spmv called through spgrad._capi.lib (ctypes) with
    arguments built beforehand; the NumPy layer's rows are set against it;
  * spgrad.jax.spmv under jax.jit against a jitted pure-JAX function of the
    same size (x * 2.0), so that JAX's own dispatch is not counted as the
    binding's;
  * spgrad.torch.spmv against torch.mv on a dense 10 x 10 tensor.

    python/.venv/bin/python bench/python/overhead.py
"""

import argparse
import ctypes
import functools
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import use_package  # noqa: E402


def parse_args(argv=None):
    """Command-line arguments."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--batches", type=int, default=20, help="batches per row")
    p.add_argument("--calls", type=int, default=2000, help="calls per batch")
    p.add_argument("--size", type=int, default=10, help="the matrix is size x size")
    p.add_argument("--triplets", type=int, default=30, help="triplets of the matrix")
    p.add_argument("--threads", type=int, default=1, help="threads of the spgrad context")
    p.add_argument("--seed", type=int, default=1, help="seed of the triplets and vectors")
    p.add_argument("--lib", metavar="DIR",
                   help="directory of libspgrad.so and libspgrad_jax.so "
                        "(default: $SPGRAD_LIBRARY_DIR, else build-py/)")
    return p.parse_args(argv)


def per_call_us(call, batches, calls):
    """Median over batches of the mean microseconds of one call."""
    call()
    means = []
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(calls):
            call()
        means.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(means)


class Tiny:
    """The tiny problem in numpy, JAX and PyTorch arrays, with its plan."""

    def __init__(self, size, triplets, seed, threads):
        import spgrad
        rng = np.random.default_rng(seed)
        self.I = rng.integers(0, size, triplets, dtype=np.int32)
        self.J = rng.integers(0, size, triplets, dtype=np.int32)
        self.V = rng.uniform(-1.0, 1.0, triplets)
        self.x, self.y = rng.uniform(-1.0, 1.0, size), np.empty(size)
        self.context = spgrad.Context(threads=threads)
        self.plan = spgrad.Plan(self.I, self.J, (size, size), context=self.context)
        self.Ax = self.plan.assemble(self.V)
        self.A = self.plan.matrix(self.Ax)
        self.dA, self.dx, self.dy = np.zeros(self.plan.nnz), np.zeros(size), np.zeros(size)
        self.dense = self.A.to_scipy().toarray()


def numpy_rows(t):
    """(name, call, reference) of the floor and the NumPy layer's rows."""
    import spgrad
    from spgrad import _capi
    struct = t.A.struct(np.float64)
    raw = functools.partial(_capi.lib.spg_spmv, t.context.ptr, _capi.SPG_OP_N, 1.0,
                            ctypes.byref(struct), t.x.ctypes.data, 0.0, t.y.ctypes.data)
    if raw() != 0:
        raise RuntimeError("spg_spmv failed")
    floor = "ctypes spg_spmv (floor)"
    return [
        (floor, raw, None),
        ("spgrad.spmv(A, x, y=y)", functools.partial(spgrad.spmv, t.A, t.x, y=t.y), floor),
        ("spgrad.bilinear(A, x, y)", functools.partial(spgrad.bilinear, t.A, t.x, t.y), floor),
        ("plan.assemble(V, out=Ax)", functools.partial(t.plan.assemble, t.V, out=t.Ax), floor),
        ("spgrad.bilinear_pullback, kept dA dx dy",
         functools.partial(spgrad.bilinear_pullback, t.A, t.x, t.y, 1.0, dA=t.dA, dx=t.dx,
                           dy=t.dy), floor),
    ]


def jax_rows(t):
    """(name, call, reference) of jitted spgrad.jax.spmv and pure JAX."""
    import jax
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp
    import spgrad.jax as sj
    Ax, x = jnp.asarray(t.Ax), jnp.asarray(t.x)
    spmv = jax.jit(lambda Ax, x: sj.spmv(t.plan, Ax, x))
    twice = jax.jit(lambda x: x * 2.0)
    if not np.allclose(np.asarray(spmv(Ax, x)), t.dense @ t.x, rtol=1e-13, atol=0):
        raise RuntimeError("spgrad.jax.spmv disagrees with the dense product")
    peer = "jax.jit(x * 2.0)"
    return [
        (peer, lambda: twice(x).block_until_ready(), None),
        ("jax.jit(spgrad.jax.spmv)", lambda: spmv(Ax, x).block_until_ready(), peer),
    ]


def torch_rows(t):
    """(name, call, reference) of spgrad.torch.spmv and torch.mv (dense)."""
    import torch
    import spgrad.torch as st
    Ax, x, D = torch.from_numpy(t.Ax), torch.from_numpy(t.x), torch.from_numpy(t.dense)
    if not torch.allclose(st.spmv(t.plan, Ax, x), D @ x, rtol=1e-13, atol=0):
        raise RuntimeError("spgrad.torch.spmv disagrees with the dense product")
    peer = "torch.mv (dense 10x10)"
    return [
        (peer, functools.partial(torch.mv, D, x), None),
        ("spgrad.torch.spmv", functools.partial(st.spmv, t.plan, Ax, x), peer),
    ]


def table(rows, batches, calls):
    """Time every row; lines of the table (name, median us, us above its reference)."""
    medians = {}
    head = f"{'call':<42} {'median us':>10} {'above us':>9}  above"
    lines = [head, "-" * (len(head) + 24)]
    for name, call, reference in rows:
        medians[name] = per_call_us(call, batches, calls)
        if reference is None:
            above, what = "", "(reference)"
        else:
            above, what = f"{medians[name] - medians[reference]:.2f}", reference
        lines.append(f"{name:<42} {medians[name]:>10.2f} {above:>9}  {what}")
    return lines


def main(argv=None):
    """Print the table."""
    args = parse_args(argv)
    library_dir = use_package(args.lib)
    import spgrad
    tiny = Tiny(args.size, args.triplets, args.seed, args.threads)
    rows = numpy_rows(tiny) + jax_rows(tiny) + torch_rows(tiny)
    import jax
    import torch
    print(f"spgrad {spgrad.__version__} ({library_dir}), jax {jax.__version__}, "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads); "
          f"{args.size} x {args.size}, {args.triplets} triplets, {tiny.plan.nnz} stored; "
          f"spgrad threads {args.threads}; median of {args.batches} batch means "
          f"of {args.calls} calls; load average {os.getloadavg()[0]:.2f}")
    print("\n".join(table(rows, args.batches, args.calls)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
