/* Operations on the distributed A: the block's own operations (spgrad.h)
 * between halo exchanges. A vector by columns is extended to the block's
 * columns (ext: this rank's values, then the ghosts'); the ghosts' values
 * come from their owners (halo), and what the block adds to ghost columns
 * goes back to them (reverse_halo). */
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

static int64_t ncols(const spg_mpi_plan *P)
{
    return P->info.col_end - P->info.col_begin;
}

static int64_t nrows(const spg_mpi_plan *P)
{
    return P->info.row_end - P->info.row_begin;
}

/* SPG_ERR_NULL_POINTER where a needed array of len values is NULL. */
static spg_status need(const void *p, int64_t len)
{
    return len > 0 && !p ? SPG_ERR_NULL_POINTER : SPG_SUCCESS;
}

/* The block's view around Ax, and op as the view sees it: by rows, the
 * view is of the block's transpose. */
static spg_op view(const spg_mpi_plan *P, spg_dtype dt, const void *Ax, spg_op op, spg_csc *A)
{
    spg_plan_csc(P->local, dt, Ax, A);
    return P->by_rows ? (op == SPG_OP_N ? SPG_OP_T : SPG_OP_N) : op;
}

/* ext = [v, the ghosts' values from their owners] */
static void halo(spg_mpi_plan *P, spg_dtype dt, const void *v, void *ext)
{
    const size_t vs = spg_mpi_vsize(dt), own = (size_t)ncols(P) * vs;
    spg_mpi_gather(dt, v, P->hsend_col, P->nhsend, P->hbuf);
    const int n = spg_mpi_start(P, spg_mpi_type(dt), vs, &P->hrecv, (char *)ext + own, &P->hsend,
                                P->hbuf);
    if (own)
        memcpy(ext, v, own);
    spg_mpi_finish(P, n);
}

/* ext = [v, -0 for each ghost]: a gradient by columns to accumulate into */
static void start_ext(const spg_mpi_plan *P, spg_dtype dt, const void *v, void *ext)
{
    const size_t own = (size_t)ncols(P) * spg_mpi_vsize(dt);
    if (own)
        memcpy(ext, v, own);
    spg_mpi_negative_zeros(dt, (char *)ext + own, P->info.ghosts);
}

/* ext's ghost values to their owners, each added there to its column of
 * ext, in rank order; then v = ext's own values. */
static void reverse_halo(spg_mpi_plan *P, spg_dtype dt, void *ext, void *v)
{
    const size_t vs = spg_mpi_vsize(dt), own = (size_t)ncols(P) * vs;
    const int n = spg_mpi_start(P, spg_mpi_type(dt), vs, &P->hsend, P->hbuf, &P->hrecv,
                                (char *)ext + own);
    spg_mpi_finish(P, n);
    spg_mpi_scatter_add(dt, P->hbuf, P->hsend_col, P->nhsend, ext);
    if (own && v != ext)
        memcpy(v, ext, own);
}

/* y = alpha z + beta y over len values, in the value type; beta == 0
 * does not read y. */
static void axpby(spg_dtype dt, double alpha, const void *z, double beta, void *y, int64_t len)
{
    if (dt == SPG_DOUBLE)
        for (int64_t t = 0; t < len; t++)
            ((double *)y)[t] = alpha * ((const double *)z)[t] +
                               (beta == 0 ? 0 : beta * ((double *)y)[t]);
    else
        for (int64_t t = 0; t < len; t++)
            ((float *)y)[t] = (float)alpha * ((const float *)z)[t] +
                              (beta == 0 ? 0 : (float)beta * ((float *)y)[t]);
}

