// CUDA contexts: the cuSPARSE and cuBLAS handles, the stream, and the
// workspace buffers that calls reuse (grown, never shrunk, freed with the
// context).
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include "cuda_internal.h"

/* The status of a runtime call. A failure is also taken off the runtime's
 * last error here, where it happened, so that the next call's launch check
 * (spg_cuda_launched) does not report it a second time. */
spg_status spg_cuda_status(cudaError_t e)
{
    if (e == cudaSuccess)
        return SPG_SUCCESS;
    cudaGetLastError();
    return e == cudaErrorMemoryAllocation ? SPG_ERR_ALLOC : SPG_ERR_DEVICE;
}

/* The same for the libraries, which may leave a runtime error behind. */
spg_status spg_cusparse_status(cusparseStatus_t s)
{
    if (s == CUSPARSE_STATUS_SUCCESS)
        return SPG_SUCCESS;
    cudaGetLastError();
    return s == CUSPARSE_STATUS_ALLOC_FAILED ? SPG_ERR_ALLOC : SPG_ERR_DEVICE;
}

spg_status spg_cublas_status(cublasStatus_t s)
{
    if (s == CUBLAS_STATUS_SUCCESS)
        return SPG_SUCCESS;
    cudaGetLastError();
    return s == CUBLAS_STATUS_ALLOC_FAILED ? SPG_ERR_ALLOC : SPG_ERR_DEVICE;
}

extern "C" spg_status spg_cuda_context_init(spg_context *ctx)
{
    int devices = 0, driver = 0;
    const cudaError_t e = cudaGetDeviceCount(&devices);
    const int counted = e == cudaSuccess || e == cudaErrorNoDevice; /* NoDevice: 0 counted */
    devices = e == cudaSuccess ? devices : 0;
    if (!counted && cudaDriverGetVersion(&driver) != cudaSuccess)
        driver = 0;
    const spg_status probe = spg_device_probe(counted, devices, driver);
    if (probe != SPG_SUCCESS) {
        cudaGetLastError(); /* clear the sticky error */
        return probe;
    }
    spg_cuda_state *c = static_cast<spg_cuda_state *>(spg_calloc(1, sizeof *c));
    if (!c)
        return SPG_ERR_ALLOC;
    spg_status st = spg_cuda_status(cudaGetDevice(&c->device));
    if (st == SPG_SUCCESS)
        st = spg_cusparse_status(cusparseCreate(&c->sparse));
    if (st == SPG_SUCCESS)
        st = spg_cublas_status(cublasCreate(&c->blas));
    pthread_mutexattr_t recursive;
    if (st == SPG_SUCCESS && pthread_mutexattr_init(&recursive))
        st = SPG_ERR_ALLOC;
    else if (st == SPG_SUCCESS) {
        if (pthread_mutexattr_settype(&recursive, PTHREAD_MUTEX_RECURSIVE) ||
            pthread_mutex_init(&c->lock, &recursive))
            st = SPG_ERR_ALLOC;
        pthread_mutexattr_destroy(&recursive);
    }
    if (st != SPG_SUCCESS) {
        if (c->blas)
            cublasDestroy(c->blas);
        if (c->sparse)
            cusparseDestroy(c->sparse);
        spg_free(c);
        return st;
    }
    ctx->cuda = c;
    return SPG_SUCCESS;
}

extern "C" void spg_cuda_context_fini(spg_context *ctx)
{
    spg_cuda_state *c = ctx->cuda;
    for (int w = 0; w < SPG_WS_COUNT; w++)
        cudaFree(c->ws[w]);
    cusparseDestroy(c->sparse);
    cublasDestroy(c->blas);
    pthread_mutex_destroy(&c->lock);
    spg_free(c);
    ctx->cuda = NULL;
}

/* The old stream's queued work is finished first: it may still use the
 * workspace that calls on the new stream will reuse. Under the context's
 * lock, between whole operations. */
