/* Sparse solves and their pullbacks, on the backend that the command line
 * names (dev.h). On small problems against a dense LU oracle in long
 * double: X = op(A)^-1 B, dB, dA and dV, with the bound of a
 * backward-stable solve; on real matrices (tests/data) the backward error
 * and the adjoint identities for dB and dV, whose bounds need no condition
 * number; the same bits on 1 to 3 threads; a central finite difference;
 * the statuses of bad input, with outputs untouched; allocation failures.
 * A backend built without its solver (SuiteSparse on the CPU, cuDSS on
 * CUDA) must answer every solver call with SPG_ERR_NOT_BUILT.
 *
 * The CPU solves in double (float is converted, X rounded to float); cuDSS
 * on CUDA solves in the matrix's own type. u is the unit of the solve's
 * arithmetic: 2^-53, or 2^-24 for float on CUDA. Backward stability: the
 * computed X solves (A + E) X = B with ||E||_inf <= eta ||A||_inf,
 * eta = n gamma(3n + 1) in u (Cholesky, and LU whose growth the pivoting
 * and refinement keep below n); so ||X - X*|| / ||X*|| <= 2 kappa eta /
 * (1 - kappa eta) normwise, kappa = ||A||_inf ||A^-1||_inf, plus the
 * rounding to float where the CPU converts. */
#include <stdlib.h>

#include "check.h"
#include "dev.h"
#include "read.h"
#include "problems.h"
#include "testhook.h"

typedef long double real;

static spg_context *ctx;
static char data_dir[512];

/* gamma(k) = k u / (1 - k u) for the unit u. */
static double gamma_u(double k, double u)
{
    return k * u / (1 - k * u);
}

/* gamma(k) in double. */
static double gamma_of(double k)
{
    return gamma_u(k, 0x1p-53);
}

/* The unit of the solve's arithmetic on values of type dt: the CPU solves
 * in double (float converted), cuDSS in dt itself. */
static double solve_unit(spg_dtype dt)
{
    return dev_backend() == SPG_BACKEND_CUDA ? spg_unit(dt) : 0x1p-53;
}

/* The backward error bound of an n x n solve on values of type dt. */
static double eta_of(int64_t n, spg_dtype dt)
{
    return (double)n * gamma_u(3.0 * (double)n + 1, solve_unit(dt));
}

/* ---- a system: triplets, plan, A, solver ------------------------------- */

typedef struct sys {
    int64_t n;
    spg_coo coo;
    unsigned flags;
    void *V, *Ax;
    spg_plan *plan;
    spg_csc A; /* the plan's view: host copies of its pattern, values Ax */
    spg_solver *s;
    spg_dtype dt;
    int mark; /* dev_mark before S's arrays were registered */
} sys;

/* Assembles p in (dt, it) on ctx and makes its solver of kind; 0 on a
 * failure. The triplets, V and Ax are registered (dev.h); the oracle reads
 * A's host copies. */
static int sys_make(const problem *p, spg_dtype dt, spg_itype it, spg_solver_kind kind, sys *S)
{
    const size_t is = spg_isize(it), vs = spg_vsize(dt);
    *S = (sys){.n = p->n, .flags = p->has_negative ? SPG_SKIP_NEGATIVE : 0, .dt = dt,
               .mark = dev_mark()};
    S->coo = (spg_coo){p->m, p->n, p->nnz, it, problem_index(p, p->I, it, 0),
                       problem_index(p, p->J, it, 0)};
    dev_reg((void *)S->coo.I, (size_t)p->nnz * is), dev_reg((void *)S->coo.J, (size_t)p->nnz * is);
    S->V = dev_reg(problem_values(p, dt), (size_t)p->nnz * vs);
    if (!CHECK_STATUS(DEV(spg_plan_create(ctx, dev_coo(&S->coo), S->flags, &S->plan)),
                      SPG_SUCCESS))
        return 0;
    S->Ax = dev_new((size_t)spg_plan_nnz(S->plan) * vs);
    CHECK_STATUS(DEV(spg_assemble(ctx, S->plan, dt, dv(S->V), dv(S->Ax))), SPG_SUCCESS);
    S->A = dev_view(S->plan, dt, S->Ax);
    return CHECK_STATUS(DEV(spg_solver_create(ctx, dev_csc(&S->A), kind, &S->s)), SPG_SUCCESS) &&
           CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, dev_csc(&S->A))), SPG_SUCCESS);
}

