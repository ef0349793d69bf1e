/* spgrad check FILE.mtx: every operation's pullback on a Matrix Market
 * matrix against a central finite difference along a random direction and
 * the adjoint identity, one line per check; non-zero exit on any failure.
 *
 * The losses are quadratic or bilinear in each group of parameters, so a
 * central difference is exact but for rounding. Rounding is bounded by
 * running the same library calls in double on absolute values (|A|, |x|,
 * ...): a result made of sums of products, at most cmax + 3 terms deep in
 * the value type, twice nested, then summed over m + n terms in double, is
 * off by at most K u times that magnitude, K u = 2 (cmax + 3) u +
 * (m + n + 3) u_double, cmax the most entries in a row or column. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "device.h"
#include "mmread.h"
#include "spgrad.h"
#include "tools.h"
#include "values.h"

enum { SPMV_N, SPMV_T, BILINEAR, QUADRATIC, COO_BILINEAR, COO_SPMV_N, COO_SPMV_T, NOPS };
static const char *const op_names[NOPS] = {"spmv N",         "spmv T",         "bilinear",
                                           "quadratic",      "coo bilinear",   "coo spmv N",
                                           "coo spmv T"};

/* Parameter groups; an operation has some of them. */
enum { PX, PY, PA, PV, NPARAMS };
static const char *const param_names[NPARAMS] = {"x", "y", "A", "V"};

typedef struct checker {
    spg_context *ctx;
    spg_backend backend;
    spg_plan *plan;
    spg_dtype dt;
    int64_t m, n, nnz, N;
    spg_coo coo;
    double Ku;  /* the rounding factor K u above */
    int pattern;
    int failures;
} checker;

typedef struct params {
    double *p[NPARAMS]; /* x (m or n), y, a (nnz), V (N) */
    double *w;          /* SpMV loss weights */
} params;

static void *xmalloc(int64_t count, size_t size)
{
    return spg_tool_calloc("spgrad check", count, size);
}

/* Releases an array made by typed() or zeros(). */
static void drop(const checker *c, void *t)
{
    if (c->backend == SPG_BACKEND_CPU)
        free(t);
    else
        spg_tool_drop(c->backend, t);
}

/* A copy of a host array (typed: dt, else raw bytes) where the calls see it. */
static void *placed(const checker *c, void *host, size_t bytes)
{
    if (c->backend == SPG_BACKEND_CPU)
        return host;
    void *t = spg_tool_put(c->ctx, c->backend, host, bytes);
    free(host);
    return t;
}

/* A typed copy of a double array, where the calls see it. */
static void *typed(const checker *c, spg_dtype dt, const double *a, int64_t len)
{
    const size_t vs = spg_vsize(dt);
    void *t = xmalloc(len, vs);
    for (int64_t k = 0; k < len; k++)
        spg_vset(dt, t, k, a[k]);
    return placed(c, t, (size_t)len * vs);
}

/* len zeroed elements of size bytes where the calls see them. */
static void *zeros(const checker *c, int64_t len, size_t size)
{
    return placed(c, xmalloc(len, size), (size_t)(len > 0 ? len : 1) * size);
}

/* Adds a typed array (where the calls see it) into a double array and
 * releases it. */
static void add_untyped(const checker *c, spg_dtype dt, void *t, double *a, int64_t len)
{
    const size_t vs = spg_vsize(dt);
    void *h = xmalloc(len, vs);
    spg_tool_get(c->backend, h, t, (size_t)len * vs);
    for (int64_t k = 0; k < len; k++)
        a[k] += spg_vget(dt, h, k);
    free(h);
    drop(c, t);
}

static void ok_or_die(spg_status st, const char *what)
{
    if (st != SPG_SUCCESS) {
        fprintf(stderr, "spgrad check: %s: %s\n", what, spg_status_string(st));
        exit(1);
    }
}

