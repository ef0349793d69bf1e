/* A column of 33 to 64 (row, triplet) pairs sorted by a bitonic network.
 * Each pair becomes one 32-bit key, (row - lowest row) 64 + its place in
 * the column; places ascend with the triplet numbers, so equal rows keep
 * triplet order and the result is the scalar sorts'. Keys exist while the
 * rows span less than 2^25 - 1; otherwise, and where the processor or the
 * compiler has no AVX2, the caller sorts as before. With AVX-512 and 32-bit
 * indices the keys sit in four registers and are made and taken apart
 * there too; otherwise in eight AVX2 registers, made there for 32-bit
 * indices and in a loop for 64-bit ones. */
#include "cpu.h"

#include <string.h>

/* The key: the row's offset above the lowest, then SPG_PLACE_BITS of
 * place. Rows spanning less than SPG_ROW_SPAN keep every key below
 * INT32_MAX, the padding. */
enum { SPG_PLACE_BITS = 6, SPG_PLACE_MASK = 63, SPG_ROW_SPAN = (1 << 25) - 1 };

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define SPG_AVX2 __attribute__((target("avx2")))

/* Lanes l and l ^ j of x (partner: x with those lanes swapped): the lower
 * lane keeps the smaller key, the lanes set in the blend's mask the larger.
 * A macro, since the mask must be a constant where the blend is compiled. */
#define SPG_EXCHANGE(x, partner, upper)                                                          \
    _mm256_blend_epi32(_mm256_min_epi32(x, partner), _mm256_max_epi32(x, partner), upper)

SPG_AVX2 static __m256i lanes_reversed(__m256i x)
{
    return _mm256_permutevar8x32_epi32(x, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0));
}

/* Half-cleaners within a register: lane l against l ^ 1, 2 or 4. */
SPG_AVX2 static __m256i half1(__m256i x)
{
    const __m256i p = _mm256_shuffle_epi32(x, 0xB1);
    return SPG_EXCHANGE(x, p, 0xAA);
}

SPG_AVX2 static __m256i half2(__m256i x)
{
    const __m256i p = _mm256_shuffle_epi32(x, 0x4E);
    return SPG_EXCHANGE(x, p, 0xCC);
}

SPG_AVX2 static __m256i half4(__m256i x)
{
    const __m256i p = _mm256_permute2x128_si256(x, x, 1);
    return SPG_EXCHANGE(x, p, 0xF0);
}

/* Flips: lane l against the mirror lane of its block of 4 or 8. */
SPG_AVX2 static __m256i flip4(__m256i x)
{
    const __m256i p = _mm256_shuffle_epi32(x, 0x1B);
    return SPG_EXCHANGE(x, p, 0xCC);
}

SPG_AVX2 static __m256i flip8(__m256i x)
{
    const __m256i p = lanes_reversed(x);
    return SPG_EXCHANGE(x, p, 0xF0);
}

/* The eight lanes ascending (a flip of pairs is half1) */
SPG_AVX2 static __m256i sort8(__m256i x)
{
    return half1(half2(flip8(half1(flip4(half1(x))))));
}

/* a and b sorted: the flip puts the smaller half of a b in a */
SPG_AVX2 static void flip_pair(__m256i *a, __m256i *b)
{
    const __m256i w = lanes_reversed(*b);
    const __m256i lo = _mm256_min_epi32(*a, w), hi = _mm256_max_epi32(*a, w);
    *a = lo, *b = lanes_reversed(hi);
}

SPG_AVX2 static void half_pair(__m256i *a, __m256i *b)
{
    const __m256i lo = _mm256_min_epi32(*a, *b), hi = _mm256_max_epi32(*a, *b);
    *a = lo, *b = hi;
}

/* Each register bitonic after the merge's steps between registers, the
 * keys of a lower register all below those of a higher one: half-cleaners
 * of 4, 2 and 1 lanes sort each register. */
SPG_AVX2 static void clean(__m256i *v)
{
    for (int r = 0; r < 8; r++)
        v[r] = half1(half2(half4(v[r])));
}

/* v[0..8) ascending: each register sorted, then blocks of 2, 4 and 8
 * registers merged, each merge a flip and half-cleaners down to one lane.
 * The steps between registers are written out, where loops over v[] with
 * computed partners kept v[] in memory; the loops left have fixed bounds
 * and unroll. */
