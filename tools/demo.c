/* spgrad demo: assemble a 2D finite-element stiffness matrix from its
 * element triplets through a plan, pull the loss
 *     L(V) = 1/2 sum_s w_s a_s(V)^2
 * back to the triplet values V, and check the gradient against a central
 * finite difference. L is quadratic in V, so the central difference is exact
 * but for rounding: the check's tolerance is the rounding bound. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fem2d.h"
#include "spgrad.h"
#include "tools.h"

#define DEMO_REPS 5

typedef struct demo {
    spg_context *ctx;
    spg_plan *plan;
    spg_dtype dtype;
    int64_t nt, nnz;
    void *V, *Ax, *dAx, *dV; /* arrays of dtype */
    double *w;               /* loss weights, one per stored entry */
} demo;

static double get(const demo *d, const void *a, int64_t i)
{
    return d->dtype == SPG_DOUBLE ? ((const double *)a)[i] : (double)((const float *)a)[i];
}

static void set(const demo *d, void *a, int64_t i, double x)
{
    if (d->dtype == SPG_DOUBLE)
        ((double *)a)[i] = x;
    else
        ((float *)a)[i] = (float)x;
}

/* Deterministic numbers in [0, 1) (a 64-bit LCG's top bits). */
static double uniform(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*state >> 11) * 0x1.0p-53;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

static void check(spg_status st, const char *what)
{
    if (st != SPG_SUCCESS) {
        fprintf(stderr, "spgrad demo: %s: %s\n", what, spg_status_string(st));
        exit(1);
    }
}

/* L(Ax) with a long double sum, so that the sum adds no rounding that
 * matters next to the assembly's. */
static double loss(const demo *d)
{
    long double L = 0;
    for (int64_t s = 0; s < d->nnz; s++) {
        double a = get(d, d->Ax, s);
        L += 0.5L * d->w[s] * a * a;
    }
    return (double)L;
}

/* L(V + h dir), assembling through the plan */
static double loss_at(demo *d, const double *V0, const double *dir, double h)
{
    for (int64_t k = 0; k < d->nt; k++)
        set(d, d->V, k, V0[k] + h * dir[k]);
    check(spg_assemble(d->ctx, d->plan, d->dtype, d->V, d->Ax), "assemble");
    return loss(d);
}

/* Bound on |fd - <dV, dir>| from rounding. Entry s sums c_s triplets whose
 * inputs V + h dir carry one rounding each: |da_s| <= u c_s S_s with S_s =
 * sum |V_k| + h |dir_k| over its triplets, so each loss moves by at most
 * u sum_s w_s |a_s| c_s S_s, and fd by that over h. dV carries one rounding
 * (of w_s a_s): 2 u sum |dV_k dir_k| covers it. Doubled for second-order
 * terms. The long double sums add nothing that matters. */
static double rounding_bound(demo *d, const double *V0, const double *dir, double h,
                             double gabs)
{
    const double u = d->dtype == SPG_DOUBLE ? DBL_EPSILON / 2 : FLT_EPSILON / 2;
    double *in = malloc((size_t)d->nt * sizeof *in);
    double *c = malloc((size_t)d->nnz * sizeof *c), *S = malloc((size_t)d->nnz * sizeof *S);
    if (!in || !c || !S) {
        fprintf(stderr, "spgrad demo: out of memory\n");
        exit(1);
    }
    for (int64_t k = 0; k < d->nt; k++)
        in[k] = 1;
    check(spg_assemble(d->ctx, d->plan, SPG_DOUBLE, in, c), "assemble");
    for (int64_t k = 0; k < d->nt; k++)
        in[k] = fabs(V0[k]) + h * fabs(dir[k]);
    check(spg_assemble(d->ctx, d->plan, SPG_DOUBLE, in, S), "assemble");
    for (int64_t k = 0; k < d->nt; k++)
        set(d, d->V, k, V0[k]);
    check(spg_assemble(d->ctx, d->plan, d->dtype, d->V, d->Ax), "assemble");
    long double sum = 0;
    for (int64_t s = 0; s < d->nnz; s++)
        sum += d->w[s] * fabs(get(d, d->Ax, s)) * c[s] * S[s];
    free(in);
    free(c);
    free(S);
    return 2 * (u * (double)sum / h + 2 * u * gabs);
}

