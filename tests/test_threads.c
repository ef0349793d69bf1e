/* Results do not depend on the thread count: plans, assembly, every
 * operation and every pullback with 1, 2, 3 and 8 threads are bitwise
 * equal, on problems large enough for the loops to run in parallel. */
#include <stdlib.h>

#include "check.h"
#include "cpu/cpu.h"
#include "fem2d.h"
#include "internal.h"
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

/* Every operation's outputs, concatenated as bytes, for one thread count. */
typedef struct outputs {
    unsigned char *bytes;
    size_t len;
} outputs;

static void append(outputs *o, const void *p, size_t len)
{
    o->bytes = realloc(o->bytes, o->len + len + 1);
    memcpy(o->bytes + o->len, p, len);
    o->len += len;
}

/* Runs every operation on A (square) and the COO triplets it came from. */
static outputs run_ops(spg_context *ctx, const spg_csc *A, const spg_coo *coo, spg_dtype dt)
{
    const size_t vs = spg_vsize(dt);
    const int64_t n = A->n, nnz = A->nnz, k = 3;
    void *x = malloc((size_t)n * vs), *y = malloc((size_t)n * vs), *U = malloc((size_t)(n * k) * vs);
    void *out = malloc((size_t)n * vs), *dA = malloc((size_t)nnz * vs), *dx = malloc((size_t)n * vs);
    void *dy = malloc((size_t)n * vs), *dV = malloc((size_t)coo->nnz * vs);
    spg_rng r = {77};
    for (int64_t i = 0; i < n; i++)
        spg_vset(dt, x, i, spg_rng_value(&r) / 3), spg_vset(dt, y, i, spg_rng_value(&r) / 7);
    for (int64_t i = 0; i < n * k; i++)
        spg_vset(dt, U, i, spg_rng_value(&r) / 5);
    memset(dA, 0, (size_t)nnz * vs), memset(dx, 0, (size_t)n * vs), memset(dy, 0, (size_t)n * vs);
    memset(dV, 0, (size_t)coo->nnz * vs);
    outputs o = {NULL, 0};
    double f[4];
    for (int op = 0; op < 2; op++) {
        memcpy(out, y, (size_t)n * vs);
        CHECK_STATUS(spg_spmv(ctx, (spg_op)op, 0.5, A, x, 0.25, out), SPG_SUCCESS);
        append(&o, out, (size_t)n * vs);
        CHECK_STATUS(spg_spmv_pullback(ctx, (spg_op)op, 0.5, A, x, y, dA, dx), SPG_SUCCESS);
        CHECK_STATUS(spg_coo_spmv_pullback(ctx, coo, 0, (spg_op)op, dt, 0.5, x, y, dV), SPG_SUCCESS);
    }
    CHECK_STATUS(spg_bilinear(ctx, A, x, y, &f[0]), SPG_SUCCESS);
    CHECK_STATUS(spg_bilinear_value_and_grad(ctx, A, x, y, &f[1], dA, dx, dy), SPG_SUCCESS);
    CHECK_STATUS(spg_bilinear_pullback(ctx, A, x, y, 3.0, dA, dx, dy), SPG_SUCCESS);
    CHECK_STATUS(spg_quadratic(ctx, A, x, &f[2]), SPG_SUCCESS);
    CHECK_STATUS(spg_quadratic_pullback(ctx, A, x, -1.0, dA, dx), SPG_SUCCESS);
    CHECK_STATUS(spg_sampled_outer(ctx, A, k, U, n, U, n, 0.125, dA), SPG_SUCCESS);
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, coo, 0, dt, x, y, 2.0, dV), SPG_SUCCESS);
    CHECK_STATUS(spg_coo_sampled_outer(ctx, coo, 0, dt, k, U, n, U, n, 0.5, dV), SPG_SUCCESS);
    f[3] = 0;
    append(&o, f, sizeof f);
    append(&o, dA, (size_t)nnz * vs);
    append(&o, dx, (size_t)n * vs);
    append(&o, dy, (size_t)n * vs);
    append(&o, dV, (size_t)coo->nnz * vs);
    free(x), free(y), free(U), free(out), free(dA), free(dx), free(dy), free(dV);
    return o;
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

