/* SpMV, bilinear and quadratic forms, sampled outer products and the COO
 * pullbacks: forward results and pullbacks against dense oracles with
 * per-element rounding bounds, the adjoint identity, central finite
 * differences, every combination of requested gradients, pattern matrices,
 * rectangular and empty shapes, float and double, int32 and int64, on the
 * backend that the command line names (dev.h). */
#include <stdlib.h>

#include "check.h"
#include "dense.h"
#include "dev.h"
#include "internal.h"
#include "testhook.h"
#include "problems.h"

typedef struct mat {
    problem p;
    spg_dtype dt;
    spg_itype it;
    void *I, *J, *Ax;
    spg_plan *plan;
    spg_csc A;
    spg_coo coo;
    dense D;
    double u;
} mat;

static spg_context *ctx;
static int fuses; /* the backend has the one-pass gradients (the CPU) */

/* Zeroes the kernel-run counters. */
static void reset_runs(void)
{
    for (int k = 0; k < SPG_KERNEL_COUNT; k++)
        spg_kernel_runs((spg_kernel)k);
}

/* A random matrix through a plan (tested by test_assemble); pattern: values
 * NULL. */
static mat mat_make(problem p, spg_dtype dt, spg_itype it, int pattern)
{
    mat M = {.p = p, .dt = dt, .it = it, .u = spg_unit(dt)};
    const size_t is = it == SPG_INT32 ? 4 : 8, vs = spg_vsize(dt);
    M.I = dev_reg(problem_index(&p, p.I, it, 0), (size_t)p.nnz * is);
    M.J = dev_reg(problem_index(&p, p.J, it, 0), (size_t)p.nnz * is);
    M.coo = (spg_coo){p.m, p.n, p.nnz, it, M.I, M.J};
    if (DEV(spg_plan_create(ctx, dev_coo(&M.coo), SPG_SKIP_NEGATIVE, &M.plan)) != SPG_SUCCESS)
        exit(2);
    void *V = dev_reg(problem_values(&p, dt), (size_t)p.nnz * vs);
    M.Ax = dev_new((size_t)spg_plan_nnz(M.plan) * vs);
    DEV(spg_assemble(ctx, M.plan, dt, dv(V), dv(M.Ax)));
    dev_unreg(V);
    free(V);
    M.A = dev_view(M.plan, dt, pattern ? NULL : M.Ax);
    M.D = dense_of(&M.A);
    return M;
}

static void mat_free(mat *M)
{
    dev_view_free(&M->A);
    dev_unreg(M->I), dev_unreg(M->J), dev_unreg(M->Ax);
    spg_plan_destroy(M->plan);
    dense_free(&M->D);
    free(M->I), free(M->J), free(M->Ax);
}

/* A typed array of random values, registered (dev.h), and its double
 * copy. */
static void *rand_vec(spg_dtype dt, int64_t len, spg_rng *r, double **copy)
{
    void *v = malloc((size_t)(len + 1) * spg_vsize(dt));
    *copy = malloc((size_t)(len + 1) * sizeof(double));
    for (int64_t k = 0; k < len; k++) {
        spg_vset(dt, v, k, spg_rng_value(r));
        (*copy)[k] = spg_vget(dt, v, k);
    }
    return dev_reg(v, (size_t)len * spg_vsize(dt));
}

/* A zeroed array of len values of 8 bytes (room for either type),
 * registered. */
static void *zero_vec(int64_t len)
{
    return dev_new((size_t)len * 8);
}

/* Each element of a typed array is within bound of ref. */
static int close_to(const char *what, const mat *M, const void *got, const double *ref,
                    const double *bound, int64_t len)
{
    for (int64_t k = 0; k < len; k++) {
        double g = spg_vget(M->dt, got, k);
        if (!CHECK(fabs(g - ref[k]) <= bound[k])) {
            fprintf(stderr, "  %s [%s %s %s]: element %lld: %.17g vs %.17g (bound %.3e)\n", what,
                    M->p.name, M->dt == SPG_DOUBLE ? "double" : "float",
                    M->A.values ? "values" : "pattern", (long long)k, g, ref[k], bound[k]);
            return 0;
        }
    }
    return 1;
}

/* dA_ref[p] = dA0[p] + alpha u_i v_j over the stored entries, with bounds. */
static void outer_ref(const mat *M, double alpha, const double *u, const double *v,
                      const double *dA0, double *ref, double *bound)
{
    for (int64_t j = 0; j < M->A.n; j++)
        for (int64_t p = spg_iget(M->it, M->A.colptr, j); p < spg_iget(M->it, M->A.colptr, j + 1); p++) {
            int64_t i = spg_iget(M->it, M->A.rowind, p);
            ref[p] = dA0[p] + alpha * u[i] * v[j];
            bound[p] = 4 * M->u * (fabs(dA0[p]) + fabs(alpha * u[i] * v[j]));
        }
}

static void test_spmv(const mat *M, spg_op op, spg_rng *r)
{
    const int64_t xlen = op == SPG_OP_N ? M->A.n : M->A.m, ylen = op == SPG_OP_N ? M->A.m : M->A.n;
    const int mark = dev_mark();
    double *x, *y0, *ref = malloc((size_t)(ylen + 1) * 8), *bound = malloc((size_t)(ylen + 1) * 8);
    void *xv = rand_vec(M->dt, xlen, r, &x), *y = rand_vec(M->dt, ylen, r, &y0);
    const double alpha = 0.75, beta = -0.5;
    CHECK_STATUS(DEV(spg_spmv(ctx, op, alpha, dev_csc(&M->A), dv(xv), beta, dv(y))), SPG_SUCCESS);
    dense_spmv(&M->D, op, alpha, x, beta, y0, M->u, ref, bound);
    close_to(op == SPG_OP_N ? "spmv N" : "spmv T", M, y, ref, bound, ylen);
    /* beta = 0: y is not read, NaN does not leak through */
    for (int64_t k = 0; k < ylen; k++)
        spg_vset(M->dt, y, k, NAN);
    CHECK_STATUS(DEV(spg_spmv(ctx, op, alpha, dev_csc(&M->A), dv(xv), 0.0, dv(y))), SPG_SUCCESS);
    dense_spmv(&M->D, op, alpha, x, 0, NULL, M->u, ref, bound);
    close_to("spmv beta 0", M, y, ref, bound, ylen);
    dev_release(mark);
    free(x), free(y0), free(xv), free(y), free(ref), free(bound);
}

