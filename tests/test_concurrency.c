/* User threads (POSIX threads: ThreadSanitizer in this toolchain does not
 * follow C11 thrd_create): (a) threads with a context each make
 * plans, assemble, pull back and run every operation on their own problems;
 * (b) threads share one read-only plan, with a context each and then with
 * one shared context, and run assembly, its pullback and the bilinear value
 * and gradient on their own output arrays. Every result is bitwise equal to
 * the same work done serially first, on one library thread; the threads use
 * one or two. Worker threads only record what they saw; the main thread
 * checks it. */
#define _POSIX_C_SOURCE 200809L /* pthreads */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "check.h"
#include "problems.h"

enum { NWORKERS = 4, OWN_ROUNDS = 10, SHARED_ROUNDS = 30, RANK = 2 };

/* A growing array of bytes: every output of a piece of work, in order. */
typedef struct bytes {
    unsigned char *b;
    size_t len, cap;
} bytes;

/* Appends len bytes of p. */
static void put(bytes *o, const void *p, size_t len)
{
    if (o->len + len > o->cap) {
        o->cap = 2 * (o->len + len);
        o->b = realloc(o->b, o->cap);
        if (!o->b)
            exit(2);
    }
    memcpy(o->b + o->len, p, len);
    o->len += len;
}

/* The two arrays hold the same bytes. */
static int same_bytes(const bytes *a, const bytes *b)
{
    return a->len == b->len && !memcmp(a->b, b->b, a->len);
}

/* One problem: its COO view and flags, the value type, the triplet values
 * and the vectors every operation reads (long enough for any shape). */
typedef struct job {
    problem p;
    spg_coo coo;
    unsigned flags;
    spg_dtype dt;
    void *V, *x, *y, *U, *W, *seed;
} job;

/* len random values of type dt; none is NaN, so bytes compare values. */
static void *random_values(spg_dtype dt, int64_t len, uint64_t seed)
{
    spg_rng r = {seed};
    void *a = malloc((size_t)(len > 0 ? len : 1) * spg_vsize(dt));
    if (!a)
        exit(2);
    for (int64_t i = 0; i < len; i++)
        spg_vset(dt, a, i, spg_rng_value(&r) / 3.0); /* /3 rounds: sums depend on order */
    return a;
}

/* A random m x n problem of nnz triplets, some of them skipped. */
static job job_make(int64_t m, int64_t n, int64_t nnz, spg_itype it, spg_dtype dt,
                    unsigned flags, uint64_t seed)
{
    job jb = {.p = problem_random("job", m, n, nnz, 1, seed), .flags = flags | SPG_SKIP_NEGATIVE,
              .dt = dt};
    const int base = (flags & SPG_ONE_BASED) ? 1 : 0;
    jb.coo = (spg_coo){m, n, nnz, it, problem_index(&jb.p, jb.p.I, it, base),
                       problem_index(&jb.p, jb.p.J, it, base)};
    const int64_t len = RANK * (m > n ? m : n);
    jb.V = random_values(dt, nnz, seed + 1);
    jb.x = random_values(dt, len, seed + 2);
    jb.y = random_values(dt, len, seed + 3);
    jb.U = random_values(dt, len, seed + 4);
    jb.W = random_values(dt, len, seed + 5);
    jb.seed = random_values(dt, nnz > len ? nnz : len, seed + 6);
    return jb;
}

/* Frees the problem and its arrays. */
static void job_free(job *jb)
{
    free((void *)jb->coo.I), free((void *)jb->coo.J);
    free(jb->V), free(jb->x), free(jb->y), free(jb->U), free(jb->W), free(jb->seed);
    problem_free(&jb->p);
}

/* Keeps the first error of a sequence of calls. */
static void keep(spg_status *first, spg_status st)
{
    if (*first == SPG_SUCCESS)
        *first = st;
}

/* A zeroed array of len values of type dt. */
static void *zeros(spg_dtype dt, int64_t len)
{
    void *a = calloc((size_t)(len > 0 ? len : 1), spg_vsize(dt));
    if (!a)
        exit(2);
    return a;
}

/* The operations on the CSC matrix A: SpMV both ways, the pullbacks, the
 * bilinear and (square A) quadratic forms, the sampled outer product. */
