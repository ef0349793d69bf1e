/* The table of one CPU backend instance. */
#include "cpu.h"

const spg_cpu_ops SPG_TYPED(spg_cpu_ops) = {
    .plan_build = SPG_TYPED(spg_cpu_plan_build),
    .assemble = SPG_TYPED(spg_cpu_assemble),
    .assemble_pullback = SPG_TYPED(spg_cpu_assemble_pullback),
};