/* Every combination of requested gradients against the oracle; the work of
 * a NULL gradient is skipped (the kernel counters show it). */
static void test_spmv_pullback(const mat *M, spg_op op, spg_rng *r)
{
    const int64_t xlen = op == SPG_OP_N ? M->A.n : M->A.m, ylen = op == SPG_OP_N ? M->A.m : M->A.n;
    const int64_t nnz = M->A.nnz, big = (xlen > nnz ? xlen : nnz) + 1;
    const int mark = dev_mark();
    double *x, *dy, *dx0, *dA0, *ref = malloc((size_t)big * 8), *bound = malloc((size_t)big * 8);
    void *xv = rand_vec(M->dt, xlen, r, &x), *dyv = rand_vec(M->dt, ylen, r, &dy);
    void *dx = rand_vec(M->dt, xlen, r, &dx0), *dA = rand_vec(M->dt, nnz, r, &dA0);
    const double alpha = -1.25;
    for (int want = 0; want < 4; want++) {
        const int want_dx = want & 1, want_dA = want & 2;
        for (int64_t k = 0; k < xlen; k++)
            spg_vset(M->dt, dx, k, dx0[k]);
        for (int64_t k = 0; k < nnz; k++)
            spg_vset(M->dt, dA, k, dA0[k]);
        reset_runs();
        spg_status st = DEV(spg_spmv_pullback(ctx, op, alpha, dev_csc(&M->A), dv(xv), dv(dyv),
                                              dv(want_dA ? dA : NULL), dv(want_dx ? dx : NULL)));
        if (want_dA && !M->A.values) {
            CHECK(st == SPG_ERR_PATTERN_GRADIENT);
            for (int64_t k = 0; k < xlen; k++)
                CHECK(spg_vget(M->dt, dx, k) == dx0[k]);
            continue;
        }
        CHECK(st == SPG_SUCCESS);
        /* dx = dx0 + alpha op(A)' dy: op(A)' is A' for op N */
        dense_spmv(&M->D, op == SPG_OP_N ? SPG_OP_T : SPG_OP_N, alpha, dy, 1, want_dx ? dx0 : NULL,
                   M->u, ref, bound);
        if (want_dx)
            close_to("spmv pullback dx", M, dx, ref, bound, xlen);
        else
            for (int64_t k = 0; k < xlen; k++)
                CHECK(spg_vget(M->dt, dx, k) == dx0[k]);
        outer_ref(M, alpha, op == SPG_OP_N ? dy : x, op == SPG_OP_N ? x : dy, dA0, ref, bound);
        if (want_dA)
            close_to("spmv pullback dA", M, dA, ref, bound, nnz);
        else
            for (int64_t k = 0; k < nnz; k++)
                CHECK(spg_vget(M->dt, dA, k) == dA0[k]);
        /* only the requested work ran: dx needs op(A)' dy, dA the outer
         * product; for op N both run as one pass over the columns */
        const int fused = fuses && op == SPG_OP_N && want_dx && want_dA;
        CHECK(spg_kernel_runs(SPG_KERNEL_SPMV_T_OUTER) == fused);
        CHECK(spg_kernel_runs(op == SPG_OP_N ? SPG_KERNEL_SPMV_T : SPG_KERNEL_SPMV_N) ==
              (want_dx && !fused));
        CHECK(spg_kernel_runs(SPG_KERNEL_SAMPLED_OUTER) == (want_dA && !fused));
    }
    dev_release(mark);
    free(x), free(dy), free(dx0), free(dA0), free(ref), free(bound), free(xv), free(dyv), free(dx),
        free(dA);
}

/* Each gradient of the bilinear pullback asked alone runs its own pass
 * (dx: A y, dy: A' x, dA: the outer product) from the starting values d*0;
 * the gradients in g* of one fused call must be the same bits. */
static void separate_passes(const mat *M, const void *xv, const void *yv, double df,
                            const void *gA, const void *gx, const void *gy, const double *dA0,
                            const double *dx0, const double *dy0)
{
    const int64_t len[3] = {M->A.nnz, M->A.m, M->A.n};
    const void *got[3] = {gA, gx, gy};
    const double *start[3] = {dA0, dx0, dy0};
    for (int g = 0; g < 3; g++) {
        if (!got[g])
            continue;
        void *alone = zero_vec(len[g]);
        for (int64_t k = 0; k < len[g]; k++)
            spg_vset(M->dt, alone, k, start[g][k]);
        CHECK_STATUS(DEV(spg_bilinear_pullback(ctx, dev_csc(&M->A), dv(xv), dv(yv), df,
                                               dv(g == 0 ? alone : NULL), dv(g == 1 ? alone : NULL),
                                               dv(g == 2 ? alone : NULL))),
                     SPG_SUCCESS);
        CHECK(spg_kernel_runs(SPG_KERNEL_BILINEAR_FUSED) == 0);
        for (int64_t k = 0; k < len[g]; k++)
            CHECK(spg_vget(M->dt, alone, k) == spg_vget(M->dt, got[g], k));
        dev_unreg(alone);
        free(alone);
    }
}

