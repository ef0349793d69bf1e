/* Real matrices from the SuiteSparse Matrix Collection (tests/data): the plan
 * and assembly reproduce each one, compared with a reference built by a
 * comparison sort, by columns and by rows, with int32 and int64 indices, on
 * the backend that the command line names (dev.h). */
#include <stdlib.h>

#include "check.h"
#include "dev.h"
#include "read.h"

typedef struct ref_entry {
    int64_t c, r, k; /* compressed index, other index, triplet */
} ref_entry;

static int cmp_entry(const void *a, const void *b)
{
    const ref_entry *x = a, *y = b;
    if (x->c != y->c)
        return x->c < y->c ? -1 : 1;
    if (x->r != y->r)
        return x->r < y->r ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* Compares a plan's view with qsort'ed triplets, duplicates summed in order. */
static int matches_reference(const spg_mm *mm, const spg_csc *A, int by_rows)
{
    ref_entry *e = malloc((size_t)(mm->nnz > 0 ? mm->nnz : 1) * sizeof *e);
    if (!e)
        exit(2);
    for (int64_t k = 0; k < mm->nnz; k++) {
        int64_t i = mm->I[k] - 1, j = mm->J[k] - 1;
        e[k] = (ref_entry){by_rows ? i : j, by_rows ? j : i, k};
    }
    qsort(e, (size_t)mm->nnz, sizeof *e, cmp_entry);
    int64_t s = 0, t = 0;
    int ok = 1;
    for (; ok && t < mm->nnz; s++) {
        /* one stored entry: the group of equal (c, r), summed in triplet order */
        const ref_entry first = e[t];
        double sum = mm->V ? mm->V[first.k] : 1;
        for (t++; t < mm->nnz && e[t].c == first.c && e[t].r == first.r; t++)
            sum += mm->V ? mm->V[e[t].k] : 1;
        ok = s < A->nnz && spg_iget(A->itype, A->rowind, s) == first.r &&
             spg_iget(A->itype, A->colptr, first.c) <= s &&
             s < spg_iget(A->itype, A->colptr, first.c + 1) &&
             (!A->values || spg_vget(A->dtype, A->values, s) == sum);
    }
    ok = ok && s == A->nnz;
    free(e);
    return ok;
}

/* A = A' (symmetric) or A = -A' (skew): entry (r, c) has a mirror (c, r). */
static int mirrored(const spg_csc *A, double sign)
{
    for (int64_t c = 0; c < A->n; c++)
        for (int64_t q = spg_iget(A->itype, A->colptr, c); q < spg_iget(A->itype, A->colptr, c + 1); q++) {
            int64_t r = spg_iget(A->itype, A->rowind, q), p = -1;
            for (int64_t t = spg_iget(A->itype, A->colptr, r); t < spg_iget(A->itype, A->colptr, r + 1); t++)
                if (spg_iget(A->itype, A->rowind, t) == c)
                    p = t;
            if (p < 0 || (A->values && spg_vget(A->dtype, A->values, p) !=
                                           sign * spg_vget(A->dtype, A->values, q)))
                return 0;
        }
    return 1;
}

static void check_matrix(spg_context *ctx, const char *dir, const char *file)
{
    spg_mm mm;
    if (!spg_test_read(dir, file, &mm))
        return;
    int32_t *I32 = malloc((size_t)(mm.nnz + 1) * sizeof *I32);
    int32_t *J32 = malloc((size_t)(mm.nnz + 1) * sizeof *J32);
    double *Ax = malloc((size_t)(mm.nnz + 1) * sizeof *Ax);
    for (int64_t k = 0; k < mm.nnz; k++)
        I32[k] = (int32_t)mm.I[k], J32[k] = (int32_t)mm.J[k];
    const int mark = dev_mark();
    const size_t n4 = (size_t)mm.nnz * 4, n8 = (size_t)mm.nnz * 8;
    dev_reg(I32, n4), dev_reg(J32, n4), dev_reg(mm.I, n8), dev_reg(mm.J, n8);
    dev_reg(Ax, n8), dev_reg(mm.V, n8);
    for (int it = 0; it < 2; it++)
        for (int by_rows = 0; by_rows < 2; by_rows++) {
            const spg_coo coo = {mm.m, mm.n, mm.nnz, (spg_itype)it, dv(it ? (void *)mm.I : I32),
                                 dv(it ? (void *)mm.J : J32)};
            spg_plan *plan = NULL;
            unsigned flags = SPG_ONE_BASED | (by_rows ? SPG_COMPRESS_ROWS : 0);
            if (!CHECK_STATUS(DEV(spg_plan_create(ctx, &coo, flags, &plan)), SPG_SUCCESS))
                continue;
            if (mm.V)
                CHECK_STATUS(DEV(spg_assemble(ctx, plan, SPG_DOUBLE, dv(mm.V), dv(Ax))),
                             SPG_SUCCESS);
            spg_csc A = dev_view(plan, SPG_DOUBLE, mm.V ? Ax : NULL);
            int ok = CHECK(A.m == (by_rows ? mm.n : mm.m)) && CHECK(A.n == (by_rows ? mm.m : mm.n)) &&
                     CHECK(matches_reference(&mm, &A, by_rows));
            if (ok && mm.symmetry != SPG_MM_GENERAL)
                ok = CHECK(mirrored(&A, mm.symmetry == SPG_MM_SKEW ? -1.0 : 1.0));
            if (!ok)
                fprintf(stderr, "  %s: itype %d by rows %d\n", file, it, by_rows);
            dev_view_free(&A);
            spg_plan_destroy(plan);
        }
    dev_release(mark);
    printf("%-28s %6lld x %-6lld %8lld triplets: reproduced\n", file, (long long)mm.m,
           (long long)mm.n, (long long)mm.nnz);
    free(I32), free(J32), free(Ax);
    spg_mm_free(&mm);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_matrices DATA_DIR\n");
        return 2;
    }
    static const char *files[] = {"494_bus.mtx",   "Groebner_id2003_aug.mtx", "LFAT5_hypersparse.mtx",
                                  "bcsstk13.mtx",  "cage5.mtx",                "jagmesh7.mtx",
                                  "lp_e226.mtx",   "west0479.mtx",             "duplicates.mtx"};
    spg_context *ctx = dev_open(argc, argv);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        check_matrix(ctx, argv[1], files[i]);
    spg_context_destroy(ctx);
    return spg_test_done();
}
