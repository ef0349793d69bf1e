/* Every error path: the status names the fault, outputs are untouched and
 * nothing leaks (the sanitizer build checks the leaks). Allocation failures
 * are injected at each allocation of each call in turn. On the backend that
 * the command line names (dev.h). */
#include <stdlib.h>

#include "check.h"
#include "dev.h"
#include "internal.h"
#include "testhook.h"

static spg_plan *const untouched_plan = (spg_plan *)&spg_test_passed; /* never freed */
static void *const untouched_values = (void *)&spg_test_passed;

/* V of the plans made with their first values (at most 8 triplets below),
 * registered by main. */
static double first_V[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* Plan creation with flags, alone or (assemble) with its first values. */
static spg_status create(spg_context *ctx, const spg_coo *coo, unsigned flags, int assemble,
                         spg_plan **plan, void **Ax)
{
    if (assemble)
        return DEV(spg_plan_create_assemble(ctx, dev_coo(coo), flags, SPG_DOUBLE, dv(first_V),
                                            plan, Ax));
    return DEV(spg_plan_create(ctx, dev_coo(coo), flags, plan));
}

/* That creation fails with want and leaves the outputs as they were. */
static void create_fails(spg_context *ctx, const spg_coo *coo, unsigned flags, int assemble,
                         spg_status want, const char *what)
{
    spg_plan *plan = untouched_plan;
    void *Ax = untouched_values;
    spg_status st = create(ctx, coo, flags, assemble, &plan, &Ax);
    if (!CHECK(st == want) || !CHECK(plan == untouched_plan) || !CHECK(Ax == untouched_values))
        fprintf(stderr, "  %s%s: got %d (%s), wanted %d\n", what, assemble ? ", with values" : "",
                st, spg_status_string(st), want);
}

/* Plan creation fails with want, alone and with its first values. */
static void plan_fails(spg_context *ctx, const spg_coo *coo, unsigned flags, spg_status want,
                       const char *what)
{
    create_fails(ctx, coo, flags, 0, want, what);
    create_fails(ctx, coo, flags, 1, want, what);
}

static void test_status_strings(void)
{
    const char *unknown = spg_status_string((spg_status)-999);
    CHECK(unknown && strstr(unknown, "unknown"));
    for (int s = SPG_ERR_NOT_FACTORED; s <= SPG_SUCCESS; s++) {
        const char *str = spg_status_string((spg_status)s);
        CHECK(str && str != unknown && strlen(str) > 5);
        for (int t = s + 1; t <= SPG_SUCCESS; t++)
            CHECK(strcmp(str, spg_status_string((spg_status)t)) != 0);
    }
    CHECK(strcmp(spg_version(), "0.1.0") == 0);
}

/* No driver or no GPU: no device (the GPU tests skip); a driver that
 * cannot serve the runtime: a device error (they fail). */
static void test_device_probe(void)
{
    CHECK(spg_device_probe(1, 1, 13000) == SPG_SUCCESS);
    CHECK(spg_device_probe(1, 0, 13000) == SPG_ERR_NO_DEVICE);
    CHECK(spg_device_probe(0, 0, 0) == SPG_ERR_NO_DEVICE);
    CHECK(spg_device_probe(0, 0, 12020) == SPG_ERR_DEVICE);
}

static void test_context(void)
{
    spg_context *ctx = (spg_context *)untouched_plan;
    CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, NULL), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_context_create((spg_backend)7, &ctx), SPG_ERR_INVALID_VALUE);
    spg_status st = spg_context_create(SPG_BACKEND_CUDA, &ctx);
    CHECK(st == SPG_ERR_NOT_BUILT || st == SPG_ERR_NO_DEVICE || st == SPG_SUCCESS);
    if (st == SPG_SUCCESS)
        spg_context_destroy(ctx);
    else
        CHECK(ctx == (spg_context *)untouched_plan);
    CHECK_STATUS(spg_context_set_threads(NULL, 1), SPG_ERR_NULL_POINTER);
    spg_backend b = (spg_backend)7;
    CHECK_STATUS(spg_context_backend(NULL, &b), SPG_ERR_NULL_POINTER);
    CHECK(b == (spg_backend)7);
    CHECK_STATUS(spg_context_create(SPG_BACKEND_CPU, &ctx), SPG_SUCCESS);
    CHECK_STATUS(spg_context_backend(ctx, NULL), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_context_backend(ctx, &b), SPG_SUCCESS);
    CHECK(b == SPG_BACKEND_CPU);
    spg_context_destroy(ctx);
    spg_context_destroy(NULL);
    spg_plan_destroy(NULL);
    CHECK(spg_plan_nnz(NULL) == -1);
}

