/* Symbolic COO -> CSC analysis. A stable counting sort by column, parallel
 * over fixed blocks of triplets, then a sort of each column by (row,
 * triplet), gives the triplets in column order with rows ascending and
 * duplicates adjacent in triplet order: the same arrays for any thread
 * count. O(nnz + n) time and memory while columns are short; a column of L
 * triplets costs O(L log L). Nothing of size m is allocated. */
#include "cpu.h"

#include "../../kernels/coo.h"

/* Columns up to this many triplets are sorted by insertion; longer ones up
 * to 64 by a network in AVX2 or AVX-512 registers where the processor has
 * them (sort64.c), and up to SPG_MERGE_MAX through their distinct rows
 * where they have at most this many, else by a merge sort through a buffer
 * on the stack, from runs this long; longer still by heapsort, in place. */
#define SPG_INSERTION_MAX 32
#define SPG_MERGE_MAX 1024

/* Triplet k: 1 and its zero-based (i, j) when kept, 0 when skipped, or a
 * negative status. */
static int read_triplet(const spg_triplets *t, int64_t k, int64_t *i, int64_t *j)
{
    const int r = spg_k_coo_index(t->I, t->J, k, t->base, t->skip_negative, t->m, t->n, i, j);
    return r >= 0 ? r : (int)spg_triplet_status(r);
}

/* (r, k) pairs are unique, so ordering them is a stable sort by row. */
static int pair_less(const spg_int *r, const spg_int *k, int64_t a, int64_t b)
{
    return r[a] < r[b] || (r[a] == r[b] && k[a] < k[b]);
}

static void pair_swap(spg_int *r, spg_int *k, int64_t a, int64_t b)
{
    spg_int t = r[a];
    r[a] = r[b];
    r[b] = t;
    t = k[a];
    k[a] = k[b];
    k[b] = t;
}

/* Restores the max-heap below root a of the heap r[0..len). */
static void sift_down(spg_int *r, spg_int *k, int64_t a, int64_t len)
{
    for (int64_t c = 2 * a + 1; c < len; a = c, c = 2 * a + 1) {
        if (c + 1 < len && pair_less(r, k, c, c + 1))
            c++;
        if (!pair_less(r, k, a, c))
            return;
        pair_swap(r, k, a, c);
    }
}

/* Ascending sort of the keys a[0..len) by insertion. */
static void sort_keys(uint64_t *a, int64_t len)
{
    for (int64_t q = 1; q < len; q++) {
        const uint64_t v = a[q];
        int64_t p = q;
        for (; p > 0 && a[p - 1] > v; p--)
            a[p] = a[p - 1];
        a[p] = v;
    }
}

/* The sort below for 32-bit indices and len <= SPG_INSERTION_MAX, on one
 * 64-bit key a pair, r_q k_q as digits base 2^32: each step moves one
 * word instead of two. Stable as the callers need it, since k ascends on
 * entry and so ties in r keep their order in the key. */
static void insertion_sort_keys(spg_int *r, spg_int *k, int64_t len)
{
    uint64_t key[SPG_INSERTION_MAX];
    for (int64_t q = 0; q < len; q++)
        key[q] = (uint64_t)(uint32_t)r[q] << 32 | (uint32_t)k[q];
    sort_keys(key, len);
    for (int64_t q = 0; q < len; q++)
        r[q] = (spg_int)(key[q] >> 32), k[q] = (spg_int)(uint32_t)key[q];
}

/* Stable sort of the pairs (r_q, k_q), q < len, by row alone. */
static void insertion_sort(spg_int *r, spg_int *k, int64_t len)
{
    if (sizeof(spg_int) == 4 && len <= SPG_INSERTION_MAX) {
        insertion_sort_keys(r, k, len);
        return;
    }
    for (int64_t q = 1; q < len; q++) {
        const spg_int rq = r[q], kq = k[q];
        int64_t p = q;
        for (; p > 0 && r[p - 1] > rq; p--) {
            r[p] = r[p - 1];
            k[p] = k[p - 1];
        }
        r[p] = rq;
        k[p] = kq;
    }
}

/* The sorted runs [lo, mid) and [mid, hi) of (r, k) merged into (sr, sk);
 * equal rows are taken from the left run first, so the merge is stable. */
