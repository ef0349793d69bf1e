/* The rank-k sampled outer product dA_p += alpha sum_r U_{i_p r} V_{j r} in
 * double with AVX-512, ranks 6 to 8, where the column body is bound by the
 * k lines of U each entry reads (bench/README.md). Here each entry's k
 * products come from one 64-byte row of U times one of V. U's rows are
 * copied row-major into a ring as the columns advance, so a banded U is
 * copied about once (an entry whose row the ring lacks, as where a column's
 * rows are out of order, gathers it from U).
 * Eight entries at a time, across columns, the rows of products are
 * transposed in registers, and each lane sums its products in the order
 * of r: the bits of spg_k_outer_dot. Blocks of columns whose rows the ring
 * cannot take, or whose rows U's columns hold in the cache anyway, run the
 * column body. */
#include "cpu.h"

#include "../../kernels/csc.h"

int64_t spg_cpu_outer_ring(int64_t m)
{
    int64_t rows = 8;
    while (rows < m && rows < SPG_RING_MAX)
        rows *= 2;
    return rows;
}

#ifdef SPG_OUTER_ROWS
#include <immintrin.h>

#define SPG_AVX512 __attribute__((target("avx512f")))

/* Columns whose rows the ring is filled for at a time, and the rows it
 * starts with (64 KiB) */
#define SPG_RING_BLOCK 64
#define SPG_RING_START 1024

/* A thread's ring: U's rows [lo, hi] (none while hi < lo), row i at
 * row + 8 (i mod size), lanes k to 7 zero. Its size starts small, so that
 * it stays in the cache, and doubles up to cap where a block's rows need
 * it. It copies at most budget rows: the entries it serves so far, plus
 * one fill of the whole ring. */
typedef struct ring {
    double *row;
    int64_t size, cap, lo, hi, copied, budget;
} ring;

/* U's row i in the ring, or NULL where the ring lacks it */
static inline const double *ring_at(const ring *g, int64_t i)
{
    return i >= g->lo && i <= g->hi ? g->row + 8 * (i & (g->size - 1)) : NULL;
}

/* r ld in lane r */
SPG_AVX512 static inline __m512i lane_strides(int64_t ld)
{
    return _mm512_setr_epi64(0, ld, 2 * ld, 3 * ld, 4 * ld, 5 * ld, 6 * ld, 7 * ld);
}

/* U's row i (lanes r < k, from lane stride r ldu), zero beyond */
SPG_AVX512 static inline __m512d gather_row(const double *U, int64_t i, __m512i stride,
                                            __mmask8 live)
{
    return _mm512_mask_i64gather_pd(_mm512_setzero_pd(), live, stride, U + i, 8);
}

/* b_r (lanes e) = a_e (lanes r): the 8 x 8 transpose */
SPG_AVX512 static inline __attribute__((always_inline)) void transpose8(const __m512d a[8],
                                                                       __m512d b[8])
{
    const __m512i even = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    const __m512i odd = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    const __m512i low = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
    const __m512i high = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
    __m512d t[8], s[8];
    for (int q = 0; q < 8; q += 2) { /* pairs of rows: lanes r even, then odd */
        t[q] = _mm512_unpacklo_pd(a[q], a[q + 1]);
        t[q + 1] = _mm512_unpackhi_pd(a[q], a[q + 1]);
    }
    for (int q = 0; q < 8; q += 4) { /* quads of rows: r = 0 4, 1 5, 2 6, 3 7 */
        s[q] = _mm512_permutex2var_pd(t[q], even, t[q + 2]);
        s[q + 1] = _mm512_permutex2var_pd(t[q + 1], even, t[q + 3]);
        s[q + 2] = _mm512_permutex2var_pd(t[q], odd, t[q + 2]);
        s[q + 3] = _mm512_permutex2var_pd(t[q + 1], odd, t[q + 3]);
    }
    for (int r = 0; r < 4; r++) {
        b[r] = _mm512_permutex2var_pd(s[r], low, s[r + 4]);
        b[r + 4] = _mm512_permutex2var_pd(s[r], high, s[r + 4]);
    }
}

/* U's rows [a, b] into the ring: eight at a time by a transpose where they
 * start at a multiple of 8 (the ring's size is one), else one by one */
SPG_AVX512 static void ring_copy(ring *g, const double *U, int64_t ldu, int64_t k, int64_t a,
                                 int64_t b, __m512i stride, __mmask8 live)
{
    const int64_t mask = g->size - 1;
    int64_t i = a;
    for (; i <= b && (i & 7); i++)
        _mm512_store_pd(g->row + 8 * (i & mask), gather_row(U, i, stride, live));
    for (; i + 7 <= b; i += 8) {
        __m512d col[8], row[8];
        for (int r = 0; r < 8; r++)
            col[r] = r < k ? _mm512_loadu_pd(U + i + r * ldu) : _mm512_setzero_pd();
        transpose8(col, row);
        for (int e = 0; e < 8; e++)
            _mm512_store_pd(g->row + 8 * ((i + e) & mask), row[e]);
    }
    for (; i <= b; i++)
        _mm512_store_pd(g->row + 8 * (i & mask), gather_row(U, i, stride, live));
}

