"""The implementations that compare.py times, each run in a fresh process.

compare.py starts this file once per implementation (and thread count):

    python peers.py --data DIR --impl NAME --threads T --reps R --budget S \
                    --out RESULT.json [--save FILE.npz] [--mem-limit BYTES]

DIR holds the problem written by compare.py (I.npy, J.npy, V.npy, x.npy,
y.npy, meta.json). The child loads it, prepares the implementation (imports,
converts the inputs into its library's arrays, makes a plan where one is
used), makes one warm-up call, then times up to R calls with
time.perf_counter around each call, stopping early once the timed calls have
taken S seconds. It writes the times, its peak resident memory (VmHWM, see
peak_rss_bytes) and any error to RESULT.json. With --impl baseline-FAMILY it only loads the
inputs and the family's library, the baseline subtracted from the peak of
that family's implementations.

spgrad is the Python package in REPO/python, on the libraries of the
directory SPGRAD_LIBRARY_DIR (default REPO/build-py): see use_package.
"""

import argparse
import json
import os
import re
import resource
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_LIBRARY_DIR = REPO / "build-py"


def use_package(library_dir=None):
    """Make ``import spgrad`` find the package of this repository.

    REPO/python goes on sys.path; SPGRAD_LIBRARY_DIR, where the package
    loads libspgrad.so and libspgrad_jax.so, is set to ``library_dir`` when
    given, else kept when already set, else REPO/build-py, as an absolute
    path. Child processes inherit it. Returns the library directory.
    """
    package_root = str(REPO / "python")
    if package_root not in sys.path:
        sys.path.insert(0, package_root)
    chosen = library_dir or os.environ.get("SPGRAD_LIBRARY_DIR") or DEFAULT_LIBRARY_DIR
    os.environ["SPGRAD_LIBRARY_DIR"] = str(Path(chosen).resolve())
    return os.environ["SPGRAD_LIBRARY_DIR"]


class Problem:
    """The inputs of one problem, loaded from the directory compare.py wrote."""

    def __init__(self, data_dir):
        data_dir = Path(data_dir)
        meta = json.loads((data_dir / "meta.json").read_text())
        self.name = meta["name"]
        self.m, self.n = meta["m"], meta["n"]
        self.stored = meta["stored"]
        self.I = np.load(data_dir / "I.npy")
        self.J = np.load(data_dir / "J.npy")
        self.V = np.load(data_dir / "V.npy")
        self.x = np.load(data_dir / "x.npy")
        self.y = np.load(data_dir / "y.npy")

    @property
    def shape(self):
        """(m, n)."""
        return (self.m, self.n)


# ---- library set-up per family (also the baselines) --------------------------
# Keys of the returned dict starting with "_" hold objects, not versions.

def init_numpy(prob, threads):
    """numpy and scipy.sparse imported; the ops used are single-threaded."""
    import scipy
    import scipy.sparse  # noqa: F401
    return {"threads": 1, "numpy": np.__version__, "scipy": scipy.__version__}


def init_jax(prob, threads):
    """JAX on the CPU in float64, its backend started by a tiny computation."""
    import jax
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp
    jnp.arange(4.0).sum().block_until_ready()
    return {"threads": "xla default", "jax": jax.__version__}


def init_torch(prob, threads):
    """PyTorch on the CPU; its own default thread count."""
    warnings.simplefilter("ignore")  # the sparse-invariants notice
    import torch
    torch.zeros(4, dtype=torch.float64).sum()
    return {"threads": torch.get_num_threads(), "torch": torch.__version__}


def init_spgrad(prob, threads):
    """The spgrad package imported (libspgrad.so loaded), a CPU context with
    ``threads`` threads."""
    use_package()
    import spgrad
    ctx = spgrad.Context(threads=threads)
    return {"threads": threads, "spgrad": spgrad.__version__, "_ctx": ctx}


