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

#include <stddef.h>
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
    SPG_ERR_DEVICE = -13,          /* a CUDA runtime or library call failed */
    SPG_ERR_SINGULAR = -14,        /* the matrix is singular (to working precision) */
    SPG_ERR_NOT_POSITIVE_DEFINITE = -15, /* an SPD factorisation met a pivot <= 0 */
    SPG_ERR_PATTERN_CHANGED = -16, /* the pattern is not the one the solver analysed */
    SPG_ERR_NOT_FACTORED = -17     /* the solver holds no factorisation */
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

/* What a plan knows of its pattern beyond the arrays (opaque). */
typedef struct spg_analysis spg_analysis;

/* Compressed sparse columns: the rows of column j are
 * rowind[colptr[j] .. colptr[j+1]-1]; values NULL is a pattern matrix.
 * analysis is an opaque handle set by spg_plan_csc: what the plan's
 * backend learned of the pattern when the plan was made. On the CPU it is
 * the rows that each fixed chunk of columns reaches, which lets A x and
 * the one-pass gradients skip a pass over the pattern; on CUDA it is the
 * row-compressed pattern that makes A x a product by rows with no sort.
 * It is used only while the view keeps the plan's arrays and sizes. A view
 * filled by hand sets it to NULL (start from spg_csc A = {0}), or to its
 * own analysis from spg_csc_analyse. */
typedef struct spg_csc {
    int64_t m, n, nnz;
    spg_itype itype;
    const void *colptr, *rowind;
    spg_dtype dtype;
    const void *values;
    const spg_analysis *analysis;
} spg_csc;

typedef struct spg_context spg_context;
typedef struct spg_plan spg_plan;

/* Contexts choose the backend. SPG_ERR_NOT_BUILT for CUDA in a build
 * without it, SPG_ERR_NO_DEVICE where no GPU is usable. A CUDA context
 * keeps the device current when it was made, and makes it current for each
 * of its calls. Host threads may share a context: on the CPU its calls run
 * side by side; on CUDA they take turns on the context's lock, each
 * operation whole on the context's stream (threads that want to overlap
 * their work use a context each). */
SPG_API spg_status spg_context_create(spg_backend backend, spg_context **ctx);
SPG_API void spg_context_destroy(spg_context *ctx); /* NULL is a no-op */

/* The backend ctx was made for. */
SPG_API spg_status spg_context_backend(const spg_context *ctx, spg_backend *backend);

/* Most threads a context may be given. */
#define SPG_MAX_THREADS 1024

/* Threads of the CPU backend; 0 (the default) lets OpenMP choose, up to
 * SPG_MAX_THREADS. SPG_ERR_INVALID_VALUE for a count below 0, above
 * SPG_MAX_THREADS or above the OpenMP runtime's omp_get_thread_limit().
 * Each loop runs on at most one thread per 32768 elements of its work, so
 * small problems start few threads whatever the count. */
SPG_API spg_status spg_context_set_threads(spg_context *ctx, int nthreads);

/* The cudaStream_t a CUDA context runs on (NULL: the default stream); the
 * work queued on the old stream is finished first (setting the stream the
 * context is on does nothing). SPG_ERR_INVALID_VALUE on a CPU context. */
SPG_API spg_status spg_context_set_stream(spg_context *ctx, void *stream);

/* allow != 0 lets the CUDA backend use floating-point atomics where they are
 * faster (A x on a CSC matrix): results may then differ in the last bits
 * from run to run. Off by default; the CPU backend never uses them. */
SPG_API spg_status spg_context_set_atomics(spg_context *ctx, int allow);

/* Symbolic COO -> CSC analysis: pattern (rows sorted and unique in each
 * column), the stored entry of each triplet, and the duplicate segments.
 * O(nnz + n) time and memory while columns hold few triplets (a column of
 * L triplets costs O(L log L)); nothing of size m, or of size n with
 * SPG_COMPRESS_ROWS, is allocated. Beyond the plan's own arrays (its
 * colptr of n + 1 indices among them) the work space is one count per
 * column and block of triplets: n + 2 indices on one block, at most
 * nnz + 1 on several. With SPG_INT32 the triplets and the stored entries
 * must number at most 2^31 - 1. A CUDA plan also keeps its analysis for
 * A x in device memory: the row starts (m + 1 indices, none where m + 1
 * cannot be sized) and two indices per stored entry. A bad triplet is
 * reported by the status of the first one in triplet order. The plan is
 * read-only once made and may be shared by threads. */
SPG_API spg_status spg_plan_create(spg_context *ctx, const spg_coo *coo,
                           unsigned flags, spg_plan **plan);
