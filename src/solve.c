/* Sparse solves and their pullbacks: validation, the solver object, and
 * the adjoint built from the backend's solve and the sampled outer product.
 * For X = op(A)^-1 B and a cotangent dX: Lambda = op(A)^-T dX, dB = Lambda,
 * dA = -Lambda X' (op N) or -X Lambda' (op T) on A's pattern. */
#include <string.h>

#include "backend.h"
#include "solver.h"
#include "testhook.h"

/* The backend's solver for ctx, or NULL where this build has none. */
static const spg_solver_ops *solver_ops(const spg_context *ctx)
{
    return ctx->backend == SPG_BACKEND_CPU ? spg_cpu_solver_ops() : NULL;
}

/* A copy of len elements of size bytes, or NULL. */
static void *copy_of(const void *src, int64_t len, size_t size)
{
    void *p = spg_malloc(len, size);
    if (p && len > 0)
        memcpy(p, src, (size_t)len * size);
    return p;
}

static void solver_free(spg_solver *s)
{
    if (!s)
        return;
    if (s->impl)
        s->ops->release(s);
    spg_free(s->colptr);
    spg_free(s->rowind);
    spg_free(s);
}

/* The solver of A's pattern, analysed by ops; NULL with *st set on an error. */
static spg_solver *solver_new(const spg_context *ctx, const spg_solver_ops *ops,
                              const spg_csc *A, spg_solver_kind kind, spg_status *st)
{
    const size_t is = A->itype == SPG_INT32 ? sizeof(int32_t) : sizeof(int64_t);
    spg_solver *s = spg_calloc(1, sizeof *s);
    if (s) {
        *s = (spg_solver){.backend = ctx->backend, .kind = kind, .dtype = A->dtype,
                          .itype = A->itype, .n = A->n, .nnz = A->nnz, .ops = ops};
        s->colptr = copy_of(A->colptr, A->n + 1, is);
        s->rowind = copy_of(A->rowind, A->nnz, is);
    }
    if (!s || !s->colptr || !s->rowind) {
        solver_free(s);
        *st = SPG_ERR_ALLOC;
        return NULL;
    }
    *st = ops->analyse(s);
    if (*st != SPG_SUCCESS) {
        solver_free(s);
        return NULL;
    }
    return s;
}

spg_status spg_solver_create(spg_context *ctx, const spg_csc *A, spg_solver_kind kind,
                             spg_solver **solver)
{
    if (!ctx || !A || !solver)
        return SPG_ERR_NULL_POINTER;
    if (kind != SPG_SOLVER_SPD && kind != SPG_SOLVER_GENERAL)
        return SPG_ERR_INVALID_VALUE;
    const spg_solver_ops *ops = solver_ops(ctx);
    if (!ops)
        return SPG_ERR_NOT_BUILT;
    spg_status st = spg_csc_check(ctx, A);
    if (st != SPG_SUCCESS)
        return st;
    if (A->m != A->n)
        return SPG_ERR_DIMENSION;
    spg_solver *s = solver_new(ctx, ops, A, kind, &st);
    if (s)
        *solver = s;
    return st;
}

void spg_solver_destroy(spg_solver *solver)
{
    solver_free(solver);
}

/* The checks every call on a solver starts with. */
static spg_status solver_ok(const spg_context *ctx, const spg_solver *s)
{
    if (!ctx || !s)
        return SPG_ERR_NULL_POINTER;
    if (ctx->backend != s->backend)
        return SPG_ERR_BACKEND_MISMATCH;
    return SPG_SUCCESS;
}

/* A holds the pattern s analysed, in its value type. */
static spg_status same_pattern(const spg_solver *s, const spg_csc *A)
{
    const size_t is = s->itype == SPG_INT32 ? sizeof(int32_t) : sizeof(int64_t);
    if (!A->colptr || (A->nnz > 0 && !A->rowind) || !A->values)
        return SPG_ERR_NULL_POINTER;
    if (A->dtype != s->dtype)
        return SPG_ERR_INVALID_VALUE;
    if (A->itype != s->itype || A->m != s->n || A->n != s->n || A->nnz != s->nnz ||
        memcmp(A->colptr, s->colptr, (size_t)(s->n + 1) * is) != 0 ||
        (s->nnz > 0 && memcmp(A->rowind, s->rowind, (size_t)s->nnz * is) != 0))
        return SPG_ERR_PATTERN_CHANGED;
    return SPG_SUCCESS;
}

