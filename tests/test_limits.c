/* The library's limits: thread counts it refuses and the teams it starts
 * (never so many that the OpenMP runtime ends the process), the work space
 * of plan creation, the status that bad triplets give in every call, what
 * a plan tells a binding about itself, and plans sorted with and without
 * SIMD on both sides of the row span its keys hold, and their entries found
 * with and without it; the sampled outer product by rows of U with
 * AVX-512 and by columns. */
#define _DEFAULT_SOURCE /* mmap */
#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "check.h"
#include "cpu/cpu.h"
#include "internal.h"
#include "testhook.h"

#if defined(__SANITIZE_ADDRESS__)
#define SPG_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPG_TEST_ASAN 1
#endif
#endif

enum { N_TRIPLETS = 100000, DIM = 3000 };

/* Counts above the library's bound or the runtime's limit are refused and
 * leave the context's count as it was. */
static void test_thread_counts(spg_context *ctx)
{
    CHECK_STATUS(spg_context_set_threads(ctx, INT_MAX), SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(spg_context_set_threads(ctx, SPG_MAX_THREADS + 1), SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(spg_context_set_threads(ctx, -1), SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(spg_context_set_threads(ctx, 0), SPG_SUCCESS);
    CHECK(spg_threads(ctx) >= 1 && spg_threads(ctx) <= SPG_MAX_THREADS);
#ifdef _OPENMP
    const int limit = omp_get_thread_limit(); /* OMP_THREAD_LIMIT, when set */
    if (limit < SPG_MAX_THREADS) {
        CHECK_STATUS(spg_context_set_threads(ctx, limit + 1), SPG_ERR_INVALID_VALUE);
        CHECK_STATUS(spg_context_set_threads(ctx, limit), SPG_SUCCESS);
        CHECK(spg_threads(ctx) == limit);
    } else {
        CHECK_STATUS(spg_context_set_threads(ctx, SPG_MAX_THREADS), SPG_SUCCESS);
        CHECK(spg_threads(ctx) == SPG_MAX_THREADS);
    }
#else
    CHECK_STATUS(spg_context_set_threads(ctx, SPG_MAX_THREADS), SPG_SUCCESS);
#endif
    CHECK_STATUS(spg_context_set_threads(ctx, INT_MAX), SPG_ERR_INVALID_VALUE);
    CHECK(spg_threads(ctx) > 1 || SPG_MAX_THREADS == 1);
}

/* Triplets of a random DIM x DIM pattern. */
static void random_triplets(int32_t *I, int32_t *J, int64_t count)
{
    spg_rng r = {42};
    for (int64_t k = 0; k < count; k++) {
        I[k] = (int32_t)spg_rng_below(&r, DIM);
        J[k] = (int32_t)spg_rng_below(&r, DIM);
    }
}

/* Every operation on N_TRIPLETS triplets with the largest thread count the
 * context accepts; 0 when each call succeeded. */
static int every_operation(spg_context *ctx)
{
    int32_t *I = malloc(N_TRIPLETS * sizeof *I), *J = malloc(N_TRIPLETS * sizeof *J);
    double *V = calloc(N_TRIPLETS, sizeof *V), *dV = calloc(N_TRIPLETS, sizeof *dV);
    double *U = calloc(4 * DIM, sizeof *U), *W = calloc(4 * DIM, sizeof *W);
    double *Ax = calloc(N_TRIPLETS, sizeof *Ax), *dA = calloc(N_TRIPLETS, sizeof *dA), f;
    spg_plan *plan = NULL;
    int bad = !I || !J || !V || !dV || !U || !W || !Ax || !dA;
    const spg_coo coo = {DIM, DIM, N_TRIPLETS, SPG_INT32, I, J};
    spg_csc A = {0};
    if (!bad) {
        random_triplets(I, J, N_TRIPLETS);
        bad |= spg_plan_create(ctx, &coo, 0, &plan) != SPG_SUCCESS;
    }
    if (!bad) {
        double *x = U, *y = W, *dx = U + DIM, *dy = W + DIM;
        spg_plan_csc(plan, SPG_DOUBLE, Ax, &A);
        bad |= spg_assemble(ctx, plan, SPG_DOUBLE, V, Ax) != SPG_SUCCESS;
        bad |= spg_assemble_pullback(ctx, plan, SPG_DOUBLE, dA, dV) != SPG_SUCCESS;
        bad |= spg_csc_check(ctx, &A) != SPG_SUCCESS;
        for (int op = SPG_OP_N; op <= SPG_OP_T; op++) {
            bad |= spg_spmv(ctx, (spg_op)op, 1, &A, x, 0, y) != SPG_SUCCESS;
            bad |= spg_spmv_pullback(ctx, (spg_op)op, 1, &A, x, dy, dA, dx) != SPG_SUCCESS;
            bad |= spg_coo_spmv_pullback(ctx, &coo, 0, (spg_op)op, SPG_DOUBLE, 1, x, dy, dV) !=
                   SPG_SUCCESS;
        }
        bad |= spg_bilinear(ctx, &A, x, y, &f) != SPG_SUCCESS;
        bad |= spg_bilinear_pullback(ctx, &A, x, y, 1, dA, dx, dy) != SPG_SUCCESS;
        bad |= spg_bilinear_value_and_grad(ctx, &A, x, y, &f, dA, dx, dy) != SPG_SUCCESS;
        bad |= spg_quadratic(ctx, &A, x, &f) != SPG_SUCCESS;
        bad |= spg_quadratic_pullback(ctx, &A, x, 1, dA, dx) != SPG_SUCCESS;
        bad |= spg_sampled_outer(ctx, &A, 4, U, DIM, W, DIM, 1, dA) != SPG_SUCCESS;
        bad |= spg_coo_sampled_outer(ctx, &coo, 0, SPG_DOUBLE, 4, U, DIM, W, DIM, 1, dV) !=
               SPG_SUCCESS;
        bad |= spg_coo_bilinear_pullback(ctx, &coo, 0, SPG_DOUBLE, x, y, 1, dV) != SPG_SUCCESS;
    }
    spg_plan_destroy(plan);
    free(I), free(J), free(V), free(dV), free(U), free(W), free(Ax), free(dA);
    return bad;
}

/* With the most threads allowed, every operation on a problem of 100,000
 * triplets runs in a child process under a 4 GiB address-space limit: it
 * must finish with success, not be ended by the OpenMP runtime failing to
 * start threads (which exits with status 1). Teams are bounded by the
 * work, so a problem this size starts at most 4 threads. */
static void test_many_threads(void)
{
    spg_context *ctx = NULL;
    if (!CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, &ctx), SPG_SUCCESS))
        return;
    int most = SPG_MAX_THREADS;
#ifdef _OPENMP
    most = omp_get_thread_limit() < most ? omp_get_thread_limit() : most;
#endif
    CHECK_STATUS(spg_context_set_threads(ctx, most), SPG_SUCCESS);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
#ifndef SPG_TEST_ASAN /* AddressSanitizer reserves far more address space */
        const struct rlimit as = {(rlim_t)4 << 30, (rlim_t)4 << 30};
        if (setrlimit(RLIMIT_AS, &as) != 0)
            _exit(3);
#endif
        _exit(every_operation(ctx) ? 2 : 0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    if (!CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        fprintf(stderr, "  child ended with %s %d (2: a call failed, 1: the runtime ended it)\n",
                WIFEXITED(status) ? "status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    CHECK(every_operation(ctx) == 0); /* and here, without the limit */
    spg_context_destroy(ctx);
}

/* Plan creation of one triplet in a matrix of many columns asks for the
 * plan's arrays (colptr of n + 1 among them) and one count per column
 * (n + 2), and little more. */
static void test_plan_work_space(spg_context *ctx)
{
    const int64_t wide = 1000000;
    int32_t I32[] = {0}, J32[] = {wide - 1};
    int64_t I64[] = {0}, J64[] = {wide - 1};
    const spg_coo coos[] = {{1, wide, 1, SPG_INT32, I32, J32},
                            {1, wide, 1, SPG_INT64, I64, J64},
                            {wide, 1, 1, SPG_INT32, J32, I32}};
    const unsigned flags[] = {0, 0, SPG_COMPRESS_ROWS};
    for (int c = 0; c < 3; c++) {
        const int64_t size = coos[c].itype == SPG_INT32 ? 4 : 8;
        spg_plan *plan = NULL;
        spg_alloc_bytes();
        CHECK_STATUS(spg_plan_create(ctx, &coos[c], flags[c], &plan), SPG_SUCCESS);
        const int64_t bytes = spg_alloc_bytes();
        CHECK(spg_plan_nnz(plan) == 1);
        if (!CHECK(bytes <= (2 * wide + 3) * size + (int64_t)sizeof(spg_plan) + 1024))
            fprintf(stderr, "  case %d: %lld bytes for %lld columns\n", c, (long long)bytes,
                    (long long)wide);
        spg_plan_destroy(plan);
    }
}

/* Bad triplets give the status of the first one in triplet order, in plan
 * creation and in every COO pullback alike, on one thread and on several,
 * with the two faults in I, or one in I and one in J either way round (plan
 * creation checks the columns in its count and the rows in its scatter);
 * dV stays untouched. */
static void test_bad_triplet_order(spg_context *ctx)
{
    const int32_t neg_first[] = {-1, 5, 0}, range_first[] = {5, -1, 0}, J[] = {0, 1, 2};
    const int32_t *rows[] = {neg_first, range_first};
    const int32_t faults[2][2] = {{-1, DIM}, {DIM, -1}}; /* the same in a DIM x DIM matrix */
    const spg_status want[] = {SPG_ERR_NEGATIVE_INDEX, SPG_ERR_INDEX_RANGE};
    int32_t *I = malloc(N_TRIPLETS * sizeof *I), *JJ = malloc(N_TRIPLETS * sizeof *JJ);
    double *x = calloc(DIM, sizeof *x), *dV = malloc(N_TRIPLETS * sizeof *dV);
    if (!CHECK(I && JJ && x && dV))
        goto done;
    for (int threads = 1; threads <= 3; threads++) {
        spg_context_set_threads(ctx, threads);
        for (int c = 0; c < 2; c++)
            for (int in_j = 0; in_j < 3; in_j++) { /* which fault is in J, if any */
                spg_coo small = {3, 3, 3, SPG_INT32, rows[c], J};
                random_triplets(I, JJ, N_TRIPLETS); /* the same faults far apart */
                (in_j == 1 ? JJ : I)[70001] = faults[c][0];
                (in_j == 2 ? JJ : I)[90001] = faults[c][1];
                spg_coo big = {DIM, DIM, N_TRIPLETS, SPG_INT32, I, JJ};
                const spg_coo *coos[] = {&small, &big};
                for (int s = 0; s < 2; s++) {
                    const spg_coo *coo = coos[s];
                    spg_plan *plan = NULL;
                    for (int64_t k = 0; k < coo->nnz; k++)
                        dV[k] = 7;
                    CHECK_STATUS(spg_plan_create(ctx, coo, 0, &plan), want[c]);
                    CHECK(plan == NULL);
                    CHECK(spg_coo_bilinear_pullback(ctx, coo, 0, SPG_DOUBLE, x, x, 1, dV) ==
                          want[c]);
                    CHECK(spg_coo_spmv_pullback(ctx, coo, 0, SPG_OP_T, SPG_DOUBLE, 1, x, x,
                                                dV) == want[c]);
                    CHECK(spg_coo_sampled_outer(ctx, coo, 0, SPG_DOUBLE, 1, x, DIM, x, DIM, 1,
                                                dV) == want[c]);
                    int same = 1;
                    for (int64_t k = 0; k < coo->nnz; k++)
                        same &= dV[k] == 7;
                    CHECK(same);
                }
            }
    }
    spg_context_set_threads(ctx, 0);
done:
    free(I), free(JJ), free(x), free(dV);
}

/* A bad row in the first block of triplets, the later blocks good, stops
 * plan creation (the scatter checks the rows) however the blocks meet the
 * threads: a thread each, or all on one thread, as in a call from inside
 * a parallel region. */
static void test_bad_row_first_block(spg_context *ctx)
{
    int32_t *I = malloc(N_TRIPLETS * sizeof *I), *J = malloc(N_TRIPLETS * sizeof *J);
    if (!CHECK(I && J))
        goto done;
    random_triplets(I, J, N_TRIPLETS);
    I[1001] = DIM;
    const spg_coo coo = {DIM, DIM, N_TRIPLETS, SPG_INT32, I, J};
    for (int threads = 1; threads <= 3; threads++) {
        spg_context_set_threads(ctx, threads);
        spg_plan *plan = NULL;
        CHECK_STATUS(spg_plan_create(ctx, &coo, 0, &plan), SPG_ERR_INDEX_RANGE);
        CHECK(plan == NULL);
#ifdef _OPENMP
        const int levels = omp_get_max_active_levels();
        omp_set_max_active_levels(1); /* the library's team inside is one thread */
        spg_status inner = SPG_SUCCESS;
#pragma omp parallel num_threads(2)
#pragma omp single
        inner = spg_plan_create(ctx, &coo, 0, &plan);
        omp_set_max_active_levels(levels);
        CHECK_STATUS(inner, SPG_ERR_INDEX_RANGE);
        CHECK(plan == NULL);
#endif
    }
    spg_context_set_threads(ctx, 0);
done:
    free(I), free(J);
}

/* A plan's flags go to the COO pullbacks as they are: SPG_COMPRESS_ROWS
 * changes nothing there. */
static void test_plan_flags_in_coo(spg_context *ctx)
{
    const int64_t I[] = {1, 3, 2, 3, -1}, J[] = {2, 1, 2, 1, 2};
    const double x[] = {1, 2, 3}, y[] = {5, 7};
    const spg_coo coo = {3, 2, 5, SPG_INT64, I, J};
    const unsigned base = SPG_ONE_BASED | SPG_SKIP_NEGATIVE;
    double plain[5] = {0}, rows[5] = {0};
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &coo, base, SPG_DOUBLE, x, y, 1, plain),
                 SPG_SUCCESS);
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &coo, base | SPG_COMPRESS_ROWS, SPG_DOUBLE, x,
                                           y, 1, rows),
                 SPG_SUCCESS);
    CHECK(plain[0] == 7 && plain[1] == 15 && plain[2] == 14 && plain[3] == 15 && plain[4] == 0);
    CHECK(memcmp(plain, rows, sizeof plain) == 0);
    CHECK_STATUS(spg_coo_spmv_pullback(ctx, &coo, base | SPG_COMPRESS_ROWS, SPG_OP_N,
                                       SPG_DOUBLE, 1, y, x, rows),
                 SPG_SUCCESS);
    CHECK(rows[0] == 7 + 7 && rows[1] == 15 + 15 && rows[4] == 0);
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &coo, base | 8u, SPG_DOUBLE, x, y, 1, rows),
                 SPG_ERR_INVALID_VALUE);
    spg_plan *plan = NULL;
    CHECK_STATUS(spg_plan_create(ctx, &coo, base | SPG_COMPRESS_ROWS, &plan), SPG_SUCCESS);
    spg_plan_info info;
    CHECK_STATUS(spg_plan_query(plan, &info), SPG_SUCCESS);
    double again[5] = {0};
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &coo, info.flags, SPG_DOUBLE, x, y, 1, again),
                 SPG_SUCCESS);
    CHECK(memcmp(plain, again, sizeof plain) == 0);
    spg_plan_destroy(plan);
}