/* Lengths of x and y for an operation. */
static int64_t xlen(const checker *c, int op)
{
    return op == SPMV_N || op == COO_SPMV_N ? c->n : c->m;
}

static int64_t ylen(const checker *c, int op)
{
    return op == SPMV_N || op == COO_SPMV_N ? c->m : c->n;
}

/* The matrix for an operation: values a, or assembled from V for the COO
 * operations. Returns the typed values array (owned by the caller). */
static void *matrix(const checker *c, int op, const params *p, spg_dtype dt, spg_csc *A)
{
    void *a = typed(c, dt, p->p[PA], c->nnz);
    if (op >= COO_BILINEAR) {
        void *V = typed(c, dt, p->p[PV], c->N);
        ok_or_die(spg_assemble(c->ctx, c->plan, dt, V, a), "assemble");
        drop(c, V);
    }
    ok_or_die(spg_plan_csc(c->plan, dt, c->pattern && op < COO_BILINEAR ? NULL : a, A), "view");
    return a;
}

/* The loss of an operation, computed in dt. */
static double loss(const checker *c, int op, const params *p, spg_dtype dt)
{
    spg_csc A;
    void *a = matrix(c, op, p, dt, &A), *x = typed(c, dt, p->p[PX], xlen(c, op));
    void *y = typed(c, dt, p->p[PY], ylen(c, op));
    double f = 0;
    if (op == BILINEAR || op == COO_BILINEAR) {
        ok_or_die(spg_bilinear(c->ctx, &A, x, y, &f), "bilinear");
    } else if (op == QUADRATIC) {
        ok_or_die(spg_quadratic(c->ctx, &A, x, &f), "quadratic");
    } else { /* 1/2 sum_i w_i (op(A) x)_i^2 */
        const spg_op o = op == SPMV_N || op == COO_SPMV_N ? SPG_OP_N : SPG_OP_T;
        ok_or_die(spg_spmv(c->ctx, o, 1.0, &A, x, 0.0, y), "spmv");
        double *yh = xmalloc(ylen(c, op), sizeof *yh);
        add_untyped(c, dt, y, yh, ylen(c, op));
        y = NULL;
        long double s = 0;
        for (int64_t i = 0; i < ylen(c, op); i++)
            s += 0.5L * p->w[i] * yh[i] * yh[i];
        f = (double)s;
        free(yh);
    }
    drop(c, a), drop(c, x);
    if (y)
        drop(c, y);
    return f;
}

/* The gradient of the loss, computed in dt by the library's pullbacks. */
static void gradient(const checker *c, int op, const params *p, spg_dtype dt, params *g)
{
    spg_csc A;
    const size_t vs = spg_vsize(dt);
    void *a = matrix(c, op, p, dt, &A), *x = typed(c, dt, p->p[PX], xlen(c, op));
    void *y = typed(c, dt, p->p[PY], ylen(c, op));
    void *gx = zeros(c, xlen(c, op), vs), *gy = zeros(c, ylen(c, op), vs), *gA = zeros(c, c->nnz, vs);
    void *gV = zeros(c, c->N, vs), *dA = c->pattern && op < COO_BILINEAR ? NULL : gA;
    if (op == BILINEAR) {
        double f;
        ok_or_die(spg_bilinear_value_and_grad(c->ctx, &A, x, y, &f, dA, gx, gy), "value and grad");
    } else if (op == QUADRATIC) {
        ok_or_die(spg_quadratic_pullback(c->ctx, &A, x, 1.0, dA, gx), "quadratic pullback");
    } else if (op == COO_BILINEAR) {
        ok_or_die(spg_coo_bilinear_pullback(c->ctx, &c->coo, SPG_ONE_BASED, dt, x, y, 1.0, gV),
                  "coo bilinear pullback");
    } else {
        const spg_op o = op == SPMV_N || op == COO_SPMV_N ? SPG_OP_N : SPG_OP_T;
        ok_or_die(spg_spmv(c->ctx, o, 1.0, &A, x, 0.0, y), "spmv");
        double *dy = xmalloc(ylen(c, op), sizeof *dy);
        add_untyped(c, dt, y, dy, ylen(c, op)); /* y, in the value type */
        for (int64_t i = 0; i < ylen(c, op); i++) /* dy_i = w_i y_i, rounded once */
            dy[i] = spg_round(dt, p->w[i] * dy[i]);
        y = typed(c, dt, dy, ylen(c, op));
        free(dy);
        if (op == SPMV_N || op == SPMV_T)
            ok_or_die(spg_spmv_pullback(c->ctx, o, 1.0, &A, x, y, dA, gx), "spmv pullback");
        else
            ok_or_die(spg_coo_spmv_pullback(c->ctx, &c->coo, SPG_ONE_BASED, o, dt, 1.0, x, y, gV),
                      "coo spmv pullback");
    }
    add_untyped(c, dt, gx, g->p[PX], xlen(c, op));
    add_untyped(c, dt, gy, g->p[PY], ylen(c, op));
    add_untyped(c, dt, gA, g->p[PA], c->nnz);
    add_untyped(c, dt, gV, g->p[PV], c->N);
    drop(c, a), drop(c, x), drop(c, y);
}