/* Frees S and forgets its arrays (and any registered after them). */
static void sys_free(sys *S)
{
    spg_solver_destroy(S->s);
    dev_view_free(&S->A);
    dev_release(S->mark);
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

/* A random n x nrhs matrix of type dt with leading dimension ld,
 * registered. */
static void *random_matrix(spg_dtype dt, int64_t n, int64_t nrhs, int64_t ld, spg_rng *r)
{
    void *M = dev_new((size_t)(ld * nrhs) * spg_vsize(dt));
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
 * rounding to float where float values were solved in double (the CPU). */
static double forward_bound(const sys *S, double kappa)
{
    const double eta = eta_of(S->n, S->dt), rel = 2 * kappa * eta / (1 - kappa * eta);
    const int rounded = S->dt == SPG_FLOAT && solve_unit(S->dt) < spg_unit(SPG_FLOAT);
    return rounded ? rel + 0x1p-24 * (1 + rel) : rel;
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
 * then the assembly pullback into a zero dV) bit for bit, dB included;
 * X and dX are registered. */
static void check_coo(const sys *S, spg_op op, int64_t nrhs, const void *X, const void *dX,
                      int64_t ld, const void *dB_plan)
{
    const size_t vs = spg_vsize(S->dt);
    const int mark = dev_mark();
    void *dA = dev_new((size_t)S->A.nnz * vs), *dV1 = dev_new((size_t)S->coo.nnz * vs);
    void *dV2 = dev_new((size_t)S->coo.nnz * vs), *dB = dev_new((size_t)(ld * nrhs) * vs);
    CHECK_STATUS(DEV(spg_solve_pullback(ctx, S->s, op, nrhs, dv(X), ld, dv(dX), ld, NULL, ld,
                                        dv(dA))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_assemble_pullback(ctx, S->plan, S->dt, dv(dA), dv(dV1))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_coo_solve_pullback(ctx, S->s, op, dev_coo(&S->coo), S->flags, nrhs,
                                            dv(X), ld, dv(dX), ld, dv(dB), ld, dv(dV2))),
                 SPG_SUCCESS);
    CHECK(!memcmp(dV1, dV2, (size_t)S->coo.nnz * vs));
    CHECK(!memcmp(dB, dB_plan, (size_t)(ld * nrhs) * vs));
    dev_release(mark);
    free(dA), free(dV1), free(dV2), free(dB);
}

/* X = op(A)^-1 B, then the pullback's dB and dA, against the oracle; the
 * rows past n of each column are not touched. */
static void test_oracle(const sys *S, const lu *F, spg_op op, int64_t nrhs)
{
    const int64_t n = S->n, ld = n + 2, nnz = S->A.nnz;
    const size_t vs = spg_vsize(S->dt), bytes = (size_t)(ld * nrhs) * vs;
    const double rel = forward_bound(S, kappa_of(F));
    const int mark = dev_mark();
    spg_rng r = {(uint64_t)(n * 7 + nrhs)};
    void *B = random_matrix(S->dt, n, nrhs, ld, &r), *X = random_matrix(S->dt, ld, nrhs, ld, &r);
    void *dX = random_matrix(S->dt, n, nrhs, ld, &r), *X0 = malloc(bytes);
    void *dB = dev_new(bytes), *dA = dev_new((size_t)nnz * vs);
    void *dB1 = malloc(bytes), *dA1 = malloc((size_t)nnz * vs + 1);
    real *ref = calloc((size_t)(n * nrhs + 1), sizeof *ref);
    memcpy(X0, X, bytes);
    CHECK_STATUS(DEV(spg_solve(ctx, S->s, op, nrhs, dv(B), ld, dv(X), ld)), SPG_SUCCESS);
    close_to_oracle(S, F, op, nrhs, B, ld, X, ld, rel, ref, "X");
    for (int64_t c = 0; c < nrhs; c++) /* rows n, n + 1 of X's mirror, pulled back */
        CHECK(!memcmp((char *)X + (size_t)(n + c * ld) * vs, (char *)X0 + (size_t)(n + c * ld) * vs,
                      2 * vs));
    CHECK_STATUS(DEV(spg_solve_pullback(ctx, S->s, op, nrhs, dv(X), ld, dv(dX), ld, dv(dB), ld,
                                        dv(dA))), SPG_SUCCESS);
    close_to_oracle(S, F, op == SPG_OP_N ? SPG_OP_T : SPG_OP_N, nrhs, dX, ld, dB, ld, rel, ref, "dB");
    check_dA(S, op, nrhs, ref, rel, X, ld, dA);
    memcpy(dB1, dB, bytes), memcpy(dA1, dA, (size_t)nnz * vs);
    CHECK_STATUS(DEV(spg_solve_pullback(ctx, S->s, op, nrhs, dv(X), ld, dv(dX), ld, dv(dB), ld,
                                        dv(dA))), SPG_SUCCESS);
    check_doubled(S->dt, dB1, dB, ld * nrhs);
    check_doubled(S->dt, dA1, dA, nnz);
    check_coo(S, op, nrhs, X, dX, ld, dB1);
    memcpy(dB, dB1, bytes); /* dA not asked for: X may be NULL, dB as before */
    CHECK_STATUS(DEV(spg_solve_pullback(ctx, S->s, op, nrhs, NULL, ld, dv(dX), ld, dv(dB), ld,
                                        NULL)), SPG_SUCCESS);
    check_doubled(S->dt, dB1, dB, ld * nrhs);
    dev_release(mark);
    free(B), free(X), free(dX), free(X0), free(dB), free(dA), free(dB1), free(dA1), free(ref);
}

/* f(V) = <G, A(V)^-1 b> for the values V (double, registered, as b is),
 * by a fresh factorisation. */
static real f_of(const sys *S, const double *V, const double *b, const double *G)
{
    const int mark = dev_mark();
    double *Ax = dev_new((size_t)S->A.nnz * sizeof *Ax), *x = dev_new((size_t)S->n * sizeof *x);
    spg_csc A = S->A;
    A.values = Ax;
    CHECK_STATUS(DEV(spg_assemble(ctx, S->plan, SPG_DOUBLE, dv(V), dv(Ax))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, dev_csc(&A))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_solve(ctx, S->s, SPG_OP_N, 1, dv(b), S->n, dv(x), S->n)), SPG_SUCCESS);
    real f = 0;
    for (int64_t i = 0; i < S->n; i++)
        f += (real)G[i] * x[i];
    dev_release(mark);
    free(Ax), free(x);
    return f;
}

/* The central difference of f along dir with step h. */
static real central(const sys *S, const double *dir, double h, const double *b, const double *G)
{
    const int64_t nv = S->coo.nnz;
    const int mark = dev_mark();
    double *Vp = dev_new((size_t)nv * sizeof *Vp), *Vm = dev_new((size_t)nv * sizeof *Vm);
    for (int64_t k = 0; k < nv; k++) {
        Vp[k] = ((const double *)S->V)[k] + h * dir[k];
        Vm[k] = ((const double *)S->V)[k] - h * dir[k];
    }
    real d = (f_of(S, Vp, b, G) - f_of(S, Vm, b, G)) / (2 * (real)h);
    dev_release(mark);
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
    const int mark = dev_mark();
    spg_rng r = {99};
    double *b = random_matrix(SPG_DOUBLE, n, 1, n, &r), *G = random_matrix(SPG_DOUBLE, n, 1, n, &r);
    double *dir = random_matrix(SPG_DOUBLE, nv, 1, nv, &r), *x = dev_new((size_t)n * 8);
    for (int64_t q = 0; q < mirrored; q++) /* an SPD solve reads one triangle: keep A symmetric */
        dir[2 * q + 1] = dir[2 * q];
    double *lambda = dev_new((size_t)n * 8), *dV = dev_new((size_t)nv * 8);
    CHECK_STATUS(DEV(spg_solve(ctx, S->s, SPG_OP_N, 1, dv(b), n, dv(x), n)), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_coo_solve_pullback(ctx, S->s, SPG_OP_N, dev_coo(&S->coo), S->flags, 1,
                                            dv(x), n, dv(G), n, dv(lambda), n, dv(dV))),
                 SPG_SUCCESS);
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
    CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, dev_csc(&S->A))), SPG_SUCCESS); /* S's own */
    dev_release(mark);
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
 * double: at most eta_of(n, dt). */
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
    const double eta = eta_of(n, S->dt);
    if (!CHECK(worst <= eta))
        fprintf(stderr, "  %s op %d: backward error %Lg over %g\n", name, op, worst, eta);
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
    const double eta = eta_of(n, S->dt);
    return l1(lambda, n) * eta * (2 * op_norm(&S->A, op) * linf(y, n) + linf(D, n)) +
           eta * linf(dX, n) * l1(y, n) + 0x1p-60 * (fabsl(dot(dX, y, n)) + fabsl(dot(lambda, D, n)));
}

