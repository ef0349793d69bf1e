"""spgrad.jax: values and gradients against JAX on dense formulations, and
against spgrad's NumPy layer (the same C calls: bitwise equal), under jit,
grad and vmap, in float32 and float64."""

import os

import jax
import jax.extend
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.io

import spgrad
import spgrad.jax as sj

jax.config.update("jax_enable_x64", True)

EPS = {np.float32: np.finfo(np.float32).eps, np.float64: np.finfo(np.float64).eps}


def problem(m, n, nt, seed, dtype=np.float64, itype=np.int32):
    """Random triplets (with duplicates), values and vectors."""
    rng = np.random.default_rng(seed)
    I = rng.integers(0, m, nt).astype(itype)
    J = rng.integers(0, n, nt).astype(itype)
    V, x, y = (rng.standard_normal(k).astype(dtype) for k in (nt, m, n))
    return I, J, V, x, y


def dense(I, J, V, m, n):
    return jnp.zeros((m, n), V.dtype).at[I, J].add(V)


def bound(dtype, terms, count):
    """Rounding bound of two sums of `count` terms of magnitude <= terms:
    each is off by at most count * eps * terms (Higham's gamma_count)."""
    return 2 * count * EPS[dtype] * terms


def close(a, b, tol):
    np.testing.assert_array_less(np.abs(np.asarray(a) - np.asarray(b)), tol + 1e-300)


def test_sum_of_assembly_with_duplicates():
    I = np.array([0, 1, 1, 0, 2, 1], np.int32)
    J = np.array([0, 2, 2, 0, 1, 2], np.int32)
    plan = spgrad.Plan(I, J, (3, 3))
    V = jnp.arange(1.0, 7.0)
    assert plan.nnz == 3
    g = jax.grad(lambda v: jnp.sum(sj.assemble(plan, v)))(V)
    assert np.array_equal(g, np.ones(6))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bilinear_gradient_against_dense(dtype):
    m, n, nt = 7, 5, 40
    I, J, V, x, y = problem(m, n, nt, 1, dtype)
    plan = spgrad.Plan(I, J, (m, n))
    f_sp = jax.jit(jax.grad(lambda V, x, y: sj.bilinear(plan, sj.assemble(plan, V), x, y),
                            argnums=(0, 1, 2)))
    f_coo = jax.jit(jax.grad(lambda V, x, y: sj.coo_bilinear(plan, V, x, y), argnums=(0, 1, 2)))
    f_dn = jax.grad(lambda V, x, y: x @ dense(I, J, V, m, n) @ y, argnums=(0, 1, 2))
    ref = f_dn(V, x, y)
    mag = np.abs(x).max() * np.abs(y).max() * np.abs(V).max()
    for got in (f_sp(V, x, y), f_coo(V, x, y)):
        for g, r in zip(got, ref):
            assert g.dtype == dtype
            close(g, r, bound(dtype, mag, nt))
    # dV[k] = x[I_k] y[J_k] is one product: exact
    assert np.array_equal(f_coo(V, x, y)[0], (x[I] * y[J]).astype(dtype))


@pytest.mark.parametrize("op", ["N", "T"])
def test_spmv_gradient_against_dense(op):
    m, n, nt = 6, 8, 50
    I, J, V, x, y = problem(m, n, nt, 2)
    plan = spgrad.Plan(I, J, (m, n))
    v = x if op == "T" else y
    D = (lambda V: dense(I, J, V, m, n)) if op == "N" else (lambda V: dense(I, J, V, m, n).T)
    w = jnp.asarray(np.random.default_rng(3).standard_normal(m if op == "N" else n))
    f_sp = lambda V, v: w @ jnp.sin(sj.spmv(plan, sj.assemble(plan, V), v, op))
    f_dn = lambda V, v: w @ jnp.sin(D(V) @ v)
    got = jax.jit(jax.grad(f_sp, argnums=(0, 1)))(V, v)
    ref = jax.grad(f_dn, argnums=(0, 1))(V, v)
    mag = np.abs(V).max() * np.abs(v).max() * np.abs(w).max() * nt
    for g, r in zip(got, ref):
        close(g, r, bound(np.float64, mag, nt))


def test_quadratic_and_pattern_matrix():
    n, nt = 9, 60
    I, J, V, x, _ = problem(n, n, nt, 4)
    plan = spgrad.Plan(I, J, (n, n))
    got = jax.grad(lambda V, x: sj.quadratic(plan, sj.assemble(plan, V), x), argnums=(0, 1))(V, x)
    ref = jax.grad(lambda V, x: x @ dense(I, J, V, n, n) @ x, argnums=(0, 1))(V, x)
    mag = np.abs(V).max() * np.abs(x).max() ** 2 * nt
    for g, r in zip(got, ref):
        close(g, r, bound(np.float64, mag, nt))
    # a constant boolean matrix P: v' (P v), differentiated in v
    P = dense(I, J, np.ones(nt), n, n) > 0
    got = jax.grad(lambda v: v @ sj.spmv(plan, None, v))(x)
    Pf = P.astype(jnp.float64)
    close(sj.spmv(plan, None, x), Pf @ x, bound(np.float64, np.abs(x).max(), n))
    close(got, (Pf + Pf.T) @ x, bound(np.float64, np.abs(x).max() * n, n))


