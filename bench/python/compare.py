"""Compare spgrad with scipy, numpy, JAX and PyTorch on the same problems.

For each problem (generated here, deterministically) it times, in one run:

  assembly  scipy coo_matrix((V, (I, J)), shape).tocsc() against spgrad's
            plan creation (symbolic), numeric assembly with a plan, and both;
  spmv      scipy A @ y and A.T @ x (A in CSC) against spgrad spmv op N, T;
  gradient  of f(V) = x' A(V) y with respect to the triplet values V: JAX
            jit(grad) through BCOO.sum_duplicates, PyTorch autograd through
            a coalesced sparse tensor and torch.sparse.mm, numpy's
            df * x[I] * y[J], spgrad through the plan or the fused COO
            pullback, and spgrad's JAX and PyTorch functions (spgrad.jax,
            spgrad.torch) under jax.grad and backward().

spgrad is the package in python/ (its NumPy layer, spgrad.jax and
spgrad.torch) on the libraries of build-py/ or of --lib DIR.

Every implementation runs in a fresh process (peers.py): one warm-up call,
then the median of up to --reps calls timed with time.perf_counter, and its
peak resident memory over a process that only loads the same inputs and
library. Then one table per problem, the ratios spgrad / peer, and with
--json FILE every raw number.

    python/.venv/bin/python bench/python/compare.py --threads 1,2
"""

import argparse
import ctypes
import importlib.util
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import peers  # noqa: E402

DEFAULT_PROBLEMS = ["fem2d-300", "fem2d-1000", "fem3d-40", "random-1000000"]
OPERATIONS = ("assembly", "spmv", "gradient", "solve")
MIB = 1 << 20


# ---- problem generators -------------------------------------------------------

def _triangle(xs, ys, nodes, kappa):
    """Stiffness triplets of one P1 triangle per cell, as tools/fem2d.c.

    xs, ys, nodes: three arrays (one value per cell) for the corners; kappa
    per cell. K_pq = kappa * area * grad(phi_p) . grad(phi_q), p outer, q
    inner. Returns I, J (int32) and V, each of shape (cells, 9).
    """
    det = (xs[1] - xs[0]) * (ys[2] - ys[0]) - (xs[2] - xs[0]) * (ys[1] - ys[0])
    area = 0.5 * np.abs(det)
    gx = [(ys[(p + 1) % 3] - ys[(p + 2) % 3]) / det for p in range(3)]
    gy = [(xs[(p + 2) % 3] - xs[(p + 1) % 3]) / det for p in range(3)]
    scale = kappa * area
    cells = det.size
    I = np.empty((cells, 9), np.int32)
    J = np.empty((cells, 9), np.int32)
    V = np.empty((cells, 9))
    for p in range(3):
        for q in range(3):
            I[:, 3 * p + q] = nodes[p]
            J[:, 3 * p + q] = nodes[q]
            V[:, 3 * p + q] = scale * (gx[p] * gx[q] + gy[p] * gy[q])
    return I, J, V


def fem2d(N):
    """The element triplets of tools/fem2d.c: P1 triangles on an N x N grid.

    Cells in the order cy outer, cx inner; per cell the lower triangle
    (n00, n10, n11) then the upper (n00, n11, n01), 9 triplets each;
    kappa = 1 + 0.5 sin(6 x0) cos(4 y0). The floating-point operations are
    those of the C code, in its order (sin and cos through the C library,
    as math.sin and math.cos), so the triplets are the same bit for bit.
    Returns (m, n, I, J, V).
    """
    if N < 2:
        raise ValueError("fem2d needs N >= 2")
    h = 1.0 / float(N - 1)
    c = np.arange(N - 1)
    half_sin = np.array([0.5 * math.sin(6.0 * (float(i) * h)) for i in c])
    cos4 = np.array([math.cos(4.0 * (float(i) * h)) for i in c])
    cx, cy = np.tile(c, N - 1), np.repeat(c, N - 1)
    x0, y0 = cx * h, cy * h
    kappa = 1.0 + half_sin[cx] * cos4[cy]
    n00 = (cy * N + cx).astype(np.int32)
    n10, n01 = n00 + 1, n00 + np.int32(N)
    n11 = n01 + 1
    xh, yh = x0 + h, y0 + h
    lower = _triangle((x0, xh, xh), (y0, y0, yh), (n00, n10, n11), kappa)
    upper = _triangle((x0, xh, x0), (y0, yh, yh), (n00, n11, n01), kappa)
    I, J, V = (np.concatenate([lo, up], axis=1).ravel() for lo, up in zip(lower, upper))
    return N * N, N * N, I, J, V


