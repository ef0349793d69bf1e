/* The table of the public API's calls (calls.h): one wrapper per call,
 * reading its pointers from the slots, and the helpers that make
 * arguments and collect outputs for the tests that iterate the table. */
#include "calls.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "values.h"

/* The COO view of a, or NULL when its slot is NULL. */
static const spg_coo *coo_of(const args *a, spg_coo *c)
{
    *c = a->coo;
    c->I = a->p[S_I];
    c->J = a->p[S_J];
    return a->p[S_COO] ? c : NULL;
}

/* The CSC view of a, or NULL when its slot is NULL. */
static const spg_csc *csc_of(const args *a, spg_csc *A)
{
    *A = a->A;
    A->colptr = a->p[S_COLPTR];
    A->rowind = a->p[S_ROWIND];
    A->values = a->p[S_VALUES];
    return a->p[S_CSC] ? A : NULL;
}

/* The smallest leading dimension for len rows. */
static int64_t ld(int64_t len)
{
    return len > 1 ? len : 1;
}

/* spg_context_create; a context made is destroyed again */
static spg_status w_context_create(const args *a)
{
    spg_context **out = a->p[S_CTX_OUT];
    spg_status st = spg_context_create(SPG_BACKEND_CPU, out);
    if (st == SPG_SUCCESS)
        spg_context_destroy(*out);
    return st;
}

/* spg_context_set_threads */
static spg_status w_set_threads(const args *a)
{
    return spg_context_set_threads(a->p[S_CTX], 1);
}

/* spg_context_set_atomics, set to its default (off) */
static spg_status w_set_atomics(const args *a)
{
    return spg_context_set_atomics(a->p[S_CTX], 0);
}

/* spg_plan_create; a plan made is destroyed again */
static spg_status w_plan_create(const args *a)
{
    spg_coo c;
    spg_plan **out = a->p[S_PLAN_OUT];
    spg_status st = spg_plan_create(a->p[S_CTX], coo_of(a, &c), a->flags, out);
    if (st == SPG_SUCCESS)
        spg_plan_destroy(*out);
    return st;
}

/* spg_plan_create_assemble: the plan's values copied to AX (where the
 * backend computes), the plan destroyed again. A NULL slot PLAN_OUT or AX
 * passes NULL for the plan's or the values' pointer. */
static spg_status w_plan_create_assemble(const args *a)
{
    spg_coo c;
    spg_plan *plan = NULL;
    void *values = NULL;
    spg_status st = spg_plan_create_assemble(a->p[S_CTX], coo_of(a, &c), a->flags, a->dtype,
                                             a->p[S_TRIP], a->p[S_PLAN_OUT] ? &plan : NULL,
                                             a->p[S_AX] ? &values : NULL);
    if (st != SPG_SUCCESS)
        return st;
    const size_t len = (size_t)spg_plan_nnz(plan) * spg_vsize(a->dtype);
    spg_backend be = SPG_BACKEND_CPU;
    void *host = malloc(len ? len : 1);
    if (!host || spg_context_backend(a->p[S_CTX], &be) != SPG_SUCCESS)
        exit(2);
    spg_tool_get(be, host, values, len);
    spg_tool_set(be, a->p[S_AX], host, len);
    free(host);
    spg_plan_destroy(plan);
    return st;
}

/* spg_plan_csc */
static spg_status w_plan_csc(const args *a)
{
    return spg_plan_csc(a->p[S_PLAN], a->dtype, a->p[S_VALUES], a->p[S_VIEW_OUT]);
}

/* spg_assemble */
static spg_status w_assemble(const args *a)
{
    return spg_assemble(a->p[S_CTX], a->p[S_PLAN], a->dtype, a->p[S_TRIP], a->p[S_AX]);
}

/* spg_assemble_pullback */
static spg_status w_assemble_pullback(const args *a)
{
    return spg_assemble_pullback(a->p[S_CTX], a->p[S_PLAN], a->dtype, a->p[S_DAX], a->p[S_DV]);
}

/* spg_csc_check */
static spg_status w_csc_check(const args *a)
{
    spg_csc A;
    return spg_csc_check(a->p[S_CTX], csc_of(a, &A));
}

