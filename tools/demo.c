/* spgrad demo: the seed problem. A(V) is a 2D finite-element stiffness
 * matrix assembled from its element triplets (I, J, V); the loss is the
 * bilinear form f(V) = x' A(V) y. The demo times the forward pass and the
 * gradient df/dV two ways (through the plan: dA on A's pattern, then the
 * assembly pullback; and straight to the triplets: dV_k = x_{I_k} y_{J_k}),
 * and checks the gradient against a central finite difference. f is linear
 * in V, so the central difference is exact but for rounding, and the check's
 * tolerance is that rounding's bound. */
#define _POSIX_C_SOURCE 200112L /* getrusage */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "args.h"
#include "device.h"
#include "fem2d.h"
#include "spgrad.h"
#include "tools.h"
#include "values.h"

#define DEMO_REPS 5

/* The demo's arrays of dtype: on the host, and where the library's calls
 * see them (the same arrays on the CPU, device copies with CUDA). */
typedef struct arrays {
    void *V, *Ax, *dA, *dV, *x, *y;
} arrays;

typedef struct demo {
    spg_context *ctx;
    spg_backend backend;
    spg_plan *plan;
    spg_dtype dtype;
    size_t vs; /* bytes of a value */
    int64_t nodes, nt, nnz;
    spg_coo coo; /* its indices where the calls see them */
    arrays host, at;
    double f; /* the last forward value */
} demo;

static void check(spg_status st, const char *what)
{
    if (st != SPG_SUCCESS) {
        fprintf(stderr, "spgrad demo: %s: %s\n", what, spg_status_string(st));
        exit(1);
    }
}

static void *alloc(int64_t count, size_t size)
{
    return spg_tool_calloc("spgrad demo", count, size);
}

static double get(const demo *d, const void *a, int64_t i)
{
    return spg_vget(d->dtype, a, i);
}

static void set(const demo *d, void *a, int64_t i, double v)
{
    spg_vset(d->dtype, a, i, v);
}

/* f = x' A(V) y: assembly, then the bilinear form (arrays where the calls
 * see them). */
static double forward(demo *d, const void *V, spg_dtype dt, const void *x, const void *y,
                      void *Ax)
{
    double f;
    spg_csc A;
    check(spg_assemble(d->ctx, d->plan, dt, V, Ax), "assemble");
    check(spg_plan_csc(d->plan, dt, Ax, &A), "view");
    check(spg_bilinear(d->ctx, &A, x, y, &f), "bilinear");
    return f;
}

/* dV += df/dV through the plan: dA = x y' on the pattern, then the
 * assembly pullback. */
static void gradient_plan(demo *d)
{
    spg_csc A;
    spg_tool_zero(d->backend, d->at.dA, (size_t)d->nnz * d->vs);
    check(spg_plan_csc(d->plan, d->dtype, d->at.Ax, &A), "view");
    check(spg_bilinear_pullback(d->ctx, &A, d->at.x, d->at.y, 1.0, d->at.dA, NULL, NULL),
          "pullback");
    check(spg_assemble_pullback(d->ctx, d->plan, d->dtype, d->at.dA, d->at.dV),
          "assembly pullback");
}

/* dV += df/dV straight to the triplets */
static void gradient_coo(demo *d)
{
    check(spg_coo_bilinear_pullback(d->ctx, &d->coo, 0, d->dtype, d->at.x, d->at.y, 1.0,
                                    d->at.dV),
          "coo pullback");
}

/* forward() on host arrays of type dt (copied to where the calls see them). */
static double forward_host(demo *d, const void *V, spg_dtype dt, const void *x, const void *y)
{
    const size_t vs = spg_vsize(dt);
    void *Vp = spg_tool_put(d->ctx, d->backend, V, (size_t)d->nt * vs);
    void *xp = spg_tool_put(d->ctx, d->backend, x, (size_t)d->nodes * vs);
    void *yp = spg_tool_put(d->ctx, d->backend, y, (size_t)d->nodes * vs);
    void *Ax = alloc(d->nnz, vs), *Axp = spg_tool_put(d->ctx, d->backend, Ax, (size_t)d->nnz * vs);
    const double f = forward(d, Vp, dt, xp, yp, Axp);
    if (d->backend != SPG_BACKEND_CPU)
        spg_tool_drop(d->backend, Vp), spg_tool_drop(d->backend, xp), spg_tool_drop(d->backend, yp),
            spg_tool_drop(d->backend, Axp);
    free(Ax);
    return f;
}

/* The most triplets summed into one entry, and the most entries in a column
 * (counted with the library: the assembly of ones, and the pattern). */
