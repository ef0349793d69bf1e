/* Hostile inputs: sizes and counts at the limits of the index types, NaN
 * and infinities through every operation, malformed CSC views, and NULL for
 * every pointer argument of every public function. Each case checks the
 * exact status and that the outputs are untouched. Arrays that must not be
 * read are a page that can be neither read nor written: touching one
 * crashes the test. */
#define _DEFAULT_SOURCE /* mmap */
#include <float.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "calls.h"
#include "check.h"
#include "dev.h"

/* Under AddressSanitizer an allocation larger than any memory returns NULL,
 * as glibc's malloc does, instead of ending the program: some cases below
 * ask for 2^61 to 2^63 bytes and expect SPG_ERR_ALLOC. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

/* A page that cannot be read or written: an array that must not be touched. */
static void *unreadable(void)
{
    static void *page;
    if (!page) {
        page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED) {
            fprintf(stderr, "mmap failed\n");
            exit(2);
        }
    }
    return page;
}

/* A typed copy of len doubles (value type dt). */
static void *vec(spg_dtype dt, const double *src, int64_t len)
{
    void *a = malloc((size_t)(len > 0 ? len : 1) * spg_vsize(dt));
    if (!a)
        exit(2);
    for (int64_t i = 0; i < len; i++)
        spg_vset(dt, a, i, src[i]);
    return a;
}

/* A typed copy of len indices (index type it). */
static void *ivec(spg_itype it, const int64_t *src, int64_t len)
{
    void *a = malloc((size_t)(len > 0 ? len : 1) * spg_isize(it));
    if (!a)
        exit(2);
    for (int64_t i = 0; i < len; i++)
        spg_iset(it, a, i, src[i]);
    return a;
}


/* The output buffers of a call, filled with a sentinel byte before it. */
typedef struct workspace {
    _Alignas(16) unsigned char out[NSLOT][128];
} workspace;

static const unsigned char sentinel_byte = 0x5a;

/* Fills every output buffer with the sentinel and points a's output slots
 * at them. */
static void ws_reset(workspace *ws, args *a)
{
    memset(ws, sentinel_byte, sizeof *ws);
    for (int s = FIRST_OUTPUT; s < NSLOT; s++)
        a->p[s] = ws->out[s];
}

/* Output buffer s still holds the sentinel. */
static int ws_untouched(const workspace *ws, int s)
{
    for (size_t b = 0; b < sizeof ws->out[s]; b++)
        if (ws->out[s][b] != sentinel_byte)
            return 0;
    return 1;
}

/* Every output buffer still holds the sentinel. */
static int ws_all_untouched(const workspace *ws)
{
    for (int s = FIRST_OUTPUT; s < NSLOT; s++)
        if (!ws_untouched(ws, s))
            return 0;
    return 1;
}

/* The status a NULL of the given kind should give. */
static spg_status status_of(int kind)
{
    return kind == ERR ? SPG_ERR_NULL_POINTER
                       : (kind == PAT ? SPG_ERR_PATTERN_GRADIENT : SPG_SUCCESS);
}

/* Runs c with the slots in nulls (count of them) NULL: want, and outputs
 * untouched on an error; on success every output not left NULL equals the
 * run with every pointer given (unless values is NULL: a pattern matrix
 * gives other results), and the others untouched. */
static void run_nulled(const call *c, const args *given, const int *nulls, int count,
                       spg_status want, const char *tag)
{
    workspace full, ws;
    args a = *given;
    ws_reset(&full, &a);
    if (!CHECK_STATUS(c->fn(&a), SPG_SUCCESS)) {
        fprintf(stderr, "  %s %s with every pointer given\n", tag, c->name);
        return;
    }
    ws_reset(&ws, &a);
    int compare = want == SPG_SUCCESS, nulled[NSLOT] = {0};
    for (int q = 0; q < count; q++) {
        a.p[nulls[q]] = NULL;
        nulled[nulls[q]] = 1;
        compare = compare && nulls[q] != S_VALUES;
    }
    spg_status st = c->fn(&a);
    int ok = CHECK(st == want);
    for (int s = FIRST_OUTPUT; s < NSLOT && ok; s++) {
        if (want != SPG_SUCCESS || nulled[s])
            ok = CHECK(ws_untouched(&ws, s));
        else if (compare)
            ok = CHECK(!memcmp(ws.out[s], full.out[s], sizeof ws.out[s]));
    }
    if (!ok)
        fprintf(stderr, "  %s %s with slot %d (first of %d) NULL: got %d, wanted %d\n", tag,
                c->name, nulls[0], count, st, want);
}

/* Every call with each of its pointer arguments NULL in turn. */
static void test_null_each(const args *given, const char *tag)
{
    for (int k = 0; k < spg_ncalls; k++)
        for (int s = 0; s < NSLOT && spg_call_ready(&spg_calls[k], given); s++)
            if (spg_calls[k].when_null[s] != NA)
                run_nulled(&spg_calls[k], given, &s, 1, status_of(spg_calls[k].when_null[s]), tag);
}

/* Several pointers NULL at once: the inputs of gradients not asked for may
 * be NULL, those of gradients asked for may not. */
typedef struct combo {
    const char *name;
    int nulls[5], count;
    spg_status want;
} combo;

static const combo combos[] = {
    {"spg_spmv_pullback N", {S_DA, S_X}, 2, SPG_SUCCESS},
    {"spg_spmv_pullback T", {S_DA, S_X}, 2, SPG_SUCCESS},
    {"spg_spmv_pullback N", {S_DA, S_DX, S_X, S_Y}, 4, SPG_SUCCESS},
    {"spg_spmv_pullback T", {S_DX, S_Y}, 2, SPG_ERR_NULL_POINTER},
    {"spg_spmv_pullback N", {S_DA, S_VALUES}, 2, SPG_SUCCESS},
    {"spg_bilinear_pullback", {S_DA, S_DY, S_X}, 3, SPG_SUCCESS},
    {"spg_bilinear_pullback", {S_DA, S_DX, S_Y}, 3, SPG_SUCCESS},
    {"spg_bilinear_pullback", {S_DA, S_DX, S_DY, S_X, S_Y}, 5, SPG_SUCCESS},
    {"spg_bilinear_pullback", {S_DA, S_DY, S_Y}, 3, SPG_ERR_NULL_POINTER},
    {"spg_bilinear_pullback", {S_DA, S_DX, S_X}, 3, SPG_ERR_NULL_POINTER},
    {"spg_bilinear_pullback", {S_DA, S_VALUES}, 2, SPG_SUCCESS},
    {"spg_bilinear_value_and_grad", {S_DA, S_DX, S_DY}, 3, SPG_SUCCESS},
    {"spg_bilinear_value_and_grad", {S_DA, S_VALUES}, 2, SPG_SUCCESS},
    {"spg_quadratic_pullback", {S_DA, S_DX, S_X}, 3, SPG_SUCCESS},
    {"spg_quadratic_pullback", {S_DA, S_VALUES}, 2, SPG_SUCCESS},
    {"spg_sampled_outer", {S_DA, S_VALUES}, 2, SPG_ERR_NULL_POINTER},
    {"spg_solve_pullback N", {S_DS, S_W}, 2, SPG_SUCCESS},
    {"spg_solve_pullback T", {S_DS, S_DB, S_U, S_W}, 4, SPG_SUCCESS},
    {"spg_solve_pullback N", {S_DB, S_U}, 2, SPG_ERR_NULL_POINTER},
    {"spg_coo_solve_pullback N", {S_DV, S_W, S_COO}, 3, SPG_SUCCESS},
    {"spg_coo_solve_pullback T", {S_DV, S_DB, S_U, S_W, S_COO}, 5, SPG_SUCCESS},
    {"spg_coo_solve_pullback N", {S_DB, S_U}, 2, SPG_ERR_NULL_POINTER},
};

