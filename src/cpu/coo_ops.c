/* Pullbacks straight to COO values on the CPU: one independent update per
 * triplet, after the validation pass of checks.c. */
#include "cpu.h"

#include "../../kernels/coo.h"

/* dV_k += alpha sum_r U_{I_k r} V_{J_k r} */
spg_status spg_cpu_coo_sampled_outer(spg_context *ctx, const spg_triplets *t,
                                                int64_t k, const void *U, int64_t ldu,
                                                const void *V, int64_t ldv, double alpha,
                                                void *dV)
{
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