/* spg_csc_analysis_bytes, then spg_csc_analyse with no buffer: the
 * tests that run this setup call do so on the CPU, whose analysis keeps
 * none (a CUDA context would answer SPG_ERR_NULL_POINTER); an analysis
 * made is destroyed again */
static spg_status w_csc_analyse(const args *a)
{
    spg_csc A;
    size_t need = 0;
    spg_analysis **out = a->p[S_ANALYSIS_OUT];
    spg_status st = spg_csc_analysis_bytes(a->p[S_CTX], csc_of(a, &A), &need);
    if (st == SPG_SUCCESS)
        st = spg_csc_analyse(a->p[S_CTX], csc_of(a, &A), NULL, need, out);
    if (st == SPG_SUCCESS)
        spg_analysis_destroy(*out);
    return st;
}

/* spg_spmv, op N, beta 0 */
static spg_status w_spmv_n(const args *a)
{
    spg_csc A;
    return spg_spmv(a->p[S_CTX], SPG_OP_N, 2.0, csc_of(a, &A), a->p[S_X], 0.0, a->p[S_OUT]);
}

/* spg_spmv, op N, beta 1, on a view with no analysis (filled by hand) */
static spg_status w_spmv_n_bare(const args *a)
{
    spg_csc A;
    const spg_csc *v = csc_of(a, &A);
    A.analysis = NULL;
    return spg_spmv(a->p[S_CTX], SPG_OP_N, 2.0, v, a->p[S_X], 1.0, a->p[S_OUT]);
}

/* spg_spmv, op T, beta 1 */
static spg_status w_spmv_t(const args *a)
{
    spg_csc A;
    return spg_spmv(a->p[S_CTX], SPG_OP_T, 2.0, csc_of(a, &A), a->p[S_X], 1.0, a->p[S_OUT]);
}

/* spg_spmv_pullback, op N, with dy from the y slot */
static spg_status w_spmv_pullback_n(const args *a)
{
    spg_csc A;
    return spg_spmv_pullback(a->p[S_CTX], SPG_OP_N, 2.0, csc_of(a, &A), a->p[S_X], a->p[S_Y],
                             a->p[S_DA], a->p[S_DX]);
}

/* spg_spmv_pullback, op T, with dy from the y slot */
static spg_status w_spmv_pullback_t(const args *a)
{
    spg_csc A;
    return spg_spmv_pullback(a->p[S_CTX], SPG_OP_T, 2.0, csc_of(a, &A), a->p[S_X], a->p[S_Y],
                             a->p[S_DA], a->p[S_DX]);
}

/* spg_bilinear */
static spg_status w_bilinear(const args *a)
{
    spg_csc A;
    return spg_bilinear(a->p[S_CTX], csc_of(a, &A), a->p[S_X], a->p[S_Y], a->p[S_F]);
}

/* spg_bilinear_pullback, df 2 */
static spg_status w_bilinear_pullback(const args *a)
{
    spg_csc A;
    return spg_bilinear_pullback(a->p[S_CTX], csc_of(a, &A), a->p[S_X], a->p[S_Y], 2.0,
                                 a->p[S_DA], a->p[S_DX], a->p[S_DY]);
}

/* spg_bilinear_value_and_grad */
static spg_status w_value_and_grad(const args *a)
{
    spg_csc A;
    return spg_bilinear_value_and_grad(a->p[S_CTX], csc_of(a, &A), a->p[S_X], a->p[S_Y],
                                       a->p[S_F], a->p[S_DA], a->p[S_DX], a->p[S_DY]);
}

/* spg_quadratic */
static spg_status w_quadratic(const args *a)
{
    spg_csc A;
    return spg_quadratic(a->p[S_CTX], csc_of(a, &A), a->p[S_X], a->p[S_F]);
}

/* spg_quadratic_pullback, df 1.5 */
static spg_status w_quadratic_pullback(const args *a)
{
    spg_csc A;
    return spg_quadratic_pullback(a->p[S_CTX], csc_of(a, &A), a->p[S_X], 1.5, a->p[S_DA],
                                  a->p[S_DX]);
}

/* spg_sampled_outer, alpha 2 */
static spg_status w_sampled_outer(const args *a)
{
    spg_csc A;
    return spg_sampled_outer(a->p[S_CTX], csc_of(a, &A), a->rank, a->p[S_U], ld(a->A.m),
                             a->p[S_W], ld(a->A.n), 2.0, a->p[S_DA]);
}