SPG_AVX2 static void bitonic64(__m256i *v)
{
    for (int r = 0; r < 8; r++)
        v[r] = sort8(v[r]);
    flip_pair(&v[0], &v[1]), flip_pair(&v[2], &v[3]);
    flip_pair(&v[4], &v[5]), flip_pair(&v[6], &v[7]);
    clean(v);
    flip_pair(&v[0], &v[3]), flip_pair(&v[1], &v[2]);
    flip_pair(&v[4], &v[7]), flip_pair(&v[5], &v[6]);
    half_pair(&v[0], &v[1]), half_pair(&v[2], &v[3]);
    half_pair(&v[4], &v[5]), half_pair(&v[6], &v[7]);
    clean(v);
    flip_pair(&v[0], &v[7]), flip_pair(&v[1], &v[6]);
    flip_pair(&v[2], &v[5]), flip_pair(&v[3], &v[4]);
    half_pair(&v[0], &v[2]), half_pair(&v[1], &v[3]);
    half_pair(&v[4], &v[6]), half_pair(&v[5], &v[7]);
    half_pair(&v[0], &v[1]), half_pair(&v[2], &v[3]);
    half_pair(&v[4], &v[5]), half_pair(&v[6], &v[7]);
    clean(v);
}

#ifdef SPG_INDEX_INT32
/* The lanes of register q that hold pairs of a column of len: those below
 * len - 8 q. */
SPG_AVX2 static __m256i live8(int64_t q, int64_t len)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)(len - 8 * q)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The least and the greatest lane of x */
SPG_AVX2 static int32_t min8(__m256i x)
{
    x = _mm256_min_epi32(x, _mm256_permute2x128_si256(x, x, 1));
    x = _mm256_min_epi32(x, _mm256_shuffle_epi32(x, 0x4E));
    return _mm256_cvtsi256_si32(_mm256_min_epi32(x, _mm256_shuffle_epi32(x, 0xB1)));
}

SPG_AVX2 static int32_t max8(__m256i x)
{
    x = _mm256_max_epi32(x, _mm256_permute2x128_si256(x, x, 1));
    x = _mm256_max_epi32(x, _mm256_shuffle_epi32(x, 0x4E));
    return _mm256_cvtsi256_si32(_mm256_max_epi32(x, _mm256_shuffle_epi32(x, 0xB1)));
}

/* For 32-bit indices the keys are made and taken apart in the registers:
 * masked loads of the rows (a register past the column reads nothing),
 * the keys with INT32_MAX in the lanes past it, the rows back from the
 * keys; each triplet is then taken from a copy of k by its place. */
