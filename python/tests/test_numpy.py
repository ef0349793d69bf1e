"""The NumPy layer of spgrad against dense NumPy / SciPy references.

Rounding bounds follow Higham, "Accuracy and Stability of Numerical
Algorithms": gamma(k) = k u / (1 - k u) bounds the relative error of k
floating-point operations in precision u, so a sum of c products, scaled by
alpha and added to beta y, computed in any order, is off by at most
gamma(c + 3) times the sum of the magnitudes of its terms. References are
computed in float64 from the same inputs; their own rounding is added to
every bound.
"""

import functools
import math
import os
import types
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import spgrad

DATA = Path(os.environ.get("SPGRAD_TEST_DATA",
                           Path(__file__).resolve().parents[2] / "tests" / "data"))

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
I32, I64 = np.dtype(np.int32), np.dtype(np.int64)
U64 = 2.0 ** -53
LAYOUTS = ("plain", "one_based", "skip_negative", "by_rows")


# ---- helpers -----------------------------------------------------------------

def unit(dtype):
    """The unit roundoff of a value type."""
    return np.finfo(dtype).eps / 2


def gamma(k, u):
    return k * u / (1 - k * u)


class Problem:
    """Triplets of A = sparse(I, J, V) as handed to the library (I, J, V)
    and as the references read them (0-based rows and cols, keep False for
    the triplets that skip_negative drops)."""

    def __init__(self, shape, I, J, V, rows, cols, keep, layout):
        self.shape, self.I, self.J, self.V = shape, I, J, V
        self.rows, self.cols, self.keep, self.layout = rows, cols, keep, layout

    @property
    def flags(self):
        return dict(one_based=self.layout == "one_based",
                    skip_negative=self.layout == "skip_negative")

    def plan(self, **kw):
        return spgrad.Plan(self.I, self.J, self.shape, by_rows=self.layout == "by_rows",
                           **self.flags, **kw)

    def coo(self):
        return spgrad.Coo(self.I, self.J, self.shape, **self.flags)

    def dense(self, values=None):
        """sparse(I, J, V) as a float64 dense array (kept triplets only)."""
        V = self.V if values is None else values
        D = np.zeros(self.shape)
        k = self.keep
        np.add.at(D, (self.rows[k], self.cols[k]), V[k].astype(F64))
        return D


def random_problem(seed, dtype=F64, itype=I64, layout="plain", shape=(7, 5), nnz=24,
                   square_dominant=False, symmetric=False):
    """Random triplets in [-1, 1] with duplicates (the last five triplets repeat
    the positions of the first five). square_dominant appends a diagonal that
    dominates every row and column by more than 1, so A is nonsingular (and SPD
    when symmetric: each triplet is mirrored). skip_negative appends four
    triplets with a negative row or column, which the library must drop."""
    rng = np.random.default_rng(seed)
    m, n = shape
    rows, cols = rng.integers(0, m, nnz), rng.integers(0, n, nnz)
    rows[-5:], cols[-5:] = rows[:5], cols[:5]
    vals = rng.uniform(-1, 1, nnz)
    if symmetric:
        rows, cols, vals = (np.concatenate([rows, cols]), np.concatenate([cols, rows]),
                            np.concatenate([vals, vals]))
    if square_dominant:
        absum = np.zeros(m)
        np.add.at(absum, rows, np.abs(vals))
        np.add.at(absum, cols, np.abs(vals))
        sign = np.ones(m) if symmetric else np.where(np.arange(m) % 2, -1.0, 1.0)
        rows, cols = np.concatenate([rows, np.arange(m)]), np.concatenate([cols, np.arange(m)])
        vals = np.concatenate([vals, sign * (absum + 1)])
    keep = np.ones(len(rows), bool)
    I, J = rows.copy(), cols.copy()
    if layout == "skip_negative":
        I = np.concatenate([I, [-1, 2, -4, -1]])
        J = np.concatenate([J, [1, -1, -2, 0]])
        rows = np.concatenate([rows, [0, 0, 0, 0]])
        cols = np.concatenate([cols, [0, 0, 0, 0]])
        vals = np.concatenate([vals, rng.uniform(-1, 1, 4)])
        keep = np.concatenate([keep, [False] * 4])
    if layout == "one_based":
        I, J = I + 1, J + 1
    return Problem(shape, I.astype(itype), J.astype(itype), vals.astype(dtype), rows, cols,
                   keep, layout)


def setup(dtype, itype, layout, seed, **kw):
    """A random problem, its plan and assembled matrix, and the matrix as a
    dense array with its mask of stored entries."""
    p = random_problem(seed, dtype, itype, layout, **kw)
    plan = p.plan()
    A = plan.matrix(plan.assemble(p.V))
    assert A.transposed == (layout == "by_rows")
    D, stored = dense_of(A)
    return p, plan, A, D, stored


def entries(A):
    """(rows, cols) in A's own coordinates of each stored value of a Matrix."""
    indptr, indices = A.indptr.astype(np.int64), A.indices.astype(np.int64)
    major = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    return (major, indices) if A.transposed else (indices, major)


def dense_of(A):
    """A Matrix as a float64 dense array (1 where a pattern matrix stores) and
    the mask of its stored entries, read from its compressed arrays."""
    r, c = entries(A)
    D, stored = np.zeros(A.shape), np.zeros(A.shape, bool)
    D[r, c] = 1.0 if A.values is None else np.asarray(A.values, F64)
    stored[r, c] = True
    return D, stored


def rvec(rng, shape, dtype=F64, order="C"):
    return np.asarray(rng.uniform(-1, 1, shape).astype(dtype), order=order)


def sentinel(n, dtype=F64):
    return np.full(n, 7.25, dtype)


def assert_within(actual, ref, bound, what=""):
    err = np.abs(np.asarray(actual, F64) - ref)
    bound = np.broadcast_to(bound, err.shape)
    bad = ~(err <= bound)
    assert not bad.any(), (f"{what}: {bad.sum()} of {bad.size} elements off; worst error "
                           f"{err[bad].max():.3e}, bound there {bound[bad][err[bad].argmax()]:.3e}")


def assert_bitwise(a, b, what=""):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert a.tobytes() == b.tobytes(), what


def dot_bound(mag, count, u):
    """The rounding of a sum of count products computed in precision u, plus
    the same sum in the float64 reference: gamma(count + 3) sum |terms| each."""
    return (gamma(count + 3, u) + gamma(count + 3, U64)) * mag


CONFIGS = pytest.mark.parametrize(
    "dtype,itype,layout",
    [(dt, it, lay) for dt in (F64, F32) for it in (I32, I64) for lay in LAYOUTS],
    ids=lambda v: v if isinstance(v, str) else np.dtype(v).name)


@functools.lru_cache(maxsize=None)
def _mmread(name):
    M = scipy.io.mmread(DATA / f"{name}.mtx").tocoo()
    return M.row.astype(np.int32), M.col.astype(np.int32), M.data.astype(F64), M.shape


def load(name):
    """The file's triplets (symmetric files expanded by scipy) as fresh arrays."""
    I, J, V, shape = _mmread(name)
    return I.copy(), J.copy(), V.copy(), shape


# ---- 1. the seed case: the gradient of sum(sparse(I, J, V)) ------------------

def _seed_triplets(source):
    if source == "duplicates.mtx":
        return load("duplicates")
    p = random_problem(11, shape=(20, 15), nnz=600)
    return p.rows, p.cols, p.V, p.shape


@pytest.mark.parametrize("source", ["duplicates.mtx", "random"])
@pytest.mark.parametrize("itype", [I32, I64], ids=str)
@pytest.mark.parametrize("by_rows", [False, True], ids=["csc", "csr"])
def test_gradient_of_sum_with_duplicates(source, itype, by_rows):
    I, J, V, shape = _seed_triplets(source)
    I, J = I.astype(itype), J.astype(itype)
    plan = spgrad.Plan(I, J, shape, by_rows=by_rows)
    Ax = plan.assemble(V)
    S = sp.coo_matrix((V, (I, J)), shape=shape)
    S = S.tocsr() if by_rows else S.tocsc()
    S.sum_duplicates()
    assert S.has_canonical_format
    assert plan.nnz == S.nnz < plan.nnz_coo == len(V)
    assert plan.indptr.dtype == itype and plan.indices.dtype == itype
    np.testing.assert_array_equal(plan.indptr, S.indptr)
    np.testing.assert_array_equal(plan.indices, S.indices)
    # Each entry sums its d duplicates, in triplet order here and in some order
    # in scipy: each is off by at most gamma(d - 1) sum |V_k|.
    count = sp.coo_matrix((np.ones(len(V)), (I, J)), shape=shape)
    count = (count.tocsr() if by_rows else count.tocsc())
    count.sum_duplicates()
    mag = abs(sp.coo_matrix((np.abs(V), (I, J)), shape=shape))
    mag = (mag.tocsr() if by_rows else mag.tocsc())
    mag.sum_duplicates()
    assert_within(Ax, S.data, 2 * gamma(count.data - 1, U64) * mag.data, "assembly")
    # d sum(A) / d Ax = 1 at every stored entry, and each triplet gets the
    # gradient of its entry: 1, duplicates included.
    dV = plan.assemble_pullback(np.ones(plan.nnz))
    assert_bitwise(dV, np.ones(len(V)), "gradient of sum")


