/* The operations that the benchmarks time (bench/bench.cpp with Google
 * Benchmark, and `spgrad bench`), their names, and the minimum bytes each
 * moves: the model their GB/s come from. */
#ifndef SPG_MODEL_H
#define SPG_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The _BARE rows run on the plan's view without its analysis, as on a view
 * the caller fills; the SOLVE_ rows on SPD problems only (fem2di). */
typedef enum spg_bop {
    SPG_BOP_ASSEMBLE, SPG_BOP_ASSEMBLE_PULLBACK, SPG_BOP_SPMV_N, SPG_BOP_SPMV_N_BARE,
    SPG_BOP_SPMV_T, SPG_BOP_SPMV_PULLBACK, SPG_BOP_BILINEAR, SPG_BOP_BILINEAR_VG,
    SPG_BOP_BILINEAR_VG_BARE, SPG_BOP_SAMPLED_OUTER_1, SPG_BOP_SAMPLED_OUTER_8,
    SPG_BOP_COO_BILINEAR, SPG_BOP_COO_SPMV, SPG_BOP_PLAN, SPG_BOP_FRESH, SPG_BOP_SOLVE_FACTOR,
    SPG_BOP_SOLVE, SPG_BOP_SOLVE_PULLBACK
} spg_bop;
#define SPG_BOP_COUNT (SPG_BOP_SOLVE_PULLBACK + 1)

/* "assemble", "spmv_N", ...: the rows' names in both programs. */
extern const char *const spg_bop_names[SPG_BOP_COUNT];

/* The minimum bytes op moves on an m x n matrix of nnz stored entries
 * assembled from nt triplets, with values of vs bytes and 4-byte indices;
 * 0 where no such model is kept (the plan, the solves). */
double spg_bop_bytes(spg_bop op, int64_t m, int64_t n, int64_t nt, int64_t nnz, double vs);

#ifdef __cplusplus
}
#endif

#endif
