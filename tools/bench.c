/* spgrad bench: every kernel timed on one problem and one backend, with
 * the bytes model of tools/model.h, GB/s, and the fraction of a reference
 * bandwidth measured in the same run (a STREAM triad on the CPU, a
 * device-to-device copy on the GPU). The program's own timer, for machines
 * without Google Benchmark (GPU nodes, mostly); bench/bench.cpp keeps the
 * CPU suite. Arrays are made once and kept across calls (no first-touch
 * cost in the times); each time is the median of --reps calls after one
 * warm-up call, with the device synchronised after each call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "args.h"
#include "device.h"
#include "fem.h"
#include "model.h"
#include "spgrad.h"
#include "tools.h"
#include "values.h"

typedef struct problem {
    char name[256];
    int64_t m, n, nt;
    const int32_t *I, *J; /* zero-based */
    const double *V;
    spg_fem fem; /* fem2d-N, fem3d-N: I, J, V are its arrays */
} problem;

/* Triplet arrays of count entries, all three or none (NULL, returns -1). */
static int triplet_arrays(int64_t count, int32_t **I, int32_t **J, double **V)
{
    *I = malloc((size_t)(count + 1) * sizeof **I), *J = malloc((size_t)(count + 1) * sizeof **J);
    *V = malloc((size_t)(count + 1) * sizeof **V);
    if (*I && *J && *V)
        return 0;
    free(*I), free(*J), free(*V);
    *I = *J = NULL, *V = NULL;
    return -1;
}

static void problem_free(problem *p)
{
    if (p->fem.triplets)
        spg_fem_free(&p->fem);
    else
        free((void *)p->I), free((void *)p->J), free((void *)p->V);
    p->I = p->J = NULL, p->V = NULL;
}

typedef struct bench {
    spg_context *ctx;
    spg_backend backend;
    spg_dtype dtype;
    size_t vs;
    int threads, reps;
    problem p;
    spg_coo coo; /* indices where the calls see them */
    spg_plan *plan, *made; /* made: the plan a timed plan_create made */
    int64_t nnz;
    void *V, *Ax, *dA, *dV, *x, *y, *dx, *dy, *U, *W; /* where the calls see them */
} bench;

static void check(spg_status st, const char *what)
{
    if (st != SPG_SUCCESS) {
        fprintf(stderr, "spgrad bench: %s: %s\n", what, spg_status_string(st));
        exit(1);
    }
}

/* random-M: M x M with 8M uniform triplets in [-0.5, 0.5) (seed 7). */
static int random_problem(int64_t M, problem *p)
{
    spg_rng r = {7};
    int32_t *I, *J;
    double *V;
    p->m = p->n = M, p->nt = 8 * M;
    if (triplet_arrays(p->nt, &I, &J, &V))
        return -1;
    for (int64_t k = 0; k < p->nt; k++) {
        I[k] = (int32_t)spg_rng_below(&r, M), J[k] = (int32_t)spg_rng_below(&r, M);
        V[k] = spg_rng_unit(&r) - 0.5;
    }
    p->I = I, p->J = J, p->V = V;
    return 0;
}