SPG_API void spg_plan_destroy(spg_plan *plan); /* NULL is a no-op */

/* spg_plan_create and the first spg_assemble of V (coo->nnz values of
 * dtype) in one call, for a pattern assembled once: *Ax receives the
 * stored values, spg_plan_nnz(*plan) of them, bitwise those spg_assemble
 * gives. On the CPU the sums are made while each column's triplets are
 * still in cache, into an array first written by the threads that fill
 * it: faster than the two calls into a new array. On CUDA it makes the
 * two calls. *Ax is the plan's, in the context's memory (device memory
 * for CUDA): the caller may read and write it until spg_plan_destroy
 * frees it; the plan's calls never read it. On any error *plan and *Ax
 * are left as they were. */
SPG_API spg_status spg_plan_create_assemble(spg_context *ctx, const spg_coo *coo,
                                            unsigned flags, spg_dtype dtype, const void *V,
                                            spg_plan **plan, void **Ax);

/* Stored entries of the plan's pattern (-1 for a NULL plan). */
SPG_API int64_t spg_plan_nnz(const spg_plan *plan);

/* What a plan was made from and what it holds. */
typedef struct spg_plan_info {
    int64_t m, n;         /* the shape of A as given (not swapped by rows) */
    int64_t nnz_coo;      /* triplets given: the length of V and dV */
    int64_t nnz_kept;     /* triplets kept (not skipped) */
    int64_t nnz;          /* stored entries: the length of Ax and dAx */
    spg_itype itype;      /* of the triplets and of the plan's pattern */
    unsigned flags;       /* as given to spg_plan_create */
    spg_backend backend;  /* of the context that made it */
} spg_plan_info;

/* Fills *info from the plan. */
SPG_API spg_status spg_plan_query(const spg_plan *plan, spg_plan_info *info);

/* A view of the plan's pattern around the caller's values array (length
 * spg_plan_nnz), with the plan's analysis of it. The pattern arrays and
 * the analysis belong to the plan. With SPG_COMPRESS_ROWS the plan stores
 * A by rows, and the view is the CSC of the transpose A' (n x m): its
 * colptr and rowind are A's rowptr and colind. */
SPG_API spg_status spg_plan_csc(const spg_plan *plan, spg_dtype dtype,
                        const void *values, spg_csc *A);

/* Ax[s] = sum of V[k] over the triplets k of stored entry s (overwrites);
 * duplicates are summed in triplet order. */
SPG_API spg_status spg_assemble(spg_context *ctx, const spg_plan *plan,
                        spg_dtype dtype, const void *V, void *Ax);

/* dV[k] += dAx[slot(k)]; skipped triplets are left as they are. */
SPG_API spg_status spg_assemble_pullback(spg_context *ctx, const spg_plan *plan,
                                 spg_dtype dtype, const void *dAx, void *dV);

/* ---- Operations on a CSC matrix and their pullbacks ------------------------
 * A is an m x n spg_csc view; vectors and dA have A's value type; dA is laid
 * out as A's values. A pattern matrix (values NULL) acts as all ones and is a
 * constant: asking for its dA gives SPG_ERR_PATTERN_GRADIENT. A NULL gradient
 * pointer marks that input constant and its work is skipped. Scalars (alpha,
 * beta, df) are passed as double and rounded to the value type; scalar
 * results are summed in double, in a fixed order. Outputs must not overlap
 * inputs. The hot calls trust the structure of A: spg_csc_check validates
 * it, for callers who want that. */

typedef enum spg_op { SPG_OP_N = 0, SPG_OP_T = 1 } spg_op; /* A or A' */

/* Checks a CSC view in O(nnz): colptr starts at 0, never decreases and ends
 * at nnz; rows lie in [0, m), strictly increasing in each column.
 * SPG_ERR_INVALID_MATRIX when they do not. */
SPG_API spg_status spg_csc_check(spg_context *ctx, const spg_csc *A);

/* The analysis that spg_plan_csc gives a plan's views, made for a view
 * filled by hand, in two calls as in cuSPARSE. spg_csc_analysis_bytes
 * gives the bytes of the buffer the analysis keeps, in the context's
 * memory: device memory for CUDA, none on the CPU (buffer may be NULL).
 * spg_csc_analyse checks A's structure as spg_csc_check does, fills buffer
 * (aligned to 256 bytes, as cudaMalloc's are) and returns the analysis in
 * *an. With A->analysis = *an, A x on CUDA is a product by rows with no
 * sort (without it, each call sorts A's rows first), and on the CPU A x
 * skips a pass over the pattern. The analysis
 * describes A's arrays and sizes, not its values; it is used while the
 * view keeps them, needs buffer until spg_analysis_destroy, and is
 * read-only, so views on several threads may share it. */