# ---- 2. every operation against a dense reference ----------------------------

@CONFIGS
def test_assemble(dtype, itype, layout):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=1)
    assert plan.nnz_coo == len(p.V) and plan.nnz_kept == p.keep.sum()
    np.testing.assert_array_equal(stored, p.dense(np.ones(len(p.V))) != 0)
    out = sentinel(plan.nnz, dtype)
    assert plan.assemble(p.V, out=out) is out
    # An entry of d duplicates takes d - 1 additions: gamma(d - 1) sum |V_k|
    # in precision u, plus the reference's float64 sum.
    mag = p.dense(np.abs(p.V))
    d = p.dense(np.ones(len(p.V)))
    r, c = entries(A)
    assert_within(out, p.dense()[r, c],
                  (gamma(d[r, c] - 1, unit(dtype)) + gamma(d[r, c] - 1, U64)) * mag[r, c], "Ax")


@CONFIGS
def test_assemble_pullback(dtype, itype, layout):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=2)
    rng = np.random.default_rng(3)
    dAx, dV0 = rvec(rng, plan.nnz, dtype), rvec(rng, len(p.V), dtype)
    dV = dV0.copy()
    assert plan.assemble_pullback(dAx, dV=dV) is dV
    slot = {(i, j): s for s, (i, j) in enumerate(zip(*entries(A)))}
    k = p.keep
    expect = dV0.astype(F64)
    expect[k] += [dAx[slot[i, j]] for i, j in zip(p.rows[k], p.cols[k])]
    # one addition in precision u per triplet
    assert_within(dV[k], expect[k], unit(dtype) * np.abs(expect[k]), "dV")
    assert_bitwise(dV[~k], dV0[~k], "skipped triplets' dV")


@CONFIGS
@pytest.mark.parametrize("op", ["N", "T"])
@pytest.mark.parametrize("alpha,beta", [(1.0, 0.0), (-0.75, 0.5)])
def test_spmv(dtype, itype, layout, op, alpha, beta):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=4)
    rng = np.random.default_rng(5)
    Dop, Sop = (D, stored) if op == "N" else (D.T, stored.T)
    x, y0 = rvec(rng, Dop.shape[1], dtype), rvec(rng, Dop.shape[0], dtype)
    # beta == 0 must not read y: NaN there must not leak through
    y = y0.copy() if beta else np.full(Dop.shape[0], np.nan, dtype)
    assert spgrad.spmv(A, x, op=op, alpha=alpha, beta=beta, y=y) is y
    ref = alpha * (Dop @ x.astype(F64)) + beta * y0.astype(F64)
    mag = abs(alpha) * (np.abs(Dop) @ np.abs(x.astype(F64))) + abs(beta) * np.abs(y0)
    assert_within(y, ref, dot_bound(mag, Dop.shape[1], unit(dtype)), f"spmv {op}")
    fresh = spgrad.spmv(A, x, op=op, alpha=alpha)
    assert fresh.dtype == dtype and fresh.shape == (Dop.shape[0],)


@CONFIGS
@pytest.mark.parametrize("op", ["N", "T"])
def test_spmv_pullback(dtype, itype, layout, op):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=6)
    rng = np.random.default_rng(7)
    alpha = -1.25
    m, n = A.shape if op == "N" else A.shape[::-1]
    x, dy = rvec(rng, n, dtype), rvec(rng, m, dtype)
    dA0, dx0 = rvec(rng, A.nnz, dtype), rvec(rng, n, dtype)
    dA, dx = spgrad.spmv_pullback(A, x, dy, op=op, alpha=alpha, dA=dA0.copy(), dx=dx0.copy())
    r, c = entries(A)
    x64, dy64 = x.astype(F64), dy.astype(F64)
    # y = alpha op(A) x: dA += alpha dy x' (op N) or alpha x dy' (op T)
    prod = alpha * (dy64[r] * x64[c] if op == "N" else x64[r] * dy64[c])
    assert_within(dA, dA0 + prod, dot_bound(np.abs(dA0) + np.abs(prod), 1, unit(dtype)), "dA")
    Dop = D if op == "N" else D.T
    ref = dx0 + alpha * (Dop.T @ dy64)
    mag = np.abs(dx0) + abs(alpha) * (np.abs(Dop.T) @ np.abs(dy64))
    assert_within(dx, ref, dot_bound(mag, m + 1, unit(dtype)), "dx")


@CONFIGS
def test_bilinear(dtype, itype, layout):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=8)
    rng = np.random.default_rng(9)
    x, y = rvec(rng, A.shape[0], dtype), rvec(rng, A.shape[1], dtype)
    f = spgrad.bilinear(A, x, y)
    x64, y64 = x.astype(F64), y.astype(F64)
    mag = np.abs(x64) @ np.abs(D) @ np.abs(y64)
    # the inner sums of at most max(m, n) terms in precision u, the outer sum
    # of at most max(m, n) terms in double (the library and the reference)
    count = max(A.shape)
    bound = (gamma(count + 3, unit(dtype)) + 2 * gamma(2 * count + 3, U64)) * mag
    assert abs(f - x64 @ D @ y64) <= bound


@CONFIGS
def test_bilinear_pullback(dtype, itype, layout):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=10)
    rng = np.random.default_rng(11)
    m, n = A.shape
    x, y = rvec(rng, m, dtype), rvec(rng, n, dtype)
    dA0, dx0, dy0 = rvec(rng, A.nnz, dtype), rvec(rng, m, dtype), rvec(rng, n, dtype)
    df = 1.5
    dA, dx, dy = spgrad.bilinear_pullback(A, x, y, df, dA=dA0.copy(), dx=dx0.copy(),
                                          dy=dy0.copy())
    _check_bilinear_grads(A, D, x, y, df, (dA0, dx0, dy0), (dA, dx, dy), dtype)


def _check_bilinear_grads(A, D, x, y, df, starts, grads, dtype):
    """dA = dA0 + df x y' on the pattern, dx = dx0 + df A y, dy = dy0 + df A' x."""
    (dA0, dx0, dy0), (dA, dx, dy) = starts, grads
    m, n = A.shape
    u = unit(dtype)
    x64, y64 = x.astype(F64), y.astype(F64)
    r, c = entries(A)
    prod = df * x64[r] * y64[c]
    assert_within(dA, dA0 + prod, dot_bound(np.abs(dA0) + np.abs(prod), 2, u), "dA")
    assert_within(dx, dx0 + df * (D @ y64),
                  dot_bound(np.abs(dx0) + df * (np.abs(D) @ np.abs(y64)), n + 1, u), "dx")
    assert_within(dy, dy0 + df * (D.T @ x64),
                  dot_bound(np.abs(dy0) + df * (np.abs(D.T) @ np.abs(x64)), m + 1, u), "dy")


@CONFIGS
def test_bilinear_value_and_grad(dtype, itype, layout):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=12)
    rng = np.random.default_rng(13)
    m, n = A.shape
    x, y = rvec(rng, m, dtype), rvec(rng, n, dtype)
    dA0, dx0, dy0 = rvec(rng, A.nnz, dtype), rvec(rng, m, dtype), rvec(rng, n, dtype)
    f, dA, dx, dy = spgrad.bilinear_value_and_grad(A, x, y, dA=dA0.copy(), dx=dx0.copy(),
                                                   dy=dy0.copy())
    assert f == spgrad.bilinear(A, x, y)  # the same sums in the same fixed order
    _check_bilinear_grads(A, D, x, y, 1.0, (dA0, dx0, dy0), (dA, dx, dy), dtype)
    f2, dA2, dx2, dy2 = spgrad.bilinear_value_and_grad(A, x, y)
    assert f2 == f and dA2.dtype == dx2.dtype == dy2.dtype == dtype