/* spg_coo_sampled_outer, alpha 2 */
static spg_status w_coo_sampled_outer(const args *a)
{
    spg_coo c;
    return spg_coo_sampled_outer(a->p[S_CTX], coo_of(a, &c), a->flags, a->dtype, a->rank,
                                 a->p[S_U], ld(a->coo.m), a->p[S_W], ld(a->coo.n), 2.0,
                                 a->p[S_DV]);
}

/* spg_coo_bilinear_pullback */
static spg_status w_coo_bilinear_pullback(const args *a)
{
    spg_coo c;
    return spg_coo_bilinear_pullback(a->p[S_CTX], coo_of(a, &c), a->flags, a->dtype, a->p[S_X],
                                     a->p[S_Y], 3.0, a->p[S_DV]);
}

/* spg_coo_spmv_pullback, op N, with dy from the y slot */
static spg_status w_coo_spmv_pullback_n(const args *a)
{
    spg_coo c;
    return spg_coo_spmv_pullback(a->p[S_CTX], coo_of(a, &c), a->flags, SPG_OP_N, a->dtype, 1.0,
                                 a->p[S_X], a->p[S_Y], a->p[S_DV]);
}

/* spg_coo_spmv_pullback, op T, with dy from the y slot */
static spg_status w_coo_spmv_pullback_t(const args *a)
{
    spg_coo c;
    return spg_coo_spmv_pullback(a->p[S_CTX], coo_of(a, &c), a->flags, SPG_OP_T, a->dtype, 1.0,
                                 a->p[S_X], a->p[S_Y], a->p[S_DV]);
}

/* spg_solver_create, general; a solver made is destroyed again */
static spg_status w_solver_create(const args *a)
{
    spg_csc A;
    spg_solver **out = a->p[S_SOLVER_OUT];
    spg_status st = spg_solver_create(a->p[S_CTX], csc_of(a, &A), SPG_SOLVER_GENERAL, out);
    if (st == SPG_SUCCESS)
        spg_solver_destroy(*out);
    return st;
}

/* spg_solver_factor with A (the solver must be of A's pattern, as the
 * fixture of test_hostile's is) */
static spg_status w_solver_factor(const args *a)
{
    spg_csc A;
    return spg_solver_factor(a->p[S_CTX], a->p[S_SOLVER], csc_of(a, &A));
}

/* spg_solve with op: X = op(A)^-1 U */
static spg_status solve_op(const args *a, spg_op op)
{
    const int64_t n = ld(a->A.n);
    return spg_solve(a->p[S_CTX], a->p[S_SOLVER], op, a->rank, a->p[S_U], n, a->p[S_SX], n);
}

static spg_status w_solve_n(const args *a)
{
    return solve_op(a, SPG_OP_N);
}

static spg_status w_solve_t(const args *a)
{
    return solve_op(a, SPG_OP_T);
}

/* spg_solve_pullback with op: X from W, dX from U */
static spg_status solve_pullback_op(const args *a, spg_op op)
{
    const int64_t n = ld(a->A.n);
    return spg_solve_pullback(a->p[S_CTX], a->p[S_SOLVER], op, a->rank, a->p[S_W], n,
                              a->p[S_U], n, a->p[S_DB], n, a->p[S_DS]);
}

static spg_status w_solve_pullback_n(const args *a)
{
    return solve_pullback_op(a, SPG_OP_N);
}

static spg_status w_solve_pullback_t(const args *a)
{
    return solve_pullback_op(a, SPG_OP_T);
}

/* spg_coo_solve_pullback with op: X from W, dX from U */
static spg_status coo_solve_pullback_op(const args *a, spg_op op)
{
    spg_coo c;
    const int64_t n = ld(a->A.n);
    return spg_coo_solve_pullback(a->p[S_CTX], a->p[S_SOLVER], op, coo_of(a, &c), a->flags,
                                  a->rank, a->p[S_W], n, a->p[S_U], n, a->p[S_DB], n,
                                  a->p[S_DV]);
}

static spg_status w_coo_solve_pullback_n(const args *a)
{
    return coo_solve_pullback_op(a, SPG_OP_N);
}

static spg_status w_coo_solve_pullback_t(const args *a)
{
    return coo_solve_pullback_op(a, SPG_OP_T);
}

