/* Sparse solves and their pullbacks. On small problems against a dense LU
 * oracle in long double: X = op(A)^-1 B, dB, dA and dV, with the bound of
 * a backward-stable solve; on real matrices (tests/data) the backward error
 * and the adjoint identities for dB and dV, whose bounds need no condition
 * number; the same bits on 1 to 3 threads; a central finite difference;
 * the statuses of bad input, with outputs untouched; allocation failures. A build without SuiteSparse
 * must answer every solver call with SPG_ERR_NOT_BUILT.
 *
 * The solver works in double (float is converted). Backward stability:
 * the computed X solves (A + E) X = B with ||E||_inf <= eta ||A||_inf,
 * eta = n gamma(3n + 1) (Cholesky, and LU whose growth the pivoting and
 * refinement keep below n); so ||X - X*|| / ||X*|| <= 2 kappa eta /
 * (1 - kappa eta) normwise, kappa = ||A||_inf ||A^-1||_inf. */
#include <stdlib.h>

#include "check.h"
#include "read.h"
#include "problems.h"
#include "testhook.h"

typedef long double real;

static spg_context *ctx;
static char data_dir[512];

/* gamma(k) in double. */
static double gamma_of(double k)
{
    const double u = 0x1p-53;
    return k * u / (1 - k * u);
}

/* The backward error bound of an n x n solve. */
static double eta_of(int64_t n)
{
    return (double)n * gamma_of(3.0 * (double)n + 1);
}

/* ---- a system: triplets, plan, A, solver ------------------------------- */

typedef struct sys {
    int64_t n;
    spg_coo coo;
    unsigned flags;
    void *V, *Ax;
    spg_plan *plan;
    spg_csc A;
    spg_solver *s;
    spg_dtype dt;
} sys;

/* Assembles p in (dt, it) and makes its solver of kind; 0 on a failure. */
static int sys_make(const problem *p, spg_dtype dt, spg_itype it, spg_solver_kind kind, sys *S)
{
    *S = (sys){.n = p->n, .flags = p->has_negative ? SPG_SKIP_NEGATIVE : 0, .dt = dt};
    S->coo = (spg_coo){p->m, p->n, p->nnz, it, problem_index(p, p->I, it, 0),
                       problem_index(p, p->J, it, 0)};
    S->V = problem_values(p, dt);
    if (!CHECK_STATUS(spg_plan_create(ctx, &S->coo, S->flags, &S->plan), SPG_SUCCESS))
        return 0;
    S->Ax = calloc((size_t)spg_plan_nnz(S->plan) + 1, spg_vsize(dt));
    CHECK_STATUS(spg_assemble(ctx, S->plan, dt, S->V, S->Ax), SPG_SUCCESS);
    spg_plan_csc(S->plan, dt, S->Ax, &S->A);
    return CHECK_STATUS(spg_solver_create(ctx, &S->A, kind, &S->s), SPG_SUCCESS) &&
           CHECK_STATUS(spg_solver_factor(ctx, S->s, &S->A), SPG_SUCCESS);
}

static void sys_free(sys *S)
{
    spg_solver_destroy(S->s);
    spg_plan_destroy(S->plan);
    free((void *)S->coo.I), free((void *)S->coo.J), free(S->V), free(S->Ax);
}

/* A random n x n problem: pairs random entries (mirrored when spd, some
 * duplicated) and a diagonal that dominates each row, so A is nonsingular
 * (and SPD when spd). */
static problem small_problem(const char *name, int64_t n, int64_t pairs, int spd, uint64_t seed)
{
    problem p = problem_new(name, n, n, (spd ? 2 : 1) * pairs + n);
    spg_rng r = {seed};
    double *rowsum = calloc((size_t)n + 1, sizeof *rowsum);
    int64_t k = 0;
    for (int64_t q = 0; q < pairs; q++) {
        const int64_t i = spg_rng_below(&r, n), j = spg_rng_below(&r, n);
        const double v = spg_rng_value(&r);
        p.I[k] = i, p.J[k] = j, p.V[k++] = v, rowsum[i] += fabs(v);
        if (spd)
            p.I[k] = j, p.J[k] = i, p.V[k++] = v, rowsum[j] += fabs(v);
    }
    for (int64_t i = 0; i < n; i++) /* |a_ii| > sum of the row's others */
        p.I[k] = i, p.J[k] = i, p.V[k++] = (spd || i % 2 ? 1 : -1) * (2 * rowsum[i] + 1);
    free(rowsum);
    return p;
}

/* A random n x nrhs matrix of type dt with leading dimension ld. */
static void *random_matrix(spg_dtype dt, int64_t n, int64_t nrhs, int64_t ld, spg_rng *r)
{
    void *M = calloc((size_t)(ld * nrhs + 1), spg_vsize(dt));
    for (int64_t c = 0; c < nrhs; c++)
        for (int64_t i = 0; i < n; i++)
            spg_vset(dt, M, i + c * ld, spg_rng_value(r));
    return M;
}

/* ---- the dense oracle: LU with partial pivoting in long double --------- */

typedef struct lu {
    int64_t n;
    real *a;      /* n x n row-major: L (unit, below) and U */
    int64_t *piv; /* row piv[k] was swapped with row k at step k */
    real norm;    /* ||A||_inf */
} lu;

static lu lu_of(const spg_csc *A)
{
    const int64_t n = A->n;
    lu F = {n, calloc((size_t)(n * n + 1), sizeof(real)), calloc((size_t)n + 1, sizeof(int64_t)), 0};
    for (int64_t j = 0; j < n; j++)
        for (int64_t p = spg_iget(A->itype, A->colptr, j); p < spg_iget(A->itype, A->colptr, j + 1); p++)
            F.a[spg_iget(A->itype, A->rowind, p) * n + j] = spg_vget(A->dtype, A->values, p);
    for (int64_t i = 0; i < n; i++) {
        real s = 0;
        for (int64_t j = 0; j < n; j++)
            s += fabsl(F.a[i * n + j]);
        F.norm = s > F.norm ? s : F.norm;
    }
    for (int64_t k = 0; k < n; k++) {
        int64_t p = k;
        for (int64_t i = k + 1; i < n; i++)
            p = fabsl(F.a[i * n + k]) > fabsl(F.a[p * n + k]) ? i : p;
        F.piv[k] = p;
        for (int64_t j = 0; j < n; j++) { /* swap rows k and p */
            real t = F.a[k * n + j];
            F.a[k * n + j] = F.a[p * n + j], F.a[p * n + j] = t;
        }
        for (int64_t i = k + 1; i < n; i++) {
            const real l = F.a[i * n + k] /= F.a[k * n + k];
            for (int64_t j = k + 1; j < n; j++)
                F.a[i * n + j] -= l * F.a[k * n + j];
        }
    }
    return F;
}

