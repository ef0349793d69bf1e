"""Contexts, triplets, plans and matrices: the objects the operations take."""

import ctypes
import threading

import numpy as np

from . import _arrays as ar
from . import _capi as c

_BACKENDS = {"cpu": c.SPG_BACKEND_CPU, "cuda": c.SPG_BACKEND_CUDA}
_DTYPES = {np.dtype(np.float32): c.SPG_FLOAT, np.dtype(np.float64): c.SPG_DOUBLE}
_ITYPES = {np.dtype(np.int32): c.SPG_INT32, np.dtype(np.int64): c.SPG_INT64}


class _Handle:
    """Owns a C object: freed by close(), at the end of a with block, or
    when collected."""

    _destroy = None
    _ptr = None

    @property
    def ptr(self):
        """The C pointer (an int); ValueError once closed."""
        if self._ptr is None:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._ptr

    def _free(self):
        if self._ptr is not None:
            getattr(c.lib, self._destroy)(self._ptr)
            self._ptr = None

    def close(self):
        """Free the C object now; later uses raise ValueError."""
        self._free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self._free()


class Context(_Handle):
    """Where operations run: ``"cpu"`` (OpenMP threads) or ``"cuda"`` (the
    GPU; arrays in device memory). A CPU context may be shared by threads."""

    _destroy = "spg_context_destroy"

    def __init__(self, backend="cpu", threads=None):
        if backend not in _BACKENDS:
            raise ValueError(f"backend must be 'cpu' or 'cuda', not {backend!r}")
        handle = ctypes.c_void_p()
        c.call("spg_context_create", _BACKENDS[backend], ctypes.byref(handle))
        self._ptr = handle.value
        self.backend = backend
        self.cuda = backend == "cuda"
        self.threads = 0
        if threads is not None:
            self.set_threads(threads)

    def set_threads(self, threads):
        """CPU threads for later calls; 0 lets OpenMP choose."""
        c.call("spg_context_set_threads", self.ptr, int(threads))
        self.threads = int(threads)

    def set_stream(self, stream):
        """The cudaStream_t (an int, 0 for the default stream) of a CUDA
        context; the old stream's work is finished first when it changes."""
        c.call("spg_context_set_stream", self.ptr, stream or None)

    def set_atomics(self, allow):
        """Let the CUDA backend use floating-point atomics where faster."""
        c.call("spg_context_set_atomics", self.ptr, int(bool(allow)))


_default = None
_default_lock = threading.Lock()


