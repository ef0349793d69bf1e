/* spgrad over MPI: assembly and its pullback for triplets spread over the
 * ranks of a communicator, with A distributed by contiguous blocks of rows.
 * Its own header and library (spgrad_mpi), so that spgrad.h names no MPI
 * type; built where CMake finds MPI (SPGRAD_MPI).
 *
 * Layout: rank p owns the rows [row_begin, row_end) of the m x n matrix,
 * the ranks' row counts taken in rank order (as PETSc's layouts). Its
 * block of A is a local plan's matrix: rows - row_begin, global columns,
 * by columns or, with SPG_COMPRESS_ROWS, by rows (whose row starts take
 * rows + 1 indices, where a block by columns takes n + 1).
 *
 * Bits: the ranks' triplets, concatenated in rank order, are the triplets
 * of one matrix. Each stored entry is the sum of its triplets in that
 * order, wherever they were given: a rank's block is bitwise the block of
 * a one-rank plan of the concatenation, for any number of ranks and
 * threads, and so is each dV of the pullback.
 *
 * Collective calls: every rank of the plan's communicator makes the call,
 * with its own arguments. Arguments are checked on every rank before
 * anything is exchanged or written; where they are bad on any rank, the
 * call fails on every rank: a rank whose own arguments are bad returns
 * their status, the others that of the lowest such rank. A NULL plan
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
 * the same on every rank. rows: how many rows this rank owns; the counts
 * add up to m. flags: SPG_ONE_BASED, SPG_SKIP_NEGATIVE and
 * SPG_COMPRESS_ROWS as for spg_plan_create, the same on every rank. Its
 * bad triplets are reported as spg_plan_create reports them. Its memory:
 * the local plan, two indices per triplet, the exchange buffers (a double
 * per triplet sent and per triplet of its rows) and O(ranks) counts. */
SPG_API spg_status spg_mpi_plan_create(spg_context *ctx, MPI_Comm comm, const spg_coo *coo,
                                       int64_t rows, unsigned flags, spg_mpi_plan **plan);

/* Collective (frees the plan's communicator); NULL is a no-op. */
SPG_API void spg_mpi_plan_destroy(spg_mpi_plan *plan);

/* What a distributed plan holds on this rank. */
typedef struct spg_mpi_plan_info {
    int64_t row_begin, row_end; /* the rows it owns */
    int64_t nnz;                /* stored entries of its block: the length of Ax */
    int64_t nnz_coo;            /* its triplets: the length of V and dV */
    int64_t sent;               /* its kept triplets in other ranks' rows */
    int64_t received;           /* other ranks' triplets in its rows */
    int sends, receives;        /* ranks it sends to and receives from */
} spg_mpi_plan_info;

SPG_API spg_status spg_mpi_plan_query(const spg_mpi_plan *plan, spg_mpi_plan_info *info);

/* The view of this rank's block around the caller's values (length
 * info.nnz), as spg_plan_csc gives it: (row_end - row_begin) x n, or its
 * transpose with SPG_COMPRESS_ROWS. */
SPG_API spg_status spg_mpi_plan_csc(const spg_mpi_plan *plan, spg_dtype dtype, const void *values,
                                    spg_csc *A);

/* Collective. Ax[s] = sum of V[k] over every rank's triplets k of this
 * rank's stored entry s, in (rank, k) order (overwrites). */
SPG_API spg_status spg_mpi_assemble(spg_context *ctx, spg_mpi_plan *plan, spg_dtype dtype,
                                    const void *V, void *Ax);

/* Collective. dV[k] += dAx[slot(k)], dAx on the rank that owns triplet
 * k's row; skipped triplets are left as they are. Moves the bytes of
 * spg_mpi_assemble, the other way. */
SPG_API spg_status spg_mpi_assemble_pullback(spg_context *ctx, spg_mpi_plan *plan,
                                             spg_dtype dtype, const void *dAx, void *dV);

#ifdef __cplusplus
}
#endif

#endif /* SPGRAD_MPI_H */
