/* Plans: validation and dispatch of the symbolic analysis, and views. */
#include "internal.h"
#include "cpu/cpu.h"

static const unsigned spg_plan_flags = SPG_ONE_BASED | SPG_SKIP_NEGATIVE | SPG_COMPRESS_ROWS;

/* Largest count an index type holds. */
static int64_t index_max(spg_itype itype)
{
    return itype == SPG_INT32 ? INT32_MAX : INT64_MAX;
}

spg_status spg_plan_create(spg_context *ctx, const spg_coo *coo, unsigned flags,
                           spg_plan **plan)
{
    if (!ctx || !coo || !plan)
        return SPG_ERR_NULL_POINTER;
    if ((coo->itype != SPG_INT32 && coo->itype != SPG_INT64) || (flags & ~spg_plan_flags))
        return SPG_ERR_INVALID_VALUE;
    /* colptr holds n + 1 entries, so n + 1 must be representable */
    if (coo->m < 0 || coo->n < 0 || coo->m == INT64_MAX || coo->n == INT64_MAX)
        return SPG_ERR_DIMENSION;
    if (coo->nnz < 0)
        return SPG_ERR_INVALID_VALUE;
    if (coo->nnz > 0 && (!coo->I || !coo->J))
        return SPG_ERR_NULL_POINTER;
    if (coo->nnz > index_max(coo->itype))
        return SPG_ERR_INDEX_OVERFLOW;

    const int by_rows = (flags & SPG_COMPRESS_ROWS) != 0;
    spg_triplets t = {
        .m = by_rows ? coo->n : coo->m,
        .n = by_rows ? coo->m : coo->n,
        .nnz = coo->nnz,
        .I = by_rows ? coo->J : coo->I,
        .J = by_rows ? coo->I : coo->J,
        .base = (flags & SPG_ONE_BASED) ? 1 : 0,
        .skip_negative = (flags & SPG_SKIP_NEGATIVE) != 0,
    };
    spg_plan *p = spg_calloc(1, sizeof *p);
    if (!p)
        return SPG_ERR_ALLOC;
    p->backend = ctx->backend;
    p->itype = coo->itype;
    p->flags = flags;
    p->m = t.m;
    p->n = t.n;
    p->nnz_coo = coo->nnz;
    spg_status st = spg_cpu_ops_get(SPG_DOUBLE, coo->itype)->plan_build(&t, p);
    if (st != SPG_SUCCESS) {
        spg_free(p);
        return st;
    }
    *plan = p;
    return SPG_SUCCESS;
}

void spg_plan_destroy(spg_plan *plan)
{
    if (!plan)
        return;
    spg_free(plan->colptr);
    spg_free(plan->rowind);
    spg_free(plan->seg);
    spg_free(plan->perm);
    spg_free(plan->slot);
    spg_free(plan);
}

int64_t spg_plan_nnz(const spg_plan *plan)
{
    return plan ? plan->nnz : -1;
}

spg_status spg_plan_csc(const spg_plan *plan, spg_dtype dtype, const void *values,
                        spg_csc *A)
{
    if (!plan || !A)
        return SPG_ERR_NULL_POINTER;
    if (dtype != SPG_FLOAT && dtype != SPG_DOUBLE)
        return SPG_ERR_INVALID_VALUE;
    A->m = plan->m;
    A->n = plan->n;
    A->nnz = plan->nnz;
    A->itype = plan->itype;
    A->colptr = plan->colptr;
    A->rowind = plan->rowind;
    A->dtype = dtype;
    A->values = values;
    return SPG_SUCCESS;
}