/* spg_plan_query gives the shape as given, the triplet counts, the index
 * type, the flags and the backend. */
static void test_plan_query(spg_context *ctx)
{
    const int32_t I[] = {0, 4, 4, -1, 2}, J[] = {1, 0, 0, 1, 1};
    const spg_coo coo = {5, 2, 5, SPG_INT32, I, J};
    const unsigned flags[] = {SPG_SKIP_NEGATIVE, SPG_SKIP_NEGATIVE | SPG_COMPRESS_ROWS};
    spg_plan_info info = {0};
    for (int c = 0; c < 2; c++) {
        spg_plan *plan = NULL;
        if (!CHECK_STATUS(spg_plan_create(ctx, &coo, flags[c], &plan), SPG_SUCCESS))
            continue;
        CHECK_STATUS(spg_plan_query(plan, &info), SPG_SUCCESS);
        CHECK(info.m == 5 && info.n == 2);
        CHECK(info.nnz_coo == 5 && info.nnz_kept == 4 && info.nnz == 3);
        CHECK(info.nnz == spg_plan_nnz(plan));
        CHECK(info.itype == SPG_INT32 && info.flags == flags[c]);
        CHECK(info.backend == SPG_BACKEND_CPU);
        CHECK_STATUS(spg_plan_query(plan, NULL), SPG_ERR_NULL_POINTER);
        spg_plan_destroy(plan);
    }
    const spg_plan_info before = info;
    CHECK_STATUS(spg_plan_query(NULL, &info), SPG_ERR_NULL_POINTER);
    CHECK(memcmp(&before, &info, sizeof info) == 0);
}

