/* The kernel bodies that only the CUDA backend launches, run here on the
 * CPU one element at a time as the device runs them one thread at a time:
 * kernels/transpose.h (the row-compressed copy of A behind the CUDA A x)
 * and spg_k_bilinear_term (the column terms of x' A y). The stable radix
 * sort of the device (CUB) is a stable counting sort here. Also two bodies
 * both backends run, at their edges: the column body of the sampled outer
 * product, four entries at a time, and the branch-free range check of COO
 * spans at the ends of the index type. Compiled once per value and index
 * type instance that CMake names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/coo.h"
#include "../kernels/transpose.h"
#include "check.h"

enum { M = 37, N = 29 };

/* A random m x n CSC pattern (rows ascending in each column, some columns
 * empty) and its values. */
static spg_int make_csc(uint64_t *seed, spg_int *colptr, spg_int *rowind, spg_real *a)
{
    spg_int nnz = 0;
    for (int64_t j = 0; j < N; j++) {
        colptr[j] = nnz;
        for (int64_t i = 0; i < M; i++) {
            *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
            if ((*seed >> 33) % 4 == 0 && j % 7 != 3) { /* columns 3, 10, 17, 24 empty */
                rowind[nnz] = (spg_int)i;
                a[nnz++] = (spg_real)((double)((*seed >> 40) % 1000) / 64.0 - 7.0);
            }
        }
    }
    colptr[N] = nnz;
    return nnz;
}

/* The row-compressed copy as the CUDA backend builds it: col_fill, iota,
 * a stable sort of the rows carrying the positions, row_start and
 * permute_entry (a NULL a: the pattern matrix, ones). */
static void transpose_by_bodies(const spg_int *colptr, const spg_int *rowind, const spg_real *a,
                                spg_int nnz, spg_int *rowptr, spg_int *colT, spg_real *valT)
{
    spg_int col[M * N], idx[M * N], rows[M * N], perm[M * N], count[M + 1] = {0};
    for (int64_t j = 0; j < N; j++)
        spg_k_col_fill(colptr, col, j);
    for (int64_t p = 0; p < nnz; p++)
        spg_k_iota(idx, p);
    for (int64_t p = 0; p < nnz; p++) /* stable counting sort of the rows */
        count[rowind[p] + 1]++;
    for (int64_t i = 0; i < M; i++)
        count[i + 1] += count[i];
    for (int64_t p = 0; p < nnz; p++) {
        spg_int q = count[rowind[p]]++;
        rows[q] = rowind[p], perm[q] = idx[p];
    }
    for (int64_t i = 0; i <= M; i++)
        spg_k_row_start(rows, nnz, rowptr, i);
    for (int64_t q = 0; q < nnz; q++)
        spg_k_permute_entry(perm, col, a, colT, valT, q);
}

/* The reference CSR: each column's entries appended to their rows, in
 * column order. */
static void transpose_reference(const spg_int *colptr, const spg_int *rowind, const spg_real *a,
                                spg_int *rowptr, spg_int *colT, spg_real *valT)
{
    spg_int fill[M] = {0};
    memset(rowptr, 0, (M + 1) * sizeof *rowptr);
    for (spg_int p = 0; p < colptr[N]; p++)
        rowptr[rowind[p] + 1]++;
    for (int64_t i = 0; i < M; i++)
        rowptr[i + 1] += rowptr[i];
    for (int64_t j = 0; j < N; j++)
        for (spg_int p = colptr[j]; p < colptr[j + 1]; p++) {
            spg_int q = rowptr[rowind[p]] + fill[rowind[p]]++;
            colT[q] = (spg_int)j, valT[q] = a ? a[p] : (spg_real)1;
        }
}

static void test_transpose(const spg_int *colptr, const spg_int *rowind, const spg_real *a,
                           spg_int nnz)
{
    spg_int rp[M + 1], rp_ref[M + 1], ct[M * N], ct_ref[M * N];
    spg_real vt[M * N], vt_ref[M * N], ones[M * N];
    for (int pattern = 0; pattern < 2; pattern++) {
        const spg_real *v = pattern ? NULL : a;
        transpose_by_bodies(colptr, rowind, v, nnz, rp, ct, vt);
        transpose_reference(colptr, rowind, v, rp_ref, ct_ref, vt_ref);
        CHECK(!memcmp(rp, rp_ref, sizeof rp)); /* row pointers of the transpose */
        CHECK(!memcmp(ct, ct_ref, (size_t)nnz * sizeof *ct)); /* columns of the transpose */
        CHECK(!memcmp(vt, vt_ref, (size_t)nnz * sizeof *vt)); /* values of the transpose */
    }
    for (int64_t p = 0; p < nnz; p++)
        spg_k_one(ones, p);
    int all = 1;
    for (int64_t p = 0; p < nnz; p++)
        all &= ones[p] == 1;
    CHECK(all); /* spg_k_one writes ones */
}

/* x' A y = sum_j y_j (A' x)_j over the columns with an entry: a NaN in y at
 * an empty column does not reach the sum. */