spg_status spg_mpi_spmv(spg_context *ctx, spg_mpi_plan *P, spg_op op, double alpha,
                        spg_dtype dtype, const void *Ax, const void *x, double beta, void *y)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    const int by_cols = op == SPG_OP_N; /* x by columns, y by rows */
    spg_status st = spg_mpi_same(P->comm, dtype, op, 0, NULL, NULL, NULL);
    if (st == SPG_SUCCESS)
        st = spg_mpi_check_call(ctx, dtype);
    if (st == SPG_SUCCESS && op != SPG_OP_N && op != SPG_OP_T)
        st = SPG_ERR_INVALID_VALUE;
    if (st == SPG_SUCCESS)
        st = need(x, by_cols ? ncols(P) : nrows(P));
    if (st == SPG_SUCCESS)
        st = need(y, by_cols ? nrows(P) : ncols(P));
    if ((st = spg_mpi_agree(P->comm, st)) != SPG_SUCCESS)
        return st;
    spg_csc A;
    const spg_op vop = view(P, dtype, Ax, op, &A);
    if (op == SPG_OP_N) {
        halo(P, dtype, x, P->xext);
        return spg_spmv(ctx, vop, alpha, &A, P->xext, beta, y);
    }
    st = spg_spmv(ctx, vop, 1.0, &A, x, 0.0, P->zext); /* the block's A' x, ghosts included */
    reverse_halo(P, dtype, P->zext, P->zext);
    axpby(dtype, alpha, P->zext, beta, y, ncols(P));
    return st;
}

/* The arguments of the SpMV pullback, on this rank, where any rank asks
 * for dA (ask[0]) or dx (ask[1]). */
static spg_status check_spmv_pullback(spg_context *ctx, const spg_mpi_plan *P, spg_op op,
                                      spg_dtype dt, const void *Ax, const void *x,
                                      const void *dy, const void *dA, const int *ask)
{
    const int by_cols = op == SPG_OP_N; /* x by columns, dy by rows */
    spg_status st = spg_mpi_check_call(ctx, dt);
    if (st == SPG_SUCCESS && op != SPG_OP_N && op != SPG_OP_T)
        st = SPG_ERR_INVALID_VALUE;
    if (st == SPG_SUCCESS && dA && !Ax)
        st = SPG_ERR_PATTERN_GRADIENT;
    if (st == SPG_SUCCESS && (ask[0] || ask[1]))
        st = need(dy, by_cols ? nrows(P) : ncols(P));
    if (st == SPG_SUCCESS && (ask[0] || ask[1]))
        st = need(x, by_cols ? ncols(P) : nrows(P));
    return st;
}

spg_status spg_mpi_spmv_pullback(spg_context *ctx, spg_mpi_plan *P, spg_op op, double alpha,
                                 spg_dtype dtype, const void *Ax, const void *x, const void *dy,
                                 void *dA, void *dx)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    const void *grad[] = {dA, dx};
    const int64_t len[] = {P->info.nnz, op == SPG_OP_N ? ncols(P) : nrows(P)};
    int ask[2];
    spg_status st = spg_mpi_same(P->comm, dtype, op, 2, grad, len, ask);
    if (st == SPG_SUCCESS)
        st = check_spmv_pullback(ctx, P, op, dtype, Ax, x, dy, dA, ask);
    if ((st = spg_mpi_agree(P->comm, st)) != SPG_SUCCESS || (!ask[0] && !ask[1]))
        return st;
    spg_csc A;
    const spg_op vop = view(P, dtype, Ax, op, &A);
    if (op == SPG_OP_T) { /* dy by columns: its ghosts, for dA and dx alike */
        halo(P, dtype, dy, P->xext);
        return spg_spmv_pullback(ctx, vop, alpha, &A, x, P->xext, dA, dx);
    }
    if (ask[0])
        halo(P, dtype, x, P->xext);
    if (ask[1])
        start_ext(P, dtype, dx, P->zext);
    st = spg_spmv_pullback(ctx, vop, alpha, &A, P->xext, dy, dA, ask[1] ? P->zext : NULL);
    if (ask[1])
        reverse_halo(P, dtype, P->zext, dx);
    return st;
}