@CONFIGS
def test_quadratic(dtype, itype, layout):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=14, shape=(6, 6))
    rng = np.random.default_rng(15)
    n = A.shape[0]
    x, dA0, dx0 = rvec(rng, n, dtype), rvec(rng, A.nnz, dtype), rvec(rng, n, dtype)
    x64 = x.astype(F64)
    f = spgrad.quadratic(A, x)
    mag = np.abs(x64) @ np.abs(D) @ np.abs(x64)
    assert abs(f - x64 @ D @ x64) <= (gamma(n + 3, unit(dtype)) + 2 * gamma(2 * n + 3, U64)) * mag
    df = -0.5
    dA, dx = spgrad.quadratic_pullback(A, x, df, dA=dA0.copy(), dx=dx0.copy())
    r, c = entries(A)
    prod = df * x64[r] * x64[c]
    assert_within(dA, dA0 + prod, dot_bound(np.abs(dA0) + np.abs(prod), 2, unit(dtype)), "dA")
    # dx += df (A + A') x: a sum of up to 2 n terms
    ref = dx0 + df * ((D + D.T) @ x64)
    mag = np.abs(dx0) + abs(df) * ((np.abs(D) + np.abs(D.T)) @ np.abs(x64))
    assert_within(dx, ref, dot_bound(mag, 2 * n + 1, unit(dtype)), "dx")


def _uv_blocks(rng, kind, m, n, dtype):
    """U (m x k) and V (n x k) as the operations take them: 1-D (k = 1),
    Fortran-ordered (k = 3), or a slice of a wider Fortran block whose leading
    dimension exceeds the rows."""
    if kind == "k1":
        return rvec(rng, m, dtype), rvec(rng, n, dtype)
    if kind == "k3":
        return rvec(rng, (m, 3), dtype, "F"), rvec(rng, (n, 3), dtype, "F")
    WU, WV = rvec(rng, (m + 4, 6), dtype, "F"), rvec(rng, (n + 3, 6), dtype, "F")
    U, V = WU[2:2 + m, 1:4], WV[1:1 + n, 2:5]
    assert U.strides[1] // U.itemsize == m + 4 and V.strides[1] // V.itemsize == n + 3
    return U, V


def _sampled(U, V, alpha, r, c):
    U2, V2 = np.asarray(U, F64).reshape(len(U), -1), np.asarray(V, F64).reshape(len(V), -1)
    terms = alpha * U2[r] * V2[c]
    return terms.sum(axis=1), np.abs(terms).sum(axis=1), U2.shape[1]


@CONFIGS
@pytest.mark.parametrize("kind", ["k1", "k3", "k3_slice"])
def test_sampled_outer(dtype, itype, layout, kind):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=16)
    rng = np.random.default_rng(17)
    U, V = _uv_blocks(rng, kind, *A.shape, dtype)
    dA0 = rvec(rng, A.nnz, dtype)
    alpha = 0.75
    dA = spgrad.sampled_outer(A, U, V, alpha, dA=dA0.copy())
    s, mag, k = _sampled(U, V, alpha, *entries(A))
    assert_within(dA, dA0 + s, dot_bound(np.abs(dA0) + mag, k + 1, unit(dtype)), "dA")


@CONFIGS
def test_csc_check(dtype, itype, layout):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=18)
    spgrad.csc_check(A)
    spgrad.csc_check(plan.matrix(None))
    indptr, indices = plan.indptr.copy(), plan.indices.copy()
    values = np.asarray(A.values).copy()
    spgrad.csc_check(spgrad.Matrix(A.shape, indptr, indices, values, by_rows=A.transposed))
    vm = A.shape[1] if A.transposed else A.shape[0]  # the rows of the C view
    col = np.flatnonzero(np.diff(indptr) >= 2)[0]
    for corrupt in ("unsorted", "out_of_range", "indptr"):
        bad_ptr, bad_idx = indptr.copy(), indices.copy()
        if corrupt == "unsorted":
            s = indptr[col]
            bad_idx[s], bad_idx[s + 1] = bad_idx[s + 1], bad_idx[s]
        elif corrupt == "out_of_range":
            bad_idx[-1] = vm
        else:
            bad_ptr[-1] -= 1
        with pytest.raises(spgrad.SpgradError) as e:  # checked when made
            spgrad.Matrix(A.shape, bad_ptr, bad_idx, values, by_rows=A.transposed)
        assert e.value.status == -12, corrupt
        M = spgrad.Matrix(A.shape, bad_ptr, bad_idx, values, by_rows=A.transposed, check=False)
        with pytest.raises(spgrad.SpgradError) as e:
            spgrad.csc_check(M)
        assert e.value.status == -12, corrupt


def _coo_of(p, plan, source):
    return plan if source == "plan" else p.coo()


def _check_dV(p, dV, dV0, ref, mag, count, dtype, what):
    k = p.keep
    assert_within(dV[k], dV0[k] + ref[k], dot_bound(np.abs(dV0[k]) + mag[k], count, unit(dtype)),
                  what)
    assert_bitwise(dV[~k], dV0[~k], f"{what}: skipped triplets")


@CONFIGS
@pytest.mark.parametrize("source", ["plan", "coo"])
def test_coo_sampled_outer(dtype, itype, layout, source):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=19)
    rng = np.random.default_rng(20)
    U, V = _uv_blocks(rng, "k3_slice", *p.shape, dtype)
    dV0 = rvec(rng, len(p.V), dtype)
    dV = spgrad.coo_sampled_outer(_coo_of(p, plan, source), U, V, -2.0, dV=dV0.copy())
    s, mag, k = _sampled(U, V, -2.0, p.rows, p.cols)
    _check_dV(p, dV, dV0, s, mag, k + 1, dtype, "coo_sampled_outer")


@CONFIGS
@pytest.mark.parametrize("source", ["plan", "coo"])
def test_coo_bilinear_pullback(dtype, itype, layout, source):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=21)
    rng = np.random.default_rng(22)
    x, y = rvec(rng, p.shape[0], dtype), rvec(rng, p.shape[1], dtype)
    dV0 = rvec(rng, len(p.V), dtype)
    dV = spgrad.coo_bilinear_pullback(_coo_of(p, plan, source), x, y, 1.5, dV=dV0.copy())
    prod = 1.5 * x.astype(F64)[p.rows] * y.astype(F64)[p.cols]
    _check_dV(p, dV, dV0, prod, np.abs(prod), 2, dtype, "coo_bilinear_pullback")


@CONFIGS
@pytest.mark.parametrize("source", ["plan", "coo"])
@pytest.mark.parametrize("op", ["N", "T"])
def test_coo_spmv_pullback(dtype, itype, layout, source, op):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=23)
    rng = np.random.default_rng(24)
    m, n = p.shape if op == "N" else p.shape[::-1]
    x, dy, dV0 = rvec(rng, n, dtype), rvec(rng, m, dtype), rvec(rng, len(p.V), dtype)
    dV = spgrad.coo_spmv_pullback(_coo_of(p, plan, source), x, dy, op=op, alpha=0.5,
                                  dV=dV0.copy())
    x64, dy64 = x.astype(F64), dy.astype(F64)
    prod = 0.5 * (dy64[p.rows] * x64[p.cols] if op == "N" else x64[p.rows] * dy64[p.cols])
    _check_dV(p, dV, dV0, prod, np.abs(prod), 2, dtype, f"coo_spmv_pullback {op}")


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("container", ["matrix", "array"])
@pytest.mark.parametrize("dtype", [F64, F32], ids=str)
@pytest.mark.parametrize("itype", [I32, I64], ids=str)
def test_from_scipy_and_back(fmt, container, dtype, itype):
    rng = np.random.default_rng(25)
    S = sp.random(9, 6, density=0.4, format=fmt, dtype=dtype, random_state=26)
    if container == "array":
        S = sp.csc_array(S) if fmt == "csc" else sp.csr_array(S)
    S.indptr, S.indices = S.indptr.astype(itype), S.indices.astype(itype)
    A = spgrad.Matrix.from_scipy(S)
    assert A.shape == S.shape and A.transposed == (fmt == "csr") and A.nnz == S.nnz
    assert np.shares_memory(A.values, S.data)
    x = rvec(rng, 6, dtype)
    D = S.toarray().astype(F64)
    counts = np.diff(S.tocsr().indptr)
    assert_within(spgrad.spmv(A, x), D @ x.astype(F64),
                  dot_bound(np.abs(D) @ np.abs(x.astype(F64)), counts.max(), unit(dtype)), "A x")
    R = A.to_scipy()
    assert R.format == fmt and R.shape == S.shape and R.dtype == dtype
    assert np.shares_memory(R.data, S.data)
    np.testing.assert_array_equal(R.indptr, S.indptr)
    np.testing.assert_array_equal(R.indices, S.indices)
    assert_bitwise(R.data, S.data)
    RT = A.T.to_scipy()
    assert RT.shape == S.shape[::-1]
    np.testing.assert_array_equal(RT.toarray(), S.T.toarray())
    # a bool matrix stored all True is the pattern matrix
    P = spgrad.Matrix.from_scipy(S.astype(bool))
    assert P.values is None
    np.testing.assert_array_equal(P.to_scipy().toarray(), (D != 0).astype(F64))
    # duplicates or unsorted indices are refused, as is another format
    make = sp.csc_matrix if fmt == "csc" else sp.csr_matrix
    N = make((np.ones(2, dtype), np.array([1, 0], itype), np.array([0, 2], itype)),
             shape=(2, 1) if fmt == "csc" else (1, 2))
    assert not N.has_canonical_format
    with pytest.raises(ValueError):
        spgrad.Matrix.from_scipy(N)
    with pytest.raises(TypeError):
        spgrad.Matrix.from_scipy(S.tocoo())


