/* spgrad solve: f(V) = g' A(V)^-1 b for the stiffness matrix of a 2D
 * finite-element mesh with its boundary rows and columns dropped through
 * SPG_SKIP_NEGATIVE (which makes A SPD), and its gradient with respect to
 * the element triplets' values V: the adjoint solve by the same factors
 * and the pullback straight to V. Prints the times of each step and a
 * central finite-difference check with its bound. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "device.h"
#include "fem2d.h"
#include "spgrad.h"
#include "tools.h"
#include "values.h"

enum { REPEATS = 3 };

typedef struct solve_demo {
    spg_context *ctx;
    int64_t n;        /* interior nodes: the unknowns */
    spg_coo coo;      /* the element triplets, boundary nodes -1 */
    double *V;        /* their values */
    spg_plan *plan;
    double *Ax;
    spg_csc A;
    spg_solver *s;
    double *b, *g, *x, *dB, *dV;
} solve_demo;

static void need(spg_status st, const char *what)
{
    if (st != SPG_SUCCESS) {
        fprintf(stderr, "spgrad solve: %s: %s\n", what, spg_status_string(st));
        exit(1);
    }
}

/* The fem's triplets with the nodes renumbered: interior nodes 0..n-1 in
 * order, boundary nodes -1. */
static void renumber(const spg_fem2d *fem, int64_t N, solve_demo *d)
{
    int32_t *id = spg_tool_calloc("spgrad solve", fem->nodes, sizeof *id);
    int32_t *I = spg_tool_calloc("spgrad solve", fem->triplets, sizeof *I);
    int32_t *J = spg_tool_calloc("spgrad solve", fem->triplets, sizeof *J);
    const int64_t n = spg_fem2d_interior(N, id);
    for (int64_t k = 0; k < fem->triplets; k++)
        I[k] = id[fem->I[k]], J[k] = id[fem->J[k]];
    d->n = n;
    d->coo = (spg_coo){n, n, fem->triplets, SPG_INT32, I, J};
    free(id);
}

/* The plan, A, its solver (analysed), and the vectors b and g. */
static double set_up(solve_demo *d, const spg_fem2d *fem)
{
    const int64_t n = d->n;
    d->V = fem->V;
    need(spg_plan_create(d->ctx, &d->coo, SPG_SKIP_NEGATIVE, &d->plan), "plan");
    d->Ax = spg_tool_calloc("spgrad solve", spg_plan_nnz(d->plan), sizeof *d->Ax);
    need(spg_assemble(d->ctx, d->plan, SPG_DOUBLE, d->V, d->Ax), "assemble");
    need(spg_plan_csc(d->plan, SPG_DOUBLE, d->Ax, &d->A), "view");
    const double t0 = spg_now();
    need(spg_solver_create(d->ctx, &d->A, SPG_SOLVER_SPD, &d->s), "analysis");
    const double analysis = spg_now() - t0;
    d->b = spg_tool_calloc("spgrad solve", n, sizeof *d->b);
    d->g = spg_tool_calloc("spgrad solve", n, sizeof *d->g);
    d->x = spg_tool_calloc("spgrad solve", n, sizeof *d->x);
    d->dB = spg_tool_calloc("spgrad solve", n, sizeof *d->dB);
    d->dV = spg_tool_calloc("spgrad solve", d->coo.nnz, sizeof *d->dV);
    for (int64_t i = 0; i < n; i++) /* a unit load; g weighs the middle of the mesh */
        d->b[i] = 1.0, d->g[i] = 1.0 + sin(3.0 * (double)i / (double)n);
    return analysis;
}

/* f(V) for the triplet values V: assembly, factorisation, solve into x. */
static double f_at(solve_demo *d, const double *V)
{
    need(spg_assemble(d->ctx, d->plan, SPG_DOUBLE, V, d->Ax), "assemble");
    need(spg_solver_factor(d->ctx, d->s, &d->A), "factorisation");
    need(spg_solve(d->ctx, d->s, SPG_OP_N, 1, d->b, d->n, d->x, d->n), "solve");
    double f = 0;
    for (int64_t i = 0; i < d->n; i++)
        f += d->g[i] * d->x[i];
    return f;
}

/* The medians of the factorisation with the kept analysis, of a fresh
 * analysis and factorisation, of a solve and of the gradient (the adjoint
 * solve, dB and the pullback to V, into kept arrays zeroed untimed). */
typedef struct timings {
    double analysis, factor, fresh, solve, gradient;
} timings;