/* Every combination of the table above. */
static void test_null_combos(const args *given, const char *tag)
{
    for (size_t k = 0; k < sizeof combos / sizeof combos[0]; k++) {
        const call *c = spg_call_named(combos[k].name);
        if (spg_call_ready(c, given))
            run_nulled(c, given, combos[k].nulls, combos[k].count, combos[k].want, tag);
    }
}

/* Every call that takes slot s fails with want on a and writes nothing. */
static void table_fails(const args *given, int s, spg_status want, const char *what)
{
    for (int k = 0; k < spg_ncalls; k++) {
        if (spg_calls[k].when_null[s] == NA || !spg_call_ready(&spg_calls[k], given))
            continue;
        workspace ws;
        args a = *given;
        ws_reset(&ws, &a);
        spg_status st = spg_calls[k].fn(&a);
        if (!CHECK(st == want) || !CHECK(ws_all_untouched(&ws)))
            fprintf(stderr, "  %s: %s gave %d (%s), wanted %d\n", what, spg_calls[k].name, st,
                    spg_status_string(st), want);
    }
}

/* ---- the 3 x 3 problem every call of the table runs on ------------------ */

/* Its arrays in one value and index type, and the arguments pointing at
 * them: 5 triplets (one duplicate), 4 stored entries, vectors of length 3,
 * and A's general solver (A is regular) where the build has one. */
typedef struct fixture {
    spg_plan *plan;
    spg_solver *solver;
    void *I, *J, *trip, *values, *x, *y, *dAx;
    args a;
} fixture;

static int marker; /* the target of the view slots: non-NULL means given */

/* Builds the fixture; 0 when the plan could not be made. */
static int fixture_make(spg_context *ctx, spg_dtype dt, spg_itype it, fixture *f)
{
    const int64_t I[] = {0, 2, 1, 2, 0}, J[] = {0, 0, 1, 0, 2};
    const double trip[] = {1, 2, 3, 4, 5}, values[] = {1, -2, 3, 4};
    const double x[] = {1, 2, 3}, y[] = {-1, 0.5, 2}, dAx[] = {1, 2, 3, 4};
    *f = (fixture){.I = ivec(it, I, 5), .J = ivec(it, J, 5), .trip = vec(dt, trip, 5),
                   .values = vec(dt, values, 4), .x = vec(dt, x, 3), .y = vec(dt, y, 3),
                   .dAx = vec(dt, dAx, 4)};
    const spg_coo coo = {3, 3, 5, it, f->I, f->J};
    if (!CHECK_STATUS(spg_plan_create(ctx, &coo, 0, &f->plan), SPG_SUCCESS) ||
        !CHECK(spg_plan_nnz(f->plan) == 4))
        return 0;
    args *a = &f->a;
    a->coo = coo;
    spg_plan_csc(f->plan, dt, f->values, &a->A);
    a->dtype = dt;
    a->rank = 1;
    a->S = a->A; /* the solver is A's */
    void *in[] = {[S_CTX] = ctx, [S_PLAN] = f->plan, [S_COO] = &marker, [S_I] = f->I,
                  [S_J] = f->J, [S_CSC] = &marker, [S_COLPTR] = (void *)a->A.colptr,
                  [S_ROWIND] = (void *)a->A.rowind, [S_VALUES] = f->values, [S_X] = f->x,
                  [S_Y] = f->y, [S_U] = f->x, [S_W] = f->y, [S_TRIP] = f->trip,
                  [S_DAX] = f->dAx};
    memcpy(a->p, in, sizeof in);
    if (!CHECK_STATUS(spg_solver_of(ctx, &a->A, &f->solver), SPG_SUCCESS))
        return 0;
    a->p[S_SOLVER] = f->solver;
    return 1;
}

/* Frees the fixture's plan, solver and arrays. */
static void fixture_free(fixture *f)
{
    spg_plan_destroy(f->plan);
    spg_solver_destroy(f->solver);
    free(f->I), free(f->J), free(f->trip), free(f->values);
    free(f->x), free(f->y), free(f->dAx);
}

/* Every pointer argument of every public function NULL, alone and in the
 * combinations above; the calls with no status; and the stream of a
 * context, whose NULL means the default stream (a CPU context has none). */
static void test_null_pointers(spg_context *ctx)
{
    const spg_dtype dts[] = {SPG_DOUBLE, SPG_FLOAT};
    const spg_itype its[] = {SPG_INT32, SPG_INT64};
    for (int t = 0; t < 2; t++) {
        fixture f;
        if (fixture_make(ctx, dts[t], its[t], &f)) {
            test_null_each(&f.a, t ? "float int64" : "double int32");
            test_null_combos(&f.a, t ? "float int64" : "double int32");
        }
        fixture_free(&f);
    }
    int stream;
    CHECK_STATUS(spg_context_set_stream(NULL, NULL), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_context_set_stream(NULL, &stream), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_context_set_stream(ctx, NULL), SPG_ERR_INVALID_VALUE);
    CHECK_STATUS(spg_context_set_stream(ctx, &stream), SPG_ERR_INVALID_VALUE);
    spg_context_destroy(NULL);
    spg_plan_destroy(NULL);
    CHECK(spg_plan_nnz(NULL) == -1);
    CHECK(spg_status_string(SPG_SUCCESS) != NULL);
    CHECK(spg_version() != NULL);
}

/* ---- sizes and counts at the limits ------------------------------------- */

/* Plan creation on an m x n view of nnz triplets whose arrays cannot be
 * read gives want and leaves the plan pointer as it was. */
static void plan_size(spg_context *ctx, int64_t m, int64_t n, int64_t nnz, spg_itype it,
                      unsigned flags, spg_status want, const char *what)
{
    spg_plan *const before = (spg_plan *)&marker;
    spg_plan *plan = before;
    const spg_coo coo = {m, n, nnz, it, unreadable(), unreadable()};
    spg_status st = spg_plan_create(ctx, &coo, flags, &plan);
    if (!CHECK(st == want) || !CHECK(plan == before))
        fprintf(stderr, "  %s (itype %d, flags %u): got %d (%s), wanted %d\n", what, it, flags,
                st, spg_status_string(st), want);
}

/* Shapes near INT64_MAX: m + 1 or n + 1 not representable is a dimension
 * error; the O(n) workspace of the compressed dimension (n, or m with the
 * rows compressed) that cannot be allocated is an allocation error, found
 * before any triplet is read. The other dimension costs nothing. */
static void test_plan_shapes(spg_context *ctx)
{
    const int64_t near[] = {INT64_MAX - 1, INT64_MAX / 2, INT64_MAX / 8, (INT64_C(1) << 59) - 1};
    for (int it = 0; it < 2; it++) {
        for (unsigned flags = 0; flags <= SPG_COMPRESS_ROWS; flags += SPG_COMPRESS_ROWS) {
            const spg_itype t = (spg_itype)it;
            plan_size(ctx, INT64_MAX, 3, 0, t, flags, SPG_ERR_DIMENSION, "m = INT64_MAX");
            plan_size(ctx, 3, INT64_MAX, 2, t, flags, SPG_ERR_DIMENSION, "n = INT64_MAX");
            plan_size(ctx, INT64_MAX, INT64_MAX, 2, t, flags | SPG_ONE_BASED, SPG_ERR_DIMENSION,
                      "m = n = INT64_MAX");
            plan_size(ctx, INT64_MIN, 3, 0, t, flags, SPG_ERR_DIMENSION, "m = INT64_MIN");
            for (int k = 0; k < 4; k++) {
                const int64_t big = near[k];
                const int rows = flags == SPG_COMPRESS_ROWS;
                plan_size(ctx, rows ? big : 3, rows ? 3 : big, 2, t, flags, SPG_ERR_ALLOC,
                          "compressed dimension near INT64_MAX");
                plan_size(ctx, near[k], near[k], 0, t, flags, SPG_ERR_ALLOC, "m, n near max");
            }
        }
    }
}

