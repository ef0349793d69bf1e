/* libFuzzer target: the Matrix Market reader spg_mm_read_with on arbitrary
 * bytes (through fmemopen), with options chosen by the input's length: the
 * defaults, inf and nan accepted, no limit on the dimensions, or a limit of
 * 4096 bytes. A successful read must satisfy the invariants of spg_mm
 * (indices in range, nnz consistent with the entries and the symmetry, V
 * NULL exactly for a pattern, values finite unless accepted, dimensions
 * within the limit) and go through spg_plan_create (SPG_ONE_BASED),
 * spg_csc_check and spg_assemble without error; a failed read must leave
 * mm empty and say which line is at fault. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */

#include "fuzz.h"
#include "mmread.h"

enum {
    PLAN_DIM_MAX = 1 << 16, /* larger m or n are read but not planned (O(n) memory) */
    ERR_LEN = 256
};

/* The reader's options for an input of this length. */
static spg_mm_options options_of(size_t size)
{
    static const spg_mm_options choices[4] = {
        {SPG_MM_MAX_BYTES, 0}, {SPG_MM_MAX_BYTES, 1}, {0, 0}, {4096, 0}};
    return choices[size % 4];
}

/* Shape, flags and pointers that any successful read must have. */
static void check_header(const spg_mm *mm, const spg_mm_options *opt)
{
    if (mm->m == INT64_MAX || mm->n == INT64_MAX)
        fz_fail("a dimension of 2^63 - 1 leaves no room for a pointer array");
    const long double need = 16.0L * ((long double)mm->m + 1) + 16.0L * ((long double)mm->n + 1);
    if (opt->max_bytes > 0 && need > (long double)opt->max_bytes)
        fz_fail("%" PRId64 " x %" PRId64 " read past the limit of %" PRId64 " bytes", mm->m,
                mm->n, opt->max_bytes);
    if (mm->m < 0 || mm->n < 0 || mm->entries < 0 || mm->nnz < 0)
        fz_fail("negative size %" PRId64 " x %" PRId64 ", %" PRId64 " entries, nnz %" PRId64,
                mm->m, mm->n, mm->entries, mm->nnz);
    if (mm->symmetry != SPG_MM_GENERAL && mm->symmetry != SPG_MM_SYMMETRIC &&
        mm->symmetry != SPG_MM_SKEW)
        fz_fail("unknown symmetry %d", (int)mm->symmetry);
    if (mm->symmetry != SPG_MM_GENERAL && mm->m != mm->n)
        fz_fail("a symmetric or skew matrix of %" PRId64 " x %" PRId64, mm->m, mm->n);
    if ((mm->pattern != 0 && mm->pattern != 1) || (mm->integer != 0 && mm->integer != 1) ||
        (mm->pattern && mm->integer))
        fz_fail("pattern %d, integer %d", mm->pattern, mm->integer);
    if (mm->pattern && mm->symmetry == SPG_MM_SKEW)
        fz_fail("a skew-symmetric pattern matrix");
    if ((mm->V == NULL) != (mm->pattern == 1))
        fz_fail("V is %s for pattern %d", mm->V ? "set" : "NULL", mm->pattern);
    if (mm->nnz > 0 && (!mm->I || !mm->J))
        fz_fail("NULL index arrays for nnz %" PRId64, mm->nnz);
}

/* Every triplet lies in 1..m x 1..n; values are finite unless inf and nan
 * were accepted, integral for an integer file. */
static void check_triplets(const spg_mm *mm, const spg_mm_options *opt)
{
    for (int64_t k = 0; k < mm->nnz; k++) {
        if (mm->I[k] < 1 || mm->I[k] > mm->m || mm->J[k] < 1 || mm->J[k] > mm->n)
            fz_fail("triplet %" PRId64 " at (%" PRId64 ", %" PRId64 ") in %" PRId64
                    " x %" PRId64, k, mm->I[k], mm->J[k], mm->m, mm->n);
        if (mm->V && !opt->nonfinite && !isfinite(mm->V[k]))
            fz_fail("value %" PRId64 " is %a", k, mm->V[k]);
        if (mm->V && mm->integer && mm->V[k] != trunc(mm->V[k]))
            fz_fail("value %" PRId64 " is %a in an integer file", k, mm->V[k]);
    }
}

