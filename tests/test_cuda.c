/* The CUDA backend against the CPU backend, operation by operation, on the
 * same problems: plans and assembly bitwise (the same sums in the same
 * order), the other operations within twice the CPU oracle's rounding
 * bound (both backends are within one bound of the exact result), the
 * default mode bitwise reproducible from run to run, and the same statuses
 * for bad input. Without a usable GPU it reports itself skipped (exit 77). */
#include <cuda_runtime_api.h>
#include <stdlib.h>

#include "check.h"
#include "dense.h"
#include "device.h"
#include "problems.h"

static spg_context *cpu, *gpu;

/* A device copy of bytes host bytes (tools/device.c). */
static void *up(const void *h, size_t bytes)
{
    return spg_tool_put(gpu, SPG_BACKEND_CUDA, h, bytes);
}

/* A new host copy of bytes device bytes. */
static void *down(const void *d, size_t bytes)
{
    void *h = malloc(bytes ? bytes : 1);
    spg_tool_get(SPG_BACKEND_CUDA, h, d, bytes);
    return h;
}

/* Each element within tol of the reference (tol NULL: bitwise equal). */
static int agree(const char *what, spg_dtype dt, const void *got, const void *ref,
                 const double *tol, int64_t len)
{
    for (int64_t k = 0; k < len; k++) {
        double g = spg_vget(dt, got, k), r = spg_vget(dt, ref, k);
        int ok = tol ? fabs(g - r) <= tol[k] : memcmp((const char *)got + k * spg_vsize(dt),
                                                      (const char *)ref + k * spg_vsize(dt),
                                                      spg_vsize(dt)) == 0;
        if (!CHECK(ok)) {
            fprintf(stderr, "  %s: element %lld: gpu %.17g cpu %.17g\n", what, (long long)k, g, r);
            return 0;
        }
    }
    return 1;
}

/* A random typed vector on the host. */
static void *vec(spg_dtype dt, int64_t len, spg_rng *r)
{
    void *v = malloc((size_t)(len + 1) * spg_vsize(dt));
    for (int64_t k = 0; k < len; k++)
        spg_vset(dt, v, k, spg_rng_value(r));
    return v;
}

