#include "model.h"

const char *const spg_bop_names[SPG_BOP_COUNT] = {
    "assemble", "assemble_pullback", "spmv_N", "spmv_N_bare_view", "spmv_T", "spmv_pullback",
    "bilinear", "bilinear_value_and_grad", "bilinear_value_and_grad_bare_view",
    "sampled_outer_k1", "sampled_outer_k8", "coo_bilinear_pullback", "coo_spmv_pullback",
    "plan_create", "fresh_plan_arrays", "solver_factor", "solve", "coo_solve_pullback"};

double spg_bop_bytes(spg_bop op, int64_t m_, int64_t n_, int64_t nt, int64_t nnz, double vs)
{
    const double N = (double)nt, z = (double)nnz, m = (double)m_, n = (double)n_;
    const double structure = 4 * z + 4 * (n + 1); /* rowind, colptr */
    switch (op) {
    case SPG_BOP_ASSEMBLE: return N * (vs + 4) + z * (vs + 4);      /* V, perm; Ax, seg */
    case SPG_BOP_ASSEMBLE_PULLBACK: return N * (4 + 2 * vs) + z * vs; /* slot, dV rw; dAx */
    case SPG_BOP_SPMV_N:
    case SPG_BOP_SPMV_N_BARE:
    case SPG_BOP_SPMV_T: return structure + z * vs + (m + n) * vs; /* A, x, y */
    case SPG_BOP_SPMV_PULLBACK: return structure + 3 * z * vs + (m + n) * vs + 2 * n * vs;
    case SPG_BOP_BILINEAR: return structure + z * vs + (m + n) * vs; /* A, x, y */
    case SPG_BOP_BILINEAR_VG:
    case SPG_BOP_BILINEAR_VG_BARE:
        return structure + 3 * z * vs + 3 * (m + n) * vs; /* A, dA rw, x y, dx dy rw */
    case SPG_BOP_SAMPLED_OUTER_1: return structure + 2 * z * vs + (m + n) * vs; /* dA rw, u, v */
    case SPG_BOP_SAMPLED_OUTER_8: return structure + 2 * z * vs + 8 * (m + n) * vs;
    case SPG_BOP_COO_BILINEAR:
    case SPG_BOP_COO_SPMV: return N * (8 + 2 * vs) + (m + n) * vs; /* I J, dV rw, x y */
    case SPG_BOP_FRESH: /* colptr, rowind, seg; perm, slot */
        return 4 * (n + 1) + 8 * z + 4 + 8 * N;
    case SPG_BOP_PLAN:
    case SPG_BOP_SOLVE_FACTOR:
    case SPG_BOP_SOLVE:
    case SPG_BOP_SOLVE_PULLBACK: return 0;
    }
    return 0;
}
