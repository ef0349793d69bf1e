/* The interface every backend implements, once per value and index type:
 * each function takes the context (threads, or the CUDA handles and stream)
 * and returns a status. The dispatch layer (the C files of src/) validates
 * the inputs and composes these pieces; backends trust what they get. */
#ifndef SPG_BACKEND_H
#define SPG_BACKEND_H

#include "internal.h"

/* Operations a call will run on one matrix, for spg_ops.prepare. */
enum { SPG_NEED_N = 1u, SPG_NEED_T = 2u, SPG_NEED_PASS = 4u }; /* A x, A' x, bilinear_pass */

typedef struct spg_ops {
    /* Fills the pattern arrays and counts of plan, or leaves it untouched. */
    spg_status (*plan_build)(spg_context *ctx, const spg_triplets *t, spg_plan *plan);
    /* plan_build, and plan->values = the sum of each entry's triplet values
     * V, in the backend's memory. Optional: where NULL the dispatch runs
     * plan_build and assemble into a new array instead. */
    spg_status (*plan_build_assemble)(spg_context *ctx, const spg_triplets *t, const void *V,
                                      spg_plan *plan);
    /* The bytes of the buffer an analysis of A's pattern keeps, in the
     * backend's memory; *ok = 0 where they overflow. */
    size_t (*analysis_bytes)(const spg_csc *A, int *ok);
    /* Fills *an, what the backend's operations want to know of A's well
     * formed pattern beyond its arrays, keeping its arrays in buffer. */
    spg_status (*analyse)(spg_context *ctx, const spg_csc *A, void *buffer, spg_analysis *an);
    /* Ax = the sum of each entry's triplet values */
    spg_status (*assemble)(spg_context *ctx, const spg_plan *plan, const void *V, void *Ax);
    /* dV += dAx gathered through each triplet's entry */
    spg_status (*assemble_pullback)(spg_context *ctx, const spg_plan *plan, const void *dAx,
                                    void *dV);
    /* y = alpha op(A) x + beta y (beta == 0: y is not read) */
    spg_status (*spmv)(spg_context *ctx, const spg_csc *A, spg_op op, double alpha,
                       const void *x, double beta, void *y);
    /* dv += alpha A' u and dA += alpha u v' on the pattern, in one pass over
     * the columns: the SpMV pullback of op N. Optional: where NULL the
     * dispatch runs spmv and sampled_outer instead. */
    spg_status (*spmv_t_outer)(spg_context *ctx, const spg_csc *A, double alpha, const void *u,
                               const void *v, void *dA, void *dv);
    /* *f = x' A y; where non-NULL, dy += A' x and dA += x y' on the pattern */
    spg_status (*bilinear_pass)(spg_context *ctx, const spg_csc *A, const void *x,
                                const void *y, void *dA, void *dy, double *f);
    /* dA += alpha U V' on the pattern */
    spg_status (*sampled_outer)(spg_context *ctx, const spg_csc *A, int64_t k, const void *U,
                                int64_t ldu, const void *V, int64_t ldv, double alpha,
                                void *dA);
    /* SPG_SUCCESS when A's structure is well formed, else SPG_ERR_INVALID_MATRIX */
    spg_status (*csc_check)(spg_context *ctx, const spg_csc *A);
    /* SPG_SUCCESS, else the status of the first bad triplet in triplet
     * order: SPG_ERR_NEGATIVE_INDEX or SPG_ERR_INDEX_RANGE */
    spg_status (*coo_check)(spg_context *ctx, const spg_triplets *t);
    /* dV += alpha U V' sampled at the triplets */
    spg_status (*coo_sampled_outer)(spg_context *ctx, const spg_triplets *t, int64_t k,
                                    const void *U, int64_t ldu, const void *V, int64_t ldv,
                                    double alpha, void *dV);
    /* In one pass over the columns: dx += df A y and, each where non-NULL,
     * *f = x' A y, dA += df x y' on the pattern, dy += df A' x (dx and dy
     * apart). Optional: where NULL the dispatch runs bilinear_pass, spmv
     * and sampled_outer instead. */
    spg_status (*bilinear_fused)(spg_context *ctx, const spg_csc *A, const void *x,
                                 const void *y, double df, void *dA, void *dx, void *dy,
                                 double *f);
    /* Y += X for m x k column-major blocks (m, k > 0) */
    spg_status (*block_add)(spg_context *ctx, int64_t m, int64_t k, const void *X, int64_t ldx,
                            void *Y, int64_t ldy);
    /* Reserves every buffer that the operations in need (SPG_NEED_* bits)
     * will use on A, before a call that runs several of them writes its
     * first output. Optional: NULL for a backend whose operations allocate
     * nothing. */
    spg_status (*prepare)(spg_context *ctx, const spg_csc *A, unsigned need);
} spg_ops;

/* The status of a triplet's code from kernels/coo.h: -1 a negative index
 * not to be skipped, -2 an index out of range, else none. */
static inline spg_status spg_triplet_status(int code)
{
    return code == -1 ? SPG_ERR_NEGATIVE_INDEX : code == -2 ? SPG_ERR_INDEX_RANGE : SPG_SUCCESS;
}

/* The status of the smallest key of spg_k_coo_bad_key over the triplets. */
static inline spg_status spg_bad_key_status(uint64_t key)
{
    return key == UINT64_MAX ? SPG_SUCCESS : key % 2 ? SPG_ERR_INDEX_RANGE : SPG_ERR_NEGATIVE_INDEX;
}

/* The instance of the context's backend for a value and index type. */
const spg_ops *spg_ops_get(const spg_context *ctx, spg_dtype dtype, spg_itype itype);

/* Instances are compiled with SPG_SUFFIX (f32_i32, f32_i64, f64_i32,
 * f64_i64) and SPG_ISUFFIX (i32, i64); code that depends on the index type
 * alone is compiled with SPG_ISUFFIX only. Inside one, SPG_TYPED(name) is
 * name##_##SPG_SUFFIX and SPG_ITYPED(name) is name##_##SPG_ISUFFIX. */
#define SPG_PASTE_(a, b) a##_##b
#define SPG_PASTE(a, b) SPG_PASTE_(a, b)
#ifdef SPG_SUFFIX
#define SPG_TYPED(name) SPG_PASTE(name, SPG_SUFFIX)
#endif
#ifdef SPG_ISUFFIX
#define SPG_ITYPED(name) SPG_PASTE(name, SPG_ISUFFIX)
#endif

#endif /* SPG_BACKEND_H */
