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
#include "values.h" /* typed arrays and the random numbers, from tools/ */

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

#endif
