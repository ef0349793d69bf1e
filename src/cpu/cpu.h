/* The CPU backend: OpenMP loops over the kernels/ bodies. Its sources are
 * compiled once per value and index type; each instance exports its
 * functions with the suffix SPG_SUFFIX (f32_i32, f32_i64, f64_i32, f64_i64)
 * and gathers them in a table. */
#ifndef SPG_CPU_H
#define SPG_CPU_H

#include "../internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct spg_cpu_ops {
    /* Fills the pattern arrays and counts of plan, or leaves it untouched. */
    spg_status (*plan_build)(const spg_triplets *t, spg_plan *plan);
    void (*assemble)(const spg_plan *plan, const void *V, void *Ax, int nthreads);
    void (*assemble_pullback)(const spg_plan *plan, const void *dAx, void *dV,
                              int nthreads);
    /* y = alpha op(A) x + beta y (beta == 0: y is not read) */
    void (*spmv)(const spg_csc *A, spg_op op, double alpha, const void *x, double beta,
                 void *y, int nthreads);
    /* f = x' A y; where non-NULL, dy += A' x and dA += x y' on the pattern */
    double (*bilinear_pass)(const spg_csc *A, const void *x, const void *y, void *dA,
                            void *dy, int nthreads);
    /* dA += alpha U V' on the pattern */
    void (*sampled_outer)(const spg_csc *A, int64_t k, const void *U, int64_t ldu,
                          const void *V, int64_t ldv, double alpha, void *dA, int nthreads);
    /* 1 when A's structure is well formed */
    int (*csc_check)(const spg_csc *A, int nthreads);
    /* SPG_SUCCESS, else SPG_ERR_INDEX_RANGE when any index is out of range,
     * else SPG_ERR_NEGATIVE_INDEX */
    spg_status (*coo_check)(const spg_triplets *t, int nthreads);
    /* dV += alpha U V' sampled at the triplets */
    void (*coo_sampled_outer)(const spg_triplets *t, int64_t k, const void *U, int64_t ldu,
                              const void *V, int64_t ldv, double alpha, void *dV,
                              int nthreads);
} spg_cpu_ops;

const spg_cpu_ops *spg_cpu_ops_get(spg_dtype dtype, spg_itype itype);

/* Inside an instance: name##_##SPG_SUFFIX, and the functions of its table. */
#ifdef SPG_SUFFIX
#define SPG_PASTE_(a, b) a##_##b
#define SPG_PASTE(a, b) SPG_PASTE_(a, b)
#define SPG_TYPED(name) SPG_PASTE(name, SPG_SUFFIX)

spg_status SPG_TYPED(spg_cpu_plan_build)(const spg_triplets *t, spg_plan *plan);
void SPG_TYPED(spg_cpu_assemble)(const spg_plan *plan, const void *V, void *Ax,
                                 int nthreads);
void SPG_TYPED(spg_cpu_assemble_pullback)(const spg_plan *plan, const void *dAx,
                                          void *dV, int nthreads);
void SPG_TYPED(spg_cpu_spmv)(const spg_csc *A, spg_op op, double alpha, const void *x,
                             double beta, void *y, int nthreads);
double SPG_TYPED(spg_cpu_bilinear_pass)(const spg_csc *A, const void *x, const void *y,
                                        void *dA, void *dy, int nthreads);
void SPG_TYPED(spg_cpu_sampled_outer)(const spg_csc *A, int64_t k, const void *U, int64_t ldu,
                                      const void *V, int64_t ldv, double alpha, void *dA,
                                      int nthreads);
int SPG_TYPED(spg_cpu_csc_check)(const spg_csc *A, int nthreads);
spg_status SPG_TYPED(spg_cpu_coo_check)(const spg_triplets *t, int nthreads);
void SPG_TYPED(spg_cpu_coo_sampled_outer)(const spg_triplets *t, int64_t k, const void *U,
                                          int64_t ldu, const void *V, int64_t ldv, double alpha,
                                          void *dV, int nthreads);
#endif

/* Loops shorter than this run on one thread: a parallel region costs more. */
#define SPG_PARALLEL_MIN 32768

/* Scalar sums add fixed chunks of a range, then the chunk sums in order:
 * the chunks depend on the length only, never on the thread count. */
#define SPG_CHUNKS 256

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
