"""ctypes bindings for the parts of libspgrad.so that the comparison uses.

The library is found, in this order, from the ``path`` argument of
:func:`load`, the environment variable ``SPGRAD_LIB``, or
``build-py/libspgrad.so`` under the repository root, built with

    cmake -S . -B build-py -DSPGRAD_CUDA=OFF -DSPGRAD_TESTS=OFF
    cmake --build build-py -j2

Arrays are numpy arrays passed by pointer: indices int32, values float64,
C-contiguous. Every call checks the returned status and raises
:class:`SpgError` with the library's own sentence (spg_status_string).
Only the CPU backend with int32 indices and double values is wrapped.
"""

import ctypes
import os
from pathlib import Path

import numpy as np

SPG_BACKEND_CPU = 0
SPG_DOUBLE = 1
SPG_INT32 = 0
SPG_ONE_BASED = 1
SPG_SKIP_NEGATIVE = 2
SPG_COMPRESS_ROWS = 4
SPG_OP_N = 0
SPG_OP_T = 1
SPG_SOLVER_SPD = 0
SPG_SOLVER_GENERAL = 1

_REPO = Path(__file__).resolve().parents[2]
DEFAULT_LIB = _REPO / "build-py" / "libspgrad.so"

_c_void_p = ctypes.c_void_p
_c_int64 = ctypes.c_int64
_c_int = ctypes.c_int
_c_double = ctypes.c_double


class SpgError(RuntimeError):
    """A call into spgrad returned a status other than SPG_SUCCESS."""

    def __init__(self, func, status, message):
        super().__init__(f"{func}: {message} (status {status})")
        self.func = func
        self.status = status


class _Coo(ctypes.Structure):
    """struct spg_coo: COO triplets viewed by pointer."""

    _fields_ = [("m", _c_int64), ("n", _c_int64), ("nnz", _c_int64),
                ("itype", _c_int), ("I", _c_void_p), ("J", _c_void_p)]


class _Csc(ctypes.Structure):
    """struct spg_csc: compressed sparse columns viewed by pointer."""

    _fields_ = [("m", _c_int64), ("n", _c_int64), ("nnz", _c_int64),
                ("itype", _c_int), ("colptr", _c_void_p), ("rowind", _c_void_p),
                ("dtype", _c_int), ("values", _c_void_p), ("analysis", _c_void_p)]


# name: (argument types); every function listed returns spg_status (int)
_STATUS_FUNCS = {
    "spg_context_create": [_c_int, ctypes.POINTER(_c_void_p)],
    "spg_context_set_threads": [_c_void_p, _c_int],
    "spg_plan_create": [_c_void_p, ctypes.POINTER(_Coo), ctypes.c_uint,
                        ctypes.POINTER(_c_void_p)],
    "spg_plan_csc": [_c_void_p, _c_int, _c_void_p, ctypes.POINTER(_Csc)],
    "spg_assemble": [_c_void_p, _c_void_p, _c_int, _c_void_p, _c_void_p],
    "spg_assemble_pullback": [_c_void_p, _c_void_p, _c_int, _c_void_p, _c_void_p],
    "spg_spmv": [_c_void_p, _c_int, _c_double, ctypes.POINTER(_Csc), _c_void_p,
                 _c_double, _c_void_p],
    "spg_bilinear": [_c_void_p, ctypes.POINTER(_Csc), _c_void_p, _c_void_p,
                     ctypes.POINTER(_c_double)],
    "spg_bilinear_pullback": [_c_void_p, ctypes.POINTER(_Csc), _c_void_p, _c_void_p,
                              _c_double, _c_void_p, _c_void_p, _c_void_p],
    "spg_bilinear_value_and_grad": [_c_void_p, ctypes.POINTER(_Csc), _c_void_p,
                                    _c_void_p, ctypes.POINTER(_c_double), _c_void_p,
                                    _c_void_p, _c_void_p],
    "spg_coo_bilinear_pullback": [_c_void_p, ctypes.POINTER(_Coo), ctypes.c_uint,
                                  _c_int, _c_void_p, _c_void_p, _c_double, _c_void_p],
    "spg_solver_create": [_c_void_p, ctypes.POINTER(_Csc), _c_int, ctypes.POINTER(_c_void_p)],
    "spg_solver_factor": [_c_void_p, _c_void_p, ctypes.POINTER(_Csc)],
    "spg_solve": [_c_void_p, _c_void_p, _c_int, _c_int64, _c_void_p, _c_int64, _c_void_p,
                  _c_int64],
    "spg_coo_solve_pullback": [_c_void_p, _c_void_p, _c_int, ctypes.POINTER(_Coo),
                               ctypes.c_uint, _c_int64, _c_void_p, _c_int64, _c_void_p,
                               _c_int64, _c_void_p, _c_int64, _c_void_p],
}