static void test_bilinear(const mat *M, spg_rng *r)
{
    const int64_t m = M->A.m, n = M->A.n, nnz = M->A.nnz, big = m + n + nnz + 1;
    const int mark = dev_mark();
    double *x, *y, *dx0, *dy0, *dA0, f, fb, *ref = malloc((size_t)big * 8), *bound = malloc((size_t)big * 8);
    void *xv = rand_vec(M->dt, m, r, &x), *yv = rand_vec(M->dt, n, r, &y);
    void *dx = rand_vec(M->dt, m, r, &dx0), *dy = rand_vec(M->dt, n, r, &dy0);
    void *dA = rand_vec(M->dt, nnz, r, &dA0);
    reset_runs();
    CHECK_STATUS(DEV(spg_bilinear(ctx, dev_csc(&M->A), dv(xv), dv(yv), &f)), SPG_SUCCESS);
    double fref = dense_bilinear(&M->D, x, y, M->u, &fb);
    if (!CHECK(fabs(f - fref) <= fb))
        fprintf(stderr, "  bilinear %s: %.17g vs %.17g (bound %.3e)\n", M->p.name, f, fref, fb);
    CHECK(spg_kernel_runs(SPG_KERNEL_BILINEAR_PASS) == 1);

    const double df = 1.5;
    for (int want = 0; want < 8; want++) {
        void *gx = (want & 1) ? dx : NULL, *gy = (want & 2) ? dy : NULL, *gA = (want & 4) ? dA : NULL;
        for (int64_t k = 0; k < m; k++)
            spg_vset(M->dt, dx, k, dx0[k]);
        for (int64_t k = 0; k < n; k++)
            spg_vset(M->dt, dy, k, dy0[k]);
        for (int64_t k = 0; k < nnz; k++)
            spg_vset(M->dt, dA, k, dA0[k]);
        reset_runs();
        spg_status st = DEV(spg_bilinear_pullback(ctx, dev_csc(&M->A), dv(xv), dv(yv), df, dv(gA),
                                                  dv(gx), dv(gy)));
        if (gA && !M->A.values) {
            CHECK(st == SPG_ERR_PATTERN_GRADIENT);
            continue;
        }
        CHECK(st == SPG_SUCCESS);
        /* the CPU backend runs dx with dy or dA in one pass */
        const int one = fuses && gx && (gy || gA);
        CHECK(spg_kernel_runs(SPG_KERNEL_BILINEAR_FUSED) == one);
        CHECK(spg_kernel_runs(SPG_KERNEL_SPMV_N) == (gx && !one));
        CHECK(spg_kernel_runs(SPG_KERNEL_SPMV_T) == (gy && !one));
        CHECK(spg_kernel_runs(SPG_KERNEL_SAMPLED_OUTER) == (gA && !one));
        if (one) /* the same bits as each gradient alone, from its own pass */
            separate_passes(M, xv, yv, df, gA, gx, gy, dA0, dx0, dy0);
        dense_spmv(&M->D, SPG_OP_N, df, y, 1, gx ? dx0 : NULL, M->u, ref, bound);
        if (gx)
            close_to("bilinear dx", M, dx, ref, bound, m);
        dense_spmv(&M->D, SPG_OP_T, df, x, 1, gy ? dy0 : NULL, M->u, ref, bound);
        if (gy)
            close_to("bilinear dy", M, dy, ref, bound, n);
        outer_ref(M, df, x, y, dA0, ref, bound);
        if (gA)
            close_to("bilinear dA", M, dA, ref, bound, nnz);
        for (int64_t k = 0; !gx && k < m; k++)
            CHECK(spg_vget(M->dt, dx, k) == dx0[k]);
        for (int64_t k = 0; !gy && k < n; k++)
            CHECK(spg_vget(M->dt, dy, k) == dy0[k]);

        /* value and gradient: the oracle's, and on the CPU the same bits as
         * bilinear + pullback with df 1 */
        void *ex = zero_vec(m), *ey = zero_vec(n), *eA = zero_vec(nnz);
        for (int64_t k = 0; k < m; k++)
            spg_vset(M->dt, ex, k, dx0[k]), spg_vset(M->dt, dx, k, dx0[k]);
        for (int64_t k = 0; k < n; k++)
            spg_vset(M->dt, ey, k, dy0[k]), spg_vset(M->dt, dy, k, dy0[k]);
        for (int64_t k = 0; k < nnz; k++)
            spg_vset(M->dt, eA, k, dA0[k]), spg_vset(M->dt, dA, k, dA0[k]);
        double fv = NAN;
        reset_runs();
        CHECK_STATUS(DEV(spg_bilinear_value_and_grad(ctx, dev_csc(&M->A), dv(xv), dv(yv), &fv,
                                                     dv(gA), dv(gx), dv(gy))),
                     SPG_SUCCESS);
        /* one pass over A: with dx the fused one, else A y after it */
        const int fused = fuses && gx;
        CHECK(spg_kernel_runs(SPG_KERNEL_BILINEAR_FUSED) == fused);
        CHECK(spg_kernel_runs(SPG_KERNEL_BILINEAR_PASS) == !fused);
        CHECK(spg_kernel_runs(SPG_KERNEL_SPMV_N) == (gx && !fused));
        CHECK(spg_kernel_runs(SPG_KERNEL_SPMV_T) + spg_kernel_runs(SPG_KERNEL_SAMPLED_OUTER) == 0);
        CHECK(fv == f);
        dense_spmv(&M->D, SPG_OP_N, 1.0, y, 1, dx0, M->u, ref, bound);
        if (gx)
            close_to("value and grad dx", M, dx, ref, bound, m);
        dense_spmv(&M->D, SPG_OP_T, 1.0, x, 1, dy0, M->u, ref, bound);
        if (gy)
            close_to("value and grad dy", M, dy, ref, bound, n);
        outer_ref(M, 1.0, x, y, dA0, ref, bound);
        if (gA)
            close_to("value and grad dA", M, dA, ref, bound, nnz);
        CHECK_STATUS(DEV(spg_bilinear_pullback(ctx, dev_csc(&M->A), dv(xv), dv(yv), 1.0,
                                               dv(gA ? eA : NULL), dv(gx ? ex : NULL),
                                               dv(gy ? ey : NULL))),
                     SPG_SUCCESS);
        for (int64_t k = 0; fuses && k < m; k++)
            CHECK(spg_vget(M->dt, dx, k) == spg_vget(M->dt, ex, k));
        for (int64_t k = 0; fuses && k < n; k++)
            CHECK(spg_vget(M->dt, dy, k) == spg_vget(M->dt, ey, k));
        for (int64_t k = 0; fuses && k < nnz; k++)
            CHECK(spg_vget(M->dt, dA, k) == spg_vget(M->dt, eA, k));
        dev_unreg(ex), dev_unreg(ey), dev_unreg(eA);
        free(ex), free(ey), free(eA);
    }
    dev_release(mark);
    free(x), free(y), free(dx0), free(dy0), free(dA0), free(ref), free(bound), free(xv), free(yv),
        free(dx), free(dy), free(dA);
}

