/* The table of one CPU backend instance. */
#include "cpu.h"

const spg_ops SPG_TYPED(spg_cpu_ops) = {
    .plan_build = SPG_TYPED(spg_cpu_plan_build),
    .assemble = SPG_TYPED(spg_cpu_assemble),
    .assemble_pullback = SPG_TYPED(spg_cpu_assemble_pullback),
    .spmv = SPG_TYPED(spg_cpu_spmv),
    .spmv_t_outer = SPG_TYPED(spg_cpu_spmv_t_outer),
    .bilinear_pass = SPG_TYPED(spg_cpu_bilinear_pass),
    .sampled_outer = SPG_TYPED(spg_cpu_sampled_outer),
    .csc_check = SPG_TYPED(spg_cpu_csc_check),
    .coo_check = SPG_TYPED(spg_cpu_coo_check),
    .coo_sampled_outer = SPG_TYPED(spg_cpu_coo_sampled_outer),
    .bilinear_fused = SPG_TYPED(spg_cpu_bilinear_fused),
};