/* What a plan gives, for comparing two plans: its arrays (int64), the
 * assembly of V and the pullback of dAx onto a copy of dV0. */
typedef struct plan_out {
    int64_t n, nnz, kept, N;
    int64_t *colptr, *rowind, *seg, *perm, *slot;
    double *Ax, *dV;
} plan_out;

/* The len indices of a (itype it) as int64. */
static int64_t *indices_copy(spg_itype it, const void *a, int64_t len)
{
    int64_t *c = malloc(((size_t)len + 1) * sizeof *c);
    if (!c)
        exit(2);
    for (int64_t q = 0; q < len; q++)
        c[q] = spg_iget(it, a, q);
    return c;
}

static plan_out plan_outputs(spg_context *ctx, const spg_coo *coo, unsigned flags,
                             const double *V, const double *dV0)
{
    plan_out o = {0};
    spg_plan *plan = NULL;
    if (!CHECK_STATUS(spg_plan_create(ctx, coo, flags, &plan), SPG_SUCCESS))
        return o;
    o.nnz = spg_plan_nnz(plan);
    o.Ax = calloc((size_t)o.nnz + 1, sizeof *o.Ax);
    o.dV = malloc((size_t)coo->nnz * sizeof *o.dV);
    double *dAx = malloc(((size_t)o.nnz + 1) * sizeof *dAx);
    if (!o.Ax || !o.dV || !dAx)
        exit(2);
    memcpy(o.dV, dV0, (size_t)coo->nnz * sizeof *o.dV);
    for (int64_t e = 0; e < o.nnz; e++)
        dAx[e] = (double)(e % 13 + 1) / 3.0;
    spg_csc A;
    CHECK_STATUS(spg_assemble(ctx, plan, SPG_DOUBLE, V, o.Ax), SPG_SUCCESS);
    CHECK_STATUS(spg_assemble_pullback(ctx, plan, SPG_DOUBLE, dAx, o.dV), SPG_SUCCESS);
    CHECK_STATUS(spg_plan_csc(plan, SPG_DOUBLE, o.Ax, &A), SPG_SUCCESS);
    o.n = A.n, o.kept = plan->nnz_kept, o.N = coo->nnz;
    o.colptr = indices_copy(A.itype, A.colptr, A.n + 1);
    o.rowind = indices_copy(A.itype, A.rowind, o.nnz);
    o.seg = indices_copy(A.itype, plan->seg, o.nnz + 1);
    o.perm = indices_copy(A.itype, plan->perm, o.kept);
    o.slot = indices_copy(A.itype, plan->slot, o.N);
    spg_plan_destroy(plan);
    free(dAx);
    return o;
}