static void pattern_counts(demo *d, int64_t *cmax_entry, int64_t *cmax_col)
{
    double *ones = alloc(d->nt, sizeof *ones), *count = alloc(d->nnz, sizeof *count);
    int32_t *colptr = alloc(d->nodes + 1, sizeof *colptr);
    for (int64_t k = 0; k < d->nt; k++)
        ones[k] = 1;
    void *op = spg_tool_put(d->ctx, d->backend, ones, (size_t)d->nt * sizeof *ones);
    void *cp = spg_tool_put(d->ctx, d->backend, count, (size_t)d->nnz * sizeof *count);
    check(spg_assemble(d->ctx, d->plan, SPG_DOUBLE, op, cp), "assemble");
    spg_tool_get(d->backend, count, cp, (size_t)d->nnz * sizeof *count);
    spg_csc P;
    check(spg_plan_csc(d->plan, SPG_DOUBLE, NULL, &P), "view");
    spg_tool_get(d->backend, colptr, P.colptr, (size_t)(d->nodes + 1) * sizeof *colptr);
    if (d->backend != SPG_BACKEND_CPU)
        spg_tool_drop(d->backend, op), spg_tool_drop(d->backend, cp);
    *cmax_entry = *cmax_col = 0;
    for (int64_t s = 0; s < d->nnz; s++)
        *cmax_entry = count[s] > *cmax_entry ? (int64_t)count[s] : *cmax_entry;
    for (int64_t j = 0; j < d->nodes; j++)
        *cmax_col = colptr[j + 1] - colptr[j] > *cmax_col ? colptr[j + 1] - colptr[j] : *cmax_col;
    free(ones), free(count), free(colptr);
}

/* Central difference along dir and its rounding bound. An evaluation of f
 * sums at most c_e triplets per entry, then at most c_c + 3 products per
 * column in the value type, then n terms in double: it is off by at most
 * K u = (c_e + c_c + 3) u + (n + 3) u_double times the same computation on
 * |V|, |x|, |y|. The gradient x_I y_J carries one rounding. */
static void fd_check(demo *d, const double *V0, const double *dir, double *err, double *bound)
{
    const double u = spg_unit(d->dtype);
    int64_t ce, cc;
    pattern_counts(d, &ce, &cc);
    const double Ku = (double)(ce + cc + 3) * u + (double)(d->nodes + 3) * (DBL_EPSILON / 2);
    double vmax = 0;
    for (int64_t k = 0; k < d->nt; k++)
        vmax = fmax(vmax, fabs(V0[k]));
    const double h = 0x1p-5 * vmax;
    double f[2], mag = 0, *Vd = alloc(d->nt, sizeof *Vd);
    double *ax = alloc(d->nodes, sizeof *ax), *ay = alloc(d->nodes, sizeof *ay);
    for (int64_t i = 0; i < d->nodes; i++)
        ax[i] = fabs(get(d, d->host.x, i)), ay[i] = fabs(get(d, d->host.y, i));
    for (int s = 0; s < 2; s++) {
        const double sign = s ? -1 : 1;
        for (int64_t k = 0; k < d->nt; k++) {
            set(d, d->host.V, k, V0[k] + sign * h * dir[k]);
            Vd[k] = fabs(get(d, d->host.V, k));
        }
        f[s] = forward_host(d, d->host.V, d->dtype, d->host.x, d->host.y);
        mag += forward_host(d, Vd, SPG_DOUBLE, ax, ay);
    }
    /* the direction as the value type holds the two points */
    long double gd = 0, gmag = 0;
    for (int64_t k = 0; k < d->nt; k++) {
        set(d, d->host.V, k, V0[k] + h * dir[k]);
        double vp = get(d, d->host.V, k);
        set(d, d->host.V, k, V0[k] - h * dir[k]);
        double dk = (vp - get(d, d->host.V, k)) / (2 * h);
        gd += (long double)get(d, d->host.dV, k) * dk;
        gmag += fabsl((long double)get(d, d->host.dV, k) * dk);
    }
    *err = fabs((f[0] - f[1]) / (2 * h) - (double)gd) / fabs((double)gd);
    *bound = (Ku * mag / (2 * h) + 2 * u * (double)gmag) / fabs((double)gd);
    free(Vd), free(ax), free(ay);
}

/* Says which option's value is not an integer in [lo, hi]; returns -1. */
static int bad_number(const char *option, int64_t lo, int64_t hi, const char *value)
{
    fprintf(stderr, "spgrad demo: %s needs an integer in %lld..%lld, not '%s'\n", option,
            (long long)lo, (long long)hi, value ? value : "");
    return -1;
}