static spg_status run_csc_ops(spg_context *ctx, const job *jb, const spg_csc *A, bytes *o)
{
    const spg_dtype dt = jb->dt;
    const size_t vs = spg_vsize(dt);
    const int64_t m = A->m, n = A->n, nnz = A->nnz;
    void *ym = zeros(dt, m), *yn = zeros(dt, n), *dA = zeros(dt, nnz);
    void *dx = zeros(dt, m > n ? m : n), *dy = zeros(dt, n);
    double f[3] = {0, 0, 0};
    spg_status st = SPG_SUCCESS;
    keep(&st, spg_spmv(ctx, SPG_OP_N, 0.5, A, jb->x, 0, ym));
    keep(&st, spg_spmv(ctx, SPG_OP_T, -2.0, A, jb->x, 0, yn));
    keep(&st, spg_spmv_pullback(ctx, SPG_OP_N, 0.75, A, jb->x, jb->y, dA, dx));
    keep(&st, spg_spmv_pullback(ctx, SPG_OP_T, 1.5, A, jb->y, jb->x, dA, dx));
    keep(&st, spg_bilinear(ctx, A, jb->x, jb->y, &f[0]));
    keep(&st, spg_bilinear_value_and_grad(ctx, A, jb->x, jb->y, &f[1], dA, dx, dy));
    keep(&st, spg_bilinear_pullback(ctx, A, jb->x, jb->y, -0.25, dA, dx, dy));
    if (m == n) {
        keep(&st, spg_quadratic(ctx, A, jb->x, &f[2]));
        keep(&st, spg_quadratic_pullback(ctx, A, jb->x, 3.0, dA, dx));
    }
    keep(&st, spg_sampled_outer(ctx, A, RANK, jb->U, m, jb->W, n, 0.125, dA));
    put(o, ym, (size_t)m * vs), put(o, yn, (size_t)n * vs), put(o, dA, (size_t)nnz * vs);
    put(o, dx, (size_t)(m > n ? m : n) * vs), put(o, dy, (size_t)n * vs), put(o, f, sizeof f);
    free(ym), free(yn), free(dA), free(dx), free(dy);
    return st;
}

/* The pullbacks straight to the triplet values, with the plan's flags. */
static spg_status run_coo_ops(spg_context *ctx, const job *jb, bytes *o)
{
    const spg_coo *c = &jb->coo;
    const unsigned flags = jb->flags;
    void *dV = zeros(jb->dt, c->nnz);
    spg_status st = SPG_SUCCESS;
    keep(&st, spg_coo_bilinear_pullback(ctx, c, flags, jb->dt, jb->x, jb->y, 2.0, dV));
    keep(&st, spg_coo_spmv_pullback(ctx, c, flags, SPG_OP_N, jb->dt, 0.5, jb->x, jb->y, dV));
    keep(&st, spg_coo_spmv_pullback(ctx, c, flags, SPG_OP_T, jb->dt, -1.0, jb->x, jb->y, dV));
    keep(&st, spg_coo_sampled_outer(ctx, c, flags, jb->dt, RANK, jb->U, c->m, jb->W, c->n, 0.5,
                                    dV));
    put(o, dV, (size_t)c->nnz * spg_vsize(jb->dt));
    free(dV);
    return st;
}

/* All the work of one problem: the plan's pattern, assembly, its pullback
 * (twice: it accumulates), every operation; the outputs go to o. */
static spg_status run_job(spg_context *ctx, const job *jb, bytes *o)
{
    spg_plan *plan = NULL;
    spg_status st = spg_plan_create(ctx, &jb->coo, jb->flags, &plan);
    if (st != SPG_SUCCESS)
        return st;
    const int64_t nnz = spg_plan_nnz(plan);
    const size_t vs = spg_vsize(jb->dt), is = spg_isize(jb->coo.itype);
    void *Ax = zeros(jb->dt, nnz), *dV = zeros(jb->dt, jb->coo.nnz);
    spg_csc A;
    keep(&st, spg_assemble(ctx, plan, jb->dt, jb->V, Ax));
    keep(&st, spg_plan_csc(plan, jb->dt, Ax, &A));
    keep(&st, spg_assemble_pullback(ctx, plan, jb->dt, Ax, dV));
    keep(&st, spg_assemble_pullback(ctx, plan, jb->dt, jb->seed, dV));
    if (st == SPG_SUCCESS) {
        put(o, A.colptr, (size_t)(A.n + 1) * is), put(o, A.rowind, (size_t)nnz * is);
        put(o, Ax, (size_t)nnz * vs), put(o, dV, (size_t)jb->coo.nnz * vs);
        keep(&st, run_csc_ops(ctx, jb, &A, o));
        keep(&st, run_coo_ops(ctx, jb, o));
    }
    free(Ax), free(dV);
    spg_plan_destroy(plan);
    return st;
}

/* Released by the main thread once every worker exists, so that they start
 * together. */
static atomic_int go;

/* Spins until the main thread releases the workers. */
static void wait_for_go(void)
{
    while (!atomic_load(&go))
        sched_yield();
}

/* A worker of part (a): its own context and problem. */
/* A worker's count of failed rounds and of rounds whose bytes differ from
 * the serial ones; written by the worker, read after the join. */
typedef struct tally {
    int failures, mismatches;
    spg_status first_error;
} tally;

