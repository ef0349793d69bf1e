/* Column-level bodies of the CSC operations. A values pointer a == NULL is
 * a pattern matrix: all stored values are 1. */
#ifndef SPG_KERNELS_CSC_H
#define SPG_KERNELS_CSC_H

#include "spg_types.h"

/* t_j = sum_{p in column j} a_p x_{i_p} */
SPG_HD spg_real spg_k_col_dot(const spg_int *colptr, const spg_int *rowind, const spg_real *a,
                              const spg_real *x, int64_t j)
{
    spg_real t = 0;
    if (a) {
        for (spg_int p = colptr[j]; p < colptr[j + 1]; p++)
            t += a[p] * x[rowind[p]];
    } else {
        for (spg_int p = colptr[j]; p < colptr[j + 1]; p++)
            t += x[rowind[p]];
    }
    return t;
}

/* One column of the SpMV pullback: returns t_j = (A' u)_j and adds
 * alpha u_{i_p} v_j to dA_p, reading each entry and u_{i_p} once. The
 * values a are given (dA of a pattern matrix is refused before). */
SPG_HD spg_real spg_k_col_dot_outer(const spg_int *colptr, const spg_int *rowind,
                                    const spg_real *a, const spg_real *u, spg_real alpha,
                                    spg_real vj, spg_real *dA, int64_t j)
{
    spg_real t = 0;
    for (spg_int p = colptr[j]; p < colptr[j + 1]; p++) {
        const spg_real ui = u[rowind[p]];
        t += a[p] * ui;
        dA[p] += alpha * (ui * vj);
    }
    return t;
}

/* y_j t_j in double: a term of x' A y = sum_j y_j (A' x)_j */
SPG_HD double spg_k_product(spg_real y, spg_real t)
{
    return (double)y * (double)t;
}

/* Whether column j holds a stored entry. One that holds none is in no term
 * of x' A y = sum_j y_j (A' x)_j, and none of its updates is made: y_j is
 * then in no product, even if infinite. */
SPG_HD int spg_k_col_has_entries(const spg_int *colptr, int64_t j)
{
    return colptr[j] < colptr[j + 1];
}

/* The term of column j, 0 for a column with no stored entry */
SPG_HD double spg_k_bilinear_term(const spg_int *colptr, const spg_real *y, const spg_real *t,
                                  int64_t j)
{
    return spg_k_col_has_entries(colptr, j) ? spg_k_product(y[j], t[j]) : 0.0;
}