def pullback_shapes(fn, *args):
    """The output shapes of each spgrad pullback call in the jaxpr of fn
    (one level of sub-jaxprs in): (0,) marks a gradient not computed."""
    jaxpr = jax.make_jaxpr(fn)(*args)
    inner = jax.extend.core.jaxprs_in_params
    shapes = []
    for eqn in jaxpr.eqns:
        for sub in [eqn] + [e for j in inner(eqn.params) for e in j.eqns]:
            name = str(sub.params.get("target_name", ""))
            if name.endswith("_pullback"):
                shapes.append((name, [v.aval.shape for v in sub.outvars]))
    return shapes


def test_constant_operands_cost_nothing():
    m, n, nt = 5, 4, 20
    I, J, V, x, y = problem(m, n, nt, 5)
    plan = spgrad.Plan(I, J, (m, n))
    Ax = sj.assemble(plan, V)
    shapes = pullback_shapes(jax.grad(lambda x: sj.bilinear(plan, Ax, x, y)), x)
    # dA and dy not computed: empty outputs; dx computed
    assert shapes == [("spgrad_bilinear_pullback", [(0,), (m,), (0,)])], shapes
    shapes = pullback_shapes(jax.grad(lambda A: sj.bilinear(plan, A, x, y)), Ax)
    assert shapes == [("spgrad_bilinear_pullback", [(plan.nnz,), (0,), (0,)])], shapes


def test_vmap_over_values():
    m, n, nt = 6, 6, 30
    I, J, V, x, y = problem(m, n, nt, 6)
    plan = spgrad.Plan(I, J, (m, n))
    Vs = jnp.stack([V, 2 * V, -V])
    f = lambda V: sj.bilinear(plan, sj.assemble(plan, V), x, y)
    batched = jax.jit(jax.vmap(jax.value_and_grad(f)))(Vs)
    for i in range(3):
        value, grad = jax.value_and_grad(f)(Vs[i])
        assert np.array_equal(batched[0][i], value) and np.array_equal(batched[1][i], grad)


@pytest.mark.parametrize("op", ["N", "T"])
@pytest.mark.parametrize("k", [None, 3])
def test_solve_gradient_against_dense(op, k):
    n = 8
    rng = np.random.default_rng(7)
    I = np.r_[np.arange(n), rng.integers(0, n, 20)].astype(np.int32)
    J = np.r_[np.arange(n), rng.integers(0, n, 20)].astype(np.int32)
    V = np.r_[np.full(n, 8.0), rng.standard_normal(20)]  # diagonally dominant
    B = rng.standard_normal(n if k is None else (n, k))
    plan = spgrad.Plan(I, J, (n, n))
    solver = sj.Solver(plan)

    def f_sp(V, B):
        return jnp.sum(jnp.sin(sj.solve(solver, sj.assemble(plan, V), B, op)))

    def f_dn(V, B):
        A = dense(I, J, V, n, n)
        return jnp.sum(jnp.sin(jnp.linalg.solve(A if op == "N" else A.T, B)))

    got = jax.jit(jax.grad(f_sp, argnums=(0, 1)))(V, B)
    ref = jax.grad(f_dn, argnums=(0, 1))(V, B)
    # dominance margin >= 8 - 20 * max|V| / n gives a modest condition; the
    # bound is cond * n * eps times the magnitudes (forward and adjoint solves)
    for g, r in zip(got, ref):
        close(g, r, 1e3 * n * EPS[np.float64] * max(1.0, np.abs(r).max()))


