/* Bodies that build the row-compressed copy of a CSC matrix (its
 * transpose's CSC), which the CUDA backend uses for a deterministic A x.
 * The rows, sorted stably by a radix sort, keep each row's entries in
 * ascending column order. */
#ifndef SPG_KERNELS_TRANSPOSE_H
#define SPG_KERNELS_TRANSPOSE_H

#include "csc.h"

/* col_p = j for the entries p of column j */
SPG_HD void spg_k_col_fill(const spg_int *colptr, spg_int *col, int64_t j)
{
    for (spg_int p = colptr[j]; p < colptr[j + 1]; p++)
        col[p] = (spg_int)j;
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

/* colT_q = col_{perm_q}, valT_q = a_{perm_q} (1 for a pattern matrix) */
SPG_HD void spg_k_permute_entry(const spg_int *perm, const spg_int *col, const spg_real *a,
                                spg_int *colT, spg_real *valT, int64_t q)
{
    colT[q] = col[perm[q]];
    valT[q] = a ? a[perm[q]] : (spg_real)1;
}

/* ones_p = 1: the values of a pattern matrix */
SPG_HD void spg_k_one(spg_real *ones, int64_t p)
{
    ones[p] = 1;
}

#endif /* SPG_KERNELS_TRANSPOSE_H */
