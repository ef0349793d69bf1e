"""Sparse solves X = op(A)^-1 B and their pullbacks by the same factors."""

import ctypes
import threading

import numpy as np

from . import _arrays as ar
from . import _capi as c
from ._core import _Handle, _grad, _output
from ._ops import _context, _coo, _op

_KINDS = {"spd": c.SPG_SOLVER_SPD, "general": c.SPG_SOLVER_GENERAL}


def _new_block(like, rows, dtype, cuda, make):
    """A new host block shaped as ``like`` (1-D, or rows x k column-major)."""
    shape = ar.buf(like, "B").shape
    return _output(None, "output", dtype, 0, cuda, lambda *_: make(
        shape if len(shape) == 1 else (rows, shape[1]), dtype, order="F"))


class Solver(_Handle):
    """A sparse solver of the square matrix A's pattern: made once per
    pattern (ordering, symbolic analysis), factorised by :meth:`factor`
    for each new set of values, then used for solves with A or A' and for
    their pullbacks by the same factors. kind ``"spd"`` (Cholesky of the
    lower triangle, CHOLMOD / cuDSS) or ``"general"`` (LU, UMFPACK /
    cuDSS). dtype is the value type when A is a pattern matrix. Calls on
    one solver are serialised by a lock. The solver factorises the matrix
    as the C library sees it: for a matrix stored by rows that is A', so
    an "spd" solver then reads A's upper triangle (the lower one of A')."""

    _destroy = "spg_solver_destroy"

    def __init__(self, A, kind="general", *, dtype=None, context=None):
        if kind not in _KINDS:
            raise ValueError(f"kind must be 'spd' or 'general', not {kind!r}")
        ctx = _context(A, context)
        self.dtype = A.dtype if A.dtype is not None else np.dtype(dtype or np.float64)
        handle = ctypes.c_void_p()
        c.call("spg_solver_create", ctx.ptr, ctypes.byref(A.struct(self.dtype)), _KINDS[kind],
               ctypes.byref(handle))
        self._ptr, self.context, self.kind = handle.value, ctx, kind
        self.n, self.nnz, self.transposed = A.shape[0], A.nnz, A.transposed
        self._lock = threading.Lock()

    def factor(self, A):
        """Factorise A's values (A has the analysed pattern)."""
        if A.transposed != self.transposed:
            raise ValueError("A is stored by rows where the solver's matrix was by columns, "
                             "or the other way round")
        with self._lock:
            c.call("spg_solver_factor", self.context.ptr, self.ptr,
                   ctypes.byref(A.struct(self.dtype)))

    def _cop(self, op):
        return _op(op) ^ self.transposed

    def _block(self, B, name, writable=False):
        return ar.block(B, name, self.dtype, self.n, self.context.cuda, writable)

    def solve(self, B, *, op="N", X=None):
        """X = op(A)^-1 B for B of shape (n,) or (n, k) column-major; X
        (overwritten) is a new array unless given."""
        pb, k, ldb = self._block(B, "B")
        X = X if X is not None else _new_block(B, self.n, self.dtype, self.context.cuda,
                                               np.empty)
        px, kx, ldx = self._block(X, "X", writable=True)
        if kx != k:
            raise ValueError(f"X has {kx} columns and B {k}")
        ar.disjoint([("X", px, self._bytes(k, ldx))], [("B", pb, self._bytes(k, ldb))])
        with self._lock:
            c.call("spg_solve", self.context.ptr, self.ptr, self._cop(op), k, pb, ldb, px, ldx)
        return X

    def _pullback_args(self, X, dX, dB):
        pdx, k, lddx = self._block(dX, "dX")
        px, ldx = None, max(1, self.n)
        if X is not None:
            px, kx, ldx = self._block(X, "X")
            if kx != k:
                raise ValueError(f"X has {kx} columns and dX {k}")
        if dB is True:
            dB = _new_block(dX, self.n, self.dtype, self.context.cuda, np.zeros)
        pdb, lddb = None, max(1, self.n)
        if dB is not None:
            pdb, kb, lddb = self._block(dB, "dB", writable=True)
            if kb != k:
                raise ValueError(f"dB has {kb} columns and dX {k}")
        return dB, (k, px, ldx, pdx, lddx, pdb, lddb)

    def _bytes(self, k, ld):
        return ar.block_bytes(self.n, k, ld, self.dtype.itemsize)

    def _disjoint(self, args, name, p, length):
        """The pullback's outputs (dB, and dA or dV) against X and dX."""
        k, px, ldx, pdx, lddx, pdb, lddb = args
        ar.disjoint([("dB", pdb, self._bytes(k, lddb)), (name, p, length * self.dtype.itemsize)],
                    [("X", px, self._bytes(k, ldx)), ("dX", pdx, self._bytes(k, lddx))])

    def solve_pullback(self, X, dX, *, op="N", dB=True, dA=True):
        """Lambda = op(A)^-T dX by the same factors; dB += Lambda and dA +=
        -Lambda X' (op N; -X Lambda' for op T) on the pattern. X may be
        None when dA is. Returns (dB, dA)."""
        dB, args = self._pullback_args(X, dX, dB)
        dA, pa = _grad(dA, "dA", self.dtype, self.nnz, self.context.cuda)
        self._disjoint(args, "dA", pa, self.nnz)
        with self._lock:
            c.call("spg_solve_pullback", self.context.ptr, self.ptr, self._cop(op), *args, pa)
        return dB, dA

    def coo_solve_pullback(self, coo, X, dX, *, op="N", dB=True, dV=True):
        """The pullback of the solve to the triplet values of A = sparse(I,
        J, V) (a Coo or a Plan): dV[k] += -sum_r Lambda[I_k, r] X[J_k, r]
        (op N). Returns (dB, dV)."""
        co, flags = _coo(coo)
        dB, args = self._pullback_args(X, dX, dB)
        dV, pv = _grad(dV, "dV", self.dtype, co.nnz, self.context.cuda)
        self._disjoint(args, "dV", pv, co.nnz)
        with self._lock:
            c.call("spg_coo_solve_pullback", self.context.ptr, self.ptr, self._cop(op),
                   ctypes.byref(self._coo_struct(co)), flags, *args, pv)
        return dB, dV

    def _coo_struct(self, co):
        """The triplets as the solver's matrix sees them: a solver of a
        matrix stored by rows factorises A', whose triplets are (J_k, I_k)."""
        s = co.struct
        if not self.transposed:
            return s
        return c.Coo(s.n, s.m, s.nnz, s.itype, s.J, s.I)