static void test_plan_arguments(spg_context *ctx)
{
    int32_t I[] = {0, 1, 2}, J[] = {1, 1, 0};
    int64_t I64[] = {0, 1, 2}, J64[] = {1, 1, 0};
    int64_t Ibig[] = {1, 2, 4}, Jneg[] = {1, -1, 2}, J123[] = {1, 2, 3};
    const int mark = dev_mark();
    dev_reg(I, sizeof I), dev_reg(J, sizeof J), dev_reg(I64, sizeof I64), dev_reg(J64, sizeof J64);
    dev_reg(Ibig, sizeof Ibig), dev_reg(Jneg, sizeof Jneg), dev_reg(J123, sizeof J123);
    const spg_coo ok = {3, 2, 3, SPG_INT32, I, J};
    spg_coo c;
    spg_plan *plan = untouched_plan;

    CHECK_STATUS(spg_context_set_threads(ctx, -1), SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(DEV(spg_plan_create(NULL, dev_coo(&ok), 0, &plan)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_plan_create(ctx, NULL, 0, &plan)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_plan_create(ctx, dev_coo(&ok), 0, NULL)), SPG_ERR_NULL_POINTER);
    CHECK(plan == untouched_plan);
    void *Ax = untouched_values;
    CHECK_STATUS(DEV(spg_plan_create_assemble(NULL, dev_coo(&ok), 0, SPG_DOUBLE, dv(first_V),
                                              &plan, &Ax)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_plan_create_assemble(ctx, NULL, 0, SPG_DOUBLE, dv(first_V), &plan, &Ax)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_plan_create_assemble(ctx, dev_coo(&ok), 0, SPG_DOUBLE, NULL, &plan, &Ax)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_plan_create_assemble(ctx, dev_coo(&ok), 0, SPG_DOUBLE, dv(first_V), NULL,
                                              &Ax)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_plan_create_assemble(ctx, dev_coo(&ok), 0, SPG_DOUBLE, dv(first_V),
                                              &plan, NULL)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_plan_create_assemble(ctx, dev_coo(&ok), 0, (spg_dtype)2, dv(first_V),
                                              &plan, &Ax)), SPG_ERR_INVALID_VALUE);
    CHECK(plan == untouched_plan && Ax == untouched_values);
    plan_fails(ctx, &ok, 8, SPG_ERR_INVALID_VALUE, "unknown flag");
    c = ok, c.itype = (spg_itype)2;
    plan_fails(ctx, &c, 0, SPG_ERR_INVALID_VALUE, "unknown index type");
    c = ok, c.m = -1;
    plan_fails(ctx, &c, 0, SPG_ERR_DIMENSION, "m < 0");
    c = ok, c.n = -3;
    plan_fails(ctx, &c, 0, SPG_ERR_DIMENSION, "n < 0");
    c = ok, c.n = INT64_MAX;
    plan_fails(ctx, &c, 0, SPG_ERR_DIMENSION, "n + 1 overflows");
    c = ok, c.nnz = -1;
    plan_fails(ctx, &c, 0, SPG_ERR_INVALID_VALUE, "nnz < 0");
    c = ok, c.I = NULL;
    plan_fails(ctx, &c, 0, SPG_ERR_NULL_POINTER, "I NULL");
    c = ok, c.J = NULL;
    plan_fails(ctx, &c, 0, SPG_ERR_NULL_POINTER, "J NULL");
    c = ok, c.nnz = (int64_t)INT32_MAX + 1; /* rejected before the arrays are read */
    plan_fails(ctx, &c, 0, SPG_ERR_INDEX_OVERFLOW, "int32 cannot count the triplets");

    /* indices: out of range after the one-based shift, negative */
    c = ok, c.m = 2;
    plan_fails(ctx, &c, 0, SPG_ERR_INDEX_RANGE, "row == m");
    c = ok, c.n = 1;
    plan_fails(ctx, &c, 0, SPG_ERR_INDEX_RANGE, "column == n");
    plan_fails(ctx, &ok, SPG_ONE_BASED, SPG_ERR_INDEX_RANGE, "one-based 0");
    c = ok, c.m = 0, c.n = 0;
    plan_fails(ctx, &c, 0, SPG_ERR_INDEX_RANGE, "0 x 0 with triplets");
    c = (spg_coo){3, 3, 3, SPG_INT64, Ibig, J64};
    plan_fails(ctx, &c, SPG_ONE_BASED, SPG_ERR_INDEX_RANGE, "one-based m + 1");
    c = (spg_coo){3, 3, 3, SPG_INT64, I64, Jneg};
    plan_fails(ctx, &c, 0, SPG_ERR_NEGATIVE_INDEX, "negative column without skip");
    plan_fails(ctx, &c, SPG_COMPRESS_ROWS, SPG_ERR_NEGATIVE_INDEX, "negative column, by rows");
    c = (spg_coo){3, 3, 3, SPG_INT64, Jneg, J123};
    plan_fails(ctx, &c, SPG_ONE_BASED, SPG_ERR_NEGATIVE_INDEX, "negative row, one-based");
    plan = NULL;
    CHECK_STATUS(DEV(spg_plan_create(ctx, dev_coo(&c), SPG_ONE_BASED | SPG_SKIP_NEGATIVE, &plan)),
                 SPG_SUCCESS);
    CHECK(spg_plan_nnz(plan) == 2);
    spg_plan_destroy(plan);
    dev_release(mark);
}

/* Assembly, pullback and views refuse bad arguments and write nothing. */
static void test_numeric_arguments(spg_context *ctx)
{
    int32_t I[] = {0, 1, 1, 2}, J[] = {1, 1, 1, 0};
    double V[4] = {1, 2, 3, 4}, Ax[3], dV[4];
    const double sentinel = -12345.0;
    for (int k = 0; k < 4; k++)
        dV[k] = sentinel;
    for (int k = 0; k < 3; k++)
        Ax[k] = sentinel;
    const int mark = dev_mark();
    dev_reg(I, sizeof I), dev_reg(J, sizeof J), dev_reg(V, sizeof V), dev_reg(Ax, sizeof Ax);
    dev_reg(dV, sizeof dV);
    const spg_coo coo = {3, 2, 4, SPG_INT32, I, J};
    spg_plan *plan = NULL;
    if (!CHECK_STATUS(DEV(spg_plan_create(ctx, dev_coo(&coo), 0, &plan)), SPG_SUCCESS)) {
        dev_release(mark);
        return;
    }

    CHECK_STATUS(DEV(spg_assemble(NULL, plan, SPG_DOUBLE, dv(V), dv(Ax))), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_assemble(ctx, NULL, SPG_DOUBLE, dv(V), dv(Ax))), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_assemble(ctx, plan, SPG_DOUBLE, NULL, dv(Ax))), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_assemble(ctx, plan, SPG_DOUBLE, dv(V), NULL)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_assemble(ctx, plan, (spg_dtype)5, dv(V), dv(Ax))), SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(DEV(spg_assemble_pullback(NULL, plan, SPG_DOUBLE, dv(Ax), dv(dV))),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_assemble_pullback(ctx, NULL, SPG_DOUBLE, dv(Ax), dv(dV))),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_assemble_pullback(ctx, plan, SPG_DOUBLE, NULL, dv(dV))),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_assemble_pullback(ctx, plan, SPG_DOUBLE, dv(Ax), NULL)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_assemble_pullback(ctx, plan, (spg_dtype)-1, dv(Ax), dv(dV))),
                 SPG_ERR_INVALID_VALUE);

    /* a plan made by a context of another backend */
    const spg_backend own = plan->backend;
    plan->backend = own == SPG_BACKEND_CPU ? SPG_BACKEND_CUDA : SPG_BACKEND_CPU;
    CHECK_STATUS(DEV(spg_assemble(ctx, plan, SPG_DOUBLE, dv(V), dv(Ax))), SPG_ERR_BACKEND_MISMATCH);
    CHECK_STATUS(DEV(spg_assemble_pullback(ctx, plan, SPG_DOUBLE, dv(Ax), dv(dV))),
                 SPG_ERR_BACKEND_MISMATCH);
    plan->backend = own;
    for (int k = 0; k < 4; k++)
        CHECK(dV[k] == sentinel);
    for (int k = 0; k < 3; k++)
        CHECK(Ax[k] == sentinel);

    spg_csc A, A0;
    memset(&A, 0xab, sizeof A);
    A0 = A;
    CHECK_STATUS(DEV(spg_plan_csc(NULL, SPG_DOUBLE, dv(Ax), &A)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_plan_csc(plan, SPG_DOUBLE, dv(Ax), NULL)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_plan_csc(plan, (spg_dtype)9, dv(Ax), &A)), SPG_ERR_INVALID_VALUE);
    CHECK(memcmp(&A, &A0, sizeof A) == 0);

    /* arrays of length 0 may be NULL */
    const spg_coo empty = {4, 4, 0, SPG_INT64, NULL, NULL};
    spg_plan *e = NULL;
    CHECK_STATUS(DEV(spg_plan_create(ctx, dev_coo(&empty), 0, &e)), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_assemble(ctx, e, SPG_FLOAT, NULL, NULL)), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_assemble_pullback(ctx, e, SPG_FLOAT, NULL, NULL)), SPG_SUCCESS);
    CHECK(spg_plan_nnz(e) == 0);
    spg_plan_destroy(e);
    e = NULL;
    void *eAx = NULL;
    CHECK_STATUS(DEV(spg_plan_create_assemble(ctx, dev_coo(&empty), 0, SPG_FLOAT, NULL, &e, &eAx)),
                 SPG_SUCCESS);
    CHECK(spg_plan_nnz(e) == 0 && eAx);
    spg_plan_destroy(e);
    spg_plan_destroy(plan);
    dev_release(mark);
}