/* Triplet counts the index type cannot hold, or whose arrays cannot be
 * allocated: rejected before the triplets are read. */
static void test_plan_counts(spg_context *ctx)
{
    const int64_t over32[] = {(int64_t)INT32_MAX + 1, UINT32_MAX, INT64_MAX - 1, INT64_MAX};
    for (int k = 0; k < 4; k++) {
        plan_size(ctx, 3, 3, over32[k], SPG_INT32, 0, SPG_ERR_INDEX_OVERFLOW, "int32 count");
        plan_size(ctx, 3, 3, over32[k], SPG_INT32, SPG_COMPRESS_ROWS | SPG_SKIP_NEGATIVE,
                  SPG_ERR_INDEX_OVERFLOW, "int32 count, by rows");
    }
    /* int64: the per-triplet arrays' bytes overflow size_t, or are 2^63 or
     * 2^62 bytes */
    const int64_t huge[] = {INT64_MAX, INT64_MAX / 4 + 1, INT64_C(1) << 60, INT64_C(1) << 59};
    for (int k = 0; k < 4; k++)
        plan_size(ctx, 3, 3, huge[k], SPG_INT64, SPG_SKIP_NEGATIVE, SPG_ERR_ALLOC, "int64 count");
    plan_size(ctx, 3, 3, INT64_MIN, SPG_INT64, 0, SPG_ERR_INVALID_VALUE, "nnz = INT64_MIN");
}

/* The table's calls on views whose arrays cannot be read: the counts and
 * shapes that are checked before any array is read. */
static void test_view_limits(spg_context *ctx)
{
    fixture f;
    if (!fixture_make(ctx, SPG_DOUBLE, SPG_INT32, &f)) {
        fixture_free(&f);
        return;
    }
    args a = f.a;
    const int in[] = {S_I, S_J, S_COLPTR, S_ROWIND, S_VALUES, S_X, S_Y, S_U, S_W};
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++)
        a.p[in[k]] = unreadable();
    const int64_t over32[] = {(int64_t)INT32_MAX + 1, UINT32_MAX, INT64_MAX};
    for (int k = 0; k < 3; k++) {
        a.A.itype = a.coo.itype = SPG_INT32;
        a.A.nnz = a.coo.nnz = over32[k];
        table_fails(&a, S_CSC, SPG_ERR_INDEX_OVERFLOW, "CSC int32, nnz > INT32_MAX");
        table_fails(&a, S_COO, SPG_ERR_INDEX_OVERFLOW, "COO int32, nnz > INT32_MAX");
    }
    a.A = f.a.A, a.coo = f.a.coo;
    a.A.n = a.coo.n = INT64_MAX; /* colptr would hold n + 1 entries */
    table_fails(&a, S_CSC, SPG_ERR_DIMENSION, "CSC n = INT64_MAX");
    table_fails(&a, S_COO, SPG_ERR_DIMENSION, "COO n = INT64_MAX");
    a.A = f.a.A, a.coo = f.a.coo;
    a.coo.m = INT64_MAX;
    table_fails(&a, S_COO, SPG_ERR_DIMENSION, "COO m = INT64_MAX");
    a.A = f.a.A, a.coo = f.a.coo;
    a.A.nnz = a.coo.nnz = INT64_MIN;
    table_fails(&a, S_CSC, SPG_ERR_INVALID_VALUE, "CSC nnz = INT64_MIN");
    table_fails(&a, S_COO, SPG_ERR_INVALID_VALUE, "COO nnz = INT64_MIN");
    a.A = f.a.A;
    a.A.m = INT64_MIN;
    table_fails(&a, S_CSC, SPG_ERR_DIMENSION, "CSC m = INT64_MIN");
    fixture_free(&f);
}

/* Views of INT64_MAX rows with no entries, and rows near INT64_MAX: the
 * calls that read only the columns succeed without touching the arrays of
 * length m. */
static void test_tall_views(spg_context *ctx)
{
    const int64_t colptr0[] = {0, 0}, colptr1[] = {0, 1}, row[] = {INT64_MAX - 1};
    const double no_values = 0;
    spg_csc E = {INT64_MAX, 1, 0, SPG_INT64, colptr0, NULL, SPG_DOUBLE, &no_values, NULL};
    double y = NAN, f = NAN, dx = 4, dA = 7;
    void *x = unreadable();
    CHECK_STATUS(spg_csc_check(ctx, &E), SPG_SUCCESS);
    CHECK_STATUS(spg_spmv(ctx, SPG_OP_T, 1, &E, x, 0, &y), SPG_SUCCESS);
    CHECK(y == 0); /* beta 0: the NaN in y does not leak through */
    CHECK_STATUS(spg_bilinear(ctx, &E, x, &dx, &f), SPG_SUCCESS);
    CHECK(f == 0);
    CHECK_STATUS(spg_spmv_pullback(ctx, SPG_OP_N, 1, &E, &y, x, NULL, &dx), SPG_SUCCESS);
    CHECK(dx == 4);
    CHECK_STATUS(spg_sampled_outer(ctx, &E, 1, x, INT64_MAX, &y, 1, 1, &dA), SPG_SUCCESS);
    CHECK_STATUS(spg_sampled_outer(ctx, &E, 2, x, INT64_MAX, &y, 1, 1, &dA), SPG_ERR_DIMENSION);
    CHECK_STATUS(spg_sampled_outer(ctx, &E, INT64_MAX, x, 1, &y, 1, 1, &dA), SPG_ERR_DIMENSION);
    E.m = INT64_MAX / 2; /* rank 2: 2 ldu is INT64_MAX - 1, then INT64_MAX + 1 */
    CHECK_STATUS(spg_sampled_outer(ctx, &E, 2, x, INT64_MAX / 2, &y, 1, 1, &dA), SPG_SUCCESS);
    CHECK_STATUS(spg_sampled_outer(ctx, &E, 2, x, INT64_MAX / 2 + 1, &y, 1, 1, &dA),
                 SPG_ERR_DIMENSION);
    E.m = 1; /* rank INT64_MAX with ldu 1 fits; with ldu 2 it does not */
    CHECK_STATUS(spg_sampled_outer(ctx, &E, INT64_MAX, x, 1, &y, 1, 1, &dA), SPG_SUCCESS);
    CHECK_STATUS(spg_sampled_outer(ctx, &E, INT64_MAX, x, 2, &y, 1, 1, &dA), SPG_ERR_DIMENSION);
    CHECK(dA == 7);
    spg_csc T = {INT64_MAX, 1, 1, SPG_INT64, colptr1, row, SPG_DOUBLE, NULL, NULL};
    CHECK_STATUS(spg_csc_check(ctx, &T), SPG_SUCCESS);
    T.m = INT64_MAX - 1; /* the row is now m */
    CHECK_STATUS(spg_csc_check(ctx, &T), SPG_ERR_INVALID_MATRIX);
    const int32_t colptr32[] = {0, 1}, row32[] = {INT32_MAX - 1};
    spg_csc T32 = {INT32_MAX, 1, 1, SPG_INT32, colptr32, row32, SPG_FLOAT, NULL, NULL};
    CHECK_STATUS(spg_csc_check(ctx, &T32), SPG_SUCCESS);
    T32.m = INT32_MAX - 1;
    CHECK_STATUS(spg_csc_check(ctx, &T32), SPG_ERR_INVALID_MATRIX);
}

/* COO views near INT64_MAX: index errors are found before x, y or dV is
 * touched; triplets all skipped read nothing, whatever the rank. */
