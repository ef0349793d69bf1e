// XLA FFI handlers: spgrad's C calls as JAX custom calls, on the buffers
// XLA gives (no copies). spgrad/jax.py registers them and wraps them in
// custom_vjp functions.
//
// A matrix is a plan (its pattern) and a buffer of stored values; the plan,
// the context and the COO view are C objects owned by Python objects that
// the JAX functions keep alive, passed here as int64 attributes. Pullbacks
// accumulate, so their outputs are zeroed first; an output of length 0 is
// a gradient not asked for, passed to the C call as NULL. Each handler exists for the CPU
// (spgrad_*_cpu) and, in CUDA builds, for the GPU (spgrad_*_cuda), where it
// runs on XLA's stream.

#include <spgrad.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <vector>

#include "xla/ffi/api/ffi.h"

#ifdef SPGRAD_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace ffi = xla::ffi;

// The stream of a CPU handler: none, decoded without asking XLA.
struct NoStream {};

template <>
struct ffi::CtxDecoding<NoStream> {
    using Type = void *;
    static std::optional<void *> Decode(const XLA_FFI_Api *, XLA_FFI_ExecutionContext *,
                                        DiagnosticEngine &) {
        return nullptr;
    }
};

namespace {

using Buf = ffi::AnyBuffer;
using Out = ffi::Result<ffi::AnyBuffer>;

ffi::Error fail(const char *what, spg_status st) {
    return ffi::Error(ffi::ErrorCode::kInvalidArgument,
                      std::string(what) + ": " + spg_status_string(st));
}

#define SPG_TRY(what, call)                                 \
    do {                                                    \
        spg_status st_ = (call);                            \
        if (st_ != SPG_SUCCESS) return fail((what), st_);   \
    } while (0)

spg_dtype dtype_of(const Buf &b) {
    return b.element_type() == ffi::DataType::F32 ? SPG_FLOAT : SPG_DOUBLE;
}

// The data of a buffer, NULL when it holds no element (a gradient not asked for).
void *data(const Buf &b) { return b.element_count() ? b.untyped_data() : nullptr; }
void *data(Out &b) { return b->element_count() ? b->untyped_data() : nullptr; }

spg_context *ctx_of(int64_t ctx) { return reinterpret_cast<spg_context *>(ctx); }
const spg_plan *plan_of(int64_t plan) { return reinterpret_cast<const spg_plan *>(plan); }

// A CUDA plan's calls run on the GPU, a CPU plan's on the CPU.
ffi::Error placed(int64_t plan, void *stream) {
    spg_plan_info info{};
    spg_plan_query(plan_of(plan), &info);
    if ((info.backend == SPG_BACKEND_CUDA) != (stream != nullptr))
        return ffi::Error::InvalidArgument(
            stream ? "spgrad: a CPU plan's call on GPU arrays (make the plan with a CUDA "
                     "context)"
                   : "spgrad: a CUDA plan's call on CPU arrays");
    return ffi::Error::Success();
}

// A handler's entry: the plan's calls run where the plan lives, and a CUDA
// context runs on XLA's stream (setting the stream it is already on costs
// nothing); calls on GPU contexts take turns, as a context holds one stream
// and one workspace.
std::mutex gpu_mutex;

struct Turn {
    std::unique_lock<std::mutex> lock;
    ffi::Error error;
    Turn(int64_t plan, int64_t ctx, void *stream) : error(placed(plan, stream)) {
        if (error.failure() || !stream) return;
        lock = std::unique_lock<std::mutex>(gpu_mutex);
        spg_status st = spg_context_set_stream(ctx_of(ctx), stream);
        if (st != SPG_SUCCESS) error = fail("spg_context_set_stream", st);
    }
};

// The plan's matrix around values (pattern matrix when pattern != 0).
spg_status view(int64_t plan, int32_t pattern, const Buf &Ax, spg_dtype dt, spg_csc *A) {
    return spg_plan_csc(plan_of(plan), dt, pattern ? nullptr : Ax.untyped_data(), A);
}

// A scalar cotangent, read from host or device memory; false when the
// device copy fails.
bool scalar(const Buf &b, void *stream, double *out) {
    double d = 0;
    float f = 0;
    bool single = b.element_type() == ffi::DataType::F32;
    void *dst = single ? static_cast<void *>(&f) : static_cast<void *>(&d);
    size_t size = single ? sizeof f : sizeof d;
#ifdef SPGRAD_HAVE_CUDA
    if (stream) {
        cudaStream_t s = static_cast<cudaStream_t>(stream);
        if (cudaMemcpyAsync(dst, b.untyped_data(), size, cudaMemcpyDeviceToHost, s) !=
                cudaSuccess ||
            cudaStreamSynchronize(s) != cudaSuccess)
            return false;
        *out = single ? f : d;
        return true;
    }
#endif
    (void)stream;
    std::memcpy(dst, b.untyped_data(), size);
    *out = single ? f : d;
    return true;
}

// Writes a double result into a scalar output buffer; false when the
// device copy fails.
bool put_scalar(Out &out, double value, void *stream) {
    float f = static_cast<float>(value);
    bool single = out->element_type() == ffi::DataType::F32;
    const void *src = single ? static_cast<const void *>(&f) : static_cast<const void *>(&value);
    size_t size = single ? sizeof f : sizeof value;
#ifdef SPGRAD_HAVE_CUDA
    if (stream) {
        cudaStream_t s = static_cast<cudaStream_t>(stream);
        return cudaMemcpyAsync(out->untyped_data(), src, size, cudaMemcpyHostToDevice, s) ==
                   cudaSuccess &&
               cudaStreamSynchronize(s) == cudaSuccess;
    }
#endif
    (void)stream;
    std::memcpy(out->untyped_data(), src, size);
    return true;
}

ffi::Error device_copy_failed() {
    return ffi::Error(ffi::ErrorCode::kInternal, "spgrad: a scalar's device copy failed");
}

// Zeroes the outputs a pullback accumulates into (XLA does not initialise
// them): on XLA's stream on the GPU; on the CPU in 1 MiB chunks across the
// context's threads (0: OpenMP's default), so that first-touch page faults
// are taken in parallel.
bool zero(void *stream, int threads, Out &b) {
    size_t bytes = b->size_bytes();
    auto *p = static_cast<char *>(b->untyped_data());
    if (bytes == 0) return true;
#ifdef SPGRAD_HAVE_CUDA
    if (stream)
        return cudaMemsetAsync(p, 0, bytes, static_cast<cudaStream_t>(stream)) == cudaSuccess;
#endif
    (void)stream;
    const size_t chunk = size_t{1} << 20;
    const int64_t chunks = static_cast<int64_t>((bytes + chunk - 1) / chunk);
#ifdef _OPENMP
    int team = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(static) num_threads(team)
#else
    (void)threads;
#endif
    for (int64_t i = 0; i < chunks; i++) {
        size_t start = static_cast<size_t>(i) * chunk;
        std::memset(p + start, 0, std::min(chunk, bytes - start));
    }
    return true;
}

template <class... Outs>
ffi::Error zero_all(void *stream, int threads, Outs &...outs) {
    if (!(zero(stream, threads, outs) && ...))
        return ffi::Error(ffi::ErrorCode::kInternal, "cudaMemsetAsync failed on a gradient");
    return ffi::Error::Success();
}

#define SPG_OK(expr)                           \
    do {                                       \
        ffi::Error e_ = (expr);                \
        if (e_.failure()) return e_;           \
    } while (0)

// The length a buffer must have, and its element type; a gradient not
// asked for may be empty.
struct Len {
    size_t have;
    int64_t want;
    bool optional;
    ffi::DataType type;
};
Len arg(const Buf &b, int64_t want) { return {b.element_count(), want, false, b.element_type()}; }
Len ret(Out &b, int64_t want) { return {b->element_count(), want, false, b->element_type()}; }
Len grad(Out &b, int64_t want) { return {b->element_count(), want, true, b->element_type()}; }

// The buffers' lengths against the matrix, and one value type (float32 or
// float64) for all: spgrad.jax checks both before it calls; this keeps a
// misused handler from reading out of bounds.
ffi::Error lengths(std::initializer_list<Len> list) {
    const ffi::DataType type = list.begin()->type;
    if (type != ffi::DataType::F32 && type != ffi::DataType::F64)
        return ffi::Error::InvalidArgument("spgrad: values are float32 or float64");
    for (const Len &l : list) {
        if (l.have != static_cast<size_t>(l.want) && !(l.optional && l.have == 0))
            return ffi::Error::InvalidArgument(
                "spgrad: a buffer's length does not match the matrix");
        if (l.type != type)
            return ffi::Error::InvalidArgument("spgrad: buffers of two value types");
    }
    return ffi::Error::Success();
}

// The plan's triplet and entry counts.
spg_plan_info info_of(int64_t plan) {
    spg_plan_info info{};
    spg_plan_query(plan_of(plan), &info);
    return info;
}

// Ax = assemble(V)
ffi::Error assemble(void *stream, int64_t ctx, int64_t plan, Buf V, Out Ax) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    spg_plan_info in = info_of(plan);
    SPG_OK(lengths({arg(V, in.nnz_coo), ret(Ax, in.nnz)}));
    SPG_TRY("spg_assemble",
            spg_assemble(ctx_of(ctx), plan_of(plan), dtype_of(V), V.untyped_data(), data(Ax)));
    return ffi::Error::Success();
}

