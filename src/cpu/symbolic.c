/* Symbolic COO -> CSC analysis in O(nnz + m + n): a stable counting sort by
 * row, then a stable counting sort by column, gives the triplets in column
 * order with rows ascending and duplicates adjacent in triplet order. */
#include "cpu.h"

#include "../../kernels/coo.h"

/* Triplet k: 1 and its zero-based (i, j) when kept, 0 when skipped, or a
 * negative status. */
static int read_triplet(const spg_triplets *t, int64_t k, int64_t *i, int64_t *j)
{
    switch (spg_k_coo_index(t->I, t->J, k, t->base, t->skip_negative, t->m, t->n, i, j)) {
    case 1: return 1;
    case 0: return 0;
    case -1: return SPG_ERR_NEGATIVE_INDEX;
    default: return SPG_ERR_INDEX_RANGE;
    }
}

/* p[0..len] = exclusive prefix sums of the counts held in p[1..len] */
static void counts_to_starts(spg_int *p, int64_t len)
{
    for (int64_t a = 0; a < len; a++)
        p[a + 1] += p[a];
}

/* After a scatter advanced p[a] to the start of a + 1, moves it back. */
static void starts_from_ends(spg_int *p, int64_t len)
{
    for (int64_t a = len; a > 0; a--)
        p[a] = p[a - 1];
    p[0] = 0;
}

spg_status SPG_TYPED(spg_cpu_plan_build)(spg_context *ctx, const spg_triplets *t,
                                         spg_plan *plan)
{
    (void)ctx; /* serial */
    const int64_t m = t->m, n = t->n, N = t->nnz;
    spg_status st = SPG_SUCCESS;
    spg_int *rowptr = spg_calloc(m + 1, sizeof(spg_int));
    spg_int *colptr = spg_calloc(n + 1, sizeof(spg_int));
    spg_int *slot = spg_malloc(N, sizeof(spg_int));
    spg_int *rj = NULL, *rk = NULL, *ci = NULL, *perm = NULL, *seg = NULL;
    if (!rowptr || !colptr || !slot) {
        st = SPG_ERR_ALLOC;
        goto done;
    }

    /* validate every triplet and count the rows */
    for (int64_t k = 0; k < N; k++) {
        int64_t i, j;
        int r = read_triplet(t, k, &i, &j);
        if (r < 0) {
            st = (spg_status)r;
            goto done;
        }
        if (r)
            rowptr[i + 1]++;
    }
    counts_to_starts(rowptr, m);
    const int64_t kept = rowptr[m];

    /* stable sort by row: (column, triplet) of each kept triplet */
    rj = spg_malloc(kept, sizeof(spg_int));
    rk = spg_malloc(kept, sizeof(spg_int));
    ci = spg_malloc(kept, sizeof(spg_int));
    perm = spg_malloc(kept, sizeof(spg_int));
    seg = spg_malloc(kept + 1, sizeof(spg_int));
    if (!rj || !rk || !ci || !perm || !seg) {
        st = SPG_ERR_ALLOC;
        goto done;
    }
    for (int64_t k = 0; k < N; k++) {
        int64_t i, j;
        if (read_triplet(t, k, &i, &j) != 1) { /* validated above: skipped */
            slot[k] = -1;
            continue;
        }
        spg_int q = rowptr[i]++;
        rj[q] = (spg_int)j;
        rk[q] = (spg_int)k;
        colptr[j + 1]++;
    }
    starts_from_ends(rowptr, m);
    counts_to_starts(colptr, n);

    /* stable sort by column, rows taken in ascending order */
    for (int64_t i = 0; i < m; i++) {
        for (spg_int q = rowptr[i]; q < rowptr[i + 1]; q++) {
            spg_int p = colptr[rj[q]]++;
            ci[p] = (spg_int)i;
            perm[p] = rk[q];
        }
    }
    starts_from_ends(colptr, n);

    /* equal neighbours in a column are duplicates: compact them to entries */
    spg_int s = 0, q = 0;
    for (int64_t j = 0; j < n; j++) {
        const spg_int end = colptr[j + 1];
        spg_int prev = -1;
        colptr[j] = s;
        for (; q < end; q++) {
            if (ci[q] != prev) {
                prev = ci[q];
                ci[s] = prev;
                seg[s] = q;
                s++;
            }
            slot[perm[q]] = s - 1;
        }
    }
    colptr[n] = s;
    seg[s] = (spg_int)kept;

    plan->nnz_kept = kept;
    plan->nnz = s;
    plan->colptr = colptr;
    plan->rowind = spg_shrink(ci, s, sizeof(spg_int));
    plan->seg = spg_shrink(seg, (int64_t)s + 1, sizeof(spg_int));
    plan->perm = perm;
    plan->slot = slot;
    colptr = slot = ci = seg = perm = NULL; /* now the plan's */

done:
    spg_free(rowptr);
    spg_free(colptr);
    spg_free(slot);
    spg_free(rj);
    spg_free(rk);
    spg_free(ci);
    spg_free(perm);
    spg_free(seg);
    return st;
}