static void test_quadratic(const mat *M, spg_rng *r)
{
    const int64_t n = M->A.n, nnz = M->A.nnz;
    const int mark = dev_mark();
    double *x, *dx0, *dA0, f, fb, *ref = malloc((size_t)(n + nnz + 1) * 8),
                              *bound = malloc((size_t)(n + nnz + 1) * 8);
    void *xv = rand_vec(M->dt, n, r, &x), *dx = rand_vec(M->dt, n, r, &dx0);
    void *dA = rand_vec(M->dt, nnz, r, &dA0);
    if (M->A.m != n) {
        CHECK_STATUS(DEV(spg_quadratic(ctx, dev_csc(&M->A), dv(xv), &f)), SPG_ERR_DIMENSION);
        CHECK_STATUS(DEV(spg_quadratic_pullback(ctx, dev_csc(&M->A), dv(xv), 1.0, NULL, dv(dx))),
                     SPG_ERR_DIMENSION);
    } else {
        CHECK_STATUS(DEV(spg_quadratic(ctx, dev_csc(&M->A), dv(xv), &f)), SPG_SUCCESS);
        double fref = dense_bilinear(&M->D, x, x, M->u, &fb);
        CHECK(fabs(f - fref) <= fb);
        const double df = -0.5;
        spg_status st = DEV(spg_quadratic_pullback(ctx, dev_csc(&M->A), dv(xv), df,
                                                   dv(M->A.values ? dA : NULL), dv(dx)));
        CHECK(st == SPG_SUCCESS);
        /* dx = dx0 + df A x + df A' x: two bounded sums */
        double *r2 = malloc((size_t)(n + 1) * 8), *b2 = malloc((size_t)(n + 1) * 8);
        dense_spmv(&M->D, SPG_OP_N, df, x, 1, dx0, M->u, ref, bound);
        dense_spmv(&M->D, SPG_OP_T, df, x, 0, NULL, M->u, r2, b2);
        for (int64_t k = 0; k < n; k++)
            ref[k] += r2[k], bound[k] = 2 * (bound[k] + b2[k]);
        close_to("quadratic dx", M, dx, ref, bound, n);
        if (M->A.values) {
            outer_ref(M, df, x, x, dA0, ref, bound);
            close_to("quadratic dA", M, dA, ref, bound, nnz);
        } else {
            CHECK_STATUS(DEV(spg_quadratic_pullback(ctx, dev_csc(&M->A), dv(xv), df, dv(dA), NULL)),
                         SPG_ERR_PATTERN_GRADIENT);
        }
        free(r2), free(b2);
    }
    dev_release(mark);
    free(x), free(dx0), free(dA0), free(ref), free(bound), free(xv), free(dx), free(dA);
}

/* dA = dA0 + alpha sum_r U_{i r} V_{j r} with the sum in order of r, bit
 * for bit, on a double matrix */
static int outer_bits(const mat *M, int64_t k, const double *U, int64_t ldu, const double *V,
                      int64_t ldv, double alpha, const double *dA0, const void *dA)
{
    int same = 1;
    for (int64_t j = 0; j < M->A.n; j++)
        for (int64_t p = spg_iget(M->it, M->A.colptr, j);
             p < spg_iget(M->it, M->A.colptr, j + 1); p++) {
            const int64_t i = spg_iget(M->it, M->A.rowind, p);
            double t = U[i] * V[j];
            for (int64_t q = 1; q < k; q++)
                t += U[i + q * ldu] * V[j + q * ldv];
            same &= spg_vget(SPG_DOUBLE, dA, p) == dA0[p] + alpha * t;
        }
    return same;
}

/* Rank-k sampled outer products with leading dimensions beyond m and n:
 * within rounding, and in double with the bits of the sum in order of r. */