static int same_outputs(const plan_out *a, const plan_out *b)
{
    const size_t nnz = (size_t)a->nnz, is = sizeof(int64_t);
    return a->colptr && b->colptr && a->n == b->n && a->nnz == b->nnz && a->kept == b->kept &&
           !memcmp(a->colptr, b->colptr, (size_t)(a->n + 1) * is) &&
           !memcmp(a->rowind, b->rowind, nnz * is) && !memcmp(a->seg, b->seg, (nnz + 1) * is) &&
           !memcmp(a->perm, b->perm, (size_t)a->kept * is) &&
           !memcmp(a->slot, b->slot, (size_t)a->N * is) &&
           !memcmp(a->Ax, b->Ax, nnz * sizeof *a->Ax) &&
           !memcmp(a->dV, b->dV, (size_t)a->N * sizeof *a->dV);
}

static void plan_out_free(plan_out *o)
{
    free(o->colptr), free(o->rowind), free(o->seg), free(o->perm), free(o->slot);
    free(o->Ax), free(o->dV);
}

/* Triplets in both index types, with values whose sums round (so that
 * the order of duplicates shows) and a start for dV. */
typedef struct simd_triplets {
    int64_t N, *I, *J;
    int32_t *I32, *J32;
    double *V, *dV0;
} simd_triplets;

