/* Contexts: the backend and, on the CPU, the thread count. */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

spg_status spg_context_create(spg_backend backend, spg_context **ctx)
{
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    if (backend != SPG_BACKEND_CPU && backend != SPG_BACKEND_CUDA)
        return SPG_ERR_INVALID_VALUE;
    if (backend == SPG_BACKEND_CUDA)
        return SPG_ERR_NOT_BUILT;
    spg_context *c = spg_calloc(1, sizeof *c);
    if (!c)
        return SPG_ERR_ALLOC;
    c->backend = backend;
    *ctx = c;
    return SPG_SUCCESS;
}

void spg_context_destroy(spg_context *ctx)
{
    spg_free(ctx);
}

spg_status spg_context_set_threads(spg_context *ctx, int nthreads)
{
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    if (nthreads < 0)
        return SPG_ERR_INVALID_VALUE;
    ctx->nthreads = nthreads;
    return SPG_SUCCESS;
}

int spg_threads(const spg_context *ctx)
{
    if (ctx->nthreads > 0)
        return ctx->nthreads;
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