const call spg_calls[] = {
    {"spg_context_create", w_context_create, {[S_CTX_OUT] = ERR}, SETUP, 0},
    {"spg_context_set_threads", w_set_threads, {[S_CTX] = ERR}, SETUP, 0},
    {"spg_context_set_atomics", w_set_atomics, {[S_CTX] = ERR}, SETUP, 0},
    {"spg_plan_create", w_plan_create,
     {[S_CTX] = ERR, [S_COO] = ERR, [S_I] = ERR, [S_J] = ERR, [S_PLAN_OUT] = ERR}, SETUP, 0},
    {"spg_plan_create_assemble", w_plan_create_assemble,
     {[S_CTX] = ERR, [S_COO] = ERR, [S_I] = ERR, [S_J] = ERR, [S_TRIP] = ERR, [S_PLAN_OUT] = ERR,
      [S_AX] = ERR}, EXACT, 0},
    {"spg_plan_csc", w_plan_csc, {[S_PLAN] = ERR, [S_VALUES] = OK, [S_VIEW_OUT] = ERR}, SETUP, 0},
    {"spg_assemble", w_assemble, {[S_CTX] = ERR, [S_PLAN] = ERR, [S_TRIP] = ERR, [S_AX] = ERR}, EXACT, 0},
    {"spg_assemble_pullback", w_assemble_pullback,
     {[S_CTX] = ERR, [S_PLAN] = ERR, [S_DAX] = ERR, [S_DV] = ERR}, EXACT, 0},
    {"spg_csc_check", w_csc_check,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = OK}, EXACT, 0},
    {"spg_csc_analyse", w_csc_analyse,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = OK,
      [S_ANALYSIS_OUT] = ERR}, SETUP, 0},
    {"spg_spmv N", w_spmv_n,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = OK,
      [S_X] = ERR, [S_OUT] = ERR}, COMPUTE, 0},
    {"spg_spmv N bare view", w_spmv_n_bare,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = OK,
      [S_X] = ERR, [S_OUT] = ERR}, COMPUTE, 0},
    {"spg_spmv T", w_spmv_t,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = OK,
      [S_X] = ERR, [S_OUT] = ERR}, COMPUTE, 0},
    {"spg_spmv_pullback N", w_spmv_pullback_n,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = PAT,
      [S_X] = ERR, [S_Y] = ERR, [S_DA] = OK, [S_DX] = OK}, COMPUTE, 0},
    {"spg_spmv_pullback T", w_spmv_pullback_t,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = PAT,
      [S_X] = ERR, [S_Y] = ERR, [S_DA] = OK, [S_DX] = OK}, COMPUTE, 0},
    {"spg_bilinear", w_bilinear,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = OK,
      [S_X] = ERR, [S_Y] = ERR, [S_F] = ERR}, COMPUTE, 0},
    {"spg_bilinear_pullback", w_bilinear_pullback,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = PAT,
      [S_X] = ERR, [S_Y] = ERR, [S_DA] = OK, [S_DX] = OK, [S_DY] = OK}, COMPUTE, 0},
    {"spg_bilinear_value_and_grad", w_value_and_grad,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = PAT,
      [S_X] = ERR, [S_Y] = ERR, [S_F] = ERR, [S_DA] = OK, [S_DX] = OK, [S_DY] = OK}, COMPUTE, 0},
    {"spg_quadratic", w_quadratic,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = OK,
      [S_X] = ERR, [S_F] = ERR}, COMPUTE, 1},
    {"spg_quadratic_pullback", w_quadratic_pullback,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = PAT,
      [S_X] = ERR, [S_DA] = OK, [S_DX] = OK}, COMPUTE, 1},
    {"spg_sampled_outer", w_sampled_outer,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = PAT,
      [S_U] = ERR, [S_W] = ERR, [S_DA] = ERR}, EXACT, 0},
    {"spg_coo_sampled_outer", w_coo_sampled_outer,
     {[S_CTX] = ERR, [S_COO] = ERR, [S_I] = ERR, [S_J] = ERR, [S_U] = ERR, [S_W] = ERR,
      [S_DV] = ERR}, EXACT, 0},
    {"spg_coo_bilinear_pullback", w_coo_bilinear_pullback,
     {[S_CTX] = ERR, [S_COO] = ERR, [S_I] = ERR, [S_J] = ERR, [S_X] = ERR, [S_Y] = ERR,
      [S_DV] = ERR}, EXACT, 0},
    {"spg_coo_spmv_pullback N", w_coo_spmv_pullback_n,
     {[S_CTX] = ERR, [S_COO] = ERR, [S_I] = ERR, [S_J] = ERR, [S_X] = ERR, [S_Y] = ERR,
      [S_DV] = ERR}, EXACT, 0},
    {"spg_coo_spmv_pullback T", w_coo_spmv_pullback_t,
     {[S_CTX] = ERR, [S_COO] = ERR, [S_I] = ERR, [S_J] = ERR, [S_X] = ERR, [S_Y] = ERR,
      [S_DV] = ERR}, EXACT, 0},
    {"spg_solver_create", w_solver_create,
     {[S_CTX] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR, [S_VALUES] = OK,
      [S_SOLVER_OUT] = ERR}, SETUP, 1},
    {"spg_solver_factor", w_solver_factor,
     {[S_CTX] = ERR, [S_SOLVER] = ERR, [S_CSC] = ERR, [S_COLPTR] = ERR, [S_ROWIND] = ERR,
      [S_VALUES] = ERR}, SETUP, 1},
    {"spg_solve N", w_solve_n, {[S_CTX] = ERR, [S_SOLVER] = ERR, [S_U] = ERR, [S_SX] = ERR},
     SOLVE, 1},
    {"spg_solve T", w_solve_t, {[S_CTX] = ERR, [S_SOLVER] = ERR, [S_U] = ERR, [S_SX] = ERR},
     SOLVE, 1},
    {"spg_solve_pullback N", w_solve_pullback_n,
     {[S_CTX] = ERR, [S_SOLVER] = ERR, [S_W] = ERR, [S_U] = ERR, [S_DB] = OK, [S_DS] = OK},
     SOLVE, 1},
    {"spg_solve_pullback T", w_solve_pullback_t,
     {[S_CTX] = ERR, [S_SOLVER] = ERR, [S_W] = ERR, [S_U] = ERR, [S_DB] = OK, [S_DS] = OK},
     SOLVE, 1},
    {"spg_coo_solve_pullback N", w_coo_solve_pullback_n,
     {[S_CTX] = ERR, [S_SOLVER] = ERR, [S_COO] = ERR, [S_I] = ERR, [S_J] = ERR, [S_W] = ERR,
      [S_U] = ERR, [S_DB] = OK, [S_DV] = OK}, SOLVE, 1},
    {"spg_coo_solve_pullback T", w_coo_solve_pullback_t,
     {[S_CTX] = ERR, [S_SOLVER] = ERR, [S_COO] = ERR, [S_I] = ERR, [S_J] = ERR, [S_W] = ERR,
      [S_U] = ERR, [S_DB] = OK, [S_DV] = OK}, SOLVE, 1},
};
const int spg_ncalls = (int)(sizeof spg_calls / sizeof spg_calls[0]);