static void test_tall_coo(spg_context *ctx)
{
    const int64_t big = INT64_MAX - 1;
    const int64_t Ibad[] = {0, big}, J[] = {0, 0}, Ineg[] = {INT64_MIN, -1}, Imax[] = {0, INT64_MAX};
    double dV[2] = {5, 6};
    void *u = unreadable();
    spg_coo c = {big, big, 2, SPG_INT64, Ibad, J};
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &c, 0, SPG_DOUBLE, u, u, 1, dV), SPG_ERR_INDEX_RANGE);
    c.I = Imax;
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &c, SPG_ONE_BASED, SPG_DOUBLE, u, u, 1, dV),
                 SPG_ERR_INDEX_RANGE);
    c.I = Ineg;
    CHECK_STATUS(spg_coo_spmv_pullback(ctx, &c, 0, SPG_OP_T, SPG_FLOAT, 1, u, u, dV),
                 SPG_ERR_NEGATIVE_INDEX);
    CHECK_STATUS(spg_coo_spmv_pullback(ctx, &c, SPG_ONE_BASED, SPG_OP_N, SPG_DOUBLE, 1, u, u, dV),
                 SPG_ERR_NEGATIVE_INDEX); /* INT64_MIN is not shifted by the base */
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &c, SPG_SKIP_NEGATIVE, SPG_DOUBLE, u, u, 1, dV),
                 SPG_SUCCESS);
    CHECK_STATUS(spg_coo_sampled_outer(ctx, &c, SPG_SKIP_NEGATIVE, SPG_DOUBLE, INT64_MAX, u, 1,
                                       u, 1, 1, dV),
                 SPG_ERR_DIMENSION); /* ldu < m */
    c.m = c.n = 1;
    CHECK_STATUS(spg_coo_sampled_outer(ctx, &c, SPG_SKIP_NEGATIVE, SPG_DOUBLE, INT64_MAX, u, 2,
                                       u, 1, 1, dV),
                 SPG_ERR_DIMENSION); /* k ldu overflows */
    CHECK(dV[0] == 5 && dV[1] == 6);
    int32_t I32[] = {INT32_MIN, INT32_MAX}, J32[] = {0, INT32_MAX};
    c = (spg_coo){INT32_MAX, INT32_MAX, 2, SPG_INT32, I32, J32};
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &c, SPG_ONE_BASED, SPG_DOUBLE, u, u, 1, dV),
                 SPG_ERR_NEGATIVE_INDEX);
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, &c, SPG_SKIP_NEGATIVE, SPG_DOUBLE, u, u, 1, dV),
                 SPG_ERR_INDEX_RANGE); /* INT32_MAX == m */
    CHECK(dV[0] == 5 && dV[1] == 6);
}

/* A rank k whose product with the triplet count overflows int64, on
 * triplets that are all skipped: valid (k ldu fits), nothing to read, so
 * success with dV untouched, and no signed overflow on the way (the
 * sanitizer build stops at one). Runs last: such a stop ends the program. */
static void test_rank_overflow(spg_context *ctx)
{
    const int64_t I[] = {INT64_MIN, -1}, J[] = {0, 0};
    const spg_coo c = {1, 1, 2, SPG_INT64, I, J};
    double dV[2] = {5, 6};
    void *u = unreadable();
    CHECK_STATUS(spg_coo_sampled_outer(ctx, &c, SPG_SKIP_NEGATIVE, SPG_DOUBLE, INT64_MAX, u, 1,
                                       u, 1, 1, dV),
                 SPG_SUCCESS);
    CHECK(dV[0] == 5 && dV[1] == 6);
}

/* ---- malformed CSC views ------------------------------------------------ */

/* spg_csc_check on an m x n view of nnz entries given as int64 numbers, in
 * both index types (where they fit), both value types, with and without
 * values. */
static void csc_case(spg_context *ctx, int64_t m, int64_t n, int64_t nnz, const int64_t *colptr,
                     const int64_t *rowind, int64_t rows_len, spg_status want, const char *what)
{
    for (int it = 0; it < 2; it++) {
        int fits = 1;
        for (int64_t k = 0; k <= n; k++)
            fits = fits && colptr[k] >= INT32_MIN && colptr[k] <= INT32_MAX;
        for (int64_t k = 0; k < rows_len; k++)
            fits = fits && rowind[k] >= INT32_MIN && rowind[k] <= INT32_MAX;
        if (it == SPG_INT32 && !fits)
            continue;
        void *cp = ivec((spg_itype)it, colptr, n + 1), *ri = ivec((spg_itype)it, rowind, rows_len);
        double values[8] = {0};
        for (int dt = 0; dt < 2; dt++) {
            spg_csc A = {m, n, nnz, (spg_itype)it, cp, ri, (spg_dtype)dt, dt ? values : NULL, NULL};
            spg_status st = spg_csc_check(ctx, &A);
            if (!CHECK(st == want))
                fprintf(stderr, "  csc_check %s (itype %d): got %d, wanted %d\n", what, it, st,
                        want);
        }
        free(cp), free(ri);
    }
}

/* Every way a view can be malformed, with small and extreme values. */
static void test_csc_malformed(spg_context *ctx)
{
    const int64_t rows[] = {0, 2, 1, 0}, good[] = {0, 2, 3};
    const spg_status bad = SPG_ERR_INVALID_MATRIX;
    csc_case(ctx, 3, 2, 3, good, rows, 3, SPG_SUCCESS, "well formed");
    const int64_t decreasing[] = {0, 2, 1, 3}, late[] = {1, 2, 3}, negative_start[] = {-1, 2, 3};
    csc_case(ctx, 3, 3, 3, decreasing, rows, 3, bad, "decreasing colptr");
    csc_case(ctx, 3, 2, 3, late, rows, 3, bad, "colptr[0] = 1");
    csc_case(ctx, 3, 2, 3, negative_start, rows, 3, bad, "colptr[0] = -1");
    const int64_t short_end[] = {0, 1, 2}, long_end[] = {0, 2, 4};
    csc_case(ctx, 3, 2, 3, short_end, rows, 3, bad, "colptr[n] < nnz");
    csc_case(ctx, 3, 2, 3, long_end, rows, 4, bad, "colptr[n] > nnz");
    const int64_t past[] = {0, 5, 3}, dip[] = {0, -2, 3}, top[] = {0, INT64_MAX, 3},
                  bottom[] = {0, INT64_MIN, 3}, top32[] = {0, INT32_MAX, 3},
                  bottom32[] = {0, INT32_MIN, 3};
    csc_case(ctx, 3, 2, 3, past, rows, 3, bad, "colptr[1] > nnz");
    csc_case(ctx, 3, 2, 3, dip, rows, 3, bad, "colptr[1] < 0");
    csc_case(ctx, 3, 2, 3, top, rows, 3, bad, "colptr[1] = INT64_MAX");
    csc_case(ctx, 3, 2, 3, bottom, rows, 3, bad, "colptr[1] = INT64_MIN");
    csc_case(ctx, 3, 2, 3, top32, rows, 3, bad, "colptr[1] = INT32_MAX");
    csc_case(ctx, 3, 2, 3, bottom32, rows, 3, bad, "colptr[1] = INT32_MIN");
    const int64_t dup[] = {1, 1, 0}, unsorted[] = {2, 0, 1}, neg[] = {-1, 0, 1},
                  at_m[] = {0, 3, 1}, min64[] = {INT64_MIN, 0, 1}, min32[] = {INT32_MIN, 0, 1},
                  max64[] = {0, INT64_MAX, 1}, max32[] = {0, INT32_MAX, 1};
    const int64_t *bad_rows[] = {dup, unsorted, neg, at_m, min64, min32, max64, max32};
    for (int k = 0; k < 8; k++)
        csc_case(ctx, 3, 2, 3, good, bad_rows[k], 3, bad, "bad rows");
    /* rows at the top of each index type: m = INT32_MAX, INT64_MAX */
    const int64_t r32[] = {0, INT32_MAX - 1, 5}, r64[] = {0, INT64_MAX - 1, 5};
    csc_case(ctx, INT32_MAX, 2, 3, good, r32, 3, SPG_SUCCESS, "row INT32_MAX - 1");
    csc_case(ctx, INT32_MAX - 1, 2, 3, good, r32, 3, bad, "row == m = INT32_MAX - 1");
    csc_case(ctx, INT64_MAX, 2, 3, good, r64, 3, SPG_SUCCESS, "row INT64_MAX - 1");
    csc_case(ctx, INT64_MAX - 1, 2, 3, good, r64, 3, bad, "row == m = INT64_MAX - 1");
    const int64_t none[] = {0, 0, 0}, one[] = {0, 0, 1};
    csc_case(ctx, 3, 2, 0, none, rows, 0, SPG_SUCCESS, "empty");
    csc_case(ctx, 3, 2, 0, one, rows, 1, bad, "empty with colptr[n] = 1");
    csc_case(ctx, 0, 2, 3, good, rows, 3, bad, "rows in a 0-row view");
}

