"""The operations on a Matrix and on COO triplets, and their pullbacks.

Conventions (as in the C API): forward results overwrite their output,
which is a new array unless one is given; pullbacks accumulate. A gradient
argument is True (a new zero array), an array (accumulated into, in
place), or None (that input is a constant: its work is skipped, and a call
whose only gradient is None returns None at once). Pullbacks
return their gradients in argument order. Vectors and gradients have the
matrix's value type; A.T is handled by swapping roles, never by copying.
"""

import ctypes

import numpy as np

from . import _arrays as ar
from . import _capi as c
from ._core import Coo, Plan, _DTYPES, _grad, _output

_OPS = {"N": c.SPG_OP_N, "T": c.SPG_OP_T}


def _op(op):
    if op not in _OPS:
        raise ValueError(f"op must be 'N' or 'T', not {op!r}")
    return _OPS[op]


def _context(A, context):
    """The context A's operation runs in: the one given, else A's own."""
    ctx = A.context if context is None else context
    if ctx.cuda != A.cuda:
        raise ValueError("the matrix is in " + ("GPU" if A.cuda else "CPU") +
                         " memory and the context runs on the " + ("GPU" if ctx.cuda else "CPU"))
    return ctx


def _values(A, dt):
    """(name, pointer, bytes) of A's stored values, for the overlap checks."""
    return ("A's values", A._args[6], A.nnz * dt.itemsize)


def _dtype(A, x, name):
    return A.dtype if A.dtype is not None else ar.value_type(x, name)


def _dA(A, dA):
    """dA as given, where "auto" asks for it when A has values."""
    if isinstance(dA, str):
        if dA != "auto":
            raise ValueError(f"dA must be True, None, an array or 'auto', not {dA!r}")
        return True if A.values is not None else None
    return dA


def spmv(A, x, *, op="N", alpha=1.0, beta=0.0, y=None, context=None):
    """y = alpha op(A) x + beta y (y not read when beta == 0)."""
    ctx, opc = _context(A, context), _op(op)
    dt = _dtype(A, x, "x")
    m, n = A.shape if opc == c.SPG_OP_N else A.shape[::-1]
    px = ar.vector(x, "x", dt, n, ctx.cuda)
    if (y is None or y is True) and beta != 0:
        raise ValueError("beta != 0 needs y (an array: it is read)")
    y = _output(y, "y", dt, m, ctx.cuda, np.empty)
    py = ar.vector(y, "y", dt, m, ctx.cuda, writable=True)
    sz = dt.itemsize
    ar.disjoint([("y", py, m * sz)], [("x", px, n * sz), _values(A, dt)])
    c.call("spg_spmv", ctx.ptr, opc ^ A.transposed, alpha, ctypes.byref(A.struct(dt)), px,
           beta, py)
    return y


def spmv_pullback(A, x, dy, *, op="N", alpha=1.0, dA="auto", dx=True, context=None):
    """dA += alpha dy x' (op N; alpha x dy' for op T) on A's pattern and
    dx += alpha op(A)' dy. Returns (dA, dx)."""
    ctx, opc = _context(A, context), _op(op)
    dt = _dtype(A, x, "x")
    m, n = A.shape if opc == c.SPG_OP_N else A.shape[::-1]
    px = ar.vector(x, "x", dt, n, ctx.cuda)
    pdy = ar.vector(dy, "dy", dt, m, ctx.cuda)
    dA, pa = _grad(_dA(A, dA), "dA", dt, A.nnz, ctx.cuda)
    dx, pdx = _grad(dx, "dx", dt, n, ctx.cuda)
    sz = dt.itemsize
    ar.disjoint([("dA", pa, A.nnz * sz), ("dx", pdx, n * sz)],
                [("x", px, n * sz), ("dy", pdy, m * sz), _values(A, dt)])
    c.call("spg_spmv_pullback", ctx.ptr, opc ^ A.transposed, alpha,
           ctypes.byref(A.struct(dt)), px, pdy, pa, pdx)
    return dA, dx


def _xy(A, x, y, ctx):
    """dtype, and pointers of x (length m) and y (length n) in the order the
    C view takes them: swapped for a transposed view."""
    dt = _dtype(A, x, "x")
    px = ar.vector(x, "x", dt, A.shape[0], ctx.cuda)
    py = ar.vector(y, "y", dt, A.shape[1], ctx.cuda)
    return (dt, py, px) if A.transposed else (dt, px, py)


def bilinear(A, x, y, *, context=None):
    """f = x' A y, summed in double in a fixed order."""
    ctx = _context(A, context)
    dt, p1, p2 = _xy(A, x, y, ctx)
    f = ctypes.c_double()
    c.call("spg_bilinear", ctx.ptr, ctypes.byref(A.struct(dt)), p1, p2, ctypes.byref(f))
    return f.value