static void test_sampled_outer(const mat *M, int64_t k, spg_rng *r)
{
    const int64_t m = M->A.m, n = M->A.n, nnz = M->A.nnz, ldu = m + 2, ldv = n + 1;
    const int mark = dev_mark();
    double *U, *V, *dA0, *ref = malloc((size_t)(nnz + 1) * 8), *bound = malloc((size_t)(nnz + 1) * 8);
    void *Uv = rand_vec(M->dt, ldu * k, r, &U), *Vv = rand_vec(M->dt, ldv * k, r, &V);
    void *dA = rand_vec(M->dt, nnz, r, &dA0);
    const double alpha = 0.625;
    spg_status st =
        DEV(spg_sampled_outer(ctx, dev_csc(&M->A), k, dv(Uv), ldu, dv(Vv), ldv, alpha, dv(dA)));
    if (!M->A.values) {
        CHECK(st == SPG_ERR_PATTERN_GRADIENT);
    } else if (CHECK(st == SPG_SUCCESS)) {
        for (int64_t j = 0; j < n; j++)
            for (int64_t p = spg_iget(M->it, M->A.colptr, j); p < spg_iget(M->it, M->A.colptr, j + 1); p++) {
                int64_t i = spg_iget(M->it, M->A.rowind, p);
                double s = 0, mag = 0;
                for (int64_t q = 0; q < k; q++) {
                    s += U[i + q * ldu] * V[j + q * ldv];
                    mag += fabs(U[i + q * ldu] * V[j + q * ldv]);
                }
                ref[p] = dA0[p] + alpha * s;
                bound[p] = (k + 3) * M->u * (fabs(dA0[p]) + fabs(alpha) * mag);
            }
        close_to("sampled outer", M, dA, ref, bound, nnz);
        if (M->dt == SPG_DOUBLE)
            CHECK(outer_bits(M, k, U, ldu, V, ldv, alpha, dA0, dA));
        /* k = 0 adds nothing */
        for (int64_t p = 0; p < nnz; p++)
            ref[p] = spg_vget(M->dt, dA, p);
        CHECK_STATUS(DEV(spg_sampled_outer(ctx, dev_csc(&M->A), 0, NULL, ldu, NULL, ldv, alpha,
                                           dv(dA))),
                     SPG_SUCCESS);
        for (int64_t p = 0; p < nnz; p++)
            CHECK(spg_vget(M->dt, dA, p) == ref[p]);
    }
    dev_release(mark);
    free(U), free(V), free(dA0), free(ref), free(bound), free(Uv), free(Vv), free(dA);
}

/* <dy, op(A) v> = <op(A)' dy, v> and <dy, op(B) x> = <dA, B's values> for
 * B on A's pattern: the pullbacks are the adjoints of the forward maps. */
static void test_adjoint(const mat *M, spg_op op, spg_rng *r)
{
    if (!M->A.values)
        return;
    const int64_t xlen = op == SPG_OP_N ? M->A.n : M->A.m, ylen = op == SPG_OP_N ? M->A.m : M->A.n;
    const int64_t nnz = M->A.nnz;
    const int mark = dev_mark();
    double *x, *dy, *b, *t0;
    void *xv = rand_vec(M->dt, xlen, r, &x), *dyv = rand_vec(M->dt, ylen, r, &dy);
    void *bv = rand_vec(M->dt, nnz, r, &b), *y = rand_vec(M->dt, ylen, r, &t0);
    void *dx = zero_vec(xlen), *dA = zero_vec(nnz);
    CHECK_STATUS(DEV(spg_spmv(ctx, op, 1.0, dev_csc(&M->A), dv(xv), 0.0, dv(y))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_spmv_pullback(ctx, op, 1.0, dev_csc(&M->A), dv(xv), dv(dyv), dv(dA), dv(dx))),
                 SPG_SUCCESS);
    double lhs = 0, rhs = 0, mag = 0;
    for (int64_t i = 0; i < ylen; i++)
        lhs += dy[i] * spg_vget(M->dt, y, i);
    for (int64_t j = 0; j < xlen; j++)
        rhs += spg_vget(M->dt, dx, j) * x[j];
    for (int64_t i = 0; i < M->A.m; i++)
        for (int64_t j = 0; j < M->A.n; j++)
            mag += fabs(M->D.a[i * M->A.n + j] * (op == SPG_OP_N ? dy[i] * x[j] : x[i] * dy[j]));
    int64_t cmax = 0;
    for (int64_t i = 0; i < M->A.m; i++)
        cmax = M->D.row_count[i] > cmax ? M->D.row_count[i] : cmax;
    for (int64_t j = 0; j < M->A.n; j++)
        cmax = M->D.col_count[j] > cmax ? M->D.col_count[j] : cmax;
    /* each side: inner sums in u, outer sums in double */
    const double tol = 2 * ((cmax + 3) * M->u + (xlen + ylen + 3) * 0x1p-53) * mag;
    if (!CHECK(fabs(lhs - rhs) <= tol))
        fprintf(stderr, "  adjoint x %s: %.17g vs %.17g tol %.3e\n", M->p.name, lhs, rhs, tol);

    /* the matrix argument: B on A's pattern */
    spg_csc B = M->A;
    B.values = bv;
    CHECK_STATUS(DEV(spg_spmv(ctx, op, 1.0, dev_csc(&B), dv(xv), 0.0, dv(y))), SPG_SUCCESS);
    lhs = rhs = 0;
    for (int64_t i = 0; i < ylen; i++)
        lhs += dy[i] * spg_vget(M->dt, y, i);
    for (int64_t p = 0; p < nnz; p++)
        rhs += spg_vget(M->dt, dA, p) * b[p];
    if (!CHECK(fabs(lhs - rhs) <= tol * 2 + 4 * M->u * (double)nnz * 1.0))
        fprintf(stderr, "  adjoint A %s: %.17g vs %.17g\n", M->p.name, lhs, rhs);
    dev_release(mark);
    free(x), free(dy), free(b), free(t0), free(xv), free(dyv), free(bv), free(y), free(dx), free(dA);
}

/* The COO pullbacks against the oracle dV_k += alpha u[I_k] v[J_k], and equal
 * to the plan path (dA into zeros, then the assembly pullback). */