/* Makes the ring hold rows [lo, hi] (lo <= hi) where they fit and the
 * budget allows: the rows after those held where lo follows on, else
 * [lo, hi] afresh. Returns 1 where it holds them. */
SPG_AVX512 static int ring_fill(ring *g, const double *U, int64_t ldu, int64_t k, int64_t lo,
                                int64_t hi, __m512i stride, __mmask8 live)
{
    if (hi - lo >= g->cap)
        return 0;
    if (hi - lo >= g->size) { /* a larger ring, empty */
        while (hi - lo >= g->size)
            g->size *= 2;
        g->lo = 0, g->hi = -1;
    }
    const int follows = lo >= g->lo && lo <= g->hi + 1;
    const int64_t from = follows ? g->hi + 1 : lo;
    if (hi < from)
        return 1;
    if (g->copied + (hi - from + 1) > g->budget)
        return 0;
    ring_copy(g, U, ldu, k, from, hi, stride, live);
    g->copied += hi - from + 1;
    const int64_t oldest = hi - g->size + 1; /* the ring's size back from hi */
    g->lo = follows ? (g->lo > oldest ? g->lo : oldest) : lo;
    g->hi = hi;
    return 1;
}

/* V's rows j to j + c - 1 (c <= SPG_RING_BLOCK) row-major into vrow, eight
 * at a time by a transpose, lanes k to 7 zero */
SPG_AVX512 static void v_rows(const double *V, int64_t ldv, int64_t k, int64_t j, int64_t c,
                              double *vrow)
{
    for (int64_t q = 0; q < c; q += 8) {
        const __mmask8 in = c - q >= 8 ? 0xFF : (__mmask8)((1u << (c - q)) - 1);
        __m512d col[8], row[8];
        for (int r = 0; r < 8; r++)
            col[r] = r < k ? _mm512_maskz_loadu_pd(in, V + j + q + r * ldv) : _mm512_setzero_pd();
        transpose8(col, row);
        for (int e = 0; e < 8; e++)
            _mm512_store_pd(vrow + 8 * (q + e), row[e]);
    }
}

/* The block of columns from j; returns the column after it. Where its rows
 * (each column's first and last, as rows ascend) span SPG_RING_BAND and
 * the ring takes them, *by_rows is 1 and V's rows are in vrow. */
SPG_AVX512 static int64_t next_block(ring *g, const spg_csc *A, int64_t j, int64_t j1,
                                     const double *U, int64_t ldu, const double *V, int64_t ldv,
                                     int64_t k, __m512i stride, __mmask8 live, double *vrow,
                                     int *by_rows)
{
    const spg_int *colptr = A->colptr, *rowind = A->rowind;
    const int64_t end = j + SPG_RING_BLOCK < j1 ? j + SPG_RING_BLOCK : j1;
    int64_t lo = INT64_MAX, hi = -1;
    for (int64_t c = j; c < end; c++) {
        if (colptr[c] == colptr[c + 1])
            continue;
        const int64_t first = rowind[colptr[c]], last = rowind[colptr[c + 1] - 1];
        lo = first < lo ? first : lo;
        hi = last > hi ? last : hi;
    }
    g->budget += colptr[end] - colptr[j];
    *by_rows = hi >= lo && (hi - lo + 1) * k * (int64_t)sizeof(double) >= SPG_RING_BAND &&
               ring_fill(g, U, ldu, k, lo, hi, stride, live);
    if (*by_rows)
        v_rows(V, ldv, k, j, end - j, vrow);
    return end;
}

/* The column of entry q, for entries taken in order: column c, whose
 * entries end at next. */
typedef struct cursor {
    int64_t c, next;
} cursor;

static inline __attribute__((always_inline)) void cursor_move(cursor *at, const spg_int *colptr,
                                                              int64_t q)
{
    while (q >= at->next) /* in a later column */
        at->next = colptr[++at->c + 1];
}

/* Entries q to q + 7, in one block of columns (V's rows in vrow from
 * column c0): each entry's row of U from the ring, or gathered where the
 * ring lacks it, times its column's row of V; the rows of products
 * transposed, and dA_q, ..., dA_{q+7} += alpha times each one's sum in the
 * order of r. */