SPG_AVX2 static int sort64_avx2(spg_int *r, spg_int *k, int64_t len)
{
    __m256i m[8], v[8];
    __m256i lo = _mm256_set1_epi32(INT32_MAX), hi = _mm256_setzero_si256(); /* rows >= 0 */
    for (int64_t q = 0; q < 8; q++) {
        m[q] = live8(q, len);
        v[q] = _mm256_maskload_epi32(r + (8 * q < len ? 8 * q : 0), m[q]); /* 0 past the column */
        lo = _mm256_min_epi32(lo, _mm256_blendv_epi8(lo, v[q], m[q]));
        hi = _mm256_max_epi32(hi, v[q]);
    }
    const int32_t low = min8(lo);
    if (max8(hi) - low >= SPG_ROW_SPAN)
        return 0;
    const __m256i base = _mm256_set1_epi32(low), pad = _mm256_set1_epi32(INT32_MAX);
    for (int64_t q = 0; q < 8; q++) {
        const __m256i place = _mm256_add_epi32(_mm256_set1_epi32((int32_t)(8 * q)),
                                               _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        const __m256i key = _mm256_or_si256(
            _mm256_slli_epi32(_mm256_sub_epi32(v[q], base), SPG_PLACE_BITS), place);
        v[q] = _mm256_blendv_epi8(pad, key, m[q]);
    }
    bitonic64(v);
    spg_int kq[64], key[64], row[64];
    memcpy(kq, k, (size_t)len * sizeof *k);
    for (int64_t q = 0; q < 8; q++) {
        _mm256_storeu_si256((__m256i *)(row + 8 * q),
                            _mm256_add_epi32(base, _mm256_srli_epi32(v[q], SPG_PLACE_BITS)));
        _mm256_storeu_si256((__m256i *)(key + 8 * q), v[q]);
    }
    memcpy(r, row, (size_t)len * sizeof *r);
    for (int64_t q = 0; q < len; q++)
        k[q] = kq[key[q] & SPG_PLACE_MASK];
    return 1;
}
#else
/* For 64-bit indices the keys are made and taken apart in loops. */
SPG_AVX2 static int sort64_avx2(spg_int *r, spg_int *k, int64_t len)
{
    spg_int lo = r[0], hi = r[0];
    for (int64_t q = 1; q < len; q++) {
        lo = r[q] < lo ? r[q] : lo;
        hi = r[q] > hi ? r[q] : hi;
    }
    if (hi - lo >= SPG_ROW_SPAN) /* rows are nonnegative: no overflow */
        return 0;
    int32_t key[64]; /* below INT32_MAX, the padding */
    spg_int kq[64];
    for (int64_t q = 0; q < len; q++) {
        key[q] = (int32_t)(r[q] - lo) << SPG_PLACE_BITS | (int32_t)q;
        kq[q] = k[q];
    }
    for (int64_t q = len; q < 64; q++)
        key[q] = INT32_MAX;
    __m256i v[8];
    for (int64_t q = 0; q < 8; q++)
        v[q] = _mm256_loadu_si256((const __m256i *)(key + 8 * q));
    bitonic64(v);
    for (int64_t q = 0; q < 8; q++)
        _mm256_storeu_si256((__m256i *)(key + 8 * q), v[q]);
    for (int64_t q = 0; q < len; q++) {
        r[q] = lo + (key[q] >> SPG_PLACE_BITS);
        k[q] = kq[key[q] & SPG_PLACE_MASK];
    }
    return 1;
}
#endif /* SPG_INDEX_INT32 */

#ifdef SPG_INDEX_INT32
#define SPG_AVX512 __attribute__((target("avx512f")))

/* As exchange above, in 16 lanes: the lanes set in upper take the larger key */
SPG_AVX512 static __m512i exchange16(__m512i x, __m512i partner, __mmask16 upper)
{
    return _mm512_mask_max_epi32(_mm512_min_epi32(x, partner), upper, x, partner);
}

SPG_AVX512 static __m512i permuted(__m512i x, __m512i lanes)
{
    return _mm512_permutexvar_epi32(lanes, x);
}

/* Lane l against lane l ^ 1, 2, 4 or 8 */
SPG_AVX512 static __m512i half16_1(__m512i x)
{
    return exchange16(x, _mm512_shuffle_epi32(x, 0xB1), 0xAAAA);
}

SPG_AVX512 static __m512i half16_2(__m512i x)
{
    return exchange16(x, _mm512_shuffle_epi32(x, 0x4E), 0xCCCC);
}

SPG_AVX512 static __m512i half16_4(__m512i x)
{
    return exchange16(x, _mm512_shuffle_i32x4(x, x, 0xB1), 0xF0F0);
}

SPG_AVX512 static __m512i half16_8(__m512i x)
{
    return exchange16(x, _mm512_shuffle_i32x4(x, x, 0x4E), 0xFF00);
}

SPG_AVX512 static __m512i reversed16(__m512i x)
{
    return permuted(x, _mm512_setr_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
}

/* The 16 lanes ascending: flips of blocks of 4, 8 and 16 (lane l against
 * the mirror lane of its block), each followed by half-cleaners. */
SPG_AVX512 static __m512i sort16(__m512i x)
{
    const __m512i mirror8 = _mm512_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
    x = half16_1(x);
    x = half16_1(exchange16(x, _mm512_shuffle_epi32(x, 0x1B), 0xCCCC));
    x = half16_1(half16_2(exchange16(x, permuted(x, mirror8), 0xF0F0)));
    return half16_1(half16_2(half16_4(exchange16(x, reversed16(x), 0xFF00))));
}

/* A bitonic register sorted by half-cleaners of 8, 4, 2 and 1 lanes */
SPG_AVX512 static __m512i clean16(__m512i x)
{
    return half16_1(half16_2(half16_4(half16_8(x))));
}

/* a and b sorted: the flip puts the smaller half of a b in a */
SPG_AVX512 static void flip_pair16(__m512i *a, __m512i *b)
{
    const __m512i w = reversed16(*b);
    const __m512i lo = _mm512_min_epi32(*a, w), hi = _mm512_max_epi32(*a, w);
    *a = lo, *b = reversed16(hi);
}

SPG_AVX512 static void half_pair16(__m512i *a, __m512i *b)
{
    const __m512i lo = _mm512_min_epi32(*a, *b), hi = _mm512_max_epi32(*a, *b);
    *a = lo, *b = hi;
}

/* v[0..4) ascending: each register sorted, then merged in pairs, then all
 * four, as bitonic64 does with eight. */
SPG_AVX512 static void bitonic64x16(__m512i *v)
{
    for (int q = 0; q < 4; q++)
        v[q] = sort16(v[q]);
    flip_pair16(&v[0], &v[1]), flip_pair16(&v[2], &v[3]);
    for (int q = 0; q < 4; q++)
        v[q] = clean16(v[q]);
    flip_pair16(&v[0], &v[3]), flip_pair16(&v[1], &v[2]);
    half_pair16(&v[0], &v[1]), half_pair16(&v[2], &v[3]);
    for (int q = 0; q < 4; q++)
        v[q] = clean16(v[q]);
}

/* The first pair of register q, or 0 where the column ends before it
 * (and the register's mask is empty). */
static int64_t block_start(int64_t q, int64_t len)
{
    return 16 * q < len ? 16 * q : 0;
}

/* The keys made in the registers from masked loads (padding INT32_MAX),
 * and the sorted rows and triplets written back through the same masks:
 * a triplet comes from the four registers of k by its place's 6 bits. */
SPG_AVX512 static int sort64_avx512(spg_int *r, spg_int *k, int64_t len)
{
    const uint64_t live = len == 64 ? UINT64_MAX : ((uint64_t)1 << len) - 1;
    __mmask16 m[4];
    __m512i rv[4], kv[4], v[4];
    __m512i lo = _mm512_set1_epi32(INT32_MAX), hi = _mm512_setzero_si512(); /* rows >= 0 */
    for (int q = 0; q < 4; q++) {
        m[q] = (__mmask16)(live >> 16 * q);
        const int64_t at = block_start(q, len);
        rv[q] = _mm512_maskz_loadu_epi32(m[q], r + at);
        kv[q] = _mm512_maskz_loadu_epi32(m[q], k + at);
        lo = _mm512_mask_min_epi32(lo, m[q], lo, rv[q]);
        hi = _mm512_mask_max_epi32(hi, m[q], hi, rv[q]);
    }
    const int32_t low = _mm512_reduce_min_epi32(lo);
    if (_mm512_reduce_max_epi32(hi) - low >= SPG_ROW_SPAN)
        return 0;
    const __m512i base = _mm512_set1_epi32(low), lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7,
                                                                         8, 9, 10, 11, 12, 13, 14, 15);
    for (int q = 0; q < 4; q++) {
        const __m512i place = _mm512_add_epi32(lane, _mm512_set1_epi32(16 * q));
        const __m512i offset = _mm512_sub_epi32(rv[q], base);
        const __m512i key = _mm512_or_si512(_mm512_slli_epi32(offset, SPG_PLACE_BITS), place);
        v[q] = _mm512_mask_blend_epi32(m[q], _mm512_set1_epi32(INT32_MAX), key);
    }
    bitonic64x16(v);
    for (int q = 0; q < 4; q++) {
        const __m512i place = _mm512_and_si512(v[q], _mm512_set1_epi32(SPG_PLACE_MASK));
        const __mmask16 upper = _mm512_test_epi32_mask(place, _mm512_set1_epi32(32));
        const __m512i k01 = _mm512_permutex2var_epi32(kv[0], place, kv[1]);
        const __m512i k23 = _mm512_permutex2var_epi32(kv[2], place, kv[3]);
        const int64_t at = block_start(q, len);
        _mm512_mask_storeu_epi32(k + at, m[q], _mm512_mask_blend_epi32(upper, k01, k23));
        const __m512i row = _mm512_add_epi32(base, _mm512_srli_epi32(v[q], SPG_PLACE_BITS));
        _mm512_mask_storeu_epi32(r + at, m[q], row);
    }
    return 1;
}
#endif /* SPG_INDEX_INT32 */

int spg_cpu_sort64(spg_int *r, spg_int *k, int64_t len, int simd)
{
#ifdef SPG_INDEX_INT32
    if (simd >= SPG_SIMD_AVX512)
        return sort64_avx512(r, k, len);
#endif
    return simd >= SPG_SIMD_AVX2 && sort64_avx2(r, k, len);
}

#else

int spg_cpu_sort64(spg_int *r, spg_int *k, int64_t len, int simd)
{
    (void)r, (void)k, (void)len, (void)simd;
    return 0;
}

#endif