static void merge_runs(const spg_int *r, const spg_int *k, int64_t lo, int64_t mid, int64_t hi,
                       spg_int *sr, spg_int *sk)
{
    int64_t a = lo, b = mid, o = lo;
    for (; a < mid && b < hi; o++) {
        const int left = r[a] <= r[b];
        sr[o] = left ? r[a] : r[b];
        sk[o] = left ? k[a] : k[b];
        a += left;
        b += !left;
    }
    for (; a < mid; a++, o++)
        sr[o] = r[a], sk[o] = k[a];
    for (; b < hi; b++, o++)
        sr[o] = r[b], sk[o] = k[b];
}

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Stable sort by row of len <= SPG_MERGE_MAX pairs: insertion-sorted runs,
 * then merges of doubling width, back and forth through the buffer. */
static void merge_sort(spg_int *r, spg_int *k, int64_t len)
{
    spg_int br[SPG_MERGE_MAX], bk[SPG_MERGE_MAX];
    spg_int *fr = r, *fk = k, *tr = br, *tk = bk;
    for (int64_t lo = 0; lo < len; lo += SPG_INSERTION_MAX)
        insertion_sort(r + lo, k + lo, min64(SPG_INSERTION_MAX, len - lo));
    for (int64_t w = SPG_INSERTION_MAX; w < len; w *= 2) {
        for (int64_t lo = 0; lo < len; lo += 2 * w)
            merge_runs(fr, fk, lo, min64(lo + w, len), min64(lo + 2 * w, len), tr, tk);
        spg_int *t = fr;
        fr = tr, tr = t;
        t = fk, fk = tk, tk = t;
    }
    /* the result is in the buffer: each pass of merge_runs wrote all of
     * [0, len), which the analyzer cannot follow */
    for (int64_t q = 0; fr != r && q < len; q++)
        r[q] = fr[q], k[q] = fk[q]; // NOLINT(clang-analyzer-core.uninitialized.Assign)
}

/* The slot of row i in the open-addressed table of 2^bits rows (empty
 * slots hold -1): where it is, or the empty one where it goes. */
static int64_t row_slot(const spg_int *table, int bits, spg_int i)
{
    const uint64_t mask = ((uint64_t)1 << bits) - 1;
    uint64_t h = ((uint64_t)i * 0x9E3779B97F4A7C15ull) >> (64 - bits);
    while (table[h] != i && table[h] != -1)
        h = (h + 1) & mask;
    return (int64_t)h;
}

/* Stable sort by row of len <= SPG_MERGE_MAX pairs through their distinct
 * rows: counted in a hash table, sorted by insertion, then each pair put
 * after the earlier ones of its row. Columns of finite-element matrices
 * hold each row a few times (fem3d-80: 27 rows in 62 triplets), so this
 * sorts 27 rows instead of 62 pairs. Returns 0, with the pairs untouched,
 * where the column has more than SPG_INSERTION_MAX distinct rows. */
static int sort_by_rows(spg_int *r, spg_int *k, int64_t len)
{
    spg_int table[2 * SPG_MERGE_MAX], at[2 * SPG_MERGE_MAX];
    uint64_t rows[SPG_INSERTION_MAX]; /* rows are nonnegative */
    spg_int br[SPG_MERGE_MAX], bk[SPG_MERGE_MAX];
    int bits = 1;
    while (((int64_t)1 << bits) < 2 * len)
        bits++;
    for (int64_t h = 0; h < ((int64_t)1 << bits); h++)
        table[h] = -1;
    int64_t d = 0;
    for (int64_t q = 0; q < len; q++) {
        const int64_t h = row_slot(table, bits, r[q]);
        if (table[h] == -1) {
            if (d == SPG_INSERTION_MAX)
                return 0;
            table[h] = r[q], at[h] = 0;
            rows[d++] = (uint64_t)r[q];
        }
        at[h]++;
    }
    sort_keys(rows, d);
    for (int64_t a = 0, start = 0; a < d; a++) { /* counts become starts */
        const int64_t h = row_slot(table, bits, (spg_int)rows[a]);
        const spg_int c = at[h];
        at[h] = (spg_int)start;
        start += c;
    }
    for (int64_t q = 0; q < len; q++) {
        const spg_int p = at[row_slot(table, bits, r[q])]++;
        br[p] = r[q], bk[p] = k[q];
    }
    for (int64_t q = 0; q < len; q++)
        r[q] = br[q], k[q] = bk[q];
    return 1;
}

/* Sorts the pairs (r_q, k_q), q < len, ascending; k is ascending on entry,
 * so a stable sort by row alone keeps equal rows in triplet order. simd:
 * spg_cpu_simd(). */