@CONFIGS
def test_matrix_T(dtype, itype, layout):
    p, plan, A, D, stored = setup(dtype, itype, layout, seed=27)
    rng = np.random.default_rng(28)
    m, n = A.shape
    AT = A.T
    assert AT.shape == (n, m) and AT.transposed != A.transposed and AT.nnz == A.nnz
    assert AT.T.shape == A.shape and AT.T.transposed == A.transposed
    np.testing.assert_array_equal(dense_of(AT)[0], D.T)
    x, y = rvec(rng, m, dtype), rvec(rng, n, dtype)
    # A' is the same arrays read the other way: the very same C calls
    assert_bitwise(spgrad.spmv(AT, x), spgrad.spmv(A, x, op="T"), "A' x")
    assert_bitwise(spgrad.spmv(AT, y, op="T"), spgrad.spmv(A, y), "A'' y")
    assert spgrad.bilinear(AT, y, x) == spgrad.bilinear(A, x, y)
    g, gT = spgrad.bilinear_pullback(A, x, y), spgrad.bilinear_pullback(AT, y, x)
    assert_bitwise(gT[0], g[0], "dA")
    assert_bitwise(gT[1], g[2], "dy")
    assert_bitwise(gT[2], g[1], "dx")
    U, V = _uv_blocks(rng, "k3", m, n, dtype)
    assert_bitwise(spgrad.sampled_outer(AT, V, U), spgrad.sampled_outer(A, U, V), "sampled")
    assert_within(spgrad.spmv(AT, x), D.T @ x.astype(F64),
                  dot_bound(np.abs(D.T) @ np.abs(x.astype(F64)), m, unit(dtype)), "A' x")


# ---- 3. accumulation, skipped gradients, pattern matrices ---------------------

def test_none_skips_gradients():
    p, plan, A, D, stored = setup(F64, I64, "plain", seed=29)
    rng = np.random.default_rng(30)
    m, n = A.shape
    x, y, dx0 = rvec(rng, m), rvec(rng, n), rvec(rng, m)
    full = spgrad.bilinear_pullback(A, x, y, dx=dx0.copy())
    dA, dx, dy = spgrad.bilinear_pullback(A, x, y, dA=None, dx=dx0.copy(), dy=None)
    assert dA is None and dy is None
    assert_bitwise(dx, full[1], "dx alone")
    f, dA, dx, dy = spgrad.bilinear_value_and_grad(A, x, y, dA=None, dx=None)
    assert dA is None and dx is None and dy is not None
    dA, dx = spgrad.spmv_pullback(A, y, x, dx=None)
    assert dx is None and dA.shape == (A.nnz,)
    dA, dx = spgrad.spmv_pullback(A, y, x, dA=None)
    assert dA is None and dx.shape == (n,)
    sq = setup(F64, I64, "plain", seed=31, shape=(5, 5))[2]
    dA, dx = spgrad.quadratic_pullback(sq, rvec(rng, 5), dx=None)
    assert dx is None and dA is not None
    # the default dA of a pattern matrix is None: it is a constant
    dA, dx = spgrad.spmv_pullback(plan.matrix(None), y, x)
    assert dA is None and dx is not None


@pytest.mark.parametrize("name", ["sampled_outer", "coo_sampled_outer", "coo_bilinear_pullback",
                                  "coo_spmv_pullback"])
def test_none_skips_single_gradient(name):
    # The _ops convention: a gradient argument of None marks that input
    # constant; its work is skipped and None is returned.
    p, plan, A, D, stored = setup(F64, I64, "plain", seed=32)
    rng = np.random.default_rng(33)
    x, y = rvec(rng, A.shape[0]), rvec(rng, A.shape[1])
    calls = {
        "sampled_outer": lambda: spgrad.sampled_outer(A, x, y, dA=None),
        "coo_sampled_outer": lambda: spgrad.coo_sampled_outer(plan, x, y, dV=None),
        "coo_bilinear_pullback": lambda: spgrad.coo_bilinear_pullback(plan, x, y, dV=None),
        "coo_spmv_pullback": lambda: spgrad.coo_spmv_pullback(plan, y, x, dV=None),
    }
    assert calls[name]() is None


def test_pattern_matrix_acts_as_ones():
    p, plan, A, D, stored = setup(F64, I32, "plain", seed=34, shape=(6, 6))
    P = plan.matrix(None)
    assert P.dtype is None
    rng = np.random.default_rng(35)
    ones = stored.astype(F64)
    for dtype in (F64, F32):
        x, y = rvec(rng, 6, dtype), rvec(rng, 6, dtype)
        x64, y64 = x.astype(F64), y.astype(F64)
        y1 = spgrad.spmv(P, x)
        assert y1.dtype == dtype
        assert_within(y1, ones @ x64, dot_bound(ones @ np.abs(x64), 6, unit(dtype)), "P x")
        # as in test_bilinear with n = 6: gamma(6 + 3) in precision u for the
        # inner sums, gamma(2 * 6 + 3) in double for the outer ones (twice)
        for f, v in ((spgrad.bilinear(P, x, y), y64), (spgrad.quadratic(P, x), x64)):
            mag = np.abs(x64) @ ones @ np.abs(v)
            assert abs(f - x64 @ ones @ v) <= (gamma(9, unit(dtype)) + 2 * gamma(15, U64)) * mag


def _pattern_gradient_calls(P, x, y):
    """Each call asks for dA of the pattern matrix P, with the other outputs
    given as sentinels."""
    n = P.shape[0]
    dA = sentinel(P.nnz)
    dx, dy = sentinel(n), sentinel(n)
    U = rvec(np.random.default_rng(0), (n, 2), order="F")
    return {
        "spmv_pullback": (lambda: spgrad.spmv_pullback(P, x, y, dA=dA, dx=dx), [dA, dx]),
        "bilinear_pullback": (lambda: spgrad.bilinear_pullback(P, x, y, dA=dA, dx=dx, dy=dy),
                              [dA, dx, dy]),
        "bilinear_value_and_grad": (
            lambda: spgrad.bilinear_value_and_grad(P, x, y, dA=dA, dx=dx, dy=dy), [dA, dx, dy]),
        "quadratic_pullback": (lambda: spgrad.quadratic_pullback(P, x, dA=dA, dx=dx), [dA, dx]),
        "sampled_outer": (lambda: spgrad.sampled_outer(P, U, U, dA=dA), [dA]),
    }


@pytest.mark.parametrize("name", ["spmv_pullback", "bilinear_pullback", "bilinear_value_and_grad",
                                  "quadratic_pullback", "sampled_outer"])
def test_pattern_matrix_gradient_raises(name):
    p, plan, A, D, stored = setup(F64, I64, "plain", seed=36, shape=(6, 6))
    rng = np.random.default_rng(37)
    call, outputs = _pattern_gradient_calls(plan.matrix(None), rvec(rng, 6), rvec(rng, 6))[name]
    before = [o.copy() for o in outputs]
    with pytest.raises(spgrad.SpgradError) as e:
        call()
    assert e.value.status == -10
    assert spgrad.status_string(-10) in str(e.value)
    for o, b in zip(outputs, before):
        assert_bitwise(o, b, f"{name}: output written on error")


