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

void spg_mpi_start(const spg_mpi_plan *P, MPI_Datatype t, size_t size, const spg_mpi_route *in,
                   void *inbuf, const spg_mpi_route *out, const void *outbuf)
{
    for (int r = 0; r < in->count; r++)
        MPI_Irecv((char *)inbuf + (size_t)in->off[r] * size, in->len[r], t, in->rank[r], 0,
                  P->comm, &P->req[r]);
    for (int r = 0; r < out->count; r++)
        MPI_Isend((const char *)outbuf + (size_t)out->off[r] * size, out->len[r], t,
                  out->rank[r], 0, P->comm, &P->req[in->count + r]);
}

void spg_mpi_finish(const spg_mpi_plan *P)
{
    MPI_Waitall(P->send.count + P->recv.count, P->req, MPI_STATUSES_IGNORE);
}