/* Runs one problem on both backends. */
static void run(const problem *p, spg_dtype dt, spg_itype it, unsigned flags)
{
    const size_t vs = spg_vsize(dt), is = spg_isize(it);
    void *I = problem_index(p, p->I, it, 0), *J = problem_index(p, p->J, it, 0);
    void *V = problem_values(p, dt);
    const spg_coo hc = {p->m, p->n, p->nnz, it, I, J};
    const spg_coo dc = {p->m, p->n, p->nnz, it, up(I, (size_t)p->nnz * is), up(J, (size_t)p->nnz * is)};
    spg_plan *hp = NULL, *dp = NULL;
    if (!CHECK_STATUS(spg_plan_create(cpu, &hc, flags, &hp), SPG_SUCCESS) ||
        !CHECK_STATUS(spg_plan_create(gpu, &dc, flags, &dp), SPG_SUCCESS))
        exit(1);
    const int64_t nnz = spg_plan_nnz(hp);
    CHECK(spg_plan_nnz(dp) == nnz);
    spg_plan_info hi, di; /* the same description, but for the backend */
    CHECK_STATUS(spg_plan_query(hp, &hi), SPG_SUCCESS);
    CHECK_STATUS(spg_plan_query(dp, &di), SPG_SUCCESS);
    CHECK(hi.backend == SPG_BACKEND_CPU && di.backend == SPG_BACKEND_CUDA);
    CHECK(di.m == hi.m && di.n == hi.n && di.nnz_coo == hi.nnz_coo &&
          di.nnz_kept == hi.nnz_kept && di.nnz == hi.nnz && di.itype == hi.itype &&
          di.flags == hi.flags);

    /* assembly: the plan's pattern and the sums, bitwise */
    void *hAx = malloc((size_t)(nnz + 1) * vs), *dV = up(V, (size_t)p->nnz * vs);
    void *dAx = up(hAx, (size_t)nnz * vs);
    CHECK_STATUS(spg_assemble(cpu, hp, dt, V, hAx), SPG_SUCCESS);
    CHECK_STATUS(spg_assemble(gpu, dp, dt, dV, dAx), SPG_SUCCESS);
    spg_csc hA, dA;
    spg_plan_csc(hp, dt, hAx, &hA);
    spg_plan_csc(dp, dt, dAx, &dA);
    void *cp = down(dA.colptr, (size_t)(dA.n + 1) * is), *ri = down(dA.rowind, (size_t)nnz * is);
    void *ax = down(dAx, (size_t)nnz * vs);
    CHECK(!memcmp(cp, hA.colptr, (size_t)(hA.n + 1) * is) && !memcmp(ri, hA.rowind, (size_t)nnz * is));
    agree("assemble", dt, ax, hAx, NULL, nnz);
    CHECK_STATUS(spg_csc_check(gpu, &dA), SPG_SUCCESS);

    /* assembly pullback: a gather, bitwise */
    spg_rng r = {3};
    void *g = vec(dt, p->nnz, &r), *dg = up(g, (size_t)p->nnz * vs);
    CHECK_STATUS(spg_assemble_pullback(cpu, hp, dt, hAx, g), SPG_SUCCESS);
    CHECK_STATUS(spg_assemble_pullback(gpu, dp, dt, dAx, dg), SPG_SUCCESS);
    void *gg = down(dg, (size_t)p->nnz * vs);
    agree("assemble pullback", dt, gg, g, NULL, p->nnz);

    /* SpMV, both ops, twice on the GPU: reproducible and within the bound */
    dense D = dense_of(&hA);
    const int64_t big = p->m + p->n + nnz + 1;
    double *ref = malloc((size_t)big * 8), *bound = malloc((size_t)big * 8);
    for (int op = 0; op < 2; op++) {
        const int64_t xl = op ? p->m : p->n, yl = op ? p->n : p->m;
        void *x = vec(dt, xl, &r), *y = vec(dt, yl, &r), *dx = up(x, (size_t)xl * vs);
        void *dy1 = up(y, (size_t)yl * vs), *dy2 = up(y, (size_t)yl * vs);
        double *xd = malloc((size_t)(xl + 1) * 8), *yd = malloc((size_t)(yl + 1) * 8);
        for (int64_t k = 0; k < xl; k++)
            xd[k] = spg_vget(dt, x, k);
        for (int64_t k = 0; k < yl; k++)
            yd[k] = spg_vget(dt, y, k);
        CHECK_STATUS(spg_spmv(gpu, (spg_op)op, 0.75, &dA, dx, -0.5, dy1), SPG_SUCCESS);
        CHECK_STATUS(spg_spmv(gpu, (spg_op)op, 0.75, &dA, dx, -0.5, dy2), SPG_SUCCESS);
        CHECK_STATUS(spg_spmv(cpu, (spg_op)op, 0.75, &hA, x, -0.5, y), SPG_SUCCESS);
        dense_spmv(&D, (spg_op)op, 0.75, xd, -0.5, yd, spg_unit(dt), ref, bound);
        for (int64_t k = 0; k < yl; k++)
            bound[k] *= 2;
        void *y1 = down(dy1, (size_t)yl * vs), *y2 = down(dy2, (size_t)yl * vs);
        agree(op ? "spmv T" : "spmv N", dt, y1, y, bound, yl);
        agree("spmv reproducible", dt, y2, y1, NULL, yl);
        /* the atomics mode: within the bound, not necessarily reproducible */
        CHECK_STATUS(spg_context_set_atomics(gpu, 1), SPG_SUCCESS);
        CHECK_STATUS(spg_spmv(gpu, (spg_op)op, 0.75, &dA, dx, 0.0, dy2), SPG_SUCCESS);
        CHECK_STATUS(spg_context_set_atomics(gpu, 0), SPG_SUCCESS);
        CHECK_STATUS(spg_spmv(cpu, (spg_op)op, 0.75, &hA, x, 0.0, y), SPG_SUCCESS);
        dense_spmv(&D, (spg_op)op, 0.75, xd, 0, NULL, spg_unit(dt), ref, bound);
        for (int64_t k = 0; k < yl; k++)
            bound[k] *= 2;
        free(y2);
        y2 = down(dy2, (size_t)yl * vs);
        agree("spmv atomics", dt, y2, y, bound, yl);
        free(x), free(y), free(xd), free(yd), free(y1), free(y2);
        cudaFree(dx), cudaFree(dy1), cudaFree(dy2);
    }

    /* the bilinear form, its value and gradient, and the COO pullback */
    void *x = vec(dt, p->m, &r), *y = vec(dt, p->n, &r), *dxv = up(x, (size_t)p->m * vs);
    void *dyv = up(y, (size_t)p->n * vs);
    void *gA = calloc((size_t)(nnz + 1), vs), *gx = calloc((size_t)(p->m + 1), vs);
    void *gy = calloc((size_t)(p->n + 1), vs), *dgA = up(gA, (size_t)nnz * vs);
    void *dgx = up(gx, (size_t)p->m * vs), *dgy = up(gy, (size_t)p->n * vs);
    double fh, fg, fb;
    double *xd = malloc((size_t)(p->m + 1) * 8), *yd = malloc((size_t)(p->n + 1) * 8);
    for (int64_t k = 0; k < p->m; k++)
        xd[k] = spg_vget(dt, x, k);
    for (int64_t k = 0; k < p->n; k++)
        yd[k] = spg_vget(dt, y, k);
    CHECK_STATUS(spg_bilinear_value_and_grad(cpu, &hA, x, y, &fh, gA, gx, gy), SPG_SUCCESS);
    CHECK_STATUS(spg_bilinear_value_and_grad(gpu, &dA, dxv, dyv, &fg, dgA, dgx, dgy), SPG_SUCCESS);
    dense_bilinear(&D, xd, yd, spg_unit(dt), &fb);
    CHECK(fabs(fg - fh) <= 2 * fb + (double)(p->n + 3) * spg_unit(dt) * fabs(fh));
    dense_spmv(&D, SPG_OP_N, 1.0, yd, 0, NULL, spg_unit(dt), ref, bound);
    for (int64_t k = 0; k < p->m; k++)
        bound[k] *= 2;
    void *hgx = down(dgx, (size_t)p->m * vs);
    agree("value and grad dx", dt, hgx, gx, bound, p->m);
    dense_spmv(&D, SPG_OP_T, 1.0, xd, 0, NULL, spg_unit(dt), ref, bound);
    for (int64_t k = 0; k < p->n; k++)
        bound[k] *= 2;
    void *hgy = down(dgy, (size_t)p->n * vs), *hgA = down(dgA, (size_t)nnz * vs);
    agree("value and grad dy", dt, hgy, gy, bound, p->n);
    for (int64_t q = 0; q < nnz; q++) /* dA = x_i y_j: one product, maybe fused */
        bound[q] = 4 * spg_unit(dt) * fabs(spg_vget(dt, gA, q));
    agree("value and grad dA", dt, hgA, gA, bound, nnz);

    void *dVh = calloc((size_t)(p->nnz + 1), vs), *ddV = up(dVh, (size_t)p->nnz * vs);
    CHECK_STATUS(spg_coo_bilinear_pullback(cpu, &hc, flags, dt, x, y, 2.0, dVh), SPG_SUCCESS);
    CHECK_STATUS(spg_coo_bilinear_pullback(gpu, &dc, flags, dt, dxv, dyv, 2.0, ddV), SPG_SUCCESS);
    for (int64_t k = 0; k < p->nnz; k++)
        bound[k] = 4 * spg_unit(dt) * fabs(spg_vget(dt, dVh, k));
    void *hdV = down(ddV, (size_t)p->nnz * vs);
    agree("coo bilinear pullback", dt, hdV, dVh, bound, p->nnz);

    /* bad input gives the same status on both backends */
    CHECK_STATUS(spg_spmv(gpu, SPG_OP_N, 1.0, &dA, NULL, 0.0, dyv),
                 p->n ? SPG_ERR_NULL_POINTER : SPG_SUCCESS);
    spg_csc bad = dA;
    bad.values = NULL;
    CHECK_STATUS(spg_bilinear_pullback(gpu, &bad, dxv, dyv, 1.0, dgA, NULL, NULL),
                 SPG_ERR_PATTERN_GRADIENT);

    free(xd), free(yd), free(hgx), free(hgy), free(hgA), free(hdV), free(dVh), free(x), free(y);
    free(gA), free(gx), free(gy), free(ref), free(bound), free(g), free(gg), free(cp), free(ri);
    free(ax), free(hAx), free(I), free(J), free(V);
    cudaFree(dxv), cudaFree(dyv), cudaFree(dgA), cudaFree(dgx), cudaFree(dgy), cudaFree(ddV);
    cudaFree(dg), cudaFree(dV), cudaFree(dAx), cudaFree((void *)dc.I), cudaFree((void *)dc.J);
    dense_free(&D);
    spg_plan_destroy(hp);
    spg_plan_destroy(dp);
}