/* The adjoint identity for dV along a random direction dir (drawn from r)
 * on a real matrix (double, one column): <dX, X'> with X' = -op(A)^-1
 * op(dA(dir)) x against <dV, dir>; x (the first column of X), dX, lambda
 * and dV from the COO pullback. */
static void check_dV_identity(const sys *S, spg_op op, const double *X, const double *dX,
                              const double *lambda, const double *dV, spg_rng *r,
                              const char *name)
{
    const int64_t n = S->n, nv = S->coo.nnz, nnz = S->A.nnz;
    const spg_csc *A = &S->A;
    const int mark = dev_mark();
    double *dir = random_matrix(SPG_DOUBLE, nv, 1, nv, r), *dAx = dev_new((size_t)nnz * 8);
    double *z = dev_new((size_t)n * 8), *y = dev_new((size_t)n * 8);
    real *zl = calloc((size_t)n + 1, sizeof *zl), dvmag = 0;
    CHECK_STATUS(DEV(spg_assemble(ctx, S->plan, SPG_DOUBLE, dv(dir), dv(dAx))), SPG_SUCCESS);
    for (int64_t j = 0; j < n; j++) /* z = op(dA) x, dA assembled from dir */
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
    CHECK_STATUS(DEV(spg_solve(ctx, S->s, op, 1, dv(z), n, dv(y), n)), SPG_SUCCESS);
    const real tangent = -dot(dX, y, n), adjoint = dot(dV, dir, nv);
    const real bound = identity_bound(S, op, lambda, y, z, dX) +
                       0x1p-53 * l1(lambda, n) * linf(z, n) + /* z rounded to double */
                       gamma_of(3) * dvmag + gamma_of((double)nv) * dvmag; /* products; sums in dA */
    if (!CHECK(fabsl(tangent - adjoint) <= bound))
        fprintf(stderr, "  %s op %d: dV identity: tangent %.17Lg, adjoint %.17Lg, bound %Lg\n",
                name, op, tangent, adjoint, bound);
    dev_release(mark);
    free(dir), free(dAx), free(z), free(y), free(zl);
}