const call *spg_call_named(const char *name)
{
    for (int k = 0; k < spg_ncalls; k++)
        if (!strcmp(spg_calls[k].name, name))
            return &spg_calls[k];
    return NULL;
}

int spg_call_writes(const call *c, int s)
{
    return s >= FIRST_OUTPUT && c->when_null[s] != NA;
}

int spg_call_ready(const call *c, const args *a)
{
    return c->when_null[S_SOLVER] == NA || a->p[S_SOLVER];
}

int spg_call_runs(const call *c, const args *a)
{
    return c->kind != SETUP && (!c->square || a->A.m == a->A.n) && spg_call_ready(c, a);
}

/* The longest dimension of a's views, at least 1. */
static int64_t longest(const args *a)
{
    int64_t d[] = {a->A.m, a->A.n, a->coo.m, a->coo.n}, len = 1;
    for (int k = 0; k < 4; k++)
        len = d[k] > len ? d[k] : len;
    return len;
}

size_t spg_slot_bytes(const args *a, int s)
{
    const size_t vs = spg_vsize(a->dtype), is = spg_isize(a->A.itype);
    switch (s) {
    case S_I: case S_J: return (size_t)a->coo.nnz * spg_isize(a->coo.itype);
    case S_COLPTR: return (size_t)(a->A.n + 1) * is;
    case S_ROWIND: return (size_t)a->A.nnz * is;
    case S_VALUES: case S_DAX: case S_AX: case S_DA: return (size_t)a->A.nnz * vs;
    case S_TRIP: case S_DV: return (size_t)a->coo.nnz * vs;
    case S_DS: return (size_t)a->S.nnz * vs;
    case S_X: case S_Y: case S_OUT: case S_DX: case S_DY: return (size_t)longest(a) * vs;
    case S_U: case S_W: case S_SX: case S_DB: return (size_t)(longest(a) * a->rank) * vs;
    case S_F: return sizeof(double);
    default: return 0;
    }
}

