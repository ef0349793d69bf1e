/* spgrad info: reads a Matrix Market file, builds the library's plan from its
 * triplets, assembles the values and prints what it found. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "mmread.h"
#include "spgrad.h"
#include "tools.h"

/* What the library made of the file. */
typedef struct info_result {
    int64_t stored;                /* spg_plan_nnz */
    double vmin, vmax, abs_sum;    /* of the assembled values */
} info_result;

static const char info_usage_line[] =
    "usage: spgrad info FILE.mtx [--max-memory BYTES] [--nonfinite]\n";

/* Prints the problem and the usage line to stderr; returns 2. */
static int info_usage(const char *problem)
{
    fprintf(stderr, "spgrad info: %s\n%s", problem, info_usage_line);
    return 2;
}

/* Whether arg asks for help. */
static int info_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* Prints "spgrad info: FILE: what: status" to stderr; returns 1. */
static int info_status_error(const char *path, const char *what, spg_status s)
{
    fprintf(stderr, "spgrad info: %s: %s: %s\n", path, what, spg_status_string(s));
    return 1;
}

/* Minimum, maximum and sum of absolute values of a[0..n-1] into res. */
static void info_value_stats(const double *a, int64_t n, info_result *res)
{
    res->vmin = n > 0 ? a[0] : 0.0;
    res->vmax = res->vmin;
    res->abs_sum = 0.0;
    for (int64_t k = 0; k < n; k++) {
        res->vmin = a[k] < res->vmin ? a[k] : res->vmin;
        res->vmax = a[k] > res->vmax ? a[k] : res->vmax;
        res->abs_sum += fabs(a[k]);
    }
}

/* Assembles the values of mm through plan and takes their statistics. */
static int info_assemble(const char *path, spg_context *ctx, const spg_plan *plan,
                         const spg_mm *mm, info_result *res)
{
    if ((uint64_t)res->stored > SIZE_MAX / sizeof(double))
        return info_status_error(path, "assembled values", SPG_ERR_ALLOC);
    size_t count = (size_t)res->stored;
    double *Ax = malloc((count ? count : 1) * sizeof *Ax);
    if (!Ax)
        return info_status_error(path, "assembled values", SPG_ERR_ALLOC);
    spg_status s = spg_assemble(ctx, plan, SPG_DOUBLE, mm->V, Ax);
    if (s == SPG_SUCCESS)
        info_value_stats(Ax, res->stored, res);
    free(Ax);
    return s == SPG_SUCCESS ? 0 : info_status_error(path, "spg_assemble", s);
}

/* Makes the plan of mm's one-based triplets on the CPU and, unless mm is a
 * pattern, assembles its values. */
static int info_analyse(const char *path, const spg_mm *mm, info_result *res)
{
    spg_context *ctx = NULL;
    spg_plan *plan = NULL;
    spg_coo coo = {mm->m, mm->n, mm->nnz, SPG_INT64, mm->I, mm->J};
    spg_status s = spg_context_create(SPG_BACKEND_CPU, &ctx);
    if (s != SPG_SUCCESS)
        return info_status_error(path, "spg_context_create", s);
    int rc = 0;
    s = spg_plan_create(ctx, &coo, SPG_ONE_BASED, &plan);
    if (s != SPG_SUCCESS)
        rc = info_status_error(path, "spg_plan_create", s);
    if (!rc) {
        res->stored = spg_plan_nnz(plan);
        if (res->stored < 0) {
            fprintf(stderr, "spgrad info: %s: spg_plan_nnz: no plan\n", path);
            rc = 1;
        }
    }
    if (!rc && !mm->pattern)
        rc = info_assemble(path, ctx, plan, mm, res);
    spg_plan_destroy(plan);
    spg_context_destroy(ctx);
    return rc;
}

/* The banner's field and symmetry words, e.g. "real symmetric". */
static void info_type(const spg_mm *mm, char *buf, size_t len)
{
    const char *field = mm->pattern ? "pattern" : mm->integer ? "integer" : "real";
    const char *sym = mm->symmetry == SPG_MM_SYMMETRIC ? "symmetric"
                      : mm->symmetry == SPG_MM_SKEW    ? "skew-symmetric"
                                                       : "general";
    snprintf(buf, len, "%s %s", field, sym);
}

/* Prints the report of a file that was read and analysed. */
static void info_print(const char *path, const spg_mm *mm, const info_result *res)
{
    char type[64];
    info_type(mm, type, sizeof type);
    printf("file:        %s\n", path);
    printf("type:        %s\n", type);
    printf("shape:       %" PRId64 " x %" PRId64 "\n", mm->m, mm->n);
    printf("entries:     %" PRId64 " listed, %" PRId64 " triplets after expansion\n",
           mm->entries, mm->nnz);
    printf("stored:      %" PRId64 " entries (spg_plan_nnz)\n", res->stored);
    printf("duplicates:  %" PRId64 " summed\n", mm->nnz - res->stored);
    if (mm->pattern)
        return;
    if (res->stored == 0)
        printf("values:      none stored\n");
    else
        printf("values:      min %.10g, max %.10g, sum |a| %.10g\n", res->vmin, res->vmax,
               res->abs_sum);
}

/* Reads path into mm; 1 with a message on stderr when it cannot. */
static int info_read(const char *path, const spg_mm_options *opt, spg_mm *mm)
{
    char err[256];
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "spgrad info: %s: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = spg_mm_read_with(f, opt, mm, err, sizeof err);
    fclose(f);
    if (rc) {
        fprintf(stderr, "spgrad info: %s: %s\n", path, err);
        return 1;
    }
    return 0;
}

/* Entry point of "spgrad info FILE.mtx [options]"; argv[0] is FILE. */
int spg_cmd_info(int argc, char **argv)
{
    spg_mm_options opt = {SPG_MM_MAX_BYTES, 0};
    if (argc < 1)
        return info_usage("missing FILE argument");
    if (info_is_help(argv[0])) {
        printf("%s  read a Matrix Market coordinate file, make its plan, assemble it and\n"
               "  print its type, shape, entries, stored entries and duplicates summed\n"
               "  --max-memory BYTES  most memory the dimensions may need, 16 bytes a row\n"
               "                      and a column (default 1G; K, M, G, T; 0: no limit)\n"
               "  --nonfinite         read the values inf and nan (refused by default)\n",
               info_usage_line);
        return 0;
    }
    for (int a = 1; a < argc; a++) {
        const int got = spg_arg_mm_option("spgrad info", argc, argv, &a, 1, &opt);
        if (got < 0)
            return 2;
        if (got == 0)
            return info_usage("unknown argument");
    }
    const char *path = argv[0];
    spg_mm mm = {0};
    info_result res = {0, 0.0, 0.0, 0.0};
    int rc = info_read(path, &opt, &mm);
    if (!rc)
        rc = info_analyse(path, &mm, &res);
    if (!rc)
        info_print(path, &mm, &res);
    spg_mm_free(&mm);
    return rc;
}
