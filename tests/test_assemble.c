/* Assembly and its pullback against a dense oracle: every flag, both value
 * and index types, and the shapes that break naive code. The oracle sums each
 * entry's triplets in triplet order in the same precision, which is the
 * order the library promises, so values are compared bitwise. On the backend
 * that the command line names (dev.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dev.h"
#include "problems.h"

/* The dense oracle of a problem: sums and triplet counts, m x n row-major. */
typedef struct oracle {
    double *sum;
    int64_t *count;
} oracle;

static oracle oracle_make(const problem *p, spg_dtype t)
{
    size_t cells = (size_t)(p->m * p->n > 0 ? p->m * p->n : 1);
    oracle o = {calloc(cells, sizeof(double)), calloc(cells, sizeof(int64_t))};
    if (!o.sum || !o.count)
        exit(2);
    for (int64_t k = 0; k < p->nnz; k++) {
        if (p->I[k] < 0 || p->J[k] < 0)
            continue;
        int64_t c = p->I[k] * p->n + p->J[k];
        double v = spg_round(t, p->V[k]);
        o.sum[c] = o.count[c] ? spg_round(t, o.sum[c] + v) : v;
        o.count[c]++;
    }
    return o;
}

/* Position of row r in column c of a CSC view, or -1. */
static int64_t find_entry(const spg_csc *A, int64_t r, int64_t c)
{
    for (int64_t q = spg_iget(A->itype, A->colptr, c); q < spg_iget(A->itype, A->colptr, c + 1); q++)
        if (spg_iget(A->itype, A->rowind, q) == r)
            return q;
    return -1;
}

/* spg_plan_create_assemble gives A's pattern, and bitwise the values Ax
 * that spg_assemble gave (host, A's nnz of them); its plan assembles V to
 * them again. */
static int one_call(spg_context *ctx, const spg_coo *coo, unsigned flags, spg_dtype dt, void *V,
                    const spg_csc *A, const void *Ax)
{
    spg_plan *plan = NULL;
    void *values = NULL;
    if (!CHECK_STATUS(DEV(spg_plan_create_assemble(ctx, coo, flags, dt, dv(V), &plan, &values)),
                      SPG_SUCCESS))
        return 0;
    const size_t is = A->itype == SPG_INT32 ? 4 : 8, vs = spg_vsize(dt);
    const size_t vb = (size_t)A->nnz * vs;
    spg_csc B = dev_view(plan, dt, NULL);
    void *first = dev_map(values, vb), *again = dev_new(vb);
    int ok = CHECK(B.nnz == A->nnz) && CHECK(B.m == A->m) && CHECK(B.n == A->n) &&
             CHECK(memcmp(B.colptr, A->colptr, (size_t)(A->n + 1) * is) == 0) &&
             CHECK(memcmp(B.rowind, A->rowind, (size_t)A->nnz * is) == 0) &&
             CHECK(memcmp(first, Ax, vb) == 0);
    ok = ok && CHECK_STATUS(DEV(spg_assemble(ctx, plan, dt, dv(V), dv(again))), SPG_SUCCESS) &&
         CHECK(memcmp(again, Ax, vb) == 0);
    dev_view_free(&B);
    dev_unreg(first), dev_unreg(again);
    free(first), free(again);
    spg_plan_destroy(plan);
    return ok;
}