/* Bad triplets give the status of the first in triplet order on both
 * backends, in plan creation and in the COO pullbacks; dV stays as it was. */
static void bad_triplet_order(void)
{
    const int32_t rows[2][3] = {{-1, 5, 0}, {5, -1, 0}}, cols[3] = {0, 1, 2};
    const spg_status want[2] = {SPG_ERR_NEGATIVE_INDEX, SPG_ERR_INDEX_RANGE};
    const double x[3] = {1, 2, 3}, dV0[3] = {7, 7, 7};
    void *dx = up(x, sizeof x), *dJ = up(cols, sizeof cols);
    for (int c = 0; c < 2; c++) {
        void *dI = up(rows[c], sizeof rows[c]), *ddV = up(dV0, sizeof dV0);
        const spg_coo hc = {3, 3, 3, SPG_INT32, rows[c], cols}, dc = {3, 3, 3, SPG_INT32, dI, dJ};
        spg_plan *plan = NULL;
        CHECK_STATUS(spg_plan_create(gpu, &dc, 0, &plan), want[c]);
        CHECK_STATUS(spg_plan_create(cpu, &hc, 0, &plan), want[c]);
        CHECK_STATUS(spg_coo_bilinear_pullback(gpu, &dc, 0, SPG_DOUBLE, dx, dx, 1, ddV), want[c]);
        double *dV = down(ddV, sizeof dV0);
        CHECK(!memcmp(dV, dV0, sizeof dV0));
        free(dV), cudaFree(dI), cudaFree(ddV);
    }
    cudaFree(dx), cudaFree(dJ);
}

