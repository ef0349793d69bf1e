/* Numeric assembly with a plan and its pullback: one independent sum per
 * stored entry and one gather per triplet, so any thread count gives the
 * same bits. */
#include "cpu.h"

#include "../../kernels/assemble.h"

/* Ax = sum of each entry's triplet values */
spg_status spg_cpu_assemble(spg_context *ctx, const spg_plan *plan, const void *V,
                                       void *Ax)
{
    const spg_int *seg = plan->seg, *perm = plan->perm;
    const spg_real *v = V;
    spg_real *a = Ax;
    const int64_t nnz = plan->nnz;
#pragma omp parallel for num_threads(spg_team(ctx, plan->nnz_kept, nnz)) schedule(static)
    for (int64_t s = 0; s < nnz; s++)
        a[s] = spg_k_segment_sum(seg, perm, v, s);
    return SPG_SUCCESS;
}

/* Ax[a..b) = the sums of those entries' segments, the last one ending at end */
static void first_sums(const spg_int *seg, const spg_int *perm, spg_int end, const void *V,
                       void *Ax, int64_t a, int64_t b)
{
    const spg_real *v = V;
    spg_real *ax = Ax;
    for (int64_t s = a; s < b; s++)
        ax[s] = spg_k_run_sum(perm, v, seg[s], s + 1 < b ? seg[s + 1] : end);
}

/* the plan, and Ax made in its passes */
spg_status spg_cpu_plan_build_assemble(spg_context *ctx, const spg_triplets *t, const void *V,
                                       spg_plan *plan)
{
    const spg_cpu_first first = {V, sizeof(spg_real), first_sums};
    return spg_cpu_plan_first(ctx, t, &first, plan);
}

/* dV += dAx gathered through each triplet's entry */
spg_status spg_cpu_assemble_pullback(spg_context *ctx, const spg_plan *plan,
                                                const void *dAx, void *dV)
{
    const spg_int *slot = plan->slot;
    const spg_real *da = dAx;
    spg_real *dv = dV;
    const int64_t N = plan->nnz_coo;
#pragma omp parallel for num_threads(spg_team(ctx, N, N)) schedule(static)
    for (int64_t k = 0; k < N; k++)
        spg_k_slot_gather_add(slot, da, dv, k);
    return SPG_SUCCESS;
}
