/* Operations on CSC views and their pullbacks: validation and dispatch. */
#include "backend.h"
#include "testhook.h"

spg_status spg_csc_view_ok(const spg_csc *A)
{
    if (!A)
        return SPG_ERR_NULL_POINTER;
    if ((A->itype != SPG_INT32 && A->itype != SPG_INT64) ||
        (A->dtype != SPG_FLOAT && A->dtype != SPG_DOUBLE) || A->nnz < 0)
        return SPG_ERR_INVALID_VALUE;
    if (A->m < 0 || A->n < 0 || A->n == INT64_MAX)
        return SPG_ERR_DIMENSION;
    if (A->nnz > spg_index_max(A->itype))
        return SPG_ERR_INDEX_OVERFLOW;
    if (!A->colptr || (A->nnz > 0 && !A->rowind))
        return SPG_ERR_NULL_POINTER;
    return SPG_SUCCESS;
}

/* A vector of length len is given unless len is 0. */
static int given(const void *v, int64_t len)
{
    return v || len == 0;
}

/* The checks every operation starts with; rejects dA of a pattern matrix. */
static spg_status common(const spg_context *ctx, const spg_csc *A, const void *dA)
{
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    spg_status st = spg_csc_view_ok(A);
    if (st != SPG_SUCCESS)
        return st;
    if (dA && !A->values)
        return SPG_ERR_PATTERN_GRADIENT;
    return SPG_SUCCESS;
}

static const spg_ops *ops(const spg_context *ctx, const spg_csc *A)
{
    return spg_ops_get(ctx, A->dtype, A->itype);
}

/* y = alpha op(A) x + beta y */
static spg_status spmv(spg_context *ctx, spg_op op, double alpha, const spg_csc *A,
                       const void *x, double beta, void *y)
{
    spg_kernel_ran(op == SPG_OP_N ? SPG_KERNEL_SPMV_N : SPG_KERNEL_SPMV_T);
    return ops(ctx, A)->spmv(ctx, A, op, alpha, x, beta, y);
}

/* dA += alpha u v' on A's pattern (u of length m, v of length n) */
static spg_status outer(spg_context *ctx, const spg_csc *A, const void *u, const void *v,
                        double alpha, void *dA)
{
    spg_kernel_ran(SPG_KERNEL_SAMPLED_OUTER);
    return ops(ctx, A)->sampled_outer(ctx, A, 1, u, A->m > 1 ? A->m : 1, v,
                                      A->n > 1 ? A->n : 1, alpha, dA);
}

/* f = x' A y, with dA += x y' and dy += A' x where asked */
static spg_status bilinear_pass(spg_context *ctx, const spg_csc *A, const void *x,
                                const void *y, void *dA, void *dy, double *f)
{
    spg_kernel_ran(SPG_KERNEL_BILINEAR_PASS);
    return ops(ctx, A)->bilinear_pass(ctx, A, x, y, dA, dy, f);
}

/* Whether the backend can run x' A y with dx += df A y in one pass: it
 * has the pass, dx is asked, and dx and dy (of lengths m and n) do not
 * overlap. */
static int fusable(const spg_ops *o, const spg_csc *A, const void *dx, const void *dy)
{
    const size_t vs = spg_value_size(A->dtype);
    const uintptr_t x0 = (uintptr_t)dx, y0 = (uintptr_t)dy;
    const int apart = !dy || x0 + (size_t)A->m * vs <= y0 || y0 + (size_t)A->n * vs <= x0;
    return o->bilinear_fused && dx && apart;
}

/* The pullback of x' A y, each part where asked: dx += df A y, then
 * dy += df A' x, then dA += df x y', or all in one pass. The quadratic
 * form passes y = x and dy = dx. */
