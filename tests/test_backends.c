/* Every backend against the CPU reference, by the same code: every call
 * of the table (calls.h) on the same problems, in both value and index
 * types. The backend under test (SPG_TEST_BACKEND: test_backends is the
 * CPU's, test_cuda the CUDA backend's) computes on its own copies of the
 * arrays. Its plans give the CPU's pattern; its EXACT calls give the CPU's
 * bits; its solves (SOLVE, its own solver of the same matrix) are within
 * solve_bound, from the matrix's conditioning, or bitwise equal on the
 * CPU; its other results are within the rounding bound of both (below).
 * Every result is bitwise the same when run again (on CUDA the second time
 * on a caller's stream), and within the bound with atomics allowed; bad
 * input gives the same statuses. On one problem each allocation a call
 * makes fails in turn (the call reports it, outputs untouched, and then
 * runs); on two, four threads run every call, sharing the context and
 * then each with its own. An 18M-triplet problem gives the CPU's bits in
 * plan, assembly and the pullbacks. The CPU backend is tested on 3 threads
 * against 1. Where the backend cannot run (no GPU) the program reports
 * itself skipped (77).
 *
 * The bound of an output element: its exact value is a sum of N terms,
 * each a product of at most 4 factors, so each backend is within
 * gamma(N + 4) * M of it, M the sum of the terms' magnitudes and
 * gamma(k) = k u / (1 - k u). M is the CPU's result on the absolute values
 * of every input and N at most its result on inputs of 1 (the table's
 * scalars are at least 1): the two backends differ by at most twice that,
 * with M's own rounding allowed for. */
#include <pthread.h>
#include <stdlib.h>

#include "calls.h"
#include "check.h"
#include "device.h"
#include "fem2d.h"
#include "problems.h"
#include "testhook.h"

enum { RANK = 2 };
enum mode { AS_IS, ABS, ONES }; /* what the reference runs on */

static spg_backend be;    /* the backend under test */
static spg_context *cpu;  /* the reference: the CPU backend on 1 thread */
static spg_context *ctx;  /* the backend under test's */
static int not_compared;  /* calls the backend has no object for (a solver) */

/* A copy of len host bytes where the backend under test computes. */
static void *up(const void *h, size_t len)
{
    if (be != SPG_BACKEND_CPU)
        return spg_tool_put(ctx, be, h, len);
    void *d = malloc(len ? len : 1);
    if (!d)
        exit(2);
    return memcpy(d, h, len);
}

/* Releases what up returned. */
static void drop(void *d)
{
    if (be == SPG_BACKEND_CPU)
        free(d);
    else
        spg_tool_drop(be, d);
}

/* The values of slot s's array p made absolute or 1 (mode). */
static void map(const args *a, int s, void *p, int mode)
{
    const spg_dtype dt = s == S_F ? SPG_DOUBLE : a->dtype;
    const int64_t len = (int64_t)(spg_slot_bytes(a, s) / spg_vsize(dt));
    for (int64_t k = 0; k < len && mode != AS_IS; k++)
        spg_vset(dt, p, k, mode == ABS ? fabs(spg_vget(dt, p, k)) : 1.0);
}

/* The seed of output slot s, as spg_call_outputs makes it, in mode. */
static void *seed(const args *a, int s, int mode)
{
    void *p = spg_slot_new(a, s, 1000 + (uint64_t)s);
    map(a, s, p, mode);
    return p;
}

/* Runs c on host arguments a whose value inputs are in mode; the outputs
 * go to new arrays out[s]. */
static spg_status run_host(const call *c, const args *a, int mode, void *out[NSLOT])
{
    args run = *a;
    const int in[] = {S_VALUES, S_TRIP, S_DAX, S_X, S_Y, S_U, S_W};
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++) {
        run.p[in[k]] = malloc(spg_slot_bytes(a, in[k]) + 1);
        memcpy(run.p[in[k]], a->p[in[k]], spg_slot_bytes(a, in[k]));
        map(a, in[k], run.p[in[k]], mode);
    }
    for (int s = FIRST_OUTPUT; s < NSLOT; s++)
        if (spg_call_writes(c, s))
            run.p[s] = out[s] = seed(a, s, mode);
    spg_status st = c->fn(&run);
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++)
        free(run.p[in[k]]);
    return st;
}