/* Runs one problem with one combination of types and flags. */
static void run(spg_context *ctx, const problem *p, spg_dtype dt, spg_itype it, unsigned flags)
{
    const int base = (flags & SPG_ONE_BASED) ? 1 : 0;
    const int by_rows = (flags & SPG_COMPRESS_ROWS) != 0;
    const int mark = dev_mark();
    const size_t is = it == SPG_INT32 ? 4 : 8, vs = spg_vsize(dt);
    void *I = problem_index(p, p->I, it, base), *J = problem_index(p, p->J, it, base);
    void *V = problem_values(p, dt);
    dev_reg(I, (size_t)p->nnz * is), dev_reg(J, (size_t)p->nnz * is);
    dev_reg(V, (size_t)p->nnz * vs);
    const spg_coo coo = {p->m, p->n, p->nnz, it, dv(I), dv(J)};
    spg_plan *plan = NULL;
    if (!CHECK_STATUS(DEV(spg_plan_create(ctx, &coo, flags, &plan)), SPG_SUCCESS)) {
        fprintf(stderr, "  problem %s dtype %d itype %d flags %u\n", p->name, dt, it, flags);
        dev_release(mark);
        free(I), free(J), free(V);
        return;
    }
    oracle o = oracle_make(p, dt);
    int64_t touched = 0;
    for (int64_t c = 0; c < p->m * p->n; c++)
        touched += o.count[c] > 0;

    const int64_t nnz = spg_plan_nnz(plan);
    void *Ax = dev_new((size_t)nnz * vs);
    CHECK_STATUS(DEV(spg_assemble(ctx, plan, dt, dv(V), dv(Ax))), SPG_SUCCESS);
    spg_csc A = dev_view(plan, dt, Ax);

    /* the view: shape, counts, pattern and values */
    int ok = CHECK(nnz == touched) && CHECK(A.nnz == nnz) && CHECK(A.itype == it) &&
             CHECK(A.dtype == dt) && CHECK(A.values == Ax) &&
             CHECK(A.m == (by_rows ? p->n : p->m)) && CHECK(A.n == (by_rows ? p->m : p->n)) &&
             CHECK(spg_iget(it, A.colptr, 0) == 0) && CHECK(spg_iget(it, A.colptr, A.n) == nnz);
    for (int64_t c = 0; ok && c < A.n; c++) {
        int64_t prev = -1;
        for (int64_t q = spg_iget(it, A.colptr, c); q < spg_iget(it, A.colptr, c + 1); q++) {
            int64_t r = spg_iget(it, A.rowind, q);
            int64_t i = by_rows ? c : r, j = by_rows ? r : c;
            ok = CHECK(r > prev && r < A.m) && CHECK(o.count[i * p->n + j] > 0) &&
                 CHECK(spg_vget(dt, Ax, q) == o.sum[i * p->n + j]);
            if (!ok)
                break;
            prev = r;
        }
    }

    ok = one_call(ctx, &coo, flags, dt, V, &A, Ax) && ok;

    /* pullback: dV_k += dAx of its entry, skipped triplets untouched */
    void *dAx = dev_new((size_t)nnz * vs), *dV = dev_new((size_t)p->nnz * vs);
    double *dV0 = malloc((size_t)(p->nnz > 0 ? p->nnz : 1) * sizeof *dV0);
    spg_rng r = {7};
    for (int64_t s = 0; s < nnz; s++)
        spg_vset(dt, dAx, s, spg_rng_value(&r));
    for (int64_t k = 0; k < p->nnz; k++) {
        dV0[k] = spg_rng_value(&r);
        spg_vset(dt, dV, k, dV0[k]);
    }
    CHECK_STATUS(DEV(spg_assemble_pullback(ctx, plan, dt, dv(dAx), dv(dV))), SPG_SUCCESS);
    for (int64_t k = 0; ok && k < p->nnz; k++) {
        double want = dV0[k];
        if (p->I[k] >= 0 && p->J[k] >= 0) {
            int64_t q = by_rows ? find_entry(&A, p->J[k], p->I[k]) : find_entry(&A, p->I[k], p->J[k]);
            ok = CHECK(q >= 0);
            if (!ok)
                break;
            want = spg_round(dt, dV0[k] + spg_vget(dt, dAx, q));
        }
        ok = CHECK(spg_vget(dt, dV, k) == want);
    }
    if (!ok)
        fprintf(stderr, "  problem %s dtype %d itype %d flags %u\n", p->name, dt, it, flags);

    dev_view_free(&A);
    dev_release(mark);
    spg_plan_destroy(plan);
    free(o.sum), free(o.count), free(I), free(J), free(V), free(Ax), free(dAx), free(dV), free(dV0);
}

/* Values whose sums round, so that the summation order shows in the bits. */
static problem rounding(problem p, const char *name)
{
    snprintf(p.name, sizeof p.name, "%s", name);
    for (int64_t k = 0; k < p.nnz; k++)
        p.V[k] = (k % 2 ? -1.0 : 1.0) * (double)(k % 97 + 1) / 7.0;
    return p;
}