/* a and b are the same value (two NaNs count as equal). */
static int same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Triplets k and k + 1 are an entry and its mirror. */
static int is_mirror(const spg_mm *mm, int64_t k)
{
    if (mm->I[k + 1] != mm->J[k] || mm->J[k + 1] != mm->I[k])
        return 0;
    if (!mm->V)
        return 1;
    const double v = mm->V[k];
    return same_value(mm->V[k + 1], mm->symmetry == SPG_MM_SKEW ? -v : v);
}

/* The triplets are the file's entries in order, each off-diagonal entry of
 * a symmetric or skew file followed by its mirror; no skew diagonal. */
static void check_expansion(const spg_mm *mm)
{
    int64_t k = 0, entries = 0;
    while (k < mm->nnz) {
        const int diagonal = mm->I[k] == mm->J[k];
        if (mm->symmetry == SPG_MM_SKEW && diagonal)
            fz_fail("diagonal triplet %" PRId64 " in a skew-symmetric matrix", k);
        if (mm->symmetry != SPG_MM_GENERAL && !diagonal) {
            if (k + 1 >= mm->nnz || !is_mirror(mm, k))
                fz_fail("triplet %" PRId64 " has no mirror after it", k);
            k += 2;
        } else {
            k += 1;
        }
        entries++;
    }
    if (entries != mm->entries)
        fz_fail("%" PRId64 " triplets make %" PRId64 " entries, the reader says %" PRId64,
                mm->nnz, entries, mm->entries);
}

/* A read matrix of moderate shape goes through a plan and its assembly. */
static void check_assembly(const spg_mm *mm)
{
    if (mm->m > PLAN_DIM_MAX || mm->n > PLAN_DIM_MAX)
        return;
    spg_context *ctx = fz_context();
    spg_coo coo = {mm->m, mm->n, mm->nnz, SPG_INT64, mm->I, mm->J};
    spg_plan *plan = NULL;
    fz_ok(spg_plan_create(ctx, &coo, SPG_ONE_BASED, &plan), "spg_plan_create");
    const int64_t entries = spg_plan_nnz(plan);
    if (entries < (mm->nnz > 0) || entries > mm->nnz)
        fz_fail("%" PRId64 " stored entries from %" PRId64 " triplets", entries, mm->nnz);
    double *ones = NULL;
    const double *V = mm->V;
    if (!V) {
        ones = fz_alloc(mm->nnz, sizeof *ones);
        for (int64_t k = 0; k < mm->nnz; k++)
            ones[k] = 1;
        V = ones;
    }
    double *Ax = fz_alloc(entries, sizeof *Ax);
    fz_ok(spg_assemble(ctx, plan, SPG_DOUBLE, V, Ax), "spg_assemble");
    spg_csc A;
    fz_ok(spg_plan_csc(plan, SPG_DOUBLE, Ax, &A), "spg_plan_csc");
    fz_ok(spg_csc_check(ctx, &A), "spg_csc_check");
    free(Ax);
    free(ones);
    spg_plan_destroy(plan);
}

/* A failed read leaves mm empty and names the line at fault. */
static void check_failure(const spg_mm *mm, const char *err)
{
    if (mm->I || mm->J || mm->V || mm->nnz || mm->entries || mm->m || mm->n)
        fz_fail("a failed read left data in mm");
    if (strncmp(err, "line ", 5) != 0)
        fz_fail("error message '%s' names no line", err);
}

/* Reads the input as a file and checks the outcome. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen needs at least one byte */
    char *copy = fz_alloc((int64_t)size, 1);
    memcpy(copy, data, size);
    FILE *f = fmemopen(copy, size, "r");
    if (!f)
        fz_fail("fmemopen failed");
    spg_mm mm;
    char err[ERR_LEN];
    const spg_mm_options opt = options_of(size);
    int rc = spg_mm_read_with(f, &opt, &mm, err, sizeof err);
    fclose(f);
    if (rc == 0) {
        check_header(&mm, &opt);
        check_triplets(&mm, &opt);
        check_expansion(&mm);
        check_assembly(&mm);
    } else if (rc == -1) {
        check_failure(&mm, err);
    } else {
        fz_fail("spg_mm_read_with returned %d", rc);
    }
    spg_mm_free(&mm);
    free(copy);
    return 0;
}