/* Runs c on the backend's arguments d (shapes of the host's a) with the
 * same seeds; the outputs come back to new host arrays out[s]. */
static spg_status run_backend(const call *c, const args *d, const args *a, void *out[NSLOT])
{
    args run = *d;
    for (int s = FIRST_OUTPUT; s < NSLOT; s++) {
        if (!spg_call_writes(c, s))
            continue;
        out[s] = seed(a, s, AS_IS);
        run.p[s] = spg_slot_on_backend(a, s) ? up(out[s], spg_slot_bytes(a, s)) : out[s];
    }
    spg_status st = c->fn(&run);
    for (int s = FIRST_OUTPUT; s < NSLOT; s++)
        if (spg_call_writes(c, s) && run.p[s] != out[s]) {
            spg_tool_get(be, out[s], run.p[s], spg_slot_bytes(a, s));
            drop(run.p[s]);
        }
    return st;
}

/* gamma(k) for unit roundoff u. */
static double gamma_of(double k, double u)
{
    return k * u / (1 - k * u);
}

/* The largest magnitude of the values in slot s of a. */
static double max_abs(const args *a, int s)
{
    double m = 0;
    for (int64_t k = 0; k < (int64_t)(spg_slot_bytes(a, s) / spg_vsize(a->dtype)); k++)
        m = fmax(m, fabs(spg_vget(a->dtype, a->p[s], k)));
    return m;
}

/* What bounds a solve with S, the solver's matrix (diagonally dominant by
 * rows and by columns, spg_args_make): delta, the smallest margin of the
 * diagonal over the rest of its row or column, bounds ||op(S)^-1|| <=
 * 1/delta in the infinity norm; kappa = max(||S||_inf, ||S||_1) / delta. */
static void solve_scale(const spg_csc *S, double *kappa, double *delta)
{
    const int64_t n = S->n;
    double *row = calloc((size_t)n + 1, sizeof *row), *col = calloc((size_t)n + 1, sizeof *col);
    double *diag = calloc((size_t)n + 1, sizeof *diag), norm = 0;
    *delta = INFINITY;
    for (int64_t j = 0; j < n; j++)
        for (int64_t p = spg_iget(S->itype, S->colptr, j); p < spg_iget(S->itype, S->colptr, j + 1);
             p++) {
            const int64_t i = spg_iget(S->itype, S->rowind, p);
            const double v = fabs(spg_vget(S->dtype, S->values, p));
            row[i] += v, col[j] += v;
            if (i == j)
                diag[i] = v;
        }
    for (int64_t i = 0; i < n; i++) {
        norm = fmax(norm, fmax(row[i], col[i]));
        *delta = fmin(*delta, fmin(2 * diag[i] - row[i], 2 * diag[i] - col[i]));
    }
    *kappa = norm / *delta;
    free(row), free(col), free(diag);
}

/* What bounds the solves on a's S, found once per output: theta, L, W, R
 * and u of solve_bound. */
typedef struct solve_terms {
    double theta, L, W, R, u;
} solve_terms;

static solve_terms solve_terms_of(const args *a)
{
    double kappa, delta;
    solve_scale(&a->S, &kappa, &delta);
    const double u = spg_unit(a->dtype), g = gamma_of(6.0 * (double)a->S.n, u);
    return (solve_terms){.theta = kappa * g / (1 - kappa * g), .L = max_abs(a, S_U) / delta,
                         .W = max_abs(a, S_W), .R = (double)a->rank, .u = u};
}

/* The bound on |got - ref| of an element of a SOLVE call's output s (seed:
 * its value before the call) where the backend and the CPU run different
 * solvers. Both are backward stable with growth at most 2 on S, so each
 * solution of op(S) z = rhs is within theta = kappa gamma(6n) (relative,
 * infinity norm) of the exact one, and ||z|| <= L = max|U| / delta (U
 * holds B and dX). X = W in the pullbacks, R = rank; the seeds of dB and
 * dA are added once and R terms summed. */
static double solve_bound(const solve_terms *t, int s, double seed)
{
    if (s == S_SX)
        return 2 * t->theta * t->L;
    if (s == S_DB)
        return 2 * (t->theta * t->L + t->u * (fabs(seed) + t->L));
    return 2 * (t->theta * t->L * t->R * t->W +
                gamma_of(t->R + 1, t->u) * (fabs(seed) + t->R * t->L * t->W));
}