/* b = op(A)^-1 b in place. */
static void lu_solve(const lu *F, spg_op op, real *b)
{
    const int64_t n = F->n;
    const real *a = F->a;
    if (op == SPG_OP_N) { /* P A = L U: b = U^-1 L^-1 P b */
        for (int64_t k = 0; k < n; k++) {
            real t = b[k];
            b[k] = b[F->piv[k]], b[F->piv[k]] = t;
        }
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < i; j++)
                b[i] -= a[i * n + j] * b[j];
        for (int64_t i = n - 1; i >= 0; i--) {
            for (int64_t j = i + 1; j < n; j++)
                b[i] -= a[i * n + j] * b[j];
            b[i] /= a[i * n + i];
        }
        return;
    }
    for (int64_t i = 0; i < n; i++) { /* A' = U' L' P: b = P' L'^-1 U'^-1 b */
        for (int64_t j = 0; j < i; j++)
            b[i] -= a[j * n + i] * b[j];
        b[i] /= a[i * n + i];
    }
    for (int64_t i = n - 1; i >= 0; i--)
        for (int64_t j = i + 1; j < n; j++)
            b[i] -= a[j * n + i] * b[j];
    for (int64_t k = n - 1; k >= 0; k--) {
        real t = b[k];
        b[k] = b[F->piv[k]], b[F->piv[k]] = t;
    }
}

/* kappa_inf(A) = ||A||_inf ||A^-1||_inf, A^-1 column by column. */
static double kappa_of(const lu *F)
{
    const int64_t n = F->n;
    real *e = calloc((size_t)n + 1, sizeof *e), *rows = calloc((size_t)n + 1, sizeof *rows);
    for (int64_t j = 0; j < n; j++) {
        memset(e, 0, (size_t)n * sizeof *e);
        e[j] = 1;
        lu_solve(F, SPG_OP_N, e);
        for (int64_t i = 0; i < n; i++)
            rows[i] += fabsl(e[i]);
    }
    real inv = 0;
    for (int64_t i = 0; i < n; i++)
        inv = rows[i] > inv ? rows[i] : inv;
    free(e), free(rows);
    return (double)(F->norm * inv);
}

static void lu_free(lu *F)
{
    free(F->a), free(F->piv);
}

/* Column c of M (type dt, leading dimension ld) as long doubles. */
static real *column(spg_dtype dt, const void *M, int64_t ld, int64_t c, int64_t n)
{
    real *v = calloc((size_t)n + 1, sizeof *v);
    for (int64_t i = 0; i < n; i++)
        v[i] = spg_vget(dt, M, i + c * ld);
    return v;
}

/* Each column of the computed Y (ld) is within rel ||.||_inf of the
 * oracle's op(A)^-1 of the same column of M (ldm); ref gets the oracle's
 * columns (leading dimension n). */
static int close_to_oracle(const sys *S, const lu *F, spg_op op, int64_t nrhs, const void *M,
                           int64_t ldm, const void *Y, int64_t ld, double rel, real *ref,
                           const char *what)
{
    const int64_t n = S->n;
    int ok = 1;
    for (int64_t c = 0; c < nrhs && ok; c++) {
        real *x = column(S->dt, M, ldm, c, n), norm = 0, err = 0;
        lu_solve(F, op, x);
        for (int64_t i = 0; i < n; i++) {
            norm = fabsl(x[i]) > norm ? fabsl(x[i]) : norm;
            const real d = fabsl(spg_vget(S->dt, Y, i + c * ld) - x[i]);
            err = d > err ? d : err;
            ref[i + c * n] = x[i];
        }
        ok = CHECK(err <= rel * norm);
        if (!ok)
            fprintf(stderr, "  %s column %lld: error %Lg, bound %Lg\n", what, (long long)c, err,
                    rel * norm);
        free(x);
    }
    return ok;
}

/* ---- small problems against the oracle ---------------------------------- */

/* The forward error bound of a solve (relative, normwise), with the
 * rounding to float where the values are float. */
static double forward_bound(const sys *S, double kappa)
{
    const double eta = eta_of(S->n), rel = 2 * kappa * eta / (1 - kappa * eta);
    return S->dt == SPG_DOUBLE ? rel : rel + 0x1p-24 * (1 + rel);
}

/* Largest |M[i + c ld]| over column c. */
static double col_max(spg_dtype dt, const void *M, int64_t ld, int64_t c, int64_t n)
{
    double m = 0;
    for (int64_t i = 0; i < n; i++)
        m = fmax(m, fabs(spg_vget(dt, M, i + c * ld)));
    return m;
}

/* dA_p = -sum_r Lambda[u_p, r] X[w_p, r] against the oracle's Lambda (lref,
 * leading dimension n) and the computed X: u, w = row, column (op N) or
 * column, row (op T). */
static void check_dA(const sys *S, spg_op op, int64_t nrhs, const real *lref, double rel,
                     const void *X, int64_t ld, const void *dA)
{
    const spg_csc *A = &S->A;
    const int64_t n = S->n;
    int ok = 1;
    for (int64_t j = 0; j < n && ok; j++)
        for (int64_t p = spg_iget(A->itype, A->colptr, j); p < spg_iget(A->itype, A->colptr, j + 1); p++) {
            const int64_t i = spg_iget(A->itype, A->rowind, p);
            const int64_t u = op == SPG_OP_N ? i : j, w = op == SPG_OP_N ? j : i;
            real ref = 0, mag = 0, err = 0;
            for (int64_t c = 0; c < nrhs; c++) {
                real lmax = 0;
                for (int64_t k = 0; k < n; k++)
                    lmax = fmaxl(lmax, fabsl(lref[k + c * n]));
                const real x = spg_vget(S->dt, X, w + c * ld);
                ref -= lref[u + c * n] * x;
                mag += fabsl(lref[u + c * n] * x);
                err += rel * lmax * fabsl(x);
            }
            err += gamma_of((double)nrhs + 2) * mag + (S->dt == SPG_FLOAT ? 0x1p-24 * mag : 0);
            ok = CHECK(fabsl(spg_vget(S->dt, dA, p) - ref) <= err);
            if (!ok)
                fprintf(stderr, "  dA entry %lld: %.17g, oracle %.17Lg, bound %Lg\n", (long long)p,
                        spg_vget(S->dt, dA, p), ref, err);
        }
}

