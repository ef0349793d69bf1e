/* Contexts: the backend, the CPU thread count, the CUDA stream and mode. */
#ifdef _OPENMP
#include <omp.h>
#endif
#include <string.h>

#include "internal.h"
#include "cuda/cuda.h"

spg_status spg_context_create(spg_backend backend, spg_context **ctx)
{
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    if (backend != SPG_BACKEND_CPU && backend != SPG_BACKEND_CUDA)
        return SPG_ERR_INVALID_VALUE;
#ifndef SPGRAD_HAVE_CUDA
    if (backend == SPG_BACKEND_CUDA)
        return SPG_ERR_NOT_BUILT;
#endif
    spg_context *c = spg_calloc(1, sizeof *c);
    if (!c)
        return SPG_ERR_ALLOC;
    c->backend = backend;
#ifdef SPGRAD_HAVE_CUDA
    if (backend == SPG_BACKEND_CUDA) {
        spg_status st = spg_cuda_context_init(c);
        if (st != SPG_SUCCESS) {
            spg_free(c);
            return st;
        }
    }
#endif
    *ctx = c;
    return SPG_SUCCESS;
}

void spg_context_destroy(spg_context *ctx)
{
#ifdef SPGRAD_HAVE_CUDA
    if (ctx && ctx->cuda)
        spg_cuda_context_fini(ctx);
#endif
    spg_free(ctx);
}

spg_status spg_context_backend(const spg_context *ctx, spg_backend *backend)
{
    if (!ctx || !backend)
        return SPG_ERR_NULL_POINTER;
    *backend = ctx->backend;
    return SPG_SUCCESS;
}

spg_status spg_context_set_stream(spg_context *ctx, void *stream)
{
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    if (ctx->backend != SPG_BACKEND_CUDA)
        return SPG_ERR_INVALID_VALUE;
#ifdef SPGRAD_HAVE_CUDA
    return spg_cuda_set_stream(ctx, stream);
#else
    (void)stream;
    return SPG_ERR_NOT_BUILT;
#endif
}

spg_status spg_context_set_atomics(spg_context *ctx, int allow)
{
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    ctx->atomics = allow != 0;
    return SPG_SUCCESS;
}

void *spg_backend_malloc(const spg_context *ctx, int64_t count, size_t size)
{
#ifdef SPGRAD_HAVE_CUDA
    if (ctx->backend == SPG_BACKEND_CUDA) {
        int ok;
        const size_t bytes = spg_bytes_of(count, size, &ok);
        return ok ? spg_cuda_malloc(ctx, bytes) : NULL;
    }
#endif
    (void)ctx;
    return spg_malloc(count, size);
}

void spg_backend_free(spg_backend backend, void *p)
{
#ifdef SPGRAD_HAVE_CUDA
    if (backend == SPG_BACKEND_CUDA) {
        spg_cuda_free(p);
        return;
    }
#endif
    (void)backend;
    spg_free(p);
}

spg_status spg_backend_copy(spg_context *ctx, void *dst, const void *src, size_t bytes)
{
#ifdef SPGRAD_HAVE_CUDA
    if (ctx->backend == SPG_BACKEND_CUDA)
        return spg_cuda_copy(ctx, dst, src, bytes);
#endif
    (void)ctx;
    if (bytes > 0)
        memcpy(dst, src, bytes);
    return SPG_SUCCESS;
}

spg_status spg_backend_same(spg_context *ctx, const void *a, const void *b, size_t bytes,
                            int *same)
{
#ifdef SPGRAD_HAVE_CUDA
    if (ctx->backend == SPG_BACKEND_CUDA)
        return spg_cuda_same(ctx, a, b, bytes, same);
#endif
    (void)ctx;
    *same = bytes == 0 || memcmp(a, b, bytes) == 0;
    return SPG_SUCCESS;
}

spg_status spg_context_set_threads(spg_context *ctx, int nthreads)
{
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    if (nthreads < 0 || nthreads > SPG_MAX_THREADS)
        return SPG_ERR_INVALID_VALUE;
#ifdef _OPENMP
    if (nthreads > omp_get_thread_limit())
        return SPG_ERR_INVALID_VALUE; /* the runtime would end the process */
#endif
    ctx->nthreads = nthreads;
    return SPG_SUCCESS;
}

int spg_threads(const spg_context *ctx)
{
#ifdef _OPENMP
    int t = ctx->nthreads > 0 ? ctx->nthreads : omp_get_max_threads();
    return t < SPG_MAX_THREADS ? t : SPG_MAX_THREADS;
#else
    return ctx->nthreads > 0 ? ctx->nthreads : 1;
#endif
}