static double value_at(spg_dtype dt, const void *a, int64_t k)
{
    return dt == SPG_DOUBLE ? ((const double *)a)[k] : ((const float *)a)[k];
}

/* f = sum over the block of (x_i a_ij) y_j (y by the block's columns, in
 * xext), each product computed in double, summed exactly over every rank
 * and rounded once. */
static double exact_f(spg_mpi_plan *P, spg_dtype dt, const void *Ax, const void *x)
{
    spg_csc A;
    spg_exact acc;
    int64_t digits[SPG_EXACT_DIGITS];
    double special = 0;
    memset(&acc, 0, sizeof acc);
    spg_plan_csc(P->local, dt, Ax, &A);
    for (int64_t c = 0; c < A.n; c++)
        for (int64_t p = spg_mpi_index(A.itype, A.colptr, c); p < spg_mpi_index(A.itype, A.colptr, c + 1); p++) {
            const int64_t r = spg_mpi_index(A.itype, A.rowind, p);
            const int64_t i = P->by_rows ? c : r, j = P->by_rows ? r : c;
            const double a = Ax ? value_at(dt, Ax, p) : 1;
            spg_exact_add(&acc, value_at(dt, x, i) * a * value_at(dt, P->xext, j));
        }
    spg_exact_carry(&acc); /* digits in [0, 2^32): the ranks' sums fit */
    MPI_Allreduce(acc.d, digits, SPG_EXACT_DIGITS, MPI_INT64_T, MPI_SUM, P->comm);
    MPI_Allreduce(&acc.special, &special, 1, MPI_DOUBLE, MPI_SUM, P->comm);
    return spg_exact_value(digits, special);
}

/* The bilinear pullback on the block, y by its columns in xext, where
 * any rank asks for dy (ask_dy): dy's ghost part goes back to its
 * owners. */
static spg_status bilinear_grads(spg_context *ctx, spg_mpi_plan *P, spg_dtype dt,
                                 const void *Ax, const void *x, double df, void *dA, void *dx,
                                 void *dy, int ask_dy)
{
    spg_csc A;
    view(P, dt, Ax, SPG_OP_N, &A);
    if (ask_dy)
        start_ext(P, dt, dy, P->zext);
    void *dyx = ask_dy ? P->zext : NULL;
    const spg_status st = P->by_rows /* x' A y = y' A' x */
                              ? spg_bilinear_pullback(ctx, &A, P->xext, x, df, dA, dyx, dx)
                              : spg_bilinear_pullback(ctx, &A, x, P->xext, df, dA, dx, dyx);
    if (ask_dy)
        reverse_halo(P, dt, P->zext, dy);
    return st;
}

/* The arguments of the bilinear calls: the same type and the same
 * gradients asked for on every rank (ask: dA, dx, dy), then this rank's
 * own. f: where the call gives f. */
static spg_status check_bilinear(spg_context *ctx, spg_mpi_plan *P, spg_dtype dt,
                                 const void *Ax, const void *x, const void *y, const double *f,
                                 int gives_f, void *const *grad, int *ask)
{
    const int64_t len[] = {P->info.nnz, nrows(P), ncols(P)};
    spg_status st = spg_mpi_same(P->comm, dt, SPG_OP_N, grad ? 3 : 0, (const void *const *)grad,
                                 len, ask);
    if (st == SPG_SUCCESS)
        st = spg_mpi_check_call(ctx, dt);
    if (st == SPG_SUCCESS && grad && grad[0] && !Ax)
        st = SPG_ERR_PATTERN_GRADIENT;
    if (st == SPG_SUCCESS && gives_f && !f)
        st = SPG_ERR_NULL_POINTER;
    if (st == SPG_SUCCESS)
        st = need(x, nrows(P));
    if (st == SPG_SUCCESS)
        st = need(y, ncols(P));
    return spg_mpi_agree(P->comm, st);
}

