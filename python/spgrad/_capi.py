"""The C API through ctypes: the library, its structs and its signatures.

The library is ``libspgrad.so`` next to this file (an installed package) or
in the directory named by the environment variable ``SPGRAD_LIBRARY_DIR``
(a build tree). Every function that returns a status is called through
:func:`call`, which raises :class:`SpgradError` with the library's own
sentence (``spg_status_string``).
"""

import ctypes
import os

SPG_BACKEND_CPU, SPG_BACKEND_CUDA = 0, 1
SPG_FLOAT, SPG_DOUBLE = 0, 1
SPG_INT32, SPG_INT64 = 0, 1
SPG_ONE_BASED, SPG_SKIP_NEGATIVE, SPG_COMPRESS_ROWS = 1, 2, 4
SPG_OP_N, SPG_OP_T = 0, 1
SPG_SOLVER_SPD, SPG_SOLVER_GENERAL = 0, 1
SPG_ERR_NOT_BUILT, SPG_ERR_NO_DEVICE = -8, -9

_vp, _i64, _int, _dbl, _uint = (ctypes.c_void_p, ctypes.c_int64, ctypes.c_int,
                                ctypes.c_double, ctypes.c_uint)


class SpgradError(RuntimeError):
    """A call into the C library returned an error status.

    ``status`` is the spg_status code, ``function`` the C function, and the
    message is the library's ``spg_status_string``.
    """

    def __init__(self, function, status, message):
        super().__init__(f"{function}: {message} (status {status})")
        self.function = function
        self.status = status


class Coo(ctypes.Structure):
    """struct spg_coo."""

    _fields_ = [("m", _i64), ("n", _i64), ("nnz", _i64), ("itype", _int),
                ("I", _vp), ("J", _vp)]


class Csc(ctypes.Structure):
    """struct spg_csc."""

    _fields_ = [("m", _i64), ("n", _i64), ("nnz", _i64), ("itype", _int),
                ("colptr", _vp), ("rowind", _vp), ("dtype", _int), ("values", _vp),
                ("analysis", _vp)]


class PlanInfo(ctypes.Structure):
    """struct spg_plan_info."""

    _fields_ = [("m", _i64), ("n", _i64), ("nnz_coo", _i64), ("nnz_kept", _i64),
                ("nnz", _i64), ("itype", _int), ("flags", _uint), ("backend", _int)]


_P = ctypes.POINTER
# name: argument types; each returns spg_status
_SIGNATURES = {
    "spg_context_create": [_int, _P(_vp)],
    "spg_context_set_threads": [_vp, _int],
    "spg_context_set_stream": [_vp, _vp],
    "spg_context_set_atomics": [_vp, _int],
    "spg_plan_create": [_vp, _P(Coo), _uint, _P(_vp)],
    "spg_plan_query": [_vp, _P(PlanInfo)],
    "spg_plan_csc": [_vp, _int, _vp, _P(Csc)],
    "spg_assemble": [_vp, _vp, _int, _vp, _vp],
    "spg_assemble_pullback": [_vp, _vp, _int, _vp, _vp],
    "spg_csc_check": [_vp, _P(Csc)],
    "spg_spmv": [_vp, _int, _dbl, _P(Csc), _vp, _dbl, _vp],
    "spg_spmv_pullback": [_vp, _int, _dbl, _P(Csc), _vp, _vp, _vp, _vp],
    "spg_bilinear": [_vp, _P(Csc), _vp, _vp, _P(_dbl)],
    "spg_bilinear_pullback": [_vp, _P(Csc), _vp, _vp, _dbl, _vp, _vp, _vp],
    "spg_bilinear_value_and_grad": [_vp, _P(Csc), _vp, _vp, _P(_dbl), _vp, _vp, _vp],
    "spg_quadratic": [_vp, _P(Csc), _vp, _P(_dbl)],
    "spg_quadratic_pullback": [_vp, _P(Csc), _vp, _dbl, _vp, _vp],
    "spg_sampled_outer": [_vp, _P(Csc), _i64, _vp, _i64, _vp, _i64, _dbl, _vp],
    "spg_coo_sampled_outer": [_vp, _P(Coo), _uint, _int, _i64, _vp, _i64, _vp, _i64,
                              _dbl, _vp],
    "spg_coo_bilinear_pullback": [_vp, _P(Coo), _uint, _int, _vp, _vp, _dbl, _vp],
    "spg_coo_spmv_pullback": [_vp, _P(Coo), _uint, _int, _int, _dbl, _vp, _vp, _vp],
    "spg_solver_create": [_vp, _P(Csc), _int, _P(_vp)],
    "spg_solver_factor": [_vp, _vp, _P(Csc)],
    "spg_solve": [_vp, _vp, _int, _i64, _vp, _i64, _vp, _i64],
    "spg_solve_pullback": [_vp, _vp, _int, _i64, _vp, _i64, _vp, _i64, _vp, _i64, _vp],
    "spg_coo_solve_pullback": [_vp, _vp, _int, _P(Coo), _uint, _i64, _vp, _i64, _vp,
                               _i64, _vp, _i64, _vp],
}
_DESTROY = ("spg_context_destroy", "spg_plan_destroy", "spg_solver_destroy")


def library_dir():
    """Where libspgrad.so is looked for."""
    return os.environ.get("SPGRAD_LIBRARY_DIR") or os.path.dirname(os.path.abspath(__file__))


def _load():
    path = os.path.join(library_dir(), "libspgrad.so")
    if not os.path.exists(path):
        raise ImportError(f"spgrad: {path} not found (install the package with "
                          "pip install ./python, or set SPGRAD_LIBRARY_DIR to a build directory)")
    lib = ctypes.CDLL(path)
    for name, argtypes in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = argtypes, _int
    for name in _DESTROY:
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = [_vp], None
    lib.spg_status_string.argtypes, lib.spg_status_string.restype = [_int], ctypes.c_char_p
    lib.spg_version.argtypes, lib.spg_version.restype = [], ctypes.c_char_p
    lib.spg_plan_nnz.argtypes, lib.spg_plan_nnz.restype = [_vp], _i64
    return lib


lib = _load()


def status_string(status):
    """The library's sentence for a status code."""
    return lib.spg_status_string(status).decode()


def call(name, *args):
    """Call the C function ``name``; raise SpgradError unless it succeeds."""
    status = getattr(lib, name)(*args)
    if status != 0:
        raise SpgradError(name, status, status_string(status))