static simd_triplets simd_triplets_new(int64_t N)
{
    const size_t n = (size_t)N;
    simd_triplets t = {N, malloc(n * sizeof(int64_t)), malloc(n * sizeof(int64_t)),
                       malloc(n * sizeof(int32_t)), malloc(n * sizeof(int32_t)),
                       malloc(n * sizeof(double)), malloc(n * sizeof(double))};
    if (!t.I || !t.J || !t.I32 || !t.J32 || !t.V || !t.dV0)
        exit(2);
    return t;
}

static void simd_triplet_put(simd_triplets *t, int64_t k, int64_t i, int64_t j)
{
    t->I[k] = i, t->J[k] = j;
    t->I32[k] = (int32_t)i, t->J32[k] = (int32_t)j;
    t->V[k] = (k % 2 ? -1.0 : 1.0) * (double)(k % 97 + 1) / 7.0;
    t->dV0[k] = (double)(k % 5) / 9.0;
}

static void simd_triplets_free(simd_triplets *t)
{
    free(t->I), free(t->J), free(t->I32), free(t->J32), free(t->V), free(t->dV0);
}

/* Plans of the m x n triplets t, in both index types, made with each SIMD
 * level the hook allows give the arrays and bits of one made without SIMD
 * (rows spanning span, for the report). */
static void levels_agree(spg_context *ctx, const simd_triplets *t, int64_t m, int64_t n,
                         int64_t span)
{
    for (int it = 0; it < 2; it++) {
        const spg_coo coo = {m, n, t->N, it ? SPG_INT64 : SPG_INT32,
                             it ? (const void *)t->I : t->I32, it ? (const void *)t->J : t->J32};
        spg_simd_allow(SPG_SIMD_NONE);
        plan_out scalar = plan_outputs(ctx, &coo, 0, t->V, t->dV0);
        for (int level = SPG_SIMD_AVX2; level <= SPG_SIMD_AVX512; level++) {
            spg_simd_allow(level);
            plan_out simd = plan_outputs(ctx, &coo, 0, t->V, t->dV0);
            if (!CHECK(same_outputs(&scalar, &simd)))
                fprintf(stderr, "  SIMD level %d, rows spanning %lld, itype %d\n", level,
                        (long long)span, it);
            plan_out_free(&simd);
        }
        plan_out_free(&scalar);
    }
}

/* The two instances of src/cpu/sort64.c (cpu.h declares them per index
 * type, for the library's own files). */
int spg_cpu_sort64_i32(int32_t *r, int32_t *k, int64_t len, int simd);
int spg_cpu_sort64_i64(int64_t *r, int64_t *k, int64_t len, int simd);

/* Sorts one column of len pairs in the index type it (1: int64) with the
 * SIMD sort of level simd: rows lo + (a random pool of offsets up to span,
 * holding 0 and span), triplet numbers ascending. 1 when it sorted them as
 * a stable sort by row does, or refused them (span 2^25 - 1 or more) and
 * left them as they were. */
static int sort64_matches(spg_rng *g, int simd, int it, int64_t len, int64_t lo, int64_t span)
{
    int64_t r[64], k[64], want_r[64], want_k[64], pool[64], r0[64], k0[64];
    const int64_t npool = 1 + spg_rng_below(g, len);
    for (int64_t a = 0; a < npool; a++)
        pool[a] = lo + (a == 0 ? 0 : a == 1 ? span : spg_rng_below(g, span + 1));
    for (int64_t q = 0, kq = 0; q < len; q++) {
        r[q] = q == 0 ? lo : q == len - 1 ? lo + span : pool[spg_rng_below(g, npool)];
        kq += 1 + spg_rng_below(g, 3);
        k[q] = kq;
    }
    for (int64_t q = 0; q < len; q++) { /* stable insertion sort by row */
        int64_t p = q;
        for (; p > 0 && want_r[p - 1] > r[q]; p--)
            want_r[p] = want_r[p - 1], want_k[p] = want_k[p - 1];
        want_r[p] = r[q], want_k[p] = k[q];
    }
    const size_t bytes = (size_t)len * sizeof *r;
    memcpy(r0, r, bytes), memcpy(k0, k, bytes);
    const int sorts = (len > 1 ? span : 0) < ((int64_t)1 << 25) - 1; /* the rows' span */
    int done;
    if (it) {
        done = spg_cpu_sort64_i64(r, k, len, simd);
    } else {
        int32_t r32[64], k32[64];
        for (int64_t q = 0; q < len; q++)
            r32[q] = (int32_t)r[q], k32[q] = (int32_t)k[q];
        done = spg_cpu_sort64_i32(r32, k32, len, simd);
        for (int64_t q = 0; q < len; q++)
            r[q] = r32[q], k[q] = k32[q];
    }
    if (!sorts)
        return !done && !memcmp(r, r0, bytes) && !memcmp(k, k0, bytes);
    return done && !memcmp(r, want_r, bytes) && !memcmp(k, want_k, bytes);
}

/* The SIMD sorts themselves, each level the processor has (AVX2, and
 * AVX-512 for 32-bit indices): 16 random columns of each length from 1 to
 * 64 for each span, in both index types, the lowest row past 2^32 in the
 * int64 one. */