# ---- 4. finite differences of f(V) = x' A(V) y on real matrices ---------------

@pytest.mark.parametrize("name", ["494_bus", "west0479", "bcsstk13", "cage5"])
@pytest.mark.parametrize("route", ["coo", "plan_csc", "plan_csr"])
def test_bilinear_finite_difference(name, route):
    I, J, V, shape = load(name)
    rng = np.random.default_rng(38)
    # duplicate 50 triplets with new values, so that the plan sums duplicates
    extra = rng.choice(len(V), 50, replace=False)
    I, J = np.concatenate([I, I[extra]]), np.concatenate([J, J[extra]])
    V = np.concatenate([V, rng.uniform(-1, 1, 50) * np.abs(V[extra])])
    m, n = shape
    x, y = rng.standard_normal(m), rng.standard_normal(n)
    plan = spgrad.Plan(I, J, shape, by_rows=route == "plan_csr")
    if route == "coo":
        g = spgrad.coo_bilinear_pullback(plan, x, y)
    else:
        dA, _, _ = spgrad.bilinear_pullback(plan.matrix(plan.assemble(V)), x, y, dx=None, dy=None)
        g = plan.assemble_pullback(dA)

    def f(values):
        return spgrad.bilinear(plan.matrix(plan.assemble(values)), x, y)

    # f is linear in V, so f(Vp) - f(Vm) = g . (Vp - Vm) exactly, where
    # Vp = fl(V + hD) and Vm = fl(V - hD) are the points actually evaluated
    # (their computed difference is off by u |Vp - Vm| per term): there is
    # no truncation error, and the central difference (f(Vp) - f(Vm)) / 2h
    # is compared without the division. The step only scales the difference
    # against the rounding of f, which grows with |V|: with h = 1/4 and
    # |D_k| <= |V_k| + mean |V| (nonzero where V_k = 0), the difference is of
    # the size of f itself.
    D = rng.uniform(-1, 1, len(V)) * (np.abs(V) + np.abs(V).mean())
    h = 0.25
    Vp, Vm = V + h * D, V - h * D
    delta = Vp - Vm
    fd = f(Vp) - f(Vm)
    gd = math.fsum(g * delta)
    # Rounding of f: a triplet's value goes through at most d - 1 duplicate
    # additions, one product with y, at most c - 1 additions in its column,
    # one product with x and at most n - 1 additions of the columns, so each
    # f is off by gamma(d + c + n) sum_k |x_I V_k y_J|; d is the most
    # triplets of one entry (a count of each triplet's slot), c the most
    # entries of a row or column.
    d = np.bincount(plan.assemble_pullback(np.arange(plan.nnz, dtype=F64)).astype(np.int64)).max()
    c = max(np.diff(plan.indptr).max(), np.bincount(plan.indices).max())
    xy = np.abs(x[I] * y[J])
    f_err = gamma(d + c + max(m, n), U64) * (math.fsum(xy * np.abs(Vp))
                                             + math.fsum(xy * np.abs(Vm)))
    # The gradient g_k = fl(x_I y_J) (one or two products), the computed
    # delta (u), the products g_k delta_k (u) and fsum's final rounding.
    g_err = gamma(4, U64) * math.fsum(xy * np.abs(delta)) + U64 * abs(gd)
    bound = f_err + g_err + U64 * abs(fd)
    assert abs(fd - gd) <= bound, (fd, gd, bound)
    assert bound < 1e-8 * abs(gd)  # the check has power: bound far below the signal
    # both routes give the same gradient up to the rounding of x_I y_J
    ref = x[I] * y[J]
    assert_within(g, ref, gamma(2, U64) * np.abs(ref), "g")


# ---- 5. sparse solves ---------------------------------------------------------

def residual_scale(absA, X, B, n):
    """Per column: n u || |A| |X| + |B| ||_inf, the backward error of a stable
    sparse solve (|E| of order n u |A| once the pivoting and refinement keep
    the growth O(1); the worst-case n gamma(3n + 1) of Higham's Thm 9.4 exceeds
    ||b|| for these matrices, so it could not fail), plus the rounding of the
    residual's own computation, gamma(c + 2) with c the entries in a row."""
    mag = absA @ np.abs(X) + np.abs(B)
    c = np.diff(sp.csr_matrix(absA).indptr).max()
    return (n * U64 + gamma(c + 2, U64)) * mag.max(axis=0)


def _rhs(rng, n, nrhs):
    if nrhs == 1:
        return rng.standard_normal(n)
    return np.asfortranarray(rng.standard_normal((n, nrhs)))


@pytest.mark.parametrize("name,kind", [("bcsstk13", "spd"), ("bcsstk13", "general"),
                                       ("west0479", "general")])
@pytest.mark.parametrize("op", ["N", "T"])
@pytest.mark.parametrize("nrhs", [1, 3])
def test_solve_residual(name, kind, op, nrhs):
    I, J, V, shape = load(name)
    n = shape[0]
    plan = spgrad.Plan(I, J, shape)
    A = plan.matrix(plan.assemble(V))
    S = spgrad.Solver(A, kind)
    S.factor(A)
    rng = np.random.default_rng(39)
    B = _rhs(rng, n, nrhs)
    X = S.solve(B, op=op)
    assert X.shape == B.shape and (nrhs == 1 or X.flags.f_contiguous)
    Aop = A.to_scipy() if op == "N" else A.to_scipy().T
    R = (B - Aop @ X).reshape(n, -1)
    scale = residual_scale(abs(Aop), X.reshape(n, -1), B.reshape(n, -1), n)
    assert (np.abs(R).max(axis=0) <= scale).all(), (np.abs(R).max(axis=0), scale)
    assert (scale < 1e-6 * np.abs(B.reshape(n, -1)).max(axis=0)).all()  # the bound is tight
    # X given is overwritten, with the same bits
    X2 = np.asfortranarray(np.full(B.shape, np.nan))
    assert S.solve(B, op=op, X=X2) is X2
    assert_bitwise(X2, X)


def shifted(name):
    """The file's triplets plus sigma on the diagonal (appended triplets, so
    duplicates are summed), sigma = 2 max_i (|a_ii| + max(r_i, c_i)) with r_i,
    c_i the off-diagonal absolute sums of row and column i. A + sigma I is
    then diagonally dominant by rows and columns with gaps >= sigma / 2, so
    Varah's bound ||A^-1||_inf <= 1 / min_i (|a_ii| - r_i) (and the same by
    columns for ||A^-1||_1) gives kappa <= 3; it stays SPD when A is."""
    I, J, V, (n, _) = load(name)
    A = sp.csr_matrix((V, (I, J)), shape=(n, n))
    d = np.abs(A.diagonal())
    absA = abs(A)
    r = np.asarray(absA.sum(axis=1)).ravel() - d
    c = np.asarray(absA.sum(axis=0)).ravel() - d
    sigma = 2 * (d + np.maximum(r, c)).max()
    diag = np.arange(n, dtype=I.dtype)
    return (np.concatenate([I, diag]), np.concatenate([J, diag]),
            np.concatenate([V, np.full(n, sigma)]), n)


def conditioning(A):
    """(||A||_inf / gap_rows, ||A||_1 / gap_cols): Varah's bounds on the
    condition numbers of solves with A and with A' (infinity norm)."""
    A = sp.csr_matrix(A)
    d = np.abs(A.diagonal())
    absA = abs(A)
    rows, cols = np.asarray(absA.sum(axis=1)).ravel(), np.asarray(absA.sum(axis=0)).ravel()
    gap_r, gap_c = (d - (rows - d)).min(), (d - (cols - d)).min()
    assert gap_r > 0 and gap_c > 0
    return rows.max() / gap_r, cols.max() / gap_c


def two_solves(kappa, n, ref):
    """Per column, a bound on ||x^ - x_ref||_inf for two backward-stable solves
    of the same system (eta = n u each): ||x^ - x|| <= kappa eta ||x^||, so
    ||x^ - x_ref|| <= 2 kappa eta ||x_ref|| / (1 - kappa eta)."""
    ke = kappa * n * U64
    return 2 * ke / (1 - ke) * np.abs(ref).max(axis=0)