def fem3d(N):
    """Trilinear hexahedra on an N x N x N node grid of the unit cube.

    Cells in the order cz, cy, cx (outer to inner); local node a has the
    offsets (a & 1, a >> 1 & 1, a >> 2 & 1) in (x, y, z); 64 triplets per
    cell, p outer, q inner. The local matrix is not a quadrature of the
    trilinear basis but a simple stand-in with the same pattern and a
    constant null vector: K = kappa h (8 I - ones(8, 8)), with
    kappa = 1 + 0.5 sin(6 x0) cos(4 y0) cos(2 z0) at the cell's corner.
    Returns (m, n, I, J, V).
    """
    if N < 2:
        raise ValueError("fem3d needs N >= 2")
    h = 1.0 / float(N - 1)
    c = np.arange(N - 1)
    cz, cy, cx = (a.ravel() for a in np.meshgrid(c, c, c, indexing="ij"))
    kappa = 1.0 + 0.5 * np.sin(6.0 * cx * h) * np.cos(4.0 * cy * h) * np.cos(2.0 * cz * h)
    corner = (cz * N + cy) * N + cx
    offsets = np.array([(a & 1) + (a >> 1 & 1) * N + (a >> 2 & 1) * N * N
                        for a in range(8)])
    nodes = (corner[:, None] + offsets[None, :]).astype(np.int32)
    local = 8.0 * np.eye(8) - np.ones((8, 8))
    I = np.repeat(nodes, 8, axis=1).ravel()
    J = np.tile(nodes, (1, 8)).ravel()
    V = ((kappa * h)[:, None] * local.ravel()[None, :]).ravel()
    return N ** 3, N ** 3, I, J, V


def fem2d_interior(N):
    """fem2d(N) with the boundary nodes' rows and columns dropped (Dirichlet
    conditions, as PETSc removes them): the SPD stiffness matrix of the
    (N - 2)^2 interior nodes, numbered in grid order, and only the triplets
    whose row and column are both interior. Returns (m, n, I, J, V).
    """
    _, _, I, J, V = fem2d(N)
    grid = np.arange(N)
    inside = (grid > 0) & (grid < N - 1)
    interior = (inside[:, None] & inside[None, :]).ravel()  # node = cy N + cx
    number = np.full(N * N, -1, np.int64)
    number[interior] = np.arange(int(interior.sum()))
    I, J = number[I], number[J]
    keep = (I >= 0) & (J >= 0)
    n = (N - 2) ** 2
    return n, n, I[keep].astype(np.int32), J[keep].astype(np.int32), V[keep]


def fem2d_interior_condition(N):
    """An upper bound on the 2-norm condition of fem2d_interior(N)'s matrix.

    Its P1 stiffness on right triangles is kappa times the 5-point
    Laplacian stencil (4, -1, -1, -1, -1), kappa in [0.5, 1.5]: its
    eigenvalues lie in [0.5 * 8 sin^2(pi h / 2), 1.5 * 8], h = 1 / (N - 1).
    """
    h = 1.0 / (N - 1)
    return (1.5 * 8.0) / (0.5 * 8.0 * math.sin(math.pi * h / 2) ** 2)


def random_coo(M, nnz, seed):
    """nnz triplets uniform over an M x M matrix, values uniform in [-1, 1).

    Returns (m, n, I, J, V); duplicates occur as chance makes them.
    """
    rng = np.random.default_rng(seed)
    I = rng.integers(0, M, nnz, dtype=np.int32)
    J = rng.integers(0, M, nnz, dtype=np.int32)
    V = rng.uniform(-1.0, 1.0, nnz)
    return M, M, I, J, V


def parse_problem(spec):
    """'fem2d-N', 'fem2di-N' (interior: the SPD solve's problem), 'fem3d-N',
    'random-M' (8 M triplets) or 'random-M:NNZ'.

    Returns (kind, size, nnz or None).
    """
    kind, _, size = spec.partition("-")
    size, _, nnz = size.partition(":")
    if kind not in ("fem2d", "fem2di", "fem3d", "random") or not size.isdigit() or \
            (nnz and (kind != "random" or not nnz.isdigit())):
        raise ValueError(f"bad problem {spec!r}: fem2d-N, fem2di-N, fem3d-N, random-M[:NNZ]")
    return kind, int(size), int(nnz) if nnz else None


