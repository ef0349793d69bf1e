/* spgrad over MPI: assembly and its pullback for triplets spread over the
 * ranks of a communicator, with A distributed by contiguous blocks of rows.
 * Its own header and library (spgrad_mpi), so that spgrad.h names no MPI
 * type; built where CMake finds MPI (SPGRAD_MPI).
 *
 * Layout: rank p owns the rows [row_begin, row_end) of the m x n matrix
 * and the columns [col_begin, col_end), the ranks' counts taken in rank
 * order (as PETSc's layouts): a vector of length m (y = A x) is held by
 * rows, one of length n (x) by columns. Its block of A is a local plan's
 * matrix: its rows (row - row_begin) by the columns it reaches, numbered
 * its own first (column - col_begin), then the ghosts, the other ranks'
 * columns it reaches, in ascending order (spg_mpi_plan_ghosts). By
 * columns, or with SPG_COMPRESS_ROWS by rows.
 *
 * Bits: the ranks' triplets, concatenated in rank order, are the triplets
 * of one matrix. Each stored entry is the sum of its triplets in that
 * order, wherever they were given: each value of a rank's block is
 * bitwise the one-rank plan's of the concatenation, for any number of
 * ranks and threads, and so is each dV of the pullback. Bilinear forms
 * are exact sums rounded once: the same bits for any layout. The other
 * results sum a column's contributions from other ranks in rank order:
 * the same bits from run to run and for any thread count.
 *
 * Collective calls: every rank of the plan's communicator makes the call,
 * with its own arrays and the same value type, op and choice of gradients
 * (SPG_ERR_INVALID_VALUE on every rank where these differ; a NULL array
 * of length 0 goes with any choice). Arguments are checked on every rank
 * before anything is exchanged or written; where they are bad on any
 * rank, the call fails on every rank: a rank whose own arguments are bad
 * returns their status, the others that of the lowest such rank. A NULL plan
 * cannot reach the other ranks: it is the one argument that must be good
 * everywhere. MPI failures go to the communicator's error handler.
 *
 * CPU contexts only (a CUDA context gives SPG_ERR_NOT_BUILT). A plan is
 * used by one thread at a time: its exchange buffers are its own. */
#ifndef SPGRAD_MPI_H
#define SPGRAD_MPI_H

#include <mpi.h>

#include "spgrad.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct spg_mpi_plan spg_mpi_plan;

/* Makes the distributed plan (collective over comm, which it duplicates).
 * coo: this rank's triplets with global indices; m, n and the itype are
 * the same on every rank. rows, cols: how many rows and columns this rank
 * owns; the counts add up to m and n. flags: SPG_ONE_BASED, SPG_SKIP_NEGATIVE and
 * SPG_COMPRESS_ROWS as for spg_plan_create, the same on every rank. Its
 * bad triplets are reported as spg_plan_create reports them. Its memory:
 * the local plan, two indices per triplet, the exchange buffers (a double
 * per triplet sent and per triplet of its rows), three values per column
 * of its block (two doubles and, for a ghost, its global column), an index
 * and a double per value it sends to others' ghosts, and O(ranks) counts.
 * Where the received triplets and the own ones that share their entries
 * are at most an eighth of its rows' triplets, also a plan over those (the
 * shared part: a plan of the block's shape, so its column pointers too), a
 * double per such triplet, an index per own one and an index and a double
 * per entry they reach: with it, spg_mpi_assemble sums the block while the
 * values travel, and the entries they reach once more when they are in. */
SPG_API spg_status spg_mpi_plan_create(spg_context *ctx, MPI_Comm comm, const spg_coo *coo,
                                       int64_t rows, int64_t cols, unsigned flags,
                                       spg_mpi_plan **plan);

/* Collective (frees the plan's communicator); NULL is a no-op. */
SPG_API void spg_mpi_plan_destroy(spg_mpi_plan *plan);

/* What a distributed plan holds on this rank. */
typedef struct spg_mpi_plan_info {
    int64_t row_begin, row_end; /* the rows it owns */
    int64_t col_begin, col_end; /* the columns it owns */
    int64_t ghosts;             /* the other ranks' columns its block reaches */
    int64_t nnz;                /* stored entries of its block: the length of Ax */
    int64_t nnz_coo;            /* its triplets: the length of V and dV */
    int64_t sent;               /* its kept triplets in other ranks' rows */
    int64_t received;           /* other ranks' triplets in its rows */
    int sends, receives;        /* ranks it sends to and receives from */
} spg_mpi_plan_info;

