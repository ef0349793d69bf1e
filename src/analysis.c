/* Analyses of views filled by hand: validation and dispatch. */
#include "backend.h"

/* The checks both calls start with, and the bytes the analysis keeps. */
static spg_status analysis_size(const spg_context *ctx, const spg_csc *A, size_t *bytes)
{
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    spg_status st = spg_csc_view_ok(A);
    if (st != SPG_SUCCESS)
        return st;
    int ok;
    *bytes = spg_ops_get(ctx, A->dtype, A->itype)->analysis_bytes(A, &ok);
    return ok ? SPG_SUCCESS : SPG_ERR_INDEX_OVERFLOW;
}

spg_status spg_csc_analysis_bytes(spg_context *ctx, const spg_csc *A, size_t *bytes)
{
    size_t b;
    spg_status st = bytes ? analysis_size(ctx, A, &b) : SPG_ERR_NULL_POINTER;
    if (st == SPG_SUCCESS)
        *bytes = b;
    return st;
}

spg_status spg_csc_analyse(spg_context *ctx, const spg_csc *A, void *buffer, size_t bytes,
                           spg_analysis **an)
{
    size_t need;
    spg_status st = analysis_size(ctx, A, &need);
    if (st != SPG_SUCCESS)
        return st;
    if (!an || (need > 0 && !buffer))
        return SPG_ERR_NULL_POINTER;
    if (bytes < need || (need > 0 && (uintptr_t)buffer % 256 != 0))
        return SPG_ERR_INVALID_VALUE;
    const spg_ops *o = spg_ops_get(ctx, A->dtype, A->itype);
    st = o->csc_check(ctx, A);
    if (st != SPG_SUCCESS)
        return st;
    spg_analysis *a = spg_calloc(1, sizeof *a);
    if (!a)
        return SPG_ERR_ALLOC;
    st = o->analyse(ctx, A, buffer, a);
    if (st != SPG_SUCCESS) {
        spg_free(a);
        return st;
    }
    a->buffer = NULL; /* the caller's */
    *an = a;
    return SPG_SUCCESS;
}

void spg_analysis_destroy(spg_analysis *an)
{
    spg_free(an);
}