/* Output s of c from the backend (got) agrees with the CPU's (ref): the
 * same bits for EXACT calls (and for agree NULL), and for SOLVE calls on
 * the CPU; SOLVE calls of another backend within solve_bound; else within
 * the bound from the CPU's runs on magnitudes (mag) and on ones (ones). */
static int agree(const call *c, const args *a, int s, const void *got, const void *ref,
                 void *const mag[NSLOT], void *const ones[NSLOT], const char *what)
{
    const spg_dtype dt = s == S_F ? SPG_DOUBLE : a->dtype;
    const double u = spg_unit(a->dtype);
    const int64_t len = (int64_t)(spg_slot_bytes(a, s) / spg_vsize(dt));
    const size_t vs = spg_vsize(dt);
    int64_t k = 0;
    const int solve_bits = c->kind == SOLVE && be == SPG_BACKEND_CPU;
    const int bounded_solve = c->kind == SOLVE && !solve_bits;
    void *seeds = bounded_solve ? seed(a, s, AS_IS) : NULL;
    const solve_terms st = bounded_solve ? solve_terms_of(a) : (solve_terms){0};
    for (int ok = 1; ok && k < len; k += ok) {
        const double err = fabs(spg_vget(dt, got, k) - spg_vget(dt, ref, k));
        if (c->kind == EXACT || !mag || solve_bits) {
            ok = !memcmp((const char *)got + k * vs, (const char *)ref + k * vs, vs);
        } else if (bounded_solve) {
            ok = err <= solve_bound(&st, s, spg_vget(dt, seeds, k));
        } else {
            const double gm = gamma_of(spg_vget(dt, ones[s], k) + 4, u);
            ok = err <= 2 * gm * spg_vget(dt, mag[s], k) / (1 - gm);
        }
    }
    free(seeds);
    if (!CHECK(k == len))
        fprintf(stderr, "  %s: %s: output slot %d element %lld: backend %.17g cpu %.17g\n",
                what, c->name, s, (long long)k, spg_vget(dt, got, k), spg_vget(dt, ref, k));
    return k == len;
}

/* Frees the arrays of out that c writes. */
static void free_outputs(const call *c, void *out[NSLOT])
{
    for (int s = FIRST_OUTPUT; s < NSLOT; s++)
        if (spg_call_writes(c, s))
            free(out[s]), out[s] = NULL;
}

/* One call on both: the statuses equal; the outputs agree, again when run
 * twice (bitwise), and with atomics allowed (within the bound). */
static void compare_call(const call *c, const args *a, const args *d, const char *what)
{
    void *ref[NSLOT] = {0}, *mag[NSLOT] = {0}, *ones[NSLOT] = {0};
    void *got[NSLOT] = {0}, *again[NSLOT] = {0}, *atom[NSLOT] = {0};
    const spg_status want = run_host(c, a, AS_IS, ref);
    run_host(c, a, ABS, mag);
    run_host(c, a, ONES, ones);
    const spg_status st = run_backend(c, d, a, got);
    void *stream = spg_tool_stream(be); /* the second run on a caller's stream (CUDA) */
    if (stream)
        CHECK_STATUS(spg_context_set_stream(ctx, stream), SPG_SUCCESS);
    const spg_status st2 = run_backend(c, d, a, again);
    if (stream)
        CHECK_STATUS(spg_context_set_stream(ctx, NULL), SPG_SUCCESS);
    spg_tool_stream_free(be, stream);
    CHECK_STATUS(spg_context_set_atomics(ctx, 1), SPG_SUCCESS);
    const spg_status st3 = run_backend(c, d, a, atom);
    CHECK_STATUS(spg_context_set_atomics(ctx, 0), SPG_SUCCESS);
    if (!CHECK(want == SPG_SUCCESS && st == want && st2 == want && st3 == want))
        fprintf(stderr, "  %s: %s: cpu %d, backend %d, %d, atomics %d\n", what, c->name, want,
                st, st2, st3);
    for (int s = FIRST_OUTPUT; s < NSLOT; s++)
        if (spg_call_writes(c, s) && spg_slot_bytes(a, s)) {
            agree(c, a, s, got[s], ref[s], mag, ones, what);
            agree(c, a, s, again[s], got[s], NULL, NULL, what);
            agree(c, a, s, atom[s], ref[s], mag, ones, what);
        }
    free_outputs(c, ref), free_outputs(c, mag), free_outputs(c, ones);
    free_outputs(c, got), free_outputs(c, again), free_outputs(c, atom);
}

