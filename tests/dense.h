/* Dense oracles for the CSC operations, with a bound on the rounding error
 * of each computed element: a sum of c terms computed in precision u (any
 * order, plus a scaling and an added term) is off by at most
 * (c + 3) u sum |terms|. */
#ifndef SPG_DENSE_H
#define SPG_DENSE_H

#include <stdlib.h>

#include "check.h"

typedef struct dense {
    int64_t m, n;
    double *a;   /* m x n row-major, the stored values (1 for a pattern) */
    int *stored; /* 1 where A stores an entry */
    int64_t *row_count, *col_count;
} dense;

static inline dense dense_of(const spg_csc *A)
{
    dense D = {A->m, A->n, calloc((size_t)(A->m * A->n + 1), sizeof(double)),
               calloc((size_t)(A->m * A->n + 1), sizeof(int)),
               calloc((size_t)(A->m + 1), sizeof(int64_t)),
               calloc((size_t)(A->n + 1), sizeof(int64_t))};
    for (int64_t j = 0; j < A->n; j++)
        for (int64_t p = spg_iget(A->itype, A->colptr, j); p < spg_iget(A->itype, A->colptr, j + 1);
             p++) {
            int64_t i = spg_iget(A->itype, A->rowind, p);
            D.a[i * A->n + j] = A->values ? spg_vget(A->dtype, A->values, p) : 1.0;
            D.stored[i * A->n + j] = 1;
            D.row_count[i]++;
            D.col_count[j]++;
        }
    return D;
}

static inline void dense_free(dense *D)
{
    free(D->a), free(D->stored), free(D->row_count), free(D->col_count);
}

static inline double dense_at(const dense *D, spg_op op, int64_t r, int64_t c)
{
    return op == SPG_OP_N ? D->a[r * D->n + c] : D->a[c * D->n + r];
}

/* ref = alpha op(D) x + beta y0 (y0 NULL: beta term 0) in long double, and
 * bound: the rounding of that element computed in precision u. */
static inline void dense_spmv(const dense *D, spg_op op, double alpha, const double *x, double beta,
                              const double *y0, double u, double *ref, double *bound)
{
    const int64_t rows = op == SPG_OP_N ? D->m : D->n, cols = op == SPG_OP_N ? D->n : D->m;
    for (int64_t r = 0; r < rows; r++) {
        long double s = 0, mag = 0;
        for (int64_t c = 0; c < cols; c++) {
            s += (long double)alpha * dense_at(D, op, r, c) * x[c];
            mag += fabsl((long double)alpha * dense_at(D, op, r, c) * x[c]);
        }
        if (y0) {
            s += (long double)beta * y0[r];
            mag += fabsl((long double)beta * y0[r]);
        }
        const int64_t count = op == SPG_OP_N ? D->row_count[r] : D->col_count[r];
        ref[r] = (double)s;
        bound[r] = (double)((count + 3) * u * mag);
    }
}

/* x' D y in long double, and the bound of the library's way of computing
 * it: t_j = (D' x)_j in precision u, then sum_j y_j t_j in double. */
static inline double dense_bilinear(const dense *D, const double *x, const double *y, double u,
                                    double *bound)
{
    long double f = 0, mag = 0, tmag = 0;
    for (int64_t j = 0; j < D->n; j++) {
        long double col = 0;
        for (int64_t i = 0; i < D->m; i++) {
            f += (long double)x[i] * D->a[i * D->n + j] * y[j];
            col += fabsl((long double)x[i] * D->a[i * D->n + j]);
        }
        tmag += (D->col_count[j] + 3) * u * col * fabs(y[j]);
        mag += col * fabs(y[j]);
    }
    *bound = (double)(tmag + (D->n + 3) * 0x1p-53 * mag * (1 + (D->m + 3) * u));
    return (double)f;
}

/* Reads a typed array into a new double array. */
static inline double *to_double(spg_dtype t, const void *a, int64_t len)
{
    double *d = malloc((size_t)(len > 0 ? len : 1) * sizeof *d);
    for (int64_t k = 0; k < len; k++)
        d[k] = spg_vget(t, a, k);
    return d;
}

#endif
