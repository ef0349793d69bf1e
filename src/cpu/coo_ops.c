/* Pullbacks straight to COO values on the CPU: one independent update per
 * triplet, after the validation pass of checks.c. */
#include "cpu.h"

#include "../../kernels/coo.h"

/* dV_k += alpha sum_r U_{I_k r} V_{J_k r}. Validated triplets with no
 * skipping are all kept and in range: then no triplet is tested. */
spg_status spg_cpu_coo_sampled_outer(spg_context *ctx, const spg_triplets *t,
                                                int64_t k, const void *U, int64_t ldu,
                                                const void *V, int64_t ldv, double alpha,
                                                void *dV)
{
    const spg_int *I = t->I, *J = t->J;
    const spg_real *u = U, *v = V, a = (spg_real)alpha;
    const int base = t->base;
    spg_real *d = dV;
    /* the branches differ inside their OpenMP loops, which the clone check
     * does not compare; rank 1 lets the r loop fold away */
    if (t->skip_negative) { // NOLINT(bugprone-branch-clone)
#pragma omp parallel for num_threads(spg_team(ctx, spg_work(t->nnz, k), t->nnz)) schedule(static)
        for (int64_t q = 0; q < t->nnz; q++)
            spg_k_coo_sampled_outer(I, J, base, 1, q, k, u, ldu, v, ldv, a, d);
    } else if (k == 1) {
#pragma omp parallel for num_threads(spg_team(ctx, spg_work(t->nnz, k), t->nnz)) schedule(static)
        for (int64_t q = 0; q < t->nnz; q++)
            spg_k_coo_outer_kept(I, J, base, q, 1, u, ldu, v, ldv, a, d);
    } else {
#pragma omp parallel for num_threads(spg_team(ctx, spg_work(t->nnz, k), t->nnz)) schedule(static)
        for (int64_t q = 0; q < t->nnz; q++)
            spg_k_coo_outer_kept(I, J, base, q, k, u, ldu, v, ldv, a, d);
    }
    return SPG_SUCCESS;
}
