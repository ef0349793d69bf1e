/* What bounds the rank-k sampled outer product on one core, on fem2d-N or
 * fem3d-N (double values, int32 indices):
 *
 *   spgrad_window fem3d-80 [K [COLUMNS [ROUNDS]]]      (default 8 4096 7)
 *
 * spg_sampled_outer (dA += U V' at A's pattern) on the whole matrix, and on
 * a window of COLUMNS columns from its middle called again and again: the
 * window's dA, rows and band of U (its rows from the matrix's U) stay in
 * the L2 and L3 (about 2.6 MB at 4,096 columns of fem3d-80), so its time
 * per entry is what the core takes with no traffic to memory. Where the
 * two are close, memory is not what bounds the kernel. Both through the
 * library, on 1 thread, alternating; each timed call after an untimed
 * one; medians of ROUNDS, in ns an entry. A window of a few hundred
 * entries would time the call's own overhead instead. Where ranks 6 to 8
 * go by rows of U (AVX-512), each call fills its ring with the window's
 * band of U again, which the whole matrix does once: there the window
 * carries that copy, and a wide window (16,384 columns) keeps it small. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "device.h"
#include "fem.h"
#include "spgrad.h"
#include "tools.h"

static const char *const tool = "spgrad_window";

static void need(spg_status st, const char *what)
{
    if (st != SPG_SUCCESS) {
        fprintf(stderr, "%s: %s: %s\n", tool, what, spg_status_string(st));
        exit(1);
    }
}

/* dA += U V' on A, calls times; the time of the last call group, in s */
static double timed(spg_context *ctx, const spg_csc *A, int64_t k, const double *U,
                    int64_t ldu, const double *V, int64_t ldv, double *dA, int64_t calls)
{
    need(spg_sampled_outer(ctx, A, k, U, ldu, V, ldv, 1.0, dA), "sampled outer");
    const double t0 = spg_now();
    for (int64_t c = 0; c < calls; c++)
        need(spg_sampled_outer(ctx, A, k, U, ldu, V, ldv, 1.0, dA), "sampled outer");
    return spg_now() - t0;
}

int main(int argc, char **argv)
{
    int64_t k = 8, width = 4096, rounds = 7;
    spg_fem fem;
    if (argc < 2 || argc > 5 || (argc > 2 && spg_arg_int(argv[2], 1, 64, &k)) ||
        (argc > 3 && spg_arg_int(argv[3], 1, 1 << 24, &width)) ||
        (argc > 4 && spg_arg_int(argv[4], 1, 1000, &rounds)) || spg_fem_make(argv[1], &fem) == -1) {
        fprintf(stderr, "usage: spgrad_window fem2d-N|fem3d-N [K [COLUMNS [ROUNDS]]]\n");
        return 2;
    }
    if (!fem.I || fem.nodes > INT32_MAX) {
        fprintf(stderr, "spgrad_window: %s: cannot make the problem\n", argv[1]);
        return 1;
    }
    const int64_t n = fem.nodes;
    spg_context *ctx;
    need(spg_context_create(SPG_BACKEND_CPU, &ctx), "context");
    need(spg_context_set_threads(ctx, 1), "threads");
    const spg_coo coo = {n, n, fem.triplets, SPG_INT32, fem.I, fem.J};
    spg_plan *plan;
    need(spg_plan_create(ctx, &coo, 0, &plan), "plan");
    const int64_t nnz = spg_plan_nnz(plan);
    double *Ax = spg_tool_calloc(tool, nnz, sizeof *Ax);
    double *dA = spg_tool_calloc(tool, nnz, sizeof *dA);
    double *U = spg_tool_calloc(tool, n * k, sizeof *U);
    double *V = spg_tool_calloc(tool, n * k, sizeof *V);
    need(spg_assemble(ctx, plan, SPG_DOUBLE, fem.V, Ax), "assemble");
    spg_csc A;
    need(spg_plan_csc(plan, SPG_DOUBLE, Ax, &A), "csc view");
    for (int64_t q = 0; q < n * k; q++) /* exact in double: the sums stay finite */
        U[q] = 1.0 + (double)(q % 7) / 8, V[q] = 0.5 + (double)(q % 5) / 4;
    /* the window: columns j0 .. j0 + width - 1, its colptr from 0 */
    if (width > n)
        width = n;
    const int64_t j0 = (n - width) / 2;
    const int32_t *colptr = A.colptr;
    int32_t *wcol = spg_tool_calloc(tool, width + 1, sizeof *wcol);
    for (int64_t c = 0; c <= width; c++)
        wcol[c] = colptr[j0 + c] - colptr[j0];
    spg_csc W = A;
    W.n = width, W.nnz = wcol[width], W.colptr = wcol, W.analysis = NULL; /* not the plan's */
    W.rowind = (const int32_t *)A.rowind + colptr[j0];
    W.values = Ax + colptr[j0];
    if (W.nnz == 0) {
        fprintf(stderr, "spgrad_window: the window holds no entry\n");
        return 1;
    }
    const int64_t calls = (nnz + W.nnz - 1) / W.nnz;
    double *all = spg_tool_calloc(tool, rounds, sizeof *all);
    double *win = spg_tool_calloc(tool, rounds, sizeof *win);
    for (int64_t r = 0; r < rounds; r++) {
        all[r] = timed(ctx, &A, k, U, n, V, n, dA, 1) / (double)nnz;
        win[r] = timed(ctx, &W, k, U, n, V + j0, n, dA + colptr[j0], calls) /
                 ((double)calls * (double)W.nnz);
    }
    const double a = 1e9 * spg_median(all, (int)rounds), w = 1e9 * spg_median(win, (int)rounds);
    printf("spgrad_window: %s, k = %lld, 1 thread, medians of %lld\n", argv[1], (long long)k,
           (long long)rounds);
    printf("whole matrix   %10lld entries             %7.3f ns an entry\n", (long long)nnz, a);
    printf("window         %10lld entries, %5lld calls %7.3f ns an entry (%.2f of the whole)\n",
           (long long)W.nnz, (long long)calls, w, w / a);
    return 0;
}