def _solve_pullback_check(S, plan, Aop, kappa_x, kappa_l, op, nrhs, dtype, seed):
    """solve, solve_pullback (dB, dA) and coo_solve_pullback (dV) against
    Lambda = op(A)^-T dX and X from scipy (float64): dB += Lambda and dA +=
    -Lambda X' (op N) or -X Lambda' (op T) on the pattern."""
    n = S.n
    rng = np.random.default_rng(seed)
    B = _rhs(rng, n, nrhs).astype(dtype, order="F")
    dX = _rhs(rng, n, nrhs).astype(dtype, order="F")
    u = unit(dtype)
    X = S.solve(B, op=op)
    X_ref = spla.spsolve(Aop.tocsc(), B.astype(F64))
    # the solver works in double and rounds its result to dtype (u ||X||)
    Xr = X_ref.reshape(n, -1)
    err = two_solves(kappa_x, n, Xr) + u * np.abs(Xr).max(axis=0)
    assert (np.abs(X - X_ref).reshape(n, -1).max(axis=0) <= err).all()

    L = spla.spsolve(Aop.T.tocsc(), dX.astype(F64)).reshape(n, -1)
    eL = two_solves(kappa_l, n, L) + u * np.abs(L).max(axis=0)
    dB0 = np.asfortranarray(rvec(rng, dX.shape, dtype))
    dA0 = rvec(rng, S.nnz, dtype)
    dB, dA = S.solve_pullback(X, dX, op=op, dB=dB0.copy(order="F"), dA=dA0.copy())
    assert_within(dB.reshape(n, -1), dB0.reshape(n, -1) + L,
                  eL + gamma(2, u) * (np.abs(dB0.reshape(n, -1)) + np.abs(L)), "dB")

    # dA and dV: products of Lambda with the X given (not the true X)
    Xg = X.reshape(n, -1).astype(F64)
    A = plan.matrix(None)
    r, c = entries(A)
    if op == "N":
        terms, eterms = -L[r] * Xg[c], eL * np.abs(Xg[c])
    else:
        terms, eterms = -Xg[r] * L[c], np.abs(Xg[r]) * eL
    prod, mag, k = terms.sum(axis=1), np.abs(terms).sum(axis=1), terms.shape[1]
    assert_within(dA, dA0 + prod, eterms.sum(axis=1) + dot_bound(np.abs(dA0) + mag, k + 1, u),
                  "dA")

    dV0 = rvec(rng, plan.nnz_coo, dtype)
    dB2, dV = S.coo_solve_pullback(plan, X, dX, op=op, dB=None, dV=dV0.copy())
    assert dB2 is None
    I, J = plan.coo.I.astype(np.int64), plan.coo.J.astype(np.int64)
    one = 1 if plan.flags & 1 else 0  # SPG_ONE_BASED
    keep = (I >= 0) & (J >= 0)
    i, j = I[keep] - one, J[keep] - one
    if op == "N":
        terms, eterms = -L[i] * Xg[j], eL * np.abs(Xg[j])
    else:
        terms, eterms = -Xg[i] * L[j], np.abs(Xg[i]) * eL
    prod, mag = terms.sum(axis=1), np.abs(terms).sum(axis=1)
    assert_within(dV[keep], dV0[keep] + prod,
                  eterms.sum(axis=1) + dot_bound(np.abs(dV0[keep]) + mag, k + 1, u), "dV")
    assert_bitwise(dV[~keep], dV0[~keep], "skipped triplets' dV")
    # the COO route equals solve_pullback then assemble_pullback into a zero dA
    _, dA_zero = S.solve_pullback(X, dX, op=op, dB=None)
    _, dV_coo = S.coo_solve_pullback(plan, X, dX, op=op, dB=None)
    assert_bitwise(dV_coo, plan.assemble_pullback(dA_zero), "coo_solve_pullback vs plan")
    _, dV_c = S.coo_solve_pullback(plan.coo, X, dX, op=op, dB=None)
    assert_bitwise(dV_c, dV_coo, "Coo vs Plan")


@pytest.mark.parametrize("name,kind", [("bcsstk13", "spd"), ("bcsstk13", "general"),
                                       ("west0479", "general")])
@pytest.mark.parametrize("op", ["N", "T"])
@pytest.mark.parametrize("nrhs", [1, 3])
def test_solve_pullback_real(name, kind, op, nrhs):
    I, J, V, n = shifted(name)
    plan = spgrad.Plan(I, J, (n, n))
    A = plan.matrix(plan.assemble(V))
    S = spgrad.Solver(A, kind)
    S.factor(A)
    As = A.to_scipy()
    kN, kT = conditioning(As)
    Aop, kx, kl = (As, kN, kT) if op == "N" else (As.T, kT, kN)
    _solve_pullback_check(S, plan, Aop, kx, kl, op, nrhs, F64, seed=40)


@CONFIGS
@pytest.mark.parametrize("kind", ["general", "spd"])
@pytest.mark.parametrize("op", ["N", "T"])
@pytest.mark.parametrize("nrhs", [1, 3])
def test_solve_small(dtype, itype, layout, kind, op, nrhs):
    p = random_problem(41, dtype, itype, layout, shape=(8, 8), nnz=20, square_dominant=True,
                       symmetric=kind == "spd")
    plan = p.plan()
    A = plan.matrix(plan.assemble(p.V))
    S = spgrad.Solver(A, kind)
    S.factor(A)
    D = sp.csr_matrix(dense_of(A)[0])
    kN, kT = conditioning(D)
    Aop, kx, kl = (D, kN, kT) if op == "N" else (D.T, kT, kN)
    _solve_pullback_check(S, plan, Aop, kx, kl, op, nrhs, dtype, seed=42)


@pytest.mark.parametrize("name,kind", [("west0479", "general"), ("bcsstk13", "spd")])
def test_solve_pullback_finite_difference(name, kind):
    I, J, V, n = shifted(name)
    plan = spgrad.Plan(I, J, (n, n))
    A = plan.matrix(plan.assemble(V))
    S = spgrad.Solver(A, kind)
    S.factor(A)
    rng = np.random.default_rng(43)
    b, cvec = rng.standard_normal(n), rng.standard_normal(n)
    X = S.solve(b)
    lam, dV = S.coo_solve_pullback(plan, X, cvec)
    # a symmetric direction (equal on (i, j) and (j, i)), so that A + tE stays
    # symmetric for the SPD solver
    key = np.minimum(I, J).astype(np.int64) * n + np.maximum(I, J)
    _, inv = np.unique(key, return_inverse=True)
    D = rng.uniform(-1, 1, inv.max() + 1)[inv] * np.abs(V)
    E = sp.csr_matrix((D, (I, J)), shape=(n, n))
    As = A.to_scipy()
    normA, normE = abs(As).sum(axis=1).max(), abs(E).sum(axis=1).max()
    kN, kT = conditioning(As)
    gap = normA / kN  # min_i |a_ii| - r_i

    def g(t):
        S.factor(plan.matrix(plan.assemble(V + t * D)))
        Xt = S.solve(b)
        # rounding of c' X: gamma(n) |c|'|X|
        return cvec @ Xt, np.abs(Xt).max(), gamma(n, U64) * (np.abs(cvec) @ np.abs(Xt))

    # g(t) = c' (A + tE)^-1 b. Central difference: |(g(h) - g(-h)) / 2h - g'| <=
    # h^2/6 max|g'''| and g''' = -6 c' M^-1 (E M^-1)^3 b, M = A + tE, with
    # ||M^-1||_inf <= 1 / (gap - h ||E||) (Varah): truncation <= T h^2.
    c1 = np.abs(cvec).sum()
    eta = n * U64

    def trunc(h):
        return h * h * c1 * normE ** 3 * np.abs(b).max() / (gap - h * normE) ** 4

    # Evaluation of g(t): the solve is backward stable for the rounded values
    # V + tD: (M + G) X^ = b with ||G|| <= (eta + 2u)(||A|| + t||E||), so
    # |g^ - g| <= ||c||_1 ||X^|| ||G|| / (gap - t||E||) + gamma(n)|c|'|X^|.
    def eval_err(h, normX, dot_err):
        return c1 * normX * (eta + 2 * U64) * (normA + h * normE) / (gap - h * normE) + dot_err

    # h balances T h^2 against the evaluation error / h (a power of two)
    F0 = eval_err(0, np.abs(X).max(), gamma(n, U64) * (np.abs(cvec) @ np.abs(X)))
    h = 2.0 ** math.floor(math.log2((F0 / (2 * trunc(1.0))) ** (1 / 3)))
    gp, nXp, ep = g(h)
    gm, nXm, em = g(-h)
    fd = (gp - gm) / (2 * h)
    # The gradient: dV_k = -Lambda_I X_J with Lambda^ and X^ each off by
    # kappa eta ||.|| / (1 - kappa eta); summed against D by fsum.
    eL = kT * eta / (1 - kT * eta) * np.abs(lam).max()
    eX = kN * eta / (1 - kN * eta) * np.abs(X).max()
    grad_err_k = eL * np.abs(X[J]) + (np.abs(lam[I]) + eL) * eX + gamma(3, U64) * np.abs(dV)
    gd = math.fsum(dV * D)
    bound = (trunc(h) + (eval_err(h, nXp, ep) + eval_err(h, nXm, em)) / (2 * h)
             + math.fsum(grad_err_k * np.abs(D)) + U64 * math.fsum(np.abs(dV * D))
             + gamma(3, U64) * abs(fd))
    assert abs(fd - gd) <= bound, (fd, gd, bound, h)
    assert bound < 1e-4 * abs(gd)  # the check has power