/* The pullback again accumulates: dB and dA exactly twice the first. */
static void check_doubled(spg_dtype dt, const void *once, const void *twice, int64_t len)
{
    int ok = 1;
    for (int64_t k = 0; k < len && ok; k++)
        ok = spg_vget(dt, twice, k) == 2 * spg_vget(dt, once, k);
    CHECK(ok);
}

/* The COO pullback equals the plan path (solve pullback into a zero dA,
 * then the assembly pullback into a zero dV) bit for bit, dB included. */
static void check_coo(const sys *S, spg_op op, int64_t nrhs, const void *X, const void *dX,
                      int64_t ld, const void *dB_plan)
{
    const size_t vs = spg_vsize(S->dt);
    void *dA = calloc((size_t)S->A.nnz + 1, vs), *dV1 = calloc((size_t)S->coo.nnz + 1, vs);
    void *dV2 = calloc((size_t)S->coo.nnz + 1, vs), *dB = calloc((size_t)(ld * nrhs), vs);
    CHECK_STATUS(spg_solve_pullback(ctx, S->s, op, nrhs, X, ld, dX, ld, NULL, ld, dA), SPG_SUCCESS);
    CHECK_STATUS(spg_assemble_pullback(ctx, S->plan, S->dt, dA, dV1), SPG_SUCCESS);
    CHECK_STATUS(spg_coo_solve_pullback(ctx, S->s, op, &S->coo, S->flags, nrhs, X, ld, dX, ld,
                                        dB, ld, dV2), SPG_SUCCESS);
    CHECK(!memcmp(dV1, dV2, (size_t)S->coo.nnz * vs));
    CHECK(!memcmp(dB, dB_plan, (size_t)(ld * nrhs) * vs));
    free(dA), free(dV1), free(dV2), free(dB);
}

/* X = op(A)^-1 B, then the pullback's dB and dA, against the oracle; the
 * rows past n of each column are not touched. */
static void test_oracle(const sys *S, const lu *F, spg_op op, int64_t nrhs)
{
    const int64_t n = S->n, ld = n + 2, nnz = S->A.nnz;
    const size_t vs = spg_vsize(S->dt), bytes = (size_t)(ld * nrhs) * vs;
    const double rel = forward_bound(S, kappa_of(F));
    spg_rng r = {(uint64_t)(n * 7 + nrhs)};
    void *B = random_matrix(S->dt, n, nrhs, ld, &r), *X = random_matrix(S->dt, ld, nrhs, ld, &r);
    void *dX = random_matrix(S->dt, n, nrhs, ld, &r), *X0 = malloc(bytes);
    void *dB = calloc(bytes + 1, 1), *dA = calloc((size_t)nnz + 1, vs);
    void *dB1 = malloc(bytes), *dA1 = malloc((size_t)nnz * vs + 1);
    real *ref = calloc((size_t)(n * nrhs + 1), sizeof *ref);
    memcpy(X0, X, bytes);
    CHECK_STATUS(spg_solve(ctx, S->s, op, nrhs, B, ld, X, ld), SPG_SUCCESS);
    close_to_oracle(S, F, op, nrhs, B, ld, X, ld, rel, ref, "X");
    for (int64_t c = 0; c < nrhs; c++)
        CHECK(!memcmp((char *)X + (size_t)(n + c * ld) * vs, (char *)X0 + (size_t)(n + c * ld) * vs,
                      2 * vs));
    CHECK_STATUS(spg_solve_pullback(ctx, S->s, op, nrhs, X, ld, dX, ld, dB, ld, dA), SPG_SUCCESS);
    close_to_oracle(S, F, op == SPG_OP_N ? SPG_OP_T : SPG_OP_N, nrhs, dX, ld, dB, ld, rel, ref, "dB");
    check_dA(S, op, nrhs, ref, rel, X, ld, dA);
    memcpy(dB1, dB, bytes), memcpy(dA1, dA, (size_t)nnz * vs);
    CHECK_STATUS(spg_solve_pullback(ctx, S->s, op, nrhs, X, ld, dX, ld, dB, ld, dA), SPG_SUCCESS);
    check_doubled(S->dt, dB1, dB, ld * nrhs);
    check_doubled(S->dt, dA1, dA, nnz);
    check_coo(S, op, nrhs, X, dX, ld, dB1);
    memcpy(dB, dB1, bytes); /* dA not asked for: X may be NULL, dB as before */
    CHECK_STATUS(spg_solve_pullback(ctx, S->s, op, nrhs, NULL, ld, dX, ld, dB, ld, NULL), SPG_SUCCESS);
    check_doubled(S->dt, dB1, dB, ld * nrhs);
    free(B), free(X), free(dX), free(X0), free(dB), free(dA), free(dB1), free(dA1), free(ref);
}

/* f(V) = <G, A(V)^-1 b> for the values V (double), by a fresh factorisation. */
static real f_of(const sys *S, const double *V, const double *b, const double *G)
{
    double *Ax = calloc((size_t)S->A.nnz + 1, sizeof *Ax), *x = calloc((size_t)S->n + 1, sizeof *x);
    spg_csc A = S->A;
    A.values = Ax;
    CHECK_STATUS(spg_assemble(ctx, S->plan, SPG_DOUBLE, V, Ax), SPG_SUCCESS);
    CHECK_STATUS(spg_solver_factor(ctx, S->s, &A), SPG_SUCCESS);
    CHECK_STATUS(spg_solve(ctx, S->s, SPG_OP_N, 1, b, S->n, x, S->n), SPG_SUCCESS);
    real f = 0;
    for (int64_t i = 0; i < S->n; i++)
        f += (real)G[i] * x[i];
    free(Ax), free(x);
    return f;
}

/* The central difference of f along dir with step h. */
static real central(const sys *S, const double *dir, double h, const double *b, const double *G)
{
    const int64_t nv = S->coo.nnz;
    double *Vp = malloc((size_t)nv * sizeof *Vp + 1), *Vm = malloc((size_t)nv * sizeof *Vm + 1);
    for (int64_t k = 0; k < nv; k++) {
        Vp[k] = ((const double *)S->V)[k] + h * dir[k];
        Vm[k] = ((const double *)S->V)[k] - h * dir[k];
    }
    real d = (f_of(S, Vp, b, G) - f_of(S, Vm, b, G)) / (2 * (real)h);
    free(Vp), free(Vm);
    return d;
}