/* The operations give the same bytes for every thread count, with the
 * plan's analysis of the pattern in the view and without. A band matrix
 * scatters by blocks of rows on several threads, a pattern without bands
 * on one (banded says which A is). */
static void compare_ops(spg_context *ctx, const spg_coo *coo, spg_dtype dt, const void *V,
                        int banded, const char *name)
{
    spg_plan *plan = NULL;
    if (!CHECK_STATUS(spg_plan_create(ctx, coo, 0, &plan), SPG_SUCCESS))
        return;
    void *Ax = malloc((size_t)spg_plan_nnz(plan) * spg_vsize(dt));
    CHECK_STATUS(spg_assemble(ctx, plan, dt, V, Ax), SPG_SUCCESS);
    spg_csc A;
    spg_plan_csc(plan, dt, Ax, &A);
    spg_csc bare = A; /* as a caller fills it */
    bare.analysis = NULL;
    outputs ref = {NULL, 0};
    for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
        CHECK_STATUS(spg_context_set_threads(ctx, thread_counts[t]), SPG_SUCCESS);
        if (thread_counts[t] > 1 && !CHECK(rows_pay(&A, thread_counts[t]) == banded))
            fprintf(stderr, "  %s: blocks of rows on %d threads: %s\n", name, thread_counts[t],
                    banded ? "refused" : "taken");
        for (int b = 0; b < 2; b++) {
            outputs o = run_ops(ctx, b ? &bare : &A, coo, dt);
            if (t == 0 && b == 0) {
                ref = o;
                continue;
            }
            if (!CHECK(o.len == ref.len && !memcmp(o.bytes, ref.bytes, o.len)))
                fprintf(stderr, "  %s: operations with %d threads%s differ from 1\n", name,
                        thread_counts[t], b ? ", no analysis," : "");
            free(o.bytes);
        }
    }
    free(ref.bytes);
    foreign_analysis(ctx, &A, dt, name);
    free(Ax);
    spg_plan_destroy(plan);
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

    /* square, without bands: A x on one thread, the rest on all */
    problem q = problem_random("random square", 2000, 2000, 300000, 0, 22);
    void *qI = problem_index(&q, q.I, SPG_INT32, 0), *qJ = problem_index(&q, q.J, SPG_INT32, 0);
    const spg_coo qc = {q.m, q.n, q.nnz, SPG_INT32, qI, qJ};
    for (int dt = 0; dt < 2; dt++) {
        void *V = problem_values(&q, (spg_dtype)dt);
        compare_ops(ctx, &qc, (spg_dtype)dt, V, 0, "random square operations");
        free(V);
    }
    free(qI), free(qJ);
    problem_free(&q);

    /* finite elements: most triplets are duplicates */
    spg_fem2d fem;
    if (!CHECK(spg_fem2d_make(120, &fem) == 0))
        return spg_test_done();
    const spg_coo fc = {fem.nodes, fem.nodes, fem.triplets, SPG_INT32, fem.I, fem.J};
    compare(ctx, &fc, 0, SPG_DOUBLE, fem.V, "fem2d");
    compare_ops(ctx, &fc, SPG_DOUBLE, fem.V, 1, "fem2d operations");
    float *Vf = malloc((size_t)fem.triplets * sizeof *Vf);
    for (int64_t k = 0; k < fem.triplets; k++)
        Vf[k] = (float)fem.V[k];
    compare(ctx, &fc, 0, SPG_FLOAT, Vf, "fem2d float");
    compare_ops(ctx, &fc, SPG_FLOAT, Vf, 1, "fem2d operations float");
    free(Vf);
    spg_fem2d_free(&fem);
    spg_context_destroy(ctx);
    return spg_test_done();
}
