/* spgrad: forward results and reverse-mode pullbacks of sparse operations.
 *
 * One public header, C11, no CUDA types. Conventions (see README.md):
 *  - spg_coo and spg_csc are views: they describe arrays the caller owns.
 *    A NULL values pointer means a pattern matrix (all stored values are 1).
 *  - Forward results overwrite their outputs; pullbacks accumulate (+=).
 *  - Every input is validated before anything is written: on any error the
 *    outputs are untouched, nothing leaks, and the status says what was wrong.
 *  - Results are bitwise the same for any number of threads.
 *  - An array whose length is 0 may be NULL.
 */
#ifndef SPGRAD_H
#define SPGRAD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPGRAD_VERSION_MAJOR 0
#define SPGRAD_VERSION_MINOR 1
#define SPGRAD_VERSION_PATCH 0

#if defined(__GNUC__)
#define SPG_API __attribute__((visibility("default")))
#else
#define SPG_API
#endif

/* Status codes: 0 is success, every error is negative. */
typedef enum spg_status {
    SPG_SUCCESS = 0,
    SPG_ERR_NULL_POINTER = -1,     /* a required pointer is NULL */
    SPG_ERR_INVALID_VALUE = -2,    /* an enum, flag or count has no meaning */
    SPG_ERR_DIMENSION = -3,        /* a dimension is negative or they disagree */
    SPG_ERR_INDEX_RANGE = -4,      /* an index lies outside the matrix */
    SPG_ERR_NEGATIVE_INDEX = -5,   /* negative index without SPG_SKIP_NEGATIVE */
    SPG_ERR_INDEX_OVERFLOW = -6,   /* the index type cannot hold the result */
    SPG_ERR_ALLOC = -7,            /* memory allocation failed */
    SPG_ERR_NOT_BUILT = -8,        /* backend not compiled into this build */
    SPG_ERR_NO_DEVICE = -9,        /* no usable GPU */
    SPG_ERR_PATTERN_GRADIENT = -10, /* gradient of a pattern matrix requested */
    SPG_ERR_BACKEND_MISMATCH = -11, /* plan made by a context of another backend */
    SPG_ERR_INVALID_MATRIX = -12,  /* a CSC view is not well formed */
    SPG_ERR_DEVICE = -13           /* a CUDA runtime or library call failed */
} spg_status;

/* A sentence naming the status; never NULL. */
SPG_API const char *spg_status_string(spg_status status);

/* "major.minor.patch" of the library that is linked. */
SPG_API const char *spg_version(void);

typedef enum spg_backend { SPG_BACKEND_CPU = 0, SPG_BACKEND_CUDA = 1 } spg_backend;
typedef enum spg_dtype { SPG_FLOAT = 0, SPG_DOUBLE = 1 } spg_dtype;
typedef enum spg_itype { SPG_INT32 = 0, SPG_INT64 = 1 } spg_itype;

/* Plan flags, combined with |. */
enum {
    SPG_ONE_BASED = 1u,      /* indices start at 1 (Fortran, Julia, Matrix Market) */
    SPG_SKIP_NEGATIVE = 2u,  /* drop triplets whose given row or column is
                                negative; their gradient is 0 (PETSc) */
    SPG_COMPRESS_ROWS = 4u   /* compress by rows (CSR) instead of columns */
};

/* COO triplets (I[k], J[k]) of an m x n matrix, k < nnz. */
typedef struct spg_coo {
    int64_t m, n, nnz;
    spg_itype itype;
    const void *I, *J;
} spg_coo;

/* Compressed sparse columns: the rows of column j are
 * rowind[colptr[j] .. colptr[j+1]-1]; values NULL is a pattern matrix. */
typedef struct spg_csc {
    int64_t m, n, nnz;
    spg_itype itype;
    const void *colptr, *rowind;
    spg_dtype dtype;
    const void *values;
} spg_csc;

typedef struct spg_context spg_context;
typedef struct spg_plan spg_plan;

/* Contexts choose the backend. SPG_ERR_NOT_BUILT for CUDA in a build
 * without it, SPG_ERR_NO_DEVICE where no GPU is usable. */
SPG_API spg_status spg_context_create(spg_backend backend, spg_context **ctx);
SPG_API void spg_context_destroy(spg_context *ctx); /* NULL is a no-op */

/* Threads of the CPU backend; 0 (the default) lets OpenMP choose. */
SPG_API spg_status spg_context_set_threads(spg_context *ctx, int nthreads);

/* Symbolic COO -> CSC analysis: pattern (rows sorted and unique in each
 * column), the stored entry of each triplet, and the duplicate segments.
 * O(nnz + m + n). With SPG_INT32 the triplets and the stored entries
 * must number at most 2^31 - 1. The plan is read-only once made and may be
 * shared by threads. */
SPG_API spg_status spg_plan_create(spg_context *ctx, const spg_coo *coo,
                           unsigned flags, spg_plan **plan);
SPG_API void spg_plan_destroy(spg_plan *plan); /* NULL is a no-op */

/* Stored entries of the plan's pattern (-1 for a NULL plan). */
SPG_API int64_t spg_plan_nnz(const spg_plan *plan);

/* A view of the plan's pattern around the caller's values array (length
 * spg_plan_nnz). The pattern arrays belong to the plan. With
 * SPG_COMPRESS_ROWS the plan stores A by rows, and the view is the CSC of
 * the transpose A' (n x m): its colptr and rowind are A's rowptr and colind. */
SPG_API spg_status spg_plan_csc(const spg_plan *plan, spg_dtype dtype,
                        const void *values, spg_csc *A);

/* Ax[s] = sum of V[k] over the triplets k of stored entry s (overwrites);
 * duplicates are summed in triplet order. */
SPG_API spg_status spg_assemble(spg_context *ctx, const spg_plan *plan,
                        spg_dtype dtype, const void *V, void *Ax);

/* dV[k] += dAx[slot(k)]; skipped triplets are left as they are. */
SPG_API spg_status spg_assemble_pullback(spg_context *ctx, const spg_plan *plan,
                                 spg_dtype dtype, const void *dAx, void *dV);

#ifdef __cplusplus
}
#endif

#endif /* SPGRAD_H */