static spg_status bilinear_grads(spg_context *ctx, const spg_csc *A, const void *x,
                                 const void *y, double df, void *dA, void *dx, void *dy)
{
    spg_status st = SPG_SUCCESS;
    const spg_ops *o = ops(ctx, A);
    if (fusable(o, A, dx, dy) && (dy || dA)) { /* dx alone is the SpMV */
        spg_kernel_ran(SPG_KERNEL_BILINEAR_FUSED);
        return o->bilinear_fused(ctx, A, x, y, df, dA, dx, dy, NULL);
    }
    if (o->prepare) /* every buffer before dx is written */
        st = o->prepare(ctx, A, (dx ? SPG_NEED_N : 0u) | (dy ? SPG_NEED_T : 0u));
    if (dx && st == SPG_SUCCESS)
        st = spmv(ctx, SPG_OP_N, df, A, y, 1, dx);
    if (dy && st == SPG_SUCCESS)
        st = spmv(ctx, SPG_OP_T, df, A, x, 1, dy);
    if (dA && st == SPG_SUCCESS)
        st = outer(ctx, A, x, y, df, dA);
    return st;
}

spg_status spg_csc_check(spg_context *ctx, const spg_csc *A)
{
    spg_status st = common(ctx, A, NULL);
    if (st != SPG_SUCCESS)
        return st;
    return ops(ctx, A)->csc_check(ctx, A);
}

/* The common checks of the SpMV calls, and the lengths of x and y for op. */
static spg_status spmv_common(const spg_context *ctx, spg_op op, const spg_csc *A,
                              const void *dA, int64_t *xlen, int64_t *ylen)
{
    spg_status st = common(ctx, A, dA);
    if (st != SPG_SUCCESS)
        return st;
    if (op != SPG_OP_N && op != SPG_OP_T)
        return SPG_ERR_INVALID_VALUE;
    *xlen = op == SPG_OP_N ? A->n : A->m;
    *ylen = op == SPG_OP_N ? A->m : A->n;
    return SPG_SUCCESS;
}

spg_status spg_spmv(spg_context *ctx, spg_op op, double alpha, const spg_csc *A, const void *x,
                    double beta, void *y)
{
    int64_t xlen, ylen;
    spg_status st = spmv_common(ctx, op, A, NULL, &xlen, &ylen);
    if (st != SPG_SUCCESS)
        return st;
    if (!given(x, xlen) || !given(y, ylen))
        return SPG_ERR_NULL_POINTER;
    return spmv(ctx, op, alpha, A, x, beta, y);
}

spg_status spg_spmv_pullback(spg_context *ctx, spg_op op, double alpha, const spg_csc *A,
                             const void *x, const void *dy, void *dA, void *dx)
{
    int64_t xlen, ylen;
    spg_status st = spmv_common(ctx, op, A, dA, &xlen, &ylen);
    if (st != SPG_SUCCESS)
        return st;
    if ((dA && !given(x, xlen)) || ((dA || dx) && !given(dy, ylen)))
        return SPG_ERR_NULL_POINTER;
    const spg_ops *o = ops(ctx, A);
    if (op == SPG_OP_N && dx && dA && o->spmv_t_outer) { /* both in one pass */
        spg_kernel_ran(SPG_KERNEL_SPMV_T_OUTER);
        return o->spmv_t_outer(ctx, A, alpha, dy, x, dA, dx);
    }
    if (dx) /* dx += alpha op(A)' dy */
        st = spmv(ctx, op == SPG_OP_N ? SPG_OP_T : SPG_OP_N, alpha, A, dy, 1, dx);
    if (dA && st == SPG_SUCCESS) /* dA += alpha dy x' (op N) or alpha x dy' (op T) */
        st = outer(ctx, A, op == SPG_OP_N ? dy : x, op == SPG_OP_N ? x : dy, alpha, dA);
    return st;
}

spg_status spg_bilinear(spg_context *ctx, const spg_csc *A, const void *x, const void *y,
                        double *f)
{
    spg_status st = common(ctx, A, NULL);
    if (st != SPG_SUCCESS)
        return st;
    if (!given(x, A->m) || !given(y, A->n) || !f)
        return SPG_ERR_NULL_POINTER;
    return bilinear_pass(ctx, A, x, y, NULL, NULL, f);
}