/* A malformed column among many, on the threads: found wherever it is. */
static void test_csc_malformed_large(spg_context *ctx)
{
    const int64_t n = 50000; /* one entry per column: past the parallel threshold */
    int64_t *colptr = malloc((size_t)(n + 1) * sizeof *colptr), *rowind = malloc((size_t)n * sizeof *rowind);
    if (!colptr || !rowind)
        exit(2);
    for (int64_t j = 0; j <= n; j++)
        colptr[j] = j;
    for (int64_t j = 0; j < n; j++)
        rowind[j] = j % 7;
    CHECK_STATUS(spg_context_set_threads(ctx, 2), SPG_SUCCESS);
    csc_case(ctx, 7, n, n, colptr, rowind, n, SPG_SUCCESS, "large, well formed");
    const int64_t where[] = {0, n / 2 - 1, n / 2, n - 1};
    for (int k = 0; k < 4; k++) {
        rowind[where[k]] = 7; /* == m */
        csc_case(ctx, 7, n, n, colptr, rowind, n, SPG_ERR_INVALID_MATRIX, "large, row == m");
        rowind[where[k]] = where[k] % 7;
        colptr[where[k] + 1]--; /* column where[k] ends before it starts... */
        colptr[where[k]]++;     /* ...when both move */
        csc_case(ctx, 7, n, n, colptr, rowind, n, SPG_ERR_INVALID_MATRIX, "large, decreasing");
        colptr[where[k] + 1]++;
        colptr[where[k]]--;
    }
    CHECK_STATUS(spg_context_set_threads(ctx, 0), SPG_SUCCESS);
    free(colptr), free(rowind);
}

/* ---- NaN and infinities ------------------------------------------------- */

/* The NaN cases run on the backend that the command line names: their
 * arrays are registered (dev.h) and the calls read their mirrors. */
static void *dvec(spg_dtype dt, const double *src, int64_t len)
{
    return dev_reg(vec(dt, src, len), (size_t)len * spg_vsize(dt));
}

static void *divec(spg_itype it, const int64_t *src, int64_t len)
{
    return dev_reg(ivec(it, src, len), (size_t)len * spg_isize(it));
}

static void dfree(void *p)
{
    dev_unreg(p);
    free(p);
}

/* The 4 x 4 problem of the NaN cases: 8 triplets, one skipped (row -1),
 * three summed into entry (2,0) in triplet order; row 3 and column 3 are
 * empty. Entries in CSC order: (0,0) (2,0) (1,1) (0,2) (2,2). */
enum { NT = 8, NE = 5, NV = 4 };
static const int64_t nan_I[NT] = {0, 2, 1, 2, 0, -1, 2, 2}, nan_J[NT] = {0, 0, 1, 0, 2, 1, 2, 0};
static const int64_t ent_row[NE] = {0, 2, 1, 0, 2}, ent_col[NE] = {0, 0, 1, 2, 2};
static const int64_t trip_slot[NT] = {0, 1, 2, 1, 3, -1, 4, 1};
static const double ent_a[NE] = {1, 2, 3, 0, -1};

/* The plan and the CSC matrix of that problem in one value and index type. */
typedef struct nanfix {
    spg_context *ctx;
    spg_dtype dt;
    spg_itype it;
    void *I, *J, *a;
    spg_coo coo;
    spg_plan *plan;
    spg_csc A;
} nanfix;

static const double inf = INFINITY;

/* Builds the NaN problem; 0 when its plan is not the one described. */
static int nanfix_make(spg_context *ctx, spg_dtype dt, spg_itype it, nanfix *f)
{
    *f = (nanfix){.ctx = ctx,
                  .dt = dt,
                  .it = it,
                  .I = divec(it, nan_I, NT),
                  .J = divec(it, nan_J, NT),
                  .a = dvec(dt, ent_a, NE)};
    f->coo = (spg_coo){NV, NV, NT, it, f->I, f->J};
    if (!CHECK_STATUS(DEV(spg_plan_create(ctx, dev_coo(&f->coo), SPG_SKIP_NEGATIVE, &f->plan)),
                      SPG_SUCCESS) ||
        !CHECK(spg_plan_nnz(f->plan) == NE))
        return 0;
    f->A = dev_view(f->plan, dt, f->a);
    int ok = 1;
    for (int64_t p = 0; p < NE; p++)
        ok = ok && spg_iget(it, f->A.rowind, p) == ent_row[p] &&
             spg_iget(it, f->A.colptr, ent_col[p]) <= p && p < spg_iget(it, f->A.colptr, ent_col[p] + 1);
    return CHECK(ok);
}

/* Frees the NaN problem's plan and arrays. */
static void nanfix_free(nanfix *f)
{
    if (f->A.colptr)
        dev_view_free(&f->A);
    spg_plan_destroy(f->plan);
    dfree(f->I), dfree(f->J), dfree(f->a);
}

/* got is want: both NaN, or equal (infinities with their sign). */
static int same(double got, double want)
{
    return (isnan(got) && isnan(want)) || got == want;
}

/* Each of the len entries of the typed array got is want[i]. */
static int check_vec(spg_dtype dt, const void *got, const double *want, int64_t len,
                     const char *what)
{
    for (int64_t i = 0; i < len; i++) {
        double g = spg_vget(dt, got, i);
        if (!CHECK(same(g, want[i]))) {
            fprintf(stderr, "  %s (dtype %d) [%lld]: got %g, wanted %g\n", what, dt, (long long)i,
                    g, want[i]);
            return 0;
        }
    }
    return 1;
}

/* Assembly of V, then checks Ax against want. */
static void assemble_case(const nanfix *f, const double *V, const double *want, const char *what)
{
    void *v = dvec(f->dt, V, NT), *Ax = dvec(f->dt, (const double[NE]){-9, -9, -9, -9, -9}, NE);
    CHECK_STATUS(DEV(spg_assemble(f->ctx, f->plan, f->dt, dv(v), dv(Ax))), SPG_SUCCESS);
    check_vec(f->dt, Ax, want, NE, what);
    dfree(v), dfree(Ax);
}

/* NaN and infinities in the triplet values reach exactly their entries;
 * duplicates are summed in triplet order (a different order gives MAX). */