// dV += dAx[slot]
ffi::Error assemble_pullback(void *stream, int64_t ctx, int64_t plan, Buf dAx, Out dV,
                             int32_t threads) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    spg_plan_info in = info_of(plan);
    SPG_OK(lengths({arg(dAx, in.nnz), ret(dV, in.nnz_coo)}));
    SPG_OK(zero_all(stream, threads, dV));
    SPG_TRY("spg_assemble_pullback", spg_assemble_pullback(ctx_of(ctx), plan_of(plan),
                                                          dtype_of(dAx), data(dAx), data(dV)));
    return ffi::Error::Success();
}

// y = op(A) x
ffi::Error spmv(void *stream, int64_t ctx, int64_t plan, int32_t pattern, int32_t op, Buf Ax,
                Buf x, Out y) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    spg_csc A;
    SPG_TRY("spg_plan_csc", view(plan, pattern, Ax, dtype_of(x), &A));
    int64_t rows = op == SPG_OP_N ? A.m : A.n, cols = op == SPG_OP_N ? A.n : A.m;
    SPG_OK(lengths({arg(Ax, pattern ? 0 : A.nnz), arg(x, cols), ret(y, rows)}));
    SPG_TRY("spg_spmv", spg_spmv(ctx_of(ctx), static_cast<spg_op>(op), 1.0, &A,
                                 x.untyped_data(), 0.0, data(y)));
    return ffi::Error::Success();
}