def init_spgrad_jax(prob, threads):
    """JAX as init_jax, then spgrad.jax (libspgrad_jax.so, its FFI targets)
    and a spgrad context with ``threads`` threads; XLA keeps its own pool."""
    env = init_jax(prob, threads)
    env.update(init_spgrad(prob, threads))
    import spgrad.jax  # noqa: F401
    return env


def init_spgrad_torch(prob, threads):
    """PyTorch as init_torch, then spgrad.torch and a spgrad context with
    ``threads`` threads; PyTorch keeps its own default thread count."""
    env = init_torch(prob, threads)
    torch_threads = env["threads"]
    env.update(init_spgrad(prob, threads))
    import spgrad.torch  # noqa: F401
    env["torch_threads"] = torch_threads
    return env


FAMILIES = {"numpy": init_numpy, "jax": init_jax, "torch": init_torch,
            "spgrad": init_spgrad, "spgrad-jax": init_spgrad_jax,
            "spgrad-torch": init_spgrad_torch}
# the families whose rows run at each spgrad thread count
SPGRAD_FAMILIES = ("spgrad", "spgrad-jax", "spgrad-torch")


# ---- implementations: prepare(prob, env) -> run, a function of no arguments --

def prep_scipy_tocsc(prob, env):
    """scipy: coo_matrix((V, (I, J)), shape).tocsc(), duplicates summed."""
    from scipy.sparse import coo_matrix

    def run():
        A = coo_matrix((prob.V, (prob.I, prob.J)), shape=prob.shape).tocsc()
        return {"colptr": A.indptr, "rowind": A.indices, "values": A.data}
    return run


def _spgrad_plan(prob, env):
    """A spgrad.Plan of the problem's triplets on the family's context."""
    import spgrad
    return spgrad.Plan(prob.I, prob.J, prob.shape, context=env["_ctx"])


def prep_spgrad_plan(prob, env):
    """spgrad: spg_plan_create alone (the symbolic phase)."""
    def run():
        plan = _spgrad_plan(prob, env)
        return {"colptr": plan.indptr, "rowind": plan.indices, "_keep": plan}
    return run


def _prep_spgrad_assemble(prob, env, kept):
    """spgrad: plan.assemble with a plan made beforehand (the numeric phase),
    into a new array each call (its pages are first touched inside the call,
    like scipy's result) or into one kept between calls (how a simulation
    that assembles the same pattern again holds it)."""
    plan = _spgrad_plan(prob, env)
    colptr, rowind = plan.indptr, plan.indices
    held = np.empty(plan.nnz) if kept else None

    def run():
        Ax = plan.assemble(prob.V, out=held)
        return {"colptr": colptr, "rowind": rowind, "values": Ax}
    return run


def prep_spgrad_assemble(prob, env):
    return _prep_spgrad_assemble(prob, env, kept=False)


def prep_spgrad_assemble_kept(prob, env):
    return _prep_spgrad_assemble(prob, env, kept=True)


def prep_spgrad_plan_assemble(prob, env):
    """spgrad: plan creation and assembly together (COO to CSC from scratch)."""
    def run():
        plan = _spgrad_plan(prob, env)
        Ax = plan.assemble(prob.V)
        return {"colptr": plan.indptr, "rowind": plan.indices, "values": Ax, "_keep": plan}
    return run


def prep_scipy_spmv_n(prob, env):
    """scipy: A @ y with A in CSC (assembled beforehand)."""
    from scipy.sparse import coo_matrix
    A = coo_matrix((prob.V, (prob.I, prob.J)), shape=prob.shape).tocsc()
    return lambda: {"y": A @ prob.y}


def prep_scipy_spmv_t(prob, env):
    """scipy: A.T @ x, the transpose of the CSC matrix taken beforehand."""
    from scipy.sparse import coo_matrix
    AT = coo_matrix((prob.V, (prob.I, prob.J)), shape=prob.shape).tocsc().T
    return lambda: {"y": AT @ prob.x}