int spg_slot_has_values(int s)
{
    return s != S_I && s != S_J && s != S_COLPTR && s != S_ROWIND;
}

int spg_slot_on_backend(const args *a, int s)
{
    return s != S_F && spg_slot_bytes(a, s) > 0;
}

void *spg_slot_new(const args *a, int s, uint64_t seed)
{
    const size_t len = spg_slot_bytes(a, s);
    unsigned char *p = calloc(len ? len : 1, 1);
    if (!p)
        exit(2);
    const spg_dtype dt = s == S_F ? SPG_DOUBLE : a->dtype;
    spg_rng r = {seed};
    for (size_t k = 0; spg_slot_has_values(s) && k < len / spg_vsize(dt); k++)
        spg_vset(dt, p, (int64_t)k, spg_rng_value(&r) / 3.0); /* /3 rounds: sums depend on order */
    return p;
}

static int given; /* the target of the view slots: non-NULL means given */

/* Triplets of A (square, host arrays) and a diagonal, 1 plus the sum of
 * the magnitudes in row and column i, that dominates them; nnz + n each. */
static void dominant_triplets(const spg_csc *A, void *I, void *J, void *V)
{
    const int64_t n = A->n, nnz = A->nnz;
    for (int64_t i = 0; i < n; i++)
        spg_iset(A->itype, I, nnz + i, i), spg_iset(A->itype, J, nnz + i, i),
            spg_vset(A->dtype, V, nnz + i, 1.0);
    for (int64_t j = 0; j < n; j++)
        for (int64_t p = spg_iget(A->itype, A->colptr, j); p < spg_iget(A->itype, A->colptr, j + 1);
             p++) {
            const int64_t i = spg_iget(A->itype, A->rowind, p);
            const double v = A->values ? spg_vget(A->dtype, A->values, p) : 1.0;
            spg_iset(A->itype, I, p, i), spg_iset(A->itype, J, p, j), spg_vset(A->dtype, V, p, v);
            spg_vset(A->dtype, V, nnz + i, spg_vget(A->dtype, V, nnz + i) + fabs(v));
            spg_vset(A->dtype, V, nnz + j, spg_vget(A->dtype, V, nnz + j) + fabs(v));
        }
}

/* In a: S, the matrix A plus a diagonal that dominates it (its plan and
 * values kept), made on the CPU context ctx. */
static spg_status dominant_matrix(spg_context *ctx, args *a)
{
    const spg_csc *A = &a->A;
    const int64_t len = A->nnz + A->n;
    void *I = calloc((size_t)len + 1, spg_isize(A->itype));
    void *J = calloc((size_t)len + 1, spg_isize(A->itype));
    void *V = calloc((size_t)len + 1, spg_vsize(A->dtype));
    a->svalues = calloc((size_t)len + 1, spg_vsize(A->dtype));
    if (!I || !J || !V || !a->svalues)
        exit(2);
    dominant_triplets(A, I, J, V);
    const spg_coo coo = {A->n, A->n, len, A->itype, I, J};
    spg_status st = spg_plan_create(ctx, &coo, 0, &a->splan);
    if (st == SPG_SUCCESS)
        st = spg_assemble(ctx, a->splan, A->dtype, V, a->svalues);
    if (st == SPG_SUCCESS)
        st = spg_plan_csc(a->splan, A->dtype, a->svalues, &a->S);
    free(I), free(J), free(V);
    return st;
}

