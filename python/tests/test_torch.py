"""spgrad.torch: gradcheck in double on every function, the seed cases
against PyTorch's dense autograd, float32, constant inputs skipped, and
bad input."""

import numpy as np
import pytest
import torch

import spgrad
import spgrad._ops
import spgrad.torch as st

F64 = torch.float64


def problem(m, n, nt, seed, dtype=F64):
    """Random triplets (with duplicates) and values, vectors needing grads."""
    rng = np.random.default_rng(seed)
    I = rng.integers(0, m, nt).astype(np.int32)
    J = rng.integers(0, n, nt).astype(np.int32)
    V, x, y = (torch.tensor(rng.standard_normal(k), dtype=dtype, requires_grad=True)
               for k in (nt, m, n))
    return I, J, V, x, y


def dense(I, J, V, m, n):
    return torch.zeros(m, n, dtype=V.dtype).index_put((torch.tensor(I, dtype=torch.long),
                                                       torch.tensor(J, dtype=torch.long)),
                                                      V, accumulate=True)


def square(n, seed):
    """A diagonally dominant n x n matrix's triplets and values."""
    rng = np.random.default_rng(seed)
    I = np.r_[np.arange(n), rng.integers(0, n, 3 * n)].astype(np.int32)
    J = np.r_[np.arange(n), rng.integers(0, n, 3 * n)].astype(np.int32)
    V = torch.tensor(np.r_[np.full(n, 10.0), rng.standard_normal(3 * n)], requires_grad=True)
    return I, J, V


def test_gradcheck_assembly_and_forms():
    m, n, nt = 6, 5, 30
    I, J, V, x, y = problem(m, n, nt, 1)
    plan = spgrad.Plan(I, J, (m, n))
    gc = torch.autograd.gradcheck
    assert gc(lambda V: st.assemble(plan, V), (V,))
    assert gc(lambda V, y: st.spmv(plan, st.assemble(plan, V), y), (V, y))
    assert gc(lambda V, x: st.spmv(plan, st.assemble(plan, V), x, "T"), (V, x))
    assert gc(lambda V, x, y: st.bilinear(plan, st.assemble(plan, V), x, y), (V, x, y))
    assert gc(lambda V, x, y: st.coo_bilinear(plan, V, x, y), (V, x, y))
    assert gc(lambda x, y: st.bilinear(plan, None, x, y), (x, y))
    Is, Js, Vs = square(7, 2)
    sq = spgrad.Plan(Is, Js, (7, 7))
    z = torch.randn(7, dtype=F64, requires_grad=True)
    assert gc(lambda V, z: st.quadratic(sq, st.assemble(sq, V), z), (Vs, z))


@pytest.mark.parametrize("op", ["N", "T"])
@pytest.mark.parametrize("kind", ["general", "spd"])
def test_gradcheck_solve(op, kind):
    n = 8
    I, J, W = square(n, 3)
    expand = lambda W: W
    if kind == "spd":
        # A = B + B' on the pattern of B and B': SPD by dominance. Cholesky
        # reads one triangle, so A changes only symmetrically: both halves
        # of V are the same values W
        I, J = np.r_[I, J], np.r_[J, I]
        expand = lambda W: torch.cat([W, W])
    plan = spgrad.Plan(I, J, (n, n))
    solver = st.Solver(plan, kind)
    b = torch.randn(n, dtype=F64, requires_grad=True)
    B = torch.randn(n, 3, dtype=F64, requires_grad=True)
    f = lambda W, rhs: st.solve(solver, st.assemble(plan, expand(W)), rhs, op)
    for rhs in (b, B):
        assert torch.autograd.gradcheck(f, (W, rhs))