def _spgrad_matrix(prob, env):
    """The plan, the assembled values and the plan's Matrix on them."""
    plan = _spgrad_plan(prob, env)
    Ax = plan.assemble(prob.V)
    return plan, Ax, plan.matrix(Ax)


def prep_spgrad_spmv_n(prob, env):
    """spgrad: spgrad.spmv op N, y = A y_in, into a new array each call."""
    import spgrad
    plan, Ax, A = _spgrad_matrix(prob, env)
    return lambda: {"y": spgrad.spmv(A, prob.y)}


def prep_spgrad_spmv_t(prob, env):
    """spgrad: spgrad.spmv op T, A' x, into a new array each call."""
    import spgrad
    plan, Ax, A = _spgrad_matrix(prob, env)
    return lambda: {"y": spgrad.spmv(A, prob.x, op="T")}


def prep_numpy_grad(prob, env):
    """numpy by hand: dV = df * x[I] * y[J] with df = 1."""
    df = 1.0
    return lambda: {"dV": df * prob.x[prob.I] * prob.y[prob.J]}


def prep_jax_grad(prob, env):
    """JAX: jit(grad(f)), f(V) = x @ (BCOO((V, IJ)).sum_duplicates() @ y).

    remove_zeros=False: with the default (True) an assembled entry that sums
    to exactly 0 is dropped together with its gradient, and the P1 matrices
    of fem2d have such entries, so the gradient of their triplets came out 0.
    """
    import jax
    import jax.numpy as jnp
    from jax.experimental import sparse

    shape, nse = prob.shape, prob.stored

    def f(V, indices, x, y):
        A = sparse.BCOO((V, indices), shape=shape)
        A = A.sum_duplicates(nse=nse, remove_zeros=False)
        return x @ (A @ y)

    grad = jax.jit(jax.grad(f))
    indices = jnp.asarray(np.stack([prob.I, prob.J], axis=1))
    V, x, y = (jnp.asarray(a) for a in (prob.V, prob.x, prob.y))
    return lambda: {"dV": grad(V, indices, x, y).block_until_ready()}


def _prep_torch_grad(prob, to_csr):
    """PyTorch autograd of f(V) = x' (coalesced sparse A(V)) y.

    A = torch.sparse_coo_tensor(IJ, V).coalesce(), converted to CSR when
    ``to_csr``; the product is torch.sparse.mm(A, y[:, None]).
    """
    import torch
    indices = torch.from_numpy(np.stack([prob.I, prob.J]).astype(np.int64))
    V, x, y = (torch.from_numpy(a) for a in (prob.V, prob.x, prob.y))
    shape = prob.shape

    def run():
        v = V.detach().requires_grad_(True)
        A = torch.sparse_coo_tensor(indices, v, shape).coalesce()
        if to_csr:
            A = A.to_sparse_csr()
        f = (x[None, :] @ torch.sparse.mm(A, y[:, None])).sum()
        f.backward()
        return {"dV": v.grad.numpy()}
    return run


def prep_torch_grad_coo(prob, env):
    """PyTorch: sparse.mm on the coalesced COO tensor (as the task states)."""
    return _prep_torch_grad(prob, to_csr=False)


def prep_torch_grad_csr(prob, env):
    """PyTorch: the same with the coalesced tensor converted to CSR."""
    return _prep_torch_grad(prob, to_csr=True)


def prep_spgrad_grad_plan(prob, env):
    """spgrad through the plan: dA = 0, bilinear_pullback, dV = 0, assemble_pullback."""
    import spgrad
    plan, Ax, A = _spgrad_matrix(prob, env)

    def run():
        dA = np.zeros(plan.nnz)
        spgrad.bilinear_pullback(A, prob.x, prob.y, 1.0, dA=dA, dx=None, dy=None)
        dV = np.zeros(plan.nnz_coo)
        plan.assemble_pullback(dA, dV=dV)
        return {"dV": dV}
    return run