/* FILE.mtx, zero-based; a pattern file's values are 1. */
static int file_problem(const char *path, problem *p)
{
    char err[256];
    spg_mm mm;
    int32_t *I, *J;
    double *V;
    FILE *f = fopen(path, "r");
    if (!f || spg_mm_read(f, &mm, err, sizeof err)) {
        fprintf(stderr, "spgrad bench: %s: %s\n", path, f ? err : "cannot open");
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    p->m = mm.m, p->n = mm.n, p->nt = mm.nnz;
    int st = triplet_arrays(p->nt, &I, &J, &V);
    for (int64_t k = 0; !st && k < p->nt; k++)
        I[k] = (int32_t)(mm.I[k] - 1), J[k] = (int32_t)(mm.J[k] - 1),
        V[k] = mm.V ? mm.V[k] : 1.0;
    spg_mm_free(&mm);
    p->I = I, p->J = J, p->V = V;
    return st;
}

/* fem2d-N, fem3d-N (the generator's arrays, used as they are), random-M
 * or a Matrix Market file. */
static int make_problem(const char *name, problem *p)
{
    int64_t M;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    if (!strncmp(name, "random-", 7))
        return spg_arg_int(name + 7, 1, INT32_MAX / 8, &M) ? -1 : random_problem(M, p);
    if (strncmp(name, "fem2d-", 6) && strncmp(name, "fem3d-", 6))
        return file_problem(name, p);
    if (spg_fem_make(name, &p->fem))
        return -1;
    p->m = p->n = p->fem.nodes, p->nt = p->fem.triplets;
    p->I = p->fem.I, p->J = p->fem.J, p->V = p->fem.V;
    return 0;
}

/* A host array of count values of b's type, value base + (k mod 977) / 1000,
 * put where the calls see it. */
static void *filled(bench *b, int64_t count, double base)
{
    void *h = spg_tool_calloc("spgrad bench", count, b->vs), *at;
    for (int64_t k = 0; k < count; k++)
        spg_vset(b->dtype, h, k, base + 1e-3 * (double)(k % 977));
    at = spg_tool_put(b->ctx, b->backend, h, (size_t)count * b->vs);
    if (at != h)
        free(h);
    return at;
}

static void setup(bench *b)
{
    const problem *p = &b->p;
    const int64_t mn = p->m > p->n ? p->m : p->n;
    void *I = spg_tool_put(b->ctx, b->backend, p->I, (size_t)p->nt * sizeof *p->I);
    void *J = spg_tool_put(b->ctx, b->backend, p->J, (size_t)p->nt * sizeof *p->J);
    b->coo = (spg_coo){p->m, p->n, p->nt, SPG_INT32, I, J};
    check(spg_plan_create(b->ctx, &b->coo, 0, &b->plan), "plan");
    b->nnz = spg_plan_nnz(b->plan);
    void *V = spg_tool_calloc("spgrad bench", p->nt, b->vs);
    for (int64_t k = 0; k < p->nt; k++)
        spg_vset(b->dtype, V, k, p->V[k]);
    b->V = spg_tool_put(b->ctx, b->backend, V, (size_t)p->nt * b->vs);
    if (b->V != V)
        free(V);
    b->Ax = filled(b, b->nnz, 0), b->dA = filled(b, b->nnz, 0), b->dV = filled(b, p->nt, 0);
    b->x = filled(b, mn, 0.5), b->y = filled(b, mn, -0.25);
    b->dx = filled(b, mn, 0), b->dy = filled(b, mn, 0);
    b->U = filled(b, 8 * p->m, 0.5), b->W = filled(b, 8 * p->n, -0.25);
    check(spg_assemble(b->ctx, b->plan, b->dtype, b->V, b->Ax), "assemble");
}

/* One call of op on the kept arrays. */
static void call(bench *b, spg_bop op)
{
    spg_csc A, bare;
    double f;
    const int64_t m = b->p.m, n = b->p.n;
    check(spg_plan_csc(b->plan, b->dtype, b->Ax, &A), "view");
    bare = A, bare.analysis = NULL;
    spg_context *c = b->ctx;
    spg_status st = SPG_SUCCESS;
    switch (op) {
    case SPG_BOP_PLAN: st = spg_plan_create(c, &b->coo, 0, &b->made); break;
    case SPG_BOP_ASSEMBLE: st = spg_assemble(c, b->plan, b->dtype, b->V, b->Ax); break;
    case SPG_BOP_ASSEMBLE_PULLBACK:
        st = spg_assemble_pullback(c, b->plan, b->dtype, b->dA, b->dV);
        break;
    case SPG_BOP_SPMV_N: st = spg_spmv(c, SPG_OP_N, 1.0, &A, b->x, 0.0, b->y); break;
    case SPG_BOP_SPMV_N_BARE: st = spg_spmv(c, SPG_OP_N, 1.0, &bare, b->x, 0.0, b->y); break;
    case SPG_BOP_SPMV_T: st = spg_spmv(c, SPG_OP_T, 1.0, &A, b->x, 0.0, b->y); break;
    case SPG_BOP_SPMV_PULLBACK:
        st = spg_spmv_pullback(c, SPG_OP_N, 1.0, &A, b->x, b->y, b->dA, b->dx);
        break;
    case SPG_BOP_BILINEAR: st = spg_bilinear(c, &A, b->x, b->y, &f); break;
    case SPG_BOP_BILINEAR_VG:
    case SPG_BOP_BILINEAR_VG_BARE:
        st = spg_bilinear_value_and_grad(c, op == SPG_BOP_BILINEAR_VG ? &A : &bare, b->x, b->y,
                                         &f, b->dA, b->dx, b->dy);
        break;
    case SPG_BOP_SAMPLED_OUTER_1:
    case SPG_BOP_SAMPLED_OUTER_8:
        st = spg_sampled_outer(c, &A, op == SPG_BOP_SAMPLED_OUTER_1 ? 1 : 8, b->U, m, b->W, n,
                               1.0, b->dA);
        break;
    case SPG_BOP_COO_BILINEAR:
        st = spg_coo_bilinear_pullback(c, &b->coo, 0, b->dtype, b->x, b->y, 1.0, b->dV);
        break;
    case SPG_BOP_COO_SPMV:
        st = spg_coo_spmv_pullback(c, &b->coo, 0, SPG_OP_N, b->dtype, 1.0, b->x, b->y, b->dV);
        break;
    default: break; /* not timed here: the fresh arrays' floor and the solves */
    }
    check(st, spg_bop_names[op]);
    spg_tool_sync(b->backend);
}

/* The median seconds of b->reps calls of op after a warm-up call (a plan
 * that plan_create makes is destroyed after its call is timed). */
static double median_time(bench *b, spg_bop op)
{
    double t[64];
    for (int r = -1; r < b->reps; r++) {
        double t0 = spg_now();
        call(b, op);
        if (r >= 0)
            t[r] = spg_now() - t0;
        spg_plan_destroy(b->made);
        b->made = NULL;
    }
    return spg_median(t, b->reps);
}

/* STREAM triad a = b + s c on the context's threads, over arrays far larger
 * than the caches (3 x 128 MiB, first touched by those threads): GB/s at 24
 * bytes an element, the median of 5 runs. */
static double triad_gbs(int threads)
{
    const int64_t len = (int64_t)1 << 24;
    double *a = malloc((size_t)len * sizeof *a), *x = malloc((size_t)len * sizeof *x);
    double *y = malloc((size_t)len * sizeof *y), t[5];
    if (!a || !x || !y) {
        fprintf(stderr, "spgrad bench: out of memory\n");
        exit(1);
    }
    int team = threads > 0 ? threads : 1;
#ifdef _OPENMP
    if (threads == 0)
        team = omp_get_max_threads();
#endif
    (void)team;
#pragma omp parallel for num_threads(team) schedule(static)
    for (int64_t i = 0; i < len; i++)
        a[i] = 0, x[i] = 1, y[i] = 2;
    for (int r = 0; r < 5; r++) {
        double t0 = spg_now();
#pragma omp parallel for num_threads(team) schedule(static)
        for (int64_t i = 0; i < len; i++)
            a[i] = x[i] + 3.0 * y[i];
        t[r] = 24.0 * (double)len / (spg_now() - t0) / 1e9;
    }
    volatile double sink = a[len / 2];
    (void)sink;
    free(a), free(x), free(y);
    return spg_median(t, 5);
}

/* The operations this command times: all but the fresh arrays' floor (a
 * benchmark of the machine, in bench/) and the solves (`spgrad solve`). */
static int timed(spg_bop op)
{
    return op != SPG_BOP_FRESH && op < SPG_BOP_SOLVE_FACTOR;
}

typedef struct row {
    double seconds, bytes;
} row;

static void print_table(const bench *b, const row *rows, double ref, const char *ref_name)
{
    const problem *p = &b->p;
    printf("spgrad bench: %s, %lld x %lld, %lld triplets, %lld stored; %s, %s, threads %d%s; "
           "medians of %d calls, arrays kept\n",
           p->name, (long long)p->m, (long long)p->n, (long long)p->nt, (long long)b->nnz,
           b->dtype == SPG_DOUBLE ? "double" : "float",
           b->backend == SPG_BACKEND_CUDA ? "cuda" : "cpu", b->threads,
           b->threads ? "" : " (OpenMP's default)", b->reps);
    printf("reference: %s %.2f GB/s (this run)\n", ref_name, ref);
    printf("%-36s %11s %11s %9s %9s\n", "operation", "median ms", "model MB", "GB/s", "of ref");
    for (int op = 0; op < SPG_BOP_COUNT; op++) {
        if (!timed((spg_bop)op))
            continue;
        const row *r = &rows[op];
        printf("%-36s %11.3f", spg_bop_names[op], r->seconds * 1e3);
        if (r->bytes > 0)
            printf(" %11.1f %9.2f %9.3f\n", r->bytes / 1e6, r->bytes / r->seconds / 1e9,
                   r->bytes / r->seconds / 1e9 / ref);
        else
            printf(" %11s %9s %9s\n", "-", "-", "-");
    }
}

/* text as a JSON string */
static void json_string(const char *text)
{
    putchar('"');
    for (const char *c = text; *c; c++) {
        if (*c == '"' || *c == '\\')
            putchar('\\');
        if ((unsigned char)*c >= 0x20)
            putchar(*c);
    }
    putchar('"');
}

static void print_json(const bench *b, const row *rows, double ref, const char *ref_name)
{
    const problem *p = &b->p;
    printf("{\"problem\": ");
    json_string(p->name);
    printf(", \"m\": %lld, \"n\": %lld, \"triplets\": %lld, "
           "\"stored\": %lld,\n \"type\": \"%s\", \"backend\": \"%s\", \"threads\": %d, "
           "\"reps\": %d,\n \"reference\": {\"kind\": \"%s\", \"gbs\": %.6g},\n \"rows\": [",
           (long long)p->m, (long long)p->n, (long long)p->nt, (long long)b->nnz,
           b->dtype == SPG_DOUBLE ? "double" : "float",
           b->backend == SPG_BACKEND_CUDA ? "cuda" : "cpu", b->threads, b->reps, ref_name, ref);
    const char *sep = "";
    for (int op = 0; op < SPG_BOP_COUNT; op++) {
        if (!timed((spg_bop)op))
            continue;
        const row *r = &rows[op];
        double gbs = r->bytes > 0 ? r->bytes / r->seconds / 1e9 : 0;
        printf("%s\n  {\"op\": \"%s\", \"median_s\": %.6g, \"bytes\": %.6g, \"gbs\": %.6g, "
               "\"of_reference\": %.6g}",
               sep, spg_bop_names[op], r->seconds, r->bytes, gbs, ref > 0 ? gbs / ref : 0);
        sep = ",";
    }
    printf("\n ]}\n");
}

static void drop(bench *b, void *at)
{
    if (b->backend == SPG_BACKEND_CPU)
        free(at);
    else
        spg_tool_drop(b->backend, at);
}

static void teardown(bench *b)
{
    void *arrays[] = {b->V, b->Ax, b->dA, b->dV, b->x, b->y, b->dx, b->dy, b->U, b->W};
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++)
        drop(b, arrays[k]);
    if (b->backend != SPG_BACKEND_CPU) { /* on the CPU they are the problem's own */
        spg_tool_drop(b->backend, (void *)b->coo.I);
        spg_tool_drop(b->backend, (void *)b->coo.J);
    }
    spg_plan_destroy(b->plan);
    spg_context_destroy(b->ctx);
    problem_free(&b->p);
}