/* The backend's solver of a's S, factorised from copies of S's arrays;
 * NULL where the backend has none (its solves are counted as not
 * compared). */
static spg_solver *backend_solver(const args *a)
{
    const size_t is = spg_isize(a->S.itype);
    spg_csc S = a->S;
    S.colptr = up(a->S.colptr, (size_t)(S.n + 1) * is);
    S.rowind = up(a->S.rowind, (size_t)S.nnz * is);
    S.values = up(a->S.values, (size_t)S.nnz * spg_vsize(S.dtype));
    spg_solver *solver = NULL;
    CHECK_STATUS(spg_solver_of(ctx, &S, &solver), SPG_SUCCESS);
    drop((void *)S.colptr), drop((void *)S.rowind), drop((void *)S.values);
    return solver;
}

/* Outputs out of c are the seeds they started from. */
static int seeds_kept(const call *c, const args *a, void *out[NSLOT])
{
    int same = 1;
    for (int s = FIRST_OUTPUT; s < NSLOT; s++)
        if (spg_call_writes(c, s) && spg_slot_bytes(a, s)) {
            void *h = seed(a, s, AS_IS);
            same &= !memcmp(h, out[s], spg_slot_bytes(a, s));
            free(h);
        }
    return same;
}

/* The first call after a failed allocation: on a fresh context each
 * allocation the call makes (device workspace on CUDA) is made to fail in
 * turn (src/testhook.h). The call says SPG_ERR_ALLOC with its outputs as
 * they were, and run again on that context it gives the bits of a run
 * with no failure. */
static void alloc_failures(const call *c, const args *a, const args *d, const char *what)
{
    args e = *d;
    void *ref[NSLOT] = {0};
    spg_context *fresh = NULL;
    if (!CHECK_STATUS(spg_context_create(be, &fresh), SPG_SUCCESS))
        return;
    e.p[S_CTX] = fresh;
    spg_alloc_fail_at(0);
    const spg_status want = run_backend(c, &e, a, ref);
    const int64_t made = spg_alloc_count();
    spg_context_destroy(fresh);
    for (int64_t k = 1; k <= made; k++) {
        void *out[NSLOT] = {0}, *again[NSLOT] = {0};
        if (!CHECK_STATUS(spg_context_create(be, &fresh), SPG_SUCCESS))
            break;
        e.p[S_CTX] = fresh;
        spg_alloc_fail_at(k);
        const spg_status st = run_backend(c, &e, a, out);
        spg_alloc_fail_at(0);
        const spg_status st2 = run_backend(c, &e, a, again);
        int same = 1;
        for (int s = FIRST_OUTPUT; s < NSLOT; s++)
            if (spg_call_writes(c, s) && spg_slot_bytes(a, s))
                same &= !memcmp(again[s], ref[s], spg_slot_bytes(a, s));
        if (!CHECK(st == SPG_ERR_ALLOC && seeds_kept(c, a, out)) || !CHECK(st2 == want && same))
            fprintf(stderr, "  %s: %s: allocation %lld of %lld failed: %d, then %d\n", what,
                    c->name, (long long)k, (long long)made, st, st2);
        free_outputs(c, out), free_outputs(c, again);
        spg_context_destroy(fresh);
    }
    free_outputs(c, ref);
}

enum { WORKERS = 4, ROUNDS = 3 };

/* A user thread that runs every call of the table on the backend's
 * arguments, ROUNDS times, through the shared context or a context of its
 * own. */
typedef struct worker {
    const args *a, *d;
    void *(*ref)[NSLOT]; /* per call: the outputs of one thread alone */
    int own;             /* makes its own context */
    int failures, mismatches;
} worker;

/* The call runs here: computes, and has what it takes; solvers are used by
 * one thread at a time, so their calls are left out. */