static void test_nan_assembly(const nanfix *f)
{
    const double big = f->dt == SPG_DOUBLE ? DBL_MAX : FLT_MAX;
    assemble_case(f, (const double[NT]){1, 2, NAN, 4, inf, NAN, -1, 8},
                  (const double[NE]){1, 14, NAN, inf, -1}, "NaN and inf in V");
    assemble_case(f, (const double[NT]){-inf, inf, 3, -inf, 5, inf, 6, 1},
                  (const double[NE]){-inf, NAN, 3, 5, 6}, "inf - inf");
    assemble_case(f, (const double[NT]){0, big, 0, big, 0, 0, 0, -big},
                  (const double[NE]){0, inf, 0, 0, 0}, "(MAX + MAX) - MAX");
    assemble_case(f, (const double[NT]){0, big, 0, -big, 0, 0, 0, big},
                  (const double[NE]){0, big, 0, 0, 0}, "(MAX - MAX) + MAX");

    /* the pullback: NaN at an entry reaches exactly its triplets */
    void *dAx = dvec(f->dt, (const double[NE]){1, NAN, inf, -inf, 0}, NE);
    void *dV = dvec(f->dt, (const double[NT]){0, 0, 0, 1, inf, 42, NAN, 0}, NT);
    CHECK_STATUS(DEV(spg_assemble_pullback(f->ctx, f->plan, f->dt, dv(dAx), dv(dV))), SPG_SUCCESS);
    check_vec(f->dt, dV, (const double[NT]){1, NAN, inf, NAN, NAN, 42, NAN, NAN}, NT,
              "assemble_pullback");
    dfree(dAx), dfree(dV);
}

/* y = alpha op(A) x + beta y0 on the NaN problem, checked against want. */
static void spmv_case(const nanfix *f, spg_op op, double alpha, const double *x, double beta,
                      const double *y0, const double *want, const char *what)
{
    void *xv = dvec(f->dt, x, NV), *y = dvec(f->dt, y0, NV);
    CHECK_STATUS(DEV(spg_spmv(f->ctx, op, alpha, dev_csc(&f->A), dv(xv), beta, dv(y))),
                 SPG_SUCCESS);
    check_vec(f->dt, y, want, NV, what);
    dfree(xv), dfree(y);
}

/* NaN in x reaches the rows (op N) or columns (op T) that meet it; inf
 * times a stored zero is NaN; beta 0 keeps NaN in y out. */
static void test_nan_spmv(const nanfix *f)
{
    const double nans[NV] = {NAN, NAN, NAN, NAN}, zeros[NV] = {0};
    spmv_case(f, SPG_OP_N, 1, (const double[NV]){1, NAN, 2, 5}, 0, nans,
              (const double[NV]){1, NAN, 0, 0}, "N: NaN in x_1");
    spmv_case(f, SPG_OP_N, 1, (const double[NV]){inf, 1, 1, NAN}, 0, nans,
              (const double[NV]){inf, 3, inf, 0}, "N: inf in x_0, NaN in empty column");
    spmv_case(f, SPG_OP_N, 1, (const double[NV]){1, 1, inf, 0}, 0, zeros,
              (const double[NV]){NAN, 3, -inf, 0}, "N: 0 * inf");
    spmv_case(f, SPG_OP_N, 1, (const double[NV]){inf, 1, inf, 0}, 1,
              (const double[NV]){0, NAN, 0, inf}, (const double[NV]){NAN, NAN, NAN, inf},
              "N: inf - inf, beta 1");
    spmv_case(f, SPG_OP_N, 0, (const double[NV]){1, inf, 1, 1}, 0, zeros,
              (const double[NV]){0, NAN, 0, 0}, "N: alpha 0 times inf");
    spmv_case(f, SPG_OP_T, 1, (const double[NV]){1, NAN, 2, NAN}, 0, nans,
              (const double[NV]){5, NAN, -2, 0}, "T: NaN in x_1, NaN in empty row");
    spmv_case(f, SPG_OP_T, 1, (const double[NV]){inf, 0, 1, 0}, 0, zeros,
              (const double[NV]){inf, 0, NAN, 0}, "T: 0 * inf");
    spmv_case(f, SPG_OP_T, 2, (const double[NV]){-inf, 5, inf, 0}, -1,
              (const double[NV]){1, -inf, 1, NAN}, (const double[NV]){NAN, inf, NAN, NAN},
              "T: inf - inf, beta -1");
}

/* The bilinear pullbacks with NaN in x_1 and inf in y_2: exactly the
 * entries each touches, and inf times a stored zero. */
static void test_nan_bilinear(const nanfix *f)
{
    void *x = dvec(f->dt, (const double[NV]){1, NAN, 2, 0}, NV);
    void *y = dvec(f->dt, (const double[NV]){1, 1, inf, 0}, NV);
    void *dA = dvec(f->dt, (const double[NE]){0}, NE), *dx = dvec(f->dt, (const double[NV]){0}, NV);
    void *dy = dvec(f->dt, (const double[NV]){0}, NV);
    CHECK_STATUS(DEV(spg_bilinear_pullback(f->ctx, dev_csc(&f->A), dv(x), dv(y), 1.0, dv(dA),
                                           dv(dx), dv(dy))),
                 SPG_SUCCESS);
    check_vec(f->dt, dA, (const double[NE]){1, 2, NAN, inf, inf}, NE, "bilinear_pullback dA");
    check_vec(f->dt, dx, (const double[NV]){NAN, 3, -inf, 0}, NV, "bilinear_pullback dx");
    check_vec(f->dt, dy, (const double[NV]){5, NAN, -2, 0}, NV, "bilinear_pullback dy");
    double fv = 0;
    CHECK_STATUS(DEV(spg_bilinear_value_and_grad(f->ctx, dev_csc(&f->A), dv(x), dv(y), &fv, dv(dA),
                                                 dv(dx), dv(dy))),
                 SPG_SUCCESS);
    CHECK(isnan(fv));
    check_vec(f->dt, dA, (const double[NE]){2, 4, NAN, inf, inf}, NE, "value_and_grad dA");
    check_vec(f->dt, dx, (const double[NV]){NAN, 6, -inf, 0}, NV, "value_and_grad dx");
    check_vec(f->dt, dy, (const double[NV]){10, NAN, -4, 0}, NV, "value_and_grad dy");
    /* df = 0 times inf is NaN; finite products give 0 */
    void *dA0 = dvec(f->dt, (const double[NE]){0}, NE);
    CHECK_STATUS(
        DEV(spg_bilinear_pullback(f->ctx, dev_csc(&f->A), dv(x), dv(y), 0.0, dv(dA0), NULL, NULL)),
        SPG_SUCCESS);
    check_vec(f->dt, dA0, (const double[NE]){0, 0, NAN, NAN, NAN}, NE, "df 0 dA");
    dfree(x), dfree(y), dfree(dA), dfree(dx), dfree(dy), dfree(dA0);
}

/* The COO pullbacks: NaN and inf reach exactly the triplets that meet them;
 * the skipped triplet keeps its value. */
static void test_nan_coo(const nanfix *f)
{
    void *x = dvec(f->dt, (const double[NV]){NAN, 1, 2, 3}, NV);
    void *y = dvec(f->dt, (const double[NV]){1, 0, inf, 1}, NV);
    void *dV = dvec(f->dt, (const double[NT]){0, 0, 0, 0, 0, 7, 0, 0}, NT);
    CHECK_STATUS(DEV(spg_coo_bilinear_pullback(f->ctx, dev_coo(&f->coo), SPG_SKIP_NEGATIVE, f->dt,
                                               dv(x), dv(y), 1, dv(dV))),
                 SPG_SUCCESS);
    check_vec(f->dt, dV, (const double[NT]){NAN, 2, 0, 2, NAN, 7, inf, 2}, NT, "coo bilinear");
    CHECK_STATUS(DEV(spg_coo_spmv_pullback(f->ctx, dev_coo(&f->coo), SPG_SKIP_NEGATIVE, SPG_OP_T,
                                           f->dt, 0, dv(x), dv(y), dv(dV))),
                 SPG_SUCCESS);
    check_vec(f->dt, dV, (const double[NT]){NAN, 2, 0, 2, NAN, 7, NAN, 2}, NT, "coo alpha 0");
    dfree(x), dfree(y), dfree(dV);
}

/* A draw from 0, 1, -2, 3, 1/2, inf, -inf, NaN: special 3 times in 8. */
static double draw(spg_rng *r)
{
    const double set[] = {0, 1, -2, 3, 0.5, INFINITY, -INFINITY, NAN};
    return set[spg_rng_below(r, 8)];
}