static void test_sort64(void)
{
    const int most = spg_cpu_simd();
#if defined(__x86_64__) && defined(__GNUC__)
    CHECK(most == (!__builtin_cpu_supports("avx2")      ? SPG_SIMD_NONE
                   : __builtin_cpu_supports("avx512f") ? SPG_SIMD_AVX512
                                                       : SPG_SIMD_AVX2));
#endif
    if (most < SPG_SIMD_AVX512)
        fprintf(stderr, "  no %s here: test_sort64 runs %s\n", most ? "AVX-512" : "AVX2",
                most ? "AVX2 only" : "nothing");
    const int64_t limit = (int64_t)1 << 25;
    const int64_t spans[] = {0, 3, 100, 20000, limit - 2, limit - 1, limit, (int64_t)1 << 30};
    spg_rng g = {5};
    for (int simd = SPG_SIMD_AVX2; simd <= most; simd++)
        for (size_t s = 0; s < sizeof spans / sizeof spans[0]; s++)
            for (int it = 0; it < 2; it++) {
                int ok = 1;
                for (int64_t len = 1; len <= 64; len++)
                    for (int rep = 0; rep < 16; rep++) {
                        const int64_t lo = (it ? (int64_t)1 << 40 : 0) + spg_rng_below(&g, 1000);
                        ok &= sort64_matches(&g, simd, it, len, lo, spans[s]);
                    }
                if (!CHECK(ok))
                    fprintf(stderr, "  SIMD level %d, rows spanning %lld, itype %d\n", simd,
                            (long long)spans[s], it);
            }
}

/* Columns of 33 to 64 triplets are sorted with AVX2 or AVX-512 where the
 * processor has them (src/cpu/sort64.c), on keys that hold rows spanning
 * less than 2^25 - 1. Plans made with each level the hook allows and
 * without SIMD give the same pattern, and the same bits
 * of assembly and pullback (values whose sums round, so the order of
 * duplicates shows), for column lengths around 33 and 64 and rows spanning
 * up to and past that limit; every column holds its lowest and highest row
 * and repeats a few rows, and the columns' triplets are interleaved. */
static void test_simd_sort(spg_context *ctx)
{
    enum { NCOL = 7, POOL = 6 };
    const int64_t lens[NCOL] = {1, 32, 33, 40, 63, 64, 65};
    const int64_t limit = (int64_t)1 << 25;
    const int64_t spans[] = {0, 5, 3000, limit - 2, limit - 1, limit, (int64_t)1 << 30};
    int64_t N = 0;
    for (int c = 0; c < NCOL; c++)
        N += lens[c];
    simd_triplets t = simd_triplets_new(N);
    if (spg_cpu_simd() < SPG_SIMD_AVX512)
        fprintf(stderr, "  no %s here: test_simd_sort's plans sort without it\n",
                spg_cpu_simd() ? "AVX-512" : "AVX2");
    spg_rng g = {11};
    for (size_t s = 0; s < sizeof spans / sizeof spans[0]; s++) {
        const int64_t span = spans[s];
        int64_t pool[NCOL][POOL], left[NCOL], k = 0;
        for (int c = 0; c < NCOL; c++) {
            pool[c][0] = 10 * c, pool[c][1] = 10 * c + span;
            for (int a = 2; a < POOL; a++)
                pool[c][a] = 10 * c + spg_rng_below(&g, span + 1);
            left[c] = lens[c];
        }
        while (k < N) /* a triplet of each unfinished column in turn */
            for (int c = 0; c < NCOL; c++) {
                if (left[c] == 0)
                    continue;
                const int64_t q = lens[c] - left[c]--; /* the first two: lowest, highest */
                simd_triplet_put(&t, k++, pool[c][q < 2 ? q : spg_rng_below(&g, POOL)], c);
            }
        levels_agree(ctx, &t, 10 * NCOL + span, NCOL, span);
    }
    simd_triplets_free(&t);
}

/* The entries of sorted columns are found 16 places at a time with
 * AVX-512 (src/cpu/segments.c). Plans made with each level the hook allows
 * and without SIMD give the same arrays and bits, on columns of 0 to 70
 * triplets and of 300, interleaved. Their rows come from {0, 1, 2}, so
 * that runs of equal rows cross the blocks of 16 places; every fifth
 * column's rows are all 1, and the next one's come from {1, 2}, so that it
 * starts with the last row of the column before. */
static void test_simd_segments(spg_context *ctx)
{
    enum { NCOL = 73 };
    int64_t left[NCOL], N = 0;
    for (int c = 0; c < NCOL; c++) {
        left[c] = c < 71 ? c : (c == 71 ? 300 : 0);
        N += left[c];
    }
    simd_triplets t = simd_triplets_new(N);
    if (spg_cpu_simd() < SPG_SIMD_AVX512)
        fprintf(stderr, "  no AVX-512 here: test_simd_segments's plans find entries without it\n");
    spg_rng g = {5};
    for (int64_t k = 0; k < N;)
        for (int c = 0; c < NCOL; c++) {
            if (left[c] == 0)
                continue;
            left[c]--;
            const int64_t i = c % 5 == 0   ? 1
                              : c % 5 == 1 ? 1 + spg_rng_below(&g, 2)
                                           : spg_rng_below(&g, 3);
            simd_triplet_put(&t, k++, i, c);
        }
    levels_agree(ctx, &t, 3, NCOL, 2);
    simd_triplets_free(&t);
}

/* The double instances of src/cpu/outer.c (cpu.h declares them per value
 * and index type, for the library's own files); spg_cpu_outer_rows is
 * built on x86-64 with GCC or Clang (SPG_OUTER_ROWS). */
