/* Numeric assembly with a plan, and its pullback: validation and dispatch. */
#include "backend.h"

static spg_status check(const spg_context *ctx, const spg_plan *plan, spg_dtype dtype,
                        const void *in, int64_t in_len, const void *out, int64_t out_len)
{
    if (!ctx || !plan)
        return SPG_ERR_NULL_POINTER;
    if (dtype != SPG_FLOAT && dtype != SPG_DOUBLE)
        return SPG_ERR_INVALID_VALUE;
    if (plan->backend != ctx->backend)
        return SPG_ERR_BACKEND_MISMATCH;
    if ((in_len > 0 && !in) || (out_len > 0 && !out))
        return SPG_ERR_NULL_POINTER;
    return SPG_SUCCESS;
}

spg_status spg_assemble(spg_context *ctx, const spg_plan *plan, spg_dtype dtype,
                        const void *V, void *Ax)
{
    spg_status st = check(ctx, plan, dtype, V, plan ? plan->nnz_coo : 0, Ax,
                          plan ? plan->nnz : 0);
    if (st != SPG_SUCCESS)
        return st;
    return spg_ops_get(ctx, dtype, plan->itype)->assemble(ctx, plan, V, Ax);
}

spg_status spg_assemble_pullback(spg_context *ctx, const spg_plan *plan,
                                 spg_dtype dtype, const void *dAx, void *dV)
{
    spg_status st = check(ctx, plan, dtype, dAx, plan ? plan->nnz : 0, dV,
                          plan ? plan->nnz_coo : 0);
    if (st != SPG_SUCCESS)
        return st;
    return spg_ops_get(ctx, dtype, plan->itype)->assemble_pullback(ctx, plan, dAx, dV);
}
