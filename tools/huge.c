/* Arrays for the benchmarks' timings, taken as the library takes its large
 * arrays (src/alloc.c): huge pages advised. */
#define _DEFAULT_SOURCE /* madvise */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "tools.h"

void *spg_huge_alloc(size_t bytes)
{
    void *a = malloc(bytes ? bytes : 1);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20;
    if (a && bytes >= 2 * huge) {
        const size_t head = (huge - (uintptr_t)a % huge) % huge; /* to a 2 MiB boundary */
        (void)madvise((char *)a + head, (bytes - head) & ~(huge - 1), MADV_HUGEPAGE);
    }
#endif
    return a;
}
