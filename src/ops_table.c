/* Picks the backend instance for a context, value type and index type. */
#include "cpu/cpu.h"
#include "cuda/cuda.h"

/* The four instances of one backend, by value and index type. */
static const spg_ops *pick(const spg_ops *f32_i32, const spg_ops *f32_i64,
                           const spg_ops *f64_i32, const spg_ops *f64_i64, spg_dtype dtype,
                           spg_itype itype)
{
    if (dtype == SPG_FLOAT)
        return itype == SPG_INT32 ? f32_i32 : f32_i64;
    return itype == SPG_INT32 ? f64_i32 : f64_i64;
}

const spg_ops *spg_ops_get(const spg_context *ctx, spg_dtype dtype, spg_itype itype)
{
#ifdef SPGRAD_HAVE_CUDA
    if (ctx->backend == SPG_BACKEND_CUDA)
        return pick(&spg_cuda_ops_f32_i32, &spg_cuda_ops_f32_i64, &spg_cuda_ops_f64_i32,
                    &spg_cuda_ops_f64_i64, dtype, itype);
#else
    (void)ctx;
#endif
    return pick(&spg_cpu_ops_f32_i32, &spg_cpu_ops_f32_i64, &spg_cpu_ops_f64_i32,
                &spg_cpu_ops_f64_i64, dtype, itype);
}