/* Plan creation from coo with flags, alone or (assemble) with its first
 * values, gives first, then fails with SPG_ERR_ALLOC, the outputs
 * untouched, for each of that run's allocations failed in turn; each run
 * on a fresh context (a CUDA context keeps the workspace it grew). 0 when
 * the first run's status was not first. */
static int fail_each_allocation(const spg_coo *coo, unsigned flags, int assemble,
                                spg_status first)
{
    spg_context *fresh = NULL;
    spg_plan *plan = NULL;
    void *Ax = NULL;
    CHECK_STATUS(spg_context_create(dev_backend(), &fresh), SPG_SUCCESS);
    spg_alloc_fail_at(0);
    const spg_status st = create(fresh, coo, flags, assemble, &plan, &Ax);
    const int64_t calls = spg_alloc_count();
    spg_plan_destroy(plan);
    spg_context_destroy(fresh);
    if (!CHECK_STATUS(st, first))
        return 0;
    CHECK(first != SPG_SUCCESS || calls >= 2 + assemble);
    for (int64_t k = 1; k <= calls; k++) {
        CHECK_STATUS(spg_context_create(dev_backend(), &fresh), SPG_SUCCESS);
        spg_alloc_fail_at(k);
        create_fails(fresh, coo, flags, assemble, SPG_ERR_ALLOC, "injected");
        spg_alloc_fail_at(0);
        spg_context_destroy(fresh);
    }
    return 1;
}