/* len draws; the entry at index finite_at (if in range) is 1. */
static void draws(spg_rng *r, double *v, int64_t len, int64_t finite_at)
{
    for (int64_t i = 0; i < len; i++)
        v[i] = i == finite_at ? 1 : draw(r);
}

/* The oracle of y = alpha A x + beta y (products grouped as the library
 * groups them; a sum's NaN or infinity does not depend on its order). */
static void oracle_spmv_n(double alpha, const double *x, double beta, double *y)
{
    for (int64_t i = 0; i < NV; i++)
        y[i] = beta == 0 ? 0 : (beta == 1 ? y[i] : beta * y[i]);
    for (int64_t p = 0; p < NE; p++)
        y[ent_row[p]] += ent_a[p] * (alpha * x[ent_col[p]]);
}

/* The column sums t_j = (A' x)_j. */
static void oracle_col_dots(const double *x, double *t)
{
    for (int64_t j = 0; j < NV; j++)
        t[j] = 0;
    for (int64_t p = 0; p < NE; p++)
        t[ent_col[p]] += ent_a[p] * x[ent_row[p]];
}

/* The oracle of y = alpha A' x + beta y. */
static void oracle_spmv_t(double alpha, const double *x, double beta, double *y)
{
    double t[NV];
    oracle_col_dots(x, t);
    for (int64_t j = 0; j < NV; j++)
        y[j] = beta == 0 ? alpha * t[j] : alpha * t[j] + beta * y[j];
}

/* The oracle of x' A y: y_j (A' x)_j summed over the columns with entries. */
static double oracle_bilinear(const double *x, const double *y)
{
    double t[NV], f = 0;
    oracle_col_dots(x, t);
    for (int64_t j = 0; j < NV; j++)
        f += j == 3 ? 0 : y[j] * t[j];
    return f;
}

/* The oracle of dA += alpha (u_i v_j + u_{i+NV} v_{j+NV} for rank 2). */
static void oracle_outer(double alpha, const double *u, const double *v, int rank, double *dA)
{
    for (int64_t p = 0; p < NE; p++) {
        double t = u[ent_row[p]] * v[ent_col[p]];
        if (rank == 2)
            t += u[ent_row[p] + NV] * v[ent_col[p] + NV];
        dA[p] += alpha * t;
    }
}

/* One random draw of every input and accumulator, in double for the
 * oracles and in the value type for the library; x_3 and y_3 stay finite
 * (see test_empty_lines). U and V of rank 2 are x and y as 4 x 2. */
typedef struct sweep {
    const nanfix *f;
    double x[2 * NV], y[2 * NV], dA[NE], dx[NV], dy[NV];
    void *xv, *yv, *dAv, *dxv, *dyv;
} sweep;

/* Draws every array of s and makes its typed copies. */
static void sweep_draw(sweep *s, const nanfix *f, spg_rng *r)
{
    s->f = f;
    draws(r, s->x, 2 * NV, 3), draws(r, s->y, 2 * NV, 3);
    draws(r, s->dA, NE, -1), draws(r, s->dx, NV, -1), draws(r, s->dy, NV, -1);
    s->xv = dvec(f->dt, s->x, 2 * NV), s->yv = dvec(f->dt, s->y, 2 * NV);
    s->dAv = dvec(f->dt, s->dA, NE), s->dxv = dvec(f->dt, s->dx, NV),
    s->dyv = dvec(f->dt, s->dy, NV);
}

/* Frees the typed copies. */
static void sweep_free(sweep *s)
{
    dfree(s->xv), dfree(s->yv), dfree(s->dAv), dfree(s->dxv), dfree(s->dyv);
}

/* The library's and the oracle's accumulators agree. */
static void sweep_compare(const sweep *s, const char *what)
{
    check_vec(s->f->dt, s->dAv, s->dA, NE, what);
    check_vec(s->f->dt, s->dxv, s->dx, NV, what);
    check_vec(s->f->dt, s->dyv, s->dy, NV, what);
}

/* SpMV N and T into dy, with beta -1, 0 or 1. */
static void sweep_spmv(sweep *s, spg_rng *r)
{
    const double beta = (double)spg_rng_below(r, 3) - 1;
    CHECK_STATUS(
        DEV(spg_spmv(s->f->ctx, SPG_OP_N, 2, dev_csc(&s->f->A), dv(s->xv), beta, dv(s->dyv))),
        SPG_SUCCESS);
    oracle_spmv_n(2, s->x, beta, s->dy);
    check_vec(s->f->dt, s->dyv, s->dy, NV, "sweep spmv N");
    CHECK_STATUS(
        DEV(spg_spmv(s->f->ctx, SPG_OP_T, 2, dev_csc(&s->f->A), dv(s->xv), beta, dv(s->dyv))),
        SPG_SUCCESS);
    oracle_spmv_t(2, s->x, beta, s->dy);
    check_vec(s->f->dt, s->dyv, s->dy, NV, "sweep spmv T");
}

/* The bilinear form, its pullback with df 2, the value and gradient. */
static void sweep_bilinear(sweep *s)
{
    const nanfix *f = s->f;
    const double want = oracle_bilinear(s->x, s->y);
    double fv;
    CHECK_STATUS(DEV(spg_bilinear(f->ctx, dev_csc(&f->A), dv(s->xv), dv(s->yv), &fv)), SPG_SUCCESS);
    if (!CHECK(same(fv, want)))
        fprintf(stderr, "  sweep bilinear (dtype %d): got %g, wanted %g\n", f->dt, fv, want);
    CHECK_STATUS(DEV(spg_bilinear_pullback(f->ctx, dev_csc(&f->A), dv(s->xv), dv(s->yv), 2,
                                           dv(s->dAv), dv(s->dxv), dv(s->dyv))),
                 SPG_SUCCESS);
    oracle_outer(2, s->x, s->y, 1, s->dA);
    oracle_spmv_n(2, s->y, 1, s->dx), oracle_spmv_t(2, s->x, 1, s->dy);
    sweep_compare(s, "sweep bilinear_pullback");
    CHECK_STATUS(DEV(spg_bilinear_value_and_grad(f->ctx, dev_csc(&f->A), dv(s->xv), dv(s->yv), &fv,
                                                 dv(s->dAv), dv(s->dxv), dv(s->dyv))),
                 SPG_SUCCESS);
    CHECK(same(fv, want));
    oracle_outer(1, s->x, s->y, 1, s->dA);
    oracle_spmv_n(1, s->y, 1, s->dx), oracle_spmv_t(1, s->x, 1, s->dy);
    sweep_compare(s, "sweep value_and_grad");
}

/* The quadratic form and its pullback (df -1), the rank-2 sampled outer
 * product (alpha 2). */
static void sweep_quadratic_outer(sweep *s)
{
    const nanfix *f = s->f;
    double fv;
    CHECK_STATUS(DEV(spg_quadratic(f->ctx, dev_csc(&f->A), dv(s->xv), &fv)), SPG_SUCCESS);
    CHECK(same(fv, oracle_bilinear(s->x, s->x)));
    CHECK_STATUS(
        DEV(spg_quadratic_pullback(f->ctx, dev_csc(&f->A), dv(s->xv), -1, dv(s->dAv), dv(s->dxv))),
        SPG_SUCCESS);
    oracle_outer(-1, s->x, s->x, 1, s->dA);
    oracle_spmv_n(-1, s->x, 1, s->dx), oracle_spmv_t(-1, s->x, 1, s->dx);
    sweep_compare(s, "sweep quadratic_pullback");
    CHECK_STATUS(DEV(spg_sampled_outer(f->ctx, dev_csc(&f->A), 2, dv(s->xv), NV, dv(s->yv), NV, 2,
                                       dv(s->dAv))),
                 SPG_SUCCESS);
    oracle_outer(2, s->x, s->y, 2, s->dA);
    sweep_compare(s, "sweep sampled_outer");
}