SPG_API spg_status spg_csc_analysis_bytes(spg_context *ctx, const spg_csc *A, size_t *bytes);
SPG_API spg_status spg_csc_analyse(spg_context *ctx, const spg_csc *A, void *buffer,
                                   size_t bytes, spg_analysis **an);
SPG_API void spg_analysis_destroy(spg_analysis *an); /* NULL is a no-op */

/* y = alpha op(A) x + beta y; with beta == 0, y is not read (NaN in y does
 * not leak through). */
SPG_API spg_status spg_spmv(spg_context *ctx, spg_op op, double alpha, const spg_csc *A,
                            const void *x, double beta, void *y);

/* Pullback of spg_spmv: dx += alpha op(A)' dy; dA += alpha dy x' on A's
 * pattern for op N (alpha x dy' for op T). beta's term is the caller's. */
SPG_API spg_status spg_spmv_pullback(spg_context *ctx, spg_op op, double alpha,
                                     const spg_csc *A, const void *x, const void *dy,
                                     void *dA, void *dx);

/* f = x' A y (x of length m, y of length n). */
SPG_API spg_status spg_bilinear(spg_context *ctx, const spg_csc *A, const void *x,
                                const void *y, double *f);

/* dx += df A y; dy += df A' x; dA += df x y' on A's pattern. On the CPU,
 * dx with dy or dA is one pass over A. */
SPG_API spg_status spg_bilinear_pullback(spg_context *ctx, const spg_csc *A, const void *x,
                                         const void *y, double df, void *dA, void *dx,
                                         void *dy);

/* f = x' A y and, with df = 1, the gradients of spg_bilinear_pullback:
 * one pass over A on the CPU; on the GPU, A is read once more for dx. */
SPG_API spg_status spg_bilinear_value_and_grad(spg_context *ctx, const spg_csc *A,
                                               const void *x, const void *y, double *f,
                                               void *dA, void *dx, void *dy);

/* f = x' A x for square A. */
SPG_API spg_status spg_quadratic(spg_context *ctx, const spg_csc *A, const void *x, double *f);

/* dx += df (A + A') x; dA += df x x' on A's pattern. */
SPG_API spg_status spg_quadratic_pullback(spg_context *ctx, const spg_csc *A, const void *x,
                                          double df, void *dA, void *dx);

/* The rank-k sampled outer product (SDDMM):
 * dA[p] += alpha sum_r U[i_p + r ldu] V[j_p + r ldv], U column-major m x k
 * (ldu >= m), V column-major n x k (ldv >= n). Every dA above is one. On
 * the CPU, ranks 6 to 8 in double with m k >= 32768 may copy rows of U
 * into a work space of up to 2 MiB a thread (SPG_ERR_ALLOC, dA untouched,
 * where it cannot be had). */
SPG_API spg_status spg_sampled_outer(spg_context *ctx, const spg_csc *A, int64_t k,
                                     const void *U, int64_t ldu, const void *V, int64_t ldv,
                                     double alpha, void *dA);

/* ---- Pullbacks straight to COO values -------------------------------------
 * For A = sparse(I, J, V): the pullback of an operation on A composed with
 * the assembly pullback, with no CSC matrix: O(nnz) time, no extra memory.
 * flags: SPG_ONE_BASED and SPG_SKIP_NEGATIVE as for plans (skipped
 * triplets' dV is left as it is); SPG_COMPRESS_ROWS is accepted and changes
 * nothing, so a plan's flags can be passed as they are. Indices are
 * validated before anything is written, and a bad triplet is reported as
 * spg_plan_create reports it: by the first one in triplet order. With
 * SPG_INT32, nnz is at most 2^31 - 1. Vectors and dV have value type dtype. */

/* dV[k] += alpha sum_r U[I_k + r ldu] V[J_k + r ldv] */
SPG_API spg_status spg_coo_sampled_outer(spg_context *ctx, const spg_coo *coo,
                                         unsigned flags, spg_dtype dtype, int64_t k,
                                         const void *U, int64_t ldu, const void *V,
                                         int64_t ldv, double alpha, void *dV);

/* dV[k] += df x[I_k] y[J_k]: the gradient of f = x' A(V) y. */
SPG_API spg_status spg_coo_bilinear_pullback(spg_context *ctx, const spg_coo *coo,
                                             unsigned flags, spg_dtype dtype,
                                             const void *x, const void *y, double df,
                                             void *dV);

