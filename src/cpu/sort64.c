/* A column of 33 to 64 (row, triplet) pairs sorted by a bitonic network in
 * eight AVX2 registers. Each pair becomes one 32-bit key, (row - lowest row)
 * 64 + its place in the column; places ascend with the triplet numbers, so
 * equal rows keep triplet order and the result is the scalar sorts'. Keys
 * exist while the rows span less than 2^25 - 1; otherwise, and where the
 * processor or the compiler has no AVX2, the caller sorts as before. */
#include "cpu.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define SPG_AVX2 __attribute__((target("avx2")))

/* Lanes l and l ^ j of x (partner: x with those lanes swapped): the lower
 * lane keeps the smaller key, the lanes set in upper the larger. */
SPG_AVX2 static __m256i exchange(__m256i x, __m256i partner, __m256i upper)
{
    return _mm256_blendv_epi8(_mm256_min_epi32(x, partner), _mm256_max_epi32(x, partner), upper);
}

SPG_AVX2 static __m256i lanes_reversed(__m256i x)
{
    return _mm256_permutevar8x32_epi32(x, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0));
}

/* Half-cleaners within a register: lane l against l ^ 1, 2 or 4. */
SPG_AVX2 static __m256i half1(__m256i x)
{
    return exchange(x, _mm256_shuffle_epi32(x, 0xB1), _mm256_setr_epi32(0, -1, 0, -1, 0, -1, 0, -1));
}

SPG_AVX2 static __m256i half2(__m256i x)
{
    return exchange(x, _mm256_shuffle_epi32(x, 0x4E), _mm256_setr_epi32(0, 0, -1, -1, 0, 0, -1, -1));
}

SPG_AVX2 static __m256i half4(__m256i x)
{
    return exchange(x, _mm256_permute2x128_si256(x, x, 1),
                    _mm256_setr_epi32(0, 0, 0, 0, -1, -1, -1, -1));
}

/* Flips: lane l against the mirror lane of its block of 4 or 8. */
SPG_AVX2 static __m256i flip4(__m256i x)
{
    return exchange(x, _mm256_shuffle_epi32(x, 0x1B), _mm256_setr_epi32(0, 0, -1, -1, 0, 0, -1, -1));
}

SPG_AVX2 static __m256i flip8(__m256i x)
{
    return exchange(x, lanes_reversed(x), _mm256_setr_epi32(0, 0, 0, 0, -1, -1, -1, -1));
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

/* key[0..64) ascending: each register sorted, then blocks of 2, 4 and 8
 * registers merged, each merge a flip and half-cleaners down to one lane.
 * The steps between registers are written out, where loops over v[] with
 * computed partners kept v[] in memory; the loops left have fixed bounds
 * and unroll. */
SPG_AVX2 static void bitonic64(int32_t *key)
{
    __m256i v[8];
    for (int64_t r = 0; r < 8; r++)
        v[r] = sort8(_mm256_loadu_si256((const __m256i *)(key + 8 * r)));
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
    for (int64_t r = 0; r < 8; r++)
        _mm256_storeu_si256((__m256i *)(key + 8 * r), v[r]);
}

SPG_AVX2 int spg_cpu_sort64(spg_int *r, spg_int *k, int64_t len)
{
    spg_int lo = r[0], hi = r[0];
    for (int64_t q = 1; q < len; q++) {
        lo = r[q] < lo ? r[q] : lo;
        hi = r[q] > hi ? r[q] : hi;
    }
    if (hi - lo >= ((spg_int)1 << 25) - 1) /* rows are nonnegative: no overflow */
        return 0;
    int32_t key[64]; /* below INT32_MAX, the padding */
    spg_int kq[64];
    for (int64_t q = 0; q < len; q++) {
        key[q] = (int32_t)(r[q] - lo) << 6 | (int32_t)q;
        kq[q] = k[q];
    }
    for (int64_t q = len; q < 64; q++)
        key[q] = INT32_MAX;
    bitonic64(key);
    for (int64_t q = 0; q < len; q++) {
        r[q] = lo + (key[q] >> 6);
        k[q] = kq[key[q] & 63];
    }
    return 1;
}

#else

int spg_cpu_sort64(spg_int *r, spg_int *k, int64_t len)
{
    (void)r, (void)k, (void)len;
    return 0;
}

#endif