/* Fails each allocation of a call in turn: SPG_ERR_ALLOC, output untouched. */
static void test_allocation_failures(spg_context *ctx)
{
    int64_t I[] = {0, 4, 4, 2, -1, 3}, J[] = {1, 1, 1, 0, 2, 3};
    const int mark = dev_mark();
    dev_reg(I, sizeof I), dev_reg(J, sizeof J);
    const spg_coo coo = {5, 4, 6, SPG_INT64, I, J};
    int ok = 1; /* one failure says it */
    for (unsigned flags = 0; ok && flags < 8; flags += SPG_SKIP_NEGATIVE)
        for (int assemble = 0; ok && assemble < 2; assemble++)
            ok = fail_each_allocation(&coo, flags | SPG_SKIP_NEGATIVE, assemble, SPG_SUCCESS);
    dev_release(mark);
    spg_alloc_fail_at(1);
    spg_context *c = (spg_context *)untouched_plan;
    CHECK_STATUS(spg_context_create(dev_backend(), &c), SPG_ERR_ALLOC);
    CHECK(c == (spg_context *)untouched_plan);
    spg_alloc_fail_at(0);

    /* workspace that cannot be sized: O(n) column counts for n near
     * INT64_MAX, or m with the rows compressed; nothing of size m otherwise */
    const spg_coo huge = {2, INT64_MAX - 1, 0, SPG_INT64, NULL, NULL};
    plan_fails(ctx, &huge, 0, SPG_ERR_ALLOC, "n near INT64_MAX");
    const spg_coo tall = {INT64_MAX - 1, 2, 0, SPG_INT64, NULL, NULL};
    plan_fails(ctx, &tall, SPG_COMPRESS_ROWS, SPG_ERR_ALLOC, "m near INT64_MAX, rows");
    spg_plan *plan = NULL;
    CHECK_STATUS(DEV(spg_plan_create(ctx, dev_coo(&tall), 0, &plan)), SPG_SUCCESS);
    CHECK(spg_plan_nnz(plan) == 0);
    spg_plan_destroy(plan);
}

/* Without SPG_SKIP_NEGATIVE (the CPU's count then checks the columns and
 * its scatter the rows, and a bad row sends it back to a count that checks
 * both) each allocation of plan creation failed in turn gives
 * SPG_ERR_ALLOC, on good triplets and on a row out of range alike: the
 * row's status comes only after every allocation counted in a run that
 * reports it. The plan stays untouched. */
