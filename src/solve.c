/* Sparse solves and their pullbacks: validation, the solver object, and
 * the adjoint built from the backend's solve and the sampled outer product.
 * For X = op(A)^-1 B and a cotangent dX: Lambda = op(A)^-T dX, dB = Lambda,
 * dA = -Lambda X' (op N) or -X Lambda' (op T) on A's pattern. */

#include "backend.h"
#include "solver.h"
#include "testhook.h"

#ifndef SPGRAD_HAVE_CUDSS
const spg_solver_ops *spg_cuda_solver_ops(void)
{
    return NULL;
}
#endif

/* The backend's solver for ctx, or NULL where this build has none. */
static const spg_solver_ops *solver_ops(const spg_context *ctx)
{
    return ctx->backend == SPG_BACKEND_CPU ? spg_cpu_solver_ops() : spg_cuda_solver_ops();
}

/* A copy of len elements of size bytes in the memory of ctx's backend
 * (*p NULL on an allocation failure). */
static spg_status copy_of(spg_context *ctx, const void *src, int64_t len, size_t size, void **p)
{
    *p = spg_backend_malloc(ctx, len, size);
    return *p ? spg_backend_copy(ctx, *p, src, (size_t)len * size) : SPG_ERR_ALLOC;
}

static void solver_free(spg_solver *s)
{
    if (!s)
        return;
    if (s->impl)
        s->ops->release(s);
    spg_backend_free(s->backend, s->colptr);
    spg_backend_free(s->backend, s->rowind);
    spg_free(s);
}