static void test_coo(const mat *M, spg_rng *r)
{
    const problem *p = &M->p;
    const int mark = dev_mark();
    double *x, *y, *dV0;
    void *xv = rand_vec(M->dt, p->m, r, &x), *yv = rand_vec(M->dt, p->n, r, &y);
    void *dV = rand_vec(M->dt, p->nnz, r, &dV0), *dW = zero_vec(p->nnz);
    void *dA = zero_vec(M->A.nnz);
    const double df = 0.875;
    reset_runs();
    CHECK_STATUS(DEV(spg_coo_bilinear_pullback(ctx, dev_coo(&M->coo), SPG_SKIP_NEGATIVE, M->dt,
                                               dv(xv), dv(yv), df, dv(dV))),
                 SPG_SUCCESS);
    CHECK(spg_kernel_runs(SPG_KERNEL_COO_SAMPLED_OUTER) == (p->nnz > 0));
    for (int64_t k = 0; k < p->nnz; k++) {
        double want = dV0[k];
        if (p->I[k] >= 0 && p->J[k] >= 0)
            want = spg_round(M->dt, dV0[k] + spg_round(M->dt, df * spg_round(M->dt, x[p->I[k]] * y[p->J[k]])));
        if (!CHECK(spg_vget(M->dt, dV, k) == want))
            break;
    }
    /* the plan path gives the same numbers */
    spg_csc A = M->A;
    A.values = M->Ax;
    for (int64_t k = 0; k < p->nnz; k++)
        spg_vset(M->dt, dW, k, dV0[k]);
    CHECK_STATUS(DEV(spg_bilinear_pullback(ctx, dev_csc(&A), dv(xv), dv(yv), df, dv(dA), NULL, NULL)),
                 SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_assemble_pullback(ctx, M->plan, M->dt, dv(dA), dv(dW))), SPG_SUCCESS);
    for (int64_t k = 0; k < p->nnz; k++)
        if (!CHECK(spg_vget(M->dt, dV, k) == spg_vget(M->dt, dW, k)))
            break;

    /* SpMV: op N samples dy x', op T samples x dy'; one-based indices */
    const size_t is = M->it == SPG_INT32 ? 4 : 8;
    void *I1 = dev_reg(problem_index(p, p->I, M->it, 1), (size_t)p->nnz * is);
    void *J1 = dev_reg(problem_index(p, p->J, M->it, 1), (size_t)p->nnz * is);
    const spg_coo one = {p->m, p->n, p->nnz, M->it, I1, J1};
    for (int op = 0; op < 2; op++) {
        const double *u = op == SPG_OP_N ? y : x, *v = op == SPG_OP_N ? x : y;
        /* x has length n for op N (u = dy of length m): swap roles accordingly */
        const void *xa = op == SPG_OP_N ? (const void *)xv : xv;
        (void)u, (void)v, (void)xa;
        for (int64_t k = 0; k < p->nnz; k++)
            spg_vset(M->dt, dV, k, dV0[k]);
        void *xs = op == SPG_OP_N ? yv : xv; /* x: length n (op N) or m (op T) */
        void *dys = op == SPG_OP_N ? xv : yv; /* dy: length m (op N) or n (op T) */
        CHECK_STATUS(DEV(spg_coo_spmv_pullback(ctx, dev_coo(&one), SPG_ONE_BASED | SPG_SKIP_NEGATIVE,
                                               (spg_op)op, M->dt, -2.0, dv(xs), dv(dys), dv(dV))),
                     SPG_SUCCESS);
        for (int64_t k = 0; k < p->nnz; k++) {
            double want = dV0[k];
            if (p->I[k] >= 0 && p->J[k] >= 0) /* (I_k, J_k) sample x[I] y[J] either way */
                want = spg_round(M->dt, dV0[k] + spg_round(M->dt, -2.0 * spg_round(M->dt, x[p->I[k]] * y[p->J[k]])));
            if (!CHECK(spg_vget(M->dt, dV, k) == want))
                break;
        }
    }
    dev_release(mark);
    free(I1), free(J1), free(x), free(y), free(dV0), free(xv), free(yv), free(dV), free(dW), free(dA);
}

/* ---- central finite differences ------------------------------------------
 * The losses are quadratic (SpMV: 1/2 sum w_i y_i^2) or bilinear (x' A y)
 * in each parameter, so central differences are exact but for rounding:
 * the tolerance is the rounding bound of the two losses over 2h plus the
 * bound of the computed gradient. h = 2^-5 keeps v +- h exact. */

typedef struct fd_case {
    const mat *M;
    spg_op op;
    void *x, *y;   /* SpMV: x and the output; forms: x and y */
    double *w;     /* SpMV loss weights */
    spg_csc A;     /* with its own values array */
    int form;      /* 0: SpMV, 1: bilinear, 2: quadratic */
} fd_case;

/* The loss and the bound on its rounding. */
static double fd_loss(const fd_case *c, double *bound)
{
    const mat *M = c->M;
    dense D = dense_of(&c->A);
    double *x = to_double(M->dt, c->x, c->form == 0 ? (c->op == SPG_OP_N ? M->A.n : M->A.m) : M->A.m);
    double f = 0;
    if (c->form == 0) {
        const int64_t ylen = c->op == SPG_OP_N ? M->A.m : M->A.n;
        double *ref = malloc((size_t)(ylen + 1) * 8), *b = malloc((size_t)(ylen + 1) * 8);
        CHECK_STATUS(DEV(spg_spmv(ctx, c->op, 1.0, dev_csc(&c->A), dv(c->x), 0.0, dv(c->y))),
                     SPG_SUCCESS);
        dense_spmv(&D, c->op, 1.0, x, 0, NULL, M->u, ref, b);
        double mag = 0;
        *bound = 0;
        for (int64_t i = 0; i < ylen; i++) {
            double yi = spg_vget(M->dt, c->y, i);
            f += 0.5 * c->w[i] * yi * yi;
            mag += 0.5 * c->w[i] * yi * yi;
            *bound += c->w[i] * (fabs(yi) + b[i]) * b[i];
        }
        *bound += (ylen + 3) * 0x1p-53 * mag;
        free(ref), free(b);
    } else {
        double *y = c->form == 1 ? to_double(M->dt, c->y, M->A.n) : x;
        if (c->form == 1)
            CHECK_STATUS(DEV(spg_bilinear(ctx, dev_csc(&c->A), dv(c->x), dv(c->y), &f)),
                         SPG_SUCCESS);
        else
            CHECK_STATUS(DEV(spg_quadratic(ctx, dev_csc(&c->A), dv(c->x), &f)), SPG_SUCCESS);
        dense_bilinear(&D, x, y, M->u, bound);
        if (c->form == 1)
            free(y);
    }
    free(x);
    dense_free(&D);
    return f;
}