def _bilinear_grads(A, dt, dA, dx, dy, ctx, p1, p2):
    dA, pa = _grad(_dA(A, dA), "dA", dt, A.nnz, ctx.cuda)
    dx, pdx = _grad(dx, "dx", dt, A.shape[0], ctx.cuda)
    dy, pdy = _grad(dy, "dy", dt, A.shape[1], ctx.cuda)
    (m, n), sz = A.shape, dt.itemsize
    ar.disjoint([("dA", pa, A.nnz * sz), ("dx", pdx, m * sz), ("dy", pdy, n * sz)],
                [("x", p1 if not A.transposed else p2, m * sz),
                 ("y", p2 if not A.transposed else p1, n * sz), _values(A, dt)])
    order = (pdy, pdx) if A.transposed else (pdx, pdy)
    return (dA, dx, dy), (pa,) + order


def bilinear_pullback(A, x, y, df=1.0, *, dA="auto", dx=True, dy=True, context=None):
    """dA += df x y' on A's pattern, dx += df A y, dy += df A' x.
    Returns (dA, dx, dy)."""
    ctx = _context(A, context)
    dt, p1, p2 = _xy(A, x, y, ctx)
    grads, ptrs = _bilinear_grads(A, dt, dA, dx, dy, ctx, p1, p2)
    c.call("spg_bilinear_pullback", ctx.ptr, ctypes.byref(A.struct(dt)), p1, p2, df, *ptrs)
    return grads


def bilinear_value_and_grad(A, x, y, *, dA="auto", dx=True, dy=True, context=None):
    """f = x' A y and the gradients of bilinear_pullback with df = 1, in
    one pass over A on the CPU. Returns (f, dA, dx, dy)."""
    ctx = _context(A, context)
    dt, p1, p2 = _xy(A, x, y, ctx)
    grads, ptrs = _bilinear_grads(A, dt, dA, dx, dy, ctx, p1, p2)
    f = ctypes.c_double()
    c.call("spg_bilinear_value_and_grad", ctx.ptr, ctypes.byref(A.struct(dt)), p1, p2,
           ctypes.byref(f), *ptrs)
    return (f.value,) + grads


def _square(A, x, ctx):
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"a quadratic form needs a square matrix, not {A.shape}")
    dt = _dtype(A, x, "x")
    return dt, ar.vector(x, "x", dt, A.shape[0], ctx.cuda)


def quadratic(A, x, *, context=None):
    """f = x' A x for square A."""
    ctx = _context(A, context)
    dt, px = _square(A, x, ctx)
    f = ctypes.c_double()
    c.call("spg_quadratic", ctx.ptr, ctypes.byref(A.struct(dt)), px, ctypes.byref(f))
    return f.value


def quadratic_pullback(A, x, df=1.0, *, dA="auto", dx=True, context=None):
    """dA += df x x' on A's pattern, dx += df (A + A') x. Returns (dA, dx)."""
    ctx = _context(A, context)
    dt, px = _square(A, x, ctx)
    dA, pa = _grad(_dA(A, dA), "dA", dt, A.nnz, ctx.cuda)
    dx, pdx = _grad(dx, "dx", dt, A.shape[0], ctx.cuda)
    sz = dt.itemsize
    ar.disjoint([("dA", pa, A.nnz * sz), ("dx", pdx, A.shape[0] * sz)],
                [("x", px, A.shape[0] * sz), _values(A, dt)])
    c.call("spg_quadratic_pullback", ctx.ptr, ctypes.byref(A.struct(dt)), px, df, pa, pdx)
    return dA, dx


def _blocks(U, V, m, n, dt, cuda):
    pu, ku, ldu = ar.block(U, "U", dt, m, cuda)
    pv, kv, ldv = ar.block(V, "V", dt, n, cuda)
    if ku != kv:
        raise ValueError(f"U has {ku} columns and V {kv}")
    return ku, pu, ldu, pv, ldv


def _block_spans(k, pu, ldu, pv, ldv, m, n, dt):
    sz = dt.itemsize
    return [("U", pu, ar.block_bytes(m, k, ldu, sz)), ("V", pv, ar.block_bytes(n, k, ldv, sz))]


def sampled_outer(A, U, V, alpha=1.0, *, dA=True, context=None):
    """The sampled outer product (SDDMM): dA[p] += alpha sum_r U[i_p, r]
    V[j_p, r] over A's stored entries (i_p, j_p); U is m x k and V n x k,
    column-major (or 1-D for k = 1). Returns dA."""
    if dA is None:  # a constant: nothing to compute
        return None
    ctx = _context(A, context)
    dt = _dtype(A, U, "U")
    k, pu, ldu, pv, ldv = _blocks(U, V, A.shape[0], A.shape[1], dt, ctx.cuda)
    dA, pa = _grad(dA, "dA", dt, A.nnz, ctx.cuda)
    ar.disjoint([("dA", pa, A.nnz * dt.itemsize)],
                _block_spans(k, pu, ldu, pv, ldv, A.shape[0], A.shape[1], dt) + [_values(A, dt)])
    if A.transposed:
        pu, ldu, pv, ldv = pv, ldv, pu, ldu
    c.call("spg_sampled_outer", ctx.ptr, ctypes.byref(A.struct(dt)), k, pu, ldu, pv, ldv,
           alpha, pa)
    return dA