#if defined(__x86_64__) && defined(__GNUC__)
#define SPG_TEST_OUTER_ROWS 1
#endif
int64_t spg_cpu_outer_ring_f64_i32(int64_t m);
int64_t spg_cpu_outer_rows_f64_i32(const spg_csc *A, int64_t k, const double *U, int64_t ldu,
                                   const double *V, int64_t ldv, double alpha, double *dA,
                                   int64_t j0, int64_t j1, double *rows, int64_t size);
int64_t spg_cpu_outer_rows_f64_i64(const spg_csc *A, int64_t k, const double *U, int64_t ldu,
                                   const double *V, int64_t ldv, double alpha, double *dA,
                                   int64_t j0, int64_t j1, double *rows, int64_t size);

/* An n x n band for the sampled outer product by rows: column j holds the
 * rows j - W, j - W/2, j - 1, j, j + 1, j + W/2, j + W in range, and after
 * each of j - W, j - W/2, j + 1 and j + W/2, at random, the row 2 further
 * on. Every 13th column is empty, and so are columns 20000 to 20149 and
 * the last 40 (blocks of columns with no entry); every 700th column also
 * holds row n - 1 - j % 5, so that its block of columns spans more rows
 * than a ring holds. Returns the column's length, its rows ascending. */
enum { OUTER_N = 40000, OUTER_W = 3000 };
static int64_t outer_band(int64_t j, int64_t *rows, spg_rng *g)
{
    const int64_t off[] = {-OUTER_W, -OUTER_W / 2, -1, 0, 1, OUTER_W / 2, OUTER_W};
    const int extra[] = {1, 1, 0, 0, 1, 1, 0};
    int64_t len = 0;
    if (j % 13 == 0 || (j >= 20000 && j < 20150) || j >= OUTER_N - 40)
        return 0;
    for (int a = 0; a < 7; a++) {
        const int64_t i = j + off[a];
        if (i >= 0 && i < OUTER_N)
            rows[len++] = i;
        if (extra[a] && i + 2 >= 0 && i + 2 < OUTER_N && spg_rng_below(g, 2))
            rows[len++] = i + 2;
    }
    if (j % 700 == 1 && rows[len - 1] < OUTER_N - 1 - j % 5)
        rows[len++] = OUTER_N - 1 - j % 5;
    return len;
}

/* dA_p + alpha sum_r U_{i r} V_{j r}, the sum in the order of r */
static double outer_ref(const double *U, int64_t ldu, const double *V, int64_t ldv, int64_t k,
                        int64_t i, int64_t j, double alpha, double dA0)
{
    double t = U[i] * V[j];
    for (int64_t r = 1; r < k; r++)
        t += U[i + r * ldu] * V[j + r * ldv];
    return dA0 + alpha * t;
}

/* Ranks 6 to 8 in double go by rows of U with AVX-512 (src/cpu/outer.c):
 * on the band above, in both index types, on 1 and 3 threads, with
 * leading dimensions beyond m and n, the product gives the bits of the sum
 * in the order of r with and without SIMD. Called directly, the kernel
 * takes most entries by rows (its ring wraps: n is beyond its rows) and the
 * far blocks by columns. */
