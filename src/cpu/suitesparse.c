/* The CPU's solver on SuiteSparse: CHOLMOD for SPD matrices (the lower
 * triangle, supernodal), UMFPACK for general ones. Both take int64
 * patterns and double values: an int32 pattern is kept as an int64 copy
 * (an int64 one is read where the solver keeps it), float values and
 * right-hand sides are converted. UMFPACK keeps A's values (its solves
 * refine with them); CHOLMOD reads them only while it factorises. */
#include "solver.h"

#ifdef SPGRAD_HAVE_SUITESPARSE

#include <cholmod.h>
#include <string.h>
#include <umfpack.h>

typedef SuiteSparse_long ss_int;

typedef struct ss_solver {
    ss_int *Ap, *Ai;             /* the pattern */
    int own_pattern;             /* Ap and Ai are copies (of an int32 pattern) */
    double *Ax;                  /* UMFPACK: the values factorised */
    cholmod_common cc;           /* CHOLMOD: its settings and status */
    cholmod_factor *L;           /* CHOLMOD: the analysis, then the factors */
    void *symbolic, *numeric;    /* UMFPACK */
    double control[UMFPACK_CONTROL];
} ss_solver;

/* A as CHOLMOD sees it: the lower triangle of the solver's pattern, with
 * the values x (NULL: the pattern alone). */
static cholmod_sparse cholmod_view(const spg_solver *s, const ss_solver *ss, const double *x)
{
    cholmod_sparse A = {0};
    A.nrow = A.ncol = (size_t)s->n;
    A.nzmax = (size_t)(s->nnz > 0 ? s->nnz : 1);
    A.p = ss->Ap, A.i = ss->Ai, A.x = (void *)x;
    A.stype = -1, A.itype = CHOLMOD_LONG, A.dtype = CHOLMOD_DOUBLE;
    A.xtype = x ? CHOLMOD_REAL : CHOLMOD_PATTERN;
    A.sorted = A.packed = 1;
    return A;
}

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
static spg_status lu_status(ss_int status)
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

/* The solver's pattern as int64 arrays: its own, or int64 copies of an
 * int32 one. */
static spg_status int64_pattern(const spg_solver *s, ss_solver *ss)
{
    ss->own_pattern = s->itype == SPG_INT32;
    if (!ss->own_pattern) {
        ss->Ap = s->colptr, ss->Ai = s->rowind;
        return SPG_SUCCESS;
    }
    ss->Ap = spg_malloc(s->n + 1, sizeof *ss->Ap);
    ss->Ai = spg_malloc(s->nnz, sizeof *ss->Ai);
    if (!ss->Ap || !ss->Ai)
        return SPG_ERR_ALLOC;
    for (int64_t k = 0; k <= s->n; k++)
        ss->Ap[k] = ((const int32_t *)s->colptr)[k];
    for (int64_t k = 0; k < s->nnz; k++)
        ss->Ai[k] = ((const int32_t *)s->rowind)[k];
    return SPG_SUCCESS;
}

/* A's values in double: its own array, or a new converted copy in *made. */
static const double *double_values(const spg_csc *A, double **made)
{
    *made = NULL;
    if (A->dtype == SPG_DOUBLE)
        return A->values;
    *made = spg_malloc(A->nnz, sizeof **made);
    for (int64_t k = 0; *made && k < A->nnz; k++)
        (*made)[k] = ((const float *)A->values)[k];
    return *made;
}

static void ss_release(spg_solver *s)
{
    ss_solver *ss = s->impl;
    if (ss->L)
        cholmod_l_free_factor(&ss->L, &ss->cc);
    cholmod_l_finish(&ss->cc);
    if (ss->symbolic)
        umfpack_dl_free_symbolic(&ss->symbolic);
    if (ss->numeric)
        umfpack_dl_free_numeric(&ss->numeric);
    if (ss->own_pattern)
        spg_free(ss->Ap), spg_free(ss->Ai);
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
    cholmod_l_start(&ss->cc);
    ss->cc.print = 0;
    ss->cc.supernodal = CHOLMOD_SUPERNODAL; /* always LL': a simplicial LDL' accepts
                                               indefinite matrices */
    umfpack_dl_defaults(ss->control);
    spg_status st = int64_pattern(s, ss);
    if (st != SPG_SUCCESS)
        return st;
    if (s->kind == SPG_SOLVER_GENERAL) {
        ss->Ax = spg_malloc(s->nnz, sizeof *ss->Ax);
        if (!ss->Ax)
            return SPG_ERR_ALLOC;
    }
    if (s->n == 0)
        return SPG_SUCCESS; /* nothing to factorise or solve */
    if (s->kind == SPG_SOLVER_SPD) {
        cholmod_sparse A = cholmod_view(s, ss, NULL);
        ss->L = cholmod_l_analyze(&A, &ss->cc);
        return spd_status(&ss->cc, ss->L != NULL);
    }
    double info[UMFPACK_INFO];
    return lu_status(umfpack_dl_symbolic(s->n, s->n, ss->Ap, ss->Ai, NULL, &ss->symbolic,
                                              ss->control, info));
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
        int ok = cholmod_l_factorize(&C, ss->L, &ss->cc);
        spg_free(made);
        return spd_status(&ss->cc, ok && ss->L->minor == ss->L->n);
    }
    for (int64_t k = 0; k < s->nnz; k++)
        ss->Ax[k] = A->dtype == SPG_DOUBLE ? ((const double *)A->values)[k]
                                           : (double)((const float *)A->values)[k];
    if (ss->numeric)
        umfpack_dl_free_numeric(&ss->numeric);
    double info[UMFPACK_INFO];
    spg_status st = lu_status(umfpack_dl_numeric(ss->Ap, ss->Ai, ss->Ax, ss->symbolic,
                                                      &ss->numeric, ss->control, info));
    if (st != SPG_SUCCESS && ss->numeric)
        umfpack_dl_free_numeric(&ss->numeric);
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
    *Y = cholmod_l_solve(CHOLMOD_A, ss->L, &Bd, &ss->cc);
    return spd_status(&ss->cc, *Y != NULL);
}

/* X = op(A)^-1 B by UMFPACK, column by column (doubles). */
static spg_status lu_solve(spg_solver *s, spg_op op, int64_t nrhs, const double *B,
                                int64_t ldb, double *X, int64_t ldx)
{
    ss_solver *ss = s->impl;
    ss_int *Wi = spg_malloc(s->n, sizeof *Wi);
    double *W = spg_malloc(5 * s->n, sizeof *W), info[UMFPACK_INFO];
    spg_status st = Wi && W ? SPG_SUCCESS : SPG_ERR_ALLOC;
    for (int64_t r = 0; r < nrhs && st == SPG_SUCCESS; r++)
        st = lu_status(umfpack_dl_wsolve(op == SPG_OP_N ? UMFPACK_A : UMFPACK_At, ss->Ap,
                                              ss->Ai, ss->Ax, X + r * ldx, B + r * ldb,
                                              ss->numeric, ss->control, info, Wi, W));
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
            cholmod_l_free_dense(&Y, &((ss_solver *)s->impl)->cc);
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
