"""spgrad's operations as PyTorch autograd functions with O(nnz) pullbacks.

A matrix is a :class:`spgrad.Plan` (its pattern: indices are never
differentiated) and a tensor ``Ax`` of its stored values (the layout of
``plan.assemble``); ``Ax=None`` is the pattern matrix (every stored value
1), a constant. Gradients are computed only for the inputs that require
them. float32 and float64 tensors, on the CPU, or on the GPU with a plan
made by a CUDA context (then the calls run on PyTorch's current stream).
Tensors are passed to the C library by pointer (``data_ptr()``), never
copied, except that a non-contiguous incoming gradient is made contiguous.
The gradients are not differentiable again (double backward raises).
"""

import threading

import torch
from torch.autograd.function import once_differentiable

from . import _ops
from ._solve import Solver as _Solver

def _ready(plan, *tensors):
    """Put a CUDA plan's context on PyTorch's current stream."""
    if plan.cuda:
        dev = next(t.device for t in tensors if t is not None)
        plan.context.set_stream(torch.cuda.current_stream(dev).cuda_stream)


def _d(t):
    return None if t is None else t.detach()


def _zeros_if(need, like, length):
    return like.new_zeros(length) if need else None


def _scalar(value, like):
    return torch.tensor(value, dtype=like.dtype, device=like.device)


class _Assemble(torch.autograd.Function):
    @staticmethod
    def forward(ctx, plan, V):
        _ready(plan, V)
        ctx.plan = plan
        return plan.assemble(_d(V), out=V.new_empty(plan.nnz))

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        plan = ctx.plan
        _ready(plan, g)
        return None, plan.assemble_pullback(_d(g).contiguous(), dV=g.new_zeros(plan.nnz_coo))


def assemble(plan, V):
    """Ax = the stored values of sparse(I, J, V), duplicates summed in
    triplet order; the gradient is dV[k] = dAx[slot(k)]."""
    return _Assemble.apply(plan, V)


class _Spmv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, plan, op, Ax, x):
        _ready(plan, x)
        A = plan.matrix(_d(Ax))
        m = plan.shape[0] if op == "N" else plan.shape[1]
        ctx.save_for_backward(Ax, x)
        ctx.plan, ctx.op = plan, op
        return _ops.spmv(A, _d(x), op=op, y=x.new_empty(m))

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        Ax, x = ctx.saved_tensors
        plan, op = ctx.plan, ctx.op
        _ready(plan, g)
        dA = _zeros_if(ctx.needs_input_grad[2] and Ax is not None, g, plan.nnz)
        dx = _zeros_if(ctx.needs_input_grad[3], g, x.shape[0])
        _ops.spmv_pullback(plan.matrix(_d(Ax)), _d(x), _d(g).contiguous(), op=op, dA=dA, dx=dx)
        return None, None, dA, dx


def spmv(plan, Ax, x, op="N"):
    """y = op(A) x for the matrix (plan, Ax); op "N" or "T"."""
    return _Spmv.apply(plan, op, Ax, x)


class _Bilinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, plan, Ax, x, y):
        _ready(plan, x)
        ctx.save_for_backward(Ax, x, y)
        ctx.plan = plan
        return _scalar(_ops.bilinear(plan.matrix(_d(Ax)), _d(x), _d(y)), x)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        Ax, x, y = ctx.saved_tensors
        plan, need = ctx.plan, ctx.needs_input_grad
        _ready(plan, g)
        dA = _zeros_if(need[1] and Ax is not None, x, plan.nnz)
        dx, dy = _zeros_if(need[2], x, x.shape[0]), _zeros_if(need[3], x, y.shape[0])
        _ops.bilinear_pullback(plan.matrix(_d(Ax)), _d(x), _d(y), float(g), dA=dA, dx=dx,
                               dy=dy)
        return None, dA, dx, dy


def bilinear(plan, Ax, x, y):
    """f = x' A y for the matrix (plan, Ax)."""
    return _Bilinear.apply(plan, Ax, x, y)


class _Quadratic(torch.autograd.Function):
    @staticmethod
    def forward(ctx, plan, Ax, x):
        _ready(plan, x)
        ctx.save_for_backward(Ax, x)
        ctx.plan = plan
        return _scalar(_ops.quadratic(plan.matrix(_d(Ax)), _d(x)), x)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        Ax, x = ctx.saved_tensors
        plan, need = ctx.plan, ctx.needs_input_grad
        _ready(plan, g)
        dA = _zeros_if(need[1] and Ax is not None, x, plan.nnz)
        dx = _zeros_if(need[2], x, x.shape[0])
        _ops.quadratic_pullback(plan.matrix(_d(Ax)), _d(x), float(g), dA=dA, dx=dx)
        return None, dA, dx