def test_sum_of_assembly_with_duplicates():
    I = np.array([0, 1, 1, 0, 2, 1], np.int32)
    J = np.array([0, 2, 2, 0, 1, 2], np.int32)
    plan = spgrad.Plan(I, J, (3, 3))
    V = torch.arange(1.0, 7.0, dtype=F64, requires_grad=True)
    st.assemble(plan, V).sum().backward()
    assert torch.equal(V.grad, torch.ones(6, dtype=F64))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_bilinear_against_dense_autograd(dtype):
    m, n, nt = 9, 7, 50
    I, J, V, x, y = problem(m, n, nt, 4, dtype)
    plan = spgrad.Plan(I, J, (m, n))
    f = st.bilinear(plan, st.assemble(plan, V), x, y)
    got = torch.autograd.grad(f, (V, x, y))
    fd = x @ dense(I, J, V, m, n) @ y
    ref = torch.autograd.grad(fd, (V, x, y))
    eps = torch.finfo(dtype).eps
    mag = V.abs().max() * x.abs().max() * y.abs().max()
    # two sums of at most nt terms each: off by nt * eps * mag each
    tol = 2 * nt * eps * mag.item()
    assert f.dtype == dtype and abs((f - fd).item()) <= tol
    for g, r in zip(got, ref):
        assert g.dtype == dtype
        assert (g - r).abs().max().item() <= tol


def test_pattern_matrix_in_v_P_v():
    n, nt = 8, 40
    I, J, _, v, _ = problem(n, n, nt, 5)
    plan = spgrad.Plan(I, J, (n, n))
    (v @ st.spmv(plan, None, v)).backward()
    P = (dense(I, J, torch.ones(nt, dtype=F64), n, n) > 0).to(F64)
    ref = (P + P.T) @ v.detach()
    assert (v.grad - ref).abs().max().item() <= 2 * n * torch.finfo(F64).eps * ref.abs().max()


def test_constant_inputs_are_skipped(monkeypatch):
    m, n, nt = 5, 4, 20
    I, J, V, x, y = problem(m, n, nt, 6)
    plan = spgrad.Plan(I, J, (m, n))
    seen = []
    real = spgrad._ops.bilinear_pullback

    def spy(A, x, y, df=1.0, **grads):
        seen.append({k: v is not None for k, v in grads.items()})
        return real(A, x, y, df, **grads)

    monkeypatch.setattr(spgrad._ops, "bilinear_pullback", spy)
    Ax = st.assemble(plan, V.detach())  # a constant matrix
    st.bilinear(plan, Ax, x, y.detach()).backward()
    assert seen == [{"dA": False, "dx": True, "dy": False}]
    assert y.grad is None and x.grad is not None


def test_bad_input():
    I, J, V, x, y = problem(4, 3, 10, 7)
    plan = spgrad.Plan(I, J, (4, 3))
    with pytest.raises(ValueError, match="V has shape"):
        st.assemble(plan, V[:-1])
    with pytest.raises(TypeError, match="values are float32 or float64"):
        st.assemble(plan, torch.zeros(10, dtype=torch.int64))
    Ax = st.assemble(plan, V)
    with pytest.raises(TypeError, match="y has dtype float32, expected float64"):
        st.bilinear(plan, Ax, x, y.detach().float())
    with pytest.raises(ValueError, match="not contiguous"):
        st.spmv(plan, Ax, torch.zeros(6, dtype=F64)[::2])
    with pytest.raises(ValueError, match="x has shape"):
        st.spmv(plan, Ax, x)


def test_library_status_raises_spgrad_error():
    """A status of the C library (a singular matrix) raises SpgradError."""
    n = 4
    I = J = np.arange(n, dtype=np.int32)
    plan = spgrad.Plan(I, J, (n, n))
    with pytest.raises(spgrad.SpgradError, match=spgrad.status_string(-14)) as err:
        st.solve(st.Solver(plan), torch.zeros(n, dtype=F64), torch.ones(n, dtype=F64))
    assert err.value.status == -14


def test_double_backward_and_bad_solver_dtype_raise():
    I, J, V, x, y = problem(4, 4, 12, 8)
    plan = spgrad.Plan(I, J, (4, 4))
    f = st.quadratic(plan, st.assemble(plan, V), x)
    (gx,) = torch.autograd.grad(f, x, create_graph=True)
    with pytest.raises(RuntimeError):
        gx.sum().backward()
    with pytest.raises(TypeError, match="float32 or torch.float64"):
        st.Solver(plan, dtype=torch.int64)