static void sort_column(spg_int *r, spg_int *k, int64_t len, int simd)
{
    if (len <= SPG_INSERTION_MAX) {
        insertion_sort(r, k, len);
        return;
    }
    if (simd && len <= 64 && spg_cpu_sort64(r, k, len, simd))
        return;
    if (len <= SPG_MERGE_MAX) {
        if (!sort_by_rows(r, k, len))
            merge_sort(r, k, len);
        return;
    }
    for (int64_t a = len / 2; a-- > 0;)
        sift_down(r, k, a, len);
    for (int64_t end = len - 1; end > 0; end--) {
        pair_swap(r, k, 0, end);
        sift_down(r, k, 0, end);
    }
}

/* Distinct values in the sorted r[0..len). */
static spg_int distinct(const spg_int *r, int64_t len)
{
    spg_int d = len > 0;
    for (int64_t q = 1; q < len; q++)
        d += r[q] != r[q - 1];
    return d;
}

/* p[0..len] = exclusive prefix sums of the counts held in p[1..len] */
static void counts_to_starts(spg_int *p, int64_t len)
{
    for (int64_t a = 0; a < len; a++)
        p[a + 1] += p[a];
}

/* Blocks of triplets: enough to feed the threads, few enough that their
 * per-block column counts (blocks x n) never outgrow the triplets. */
static int64_t block_count(int64_t threads, int64_t N, int64_t n)
{
    if (N < SPG_PARALLEL_MIN)
        return 1;
    const int64_t most = N / (n + 1);
    return threads < most ? threads : (most > 1 ? most : 1);
}

/* Triplets are checked a span at a time before they are counted, so that
 * the count reads a span from the cache. */
#define SPG_SPAN 2048

/* Pass 1 over block b: validate and count its kept triplets per column.
 * Spans whose triplets are all kept and in range are counted without a
 * test per triplet; with rows_later, only their columns are checked here
 * (the scatter checks the rows). From the first other span on, the block
 * goes triplet by triplet, or with rows_later stops there. Returns the
 * index of the block's first bad triplet (*bad its status), or N; *clean
 * is 1 when every span was. */
static int64_t count_block(const spg_triplets *t, int64_t T, int64_t b, int rows_later,
                           spg_int *cnt, spg_status *bad, int *clean)
{
    const spg_int *I = t->I, *J = t->J;
    const int64_t end = spg_block_start(t->nnz, T, b + 1);
    int64_t k = spg_block_start(t->nnz, T, b);
    for (; k < end; k += SPG_SPAN) {
        const int64_t e = min64(k + SPG_SPAN, end);
        if (rows_later ? !spg_k_coo_indices_in_range(J, k, e, t->base, t->n)
                       : !spg_k_coo_span_in_range(I, J, k, e, t->base, t->m, t->n))
            break;
        for (int64_t q = k; q < e; q++)
            cnt[J[q] - t->base]++;
    }
    *clean = k >= end;
    if (rows_later)
        return t->nnz;
    for (; k < end; k++) {
        int64_t i, j;
        int r = read_triplet(t, k, &i, &j);
        if (r < 0) {
            *bad = (spg_status)r;
            return k;
        }
        if (r)
            cnt[j]++;
    }
    return t->nnz;
}

/* Scatters over columns this long on average, or longer, prefetch their
 * places this many triplets ahead, for every second triplet. Such columns
 * (fem3d-80's 62 triplets) are written again only after megabytes of
 * other places, out of the L2; shorter ones (fem2d-1000's 18) stay in it,
 * and there the prefetches only add work (bench/README.md). */
#define SPG_PREFETCH_MIN 32
#define SPG_PREFETCH_AHEAD 128

static void prefetch_write(const spg_int *p)
{
#if defined(__GNUC__)
    __builtin_prefetch(p, 1);
#else
    (void)p;
#endif
}

/* Triplet k of a clean block to the place before its column's last free
 * one; nonzero when its row is out of range (a negative I wraps above
 * last). */
static unsigned place_clean(const spg_triplets *t, spg_uint last, int64_t k, spg_int *pos,
                            spg_int *row, spg_int *perm)
{
    const spg_uint i = (spg_uint)((const spg_int *)t->I)[k] - (spg_uint)t->base;
    const spg_int p = --pos[((const spg_int *)t->J)[k] - t->base];
    row[p] = (spg_int)i;
    perm[p] = (spg_int)k;
    return i > last;
}