static void measure(solve_demo *d, timings *t)
{
    double tf[REPEATS], tn[REPEATS], ts[REPEATS], tg[REPEATS];
    for (int r = 0; r < REPEATS; r++) {
        double t0 = spg_now();
        need(spg_solver_factor(d->ctx, d->s, &d->A), "factorisation");
        tf[r] = spg_now() - t0;
        spg_solver *fresh = NULL;
        t0 = spg_now();
        need(spg_solver_create(d->ctx, &d->A, SPG_SOLVER_SPD, &fresh), "analysis");
        need(spg_solver_factor(d->ctx, fresh, &d->A), "factorisation");
        tn[r] = spg_now() - t0;
        spg_solver_destroy(fresh);
        t0 = spg_now();
        need(spg_solve(d->ctx, d->s, SPG_OP_N, 1, d->b, d->n, d->x, d->n), "solve");
        ts[r] = spg_now() - t0;
        memset(d->dB, 0, (size_t)d->n * sizeof *d->dB);
        memset(d->dV, 0, (size_t)d->coo.nnz * sizeof *d->dV);
        t0 = spg_now();
        need(spg_coo_solve_pullback(d->ctx, d->s, SPG_OP_N, &d->coo, SPG_SKIP_NEGATIVE, 1, d->x,
                                    d->n, d->g, d->n, d->dB, d->n, d->dV), "gradient");
        tg[r] = spg_now() - t0;
    }
    t->factor = spg_median(tf, REPEATS), t->fresh = spg_median(tn, REPEATS);
    t->solve = spg_median(ts, REPEATS), t->gradient = spg_median(tg, REPEATS);
}

/* The normwise backward error of x for A x = b (Rigal and Gaches: x solves
 * (A + E) x = b + e exactly with ||E|| <= eta ||A||, ||e|| <= eta ||b||),
 * in long double; *anorm gets ||A||_inf. */
static double backward_error(const solve_demo *d, double *anorm)
{
    const int32_t *colptr = d->A.colptr, *rowind = d->A.rowind;
    long double *r = calloc((size_t)d->n + 1, sizeof *r), *row = calloc((size_t)d->n + 1, sizeof *row);
    long double rn = 0, xn = 0, bn = 0, an = 0;
    for (int64_t i = 0; i < d->n; i++)
        r[i] = d->b[i];
    for (int64_t j = 0; j < d->n; j++)
        for (int32_t p = colptr[j]; p < colptr[j + 1]; p++) {
            r[rowind[p]] -= (long double)d->Ax[p] * d->x[j];
            row[rowind[p]] += fabs(d->Ax[p]);
        }
    for (int64_t i = 0; i < d->n; i++) {
        rn = fmaxl(rn, fabsl(r[i])), an = fmaxl(an, row[i]);
        xn = fmaxl(xn, fabs(d->x[i])), bn = fmaxl(bn, fabs(d->b[i]));
    }
    free(r), free(row);
    *anorm = (double)an;
    return (double)(rn / (an * xn + bn));
}

/* An estimate of ||A^-1||_1 (Hager, Higham): a few solves (A = A'). */
static double inverse_norm(solve_demo *d)
{
    const int64_t n = d->n;
    double *v = spg_tool_calloc("spgrad solve", n, sizeof *v), est = 0;
    double *y = spg_tool_calloc("spgrad solve", n, sizeof *y);
    double *z = spg_tool_calloc("spgrad solve", n, sizeof *z);
    for (int64_t i = 0; i < n; i++)
        v[i] = 1.0 / (double)n;
    for (int it = 0; it < 5; it++) {
        need(spg_solve(d->ctx, d->s, SPG_OP_N, 1, v, n, y, n), "solve"); /* y = A^-1 v */
        double norm = 0, zv = 0, zmax = -1;
        int64_t jmax = 0;
        for (int64_t i = 0; i < n; i++)
            norm += fabs(y[i]), y[i] = y[i] >= 0 ? 1.0 : -1.0;
        est = fmax(est, norm);
        need(spg_solve(d->ctx, d->s, SPG_OP_N, 1, y, n, z, n), "solve"); /* z = A^-T sign(y) */
        for (int64_t i = 0; i < n; i++) {
            zv += z[i] * v[i];
            if (fabs(z[i]) > zmax)
                zmax = fabs(z[i]), jmax = i;
        }
        if (zmax <= zv)
            break;
        memset(v, 0, (size_t)n * sizeof *v);
        v[jmax] = 1.0;
    }
    free(v), free(y), free(z);
    return est;
}

/* The finite-difference check along dir: each element's triplets scaled
 * by one random factor (A stays symmetric). The bound: the truncation of
 * D(h/2), at most about |D(h) - D(h/2)| / 3, taken in full; each f off by
 * at most ||g||_1 ||x|| rel plus its sum's rounding, rel = 2 kappa eta /
 * (1 - kappa eta) from the measured backward error eta and the estimated
 * kappa; the gradient by rel in x and in Lambda = dB. */
