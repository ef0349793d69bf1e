/* The CPU's solver on SuiteSparse: CHOLMOD for SPD matrices (the lower
 * triangle, supernodal), UMFPACK for general ones, through their int
 * interfaces for int32 patterns and their SuiteSparse_long ones for int64:
 * both read the pattern where the solver keeps it. They take double
 * values: float values and right-hand sides are converted. UMFPACK keeps
 * A's values (its solves refine with them); CHOLMOD reads them only while
 * it factorises. */
#include "solver.h"

#ifdef SPGRAD_HAVE_SUITESPARSE

#include <cholmod.h>
#include <limits.h>
#include <string.h>
#include <umfpack.h>

typedef struct ss_solver {
    int wide;                 /* int64 pattern: the _l and _dl interfaces */
    double *Ax;               /* UMFPACK: the values factorised */
    cholmod_common cc;        /* CHOLMOD: its settings and status */
    cholmod_factor *L;        /* CHOLMOD: the analysis, then the factors */
    void *symbolic, *numeric; /* UMFPACK */
    double control[UMFPACK_CONTROL];
} ss_solver;

/* A as CHOLMOD sees it: the lower triangle of the solver's pattern, with
 * the values x (NULL: the pattern alone). */
static cholmod_sparse cholmod_view(const spg_solver *s, const ss_solver *ss, const double *x)
{
    cholmod_sparse A = {0};
    A.nrow = A.ncol = (size_t)s->n;
    A.nzmax = (size_t)(s->nnz > 0 ? s->nnz : 1);
    A.p = s->colptr, A.i = s->rowind, A.x = (void *)x;
    A.stype = -1, A.itype = ss->wide ? CHOLMOD_LONG : CHOLMOD_INT, A.dtype = CHOLMOD_DOUBLE;
    A.xtype = x ? CHOLMOD_REAL : CHOLMOD_PATTERN;
    A.sorted = A.packed = 1;
    return A;
}

/* ---- CHOLMOD and UMFPACK through the interface of the index type ---- */

static cholmod_factor *chol_analyze(ss_solver *ss, cholmod_sparse *A)
{
    return ss->wide ? cholmod_l_analyze(A, &ss->cc) : cholmod_analyze(A, &ss->cc);
}

static int chol_factorize(ss_solver *ss, cholmod_sparse *A)
{
    return ss->wide ? cholmod_l_factorize(A, ss->L, &ss->cc)
                    : cholmod_factorize(A, ss->L, &ss->cc);
}

static cholmod_dense *chol_solve(ss_solver *ss, cholmod_dense *B)
{
    return ss->wide ? cholmod_l_solve(CHOLMOD_A, ss->L, B, &ss->cc)
                    : cholmod_solve(CHOLMOD_A, ss->L, B, &ss->cc);
}

static void chol_free_dense(ss_solver *ss, cholmod_dense **Y)
{
    if (ss->wide)
        cholmod_l_free_dense(Y, &ss->cc);
    else
        cholmod_free_dense(Y, &ss->cc);
}

static void chol_release(ss_solver *ss)
{
    if (ss->wide) {
        if (ss->L)
            cholmod_l_free_factor(&ss->L, &ss->cc);
        cholmod_l_finish(&ss->cc);
    } else {
        if (ss->L)
            cholmod_free_factor(&ss->L, &ss->cc);
        cholmod_finish(&ss->cc);
    }
}

static int lu_symbolic(const spg_solver *s, ss_solver *ss, double *info)
{
    if (ss->wide)
        return (int)umfpack_dl_symbolic(s->n, s->n, s->colptr, s->rowind, NULL, &ss->symbolic,
                                        ss->control, info);
    return umfpack_di_symbolic((int)s->n, (int)s->n, s->colptr, s->rowind, NULL, &ss->symbolic,
                               ss->control, info);
}

static int lu_numeric(const spg_solver *s, ss_solver *ss, double *info)
{
    if (ss->wide)
        return (int)umfpack_dl_numeric(s->colptr, s->rowind, ss->Ax, ss->symbolic, &ss->numeric,
                                       ss->control, info);
    return umfpack_di_numeric(s->colptr, s->rowind, ss->Ax, ss->symbolic, &ss->numeric,
                              ss->control, info);
}

/* x = op(A)^-1 b for one right-hand side; Wi holds n indices, W 5 n values. */
static int lu_wsolve(const spg_solver *s, ss_solver *ss, spg_op op, double *x, const double *b,
                     double *info, void *Wi, double *W)
{
    const int sys = op == SPG_OP_N ? UMFPACK_A : UMFPACK_At;
    if (ss->wide)
        return (int)umfpack_dl_wsolve(sys, s->colptr, s->rowind, ss->Ax, x, b, ss->numeric,
                                      ss->control, info, Wi, W);
    return umfpack_di_wsolve(sys, s->colptr, s->rowind, ss->Ax, x, b, ss->numeric, ss->control,
                             info, Wi, W);
}