/* Central differences on each element of a parameter array against grad;
 * gbound bounds the rounding of each computed gradient element. */
static void fd_param(const fd_case *c, void *param, int64_t len, const void *grad,
                     const double *gbound, const char *what)
{
    const double h = 0x1p-5;
    double worst = 0;
    for (int64_t k = 0; k < len; k++) {
        double v = spg_vget(c->M->dt, param, k), bp, bm;
        spg_vset(c->M->dt, param, k, v + h);
        double Lp = fd_loss(c, &bp);
        spg_vset(c->M->dt, param, k, v - h);
        double Lm = fd_loss(c, &bm);
        spg_vset(c->M->dt, param, k, v);
        double g = spg_vget(c->M->dt, grad, k), err = fabs((Lp - Lm) / (2 * h) - g);
        double tol = (bp + bm) / (2 * h) + gbound[k];
        worst = fmax(worst, err / fmax(tol, 1e-300));
        if (!CHECK(err <= tol)) {
            fprintf(stderr, "  fd %s [%s %s] element %lld: fd %.17g grad %.17g tol %.3e\n", what,
                    c->M->p.name, c->M->dt == SPG_DOUBLE ? "double" : "float", (long long)k,
                    (Lp - Lm) / (2 * h), g, tol);
            return;
        }
    }
}

static void test_fd(const mat *M, spg_rng *r)
{
    if (!M->A.values)
        return;
    const int64_t m = M->A.m, n = M->A.n, nnz = M->A.nnz, big = m + n + nnz + 1;
    const int mark = dev_mark();
    double *ref = malloc((size_t)big * 8), *bound = malloc((size_t)big * 8), *xd, *yd, *ad, *tmp;
    void *vals = rand_vec(M->dt, nnz, r, &ad);
    for (int64_t p = 0; p < nnz; p++)
        spg_vset(M->dt, vals, p, spg_vget(M->dt, M->A.values, p)), ad[p] = spg_vget(M->dt, vals, p);
    fd_case c = {.M = M, .A = M->A};
    c.A.values = vals;
    dense D = dense_of(&c.A);

    /* SpMV, op N and T: L = 1/2 sum w_i y_i^2, dy_i = w_i y_i */
    for (int op = 0; op < 2; op++) {
        const int64_t xlen = op == SPG_OP_N ? n : m, ylen = op == SPG_OP_N ? m : n;
        c.form = 0, c.op = (spg_op)op;
        const int inner = dev_mark();
        c.x = rand_vec(M->dt, xlen, r, &xd);
        c.y = rand_vec(M->dt, ylen, r, &yd);
        c.w = malloc((size_t)(ylen + 1) * 8);
        for (int64_t i = 0; i < ylen; i++)
            c.w[i] = 0.5 + 0.5 * fabs(spg_rng_value(r));
        void *dy = zero_vec(ylen), *dx = zero_vec(xlen), *dA = zero_vec(nnz);
        double *yb = malloc((size_t)(ylen + 1) * 8), *dyd = malloc((size_t)(ylen + 1) * 8);
        CHECK_STATUS(DEV(spg_spmv(ctx, c.op, 1.0, dev_csc(&c.A), dv(c.x), 0.0, dv(c.y))),
                     SPG_SUCCESS);
        dense_spmv(&D, c.op, 1.0, xd, 0, NULL, M->u, ref, yb);
        for (int64_t i = 0; i < ylen; i++) {
            spg_vset(M->dt, dy, i, c.w[i] * spg_vget(M->dt, c.y, i));
            dyd[i] = c.w[i] * ref[i]; /* the exact cotangent */
            yb[i] = c.w[i] * (yb[i] + M->u * fabs(ref[i])); /* its rounding */
        }
        CHECK_STATUS(DEV(spg_spmv_pullback(ctx, c.op, 1.0, dev_csc(&c.A), dv(c.x), dv(dy), dv(dA),
                                           dv(dx))),
                     SPG_SUCCESS);
        /* gradient bounds: the pullback's own rounding plus the cotangent's */
        dense_spmv(&D, op == SPG_OP_N ? SPG_OP_T : SPG_OP_N, 1.0, dyd, 0, NULL, M->u, ref, bound);
        tmp = malloc((size_t)(xlen + 1) * 8);
        for (int64_t j = 0; j < xlen; j++) {
            double s = 0;
            for (int64_t i = 0; i < ylen; i++)
                s += fabs(dense_at(&D, (spg_op)op, i, j)) * yb[i];
            tmp[j] = 2 * (bound[j] + s);
        }
        fd_param(&c, c.x, xlen, dx, tmp, op == SPG_OP_N ? "spmv N dx" : "spmv T dx");
        free(tmp);
        tmp = malloc((size_t)(nnz + 1) * 8);
        for (int64_t j = 0; j < n; j++)
            for (int64_t p = spg_iget(M->it, c.A.colptr, j); p < spg_iget(M->it, c.A.colptr, j + 1); p++) {
                int64_t i = spg_iget(M->it, c.A.rowind, p);
                int64_t yi = op == SPG_OP_N ? i : j, xi = op == SPG_OP_N ? j : i;
                tmp[p] = 2 * (3 * M->u * fabs(dyd[yi] * xd[xi]) + yb[yi] * fabs(xd[xi]));
            }
        fd_param(&c, vals, nnz, dA, tmp, op == SPG_OP_N ? "spmv N dA" : "spmv T dA");
        dev_release(inner);
        free(tmp), free(c.x), free(c.y), free(c.w), free(xd), free(yd), free(dy), free(dx),
            free(dA), free(yb), free(dyd);
    }

    /* bilinear: dx = A y, dy = A' x, dA = x y' (df = 1) */
    c.form = 1;
    c.x = rand_vec(M->dt, m, r, &xd);
    c.y = rand_vec(M->dt, n, r, &yd);
    void *gx = zero_vec(m), *gy = zero_vec(n), *gA = zero_vec(nnz);
    CHECK_STATUS(DEV(spg_bilinear_pullback(ctx, dev_csc(&c.A), dv(c.x), dv(c.y), 1.0, dv(gA), dv(gx),
                                           dv(gy))),
                 SPG_SUCCESS);
    dense_spmv(&D, SPG_OP_N, 1.0, yd, 0, NULL, M->u, ref, bound);
    fd_param(&c, c.x, m, gx, bound, "bilinear dx");
    dense_spmv(&D, SPG_OP_T, 1.0, xd, 0, NULL, M->u, ref, bound);
    fd_param(&c, c.y, n, gy, bound, "bilinear dy");
    outer_ref(M, 1.0, xd, yd, ref, ref, bound); /* bound of x_i y_j; ref unused */
    fd_param(&c, vals, nnz, gA, bound, "bilinear dA");
    dev_unreg(gx), dev_unreg(gy), dev_unreg(gA), dev_unreg(c.y);
    free(gx), free(gy), free(gA), free(c.y), free(yd);

    /* quadratic (square A): dx = (A + A') x, dA = x x' */
    if (m == n) {
        c.form = 2;
        gx = zero_vec(m), gA = zero_vec(nnz);
        CHECK_STATUS(DEV(spg_quadratic_pullback(ctx, dev_csc(&c.A), dv(c.x), 1.0, dv(gA), dv(gx))),
                     SPG_SUCCESS);
        double *b2 = malloc((size_t)(n + 1) * 8);
        dense_spmv(&D, SPG_OP_N, 1.0, xd, 0, NULL, M->u, ref, bound);
        dense_spmv(&D, SPG_OP_T, 1.0, xd, 0, NULL, M->u, ref, b2);
        for (int64_t k = 0; k < n; k++)
            bound[k] = 2 * (bound[k] + b2[k]);
        fd_param(&c, c.x, m, gx, bound, "quadratic dx");
        outer_ref(M, 1.0, xd, xd, ref, ref, bound);
        fd_param(&c, vals, nnz, gA, bound, "quadratic dA");
        dev_unreg(gx), dev_unreg(gA);
        free(gx), free(gA), free(b2);
    }
    dev_release(mark);
    free(c.x), free(xd), free(ref), free(bound), free(vals), free(ad);
    dense_free(&D);
}