SPG_API spg_status spg_mpi_plan_query(const spg_mpi_plan *plan, spg_mpi_plan_info *info);

/* The view of this rank's block around the caller's values (length
 * info.nnz), as spg_plan_csc gives it: (row_end - row_begin) x
 * (col_end - col_begin + ghosts), or its transpose with SPG_COMPRESS_ROWS. */
SPG_API spg_status spg_mpi_plan_csc(const spg_mpi_plan *plan, spg_dtype dtype, const void *values,
                                    spg_csc *A);

/* The global column of each ghost: the block's column
 * col_end - col_begin + g is global column (*ghosts)[g]. */
SPG_API spg_status spg_mpi_plan_ghosts(const spg_mpi_plan *plan, const int64_t **ghosts);

/* Collective. Ax[s] = sum of V[k] over every rank's triplets k of this
 * rank's stored entry s, in (rank, k) order (overwrites). */
SPG_API spg_status spg_mpi_assemble(spg_context *ctx, spg_mpi_plan *plan, spg_dtype dtype,
                                    const void *V, void *Ax);

/* Collective. dV[k] += dAx[slot(k)], dAx on the rank that owns triplet
 * k's row; skipped triplets are left as they are. Moves the bytes of
 * spg_mpi_assemble, the other way. */
SPG_API spg_status spg_mpi_assemble_pullback(spg_context *ctx, spg_mpi_plan *plan,
                                             spg_dtype dtype, const void *dAx, void *dV);

/* ---- Operations on the distributed A and their pullbacks ------------------
 * Ax: this rank's block's values (NULL: a pattern matrix, all ones, whose
 * dA may not be asked for). Vectors have the value type; a vector by rows
 * holds this rank's row_end - row_begin values, by columns its
 * col_end - col_begin. Pullbacks accumulate; a NULL gradient skips its
 * work. The ghosts' values travel from their owners, and what a rank adds
 * to another's columns travels back to it. */

/* Collective. y = alpha op(A) x + beta y: op N, x by columns and y by
 * rows; op T the other way round. With beta == 0, y is not read. */
SPG_API spg_status spg_mpi_spmv(spg_context *ctx, spg_mpi_plan *plan, spg_op op, double alpha,
                                spg_dtype dtype, const void *Ax, const void *x, double beta,
                                void *y);

/* Collective. The pullback of spg_mpi_spmv: dx += alpha op(A)' dy; dA +=
 * alpha dy x' (op N) or alpha x dy' (op T) on the block. */
SPG_API spg_status spg_mpi_spmv_pullback(spg_context *ctx, spg_mpi_plan *plan, spg_op op,
                                         double alpha, spg_dtype dtype, const void *Ax,
                                         const void *x, const void *dy, void *dA, void *dx);

/* Collective. f = x' A y, x by rows and y by columns, on every rank: the
 * products (x_i a_ij) y_j, computed in double, summed exactly and rounded
 * once to nearest (an exact zero is +0; non-finite products make f their
 * sum, any NaN the one NaN), so f is the same bits for any number of
 * ranks and threads and any layout. */
SPG_API spg_status spg_mpi_bilinear(spg_context *ctx, spg_mpi_plan *plan, spg_dtype dtype,
                                    const void *Ax, const void *x, const void *y, double *f);

/* Collective. dx += df A y; dy += df A' x; dA += df x y' on the block. */
SPG_API spg_status spg_mpi_bilinear_pullback(spg_context *ctx, spg_mpi_plan *plan,
                                             spg_dtype dtype, const void *Ax, const void *x,
                                             const void *y, double df, void *dA, void *dx,
                                             void *dy);

/* Collective. f of spg_mpi_bilinear and the gradients of
 * spg_mpi_bilinear_pullback with df = 1. */
SPG_API spg_status spg_mpi_bilinear_value_and_grad(spg_context *ctx, spg_mpi_plan *plan,
                                                   spg_dtype dtype, const void *Ax,
                                                   const void *x, const void *y, double *f,
                                                   void *dA, void *dx, void *dy);

/* Collective. dV[k] += df x[I_k] y[J_k] for this rank's triplets (the
 * gradient of f = x' A(V) y): dA = df x y' on the owners' blocks, then the
 * assembly's pullback. */
SPG_API spg_status spg_mpi_coo_bilinear_pullback(spg_context *ctx, spg_mpi_plan *plan,
                                                 spg_dtype dtype, const void *x, const void *y,
                                                 double df, void *dV);

#ifdef __cplusplus
}
#endif

#endif /* SPGRAD_MPI_H */
