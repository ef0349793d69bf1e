// Inside the CUDA backend: the context state, workspace slots, status
// mapping and launch geometry. C++ (CUDA) only.
#ifndef SPG_CUDA_INTERNAL_H
#define SPG_CUDA_INTERNAL_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>
#include <pthread.h>

extern "C" {
#include "../backend.h"
}
#include "cuda.h"

/* Buffers a context keeps between calls, one per use. */
typedef enum spg_workspace {
    SPG_WS_SPMV,   /* cusparseSpMV's external buffer */
    SPG_WS_VEC,    /* a vector of length n: A' x in the bilinear pass */
    SPG_WS_FLAG,   /* the flag or key that validation kernels reduce into */
    SPG_WS_ONES,   /* the values of a pattern matrix */
    SPG_WS_COL,    /* the row pattern: column of each entry */
    SPG_WS_IDX,    /* the row pattern: 0, 1, ..., nnz - 1 */
    SPG_WS_ROWS,   /* the row pattern: rows sorted */
    SPG_WS_ROWPTR, /* the row pattern of a bare view: row starts */
    SPG_WS_COLT,   /* the row pattern of a bare view: columns in row order */
    SPG_WS_POS,    /* the row pattern of a bare view: positions in A */
    SPG_WS_SORT,   /* the radix sort's temporary storage */
    SPG_WS_TERMS,  /* the bilinear form's terms, in double */
    SPG_WS_REDUCE, /* the reduction's temporary storage and result */
    SPG_WS_COUNT
} spg_workspace;

/* A context's calls take turns on its lock: host threads may share the
 * context, and each operation runs whole on the stream with the handles
 * and workspace to itself. */
struct spg_cuda_state {
    cusparseHandle_t sparse;
    cublasHandle_t blas;
    cudaStream_t stream;
    int device; /* the device current when the context was made */
    pthread_mutex_t lock; /* recursive */
    void *ws[SPG_WS_COUNT];
    size_t size[SPG_WS_COUNT];
};

spg_status spg_cuda_status(cudaError_t e);
spg_status spg_cusparse_status(cusparseStatus_t s);
spg_status spg_cublas_status(cublasStatus_t s);

/* Holds the context's lock for a scope, with its device made current on
 * the calling thread (status: how that went) and the caller's device made
 * current again after. */
struct spg_cuda_hold {
    const spg_context *ctx;
    spg_status status;
    int caller = -1; /* the calling thread's device */
    explicit spg_cuda_hold(const spg_context *c) : ctx(c)
    {
        pthread_mutex_lock(&ctx->cuda->lock);
        status = spg_cuda_status(cudaGetDevice(&caller));
        if (status == SPG_SUCCESS && caller != ctx->cuda->device)
            status = spg_cuda_status(cudaSetDevice(ctx->cuda->device));
    }
    ~spg_cuda_hold()
    {
        if (caller >= 0 && caller != ctx->cuda->device)
            cudaSetDevice(caller);
        pthread_mutex_unlock(&ctx->cuda->lock);
    }
    spg_cuda_hold(const spg_cuda_hold &) = delete;
    spg_cuda_hold &operator=(const spg_cuda_hold &) = delete;
};

/* locked<f>::call: the backend function f run under its context's lock,
 * for the tables of operations. */
template <auto F> struct locked;
template <class... Args, spg_status (*F)(spg_context *, Args...)> struct locked<F> {
    static spg_status call(spg_context *ctx, Args... args)
    {
        spg_cuda_hold hold(ctx);
        return hold.status ? hold.status : F(ctx, args...);
    }
};

/* cudaMalloc of bytes (at least 1) that the tests' allocation hook counts
 * and can make fail (SPG_ERR_ALLOC). */
spg_status spg_cuda_alloc(void **p, size_t bytes);

/* A workspace buffer of at least bytes (its contents are not kept). */
spg_status spg_cuda_reserve(spg_context *ctx, spg_workspace w, size_t bytes, void **p);

/* The status of the last kernel launch. */
spg_status spg_cuda_launched(void);

/* Grid-stride loops: this thread's first index and the stride. */
__device__ inline int64_t spg_first(void)
{
    return (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ inline int64_t spg_stride(void)
{
    return (int64_t)gridDim.x * blockDim.x;
}

#define SPG_BLOCK 256

/* Blocks for a grid-stride loop over len items (at least 1). */
static inline unsigned spg_blocks(int64_t len)
{
    int64_t b = (len + SPG_BLOCK - 1) / SPG_BLOCK;
    return (unsigned)(b < 1 ? 1 : b > 65535 ? 65535 : b);
}

/* Reduces a validation kernel's flag to the host: the flag starts at init
 * in the context's workspace, launch(flag) queues the kernel, *result gets
 * the flag once the stream is done. */
template <class Flag, class Launch>
static inline spg_status spg_cuda_reduce_flag(spg_context *ctx, Flag init, Flag *result,
                                              Launch launch)
{
    void *flag;
    cudaStream_t stream = ctx->cuda->stream;
    spg_status st = spg_cuda_reserve(ctx, SPG_WS_FLAG, sizeof(Flag), &flag);
    if (!st)
        st = spg_cuda_status(
            cudaMemcpyAsync(flag, &init, sizeof init, cudaMemcpyHostToDevice, stream));
    if (st)
        return st;
    launch(static_cast<Flag *>(flag));
    st = spg_cuda_launched();
    if (!st)
        st = spg_cuda_status(
            cudaMemcpyAsync(result, flag, sizeof *result, cudaMemcpyDeviceToHost, stream));
    if (!st)
        st = spg_cuda_status(cudaStreamSynchronize(stream));
    return st;
}

#endif /* SPG_CUDA_INTERNAL_H */