static void test_simd_outer(spg_context *ctx)
{
    const int64_t n = OUTER_N, ldu = n + 3, ldv = n + 1, K = 8;
    const int64_t most = 12 * n; /* a column holds at most 7 + 4 + 1 rows */
    int64_t *colptr = malloc((n + 1) * sizeof(int64_t)), *rowind = malloc(most * sizeof(int64_t));
    int32_t *colptr32 = malloc((n + 1) * sizeof(int32_t));
    int32_t *rowind32 = malloc(most * sizeof(int32_t));
    double *U = malloc(ldu * K * sizeof(double)), *V = malloc(ldv * K * sizeof(double));
    if (!colptr || !rowind || !colptr32 || !rowind32 || !U || !V)
        exit(2);
    spg_rng g = {23};
    colptr[0] = 0;
    for (int64_t j = 0; j < n; j++)
        colptr[j + 1] = colptr[j] + outer_band(j, rowind + colptr[j], &g);
    const int64_t nnz = colptr[n];
    for (int64_t j = 0; j <= n; j++)
        colptr32[j] = (int32_t)colptr[j];
    for (int64_t p = 0; p < nnz; p++)
        rowind32[p] = (int32_t)rowind[p];
    for (int64_t q = 0; q < ldu * K; q++)
        U[q] = spg_rng_unit(&g) - 0.5;
    for (int64_t q = 0; q < ldv * K; q++)
        V[q] = spg_rng_unit(&g) - 0.5;
    double *dA0 = malloc(nnz * sizeof(double)), *ref = malloc(nnz * sizeof(double));
    double *dA = malloc(nnz * sizeof(double)), *values = calloc(nnz, sizeof(double));
    const int64_t size = spg_cpu_outer_ring_f64_i32(n);
    double *ring = aligned_alloc(64, size * 8 * sizeof(double));
    if (!dA0 || !ref || !dA || !values || !ring)
        exit(2);
    for (int64_t p = 0; p < nnz; p++)
        dA0[p] = spg_rng_unit(&g) - 0.5;
    const int avx512 = spg_cpu_simd() >= SPG_SIMD_AVX512;
    if (!avx512)
        fprintf(stderr, "  no AVX-512 here: test_simd_outer's products go by columns\n");
    for (int64_t k = 6; k <= K; k++) {
        const double alpha = -0.75;
        for (int64_t j = 0; j < n; j++)
            for (int64_t p = colptr[j]; p < colptr[j + 1]; p++)
                ref[p] = outer_ref(U, ldu, V, ldv, k, rowind[p], j, alpha, dA0[p]);
        for (int it = 0; it < 2; it++) {
            const spg_csc A = {n, n, nnz, it ? SPG_INT64 : SPG_INT32,
                               it ? (const void *)colptr : colptr32,
                               it ? (const void *)rowind : rowind32, SPG_DOUBLE, values, NULL};
            for (int level = SPG_SIMD_NONE; level <= SPG_SIMD_AVX512; level += 2)
                for (int threads = 1; threads <= 3; threads += 2) {
                    spg_simd_allow(level);
                    spg_context_set_threads(ctx, threads);
                    memcpy(dA, dA0, nnz * sizeof(double));
                    CHECK_STATUS(spg_sampled_outer(ctx, &A, k, U, ldu, V, ldv, alpha, dA),
                                 SPG_SUCCESS);
                    if (!CHECK(!memcmp(dA, ref, nnz * sizeof(double))))
                        fprintf(stderr, "  k %lld, itype %d, SIMD level %d, %d threads\n",
                                (long long)k, it, level, threads);
                }
#ifdef SPG_TEST_OUTER_ROWS
            if (!avx512)
                continue;
            memcpy(dA, dA0, nnz * sizeof(double));
            const int64_t by_rows =
                it ? spg_cpu_outer_rows_f64_i64(&A, k, U, ldu, V, ldv, alpha, dA, 0, n, ring, size)
                   : spg_cpu_outer_rows_f64_i32(&A, k, U, ldu, V, ldv, alpha, dA, 0, n, ring, size);
            CHECK(!memcmp(dA, ref, nnz * sizeof(double)));
            if (!CHECK(by_rows > nnz / 2 && by_rows < nnz))
                fprintf(stderr, "  k %lld: %lld of %lld entries by rows\n", (long long)k,
                        (long long)by_rows, (long long)nnz);
#endif
        }
    }
    spg_simd_allow(SPG_SIMD_AVX512);
    spg_context_set_threads(ctx, 0);
    free(colptr), free(rowind), free(colptr32), free(rowind32), free(U), free(V);
    free(dA0), free(ref), free(dA), free(values), free(ring);
}

/* The 32-bit instance of src/cpu/segments.c */
void spg_cpu_segments_i32(const int32_t *row, const int32_t *start, const int32_t *colptr,
                          int64_t j0, int64_t j1, int32_t *rowind, int32_t *seg, int simd);

/* A column whose places end at INT32_MAX, the most a 32-bit plan holds:
 * its last block of 16 places must not step the place past the type. The
 * rows live in a mapping of 8 GiB that is reserved, not committed; only
 * the column's pages are touched. Each length gives its runs of 3 equal
 * rows as entries, with every level. */
static void test_segments_at_int32_max(void)
{
    const size_t bytes = ((size_t)INT32_MAX + 1) * sizeof(int32_t);
    int32_t *row = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (row == MAP_FAILED) {
        fprintf(stderr, "  no 8 GiB of address space: test_segments_at_int32_max not run\n");
        return;
    }
    const int32_t lens[] = {1, 5, 15, 16, 17, 33};
    for (size_t c = 0; c < sizeof lens / sizeof lens[0]; c++) {
        const int32_t start[2] = {INT32_MAX - lens[c], INT32_MAX}, colptr[1] = {0};
        for (int32_t q = 0; q < lens[c]; q++)
            row[start[0] + q] = q / 3;
        const size_t d = (size_t)(lens[c] + 2) / 3; /* runs of 3 */
        int32_t want_r[33], want_s[33];
        spg_cpu_segments_i32(row, start, colptr, 0, 1, want_r, want_s, SPG_SIMD_NONE);
        for (size_t e = 0; e < d; e++)
            CHECK(want_r[e] == (int32_t)e && want_s[e] == start[0] + 3 * (int32_t)e);
        for (int level = SPG_SIMD_AVX2; level <= spg_cpu_simd(); level++) {
            int32_t r[34], s[34]; /* one past the entries: untouched */
            r[d] = s[d] = -7;
            spg_cpu_segments_i32(row, start, colptr, 0, 1, r, s, level);
            if (!CHECK(!memcmp(r, want_r, d * sizeof *r) && !memcmp(s, want_s, d * sizeof *s) &&
                       r[d] == -7 && s[d] == -7))
                fprintf(stderr, "  length %d, SIMD level %d\n", lens[c], level);
        }
    }
    munmap(row, bytes);
}

int main(void)
{
    spg_context *ctx = NULL;
    if (!CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, &ctx), SPG_SUCCESS))
        return spg_test_done();
    test_thread_counts(ctx);
    spg_context_set_threads(ctx, 0);
    test_many_threads();
    test_plan_work_space(ctx);
    test_bad_triplet_order(ctx);
    test_bad_row_first_block(ctx);
    test_plan_flags_in_coo(ctx);
    test_plan_query(ctx);
    test_sort64();
    test_simd_sort(ctx);
    test_simd_segments(ctx);
    test_segments_at_int32_max();
    test_simd_outer(ctx);
    spg_context_destroy(ctx);
    return spg_test_done();
}
