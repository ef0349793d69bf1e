/* The kernel bodies that only the CUDA backend launches, run here on the
 * CPU one element at a time as the device runs them one thread at a time:
 * kernels/transpose.h (the row-compressed pattern and the A x by rows
 * through it), the entry-parallel bodies of the sampled outer product and
 * of the CSC check, and spg_k_bilinear_term (the column terms of x' A y).
 * The stable radix sort of the device (CUB) is a stable counting sort here.
 * Also two bodies both backends run, at their edges: the column body of
 * the sampled outer product, four entries at a time, and the branch-free
 * range check of COO spans at the ends of the index type. Compiled once
 * per value and index type instance that CMake names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/coo.h"
#include "../kernels/transpose.h"
#include "check.h"

enum { M = 37, N = 29 };

/* A random m x n CSC pattern (rows ascending in each column; columns 3,
 * 10, 17, 24 and rows 5, 17, 29 empty) and its values. */
static spg_int make_csc(uint64_t *seed, spg_int *colptr, spg_int *rowind, spg_real *a)
{
    spg_int nnz = 0;
    for (int64_t j = 0; j < N; j++) {
        colptr[j] = nnz;
        for (int64_t i = 0; i < M; i++) {
            *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
            if ((*seed >> 33) % 4 == 0 && j % 7 != 3 && i % 12 != 5) {
                rowind[nnz] = (spg_int)i;
                a[nnz++] = (spg_real)((double)((*seed >> 40) % 1000) / 64.0 - 7.0);
            }
        }
    }
    colptr[N] = nnz;
    return nnz;
}

/* The row-compressed pattern as the CUDA backend builds it: the column of
 * each entry, iota, a stable sort of the rows carrying the positions,
 * row_start and permute_col. */
static void transpose_by_bodies(const spg_int *colptr, const spg_int *rowind, spg_int nnz,
                                spg_int *rowptr, spg_int *colT, spg_int *pos)
{
    spg_int col[M * N], idx[M * N], rows[M * N], count[M + 1] = {0};
    for (int64_t p = 0; p < nnz; p++)
        spg_k_entry_col_fill(colptr, N, col, p);
    for (int64_t p = 0; p < nnz; p++)
        spg_k_iota(idx, p);
    for (int64_t p = 0; p < nnz; p++) /* stable counting sort of the rows */
        count[rowind[p] + 1]++;
    for (int64_t i = 0; i < M; i++)
        count[i + 1] += count[i];
    for (int64_t p = 0; p < nnz; p++) {
        spg_int q = count[rowind[p]]++;
        rows[q] = rowind[p], pos[q] = idx[p];
    }
    for (int64_t i = 0; i <= M; i++)
        spg_k_row_start(rows, nnz, rowptr, i);
    for (int64_t q = 0; q < nnz; q++)
        spg_k_permute_col(pos, col, colT, q);
}

/* The reference CSR: each column's entries appended to their rows, in
 * column order, with their positions in A. */
static void transpose_reference(const spg_int *colptr, const spg_int *rowind, spg_int *rowptr,
                                spg_int *colT, spg_int *pos)
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
            colT[q] = (spg_int)j, pos[q] = p;
        }
}

/* The bodies build the reference pattern, and A x through it sums each row
 * in ascending column order: the bits of that sum written out, for values
 * and for a pattern matrix, with beta 0 (a NaN in y is not read), 1 and
 * another value. */
