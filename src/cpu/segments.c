/* The entries of sorted columns: each run of equal rows in a column is one
 * entry, with its row and the run's first place. With AVX-512 and 32-bit
 * indices, sixteen places at a time and without a branch per place: a
 * place starts an entry where its row differs from the one before it (the
 * column's first place always does), and the starting rows and places are
 * packed to the front of a register and stored. */
#include "cpu.h"

/* The places [s, end) of a column, its entries from e on */
static void column_segments(const spg_int *row, spg_int s, spg_int end, spg_int e,
                            spg_int *rowind, spg_int *seg)
{
    for (spg_int q = s; q < end; q++) {
        if (q == s || row[q] != row[q - 1]) {
            rowind[e] = row[q];
            seg[e] = q;
            e++;
        }
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && defined(SPG_INDEX_INT32)
#define SPG_SEGMENTS16 1
#include <immintrin.h>

#define SPG_AVX512_POPCNT __attribute__((target("avx512f,popcnt")))

/* column_segments, sixteen places at a time (q in 64 bits: the last block
 * of a column ending near INT32_MAX steps past it) */
SPG_AVX512_POPCNT static void column_segments16(const spg_int *row, spg_int s, spg_int end,
                                                spg_int e, spg_int *rowind, spg_int *seg)
{
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512i last = _mm512_setzero_si512(); /* the 16 rows before */
    __mmask16 first = 1;
    for (int64_t q = s; q < end; q += 16) {
        const int64_t left = end - q;
        const __mmask16 live = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
        const __m512i rows = _mm512_maskz_loadu_epi32(live, row + q);
        const __m512i before = _mm512_alignr_epi32(rows, last, 15); /* row q + l - 1 in lane l */
        const __mmask16 starts = _mm512_mask_cmpneq_epi32_mask(live, rows, before) | first;
        const int c = __builtin_popcount(starts);
        const __mmask16 out = (__mmask16)((1u << c) - 1);
        const __m512i places = _mm512_add_epi32(lane, _mm512_set1_epi32((int32_t)q));
        _mm512_mask_storeu_epi32(rowind + e, out, _mm512_maskz_compress_epi32(starts, rows));
        _mm512_mask_storeu_epi32(seg + e, out, _mm512_maskz_compress_epi32(starts, places));
        e += c;
        last = rows;
        first = 0;
    }
}
#endif

void spg_cpu_segments(const spg_int *row, const spg_int *start, const spg_int *colptr, int64_t j0,
                      int64_t j1, spg_int *rowind, spg_int *seg, int simd)
{
#ifdef SPG_SEGMENTS16
    if (simd >= SPG_SIMD_AVX512) {
        for (int64_t j = j0; j < j1; j++)
            column_segments16(row, start[j], start[j + 1], colptr[j], rowind, seg);
        return;
    }
#endif
    (void)simd;
    for (int64_t j = j0; j < j1; j++)
        column_segments(row, start[j], start[j + 1], colptr[j], rowind, seg);
}