// dA += dy x' (op N) or x dy' (op T); dx += op(A)' dy
ffi::Error spmv_pullback(void *stream, int64_t ctx, int64_t plan, int32_t pattern, int32_t op,
                         Buf Ax, Buf x, Buf dy, Out dA, Out dx, int32_t threads) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    spg_csc A;
    SPG_TRY("spg_plan_csc", view(plan, pattern, Ax, dtype_of(x), &A));
    int64_t rows = op == SPG_OP_N ? A.m : A.n, cols = op == SPG_OP_N ? A.n : A.m;
    SPG_OK(lengths({arg(Ax, pattern ? 0 : A.nnz), arg(x, cols), arg(dy, rows), grad(dA, A.nnz),
                    grad(dx, cols)}));
    SPG_OK(zero_all(stream, threads, dA, dx));
    SPG_TRY("spg_spmv_pullback",
            spg_spmv_pullback(ctx_of(ctx), static_cast<spg_op>(op), 1.0, &A, x.untyped_data(),
                              dy.untyped_data(), data(dA), data(dx)));
    return ffi::Error::Success();
}

// f = x' A y
ffi::Error bilinear(void *stream, int64_t ctx, int64_t plan, int32_t pattern, Buf Ax, Buf x,
                    Buf y, Out f) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    spg_csc A;
    SPG_TRY("spg_plan_csc", view(plan, pattern, Ax, dtype_of(x), &A));
    SPG_OK(lengths({arg(Ax, pattern ? 0 : A.nnz), arg(x, A.m), arg(y, A.n), ret(f, 1)}));
    double value = 0;
    SPG_TRY("spg_bilinear",
            spg_bilinear(ctx_of(ctx), &A, x.untyped_data(), y.untyped_data(), &value));
    if (!put_scalar(f, value, stream)) return device_copy_failed();
    return ffi::Error::Success();
}