/* Pass 2 over block b, backwards: each kept triplet to the place before
 * the block's last free one in its column; pos holds the end of the
 * block's places per column, and their start once done. With ahead > 0 a
 * clean block prefetches, every second triplet, the place that triplet k
 * - ahead will take (about: the triplets between may take the ones after
 * it). Returns 0 when a row of a clean block is out of range (m >= 1),
 * which only a count with rows_later lets through, else 1. */
static int scatter_block(const spg_triplets *t, int64_t T, int64_t b, int clean, int64_t ahead,
                         spg_int *pos, spg_int *row, spg_int *perm)
{
    const spg_int *J = t->J;
    const int64_t begin = spg_block_start(t->nnz, T, b);
    int64_t k = spg_block_start(t->nnz, T, b + 1);
    if (clean) { /* every triplet kept, its column in range */
        const spg_uint last = spg_k_coo_last(t->m, t->base);
        unsigned out = 0;
        for (; ahead > 0 && k - ahead > begin;) {
            k--;
            if (!(k & 1)) {
                const spg_int q = pos[J[k - ahead] - t->base] - 1;
                prefetch_write(row + q), prefetch_write(perm + q);
            }
            out |= place_clean(t, last, k, pos, row, perm);
        }
        while (k-- > begin)
            out |= place_clean(t, last, k, pos, row, perm);
        return !out;
    }
    while (k-- > begin) {
        int64_t i, j;
        if (read_triplet(t, k, &i, &j) != 1) /* validated: skipped */
            continue;
        const spg_int p = --pos[j];
        row[p] = (spg_int)i;
        perm[p] = (spg_int)k;
    }
    return 1;
}

/* The counts cnt[b (n + 1) + 1 + j] of block b in column j become the end
 * of the block's places in the column, and start = cnt + (T - 1) (n + 1)
 * the columns' starts (start[n]: the kept triplets). Inclusive sums over
 * the blocks leave the column sizes in the last block's row, which is
 * start shifted by one; their prefix sums make it the starts, and so the
 * ends of the last block's places. */
static void block_places(int nthreads, spg_int *cnt, int64_t T, int64_t n)
{
    spg_int *start = cnt + (T - 1) * (n + 1);
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int64_t j = 0; j < n; j++)
        for (int64_t b = 1; b < T; b++)
            cnt[b * (n + 1) + 1 + j] += cnt[(b - 1) * (n + 1) + 1 + j];
    start[0] = 0;
    counts_to_starts(start, n);
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int64_t j = 0; j < n; j++)
        for (int64_t b = 0; b + 1 < T; b++)
            cnt[b * (n + 1) + 1 + j] += start[j];
}

/* One write every 4 KiB into the fresh arrays a and b, each thread over
 * its contiguous share: the kernel clears each page on that write, so
 * writing the rest would only add traffic. The first writes would
 * otherwise be the scatter's, from every thread all over both arrays,
 * faulting in the same huge pages at once, which costs far more than this
 * pass (bench/README.md, "Plan creation 5x faster than scipy"). */
static void first_touch(int nthreads, spg_int *a, spg_int *b, int64_t len)
{
    const int64_t page = 4096 / sizeof(spg_int);
#pragma omp parallel for num_threads(nthreads) schedule(static) if (len > SPG_PARALLEL_MIN)
    for (int64_t q = 0; q < len; q += page)
        a[q] = b[q] = 0;
    if (len > 0) /* the last page, where the arrays do not start on one */
        a[len - 1] = b[len - 1] = 0;
}

/* Plan creation in progress: the triplets, their blocks, the work space
 * and the plan's arrays until they are handed over. */
typedef struct plan_work {
    const spg_triplets *t;
    int64_t T;        /* blocks of triplets, one thread each */
    int64_t n, N;     /* columns, triplets */
    spg_int *cnt;     /* a row of n + 1 per block: counts, then places */
    int64_t *first;   /* per block: its first bad triplet, or N */
    spg_status *bad;  /* per block: the status of that triplet */
    int *clean;       /* per block: every triplet kept and in range (its column with rows_later) */
    int rows_later;   /* rows checked by the scatter, not the count */
    int redo;         /* a check failed with rows_later: start again without */
    int simd;         /* spg_cpu_simd() */
    int64_t kept, nnz;
    spg_int *colptr, *rowind, *seg, *perm, *slot;
    spg_int *row;     /* slot's memory: the rows of perm's triplets until slot is written */
    const spg_cpu_first *assemble; /* the first values' sums; NULL for a plan alone */
    void *Ax;                      /* those values */
} plan_work;

