/* The assembly pullback against central finite differences of a nonlinear
 * loss, and the adjoint identity <dA, J dV> = <J' dA, dV>, in double and
 * float. Tolerances are bounds on the rounding and truncation of each check,
 * derived below from the entry sizes, not tuned. On the backend that the
 * command line names (dev.h). */
#include <stdlib.h>

#include "check.h"
#include "dev.h"
#include "problems.h"

typedef struct setup {
    spg_context *ctx;
    spg_plan *plan;
    spg_dtype dt;
    int64_t N, nnz;
    void *V, *Ax, *dAx, *dV;
    double *c, *S, *w; /* per entry: triplet count, sum |V| (+h), loss weight */
} setup;

static void *alloc(int64_t n, size_t size)
{
    void *p = calloc((size_t)(n > 0 ? n : 1), size);
    if (!p)
        exit(2);
    return p;
}

/* L(V) = sum_s w_s sin(a_s), the a_s assembled in the setup's precision. */
static double loss(setup *s)
{
    CHECK_STATUS(DEV(spg_assemble(s->ctx, s->plan, s->dt, dv(s->V), dv(s->Ax))), SPG_SUCCESS);
    double L = 0;
    for (int64_t e = 0; e < s->nnz; e++)
        L += s->w[e] * sin(spg_vget(s->dt, s->Ax, e));
    return L;
}

/* Per entry: count of triplets and sum of |V_k| + h, through the library's
 * own assembly in double (its exactness is test_assemble's job). */
static void entry_sizes(setup *s, const problem *p, double h)
{
    double *in = dev_reg(alloc(p->nnz, sizeof *in), (size_t)p->nnz * sizeof *in);
    for (int64_t k = 0; k < p->nnz; k++)
        in[k] = 1;
    CHECK_STATUS(DEV(spg_assemble(s->ctx, s->plan, SPG_DOUBLE, dv(in), dv(s->c))), SPG_SUCCESS);
    for (int64_t k = 0; k < p->nnz; k++)
        in[k] = fabs(p->V[k]) + h;
    CHECK_STATUS(DEV(spg_assemble(s->ctx, s->plan, SPG_DOUBLE, dv(in), dv(s->S))), SPG_SUCCESS);
    dev_unreg(in);
    free(in);
}

/* Central differences along each coordinate, with the perturbation h a power
 * of two so that V_k +- h is exact (the values are multiples of 2^-12). */
static void finite_differences(setup *s, const problem *p)
{
    const double u = spg_unit(s->dt), ud = 0x1p-53;
    const double h = s->dt == SPG_DOUBLE ? 0x1p-14 : 0x1p-7;
    entry_sizes(s, p, h);
    /* rounding of one loss: each a_s is off by at most (c_s - 1) u S_s, each
     * sine and each of the nnz additions by ud */
    double dL = 0, wmax = 0, damax = 0;
    for (int64_t e = 0; e < s->nnz; e++) {
        double da = (s->c[e] - 1) * u * s->S[e];
        dL += s->w[e] * (da + ud) + (double)s->nnz * ud * s->w[e];
        wmax = fmax(wmax, s->w[e]);
        damax = fmax(damax, da);
    }
    /* fd: rounding dL / h, truncation h^2/6 |d^3L/dV_k^3| <= h^2 w / 6;
     * gradient w_s cos(a_s): a_s off by da, and two roundings */
    const double tol = dL / h + h * h * wmax / 6 + wmax * (damax + 2 * u);

    loss(s);
    for (int64_t e = 0; e < s->nnz; e++)
        spg_vset(s->dt, s->dAx, e, s->w[e] * cos(spg_vget(s->dt, s->Ax, e)));
    memset(s->dV, 0, (size_t)p->nnz * spg_vsize(s->dt));
    CHECK_STATUS(DEV(spg_assemble_pullback(s->ctx, s->plan, s->dt, dv(s->dAx), dv(s->dV))),
                 SPG_SUCCESS);

    double worst = 0;
    for (int64_t k = 0; k < p->nnz; k++) {
        double v = p->V[k];
        spg_vset(s->dt, s->V, k, v + h);
        double Lp = loss(s);
        spg_vset(s->dt, s->V, k, v - h);
        double Lm = loss(s);
        spg_vset(s->dt, s->V, k, v);
        double err = fabs((Lp - Lm) / (2 * h) - spg_vget(s->dt, s->dV, k));
        worst = fmax(worst, err);
        if (!CHECK(err <= tol)) {
            fprintf(stderr, "  %s: triplet %lld: fd error %.3e > tol %.3e\n", p->name,
                    (long long)k, err, tol);
            break;
        }
    }
    printf("%-28s %-6s fd: worst error %.2e, tolerance %.2e\n", p->name,
           s->dt == SPG_DOUBLE ? "double" : "float", worst, tol);
}