def test_factor_new_values():
    I, J, V, n = shifted("west0479")
    plan = spgrad.Plan(I, J, (n, n))
    A1 = plan.matrix(plan.assemble(V))
    S = spgrad.Solver(A1, "general")
    with pytest.raises(spgrad.SpgradError) as e:
        S.solve(np.ones(n))
    assert e.value.status == -17  # nothing factorised yet
    S.factor(A1)
    rng = np.random.default_rng(44)
    b = rng.standard_normal(n)
    X1 = S.solve(b)
    V2 = V * rng.uniform(0.5, 1.5, len(V))
    A2 = plan.matrix(plan.assemble(V2))
    S.factor(A2)
    X2 = S.solve(b)
    for M, X, ok in ((A2, X2, True), (A1, X2, False), (A1, X1, True)):
        Ms = M.to_scipy()
        res = np.abs(b - Ms @ X).max()
        scale = residual_scale(abs(Ms), X[:, None], b[:, None], n)[0]
        assert (res <= scale) == ok
    # a matrix of another pattern is refused, and the factors stay
    other = spgrad.Plan(np.arange(n), np.arange(n), (n, n))
    with pytest.raises(spgrad.SpgradError) as e:
        S.factor(other.matrix(np.ones(n)))
    assert e.value.status == -16
    assert_bitwise(S.solve(b), X2)


# ---- 6. bad input: an error, and every output left as it was ------------------

def _bad_env():
    """A 6 x 4 problem (plan, matrix, x of length 6, y of length 4) and a
    factorised 5 x 5 solver."""
    p = random_problem(45, shape=(6, 4), nnz=15)
    plan = p.plan()
    A = plan.matrix(plan.assemble(p.V))
    rng = np.random.default_rng(46)
    sq = random_problem(47, shape=(5, 5), nnz=8, square_dominant=True)
    splan = sq.plan()
    SA = splan.matrix(splan.assemble(sq.V))
    solver = spgrad.Solver(SA)
    solver.factor(SA)
    return types.SimpleNamespace(p=p, plan=plan, A=A, x=rvec(rng, 6), y=rvec(rng, 4),
                                 solver=solver, nV=len(p.V))


def _with_index(I, where, values):
    I = I.copy()
    I[list(where)] = values
    return I


def _read_only(a):
    a.flags.writeable = False
    return a


BAD = {}


def bad_case(fn):
    """Registers fn(env) -> (call, exception, status or None, outputs)."""
    BAD[fn.__name__] = fn
    return fn


@bad_case
def float16_values(e):
    out = sentinel(e.plan.nnz)
    return lambda: e.plan.assemble(e.p.V.astype(np.float16), out=out), TypeError, None, [out]


@bad_case
def int16_indices(e):
    dV = sentinel(e.nV)
    coo = lambda: spgrad.Coo(e.p.I.astype(np.int16), e.p.J.astype(np.int16), e.p.shape)
    return lambda: spgrad.coo_bilinear_pullback(coo(), e.x, e.y, dV=dV), TypeError, None, [dV]


@bad_case
def mixed_index_types(e):
    return (lambda: spgrad.Plan(e.p.I.astype(np.int32), e.p.J.astype(np.int64), e.p.shape),
            TypeError, None, [])


@bad_case
def float32_x_float64_matrix(e):
    dA, dx, dy = sentinel(e.A.nnz), sentinel(6), sentinel(4)
    return (lambda: spgrad.bilinear_pullback(e.A, e.x.astype(F32), e.y, dA=dA, dx=dx, dy=dy),
            TypeError, None, [dA, dx, dy])


@bad_case
def float32_x_spmv(e):
    y = sentinel(6)
    return lambda: spgrad.spmv(e.A, e.y.astype(F32), y=y), TypeError, None, [y]


@bad_case
def float32_vectors_float64_dV(e):
    dV = sentinel(e.nV)
    return (lambda: spgrad.coo_bilinear_pullback(e.plan, e.x.astype(F32), e.y.astype(F32), dV=dV),
            TypeError, None, [dV])


@bad_case
def noncontiguous_x(e):
    y = sentinel(6)
    return lambda: spgrad.spmv(e.A, np.repeat(e.y, 2)[::2], y=y), ValueError, None, [y]


@bad_case
def noncontiguous_values(e):
    out = sentinel(e.plan.nnz)
    return lambda: e.plan.assemble(np.repeat(e.p.V, 2)[::2], out=out), ValueError, None, [out]


@bad_case
def noncontiguous_dV(e):
    whole = sentinel(2 * e.nV)
    return (lambda: spgrad.coo_bilinear_pullback(e.plan, e.x, e.y, dV=whole[::2]), ValueError,
            None, [whole])


@bad_case
def noncontiguous_indices(e):
    return (lambda: spgrad.Plan(np.repeat(e.p.I, 2)[::2], e.p.J, e.p.shape), ValueError, None, [])


@bad_case
def lengths_of_I_and_J(e):
    return lambda: spgrad.Plan(e.p.I, e.p.J[:-1], e.p.shape), ValueError, None, []


@bad_case
def length_of_V(e):
    out = sentinel(e.plan.nnz)
    return lambda: e.plan.assemble(e.p.V[:-1], out=out), ValueError, None, [out]


@bad_case
def length_of_dV(e):
    dV = sentinel(e.nV + 1)
    return lambda: e.plan.assemble_pullback(np.ones(e.plan.nnz), dV=dV), ValueError, None, [dV]


@bad_case
def length_of_x(e):
    dA, dx, dy = sentinel(e.A.nnz), sentinel(6), sentinel(4)
    return (lambda: spgrad.bilinear_pullback(e.A, e.x[:-1], e.y, dA=dA, dx=dx, dy=dy),
            ValueError, None, [dA, dx, dy])


@bad_case
def length_of_last_output(e):
    dA, dx, dy = sentinel(e.A.nnz), sentinel(6), sentinel(5)
    return (lambda: spgrad.bilinear_pullback(e.A, e.x, e.y, dA=dA, dx=dx, dy=dy),
            ValueError, None, [dA, dx, dy])


@bad_case
def index_out_of_range_plan(e):
    I = _with_index(e.p.I, [3], 6)
    return lambda: spgrad.Plan(I, e.p.J, e.p.shape), spgrad.SpgradError, -4, []


@bad_case
def index_out_of_range_coo(e):
    dV = sentinel(e.nV)
    coo = spgrad.Coo(e.p.I, _with_index(e.p.J, [2], 4), e.p.shape)
    return (lambda: spgrad.coo_spmv_pullback(coo, e.y, e.x, dV=dV), spgrad.SpgradError, -4,
            [dV])


@bad_case
def negative_index_plan(e):
    I = _with_index(e.p.I, [5], -1)
    return lambda: spgrad.Plan(I, e.p.J, e.p.shape), spgrad.SpgradError, -5, []


@bad_case
def negative_index_coo(e):
    dV = sentinel(e.nV)
    coo = spgrad.Coo(_with_index(e.p.I, [5], -1), e.p.J, e.p.shape)
    return (lambda: spgrad.coo_bilinear_pullback(coo, e.x, e.y, dV=dV), spgrad.SpgradError, -5,
            [dV])


@bad_case
def range_before_negative(e):
    # the first bad triplet in triplet order names the status
    dV = sentinel(e.nV)
    coo = spgrad.Coo(_with_index(e.p.I, [2, 9], [6, -1]), e.p.J, e.p.shape)
    return (lambda: spgrad.coo_sampled_outer(coo, e.x, e.y, dV=dV), spgrad.SpgradError, -4,
            [dV])


