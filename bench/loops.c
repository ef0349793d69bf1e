/* How fast one core runs the column loops of SpMV over a plan's CSC arrays
 * (double values, int32 indices), on fem2d-N or fem3d-N:
 *
 *   spgrad_loops fem2d-1000
 *
 * Rows: the library's SpMV N and T, then variants of the gather
 * y_j = sum_p a_p x_{i_p} written here (each says whether it gives the
 * library's bits), and the same loop with no gather of x: it reads the same
 * colptr, rowind and values and writes y, the floor of any loop of this
 * shape. Each row runs on 1 thread and on all, medians of 9 calls; GB/s
 * follow the minimum-bytes model of SpMV in bench.cpp (12 nnz + 4 (n + 1)
 * + 8 (m + n) bytes), and each fraction is of a STREAM triad (a = b + s c,
 * 24 bytes an element, arrays of 40M doubles) measured right after the
 * row with the same thread count. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fem.h"
#include "spgrad.h"

enum { CALLS = 9, TRIADS = 5, TRIAD_LEN = 40 * 1000 * 1000 };

typedef struct csc {
    int64_t m, n;
    const int32_t *colptr, *rowind;
    const double *a;
} csc;

/* y = A x through the library, and y = A' x */
static spg_context *ctx;
static spg_csc view;
static void lib_n(const csc *A, const double *x, double *y)
{
    (void)A;
    spg_spmv(ctx, SPG_OP_N, 1, &view, x, 0, y);
}
static void lib_t(const csc *A, const double *x, double *y)
{
    (void)A;
    spg_spmv(ctx, SPG_OP_T, 1, &view, x, 0, y);
}

/* y_j = sum_p a_p x_{i_p}, one sum in entry order (the library's bits) */
static void one_sum(const csc *A, const double *x, double *y)
{
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < A->n; j++) {
        double t = 0;
        for (int32_t p = A->colptr[j]; p < A->colptr[j + 1]; p++)
            t += A->a[p] * x[A->rowind[p]];
        y[j] = t;
    }
}

/* two sums, of the even and the odd entries, then added (other bits) */
static void two_sums(const csc *A, const double *x, double *y)
{
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < A->n; j++) {
        double t0 = 0, t1 = 0;
        int32_t p = A->colptr[j];
        for (; p + 2 <= A->colptr[j + 1]; p += 2) {
            t0 += A->a[p] * x[A->rowind[p]];
            t1 += A->a[p + 1] * x[A->rowind[p + 1]];
        }
        if (p < A->colptr[j + 1])
            t0 += A->a[p] * x[A->rowind[p]];
        y[j] = t0 + t1;
    }
}

/* four products formed, then added in order (the library's bits) */
static void four_products(const csc *A, const double *x, double *y)
{
    const int32_t *ri = A->rowind;
    const double *a = A->a;
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < A->n; j++) {
        double t = 0;
        int32_t p = A->colptr[j];
        for (; p + 4 <= A->colptr[j + 1]; p += 4) {
            const double q0 = a[p] * x[ri[p]], q1 = a[p + 1] * x[ri[p + 1]];
            const double q2 = a[p + 2] * x[ri[p + 2]], q3 = a[p + 3] * x[ri[p + 3]];
            t += q0, t += q1, t += q2, t += q3;
        }
        for (; p < A->colptr[j + 1]; p++)
            t += a[p] * x[ri[p]];
        y[j] = t;
    }
}

/* columns j and j + 1 summed side by side (the library's bits) */
static void column_pairs(const csc *A, const double *x, double *y)
{
    const int32_t *cp = A->colptr, *ri = A->rowind;
    const double *a = A->a;
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < A->n; j += 2) {
        const int64_t k = j + 1 < A->n ? j + 1 : j; /* the last column alone */
        int32_t p = cp[j], q = cp[k];
        double t = 0, u = 0;
        for (; p < cp[j + 1] && q < cp[k + 1]; p++, q++)
            t += a[p] * x[ri[p]], u += a[q] * x[ri[q]];
        for (; p < cp[j + 1]; p++)
            t += a[p] * x[ri[p]];
        for (; q < cp[k + 1]; q++)
            u += a[q] * x[ri[q]];
        y[k] = u, y[j] = t;
    }
}

/* the same bytes without the gather: y_j = sum_p (a_p + i_p) */
static void no_gather(const csc *A, const double *x, double *y)
{
    (void)x;
#pragma omp parallel for schedule(static)
    for (int64_t j = 0; j < A->n; j++) {
        double t = 0;
        for (int32_t p = A->colptr[j]; p < A->colptr[j + 1]; p++)
            t += A->a[p] + (double)A->rowind[p];
        y[j] = t;
    }
}

