/* The CPU backend: OpenMP loops over the kernels/ bodies. Its sources are
 * compiled once per value and index type; each instance exports its
 * functions with the suffix SPG_SUFFIX (f32_i32, f32_i64, f64_i32, f64_i64)
 * and gathers them in a table. */
#ifndef SPG_CPU_H
#define SPG_CPU_H

#include "../internal.h"

/* The triplets as the symbolic phase sees them: already swapped for
 * SPG_COMPRESS_ROWS, so that compression is always by columns. */
typedef struct spg_triplets {
    int64_t m, n, nnz;
    const void *I, *J;
    int base;           /* 1 for one-based indices */
    int skip_negative;  /* drop triplets with a negative row or column */
} spg_triplets;

typedef struct spg_cpu_ops {
    /* Fills the pattern arrays and counts of plan, or leaves it untouched. */
    spg_status (*plan_build)(const spg_triplets *t, spg_plan *plan);
    void (*assemble)(const spg_plan *plan, const void *V, void *Ax, int nthreads);
    void (*assemble_pullback)(const spg_plan *plan, const void *dAx, void *dV,
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
#endif

/* Loops shorter than this run on one thread: a parallel region costs more. */
#define SPG_PARALLEL_MIN 32768

#endif /* SPG_CPU_H */
