/* Which vector instructions the CPU plan sorts columns and finds their
 * entries with (src/cpu/sort64.c, segments.c), and the sampled outer
 * product takes rows of U with (outer.c): the processor's best, as far as
 * the test hook allows. */
#include <stdatomic.h>

#include "cpu.h"
#include "../testhook.h"

static atomic_int simd_allowed = SPG_SIMD_AVX512;

void spg_simd_allow(int level)
{
    atomic_store_explicit(&simd_allowed, level, memory_order_relaxed);
}

int spg_cpu_simd(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init(); /* done at load time, unless this runs before that */
    const int allowed = atomic_load_explicit(&simd_allowed, memory_order_relaxed);
    if (allowed < SPG_SIMD_AVX2 || !__builtin_cpu_supports("avx2"))
        return SPG_SIMD_NONE;
    return allowed >= SPG_SIMD_AVX512 && __builtin_cpu_supports("avx512f") ? SPG_SIMD_AVX512
                                                                            : SPG_SIMD_AVX2;
#else
    return SPG_SIMD_NONE;
#endif
}
