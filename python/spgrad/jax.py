"""spgrad's operations as JAX functions with their O(nnz) pullbacks.

Each function is a ``jax.custom_vjp`` over XLA FFI calls into the C
library (``libspgrad_jax.so``), so it works under ``jit`` and ``grad`` and
reads and writes XLA's buffers in place. A matrix is a :class:`spgrad.Plan`
(its pattern: indices are never differentiated) and its stored values
``Ax`` (the layout of ``plan.assemble``); ``Ax=None`` is the pattern
matrix (every stored value 1), a constant. An input that is not perturbed
costs no gradient work. float32 and float64.

``vmap`` over any argument runs the C call once per batch element inside
the compiled program (``vmap_method="sequential"``): no Python loop, and
no batched kernel either.

Plans made with a CUDA context (indices in device memory) run on the GPU,
on XLA's stream; CPU plans run on the CPU.
"""

import ctypes
import os

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from . import _capi
from ._core import _DTYPES
from ._solve import _KINDS

_path = os.path.join(_capi.library_dir(), "libspgrad_jax.so")
if not os.path.exists(_path):
    raise ImportError(f"spgrad.jax: {_path} not found (a build without a Python that has "
                      "jaxlib: see python/README.md)")
_lib = ctypes.CDLL(_path)
_HANDLERS = ("assemble", "assemble_pullback", "spmv", "spmv_pullback", "bilinear",
             "bilinear_pullback", "quadratic", "quadratic_pullback", "coo_bilinear_pullback",
             "solve", "solve_pullback")
for _name in _HANDLERS:  # the CUDA handlers exist in CUDA builds
    for _suffix, _platform in (("cpu", "cpu"), ("cuda", "CUDA")):
        if _suffix == "cpu" or hasattr(_lib, f"spgrad_{_name}_{_suffix}"):
            jax.ffi.register_ffi_target(
                f"spgrad_{_name}", jax.ffi.pycapsule(getattr(_lib, f"spgrad_{_name}_{_suffix}")),
                platform=_platform)

_OPS = {"N": 0, "T": 1}


def _ffi(name, outs, *args, ctx, **attrs):
    """The FFI call spgrad_<name> on args in the Context ctx, with integer
    attributes; a pullback also gets ctx's thread count (at trace time)."""
    attrs["context"] = ctx.ptr
    if name.endswith("_pullback"):
        attrs["threads"] = ctx.threads
    attrs = {k: (np.int64(v) if k in ("context", "plan", "coo", "solver") else np.int32(v))
             for k, v in attrs.items()}
    call = jax.ffi.ffi_call(f"spgrad_{name}", outs, vmap_method="sequential")
    return call(*args, **attrs)


def _dtype(x):
    dt = jnp.result_type(x)
    if np.dtype(dt) not in _DTYPES:
        raise TypeError(f"values are float32 or float64, not {dt}")
    return dt


def _check(x, name, length, dt):
    if x.shape != (length,):
        raise ValueError(f"{name} has shape {x.shape}, expected ({length},)")
    if jnp.result_type(x) != dt:
        raise TypeError(f"{name} has dtype {jnp.result_type(x)}, expected {dt}")


def _out(shape, dt, need=True):
    """The shape of an output, empty when that gradient is not asked for."""
    return jax.ShapeDtypeStruct(shape if need else (0,), dt)


def _cotangent(g):
    """The output's cotangent as an array, None when it is a symbolic zero."""
    return None if isinstance(g, SymbolicZero) else jnp.asarray(g)


def _need(*primals):
    """Which inputs are perturbed, as a pytree structure (() yes, None no)."""
    return tuple(() if p.perturbed else None for p in primals)


