/* Pullbacks straight to COO values on the CPU: one independent update per
 * triplet, after a validation pass over all indices. */
#include "cpu.h"

#include "../../kernels/coo.h"

/* Whether every triplet is kept and in range: each thread checks the
 * extremes of its block. */
static int all_in_range(const spg_context *ctx, const spg_triplets *t)
{
    (void)ctx; /* its threads only: a serial build ignores the pragmas */
    int ok = 1;
#pragma omp parallel num_threads(spg_team(ctx, t->nnz, t->nnz)) reduction(&& : ok)
    {
        int64_t lo, hi;
        spg_thread_block(t->nnz, &lo, &hi);
        ok = spg_k_coo_span_in_range(t->I, t->J, lo, hi, t->base, t->m, t->n);
    }
    return ok;
}

/* SPG_SUCCESS, or the status of the first bad triplet in triplet order
 * (as spg_plan_create reports it). */
spg_status SPG_TYPED(spg_cpu_coo_check)(spg_context *ctx, const spg_triplets *t)
{
    if (t->nnz == 0 || all_in_range(ctx, t))
        return SPG_SUCCESS;
    int64_t first = t->nnz;
#pragma omp parallel for num_threads(spg_team(ctx, t->nnz, t->nnz)) schedule(static) reduction(min : first)
    for (int64_t k = 0; k < t->nnz; k++)
        if (k < first && spg_k_coo_status(t->I, t->J, k, t->base, t->skip_negative, t->m, t->n))
            first = k;
    if (first == t->nnz)
        return SPG_SUCCESS;
    const int r = spg_k_coo_status(t->I, t->J, first, t->base, t->skip_negative, t->m, t->n);
    return r == -1 ? SPG_ERR_NEGATIVE_INDEX : SPG_ERR_INDEX_RANGE;
}

/* dV_k += alpha sum_r U_{I_k r} V_{J_k r} */
spg_status SPG_TYPED(spg_cpu_coo_sampled_outer)(spg_context *ctx, const spg_triplets *t,
                                                int64_t k, const void *U, int64_t ldu,
                                                const void *V, int64_t ldv, double alpha,
                                                void *dV)
{
    (void)ctx; /* its threads only: a serial build ignores the pragmas */
    if (k == 1) { /* the gradient of x' A y: the rank loop folds away */
#pragma omp parallel for num_threads(spg_team(ctx, t->nnz, t->nnz)) schedule(static)
        for (int64_t q = 0; q < t->nnz; q++)
            spg_k_coo_sampled_outer(t->I, t->J, t->base, t->skip_negative, q, 1, U, ldu, V, ldv,
                                    (spg_real)alpha, dV);
        return SPG_SUCCESS;
    }
#pragma omp parallel for num_threads(spg_team(ctx, spg_work(t->nnz, k), t->nnz)) schedule(static)
    for (int64_t q = 0; q < t->nnz; q++)
        spg_k_coo_sampled_outer(t->I, t->J, t->base, t->skip_negative, q, k, U, ldu, V, ldv,
                                (spg_real)alpha, dV);
    return SPG_SUCCESS;
}