static void lu_free_numeric(ss_solver *ss)
{
    if (ss->numeric && ss->wide)
        umfpack_dl_free_numeric(&ss->numeric);
    else if (ss->numeric)
        umfpack_di_free_numeric(&ss->numeric);
}

static void lu_release(ss_solver *ss)
{
    if (ss->symbolic && ss->wide)
        umfpack_dl_free_symbolic(&ss->symbolic);
    else if (ss->symbolic)
        umfpack_di_free_symbolic(&ss->symbolic);
    lu_free_numeric(ss);
}

/* ---- statuses ---------------------------------------------------------- */

/* The status of a CHOLMOD call that returned ok (0: failed). */
static spg_status spd_status(const cholmod_common *cc, int ok)
{
    if (cc->status == CHOLMOD_NOT_POSDEF)
        return SPG_ERR_NOT_POSITIVE_DEFINITE;
    if (cc->status == CHOLMOD_OUT_OF_MEMORY || cc->status == CHOLMOD_TOO_LARGE)
        return SPG_ERR_ALLOC;
    return ok && cc->status >= CHOLMOD_OK ? SPG_SUCCESS : SPG_ERR_INVALID_MATRIX;
}

/* The status of an UMFPACK call. */
static spg_status lu_status(int status)
{
    if (status == UMFPACK_OK || status == UMFPACK_WARNING_determinant_underflow ||
        status == UMFPACK_WARNING_determinant_overflow)
        return SPG_SUCCESS; /* the determinant is not used */
    if (status == UMFPACK_WARNING_singular_matrix)
        return SPG_ERR_SINGULAR;
    if (status == UMFPACK_ERROR_out_of_memory)
        return SPG_ERR_ALLOC;
    return SPG_ERR_INVALID_MATRIX;
}

/* out = A's values in double. */
static void to_double(const spg_csc *A, double *out)
{
    for (int64_t k = 0; k < A->nnz; k++)
        out[k] = A->dtype == SPG_DOUBLE ? ((const double *)A->values)[k]
                                        : (double)((const float *)A->values)[k];
}

/* A's values in double: its own array, or a new converted copy in *made. */
static const double *double_values(const spg_csc *A, double **made)
{
    *made = NULL;
    if (A->dtype == SPG_DOUBLE)
        return A->values;
    *made = spg_malloc(A->nnz, sizeof **made);
    if (*made)
        to_double(A, *made);
    return *made;
}

/* ---- the solver --------------------------------------------------------- */

static void ss_release(spg_solver *s)
{
    ss_solver *ss = s->impl;
    chol_release(ss);
    lu_release(ss);
    spg_free(ss->Ax);
    spg_free(ss);
    s->impl = NULL;
}

/* The ordering and symbolic factorisation of the pattern. */
static spg_status ss_analyse(spg_context *ctx, spg_solver *s)
{
    (void)ctx;
    ss_solver *ss = spg_calloc(1, sizeof *ss);
    if (!ss)
        return SPG_ERR_ALLOC;
    s->impl = ss;
    ss->wide = s->itype == SPG_INT64;
    if (ss->wide)
        cholmod_l_start(&ss->cc), umfpack_dl_defaults(ss->control);
    else
        cholmod_start(&ss->cc), umfpack_di_defaults(ss->control);
    ss->cc.print = 0;
    ss->cc.supernodal = CHOLMOD_SUPERNODAL; /* always LL': a simplicial LDL' accepts
                                               indefinite matrices */
    if (!ss->wide && s->n > INT_MAX)
        return SPG_ERR_INDEX_OVERFLOW; /* the int interfaces count in int */
    if (s->kind == SPG_SOLVER_GENERAL) {
        ss->Ax = spg_malloc(s->nnz, sizeof *ss->Ax);
        if (!ss->Ax)
            return SPG_ERR_ALLOC;
    }
    if (s->n == 0)
        return SPG_SUCCESS; /* nothing to factorise or solve */
    if (s->kind == SPG_SOLVER_SPD) {
        cholmod_sparse A = cholmod_view(s, ss, NULL);
        ss->L = chol_analyze(ss, &A);
        return spd_status(&ss->cc, ss->L != NULL);
    }
    double info[UMFPACK_INFO];
    return lu_status(lu_symbolic(s, ss, info));
}

/* The factors of A's values. */
static spg_status ss_factor(spg_context *ctx, spg_solver *s, const spg_csc *A)
{
    (void)ctx;
    ss_solver *ss = s->impl;
    if (s->n == 0)
        return SPG_SUCCESS;
    if (s->kind == SPG_SOLVER_SPD) {
        double *made;
        const double *x = double_values(A, &made);
        if (!x)
            return SPG_ERR_ALLOC;
        cholmod_sparse C = cholmod_view(s, ss, x);
        int ok = chol_factorize(ss, &C);
        spg_free(made);
        return spd_status(&ss->cc, ok && ss->L->minor == ss->L->n);
    }
    to_double(A, ss->Ax);
    lu_free_numeric(ss);
    double info[UMFPACK_INFO];
    spg_status st = lu_status(lu_numeric(s, ss, info));
    if (st != SPG_SUCCESS)
        lu_free_numeric(ss);
    return st;
}