// dA += df x y'; dx += df A y; dy += df A' x
ffi::Error bilinear_pullback(void *stream, int64_t ctx, int64_t plan, int32_t pattern, Buf Ax,
                             Buf x, Buf y, Buf df, Out dA, Out dx, Out dy,
                             int32_t threads) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    spg_csc A;
    SPG_TRY("spg_plan_csc", view(plan, pattern, Ax, dtype_of(x), &A));
    SPG_OK(lengths({arg(Ax, pattern ? 0 : A.nnz), arg(x, A.m), arg(y, A.n), arg(df, 1),
                    grad(dA, A.nnz), grad(dx, A.m), grad(dy, A.n)}));
    double g = 0;
    if (!scalar(df, stream, &g)) return device_copy_failed();
    SPG_OK(zero_all(stream, threads, dA, dx, dy));
    SPG_TRY("spg_bilinear_pullback",
            spg_bilinear_pullback(ctx_of(ctx), &A, x.untyped_data(), y.untyped_data(),
                                  g, data(dA), data(dx), data(dy)));
    return ffi::Error::Success();
}

// f = x' A x
ffi::Error quadratic(void *stream, int64_t ctx, int64_t plan, int32_t pattern, Buf Ax, Buf x,
                     Out f) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    spg_csc A;
    SPG_TRY("spg_plan_csc", view(plan, pattern, Ax, dtype_of(x), &A));
    SPG_OK(lengths({arg(Ax, pattern ? 0 : A.nnz), arg(x, A.n), ret(f, 1)}));
    double value = 0;
    SPG_TRY("spg_quadratic", spg_quadratic(ctx_of(ctx), &A, x.untyped_data(), &value));
    if (!put_scalar(f, value, stream)) return device_copy_failed();
    return ffi::Error::Success();
}

// dA += df x x'; dx += df (A + A') x
ffi::Error quadratic_pullback(void *stream, int64_t ctx, int64_t plan, int32_t pattern, Buf Ax,
                              Buf x, Buf df, Out dA, Out dx, int32_t threads) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    spg_csc A;
    SPG_TRY("spg_plan_csc", view(plan, pattern, Ax, dtype_of(x), &A));
    SPG_OK(lengths({arg(Ax, pattern ? 0 : A.nnz), arg(x, A.n), arg(df, 1), grad(dA, A.nnz),
                    grad(dx, A.n)}));
    double g = 0;
    if (!scalar(df, stream, &g)) return device_copy_failed();
    SPG_OK(zero_all(stream, threads, dA, dx));
    SPG_TRY("spg_quadratic_pullback",
            spg_quadratic_pullback(ctx_of(ctx), &A, x.untyped_data(), g,
                                   data(dA), data(dx)));
    return ffi::Error::Success();
}

// dV[k] += df x[I_k] y[J_k]
ffi::Error coo_bilinear_pullback(void *stream, int64_t ctx, int64_t plan, int64_t coo,
                                 int32_t flags, Buf x, Buf y, Buf df, Out dV, int32_t threads) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    const auto *c = reinterpret_cast<const spg_coo *>(coo);
    SPG_OK(lengths({arg(x, c->m), arg(y, c->n), arg(df, 1), ret(dV, c->nnz)}));
    double g = 0;
    if (!scalar(df, stream, &g)) return device_copy_failed();
    SPG_OK(zero_all(stream, threads, dV));
    SPG_TRY("spg_coo_bilinear_pullback",
            spg_coo_bilinear_pullback(ctx_of(ctx), c, static_cast<unsigned>(flags), dtype_of(x),
                                      x.untyped_data(), y.untyped_data(), g,
                                      data(dV)));
    return ffi::Error::Success();
}

}  // namespace

