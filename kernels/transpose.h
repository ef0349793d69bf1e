/* Bodies of the row-compressed pattern of a CSC matrix (its transpose's
 * CSC pattern) and of the deterministic A x the CUDA backend runs through
 * it. The pattern is built once per plan, or per analysis of a view: each
 * entry's column, a stable sort of the rows carrying the entries'
 * positions, the row starts and the columns in row order. A x then reads
 * A's values where they are (pos), with no copy of them. */
#ifndef SPG_KERNELS_TRANSPOSE_H
#define SPG_KERNELS_TRANSPOSE_H

#include "csc.h"

/* col_p = j, the column of entry p */
SPG_HD void spg_k_entry_col_fill(const spg_int *colptr, int64_t n, spg_int *col, int64_t p)
{
    col[p] = (spg_int)spg_k_entry_col(colptr, n, p);
}

/* idx_p = p */
SPG_HD void spg_k_iota(spg_int *idx, int64_t p)
{
    idx[p] = (spg_int)p;
}

/* rowptr_i = the first position of row i among the sorted rows */
SPG_HD void spg_k_row_start(const spg_int *sorted_rows, int64_t nnz, spg_int *rowptr, int64_t i)
{
    rowptr[i] = spg_k_lower_bound(sorted_rows, 0, (spg_int)nnz, i);
}

/* colT_q = col_{pos_q}: the column of the q-th entry in row order */
SPG_HD void spg_k_permute_col(const spg_int *pos, const spg_int *col, spg_int *colT, int64_t q)
{
    colT[q] = col[pos[q]];
}

/* (A x)_i = sum over row i's entries q, in ascending column order, of
 * a_{pos_q} x_{colT_q} (a NULL a: a pattern matrix) */
SPG_HD spg_real spg_k_row_dot(const spg_int *rowptr, const spg_int *colT, const spg_int *pos,
                              const spg_real *a, const spg_real *x, int64_t i)
{
    spg_real t = 0;
    for (spg_int q = rowptr[i]; q < rowptr[i + 1]; q++)
        t += (a ? a[pos[q]] : (spg_real)1) * x[colT[q]];
    return t;
}

/* y_i = alpha (A x)_i + beta y_i; y_i is not read when beta = 0, and a
 * row with no entry gets beta y_i alone */
SPG_HD void spg_k_row_axpby(const spg_int *rowptr, const spg_int *colT, const spg_int *pos,
                            const spg_real *a, const spg_real *x, spg_real alpha,
                            spg_real beta, spg_real *y, int64_t i)
{
    const spg_real b = beta == 0 ? (spg_real)0 : beta * y[i];
    y[i] = rowptr[i] < rowptr[i + 1] ? alpha * spg_k_row_dot(rowptr, colT, pos, a, x, i) + b : b;
}

/* ones_p = 1: the values of a pattern matrix */
SPG_HD void spg_k_one(spg_real *ones, int64_t p)
{
    ones[p] = 1;
}

#endif /* SPG_KERNELS_TRANSPOSE_H */