static int shared_call(const call *c, const args *a, const args *d)
{
    return spg_call_runs(c, a) && spg_call_ready(c, d) && c->kind != SOLVE;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    args e = *w->d;
    spg_context *own = NULL;
    if (w->own && spg_context_create(be, &own) != SPG_SUCCESS) {
        w->failures++;
        return NULL;
    }
    if (own)
        e.p[S_CTX] = own;
    for (int r = 0; r < ROUNDS; r++)
        for (int k = 0; k < spg_ncalls; k++) {
            const call *c = &spg_calls[k];
            if (!shared_call(c, w->a, w->d))
                continue;
            void *out[NSLOT] = {0};
            w->failures += run_backend(c, &e, w->a, out) != SPG_SUCCESS;
            for (int s = FIRST_OUTPUT; s < NSLOT; s++)
                if (spg_call_writes(c, s) && spg_slot_bytes(w->a, s))
                    w->mismatches += memcmp(out[s], w->ref[k][s], spg_slot_bytes(w->a, s)) != 0;
            free_outputs(c, out);
        }
    spg_context_destroy(own);
    return NULL;
}

/* User threads sharing the backend's context (on CUDA its calls take
 * turns on the context's lock), then each with a context of its own, get
 * the bits of one thread alone. */
static void shared_context(const args *a, const args *d, const char *what)
{
    void *(*ref)[NSLOT] = calloc((size_t)spg_ncalls, sizeof *ref);
    for (int k = 0; k < spg_ncalls; k++)
        if (shared_call(&spg_calls[k], a, d))
            CHECK_STATUS(run_backend(&spg_calls[k], d, a, ref[k]), SPG_SUCCESS);
    for (int own = 0; own < 2; own++) {
        worker w[WORKERS];
        pthread_t t[WORKERS];
        for (int i = 0; i < WORKERS; i++) {
            w[i] = (worker){a, d, ref, own, 0, 0};
            CHECK(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
        }
        for (int i = 0; i < WORKERS; i++) {
            pthread_join(t[i], NULL);
            if (!CHECK(w[i].failures == 0 && w[i].mismatches == 0))
                fprintf(stderr, "  %s: thread %d (%s context): %d calls failed, %d differ\n",
                        what, i, own ? "own" : "shared", w[i].failures, w[i].mismatches);
        }
    }
    for (int k = 0; k < spg_ncalls; k++)
        if (shared_call(&spg_calls[k], a, d))
            free_outputs(&spg_calls[k], ref[k]);
    free(ref);
}

/* The backend's copy of host arguments a: the triplets and every input
 * array copied, its own plan of the triplets, the CPU's values in the view
 * of that plan's pattern. The plan's description and pattern are the
 * CPU's. */
static int backend_args(const args *a, args *d, const char *what)
{
    *d = *a;
    d->p[S_CTX] = ctx;
    const int in[] = {S_I, S_J, S_VALUES, S_X, S_Y, S_U, S_W, S_TRIP, S_DAX};
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++)
        d->p[in[k]] = up(a->p[in[k]], spg_slot_bytes(a, in[k]));
    d->coo.I = d->p[S_I], d->coo.J = d->p[S_J];
    d->p[S_PLAN] = NULL;
    d->p[S_SOLVER] = a->p[S_SOLVER] ? backend_solver(a) : NULL;
    spg_plan *plan = NULL;
    if (!CHECK_STATUS(spg_plan_create(ctx, &d->coo, a->flags, &plan), SPG_SUCCESS))
        return 0;
    d->p[S_PLAN] = plan;
    spg_plan_info hi, di;
    CHECK_STATUS(spg_plan_query(a->p[S_PLAN], &hi), SPG_SUCCESS);
    CHECK_STATUS(spg_plan_query(plan, &di), SPG_SUCCESS);
    CHECK(hi.backend == SPG_BACKEND_CPU && di.backend == be);
    CHECK(di.m == hi.m && di.n == hi.n && di.nnz_coo == hi.nnz_coo &&
          di.nnz_kept == hi.nnz_kept && di.nnz == hi.nnz && di.itype == hi.itype &&
          di.flags == hi.flags);
    spg_plan_csc(plan, a->dtype, d->p[S_VALUES], &d->A);
    d->p[S_COLPTR] = (void *)d->A.colptr, d->p[S_ROWIND] = (void *)d->A.rowind;
    const int pattern[] = {S_COLPTR, S_ROWIND};
    for (int k = 0; k < 2; k++) {
        const size_t len = spg_slot_bytes(a, pattern[k]);
        void *h = malloc(len + 1);
        spg_tool_get(be, h, d->p[pattern[k]], len);
        if (!CHECK(d->A.m == a->A.m && d->A.n == a->A.n && d->A.nnz == a->A.nnz) ||
            !CHECK(!memcmp(h, a->p[pattern[k]], len)))
            fprintf(stderr, "  %s: the backend's pattern differs\n", what);
        free(h);
    }
    return 1;
}