/* The first p in [lo, hi) with rowind_p >= r (rows ascend), else hi. */
SPG_HD spg_int spg_k_lower_bound(const spg_int *rowind, spg_int lo, spg_int hi, int64_t r)
{
    while (lo < hi) {
        spg_int mid = lo + (hi - lo) / 2;
        if (rowind[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* y_i += a_p s for the entries of column j whose row i lies in [r0, r1) */
SPG_HD void spg_k_col_axpy_rows(const spg_int *colptr, const spg_int *rowind, const spg_real *a,
                                spg_real s, spg_real *y, int64_t j, int64_t r0, int64_t r1)
{
    spg_int p = colptr[j], end = colptr[j + 1];
    if (p == end || rowind[p] >= r1 || rowind[end - 1] < r0)
        return; /* the column has no row in [r0, r1): rows ascend */
    if (rowind[p] < r0)
        p = spg_k_lower_bound(rowind, p, end, r0);
    for (; p < end && rowind[p] < r1; p++)
        y[rowind[p]] += (a ? a[p] : (spg_real)1) * s;
}

/* y_i += a_p s for all the entries of column j; its rows are distinct, so
 * four products are formed before their four updates */
SPG_HD void spg_k_col_axpy(const spg_int *colptr, const spg_int *rowind, const spg_real *a,
                           spg_real s, spg_real *y, int64_t j)
{
    spg_int p = colptr[j];
    const spg_int end = colptr[j + 1];
    if (!a) {
        for (; p < end; p++)
            y[rowind[p]] += s;
        return;
    }
    for (; p + 4 <= end; p += 4) {
        const spg_real t0 = a[p] * s, t1 = a[p + 1] * s, t2 = a[p + 2] * s, t3 = a[p + 3] * s;
        y[rowind[p]] += t0;
        y[rowind[p + 1]] += t1;
        y[rowind[p + 2]] += t2;
        y[rowind[p + 3]] += t3;
    }
    for (; p < end; p++)
        y[rowind[p]] += a[p] * s;
}

/* [*d0, *d1): the entries of column j whose row lies in [r0, r1) (rows
 * ascend, so they are contiguous) */
SPG_HD void spg_k_col_rows_span(const spg_int *colptr, const spg_int *rowind, int64_t j,
                                int64_t r0, int64_t r1, spg_int *d0, spg_int *d1)
{
    const spg_int p = colptr[j], end = colptr[j + 1];
    *d0 = p == end || rowind[p] >= r0 ? p : spg_k_lower_bound(rowind, p, end, r0);
    *d1 = p == end || rowind[end - 1] < r1 ? end : spg_k_lower_bound(rowind, *d0, end, r1);
}

/* One column of x' A y and all its gradients (values given): returns
 * t_j = (A' x)_j and adds s x_{i_p} y_j to dA_p, and a_p (s y_j) to
 * dx_{i_p} for the entries in [d0, d1), reading each entry once. The same
 * bits as spg_k_col_dot, spg_k_col_sampled_outer and spg_k_col_axpy_rows. */
SPG_HD spg_real spg_k_col_bilinear_grads(const spg_int *colptr, const spg_int *rowind,
                                         const spg_real *a, const spg_real *x, spg_real s,
                                         spg_real yj, spg_real *dA, spg_real *dx, spg_int d0,
                                         spg_int d1, int64_t j)
{
    const spg_real syj = s * yj;
    spg_real t = 0;
    spg_int p = colptr[j];
    for (; p < d0; p++) {
        const spg_real xi = x[rowind[p]];
        t += a[p] * xi;
        dA[p] += s * (xi * yj);
    }
    for (; p < d1; p++) {
        const spg_int i = rowind[p];
        const spg_real xi = x[i];
        t += a[p] * xi;
        dA[p] += s * (xi * yj);
        dx[i] += a[p] * syj;
    }
    for (; p < colptr[j + 1]; p++) {
        const spg_real xi = x[rowind[p]];
        t += a[p] * xi;
        dA[p] += s * (xi * yj);
    }
    return t;
}

/* sum_r U_{i r} V_{j r} for column-major U and V */
SPG_HD spg_real spg_k_outer_dot(const spg_real *U, int64_t ldu, const spg_real *V, int64_t ldv,
                                int64_t k, int64_t i, int64_t j)
{
    spg_real t = U[i] * V[j];
    for (int64_t r = 1; r < k; r++)
        t += U[i + r * ldu] * V[j + r * ldv];
    return t;
}

/* spg_k_outer_dot for the rows i[0..3] at once: four sums, each in the
 * order of r, with V_{j r} = v[r incv] read once for the four */
SPG_HD void spg_k_outer_dot4(const spg_real *U, int64_t ldu, const spg_real *v, int64_t incv,
                             int64_t k, const spg_int *i, spg_real t[4])
{
    const int64_t i0 = i[0], i1 = i[1], i2 = i[2], i3 = i[3];
    spg_real t0 = U[i0] * v[0], t1 = U[i1] * v[0], t2 = U[i2] * v[0], t3 = U[i3] * v[0];
    for (int64_t r = 1; r < k; r++) {
        const spg_real *u = U + r * ldu, vr = v[r * incv];
        t0 += u[i0] * vr;
        t1 += u[i1] * vr;
        t2 += u[i2] * vr;
        t3 += u[i3] * vr;
    }
    t[0] = t0, t[1] = t1, t[2] = t2, t[3] = t3;
}

/* spg_k_col_sampled_outer with V_{j r} = v[r incv] */
SPG_HD void spg_k_col_outer4(const spg_int *colptr, const spg_int *rowind, int64_t k,
                             const spg_real *U, int64_t ldu, const spg_real *v, int64_t incv,
                             spg_real alpha, spg_real *dA, int64_t j)
{
    int64_t p = colptr[j];
    for (; p + 4 <= colptr[j + 1]; p += 4) {
        spg_real t[4];
        spg_k_outer_dot4(U, ldu, v, incv, k, rowind + p, t);
        dA[p] += alpha * t[0], dA[p + 1] += alpha * t[1];
        dA[p + 2] += alpha * t[2], dA[p + 3] += alpha * t[3];
    }
    for (; p < colptr[j + 1]; p++)
        dA[p] += alpha * spg_k_outer_dot(U, ldu, v, incv, k, rowind[p], 0);
}

/* Ranks up to this have V's row j copied once per column: read through
 * V's stride it is read again for every four entries, since dA might
 * alias it. */
#define SPG_K_VROW 16

/* dA_p += alpha sum_r U_{i_p r} V_{j r} for the entries of column j, four
 * at a time, with the bits of spg_k_outer_dot */
SPG_HD void spg_k_col_sampled_outer(const spg_int *colptr, const spg_int *rowind, int64_t k,
                                    const spg_real *U, int64_t ldu, const spg_real *V,
                                    int64_t ldv, spg_real alpha, spg_real *dA, int64_t j)
{
    if (k > SPG_K_VROW) {
        spg_k_col_outer4(colptr, rowind, k, U, ldu, V + j, ldv, alpha, dA, j);
        return;
    }
    spg_real row[SPG_K_VROW];
    row[0] = V[j]; /* read for any k, as spg_k_outer_dot does */
    for (int64_t r = 1; r < k; r++)
        row[r] = V[j + r * ldv];
    spg_k_col_outer4(colptr, rowind, k, U, ldu, row, 1, alpha, dA, j);
}

/* The column of entry p (0 <= p < colptr_n): the last j < n with
 * colptr_j <= p, which skips empty columns. O(log n): entry-parallel
 * bodies find their column this way. */
SPG_HD int64_t spg_k_entry_col(const spg_int *colptr, int64_t n, int64_t p)
{
    int64_t lo = 0, hi = n; /* colptr_lo <= p < colptr_hi */
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (colptr[mid] <= p)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* dA_p += alpha sum_r U_{i_p r} V_{j r} for entry p of column j: the bits
 * of spg_k_col_sampled_outer */
SPG_HD void spg_k_entry_sampled_outer(const spg_int *rowind, int64_t k, const spg_real *U,
                                      int64_t ldu, const spg_real *V, int64_t ldv,
                                      spg_real alpha, spg_real *dA, int64_t j, int64_t p)
{
    dA[p] += alpha * spg_k_outer_dot(U, ldu, V, ldv, k, rowind[p], j);
}

/* Column j of a CSC structure is well formed: rows strictly ascending in
 * [0, m) and the column within [0, nnz]. */
SPG_HD int spg_k_col_valid(const spg_int *colptr, const spg_int *rowind, int64_t m, int64_t nnz,
                           int64_t j)
{
    const spg_int lo = colptr[j], hi = colptr[j + 1];
    if (lo < 0 || hi < lo || hi > nnz)
        return 0;
    int64_t prev = -1;
    for (spg_int p = lo; p < hi; p++) {
        if (rowind[p] <= prev || rowind[p] >= m)
            return 0;
        prev = rowind[p];
    }
    return 1;
}

/* The bounds of column j alone: 0 <= colptr_j <= colptr_{j+1} <= nnz. */
SPG_HD int spg_k_colptr_valid(const spg_int *colptr, int64_t nnz, int64_t j)
{
    return colptr[j] >= 0 && colptr[j] <= colptr[j + 1] && colptr[j + 1] <= nnz;
}

/* Entry p, in column j, is well formed: its row in [0, m) and above the
 * row before it in the column. With every column's bounds valid and
 * colptr_0 = 0, colptr_n = nnz, these are spg_k_col_valid entry by entry. */
SPG_HD int spg_k_entry_valid(const spg_int *colptr, const spg_int *rowind, int64_t m, int64_t j,
                             int64_t p)
{
    const spg_int i = rowind[p];
    return i >= 0 && i < m && (p == colptr[j] || (p > 0 && p > colptr[j] && rowind[p - 1] < i));
}

#endif /* SPG_KERNELS_CSC_H */