/* Counts one round's outcome and frees its bytes. */
static void tally_round(tally *t, spg_status st, bytes *o, const bytes *ref)
{
    if (st != SPG_SUCCESS) {
        t->failures++;
        t->first_error = st;
    } else if (!same_bytes(o, ref)) {
        t->mismatches++;
    }
    free(o->b);
}

/* A worker's own context with nthreads, or NULL with the error tallied. */
static spg_context *worker_context(int nthreads, tally *t)
{
    spg_context *ctx = NULL;
    t->first_error = spg_context_create(SPG_BACKEND_CPU, &ctx);
    if (t->first_error == SPG_SUCCESS)
        t->first_error = spg_context_set_threads(ctx, nthreads);
    return ctx;
}

typedef struct own_worker {
    const job *jb;
    const bytes *ref;
    int nthreads, rounds;
    tally t;
} own_worker;

/* Runs its problem rounds times; counts errors and results that differ. */
static void *own_main(void *arg)
{
    own_worker *w = arg;
    spg_context *ctx = worker_context(w->nthreads, &w->t);
    wait_for_go();
    for (int r = 0; r < w->rounds && w->t.first_error == SPG_SUCCESS; r++) {
        bytes o = {NULL, 0, 0};
        tally_round(&w->t, run_job(ctx, w->jb, &o), &o, w->ref);
    }
    spg_context_destroy(ctx);
    return NULL;
}

/* Starts n workers on fn, releases them together and joins them. */
static int run_workers(void *(*fn)(void *), void *workers, size_t size, int n)
{
    pthread_t t[NWORKERS];
    int started = 0;
    atomic_store(&go, 0);
    for (int k = 0; k < n; k++)
        if (pthread_create(&t[k], NULL, fn, (char *)workers + (size_t)k * size) == 0)
            started++;
        else
            break;
    atomic_store(&go, 1);
    for (int k = 0; k < started; k++)
        pthread_join(t[k], NULL);
    return started == n;
}

/* The problems: both value and index types, both compressions, one-based
 * indices, many duplicates or few. Large enough for the library's loops to
 * run on their threads. */
static void make_jobs(job *jobs)
{
    jobs[0] = job_make(3000, 2000, 120000, SPG_INT32, SPG_DOUBLE, 0, 11);
    jobs[1] = job_make(1500, 1500, 150000, SPG_INT64, SPG_FLOAT, SPG_COMPRESS_ROWS, 22);
    jobs[2] = job_make(400, 900, 90000, SPG_INT64, SPG_DOUBLE, SPG_ONE_BASED, 33);
    jobs[3] = job_make(2500, 2500, 100000, SPG_INT32, SPG_FLOAT,
                       SPG_ONE_BASED | SPG_COMPRESS_ROWS, 44);
}

/* (a) Every worker with its own context on its own problem, equal to the
 * serial run. */
static void test_own_contexts(spg_context *serial, const job *jobs)
{
    bytes ref[NWORKERS];
    own_worker w[NWORKERS];
    for (int k = 0; k < NWORKERS; k++) {
        ref[k] = (bytes){NULL, 0, 0};
        CHECK_STATUS(run_job(serial, &jobs[k], &ref[k]), SPG_SUCCESS);
        w[k] = (own_worker){.jb = &jobs[k], .ref = &ref[k], .nthreads = 1 + k % 2,
                            .rounds = OWN_ROUNDS};
    }
    CHECK(run_workers(own_main, w, sizeof w[0], NWORKERS));
    for (int k = 0; k < NWORKERS; k++) {
        if (!CHECK(w[k].t.failures == 0 && w[k].t.first_error == SPG_SUCCESS) ||
            !CHECK(w[k].t.mismatches == 0))
            fprintf(stderr, "  worker %d: %d failures (first %d), %d of %d rounds differ\n", k,
                    w[k].t.failures, w[k].t.first_error, w[k].t.mismatches, OWN_ROUNDS);
        free(ref[k].b);
    }
}

/* The serial results of part (b) on one shared plan: assembly, assembly
 * pullback, bilinear value and gradient. */
static spg_status shared_work(spg_context *ctx, const spg_plan *plan, const job *jb, bytes *o)
{
    const int64_t nnz = spg_plan_nnz(plan);
    const size_t vs = spg_vsize(jb->dt);
    spg_csc A;
    spg_status st = spg_plan_csc(plan, jb->dt, NULL, &A);
    void *Ax = zeros(jb->dt, nnz), *dV = zeros(jb->dt, jb->coo.nnz), *dA = zeros(jb->dt, nnz);
    void *dx = zeros(jb->dt, A.m), *dy = zeros(jb->dt, A.n);
    double f = 0;
    keep(&st, spg_assemble(ctx, plan, jb->dt, jb->V, Ax));
    keep(&st, spg_assemble_pullback(ctx, plan, jb->dt, jb->seed, dV));
    A.values = Ax;
    keep(&st, spg_bilinear_value_and_grad(ctx, &A, jb->x, jb->y, &f, dA, dx, dy));
    put(o, Ax, (size_t)nnz * vs), put(o, dV, (size_t)jb->coo.nnz * vs);
    put(o, dA, (size_t)nnz * vs), put(o, dx, (size_t)A.m * vs), put(o, dy, (size_t)A.n * vs);
    put(o, &f, sizeof f);
    free(Ax), free(dV), free(dA), free(dx), free(dy);
    return st;
}

