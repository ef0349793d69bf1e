/* User threads (POSIX threads: ThreadSanitizer in this toolchain does not
 * follow C11 thrd_create): (a) threads with a context each make plans,
 * assemble and run every call of the table (calls.h) on their own
 * problems; (b) threads share one read-only plan and its arrays, with a
 * context each and then with one shared context, and run assembly and
 * every call of the table on their own output arrays. Every result is bitwise equal to
 * the same work done serially first, on one library thread; the threads use
 * one or two. Worker threads only record what they saw; the main thread
 * checks it. */
#define _POSIX_C_SOURCE 200809L /* pthreads */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "calls.h"
#include "check.h"
#include "problems.h"

enum { NWORKERS = 4, OWN_ROUNDS = 10, SHARED_ROUNDS = 30, RANK = 2 };

/* One problem: its triplets, the plan's flags, the value type, and the
 * seed of its values and vectors. */
typedef struct job {
    problem p;
    spg_coo coo;
    unsigned flags;
    spg_dtype dt;
    uint64_t seed;
} job;

/* A random m x n problem of nnz triplets, some of them skipped. */
static job job_make(int64_t m, int64_t n, int64_t nnz, spg_itype it, spg_dtype dt,
                    unsigned flags, uint64_t seed)
{
    job jb = {.p = problem_random("job", m, n, nnz, 1, seed), .flags = flags | SPG_SKIP_NEGATIVE,
              .dt = dt, .seed = seed};
    const int base = (flags & SPG_ONE_BASED) ? 1 : 0;
    jb.coo = (spg_coo){m, n, nnz, it, problem_index(&jb.p, jb.p.I, it, base),
                       problem_index(&jb.p, jb.p.J, it, base)};
    return jb;
}

/* Frees the problem and its arrays. */
static void job_free(job *jb)
{
    free((void *)jb->coo.I), free((void *)jb->coo.J);
    problem_free(&jb->p);
}

/* The pattern arrays of a's matrix, as bytes. */
static void put_pattern(bytes *o, const args *a)
{
    spg_bytes_put(o, a->A.colptr, spg_slot_bytes(a, S_COLPTR));
    spg_bytes_put(o, a->A.rowind, spg_slot_bytes(a, S_ROWIND));
}

/* All the work of one problem: the plan's pattern, assembly, and every
 * call of the table (calls.h); the outputs go to o. */
static spg_status run_job(spg_context *ctx, const job *jb, bytes *o)
{
    args a;
    spg_status st = spg_args_make(ctx, &jb->coo, jb->flags, jb->dt, RANK, jb->seed, &a);
    if (st == SPG_SUCCESS) {
        put_pattern(o, &a);
        spg_bytes_put(o, a.A.values, spg_slot_bytes(&a, S_VALUES));
        st = spg_calls_outputs(&a, o);
    }
    spg_args_free(&a);
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
    } else if (!spg_bytes_same(o, ref)) {
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
    jobs[2] = job_make(400, 400, 20000, SPG_INT64, SPG_DOUBLE, SPG_ONE_BASED, 33); /* solves */
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

/* The work of part (b) on the shared plan and arrays of a, with context
 * ctx: assembly into a new array, and every call of the table but the
 * solves (a solver is used by one thread at a time: part (a) runs them,
 * each worker on its own). */
static spg_status shared_work(spg_context *ctx, const args *shared, bytes *o)
{
    args a = *shared;
    a.p[S_CTX] = ctx;
    a.p[S_SOLVER] = NULL;
    void *Ax = spg_slot_new(&a, S_AX, 1);
    spg_status st = spg_assemble(ctx, a.p[S_PLAN], a.dtype, a.p[S_TRIP], Ax);
    spg_bytes_put(o, Ax, spg_slot_bytes(&a, S_AX));
    free(Ax);
    spg_status calls = spg_calls_outputs(&a, o);
    return st == SPG_SUCCESS ? calls : st;
}

/* A worker of part (b): the shared arguments, and its own context or the
 * shared one. */
typedef struct shared_worker {
    const args *a;
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
        tally_round(&w->t, shared_work(ctx, w->a, &o), &o, w->ref);
    }
    spg_context_destroy(own);
    return NULL;
}

/* The plan's pattern and the arrays the workers read, as bytes. */
static bytes inputs_of(const args *a)
{
    bytes o = {NULL, 0, 0};
    put_pattern(&o, a);
    const int in[] = {S_I, S_J, S_TRIP, S_VALUES, S_X, S_Y, S_U, S_W, S_DAX};
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++)
        spg_bytes_put(&o, a->p[in[k]], spg_slot_bytes(a, in[k]));
    return o;
}

/* (b) Workers sharing one plan and its arrays of job jb, each with its own
 * context, then all with one context shared_ctx; the plan and the inputs
 * are unchanged after them. */
static void test_shared_plan(spg_context *serial, spg_context *shared_ctx, const job *jb,
                             const char *name)
{
    args a;
    if (!CHECK_STATUS(spg_args_make(serial, &jb->coo, jb->flags, jb->dt, RANK, jb->seed, &a),
                      SPG_SUCCESS)) {
        spg_args_free(&a);
        return;
    }
    bytes ref = {NULL, 0, 0}, before = inputs_of(&a);
    CHECK_STATUS(shared_work(serial, &a, &ref), SPG_SUCCESS);
    for (int shared = 0; shared < 2; shared++) {
        shared_worker w[NWORKERS];
        for (int k = 0; k < NWORKERS; k++)
            w[k] = (shared_worker){.a = &a, .ref = &ref, .ctx = shared ? shared_ctx : NULL,
                                   .nthreads = 2 - k % 2};
        CHECK(run_workers(shared_main, w, sizeof w[0], NWORKERS));
        for (int k = 0; k < NWORKERS; k++)
            if (!CHECK(w[k].t.failures == 0 && w[k].t.first_error == SPG_SUCCESS) ||
                !CHECK(w[k].t.mismatches == 0))
                fprintf(stderr, "  %s, %s context, worker %d: %d failures (first %d), %d of %d "
                                "rounds differ\n", name, shared ? "shared" : "own", k,
                        w[k].t.failures, w[k].t.first_error, w[k].t.mismatches, SHARED_ROUNDS);
    }
    bytes after = inputs_of(&a);
    CHECK(before.len > 0 && spg_bytes_same(&before, &after));
    free(ref.b), free(before.b), free(after.b);
    spg_args_free(&a);
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
