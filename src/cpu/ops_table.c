/* Picks the CPU backend instance for a value and index type. */
#include "cpu.h"

extern const spg_cpu_ops spg_cpu_ops_f32_i32, spg_cpu_ops_f32_i64,
    spg_cpu_ops_f64_i32, spg_cpu_ops_f64_i64;

const spg_cpu_ops *spg_cpu_ops_get(spg_dtype dtype, spg_itype itype)
{
    if (dtype == SPG_FLOAT)
        return itype == SPG_INT32 ? &spg_cpu_ops_f32_i32 : &spg_cpu_ops_f32_i64;
    return itype == SPG_INT32 ? &spg_cpu_ops_f64_i32 : &spg_cpu_ops_f64_i64;
}