/* <dV, dir> from the COO pullback against central differences (double),
 * dir equal on the first mirrored pairs of triplets (an SPD problem's):
 * the truncation error of D(h/2) is about |D(h) - D(h/2)| / 3, allowed in
 * full; each f is off by at most ||G||_1 ||x||_inf rel (a solve) plus its
 * inner product's rounding, so D(h/2) by that over h/2; dV by rel in
 * Lambda and in x. */
static void test_finite_differences(sys *S, const lu *F, int64_t mirrored, const char *name)
{
    const int64_t n = S->n, nv = S->coo.nnz;
    const double rel = forward_bound(S, kappa_of(F)), h = 0x1p-10;
    spg_rng r = {99};
    double *b = random_matrix(SPG_DOUBLE, n, 1, n, &r), *G = random_matrix(SPG_DOUBLE, n, 1, n, &r);
    double *dir = random_matrix(SPG_DOUBLE, nv, 1, nv, &r), *x = calloc((size_t)n + 1, 8);
    for (int64_t q = 0; q < mirrored; q++) /* an SPD solve reads one triangle: keep A symmetric */
        dir[2 * q + 1] = dir[2 * q];
    double *lambda = calloc((size_t)n + 1, 8), *dV = calloc((size_t)nv + 1, 8);
    CHECK_STATUS(spg_solve(ctx, S->s, SPG_OP_N, 1, b, n, x, n), SPG_SUCCESS);
    CHECK_STATUS(spg_coo_solve_pullback(ctx, S->s, SPG_OP_N, &S->coo, S->flags, 1, x, n, G, n,
                                        lambda, n, dV), SPG_SUCCESS);
    const double xmax = col_max(SPG_DOUBLE, x, n, 0, n), lmax = col_max(SPG_DOUBLE, lambda, n, 0, n);
    real grad = 0, gerr = 0, gl1 = 0, fmag = 0;
    for (int64_t k = 0; k < nv; k++) {
        grad += (real)dV[k] * dir[k];
        const int64_t i = spg_iget(S->coo.itype, S->coo.I, k), j = spg_iget(S->coo.itype, S->coo.J, k);
        if (i < 0 || j < 0)
            continue;
        gerr += fabs(dir[k]) * (rel * (lmax * fabs(x[j]) + fabs(lambda[i]) * xmax) +
                                gamma_of(nv + 2) * fabs(lambda[i] * x[j]));
    }
    for (int64_t i = 0; i < n; i++)
        gl1 += fabs(G[i]), fmag += fabs(G[i] * x[i]);
    const real d1 = central(S, dir, h, b, G), d2 = central(S, dir, h / 2, b, G);
    const real ferr = gl1 * xmax * rel * 1.01 + gamma_of(n) * fmag; /* 1.01: the perturbed kappa */
    const real bound = fabsl(d1 - d2) + 2 * ferr / h + gerr;
    if (!CHECK(fabsl(d2 - grad) <= bound))
        fprintf(stderr, "  %s: finite difference %.17Lg, gradient %.17Lg, bound %Lg\n", name, d2,
                grad, bound);
    CHECK_STATUS(spg_solver_factor(ctx, S->s, &S->A), SPG_SUCCESS); /* S's own values again */
    free(b), free(G), free(dir), free(x), free(lambda), free(dV);
}

/* Every small problem: kinds, value and index types, ops, nrhs 1 and 4. */
static void test_small(void)
{
    for (int spd = 0; spd < 2; spd++)
        for (int64_t n = 1; n <= 40; n += 13) {
            problem p = small_problem(spd ? "spd" : "general", n, 3 * n, spd, (uint64_t)(n + spd));
            for (int dt = 0; dt < 2; dt++)
                for (int it = 0; it < 2; it++) {
                    sys S;
                    if (sys_make(&p, (spg_dtype)dt, (spg_itype)it,
                                 spd ? SPG_SOLVER_SPD : SPG_SOLVER_GENERAL, &S)) {
                        lu F = lu_of(&S.A);
                        for (int op = 0; op < 2; op++) {
                            test_oracle(&S, &F, (spg_op)op, 1);
                            test_oracle(&S, &F, (spg_op)op, 4);
                        }
                        if (dt == SPG_DOUBLE)
                            test_finite_differences(&S, &F, spd ? 3 * n : 0, p.name);
                        lu_free(&F);
                    }
                    sys_free(&S);
                }
            problem_free(&p);
        }
}

/* ---- real matrices: backward error and the adjoint identities ---------- */

/* The problem of a Matrix Market file in tests/data (0-based triplets). */
static int read_problem(const char *file, problem *p)
{
    spg_mm mm;
    if (!spg_test_read(data_dir, file, &mm))
        return 0;
    *p = problem_new(file, mm.m, mm.n, mm.nnz);
    for (int64_t k = 0; k < mm.nnz; k++)
        p->I[k] = mm.I[k] - 1, p->J[k] = mm.J[k] - 1, p->V[k] = mm.V ? mm.V[k] : 1;
    spg_mm_free(&mm);
    return 1;
}

/* The normwise backward error of X for op(A) X = B, computed in long
 * double: at most eta_of(n). */
static void check_backward_error(const sys *S, spg_op op, int64_t nrhs, const void *B,
                                 const void *X, int64_t ld, const char *name)
{
    const spg_csc *A = &S->A;
    const int64_t n = S->n;
    real anorm = 0, worst = 0;
    real *row = calloc((size_t)n + 1, sizeof *row), *res = calloc((size_t)n + 1, sizeof *res);
    for (int64_t j = 0; j < n; j++) /* ||op(A)||_inf: row sums of op(A) */
        for (int64_t p = spg_iget(A->itype, A->colptr, j); p < spg_iget(A->itype, A->colptr, j + 1); p++)
            row[op == SPG_OP_N ? spg_iget(A->itype, A->rowind, p) : j] +=
                fabsl((real)spg_vget(A->dtype, A->values, p));
    for (int64_t i = 0; i < n; i++)
        anorm = fmaxl(anorm, row[i]);
    for (int64_t c = 0; c < nrhs; c++) {
        real xn = 0, bn = 0, rn = 0;
        for (int64_t i = 0; i < n; i++)
            res[i] = spg_vget(S->dt, B, i + c * ld);
        for (int64_t j = 0; j < n; j++)
            for (int64_t p = spg_iget(A->itype, A->colptr, j); p < spg_iget(A->itype, A->colptr, j + 1); p++) {
                const int64_t i = spg_iget(A->itype, A->rowind, p);
                const real a = spg_vget(A->dtype, A->values, p);
                if (op == SPG_OP_N)
                    res[i] -= a * spg_vget(S->dt, X, j + c * ld);
                else
                    res[j] -= a * spg_vget(S->dt, X, i + c * ld);
            }
        for (int64_t i = 0; i < n; i++) {
            xn = fmaxl(xn, fabsl((real)spg_vget(S->dt, X, i + c * ld)));
            bn = fmaxl(bn, fabsl((real)spg_vget(S->dt, B, i + c * ld)));
            rn = fmaxl(rn, fabsl(res[i]));
        }
        worst = fmaxl(worst, rn / (anorm * xn + bn));
    }
    if (!CHECK(worst <= eta_of(n)))
        fprintf(stderr, "  %s op %d: backward error %Lg over %g\n", name, op, worst, eta_of(n));
    free(row), free(res);
}