spg_status spg_solver_factor(spg_context *ctx, spg_solver *solver, const spg_csc *A)
{
    spg_status st = solver_ok(ctx, solver);
    if (st != SPG_SUCCESS)
        return st;
    if (!A)
        return SPG_ERR_NULL_POINTER;
    st = same_pattern(solver, A);
    if (st != SPG_SUCCESS)
        return st;
    solver->factored = 0;
    st = solver->ops->factor(solver, A);
    solver->factored = st == SPG_SUCCESS;
    return st;
}

/* The checks of a solve or pullback: a factorised solver, op, nrhs and
 * the leading dimensions of two n x nrhs matrices. */
static spg_status solve_ok(const spg_context *ctx, const spg_solver *s, spg_op op,
                           int64_t nrhs, int64_t ld1, int64_t ld2)
{
    spg_status st = solver_ok(ctx, s);
    if (st != SPG_SUCCESS)
        return st;
    if ((op != SPG_OP_N && op != SPG_OP_T) || nrhs < 0)
        return SPG_ERR_INVALID_VALUE;
    st = spg_check_ld(s->n, s->n, nrhs, ld1, ld2);
    if (st != SPG_SUCCESS)
        return st;
    return s->factored ? SPG_SUCCESS : SPG_ERR_NOT_FACTORED;
}

spg_status spg_solve(spg_context *ctx, spg_solver *solver, spg_op op, int64_t nrhs,
                     const void *B, int64_t ldb, void *X, int64_t ldx)
{
    spg_status st = solve_ok(ctx, solver, op, nrhs, ldb, ldx);
    if (st != SPG_SUCCESS)
        return st;
    if (nrhs == 0 || solver->n == 0)
        return SPG_SUCCESS;
    if (!B || !X)
        return SPG_ERR_NULL_POINTER;
    return solver->ops->solve(solver, op, nrhs, B, ldb, X, ldx);
}

/* Lambda = op(A)^-T dX into new work space (leading dimension n). */
static spg_status adjoint(spg_solver *s, spg_op op, int64_t nrhs, const void *dX, int64_t lddx,
                          void **lambda)
{
    const size_t vs = s->dtype == SPG_DOUBLE ? sizeof(double) : sizeof(float);
    *lambda = spg_malloc(s->n * nrhs, vs);
    if (!*lambda)
        return SPG_ERR_ALLOC;
    spg_status st = s->ops->solve(s, op == SPG_OP_N ? SPG_OP_T : SPG_OP_N, nrhs, dX, lddx,
                                  *lambda, s->n);
    if (st != SPG_SUCCESS) {
        spg_free(*lambda);
        *lambda = NULL;
    }
    return st;
}

/* dB += Lambda, column by column (one pass; the sums are exact per element) */
static void add_lambda(const spg_solver *s, int64_t nrhs, const void *lambda, void *dB,
                       int64_t lddb)
{
    for (int64_t r = 0; r < nrhs; r++)
        for (int64_t i = 0; i < s->n; i++) {
            if (s->dtype == SPG_DOUBLE)
                ((double *)dB)[i + r * lddb] += ((const double *)lambda)[i + r * s->n];
            else
                ((float *)dB)[i + r * lddb] += ((const float *)lambda)[i + r * s->n];
        }
}

/* The solver's pattern as a view (values unread: the sampled outer product
 * writes dA on the pattern). */
static spg_csc pattern_view(const spg_solver *s)
{
    return (spg_csc){.m = s->n, .n = s->n, .nnz = s->nnz, .itype = s->itype,
                     .colptr = s->colptr, .rowind = s->rowind, .dtype = s->dtype};
}

