/* Results do not depend on the thread count: plans, assembly, every
 * operation and every pullback with 1, 2, 3 and 8 threads are bitwise
 * equal, on problems large enough for the loops to run in parallel. */
#include <stdlib.h>

#include "calls.h"
#include "check.h"
#include "cpu/cpu.h"
#include "fem2d.h"
#include "internal.h"
#include "problems.h"

static const int thread_counts[] = {1, 2, 3, 8};

/* spg_plan_create_assemble gives the values Ax (nnz of them) bit for bit. */
static void one_call(spg_context *ctx, const spg_coo *coo, unsigned flags, spg_dtype dt,
                     const void *V, const void *Ax, int64_t nnz, const char *name)
{
    spg_plan *plan = NULL;
    void *first = NULL;
    if (!CHECK_STATUS(spg_plan_create_assemble(ctx, coo, flags, dt, V, &plan, &first),
                      SPG_SUCCESS))
        return;
    if (!CHECK(spg_plan_nnz(plan) == nnz) ||
        !CHECK(!memcmp(first, Ax, (size_t)nnz * spg_vsize(dt))))
        fprintf(stderr, "  %s: the values made with the plan differ\n", name);
    spg_plan_destroy(plan);
}

/* Assembles and pulls back with each thread count, and makes the plan
 * with its first values; compares the bytes. */
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
        one_call(ctx, coo, flags, dt, V, Ax, nnz, name);
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

/* A view keeps a plan's analysis only while it has the plan's arrays. B
 * is A with its columns reversed (column j is A's column n - 1 - j: the
 * same sizes, other rows in each chunk of columns) and carries A's
 * analysis; B x must be what B gives without it, bit for bit. */
static void foreign_analysis(spg_context *ctx, const spg_csc *A, spg_dtype dt, const char *name)
{
    const size_t vs = spg_vsize(dt), is = spg_isize(A->itype);
    const int64_t m = A->m, n = A->n, nnz = A->nnz;
    void *colptr = malloc((size_t)(n + 1) * is), *rowind = malloc((size_t)nnz * is);
    void *values = malloc((size_t)nnz * vs), *x = malloc((size_t)n * vs);
    void *y = malloc((size_t)m * vs), *ref = malloc((size_t)m * vs);
    spg_iset(A->itype, colptr, 0, 0);
    for (int64_t j = 0; j < n; j++) {
        const int64_t c = n - 1 - j, p0 = spg_iget(A->itype, A->colptr, c);
        const int64_t len = spg_iget(A->itype, A->colptr, c + 1) - p0;
        const int64_t q0 = spg_iget(A->itype, colptr, j);
        for (int64_t k = 0; k < len; k++) {
            spg_iset(A->itype, rowind, q0 + k, spg_iget(A->itype, A->rowind, p0 + k));
            spg_vset(dt, values, q0 + k, spg_vget(dt, A->values, p0 + k));
        }
        spg_iset(A->itype, colptr, j + 1, q0 + len);
        spg_vset(dt, x, j, (double)(j % 17) - 8);
    }
    spg_csc B = *A; /* A's analysis, B's arrays */
    B.colptr = colptr, B.rowind = rowind, B.values = values;
    spg_csc bare = B;
    bare.analysis = NULL;
    CHECK(B.analysis != NULL);
    CHECK_STATUS(spg_csc_check(ctx, &B), SPG_SUCCESS);
    CHECK_STATUS(spg_context_set_threads(ctx, 2), SPG_SUCCESS);
    CHECK_STATUS(spg_spmv(ctx, SPG_OP_N, 1.0, &bare, x, 0.0, ref), SPG_SUCCESS);
    CHECK_STATUS(spg_spmv(ctx, SPG_OP_N, 1.0, &B, x, 0.0, y), SPG_SUCCESS);
    if (!CHECK(!memcmp(y, ref, (size_t)m * vs)))
        fprintf(stderr, "  %s: a view with another pattern's analysis differs\n", name);
    free(colptr), free(rowind), free(values), free(x), free(y), free(ref);
}

/* Whether the CPU backend scatters A x (A a plan's view) by blocks of rows
 * on T threads, as it decides from the plan's analysis. */
static int rows_pay(const spg_csc *A, int T)
{
    const int64_t chunks = spg_chunk_count(A->n);
    int64_t entries[SPG_CHUNKS];
    for (int64_t c = 0; c < chunks; c++)
        entries[c] = spg_iget(A->itype, A->colptr, spg_chunk_start(A->n, c + 1)) -
                     spg_iget(A->itype, A->colptr, spg_chunk_start(A->n, c));
    return spg_rows_pay(A->m, chunks, A->analysis->lo, A->analysis->hi, entries, T);
}