static void test_transpose(const spg_int *colptr, const spg_int *rowind, const spg_real *a,
                           spg_int nnz)
{
    spg_int rp[M + 1], rp_ref[M + 1], ct[M * N], ct_ref[M * N], pos[M * N], pos_ref[M * N];
    transpose_by_bodies(colptr, rowind, nnz, rp, ct, pos);
    transpose_reference(colptr, rowind, rp_ref, ct_ref, pos_ref);
    CHECK(!memcmp(rp, rp_ref, sizeof rp)); /* row pointers of the transpose */
    CHECK(!memcmp(ct, ct_ref, (size_t)nnz * sizeof *ct)); /* columns of the transpose */
    CHECK(!memcmp(pos, pos_ref, (size_t)nnz * sizeof *pos)); /* positions in A */
    spg_real x[N], y[M], ref[M];
    for (int64_t j = 0; j < N; j++)
        x[j] = (spg_real)(1.0 / (double)(j + 3) - 0.2);
    const double betas[] = {0, 1, -0.3};
    for (int pattern = 0; pattern < 2; pattern++)
        for (size_t b = 0; b < sizeof betas / sizeof *betas; b++) {
            const spg_real *v = pattern ? NULL : a, alpha = (spg_real)0.7;
            const spg_real beta = (spg_real)betas[b];
            for (int64_t i = 0; i < M; i++) {
                spg_real t = 0, y0 = beta == 0 ? (spg_real)NAN : (spg_real)(0.1 * (double)i);
                int seen = 0;
                for (int64_t j = 0; j < N; j++)
                    for (spg_int p = colptr[j]; p < colptr[j + 1]; p++)
                        if (rowind[p] == i)
                            t += (v ? v[p] : (spg_real)1) * x[j], seen = 1;
                const spg_real by = beta == 0 ? (spg_real)0 : beta * y0;
                ref[i] = seen ? alpha * t + by : by;
                y[i] = y0;
                spg_k_row_axpby(rp, ct, pos, v, x, alpha, beta, y, i);
            }
            CHECK(!memcmp(y, ref, sizeof y)); /* A x by rows, in column order */
        }
    spg_real ones[M * N];
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
 * and column length (remainders of 0 to 3 entries), with padded U and V,
 * whether V's row j is copied (k <= SPG_K_VROW) or read through ldv. */
static void test_sampled_outer(const spg_int *colptr, const spg_int *rowind, spg_int nnz)
{
    enum { LDU = M + 3, LDV = N + 2, K = SPG_K_VROW + 2 };
    spg_real U[LDU * K], V[LDV * K], dA[M * N], ref[M * N];
    for (int64_t q = 0; q < LDU * K; q++)
        U[q] = (spg_real)(1.0 / (double)(q % 11 + 3) - 0.1); /* inexact sums: order shows */
    for (int64_t q = 0; q < LDV * K; q++)
        V[q] = (spg_real)(1.0 / (double)(q % 13 + 7) + 0.03 * (double)(q % 5));
    /* V's row local up to SPG_K_VROW, then read through ldv */
    const int64_t ranks[] = {1, 2, 3, 5, 8, SPG_K_VROW, SPG_K_VROW + 1, K};
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

/* The entry-parallel bodies: each entry finds its column (past empty
 * columns), its sampled outer product has the column body's bits, and the
 * column bounds with the entry checks accept exactly the structures that
 * the column check accepts, under corruptions of rows and of colptr. */
static void test_entry_bodies(const spg_int *colptr, const spg_int *rowind, spg_int nnz)
{
    int found = 1;
    for (int64_t j = 0; j < N; j++)
        for (spg_int p = colptr[j]; p < colptr[j + 1]; p++)
            found &= spg_k_entry_col(colptr, N, p) == j;
    CHECK(found); /* the column of every entry */
    enum { LDU = M + 1, LDV = N + 3, K = 8 };
    spg_real U[LDU * K], V[LDV * K], dA[M * N], ref[M * N];
    for (int64_t q = 0; q < LDU * K; q++)
        U[q] = (spg_real)(1.0 / (double)(q % 7 + 2) - 0.2);
    for (int64_t q = 0; q < LDV * K; q++)
        V[q] = (spg_real)(1.0 / (double)(q % 9 + 5) + 0.01 * (double)(q % 4));
    for (int64_t k = 1; k <= K; k += 3) {
        for (spg_int p = 0; p < nnz; p++)
            dA[p] = ref[p] = (spg_real)(0.02 * (double)p);
        for (int64_t j = 0; j < N; j++)
            spg_k_col_sampled_outer(colptr, rowind, k, U, LDU, V, LDV, (spg_real)1.3, ref, j);
        for (spg_int p = 0; p < nnz; p++)
            spg_k_entry_sampled_outer(rowind, k, U, LDU, V, LDV, (spg_real)1.3, dA,
                                      spg_k_entry_col(colptr, N, p), p);
        CHECK(!memcmp(dA, ref, (size_t)nnz * sizeof *dA)); /* entry by entry, same bits */
    }
    spg_int cp[N + 1], ri[M * N];
    for (int c = 0; c < 7; c++) {
        memcpy(cp, colptr, sizeof cp);
        memcpy(ri, rowind, (size_t)nnz * sizeof *ri);
        int64_t j = 0; /* the first column of two entries or more, and its second */
        while (colptr[j + 1] - colptr[j] < 2)
            j++;
        const spg_int p = colptr[j] + 1;
        if (c == 1)
            ri[p] = M; /* a row out of range */
        if (c == 2)
            ri[p] = -1; /* a negative row */
        if (c == 3)
            ri[p] = ri[p - 1]; /* a repeated row */
        if (c == 4)
            cp[j] = cp[j + 1] + 1; /* a column that ends before it starts */
        if (c == 5)
            cp[j + 1] = nnz + 2; /* a column past the entries */
        if (c == 6) { /* two rows out of order */
            const spg_int t = ri[p];
            ri[p] = ri[p - 1], ri[p - 1] = t;
        }
        int by_cols = 1, by_entries = 1;
        for (int64_t jj = 0; jj < N; jj++) {
            by_cols &= spg_k_col_valid(cp, ri, M, nnz, jj);
            by_entries &= spg_k_colptr_valid(cp, nnz, jj);
        }
        for (spg_int q = 0; q < nnz; q++)
            by_entries &= spg_k_entry_valid(cp, ri, M, spg_k_entry_col(cp, N, q), q);
        CHECK(by_cols == by_entries); /* the same verdict, case c */
        CHECK(by_cols == (c == 0)); /* each corruption is found */
    }
}

/* A span is in range exactly when each of its triplets is: base <= I < base
 * + m and the same for J, at the ends of the index type and of m; and so is
 * each index array alone. */
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
                CHECK(spg_k_coo_indices_in_range(I, 1, 2, base, m) == row);
                CHECK(spg_k_coo_indices_in_range(J, 0, 1, base, n) == col);
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
        test_entry_bodies(colptr, rowind, nnz);
    }
    return spg_test_done();
}
