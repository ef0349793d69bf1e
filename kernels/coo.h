/* Triplet-level bodies of the pullbacks straight to COO values. */
#ifndef SPG_KERNELS_COO_H
#define SPG_KERNELS_COO_H

#include "csc.h"

/* Triplet k's zero-based (i, j): 1 when kept, 0 when skipped (a negative
 * given index with skip set), -1 when a negative index is not to be
 * skipped, -2 when out of [0, m) x [0, n) after the base shift. */
SPG_HD int spg_k_coo_index(const spg_int *I, const spg_int *J, int64_t k, int base, int skip,
                           int64_t m, int64_t n, int64_t *i, int64_t *j)
{
    int64_t r = I[k], c = J[k];
    if (r < 0 || c < 0)
        return skip ? 0 : -1;
    r -= base;
    c -= base;
    if (r < 0 || r >= m || c < 0 || c >= n)
        return -2;
    *i = r;
    *j = c;
    return 1;
}

/* The status part of spg_k_coo_index without the indices: 0 kept or
 * skipped, -1 negative and not to be skipped, -2 out of range. */
SPG_HD int spg_k_coo_status(const spg_int *I, const spg_int *J, int64_t k, int base, int skip,
                            int64_t m, int64_t n)
{
    const int64_t r = I[k], c = J[k];
    const int neg = (r < 0) | (c < 0);
    /* compared against base + dim - 1, so no index is shifted (r may be INT64_MIN) */
    const int out = (r < base) | (c < base) | (r > base + (m - 1)) | (c > base + (n - 1));
    return neg ? (skip ? 0 : -1) : -2 * out;
}

/* The key of triplet k for finding the first bad one: 2 k when a negative
 * index is not to be skipped, 2 k + 1 when an index is out of range,
 * UINT64_MAX when the triplet is kept or skipped. The smallest key over the
 * triplets names the first bad triplet and its fault. */
SPG_HD uint64_t spg_k_coo_bad_key(const spg_int *I, const spg_int *J, int64_t k, int base,
                                  int skip, int64_t m, int64_t n)
{
    const int r = spg_k_coo_status(I, J, k, base, skip, m, n);
    return r < 0 ? 2 * (uint64_t)k + (uint64_t)(r == -2) : UINT64_MAX;
}

/* The largest I - base of a kept, in-range index below dimension m >= 1:
 * m - 1, or less where the index type ends first. */
SPG_HD spg_uint spg_k_coo_last(int64_t m, int base)
{
    return (spg_uint)(m - 1 < SPG_INT_MAX - base ? m - 1 : SPG_INT_MAX - base);
}

/* 1 when every index X_k of [k0, k1) is in range: X_k - base <=
 * spg_k_coo_last(dim) as unsigned numbers, where a negative index wraps
 * above every bound; or-ed over the span in a loop without branches that
 * vectorises. */
SPG_HD int spg_k_coo_indices_in_range(const spg_int *X, int64_t k0, int64_t k1, int base,
                                      int64_t dim)
{
    if (dim < 1)
        return k0 >= k1;
    const spg_uint b = (spg_uint)base, last = spg_k_coo_last(dim, base);
    unsigned bad = 0;
    for (int64_t k = k0; k < k1; k++)
        bad |= (spg_uint)X[k] - b > last;
    return !bad;
}

/* 1 when every triplet of [k0, k1) is kept and in range: its I in
 * [base, base + m) and its J in [base, base + n). */
SPG_HD int spg_k_coo_span_in_range(const spg_int *I, const spg_int *J, int64_t k0, int64_t k1,
                                   int base, int64_t m, int64_t n)
{
    return spg_k_coo_indices_in_range(I, k0, k1, base, m) &&
           spg_k_coo_indices_in_range(J, k0, k1, base, n);
}

/* dV_k += alpha sum_r U_{I_k r} V_{J_k r} for triplet k, known to be kept
 * and in range */
SPG_HD void spg_k_coo_outer_kept(const spg_int *I, const spg_int *J, int base, int64_t k,
                                 int64_t rank, const spg_real *U, int64_t ldu,
                                 const spg_real *V, int64_t ldv, spg_real alpha, spg_real *dV)
{
    dV[k] += alpha * spg_k_outer_dot(U, ldu, V, ldv, rank, I[k] - base, J[k] - base);
}

/* dV_k += alpha sum_r U_{I_k r} V_{J_k r}; skipped triplets are left alone.
 * The indices were validated before. */
SPG_HD void spg_k_coo_sampled_outer(const spg_int *I, const spg_int *J, int base, int skip,
                                    int64_t k, int64_t rank, const spg_real *U, int64_t ldu,
                                    const spg_real *V, int64_t ldv, spg_real alpha,
                                    spg_real *dV)
{
    int64_t i = 0, j = 0;
    if (spg_k_coo_index(I, J, k, base, skip, INT64_MAX, INT64_MAX, &i, &j) == 1)
        spg_k_coo_outer_kept(I, J, base, k, rank, U, ldu, V, ldv, alpha, dV);
}

#endif /* SPG_KERNELS_COO_H */
