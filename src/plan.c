/* Plans: validation and dispatch of the symbolic analysis, and views. */
#include "backend.h"

static const unsigned spg_plan_flags = SPG_ONE_BASED | SPG_SKIP_NEGATIVE | SPG_COMPRESS_ROWS;

/* The backend's analysis of a new plan's pattern, in a buffer the plan
 * owns. */
static spg_status plan_analyse(spg_context *ctx, const spg_ops *o, spg_plan *p)
{
    const spg_csc A = {p->m, p->n, p->nnz, p->itype, p->colptr, p->rowind, SPG_DOUBLE, NULL,
                       NULL};
    int ok;
    const size_t bytes = o->analysis_bytes(&A, &ok);
    if (!ok) /* none: its arrays could not be sized, and calls do without */
        return SPG_SUCCESS;
    void *buffer = bytes > 0 ? spg_backend_malloc(ctx, (int64_t)bytes, 1) : NULL;
    if (bytes > 0 && !buffer)
        return SPG_ERR_ALLOC;
    spg_analysis an = {0};
    spg_status st = o->analyse(ctx, &A, buffer, &an);
    if (st != SPG_SUCCESS) {
        spg_backend_free(p->backend, buffer);
        return st;
    }
    p->analysis = an;
    p->analysis.buffer = buffer;
    return SPG_SUCCESS;
}

/* The first values of a plan whose backend cannot make them while it
 * builds the plan: an assembly into a new array that the plan keeps. */
static spg_status first_values(spg_context *ctx, const spg_ops *o, spg_plan *p, spg_dtype dtype,
                               const void *V)
{
    p->values = spg_backend_malloc(ctx, p->nnz, spg_value_size(dtype));
    return p->values ? o->assemble(ctx, p, V, p->values) : SPG_ERR_ALLOC;
}

/* A new plan of coo's triplets in *plan, with its first values of V
 * (dtype) where with_values is set; *plan is untouched on error. */
static spg_status plan_make(spg_context *ctx, const spg_coo *coo, unsigned flags,
                            int with_values, spg_dtype dtype, const void *V, spg_plan **plan)
{
    spg_triplets t;
    spg_status st = spg_coo_triplets(coo, flags, spg_plan_flags, &t);
    if (st != SPG_SUCCESS)
        return st;
    if (with_values && coo->nnz > 0 && !V)
        return SPG_ERR_NULL_POINTER;
    if (with_values && dtype != SPG_FLOAT && dtype != SPG_DOUBLE)
        return SPG_ERR_INVALID_VALUE;
    spg_plan *p = spg_calloc(1, sizeof *p);
    if (!p)
        return SPG_ERR_ALLOC;
    p->backend = ctx->backend;
    p->itype = coo->itype;
    p->flags = flags;
    p->m = t.m;
    p->n = t.n;
    p->nnz_coo = coo->nnz;
    const spg_ops *o = spg_ops_get(ctx, dtype, coo->itype); /* a plan alone: any value type */
    const int fused = with_values && o->plan_build_assemble;
    st = fused ? o->plan_build_assemble(ctx, &t, V, p) : o->plan_build(ctx, &t, p);
    if (st != SPG_SUCCESS) {
        spg_free(p);
        return st;
    }
    st = plan_analyse(ctx, o, p);
    if (st == SPG_SUCCESS && with_values && !fused)
        st = first_values(ctx, o, p, dtype, V);
    if (st != SPG_SUCCESS) {
        spg_plan_destroy(p);
        return st;
    }
    *plan = p;
    return SPG_SUCCESS;
}

spg_status spg_plan_create(spg_context *ctx, const spg_coo *coo, unsigned flags,
                           spg_plan **plan)
{
    if (!ctx || !plan)
        return SPG_ERR_NULL_POINTER;
    return plan_make(ctx, coo, flags, 0, SPG_DOUBLE, NULL, plan);
}

spg_status spg_plan_create_assemble(spg_context *ctx, const spg_coo *coo, unsigned flags,
                                    spg_dtype dtype, const void *V, spg_plan **plan,
                                    void **Ax)
{
    if (!ctx || !plan || !Ax)
        return SPG_ERR_NULL_POINTER;
    spg_plan *p = NULL;
    spg_status st = plan_make(ctx, coo, flags, 1, dtype, V, &p);
    if (st != SPG_SUCCESS)
        return st;
    *plan = p;
    *Ax = p->values;
    return SPG_SUCCESS;
}

void spg_plan_destroy(spg_plan *plan)
{
    if (!plan)
        return;
    void *arrays[] = {plan->colptr, plan->rowind, plan->seg,  plan->perm,
                      plan->slot,   plan->values, plan->analysis.buffer};
    for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++)
        spg_backend_free(plan->backend, arrays[a]);
    spg_free(plan);
}

int64_t spg_plan_nnz(const spg_plan *plan)
{
    return plan ? plan->nnz : -1;
}

spg_status spg_plan_query(const spg_plan *plan, spg_plan_info *info)
{
    if (!plan || !info)
        return SPG_ERR_NULL_POINTER;
    const int by_rows = (plan->flags & SPG_COMPRESS_ROWS) != 0;
    *info = (spg_plan_info){
        .m = by_rows ? plan->n : plan->m,
        .n = by_rows ? plan->m : plan->n,
        .nnz_coo = plan->nnz_coo,
        .nnz_kept = plan->nnz_kept,
        .nnz = plan->nnz,
        .itype = plan->itype,
        .flags = plan->flags,
        .backend = plan->backend,
    };
    return SPG_SUCCESS;
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
    A->analysis = plan->analysis.of.colptr ? &plan->analysis : NULL;
    return SPG_SUCCESS;
}