_lib = None


def load(path=None):
    """Load libspgrad.so once and declare the signatures used here.

    ``path`` wins over SPGRAD_LIB, which wins over DEFAULT_LIB. Returns the
    ctypes.CDLL; later calls return the library already loaded.
    """
    global _lib
    if _lib is not None:
        return _lib
    path = path or os.environ.get("SPGRAD_LIB") or str(DEFAULT_LIB)
    if not Path(path).exists():
        raise FileNotFoundError(
            f"{path} not found: build it with cmake -S . -B build-py "
            "-DSPGRAD_CUDA=OFF -DSPGRAD_TESTS=OFF && cmake --build build-py -j2, "
            "or set SPGRAD_LIB")
    lib = ctypes.CDLL(path)
    for name, argtypes in _STATUS_FUNCS.items():
        func = getattr(lib, name)
        func.argtypes = argtypes
        func.restype = _c_int
    lib.spg_status_string.argtypes = [_c_int]
    lib.spg_status_string.restype = ctypes.c_char_p
    lib.spg_version.argtypes = []
    lib.spg_version.restype = ctypes.c_char_p
    lib.spg_context_destroy.argtypes = [_c_void_p]
    lib.spg_context_destroy.restype = None
    lib.spg_plan_destroy.argtypes = [_c_void_p]
    lib.spg_plan_destroy.restype = None
    lib.spg_plan_nnz.argtypes = [_c_void_p]
    lib.spg_plan_nnz.restype = _c_int64
    lib.spg_solver_destroy.argtypes = [_c_void_p]
    lib.spg_solver_destroy.restype = None
    _lib = lib
    return lib


def version():
    """The linked library's version string, "major.minor.patch"."""
    return load().spg_version().decode()


def _call(name, *args):
    """Call spgrad function ``name`` and raise SpgError unless it succeeds."""
    lib = load()
    status = getattr(lib, name)(*args)
    if status != 0:
        message = lib.spg_status_string(status).decode()
        raise SpgError(name, status, message)


def _ptr(array, dtype, name, writable=False):
    """The data pointer of a C-contiguous numpy array of ``dtype``, or None.

    None stands for a NULL pointer (a constant input or an absent output).
    """
    if array is None:
        return None
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy array")
    if array.dtype != dtype:
        raise TypeError(f"{name} must have dtype {np.dtype(dtype).name}, "
                        f"not {array.dtype.name}")
    if not array.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")
    if writable and not array.flags.writeable:
        raise ValueError(f"{name} must be writable")
    return array.ctypes.data


def _coo_struct(m, n, I, J):
    """An spg_coo view of the int32 index arrays I and J."""
    if I.shape != J.shape or I.ndim != 1:
        raise ValueError("I and J must be 1-D arrays of one length")
    return _Coo(m, n, I.size, SPG_INT32, _ptr(I, np.int32, "I"), _ptr(J, np.int32, "J"))