/* The problems: random with heavy duplicates, and the shapes. */
static int make_problems(problem *ps)
{
    int np = 0;
    ps[np++] = problem_random("heavy duplicates 7x5", 7, 5, 200, 0, 1);
    ps[np++] = problem_random("rectangular tall 40x13", 40, 13, 300, 0, 2);
    ps[np++] = problem_random("rectangular wide 3x50", 3, 50, 120, 0, 3);
    ps[np++] = problem_random("with negatives 20x20", 20, 20, 400, 20, 4);
    ps[np++] = problem_random("larger 300x200", 300, 200, 50000, 5, 5);
    ps[np++] = rounding(problem_random("", 7, 5, 200, 0, 1), "heavy duplicates, rounding");
    ps[np++] = rounding(problem_random("", 300, 200, 50000, 5, 5), "larger, rounding");
    /* columns of 2000 triplets (sorted in place) and, compressed by rows, of
     * 150 (sorted through their distinct rows) */
    ps[np++] = rounding(problem_random("", 40, 3, 6000, 0, 9), "long columns, rounding");
    ps[np++] = problem_new("0x0", 0, 0, 0);
    ps[np++] = problem_new("0x4", 0, 4, 0);
    ps[np++] = problem_new("4x0", 4, 0, 0);
    ps[np++] = problem_new("5x3 no triplets", 5, 3, 0);

    problem e = problem_random("empty columns 6x8", 6, 8, 60, 0, 6);
    for (int64_t k = 0; k < e.nnz; k++)
        e.J[k] = (int64_t[]){0, 3, 7}[k % 3];
    ps[np++] = e;

    /* the first and last columns of groups of 256 empty, and the last
     * one: plan creation fills the first values a group at a time */
    problem g = rounding(problem_random("", 4, 1000, 3000, 0, 10), "empty group edges 4x1000");
    for (int64_t k = 0; k < g.nnz; k++) {
        int64_t c = k * 7 % 1000;
        while (c % 256 == 0 || c % 256 == 255 || c == 999)
            c = (c + 2) % 1000;
        g.J[k] = c;
    }
    ps[np++] = g;

    problem f = problem_random("one full column 9x4", 9, 4, 40, 0, 7);
    for (int64_t k = 0; k < f.nnz; k++) {
        f.I[k] = k % 9;
        f.J[k] = 2;
    }
    ps[np++] = f;

    problem a = problem_random("all on one entry 5x5", 5, 5, 50, 0, 8);
    for (int64_t k = 0; k < a.nnz; k++) {
        a.I[k] = 3;
        a.J[k] = 1;
    }
    ps[np++] = a;
    ps[np++] = rounding(problem_random("", 5, 5, 50, 0, 8), "all on one entry, rounding");
    for (int64_t k = 0; k < a.nnz; k++) {
        ps[np - 1].I[k] = 3;
        ps[np - 1].J[k] = 1;
    }

    /* sorted column-major and reversed: the worst order for stable sorts */
    problem s = problem_new("reversed column-major 6x6", 6, 6, 72);
    for (int64_t k = 0; k < s.nnz; k++) {
        int64_t c = 71 - k; /* each entry twice, visited backwards */
        s.I[k] = (c / 2) % 6;
        s.J[k] = (c / 2) / 6;
        s.V[k] = (double)(k + 1) / 64.0;
    }
    ps[np++] = s;

    problem u = problem_new("1x1 explicit zeros", 1, 1, 3);
    u.V[0] = 0.5, u.V[1] = -0.5, u.V[2] = 0.0;
    ps[np++] = u;
    return np;
}

int main(int argc, char **argv)
{
    spg_context *ctx = dev_open(argc, argv);
    problem ps[32];
    int np = make_problems(ps);
    for (int i = 0; i < np; i++)
        for (unsigned flags = 0; flags < 8; flags++) {
            if (ps[i].has_negative && !(flags & SPG_SKIP_NEGATIVE))
                continue; /* an error case: test_errors */
            for (int dt = 0; dt < 2; dt++)
                for (int it = 0; it < 2; it++)
                    run(ctx, &ps[i], (spg_dtype)dt, (spg_itype)it, flags);
        }
    for (int i = 0; i < np; i++)
        problem_free(&ps[i]);
    spg_context_destroy(ctx);
    return spg_test_done();
}