/* On a real matrix (double): the backward error of X for nrhs 3; the
 * adjoint identity for dB along a random D; and the one for dV along a
 * random direction (one column). */
static void test_identities(const sys *S, spg_op op, const char *name)
{
    const int64_t n = S->n, nv = S->coo.nnz, k = 3;
    const int mark = dev_mark();
    spg_rng r = {7};
    double *B = random_matrix(SPG_DOUBLE, n, k, n, &r), *X = dev_new((size_t)(n * k) * 8);
    CHECK_STATUS(DEV(spg_solve(ctx, S->s, op, k, dv(B), n, dv(X), n)), SPG_SUCCESS);
    check_backward_error(S, op, k, B, X, n, name);
    double *dX = random_matrix(SPG_DOUBLE, n, 1, n, &r), *D = random_matrix(SPG_DOUBLE, n, 1, n, &r);
    double *y = dev_new((size_t)n * 8), *lambda = dev_new((size_t)n * 8);
    double *dV = dev_new((size_t)nv * 8);
    CHECK_STATUS(DEV(spg_solve(ctx, S->s, op, 1, dv(D), n, dv(y), n)), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_coo_solve_pullback(ctx, S->s, op, dev_coo(&S->coo), S->flags, 1, dv(X),
                                            n, dv(dX), n, dv(lambda), n, dv(dV))),
                 SPG_SUCCESS);
    const real bound = identity_bound(S, op, lambda, y, D, dX);
    if (!CHECK(fabsl(dot(dX, y, n) - dot(lambda, D, n)) <= bound))
        fprintf(stderr, "  %s op %d: dB identity off by %Lg, bound %Lg\n", name, op,
                fabsl(dot(dX, y, n) - dot(lambda, D, n)), bound);
    check_dV_identity(S, op, X, dX, lambda, dV, &r, name);
    dev_release(mark);
    free(B), free(X), free(dX), free(D), free(y), free(lambda), free(dV);
}

/* The solve and both pullbacks into out (X, dB, dA and dV in turn), as
 * bytes, on ctx's thread count; B and dX are registered. */
static void run_all_calls(const sys *S, const double *B, const double *dX, int64_t k, double *out)
{
    const int64_t n = S->n, nnz = S->A.nnz, nv = S->coo.nnz;
    double *X = out, *dB = out + n * k, *dA = dB + n * k, *dV = dA + nnz;
    const int mark = dev_mark();
    memset(out, 0, (size_t)(2 * n * k + nnz + nv) * sizeof *out);
    dev_reg(X, (size_t)(n * k) * 8), dev_reg(dB, (size_t)(n * k) * 8);
    dev_reg(dA, (size_t)nnz * 8), dev_reg(dV, (size_t)nv * 8);
    CHECK_STATUS(DEV(spg_solve(ctx, S->s, SPG_OP_T, k, dv(B), n, dv(X), n)), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_solve_pullback(ctx, S->s, SPG_OP_T, k, dv(X), n, dv(dX), n, dv(dB), n,
                                        dv(dA))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_coo_solve_pullback(ctx, S->s, SPG_OP_N, dev_coo(&S->coo), S->flags, k,
                                            dv(X), n, dv(dX), n, dv(dB), n, dv(dV))),
                 SPG_SUCCESS);
    dev_release(mark);
}