extern "C" spg_status spg_cuda_set_stream(spg_context *ctx, void *stream)
{
    spg_cuda_hold hold(ctx);
    if (hold.status)
        return hold.status;
    spg_cuda_state *c = ctx->cuda;
    cudaStream_t s = static_cast<cudaStream_t>(stream);
    if (s == c->stream) /* nothing to order: frameworks set theirs before each call */
        return SPG_SUCCESS;
    spg_status st = spg_cuda_status(cudaStreamSynchronize(c->stream));
    if (st == SPG_SUCCESS)
        st = spg_cusparse_status(cusparseSetStream(c->sparse, s));
    if (st == SPG_SUCCESS)
        st = spg_cublas_status(cublasSetStream(c->blas, s));
    if (st == SPG_SUCCESS)
        c->stream = s;
    return st;
}

/* cudaMalloc through the allocation hook of the tests (src/testhook.h),
 * which counts it and can make it fail. */
spg_status spg_cuda_alloc(void **p, size_t bytes)
{
    int ok;
    spg_bytes_of(bytes <= INT64_MAX ? (int64_t)bytes : -1, 1, &ok);
    if (!ok)
        return SPG_ERR_ALLOC;
    return spg_cuda_status(cudaMalloc(p, bytes > 0 ? bytes : 1));
}

extern "C" void *spg_cuda_malloc(const spg_context *ctx, size_t bytes)
{
    spg_cuda_hold hold(ctx); /* on the context's device */
    void *p = NULL;
    if (hold.status)
        return NULL;
    return spg_cuda_status(cudaMalloc(&p, bytes > 0 ? bytes : 1)) == SPG_SUCCESS ? p : NULL;
}

extern "C" void spg_cuda_free(void *p)
{
    cudaFree(p);
}

spg_status spg_cuda_reserve(spg_context *ctx, spg_workspace w, size_t bytes, void **p)
{
    spg_cuda_state *c = ctx->cuda;
    if (c->size[w] < bytes) {
        /* the buffer may still be in use by queued work on the stream */
        spg_status st = spg_cuda_status(cudaStreamSynchronize(c->stream));
        if (st != SPG_SUCCESS)
            return st;
        cudaFree(c->ws[w]);
        c->ws[w] = NULL;
        c->size[w] = 0;
        st = spg_cuda_alloc(&c->ws[w], bytes);
        if (st != SPG_SUCCESS)
            return st;
        c->size[w] = bytes;
    }
    *p = c->ws[w];
    return SPG_SUCCESS;
}

extern "C" spg_status spg_cuda_copy(spg_context *ctx, void *dst, const void *src, size_t bytes)
{
    spg_cuda_hold hold(ctx);
    if (hold.status)
        return hold.status;
    if (bytes == 0)
        return SPG_SUCCESS;
    return spg_cuda_status(
        cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, ctx->cuda->stream));
}

namespace {
/* *differ = 1 where a byte of a and b differs */
__global__ void differ_kernel(size_t bytes, const unsigned char *a, const unsigned char *b,
                              int *differ)
{
    for (size_t k = (size_t)spg_first(); k < bytes; k += (size_t)spg_stride())
        if (a[k] != b[k])
            *differ = 1;
}
} // namespace

extern "C" spg_status spg_cuda_same(spg_context *ctx, const void *a, const void *b,
                                    size_t bytes, int *same)
{
    spg_cuda_hold hold(ctx);
    if (hold.status)
        return hold.status;
    int differ = 0;
    spg_status st = spg_cuda_reduce_flag(ctx, 0, &differ, [&](int *flag) {
        if (bytes > 0)
            differ_kernel<<<spg_blocks((int64_t)bytes), SPG_BLOCK, 0, ctx->cuda->stream>>>(
                bytes, static_cast<const unsigned char *>(a),
                static_cast<const unsigned char *>(b), flag);
    });
    if (!st)
        *same = !differ;
    return st;
}

spg_status spg_cuda_launched(void)
{
    return spg_cuda_status(cudaGetLastError());
}
