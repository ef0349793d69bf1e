/* Element-level bodies of dense blocks: column-major, each with its
 * leading dimension. */
#ifndef SPG_KERNELS_DENSE_H
#define SPG_KERNELS_DENSE_H

#include "spg_types.h"

/* Y_ir += X_ir for element e = i + r m of an m x k block (m > 0) */
SPG_HD void spg_k_block_add(int64_t m, const spg_real *X, int64_t ldx, spg_real *Y, int64_t ldy,
                            int64_t e)
{
    const int64_t i = e % m, r = e / m;
    Y[i + r * ldy] += X[i + r * ldx];
}

#endif /* SPG_KERNELS_DENSE_H */