/* One random draw through every operation on the CSC matrix. */
static void sweep_once(const nanfix *f, spg_rng *r)
{
    sweep s;
    sweep_draw(&s, f, r);
    sweep_spmv(&s, r);
    sweep_bilinear(&s);
    sweep_quadratic_outer(&s);
    sweep_free(&s);
}

/* The triplet-level calls of one random draw against the oracles. */
static void sweep_coo_once(const nanfix *f, spg_rng *r)
{
    const spg_dtype dt = f->dt;
    double x[2 * NV], y[2 * NV], V[NT], dV[NT], Ax[NE], dAx[NE];
    draws(r, x, 2 * NV, -1), draws(r, y, 2 * NV, -1), draws(r, V, NT, -1);
    draws(r, dV, NT, -1), draws(r, dAx, NE, -1);
    void *xv = dvec(dt, x, 2 * NV), *yv = dvec(dt, y, 2 * NV), *Vv = dvec(dt, V, NT);
    void *dVv = dvec(dt, dV, NT), *Axv = dvec(dt, dAx, NE), *dAxv = dvec(dt, dAx, NE);

    CHECK_STATUS(DEV(spg_assemble(f->ctx, f->plan, dt, dv(Vv), dv(Axv))), SPG_SUCCESS);
    for (int64_t s = 0; s < NE; s++)
        Ax[s] = 0;
    for (int64_t k = 0; k < NT; k++)
        if (trip_slot[k] >= 0)
            Ax[trip_slot[k]] += V[k];
    check_vec(dt, Axv, Ax, NE, "sweep assemble");
    CHECK_STATUS(DEV(spg_assemble_pullback(f->ctx, f->plan, dt, dv(dAxv), dv(dVv))), SPG_SUCCESS);
    for (int64_t k = 0; k < NT; k++)
        dV[k] += trip_slot[k] >= 0 ? dAx[trip_slot[k]] : 0;
    check_vec(dt, dVv, dV, NT, "sweep assemble_pullback");

    const unsigned skip = SPG_SKIP_NEGATIVE;
    CHECK_STATUS(
        DEV(spg_coo_bilinear_pullback(f->ctx, dev_coo(&f->coo), skip, dt, dv(xv), yv, 2, dv(dVv))),
        SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_coo_spmv_pullback(f->ctx, dev_coo(&f->coo), skip, SPG_OP_N, dt, -1, dv(xv),
                                           yv, dv(dVv))),
                 SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_coo_spmv_pullback(f->ctx, dev_coo(&f->coo), skip, SPG_OP_T, dt, 0.5,
                                           dv(xv), yv, dv(dVv))),
                 SPG_SUCCESS);
    CHECK_STATUS(DEV(spg_coo_sampled_outer(f->ctx, dev_coo(&f->coo), skip, dt, 2, dv(xv), NV, yv,
                                           NV, 2, dv(dVv))),
                 SPG_SUCCESS);
    for (int64_t k = 0; k < NT; k++) {
        if (trip_slot[k] < 0)
            continue;
        const int64_t i = nan_I[k], j = nan_J[k];
        dV[k] += 2 * (x[i] * y[j]);
        dV[k] += -1 * (y[i] * x[j]);
        dV[k] += 0.5 * (x[i] * y[j]);
        dV[k] += 2 * (x[i] * y[j] + x[i + NV] * y[j + NV]);
    }
    check_vec(dt, dVv, dV, NT, "sweep coo pullbacks");
    dfree(xv), dfree(yv), dfree(Vv), dfree(dVv), dfree(Axv), dfree(dAxv);
}

/* Random mixes of finite values, infinities and NaN through every call. */
static void test_nan_sweep(const nanfix *f, uint64_t seed)
{
    spg_rng r = {seed};
    for (int k = 0; k < 300; k++) {
        sweep_once(f, &r);
        sweep_coo_once(f, &r);
    }
}

/* x' A y is a sum over the stored entries: NaN or inf in x_i of an empty row
 * or in y_j of an empty column meets no term, as spg_spmv (which never
 * reads them) shows, in spg_bilinear, spg_bilinear_value_and_grad and
 * spg_quadratic alike (not y_j times the column's zero sum: NaN * 0). */
static void test_empty_lines(const nanfix *f)
{
    const double ones[NV] = {1, 1, 1, 1}, want = 5; /* the sum of the stored values */
    void *one = dvec(f->dt, ones, NV), *Ay = dvec(f->dt, ones, NV);
    const double specials[] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++) {
        double v[NV] = {1, 1, 1, specials[k]}, fv = 0, dot = 0;
        void *s = dvec(f->dt, v, NV);
        CHECK_STATUS(DEV(spg_bilinear(f->ctx, dev_csc(&f->A), dv(s), dv(one), &fv)), SPG_SUCCESS);
        CHECK(fv == want); /* x_3: the empty row */
        CHECK_STATUS(DEV(spg_spmv(f->ctx, SPG_OP_N, 1, dev_csc(&f->A), dv(s), 0, dv(Ay))),
                     SPG_SUCCESS);
        for (int64_t i = 0; i < NV; i++)
            dot += spg_vget(f->dt, Ay, i);
        CHECK(dot == want); /* 1' (A y) with y_3 special */
        CHECK_STATUS(DEV(spg_bilinear(f->ctx, dev_csc(&f->A), dv(one), dv(s), &fv)), SPG_SUCCESS);
        if (!CHECK(fv == want))
            fprintf(stderr, "  spg_bilinear with y_3 = %g (empty column 3) gives %g, "
                            "1'(A y) gives %g\n", specials[k], fv, dot);
        CHECK_STATUS(DEV(spg_bilinear_value_and_grad(f->ctx, dev_csc(&f->A), dv(one), dv(s), &fv,
                                                     NULL, NULL, NULL)),
                     SPG_SUCCESS);
        if (!CHECK(fv == want))
            fprintf(stderr, "  spg_bilinear_value_and_grad with y_3 = %g gives %g\n",
                    specials[k], fv);
        CHECK_STATUS(DEV(spg_quadratic(f->ctx, dev_csc(&f->A), dv(s), &fv)), SPG_SUCCESS);
        if (!CHECK(fv == want))
            fprintf(stderr, "  spg_quadratic with x_3 = %g gives %g\n", specials[k], fv);
        dfree(s);
    }
    dfree(one), dfree(Ay);
}

/* Every NaN case in every value and index type. */
static void test_nan(spg_context *ctx)
{
    for (int dt = 0; dt < 2; dt++) {
        for (int it = 0; it < 2; it++) {
            nanfix f;
            if (nanfix_make(ctx, (spg_dtype)dt, (spg_itype)it, &f)) {
                test_nan_assembly(&f);
                test_nan_spmv(&f);
                test_nan_bilinear(&f);
                test_nan_coo(&f);
                test_nan_sweep(&f, (uint64_t)(10 * dt + it + 1));
                test_empty_lines(&f);
            }
            nanfix_free(&f);
        }
    }
}

/* Every group of cases on one context. The NULL, size and malformed-view
 * cases are the dispatch's, on host arrays: they run on the CPU; the NaN
 * cases run on the backend that the command line names. */
int main(int argc, char **argv)
{
    spg_context *ctx = dev_open(argc, argv);
    if (dev_backend() == SPG_BACKEND_CPU) {
        test_null_pointers(ctx);
        test_plan_shapes(ctx);
        test_plan_counts(ctx);
        test_view_limits(ctx);
        test_tall_views(ctx);
        test_tall_coo(ctx);
        test_csc_malformed(ctx);
        test_csc_malformed_large(ctx);
        test_rank_overflow(ctx);
    }
    test_nan(ctx);
    spg_context_destroy(ctx);
    return spg_test_done();
}
