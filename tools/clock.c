/* Wall-clock time for the tools' timings. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <time.h>

#include "tools.h"

double spg_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