/* Releases what backend_args made. */
static void backend_free(args *d)
{
    const int in[] = {S_I, S_J, S_VALUES, S_X, S_Y, S_U, S_W, S_TRIP, S_DAX};
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++)
        drop(d->p[in[k]]);
    spg_plan_destroy(d->p[S_PLAN]);
    spg_solver_destroy(d->p[S_SOLVER]);
}

/* Array p (len bytes) on the backend equals host array h bit for bit. */
static int same_bits(const void *p, const void *h, size_t len)
{
    void *b = malloc(len + 1);
    if (!b)
        exit(2);
    spg_tool_get(be, b, p, len);
    const int same = !memcmp(b, h, len);
    free(b);
    return same;
}

/* Output s of the backend, put there from its seed: still the seed. */
static int unchanged(const args *a, int s, const void *where)
{
    void *h = seed(a, s, AS_IS);
    const int same = same_bits(where, h, spg_slot_bytes(a, s));
    free(h);
    return same;
}

/* Bad input gives the CPU's statuses: x NULL, a pattern matrix asked for
 * dA; the outputs stay as they were. */
static void bad_arguments(const args *a, const args *d)
{
    void *h = seed(a, S_OUT, AS_IS), *y = up(h, spg_slot_bytes(a, S_OUT));
    free(h);
    h = seed(a, S_DA, AS_IS);
    void *dA = up(h, spg_slot_bytes(a, S_DA));
    free(h);
    spg_csc A = d->A;
    CHECK_STATUS(spg_spmv(ctx, SPG_OP_N, 1.0, &A, NULL, 0.0, y),
                 a->A.n ? SPG_ERR_NULL_POINTER : SPG_SUCCESS);
    CHECK(!a->A.n || unchanged(a, S_OUT, y));
    A.values = NULL;
    CHECK_STATUS(spg_bilinear_pullback(ctx, &A, d->p[S_X], d->p[S_Y], 1.0, dA, NULL, NULL),
                 SPG_ERR_PATTERN_GRADIENT);
    CHECK(unchanged(a, S_DA, dA));
    drop(y), drop(dA);
}

/* y = 2 A x on the backend for the view A, back on the host in new memory */
static void *spmv_n_of(const args *a, const args *d, const spg_csc *A)
{
    const size_t len = spg_slot_bytes(a, S_OUT);
    void *h = seed(a, S_OUT, AS_IS), *y = up(h, len);
    CHECK_STATUS(spg_spmv(ctx, SPG_OP_N, 2.0, A, d->p[S_X], 0.0, y), SPG_SUCCESS);
    spg_tool_get(be, h, y, len);
    drop(y);
    return h;
}

/* A view filled by hand with the plan's arrays, bare and then with its own
 * analysis (spg_csc_analyse in a buffer of the backend's memory), gives
 * the plan view's A x bit for bit; a short or missing buffer is refused
 * with *an untouched. */
static void analysed_view(const args *a, const args *d)
{
    spg_csc bare = d->A;
    bare.analysis = NULL;
    size_t nb = 1;
    if (!CHECK_STATUS(spg_csc_analysis_bytes(ctx, &bare, &nb), SPG_SUCCESS))
        return;
    CHECK(be == SPG_BACKEND_CPU ? nb == 0 : nb > 0);
    void *zeros = calloc(nb + 1, 1), *buffer = up(zeros, nb + 1);
    spg_analysis *an = NULL, *none = (spg_analysis *)&nb;
    if (nb > 0) {
        CHECK_STATUS(spg_csc_analyse(ctx, &bare, buffer, nb - 1, &none), SPG_ERR_INVALID_VALUE);
        CHECK_STATUS(spg_csc_analyse(ctx, &bare, NULL, nb, &none), SPG_ERR_NULL_POINTER);
        CHECK(none == (spg_analysis *)&nb); /* untouched */
    }
    CHECK_STATUS(spg_csc_analyse(ctx, &bare, buffer, nb, &an), SPG_SUCCESS);
    spg_csc mine = bare;
    mine.analysis = an;
    void *y_plan = spmv_n_of(a, d, &d->A), *y_bare = spmv_n_of(a, d, &bare);
    void *y_mine = spmv_n_of(a, d, &mine);
    const size_t len = spg_slot_bytes(a, S_OUT);
    CHECK(!memcmp(y_plan, y_bare, len)); /* a bare view: the plan view's bits */
    CHECK(!memcmp(y_plan, y_mine, len)); /* an analysed view: the same */
    spg_analysis_destroy(an);
    free(y_plan), free(y_bare), free(y_mine), free(zeros);
    drop(buffer);
}