/* Which parameter groups an operation's gradient covers. */
static int has_param(const checker *c, int op, int q)
{
    if (op >= COO_BILINEAR)
        return q == PV;
    if (q == PA)
        return !c->pattern;
    return q == PX || (q == PY && op == BILINEAR);
}

static params params_new(const checker *c)
{
    params p = {{xmalloc(c->m + c->n, 8), xmalloc(c->m + c->n, 8), xmalloc(c->nnz, 8),
                 xmalloc(c->N, 8)},
                xmalloc(c->m + c->n, 8)};
    return p;
}

static void params_free(params *p)
{
    for (int q = 0; q < NPARAMS; q++)
        free(p->p[q]);
    free(p->w);
}

static int64_t param_len(const checker *c, int q)
{
    return q == PA ? c->nnz : q == PV ? c->N : c->m + c->n;
}

/* |p| into a */
static params params_abs(const checker *c, const params *p)
{
    params a = params_new(c);
    for (int q = 0; q < NPARAMS; q++)
        for (int64_t k = 0; k < param_len(c, q); k++)
            a.p[q][k] = fabs(p->p[q][k]);
    memcpy(a.w, p->w, (size_t)(c->m + c->n) * sizeof(double));
    return a;
}

/* Deterministic numbers in [-1, 1). */
static double uniform(spg_rng *r)
{
    return 2 * spg_rng_unit(r) - 1;
}