spg_status spg_bilinear_pullback(spg_context *ctx, const spg_csc *A, const void *x,
                                 const void *y, double df, void *dA, void *dx, void *dy)
{
    spg_status st = common(ctx, A, dA);
    if (st != SPG_SUCCESS)
        return st;
    if (((dA || dy) && !given(x, A->m)) || ((dA || dx) && !given(y, A->n)))
        return SPG_ERR_NULL_POINTER;
    return bilinear_grads(ctx, A, x, y, df, dA, dx, dy);
}

spg_status spg_bilinear_value_and_grad(spg_context *ctx, const spg_csc *A, const void *x,
                                       const void *y, double *f, void *dA, void *dx, void *dy)
{
    spg_status st = common(ctx, A, dA);
    if (st != SPG_SUCCESS)
        return st;
    if (!given(x, A->m) || !given(y, A->n) || !f)
        return SPG_ERR_NULL_POINTER;
    const spg_ops *o = ops(ctx, A);
    if (fusable(o, A, dx, dy)) {
        spg_kernel_ran(SPG_KERNEL_BILINEAR_FUSED);
        return o->bilinear_fused(ctx, A, x, y, 1, dA, dx, dy, f);
    }
    if (o->prepare) /* every buffer before the pass writes */
        st = o->prepare(ctx, A, SPG_NEED_PASS | (dx ? SPG_NEED_N : 0u));
    if (st == SPG_SUCCESS)
        st = bilinear_pass(ctx, A, x, y, dA, dy, f);
    if (dx && st == SPG_SUCCESS) /* the scatter A y in a pass of its own */
        st = spmv(ctx, SPG_OP_N, 1, A, y, 1, dx);
    return st;
}

spg_status spg_quadratic(spg_context *ctx, const spg_csc *A, const void *x, double *f)
{
    spg_status st = common(ctx, A, NULL);
    if (st != SPG_SUCCESS)
        return st;
    if (A->m != A->n)
        return SPG_ERR_DIMENSION;
    if (!given(x, A->m) || !f)
        return SPG_ERR_NULL_POINTER;
    return bilinear_pass(ctx, A, x, x, NULL, NULL, f);
}

spg_status spg_quadratic_pullback(spg_context *ctx, const spg_csc *A, const void *x, double df,
                                  void *dA, void *dx)
{
    spg_status st = common(ctx, A, dA);
    if (st != SPG_SUCCESS)
        return st;
    if (A->m != A->n)
        return SPG_ERR_DIMENSION;
    if ((dA || dx) && !given(x, A->m))
        return SPG_ERR_NULL_POINTER;
    return bilinear_grads(ctx, A, x, x, df, dA, dx, dx); /* dx += df A x + df A' x */
}

spg_status spg_sampled_outer(spg_context *ctx, const spg_csc *A, int64_t k, const void *U,
                             int64_t ldu, const void *V, int64_t ldv, double alpha, void *dA)
{
    spg_status st = common(ctx, A, dA);
    if (st != SPG_SUCCESS)
        return st;
    if (k < 0)
        return SPG_ERR_INVALID_VALUE;
    st = spg_check_ld(A->m, A->n, k, ldu, ldv);
    if (st != SPG_SUCCESS)
        return st;
    if (!given(dA, A->nnz) || (k > 0 && (!given(U, A->m) || !given(V, A->n))))
        return SPG_ERR_NULL_POINTER;
    if (k == 0 || A->nnz == 0)
        return SPG_SUCCESS;
    spg_kernel_ran(SPG_KERNEL_SAMPLED_OUTER);
    return ops(ctx, A)->sampled_outer(ctx, A, k, U, ldu, V, ldv, alpha, dA);
}