/* Solves and pullbacks give the same bits on 1, 2 and 3 threads. The CUDA
 * backend accepts the thread counts and computes alike on each, so there
 * the runs check that its results (cuDSS in deterministic mode) are the
 * same bits from run to run. */
static void test_thread_counts(const sys *S, const char *name)
{
    const int64_t n = S->n, k = 3, len = 2 * n * k + S->A.nnz + S->coo.nnz;
    const int mark = dev_mark();
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
    dev_release(mark);
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

/* S (the 2 x 2 [2 1; 1 3]) factorised with the triplet values V fails with
 * want, and solves then find no factorisation and leave X alone; S's own
 * values factorise again and solve. */
static void factor_bad(const sys *S, const double *V, spg_status want)
{
    double Vb[4], Ab[4] = {0}, B[2] = {1, 2}, X[2] = {7, 7};
    memcpy(Vb, V, sizeof Vb);
    const int mark = dev_mark();
    dev_reg(Vb, sizeof Vb), dev_reg(Ab, sizeof Ab), dev_reg(B, sizeof B), dev_reg(X, sizeof X);
    CHECK_STATUS(DEV(spg_assemble(ctx, S->plan, SPG_DOUBLE, dv(Vb), dv(Ab))), SPG_SUCCESS);
    spg_csc A = S->A;
    A.values = Ab;
    CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, dev_csc(&A))), want);
    CHECK_STATUS(DEV(spg_solve(ctx, S->s, SPG_OP_N, 1, dv(B), 2, dv(X), 2)), SPG_ERR_NOT_FACTORED);
    CHECK_STATUS(DEV(spg_solve_pullback(ctx, S->s, SPG_OP_N, 1, dv(X), 2, dv(B), 2, dv(X), 2,
                                        NULL)), SPG_ERR_NOT_FACTORED);
    CHECK(X[0] == 7 && X[1] == 7);
    CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, dev_csc(&S->A))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_solve(ctx, S->s, SPG_OP_N, 1, dv(B), 2, dv(X), 2)), SPG_SUCCESS);
    CHECK(fabs(2 * X[0] + X[1] - 1) < 1e-15 && fabs(X[0] + 3 * X[1] - 2) < 1e-15);
    dev_release(mark);
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
        if (sys_make(&good, SPG_DOUBLE, SPG_INT32, cases[c].kind, &S))
            factor_bad(&S, bad.V, cases[c].want);
        sys_free(&S);
        problem_free(&good), problem_free(&bad);
    }
}

/* A 0 x 0 matrix: every call succeeds and reads nothing. */
static void test_empty(void)
{
    int64_t colptr[1] = {0};
    double none = 0;
    const int mark = dev_mark();
    dev_reg(colptr, sizeof colptr), dev_reg(&none, sizeof none);
    const spg_csc A = {0, 0, 0, SPG_INT64, colptr, NULL, SPG_DOUBLE, &none, NULL};
    for (int kind = 0; kind < 2; kind++) {
        spg_solver *s = NULL;
        if (!CHECK_STATUS(DEV(spg_solver_create(ctx, dev_csc(&A), (spg_solver_kind)kind, &s)),
                          SPG_SUCCESS))
            continue;
        CHECK_STATUS(DEV(spg_solver_factor(ctx, s, dev_csc(&A))), SPG_SUCCESS);
        CHECK_STATUS(DEV(spg_solve(ctx, s, SPG_OP_N, 2, NULL, 1, NULL, 1)), SPG_SUCCESS);
        CHECK_STATUS(DEV(spg_solve_pullback(ctx, s, SPG_OP_T, 2, NULL, 1, NULL, 1, NULL, 1, NULL)),
                     SPG_SUCCESS);
        spg_solver_destroy(s);
    }
    dev_release(mark);
}

/* The statuses of spg_solver_create and spg_solver_factor on bad
 * arguments (S: a general 5 x 5 system, int64); no solver is made. */
