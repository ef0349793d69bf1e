"""Arrays passed to the C library by pointer, without copies.

numpy arrays are used as they are; PyTorch tensors through their own
accessors (``data_ptr()``, ``stride()``; CPU or CUDA); other objects with
``__cuda_array_interface__`` (JAX, CuPy device arrays) are device memory,
and other objects with ``__dlpack__`` (JAX arrays on the CPU) are viewed
through ``numpy.from_dlpack``. Nothing is converted: a wrong dtype, a
non-contiguous layout or a wrong length raises TypeError or ValueError
before the library is called.
"""

import numpy as np

VALUE_TYPES = (np.dtype(np.float32), np.dtype(np.float64))
INDEX_TYPES = (np.dtype(np.int32), np.dtype(np.int64))


class Buf:
    """A pointer to an array's first element and what it points at."""

    __slots__ = ("obj", "ptr", "dtype", "shape", "strides", "cuda", "writable")

    def __init__(self, obj, ptr, dtype, shape, strides, cuda, writable):
        self.obj, self.ptr, self.dtype = obj, ptr, dtype
        self.shape, self.strides, self.cuda, self.writable = shape, strides, cuda, writable

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n


def _from_numpy(a):
    return Buf(a, a.__array_interface__["data"][0], a.dtype, a.shape, a.strides, False,
               a.flags.writeable)


def _from_cuda(obj, ci):
    dtype = np.dtype(ci["typestr"])
    shape = tuple(ci["shape"])
    strides = ci.get("strides")
    if strides is None:  # C-contiguous
        strides, step = [], dtype.itemsize
        for d in reversed(shape):
            strides.insert(0, step)
            step *= d
    ptr, readonly = ci["data"]
    return Buf(obj, ptr, dtype, shape, tuple(strides), True, not readonly)


_TORCH_DTYPES = {"torch.float32": np.dtype(np.float32), "torch.float64": np.dtype(np.float64),
                 "torch.int32": np.dtype(np.int32), "torch.int64": np.dtype(np.int64)}


def _from_torch(t):
    """A PyTorch tensor read through its own accessors (cheaper than DLPack)."""
    if t.device.type not in ("cpu", "cuda"):
        raise ValueError(f"a tensor on {t.device.type} is neither host nor CUDA memory")
    dtype = _TORCH_DTYPES.get(str(t.dtype))
    if dtype is None:
        return _from_numpy(np.from_dlpack(t.detach()))  # other dtypes: for the messages
    size = dtype.itemsize
    return Buf(t, t.data_ptr(), dtype, tuple(t.shape), tuple(s * size for s in t.stride()),
               t.is_cuda, True)


def buf(obj, name):
    """The Buf of a numpy, PyTorch, DLPack or CUDA-array-interface object."""
    if isinstance(obj, np.ndarray):
        return _from_numpy(obj)
    if type(obj).__module__.startswith("torch") and hasattr(obj, "data_ptr"):
        return _from_torch(obj)
    ci = getattr(obj, "__cuda_array_interface__", None)
    if ci is not None:
        return _from_cuda(obj, ci)
    if hasattr(obj, "__dlpack__"):
        return _from_numpy(np.from_dlpack(obj))
    raise TypeError(f"{name} must be an array (numpy, DLPack or CUDA array interface), "
                    f"not {type(obj).__name__}")


def _contiguous(b):
    step = b.dtype.itemsize
    for d, s in zip(reversed(b.shape), reversed(b.strides)):
        if d != 1 and s != step:
            return False
        step *= d
    return True


def check_device(b, name, cuda):
    if b.cuda != cuda:
        where = "GPU" if cuda else "CPU"
        raise ValueError(f"{name} is not in {where} memory, where the context computes")


def vector(obj, name, dtype, length, cuda, writable=False):
    """The pointer of a contiguous 1-D array of dtype and length (None: NULL)."""
    if obj is None:
        return None
    b = obj if isinstance(obj, Buf) else buf(obj, name)
    check_device(b, name, cuda)
    if b.dtype != dtype:
        raise TypeError(f"{name} has dtype {b.dtype.name}, expected {np.dtype(dtype).name}")
    if len(b.shape) != 1 or b.shape[0] != length:
        raise ValueError(f"{name} has shape {b.shape}, expected ({length},)")
    if length > 1 and b.strides[0] != b.dtype.itemsize:
        raise ValueError(f"{name} is not contiguous")
    if writable and not b.writable:
        raise ValueError(f"{name} is read-only")
    return b.ptr or None


def block(obj, name, dtype, rows, cuda, writable=False):
    """(pointer, k, ld) of a column-major rows x k block: a 1-D array of
    length rows (k = 1) or a 2-D array with unit row stride (numpy order
    'F', or a column slice of one)."""
    b = buf(obj, name)
    check_device(b, name, cuda)
    if b.dtype != dtype:
        raise TypeError(f"{name} has dtype {b.dtype.name}, expected {np.dtype(dtype).name}")
    if writable and not b.writable:
        raise ValueError(f"{name} is read-only")
    size = b.dtype.itemsize
    if len(b.shape) == 1 and b.shape[0] == rows and (rows <= 1 or b.strides[0] == size):
        return b.ptr or None, 1, max(1, rows)
    if len(b.shape) != 2 or b.shape[0] != rows:
        raise ValueError(f"{name} has shape {b.shape}, expected ({rows},) or ({rows}, k)")
    k = b.shape[1]
    ld = b.strides[1] // size if k > 1 else max(1, rows)
    if (rows > 1 and b.strides[0] != size) or b.strides[1] % size or ld < max(1, rows):
        raise ValueError(f"{name} must be column-major (numpy order 'F'): strides {b.strides}")
    return b.ptr or None, k, ld


def value_type(obj, name):
    """The value dtype of an array (or Buf): float32 or float64 in the
    machine's byte order, else TypeError."""
    dt = (obj if isinstance(obj, Buf) else buf(obj, name)).dtype
    if dt not in VALUE_TYPES or not dt.isnative:
        raise TypeError(f"{name} has dtype {dt.str}; values are float32 or float64 in the "
                        "machine's byte order")
    return dt


def disjoint(outputs, inputs):
    """ValueError when an output overlaps another output or an input (the C
    API's calls do not allow it). Each is (name, pointer, bytes); a None
    pointer is an absent array."""
    outs = [o for o in outputs if o[1]]
    others = [i for i in inputs if i[1]]
    for k, (name, p, size) in enumerate(outs):
        for other, q, length in outs[k + 1:] + others:
            if p < q + length and q < p + size:
                raise ValueError(f"{name} overlaps {other}: an output must not overlap an "
                                 "input or another output")


def block_bytes(rows, k, ld, itemsize):
    """The bytes a column-major rows x k block with leading dimension ld spans."""
    return (ld * (k - 1) + rows) * itemsize if k > 0 and rows > 0 else 0