static int by_value(const void *a, const void *b)
{
    const double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* the median of 5 triads, GB/s */
static double triad_gbs(double *ta, const double *tb, const double *tc)
{
    double gbs[TRIADS];
    for (int r = 0; r < TRIADS; r++) {
        const double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < TRIAD_LEN; i++)
            ta[i] = tb[i] + 3.0 * tc[i];
        gbs[r] = 24.0 * TRIAD_LEN / (omp_get_wtime() - t0) / 1e9;
    }
    qsort(gbs, TRIADS, sizeof *gbs, by_value);
    return gbs[TRIADS / 2];
}

int main(int argc, char **argv)
{
    spg_fem fem;
    const int made = argc < 2 ? -1 : spg_fem_make(argv[1], &fem);
    if (made == -1) {
        fprintf(stderr, "usage: spgrad_loops fem2d-N|fem3d-N\n");
        return 2;
    }
    spg_plan *plan = NULL;
    const spg_coo coo = {fem.nodes, fem.nodes, fem.triplets, SPG_INT32, fem.I, fem.J};
    if (made != 0 || spg_context_create(SPG_BACKEND_CPU, &ctx) ||
        spg_plan_create(ctx, &coo, 0, &plan)) {
        fprintf(stderr, "spgrad_loops: cannot make %s and its plan\n", argv[1]);
        return 1;
    }
    const int64_t nnz = spg_plan_nnz(plan), m = fem.nodes, n = fem.nodes;
    double *a = malloc((size_t)nnz * sizeof *a), *x = malloc((size_t)n * sizeof *x);
    double *y = malloc((size_t)m * sizeof *y), *ref = malloc((size_t)m * sizeof *ref);
    double *ta = malloc(TRIAD_LEN * sizeof *ta), *tb = malloc(TRIAD_LEN * sizeof *tb);
    double *tc = malloc(TRIAD_LEN * sizeof *tc);
    if (!a || !x || !y || !ref || !ta || !tb || !tc || spg_assemble(ctx, plan, SPG_DOUBLE, fem.V, a) ||
        spg_plan_csc(plan, SPG_DOUBLE, a, &view) || view.itype != SPG_INT32) {
        fprintf(stderr, "spgrad_loops: cannot assemble %s\n", argv[1]);
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < TRIAD_LEN; i++) /* first touch by the threads that use them */
        ta[i] = 0, tb[i] = 1, tc[i] = 2;
    for (int64_t i = 0; i < n; i++)
        x[i] = 0.5 + 1e-3 * (double)(i % 977);
    const csc A = {m, n, view.colptr, view.rowind, a};
    const struct {
        const char *name;
        void (*run)(const csc *, const double *, double *);
        int gathers; /* y = A' x, to compare with the library's bits */
    } rows[] = {{"library SpMV N", lib_n, 0},
                {"library SpMV T", lib_t, 0},
                {"one sum per column", one_sum, 1},
                {"two sums per column", two_sums, 1},
                {"four products, then sums", four_products, 1},
                {"columns in pairs", column_pairs, 1},
                {"the same bytes, no gather", no_gather, 0}};
    const double bytes = 12.0 * (double)nnz + 4.0 * (double)(n + 1) + 8.0 * (double)(m + n);
    const int all = omp_get_max_threads();
    printf("spgrad_loops: %s, %lld x %lld, %lld entries, %.1f MB by the SpMV model\n", argv[1],
           (long long)m, (long long)n, (long long)nnz, bytes / 1e6);
    for (int threads = 1; threads <= all; threads = threads == all ? all + 1 : all) {
        omp_set_num_threads(threads);
        spg_context_set_threads(ctx, threads);
        printf("\n%d thread%s        ms     GB/s  of triad  triad GB/s  bits\n", threads,
               threads > 1 ? "s" : " ");
        lib_t(&A, x, ref);
        for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
            double ms[CALLS];
            for (int c = 0; c < CALLS; c++) {
                const double t0 = omp_get_wtime();
                rows[r].run(&A, x, y);
                ms[c] = (omp_get_wtime() - t0) * 1e3;
            }
            qsort(ms, CALLS, sizeof *ms, by_value);
            const double gbs = bytes / ms[CALLS / 2] / 1e6, triad = triad_gbs(ta, tb, tc);
            const int same = !memcmp(y, ref, (size_t)m * sizeof *y);
            const char *bits = !rows[r].gathers ? "" : same ? "same" : "other";
            printf("  %-26s %7.3f %7.1f %8.2f %10.1f    %s\n", rows[r].name, ms[CALLS / 2], gbs,
                   gbs / triad, triad, bits);
        }
    }
    free(a), free(x), free(y), free(ref), free(ta), free(tb), free(tc);
    spg_plan_destroy(plan);
    spg_context_destroy(ctx);
    spg_fem_free(&fem);
    return 0;
}
