/* What the tests see of the library's insides: allocation failures on
 * demand, the allocations and bytes asked for, and which backend kernels
 * ran. The library itself only feeds these counters. */
#ifndef SPG_TESTHOOK_H
#define SPG_TESTHOOK_H

#include <stdint.h>

/* Test hook: the k-th allocation from now fails (k >= 1); 0 disables.
 * spg_alloc_count gives the allocations made since the last call, and
 * spg_alloc_bytes the bytes they asked for; both count the calling thread's. */
void spg_alloc_fail_at(int64_t k);
int64_t spg_alloc_count(void);
int64_t spg_alloc_bytes(void);

/* Test hook: the most vector instructions CPU plans may sort their
 * columns and find their entries with, and the CPU's sampled outer product
 * may take rows of U with, where the processor has them: 0 none, 1 AVX2,
 * 2 AVX-512 (the default; src/cpu/cpu.h, SPG_SIMD_*). A plan or a product
 * reads it once, when it starts. */
void spg_simd_allow(int level);

/* Runs of each backend kernel, counted by the dispatch layer so that tests
 * can see which work a call did and which it skipped. Per thread. */
typedef enum spg_kernel {
    SPG_KERNEL_SPMV_N,
    SPG_KERNEL_SPMV_T,
    SPG_KERNEL_SPMV_T_OUTER,
    SPG_KERNEL_BILINEAR_PASS,
    SPG_KERNEL_BILINEAR_FUSED,
    SPG_KERNEL_SAMPLED_OUTER,
    SPG_KERNEL_COO_SAMPLED_OUTER,
    SPG_KERNEL_COUNT
} spg_kernel;
void spg_kernel_ran(spg_kernel k);
int64_t spg_kernel_runs(spg_kernel k); /* since the last call, then resets */

#endif /* SPG_TESTHOOK_H */
