/* Pullbacks straight to COO values on the CPU: one independent update per
 * triplet, after a validation pass over all indices. */
#include "cpu.h"

#include "../../kernels/coo.h"

/* Whether every triplet is kept and in range: each thread checks the
 * extremes of its block. */
static int all_in_range(int nthreads, const spg_triplets *t)
{
    int ok = 1;
    (void)nthreads;
#pragma omp parallel num_threads(nthreads) reduction(&& : ok) if (t->nnz > SPG_PARALLEL_MIN)
    {
        int64_t lo, hi;
        spg_thread_block(t->nnz, &lo, &hi);
        ok = spg_k_coo_span_in_range(t->I, t->J, lo, hi, t->base, t->m, t->n);
    }
    return ok;
}

/* SPG_SUCCESS, or the worst status of a bad triplet: out of range before
 * negative. */
spg_status SPG_TYPED(spg_cpu_coo_check)(spg_context *ctx, const spg_triplets *t)
{
    const int nthreads = spg_threads(ctx);
    if (t->nnz == 0 || all_in_range(nthreads, t))
        return SPG_SUCCESS;
    int worst = 0; /* skipped triplets, or the bad one: the most negative code wins */
#pragma omp parallel for num_threads(nthreads) schedule(static) reduction(min : worst) if (t->nnz > SPG_PARALLEL_MIN)
    for (int64_t k = 0; k < t->nnz; k++) {
        const int r = spg_k_coo_status(t->I, t->J, k, t->base, t->skip_negative, t->m, t->n);
        worst = r < worst ? r : worst;
    }
    if (worst == -2)
        return SPG_ERR_INDEX_RANGE;
    return worst == -1 ? SPG_ERR_NEGATIVE_INDEX : SPG_SUCCESS;
}

/* dV_k += alpha sum_r U_{I_k r} V_{J_k r} */
spg_status SPG_TYPED(spg_cpu_coo_sampled_outer)(spg_context *ctx, const spg_triplets *t,
                                                int64_t k, const void *U, int64_t ldu,
                                                const void *V, int64_t ldv, double alpha,
                                                void *dV)
{
    const int nthreads = spg_threads(ctx);
    (void)nthreads;
    if (k == 1) { /* the gradient of x' A y: the rank loop folds away */
#pragma omp parallel for num_threads(nthreads) schedule(static) if (t->nnz > SPG_PARALLEL_MIN)
        for (int64_t q = 0; q < t->nnz; q++)
            spg_k_coo_sampled_outer(t->I, t->J, t->base, t->skip_negative, q, 1, U, ldu, V, ldv,
                                    (spg_real)alpha, dV);
        return SPG_SUCCESS;
    }
#pragma omp parallel for num_threads(nthreads) schedule(static) if (t->nnz > SPG_PARALLEL_MIN / k)
    for (int64_t q = 0; q < t->nnz; q++)
        spg_k_coo_sampled_outer(t->I, t->J, t->base, t->skip_negative, q, k, U, ldu, V, ldv,
                                (spg_real)alpha, dV);
    return SPG_SUCCESS;
}