static void test_bilinear_terms(const spg_int *colptr, const spg_int *rowind, const spg_real *a)
{
    spg_real x[M], y[N], t[N];
    double sum = 0, ref = 0;
    for (int64_t i = 0; i < M; i++)
        x[i] = (spg_real)(0.25 * (double)(i % 5) - 0.5);
    for (int64_t j = 0; j < N; j++)
        y[j] = j % 7 == 3 ? (spg_real)NAN : (spg_real)(0.5 * (double)(j % 3) + 1.0);
    for (int64_t j = 0; j < N; j++) {
        double tj = 0;
        for (spg_int p = colptr[j]; p < colptr[j + 1]; p++)
            tj += (double)a[p] * (double)x[rowind[p]];
        t[j] = (spg_real)tj;
        if (colptr[j] < colptr[j + 1])
            ref += (double)y[j] * (double)t[j];
    }
    for (int64_t j = 0; j < N; j++)
        sum += spg_k_bilinear_term(colptr, y, t, j);
    CHECK(sum == ref); /* the column terms sum to x' A y (same order, same bits) */
    CHECK(!isnan(sum)); /* an empty column's NaN in y stays out of the sum */
}

/* The column body of the sampled outer product, four entries at a time,
 * has the bits of the sum over r in order for each entry, for every rank
 * and column length (remainders of 0 to 3 entries), with padded U and V. */
static void test_sampled_outer(const spg_int *colptr, const spg_int *rowind, spg_int nnz)
{
    enum { LDU = M + 3, LDV = N + 2, K = 8 };
    spg_real U[LDU * K], V[LDV * K], dA[M * N], ref[M * N];
    for (int64_t q = 0; q < LDU * K; q++)
        U[q] = (spg_real)(1.0 / (double)(q % 11 + 3) - 0.1); /* inexact sums: order shows */
    for (int64_t q = 0; q < LDV * K; q++)
        V[q] = (spg_real)(1.0 / (double)(q % 13 + 7) + 0.03 * (double)(q % 5));
    const int64_t ranks[] = {1, 2, 3, 5, K};
    for (size_t c = 0; c < sizeof ranks / sizeof *ranks; c++) {
        const int64_t k = ranks[c];
        const spg_real alpha = (spg_real)-0.7;
        for (spg_int p = 0; p < nnz; p++)
            dA[p] = ref[p] = (spg_real)(0.01 * (double)p);
        for (int64_t j = 0; j < N; j++) {
            for (spg_int p = colptr[j]; p < colptr[j + 1]; p++) {
                spg_real t = U[rowind[p]] * V[j];
                for (int64_t r = 1; r < k; r++)
                    t += U[rowind[p] + r * LDU] * V[j + r * LDV];
                ref[p] += alpha * t;
            }
            spg_k_col_sampled_outer(colptr, rowind, k, U, LDU, V, LDV, alpha, dA, j);
        }
        CHECK(memcmp(dA, ref, (size_t)nnz * sizeof *dA) == 0);
    }
}

/* A span is in range exactly when each of its triplets is: base <= I < base
 * + m and the same for J, at the ends of the index type and of m. */
static void test_span_in_range(void)
{
    const spg_int edge[] = {0, 1, 2, 4, 5, 6, -1, -2, SPG_INT_MAX, SPG_INT_MAX - 1,
                            -SPG_INT_MAX, -SPG_INT_MAX - 1};
    const int64_t dims[] = {0, 1, 5, SPG_INT_MAX - 1, SPG_INT_MAX, INT64_MAX / 2, INT64_MAX};
    const size_t ne = sizeof edge / sizeof *edge, nd = sizeof dims / sizeof *dims;
    for (int base = 0; base <= 1; base++)
        for (size_t a = 0; a < nd; a++)
            for (size_t e = 0; e < ne; e++) {
                const int64_t m = dims[a], n = 5;
                const spg_int I[2] = {base, edge[e]}, J[2] = {edge[e], base};
                const int row = edge[e] >= base && edge[e] - base < m;
                const int col = edge[e] >= base && edge[e] - base < n;
                CHECK(spg_k_coo_span_in_range(I, J, 1, 2, base, m, n) == row);
                CHECK(spg_k_coo_span_in_range(I, J, 0, 1, base, m, n) == (col && m > 0));
                CHECK(spg_k_coo_span_in_range(I, J, 0, 2, base, m, n) == (row && col));
                CHECK(spg_k_coo_span_in_range(I, J, 2, 2, base, m, n)); /* empty */
            }
}

int main(void)
{
    spg_int colptr[N + 1], rowind[M * N];
    spg_real a[M * N];
    uint64_t seed = 12345;
    test_span_in_range();
    for (int round = 0; round < 20; round++) {
        spg_int nnz = make_csc(&seed, colptr, rowind, a);
        test_transpose(colptr, rowind, a, nnz);
        test_bilinear_terms(colptr, rowind, a);
        test_sampled_outer(colptr, rowind, nnz);
    }
    return spg_test_done();
}
