/* Numeric assembly with a plan and its pullback: one independent sum per
 * stored entry and one gather per triplet, so any thread count gives the
 * same bits. */
#include "cpu.h"

#include "../../kernels/assemble.h"

/* Ax = sum of each entry's triplet values */
spg_status SPG_TYPED(spg_cpu_assemble)(spg_context *ctx, const spg_plan *plan, const void *V,
                                       void *Ax)
{
    const int nthreads = spg_threads(ctx);
    const spg_int *seg = plan->seg, *perm = plan->perm;
    const spg_real *v = V;
    spg_real *a = Ax;
    const int64_t nnz = plan->nnz;
    (void)nthreads;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nnz > SPG_PARALLEL_MIN)
    for (int64_t s = 0; s < nnz; s++)
        a[s] = spg_k_segment_sum(seg, perm, v, s);
    return SPG_SUCCESS;
}

/* dV += dAx gathered through each triplet's entry */
spg_status SPG_TYPED(spg_cpu_assemble_pullback)(spg_context *ctx, const spg_plan *plan,
                                                const void *dAx, void *dV)
{
    const int nthreads = spg_threads(ctx);
    const spg_int *slot = plan->slot;
    const spg_real *da = dAx;
    spg_real *dv = dV;
    const int64_t N = plan->nnz_coo;
    (void)nthreads;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (N > SPG_PARALLEL_MIN)
    for (int64_t k = 0; k < N; k++)
        spg_k_slot_gather_add(slot, da, dv, k);
    return SPG_SUCCESS;
}