/* Central difference along a random direction in parameter group q. */
static void check_fd(checker *c, int op, int q, const params *p, spg_rng *seed)
{
    const int64_t len = q == PX ? xlen(c, op) : q == PY ? ylen(c, op) : param_len(c, q);
    params pp = params_new(c), pm = params_new(c), g = params_new(c), ga = params_new(c);
    double pmax = 0;
    for (int64_t k = 0; k < len; k++)
        pmax = fmax(pmax, fabs(p->p[q][k]));
    const double h = 0x1p-5 * (pmax > 0 ? pmax : 1);
    double *d = xmalloc(len, 8);
    for (int qq = 0; qq < NPARAMS; qq++) {
        memcpy(pp.p[qq], p->p[qq], (size_t)param_len(c, qq) * 8);
        memcpy(pm.p[qq], p->p[qq], (size_t)param_len(c, qq) * 8);
    }
    memcpy(pp.w, p->w, (size_t)(c->m + c->n) * 8), memcpy(pm.w, p->w, (size_t)(c->m + c->n) * 8);
    for (int64_t k = 0; k < len; k++) {
        double dk = uniform(seed);
        /* the points as the value type holds them; the direction is theirs */
        pp.p[q][k] = spg_round(c->dt, p->p[q][k] + h * dk);
        pm.p[q][k] = spg_round(c->dt, p->p[q][k] - h * dk);
        d[k] = (pp.p[q][k] - pm.p[q][k]) / (2 * h);
    }
    const double fd = (loss(c, op, &pp, c->dt) - loss(c, op, &pm, c->dt)) / (2 * h);
    gradient(c, op, p, c->dt, &g);
    long double gd = 0;
    for (int64_t k = 0; k < len; k++)
        gd += (long double)g.p[q][k] * d[k];

    /* the magnitudes: the same computations on absolute values, in double */
    params ap = params_abs(c, &pp), am = params_abs(c, &pm), a = params_abs(c, p);
    gradient(c, op, &a, SPG_DOUBLE, &ga);
    long double gmag = 0;
    for (int64_t k = 0; k < len; k++)
        gmag += (long double)ga.p[q][k] * fabs(d[k]);
    const double bound = c->Ku * ((loss(c, op, &ap, SPG_DOUBLE) + loss(c, op, &am, SPG_DOUBLE)) /
                                      (2 * h) + (double)gmag);
    const double err = fabs(fd - (double)gd);
    const int ok = err <= bound;
    c->failures += !ok;
    printf("  %-13s d/d%s  fd        error %9.2e  bound %9.2e  (derivative %10.3e)  %s\n",
           op_names[op], param_names[q], err, bound, (double)gd, ok ? "ok" : "FAILED");
    params_free(&pp), params_free(&pm), params_free(&g), params_free(&ga);
    params_free(&ap), params_free(&am), params_free(&a);
    free(d);
}

/* <dy, op(A) v> = <op(A)' dy, v>, the SpMV pullback against its forward. */
static void check_adjoint(checker *c, int op, const params *p, spg_rng *seed)
{
    const spg_op o = op == SPMV_N ? SPG_OP_N : SPG_OP_T;
    const int64_t xl = xlen(c, op), yl = ylen(c, op);
    double *dy = xmalloc(yl, 8), *ady = xmalloc(yl, 8), *v = xmalloc(xl, 8), *av = xmalloc(xl, 8);
    double *out = xmalloc(yl + xl, 8), *aout = xmalloc(yl + xl, 8), *aa = xmalloc(c->nnz, 8);
    for (int64_t i = 0; i < yl; i++)
        dy[i] = uniform(seed), ady[i] = fabs(dy[i]);
    for (int64_t j = 0; j < xl; j++)
        v[j] = uniform(seed), av[j] = fabs(v[j]);
    for (int64_t k = 0; k < c->nnz; k++)
        aa[k] = fabs(p->p[PA][k]);
    double sides[2] = {0, 0}, mag = 0;
    for (int s = 0; s < 2; s++) { /* s = 0: the values; s = 1: their magnitudes */
        spg_dtype dt = s ? SPG_DOUBLE : c->dt;
        spg_csc A;
        void *a = typed(c, dt, s ? aa : p->p[PA], c->nnz), *tv = typed(c, dt, s ? av : v, xl);
        void *tdy = typed(c, dt, s ? ady : dy, yl), *ty = zeros(c, yl, 8), *tdx = zeros(c, xl, 8);
        ok_or_die(spg_plan_csc(c->plan, dt, c->pattern ? NULL : a, &A), "view");
        ok_or_die(spg_spmv(c->ctx, o, 1.0, &A, tv, 0.0, ty), "spmv");
        ok_or_die(spg_spmv_pullback(c->ctx, o, 1.0, &A, tv, tdy, NULL, tdx), "spmv pullback");
        double *yy = s ? aout : out, *xx = (s ? aout : out) + yl;
        memset(yy, 0, (size_t)(yl + xl) * 8);
        add_untyped(c, dt, ty, yy, yl);
        add_untyped(c, dt, tdx, xx, xl);
        long double lhs = 0, rhs = 0;
        for (int64_t i = 0; i < yl; i++)
            lhs += (long double)(s ? ady : dy)[i] * yy[i];
        for (int64_t j = 0; j < xl; j++)
            rhs += (long double)(s ? av : v)[j] * xx[j];
        if (s)
            mag = (double)(lhs + rhs);
        else
            sides[0] = (double)lhs, sides[1] = (double)rhs;
        drop(c, a), drop(c, tv), drop(c, tdy);
    }
    const double err = fabs(sides[0] - sides[1]), bound = c->Ku * mag;
    const int ok = err <= bound;
    c->failures += !ok;
    printf("  %-13s d/dx  adjoint   error %9.2e  bound %9.2e  (<dy, op(A) v> %10.3e)  %s\n",
           op_names[op], err, bound, sides[0], ok ? "ok" : "FAILED");
    free(dy), free(ady), free(v), free(av), free(out), free(aout), free(aa);
}