DATA = os.environ.get("SPGRAD_TEST_DATA",
                      os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data"))


def read_triplets(name):
    S = scipy.io.mmread(os.path.join(DATA, name)).tocoo()
    return S.row.astype(np.int32), S.col.astype(np.int32), S.data.astype(np.float64), S.shape


@pytest.mark.parametrize("name", ["494_bus.mtx", "west0479.mtx"])
def test_real_matrix_equals_numpy_layer(name):
    I, J, V, shape = read_triplets(name)
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal(shape[0]), rng.standard_normal(shape[1])
    plan = spgrad.Plan(I, J, shape)
    f, (dV, dx, dy) = jax.value_and_grad(
        lambda V, x, y: sj.bilinear(plan, sj.assemble(plan, V), x, y), argnums=(0, 1, 2))(V, x, y)
    A = plan.matrix(plan.assemble(V))
    dA_np, dx_np, dy_np = spgrad.bilinear_pullback(A, x, y, 1.0)
    assert f == spgrad.bilinear(A, x, y)
    assert np.array_equal(dV, plan.assemble_pullback(dA_np))
    assert np.array_equal(dx, dx_np) and np.array_equal(dy, dy_np)
    # and along a direction: f is linear in V, so f(V + dV) - f(V) = dV . grad up to rounding
    d = rng.standard_normal(V.size)
    f1 = sj.bilinear(plan, sj.assemble(plan, V + d), x, y)
    mag = np.sum(np.abs(V + d) * np.abs(x[I] * y[J]))
    close(f1 - f, d @ dV, 4 * V.size * EPS[np.float64] * mag)


def test_bad_input_raises_before_any_call():
    I, J, V, x, y = problem(4, 3, 10, 9)
    plan = spgrad.Plan(I, J, (4, 3))
    with pytest.raises(ValueError, match="V has shape"):
        sj.assemble(plan, V[:-1])
    with pytest.raises(TypeError, match="float32 or float64"):
        sj.assemble(plan, V.astype(np.int64))
    with pytest.raises(TypeError, match="y has dtype float64, expected float32"):
        sj.bilinear(plan, sj.assemble(plan, V), x.astype(np.float32), y)
    with pytest.raises(ValueError, match="y has shape"):
        sj.bilinear(plan, sj.assemble(plan, V), x, x)
    with pytest.raises(ValueError, match="square"):
        sj.quadratic(plan, sj.assemble(plan, V), x)


@pytest.mark.parametrize("op", ["N", "T"])
def test_plan_by_rows(op):
    """A plan stored by rows (CSR) gives the functions of A, not of A'."""
    m, n, nt = 7, 5, 40
    I, J, V, x, y = problem(m, n, nt, 10)
    plan = spgrad.Plan(I, J, (m, n), by_rows=True)
    v = y if op == "N" else x
    D = (lambda V: dense(I, J, V, m, n)) if op == "N" else (lambda V: dense(I, J, V, m, n).T)

    def f_sp(V, x, y, v):
        A = sj.assemble(plan, V)
        return sj.bilinear(plan, A, x, y) + jnp.sum(jnp.sin(sj.spmv(plan, A, v, op))) + \
            sj.coo_bilinear(plan, V, x, y)

    def f_dn(V, x, y, v):
        return 2 * (x @ dense(I, J, V, m, n) @ y) + jnp.sum(jnp.sin(D(V) @ v))

    got = jax.grad(f_sp, argnums=(0, 1, 2, 3))(V, x, y, v)
    ref = jax.grad(f_dn, argnums=(0, 1, 2, 3))(V, x, y, v)
    mag = 4 * np.abs(V).max() * max(np.abs(x).max(), 1) * max(np.abs(y).max(), 1) * nt
    for g, r in zip(got, ref):
        close(g, r, bound(np.float64, mag, nt))


def test_library_status_reaches_jax():
    """A status of the C library (a singular matrix) raises with its sentence."""
    n = 4
    I = J = np.arange(n, dtype=np.int32)
    plan = spgrad.Plan(I, J, (n, n))
    solver = sj.Solver(plan)
    with pytest.raises(Exception, match=spgrad.status_string(-14)):
        jax.block_until_ready(sj.solve(solver, jnp.zeros(n), jnp.ones(n)))


def test_cotangents_zero_and_python_scalars():
    m, n, nt = 5, 4, 20
    I, J, V, x, y = problem(m, n, nt, 11)
    plan = spgrad.Plan(I, J, (m, n))
    Ax = sj.assemble(plan, V)
    # an output that the loss does not use: a symbolic zero cotangent
    two = lambda Ax, x: (sj.bilinear(plan, Ax, x, y), sj.spmv(plan, Ax, y))
    g = jax.grad(lambda Ax, x: two(Ax, x)[0], argnums=(0, 1))(Ax, x)
    _, vjp = jax.vjp(two, Ax, x)
    h = vjp((1.0, jnp.zeros(m)))  # a Python float as the scalar's cotangent
    assert np.array_equal(g[0], h[0]) and np.array_equal(g[1], h[1])


def test_plans_and_solvers_with_functions_are_collected_not_closed():
    I = J = np.arange(3, dtype=np.int32)
    plan = spgrad.Plan(I, J, (3, 3))
    sj.spmv(plan, sj.assemble(plan, jnp.ones(3)), jnp.ones(3))
    with pytest.raises(ValueError, match="freed when it is collected"):
        plan.close()
    with pytest.raises(TypeError, match="float32 or float64"):
        sj.Solver(plan, dtype=np.int32)
    import gc
    import weakref
    refs = []
    for _ in range(3):
        s = sj.Solver(plan)
        jax.block_until_ready(sj.solve(s, jnp.full(3, 2.0), jnp.ones(3)))
        refs.append(weakref.ref(s))
        del s
    gc.collect()
    assert all(r() is None for r in refs)  # the plan does not keep them
