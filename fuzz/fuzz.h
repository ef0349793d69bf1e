/* Helpers shared by the fuzz targets: a cursor over the input bytes that
 * reads zeros once the input is used up, typed array access, arithmetic in
 * a value type, bitwise comparison and the failure report. */
#ifndef SPG_FUZZ_H
#define SPG_FUZZ_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spgrad.h"
#include "values.h" /* typed arrays (tools/) */

/* The libFuzzer entry point, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The unread part of the input. */
typedef struct fz_bytes {
    const uint8_t *p;
    size_t left;
} fz_bytes;

/* The next byte, or 0 once the input is used up. */
static inline uint8_t fz_u8(fz_bytes *b)
{
    if (b->left == 0)
        return 0;
    b->left--;
    return *b->p++;
}

/* Copies the next len bytes into out, zeros past the end of the input. */
static inline void fz_take(fz_bytes *b, void *out, size_t len)
{
    size_t got = len < b->left ? len : b->left;
    memset(out, 0, len);
    if (got > 0)
        memcpy(out, b->p, got);
    b->p += got;
    b->left -= got;
}

#if defined(__GNUC__)
static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
#endif

/* Prints the mismatch and aborts, which libFuzzer reports as a crash. */
static void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz check failed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* A spgrad call that must succeed. */
static inline void fz_ok(spg_status st, const char *call)
{
    if (st != SPG_SUCCESS)
        fz_fail("%s returned %d (%s)", call, (int)st, spg_status_string(st));
}

/* The one CPU context of the process, made on first use, single-threaded. */
static inline spg_context *fz_context(void)
{
    static spg_context *ctx;
    if (!ctx) {
        fz_ok(spg_context_create(SPG_BACKEND_CPU, &ctx), "spg_context_create");
        fz_ok(spg_context_set_threads(ctx, 1), "spg_context_set_threads");
    }
    return ctx;
}

/* count elements of size bytes each; NULL for none (the API allows it). */
static inline void *fz_alloc(int64_t count, size_t size)
{
    if (count <= 0)
        return NULL;
    void *p = malloc((size_t)count * size);
    if (!p)
        fz_fail("out of memory");
    return p;
}

/* A value array of type t holding v[0..len); NULL when len is 0. */
static inline void *fz_values(spg_dtype t, const double *v, int64_t len)
{
    void *a = fz_alloc(len, spg_vsize(t));
    for (int64_t k = 0; k < len; k++)
        spg_vset(t, a, k, v[k]);
    return a;
}

/* x rounded to type t. */
static inline double fz_round(spg_dtype t, double x)
{
    return t == SPG_FLOAT ? (double)(float)x : x;
}

/* a + b computed in type t (a and b are already of type t). */
static inline double fz_add(spg_dtype t, double a, double b)
{
    if (t == SPG_FLOAT) {
        float s = (float)a + (float)b;
        return s;
    }
    return a + b;
}

/* a * b computed in type t (a and b are already of type t). */
static inline double fz_mul(spg_dtype t, double a, double b)
{
    if (t == SPG_FLOAT) {
        float p = (float)a * (float)b;
        return p;
    }
    return a * b;
}

/* a and b are the same value of type t, bit for bit (any two NaNs match:
 * which NaN payload a sum keeps depends on the operand order the compiler
 * picks). */
static inline int fz_same(spg_dtype t, double a, double b)
{
    if (isnan(a) && isnan(b))
        return 1;
    if (t == SPG_FLOAT) {
        float fa = (float)a, fb = (float)b;
        uint32_t ua, ub;
        memcpy(&ua, &fa, sizeof ua);
        memcpy(&ub, &fb, sizeof ub);
        return ua == ub;
    }
    uint64_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    return ua == ub;
}

#endif /* SPG_FUZZ_H */
