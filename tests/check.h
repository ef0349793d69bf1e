/* A small test harness: checks count, failures print where and why, and
 * spg_test_done prints the closing "N passed, N failed" line. Each test
 * program includes this once. */
#ifndef SPG_CHECK_H
#define SPG_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "spgrad.h"

static int spg_test_passed, spg_test_failed;

/* Records one check; prints the failure with its location. */
static inline int spg_test_check(int ok, const char *what, const char *file, int line)
{
    if (ok) {
        spg_test_passed++;
    } else {
        spg_test_failed++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
    return ok;
}

#define CHECK(cond) spg_test_check((cond) != 0, #cond, __FILE__, __LINE__)

/* The call returns the expected status. */
#define CHECK_STATUS(call, expected) \
    spg_test_check((call) == (expected), #call " == " #expected, __FILE__, __LINE__)

static inline int spg_test_done(void)
{
    printf("%d passed, %d failed\n", spg_test_passed, spg_test_failed);
    return spg_test_failed ? 1 : 0;
}

/* Deterministic pseudo-random numbers (64-bit LCG, top bits). */
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

/* Uniform in [-1, 1), a multiple of 2^-12 so that float holds it exactly. */
static inline double spg_rng_value(spg_rng *r)
{
    return (double)(spg_rng_below(r, 8192) - 4096) / 4096.0;
}

/* Arrays of either value type, read and written as double. */
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

/* Index arrays of either index type. */
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

static inline size_t spg_isize(spg_itype t)
{
    return t == SPG_INT32 ? sizeof(int32_t) : sizeof(int64_t);
}

#endif
