/* Distributed assembly and its pullback. Forward: the values of the
 * triplets in other ranks' rows go to their owners, the local plan sums
 * the concatenation in (rank, k) order. Pullback: the local plan's
 * pullback gives each triplet of the concatenation its dAx, and the same
 * segments go back to the ranks they came from. */
#include <string.h>

#include "mpi_internal.h"

static spg_status check(spg_context *ctx, spg_dtype dtype, const void *in, int64_t in_len,
                        const void *out, int64_t out_len)
{
    spg_backend backend;
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    spg_context_backend(ctx, &backend);
    if (backend != SPG_BACKEND_CPU)
        return SPG_ERR_NOT_BUILT;
    if (dtype != SPG_FLOAT && dtype != SPG_DOUBLE)
        return SPG_ERR_INVALID_VALUE;
    if ((in_len > 0 && !in) || (out_len > 0 && !out))
        return SPG_ERR_NULL_POINTER;
    return SPG_SUCCESS;
}

/* out[t] = in[k[t]], t < len */
static void gather(spg_dtype dtype, const void *in, const int64_t *k, int64_t len, void *out)
{
    if (dtype == SPG_DOUBLE)
        for (int64_t t = 0; t < len; t++)
            ((double *)out)[t] = ((const double *)in)[k[t]];
    else
        for (int64_t t = 0; t < len; t++)
            ((float *)out)[t] = ((const float *)in)[k[t]];
}

/* out[k[t]] += in[t], t < len */
static void scatter_add(spg_dtype dtype, const void *in, const int64_t *k, int64_t len, void *out)
{
    if (dtype == SPG_DOUBLE)
        for (int64_t t = 0; t < len; t++)
            ((double *)out)[k[t]] += ((const double *)in)[t];
    else
        for (int64_t t = 0; t < len; t++)
            ((float *)out)[k[t]] += ((const float *)in)[t];
}

/* x[t] = -0, t < len: the sum -0 + d is d for every d, -0 included */
static void negative_zeros(spg_dtype dtype, void *x, int64_t len)
{
    if (dtype == SPG_DOUBLE)
        for (int64_t t = 0; t < len; t++)
            ((double *)x)[t] = -0.0;
    else
        for (int64_t t = 0; t < len; t++)
            ((float *)x)[t] = -0.0f;
}

static MPI_Datatype mpi_type(spg_dtype dtype)
{
    return dtype == SPG_DOUBLE ? MPI_DOUBLE : MPI_FLOAT;
}

static size_t vsize(spg_dtype dtype)
{
    return dtype == SPG_DOUBLE ? sizeof(double) : sizeof(float);
}

spg_status spg_mpi_assemble(spg_context *ctx, spg_mpi_plan *P, spg_dtype dtype, const void *V,
                            void *Ax)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    spg_status st = check(ctx, dtype, V, P->info.nnz_coo, Ax, P->info.nnz);
    if ((st = spg_mpi_agree(P->comm, st)) != SPG_SUCCESS)
        return st;
    const int64_t nown = P->len - P->info.received;
    gather(dtype, V, P->send_k, P->info.sent, P->buf);
    spg_mpi_start(P, mpi_type(dtype), vsize(dtype), &P->recv, P->cat, &P->send, P->buf);
    gather(dtype, V, P->own_k, nown, (char *)P->cat + (size_t)P->own_off * vsize(dtype));
    spg_mpi_finish(P);
    return spg_assemble(ctx, P->local, dtype, P->cat, Ax);
}

spg_status spg_mpi_assemble_pullback(spg_context *ctx, spg_mpi_plan *P, spg_dtype dtype,
                                     const void *dAx, void *dV)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    spg_status st = check(ctx, dtype, dAx, P->info.nnz, dV, P->info.nnz_coo);
    if ((st = spg_mpi_agree(P->comm, st)) != SPG_SUCCESS)
        return st;
    const int64_t nown = P->len - P->info.received;
    negative_zeros(dtype, P->cat, P->len);
    /* cat[t] = dAx[slot(t)]; had it failed, every -0 added leaves dV as it was */
    st = spg_assemble_pullback(ctx, P->local, dtype, dAx, P->cat);
    spg_mpi_start(P, mpi_type(dtype), vsize(dtype), &P->send, P->buf, &P->recv, P->cat);
    scatter_add(dtype, (char *)P->cat + (size_t)P->own_off * vsize(dtype), P->own_k, nown, dV);
    spg_mpi_finish(P);
    scatter_add(dtype, P->buf, P->send_k, P->info.sent, dV);
    return st;
}
