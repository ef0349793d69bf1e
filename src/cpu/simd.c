/* Whether the CPU plan sorts columns with AVX2 (src/cpu/sort64.c): the
 * processor has it and the test hook has not turned it off. */
#include <stdatomic.h>

#include "cpu.h"
#include "../testhook.h"

static atomic_int simd_allowed = 1;

void spg_simd_allow(int allow)
{
    atomic_store_explicit(&simd_allowed, allow, memory_order_relaxed);
}

int spg_cpu_simd(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init(); /* done at load time, unless this runs before that */
    return atomic_load_explicit(&simd_allowed, memory_order_relaxed) &&
           __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}