/* ||op(A)||_inf, in long double. */
static real op_norm(const spg_csc *A, spg_op op)
{
    real *row = calloc((size_t)A->n + 1, sizeof *row), norm = 0;
    for (int64_t j = 0; j < A->n; j++)
        for (int64_t p = spg_iget(A->itype, A->colptr, j); p < spg_iget(A->itype, A->colptr, j + 1); p++)
            row[op == SPG_OP_N ? spg_iget(A->itype, A->rowind, p) : j] +=
                fabsl((real)spg_vget(A->dtype, A->values, p));
    for (int64_t i = 0; i < A->n; i++)
        norm = fmaxl(norm, row[i]);
    free(row);
    return norm;
}

/* sum_i |a_i|, max_i |a_i| and sum_i a_i b_i over len doubles. */
static real l1(const double *a, int64_t len)
{
    real s = 0;
    for (int64_t i = 0; i < len; i++)
        s += fabs(a[i]);
    return s;
}

static real linf(const double *a, int64_t len)
{
    real s = 0;
    for (int64_t i = 0; i < len; i++)
        s = fmaxl(s, fabs(a[i]));
    return s;
}

static real dot(const double *a, const double *b, int64_t len)
{
    real s = 0;
    for (int64_t i = 0; i < len; i++)
        s += (real)a[i] * b[i];
    return s;
}

/* The adjoint identity <dX, op(A)^-1 D> = <Lambda, D>, Lambda =
 * op(A)^-T dX (both computed): with backward errors eta, the two differ by
 * at most ||Lambda||_1 eta (2 ||A|| ||y||_inf + ||D||_inf) + eta ||dX||_inf
 * ||y||_1, y the computed solve (one column, double). */
static real identity_bound(const sys *S, spg_op op, const double *lambda, const double *y,
                           const double *D, const double *dX)
{
    const int64_t n = S->n;
    const double eta = eta_of(n);
    return l1(lambda, n) * eta * (2 * op_norm(&S->A, op) * linf(y, n) + linf(D, n)) +
           eta * linf(dX, n) * l1(y, n) + 0x1p-60 * (fabsl(dot(dX, y, n)) + fabsl(dot(lambda, D, n)));
}

/* On a real matrix (double): the backward error of X for nrhs 3; the
 * adjoint identity for dB along a random D; and for dV along a random
 * direction: <dX, X'> with X' = -op(A)^-1 op(dA(dir)) X against
 * <dV, dir> (one column). */
static void test_identities(const sys *S, spg_op op, const char *name)
{
    const int64_t n = S->n, nv = S->coo.nnz, nnz = S->A.nnz, k = 3;
    spg_rng r = {7};
    double *B = random_matrix(SPG_DOUBLE, n, k, n, &r), *X = calloc((size_t)(n * k + 1), 8);
    CHECK_STATUS(spg_solve(ctx, S->s, op, k, B, n, X, n), SPG_SUCCESS);
    check_backward_error(S, op, k, B, X, n, name);
    double *dX = random_matrix(SPG_DOUBLE, n, 1, n, &r), *D = random_matrix(SPG_DOUBLE, n, 1, n, &r);
    double *y = calloc((size_t)n + 1, 8), *lambda = calloc((size_t)n + 1, 8);
    double *dV = calloc((size_t)nv + 1, 8), *dir = random_matrix(SPG_DOUBLE, nv, 1, nv, &r);
    CHECK_STATUS(spg_solve(ctx, S->s, op, 1, D, n, y, n), SPG_SUCCESS);
    CHECK_STATUS(spg_coo_solve_pullback(ctx, S->s, op, &S->coo, S->flags, 1, X, n, dX, n, lambda,
                                        n, dV), SPG_SUCCESS);
    real bound = identity_bound(S, op, lambda, y, D, dX);
    if (!CHECK(fabsl(dot(dX, y, n) - dot(lambda, D, n)) <= bound))
        fprintf(stderr, "  %s op %d: dB identity off by %Lg, bound %Lg\n", name, op,
                fabsl(dot(dX, y, n) - dot(lambda, D, n)), bound);
    /* z = op(dA) x for the first column x of X, dA assembled from dir */
    double *dAx = calloc((size_t)nnz + 1, 8), *z = calloc((size_t)n + 1, 8);
    real *zl = calloc((size_t)n + 1, sizeof *zl), dvmag = 0;
    CHECK_STATUS(spg_assemble(ctx, S->plan, SPG_DOUBLE, dir, dAx), SPG_SUCCESS);
    const spg_csc *A = &S->A;
    for (int64_t j = 0; j < n; j++)
        for (int64_t p = spg_iget(A->itype, A->colptr, j); p < spg_iget(A->itype, A->colptr, j + 1); p++) {
            const int64_t i = spg_iget(A->itype, A->rowind, p);
            zl[op == SPG_OP_N ? i : j] += (real)dAx[p] * X[op == SPG_OP_N ? j : i];
        }
    for (int64_t q = 0; q < nv; q++) { /* sum over the kept triplets of |dir lambda x| */
        const int64_t i = spg_iget(S->coo.itype, S->coo.I, q), j = spg_iget(S->coo.itype, S->coo.J, q);
        if (i >= 0 && j >= 0)
            dvmag += fabs(dir[q] * lambda[op == SPG_OP_N ? i : j] * X[op == SPG_OP_N ? j : i]);
    }
    for (int64_t i = 0; i < n; i++)
        z[i] = (double)zl[i];
    CHECK_STATUS(spg_solve(ctx, S->s, op, 1, z, n, y, n), SPG_SUCCESS);
    const real tangent = -dot(dX, y, n), adjoint = dot(dV, dir, nv);
    bound = identity_bound(S, op, lambda, y, z, dX) + 0x1p-53 * l1(lambda, n) * linf(z, n) +
            gamma_of(3) * dvmag + gamma_of((double)nv) * dvmag; /* products; sums in dA */
    if (!CHECK(fabsl(tangent - adjoint) <= bound))
        fprintf(stderr, "  %s op %d: dV identity: tangent %.17Lg, adjoint %.17Lg, bound %Lg\n",
                name, op, tangent, adjoint, bound);
    free(B), free(X), free(dX), free(D), free(y), free(lambda), free(dV), free(dir);
    free(dAx), free(z), free(zl);
}

