"""The installed package: imported from the directory given, it computes
the gradient of f(V) = x' sparse(I, J, V) y through NumPy, JAX and PyTorch
and each equals dV[k] = x[I_k] y[J_k]."""
import os
import sys

import numpy as np

import spgrad
import spgrad.jax as sj
import spgrad.torch as st
import jax

jax.config.update("jax_enable_x64", True)
import torch

site = os.path.realpath(sys.argv[1])
assert os.path.realpath(spgrad.__file__).startswith(site), spgrad.__file__

I = np.array([0, 1, 1, 2, 0], np.int32)
J = np.array([0, 2, 2, 1, 0], np.int32)
V = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
x, y = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
plan = spgrad.Plan(I, J, (3, 3))
expected = x[I] * y[J]  # exact: products of small integers

dV_np = spgrad.coo_bilinear_pullback(plan, x, y)
dV_jax = jax.grad(lambda v: sj.bilinear(plan, sj.assemble(plan, v), x, y))(V)
Vt = torch.tensor(V, requires_grad=True)
st.bilinear(plan, st.assemble(plan, Vt), torch.tensor(x), torch.tensor(y)).backward()
for name, got in (("numpy", dV_np), ("jax", np.asarray(dV_jax)), ("torch", Vt.grad.numpy())):
    assert np.array_equal(got, expected.astype(got.dtype)), (name, got, expected)
print("spgrad", spgrad.__version__, "installed in", site, ": numpy, jax, torch gradients exact")