static int usage(void)
{
    fprintf(stderr, "usage: spgrad check FILE.mtx [--type double|float] [--backend cpu|cuda] "
                    "[--max-memory BYTES]\n");
    return 2;
}

/* Parses the options after FILE into c and opt; 0, or the exit status. */
static int check_args(int argc, char **argv, checker *c, spg_mm_options *opt)
{
    for (int a = 1; a < argc; a++) {
        if (spg_tool_backend_arg(argc, argv, &a, &c->backend))
            continue;
        const int got = spg_arg_mm_option("spgrad check", argc, argv, &a, 0, opt);
        if (got < 0)
            return 2;
        if (got > 0)
            continue;
        if (!strcmp(argv[a], "--type") && a + 1 < argc && !strcmp(argv[a + 1], "float"))
            c->dt = SPG_FLOAT, a++;
        else if (!strcmp(argv[a], "--type") && a + 1 < argc && !strcmp(argv[a + 1], "double"))
            c->dt = SPG_DOUBLE, a++;
        else
            return usage();
    }
    return 0;
}

/* Reads path into mm; 0, or 1 with a message. */
static int check_read(const char *path, const spg_mm_options *opt, spg_mm *mm)
{
    char err[512];
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "spgrad check: %s: cannot open\n", path);
        return 1;
    }
    int rc = spg_mm_read_with(f, opt, mm, err, sizeof err);
    fclose(f);
    if (rc)
        fprintf(stderr, "spgrad check: %s: %s\n", path, err);
    return rc ? 1 : 0;
}

/* The rounding factor K u: the longest row or column of the pattern. */
static double rounding_factor(const checker *c)
{
    spg_csc P;
    ok_or_die(spg_plan_csc(c->plan, SPG_DOUBLE, NULL, &P), "view");
    int64_t cmax = 0, *rows = xmalloc(c->m, sizeof(int64_t));
    int64_t *cp = xmalloc(c->n + 1, sizeof *cp), *ri = xmalloc(c->nnz, sizeof *ri);
    spg_tool_get(c->backend, cp, P.colptr, (size_t)(c->n + 1) * sizeof *cp);
    spg_tool_get(c->backend, ri, P.rowind, (size_t)c->nnz * sizeof *ri);
    for (int64_t j = 0; j < c->n; j++) {
        cmax = cp[j + 1] - cp[j] > cmax ? cp[j + 1] - cp[j] : cmax;
        for (int64_t q = cp[j]; q < cp[j + 1]; q++)
            rows[ri[q]]++;
    }
    for (int64_t i = 0; i < c->m; i++)
        cmax = rows[i] > cmax ? rows[i] : cmax;
    free(rows), free(cp), free(ri);
    return 2 * (double)(cmax + 3) * spg_unit(c->dt) + (double)(c->m + c->n + 3) * (DBL_EPSILON / 2);
}