class _Owned:
    """A library object owned through its handle: freed by ``destroy``, at
    the end of a ``with`` block, or when collected. Subclasses name the
    library's destroy function and the object in ``_destroy_fn`` and
    ``_what``."""

    _destroy_fn = None
    _what = "object"
    _handle = None

    @property
    def handle(self):
        """The library pointer; ValueError once destroyed."""
        if self._handle is None:
            raise ValueError(f"{self._what} already destroyed")
        return self._handle

    def destroy(self):
        """Free the object; later calls on it raise ValueError."""
        if self._handle is not None:
            getattr(load(), self._destroy_fn)(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.destroy()

    def __del__(self):
        self.destroy()


class Context(_Owned):
    """An spgrad CPU context; usable as a context manager."""

    _destroy_fn = "spg_context_destroy"
    _what = "context"

    def __init__(self, threads=None):
        """Create the context; ``threads`` (if not None) as for set_threads."""
        handle = _c_void_p()
        _call("spg_context_create", SPG_BACKEND_CPU, ctypes.byref(handle))
        self._handle = handle
        if threads is not None:
            self.set_threads(threads)

    def set_threads(self, threads):
        """CPU threads for later calls; 0 lets OpenMP choose."""
        _call("spg_context_set_threads", self.handle, int(threads))


class Csc:
    """An spg_csc view: pattern arrays owned by a plan, values by numpy.

    Keeps references to the plan and the values array so that neither is
    freed while the view is in use. ``colptr`` and ``rowind`` are read-only
    numpy views of the plan's pattern (int32).
    """

    def __init__(self, struct, plan, values):
        self.struct = struct
        self.plan = plan
        self.values = values
        self.m, self.n, self.nnz = struct.m, struct.n, struct.nnz

    @property
    def colptr(self):
        """The column pointers (length n + 1), a read-only int32 view."""
        return _view_int32(self.struct.colptr, self.n + 1)

    @property
    def rowind(self):
        """The row of each stored entry (length nnz), a read-only int32 view."""
        return _view_int32(self.struct.rowind, self.nnz)


def _view_int32(address, count):
    """A read-only numpy view of ``count`` int32 values at ``address``."""
    if count == 0:
        return np.zeros(0, np.int32)
    buf = (ctypes.c_int32 * count).from_address(address)
    view = np.frombuffer(buf, dtype=np.int32)
    view.flags.writeable = False
    return view


class Plan(_Owned):
    """The symbolic COO -> CSC plan of the triplets (I, J) of an m x n matrix.

    The plan reads I and J only while it is made; they are kept referenced
    for the COO calls that use this plan's triplets.
    """

    _destroy_fn = "spg_plan_destroy"
    _what = "plan"

    def __init__(self, ctx, m, n, I, J, flags=0):
        """spg_plan_create on int32 I, J (zero-based unless SPG_ONE_BASED)."""
        self.ctx = ctx
        self.m, self.n, self.I, self.J, self.flags = m, n, I, J, flags
        coo = _coo_struct(m, n, I, J)
        handle = _c_void_p()
        _call("spg_plan_create", ctx.handle, ctypes.byref(coo), flags,
              ctypes.byref(handle))
        self._handle = handle

    def nnz(self):
        """Stored entries of the pattern (spg_plan_nnz)."""
        return int(load().spg_plan_nnz(self.handle))

    def csc(self, values):
        """The spg_csc view of the pattern around ``values`` (float64, nnz)."""
        if values is not None and values.shape != (self.nnz(),):
            raise ValueError(f"values must have length {self.nnz()}")
        struct = _Csc()
        _call("spg_plan_csc", self.handle, SPG_DOUBLE, _ptr(values, np.float64, "values"),
              ctypes.byref(struct))
        return Csc(struct, self, values)


def assemble(ctx, plan, V, Ax=None):
    """Ax[s] = sum of V[k] over the triplets of entry s; returns Ax.

    A new array is made when Ax is None; otherwise Ax is overwritten.
    """
    if Ax is None:
        Ax = np.empty(plan.nnz(), np.float64)
    _call("spg_assemble", ctx.handle, plan.handle, SPG_DOUBLE,
          _ptr(V, np.float64, "V"), _ptr(Ax, np.float64, "Ax", True))
    return Ax


def assemble_pullback(ctx, plan, dAx, dV):
    """dV[k] += dAx[slot(k)]; returns dV."""
    _call("spg_assemble_pullback", ctx.handle, plan.handle, SPG_DOUBLE,
          _ptr(dAx, np.float64, "dAx"), _ptr(dV, np.float64, "dV", True))
    return dV


def spmv(ctx, op, alpha, A, x, beta=0.0, y=None):
    """y = alpha op(A) x + beta y, op SPG_OP_N or SPG_OP_T; returns y.

    A new y is made (and beta must be 0) when y is None.
    """
    if y is None:
        if beta != 0.0:
            raise ValueError("beta != 0 needs y")
        y = np.empty(A.m if op == SPG_OP_N else A.n, np.float64)
    _call("spg_spmv", ctx.handle, op, alpha, ctypes.byref(A.struct),
          _ptr(x, np.float64, "x"), beta, _ptr(y, np.float64, "y", True))
    return y


def bilinear(ctx, A, x, y):
    """f = x' A y."""
    f = _c_double()
    _call("spg_bilinear", ctx.handle, ctypes.byref(A.struct), _ptr(x, np.float64, "x"),
          _ptr(y, np.float64, "y"), ctypes.byref(f))
    return f.value


def bilinear_pullback(ctx, A, x, y, df, dA=None, dx=None, dy=None):
    """dx += df A y, dy += df A' x, dA += df x y' on A's pattern.

    A None gradient marks that input constant. Returns (dA, dx, dy).
    """
    _call("spg_bilinear_pullback", ctx.handle, ctypes.byref(A.struct),
          _ptr(x, np.float64, "x"), _ptr(y, np.float64, "y"), df,
          _ptr(dA, np.float64, "dA", True), _ptr(dx, np.float64, "dx", True),
          _ptr(dy, np.float64, "dy", True))
    return dA, dx, dy


def bilinear_value_and_grad(ctx, A, x, y, dA=None, dx=None, dy=None):
    """f = x' A y and the gradients of bilinear_pullback with df = 1.

    Gradients accumulate into the arrays given; returns f.
    """
    f = _c_double()
    _call("spg_bilinear_value_and_grad", ctx.handle, ctypes.byref(A.struct),
          _ptr(x, np.float64, "x"), _ptr(y, np.float64, "y"), ctypes.byref(f),
          _ptr(dA, np.float64, "dA", True), _ptr(dx, np.float64, "dx", True),
          _ptr(dy, np.float64, "dy", True))
    return f.value


def coo_bilinear_pullback(ctx, m, n, I, J, x, y, df, dV, flags=0):
    """dV[k] += df x[I_k] y[J_k] for int32 triplets (I, J) of an m x n matrix.

    Returns dV.
    """
    coo = _coo_struct(m, n, I, J)
    _call("spg_coo_bilinear_pullback", ctx.handle, ctypes.byref(coo), flags, SPG_DOUBLE,
          _ptr(x, np.float64, "x"), _ptr(y, np.float64, "y"), df,
          _ptr(dV, np.float64, "dV", True))
    return dV


class Solver(_Owned):
    """A sparse solver of the square matrix A's pattern (an spg_csc view):
    analysed when made, factorised by :meth:`factor`."""

    _destroy_fn = "spg_solver_destroy"
    _what = "solver"

    def __init__(self, ctx, A, kind=SPG_SOLVER_SPD):
        """spg_solver_create on A's pattern (SPG_SOLVER_SPD or SPG_SOLVER_GENERAL)."""
        self.ctx, self.n = ctx, A.n
        handle = _c_void_p()
        _call("spg_solver_create", ctx.handle, ctypes.byref(A.struct), kind,
              ctypes.byref(handle))
        self._handle = handle

    def factor(self, A):
        """spg_solver_factor: the factors of A's values (A has the pattern)."""
        _call("spg_solver_factor", self.ctx.handle, self.handle, ctypes.byref(A.struct))

    def solve(self, b, op=SPG_OP_N, x=None):
        """x = op(A)^-1 b for one right-hand side; returns x."""
        if x is None:
            x = np.empty(self.n, np.float64)
        ld = max(1, self.n)
        _call("spg_solve", self.ctx.handle, self.handle, op, 1, _ptr(b, np.float64, "b"), ld,
              _ptr(x, np.float64, "x", True), ld)
        return x

    def coo_pullback(self, m, n, I, J, x, dx, dV=None, db=None, op=SPG_OP_N, flags=0):
        """The pullback of x = op(A)^-1 b to the triplet values of A = sparse(I, J, V)
        and to b: dV[k] -= lambda[I_k] x[J_k] (op N), db += lambda, lambda the
        adjoint solution. A None gradient is not computed. Returns (dV, db)."""
        coo = _coo_struct(m, n, I, J)
        ld = max(1, self.n)
        _call("spg_coo_solve_pullback", self.ctx.handle, self.handle, op, ctypes.byref(coo),
              flags, 1, _ptr(x, np.float64, "x"), ld, _ptr(dx, np.float64, "dx"), ld,
              _ptr(db, np.float64, "db", True), ld, _ptr(dV, np.float64, "dV", True))
        return dV, db
