/* The CPU's operations on dense blocks. */
#include "cpu.h"

#include "../../kernels/dense.h"

/* Y += X for m x k blocks: each element's sum is one addition, so the bits
 * never depend on the threads */
spg_status spg_cpu_block_add(spg_context *ctx, int64_t m, int64_t k, const void *X, int64_t ldx,
                             void *Y, int64_t ldy)
{
    const int64_t len = m * k;
#pragma omp parallel for num_threads(spg_team(ctx, len, len)) schedule(static)
    for (int64_t e = 0; e < len; e++)
        spg_k_block_add(m, X, ldx, Y, ldy, e);
    return SPG_SUCCESS;
}