def default_context():
    """The CPU context used where none is given (made at first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Context("cpu")
        return _default


def _ctx(context):
    return default_context() if context is None else context


def _shape(shape):
    m, n = (int(d) for d in shape)
    if m < 0 or n < 0:
        raise ValueError(f"shape {shape} has a negative dimension")
    return m, n


def _index_pair(a, b, names, cuda):
    """The Bufs of two contiguous 1-D index arrays of one index type."""
    bufs = ar.buf(a, names[0]), ar.buf(b, names[1])
    for buf, name in zip(bufs, names):
        ar.check_device(buf, name, cuda)
        if buf.dtype not in ar.INDEX_TYPES:
            raise TypeError(f"{name} has dtype {buf.dtype.name}; indices are int32 or int64")
        if len(buf.shape) != 1 or not ar._contiguous(buf):
            raise ValueError(f"{name} must be a contiguous 1-D array")
    if bufs[0].dtype != bufs[1].dtype:
        raise TypeError(f"{names[0]} and {names[1]} have dtypes {bufs[0].dtype.name} and "
                        f"{bufs[1].dtype.name}")
    return bufs


def _indices(I, J, cuda):
    """The Bufs of the triplet indices I and J: one length, one index type."""
    bi, bj = _index_pair(I, J, ("I", "J"), cuda)
    if bi.shape != bj.shape:
        raise ValueError(f"I and J have lengths {bi.shape[0]} and {bj.shape[0]}")
    return bi, bj


class Coo:
    """Triplet indices (I[k], J[k]) of an m x n matrix, viewed (not copied):
    they must not change while the Coo is used. ``one_based``: indices
    start at 1; ``skip_negative``: triplets with a negative index are
    dropped (their gradient is 0). ``context``: where the indices are (in
    device memory for a CUDA context), and where the COO calls on them run
    unless they are given another."""

    def __init__(self, I, J, shape, *, one_based=False, skip_negative=False, context=None):
        ctx = _ctx(context)
        self.shape = _shape(shape)
        bi, bj = _indices(I, J, ctx.cuda)
        self.I, self.J, self.context, self.cuda = bi.obj, bj.obj, ctx, ctx.cuda
        self.nnz = bi.shape[0]
        self.index_dtype = bi.dtype
        self.flags = (c.SPG_ONE_BASED if one_based else 0) | \
            (c.SPG_SKIP_NEGATIVE if skip_negative else 0)
        self.struct = c.Coo(self.shape[0], self.shape[1], self.nnz, _ITYPES[bi.dtype],
                            bi.ptr or None, bj.ptr or None)


def _pattern_array(address, count, dtype, owner):
    """A read-only numpy view of ``count`` C values at ``address`` that
    keeps ``owner`` alive."""
    if count == 0:
        return np.zeros(0, dtype)
    raw = (ctypes.c_byte * (count * dtype.itemsize)).from_address(address)
    raw.owner = owner
    view = np.frombuffer(raw, dtype=dtype)
    view.flags.writeable = False
    return view


class Plan(_Handle):
    """The symbolic plan of COO triplets: the pattern of A = sparse(I, J, V,
    m, n) (rows sorted and unique in each column), the stored entry of each
    triplet and the duplicate segments. Made once per pattern; then
    :meth:`assemble` sums any values V in O(nnz). ``by_rows`` stores A by
    rows (CSR). A plan is read-only once made and may be shared by threads.
    I and J are kept (not copied) for the COO pullbacks."""

    _destroy = "spg_plan_destroy"

    def __init__(self, I, J, shape, *, one_based=False, skip_negative=False, by_rows=False,
                 context=None):
        ctx = _ctx(context)
        self.coo = Coo(I, J, shape, one_based=one_based, skip_negative=skip_negative,
                       context=ctx)
        self.flags = self.coo.flags | (c.SPG_COMPRESS_ROWS if by_rows else 0)
        handle = ctypes.c_void_p()
        c.call("spg_plan_create", ctx.ptr, ctypes.byref(self.coo.struct), self.flags,
               ctypes.byref(handle))
        self._ptr = handle.value
        self.context, self.cuda = ctx, ctx.cuda
        info = c.PlanInfo()
        c.call("spg_plan_query", self._ptr, ctypes.byref(info))
        self.shape, self.by_rows = self.coo.shape, by_rows
        self.nnz, self.nnz_coo, self.nnz_kept = info.nnz, info.nnz_coo, info.nnz_kept
        self._pattern = {}

    def pattern(self, dtype=np.float64):
        """The plan's spg_csc view with NULL values, for value type dtype."""
        dtype = np.dtype(dtype)
        ptr = self.ptr  # ValueError once closed: the arrays are gone
        if dtype not in self._pattern:
            s = c.Csc()
            c.call("spg_plan_csc", ptr, _DTYPES[dtype], None, ctypes.byref(s))
            self._pattern[dtype] = s
        return self._pattern[dtype]

    def close(self):
        """Free the plan; its matrices and Coo calls then raise. A plan that
        spgrad.jax functions were made for is freed when it is collected:
        compiled programs hold its address."""
        if self.__dict__.get("_jax_functions"):
            raise ValueError("spgrad.jax functions were made for this plan: it is freed when "
                             "it is collected, not by close()")
        super().close()

    def _host_pattern(self):
        if self.cuda:
            raise ValueError("the pattern of a CUDA plan is in device memory")
        return self.pattern()

    @property
    def indptr(self):
        """Column pointers (row pointers when by_rows), a read-only view."""
        s = self._host_pattern()
        return _pattern_array(s.colptr, s.n + 1, self.coo.index_dtype, self)

    @property
    def indices(self):
        """Row of each stored entry (column when by_rows), a read-only view."""
        s = self._host_pattern()
        return _pattern_array(s.rowind, s.nnz, self.coo.index_dtype, self)

    def assemble(self, V, out=None):
        """Ax[s] = sum of V[k] over the triplets of stored entry s, in
        triplet order; into ``out`` (overwritten) or a new array."""
        dt = ar.value_type(V, "V")
        pv = ar.vector(V, "V", dt, self.nnz_coo, self.cuda)
        out = _output(out, "out", dt, self.nnz, self.cuda, np.empty)
        po = ar.vector(out, "out", dt, self.nnz, self.cuda, writable=True)
        ar.disjoint([("out", po, self.nnz * dt.itemsize)], [("V", pv, self.nnz_coo * dt.itemsize)])
        c.call("spg_assemble", self.context.ptr, self.ptr, _DTYPES[dt], pv, po)
        return out

    def assemble_pullback(self, dAx, dV=True):
        """dV[k] += dAx[slot(k)] (skipped triplets untouched); dV True
        makes a new zero array; None returns None. Returns dV."""
        if dV is None:
            return None
        dt = ar.value_type(dAx, "dAx")
        pa = ar.vector(dAx, "dAx", dt, self.nnz, self.cuda)
        dV, pv = _grad(dV, "dV", dt, self.nnz_coo, self.cuda)
        ar.disjoint([("dV", pv, self.nnz_coo * dt.itemsize)], [("dAx", pa, self.nnz * dt.itemsize)])
        c.call("spg_assemble_pullback", self.context.ptr, self.ptr, _DTYPES[dt], pa, pv)
        return dV

    def matrix(self, Ax):
        """The matrix A of this pattern with stored values Ax (not copied);
        Ax None is the pattern matrix (all stored values 1)."""
        return Matrix._of_plan(self, Ax)