spg_status spg_mpi_bilinear(spg_context *ctx, spg_mpi_plan *P, spg_dtype dtype, const void *Ax,
                            const void *x, const void *y, double *f)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    const spg_status st = check_bilinear(ctx, P, dtype, Ax, x, y, f, 1, NULL, NULL);
    if (st != SPG_SUCCESS)
        return st;
    halo(P, dtype, y, P->xext);
    *f = exact_f(P, dtype, Ax, x);
    return SPG_SUCCESS;
}

spg_status spg_mpi_bilinear_pullback(spg_context *ctx, spg_mpi_plan *P, spg_dtype dtype,
                                     const void *Ax, const void *x, const void *y, double df,
                                     void *dA, void *dx, void *dy)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    void *grad[] = {dA, dx, dy};
    int ask[3];
    const spg_status st = check_bilinear(ctx, P, dtype, Ax, x, y, NULL, 0, grad, ask);
    if (st != SPG_SUCCESS || (!ask[0] && !ask[1] && !ask[2]))
        return st;
    halo(P, dtype, y, P->xext);
    return bilinear_grads(ctx, P, dtype, Ax, x, df, dA, dx, dy, ask[2]);
}

spg_status spg_mpi_bilinear_value_and_grad(spg_context *ctx, spg_mpi_plan *P, spg_dtype dtype,
                                           const void *Ax, const void *x, const void *y,
                                           double *f, void *dA, void *dx, void *dy)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    void *grad[] = {dA, dx, dy};
    int ask[3];
    const spg_status st = check_bilinear(ctx, P, dtype, Ax, x, y, f, 1, grad, ask);
    if (st != SPG_SUCCESS)
        return st;
    halo(P, dtype, y, P->xext);
    *f = exact_f(P, dtype, Ax, x);
    if (!ask[0] && !ask[1] && !ask[2])
        return SPG_SUCCESS;
    return bilinear_grads(ctx, P, dtype, Ax, x, 1.0, dA, dx, dy, ask[2]);
}

spg_status spg_mpi_coo_bilinear_pullback(spg_context *ctx, spg_mpi_plan *P, spg_dtype dtype,
                                         const void *x, const void *y, double df, void *dV)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    void *dA = malloc((size_t)P->info.nnz * spg_mpi_vsize(dtype) + 1);
    spg_status st = spg_mpi_same(P->comm, dtype, SPG_OP_N, 0, NULL, NULL, NULL);
    if (st == SPG_SUCCESS)
        st = spg_mpi_check_call(ctx, dtype);
    if (st == SPG_SUCCESS)
        st = need(x, nrows(P));
    if (st == SPG_SUCCESS)
        st = need(y, ncols(P));
    if (st == SPG_SUCCESS)
        st = need(dV, P->info.nnz_coo);
    if (st == SPG_SUCCESS && !dA)
        st = SPG_ERR_ALLOC;
    if ((st = spg_mpi_agree(P->comm, st)) == SPG_SUCCESS) {
        spg_csc A; /* values: any array (the sampled outer product reads none) */
        view(P, dtype, dA, SPG_OP_N, &A);
        const int64_t ldu = A.m > 1 ? A.m : 1, ldv = A.n > 1 ? A.n : 1;
        halo(P, dtype, y, P->xext);
        spg_mpi_negative_zeros(dtype, dA, P->info.nnz); /* dA = df x y' on the block */
        st = P->by_rows ? spg_sampled_outer(ctx, &A, 1, P->xext, ldu, x, ldv, df, dA)
                        : spg_sampled_outer(ctx, &A, 1, x, ldu, P->xext, ldv, df, dA);
        const spg_status pb = spg_mpi_assemble_pullback(ctx, P, dtype, dA, dV);
        st = st != SPG_SUCCESS ? st : pb;
    }
    free(dA);
    return st;
}