/* The solver of A's pattern, analysed by ops; NULL with *st set on an error. */
static spg_solver *solver_new(spg_context *ctx, const spg_solver_ops *ops, const spg_csc *A,
                              spg_solver_kind kind, spg_status *st)
{
    const size_t is = spg_index_size(A->itype);
    spg_solver *s = spg_calloc(1, sizeof *s);
    *st = s ? SPG_SUCCESS : SPG_ERR_ALLOC;
    if (s) {
        *s = (spg_solver){.backend = ctx->backend, .kind = kind, .dtype = A->dtype,
                          .itype = A->itype, .n = A->n, .nnz = A->nnz, .ops = ops};
        *st = copy_of(ctx, A->colptr, A->n + 1, is, &s->colptr);
    }
    if (*st == SPG_SUCCESS)
        *st = copy_of(ctx, A->rowind, A->nnz, is, &s->rowind);
    if (*st == SPG_SUCCESS)
        *st = ops->analyse(ctx, s);
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

/* A is a well-formed view of the pattern s analysed, in its value type. */
static spg_status same_pattern(spg_context *ctx, const spg_solver *s, const spg_csc *A)
{
    const size_t is = spg_index_size(s->itype);
    spg_status st = spg_csc_view_ok(A);
    if (st != SPG_SUCCESS)
        return st;
    if (!A->values)
        return SPG_ERR_NULL_POINTER;
    if (A->dtype != s->dtype)
        return SPG_ERR_INVALID_VALUE;
    if (A->itype != s->itype || A->m != s->n || A->n != s->n || A->nnz != s->nnz)
        return SPG_ERR_PATTERN_CHANGED;
    int same = 1;
    st = spg_backend_same(ctx, A->colptr, s->colptr, (size_t)(s->n + 1) * is, &same);
    if (st == SPG_SUCCESS && same)
        st = spg_backend_same(ctx, A->rowind, s->rowind, (size_t)s->nnz * is, &same);
    return st == SPG_SUCCESS && !same ? SPG_ERR_PATTERN_CHANGED : st;
}

spg_status spg_solver_factor(spg_context *ctx, spg_solver *solver, const spg_csc *A)
{
    spg_status st = solver_ok(ctx, solver);
    if (st != SPG_SUCCESS)
        return st;
    if (!A)
        return SPG_ERR_NULL_POINTER;
    st = same_pattern(ctx, solver, A);
    if (st != SPG_SUCCESS)
        return st;
    solver->factored = 0;
    st = solver->ops->factor(ctx, solver, A);
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
    return solver->ops->solve(ctx, solver, op, nrhs, B, ldb, X, ldx);
}

/* The factors U, V of dA -= U V': (Lambda, X) for op N, (X, Lambda) for op T. */
typedef struct spg_outer {
    const void *U, *V;
    int64_t ldu, ldv;
} spg_outer;

/* The adjoint of a solve: Lambda = op(A)^-T dX in the backend's memory
 * (leading dimension n), and the factors of dA. */
typedef struct spg_adjoint {
    void *lambda;
    spg_outer dA;
} spg_adjoint;

static spg_status adjoint_solve(spg_context *ctx, spg_solver *s, spg_op op, int64_t nrhs,
                                const void *X, int64_t ldx, const void *dX, int64_t lddx,
                                spg_adjoint *adj)
{
    void *lambda = spg_backend_malloc(ctx, s->n * nrhs, spg_value_size(s->dtype));
    if (!lambda)
        return SPG_ERR_ALLOC;
    const spg_op op_t = op == SPG_OP_N ? SPG_OP_T : SPG_OP_N;
    spg_status st = s->ops->solve(ctx, s, op_t, nrhs, dX, lddx, lambda, s->n);
    if (st != SPG_SUCCESS) {
        spg_backend_free(s->backend, lambda);
        return st;
    }
    adj->lambda = lambda;
    adj->dA = op == SPG_OP_N ? (spg_outer){lambda, X, s->n, ldx}
                             : (spg_outer){X, lambda, ldx, s->n};
    return SPG_SUCCESS;
}

/* dB += Lambda where dB is asked for, then frees Lambda; passes st on. */
static spg_status adjoint_finish(spg_context *ctx, const spg_solver *s, int64_t nrhs,
                                 spg_adjoint *adj, void *dB, int64_t lddb, spg_status st)
{
    if (st == SPG_SUCCESS && dB)
        st = spg_ops_get(ctx, s->dtype, s->itype)
                 ->block_add(ctx, s->n, nrhs, adj->lambda, s->n, dB, lddb);
    spg_backend_free(s->backend, adj->lambda);
    return st;
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
    spg_adjoint adj;
    st = adjoint_solve(ctx, solver, op, nrhs, X, ldx, dX, lddx, &adj);
    if (st != SPG_SUCCESS)
        return st;
    if (dA && solver->nnz > 0) { /* dA -= U V' on the pattern */
        const spg_csc P = pattern_view(solver);
        spg_kernel_ran(SPG_KERNEL_SAMPLED_OUTER);
        st = spg_ops_get(ctx, solver->dtype, solver->itype)
                 ->sampled_outer(ctx, &P, nrhs, adj.dA.U, adj.dA.ldu, adj.dA.V, adj.dA.ldv, -1.0,
                                 dA);
    }
    return adjoint_finish(ctx, solver, nrhs, &adj, dB, lddb, st);
}

/* The triplets of a COO solve pullback, checked against s before any work. */
static spg_status solve_triplets(spg_context *ctx, const spg_solver *s, const spg_coo *coo,
                                 unsigned flags, spg_triplets *t)
{
    spg_status st = spg_coo_pullback_triplets(coo, flags, t);
    if (st != SPG_SUCCESS)
        return st;
    if (t->m != s->n || t->n != s->n)
        return SPG_ERR_DIMENSION;
    return spg_ops_get(ctx, s->dtype, coo->itype)->coo_check(ctx, t);
}

spg_status spg_coo_solve_pullback(spg_context *ctx, spg_solver *solver, spg_op op,
                                  const spg_coo *coo, unsigned flags, int64_t nrhs,
                                  const void *X, int64_t ldx, const void *dX, int64_t lddx,
                                  void *dB, int64_t lddb, void *dV)
{
    spg_triplets t;
    spg_status st = pullback_ok(ctx, solver, op, nrhs, X, ldx, dX, lddx, dB, lddb, dV);
    if (st == SPG_SUCCESS && dV)
        st = solve_triplets(ctx, solver, coo, flags, &t);
    if (st != SPG_SUCCESS || nrhs == 0 || solver->n == 0 || (!dB && !dV))
        return st;
    spg_adjoint adj;
    st = adjoint_solve(ctx, solver, op, nrhs, X, ldx, dX, lddx, &adj);
    if (st != SPG_SUCCESS)
        return st;
    if (dV && t.nnz > 0) { /* dV[k] -= sum_r U[I_k, r] V[J_k, r] */
        spg_kernel_ran(SPG_KERNEL_COO_SAMPLED_OUTER);
        st = spg_ops_get(ctx, solver->dtype, coo->itype)
                 ->coo_sampled_outer(ctx, &t, nrhs, adj.dA.U, adj.dA.ldu, adj.dA.V, adj.dA.ldv,
                                     -1.0, dV);
    }
    return adjoint_finish(ctx, solver, nrhs, &adj, dB, lddb, st);
}