int main(void)
{
    spg_status st = spg_context_create(SPG_BACKEND_CUDA, &gpu);
    if (st == SPG_ERR_NO_DEVICE || st == SPG_ERR_NOT_BUILT) {
        printf("skipped: %s\n", spg_status_string(st));
        return 77;
    }
    if (!CHECK_STATUS(st, SPG_SUCCESS) ||
        !CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, &cpu), SPG_SUCCESS))
        return spg_test_done();
    problem ps[] = {
        problem_random("square 9x9", 9, 9, 40, 0, 41),
        problem_random("tall 40x13 duplicates", 40, 13, 300, 0, 42),
        problem_random("wide 5x30 skipped", 5, 30, 90, 10, 43),
        problem_random("larger 700x500", 700, 500, 60000, 0, 44),
        problem_new("0x0", 0, 0, 0),
        problem_new("0x5", 0, 5, 0),
        problem_new("4x3 no entries", 4, 3, 0),
    };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        for (int dt = 0; dt < 2; dt++)
            for (int it = 0; it < 2; it++) {
                unsigned flags = ps[i].has_negative ? SPG_SKIP_NEGATIVE : 0;
                run(&ps[i], (spg_dtype)dt, (spg_itype)it, flags);
            }
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        problem_free(&ps[i]);
    bad_triplet_order();
    spg_context_destroy(gpu);
    spg_context_destroy(cpu);
    return spg_test_done();
}