def quadratic(plan, Ax, x):
    """f = x' A x for the square matrix (plan, Ax)."""
    return _Quadratic.apply(plan, Ax, x)


class _CooBilinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, plan, V, x, y):
        _ready(plan, V)
        Ax = plan.assemble(_d(V), out=V.new_empty(plan.nnz))
        ctx.save_for_backward(Ax, x, y)
        ctx.plan = plan
        return _scalar(_ops.bilinear(plan.matrix(Ax), _d(x), _d(y)), x)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        Ax, x, y = ctx.saved_tensors
        plan, need, df = ctx.plan, ctx.needs_input_grad, float(g)
        _ready(plan, g)
        dV = None
        if need[1]:
            dV = _ops.coo_bilinear_pullback(plan, _d(x), _d(y), df, dV=x.new_zeros(plan.nnz_coo))
        dx, dy = _zeros_if(need[2], x, x.shape[0]), _zeros_if(need[3], x, y.shape[0])
        if dx is not None or dy is not None:
            _ops.bilinear_pullback(plan.matrix(Ax), _d(x), _d(y), df, dA=None, dx=dx, dy=dy)
        return None, dV, dx, dy


def coo_bilinear(plan, V, x, y):
    """f = x' sparse(I, J, V) y with the gradient taken straight to the
    triplet values, dV[k] = x[I_k] y[J_k]: one pass over the triplets."""
    return _CooBilinear.apply(plan, V, x, y)


class Solver:
    """A sparse solver of a plan's square pattern for :func:`solve`:
    analysed once; each new Ax is factorised once, and the pullback's
    adjoint solve reuses the factors (values are compared with those last
    factorised, an O(nnz) check). kind "spd" or "general"."""

    def __init__(self, plan, kind="general", dtype=torch.float64):
        if plan.by_rows:
            raise ValueError("spgrad.torch solves take plans stored by columns")
        if dtype not in (torch.float32, torch.float64):
            raise TypeError(f"dtype must be torch.float32 or torch.float64, not {dtype}")
        self.plan = plan
        self.solver = _Solver(plan.matrix(None), kind, dtype=str(dtype)[len("torch."):])
        self._factored = None
        self.lock = threading.Lock()  # a factorisation and its solve, together

    def _factor(self, Ax):
        if self._factored is None or not torch.equal(self._factored, Ax):
            self._factored = None
            self.solver.factor(self.plan.matrix(Ax))
            self._factored = Ax.clone()


def _column_major(B):
    """B (n,) or (n, k) laid out column-major, as the C solver reads it."""
    return B.contiguous() if B.dim() == 1 else B.t().contiguous().t()


class _Solve(torch.autograd.Function):
    @staticmethod
    def forward(ctx, solver, op, Ax, B):
        _ready(solver.plan, B)
        if Ax is None:
            raise ValueError("a solve needs the matrix's values (Ax is None)")
        Ax = _d(Ax).contiguous()
        with solver.lock:
            solver._factor(Ax)
            X = solver.solver.solve(_column_major(_d(B)), op=op,
                                    X=_column_major(B.new_empty(B.shape)))
        ctx.save_for_backward(Ax, X)
        ctx.solver, ctx.op = solver, op
        return X

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        Ax, X = ctx.saved_tensors
        solver, need = ctx.solver, ctx.needs_input_grad
        _ready(solver.plan, g)
        dB = _column_major(g.new_zeros(g.shape)) if need[3] else None
        dA = g.new_zeros(solver.plan.nnz) if need[2] else None
        with solver.lock:
            solver._factor(Ax)
            solver.solver.solve_pullback(_d(X), _column_major(_d(g)), op=ctx.op, dB=dB, dA=dA)
        return None, None, dA, dB


def solve(solver, Ax, B, op="N"):
    """X = op(A)^-1 B for the matrix (solver.plan, Ax), B of shape (n,) or
    (n, k). The gradient with respect to Ax is -Lambda X' on the pattern
    (op N) and with respect to B is Lambda = op(A)^-T dX."""
    return _Solve.apply(solver, op, Ax, B)
