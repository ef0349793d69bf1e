"""spgrad: forward results and O(nnz) reverse-mode pullbacks of sparse
assembly, SpMV, bilinear and quadratic forms, sampled outer products and
sparse solves, on the C library's CPU and CUDA backends.

The NumPy layer is here; ``spgrad.jax`` and ``spgrad.torch`` register the
same operations with JAX and PyTorch. Arrays are passed to the C library by
pointer, never copied or converted.
"""

from ._capi import SpgradError, status_string
from ._core import Context, Coo, Matrix, Plan, default_context
from ._ops import (bilinear, bilinear_pullback, bilinear_value_and_grad, coo_bilinear_pullback,
                   coo_sampled_outer, coo_spmv_pullback, csc_check, quadratic,
                   quadratic_pullback, sampled_outer, spmv, spmv_pullback)
from ._solve import Solver
from . import _capi

__version__ = _capi.lib.spg_version().decode()

__all__ = ["SpgradError", "status_string", "Context", "Coo", "Matrix", "Plan",
           "default_context", "bilinear", "bilinear_pullback", "bilinear_value_and_grad",
           "coo_bilinear_pullback", "coo_sampled_outer", "coo_spmv_pullback", "csc_check",
           "quadratic", "quadratic_pullback", "sampled_outer", "spmv", "spmv_pullback",
           "Solver"]