def generate(spec, seed):
    """The problem named by spec: (m, n, I, J, V, x, y), all deterministic."""
    kind, size, nnz = parse_problem(spec)
    if kind == "fem2d":
        m, n, I, J, V = fem2d(size)
    elif kind == "fem2di":
        m, n, I, J, V = fem2d_interior(size)
    elif kind == "fem3d":
        m, n, I, J, V = fem3d(size)
    else:
        m, n, I, J, V = random_coo(size, nnz or 8 * size, seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.uniform(-1.0, 1.0, m)
    y = rng.uniform(-1.0, 1.0, n)
    return m, n, I, J, V, x, y


class _Fem2dC(ctypes.Structure):
    """struct spg_fem2d of tools/fem2d.h."""

    _fields_ = [("nodes", ctypes.c_int64), ("triplets", ctypes.c_int64),
                ("I", ctypes.POINTER(ctypes.c_int32)),
                ("J", ctypes.POINTER(ctypes.c_int32)),
                ("V", ctypes.POINTER(ctypes.c_double))]


def verify_fem2d(N, workdir):
    """Compile tools/fem2d.c and compare its triplets with fem2d(N), bit for bit.

    Returns a one-line verdict.
    """
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        return "fem2d check: no C compiler found"
    lib_path = Path(workdir) / "libfem2d_check.so"
    subprocess.run([cc, "-O2", "-std=c11", "-fPIC", "-shared", "-o", str(lib_path),
                    str(REPO / "tools" / "fem2d.c"), "-lm"], check=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.spg_fem2d_make.argtypes = [ctypes.c_int64, ctypes.POINTER(_Fem2dC)]
    lib.spg_fem2d_make.restype = ctypes.c_int
    lib.spg_fem2d_free.argtypes = [ctypes.POINTER(_Fem2dC)]
    fem = _Fem2dC()
    if lib.spg_fem2d_make(N, ctypes.byref(fem)) != 0:
        return f"fem2d check: spg_fem2d_make({N}) failed"
    try:
        count = fem.triplets
        cI = np.ctypeslib.as_array(fem.I, (count,))
        cJ = np.ctypeslib.as_array(fem.J, (count,))
        cV = np.ctypeslib.as_array(fem.V, (count,))
        m, _, I, J, V = fem2d(N)
        same = (m == fem.nodes and I.size == count and np.array_equal(I, cI)
                and np.array_equal(J, cJ) and np.array_equal(V.view(np.int64),
                                                             cV.view(np.int64)))
    finally:
        lib.spg_fem2d_free(ctypes.byref(fem))
    verdict = "identical, bit for bit" if same else "DIFFERENT"
    return f"fem2d-{N} check against tools/fem2d.c: {count} triplets {verdict}"


# ---- running the implementations ---------------------------------------------

def torch_available():
    """Whether PyTorch can be imported by this interpreter."""
    return importlib.util.find_spec("torch") is not None


def jax_available():
    """Whether JAX can be imported by this interpreter."""
    return importlib.util.find_spec("jax") is not None


def selected_impls(ops, families):
    """Implementation names of peers.IMPLS in the chosen operations and families."""
    return [name for name, (op, family, _, _) in peers.IMPLS.items()
            if op in ops and family in families]


def write_problem(data_dir, spec, m, n, I, J, V, x, y, stored):
    """Write the inputs and their description for the child processes."""
    for name, array in (("I", I), ("J", J), ("V", V), ("x", x), ("y", y)):
        np.save(data_dir / f"{name}.npy", array)
    meta = {"name": spec, "m": m, "n": n, "triplets": int(I.size), "stored": stored}
    (data_dir / "meta.json").write_text(json.dumps(meta))


# The families whose children get OMP_NUM_THREADS=T besides the context's T
# threads: in them OpenMP is spgrad's alone (XLA does not read it; it sets
# the OpenMP default of libspgrad_jax's handlers). spgrad.torch's children
# get T through the context only: OMP_NUM_THREADS would also set PyTorch's
# own thread count, which stays at its default, as for the torch peers.
OMP_FAMILIES = ("spgrad", "spgrad-jax")


def run_child(data_dir, impl, threads, args, save=None):
    """Run peers.py for one implementation; its record (with 'error' on failure)."""
    out = data_dir / f"record-{impl}-{threads}.json"
    cmd = [sys.executable, str(HERE / "peers.py"), "--data", str(data_dir),
           "--impl", impl, "--threads", str(threads), "--reps", str(args.reps),
           "--budget", str(args.budget), "--out", str(out),
           "--mem-limit", str(args.mem_limit)]
    if save:
        cmd += ["--save", str(save)]
    env = dict(os.environ)
    if family_of(impl) in OMP_FAMILIES:
        env["OMP_NUM_THREADS"] = str(threads)
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=args.child_timeout)
    except subprocess.TimeoutExpired:
        return {"impl": impl, "threads_requested": threads,
                "error": f"timed out after {args.child_timeout} s"}
    if proc.returncode != 0 or not out.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        return {"impl": impl, "threads_requested": threads,
                "error": f"exit status {proc.returncode}: {tail[0][:300]}"}
    return json.loads(out.read_text())


def family_of(impl):
    """The family of an implementation or of a baseline-FAMILY run."""
    if impl.startswith("baseline-"):
        return impl[len("baseline-"):]
    return peers.IMPLS[impl][1]


def plan_threads(impl, threads):
    """The thread counts an implementation runs at: each for spgrad's
    families (the C library, spgrad.jax, spgrad.torch), else 0."""
    return threads if family_of(impl) in peers.SPGRAD_FAMILIES else [0]


# ---- checking the results -------------------------------------------------------

REFERENCES = {"assembly": "scipy.tocsc", "spmv_n": "scipy.spmv_n",
              "spmv_t": "scipy.spmv_t", "gradient": "numpy.grad",
              "solve": "scipy.solve_grad"}


def reference_of(impl):
    """The implementation whose result ``impl`` is checked against."""
    op = peers.IMPLS[impl][0]
    if op == "spmv":
        return REFERENCES["spmv_n" if impl.endswith("_n") else "spmv_t"]
    return REFERENCES[op]


def difference(result, reference):
    """max |result - reference| / max |reference| over the arrays both hold.

    Index arrays must match exactly (else inf); 0.0 means equal.
    """
    worst = 0.0
    for key in reference.files:
        if key not in result.files:
            continue
        a, b = result[key], reference[key]
        if a.shape != b.shape:
            return math.inf
        if a.dtype.kind in "iu":
            if not np.array_equal(a, b):
                return math.inf
            continue
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        err = float(np.max(np.abs(a - b))) if b.size else 0.0
        worst = max(worst, err / scale if scale > 0 else err)
    return worst


def bitwise_same(path_a, path_b):
    """Whether two saved results hold the same arrays, bit for bit."""
    with np.load(path_a) as a, np.load(path_b) as b:
        return a.files == b.files and all(
            a[k].tobytes() == b[k].tobytes() for k in a.files)


def check_results(saved, threads, tolerance, condition=1.0):
    """Compare every saved result with its reference, and spgrad across threads.

    saved maps (impl, threads) to an .npz path. Solves with different
    factorisations differ by up to the condition number times what sums do:
    their tolerance is ``tolerance * condition``. Returns a list of dicts.
    """
    checks = []
    for (impl, t), path in sorted(saved.items()):
        ref_impl = reference_of(impl)
        ref_path = saved.get((ref_impl, 0))
        if impl == ref_impl or ref_path is None:
            continue
        with np.load(path) as res, np.load(ref_path) as ref:
            diff = difference(res, ref)
        tol = tolerance * (condition if peers.IMPLS[impl][0] == "solve" else 1.0)
        checks.append({"impl": impl, "threads": t, "reference": ref_impl,
                       "difference": diff, "ok": diff <= tol})
    for impl in sorted({i for (i, t) in saved if t != 0}):
        paths = [saved[(impl, t)] for t in threads if (impl, t) in saved]
        if len(paths) < 2:
            continue
        if peers.IMPLS[impl][0] == "solve":
            # OMP_NUM_THREADS, which each spgrad child gets, also sets the
            # thread count of OpenBLAS under SuiteSparse, and its factors
            # depend on it: the same within the solves' tolerance
            diff = 0.0
            for p in paths[1:]:
                with np.load(paths[0]) as a, np.load(p) as b:
                    diff = max(diff, difference(b, a))
            checks.append({"impl": impl, "threads": threads,
                           "reference": "itself at other thread counts (BLAS threads too)",
                           "difference": diff, "ok": diff <= tolerance * condition})
            continue
        same = all(bitwise_same(paths[0], p) for p in paths[1:])
        checks.append({"impl": impl, "threads": threads,
                       "reference": "itself at other thread counts",
                       "difference": 0.0 if same else math.inf, "ok": same})
    return checks


# ---- one problem -------------------------------------------------------------

def stored_entries(m, n, I, J):
    """The number of stored entries of sparse(I, J) (a spgrad plan's nnz)."""
    import spgrad
    with spgrad.Context() as ctx, spgrad.Plan(I, J, (m, n), context=ctx) as plan:
        return plan.nnz


def run_problem(spec, impls, args, workdir):
    """Generate, run every implementation, check; the problem's record."""
    t0 = time.perf_counter()
    m, n, I, J, V, x, y = generate(spec, args.seed)
    gen_s = time.perf_counter() - t0
    kind, size, _ = parse_problem(spec)
    # the solves need an SPD matrix: the fem2di problems
    impls = [i for i in impls if (peers.IMPLS[i][0] != "solve") or kind == "fem2di"]
    stored = stored_entries(m, n, I, J)
    data_dir = Path(tempfile.mkdtemp(prefix="problem-", dir=workdir))
    write_problem(data_dir, spec, m, n, I, J, V, x, y, stored)
    triplets = int(I.size)
    del I, J, V, x, y
    record = {"name": spec, "m": m, "n": n, "triplets": triplets, "stored": stored,
              "generate_s": gen_s, "loadavg_start": os.getloadavg(), "baselines": {},
              "runs": [], "checks": []}
    print(f"\n{spec}: {m} x {n}, {triplets:,} triplets, {stored:,} stored entries "
          f"(generated in {gen_s:.2f} s)", flush=True)

    families = sorted({peers.IMPLS[i][1] for i in impls})
    for family in families:
        t = max(args.threads) if family in peers.SPGRAD_FAMILIES else 0
        base = run_child(data_dir, f"baseline-{family}", t, args)
        record["baselines"][family] = base.get("maxrss")
    saved = {}
    for impl in impls:
        for t in plan_threads(impl, args.threads):
            save = data_dir / f"result-{impl}-{t}.npz" if args.check else None
            rec = run_child(data_dir, impl, t, args, save)
            base = record["baselines"].get(peers.IMPLS[impl][1])
            if rec.get("maxrss") and base:
                rec["peak_bytes"] = rec["maxrss"] - base
            rec.setdefault("operation", peers.IMPLS[impl][0])
            rec.setdefault("label", peers.IMPLS[impl][3])
            record["runs"].append(rec)
            if save and save.exists() and "error" not in rec:
                saved[(impl, t)] = save
            print(f"  {progress_line(rec)}", flush=True)
    if args.check:
        condition = fem2d_interior_condition(size) if kind == "fem2di" else 1.0
        record["checks"] = check_results(saved, args.threads, args.tolerance, condition)
    if args.verify_fem2d and spec.startswith("fem2d-"):
        record["fem2d_check"] = verify_fem2d(parse_problem(spec)[1], data_dir)
    if not args.keep:
        shutil.rmtree(data_dir)
    record["loadavg_end"] = os.getloadavg()
    return record


def progress_line(rec):
    """One line about a finished child, printed while the problem runs."""
    where = f"{rec['impl']} t={rec['threads_requested']}"
    if "error" in rec:
        return f"{where}: failed: {rec['error'][:120]}"
    return f"{where}: median {rec['median'] * 1e3:.2f} ms over {len(rec['times'])}"


# ---- tables ------------------------------------------------------------------

def fmt_ms(seconds):
    """Seconds as milliseconds with sensible precision."""
    ms = seconds * 1e3
    return f"{ms:.3f}" if ms < 10 else f"{ms:.1f}" if ms < 1e4 else f"{ms:.0f}"


def fmt_mib(rec):
    """A record's peak memory in MiB, or '-'."""
    peak = rec.get("peak_bytes")
    return f"{peak / MIB:.1f}" if peak is not None else "-"


def failure_text(rec):
    """A short description of a failed run, with the memory it asked for."""
    text = rec["error"]
    if rec.get("requested_bytes"):
        text = f"asked for {rec['requested_bytes'] / 2**30:,.1f} GiB: " + text
    return "FAILED " + text[:150]


def threads_text(rec):
    """The thread count a record ran with, as shown in the table."""
    t = rec.get("threads", rec.get("threads_requested"))
    return "xla" if t == "xla default" else str(t)


def measurement_table(problem):
    """Lines of the measurements table of one problem."""
    head = (f"{'operation':<10} {'implementation':<36} {'thr':>4} {'reps':>4} "
            f"{'median ms':>11} {'warm-up ms':>11} {'peak MiB':>9}")
    lines = [head, "-" * len(head)]
    for rec in problem["runs"]:
        start = f"{rec['operation']:<10} {rec['label']:<36} {threads_text(rec):>4}"
        if "error" in rec:
            lines.append(f"{start}  {failure_text(rec)}")
            continue
        lines.append(f"{start} {len(rec['times']):>4} {fmt_ms(rec['median']):>11} "
                     f"{fmt_ms(rec['first']):>11} {fmt_mib(rec):>9}")
    return lines


# What the rows of spgrad's framework functions are compared with: the
# framework's own peers, and the C library's rows that compute the same
# (the value and the gradient through the plan, and the fused COO pullback).
FRAMEWORK_AGAINST = {
    "spgrad-jax": ("jax.grad", "spgrad.fwd_grad_plan", "spgrad.grad_coo"),
    "spgrad-torch": ("torch.grad_coo", "torch.grad_csr", "spgrad.fwd_grad_plan",
                     "spgrad.grad_coo"),
}


def _c_row_peers(s, impls):
    """The peers of a C-library row: every non-spgrad row of its operation."""
    op = peers.IMPLS[s][0]
    found = []
    for p in impls:
        if peers.IMPLS[p][0] != op or peers.IMPLS[p][1] in peers.SPGRAD_FAMILIES:
            continue
        if op == "spmv" and s[-1] != p[-1]:
            continue
        if op == "solve" and s != "spgrad.solve_grad":
            continue  # the peers compute the value and the gradient
        found.append(p)
    return found


def comparisons(problem):
    """(operation, spgrad impl, peer impl) pairs to show ratios for."""
    impls = list(dict.fromkeys(rec["impl"] for rec in problem["runs"]))
    pairs = []
    for s in impls:
        op, family = peers.IMPLS[s][0], peers.IMPLS[s][1]
        if family == "spgrad":
            pairs += [(op, s, p) for p in _c_row_peers(s, impls)]
        elif family in FRAMEWORK_AGAINST:
            pairs += [(op, s, p) for p in FRAMEWORK_AGAINST[family] if p in impls]
    return pairs


def _peer_run(runs, peer, t):
    """The run a row at t threads is compared with: a spgrad row at the
    same thread count, any other peer's single run."""
    return runs.get((peer, t if family_of(peer) in peers.SPGRAD_FAMILIES else 0))


def _ratio_cell(mine, peer):
    """The time ratio mine / peer as shown in the table."""
    if peer is None or "error" in peer:
        return "peer fail"
    if mine is None or "error" in mine:
        return "fail"
    return f"{mine['median'] / peer['median']:.3g}"


def _memory_ratio(mine, peer):
    """The peak-memory ratio mine / peer, or '-'."""
    if not mine or not peer or "error" in mine or "error" in peer:
        return "-"
    if not peer.get("peak_bytes") or peer["peak_bytes"] <= 0 or \
            mine.get("peak_bytes") is None:
        return "-"
    return f"{mine['peak_bytes'] / peer['peak_bytes']:.3g}"


def ratio_table(problem, threads):
    """Lines of the spgrad / peer ratios of one problem."""
    runs = {(r["impl"], r["threads_requested"]): r for r in problem["runs"]}
    cols = "".join(f"{'t=' + str(t):>10}" for t in threads)
    head = (f"{'operation':<10} {'spgrad':<36} {'peer':<36}{cols} "
            f"{'MiB t=' + str(threads[0]):>10}")
    lines = [head, "-" * len(head)]
    for op, s, p in comparisons(problem):
        cells = [_ratio_cell(runs.get((s, t)), _peer_run(runs, p, t)) for t in threads]
        t0 = threads[0]
        mem = _memory_ratio(runs.get((s, t0)), _peer_run(runs, p, t0))
        lines.append(f"{op:<10} {peers.IMPLS[s][3][7:]:<36} {peers.IMPLS[p][3]:<36}"
                     + "".join(f"{c:>10}" for c in cells) + f" {mem:>10}")
    return lines


def solve_lines(problem, threads):
    """The cost of spgrad's solve gradient relative to its forward."""
    runs = {(r["impl"], r["threads_requested"]): r for r in problem["runs"]}
    lines = []
    for t in threads:
        fwd, grad = runs.get(("spgrad.solve_fwd", t)), runs.get(("spgrad.solve_pullback", t))
        if fwd and grad and "error" not in fwd and "error" not in grad:
            lines.append(f"spgrad solve t={t}: gradient (adjoint solve + COO pullback) / "
                         f"forward (assemble + factorise + solve) = "
                         f"{grad['median'] / fwd['median']:.3f}")
    return lines


def check_lines(problem):
    """Lines that say how the results agree."""
    lines = []
    if problem.get("fem2d_check"):
        lines.append(problem["fem2d_check"])
    checks = problem.get("checks") or []
    if not checks:
        return lines
    bad = [c for c in checks if not c["ok"]]
    worst = max((c["difference"] for c in checks if c["difference"] != math.inf),
                default=0.0)
    across = any(c["reference"] == "itself at other thread counts" for c in checks)
    if bad:
        lines.append(f"results checked: {len(bad)} MISMATCH(ES)")
    else:
        lines.append(f"results checked: {len(checks)} comparisons, largest relative "
                     f"difference {worst:.2g}"
                     + ("; spgrad bitwise equal across thread counts" if across else ""))
    for c in bad:
        lines.append(f"  MISMATCH {c['impl']} t={c['threads']} vs {c['reference']}: "
                     f"{c['difference']:.3g}")
    return lines


def print_problem(problem, threads):
    """Print the tables of one problem."""
    print(f"\n== {problem['name']}: {problem['m']:,} x {problem['n']:,}, "
          f"{problem['triplets']:,} triplets, {problem['stored']:,} stored ==")
    print("\n".join(measurement_table(problem)))
    print("\nratio spgrad / peer of the median times (below 1: spgrad faster), "
          "and of the peak memory")
    print("\n".join(ratio_table(problem, threads)))
    for line in solve_lines(problem, threads):
        print(line)
    for line in check_lines(problem):
        print(line)


# ---- command line --------------------------------------------------------------

def default_mem_limit():
    """Three quarters of this machine's memory, in bytes."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return int(0.75 * pages)


def parse_args(argv=None):
    """Command-line arguments of the comparison."""
    p = argparse.ArgumentParser(
        description="Time spgrad against scipy, numpy, JAX and PyTorch.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--problems", nargs="+", default=DEFAULT_PROBLEMS,
                   help="fem2d-N, fem3d-N, random-M (8 M triplets) or random-M:NNZ")
    p.add_argument("--fem3d-80", action="store_true",
                   help="add fem3d-80 (about 31.5 M triplets) to the problems")
    p.add_argument("--ops", default=",".join(OPERATIONS),
                   help="comma-separated operations: " + ", ".join(OPERATIONS))
    p.add_argument("--peers", default="numpy,jax,torch",
                   help="comma-separated peer families besides spgrad: numpy "
                        "(numpy and scipy), jax (with spgrad.jax), torch (with "
                        "spgrad.torch)")
    p.add_argument("--threads", default="1,2",
                   help="comma-separated spgrad thread counts")
    p.add_argument("--reps", type=int, default=5, help="timed calls at most")
    p.add_argument("--budget", type=float, default=20.0,
                   help="per implementation, stop timing after this many seconds "
                        "of timed calls (at least one call is timed)")
    p.add_argument("--seed", type=int, default=20240607,
                   help="seed of the random problems and of x, y")
    p.add_argument("--lib", metavar="DIR",
                   help="directory of libspgrad.so and libspgrad_jax.so, a CMake build "
                        "directory (default: $SPGRAD_LIBRARY_DIR, else build-py/)")
    p.add_argument("--json", help="write every raw number to this file")
    p.add_argument("--no-check", dest="check", action="store_false",
                   help="do not compare the results of the implementations")
    p.add_argument("--tolerance", type=float, default=1e-12,
                   help="largest relative difference accepted by the checks")
    p.add_argument("--verify-fem2d", action="store_true",
                   help="compile tools/fem2d.c and check fem2d-N against it")
    p.add_argument("--mem-limit", type=int, default=default_mem_limit(),
                   help="RLIMIT_AS in bytes of every child process (0: none)")
    p.add_argument("--child-timeout", type=float, default=900.0,
                   help="seconds before a child process is stopped")
    p.add_argument("--tmpdir", help="where the inputs are written for the children")
    p.add_argument("--keep", action="store_true", help="keep the written inputs")
    args = p.parse_args(argv)
    args.threads = [int(t) for t in args.threads.split(",")]
    args.ops = [o for o in args.ops.split(",") if o]
    args.peers = [f for f in args.peers.split(",") if f]
    if args.fem3d_80 and "fem3d-80" not in args.problems:
        args.problems = args.problems + ["fem3d-80"]
    for spec in args.problems:
        try:
            parse_problem(spec)
        except ValueError as exc:
            p.error(str(exc))
    bad = set(args.ops) - set(OPERATIONS)
    if bad:
        p.error(f"unknown operations {sorted(bad)}")
    return args


def families_to_run(requested, library_dir):
    """The families that will run, and notes about those that cannot.

    The jax and torch families bring spgrad's functions for them
    (spgrad-jax, spgrad-torch); spgrad-jax also needs libspgrad_jax.so.
    """
    families, notes = {"spgrad"}, []
    for family in requested:
        if family == "torch" and not torch_available():
            notes.append("torch: not installed (tools/setup.sh installs it in "
                         "python/.venv); its rows are left out")
        elif family == "jax" and not jax_available():
            notes.append("jax: not installed; its rows are left out")
        elif family in ("jax", "torch"):
            families.add(family)
            families.add("spgrad-" + family)
        elif family in peers.FAMILIES:
            families.add(family)
        else:
            notes.append(f"unknown peer family {family!r} ignored")
    if "spgrad-jax" in families and not (Path(library_dir) / "libspgrad_jax.so").exists():
        families.discard("spgrad-jax")
        notes.append(f"spgrad.jax: {library_dir}/libspgrad_jax.so not built (CMake builds it "
                     "where python/.venv has jaxlib); its rows are left out")
    return families, notes


def main(argv=None):
    """Run every problem and print the tables; 1 if a result disagrees."""
    args = parse_args(argv)
    library_dir = peers.use_package(args.lib)
    import spgrad
    families, notes = families_to_run(args.peers, library_dir)
    impls = selected_impls(args.ops, families)
    info = {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "spgrad": spgrad.__version__, "numpy": np.__version__,
            "library_dir": library_dir, "threads": args.threads, "reps": args.reps,
            "budget_s": args.budget, "notes": notes}
    print(f"spgrad {info['spgrad']} ({library_dir}), python {info['python']}, "
          f"{info['cpus']} cpus; "
          f"spgrad threads {args.threads}; up to {args.reps} timed calls "
          f"(or {args.budget:g} s) after one warm-up")
    info["loadavg"] = os.getloadavg()
    if info["loadavg"][0] > 0.5:
        print(f"note: load average {info['loadavg'][0]:.2f} before the run: other "
              "processes are using the CPUs, so times (2 threads above all) are noisy")
    for note in notes:
        print(note)
    problems = []
    workdir = tempfile.mkdtemp(prefix="spgrad-compare-", dir=args.tmpdir)
    try:
        for spec in args.problems:
            problem = run_problem(spec, impls, args, Path(workdir))
            print_problem(problem, args.threads)
            problems.append(problem)
            if args.json:
                write_json(args.json, info, problems)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    bad = [c for p in problems for c in p["checks"] if not c["ok"]]
    return 1 if bad else 0


def write_json(path, info, problems):
    """Write the run's description and every problem's raw records."""
    def clean(value):
        if isinstance(value, float) and math.isinf(value):
            return "inf"
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value
    Path(path).write_text(json.dumps(clean({"info": info, "problems": problems}),
                                     indent=1))


if __name__ == "__main__":
    sys.exit(main())