// ---- The solver: factorised once per set of values --------------------------

// A solver and the values it last factorised (CPU): a solve or pullback on
// the same values reuses the factors, other values are factorised first.
struct spgrad_jax_solver {
    spg_solver *solver = nullptr;
    std::mutex mutex;
    std::vector<unsigned char> values;
    bool factored = false;
};

extern "C" {

// A solver of the plan's pattern (values NULL: analysis only); NULL and
// *status set on failure.
SPG_API spgrad_jax_solver *spgrad_jax_solver_create(spg_context *ctx, const spg_plan *plan,
                                                    int dtype, int kind, int *status) {
    spg_csc A;
    spg_status st = spg_plan_csc(plan, static_cast<spg_dtype>(dtype), nullptr, &A);
    auto *s = new spgrad_jax_solver;
    if (st == SPG_SUCCESS) st = spg_solver_create(ctx, &A, static_cast<spg_solver_kind>(kind),
                                                  &s->solver);
    *status = st;
    if (st != SPG_SUCCESS) {
        delete s;
        return nullptr;
    }
    return s;
}

SPG_API void spgrad_jax_solver_destroy(spgrad_jax_solver *s) {
    if (!s) return;
    spg_solver_destroy(s->solver);
    delete s;
}

}  // extern "C"

namespace {

// Factorises Ax unless the solver holds its factors (always on the GPU,
// whose values are not compared on the host).
spg_status factor(spgrad_jax_solver *s, spg_context *ctx, const spg_csc *A, bool on_gpu) {
    size_t bytes = static_cast<size_t>(A->nnz) * (A->dtype == SPG_FLOAT ? 4 : 8);
    const auto *v = static_cast<const unsigned char *>(A->values);
    if (!on_gpu && s->factored && s->values.size() == bytes &&
        (bytes == 0 || std::memcmp(s->values.data(), v, bytes) == 0))
        return SPG_SUCCESS;
    s->factored = false;
    spg_status st = spg_solver_factor(ctx, s->solver, A);
    if (st != SPG_SUCCESS || on_gpu) return st;
    s->values.assign(v, v + bytes);
    s->factored = true;
    return SPG_SUCCESS;
}

// Rows and columns of a right-hand side block: (n) or (k, n) row-major,
// that is n x k column-major.
int64_t columns(const Buf &B) {
    auto dims = B.dimensions();
    return dims.size() == 2 ? dims[0] : 1;
}

// X = op(A)^-1 B
ffi::Error solve(void *stream, int64_t ctx, int64_t plan, int64_t solver, int32_t op, Buf Ax,
                 Buf B, Out X) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    auto *s = reinterpret_cast<spgrad_jax_solver *>(solver);
    std::lock_guard<std::mutex> guard(s->mutex);
    spg_csc A;
    SPG_TRY("spg_plan_csc", view(plan, 0, Ax, dtype_of(Ax), &A));
    int64_t n = A.n, ld = n > 1 ? n : 1, k = columns(B);
    SPG_OK(lengths({arg(Ax, A.nnz), arg(B, k * n), ret(X, k * n)}));
    SPG_TRY("spg_solver_factor", factor(s, ctx_of(ctx), &A, stream != nullptr));
    SPG_TRY("spg_solve", spg_solve(ctx_of(ctx), s->solver, static_cast<spg_op>(op), k,
                                   B.untyped_data(), ld, data(X), ld));
    return ffi::Error::Success();
}

// Lambda = op(A)^-T dX; dB += Lambda; dA += -Lambda X' (op N)
ffi::Error solve_pullback(void *stream, int64_t ctx, int64_t plan, int64_t solver, int32_t op,
                          Buf Ax, Buf X, Buf dX, Out dB, Out dA,
                          int32_t threads) {
    Turn t(plan, ctx, stream);
    SPG_OK(t.error);
    auto *s = reinterpret_cast<spgrad_jax_solver *>(solver);
    std::lock_guard<std::mutex> guard(s->mutex);
    spg_csc A;
    SPG_TRY("spg_plan_csc", view(plan, 0, Ax, dtype_of(Ax), &A));
    int64_t n = A.n, ld = n > 1 ? n : 1, k = columns(dX);
    SPG_OK(lengths({arg(Ax, A.nnz), arg(X, k * n), arg(dX, k * n), grad(dB, k * n),
                    grad(dA, A.nnz)}));
    SPG_TRY("spg_solver_factor", factor(s, ctx_of(ctx), &A, stream != nullptr));
    SPG_OK(zero_all(stream, threads, dB, dA));
    SPG_TRY("spg_solve_pullback",
            spg_solve_pullback(ctx_of(ctx), s->solver, static_cast<spg_op>(op), k,
                               data(X), ld, dX.untyped_data(), ld, data(dB), ld, data(dA)));
    return ffi::Error::Success();
}