SPG_AVX512 static inline __attribute__((always_inline)) void
entries8(const ring *g, const spg_int *colptr, const spg_int *rowind, int64_t q, cursor *at,
         int64_t c0, const double *vrow, const double *U, __m512i stride, __mmask8 live,
         int64_t k, __m512d alpha, double *dA)
{
    __m512d p[8], t[8];
#pragma GCC unroll 8
    for (int e = 0; e < 8; e++) {
        cursor_move(at, colptr, q + e);
        const int64_t i = rowind[q + e];
        const double *held = ring_at(g, i);
        const __m512d u = held ? _mm512_load_pd(held) : gather_row(U, i, stride, live);
        p[e] = _mm512_mul_pd(u, _mm512_load_pd(vrow + 8 * (at->c - c0)));
    }
    transpose8(p, t);
    __m512d s = t[0];
    for (int r = 1; r < k; r++)
        s = _mm512_add_pd(s, t[r]);
    _mm512_storeu_pd(dA + q, _mm512_add_pd(_mm512_loadu_pd(dA + q), _mm512_mul_pd(alpha, s)));
}

/* Entry q alone, V's row in v: the sum of spg_k_outer_dot over U's row in
 * the ring, or through ldu where the ring lacks it. The entries before a
 * block's first whole line of dA, and its last few, go one at a time: a
 * masked store of a short group would hold up the next group's load. */
static inline __attribute__((always_inline)) void entry1(const ring *g, const spg_int *rowind,
                                                         int64_t q, const double *U, int64_t ldu,
                                                         const double *v, int64_t k,
                                                         double alpha, double *dA)
{
    const double *held = ring_at(g, rowind[q]);
    const double t = held ? spg_k_outer_dot(held, 1, v, 1, k, 0, 0)
                          : spg_k_outer_dot(U, ldu, v, 1, k, rowind[q], 0);
    dA[q] += alpha * t;
}

/* spg_cpu_outer_rows, inlined for each k: the sums over r unrolled */
SPG_AVX512 static inline __attribute__((always_inline)) int64_t
outer_rows(const spg_csc *A, int64_t k, const double *U, int64_t ldu, const double *V,
           int64_t ldv, double alpha, double *dA, int64_t j0, int64_t j1, double *rows,
           int64_t size)
{
    const spg_int *colptr = A->colptr, *rowind = A->rowind;
    const __mmask8 live = (__mmask8)((1u << k) - 1);
    const __m512i ustride = lane_strides(ldu);
    const __m512d a = _mm512_set1_pd(alpha);
    ring g = {.size = size < SPG_RING_START ? size : SPG_RING_START, .cap = size, .lo = 0,
              .hi = -1, .budget = size};
    g.row = rows;
    double vrow[8 * SPG_RING_BLOCK] __attribute__((aligned(64))) = {0}; /* V's rows from j */
    int64_t by_rows_entries = 0;
    for (int64_t j = j0, next; j < j1; j = next) {
        int by_rows;
        next = next_block(&g, A, j, j1, U, ldu, V, ldv, k, ustride, live, vrow, &by_rows);
        if (!by_rows) {
            for (int64_t c = j; c < next; c++)
                spg_k_col_sampled_outer(colptr, rowind, k, U, ldu, V, ldv, alpha, dA, c);
            continue;
        }
        cursor at = {j, colptr[j + 1]};
        const int64_t end = colptr[next];
        by_rows_entries += end - colptr[j];
        int64_t q = colptr[j];
        for (; q < end && (uintptr_t)(dA + q) % 64; q++) { /* groups store whole lines */
            cursor_move(&at, colptr, q);
            entry1(&g, rowind, q, U, ldu, vrow + 8 * (at.c - j), k, alpha, dA);
        }
        for (; q + 8 <= end; q += 8) {
            _mm_prefetch((const char *)(dA + (q + 128 < end ? q + 128 : q)), _MM_HINT_T0);
            entries8(&g, colptr, rowind, q, &at, j, vrow, U, ustride, live, k, a, dA);
        }
        for (; q < end; q++) {
            cursor_move(&at, colptr, q);
            entry1(&g, rowind, q, U, ldu, vrow + 8 * (at.c - j), k, alpha, dA);
        }
    }
    return by_rows_entries;
}

SPG_AVX512 int64_t spg_cpu_outer_rows(const spg_csc *A, int64_t k, const spg_real *U,
                                      int64_t ldu, const spg_real *V, int64_t ldv,
                                      spg_real alpha, spg_real *dA, int64_t j0, int64_t j1,
                                      spg_real *rows, int64_t size)
{
    switch (k) {
    case 6: return outer_rows(A, 6, U, ldu, V, ldv, alpha, dA, j0, j1, rows, size);
    case 7: return outer_rows(A, 7, U, ldu, V, ldv, alpha, dA, j0, j1, rows, size);
    default: return outer_rows(A, 8, U, ldu, V, ldv, alpha, dA, j0, j1, rows, size);
    }
}
#endif
