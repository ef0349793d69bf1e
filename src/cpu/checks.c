/* The structure checks of CSC views and COO triplets on the CPU; they
 * read indices only, so they are compiled once per index type. */
#include "cpu.h"

#include "../../kernels/coo.h"

/* Whether every triplet is kept and in range: each thread checks the
 * extremes of its block. */
static int all_in_range(const spg_context *ctx, const spg_triplets *t)
{
    int ok = 1;
#pragma omp parallel num_threads(spg_team(ctx, t->nnz, t->nnz)) reduction(&& : ok)
    {
        int64_t lo, hi;
        spg_thread_block(t->nnz, &lo, &hi);
        ok = spg_k_coo_span_in_range(t->I, t->J, lo, hi, t->base, t->m, t->n);
    }
    return ok;
}

/* SPG_SUCCESS, or the status of the first bad triplet in triplet order
 * (as spg_plan_create reports it). */
spg_status spg_cpu_coo_check(spg_context *ctx, const spg_triplets *t)
{
    if (t->nnz == 0 || all_in_range(ctx, t))
        return SPG_SUCCESS;
    uint64_t first = UINT64_MAX;
#pragma omp parallel for num_threads(spg_team(ctx, t->nnz, t->nnz)) schedule(static) reduction(min : first)
    for (int64_t k = 0; k < t->nnz; k++) {
        const uint64_t key =
            spg_k_coo_bad_key(t->I, t->J, k, t->base, t->skip_negative, t->m, t->n);
        first = key < first ? key : first;
    }
    return spg_bad_key_status(first);
}

/* SPG_SUCCESS when A's structure is well formed */
spg_status spg_cpu_csc_check(spg_context *ctx, const spg_csc *A)
{
    const spg_int *colptr = A->colptr, *rowind = A->rowind;
    const int64_t n = A->n;
    if (colptr[0] != 0 || colptr[n] != A->nnz)
        return SPG_ERR_INVALID_MATRIX;
    int bad = 0;
#pragma omp parallel for num_threads(spg_team(ctx, A->nnz, n)) schedule(static) reduction(| : bad)
    for (int64_t j = 0; j < n; j++)
        bad |= !spg_k_col_valid(colptr, rowind, A->m, A->nnz, j);
    return bad ? SPG_ERR_INVALID_MATRIX : SPG_SUCCESS;
}