def prep_spgrad_fwd_grad_plan(prob, env):
    """spgrad forward and gradient from V: assemble, value_and_grad, assemble_pullback."""
    import spgrad
    plan = _spgrad_plan(prob, env)

    def run():
        A = plan.matrix(plan.assemble(prob.V))
        dA = np.zeros(plan.nnz)
        f, _, _, _ = spgrad.bilinear_value_and_grad(A, prob.x, prob.y, dA=dA, dx=None,
                                                    dy=None)
        dV = np.zeros(plan.nnz_coo)
        plan.assemble_pullback(dA, dV=dV)
        return {"dV": dV, "f": np.array([f])}
    return run


def _prep_spgrad_grad_coo(prob, env, kept):
    """spgrad fused COO pullback into dV = 0: a new array each call (its pages
    are first touched inside the pullback, like numpy's result), or one kept
    between calls and zeroed (how a caller that accumulates would hold it).
    The triplets are a spgrad.Coo view (no plan) in the family's context."""
    import spgrad
    coo = spgrad.Coo(prob.I, prob.J, prob.shape, context=env["_ctx"])
    held = np.zeros(coo.nnz) if kept else None

    def run():
        dV = np.zeros(coo.nnz) if held is None else held
        if held is not None:
            dV.fill(0.0)
        spgrad.coo_bilinear_pullback(coo, prob.x, prob.y, 1.0, dV=dV)
        return {"dV": dV}
    return run


def prep_spgrad_grad_coo(prob, env):
    return _prep_spgrad_grad_coo(prob, env, kept=False)


def prep_spgrad_grad_coo_kept(prob, env):
    return _prep_spgrad_grad_coo(prob, env, kept=True)


def _prep_spgrad_jax_grad(prob, env, coo):
    """spgrad.jax: jax.jit(jax.grad(f)) of f(V) = x' A(V) y, with x and y
    closed over (jnp float64 arrays) and the plan made once on the family's
    context: f = sj.bilinear(plan, sj.assemble(plan, V), x, y), or
    sj.coo_bilinear(plan, V, x, y) when ``coo``. XLA allocates dV (and the
    assembled values, dA and zero-filled gradient buffers) in every call."""
    import jax
    import jax.numpy as jnp
    import spgrad.jax as sj
    plan = _spgrad_plan(prob, env)
    V, x, y = (jnp.asarray(a) for a in (prob.V, prob.x, prob.y))

    def f(V):
        if coo:
            return sj.coo_bilinear(plan, V, x, y)
        return sj.bilinear(plan, sj.assemble(plan, V), x, y)

    grad = jax.jit(jax.grad(f))
    return lambda: {"dV": grad(V).block_until_ready()}


def prep_spgrad_jax_grad(prob, env):
    return _prep_spgrad_jax_grad(prob, env, coo=False)


def prep_spgrad_jax_grad_coo(prob, env):
    return _prep_spgrad_jax_grad(prob, env, coo=True)


def _prep_spgrad_torch_grad(prob, env, coo):
    """spgrad.torch: f(V) = x' A(V) y and f.backward() on a fresh leaf
    tensor v (a view of V) each call, as the PyTorch peers do:
    st.bilinear(plan, st.assemble(plan, v), x, y), or st.coo_bilinear(plan,
    v, x, y) when ``coo``. The assembled values, dA and dV (v.grad) are new
    tensors in every call; the plan is made once on the family's context."""
    import torch
    import spgrad.torch as st
    plan = _spgrad_plan(prob, env)
    V, x, y = (torch.from_numpy(a) for a in (prob.V, prob.x, prob.y))

    def run():
        v = V.detach().requires_grad_(True)
        if coo:
            f = st.coo_bilinear(plan, v, x, y)
        else:
            f = st.bilinear(plan, st.assemble(plan, v), x, y)
        f.backward()
        return {"dV": v.grad.numpy()}
    return run


def prep_spgrad_torch_grad(prob, env):
    return _prep_spgrad_torch_grad(prob, env, coo=False)


def prep_spgrad_torch_grad_coo(prob, env):
    return _prep_spgrad_torch_grad(prob, env, coo=True)


