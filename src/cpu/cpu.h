/* The CPU backend: OpenMP loops over the kernels/ bodies, compiled once per
 * value and index type (see src/backend.h). */
#ifndef SPG_CPU_H
#define SPG_CPU_H

#include "../backend.h"

#ifdef _OPENMP
#include <omp.h>
#endif

extern const spg_ops spg_cpu_ops_f32_i32, spg_cpu_ops_f32_i64, spg_cpu_ops_f64_i32,
    spg_cpu_ops_f64_i64;

#ifdef SPG_SUFFIX
spg_status SPG_TYPED(spg_cpu_plan_build)(spg_context *ctx, const spg_triplets *t,
                                         spg_plan *plan);
spg_status SPG_TYPED(spg_cpu_assemble)(spg_context *ctx, const spg_plan *plan, const void *V,
                                       void *Ax);
spg_status SPG_TYPED(spg_cpu_assemble_pullback)(spg_context *ctx, const spg_plan *plan,
                                                const void *dAx, void *dV);
spg_status SPG_TYPED(spg_cpu_spmv)(spg_context *ctx, const spg_csc *A, spg_op op, double alpha,
                                   const void *x, double beta, void *y);
spg_status SPG_TYPED(spg_cpu_spmv_t_outer)(spg_context *ctx, const spg_csc *A, double alpha,
                                           const void *u, const void *v, void *dA, void *dv);
spg_status SPG_TYPED(spg_cpu_bilinear_pass)(spg_context *ctx, const spg_csc *A, const void *x,
                                            const void *y, void *dA, void *dy, double *f);
spg_status SPG_TYPED(spg_cpu_bilinear_fused)(spg_context *ctx, const spg_csc *A, const void *x,
                                             const void *y, double df, void *dA, void *dx,
                                             void *dy, double *f);
spg_status SPG_TYPED(spg_cpu_sampled_outer)(spg_context *ctx, const spg_csc *A, int64_t k,
                                            const void *U, int64_t ldu, const void *V,
                                            int64_t ldv, double alpha, void *dA);
spg_status SPG_TYPED(spg_cpu_csc_check)(spg_context *ctx, const spg_csc *A);
void SPG_TYPED(spg_cpu_analyse)(spg_context *ctx, const spg_csc *A, spg_analysis *an);
spg_status SPG_TYPED(spg_cpu_coo_check)(spg_context *ctx, const spg_triplets *t);
spg_status SPG_TYPED(spg_cpu_coo_sampled_outer)(spg_context *ctx, const spg_triplets *t,
                                                int64_t k, const void *U, int64_t ldu,
                                                const void *V, int64_t ldv, double alpha,
                                                void *dV);
#endif

/* Loops shorter than this run on one thread: a parallel region costs more. */
#define SPG_PARALLEL_MIN 32768

/* Scalar sums add fixed chunks of a range (SPG_CHUNKS, src/internal.h),
 * then the chunk sums in order: the chunks depend on the length only,
 * never on the thread count. */

static inline int64_t spg_chunk_count(int64_t len)
{
    return len < SPG_CHUNKS ? len : SPG_CHUNKS;
}

/* Start of chunk c of [0, len) cut into spg_chunk_count(len) chunks. */
static inline int64_t spg_chunk_start(int64_t len, int64_t c)
{
    const int64_t chunks = spg_chunk_count(len);
    return (len / chunks) * c + (c < len % chunks ? c : len % chunks);
}

/* Threads in the current team (1 outside a parallel region). */
static inline int spg_team_size(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* This thread's block [lo, hi) of [0, len) inside a parallel region. */
static inline void spg_thread_block(int64_t len, int64_t *lo, int64_t *hi)
{
#ifdef _OPENMP
    const int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
#else
    const int64_t t = 0, T = 1;
#endif
    *lo = (len / T) * t + (t < len % T ? t : len % T);
    *hi = *lo + len / T + (t < len % T ? 1 : 0);
}

#endif /* SPG_CPU_H */
