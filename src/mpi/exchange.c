/* What the distributed calls share: agreeing on a status, and exchanging
 * the segments of a route with non-blocking point-to-point messages on
 * the plan's own communicator (so no message meets the caller's). */
#include <limits.h>

#include "mpi_internal.h"

spg_status spg_mpi_agree(MPI_Comm comm, spg_status st)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    /* MINLOC: the lowest failing rank, carrying its status */
    int in[2] = {st != SPG_SUCCESS ? rank : INT_MAX, (int)st}, out[2];
    MPI_Allreduce(in, out, 1, MPI_2INT, MPI_MINLOC, comm);
    if (st != SPG_SUCCESS)
        return st;
    return out[0] == INT_MAX ? SPG_SUCCESS : (spg_status)out[1];
}

spg_status spg_mpi_same(MPI_Comm comm, spg_dtype dtype, spg_op op, int n,
                        const void *const *grad, const int64_t *len, int *ask)
{
    int64_t mine[4 + 2 * SPG_MPI_GRADS] = {dtype, op, -(int64_t)dtype, -(int64_t)op};
    int64_t most[4 + 2 * SPG_MPI_GRADS];
    for (int g = 0; g < n; g++) { /* asked for; refused (NULL where there is something) */
        mine[4 + 2 * g] = grad[g] != NULL;
        mine[5 + 2 * g] = grad[g] == NULL && len[g] > 0;
    }
    MPI_Allreduce(mine, most, 4 + 2 * n, MPI_INT64_T, MPI_MAX, comm);
    spg_status st = SPG_SUCCESS;
    if (most[0] != -most[2] || most[1] != -most[3])
        st = SPG_ERR_INVALID_VALUE; /* the maximum of -x is minus the minimum */
    for (int g = 0; g < n; g++) {
        ask[g] = most[4 + 2 * g] != 0;
        if (ask[g] && most[5 + 2 * g])
            st = SPG_ERR_INVALID_VALUE;
    }
    return st;
}

int spg_mpi_start(const spg_mpi_plan *P, MPI_Datatype t, size_t size, const spg_mpi_route *in,
                  void *inbuf, const spg_mpi_route *out, const void *outbuf)
{
    for (int r = 0; r < in->count; r++)
        MPI_Irecv((char *)inbuf + (size_t)in->off[r] * size, in->len[r], t, in->rank[r], 0,
                  P->comm, &P->req[r]);
    for (int r = 0; r < out->count; r++)
        MPI_Isend((const char *)outbuf + (size_t)out->off[r] * size, out->len[r], t,
                  out->rank[r], 0, P->comm, &P->req[in->count + r]);
    return in->count + out->count;
}

void spg_mpi_finish(const spg_mpi_plan *P, int requests)
{
    MPI_Waitall(requests, P->req, MPI_STATUSES_IGNORE);
}

MPI_Datatype spg_mpi_type(spg_dtype dtype)
{
    return dtype == SPG_DOUBLE ? MPI_DOUBLE : MPI_FLOAT;
}

size_t spg_mpi_vsize(spg_dtype dtype)
{
    return dtype == SPG_DOUBLE ? sizeof(double) : sizeof(float);
}

void spg_mpi_gather(spg_dtype dtype, const void *in, const int64_t *k, int64_t len, void *out)
{
    if (dtype == SPG_DOUBLE)
        for (int64_t t = 0; t < len; t++)
            ((double *)out)[t] = ((const double *)in)[k[t]];
    else
        for (int64_t t = 0; t < len; t++)
            ((float *)out)[t] = ((const float *)in)[k[t]];
}

void spg_mpi_scatter(spg_dtype dtype, const void *in, const int64_t *k, int64_t len, void *out)
{
    if (dtype == SPG_DOUBLE)
        for (int64_t t = 0; t < len; t++)
            ((double *)out)[k[t]] = ((const double *)in)[t];
    else
        for (int64_t t = 0; t < len; t++)
            ((float *)out)[k[t]] = ((const float *)in)[t];
}

void spg_mpi_scatter_add(spg_dtype dtype, const void *in, const int64_t *k, int64_t len,
                         void *out)
{
    if (dtype == SPG_DOUBLE)
        for (int64_t t = 0; t < len; t++)
            ((double *)out)[k[t]] += ((const double *)in)[t];
    else
        for (int64_t t = 0; t < len; t++)
            ((float *)out)[k[t]] += ((const float *)in)[t];
}

void spg_mpi_negative_zeros(spg_dtype dtype, void *x, int64_t len)
{
    if (dtype == SPG_DOUBLE)
        for (int64_t t = 0; t < len; t++)
            ((double *)x)[t] = -0.0;
    else
        for (int64_t t = 0; t < len; t++)
            ((float *)x)[t] = -0.0f;
}

spg_status spg_mpi_check_call(spg_context *ctx, spg_dtype dtype)
{
    spg_backend backend;
    if (!ctx)
        return SPG_ERR_NULL_POINTER;
    spg_context_backend(ctx, &backend);
    if (backend != SPG_BACKEND_CPU)
        return SPG_ERR_NOT_BUILT;
    return dtype == SPG_FLOAT || dtype == SPG_DOUBLE ? SPG_SUCCESS : SPG_ERR_INVALID_VALUE;
}