static int parse(int argc, char **argv, int64_t *N, spg_dtype *dtype, int *threads,
                 spg_backend *backend)
{
    for (int a = 0; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        int64_t t;
        if (spg_tool_backend_arg(argc, argv, &a, backend))
            continue;
        if (!strcmp(argv[a], "--n")) {
            if (spg_arg_int(v, 2, 46340, N))
                return bad_number("--n", 2, 46340, v);
        } else if (!strcmp(argv[a], "--threads")) {
            if (spg_arg_int(v, 0, SPG_MAX_THREADS, &t))
                return bad_number("--threads", 0, SPG_MAX_THREADS, v);
            *threads = (int)t;
        } else if (!strcmp(argv[a], "--type") && v && !strcmp(v, "double")) {
            *dtype = SPG_DOUBLE;
        } else if (!strcmp(argv[a], "--type") && v && !strcmp(v, "float")) {
            *dtype = SPG_FLOAT;
        } else {
            return -1;
        }
        a++;
    }
    return 0;
}

/* Medians of the demo's timings, in seconds, and f. */
typedef struct timings {
    double plan, assemble, forward, grad_plan, grad_coo, f;
} timings;

/* The context, the triplets where the calls see them, the plan (timed)
 * and the host and placed arrays of the problem; dir: the direction of
 * the finite-difference check. */
static void demo_setup(demo *d, const spg_fem2d *fem, int threads, double **dir, timings *t)
{
    if (d->backend == SPG_BACKEND_CPU)
        check(spg_context_set_threads(d->ctx, threads), "threads");
    d->vs = spg_vsize(d->dtype);
    d->nodes = fem->nodes, d->nt = fem->triplets;
    const size_t ib = (size_t)d->nt * sizeof(int32_t);
    d->coo = (spg_coo){fem->nodes, fem->nodes, fem->triplets, SPG_INT32,
                       spg_tool_put(d->ctx, d->backend, fem->I, ib),
                       spg_tool_put(d->ctx, d->backend, fem->J, ib)};
    const double t0 = spg_now();
    check(spg_plan_create(d->ctx, &d->coo, 0, &d->plan), "plan");
    t->plan = spg_now() - t0;
    d->nnz = spg_plan_nnz(d->plan);
    arrays *h = &d->host;
    h->V = alloc(d->nt, d->vs), h->dV = alloc(d->nt, d->vs), h->Ax = alloc(d->nnz, d->vs);
    h->dA = alloc(d->nnz, d->vs), h->x = alloc(d->nodes, d->vs), h->y = alloc(d->nodes, d->vs);
    *dir = alloc(d->nt, sizeof **dir);
    spg_rng seed = {42};
    for (int64_t i = 0; i < d->nodes; i++) {
        set(d, h->x, i, 0.5 + spg_rng_unit(&seed));
        set(d, h->y, i, spg_rng_unit(&seed) - 0.5);
    }
    for (int64_t k = 0; k < d->nt; k++) {
        set(d, h->V, k, fem->V[k]);
        (*dir)[k] = 2 * spg_rng_unit(&seed) - 1;
    }
    const size_t tb = (size_t)d->nt * d->vs, eb = (size_t)d->nnz * d->vs;
    const size_t nb = (size_t)d->nodes * d->vs;
    spg_context *c = d->ctx;
    d->at = (arrays){spg_tool_put(c, d->backend, h->V, tb), spg_tool_put(c, d->backend, h->Ax, eb),
                     spg_tool_put(c, d->backend, h->dA, eb), spg_tool_put(c, d->backend, h->dV, tb),
                     spg_tool_put(c, d->backend, h->x, nb), spg_tool_put(c, d->backend, h->y, nb)};
}

/* Seconds that one call of what takes (with the device synchronised). */
static double timed(demo *d, void (*what)(demo *))
{
    spg_tool_sync(d->backend);
    const double t0 = spg_now();
    what(d);
    spg_tool_sync(d->backend);
    return spg_now() - t0;
}

static void run_assemble(demo *d)
{
    check(spg_assemble(d->ctx, d->plan, d->dtype, d->at.V, d->at.Ax), "assemble");
}

static void run_forward(demo *d)
{
    d->f = forward(d, d->at.V, d->dtype, d->at.x, d->at.y, d->at.Ax);
}