@bad_case
def negative_before_range(e):
    dV = sentinel(e.nV)
    coo = spgrad.Coo(_with_index(e.p.I, [2, 9], [-1, 6]), e.p.J, e.p.shape)
    return (lambda: spgrad.coo_sampled_outer(coo, e.x, e.y, dV=dV), spgrad.SpgradError, -5,
            [dV])


@bad_case
def read_only_out(e):
    out = _read_only(sentinel(e.plan.nnz))
    return lambda: e.plan.assemble(e.p.V, out=out), ValueError, None, [out]


@bad_case
def read_only_gradient(e):
    dA, dx = sentinel(e.A.nnz), _read_only(sentinel(4))
    return (lambda: spgrad.spmv_pullback(e.A, e.y, e.x, dA=dA, dx=dx), ValueError, None,
            [dA, dx])


@bad_case
def solve_float32_rhs(e):
    X = sentinel(5)
    return lambda: e.solver.solve(np.ones(5, F32), X=X), TypeError, None, [X]


@bad_case
def solve_C_ordered_block(e):
    X = np.asfortranarray(np.full((5, 3), 7.25))
    return lambda: e.solver.solve(np.ones((5, 3)), X=X), ValueError, None, [X]


@bad_case
def solve_pullback_dA_length(e):
    dB, dA = sentinel(5), sentinel(e.solver.nnz + 1)
    return (lambda: e.solver.solve_pullback(np.ones(5), np.ones(5), dB=dB, dA=dA), ValueError,
            None, [dB, dA])


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input(case):
    call, exc, status, outputs = BAD[case](_bad_env())
    before = [o.copy() for o in outputs]
    with pytest.raises(exc) as e:
        call()
    if status is not None:
        assert e.value.status == status
        assert spgrad.status_string(status) in str(e.value)
    for o, b in zip(outputs, before):
        assert_bitwise(o, b, f"{case}: an output was written")


def test_context_and_shape_validated():
    with pytest.raises(ValueError):
        spgrad.Context("gpu")
    for threads in (-1, 1025):  # outside [0, SPG_MAX_THREADS]
        with pytest.raises(spgrad.SpgradError) as e:
            spgrad.Context("cpu", threads=threads)
        assert e.value.status == -2
    with pytest.raises(ValueError):
        spgrad.Plan(np.zeros(1, I64), np.zeros(1, I64), (-1, 3))
    p, plan, A, D, stored = setup(F64, I64, "plain", seed=52)
    with pytest.raises(ValueError):  # beta != 0 reads y, which must be given
        spgrad.spmv(A, np.ones(A.shape[1]), beta=1.0)
    with pytest.raises(ValueError):
        spgrad.spmv(A, np.ones(A.shape[1]), op="C")


# ---- 7. other array objects, threads ------------------------------------------

def test_torch_tensors_without_copy():
    torch = pytest.importorskip("torch")
    p = random_problem(48, shape=(7, 5), nnz=24)
    plan = spgrad.Plan(torch.from_numpy(p.I.copy()), torch.tensor(p.J), p.shape)
    V = torch.tensor(p.V)
    ref = spgrad.Plan(p.I, p.J, p.shape).assemble(p.V)
    assert_bitwise(plan.assemble(V), ref)
    out = torch.full((plan.nnz,), 7.25, dtype=torch.float64)
    assert plan.assemble(V, out=out) is out
    assert_bitwise(out.numpy(), ref, "out= a torch tensor")
    # the matrix reads its torch values in place: scaling them by 2 (exact)
    # doubles A x
    A = plan.matrix(out)
    x = torch.tensor(rvec(np.random.default_rng(49), 5))
    y1 = spgrad.spmv(A, x).copy()
    out.mul_(2)
    assert_bitwise(spgrad.spmv(A, x), 2 * y1, "values read in place")
    dV = torch.ones(len(p.V), dtype=torch.float64)
    assert plan.assemble_pullback(torch.ones(plan.nnz, dtype=torch.float64), dV=dV) is dV
    assert_bitwise(dV.numpy(), np.full(len(p.V), 2.0), "dV accumulated in a torch tensor")


def test_threads_bitwise():
    rng = np.random.default_rng(50)
    n, nnz = 40000, 200000
    I, J = rng.integers(0, n, nnz), rng.integers(0, n, nnz)
    I[-20000:], J[-20000:] = I[:20000], J[:20000]  # duplicates
    V = rng.standard_normal(nnz)
    x, y, dAx = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(nnz)
    U, W = rng.standard_normal((n, 3)).copy(order="F"), rng.standard_normal((n, 3)).copy(order="F")

    def run(threads):
        ctx = spgrad.Context("cpu", threads=threads)
        plan = spgrad.Plan(I, J, (n, n), context=ctx)
        A = plan.matrix(plan.assemble(V))
        res = [plan.indptr.copy(), plan.indices.copy(), A.values,
               plan.assemble_pullback(dAx[:plan.nnz]),
               spgrad.spmv(A, x), spgrad.spmv(A, x, op="T"),
               *spgrad.spmv_pullback(A, x, y), spgrad.sampled_outer(A, U, W),
               np.array([spgrad.bilinear(A, x, y), spgrad.quadratic(A, x)])]
        f, *grads = spgrad.bilinear_value_and_grad(A, x, y)
        res += [np.array([f]), *grads, *spgrad.quadratic_pullback(A, x),
                spgrad.coo_bilinear_pullback(plan, x, y), spgrad.coo_spmv_pullback(plan, x, y),
                spgrad.coo_sampled_outer(plan, U, W)]
        return res

    one, two = run(1), run(2)
    for k, (a, b) in enumerate(zip(one, two)):
        assert_bitwise(a, b, f"result {k}")



def test_outputs_must_not_overlap_inputs():
    """The C calls do not allow an output that overlaps an input or another
    output: each is refused before anything is written."""
    I = np.array([0, 1, 2, 0], np.int32)
    J = np.array([0, 1, 2, 2], np.int32)
    plan = spgrad.Plan(I, J, (3, 3))
    A = plan.matrix(plan.assemble(np.ones(4)))
    x = np.arange(1.0, 4.0)
    before = x.copy()
    with pytest.raises(ValueError, match="y overlaps x"):
        spgrad.spmv(A, x, y=x)
    with pytest.raises(ValueError, match="dx overlaps x"):
        spgrad.quadratic_pullback(A, x, dA=None, dx=x)
    both = np.zeros(6)
    with pytest.raises(ValueError, match="dx overlaps dy"):
        spgrad.bilinear_pullback(A, x, x, dA=None, dx=both[:3], dy=both[2:5])
    shared = np.zeros(7)
    with pytest.raises(ValueError, match="dV overlaps x"):
        spgrad.coo_bilinear_pullback(plan, shared[:3], x, dV=shared[2:6])
    with pytest.raises(ValueError, match="out overlaps V"):
        plan.assemble(shared[:4], out=shared[2:6])
    B = np.zeros((3, 2), order="F")
    S = spgrad.Solver(A)
    S.factor(A)
    with pytest.raises(ValueError, match="X overlaps B"):
        S.solve(B, X=B)
    dX = np.zeros(3)
    with pytest.raises(ValueError, match="dB overlaps dX"):
        S.solve_pullback(x, dX, dB=dX, dA=None)
    assert np.array_equal(x, before) and not both.any() and not shared.any() and not B.any() and not dX.any()
    with pytest.raises(ValueError, match="beta != 0 needs y"):
        spgrad.spmv(A, x, beta=1.0, y=True)


def test_closed_plan_refuses_its_matrices():
    plan = spgrad.Plan(np.array([0, 1], np.int32), np.array([0, 1], np.int32), (2, 2))
    A = plan.matrix(plan.assemble(np.ones(2)))
    plan.close()
    with pytest.raises(ValueError, match="closed"):
        spgrad.spmv(A, np.ones(2))
    with pytest.raises(ValueError, match="closed"):
        plan.indptr


def test_coo_calls_run_in_the_coo_context():
    ctx = spgrad.Context("cpu", threads=1)
    I = np.array([0, 1, 1], np.int32)
    coo = spgrad.Coo(I, I, (2, 2), context=ctx)
    assert coo.context is ctx and spgrad.Plan(I, I, (2, 2), context=ctx).coo.context is ctx
    x = np.array([2.0, 3.0])
    assert np.array_equal(spgrad.coo_bilinear_pullback(coo, x, x), [4.0, 9.0, 9.0])