static int parse(int argc, char **argv, int64_t *N, spg_dtype *dtype, int *threads)
{
    for (int a = 0; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        char *end = NULL;
        if (!strcmp(argv[a], "--n") && v) {
            *N = strtoll(v, &end, 10);
            if (*end || *N < 2 || *N > 46340)
                return -1;
        } else if (!strcmp(argv[a], "--threads") && v) {
            *threads = (int)strtol(v, &end, 10);
            if (*end || *threads < 0)
                return -1;
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

int spg_cmd_demo(int argc, char **argv)
{
    int64_t N = 1000;
    int threads = 0;
    demo d = {.dtype = SPG_DOUBLE};
    if (parse(argc, argv, &N, &d.dtype, &threads)) {
        fprintf(stderr, "usage: spgrad demo [--n N (2..46340)] [--type double|float] "
                        "[--threads T]\n");
        return 2;
    }
    spg_fem2d fem;
    if (spg_fem2d_make(N, &fem)) {
        fprintf(stderr, "spgrad demo: out of memory for the triplets\n");
        return 1;
    }
    check(spg_context_create(SPG_BACKEND_CPU, &d.ctx), "context");
    check(spg_context_set_threads(d.ctx, threads), "threads");
    d.nt = fem.triplets;

    const spg_coo coo = {fem.nodes, fem.nodes, fem.triplets, SPG_INT32, fem.I, fem.J};
    double t0 = spg_now();
    check(spg_plan_create(d.ctx, &coo, 0, &d.plan), "plan");
    const double t_plan = spg_now() - t0;
    d.nnz = spg_plan_nnz(d.plan);

    const size_t vs = d.dtype == SPG_DOUBLE ? sizeof(double) : sizeof(float);
    d.V = malloc((size_t)d.nt * vs);
    d.dV = malloc((size_t)d.nt * vs);
    d.Ax = malloc((size_t)d.nnz * vs);
    d.dAx = malloc((size_t)d.nnz * vs);
    d.w = malloc((size_t)d.nnz * sizeof *d.w);
    double *dir = malloc((size_t)d.nt * sizeof *dir);
    if (!d.V || !d.dV || !d.Ax || !d.dAx || !d.w || !dir) {
        fprintf(stderr, "spgrad demo: out of memory\n");
        return 1;
    }
    uint64_t seed = 42;
    for (int64_t s = 0; s < d.nnz; s++)
        d.w[s] = 0.5 + uniform(&seed);
    for (int64_t k = 0; k < d.nt; k++)
        set(&d, d.V, k, fem.V[k]);

    /* forward and pullback, timed: medians of DEMO_REPS runs */
    double ta[DEMO_REPS], tp[DEMO_REPS];
    for (int r = 0; r < DEMO_REPS; r++) {
        t0 = spg_now();
        check(spg_assemble(d.ctx, d.plan, d.dtype, d.V, d.Ax), "assemble");
        ta[r] = spg_now() - t0;
    }
    for (int64_t s = 0; s < d.nnz; s++) /* dL/da_s = w_s a_s */
        set(&d, d.dAx, s, d.w[s] * get(&d, d.Ax, s));
    for (int r = 0; r < DEMO_REPS; r++) {
        memset(d.dV, 0, (size_t)d.nt * vs);
        t0 = spg_now();
        check(spg_assemble_pullback(d.ctx, d.plan, d.dtype, d.dAx, d.dV), "pullback");
        tp[r] = spg_now() - t0;
    }

    /* central difference along dir: the direction has the sign of the
     * computed gradient, so that the derivative does not cancel */
    double vmax = 0, gabs = 0;
    long double gd = 0;
    for (int64_t k = 0; k < d.nt; k++) {
        double g = get(&d, d.dV, k);
        dir[k] = (g < 0 ? -1 : 1) * (0.5 + 0.5 * uniform(&seed));
        vmax = fmax(vmax, fabs(fem.V[k]));
        gd += g * dir[k];
        gabs += fabs(g * dir[k]);
    }
    const double h = 1e-2 * vmax;
    const double Lp = loss_at(&d, fem.V, dir, h), Lm = loss_at(&d, fem.V, dir, -h);
    const double fd = (Lp - Lm) / (2 * h);
    const double err = fabs(fd - (double)gd) / fabs((double)gd);
    const double bound = rounding_bound(&d, fem.V, dir, h, gabs) / fabs((double)gd);

    printf("spgrad demo: 2D P1 finite elements on a %lld x %lld node grid (%s)\n",
           (long long)N, (long long)N, d.dtype == SPG_DOUBLE ? "double" : "float");
    printf("  matrix     %lld x %lld, %lld stored entries\n", (long long)fem.nodes,
           (long long)fem.nodes, (long long)d.nnz);
    printf("  triplets   %lld (%lld duplicates summed)\n", (long long)d.nt,
           (long long)(d.nt - d.nnz));
    printf("  plan       %9.3f ms  (symbolic, once per pattern)\n", 1e3 * t_plan);
    printf("  assemble   %9.3f ms  (median of %d)\n", 1e3 * median(ta, DEMO_REPS), DEMO_REPS);
    printf("  pullback   %9.3f ms  (median of %d)\n", 1e3 * median(tp, DEMO_REPS), DEMO_REPS);
    printf("  fd check   relative error %.2e (rounding bound %.2e): %s\n", err, bound,
           err <= bound ? "ok" : "FAILED");

    spg_plan_destroy(d.plan);
    spg_context_destroy(d.ctx);
    spg_fem2d_free(&fem);
    free(d.V);
    free(d.dV);
    free(d.Ax);
    free(d.dAx);
    free(d.w);
    free(dir);
    return err <= bound ? 0 : 1;
}
