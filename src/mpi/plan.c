/* Making a distributed plan: the arguments checked on every rank, each
 * triplet routed to the rank that owns its row, the indices exchanged
 * once, and the local plan made over the concatenation of the triplets of
 * this rank's rows in (rank, k) order. Every stage ends in an agreement,
 * so that the ranks go on, or return, together. */
#include <limits.h>
#include <stdlib.h>

#include "mpi_internal.h"

/* The arguments one rank checks alone. */
static spg_status check_local(spg_context *ctx, const spg_coo *coo, int64_t rows, int64_t cols,
                              unsigned flags, spg_mpi_plan **plan)
{
    const unsigned allowed = SPG_ONE_BASED | SPG_SKIP_NEGATIVE | SPG_COMPRESS_ROWS;
    spg_backend backend;
    if (!ctx || !coo || !plan)
        return SPG_ERR_NULL_POINTER;
    spg_context_backend(ctx, &backend);
    if (backend != SPG_BACKEND_CPU)
        return SPG_ERR_NOT_BUILT;
    if ((coo->itype != SPG_INT32 && coo->itype != SPG_INT64) || coo->nnz < 0 || (flags & ~allowed))
        return SPG_ERR_INVALID_VALUE;
    if (coo->m < 0 || coo->n < 0 || coo->m == INT64_MAX || coo->n == INT64_MAX || rows < 0 ||
        rows > coo->m || cols < 0 || cols > coo->n)
        return SPG_ERR_DIMENSION;
    if (coo->nnz > 0 && (!coo->I || !coo->J))
        return SPG_ERR_NULL_POINTER;
    if (coo->itype == SPG_INT32 && coo->nnz > INT32_MAX)
        return SPG_ERR_INDEX_OVERFLOW;
    return SPG_SUCCESS;
}

/* Collective: each rank's first index from the ranks' counts in rank
 * order (first[size] = total); SPG_ERR_DIMENSION where they do not add up
 * to total. */
static spg_status firsts(MPI_Comm comm, int size, int64_t count, int64_t total, int64_t *first)
{
    MPI_Allgather(&count, 1, MPI_INT64_T, first + 1, 1, MPI_INT64_T, comm);
    first[0] = 0;
    for (int p = 0; p < size; p++) {
        if (first[p + 1] > total - first[p])
            return SPG_ERR_DIMENSION; /* more than total */
        first[p + 1] += first[p];
    }
    return first[size] == total ? SPG_SUCCESS : SPG_ERR_DIMENSION;
}

/* Collective: m, n, the flags and the index type are the same on every
 * rank, and the row and column counts add up to m and n; begin[p] and
 * cbegin[p] get rank p's first row and column. */
static spg_status check_shapes(MPI_Comm comm, int size, const spg_coo *coo, int64_t rows,
                               int64_t cols, unsigned flags, int64_t *begin, int64_t *cbegin)
{
    int64_t mine[8] = {coo->m, coo->n, flags, coo->itype}, most[8];
    for (int q = 0; q < 4; q++)
        mine[4 + q] = -mine[q]; /* the maximum of -x is minus the minimum */
    MPI_Allreduce(mine, most, 8, MPI_INT64_T, MPI_MAX, comm);
    const spg_status by_rows = firsts(comm, size, rows, coo->m, begin);
    const spg_status by_cols = firsts(comm, size, cols, coo->n, cbegin);
    if (most[0] != -most[4] || most[1] != -most[5])
        return SPG_ERR_DIMENSION;
    if (most[2] != -most[6] || most[3] != -most[7])
        return SPG_ERR_INVALID_VALUE;
    return by_rows != SPG_SUCCESS ? by_rows : by_cols;
}

/* Triplet k's zero-based (i, j): 1 kept, 0 skipped, or the status that
 * spg_plan_create gives it. */
