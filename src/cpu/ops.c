/* The table of one CPU backend instance. */
#include "cpu.h"

const spg_ops SPG_TYPED(spg_cpu_ops) = {
    .plan_build = spg_cpu_plan_build,
    .plan_build_assemble = spg_cpu_plan_build_assemble,
    .analysis_bytes = spg_cpu_analysis_bytes,
    .analyse = spg_cpu_analyse,
    .assemble = spg_cpu_assemble,
    .assemble_pullback = spg_cpu_assemble_pullback,
    .spmv = spg_cpu_spmv,
    .spmv_t_outer = spg_cpu_spmv_t_outer,
    .bilinear_pass = spg_cpu_bilinear_pass,
    .sampled_outer = spg_cpu_sampled_outer,
    .csc_check = spg_cpu_csc_check,
    .coo_check = spg_cpu_coo_check,
    .coo_sampled_outer = spg_cpu_coo_sampled_outer,
    .bilinear_fused = spg_cpu_bilinear_fused,
    .block_add = spg_cpu_block_add,
};