/* The medians of DEMO_REPS runs of each step; dV holds the gradient after. */
static void demo_measure(demo *d, timings *t)
{
    double ta[DEMO_REPS], tf[DEMO_REPS], tp[DEMO_REPS], tc[DEMO_REPS];
    const size_t tb = (size_t)d->nt * d->vs;
    for (int r = 0; r < DEMO_REPS; r++) {
        ta[r] = timed(d, run_assemble);
        tf[r] = timed(d, run_forward);
        spg_tool_zero(d->backend, d->at.dV, tb);
        tp[r] = timed(d, gradient_plan);
        spg_tool_zero(d->backend, d->at.dV, tb);
        tc[r] = timed(d, gradient_coo);
    }
    spg_tool_get(d->backend, d->host.dV, d->at.dV, tb);
    t->assemble = spg_median(ta, DEMO_REPS), t->forward = spg_median(tf, DEMO_REPS);
    t->grad_plan = spg_median(tp, DEMO_REPS), t->grad_coo = spg_median(tc, DEMO_REPS);
    t->f = d->f;
}

/* Prints what was measured and the finite-difference check. */
static void demo_report(const demo *d, int64_t N, int threads, const timings *t, double err,
                        double bound)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("spgrad demo: f(V) = x' A(V) y, A assembled from P1 finite elements on a\n"
           "%lld x %lld node grid (%s, %s)\n",
           (long long)N, (long long)N, d->dtype == SPG_DOUBLE ? "double" : "float",
           d->backend == SPG_BACKEND_CUDA ? "CUDA" : threads ? "CPU, threads set" : "CPU");
    printf("  matrix        %lld x %lld, %lld stored entries\n", (long long)d->nodes,
           (long long)d->nodes, (long long)d->nnz);
    printf("  triplets      %lld (%lld duplicates summed)\n", (long long)d->nt,
           (long long)(d->nt - d->nnz));
    printf("  f             %.17g\n", t->f);
    printf("  plan          %9.3f ms  (symbolic, once per pattern)\n", 1e3 * t->plan);
    printf("  assemble      %9.3f ms\n", 1e3 * t->assemble);
    printf("  forward       %9.3f ms  (assemble + x' A y)\n", 1e3 * t->forward);
    printf("  df/dV, plan   %9.3f ms  (dA = x y' on the pattern + assembly pullback), "
           "%.2fx forward\n", 1e3 * t->grad_plan, t->grad_plan / t->forward);
    printf("  df/dV, COO    %9.3f ms  (dV_k = x_I y_J straight to the triplets), "
           "%.2fx forward\n", 1e3 * t->grad_coo, t->grad_coo / t->forward);
    printf("  timings       medians of %d runs\n", DEMO_REPS);
    printf("  peak memory   %.1f MiB resident\n", (double)ru.ru_maxrss / 1024.0);
    printf("  fd check      relative error %.2e (rounding bound %.2e): %s\n", err, bound,
           err <= bound ? "ok" : "FAILED");
}

/* Releases the demo's arrays, plan and context. */
static void demo_free(demo *d, double *dir)
{
    arrays *h = &d->host, *at = &d->at;
    if (d->backend != SPG_BACKEND_CPU) {
        void *dev[] = {at->V, at->Ax, at->dA, at->dV, at->x, at->y, (void *)d->coo.I,
                       (void *)d->coo.J};
        for (size_t a = 0; a < sizeof dev / sizeof dev[0]; a++)
            spg_tool_drop(d->backend, dev[a]);
    }
    spg_plan_destroy(d->plan);
    spg_context_destroy(d->ctx);
    free(h->V), free(h->dV), free(h->Ax), free(h->dA), free(h->x), free(h->y), free(dir);
}

int spg_cmd_demo(int argc, char **argv)
{
    int64_t N = 1000;
    int threads = 0;
    demo d = {.dtype = SPG_DOUBLE, .backend = SPG_BACKEND_CPU};
    if (parse(argc, argv, &N, &d.dtype, &threads, &d.backend)) {
        fprintf(stderr, "usage: spgrad demo [--n N (2..46340)] [--type double|float] "
                        "[--threads T] [--backend cpu|cuda]\n");
        return 2;
    }
    d.ctx = spg_tool_context("spgrad demo", d.backend);
    if (!d.ctx)
        return 1;
    spg_fem2d fem;
    if (spg_fem2d_make(N, &fem)) {
        fprintf(stderr, "spgrad demo: out of memory for the triplets\n");
        spg_context_destroy(d.ctx);
        return 1;
    }
    timings t;
    double *dir, err, bound;
    demo_setup(&d, &fem, threads, &dir, &t);
    demo_measure(&d, &t);
    fd_check(&d, fem.V, dir, &err, &bound);
    demo_report(&d, N, threads, &t, err, bound);
    demo_free(&d, dir);
    spg_fem2d_free(&fem);
    return err <= bound ? 0 : 1;
}