# ---- the solve: f(V) = g' A(V)^-1 b (g = x, b = y), SPD fem2di problems ----

def _csr_of(prob):
    """The CSR pattern of A = sparse(I, J) and each triplet's entry in it
    (numpy, outside the timing): (indptr, indices, slot)."""
    keys = prob.I.astype(np.int64) * prob.n + prob.J
    unique, slot = np.unique(keys, return_inverse=True)
    rows = unique // prob.n
    indptr = np.zeros(prob.m + 1, np.int64)
    np.add.at(indptr, rows + 1, 1)
    return np.cumsum(indptr), (unique % prob.n).astype(np.int64), slot.astype(np.int64)


def prep_scipy_solve_grad(prob, env):
    """scipy by hand: A = coo_matrix(...).tocsc(), splu(A), u = solve(b),
    f = g' u, lambda = solve(g, trans='T'), dV = -lambda[I] u[J]."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import splu
    g, b = prob.x, prob.y

    def run():
        lu = splu(coo_matrix((prob.V, (prob.I, prob.J)), shape=prob.shape).tocsc())
        u = lu.solve(b)
        lam = lu.solve(g, trans="T")
        return {"f": np.array([g @ u]), "dV": -lam[prob.I] * u[prob.J]}
    return run


def prep_jax_solve_grad(prob, env):
    """JAX: jit(value_and_grad(f)), f(V) = g @ spsolve(data(V), indices,
    indptr, b), data(V) the triplets summed into the CSR entries
    (segment_sum); on the CPU spsolve calls scipy, and its transpose rule
    transposes A and solves again."""
    import jax
    import jax.numpy as jnp
    from jax.experimental.sparse.linalg import spsolve
    indptr, indices, slot = _csr_of(prob)
    nnz = indices.size

    def f(V, slot, indices, indptr, g, b):
        data = jax.ops.segment_sum(V, slot, num_segments=nnz)
        return g @ spsolve(data, indices, indptr, b)

    vg = jax.jit(jax.value_and_grad(f))
    args = [jnp.asarray(a) for a in (prob.V, slot, indices, indptr, prob.x, prob.y)]

    def run():
        value, dV = vg(*args)
        return {"f": np.array([float(value)]), "dV": np.asarray(dV.block_until_ready())}
    return run


class _SpgradSolve:
    """spgrad's solve of one problem: the plan and the analysis made once
    (kept), the values assembled into a kept array."""

    def __init__(self, prob, env):
        import spgrad
        self.prob = prob
        self.plan = _spgrad_plan(prob, env)
        self.Ax = np.empty(self.plan.nnz)
        self.A = self.plan.matrix(self.Ax)
        self.solver = spgrad.Solver(self.A, "spd")

    def forward(self):
        """Assemble, factorise, solve (into a new u): (u, f)."""
        self.plan.assemble(self.prob.V, out=self.Ax)
        self.solver.factor(self.A)
        u = self.solver.solve(self.prob.y)
        return u, float(self.prob.x @ u)

    def gradient(self, u):
        """dV of f: the adjoint solve and the COO pullback, into a new dV."""
        dV = np.zeros(self.plan.nnz_coo)
        self.solver.coo_solve_pullback(self.plan, u, self.prob.x, dB=None, dV=dV)
        return dV


def prep_spgrad_solve_fwd(prob, env):
    """spgrad forward: assemble (kept plan), factorise (kept analysis), solve."""
    s = _SpgradSolve(prob, env)

    def run():
        _, f = s.forward()
        return {"f": np.array([f])}
    return run


def prep_spgrad_solve_pullback(prob, env):
    """spgrad gradient alone, after one forward: adjoint solve + COO pullback."""
    s = _SpgradSolve(prob, env)
    u, _ = s.forward()
    return lambda: {"dV": s.gradient(u)}


def prep_spgrad_solve_grad(prob, env):
    """spgrad value and gradient: forward, then adjoint solve + COO pullback."""
    s = _SpgradSolve(prob, env)

    def run():
        u, f = s.forward()
        return {"f": np.array([f]), "dV": s.gradient(u)}
    return run


# name: (operation, family, prepare, label)
IMPLS = {
    "scipy.tocsc": ("assembly", "numpy", prep_scipy_tocsc, "scipy coo_matrix.tocsc()"),
    "spgrad.plan": ("assembly", "spgrad", prep_spgrad_plan, "spgrad plan_create"),
    "spgrad.assemble": ("assembly", "spgrad", prep_spgrad_assemble,
                        "spgrad assemble (plan made)"),
    "spgrad.assemble_kept": ("assembly", "spgrad", prep_spgrad_assemble_kept,
                             "spgrad assemble, kept Ax"),
    "spgrad.plan+assemble": ("assembly", "spgrad", prep_spgrad_plan_assemble,
                             "spgrad plan_create+assemble"),
    "scipy.spmv_n": ("spmv", "numpy", prep_scipy_spmv_n, "scipy A @ y (CSC)"),
    "scipy.spmv_t": ("spmv", "numpy", prep_scipy_spmv_t, "scipy A.T @ x"),
    "spgrad.spmv_n": ("spmv", "spgrad", prep_spgrad_spmv_n, "spgrad spmv op N"),
    "spgrad.spmv_t": ("spmv", "spgrad", prep_spgrad_spmv_t, "spgrad spmv op T"),
    "jax.grad": ("gradient", "jax", prep_jax_grad, "jax jit(grad) BCOO"),
    "torch.grad_coo": ("gradient", "torch", prep_torch_grad_coo,
                       "torch autograd sparse.mm COO"),
    "torch.grad_csr": ("gradient", "torch", prep_torch_grad_csr,
                       "torch autograd sparse.mm CSR"),
    "numpy.grad": ("gradient", "numpy", prep_numpy_grad, "numpy df*x[I]*y[J]"),
    "spgrad.grad_plan": ("gradient", "spgrad", prep_spgrad_grad_plan,
                         "spgrad plan pullback"),
    "spgrad.fwd_grad_plan": ("gradient", "spgrad", prep_spgrad_fwd_grad_plan,
                             "spgrad plan assemble+value_and_grad"),
    "spgrad.grad_coo": ("gradient", "spgrad", prep_spgrad_grad_coo,
                        "spgrad coo_bilinear_pullback"),
    "spgrad.grad_coo_kept": ("gradient", "spgrad", prep_spgrad_grad_coo_kept,
                             "spgrad coo_bilinear_pullback, kept dV"),
    "spgrad.jax.grad": ("gradient", "spgrad-jax", prep_spgrad_jax_grad,
                        "spgrad.jax grad bilinear(assemble)"),
    "spgrad.jax.grad_coo": ("gradient", "spgrad-jax", prep_spgrad_jax_grad_coo,
                            "spgrad.jax grad coo_bilinear"),
    "spgrad.torch.grad": ("gradient", "spgrad-torch", prep_spgrad_torch_grad,
                          "spgrad.torch bwd bilinear(assemble)"),
    "spgrad.torch.grad_coo": ("gradient", "spgrad-torch", prep_spgrad_torch_grad_coo,
                              "spgrad.torch bwd coo_bilinear"),
    "scipy.solve_grad": ("solve", "numpy", prep_scipy_solve_grad,
                         "scipy splu, adjoint by hand"),
    "jax.solve_grad": ("solve", "jax", prep_jax_solve_grad, "jax jit(value_and_grad) spsolve"),
    "spgrad.solve_fwd": ("solve", "spgrad", prep_spgrad_solve_fwd,
                         "spgrad forward: assemble+factor+solve"),
    "spgrad.solve_pullback": ("solve", "spgrad", prep_spgrad_solve_pullback,
                              "spgrad gradient: adjoint+COO pullback"),
    "spgrad.solve_grad": ("solve", "spgrad", prep_spgrad_solve_grad,
                          "spgrad value and gradient"),
}


# ---- the child process ------------------------------------------------------

def time_calls(run, reps, budget):
    """One warm-up call, then up to ``reps`` timed calls within ``budget`` s.

    Each result is dropped before the next call, so that the process's peak
    memory is that of one call. Returns (warm-up seconds, list of call
    seconds, the last call's result).
    """
    t0 = time.perf_counter()
    result = run()
    first = time.perf_counter() - t0
    times = []
    while len(times) < reps and (not times or sum(times) < budget):
        del result
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    return first, times, result


def peak_rss_bytes():
    """This process's peak resident memory since it started, in bytes.

    VmHWM of /proc/self/status: the peak of this process's own memory.
    ru_maxrss is not used for it because on Linux a child started by
    vfork + exec inherits its parent's peak as the floor of ru_maxrss, which
    would hide everything below the driver's own peak. Falls back to
    ru_maxrss where /proc is missing.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return ru_maxrss_bytes()


def ru_maxrss_bytes():
    """getrusage(RUSAGE_SELF).ru_maxrss in bytes (it is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def requested_bytes(message):
    """The allocation size an out-of-memory message names, or None."""
    match = re.search(r"allocate (\d+) bytes", message)
    return int(match.group(1)) if match else None


def child(args):
    """Run one implementation (or baseline) and return the record to write."""
    record = {"impl": args.impl, "threads_requested": args.threads}
    prob = Problem(args.data)
    if args.impl.startswith("baseline-"):
        env = FAMILIES[args.impl[len("baseline-"):]](prob, args.threads)
        record["threads"] = env["threads"]
        record["maxrss"] = peak_rss_bytes()
        record["ru_maxrss"] = ru_maxrss_bytes()
        return record
    operation, family, prepare, label = IMPLS[args.impl]
    record.update(operation=operation, family=family, label=label)
    try:
        env = FAMILIES[family](prob, args.threads)
        record["threads"] = env["threads"]
        record["versions"] = {k: v for k, v in env.items()
                              if k != "threads" and not k.startswith("_")}
        run = prepare(prob, env)
        first, times, result = time_calls(run, args.reps, args.budget)
        record.update(first=first, times=times, median=float(np.median(times)))
        record["maxrss"] = peak_rss_bytes()
        record["ru_maxrss"] = ru_maxrss_bytes()
        if args.save:
            arrays = {k: np.asarray(v) for k, v in result.items() if not k.startswith("_")}
            np.savez(args.save, **arrays)
        del result
        return record
    except Exception as exc:  # a peer's failure is a result, recorded as such
        message = f"{type(exc).__name__}: {exc}"
        record["error"] = message.splitlines()[0][:500] if message else repr(exc)
        record["requested_bytes"] = requested_bytes(message)
        record["traceback"] = traceback.format_exc(limit=3)
    record["maxrss"] = peak_rss_bytes()
    record["ru_maxrss"] = ru_maxrss_bytes()
    return record


def parse_args(argv=None):
    """Command-line arguments of a child run."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="directory written by compare.py")
    p.add_argument("--impl", required=True,
                   help="one of: " + ", ".join(IMPLS) + ", or baseline-FAMILY")
    p.add_argument("--threads", type=int, default=1, help="spgrad threads")
    p.add_argument("--reps", type=int, default=5, help="timed calls at most")
    p.add_argument("--budget", type=float, default=20.0,
                   help="stop timing once the timed calls took this many seconds")
    p.add_argument("--out", required=True, help="JSON record written here")
    p.add_argument("--save", help="save the warm-up call's result arrays (.npz)")
    p.add_argument("--mem-limit", type=int, default=0,
                   help="RLIMIT_AS in bytes for this process (0: none)")
    return p.parse_args(argv)


def main(argv=None):
    """Entry point of a child process."""
    args = parse_args(argv)
    use_package()
    if args.mem_limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (args.mem_limit, args.mem_limit))
    record = child(args)
    Path(args.out).write_text(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
