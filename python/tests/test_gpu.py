"""The CUDA backend from Python: PyTorch CUDA tensors through spgrad.torch
and the NumPy layer, and JAX GPU arrays through spgrad.jax (where JAX has a
GPU), on plans made by a CUDA context, against the same calls on the CPU.
Bit for bit where the CPU promises bits for any thread count (assembly, its
pullback, the COO pullback: fixed summation orders, no atomics), within
derived bounds elsewhere. The whole module is skipped, with the reason
"spgrad: no usable GPU", where PyTorch or spgrad sees no GPU."""

import numpy as np
import pytest
import torch

import spgrad
import spgrad.torch as st

NO_GPU = "spgrad: no usable GPU"
if not torch.cuda.is_available():
    pytest.skip(f"{NO_GPU} (PyTorch sees none)", allow_module_level=True)
try:
    CUDA = spgrad.Context("cuda")
except spgrad.SpgradError as err:
    pytest.skip(f"{NO_GPU} ({err})", allow_module_level=True)

F64 = torch.float64
EPS = torch.finfo(F64).eps


def problem(m, n, nt, seed):
    rng = np.random.default_rng(seed)
    I = rng.integers(0, m, nt).astype(np.int32)
    J = rng.integers(0, n, nt).astype(np.int32)
    V, x, y = (torch.tensor(rng.standard_normal(k), dtype=F64) for k in (nt, m, n))
    return I, J, V, x, y


def plans(I, J, shape):
    """The same pattern planned on the CPU and on the GPU (device indices)."""
    cpu = spgrad.Plan(I, J, shape)
    Id, Jd = torch.from_numpy(I).cuda(), torch.from_numpy(J).cuda()
    gpu = spgrad.Plan(Id, Jd, shape, context=CUDA)
    gpu.keep = (Id, Jd)
    return cpu, gpu


def leaf(t, device):
    return t.detach().to(device).requires_grad_(True)


def test_assembly_and_coo_pullback_bitwise():
    m, n, nt = 300, 200, 20000
    I, J, V, x, y = problem(m, n, nt, 1)
    cpu, gpu = plans(I, J, (m, n))
    results = {}
    for plan, dev in ((cpu, "cpu"), (gpu, "cuda")):
        v, xd, yd = leaf(V, dev), x.to(dev), y.to(dev)
        Ax = st.assemble(plan, v)
        st.coo_bilinear(plan, v, xd, yd).backward()
        results[dev] = (Ax.detach().cpu(), v.grad.cpu())
    assert torch.equal(results["cpu"][0], results["cuda"][0])
    assert torch.equal(results["cpu"][1], results["cuda"][1])


def test_forms_within_bounds():
    m, n, nt = 400, 400, 30000
    I, J, V, x, y = problem(m, n, nt, 2)
    cpu, gpu = plans(I, J, (m, n))
    out = {}
    for plan, dev in ((cpu, "cpu"), (gpu, "cuda")):
        v, xd, yd = leaf(V, dev), leaf(x, dev), leaf(y, dev)
        Ax = st.assemble(plan, v)
        f = st.bilinear(plan, Ax, xd, yd) + st.quadratic(plan, Ax, xd) + \
            (st.spmv(plan, Ax, yd) @ xd) + (st.spmv(plan, Ax, xd, "T") @ yd)
        f.backward()
        out[dev] = [t.detach().cpu() for t in (f, v.grad, xd.grad, yd.grad)]
    # every value is a sum of at most nt products of magnitude <= mag, in
    # different orders on the two backends: each is within 2 nt eps mag
    mag = (V.abs().max() * x.abs().max() * y.abs().max()).item() * 4
    for a, b in zip(out["cpu"], out["cuda"]):
        assert (a - b).abs().max().item() <= 2 * nt * EPS * mag


def test_numpy_layer_with_device_arrays():
    m, n, nt = 50, 40, 500
    I, J, V, x, y = problem(m, n, nt, 3)
    cpu, gpu = plans(I, J, (m, n))
    Ax_gpu = torch.empty(gpu.nnz, dtype=F64, device="cuda")
    gpu.assemble(V.cuda(), out=Ax_gpu)
    assert torch.equal(Ax_gpu.cpu(), torch.from_numpy(cpu.assemble(V.numpy())))
    dV = torch.zeros(nt, dtype=F64, device="cuda")
    spgrad.coo_bilinear_pullback(gpu, x.cuda(), y.cuda(), dV=dV)
    assert torch.equal(dV.cpu(), torch.from_numpy(x.numpy()[I] * y.numpy()[J]))
    with pytest.raises(ValueError, match="not in GPU memory"):
        gpu.assemble(V, out=Ax_gpu)


def test_solve_if_built():
    n = 60
    rng = np.random.default_rng(4)
    I = np.r_[np.arange(n), rng.integers(0, n, 4 * n)].astype(np.int32)
    J = np.r_[np.arange(n), rng.integers(0, n, 4 * n)].astype(np.int32)
    V = torch.tensor(np.r_[np.full(n, 10.0), rng.standard_normal(4 * n)])
    b = torch.randn(n, dtype=F64)
    cpu, gpu = plans(I, J, (n, n))
    try:
        solver = st.Solver(gpu)
    except spgrad.SpgradError as err:
        if err.status == -8:  # SPG_ERR_NOT_BUILT: a build without cuDSS
            pytest.skip(f"no cuDSS in this build ({err})")
        raise
    out = {}
    for plan, s, dev in ((cpu, st.Solver(cpu), "cpu"), (gpu, solver, "cuda")):
        v, bd = leaf(V, dev), leaf(b, dev)
        X = st.solve(s, st.assemble(plan, v), bd)
        X.sum().backward()
        out[dev] = [t.detach().cpu() for t in (X, v.grad, bd.grad)]
    # dominance margin 10 - 4 max|offdiag| keeps cond(A) small: n eps cond
    for a, c in zip(out["cpu"], out["cuda"]):
        assert (a - c).abs().max().item() <= 1e3 * n * EPS * max(1.0, a.abs().max().item())


def test_jax_on_gpu():
    jax = pytest.importorskip("jax")
    if not any(d.platform == "gpu" for d in jax.devices()):
        pytest.skip("JAX has no GPU here (jax[cpu] installed)")
    import spgrad.jax as sj
    jax.config.update("jax_enable_x64", True)
    m, n, nt = 300, 300, 10000
    I, J, V, x, y = problem(m, n, nt, 5)
    cpu, gpu = plans(I, J, (m, n))
    f = lambda plan: jax.grad(lambda v, x, y: sj.coo_bilinear(plan, v, x, y))
    dev = jax.devices("gpu")[0]
    g_gpu = f(gpu)(*(jax.device_put(t.numpy(), dev) for t in (V, x, y)))
    host = jax.devices("cpu")[0]
    g_cpu = f(cpu)(*(jax.device_put(t.numpy(), host) for t in (V, x, y)))
    assert np.array_equal(np.asarray(g_gpu), np.asarray(g_cpu))