/* Every operation on one matrix. */
static void run_all(const mat *M, uint64_t seed, int fd)
{
    spg_rng r = {seed};
    for (int op = 0; op < 2; op++) {
        test_spmv(M, (spg_op)op, &r);
        test_spmv_pullback(M, (spg_op)op, &r);
        test_adjoint(M, (spg_op)op, &r);
    }
    test_bilinear(M, &r);
    test_quadratic(M, &r);
    /* the CPU's bodies compiled for k = 1 to 8, and the one for any k */
    const int64_t ranks[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 17};
    for (size_t c = 0; c < sizeof ranks / sizeof *ranks; c++)
        test_sampled_outer(M, ranks[c], &r);
    if (M->A.values)
        test_coo(M, &r);
    if (fd)
        test_fd(M, &r);
}

/* "--quick": the first problem alone, without finite differences (for
 * runs under a slow checker such as compute-sanitizer). */
int main(int argc, char **argv)
{
    ctx = dev_open(argc, argv);
    fuses = dev_backend() == SPG_BACKEND_CPU;
    int quick = 0;
    for (int a = 1; a < argc; a++)
        quick |= !strcmp(argv[a], "--quick");
    problem ps[] = {
        problem_random("square 9x9", 9, 9, 40, 0, 31),
        problem_random("tall 12x5", 12, 5, 30, 0, 32),
        problem_random("wide 4x11", 4, 11, 25, 10, 33),
        problem_random("sparse 10x10 empty rows/cols", 10, 10, 6, 0, 34),
        problem_random("dense-ish 6x6 duplicates", 6, 6, 100, 0, 35),
        problem_new("0x0", 0, 0, 0),
        problem_new("0x5", 0, 5, 0),
        problem_new("5x0", 5, 0, 0),
        problem_new("3x4 no entries", 3, 4, 0),
    };
    const int np = (int)(sizeof ps / sizeof ps[0]);
    for (int i = 0; i < (quick ? 1 : np); i++)
        for (int dt = 0; dt < 2; dt++)
            for (int it = 0; it < 2; it++)
                for (int pattern = 0; pattern < 2; pattern++) {
                    mat M = mat_make(ps[i], (spg_dtype)dt, (spg_itype)it, pattern);
                    run_all(&M, 100 + (uint64_t)i, it == 0 && !quick);
                    mat_free(&M);
                }
    for (int i = 0; i < np; i++)
        problem_free(&ps[i]);
    spg_context_destroy(ctx);
    return spg_test_done();
}
