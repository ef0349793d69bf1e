/* The pullbacks straight to COO values: validation and dispatch. */
#include "backend.h"
#include "testhook.h"

spg_status spg_coo_sampled_outer(spg_context *ctx, const spg_coo *coo, unsigned flags,
                                 spg_dtype dtype, int64_t k, const void *U, int64_t ldu,
                                 const void *V, int64_t ldv, double alpha, void *dV)
{
    spg_triplets t;
    if (!ctx || !coo)
        return SPG_ERR_NULL_POINTER;
    spg_status st = spg_coo_pullback_triplets(coo, flags, &t);
    if (st != SPG_SUCCESS)
        return st;
    if ((dtype != SPG_FLOAT && dtype != SPG_DOUBLE) || k < 0)
        return SPG_ERR_INVALID_VALUE;
    st = spg_check_ld(t.m, t.n, k, ldu, ldv);
    if (st != SPG_SUCCESS)
        return st;
    if ((t.nnz > 0 && !dV) || (k > 0 && ((t.m > 0 && !U) || (t.n > 0 && !V))))
        return SPG_ERR_NULL_POINTER;
    const spg_ops *o = spg_ops_get(ctx, dtype, coo->itype);
    st = o->coo_check(ctx, &t);
    if (st != SPG_SUCCESS || k == 0 || t.nnz == 0)
        return st;
    spg_kernel_ran(SPG_KERNEL_COO_SAMPLED_OUTER);
    return o->coo_sampled_outer(ctx, &t, k, U, ldu, V, ldv, alpha, dV);
}

spg_status spg_coo_bilinear_pullback(spg_context *ctx, const spg_coo *coo, unsigned flags,
                                     spg_dtype dtype, const void *x, const void *y, double df,
                                     void *dV)
{
    const int64_t m = coo ? coo->m : 0, n = coo ? coo->n : 0;
    return spg_coo_sampled_outer(ctx, coo, flags, dtype, 1, x, m > 1 ? m : 1, y, n > 1 ? n : 1,
                                 df, dV);
}

spg_status spg_coo_spmv_pullback(spg_context *ctx, const spg_coo *coo, unsigned flags,
                                 spg_op op, spg_dtype dtype, double alpha, const void *x,
                                 const void *dy, void *dV)
{
    if (op != SPG_OP_N && op != SPG_OP_T)
        return ctx && coo ? SPG_ERR_INVALID_VALUE : SPG_ERR_NULL_POINTER;
    const int64_t m = coo ? coo->m : 0, n = coo ? coo->n : 0;
    return spg_coo_sampled_outer(ctx, coo, flags, dtype, 1, op == SPG_OP_N ? dy : x,
                                 m > 1 ? m : 1, op == SPG_OP_N ? x : dy, n > 1 ? n : 1, alpha,
                                 dV);
}
