/* Whether the CPU plan sorts columns with AVX2 (src/cpu/sort64.c): the
 * processor has it and the test hook has not turned it off. */
#include "cpu.h"
#include "../testhook.h"

static int simd_allowed = 1;

void spg_simd_allow(int allow)
{
    simd_allowed = allow;
}

int spg_cpu_simd(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init(); /* done at load time, unless this runs before that */
    return simd_allowed && __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}