static int parse(int argc, char **argv, bench *b, const char **name, int *json)
{
    for (int a = 0; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        int64_t t;
        if (spg_tool_backend_arg(argc, argv, &a, &b->backend))
            continue;
        if (!strcmp(argv[a], "--json")) {
            *json = 1;
            continue;
        }
        if (!strcmp(argv[a], "--problem") && v) {
            *name = v;
        } else if (!strcmp(argv[a], "--threads") && !spg_arg_int(v, 0, SPG_MAX_THREADS, &t)) {
            b->threads = (int)t;
        } else if (!strcmp(argv[a], "--reps") && !spg_arg_int(v, 1, 63, &t)) {
            b->reps = (int)t;
        } else if (!strcmp(argv[a], "--type") && v && !strcmp(v, "double")) {
            b->dtype = SPG_DOUBLE;
        } else if (!strcmp(argv[a], "--type") && v && !strcmp(v, "float")) {
            b->dtype = SPG_FLOAT;
        } else {
            fprintf(stderr, "spgrad bench: bad option '%s'%s%s (see spgrad --help)\n", argv[a],
                    v ? " " : "", v ? v : "");
            return -1;
        }
        a++;
    }
    return 0;
}

int spg_cmd_bench(int argc, char **argv)
{
    bench b = {.backend = SPG_BACKEND_CPU, .dtype = SPG_DOUBLE, .threads = 0, .reps = 5};
    const char *name = "fem2d-1000";
    int json = 0;
    row rows[SPG_BOP_COUNT] = {{0, 0}};
    if (parse(argc, argv, &b, &name, &json))
        return 2;
    if (make_problem(name, &b.p)) {
        fprintf(stderr, "spgrad bench: cannot make the problem '%s'\n", name);
        problem_free(&b.p);
        return 1;
    }
    b.vs = spg_vsize(b.dtype);
    if (!(b.ctx = spg_tool_context("spgrad bench", b.backend))) {
        problem_free(&b.p);
        return 1;
    }
    check(spg_context_set_threads(b.ctx, b.threads), "threads");
    setup(&b);
    for (int op = 0; op < SPG_BOP_COUNT; op++)
        if (timed((spg_bop)op)) {
            rows[op].seconds = median_time(&b, (spg_bop)op);
            rows[op].bytes = spg_bop_bytes((spg_bop)op, b.p.m, b.p.n, b.p.nt, b.nnz, (double)b.vs);
        }
    const int gpu = b.backend == SPG_BACKEND_CUDA;
    const double ref = gpu ? spg_tool_copy_gbs() : triad_gbs(b.threads);
    const char *ref_name = gpu ? "device-to-device copy" : "triad";
    (json ? print_json : print_table)(&b, rows, ref, ref_name);
    teardown(&b);
    return 0;
}