/* The work space, colptr and slot; SPG_ERR_ALLOC when one is missing. */
static spg_status work_alloc(plan_work *w)
{
    const int64_t n = w->n, T = w->T;
    /* T (n + 1) <= N for T > 1; a count of -1 (n + 2 overflows) allocates nothing */
    w->cnt = spg_calloc(n < INT64_MAX - 1 ? T * (n + 1) + 1 : -1, sizeof(spg_int));
    w->colptr = spg_malloc(n + 1, sizeof(spg_int));
    w->slot = w->row = spg_malloc(w->N, sizeof(spg_int));
    w->first = spg_malloc(T, sizeof(int64_t));
    w->bad = spg_malloc(T, sizeof(spg_status));
    w->clean = spg_malloc(T, sizeof(int));
    return w->cnt && w->colptr && w->slot && w->first && w->bad && w->clean ? SPG_SUCCESS
                                                                         : SPG_ERR_ALLOC;
}

/* Frees what the plan did not take. */
static void work_free(plan_work *w)
{
    void *arrays[] = {w->cnt, w->first, w->bad, w->clean, w->colptr,
                      w->rowind, w->seg, w->perm, w->slot, w->Ax};
    for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++)
        spg_free(arrays[a]);
}

/* Pass 1: the kept triplets of each block per column; the status of the
 * first bad triplet in triplet order, if any (with rows_later, redo set
 * instead). */
static spg_status count_triplets(plan_work *w)
{
    const int64_t T = w->T, n = w->n;
#pragma omp parallel for num_threads((int)T) schedule(static, 1)
    for (int64_t b = 0; b < T; b++)
        w->first[b] = count_block(w->t, T, b, w->rows_later, w->cnt + b * (n + 1) + 1,
                                  &w->bad[b], &w->clean[b]);
    for (int64_t b = 0; b < T; b++) {
        if (w->first[b] < w->N)
            return w->bad[b];
        w->redo |= w->rows_later && !w->clean[b];
    }
    return SPG_SUCCESS;
}

/* Pass 2: the kept triplets and their rows in column order into perm and
 * row; cnt + 1 holds the columns' starts in perm after it. */
static spg_status scatter_triplets(plan_work *w)
{
    const int64_t T = w->T, n = w->n;
    block_places((int)T, w->cnt, T, n);
    w->kept = w->cnt[(T - 1) * (n + 1) + n];
    w->perm = spg_malloc(w->kept, sizeof(spg_int));
    if (!w->perm)
        return SPG_ERR_ALLOC;
    first_touch((int)T, w->row, w->perm, w->kept);
    const int64_t ahead = n > 0 && w->N / SPG_PREFETCH_MIN >= n ? SPG_PREFETCH_AHEAD : 0;
    int ok = 1; /* a thread may run several blocks: each one's verdict is and-ed in */
#pragma omp parallel for num_threads((int)T) schedule(static, 1) reduction(&& : ok)
    for (int64_t b = 0; b < T; b++)
        ok = scatter_block(w->t, T, b, w->clean[b], ahead, w->cnt + b * (n + 1) + 1, w->row,
                           w->perm) &&
             ok;
    w->redo = !ok;
    w->cnt[1 + n] = (spg_int)w->kept; /* block 0's starts are the columns' */
    return SPG_SUCCESS;
}

/* Rows ascending in each column; each distinct row is a stored entry:
 * colptr, and room for rowind and seg. */
static spg_status sort_columns(plan_work *w)
{
    const spg_int *start = w->cnt + 1;
    const int64_t n = w->n;
#pragma omp parallel for num_threads((int)w->T) schedule(dynamic, 1024)
    for (int64_t j = 0; j < n; j++) {
        const int64_t s = start[j], len = start[j + 1] - s;
        sort_column(w->row + s, w->perm + s, len, w->simd);
        w->colptr[j + 1] = distinct(w->row + s, len);
    }
    w->colptr[0] = 0;
    counts_to_starts(w->colptr, n);
    w->nnz = w->colptr[n];
    w->rowind = spg_malloc(w->nnz, sizeof(spg_int));
    w->seg = spg_malloc(w->nnz + 1, sizeof(spg_int));
    if (w->assemble)
        w->Ax = spg_malloc(w->nnz, w->assemble->size);
    return w->rowind && w->seg && (w->Ax || !w->assemble) ? SPG_SUCCESS : SPG_ERR_ALLOC;
}