/* The context, the plan of mm's triplets, and the rounding factor. */
static void check_setup(checker *c, const spg_mm *mm)
{
    const size_t ib = (size_t)mm->nnz * sizeof(int64_t);
    c->coo = (spg_coo){mm->m, mm->n, mm->nnz, SPG_INT64,
                       spg_tool_put(c->ctx, c->backend, mm->I, ib),
                       spg_tool_put(c->ctx, c->backend, mm->J, ib)};
    ok_or_die(spg_plan_create(c->ctx, &c->coo, SPG_ONE_BASED, &c->plan), "plan");
    c->m = mm->m, c->n = mm->n, c->N = mm->nnz, c->nnz = spg_plan_nnz(c->plan);
    c->pattern = mm->pattern;
    c->Ku = rounding_factor(c);
}

/* Parameters: x, y, w random; V the file's values; a assembled from V. */
static params check_params(checker *c, const spg_mm *mm, spg_rng *seed)
{
    params p = params_new(c);
    for (int64_t k = 0; k < c->m + c->n; k++) {
        p.p[PX][k] = uniform(seed), p.p[PY][k] = uniform(seed);
        p.w[k] = 0.5 + 0.25 * (uniform(seed) + 1);
    }
    for (int64_t k = 0; k < c->N; k++)
        p.p[PV][k] = mm->V ? mm->V[k] : 1.0;
    void *a = typed(c, SPG_DOUBLE, p.p[PV], c->N), *pa = zeros(c, c->nnz, sizeof(double));
    ok_or_die(spg_assemble(c->ctx, c->plan, SPG_DOUBLE, a, pa), "assemble");
    add_untyped(c, SPG_DOUBLE, pa, p.p[PA], c->nnz);
    drop(c, a);
    return p;
}

/* Every operation's checks, a line each, and the closing line. */
static void check_all(checker *c, const char *path, const params *p, spg_rng *seed)
{
    printf("spgrad check: %s: %lld x %lld, %lld stored entries%s, %s\n", path,
           (long long)c->m, (long long)c->n, (long long)c->nnz,
           c->pattern ? " (pattern: A is constant)" : "", c->dt == SPG_DOUBLE ? "double" : "float");
    for (int op = 0; op < NOPS; op++) {
        if (op == QUADRATIC && c->m != c->n) {
            printf("  %-13s skipped: A is not square\n", op_names[op]);
            continue;
        }
        for (int q = 0; q < NPARAMS; q++)
            if (has_param(c, op, q))
                check_fd(c, op, q, p, seed);
        if (op == SPMV_N || op == SPMV_T)
            check_adjoint(c, op, p, seed);
    }
    printf("%s: %d check%s failed\n", c->failures ? "FAILED" : "ok", c->failures,
           c->failures == 1 ? "" : "s");
}

int spg_cmd_check(int argc, char **argv)
{
    checker c = {.dt = SPG_DOUBLE, .backend = SPG_BACKEND_CPU};
    spg_mm_options opt = {SPG_MM_MAX_BYTES, 0};
    spg_mm mm;
    if (argc < 1 || argv[0][0] == '-')
        return usage();
    int rc = check_args(argc, argv, &c, &opt);
    if (rc || check_read(argv[0], &opt, &mm))
        return rc ? rc : 1;
    c.ctx = spg_tool_context("spgrad check", c.backend);
    if (!c.ctx) {
        spg_mm_free(&mm);
        return 1;
    }
    check_setup(&c, &mm);
    spg_rng seed = {2024};
    params p = check_params(&c, &mm, &seed);
    check_all(&c, argv[0], &p, &seed);
    params_free(&p);
    if (c.backend != SPG_BACKEND_CPU)
        spg_tool_drop(c.backend, (void *)c.coo.I), spg_tool_drop(c.backend, (void *)c.coo.J);
    spg_plan_destroy(c.plan);
    spg_context_destroy(c.ctx);
    spg_mm_free(&mm);
    return c.failures ? 1 : 0;
}