/* The n x nrhs float matrix M (leading dimension ld) into work (ld n). */
static void widen(int64_t n, int64_t nrhs, const float *M, int64_t ld, double *work)
{
    for (int64_t r = 0; r < nrhs; r++)
        for (int64_t i = 0; i < n; i++)
            work[i + r * n] = M[i + r * ld];
}

/* Y (leading dimension n, double) into X of the solver's type (ldx). */
static void store(const spg_solver *s, int64_t nrhs, const double *Y, void *X, int64_t ldx)
{
    for (int64_t r = 0; r < nrhs; r++)
        for (int64_t i = 0; i < s->n; i++) {
            if (s->dtype == SPG_DOUBLE)
                ((double *)X)[i + r * ldx] = Y[i + r * s->n];
            else
                ((float *)X)[i + r * ldx] = (float)Y[i + r * s->n];
        }
}

/* Y = A^-1 B by CHOLMOD (B doubles, leading dimension ldb), a new array. */
static spg_status spd_solve(spg_solver *s, int64_t nrhs, const double *B, int64_t ldb,
                                cholmod_dense **Y)
{
    ss_solver *ss = s->impl;
    cholmod_dense Bd = {0};
    Bd.nrow = (size_t)s->n, Bd.ncol = (size_t)nrhs, Bd.d = (size_t)ldb;
    Bd.nzmax = (size_t)(ldb * nrhs);
    Bd.x = (void *)B, Bd.xtype = CHOLMOD_REAL, Bd.dtype = CHOLMOD_DOUBLE;
    *Y = chol_solve(ss, &Bd);
    return spd_status(&ss->cc, *Y != NULL);
}

/* X = op(A)^-1 B by UMFPACK, column by column (doubles). */
static spg_status lu_solve(spg_solver *s, spg_op op, int64_t nrhs, const double *B,
                                int64_t ldb, double *X, int64_t ldx)
{
    ss_solver *ss = s->impl;
    void *Wi = spg_malloc(s->n, ss->wide ? sizeof(SuiteSparse_long) : sizeof(int));
    double *W = spg_malloc(5 * s->n, sizeof *W), info[UMFPACK_INFO];
    spg_status st = Wi && W ? SPG_SUCCESS : SPG_ERR_ALLOC;
    for (int64_t r = 0; r < nrhs && st == SPG_SUCCESS; r++)
        st = lu_status(lu_wsolve(s, ss, op, X + r * ldx, B + r * ldb, info, Wi, W));
    spg_free(Wi), spg_free(W);
    return st;
}

static spg_status ss_solve(spg_context *ctx, spg_solver *s, spg_op op, int64_t nrhs,
                           const void *B, int64_t ldb, void *X, int64_t ldx)
{
    (void)ctx;
    const int wide = s->dtype == SPG_DOUBLE;
    double *Bw = wide ? NULL : spg_malloc(s->n * nrhs, sizeof *Bw);
    double *Xw = wide ? NULL : spg_malloc(s->n * nrhs, sizeof *Xw);
    if (!wide && (!Bw || !Xw)) {
        spg_free(Bw), spg_free(Xw);
        return SPG_ERR_ALLOC;
    }
    if (!wide)
        widen(s->n, nrhs, B, ldb, Bw);
    const double *Bd = wide ? B : Bw;
    const int64_t ldbd = wide ? ldb : s->n;
    spg_status st;
    if (s->kind == SPG_SOLVER_SPD) { /* A' = A */
        cholmod_dense *Y = NULL;
        st = spd_solve(s, nrhs, Bd, ldbd, &Y);
        if (st == SPG_SUCCESS)
            store(s, nrhs, Y->x, X, ldx);
        if (Y)
            chol_free_dense(s->impl, &Y);
    } else {
        st = lu_solve(s, op, nrhs, Bd, ldbd, wide ? X : Xw, wide ? ldx : s->n);
        if (st == SPG_SUCCESS && !wide)
            store(s, nrhs, Xw, X, ldx);
    }
    spg_free(Bw), spg_free(Xw);
    return st;
}

static const spg_solver_ops ss_ops = {
    .analyse = ss_analyse,
    .factor = ss_factor,
    .solve = ss_solve,
    .release = ss_release,
};

const spg_solver_ops *spg_cpu_solver_ops(void)
{
    return &ss_ops;
}

#else

const spg_solver_ops *spg_cpu_solver_ops(void)
{
    return NULL;
}

#endif
