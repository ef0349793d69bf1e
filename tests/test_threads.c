/* Results do not depend on the thread count: plans, assembly and pullbacks
 * with 1, 2, 3 and 8 threads are bitwise equal, on problems large enough for
 * the loops to run in parallel. */
#include <stdlib.h>

#include "check.h"
#include "fem2d.h"
#include "problems.h"

static const int thread_counts[] = {1, 2, 3, 8};

/* Assembles and pulls back with each thread count; compares the bytes. */
static void compare(spg_context *ctx, const spg_coo *coo, unsigned flags, spg_dtype dt,
                    const void *V, const char *name)
{
    const size_t vs = spg_vsize(dt);
    void *ref_Ax = NULL, *ref_dV = NULL;
    spg_plan *ref_plan = NULL;
    for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
        CHECK_STATUS(spg_context_set_threads(ctx, thread_counts[t]), SPG_SUCCESS);
        spg_plan *plan = NULL;
        if (!CHECK_STATUS(spg_plan_create(ctx, coo, flags, &plan), SPG_SUCCESS))
            return;
        const int64_t nnz = spg_plan_nnz(plan);
        void *Ax = malloc((size_t)nnz * vs), *dV = calloc((size_t)coo->nnz, vs);
        CHECK_STATUS(spg_assemble(ctx, plan, dt, V, Ax), SPG_SUCCESS);
        CHECK_STATUS(spg_assemble_pullback(ctx, plan, dt, Ax, dV), SPG_SUCCESS);
        CHECK_STATUS(spg_assemble_pullback(ctx, plan, dt, Ax, dV), SPG_SUCCESS);
        if (!ref_plan) {
            ref_plan = plan, ref_Ax = Ax, ref_dV = dV;
            continue;
        }
        spg_csc A, R;
        spg_plan_csc(plan, dt, Ax, &A);
        spg_plan_csc(ref_plan, dt, ref_Ax, &R);
        const size_t is = spg_isize(coo->itype);
        int ok = CHECK(A.nnz == R.nnz) &&
                 CHECK(!memcmp(A.colptr, R.colptr, (size_t)(A.n + 1) * is)) &&
                 CHECK(!memcmp(A.rowind, R.rowind, (size_t)A.nnz * is)) &&
                 CHECK(!memcmp(Ax, ref_Ax, (size_t)nnz * vs)) &&
                 CHECK(!memcmp(dV, ref_dV, (size_t)coo->nnz * vs));
        if (!ok)
            fprintf(stderr, "  %s: %d threads differ from 1\n", name, thread_counts[t]);
        spg_plan_destroy(plan);
        free(Ax), free(dV);
    }
    spg_plan_destroy(ref_plan);
    free(ref_Ax), free(ref_dV);
}

int main(void)
{
    spg_context *ctx = NULL;
    if (!CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, &ctx), SPG_SUCCESS))
        return spg_test_done();

    /* random: few duplicates, no locality; int64 indices, some skipped */
    problem p = problem_random("random", 3000, 2000, 400000, 2, 21);
    for (int64_t k = 0; k < p.nnz; k++) /* values that round when summed */
        p.V[k] = (double)(k % 1000 + 1) / 3.0;
    void *I = problem_index(&p, p.I, SPG_INT64, 0), *J = problem_index(&p, p.J, SPG_INT64, 0);
    const spg_coo rc = {p.m, p.n, p.nnz, SPG_INT64, I, J};
    for (int dt = 0; dt < 2; dt++) {
        void *V = problem_values(&p, (spg_dtype)dt);
        compare(ctx, &rc, SPG_SKIP_NEGATIVE, (spg_dtype)dt, V, "random");
        compare(ctx, &rc, SPG_SKIP_NEGATIVE | SPG_COMPRESS_ROWS, (spg_dtype)dt, V, "random csr");
        free(V);
    }
    free(I), free(J);
    problem_free(&p);

    /* finite elements: most triplets are duplicates */
    spg_fem2d fem;
    if (!CHECK(spg_fem2d_make(120, &fem) == 0))
        return spg_test_done();
    const spg_coo fc = {fem.nodes, fem.nodes, fem.triplets, SPG_INT32, fem.I, fem.J};
    compare(ctx, &fc, 0, SPG_DOUBLE, fem.V, "fem2d");
    float *Vf = malloc((size_t)fem.triplets * sizeof *Vf);
    for (int64_t k = 0; k < fem.triplets; k++)
        Vf[k] = (float)fem.V[k];
    compare(ctx, &fc, 0, SPG_FLOAT, Vf, "fem2d float");
    free(Vf);
    spg_fem2d_free(&fem);
    spg_context_destroy(ctx);
    return spg_test_done();
}