/* Columns find_segments takes at a time, or fewer where the threads would
 * otherwise lack groups: the first values' sums read the group's perm
 * again while the L2 holds it (columns of up to a few hundred triplets). */
#define SPG_SEGMENT_COLUMNS 256

/* The entries' rows and segments (segments.c), and with w->assemble their
 * values, a group of columns at a time. */
static void find_segments(plan_work *w)
{
    const int64_t n = w->n, width = max64(1, min64(SPG_SEGMENT_COLUMNS, n / w->T));
    const int64_t groups = (n + width - 1) / width;
    const spg_int *start = w->cnt + 1, *colptr = w->colptr;
    spg_int *rowind = w->rowind, *seg = w->seg; /* not reread from w after each store */
#pragma omp parallel for num_threads((int)w->T) schedule(static)
    for (int64_t g = 0; g < groups; g++) {
        const int64_t j0 = g * width, j1 = min64(n, j0 + width);
        spg_cpu_segments(w->row, start, colptr, j0, j1, rowind, seg, w->simd);
        if (w->assemble)
            w->assemble->sums(seg, w->perm, start[j1], w->assemble->V, w->Ax, colptr[j0],
                              colptr[j1]);
    }
    seg[w->nnz] = (spg_int)w->kept;
}

/* The rows are in rowind now: slot takes each triplet's entry in row's
 * memory, -1 for a skipped triplet. */
static void fill_slots(plan_work *w)
{
    const spg_int *seg = w->seg, *perm = w->perm;
    spg_int *slot = w->slot;
    if (w->kept < w->N) {
#pragma omp parallel for num_threads((int)w->T) schedule(static)
        for (int64_t k = 0; k < w->N; k++)
            slot[k] = -1;
    }
#pragma omp parallel for num_threads((int)w->T) schedule(static)
    for (int64_t e = 0; e < w->nnz; e++)
        for (spg_int q = seg[e], end = seg[e + 1]; q < end; q++)
            slot[perm[q]] = (spg_int)e;
}

/* The passes, from the work space to the slots; they stop early when one
 * fails or sets redo. */
static spg_status plan_passes(plan_work *w)
{
    spg_status st = work_alloc(w);
    if (st == SPG_SUCCESS)
        st = count_triplets(w);
    if (st == SPG_SUCCESS && !w->redo)
        st = scatter_triplets(w);
    if (st == SPG_SUCCESS && !w->redo)
        st = sort_columns(w);
    if (st == SPG_SUCCESS && !w->redo) {
        find_segments(w);
        fill_slots(w);
    }
    return st;
}

/* Where no triplet may be skipped, the count checks the columns only and
 * the scatter, which reads the rows anyway, checks them: I is read once
 * less. A bad triplet found that way sends the plan back to the start with
 * both checked in the count, which finds the first bad one in order. */
static spg_status plan_build(spg_context *ctx, const spg_triplets *t,
                             const spg_cpu_first *assemble, spg_plan *plan)
{
    const plan_work start = {.t = t, .n = t->n, .N = t->nnz,
                             .T = block_count(spg_team(ctx, t->nnz, t->nnz), t->nnz, t->n),
                             .rows_later = !t->skip_negative && t->m >= 1,
                             .simd = spg_cpu_simd(), .assemble = assemble};
    plan_work w = start;
    spg_status st = plan_passes(&w);
    if (st == SPG_SUCCESS && w.redo) {
        work_free(&w);
        w = start;
        w.rows_later = 0;
        st = plan_passes(&w);
    }
    if (st == SPG_SUCCESS) {
        plan->nnz_kept = w.kept;
        plan->nnz = w.nnz;
        plan->colptr = w.colptr, plan->rowind = w.rowind, plan->seg = w.seg;
        plan->perm = w.perm, plan->slot = w.slot, plan->values = w.Ax;
        w.colptr = w.rowind = w.seg = w.perm = w.slot = NULL; /* now the plan's */
        w.Ax = NULL;
    }
    work_free(&w);
    return st;
}

spg_status spg_cpu_plan_build(spg_context *ctx, const spg_triplets *t, spg_plan *plan)
{
    return plan_build(ctx, t, NULL, plan);
}

spg_status spg_cpu_plan_first(spg_context *ctx, const spg_triplets *t,
                              const spg_cpu_first *assemble, spg_plan *plan)
{
    return plan_build(ctx, t, assemble, plan);
}