static void bad_create_factor(sys *S)
{
    spg_solver *const marked = (spg_solver *)S, *s = marked;
    CHECK_STATUS(DEV(spg_solver_create(NULL, dev_csc(&S->A), SPG_SOLVER_GENERAL, &s)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_solver_create(ctx, NULL, SPG_SOLVER_GENERAL, &s)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_solver_create(ctx, dev_csc(&S->A), SPG_SOLVER_GENERAL, NULL)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_solver_create(ctx, dev_csc(&S->A), (spg_solver_kind)2, &s)),
                 SPG_ERR_INVALID_VALUE);
    spg_csc W = S->A;
    W.m = 6; /* not square (its rows still fit) */
    CHECK_STATUS(DEV(spg_solver_create(ctx, dev_csc(&W), SPG_SOLVER_GENERAL, &s)),
                 SPG_ERR_DIMENSION);
    W.m = 4; /* a row out of range */
    CHECK_STATUS(DEV(spg_solver_create(ctx, dev_csc(&W), SPG_SOLVER_GENERAL, &s)),
                 SPG_ERR_INVALID_MATRIX);
    CHECK(s == marked);
    /* factor: the pattern and type of the analysis */
    CHECK_STATUS(DEV(spg_solver_factor(NULL, S->s, dev_csc(&S->A))), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_solver_factor(ctx, NULL, dev_csc(&S->A))), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, NULL)), SPG_ERR_NULL_POINTER);
    W = S->A, W.values = NULL;
    CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, dev_csc(&W))), SPG_ERR_NULL_POINTER);
    W = S->A, W.dtype = SPG_FLOAT;
    CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, dev_csc(&W))), SPG_ERR_INVALID_VALUE);
    int64_t *rows = malloc((size_t)S->A.nnz * sizeof *rows);
    memcpy(rows, S->A.rowind, (size_t)S->A.nnz * sizeof *rows);
    rows[0] = rows[0] == 0 ? 1 : 0; /* another pattern of the same size */
    dev_reg(rows, (size_t)S->A.nnz * sizeof *rows);
    W = S->A, W.rowind = rows;
    CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, dev_csc(&W))), SPG_ERR_PATTERN_CHANGED);
    W = S->A, W.nnz--;
    CHECK_STATUS(DEV(spg_solver_factor(ctx, S->s, dev_csc(&W))), SPG_ERR_PATTERN_CHANGED);
    dev_unreg(rows);
    free(rows);
}

/* The statuses of bad triplets for the COO pullback: the wrong size, then
 * a bad index, found before any write (the arrays are registered). */
static void bad_triplets(const sys *S, const double *B, double *X, double *dB, double *dV)
{
    spg_coo c = S->coo;
    c.m = 4;
    CHECK_STATUS(DEV(spg_coo_solve_pullback(ctx, S->s, SPG_OP_N, dev_coo(&c), 0, 1, dv(X), 5,
                                            dv(B), 5, dv(dB), 5, dv(dV))), SPG_ERR_DIMENSION);
    int64_t *I = malloc((size_t)c.nnz * sizeof *I);
    memcpy(I, S->coo.I, (size_t)c.nnz * sizeof *I);
    I[c.nnz - 1] = 5;
    dev_reg(I, (size_t)c.nnz * sizeof *I);
    c = S->coo, c.I = I;
    CHECK_STATUS(DEV(spg_coo_solve_pullback(ctx, S->s, SPG_OP_N, dev_coo(&c), 0, 1, dv(X), 5,
                                            dv(B), 5, dv(dB), 5, dv(dV))), SPG_ERR_INDEX_RANGE);
    dev_unreg(I);
    free(I);
}

/* The statuses of bad solves and pullbacks; their outputs (the mirrors,
 * pulled back after each call) stay as they were. */
