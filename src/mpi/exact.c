/* Exact sums of doubles: the sum held as an integer in units of 2^-1074
 * (the least subnormal), in base-2^32 digits kept in int64 so that 2^29
 * additions fit before the carries must move; rounded once, to nearest
 * with ties to even. A value first adds its 53-bit mantissa to the bin of
 * its exponent (an int64 add), and a bin moves into the digits every 2^10
 * mantissas. Digits add as integers, so the ranks' sums add up exactly in
 * any order (MPI_SUM). */
#include <math.h>
#include <string.h>

#include "mpi_internal.h"

#define DIGIT 4294967296.0 /* 2^32 */

/* digits += a 2^p (units of 2^-1074), a < 2^63 in magnitude: three
 * digits, each by less than 2^33 */
static void add_shifted(spg_exact *x, int64_t a, int64_t p)
{
    const uint64_t mag = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
    const int L = (int)(p / 32), s = (int)(p % 32);
    const uint64_t lo = (mag & 0xffffffffu) << s, hi = (mag >> 32) << s;
    const int64_t sign = a < 0 ? -1 : 1;
    x->d[L] += sign * (int64_t)(lo & 0xffffffffu);
    x->d[L + 1] += sign * (int64_t)((lo >> 32) + (hi & 0xffffffffu));
    x->d[L + 2] += sign * (int64_t)(hi >> 32);
    if (++x->adds == (1 << 29))
        spg_exact_carry(x);
}

/* The bin of position p into the digits (emptied first: a carry that
 * add_shifted starts flushes the bins again). */
static void flush(spg_exact *x, int p)
{
    const int64_t a = x->bin[p];
    x->bin[p] = 0, x->count[p] = 0;
    add_shifted(x, a, p);
}

void spg_exact_add(spg_exact *x, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    const int e = (int)(bits >> 52 & 0x7ff);
    const int64_t frac = (int64_t)(bits & (((uint64_t)1 << 52) - 1));
    if (e == 0x7ff) {
        x->special += v; /* inf, -inf and NaN: their own sum */
        return;
    }
    /* v = +-m 2^(p - 1074): m the 53-bit mantissa (subnormal: p = 0) */
    const int p = e ? e - 1 : 0;
    const int64_t m = e ? frac | (int64_t)1 << 52 : frac;
    x->bin[p] += bits >> 63 ? -m : m;
    if (++x->count[p] == SPG_EXACT_BIN_ADDS) /* 2^10 mantissas: under 2^63 */
        flush(x, p);
}

/* Every digit but the last into [0, 2^32), the carries moved up. */
static void carry_digits(int64_t *d)
{
    for (int i = 0; i + 1 < SPG_EXACT_DIGITS; i++) {
        const int64_t low = d[i] & 0xffffffff; /* the digit, in [0, 2^32) */
        d[i + 1] += (d[i] - low) / (int64_t)DIGIT;
        d[i] = low;
    }
}

void spg_exact_carry(spg_exact *x)
{
    x->adds = 0;
    for (int p = 0; p < SPG_EXACT_BINS; p++)
        if (x->count[p])
            flush(x, p);
    carry_digits(x->d);
    x->adds = 0;
}

/* Bit b of the carried magnitude (0 below bit 0). */
static int bit(const int64_t *d, int64_t b)
{
    return b >= 0 && (d[b / 32] >> (b % 32)) & 1;
}

/* Whether any bit at b or below is set. */
static int any_below(const int64_t *d, int64_t b)
{
    if (b < 0)
        return 0;
    const int64_t L = b / 32;
    const int s = (int)(b % 32);
    const uint64_t mask = s == 31 ? 0xffffffffu : ((uint64_t)2 << s) - 1;
    if ((uint64_t)d[L] & mask)
        return 1;
    for (int64_t i = 0; i < L; i++)
        if (d[i])
            return 1;
    return 0;
}

/* The carried magnitude (all digits in [0, 2^32)) rounded to a double. */
static double round_magnitude(const int64_t *d)
{
    int top = SPG_EXACT_DIGITS - 1;
    while (top >= 0 && d[top] == 0)
        top--;
    if (top < 0)
        return 0;
    int64_t T = 32 * (int64_t)top + 31; /* the leading bit */
    while (!bit(d, T))
        T--;
    uint64_t keep = 0; /* bits T - 52 .. T */
    for (int64_t b = T; b >= T - 52; b--)
        keep = keep << 1 | (uint64_t)bit(d, b);
    if (T < 53) /* below 2^-1021: exact */
        return ldexp((double)keep, (int)(T - 52 - 1074));
    /* to nearest: up past half, and at half to even */
    if (bit(d, T - 53) && (any_below(d, T - 54) || (keep & 1)))
        keep++;
    return ldexp((double)keep, (int)(T - 52 - 1074));
}

double spg_exact_value(const int64_t *digits, double special)
{
    if (isnan(special))
        return NAN; /* one NaN, whatever the payloads and the order */
    if (special != 0)
        return special;
    int64_t d[SPG_EXACT_DIGITS];
    memcpy(d, digits, sizeof d);
    carry_digits(d);
    const int negative = d[SPG_EXACT_DIGITS - 1] < 0;
    if (negative) { /* the magnitude: every digit negated, carried again */
        for (int i = 0; i < SPG_EXACT_DIGITS; i++)
            d[i] = -d[i];
        carry_digits(d);
    }
    const double m = round_magnitude(d);
    return negative ? -m : m; /* an exact zero is +0 */
}