spg_status spg_solver_of(spg_context *ctx, const spg_csc *S, spg_solver **solver)
{
    *solver = NULL;
    spg_status st = spg_solver_create(ctx, S, SPG_SOLVER_GENERAL, solver);
    if (st == SPG_SUCCESS)
        st = spg_solver_factor(ctx, *solver, S);
    if (st != SPG_SUCCESS) {
        spg_solver_destroy(*solver);
        *solver = NULL;
    }
    return st == SPG_ERR_NOT_BUILT ? SPG_SUCCESS : st;
}

spg_status spg_args_make(spg_context *ctx, const spg_coo *coo, unsigned flags, spg_dtype dt,
                         int64_t rank, uint64_t seed, args *a)
{
    *a = (args){.coo = *coo, .dtype = dt, .flags = flags, .rank = rank};
    a->A = (spg_csc){.m = coo->m, .n = coo->n, .itype = coo->itype, .dtype = dt};
    spg_plan *plan = NULL;
    spg_status st = spg_plan_create(ctx, coo, flags, &plan);
    if (st != SPG_SUCCESS)
        return st;
    spg_plan_csc(plan, dt, NULL, &a->A);
    const int in[] = {S_TRIP, S_VALUES, S_X, S_Y, S_U, S_W, S_DAX};
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++)
        a->p[in[k]] = spg_slot_new(a, in[k], seed + k);
    st = spg_assemble(ctx, plan, dt, a->p[S_TRIP], a->p[S_VALUES]);
    a->A.values = a->p[S_VALUES];
    a->p[S_CTX] = ctx, a->p[S_PLAN] = plan, a->p[S_COO] = &given, a->p[S_CSC] = &given;
    a->p[S_I] = (void *)coo->I, a->p[S_J] = (void *)coo->J;
    a->p[S_COLPTR] = (void *)a->A.colptr, a->p[S_ROWIND] = (void *)a->A.rowind;
    spg_plan_info info;
    if (st == SPG_SUCCESS && spg_plan_query(plan, &info) == SPG_SUCCESS &&
        info.backend == SPG_BACKEND_CPU && a->A.m == a->A.n &&
        (a->A.n <= SPG_ARGS_SOLVER_N || a->A.nnz <= SPG_ARGS_SOLVER_PER_COLUMN * a->A.n))
        st = dominant_matrix(ctx, a);
    if (a->splan && st == SPG_SUCCESS)
        st = spg_solver_of(ctx, &a->S, (spg_solver **)&a->p[S_SOLVER]);
    return st;
}

void spg_args_free(args *a)
{
    spg_plan_destroy(a->p[S_PLAN]);
    spg_solver_destroy(a->p[S_SOLVER]);
    spg_plan_destroy(a->splan);
    free(a->svalues);
    const int in[] = {S_TRIP, S_VALUES, S_X, S_Y, S_U, S_W, S_DAX};
    for (size_t k = 0; k < sizeof in / sizeof in[0]; k++)
        free(a->p[in[k]]);
    *a = (args){0};
}

void spg_bytes_put(bytes *o, const void *p, size_t len)
{
    if (o->len + len > o->cap) {
        o->cap = 2 * (o->len + len);
        o->b = realloc(o->b, o->cap);
        if (!o->b)
            exit(2);
    }
    memcpy(o->b + o->len, p, len);
    o->len += len;
}

int spg_bytes_same(const bytes *a, const bytes *b)
{
    return a->len == b->len && !memcmp(a->b, b->b, a->len);
}

spg_status spg_call_outputs(const call *c, const args *a, bytes *o)
{
    args run = *a;
    for (int s = FIRST_OUTPUT; s < NSLOT; s++)
        if (spg_call_writes(c, s))
            run.p[s] = spg_slot_new(a, s, 1000 + (uint64_t)s);
    spg_status st = c->fn(&run);
    spg_bytes_put(o, &st, sizeof st);
    for (int s = FIRST_OUTPUT; s < NSLOT; s++)
        if (spg_call_writes(c, s)) {
            spg_bytes_put(o, run.p[s], spg_slot_bytes(a, s));
            free(run.p[s]);
        }
    return st;
}

spg_status spg_calls_outputs(const args *a, bytes *o)
{
    spg_status first = SPG_SUCCESS;
    for (int k = 0; k < spg_ncalls; k++) {
        if (!spg_call_runs(&spg_calls[k], a))
            continue;
        spg_status st = spg_call_outputs(&spg_calls[k], a, o);
        first = first == SPG_SUCCESS ? st : first;
    }
    return first;
}