def csc_check(A, *, context=None):
    """Raise SpgradError unless A's arrays are a well-formed compressed
    matrix (pointers from 0 to nnz, indices in range and increasing)."""
    ctx = _context(A, context)
    c.call("spg_csc_check", ctx.ptr, ctypes.byref(A.struct(A.dtype or np.float64)))


def _coo(coo):
    """The Coo and the flags of a Coo or a Plan."""
    if isinstance(coo, Plan):
        return coo.coo, coo.flags
    if isinstance(coo, Coo):
        return coo, coo.flags
    raise TypeError(f"a Coo or a Plan is needed, not {type(coo).__name__}")


def _coo_context(coo, context):
    """The context a COO call runs in: the one given, else the triplets'
    own (a plan's or a Coo's); the triplets must be in its memory."""
    ctx = coo.context if context is None else context
    if ctx.cuda != _coo(coo)[0].cuda:
        raise ValueError("the triplets and the context are not in the same memory")
    return ctx


def _coo_spans(co, dV, pd, dt, inputs):
    """The overlap check of a COO pullback: dV against its inputs and I, J."""
    isz = co.index_dtype.itemsize
    ar.disjoint([("dV", pd, co.nnz * dt.itemsize)],
                inputs + [("I", co.struct.I, co.nnz * isz), ("J", co.struct.J, co.nnz * isz)])


def coo_sampled_outer(coo, U, V, alpha=1.0, *, dV=True, context=None):
    """dV[k] += alpha sum_r U[I_k, r] V[J_k, r]: the sampled outer product
    taken to the triplet values. Returns dV."""
    if dV is None:  # a constant: nothing to compute
        return None
    ctx = _coo_context(coo, context)
    co, flags = _coo(coo)
    dt = ar.value_type(U, "U")
    k, pu, ldu, pv, ldv = _blocks(U, V, co.shape[0], co.shape[1], dt, ctx.cuda)
    dV, pd = _grad(dV, "dV", dt, co.nnz, ctx.cuda)
    _coo_spans(co, dV, pd, dt, _block_spans(k, pu, ldu, pv, ldv, co.shape[0], co.shape[1], dt))
    c.call("spg_coo_sampled_outer", ctx.ptr, ctypes.byref(co.struct), flags, _DTYPES[dt], k,
           pu, ldu, pv, ldv, alpha, pd)
    return dV


def coo_bilinear_pullback(coo, x, y, df=1.0, *, dV=True, context=None):
    """dV[k] += df x[I_k] y[J_k]: the gradient of f = x' A(V) y with
    respect to the triplet values, with no CSC matrix. Returns dV."""
    if dV is None:  # a constant: nothing to compute
        return None
    ctx = _coo_context(coo, context)
    co, flags = _coo(coo)
    dt = ar.value_type(x, "x")
    px = ar.vector(x, "x", dt, co.shape[0], ctx.cuda)
    py = ar.vector(y, "y", dt, co.shape[1], ctx.cuda)
    dV, pd = _grad(dV, "dV", dt, co.nnz, ctx.cuda)
    sz = dt.itemsize
    _coo_spans(co, dV, pd, dt, [("x", px, co.shape[0] * sz), ("y", py, co.shape[1] * sz)])
    c.call("spg_coo_bilinear_pullback", ctx.ptr, ctypes.byref(co.struct), flags,
           _DTYPES[dt], px, py, df, pd)
    return dV


def coo_spmv_pullback(coo, x, dy, *, op="N", alpha=1.0, dV=True, context=None):
    """dV[k] += alpha dy[I_k] x[J_k] (op N) or alpha x[I_k] dy[J_k] (op
    T): the pullback of y = alpha op(A(V)) x to V. Returns dV."""
    if dV is None:  # a constant: nothing to compute
        return None
    ctx = _coo_context(coo, context)
    co, flags = _coo(coo)
    opc = _op(op)
    dt = ar.value_type(x, "x")
    m, n = co.shape if opc == c.SPG_OP_N else co.shape[::-1]
    px = ar.vector(x, "x", dt, n, ctx.cuda)
    pdy = ar.vector(dy, "dy", dt, m, ctx.cuda)
    dV, pd = _grad(dV, "dV", dt, co.nnz, ctx.cuda)
    sz = dt.itemsize
    _coo_spans(co, dV, pd, dt, [("x", px, n * sz), ("dy", pdy, m * sz)])
    c.call("spg_coo_spmv_pullback", ctx.ptr, ctypes.byref(co.struct), flags, opc,
           _DTYPES[dt], alpha, px, pdy, pd)
    return dV