def _output(out, name, dtype, length, cuda, make):
    """``out`` itself, or a new host array (make) when out is True/None."""
    if out is None or out is True:
        if cuda:
            raise ValueError(f"{name}: a CUDA context needs the output array in device memory")
        return make(length, dtype)
    return out


def _grad(g, name, dtype, length, cuda):
    """(array or None, pointer or None) of a gradient argument: True makes
    a new zero array, None (or False) skips it, an array is accumulated into."""
    if g is None or g is False:
        return None, None
    g = _output(g, name, dtype, length, cuda, np.zeros)
    return g, ar.vector(g, name, dtype, length, cuda, writable=True)


class Matrix:
    """A sparse m x n matrix A seen through compressed-column arrays that
    the C library reads in place: A's CSC arrays, or A's CSR arrays (the
    CSC arrays of A'), with ``transposed`` telling which. values None is a
    pattern matrix: every stored value is 1 and A is a constant. The
    arrays are not copied and must outlive the matrix; they are checked
    once when the matrix is made (check=False skips that O(nnz) pass, for
    arrays known to be well formed). context: where its arrays are (and
    where its operations run unless one is given)."""

    def __init__(self, shape, indptr, indices, values, *, by_rows=False, context=None,
                 check=True):
        ctx = _ctx(context)
        m, n = _shape(shape)
        self.shape, self.transposed, self.cuda, self.context = (m, n), by_rows, ctx.cuda, ctx
        vm, vn = (n, m) if by_rows else (m, n)
        bp, bi = _pattern_bufs(indptr, indices, vn, ctx.cuda)
        self._init(vm, vn, bi.shape[0], bp, bi, values, None)
        if check:  # the operations trust the structure: O(nnz) once here
            c.call("spg_csc_check", ctx.ptr, ctypes.byref(self.struct(self.dtype or np.float64)))

    @classmethod
    def _of_plan(cls, plan, values):
        self = cls.__new__(cls)
        self.shape, self.transposed, self.cuda = plan.shape, plan.by_rows, plan.cuda
        s = plan.pattern()
        self.plan, self.context = plan, plan.context
        self._init_arrays(s.m, s.n, s.nnz, _ITYPES[plan.coo.index_dtype], s.colptr,
                          s.rowind, values, s.analysis)
        return self

    def _init(self, vm, vn, nnz, bp, bi, values, analysis):
        self.plan = None
        self._keep = (bp.obj, bi.obj)
        self._init_arrays(vm, vn, nnz, _ITYPES[bp.dtype], bp.ptr, bi.ptr, values, analysis)

    def _init_arrays(self, vm, vn, nnz, itype, colptr, rowind, values, analysis):
        self.nnz = nnz
        self.values = values
        self.dtype, pv = None, None
        if values is not None:
            b = ar.buf(values, "values")
            self.dtype = ar.value_type(b, "values")
            pv = ar.vector(b, "values", self.dtype, nnz, self.cuda)
        self._args = (vm, vn, nnz, itype, colptr or None, rowind or None, pv, analysis)
        self._structs = {}

    def struct(self, dtype):
        """The spg_csc view for vectors of dtype (the values' own type)."""
        dtype = np.dtype(dtype)
        if self.plan is not None:
            self.plan.ptr  # ValueError once the plan is closed: its arrays are gone
        if self.dtype is not None and dtype != self.dtype:
            raise TypeError(f"the matrix holds {self.dtype.name} values, not {dtype.name}")
        s = self._structs.get(dtype)
        if s is None:
            vm, vn, nnz, itype, colptr, rowind, pv, analysis = self._args
            s = c.Csc(vm, vn, nnz, itype, colptr, rowind, _DTYPES[dtype], pv, analysis)
            self._structs[dtype] = s
        return s

    @property
    def T(self):
        """A' on the same arrays."""
        t = Matrix.__new__(Matrix)
        t.__dict__.update(self.__dict__)
        t.shape, t.transposed = self.shape[::-1], not self.transposed
        return t

    @property
    def indptr(self):
        vm, vn, nnz, itype, colptr = self._args[:5]
        return _pattern_array(colptr, vn + 1, _itype_dtype(itype), self)

    @property
    def indices(self):
        vm, vn, nnz, itype, colptr, rowind = self._args[:6]
        return _pattern_array(rowind, nnz, _itype_dtype(itype), self)

    @classmethod
    def from_scipy(cls, S, *, context=None):
        """The matrix of a scipy.sparse CSC or CSR matrix or array, on its
        own arrays (no copy). It must have canonical format (sorted
        indices, no duplicates); a bool matrix whose stored values are all
        True is a pattern matrix."""
        fmt = S.format
        if fmt not in ("csc", "csr"):
            raise TypeError(f"a scipy.sparse matrix in CSC or CSR format is needed, not {fmt}")
        if not S.has_canonical_format:
            raise ValueError("the scipy matrix has unsorted or duplicate indices: "
                             "call sum_duplicates() first")
        values = S.data
        if values.dtype == np.bool_:
            if not values.all():
                raise ValueError("a bool matrix stores False values: eliminate_zeros() first")
            values = None
        return cls(S.shape, S.indptr, S.indices, values, by_rows=(fmt == "csr"),
                   context=context)

    def to_scipy(self):
        """scipy.sparse csc_matrix (csr_matrix when stored by rows) on the
        same arrays; a pattern matrix gets an array of ones."""
        import scipy.sparse as sp
        if self.cuda:
            raise ValueError("a matrix in device memory has no scipy form")
        values = self.values
        if values is None:
            values = np.ones(self.nnz)
        make = sp.csr_matrix if self.transposed else sp.csc_matrix
        return make((values, self.indices, self.indptr), shape=self.shape, copy=False)


def _pattern_bufs(indptr, indices, vn, cuda):
    bp, bi = _index_pair(indptr, indices, ("indptr", "indices"), cuda)
    if bp.shape[0] != vn + 1:
        raise ValueError(f"indptr has length {bp.shape[0]}, expected {vn + 1}")
    return bp, bi


def _itype_dtype(itype):
    return np.dtype(np.int32) if itype == c.SPG_INT32 else np.dtype(np.int64)