static int triplet(const spg_coo *coo, unsigned flags, int64_t k, int64_t *i, int64_t *j)
{
    const int64_t r = spg_mpi_index(coo->itype, coo->I, k), c = spg_mpi_index(coo->itype, coo->J, k);
    const int64_t base = (flags & SPG_ONE_BASED) ? 1 : 0;
    if (r < 0 || c < 0)
        return (flags & SPG_SKIP_NEGATIVE) ? 0 : SPG_ERR_NEGATIVE_INDEX;
    if (r < base || r - base >= coo->m || c < base || c - base >= coo->n)
        return SPG_ERR_INDEX_RANGE;
    *i = r - base, *j = c - base;
    return 1;
}

/* The last q < len with a[q] <= v, for ascending a with a[0] <= v. */
static int64_t last_at_most(const int64_t *a, int64_t len, int64_t v)
{
    int64_t lo = 0, hi = len;
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The rank whose rows (or columns) hold index i, from the ranks' first
 * ones: the last p with begin[p] <= i (ranks with none share their begin
 * with the next one). */
static int owner(const int64_t *begin, int size, int64_t i)
{
    return (int)last_at_most(begin, size, i);
}

/* cnt[p]: the kept triplets in rank p's rows; the first bad triplet's
 * status. */
static spg_status count(const spg_coo *coo, unsigned flags, const int64_t *begin, int size,
                        int64_t *cnt)
{
    for (int64_t k = 0; k < coo->nnz; k++) {
        int64_t i, j;
        const int r = triplet(coo, flags, k, &i, &j);
        if (r < 0)
            return (spg_status)r;
        if (r == 1)
            cnt[owner(begin, size, i)]++;
    }
    return SPG_SUCCESS;
}

/* R: the ranks but me with a count, each segment at the running sum of
 * the counts, mine included where with_mine (then *mine is where mine
 * starts); *total the sum. */
static spg_status route(const int64_t *cnt, int size, int me, int with_mine, spg_mpi_route *R,
                        int64_t *total, int64_t *mine)
{
    int n = 0;
    for (int p = 0; p < size; p++) {
        if (cnt[p] > INT_MAX)
            return SPG_ERR_INDEX_OVERFLOW; /* an MPI count */
        n += p != me && cnt[p] > 0;
    }
    R->rank = malloc((size_t)n * sizeof *R->rank + 1);
    R->off = malloc((size_t)n * sizeof *R->off + 1);
    R->len = malloc((size_t)n * sizeof *R->len + 1);
    if (!R->rank || !R->off || !R->len)
        return SPG_ERR_ALLOC;
    int64_t at = 0;
    for (int p = 0; p < size; p++) {
        if (p == me) {
            if (mine)
                *mine = at;
            at += with_mine ? cnt[p] : 0;
        } else if (cnt[p] > 0) {
            R->rank[R->count] = p, R->off[R->count] = at, R->len[R->count++] = (int)cnt[p];
            at += cnt[p];
        }
    }
    *total = at;
    return SPG_SUCCESS;
}

/* The routes of the plan from the counts sent (cnt) and received (rcnt),
 * and the arrays and buffers that follow from them. */
static spg_status make_routes(spg_mpi_plan *P, int size, int me, const int64_t *cnt,
                              const int64_t *rcnt)
{
    spg_status st = route(cnt, size, me, 0, &P->send, &P->info.sent, NULL);
    if (st == SPG_SUCCESS)
        st = route(rcnt, size, me, 1, &P->recv, &P->len, &P->own_off);
    if (st != SPG_SUCCESS)
        return st;
    P->info.received = P->len - cnt[me];
    P->info.sends = P->send.count, P->info.receives = P->recv.count;
    P->own_k = malloc((size_t)cnt[me] * sizeof *P->own_k + 1);
    P->send_k = malloc((size_t)P->info.sent * sizeof *P->send_k + 1);
    /* with a shared part the received values go to scat, and the local
     * plan's sum reads cat's received places as they are (zeros, then
     * whatever a pullback left): it sums them only into entries that the
     * shared part's sum overwrites */
    P->cat = calloc((size_t)P->len + 1, sizeof(double));
    P->buf = malloc((size_t)P->info.sent * sizeof(double) + 1);
    P->req = malloc((size_t)(P->send.count + P->recv.count) * sizeof *P->req + 1);
    return P->own_k && P->send_k && P->cat && P->buf && P->req ? SPG_SUCCESS : SPG_ERR_ALLOC;
}

/* The concatenation's triplets: rows in the owner's block, global columns,
 * in the index type of the triplets given. */
typedef struct cat_index {
    spg_itype t;
    void *I, *J;
} cat_index;

static void put(cat_index *c, int64_t t, int64_t i, int64_t j)
{
    if (c->t == SPG_INT32)
        ((int32_t *)c->I)[t] = (int32_t)i, ((int32_t *)c->J)[t] = (int32_t)j;
    else
        ((int64_t *)c->I)[t] = i, ((int64_t *)c->J)[t] = j;
}

/* own_k and send_k in k order; each own triplet's (row in this block,
 * column) straight into the concatenation at own_off, each sent one's
 * into sendpairs in buf's order. */
static void sort_triplets(spg_mpi_plan *P, const spg_coo *coo, unsigned flags,
                          const int64_t *begin, int size, int me, int64_t *pos,
                          int64_t *sendpairs, cat_index *cat)
{
    int64_t nown = 0;
    for (int r = 0; r < P->send.count; r++)
        pos[P->send.rank[r]] = P->send.off[r];
    for (int64_t k = 0; k < coo->nnz; k++) {
        int64_t i, j;
        if (triplet(coo, flags, k, &i, &j) != 1)
            continue;
        const int p = owner(begin, size, i);
        if (p == me) {
            P->own_k[nown] = k;
            put(cat, P->own_off + nown++, i - begin[me], j);
        } else {
            P->send_k[pos[p]] = k;
            sendpairs[2 * pos[p]] = i - begin[p], sendpairs[2 * pos[p] + 1] = j;
            pos[p]++;
        }
    }
}

/* The received pairs, at their segments' places in recvpairs, into the
 * concatenation. */
static void put_received(const spg_mpi_plan *P, const int64_t *recvpairs, cat_index *cat)
{
    for (int r = 0; r < P->recv.count; r++)
        for (int64_t t = P->recv.off[r]; t < P->recv.off[r] + P->recv.len[r]; t++)
            put(cat, t, recvpairs[2 * t], recvpairs[2 * t + 1]);
}

static int cmp_index(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The block's columns: j - col_begin for this rank's own, ncols + the
 * ghost's place for the others' (P->ghost, ascending and unique). */
static spg_status compact_columns(spg_mpi_plan *P, cat_index *cat)
{
    const int64_t cb = P->info.col_begin, ce = P->info.col_end, ncols = ce - cb;
    int64_t n = 0, u = 0;
    for (int64_t t = 0; t < P->len; t++) {
        const int64_t j = spg_mpi_index(cat->t, cat->J, t);
        n += j < cb || j >= ce;
    }
    int64_t *g = malloc((size_t)n * sizeof *g + 1);
    if (!g)
        return SPG_ERR_ALLOC;
    for (int64_t t = 0; t < P->len; t++) {
        const int64_t j = spg_mpi_index(cat->t, cat->J, t);
        if (j < cb || j >= ce)
            g[u++] = j;
    }
    qsort(g, (size_t)n, sizeof *g, cmp_index);
    u = 0;
    for (int64_t q = 0; q < n; q++)
        if (q == 0 || g[q] != g[q - 1])
            g[u++] = g[q];
    int64_t *kept = realloc(g, (size_t)u * sizeof *g + 1); /* the duplicates gone */
    P->ghost = kept ? kept : g, P->info.ghosts = u;
    if (cat->t == SPG_INT32 && ncols + u > INT32_MAX)
        return SPG_ERR_INDEX_OVERFLOW;
    for (int64_t t = 0; t < P->len; t++) {
        const int64_t i = spg_mpi_index(cat->t, cat->I, t), j = spg_mpi_index(cat->t, cat->J, t);
        put(cat, t, i, j >= cb && j < ce ? j - cb : ncols + last_at_most(P->ghost, u, j));
    }
    return SPG_SUCCESS;
}

/* The local plan's stored entry at block entry (i, j), which exists: a
 * search in its column of A (its row where the plan stores rows). */
static int64_t entry(const spg_mpi_plan *P, const spg_csc *A, int64_t i, int64_t j)
{
    const int64_t col = P->by_rows ? i : j, row = P->by_rows ? j : i;
    int64_t lo = spg_mpi_index(A->itype, A->colptr, col);
    int64_t hi = spg_mpi_index(A->itype, A->colptr, col + 1);
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (spg_mpi_index(A->itype, A->rowind, mid) <= row)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Where this rank's own triplets end in the concatenation, and whether
 * triplet t of it is one of them. */
static int64_t own_end(const spg_mpi_plan *P)
{
    return P->own_off + (P->len - P->info.received);
}

static int own(const spg_mpi_plan *P, int64_t t)
{
    return t >= P->own_off && t < own_end(P);
}

/* Whether triplet t of the concatenation c reaches a shared entry: every
 * received one does; an own one where its entry is marked in hit (its
 * row first, in row, to keep the searches to the rows that received
 * triplets reach). */
static int shared(const spg_mpi_plan *P, const spg_coo *c, const spg_csc *A,
                  const unsigned char *row, const unsigned char *hit, int64_t t)
{
    if (!own(P, t))
        return 1;
    const int64_t i = spg_mpi_index(c->itype, c->I, t);
    return row[i] && hit[entry(P, A, i, spg_mpi_index(c->itype, c->J, t))];
}

/* Marks the entries that received triplets reach (hit) and their rows
 * (row); counts them, and the own triplets that reach them. */
static void mark_shared(spg_mpi_plan *P, const spg_coo *c, const spg_csc *A, unsigned char *row,
                        unsigned char *hit)
{
    const int64_t from[2] = {0, own_end(P)}, to[2] = {P->own_off, P->len}; /* the received */
    for (int h = 0; h < 2; h++)
        for (int64_t t = from[h]; t < to[h]; t++) {
            const int64_t i = spg_mpi_index(c->itype, c->I, t);
            const int64_t p = entry(P, A, i, spg_mpi_index(c->itype, c->J, t));
            P->nspos += !hit[p];
            hit[p] = 1, row[i] = 1;
        }
    for (int64_t t = P->own_off; t < own_end(P); t++)
        P->nsown += shared(P, c, A, row, hit, t);
}

/* The shared part's arrays and the triplets of its plan, into s. */
static void list_shared(spg_mpi_plan *P, const spg_coo *c, const spg_csc *A,
                        const unsigned char *row, const unsigned char *hit, cat_index *s)
{
    int64_t u = 0, o = 0;
    for (int64_t p = 0; p < A->nnz; p++)
        if (hit[p])
            P->spos[u++] = p;
    u = 0;
    for (int64_t t = 0; t < P->len; t++) {
        if (!shared(P, c, A, row, hit, t))
            continue;
        put(s, u++, spg_mpi_index(c->itype, c->I, t), spg_mpi_index(c->itype, c->J, t));
        if (own(P, t))
            P->sown_k[o++] = P->own_k[t - P->own_off];
    }
}

/* No shared part: the assembly waits for the received values. */
static void drop_shared(spg_mpi_plan *P)
{
    spg_plan_destroy(P->shared);
    free(P->spos), free(P->sown_k), free(P->scat), free(P->sval);
    P->shared = NULL, P->spos = P->sown_k = NULL, P->scat = P->sval = NULL;
    P->nspos = P->nsown = P->nscat = 0;
}

/* The shared part of the block (mpi_internal.h), so that the assembly can
 * sum every other entry while the received values travel, where it holds
 * at most 1 / SPG_MPI_SHARED_PART of the concatenation and its memory is
 * there (else the plan goes without). Its plan sums each of its entries'
 * triplets in the local plan's order, and its entries are the local
 * plan's at spos: the two sort them alike. The received segments move to
 * their places in scat. */
static void make_shared(spg_mpi_plan *P, spg_context *ctx, const spg_coo *c, unsigned flags)
{
    spg_csc A;
    const int64_t most = P->len / SPG_MPI_SHARED_PART;
    if (P->info.received == 0 || P->info.received > most ||
        spg_plan_csc(P->local, SPG_DOUBLE, NULL, &A) != SPG_SUCCESS)
        return; /* none (the view of a plan made here cannot fail) */
    unsigned char *row = calloc((size_t)c->m + 1, 1), *hit = calloc((size_t)A.nnz + 1, 1);
    const size_t is = c->itype == SPG_INT32 ? 4 : 8;
    cat_index s = {c->itype, NULL, NULL};
    int ok = row && hit;
    if (ok) {
        mark_shared(P, c, &A, row, hit);
        P->nscat = P->info.received + P->nsown;
        ok = P->nscat <= most;
    }
    if (ok) {
        s.I = malloc((size_t)P->nscat * is + 1), s.J = malloc((size_t)P->nscat * is + 1);
        P->spos = malloc((size_t)P->nspos * sizeof *P->spos + 1);
        P->sown_k = malloc((size_t)P->nsown * sizeof *P->sown_k + 1);
        P->scat = malloc((size_t)P->nscat * sizeof(double) + 1);
        P->sval = malloc((size_t)P->nspos * sizeof(double) + 1);
        ok = s.I && s.J && P->spos && P->sown_k && P->scat && P->sval;
    }
    if (ok) {
        list_shared(P, c, &A, row, hit, &s);
        const spg_coo sc = {c->m, c->n, P->nscat, c->itype, s.I, s.J};
        ok = spg_plan_create(ctx, &sc, flags & SPG_COMPRESS_ROWS, &P->shared) == SPG_SUCCESS;
    }
    const int64_t nown = P->len - P->info.received;
    for (int r = 0; ok && r < P->recv.count; r++)
        if (P->recv.off[r] >= P->own_off) /* after the own triplets */
            P->recv.off[r] += P->nsown - nown;
    if (!ok)
        drop_shared(P);
    free(row), free(hit), free(s.I), free(s.J);
}

/* Routes every triplet, exchanges the pairs and makes the local plan over
 * the concatenation. recvpairs has a place for every triplet of it, but
 * only the received segments are written: the pages of the own segment
 * are never touched. */
static spg_status exchange_pattern(spg_mpi_plan *P, spg_context *ctx, const spg_coo *coo,
                                   unsigned flags, const int64_t *begin, int size, int me,
                                   int64_t *pos)
{
    const size_t is = coo->itype == SPG_INT32 ? 4 : 8;
    int64_t *sendpairs = malloc((size_t)P->info.sent * 16 + 1);
    int64_t *recvpairs = malloc((size_t)P->len * 16 + 1);
    cat_index cat = {coo->itype, malloc((size_t)P->len * is + 1), malloc((size_t)P->len * is + 1)};
    spg_status st = sendpairs && recvpairs && cat.I && cat.J ? SPG_SUCCESS : SPG_ERR_ALLOC;
    if (st == SPG_SUCCESS && coo->itype == SPG_INT32 && P->len > INT32_MAX)
        st = SPG_ERR_INDEX_OVERFLOW;
    st = spg_mpi_agree(P->comm, st);
    if (st == SPG_SUCCESS) {
        MPI_Datatype pair;
        MPI_Type_contiguous(2, MPI_INT64_T, &pair);
        MPI_Type_commit(&pair);
        sort_triplets(P, coo, flags, begin, size, me, pos, sendpairs, &cat);
        spg_mpi_finish(P, spg_mpi_start(P, pair, 16, &P->recv, recvpairs, &P->send, sendpairs));
        MPI_Type_free(&pair);
        put_received(P, recvpairs, &cat);
        st = compact_columns(P, &cat);
        const int64_t ncols = P->info.col_end - P->info.col_begin;
        const spg_coo c = {P->info.row_end - P->info.row_begin, ncols + P->info.ghosts, P->len,
                           coo->itype, cat.I, cat.J};
        if (st == SPG_SUCCESS)
            st = spg_plan_create(ctx, &c, flags & SPG_COMPRESS_ROWS, &P->local);
        if (st == SPG_SUCCESS)
            make_shared(P, ctx, &c, flags);
        st = spg_mpi_agree(P->comm, st);
    }
    free(sendpairs), free(recvpairs), free(cat.I), free(cat.J);
    return st;
}

/* The halo's routes, from how many ghosts this rank needs from each rank;
 * its buffers; the requests of the larger of the two exchanges. */
static spg_status halo_routes(spg_mpi_plan *P, int size, int me, const int64_t *need,
                              const int64_t *give)
{
    int64_t ghosts;
    spg_status st = route(need, size, me, 0, &P->hrecv, &ghosts, NULL);
    if (st == SPG_SUCCESS)
        st = route(give, size, me, 0, &P->hsend, &P->nhsend, NULL);
    if (st != SPG_SUCCESS)
        return st;
    const int64_t ext = P->info.col_end - P->info.col_begin + P->info.ghosts;
    const int reqs = P->send.count + P->recv.count, hreqs = P->hsend.count + P->hrecv.count;
    MPI_Request *req = realloc(P->req, (size_t)(reqs > hreqs ? reqs : hreqs) * sizeof *req + 1);
    if (req)
        P->req = req;
    P->hsend_col = malloc((size_t)P->nhsend * sizeof *P->hsend_col + 1);
    P->hbuf = malloc((size_t)P->nhsend * sizeof(double) + 1);
    P->xext = malloc((size_t)ext * sizeof(double) + 1);
    P->zext = malloc((size_t)ext * sizeof(double) + 1);
    return req && P->hsend_col && P->hbuf && P->xext && P->zext ? SPG_SUCCESS : SPG_ERR_ALLOC;
}

/* The halo: each rank asks the owners of its ghosts for them once, and
 * keeps which of its columns it sends to whom (hsend_col). */
static spg_status make_halo(spg_mpi_plan *P, int size, int me, const int64_t *cbegin)
{
    int64_t *need = calloc((size_t)size, sizeof *need), *give = calloc((size_t)size, sizeof *give);
    spg_status st = spg_mpi_agree(P->comm, need && give ? SPG_SUCCESS : SPG_ERR_ALLOC);
    if (st == SPG_SUCCESS) {
        for (int64_t g = 0; g < P->info.ghosts; g++)
            need[owner(cbegin, size, P->ghost[g])]++;
        MPI_Alltoall(need, 1, MPI_INT64_T, give, 1, MPI_INT64_T, P->comm);
        st = spg_mpi_agree(P->comm, halo_routes(P, size, me, need, give));
    }
    if (st == SPG_SUCCESS) { /* the ghosts' global columns to their owners */
        const int n = spg_mpi_start(P, MPI_INT64_T, 8, &P->hsend, P->hsend_col, &P->hrecv, P->ghost);
        spg_mpi_finish(P, n);
        for (int64_t t = 0; t < P->nhsend; t++)
            P->hsend_col[t] -= P->info.col_begin;
    }
    free(need), free(give);
    return st;
}

void spg_mpi_plan_destroy(spg_mpi_plan *P)
{
    if (!P)
        return;
    if (P->comm != MPI_COMM_NULL)
        MPI_Comm_free(&P->comm);
    spg_plan_destroy(P->local);
    drop_shared(P);
    spg_mpi_route *routes[] = {&P->send, &P->recv, &P->hsend, &P->hrecv};
    for (int r = 0; r < 4; r++)
        free(routes[r]->rank), free(routes[r]->off), free(routes[r]->len);
    free(P->own_k), free(P->send_k), free(P->cat), free(P->buf), free(P->req);
    free(P->ghost), free(P->hsend_col), free(P->hbuf), free(P->xext), free(P->zext);
    free(P);
}

/* The checks, then the counts of triplets per owner: every rank passes
 * both agreements or returns. */
static spg_status check_all(spg_context *ctx, MPI_Comm comm, int size, const spg_coo *coo,
                            int64_t rows, int64_t cols, unsigned flags, spg_mpi_plan **plan,
                            int alloc_failed, int64_t *begin, int64_t *cbegin, int64_t *cnt)
{
    spg_status st = check_local(ctx, coo, rows, cols, flags, plan);
    if (st == SPG_SUCCESS && alloc_failed)
        st = SPG_ERR_ALLOC;
    st = spg_mpi_agree(comm, st);
    if (st != SPG_SUCCESS)
        return st;
    st = check_shapes(comm, size, coo, rows, cols, flags, begin, cbegin);
    if (st == SPG_SUCCESS)
        st = count(coo, flags, begin, size, cnt);
    return spg_mpi_agree(comm, st);
}

spg_status spg_mpi_plan_create(spg_context *ctx, MPI_Comm comm, const spg_coo *coo,
                               int64_t rows, int64_t cols, unsigned flags, spg_mpi_plan **plan)
{
    if (comm == MPI_COMM_NULL)
        return SPG_ERR_INVALID_VALUE; /* no ranks to agree with */
    int size, me;
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &me);
    int64_t *begin = malloc(((size_t)size + 1) * sizeof *begin);
    int64_t *cbegin = malloc(((size_t)size + 1) * sizeof *cbegin);
    int64_t *cnt = calloc((size_t)size, sizeof *cnt), *rcnt = calloc((size_t)size, sizeof *rcnt);
    spg_mpi_plan *P = calloc(1, sizeof *P);
    if (P)
        P->comm = MPI_COMM_NULL;
    spg_status st = check_all(ctx, comm, size, coo, rows, cols, flags, plan,
                              !(begin && cbegin && cnt && rcnt && P), begin, cbegin, cnt);
    if (st == SPG_SUCCESS) {
        MPI_Comm_dup(comm, &P->comm);
        MPI_Alltoall(cnt, 1, MPI_INT64_T, rcnt, 1, MPI_INT64_T, comm);
        P->by_rows = (flags & SPG_COMPRESS_ROWS) != 0;
        P->info = (spg_mpi_plan_info){.row_begin = begin[me], .row_end = begin[me + 1],
                                      .col_begin = cbegin[me], .col_end = cbegin[me + 1],
                                      .nnz_coo = coo->nnz};
        st = spg_mpi_agree(comm, make_routes(P, size, me, cnt, rcnt));
    }
    if (st == SPG_SUCCESS) /* cnt, no longer needed, keeps the positions in buf */
        st = exchange_pattern(P, ctx, coo, flags, begin, size, me, cnt);
    if (st == SPG_SUCCESS)
        st = make_halo(P, size, me, cbegin);
    if (st == SPG_SUCCESS) {
        P->info.nnz = spg_plan_nnz(P->local);
        *plan = P;
        P = NULL;
    }
    spg_mpi_plan_destroy(P);
    free(begin), free(cbegin), free(cnt), free(rcnt);
    return st;
}

spg_status spg_mpi_plan_query(const spg_mpi_plan *plan, spg_mpi_plan_info *info)
{
    if (!plan || !info)
        return SPG_ERR_NULL_POINTER;
    *info = plan->info;
    return SPG_SUCCESS;
}

spg_status spg_mpi_plan_csc(const spg_mpi_plan *plan, spg_dtype dtype, const void *values,
                            spg_csc *A)
{
    return plan ? spg_plan_csc(plan->local, dtype, values, A) : SPG_ERR_NULL_POINTER;
}

spg_status spg_mpi_plan_ghosts(const spg_mpi_plan *plan, const int64_t **ghosts)
{
    if (!plan || !ghosts)
        return SPG_ERR_NULL_POINTER;
    *ghosts = plan->ghost;
    return SPG_SUCCESS;
}
