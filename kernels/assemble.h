/* Numeric assembly and its pullback, one stored entry or triplet at a time. */
#ifndef SPG_KERNELS_ASSEMBLE_H
#define SPG_KERNELS_ASSEMBLE_H

#include "spg_types.h"

/* sum_{t = a}^{b - 1} V_{perm_t}, in triplet order (a < b) */
SPG_HD spg_real spg_k_run_sum(const spg_int *perm, const spg_real *V, spg_int a, spg_int b)
{
    spg_real sum = V[perm[a]];
    for (spg_int t = a + 1; t < b; t++)
        sum += V[perm[t]];
    return sum;
}

/* a_s = sum_{t = seg_s}^{seg_{s+1} - 1} V_{perm_t}, in triplet order */
SPG_HD spg_real spg_k_segment_sum(const spg_int *seg, const spg_int *perm,
                                  const spg_real *V, int64_t s)
{
    return spg_k_run_sum(perm, V, seg[s], seg[s + 1]); /* segments are never empty */
}

/* dV_k += dA_{slot_k}; a skipped triplet (slot -1) is left as it is */
SPG_HD void spg_k_slot_gather_add(const spg_int *slot, const spg_real *dA,
                                  spg_real *dV, int64_t k)
{
    spg_int s = slot[k];
    if (s >= 0)
        dV[k] += dA[s];
}

#endif /* SPG_KERNELS_ASSEMBLE_H */
