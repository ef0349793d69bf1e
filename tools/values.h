/* Arrays of either value or index type, read and written as double or
 * int64, and deterministic pseudo-random numbers: what the program, the
 * tests, the benchmarks and the fuzz targets share. Header only. */
#ifndef SPG_TOOLS_VALUES_H
#define SPG_TOOLS_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "spgrad.h"

static inline size_t spg_vsize(spg_dtype t)
{
    return t == SPG_DOUBLE ? sizeof(double) : sizeof(float);
}

static inline double spg_vget(spg_dtype t, const void *a, int64_t i)
{
    return t == SPG_DOUBLE ? ((const double *)a)[i] : (double)((const float *)a)[i];
}

/* Stores x rounded to t. */
static inline void spg_vset(spg_dtype t, void *a, int64_t i, double x)
{
    if (t == SPG_DOUBLE)
        ((double *)a)[i] = x;
    else
        ((float *)a)[i] = (float)x;
}

/* x rounded to t: a + b computed in double and rounded to float is float's
 * own a + b, so oracles written in double reproduce float sums exactly. */
static inline double spg_round(spg_dtype t, double x)
{
    return t == SPG_DOUBLE ? x : (double)(float)x;
}

/* Unit roundoff of t. */
static inline double spg_unit(spg_dtype t)
{
    return t == SPG_DOUBLE ? 0x1p-53 : 0x1p-24;
}

static inline size_t spg_isize(spg_itype t)
{
    return t == SPG_INT32 ? sizeof(int32_t) : sizeof(int64_t);
}

static inline int64_t spg_iget(spg_itype t, const void *a, int64_t i)
{
    return t == SPG_INT32 ? ((const int32_t *)a)[i] : ((const int64_t *)a)[i];
}

static inline void spg_iset(spg_itype t, void *a, int64_t i, int64_t x)
{
    if (t == SPG_INT32)
        ((int32_t *)a)[i] = (int32_t)x;
    else
        ((int64_t *)a)[i] = x;
}

/* Deterministic pseudo-random numbers (64-bit LCG, top 53 bits). */
typedef struct spg_rng { uint64_t s; } spg_rng;

static inline uint64_t spg_rng_next(spg_rng *r)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return r->s >> 11;
}

/* Uniform integer in [0, n), n > 0. */
static inline int64_t spg_rng_below(spg_rng *r, int64_t n)
{
    return (int64_t)(spg_rng_next(r) % (uint64_t)n);
}

/* Uniform in [0, 1), a multiple of 2^-53. */
static inline double spg_rng_unit(spg_rng *r)
{
    return (double)spg_rng_next(r) * 0x1.0p-53;
}

/* Uniform in [-1, 1), a multiple of 2^-12 so that float holds it exactly. */
static inline double spg_rng_value(spg_rng *r)
{
    return (double)(spg_rng_below(r, 8192) - 4096) / 4096.0;
}

#endif