def _cached(owner, key, make):
    """The function made by make(), kept on its plan or solver for its
    static key."""
    cache = owner.__dict__.setdefault("_jax_functions", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _values(plan, Ax, dt):
    """The stored values buffer (empty for a pattern matrix) and its flag."""
    if Ax is None:
        return jnp.zeros((0,), dt), 1
    _check(Ax, "Ax", plan.nnz, dt)
    return Ax, 0


# ---- Assembly -------------------------------------------------------------

def assemble(plan, V):
    """Ax = the stored values of sparse(I, J, V): duplicates summed in
    triplet order. Its pullback is dV[k] = dAx[slot(k)]."""
    dt = _dtype(V)
    _check(V, "V", plan.nnz_coo, dt)
    return _cached(plan, ("assemble",), lambda: _make_assemble(plan))(V)


def _make_assemble(plan):
    ctx, p = plan.context, plan.ptr

    @jax.custom_vjp
    def f(V):
        return _ffi("assemble", _out((plan.nnz,), V.dtype), V, ctx=ctx, plan=p)

    def fwd(V):
        return f(V), None

    def bwd(_, g):
        dV = _ffi("assemble_pullback", _out((plan.nnz_coo,), g.dtype), g, ctx=ctx, plan=p)
        return (dV,)

    f.defvjp(fwd, bwd)
    return f


# ---- y = op(A) x ------------------------------------------------------------

def spmv(plan, Ax, x, op="N"):
    """y = op(A) x for the matrix (plan, Ax); op "N" or "T"."""
    if op not in _OPS:
        raise ValueError(f"op must be 'N' or 'T', not {op!r}")
    dt = _dtype(x)
    m, n = plan.shape if op == "N" else plan.shape[::-1]
    _check(x, "x", n, dt)
    vals, pattern = _values(plan, Ax, dt)
    f = _cached(plan, ("spmv", op, pattern), lambda: _make_spmv(plan, _OPS[op], pattern, m, n))
    return f(vals, x)


def _make_spmv(plan, op, pattern, m, n):
    # a plan stored by rows views A': op(A) is the other op of the view
    attrs = dict(ctx=plan.context, plan=plan.ptr, pattern=pattern, op=op ^ int(plan.by_rows))
    return _make_matrix_vector("spmv", (m,), n, plan.nnz, pattern, attrs)


def _make_matrix_vector(name, out_shape, n, nnz, pattern, attrs):
    """The custom_vjp of a function f(Ax, x) of the matrix's values and one
    vector of length n (spmv, quadratic), whose pullback handler gives dA
    and dx."""

    @jax.custom_vjp
    def f(Ax, x):
        return _ffi(name, _out(out_shape, x.dtype), Ax, x, **attrs)

    def fwd(Ax, x):
        need = _need(Ax, x)
        return f(Ax.value, x.value), (Ax.value, x.value, need)

    def bwd(res, g):
        g = _cotangent(g)
        if g is None:
            return (None, None)
        Ax, x, (nA, nx) = res
        nA, nx = nA is not None and not pattern, nx is not None
        dA, dx = _ffi(name + "_pullback", (_out((nnz,), g.dtype, nA), _out((n,), g.dtype, nx)),
                      Ax, x, g, **attrs)
        return dA if nA else None, dx if nx else None

    f.defvjp(fwd, bwd, symbolic_zeros=True)
    return f


# ---- f = x' A y and f = x' A x ----------------------------------------------

def bilinear(plan, Ax, x, y):
    """f = x' A y for the matrix (plan, Ax)."""
    dt = _dtype(x)
    _check(x, "x", plan.shape[0], dt)
    _check(y, "y", plan.shape[1], dt)
    vals, pattern = _values(plan, Ax, dt)
    return _cached(plan, ("bilinear", pattern), lambda: _make_bilinear(plan, pattern))(vals, x, y)


def _bilinear_value(attrs, plan, Ax, x, y):
    """x' A y; a plan stored by rows views A', and x' A y = y' A' x."""
    first, second = (y, x) if plan.by_rows else (x, y)
    return _ffi("bilinear", _out((), x.dtype), Ax, first, second, **attrs)


def _bilinear_grads(attrs, plan, Ax, x, y, g, need, pattern):
    nA, nx, ny = (need[0] is not None and not pattern, need[1] is not None,
                  need[2] is not None)
    (m, n), dt = plan.shape, g.dtype
    dAx = _out((plan.nnz,), dt, nA)
    if plan.by_rows:
        dA, dy, dx = _ffi("bilinear_pullback", (dAx, _out((n,), dt, ny), _out((m,), dt, nx)),
                          Ax, y, x, g, **attrs)
    else:
        dA, dx, dy = _ffi("bilinear_pullback", (dAx, _out((m,), dt, nx), _out((n,), dt, ny)),
                          Ax, x, y, g, **attrs)
    return dA if nA else None, dx if nx else None, dy if ny else None


def _make_bilinear(plan, pattern):
    attrs = dict(ctx=plan.context, plan=plan.ptr, pattern=pattern)

    @jax.custom_vjp
    def f(Ax, x, y):
        return _bilinear_value(attrs, plan, Ax, x, y)

    def fwd(Ax, x, y):
        need = _need(Ax, x, y)
        return f(Ax.value, x.value, y.value), (Ax.value, x.value, y.value, need)

    def bwd(res, g):
        g = _cotangent(g)
        if g is None:
            return (None, None, None)
        Ax, x, y, need = res
        return _bilinear_grads(attrs, plan, Ax, x, y, g, need, pattern)

    f.defvjp(fwd, bwd, symbolic_zeros=True)
    return f


def quadratic(plan, Ax, x):
    """f = x' A x for the square matrix (plan, Ax)."""
    if plan.shape[0] != plan.shape[1]:
        raise ValueError(f"a quadratic form needs a square matrix, not {plan.shape}")
    dt = _dtype(x)
    _check(x, "x", plan.shape[0], dt)
    vals, pattern = _values(plan, Ax, dt)
    return _cached(plan, ("quadratic", pattern), lambda: _make_quadratic(plan, pattern))(vals, x)


def _make_quadratic(plan, pattern):
    attrs = dict(ctx=plan.context, plan=plan.ptr, pattern=pattern)
    return _make_matrix_vector("quadratic", (), plan.shape[0], plan.nnz, pattern, attrs)


def coo_bilinear(plan, V, x, y):
    """f = x' sparse(I, J, V) y, with the gradient taken straight to the
    triplet values: dV[k] = x[I_k] y[J_k], one pass over the triplets and
    no dA: the same as bilinear(plan, assemble(plan, V), x, y), with one
    pass over A fewer in the gradient."""
    dt = _dtype(V)
    _check(V, "V", plan.nnz_coo, dt)
    _check(x, "x", plan.shape[0], dt)
    _check(y, "y", plan.shape[1], dt)
    return _cached(plan, ("coo_bilinear",), lambda: _make_coo_bilinear(plan))(V, x, y)


def _make_coo_bilinear(plan):
    attrs = dict(ctx=plan.context, plan=plan.ptr, pattern=0)
    coo = dict(ctx=plan.context, plan=plan.ptr, coo=ctypes.addressof(plan.coo.struct),
               flags=plan.flags)

    def forward(V, x, y):
        Ax = _ffi("assemble", _out((plan.nnz,), V.dtype), V, ctx=plan.context,
                  plan=plan.ptr)
        return _bilinear_value(attrs, plan, Ax, x, y), Ax

    @jax.custom_vjp
    def f(V, x, y):
        return forward(V, x, y)[0]

    def fwd(V, x, y):
        need = _need(V, x, y)
        value, Ax = forward(V.value, x.value, y.value)
        return value, (Ax, x.value, y.value, need)

    def bwd(res, g):
        g = _cotangent(g)
        if g is None:
            return (None, None, None)
        Ax, x, y, need = res
        dV = None
        if need[0] is not None:
            dV = _ffi("coo_bilinear_pullback", _out((plan.nnz_coo,), g.dtype), x, y, g, **coo)
        _, dx, dy = _bilinear_grads(attrs, plan, Ax, x, y, g, (None,) + need[1:], 0)
        return dV, dx, dy

    f.defvjp(fwd, bwd, symbolic_zeros=True)
    return f


# ---- X = op(A)^-1 B -----------------------------------------------------------

class Solver:
    """A sparse solver of a plan's square pattern for :func:`solve`: the
    ordering and symbolic analysis are made once here; each new Ax is
    factorised once, and the pullback's adjoint solve reuses the factors
    (on the CPU, a solve or pullback on the values last factorised does
    not factorise again; on the GPU it does). kind "spd" or "general"."""

    def __init__(self, plan, kind="general", dtype=np.float64):
        if kind not in _KINDS:
            raise ValueError(f"kind must be 'spd' or 'general', not {kind!r}")
        if plan.by_rows:
            raise ValueError("spgrad.jax solves take plans stored by columns")
        if np.dtype(dtype) not in _DTYPES:
            raise TypeError(f"dtype must be float32 or float64, not {np.dtype(dtype)}")
        self.plan, self.kind, self.dtype = plan, kind, np.dtype(dtype)
        status = ctypes.c_int()
        handle = _lib.spgrad_jax_solver_create(
            ctypes.c_void_p(plan.context.ptr), ctypes.c_void_p(plan.ptr),
            _DTYPES[self.dtype], _KINDS[kind], ctypes.byref(status))
        if not handle:
            raise _capi.SpgradError("spg_solver_create", status.value,
                                    _capi.status_string(status.value))
        self._ptr = handle

    def close(self):
        """Free the solver now, unless solves were made with it (compiled
        programs hold its address: it is then freed when collected)."""
        if self.__dict__.get("_jax_functions"):
            raise ValueError("solves were made with this solver: it is freed when it is "
                             "collected, not by close()")
        self.__del__()

    def __del__(self):
        if getattr(self, "_ptr", None):
            _lib.spgrad_jax_solver_destroy(ctypes.c_void_p(self._ptr))
            self._ptr = None


_lib.spgrad_jax_solver_create.restype = ctypes.c_void_p
_lib.spgrad_jax_solver_create.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                                          ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
_lib.spgrad_jax_solver_destroy.argtypes = [ctypes.c_void_p]


def solve(solver, Ax, B, op="N"):
    """X = op(A)^-1 B for the matrix (solver.plan, Ax); B of shape (n,) or
    (n, k). The gradient with respect to Ax is -Lambda X' on the pattern
    (op N) and with respect to B is Lambda = op(A)^-T dX."""
    if op not in _OPS:
        raise ValueError(f"op must be 'N' or 'T', not {op!r}")
    plan, dt = solver.plan, solver.dtype
    n = plan.shape[0]
    if Ax is None or not getattr(solver, "_ptr", None):
        raise ValueError("a solve needs the matrix's values and an open solver")
    _check(Ax, "Ax", plan.nnz, dt)
    if B.ndim not in (1, 2) or B.shape[0] != n:
        raise ValueError(f"B has shape {B.shape}, expected ({n},) or ({n}, k)")
    if jnp.result_type(B) != dt:
        raise TypeError(f"B has dtype {jnp.result_type(B)}, expected {dt}")
    f = _cached(solver, ("solve", op), lambda: _make_solve(solver, _OPS[op]))
    if B.ndim == 1:
        return f(Ax, B[None, :])[0]
    return f(Ax, B.T).T


def _make_solve(solver, op):
    plan = solver.plan
    attrs = dict(ctx=plan.context, plan=plan.ptr, solver=solver._ptr, op=op)
    nnz = plan.nnz

    @jax.custom_vjp
    def f(Ax, Bt):  # Bt: (k, n) row-major, an n x k column-major block
        return _ffi("solve", _out(Bt.shape, Bt.dtype), Ax, Bt, **attrs)

    def fwd(Ax, Bt):
        need = _need(Ax, Bt)
        X = f(Ax.value, Bt.value)
        return X, (Ax.value, X, need)

    def bwd(res, g):
        g = _cotangent(g)
        if g is None:
            return (None, None)
        Ax, X, (nA, nB) = res
        nA, nB = nA is not None, nB is not None
        dt = g.dtype
        dB, dA = _ffi("solve_pullback",
                      (_out(g.shape, dt, nB), _out((nnz,), dt, nA)), Ax, X, g, **attrs)
        return dA if nA else None, dB if nB else None

    f.defvjp(fwd, bwd, symbolic_zeros=True)
    f.solver = solver  # the handler reads it through attrs: keep it alive
    return f