static void bad_solves(const sys *S)
{
    double B[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, X[10], dA[64], dV[64], dB[10];
    for (int k = 0; k < 10; k++)
        X[k] = dB[k] = -1;
    for (int k = 0; k < 64; k++)
        dA[k] = dV[k] = -1;
    const int mark = dev_mark();
    dev_reg(B, sizeof B), dev_reg(X, sizeof X), dev_reg(dB, sizeof dB);
    dev_reg(dA, sizeof dA), dev_reg(dV, sizeof dV);
    spg_solver *s = S->s;
    const spg_status st[] = {
        DEV(spg_solve(NULL, s, SPG_OP_N, 1, dv(B), 5, dv(X), 5)),
        DEV(spg_solve(ctx, NULL, SPG_OP_N, 1, dv(B), 5, dv(X), 5)),
        DEV(spg_solve(ctx, s, SPG_OP_N, 1, NULL, 5, dv(X), 5)),
        DEV(spg_solve(ctx, s, SPG_OP_N, 1, dv(B), 5, NULL, 5)),
        DEV(spg_solve(ctx, s, (spg_op)2, 1, dv(B), 5, dv(X), 5)),
        DEV(spg_solve(ctx, s, SPG_OP_N, -1, dv(B), 5, dv(X), 5)),
        DEV(spg_solve(ctx, s, SPG_OP_N, 2, dv(B), 4, dv(X), 5)),
        DEV(spg_solve(ctx, s, SPG_OP_T, 2, dv(B), 5, dv(X), 0)),
        DEV(spg_solve_pullback(ctx, s, SPG_OP_N, 1, dv(X), 5, NULL, 5, dv(dB), 5, dv(dA))),
        DEV(spg_solve_pullback(ctx, s, SPG_OP_N, 1, NULL, 5, dv(B), 5, dv(dB), 5, dv(dA))),
        DEV(spg_solve_pullback(ctx, s, SPG_OP_N, 1, dv(X), 5, dv(B), 5, dv(dB), 4, dv(dA))),
        DEV(spg_solve_pullback(ctx, s, SPG_OP_N, 1, dv(X), 4, dv(B), 5, dv(dB), 5, dv(dA))),
        DEV(spg_coo_solve_pullback(ctx, s, SPG_OP_N, NULL, 0, 1, dv(X), 5, dv(B), 5, dv(dB), 5,
                                   dv(dV))),
    };
    const spg_status want[] = {
        SPG_ERR_NULL_POINTER, SPG_ERR_NULL_POINTER, SPG_ERR_NULL_POINTER, SPG_ERR_NULL_POINTER,
        SPG_ERR_INVALID_VALUE, SPG_ERR_INVALID_VALUE, SPG_ERR_DIMENSION, SPG_ERR_DIMENSION,
        SPG_ERR_NULL_POINTER, SPG_ERR_NULL_POINTER, SPG_ERR_DIMENSION, SPG_ERR_DIMENSION,
        SPG_ERR_NULL_POINTER};
    for (size_t k = 0; k < sizeof st / sizeof st[0]; k++)
        if (!CHECK(st[k] == want[k]))
            fprintf(stderr, "  bad argument case %zu: %d, wanted %d\n", k, st[k], want[k]);
    bad_triplets(S, B, X, dB, dV);
    int untouched = 1;
    for (int k = 0; k < 10; k++)
        untouched = untouched && X[k] == -1 && dB[k] == -1;
    for (int k = 0; k < 64; k++)
        untouched = untouched && dA[k] == -1 && dV[k] == -1;
    CHECK(untouched);
    /* no gradient asked for: success with nothing read */
    CHECK_STATUS(DEV(spg_solve_pullback(ctx, s, SPG_OP_N, 1, NULL, 5, NULL, 5, NULL, 5, NULL)),
                 SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_solve(ctx, s, SPG_OP_N, 0, NULL, 5, NULL, 5)), SPG_SUCCESS);
    dev_release(mark);
}

/* The statuses of bad arguments; the outputs stay as they were. */
static void test_bad_arguments(void)
{
    problem p = small_problem("general", 5, 8, 0, 3);
    sys S;
    if (sys_make(&p, SPG_DOUBLE, SPG_INT64, SPG_SOLVER_GENERAL, &S)) {
        bad_create_factor(&S);
        bad_solves(&S);
    }
    sys_free(&S), problem_free(&p);
}

/* call fails with SPG_ERR_ALLOC for the k-th allocation, for every k until
 * it succeeds; each failure leaves the out bytes (registered: its mirror,
 * pulled back) as they were. A call that makes no allocation of the
 * library's (allocates 0) succeeds at the first. */
static int fails_cleanly(spg_status (*call)(void *), void *arg, const void *out, size_t bytes,
                         int allocates)
{
    unsigned char *before = malloc(bytes + 1);
    memcpy(before, out, bytes);
    int ok = 1, k = 1;
    spg_status st;
    for (;; k++) {
        spg_alloc_fail_at(k);
        st = DEV(call(arg));
        spg_alloc_fail_at(0);
        if (st != SPG_ERR_ALLOC)
            break;
        ok = ok && !memcmp(before, out, bytes);
    }
    free(before);
    return CHECK(st == SPG_SUCCESS && (allocates ? k > 1 : k == 1) && ok);
}

/* The calls under allocation failure, on a float system (on the CPU its
 * solves convert, so they allocate); the arrays are registered. */
typedef struct alloc_case {
    sys *S;
    spg_solver *made;
    float *B, *X, *dB, *dA, *dV;
} alloc_case;

static spg_status alloc_create(void *arg)
{
    alloc_case *a = arg;
    spg_status st = spg_solver_create(ctx, dev_csc(&a->S->A), SPG_SOLVER_SPD, &a->made);
    if (st == SPG_SUCCESS)
        st = spg_solver_factor(ctx, a->made, dev_csc(&a->S->A));
    spg_solver_destroy(a->made);
    a->made = NULL;
    return st;
}

