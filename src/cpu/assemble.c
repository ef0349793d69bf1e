/* Numeric assembly with a plan and its pullback: one independent sum per
 * stored entry and one gather per triplet, so any thread count gives the
 * same bits. */
#include "cpu.h"

#include "../../kernels/assemble.h"

/* Ax = sum of each entry's triplet values */
void SPG_TYPED(spg_cpu_assemble)(const spg_plan *plan, const void *V, void *Ax,
                                 int nthreads)
{
    const spg_int *seg = plan->seg, *perm = plan->perm;
    const spg_real *v = V;
    spg_real *a = Ax;
    const int64_t nnz = plan->nnz;
    (void)nthreads;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nnz > SPG_PARALLEL_MIN)
    for (int64_t s = 0; s < nnz; s++)
        a[s] = spg_k_segment_sum(seg, perm, v, s);
}

/* dV += dAx gathered through each triplet's entry */
void SPG_TYPED(spg_cpu_assemble_pullback)(const spg_plan *plan, const void *dAx,
                                          void *dV, int nthreads)
{
    const spg_int *slot = plan->slot;
    const spg_real *da = dAx;
    spg_real *dv = dV;
    const int64_t N = plan->nnz_coo;
    (void)nthreads;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (N > SPG_PARALLEL_MIN)
    for (int64_t k = 0; k < N; k++)
        spg_k_slot_gather_add(slot, da, dv, k);
}