/* Runs one problem on both backends with every call of the table; with
 * extras 1 also from threads sharing the context, with 2 also under
 * allocation failures. */
static void run(const problem *p, spg_dtype dt, spg_itype it, unsigned flags, int extras)
{
    void *I = problem_index(p, p->I, it, 0), *J = problem_index(p, p->J, it, 0);
    const spg_coo coo = {p->m, p->n, p->nnz, it, I, J};
    char what[160];
    snprintf(what, sizeof what, "%.47s, %s, int%d, flags %u", p->name,
             dt == SPG_DOUBLE ? "double" : "float", it == SPG_INT32 ? 32 : 64, flags);
    args a, d;
    if (CHECK_STATUS(spg_args_make(cpu, &coo, flags, dt, RANK, 7, &a), SPG_SUCCESS)) {
        if (backend_args(&a, &d, what)) {
            for (int k = 0; k < spg_ncalls; k++) {
                if (!spg_call_runs(&spg_calls[k], &a))
                    continue;
                if (!spg_call_ready(&spg_calls[k], &d)) {
                    not_compared++;
                    continue;
                }
                compare_call(&spg_calls[k], &a, &d, what);
                if (extras == 2 && spg_calls[k].kind != SOLVE)
                    alloc_failures(&spg_calls[k], &a, &d, what);
            }
            bad_arguments(&a, &d);
            analysed_view(&a, &d);
            if (extras)
                shared_context(&a, &d, what);
        }
        backend_free(&d);
    }
    spg_args_free(&a);
    free(I), free(J);
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
        CHECK_STATUS(spg_plan_create(ctx, &dc, 0, &plan), want[c]);
        CHECK_STATUS(spg_plan_create(cpu, &hc, 0, &plan), want[c]);
        CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &dc, 0, SPG_DOUBLE, dx, dx, 1, ddV), want[c]);
        double dV[3];
        spg_tool_get(be, dV, ddV, sizeof dV);
        CHECK(!memcmp(dV, dV0, sizeof dV0));
        drop(dI), drop(ddV);
    }
    drop(dx), drop(dJ);
}

/* The problems: shapes square, tall and wide, duplicates, skipped
 * triplets, empty ones; both compressions. */
static void run_all(void)
{
    problem ps[] = {
        problem_random("square 9x9", 9, 9, 40, 0, 41),
        problem_random("tall 40x13 duplicates", 40, 13, 300, 0, 42),
        problem_random("wide 5x30 skipped", 5, 30, 90, 10, 43),
        problem_random("larger 700x500", 700, 500, 60000, 0, 44),
        problem_random("square 300x300", 300, 300, 5000, 1, 45),
        problem_new("0x0", 0, 0, 0),
        problem_new("0x5", 0, 5, 0),
        problem_new("5x0", 5, 0, 0),
        problem_new("4x3 no entries", 4, 3, 0),
    };
    const int n = (int)(sizeof ps / sizeof ps[0]);
    for (int i = 0; i < n; i++)
        for (int dt = 0; dt < 2; dt++)
            for (int it = 0; it < 2; it++) {
                unsigned flags = ps[i].has_negative ? SPG_SKIP_NEGATIVE : 0;
                flags |= (i + dt + it) % 3 == 0 ? SPG_COMPRESS_ROWS : 0;
                run(&ps[i], (spg_dtype)dt, (spg_itype)it, flags, i == 0 ? 2 : i == 4);
            }
    for (int i = 0; i < n; i++)
        problem_free(&ps[i]);
}