/* The solve and both pullbacks, as bytes, on ctx's thread count. */
static void run_all_calls(const sys *S, const double *B, const double *dX, int64_t k, double *out)
{
    const int64_t n = S->n, nnz = S->A.nnz, nv = S->coo.nnz;
    double *X = out, *dB = out + n * k, *dA = dB + n * k, *dV = dA + nnz;
    memset(out, 0, (size_t)(2 * n * k + nnz + nv) * sizeof *out);
    CHECK_STATUS(spg_solve(ctx, S->s, SPG_OP_T, k, B, n, X, n), SPG_SUCCESS);
    CHECK_STATUS(spg_solve_pullback(ctx, S->s, SPG_OP_T, k, X, n, dX, n, dB, n, dA), SPG_SUCCESS);
    CHECK_STATUS(spg_coo_solve_pullback(ctx, S->s, SPG_OP_N, &S->coo, S->flags, k, X, n, dX, n,
                                        dB, n, dV), SPG_SUCCESS);
}

/* Solves and pullbacks give the same bits on 1, 2 and 3 threads. */
static void test_thread_counts(const sys *S, const char *name)
{
    const int64_t n = S->n, k = 3, len = 2 * n * k + S->A.nnz + S->coo.nnz;
    spg_rng r = {11};
    double *B = random_matrix(SPG_DOUBLE, n, k, n, &r), *dX = random_matrix(SPG_DOUBLE, n, k, n, &r);
    double *ref = malloc((size_t)len * sizeof *ref), *out = malloc((size_t)len * sizeof *out);
    for (int t = 1; t <= 3; t++) {
        CHECK_STATUS(spg_context_set_threads(ctx, t), SPG_SUCCESS);
        run_all_calls(S, B, dX, k, t == 1 ? ref : out);
        if (t > 1 && !CHECK(!memcmp(ref, out, (size_t)len * sizeof *out)))
            fprintf(stderr, "  %s: %d threads differ from 1\n", name, t);
    }
    CHECK_STATUS(spg_context_set_threads(ctx, 0), SPG_SUCCESS);
    free(B), free(dX), free(ref), free(out);
}

/* The real matrices: the SPD ones by both kinds, the unsymmetric by LU. */
static void test_real(void)
{
    const struct { const char *file; int spd; } mats[] = {
        {"494_bus.mtx", 1}, {"bcsstk13.mtx", 1}, {"cage5.mtx", 0}, {"west0479.mtx", 0}};
    for (size_t m = 0; m < sizeof mats / sizeof mats[0]; m++) {
        problem p;
        if (!read_problem(mats[m].file, &p))
            continue;
        for (int kind = mats[m].spd ? 0 : 1; kind < 2; kind++)
            for (int it = 0; it < 2; it++) {
                sys S;
                if (sys_make(&p, SPG_DOUBLE, (spg_itype)it, (spg_solver_kind)kind, &S)) {
                    for (int op = 0; op < 2; op++)
                        test_identities(&S, (spg_op)op, p.name);
                    test_thread_counts(&S, p.name);
                }
                sys_free(&S);
            }
        problem_free(&p);
    }
}

/* ---- bad input, failed factorisations, allocation failures -------------- */

/* A 2 x 2 dense problem [a b; b d] (column-major triplets). */
static problem two_by_two(double a, double b, double d)
{
    problem p = problem_new("2x2", 2, 2, 4);
    const int64_t I[] = {0, 1, 0, 1}, J[] = {0, 0, 1, 1};
    const double V[] = {a, b, b, d};
    memcpy(p.I, I, sizeof I), memcpy(p.J, J, sizeof J), memcpy(p.V, V, sizeof V);
    return p;
}

/* Singular and indefinite matrices fail to factorise, and leave the
 * solver with no factorisation; a good one then factorises again. */
static void test_failed_factor(void)
{
    const struct { double a, b, d; spg_solver_kind kind; spg_status want; } cases[] = {
        {1, 1, 1, SPG_SOLVER_GENERAL, SPG_ERR_SINGULAR},
        {0, 0, 0, SPG_SOLVER_GENERAL, SPG_ERR_SINGULAR},
        {1, 2, 1, SPG_SOLVER_SPD, SPG_ERR_NOT_POSITIVE_DEFINITE},
        {-1, 0, 2, SPG_SOLVER_SPD, SPG_ERR_NOT_POSITIVE_DEFINITE},
        {1, 1, 1, SPG_SOLVER_SPD, SPG_ERR_NOT_POSITIVE_DEFINITE}, /* semidefinite */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        problem good = two_by_two(2, 1, 3), bad = two_by_two(cases[c].a, cases[c].b, cases[c].d);
        sys S;
        if (sys_make(&good, SPG_DOUBLE, SPG_INT32, cases[c].kind, &S)) {
            double Vb[4], Ab[4], B[2] = {1, 2}, X[2] = {7, 7};
            memcpy(Vb, bad.V, sizeof Vb);
            CHECK_STATUS(spg_assemble(ctx, S.plan, SPG_DOUBLE, Vb, Ab), SPG_SUCCESS);
            spg_csc A = S.A;
            A.values = Ab;
            CHECK_STATUS(spg_solver_factor(ctx, S.s, &A), cases[c].want);
            CHECK_STATUS(spg_solve(ctx, S.s, SPG_OP_N, 1, B, 2, X, 2), SPG_ERR_NOT_FACTORED);
            CHECK_STATUS(spg_solve_pullback(ctx, S.s, SPG_OP_N, 1, X, 2, B, 2, X, 2, NULL),
                         SPG_ERR_NOT_FACTORED);
            CHECK(X[0] == 7 && X[1] == 7);
            CHECK_STATUS(spg_solver_factor(ctx, S.s, &S.A), SPG_SUCCESS);
            CHECK_STATUS(spg_solve(ctx, S.s, SPG_OP_N, 1, B, 2, X, 2), SPG_SUCCESS);
            CHECK(fabs(2 * X[0] + X[1] - 1) < 1e-15 && fabs(X[0] + 3 * X[1] - 2) < 1e-15);
        }
        sys_free(&S);
        problem_free(&good), problem_free(&bad);
    }
}

