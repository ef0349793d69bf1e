/* Allocation with overflow checks and a failure-injection hook for tests;
 * the kernel-run counters. */
#include <stdint.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "internal.h"
#include "testhook.h"

static _Thread_local int64_t fail_at;  /* 0: never */
static _Thread_local int64_t made;
static _Thread_local uint64_t requested; /* bytes, at most INT64_MAX */

void spg_alloc_fail_at(int64_t k)
{
    fail_at = k;
    made = 0;
}

int64_t spg_alloc_count(void)
{
    int64_t c = made;
    made = 0;
    return c;
}

int64_t spg_alloc_bytes(void)
{
    int64_t b = (int64_t)requested;
    requested = 0;
    return b;
}

size_t spg_bytes_of(int64_t count, size_t size, int *ok)
{
    *ok = count >= 0 && size > 0 && (uint64_t)count <= SIZE_MAX / size;
    made++;
    if (fail_at > 0 && made == fail_at)
        *ok = 0;
    const uint64_t b = *ok ? (uint64_t)count * size : 0;
    requested = b > (uint64_t)INT64_MAX - requested ? (uint64_t)INT64_MAX : requested + b;
    return (size_t)b;
}

/* Large arrays ask for transparent huge pages: a fresh array of hundreds of
 * MiB otherwise costs one page fault per 4 KiB on its first touch, which
 * takes longer than the pass that fills it. Allocations this large are
 * usually fresh mappings, so the advice holds from their first fault on;
 * on reused memory it is harmless. */
static void *advise_huge(void *p, size_t b)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20;
    if (p && b >= 2 * huge) {
        const size_t head = (huge - (uintptr_t)p % huge) % huge; /* to a 2 MiB boundary */
        (void)madvise((char *)p + head, (b - head) & ~(huge - 1), MADV_HUGEPAGE); /* advice only */
    }
#else
    (void)b;
#endif
    return p;
}

void *spg_malloc(int64_t count, size_t size)
{
    int ok;
    size_t b = spg_bytes_of(count, size, &ok);
    return ok ? advise_huge(malloc(b ? b : 1), b) : NULL;
}

void *spg_calloc(int64_t count, size_t size)
{
    int ok;
    size_t b = spg_bytes_of(count, size, &ok);
    return ok ? advise_huge(calloc(b ? b : 1, 1), b) : NULL;
}

void spg_free(void *p)
{
    free(p);
}

static _Thread_local int64_t kernel_runs[SPG_KERNEL_COUNT];

void spg_kernel_ran(spg_kernel k)
{
    kernel_runs[k]++;
}

int64_t spg_kernel_runs(spg_kernel k)
{
    int64_t r = kernel_runs[k];
    kernel_runs[k] = 0;
    return r;
}

int64_t spg_index_max(spg_itype itype)
{
    return itype == SPG_INT32 ? INT32_MAX : INT64_MAX;
}