/* dV[k] += alpha dy[I_k] x[J_k] (op N) or alpha x[I_k] dy[J_k] (op T). */
SPG_API spg_status spg_coo_spmv_pullback(spg_context *ctx, const spg_coo *coo,
                                         unsigned flags, spg_op op, spg_dtype dtype,
                                         double alpha, const void *x, const void *dy,
                                         void *dV);

/* ---- Sparse linear solves and their pullbacks ------------------------------
 * A solver is made once per pattern of a square A (ordering and symbolic
 * factorisation), factorised for each new set of values, and solves with
 * A or A' by the same factors; the pullback's adjoint solve reuses them.
 * The CPU backend runs CHOLMOD (SPD: supernodal Cholesky) and UMFPACK
 * (general: LU with partial pivoting) from SuiteSparse, both in double:
 * float matrices and vectors are converted on the way in and rounded on
 * the way out. The CUDA backend runs cuDSS in deterministic mode, in the
 * matrix's own value type; it analyses the pattern at the first
 * factorisation (its ordering may read the values), and a zero or
 * subnormal pivot fails the factorisation, as on the CPU. A build without
 * SuiteSparse (CPU) or cuDSS (CUDA) returns SPG_ERR_NOT_BUILT. Matrices of
 * right-hand sides are column-major n x nrhs with a leading dimension >=
 * max(1, n), in the backend's memory; B and X must not overlap. A solver
 * is used by one thread at a time; results are bitwise the same from run
 * to run and, on the CPU, for any context thread count. The BLAS under
 * SuiteSparse may change them with its own thread count (OpenBLAS reads
 * OPENBLAS_NUM_THREADS, else OMP_NUM_THREADS), as a different BLAS may. */
typedef struct spg_solver spg_solver;

typedef enum spg_solver_kind {
    SPG_SOLVER_SPD = 0,    /* symmetric positive definite: Cholesky of the
                              lower triangle (the upper is not read) */
    SPG_SOLVER_GENERAL = 1 /* any nonsingular square matrix: LU */
} spg_solver_kind;

/* Analyses the pattern of the square A (its values may be NULL); the
 * solver keeps a copy of the pattern and A's value type. */
SPG_API spg_status spg_solver_create(spg_context *ctx, const spg_csc *A, spg_solver_kind kind,
                                     spg_solver **solver);

/* Factorises A's values; A has the analysed pattern (else
 * SPG_ERR_PATTERN_CHANGED) and value type. A factorisation that fails
 * (SPG_ERR_SINGULAR, SPG_ERR_NOT_POSITIVE_DEFINITE, SPG_ERR_ALLOC) leaves
 * the solver with none: solves give SPG_ERR_NOT_FACTORED until one
 * succeeds. The other errors leave the solver as it was. */
SPG_API spg_status spg_solver_factor(spg_context *ctx, spg_solver *solver, const spg_csc *A);

SPG_API void spg_solver_destroy(spg_solver *solver);

/* X = op(A)^-1 B (overwrites X). */
SPG_API spg_status spg_solve(spg_context *ctx, spg_solver *solver, spg_op op, int64_t nrhs,
                             const void *B, int64_t ldb, void *X, int64_t ldx);

/* Pullback of X = op(A)^-1 B, given the solution X and its cotangent dX:
 * Lambda = op(A)^-T dX by the same factors; dB += Lambda; dA += -Lambda X'
 * (op N) or -X Lambda' (op T) on the analysed pattern, in the layout of
 * A's values. NULL dB or dA skips its work; X may be NULL when dA is. For
 * SPG_SOLVER_SPD, dA is the gradient with respect to every stored entry,
 * as for a general A: along a symmetric change of A it gives the
 * derivative. */
SPG_API spg_status spg_solve_pullback(spg_context *ctx, spg_solver *solver, spg_op op,
                                      int64_t nrhs, const void *X, int64_t ldx,
                                      const void *dX, int64_t lddx, void *dB, int64_t lddb,
                                      void *dA);

/* The same with dA taken straight to the triplet values of A = sparse(I,
 * J, V) (coo n x n, flags as for the other COO pullbacks):
 * dV[k] += -sum_r Lambda[I_k, r] X[J_k, r] (op N; X and Lambda swap for
 * op T). Bitwise equal to spg_solve_pullback then spg_assemble_pullback
 * into a zero dA. */
SPG_API spg_status spg_coo_solve_pullback(spg_context *ctx, spg_solver *solver, spg_op op,
                                          const spg_coo *coo, unsigned flags, int64_t nrhs,
                                          const void *X, int64_t ldx, const void *dX,
                                          int64_t lddx, void *dB, int64_t lddb, void *dV);

#ifdef __cplusplus
}
#endif

#endif /* SPGRAD_H */
