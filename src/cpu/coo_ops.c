/* Pullbacks straight to COO values on the CPU: one independent update per
 * triplet, after a validation pass over all indices. */
#include "cpu.h"

#include "../../kernels/coo.h"

/* SPG_SUCCESS, or the status of the first bad triplet. */
spg_status SPG_TYPED(spg_cpu_coo_check)(spg_context *ctx, const spg_triplets *t)
{
    const int nthreads = spg_threads(ctx);
    int worst = 0; /* the most negative code wins: -2 range, -1 negative */
    (void)nthreads;
#pragma omp parallel for num_threads(nthreads) schedule(static) reduction(min : worst) if (t->nnz > SPG_PARALLEL_MIN)
    for (int64_t k = 0; k < t->nnz; k++) {
        int64_t i, j;
        int r = spg_k_coo_index(t->I, t->J, k, t->base, t->skip_negative, t->m, t->n, &i, &j);
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
#pragma omp parallel for num_threads(nthreads) schedule(static) if (t->nnz > SPG_PARALLEL_MIN / k)
    for (int64_t q = 0; q < t->nnz; q++)
        spg_k_coo_sampled_outer(t->I, t->J, t->base, t->skip_negative, q, k, U, ldu, V, ldv,
                                (spg_real)alpha, dV);
    return SPG_SUCCESS;
}