static void test_allocation_failures_no_skip(void)
{
    int64_t good[] = {0, 4, 4, 2, 1, 3}, bad[] = {0, 4, 5, 2, 1, 3}, J[] = {1, 1, 1, 0, 2, 3};
    const int mark = dev_mark();
    dev_reg(good, sizeof good), dev_reg(bad, sizeof bad), dev_reg(J, sizeof J);
    const spg_coo good_coo = {5, 4, 6, SPG_INT64, good, J}, bad_coo = {5, 4, 6, SPG_INT64, bad, J};
    for (int assemble = 0; assemble < 2; assemble++) {
        fail_each_allocation(&good_coo, 0, assemble, SPG_SUCCESS);
        fail_each_allocation(&bad_coo, 0, assemble, SPG_ERR_INDEX_RANGE);
    }
    dev_release(mark);
}

/* The operations refuse bad views, shapes and pointers and write nothing. */
static void test_operation_arguments(spg_context *ctx)
{
    /* A: 3 x 2, entries (0,0) (2,0) (1,1) */
    int32_t colptr[] = {0, 2, 3}, rowind[] = {0, 2, 1};
    double a[] = {1, 2, 3}, x3[] = {1, 1, 1}, x2[] = {1, 1};
    const spg_csc A = {3, 2, 3, SPG_INT32, colptr, rowind, SPG_DOUBLE, a, NULL};
    const double sentinel = -777.0;
    double y[3], dA[3], dx[3], f = sentinel;
    spg_csc B;
    for (int k = 0; k < 3; k++)
        y[k] = dA[k] = dx[k] = sentinel;
    int32_t I[] = {0, 2, 1, 0}, J[] = {0, 0, 1, 2}, Ineg[] = {0, -1, 1};
    double dV[4] = {sentinel, sentinel, sentinel, sentinel};
    const int mark = dev_mark();
    dev_reg(colptr, sizeof colptr), dev_reg(rowind, sizeof rowind), dev_reg(a, sizeof a);
    dev_reg(x3, sizeof x3), dev_reg(x2, sizeof x2), dev_reg(y, sizeof y), dev_reg(dA, sizeof dA);
    dev_reg(dx, sizeof dx), dev_reg(I, sizeof I), dev_reg(J, sizeof J);
    dev_reg(Ineg, sizeof Ineg), dev_reg(dV, sizeof dV);

    CHECK_STATUS(DEV(spg_spmv(NULL, SPG_OP_N, 1, dev_csc(&A), dv(x2), 0, dv(y))),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1, NULL, dv(x2), 0, dv(y))), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_spmv(ctx, (spg_op)2, 1, dev_csc(&A), dv(x2), 0, dv(y))),
                 SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1, dev_csc(&A), NULL, 0, dv(y))),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_T, 1, dev_csc(&A), dv(x3), 0, NULL)),
                 SPG_ERR_NULL_POINTER);
    B = A, B.m = -1;
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1, dev_csc(&B), dv(x2), 0, dv(y))), SPG_ERR_DIMENSION);
    B = A, B.nnz = -1;
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1, dev_csc(&B), dv(x2), 0, dv(y))),
                 SPG_ERR_INVALID_VALUE);
    B = A, B.dtype = (spg_dtype)3;
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1, dev_csc(&B), dv(x2), 0, dv(y))),
                 SPG_ERR_INVALID_VALUE);
    B = A, B.itype = (spg_itype)3;
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1, dev_csc(&B), dv(x2), 0, dv(y))),
                 SPG_ERR_INVALID_VALUE);
    B = A, B.colptr = NULL;
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1, dev_csc(&B), dv(x2), 0, dv(y))),
                 SPG_ERR_NULL_POINTER);
    B = A, B.rowind = NULL;
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1, dev_csc(&B), dv(x2), 0, dv(y))),
                 SPG_ERR_NULL_POINTER);
    B = A, B.nnz = (int64_t)INT32_MAX + 1;
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1, dev_csc(&B), dv(x2), 0, dv(y))),
                 SPG_ERR_INDEX_OVERFLOW);

    /* pullbacks: pattern matrices refuse dA; the inputs a gradient needs */
    B = A, B.values = NULL;
    CHECK_STATUS(
        DEV(spg_spmv_pullback(ctx, SPG_OP_N, 1, dev_csc(&B), dv(x2), dv(x3), dv(dA), dv(dx))),
        SPG_ERR_PATTERN_GRADIENT);
    CHECK_STATUS(DEV(spg_spmv_pullback(ctx, SPG_OP_N, 1, dev_csc(&A), NULL, dv(x3), dv(dA), NULL)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_spmv_pullback(ctx, SPG_OP_N, 1, dev_csc(&A), dv(x2), NULL, NULL, dv(dx))),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(
        DEV(spg_spmv_pullback(ctx, (spg_op)-1, 1, dev_csc(&A), dv(x2), dv(x3), dv(dA), dv(dx))),
        SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(DEV(spg_bilinear(ctx, dev_csc(&A), dv(x3), dv(x2), NULL)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_bilinear(ctx, dev_csc(&A), NULL, dv(x2), &f)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(
        DEV(spg_bilinear_pullback(ctx, dev_csc(&B), dv(x3), dv(x2), 1, dv(dA), NULL, NULL)),
        SPG_ERR_PATTERN_GRADIENT);
    CHECK_STATUS(DEV(spg_bilinear_pullback(ctx, dev_csc(&A), dv(x3), NULL, 1, NULL, dv(dx), NULL)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_bilinear_value_and_grad(ctx, dev_csc(&A), dv(x3), dv(x2), NULL, dv(dA),
                                                 dv(dx), NULL)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_bilinear_value_and_grad(ctx, dev_csc(&B), dv(x3), dv(x2), &f, dv(dA),
                                                 dv(dx), NULL)),
                 SPG_ERR_PATTERN_GRADIENT);
    CHECK_STATUS(DEV(spg_quadratic(ctx, dev_csc(&A), dv(x3), &f)), SPG_ERR_DIMENSION);
    CHECK_STATUS(DEV(spg_quadratic_pullback(ctx, dev_csc(&A), dv(x3), 1, dv(dA), dv(dx))),
                 SPG_ERR_DIMENSION);

    /* sampled outer products: k, leading dimensions, pointers */
    CHECK_STATUS(DEV(spg_sampled_outer(ctx, dev_csc(&A), -1, dv(x3), 3, dv(x2), 2, 1, dv(dA))),
                 SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(DEV(spg_sampled_outer(ctx, dev_csc(&A), 1, dv(x3), 2, dv(x2), 2, 1, dv(dA))),
                 SPG_ERR_DIMENSION);
    CHECK_STATUS(DEV(spg_sampled_outer(ctx, dev_csc(&A), 1, dv(x3), 3, dv(x2), 1, 1, dv(dA))),
                 SPG_ERR_DIMENSION);
    CHECK_STATUS(
        DEV(spg_sampled_outer(ctx, dev_csc(&A), 4, dv(x3), INT64_MAX / 2, dv(x2), 2, 1, dv(dA))),
        SPG_ERR_DIMENSION);
    CHECK_STATUS(DEV(spg_sampled_outer(ctx, dev_csc(&A), 1, NULL, 3, dv(x2), 2, 1, dv(dA))),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_sampled_outer(ctx, dev_csc(&A), 1, dv(x3), 3, dv(x2), 2, 1, NULL)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_sampled_outer(ctx, dev_csc(&B), 1, dv(x3), 3, dv(x2), 2, 1, dv(dA))),
                 SPG_ERR_PATTERN_GRADIENT);

    /* COO pullbacks: indices are validated before anything is written */
    spg_coo coo = {3, 2, 4, SPG_INT32, I, J};
    CHECK_STATUS(DEV(spg_coo_bilinear_pullback(ctx, dev_coo(&coo), 0, SPG_DOUBLE, dv(x3), dv(x2), 1,
                                               dv(dV))),
                 SPG_ERR_INDEX_RANGE);
    coo.nnz = 3;
    CHECK_STATUS(DEV(spg_coo_bilinear_pullback(ctx, dev_coo(&coo), SPG_ONE_BASED, SPG_DOUBLE,
                                               dv(x3), dv(x2), 1, dv(dV))),
                 SPG_ERR_INDEX_RANGE);
    CHECK_STATUS(DEV(spg_coo_bilinear_pullback(ctx, dev_coo(&coo), 8, SPG_DOUBLE, dv(x3), dv(x2), 1,
                                               dv(dV))),
                 SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(DEV(spg_coo_bilinear_pullback(ctx, dev_coo(&coo), 0, (spg_dtype)4, dv(x3), dv(x2),
                                               1, dv(dV))),
                 SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(
        DEV(spg_coo_bilinear_pullback(ctx, dev_coo(&coo), 0, SPG_DOUBLE, NULL, dv(x2), 1, dv(dV))),
        SPG_ERR_NULL_POINTER);
    CHECK_STATUS(
        DEV(spg_coo_bilinear_pullback(ctx, dev_coo(&coo), 0, SPG_DOUBLE, dv(x3), dv(x2), 1, NULL)),
        SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_coo_bilinear_pullback(NULL, dev_coo(&coo), 0, SPG_DOUBLE, dv(x3), dv(x2),
                                               1, dv(dV))),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(
        DEV(spg_coo_bilinear_pullback(ctx, NULL, 0, SPG_DOUBLE, dv(x3), dv(x2), 1, dv(dV))),
        SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_coo_spmv_pullback(ctx, dev_coo(&coo), 0, (spg_op)5, SPG_DOUBLE, 1, dv(x2),
                                           dv(x3), dv(dV))),
                 SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(DEV(spg_coo_sampled_outer(ctx, dev_coo(&coo), 0, SPG_DOUBLE, -2, dv(x3), 3, dv(x2),
                                           2, 1, dv(dV))),
                 SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(DEV(spg_coo_sampled_outer(ctx, dev_coo(&coo), 0, SPG_DOUBLE, 1, dv(x3), 2, dv(x2),
                                           2, 1, dv(dV))),
                 SPG_ERR_DIMENSION);
    coo.I = Ineg;
    CHECK_STATUS(DEV(spg_coo_bilinear_pullback(ctx, dev_coo(&coo), 0, SPG_DOUBLE, dv(x3), dv(x2), 1,
                                               dv(dV))),
                 SPG_ERR_NEGATIVE_INDEX);
    for (int k = 0; k < 4; k++)
        CHECK(dV[k] == sentinel);
    CHECK_STATUS(DEV(spg_coo_bilinear_pullback(ctx, dev_coo(&coo), SPG_SKIP_NEGATIVE, SPG_DOUBLE,
                                               dv(x3), dv(x2), 2, dv(dV))),
                 SPG_SUCCESS);
    CHECK(dV[0] == sentinel + 2 && dV[1] == sentinel && dV[2] == sentinel + 2 && dV[3] == sentinel);

    for (int k = 0; k < 3; k++)
        CHECK(y[k] == sentinel && dA[k] == sentinel && dx[k] == sentinel);
    CHECK(f == sentinel);
    dev_release(mark);
}

/* spg_csc_check accepts well-formed views and names the broken ones. */
static void test_csc_check(spg_context *ctx)
{
    int64_t colptr[] = {0, 2, 3}, rowind[] = {0, 2, 1};
    int64_t decreasing[] = {0, 2, 1, 3}, late_start[] = {1, 2, 3}, short_end[] = {0, 1, 2};
    int64_t unsorted[] = {2, 0, 1}, duplicate[] = {1, 1, 0}, out_of_range[] = {0, 3, 1},
            negative[] = {-1, 0, 1}, empty_colptr[] = {0, 0, 0, 0};
    const int mark = dev_mark();
    dev_reg(colptr, sizeof colptr), dev_reg(rowind, sizeof rowind);
    dev_reg(decreasing, sizeof decreasing), dev_reg(late_start, sizeof late_start);
    dev_reg(short_end, sizeof short_end), dev_reg(unsorted, sizeof unsorted);
    dev_reg(duplicate, sizeof duplicate), dev_reg(out_of_range, sizeof out_of_range);
    dev_reg(negative, sizeof negative), dev_reg(empty_colptr, sizeof empty_colptr);
    const spg_csc A = {3, 2, 3, SPG_INT64, colptr, rowind, SPG_FLOAT, NULL, NULL};
    spg_csc B = A;
    CHECK_STATUS(DEV(spg_csc_check(ctx, dev_csc(&A))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_csc_check(NULL, dev_csc(&A))), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_csc_check(ctx, NULL)), SPG_ERR_NULL_POINTER);
    B.colptr = decreasing, B.n = 3; /* ends at nnz, but column 1 runs backwards */
    CHECK_STATUS(DEV(spg_csc_check(ctx, dev_csc(&B))), SPG_ERR_INVALID_MATRIX);
    B.n = 2;
    B.colptr = late_start;
    CHECK_STATUS(DEV(spg_csc_check(ctx, dev_csc(&B))), SPG_ERR_INVALID_MATRIX);
    B.colptr = short_end;
    CHECK_STATUS(DEV(spg_csc_check(ctx, dev_csc(&B))), SPG_ERR_INVALID_MATRIX);
    B.colptr = colptr;
    const int64_t *bad_rows[] = {unsorted, duplicate, out_of_range, negative};
    for (int k = 0; k < 4; k++) {
        B.rowind = bad_rows[k];
        CHECK_STATUS(DEV(spg_csc_check(ctx, dev_csc(&B))), SPG_ERR_INVALID_MATRIX);
    }
    const spg_csc E = {0, 3, 0, SPG_INT64, empty_colptr, NULL, SPG_DOUBLE, NULL, NULL};
    CHECK_STATUS(DEV(spg_csc_check(ctx, dev_csc(&E))), SPG_SUCCESS);
    dev_release(mark);
}

/* spg_csc_analysis_bytes and spg_csc_analyse: the statuses of their
 * arguments and of a broken structure, with *bytes and *an untouched; an
 * analysed view computes A x as the bare view does. */
static void test_analysis(spg_context *ctx)
{
    int64_t colptr[] = {0, 2, 3}, rowind[] = {0, 2, 1}, unsorted[] = {2, 0, 1};
    double a[] = {1, 2, 3}, x[] = {1, -1}, y[3] = {0}, ref[3] = {0};
    const int mark = dev_mark();
    dev_reg(colptr, sizeof colptr), dev_reg(rowind, sizeof rowind);
    dev_reg(unsorted, sizeof unsorted), dev_reg(a, sizeof a), dev_reg(x, sizeof x);
    dev_reg(y, sizeof y), dev_reg(ref, sizeof ref);
    const spg_csc A = {3, 2, 3, SPG_INT64, colptr, rowind, SPG_DOUBLE, a, NULL};
    size_t bytes = 7;
    spg_analysis *const untouched = (spg_analysis *)&bytes;
    spg_analysis *an = untouched;
    CHECK_STATUS(spg_csc_analysis_bytes(NULL, dev_csc(&A), &bytes), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_csc_analysis_bytes(ctx, NULL, &bytes), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_csc_analysis_bytes(ctx, dev_csc(&A), NULL), SPG_ERR_NULL_POINTER);
    spg_csc B = A;
    B.itype = (spg_itype)5;
    CHECK_STATUS(spg_csc_analysis_bytes(ctx, dev_csc(&B), &bytes), SPG_ERR_INVALID_VALUE);
    CHECK(bytes == 7);
    CHECK_STATUS(spg_csc_analysis_bytes(ctx, dev_csc(&A), &bytes), SPG_SUCCESS);
    CHECK(dev_backend() == SPG_BACKEND_CPU ? bytes == 0 : bytes > 0); /* the CPU keeps none */
    void *buffer = dev_new(bytes);
    CHECK_STATUS(DEV(spg_csc_analyse(NULL, dev_csc(&A), dv(buffer), bytes, &an)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_csc_analyse(ctx, NULL, dv(buffer), bytes, &an)), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_csc_analyse(ctx, dev_csc(&A), dv(buffer), bytes, NULL)),
                 SPG_ERR_NULL_POINTER);
    CHECK_STATUS(DEV(spg_csc_analyse(ctx, dev_csc(&B), dv(buffer), bytes, &an)),
                 SPG_ERR_INVALID_VALUE);
    if (bytes > 0) {
        CHECK_STATUS(DEV(spg_csc_analyse(ctx, dev_csc(&A), NULL, bytes, &an)),
                     SPG_ERR_NULL_POINTER);
        CHECK_STATUS(spg_csc_analyse(ctx, dev_csc(&A), (char *)dv(buffer) + 8, bytes, &an),
                     SPG_ERR_INVALID_VALUE); /* not aligned to 256 bytes */
        CHECK_STATUS(DEV(spg_csc_analyse(ctx, dev_csc(&A), dv(buffer), bytes - 1, &an)),
                     SPG_ERR_INVALID_VALUE);
    }
    B = A;
    B.rowind = unsorted;
    CHECK_STATUS(DEV(spg_csc_analyse(ctx, dev_csc(&B), dv(buffer), bytes, &an)),
                 SPG_ERR_INVALID_MATRIX);
    CHECK(an == untouched);
    CHECK_STATUS(DEV(spg_csc_analyse(ctx, dev_csc(&A), dv(buffer), bytes, &an)), SPG_SUCCESS);
    spg_csc V = A;
    V.analysis = an;
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1.0, dev_csc(&V), dv(x), 0.0, dv(y))), SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_spmv(ctx, SPG_OP_N, 1.0, dev_csc(&A), dv(x), 0.0, dv(ref))), SPG_SUCCESS);
    CHECK(!memcmp(y, ref, sizeof y) && y[0] == 1 && y[1] == -3 && y[2] == 2);
    spg_analysis_destroy(an);
    spg_analysis_destroy(NULL);
    dev_release(mark);
    free(buffer);
}

int main(int argc, char **argv)
{
    spg_context *ctx = dev_open(argc, argv);
    dev_reg(first_V, sizeof first_V);
    spg_backend backend;
    CHECK(spg_context_backend(ctx, &backend) == SPG_SUCCESS && backend == dev_backend());
    test_status_strings();
    test_context();
    test_analysis(ctx);
    test_device_probe();
    test_plan_arguments(ctx);
    test_numeric_arguments(ctx);
    test_allocation_failures(ctx);
    test_allocation_failures_no_skip();
    test_operation_arguments(ctx);
    test_csc_check(ctx);
    spg_context_destroy(ctx);
    return spg_test_done();
}
