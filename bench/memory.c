/* Peak resident memory of the gradient of f(V) = x' A(V) y against the
 * arrays the problem needs, on fem2d-N or fem3d-N:
 *
 *   spgrad_memory fem2d-1000 [threads]
 *
 * The peak (VmHWM) is reset through /proc/self/clear_refs before each
 * phase, so each line gives the high-water mark of that phase alone,
 * everything resident included (program, libraries, thread stacks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fem.h"
#include "spgrad.h"

static double mib(double bytes)
{
    return bytes / (1024.0 * 1024.0);
}

/* A field of /proc/self/status in bytes, or -1. */
static double status_bytes(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kib = -1;
    const size_t len = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, len) == 0 && line[len] == ':')
            kib = strtod(line + len + 1, NULL);
    if (f)
        fclose(f);
    return kib < 0 ? -1 : kib * 1024;
}

/* Resets the peak to the current resident size; 0 on success. */
static int reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static void line(const char *phase, double needed)
{
    const double peak = status_bytes("VmHWM");
    printf("  %-34s needs %8.1f MiB  peak %8.1f MiB  ratio %.3f\n", phase, mib(needed), mib(peak),
           peak / needed);
}

static int fail(const char *what, spg_status st)
{
    fprintf(stderr, "spgrad_memory: %s: %s\n", what, spg_status_string(st));
    return 1;
}

int main(int argc, char **argv)
{
    spg_fem fem;
    const int made = argc < 2 ? -1 : spg_fem_make(argv[1], &fem);
    if (made == -1) {
        fprintf(stderr, "usage: spgrad_memory fem2d-N|fem3d-N [threads]\n");
        return 2;
    }
    if (made != 0) {
        fprintf(stderr, "spgrad_memory: cannot make %s\n", argv[1]);
        return 1;
    }
    const int64_t m = fem.nodes, K = fem.triplets;
    const spg_coo coo = {m, m, K, SPG_INT32, fem.I, fem.J};
    const double *V = fem.V;
    int64_t threads = 0;
    if (argc > 2 && spg_arg_int(argv[2], 0, SPG_MAX_THREADS, &threads)) {
        fprintf(stderr, "spgrad_memory: threads must be an integer in 0..%d, not '%s'\n",
                SPG_MAX_THREADS, argv[2]);
        return 2;
    }
    spg_context *ctx;
    spg_status st = spg_context_create(SPG_BACKEND_CPU, &ctx);
    if (st == SPG_SUCCESS)
        st = spg_context_set_threads(ctx, (int)threads);
    if (st != SPG_SUCCESS)
        return fail("context", st);
    if (reset_peak() != 0) {
        fprintf(stderr, "spgrad_memory: cannot reset the peak (/proc/self/clear_refs)\n");
        return 1;
    }
    const double triplets = 16.0 * (double)K; /* I, J (int32) and V (double) */
    printf("spgrad_memory: %s, %lld x %lld, %lld triplets, resident after set-up %.1f MiB\n",
           argv[1], (long long)m, (long long)m, (long long)K, mib(status_bytes("VmRSS")));

    spg_plan *plan;
    st = spg_plan_create(ctx, &coo, 0, &plan);
    if (st != SPG_SUCCESS)
        return fail("plan", st);
    const int64_t nnz = spg_plan_nnz(plan);
    /* colptr, rowind, seg (int32), perm and slot (one int32 per triplet) */
    const double plan_bytes = 4.0 * (double)(m + 1) + 8.0 * (double)nnz + 4 + 8.0 * (double)K;
    line("plan creation", triplets + plan_bytes);

    double *x = malloc(8 * (size_t)m), *y = malloc(8 * (size_t)m);
    double *Ax = malloc(8 * (size_t)nnz), *dA = calloc((size_t)nnz, 8);
    double *dV = calloc((size_t)K, 8);
    if (!x || !y || !Ax || !dA || !dV) {
        fprintf(stderr, "spgrad_memory: out of memory\n");
        return 1;
    }
    for (int64_t i = 0; i < m; i++) {
        x[i] = 1.0 / (double)(i + 1);
        y[i] = (double)(1 + i % 7);
    }
    memset(dA, 0, 8 * (size_t)nnz); /* resident before the phase, as the caller's would be */
    memset(dV, 0, 8 * (size_t)K);
    /* through the plan: triplets, plan, x, y, A's values, dA, dV */
    const double vec = 16.0 * (double)m;
    reset_peak();
    spg_csc A;
    double f = 0;
    st = spg_assemble(ctx, plan, SPG_DOUBLE, V, Ax);
    if (st == SPG_SUCCESS)
        st = spg_plan_csc(plan, SPG_DOUBLE, Ax, &A);
    if (st == SPG_SUCCESS)
        st = spg_bilinear(ctx, &A, x, y, &f);
    if (st == SPG_SUCCESS)
        st = spg_bilinear_pullback(ctx, &A, x, y, 1.0, dA, NULL, NULL);
    if (st == SPG_SUCCESS)
        st = spg_assemble_pullback(ctx, plan, SPG_DOUBLE, dA, dV);
    if (st != SPG_SUCCESS)
        return fail("gradient through the plan", st);
    line("df/dV through the plan", triplets + plan_bytes + vec + 16.0 * (double)nnz + 8.0 * (double)K);

    /* straight to the triplets: triplets, x, y, dV */
    free(Ax);
    free(dA);
    spg_plan_destroy(plan);
    memset(dV, 0, 8 * (size_t)K);
    reset_peak();
    st = spg_coo_bilinear_pullback(ctx, &coo, 0, SPG_DOUBLE, x, y, 1.0, dV);
    if (st != SPG_SUCCESS)
        return fail("COO pullback", st);
    line("df/dV straight to the triplets", triplets + vec + 8.0 * (double)K);
    printf("  (f = %.17g; peaks include the program, its libraries and thread stacks)\n", f);

    free(x);
    free(y);
    free(dV);
    spg_context_destroy(ctx);
    spg_fem_free(&fem);
    return 0;
}