/* An 18M-triplet problem (fem2d-1000), where the device's grid-stride
 * loops wrap: the plan, assembly, its pullback and the COO bilinear
 * pullback give the bits of the CPU on one thread. */
static void large_problem(void)
{
    spg_fem2d fem;
    if (!CHECK(spg_fem2d_make(1000, &fem) == 0))
        return;
    const int64_t n = fem.nodes, N = fem.triplets;
    const spg_coo hc = {n, n, N, SPG_INT32, fem.I, fem.J};
    spg_coo dc = hc;
    dc.I = up(fem.I, (size_t)N * 4), dc.J = up(fem.J, (size_t)N * 4);
    spg_plan *hp = NULL, *dp = NULL;
    if (CHECK_STATUS(spg_plan_create(cpu, &hc, 0, &hp), SPG_SUCCESS) &&
        CHECK_STATUS(spg_plan_create(ctx, &dc, 0, &dp), SPG_SUCCESS)) {
        spg_csc H, A;
        spg_plan_csc(hp, SPG_DOUBLE, NULL, &H), spg_plan_csc(dp, SPG_DOUBLE, NULL, &A);
        const size_t nnz = (size_t)H.nnz;
        CHECK(A.nnz == H.nnz && same_bits(A.colptr, H.colptr, (size_t)(n + 1) * 4) &&
              same_bits(A.rowind, H.rowind, nnz * 4)); /* the pattern */
        double *hx = malloc(nnz * 8), *hv = calloc((size_t)N, 8), *x = malloc((size_t)n * 8);
        for (int64_t i = 0; i < n; i++)
            x[i] = 1.0 / (double)(i % 13 + 1);
        void *V = up(fem.V, (size_t)N * 8), *Ax = up(hx, nnz * 8), *dV = up(hv, (size_t)N * 8);
        void *dx = up(x, (size_t)n * 8);
        CHECK_STATUS(spg_assemble(cpu, hp, SPG_DOUBLE, fem.V, hx), SPG_SUCCESS);
        CHECK_STATUS(spg_assemble(ctx, dp, SPG_DOUBLE, V, Ax), SPG_SUCCESS);
        CHECK(same_bits(Ax, hx, nnz * 8)); /* assembly */
        CHECK_STATUS(spg_assemble_pullback(cpu, hp, SPG_DOUBLE, hx, hv), SPG_SUCCESS);
        CHECK_STATUS(spg_assemble_pullback(ctx, dp, SPG_DOUBLE, Ax, dV), SPG_SUCCESS);
        CHECK(same_bits(dV, hv, (size_t)N * 8)); /* its pullback */
        CHECK_STATUS(spg_coo_bilinear_pullback(cpu, &hc, 0, SPG_DOUBLE, x, x, 0.5, hv),
                     SPG_SUCCESS);
        CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &dc, 0, SPG_DOUBLE, dx, dx, 0.5, dV),
                     SPG_SUCCESS);
        CHECK(same_bits(dV, hv, (size_t)N * 8)); /* the COO pullback */
        drop(V), drop(Ax), drop(dV), drop(dx);
        free(hx), free(hv), free(x);
    }
    spg_plan_destroy(hp), spg_plan_destroy(dp);
    drop((void *)dc.I), drop((void *)dc.J);
    spg_fem2d_free(&fem);
}

int main(void)
{
    be = SPG_TEST_BACKEND;
    spg_status st = spg_context_create(be, &ctx);
    if (st == SPG_ERR_NO_DEVICE || st == SPG_ERR_NOT_BUILT) {
        printf("skipped: %s\n", spg_status_string(st));
        return 77;
    }
    if (!CHECK_STATUS(st, SPG_SUCCESS) ||
        !CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, &cpu), SPG_SUCCESS))
        return spg_test_done();
    CHECK_STATUS(spg_context_set_threads(cpu, 1), SPG_SUCCESS);
    if (be == SPG_BACKEND_CPU)
        CHECK_STATUS(spg_context_set_threads(ctx, 3), SPG_SUCCESS);
    run_all();
    bad_triplet_order();
    large_problem();
    if (not_compared)
        printf("%d solver calls not compared: the backend has no solver\n", not_compared);
    spg_context_destroy(ctx);
    spg_context_destroy(cpu);
    return spg_test_done();
}