/* <dA, assemble(dv)> = <pullback(dA), dv>: the same products summed in
 * other orders, so they agree to the rounding of the sums and of assemble. */
static void adjoint(setup *s, const problem *p)
{
    const double u = spg_unit(s->dt), ud = 0x1p-53;
    spg_rng r = {99};
    for (int64_t k = 0; k < p->nnz; k++)
        spg_vset(s->dt, s->V, k, spg_rng_value(&r));
    for (int64_t e = 0; e < s->nnz; e++)
        spg_vset(s->dt, s->dAx, e, spg_rng_value(&r));
    memset(s->dV, 0, (size_t)p->nnz * spg_vsize(s->dt));
    CHECK_STATUS(DEV(spg_assemble(s->ctx, s->plan, s->dt, dv(s->V), dv(s->Ax))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_assemble_pullback(s->ctx, s->plan, s->dt, dv(s->dAx), dv(s->dV))),
                 SPG_SUCCESS);
    double lhs = 0, rhs = 0, mag = 0;
    for (int64_t e = 0; e < s->nnz; e++)
        lhs += spg_vget(s->dt, s->dAx, e) * spg_vget(s->dt, s->Ax, e);
    for (int64_t k = 0; k < p->nnz; k++) {
        double t = spg_vget(s->dt, s->dV, k) * spg_vget(s->dt, s->V, k);
        rhs += t;
        mag += fabs(t);
    }
    entry_sizes(s, p, 0);
    double tol = 2 * (double)(p->nnz + s->nnz) * ud * mag;
    for (int64_t e = 0; e < s->nnz; e++)
        tol += fabs(spg_vget(s->dt, s->dAx, e)) * (s->c[e] - 1) * u * s->S[e];
    if (!CHECK(fabs(lhs - rhs) <= tol))
        fprintf(stderr, "  %s: adjoint %.17g vs %.17g, tol %.3e\n", p->name, lhs, rhs, tol);
}

static void run(spg_context *ctx, problem *p, spg_dtype dt, spg_itype it, unsigned flags)
{
    const int mark = dev_mark();
    const size_t is = it == SPG_INT32 ? 4 : 8, vs = spg_vsize(dt);
    void *I = problem_index(p, p->I, it, 0), *J = problem_index(p, p->J, it, 0);
    dev_reg(I, (size_t)p->nnz * is), dev_reg(J, (size_t)p->nnz * is);
    const spg_coo coo = {p->m, p->n, p->nnz, it, dv(I), dv(J)};
    setup s = {.ctx = ctx, .dt = dt, .N = p->nnz};
    if (!CHECK_STATUS(DEV(spg_plan_create(ctx, &coo, flags, &s.plan)), SPG_SUCCESS))
        exit(1);
    s.nnz = spg_plan_nnz(s.plan);
    s.V = dev_reg(problem_values(p, dt), (size_t)p->nnz * vs);
    s.dV = dev_reg(alloc(p->nnz, vs), (size_t)p->nnz * vs);
    s.Ax = dev_reg(alloc(s.nnz, vs), (size_t)s.nnz * vs);
    s.dAx = dev_reg(alloc(s.nnz, vs), (size_t)s.nnz * vs);
    s.c = dev_reg(alloc(s.nnz, sizeof(double)), (size_t)s.nnz * sizeof(double));
    s.S = dev_reg(alloc(s.nnz, sizeof(double)), (size_t)s.nnz * sizeof(double));
    s.w = alloc(s.nnz, sizeof(double));
    spg_rng r = {5};
    for (int64_t e = 0; e < s.nnz; e++)
        s.w[e] = 1.0 + 0.5 * spg_rng_value(&r);
    finite_differences(&s, p);
    adjoint(&s, p);
    dev_release(mark);
    spg_plan_destroy(s.plan);
    free(I), free(J), free(s.V), free(s.dV), free(s.Ax), free(s.dAx), free(s.c), free(s.S),
        free(s.w);
}

int main(int argc, char **argv)
{
    spg_context *ctx = dev_open(argc, argv);
    problem ps[] = {
        problem_random("heavy duplicates 6x4", 6, 4, 150, 0, 11),
        problem_random("rectangular 30x9", 30, 9, 200, 0, 12),
        problem_random("skipped negatives 12x12", 12, 12, 160, 25, 13),
    };
    const int np = (int)(sizeof ps / sizeof ps[0]);
    for (int i = 0; i < np; i++)
        for (int dt = 0; dt < 2; dt++) {
            unsigned flags = ps[i].has_negative ? SPG_SKIP_NEGATIVE : 0;
            run(ctx, &ps[i], (spg_dtype)dt, SPG_INT32, flags);
            run(ctx, &ps[i], (spg_dtype)dt, SPG_INT64, flags | SPG_COMPRESS_ROWS);
        }
    for (int i = 0; i < np; i++)
        problem_free(&ps[i]);
    spg_context_destroy(ctx);
    return spg_test_done();
}