/* A 0 x 0 matrix: every call succeeds and reads nothing. */
static void test_empty(void)
{
    const int64_t colptr[1] = {0};
    const double none = 0;
    const spg_csc A = {0, 0, 0, SPG_INT64, colptr, NULL, SPG_DOUBLE, &none, NULL};
    for (int kind = 0; kind < 2; kind++) {
        spg_solver *s = NULL;
        if (!CHECK_STATUS(spg_solver_create(ctx, &A, (spg_solver_kind)kind, &s), SPG_SUCCESS))
            continue;
        CHECK_STATUS(spg_solver_factor(ctx, s, &A), SPG_SUCCESS);
        CHECK_STATUS(spg_solve(ctx, s, SPG_OP_N, 2, NULL, 1, NULL, 1), SPG_SUCCESS);
        CHECK_STATUS(spg_solve_pullback(ctx, s, SPG_OP_T, 2, NULL, 1, NULL, 1, NULL, 1, NULL),
                     SPG_SUCCESS);
        spg_solver_destroy(s);
    }
}

/* The statuses of bad arguments; the outputs stay as they were. */
static void test_bad_arguments(void)
{
    problem p = small_problem("general", 5, 8, 0, 3);
    sys S;
    if (!sys_make(&p, SPG_DOUBLE, SPG_INT64, SPG_SOLVER_GENERAL, &S)) {
        sys_free(&S), problem_free(&p);
        return;
    }
    spg_solver *const marked = (spg_solver *)&S, *s = marked;
    CHECK_STATUS(spg_solver_create(NULL, &S.A, SPG_SOLVER_GENERAL, &s), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_solver_create(ctx, NULL, SPG_SOLVER_GENERAL, &s), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_solver_create(ctx, &S.A, SPG_SOLVER_GENERAL, NULL), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_solver_create(ctx, &S.A, (spg_solver_kind)2, &s), SPG_ERR_INVALID_VALUE);
    spg_csc W = S.A;
    W.m = 6; /* not square (its rows still fit) */
    CHECK_STATUS(spg_solver_create(ctx, &W, SPG_SOLVER_GENERAL, &s), SPG_ERR_DIMENSION);
    W.m = 4; /* a row out of range */
    CHECK_STATUS(spg_solver_create(ctx, &W, SPG_SOLVER_GENERAL, &s), SPG_ERR_INVALID_MATRIX);
    CHECK(s == marked);
    /* factor: the pattern and type of the analysis */
    CHECK_STATUS(spg_solver_factor(NULL, S.s, &S.A), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_solver_factor(ctx, NULL, &S.A), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_solver_factor(ctx, S.s, NULL), SPG_ERR_NULL_POINTER);
    W = S.A, W.values = NULL;
    CHECK_STATUS(spg_solver_factor(ctx, S.s, &W), SPG_ERR_NULL_POINTER);
    W = S.A, W.dtype = SPG_FLOAT;
    CHECK_STATUS(spg_solver_factor(ctx, S.s, &W), SPG_ERR_INVALID_VALUE);
    int64_t *rows = malloc((size_t)S.A.nnz * sizeof *rows);
    memcpy(rows, S.A.rowind, (size_t)S.A.nnz * sizeof *rows);
    rows[0] = rows[0] == 0 ? 1 : 0; /* another pattern of the same size */
    W = S.A, W.rowind = rows;
    CHECK_STATUS(spg_solver_factor(ctx, S.s, &W), SPG_ERR_PATTERN_CHANGED);
    W = S.A, W.nnz--;
    CHECK_STATUS(spg_solver_factor(ctx, S.s, &W), SPG_ERR_PATTERN_CHANGED);
    free(rows);
    /* solve and pullbacks */
    double B[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, X[10], dA[64], dV[64], dB[10];
    for (int k = 0; k < 10; k++)
        X[k] = dB[k] = -1;
    for (int k = 0; k < 64; k++)
        dA[k] = dV[k] = -1;
    const spg_status st[] = {
        spg_solve(NULL, S.s, SPG_OP_N, 1, B, 5, X, 5), spg_solve(ctx, NULL, SPG_OP_N, 1, B, 5, X, 5),
        spg_solve(ctx, S.s, SPG_OP_N, 1, NULL, 5, X, 5), spg_solve(ctx, S.s, SPG_OP_N, 1, B, 5, NULL, 5),
        spg_solve(ctx, S.s, (spg_op)2, 1, B, 5, X, 5), spg_solve(ctx, S.s, SPG_OP_N, -1, B, 5, X, 5),
        spg_solve(ctx, S.s, SPG_OP_N, 2, B, 4, X, 5), spg_solve(ctx, S.s, SPG_OP_T, 2, B, 5, X, 0),
        spg_solve_pullback(ctx, S.s, SPG_OP_N, 1, X, 5, NULL, 5, dB, 5, dA),
        spg_solve_pullback(ctx, S.s, SPG_OP_N, 1, NULL, 5, B, 5, dB, 5, dA),
        spg_solve_pullback(ctx, S.s, SPG_OP_N, 1, X, 5, B, 5, dB, 4, dA),
        spg_solve_pullback(ctx, S.s, SPG_OP_N, 1, X, 4, B, 5, dB, 5, dA),
        spg_coo_solve_pullback(ctx, S.s, SPG_OP_N, NULL, 0, 1, X, 5, B, 5, dB, 5, dV),
    };
    const spg_status want[] = {
        SPG_ERR_NULL_POINTER, SPG_ERR_NULL_POINTER, SPG_ERR_NULL_POINTER, SPG_ERR_NULL_POINTER,
        SPG_ERR_INVALID_VALUE, SPG_ERR_INVALID_VALUE, SPG_ERR_DIMENSION, SPG_ERR_DIMENSION,
        SPG_ERR_NULL_POINTER, SPG_ERR_NULL_POINTER, SPG_ERR_DIMENSION, SPG_ERR_DIMENSION,
        SPG_ERR_NULL_POINTER};
    for (size_t k = 0; k < sizeof st / sizeof st[0]; k++)
        if (!CHECK(st[k] == want[k]))
            fprintf(stderr, "  bad argument case %zu: %d, wanted %d\n", k, st[k], want[k]);
    /* triplets: the wrong size, then a bad index, found before any write */
    spg_coo c = S.coo;
    c.m = 4;
    CHECK_STATUS(spg_coo_solve_pullback(ctx, S.s, SPG_OP_N, &c, 0, 1, X, 5, B, 5, dB, 5, dV),
                 SPG_ERR_DIMENSION);
    int64_t *I = malloc((size_t)c.nnz * sizeof *I);
    memcpy(I, S.coo.I, (size_t)c.nnz * sizeof *I);
    I[c.nnz - 1] = 5;
    c = S.coo, c.I = I;
    CHECK_STATUS(spg_coo_solve_pullback(ctx, S.s, SPG_OP_N, &c, 0, 1, X, 5, B, 5, dB, 5, dV),
                 SPG_ERR_INDEX_RANGE);
    free(I);
    int untouched = 1;
    for (int k = 0; k < 10; k++)
        untouched = untouched && X[k] == -1 && dB[k] == -1;
    for (int k = 0; k < 64; k++)
        untouched = untouched && dA[k] == -1 && dV[k] == -1;
    CHECK(untouched);
    /* no gradient asked for: success with nothing read */
    CHECK_STATUS(spg_solve_pullback(ctx, S.s, SPG_OP_N, 1, NULL, 5, NULL, 5, NULL, 5, NULL),
                 SPG_SUCCESS);
    CHECK_STATUS(spg_solve(ctx, S.s, SPG_OP_N, 0, NULL, 5, NULL, 5), SPG_SUCCESS);
    sys_free(&S), problem_free(&p);
}

/* call fails with SPG_ERR_ALLOC for the k-th allocation, for every k until
 * it succeeds; each failure leaves the out bytes as they were. */
static int fails_cleanly(spg_status (*call)(void *), void *arg, const void *out, size_t bytes)
{
    unsigned char *before = malloc(bytes + 1);
    memcpy(before, out, bytes);
    int ok = 1, k = 1;
    spg_status st;
    for (;; k++) {
        spg_alloc_fail_at(k);
        st = call(arg);
        spg_alloc_fail_at(0);
        if (st != SPG_ERR_ALLOC)
            break;
        ok = ok && !memcmp(before, out, bytes);
    }
    free(before);
    return CHECK(st == SPG_SUCCESS && k > 1 && ok);
}

/* The calls under allocation failure, on a float system (its solves
 * convert, so they allocate). */
typedef struct alloc_case {
    sys *S;
    spg_solver *made;
    float *B, *X, *dB, *dA, *dV;
} alloc_case;

static spg_status alloc_create(void *arg)
{
    alloc_case *a = arg;
    spg_status st = spg_solver_create(ctx, &a->S->A, SPG_SOLVER_SPD, &a->made);
    if (st == SPG_SUCCESS)
        st = spg_solver_factor(ctx, a->made, &a->S->A);
    spg_solver_destroy(a->made);
    a->made = NULL;
    return st;
}

static spg_status alloc_solve(void *arg)
{
    alloc_case *a = arg;
    return spg_solve(ctx, a->S->s, SPG_OP_T, 2, a->B, a->S->n, a->X, a->S->n);
}

static spg_status alloc_pullback(void *arg)
{
    alloc_case *a = arg;
    return spg_solve_pullback(ctx, a->S->s, SPG_OP_N, 2, a->X, a->S->n, a->B, a->S->n, a->dB,
                              a->S->n, a->dA);
}

static spg_status alloc_coo_pullback(void *arg)
{
    alloc_case *a = arg;
    return spg_coo_solve_pullback(ctx, a->S->s, SPG_OP_T, &a->S->coo, a->S->flags, 2, a->X,
                                  a->S->n, a->B, a->S->n, a->dB, a->S->n, a->dV);
}

static void test_allocation_failures(void)
{
    problem p = small_problem("spd", 12, 30, 1, 5);
    sys S;
    if (sys_make(&p, SPG_FLOAT, SPG_INT32, SPG_SOLVER_SPD, &S)) {
        const int64_t n = S.n;
        alloc_case a = {&S, NULL, calloc((size_t)(2 * n), 4), calloc((size_t)(2 * n), 4),
                        calloc((size_t)(2 * n), 4), calloc((size_t)S.A.nnz, 4),
                        calloc((size_t)S.coo.nnz, 4)};
        for (int64_t k = 0; k < 2 * n; k++)
            a.B[k] = (float)(k % 5) - 2;
        int made = 0;
        fails_cleanly(alloc_create, &a, &made, sizeof made);
        fails_cleanly(alloc_solve, &a, a.X, (size_t)(2 * n) * 4);
        fails_cleanly(alloc_pullback, &a, a.dB, (size_t)(2 * n) * 4);
        fails_cleanly(alloc_pullback, &a, a.dA, (size_t)S.A.nnz * 4);
        fails_cleanly(alloc_coo_pullback, &a, a.dV, (size_t)S.coo.nnz * 4);
        free(a.B), free(a.X), free(a.dB), free(a.dA), free(a.dV);
    }
    sys_free(&S), problem_free(&p);
}

/* Without SuiteSparse every solver call answers SPG_ERR_NOT_BUILT. */
static void test_not_built(void)
{
    problem p = two_by_two(2, 1, 3);
    const int32_t I[] = {0, 1, 0, 1}, J[] = {0, 0, 1, 1};
    const double V[] = {2, 1, 1, 3};
    const spg_coo c = {2, 2, 4, SPG_INT32, I, J};
    spg_plan *plan = NULL;
    double Ax[4];
    spg_csc A;
    spg_solver *s = NULL;
    CHECK_STATUS(spg_plan_create(ctx, &c, 0, &plan), SPG_SUCCESS);
    CHECK_STATUS(spg_assemble(ctx, plan, SPG_DOUBLE, V, Ax), SPG_SUCCESS);
    spg_plan_csc(plan, SPG_DOUBLE, Ax, &A);
    CHECK_STATUS(spg_solver_create(ctx, &A, SPG_SOLVER_SPD, &s), SPG_ERR_NOT_BUILT);
    CHECK_STATUS(spg_solver_create(ctx, &A, SPG_SOLVER_GENERAL, &s), SPG_ERR_NOT_BUILT);
    CHECK(s == NULL);
    spg_plan_destroy(plan);
    problem_free(&p);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_solve DATA_DIR\n");
        return 2;
    }
    snprintf(data_dir, sizeof data_dir, "%s", argv[1]);
    if (!CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, &ctx), SPG_SUCCESS))
        return spg_test_done();
    if (!SPG_TEST_SOLVER) {
        test_not_built();
    } else {
        test_small();
        test_real();
        test_failed_factor();
        test_empty();
        test_bad_arguments();
        test_allocation_failures();
    }
    spg_context_destroy(ctx);
    return spg_test_done();
}