/* The checks of both pullbacks (dA: dA or dV, whichever is asked for). */
static spg_status pullback_ok(const spg_context *ctx, const spg_solver *s, spg_op op,
                              int64_t nrhs, const void *X, int64_t ldx, const void *dX,
                              int64_t lddx, const void *dB, int64_t lddb, const void *dA)
{
    spg_status st = solve_ok(ctx, s, op, nrhs, lddx, dB ? lddb : lddx);
    if (st == SPG_SUCCESS && dA)
        st = solve_ok(ctx, s, op, nrhs, ldx, ldx);
    if (st != SPG_SUCCESS || nrhs == 0 || s->n == 0)
        return st;
    if (((dB || dA) && !dX) || (dA && !X))
        return SPG_ERR_NULL_POINTER;
    return SPG_SUCCESS;
}

spg_status spg_solve_pullback(spg_context *ctx, spg_solver *solver, spg_op op, int64_t nrhs,
                              const void *X, int64_t ldx, const void *dX, int64_t lddx,
                              void *dB, int64_t lddb, void *dA)
{
    spg_status st = pullback_ok(ctx, solver, op, nrhs, X, ldx, dX, lddx, dB, lddb, dA);
    if (st != SPG_SUCCESS || nrhs == 0 || solver->n == 0 || (!dB && !dA))
        return st;
    void *lambda = NULL;
    st = adjoint(solver, op, nrhs, dX, lddx, &lambda);
    if (st != SPG_SUCCESS)
        return st;
    if (dA && solver->nnz > 0) { /* dA -= Lambda X' (op N) or X Lambda' (op T) */
        const spg_csc P = pattern_view(solver);
        const int n_op = op == SPG_OP_N;
        spg_kernel_ran(SPG_KERNEL_SAMPLED_OUTER);
        st = spg_ops_get(ctx, solver->dtype, solver->itype)
                 ->sampled_outer(ctx, &P, nrhs, n_op ? lambda : X, n_op ? solver->n : ldx,
                                 n_op ? X : lambda, n_op ? ldx : solver->n, -1.0, dA);
    }
    if (st == SPG_SUCCESS && dB)
        add_lambda(solver, nrhs, lambda, dB, lddb);
    spg_free(lambda);
    return st;
}

spg_status spg_coo_solve_pullback(spg_context *ctx, spg_solver *solver, spg_op op,
                                  const spg_coo *coo, unsigned flags, int64_t nrhs,
                                  const void *X, int64_t ldx, const void *dX, int64_t lddx,
                                  void *dB, int64_t lddb, void *dV)
{
    spg_status st = pullback_ok(ctx, solver, op, nrhs, X, ldx, dX, lddx, dB, lddb, dV);
    if (st != SPG_SUCCESS)
        return st;
    if (dV) { /* the triplets, checked before any work (k = 0 reads no vector) */
        if (!coo)
            return SPG_ERR_NULL_POINTER;
        if (coo->m != solver->n || coo->n != solver->n)
            return SPG_ERR_DIMENSION;
        st = spg_coo_sampled_outer(ctx, coo, flags, solver->dtype, 0, NULL, ldx, NULL, ldx,
                                   -1.0, dV);
        if (st != SPG_SUCCESS)
            return st;
    }
    if (nrhs == 0 || solver->n == 0 || (!dB && !dV))
        return SPG_SUCCESS;
    void *lambda = NULL;
    st = adjoint(solver, op, nrhs, dX, lddx, &lambda);
    if (st != SPG_SUCCESS)
        return st;
    if (dV) { /* dV[k] -= sum_r Lambda[I_k, r] X[J_k, r] (op N; swapped for op T) */
        const int n_op = op == SPG_OP_N;
        st = spg_coo_sampled_outer(ctx, coo, flags, solver->dtype, nrhs, n_op ? lambda : X,
                                   n_op ? solver->n : ldx, n_op ? X : lambda,
                                   n_op ? ldx : solver->n, -1.0, dV);
    }
    if (st == SPG_SUCCESS && dB)
        add_lambda(solver, nrhs, lambda, dB, lddb);
    spg_free(lambda);
    return st;
}