// ---- Bindings: one per handler, for a stream decoder S ----------------------

template <class S>
auto bind() {
    return ffi::Ffi::Bind().Ctx<S>().template Attr<int64_t>("context");
}

template <class S>
auto bind_matrix() {
    return bind<S>().template Attr<int64_t>("plan").template Attr<int32_t>("pattern");
}

template <class S>
auto bind_solver() {
    return bind<S>().template Attr<int64_t>("plan").template Attr<int64_t>("solver")
        .template Attr<int32_t>("op");
}

}  // namespace

// clang-format off
// A pullback's last attribute is the context's thread count, for zeroing.
#define SPG_HANDLERS(S, suffix)                                                             \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_assemble_##suffix, assemble,                          \
    bind<S>().Attr<int64_t>("plan").Arg<Buf>().Ret<Buf>());                                \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_assemble_pullback_##suffix, assemble_pullback,        \
    bind<S>().Attr<int64_t>("plan").Arg<Buf>().Ret<Buf>().Attr<int32_t>("threads"));       \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_spmv_##suffix, spmv,                                  \
    bind_matrix<S>().Attr<int32_t>("op").Arg<Buf>().Arg<Buf>().Ret<Buf>());                \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_spmv_pullback_##suffix, spmv_pullback,                \
    bind_matrix<S>().Attr<int32_t>("op").Arg<Buf>().Arg<Buf>().Arg<Buf>().Ret<Buf>()       \
    .Ret<Buf>().Attr<int32_t>("threads"));                                                 \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_bilinear_##suffix, bilinear,                          \
    bind_matrix<S>().Arg<Buf>().Arg<Buf>().Arg<Buf>().Ret<Buf>());                         \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_bilinear_pullback_##suffix, bilinear_pullback,        \
    bind_matrix<S>().Arg<Buf>().Arg<Buf>().Arg<Buf>().Arg<Buf>().Ret<Buf>().Ret<Buf>()     \
    .Ret<Buf>().Attr<int32_t>("threads"));                                                 \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_quadratic_##suffix, quadratic,                        \
    bind_matrix<S>().Arg<Buf>().Arg<Buf>().Ret<Buf>());                                    \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_quadratic_pullback_##suffix, quadratic_pullback,      \
    bind_matrix<S>().Arg<Buf>().Arg<Buf>().Arg<Buf>().Ret<Buf>().Ret<Buf>()                \
    .Attr<int32_t>("threads"));                                                            \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_coo_bilinear_pullback_##suffix, coo_bilinear_pullback, \
    bind<S>().Attr<int64_t>("plan").Attr<int64_t>("coo").Attr<int32_t>("flags").Arg<Buf>()   \
    .Arg<Buf>().Arg<Buf>().Ret<Buf>().Attr<int32_t>("threads"));                            \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_solve_##suffix, solve,                                \
    bind_solver<S>().Arg<Buf>().Arg<Buf>().Ret<Buf>());                                    \
XLA_FFI_DEFINE_HANDLER_SYMBOL(spgrad_solve_pullback_##suffix, solve_pullback,              \
    bind_solver<S>().Arg<Buf>().Arg<Buf>().Arg<Buf>().Ret<Buf>().Ret<Buf>()                \
    .Attr<int32_t>("threads"));
// clang-format on

SPG_HANDLERS(NoStream, cpu)
#ifdef SPGRAD_HAVE_CUDA
SPG_HANDLERS(ffi::PlatformStream<void *>, cuda)
#endif
