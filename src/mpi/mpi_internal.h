/* The distributed plan and the helpers its calls share (spgrad_mpi.h). */
#ifndef SPG_MPI_INTERNAL_H
#define SPG_MPI_INTERNAL_H

#include "spgrad_mpi.h"

/* Segments of a buffer, each exchanged with one rank: values
 * [off[r], off[r] + len[r]) with rank[r], r < count. */
typedef struct spg_mpi_route {
    int count;
    int *rank;
    int64_t *off;
    int *len; /* an MPI count */
} spg_mpi_route;

/* The concatenation: the triplets in this rank's rows, in (rank, k)
 * order, its own at own_off; the local plan is made over it. */
struct spg_mpi_plan {
    MPI_Comm comm;
    spg_mpi_plan_info info;
    spg_plan *local;
    int64_t len;          /* triplets of the concatenation */
    int64_t own_off;      /* where this rank's own triplets start in it */
    int64_t *own_k;       /* those triplets, in k order (info.nnz_coo at most) */
    int64_t *send_k;      /* the triplet of each sent value (info.sent) */
    spg_mpi_route send;   /* segments of buf: by destination, k order within */
    spg_mpi_route recv;   /* segments of cat from the other ranks */
    void *cat;            /* len values */
    void *buf;            /* info.sent values */
    MPI_Request *req;     /* send.count + recv.count */
};

/* The status every rank returns, from each rank's own: its own where it
 * failed, else that of the lowest failing rank. Collective. */
spg_status spg_mpi_agree(MPI_Comm comm, spg_status st);

/* Starts receiving each segment of in's buffer from its rank and sending
 * each segment of out's; values of type t, size bytes each. */
void spg_mpi_start(const spg_mpi_plan *P, MPI_Datatype t, size_t size, const spg_mpi_route *in,
                   void *inbuf, const spg_mpi_route *out, const void *outbuf);

/* Waits for what spg_mpi_start started. */
void spg_mpi_finish(const spg_mpi_plan *P);

#endif