/* A worker of part (b): the shared plan, and its own context or the shared
 * one. */
typedef struct shared_worker {
    const spg_plan *plan;
    const job *jb;
    const bytes *ref;
    spg_context *ctx; /* NULL: make its own with nthreads */
    int nthreads;
    tally t;
} shared_worker;

/* Runs the shared-plan work SHARED_ROUNDS times against the serial bytes. */
static void *shared_main(void *arg)
{
    shared_worker *w = arg;
    spg_context *own = w->ctx ? NULL : worker_context(w->nthreads, &w->t);
    spg_context *ctx = w->ctx ? w->ctx : own;
    wait_for_go();
    for (int r = 0; r < SHARED_ROUNDS && w->t.first_error == SPG_SUCCESS; r++) {
        bytes o = {NULL, 0, 0};
        tally_round(&w->t, shared_work(ctx, w->plan, w->jb, &o), &o, w->ref);
    }
    spg_context_destroy(own);
    return NULL;
}

/* The pattern arrays of a plan, as bytes. */
static bytes pattern_of(const spg_plan *plan, spg_itype it)
{
    bytes o = {NULL, 0, 0};
    spg_csc A;
    if (spg_plan_csc(plan, SPG_DOUBLE, NULL, &A) == SPG_SUCCESS) {
        put(&o, A.colptr, (size_t)(A.n + 1) * spg_isize(it));
        put(&o, A.rowind, (size_t)A.nnz * spg_isize(it));
    }
    return o;
}

/* (b) Workers sharing one plan of job jb, each with its own context, then
 * all with one context shared_ctx; the plan is unchanged after them. */
static void test_shared_plan(spg_context *serial, spg_context *shared_ctx, const job *jb,
                             const char *name)
{
    spg_plan *plan = NULL;
    if (!CHECK_STATUS(spg_plan_create(serial, &jb->coo, jb->flags, &plan), SPG_SUCCESS))
        return;
    bytes ref = {NULL, 0, 0}, before = pattern_of(plan, jb->coo.itype);
    CHECK_STATUS(shared_work(serial, plan, jb, &ref), SPG_SUCCESS);
    for (int shared = 0; shared < 2; shared++) {
        shared_worker w[NWORKERS];
        for (int k = 0; k < NWORKERS; k++)
            w[k] = (shared_worker){.plan = plan, .jb = jb, .ref = &ref,
                                   .ctx = shared ? shared_ctx : NULL, .nthreads = 2 - k % 2};
        CHECK(run_workers(shared_main, w, sizeof w[0], NWORKERS));
        for (int k = 0; k < NWORKERS; k++)
            if (!CHECK(w[k].t.failures == 0 && w[k].t.first_error == SPG_SUCCESS) ||
                !CHECK(w[k].t.mismatches == 0))
                fprintf(stderr, "  %s, %s context, worker %d: %d failures (first %d), %d of %d "
                                "rounds differ\n", name, shared ? "shared" : "own", k,
                        w[k].t.failures, w[k].t.first_error, w[k].t.mismatches, SHARED_ROUNDS);
    }
    bytes after = pattern_of(plan, jb->coo.itype);
    CHECK(before.len > 0 && same_bytes(&before, &after));
    free(ref.b), free(before.b), free(after.b);
    spg_plan_destroy(plan);
}

/* Part (a), then part (b) on two of the problems. */
int main(void)
{
    spg_context *serial = NULL, *shared = NULL;
    if (!CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, &serial), SPG_SUCCESS) ||
        !CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, &shared), SPG_SUCCESS))
        return spg_test_done();
    CHECK_STATUS(spg_context_set_threads(serial, 1), SPG_SUCCESS);
    CHECK_STATUS(spg_context_set_threads(shared, 2), SPG_SUCCESS);
    job jobs[NWORKERS];
    make_jobs(jobs);
    test_own_contexts(serial, jobs);
    test_shared_plan(serial, shared, &jobs[0], "double int32 plan");
    test_shared_plan(serial, shared, &jobs[1], "float int64 CSR plan");
    for (int k = 0; k < NWORKERS; k++)
        job_free(&jobs[k]);
    spg_context_destroy(serial);
    spg_context_destroy(shared);
    return spg_test_done();
}