static spg_status alloc_solve(void *arg)
{
    alloc_case *a = arg;
    return spg_solve(ctx, a->S->s, SPG_OP_T, 2, dv(a->B), a->S->n, dv(a->X), a->S->n);
}

static spg_status alloc_pullback(void *arg)
{
    alloc_case *a = arg;
    return spg_solve_pullback(ctx, a->S->s, SPG_OP_N, 2, dv(a->X), a->S->n, dv(a->B), a->S->n,
                              dv(a->dB), a->S->n, dv(a->dA));
}

static spg_status alloc_coo_pullback(void *arg)
{
    alloc_case *a = arg;
    return spg_coo_solve_pullback(ctx, a->S->s, SPG_OP_T, dev_coo(&a->S->coo), a->S->flags, 2,
                                  dv(a->X), a->S->n, dv(a->B), a->S->n, dv(a->dB), a->S->n,
                                  dv(a->dV));
}

static void test_allocation_failures(void)
{
    problem p = small_problem("spd", 12, 30, 1, 5);
    sys S;
    if (sys_make(&p, SPG_FLOAT, SPG_INT32, SPG_SOLVER_SPD, &S)) {
        const int64_t n = S.n;
        const size_t rhs = (size_t)(2 * n) * 4;
        const int mark = dev_mark();
        alloc_case a = {&S, NULL, dev_new(rhs), dev_new(rhs), dev_new(rhs),
                        dev_new((size_t)S.A.nnz * 4), dev_new((size_t)S.coo.nnz * 4)};
        for (int64_t k = 0; k < 2 * n; k++)
            a.B[k] = (float)(k % 5) - 2;
        /* cuDSS solves float as it is: no allocation of the library's (its own are not hooked) */
        const int solve_allocates = dev_backend() == SPG_BACKEND_CPU;
        int made = 0;
        fails_cleanly(alloc_create, &a, &made, sizeof made, 1);
        fails_cleanly(alloc_solve, &a, a.X, rhs, solve_allocates);
        fails_cleanly(alloc_pullback, &a, a.dB, rhs, 1);
        fails_cleanly(alloc_pullback, &a, a.dA, (size_t)S.A.nnz * 4, 1);
        fails_cleanly(alloc_coo_pullback, &a, a.dV, (size_t)S.coo.nnz * 4, 1);
        dev_release(mark);
        free(a.B), free(a.X), free(a.dB), free(a.dA), free(a.dV);
    }
    sys_free(&S), problem_free(&p);
}

/* Without the backend's solver every solver call answers SPG_ERR_NOT_BUILT. */
static void test_not_built(void)
{
    int32_t I[] = {0, 1, 0, 1}, J[] = {0, 0, 1, 1};
    double V[] = {2, 1, 1, 3}, Ax[4] = {0};
    const spg_coo c = {2, 2, 4, SPG_INT32, I, J};
    spg_plan *plan = NULL;
    spg_solver *s = NULL;
    const int mark = dev_mark();
    dev_reg(I, sizeof I), dev_reg(J, sizeof J), dev_reg(V, sizeof V), dev_reg(Ax, sizeof Ax);
    if (CHECK_STATUS(DEV(spg_plan_create(ctx, dev_coo(&c), 0, &plan)), SPG_SUCCESS)) {
        CHECK_STATUS(DEV(spg_assemble(ctx, plan, SPG_DOUBLE, dv(V), dv(Ax))), SPG_SUCCESS);
        spg_csc A = dev_view(plan, SPG_DOUBLE, Ax);
        CHECK_STATUS(DEV(spg_solver_create(ctx, dev_csc(&A), SPG_SOLVER_SPD, &s)),
                     SPG_ERR_NOT_BUILT);
        CHECK_STATUS(DEV(spg_solver_create(ctx, dev_csc(&A), SPG_SOLVER_GENERAL, &s)),
                     SPG_ERR_NOT_BUILT);
        CHECK(s == NULL);
        dev_view_free(&A);
    }
    dev_release(mark);
    spg_plan_destroy(plan);
}

/* Whether the backend dev_open chose has a solver in this build. */
static int have_solver(void)
{
    return dev_backend() == SPG_BACKEND_CUDA ? SPG_TEST_SOLVER_CUDA : SPG_TEST_SOLVER_CPU;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_solve DATA_DIR [--backend cpu|cuda]\n");
        return 2;
    }
    snprintf(data_dir, sizeof data_dir, "%s", argv[1]);
    ctx = dev_open(argc, argv);
    if (!have_solver()) {
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
