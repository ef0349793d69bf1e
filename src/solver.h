/* The solver object and what a backend's solver provides (src/solve.c
 * validates and dispatches; src/cpu/suitesparse.c is the CPU's,
 * src/cuda/cudss.cu the CUDA backend's). */
#ifndef SPG_SOLVER_H
#define SPG_SOLVER_H

#include "internal.h"

typedef struct spg_solver_ops {
    /* Orders and analyses the pattern of s into s->impl. */
    spg_status (*analyse)(spg_context *ctx, spg_solver *s);
    /* Factorises A's values (s's pattern and value type); on an error s
     * keeps no factorisation. */
    spg_status (*factor)(spg_context *ctx, spg_solver *s, const spg_csc *A);
    /* X = op(A)^-1 B in s's value type (n, nrhs > 0). */
    spg_status (*solve)(spg_context *ctx, spg_solver *s, spg_op op, int64_t nrhs, const void *B,
                        int64_t ldb, void *X, int64_t ldx);
    /* Frees s->impl. */
    void (*release)(spg_solver *s);
} spg_solver_ops;

struct spg_solver {
    spg_backend backend;
    spg_solver_kind kind;
    spg_dtype dtype;
    spg_itype itype;
    int64_t n, nnz;
    void *colptr, *rowind; /* the analysed pattern (copies in the backend's memory) */
    int factored;          /* the last factorisation succeeded */
    const spg_solver_ops *ops;
    void *impl;            /* the backend's factors and work space */
};

/* The CPU's solver, or NULL in a build without SuiteSparse. */
const spg_solver_ops *spg_cpu_solver_ops(void);

/* The CUDA backend's solver, or NULL in a build without cuDSS. */
const spg_solver_ops *spg_cuda_solver_ops(void);

#endif /* SPG_SOLVER_H */