/* The outputs of every call of the table (calls.h) on a, each call
 * succeeding. */
static bytes run_calls(const args *a, const char *name)
{
    bytes o = {NULL, 0, 0};
    for (int k = 0; k < spg_ncalls; k++)
        if (spg_call_runs(&spg_calls[k], a) &&
            !CHECK_STATUS(spg_call_outputs(&spg_calls[k], a, &o), SPG_SUCCESS))
            fprintf(stderr, "  %s: %s failed\n", name, spg_calls[k].name);
    return o;
}

/* Every call of the table gives the same bytes for every thread
 * count, with the plan's analysis of the pattern in the view and without.
 * A band matrix scatters by blocks of rows on several threads, a pattern
 * without bands on one (banded says which A is). */
static void compare_ops(spg_context *ctx, const spg_coo *coo, spg_dtype dt, int banded,
                        const char *name)
{
    args a;
    if (!CHECK_STATUS(spg_args_make(ctx, coo, 0, dt, 3, 77, &a), SPG_SUCCESS)) {
        spg_args_free(&a);
        return;
    }
    args bare = a; /* the view as a caller fills it */
    bare.A.analysis = NULL;
    bytes ref = {NULL, 0, 0};
    for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
        CHECK_STATUS(spg_context_set_threads(ctx, thread_counts[t]), SPG_SUCCESS);
        if (thread_counts[t] > 1 && !CHECK(rows_pay(&a.A, thread_counts[t]) == banded))
            fprintf(stderr, "  %s: blocks of rows on %d threads: %s\n", name, thread_counts[t],
                    banded ? "refused" : "taken");
        for (int b = 0; b < 2; b++) {
            bytes o = run_calls(b ? &bare : &a, name);
            if (t == 0 && b == 0) {
                ref = o;
                continue;
            }
            if (!CHECK(spg_bytes_same(&o, &ref)))
                fprintf(stderr, "  %s: operations with %d threads%s differ from 1\n", name,
                        thread_counts[t], b ? ", no analysis," : "");
            free(o.b);
        }
    }
    free(ref.b);
    foreign_analysis(ctx, &a.A, dt, name);
    spg_args_free(&a);
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

    /* two columns in three empty: some on the edges of the groups in which
     * plan creation sums the first values, for every thread count */
    problem e = problem_random("", 3000, 2000, 400000, 0, 23);
    for (int64_t k = 0; k < e.nnz; k++)
        e.J[k] -= e.J[k] % 3, e.V[k] = (double)(k % 1000 + 1) / 3.0;
    void *eI = problem_index(&e, e.I, SPG_INT32, 0), *eJ = problem_index(&e, e.J, SPG_INT32, 0);
    const spg_coo ec = {e.m, e.n, e.nnz, SPG_INT32, eI, eJ};
    compare(ctx, &ec, 0, SPG_DOUBLE, e.V, "empty columns");
    free(eI), free(eJ);
    problem_free(&e);

    /* square, without bands: A x on one thread, the rest on all */
    problem q = problem_random("random square", 2000, 2000, 300000, 0, 22);
    void *qI = problem_index(&q, q.I, SPG_INT32, 0), *qJ = problem_index(&q, q.J, SPG_INT32, 0);
    const spg_coo qc = {q.m, q.n, q.nnz, SPG_INT32, qI, qJ};
    for (int dt = 0; dt < 2; dt++)
        compare_ops(ctx, &qc, (spg_dtype)dt, 0, "random square operations");
    free(qI), free(qJ);
    problem_free(&q);

    /* finite elements: most triplets are duplicates */
    spg_fem2d fem;
    if (!CHECK(spg_fem2d_make(120, &fem) == 0))
        return spg_test_done();
    const spg_coo fc = {fem.nodes, fem.nodes, fem.triplets, SPG_INT32, fem.I, fem.J};
    compare(ctx, &fc, 0, SPG_DOUBLE, fem.V, "fem2d");
    compare_ops(ctx, &fc, SPG_DOUBLE, 1, "fem2d operations");
    float *Vf = malloc((size_t)fem.triplets * sizeof *Vf);
    for (int64_t k = 0; k < fem.triplets; k++)
        Vf[k] = (float)fem.V[k];
    compare(ctx, &fc, 0, SPG_FLOAT, Vf, "fem2d float");
    compare_ops(ctx, &fc, SPG_FLOAT, 1, "fem2d operations float");
    free(Vf);
    spg_fem2d_free(&fem);
    spg_context_destroy(ctx);
    return spg_test_done();
}