static void fd_check(solve_demo *d, double *gradient, double *err, double *bound, double *kappa,
                     double *eta)
{
    const int64_t nv = d->coo.nnz, n = d->n;
    const double h = 0x1p-10, u = 0x1p-53;
    double *dir = spg_tool_calloc("spgrad solve", nv, sizeof *dir);
    double *Vt = spg_tool_calloc("spgrad solve", nv, sizeof *Vt), anorm;
    spg_rng r = {2026};
    for (int64_t k = 0; k < nv; k += 9) /* 9 triplets per triangle */
        for (int64_t q = 0, w = spg_rng_below(&r, 2001) - 1000; q < 9 && k + q < nv; q++)
            dir[k + q] = d->V[k + q] * (double)w / 1000.0;
    f_at(d, d->V);
    *eta = backward_error(d, &anorm);
    *kappa = anorm * inverse_norm(d);
    const double rel = 2 * *kappa * *eta / (1 - *kappa * *eta);
    double gl1 = 0, xmax = 0, lmax = 0, fmag = 0, grad = 0, gerr = 0, D[2];
    for (int64_t i = 0; i < n; i++) {
        gl1 += fabs(d->g[i]), fmag += fabs(d->g[i] * d->x[i]);
        xmax = fmax(xmax, fabs(d->x[i])), lmax = fmax(lmax, fabs(d->dB[i]));
    }
    const int32_t *I = d->coo.I, *J = d->coo.J;
    for (int64_t k = 0; k < nv; k++) {
        grad += d->dV[k] * dir[k];
        if (I[k] >= 0 && J[k] >= 0)
            gerr += fabs(dir[k]) * (rel * (lmax * fabs(d->x[J[k]]) + fabs(d->dB[I[k]]) * xmax) +
                                    4 * u * fabs(d->dB[I[k]] * d->x[J[k]]));
    }
    for (int s = 0; s < 2; s++) {
        const double step = s ? h / 2 : h;
        for (int64_t k = 0; k < nv; k++)
            Vt[k] = d->V[k] + step * dir[k];
        const double fp = f_at(d, Vt);
        for (int64_t k = 0; k < nv; k++)
            Vt[k] = d->V[k] - step * dir[k];
        D[s] = (fp - f_at(d, Vt)) / (2 * step);
    }
    const double ferr = gl1 * xmax * rel + (double)n * u * fmag;
    *gradient = grad;
    *err = fabs(D[1] - grad);
    *bound = fabs(D[0] - D[1]) + 2 * ferr / h + gerr + (double)nv * u * fabs(grad);
    f_at(d, d->V); /* the factors of V again */
    free(dir), free(Vt);
}

static void report(const solve_demo *d, int64_t N, const timings *t, double f, double grad,
                   double err, double bound, double kappa, double eta)
{
    const double forward = t->factor + t->solve;
    printf("spgrad solve: f(V) = g' A(V)^-1 b, A the fem2d-%lld stiffness matrix without its "
           "boundary:\n  %lld unknowns, %lld stored entries, %lld element triplets "
           "(SPD: CHOLMOD supernodal Cholesky)\n", (long long)N, (long long)d->n,
           (long long)d->A.nnz, (long long)d->coo.nnz);
    printf("  f = %.15g\n", f);
    printf("  analysis (once per pattern)             %9.2f ms\n", 1e3 * t->analysis);
    printf("  factorisation, analysis kept (median)   %9.2f ms   fresh analysis + factorisation "
           "%.2f ms: %.2fx\n", 1e3 * t->factor, 1e3 * t->fresh, t->fresh / t->factor);
    printf("  solve (median)                          %9.2f ms\n", 1e3 * t->solve);
    printf("  gradient: adjoint solve, dB, dV (median) %8.2f ms\n", 1e3 * t->gradient);
    printf("  gradient / forward (factorisation + solve): %.3f\n", t->gradient / forward);
    printf("  central difference along the element coefficients: <dV, dir> = %.10g,\n"
           "    |FD - <dV, dir>| = %.3g, bound %.3g (kappa_1 about %.3g, backward error %.3g): %s\n",
           grad, err, bound, kappa, eta, err <= bound ? "ok" : "FAILED");
}

static void demo_free(solve_demo *d)
{
    spg_solver_destroy(d->s);
    spg_plan_destroy(d->plan);
    free((void *)d->coo.I), free((void *)d->coo.J);
    free(d->Ax), free(d->b), free(d->g), free(d->x), free(d->dB), free(d->dV);
    spg_context_destroy(d->ctx);
}

int spg_cmd_solve(int argc, char **argv)
{
    int64_t N = 300, threads = 0;
    for (int a = 0; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        int ok = v && ((!strcmp(argv[a], "--n") && !spg_arg_int(v, 3, 46340, &N)) ||
                       (!strcmp(argv[a], "--threads") && !spg_arg_int(v, 0, SPG_MAX_THREADS, &threads)));
        if (!ok) {
            fprintf(stderr, "usage: spgrad solve [--n N (3..46340)] [--threads T]\n");
            return 2;
        }
        a++;
    }
    solve_demo d = {0};
    spg_fem2d fem;
    d.ctx = spg_tool_context("spgrad solve", SPG_BACKEND_CPU);
    if (!d.ctx || spg_fem2d_make(N, &fem) != 0) {
        fprintf(stderr, "spgrad solve: cannot make the problem\n");
        return 1;
    }
    need(spg_context_set_threads(d.ctx, (int)threads), "threads");
    renumber(&fem, N, &d);
    timings t;
    t.analysis = set_up(&d, &fem);
    const double f = f_at(&d, d.V);
    measure(&d, &t);
    double grad, err, bound, kappa, eta;
    fd_check(&d, &grad, &err, &bound, &kappa, &eta);
    report(&d, N, &t, f, grad, err, bound, kappa, eta);
    demo_free(&d);
    spg_fem2d_free(&fem);
    return err <= bound ? 0 : 1;
}
