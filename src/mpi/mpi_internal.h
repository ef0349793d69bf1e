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
 * order, its own at own_off; the local plan is made over it. The block's
 * columns: this rank's own (x entries col_begin .. col_begin + ncols - 1)
 * first, then the ghosts, the other ranks' columns it reaches, ascending. */
struct spg_mpi_plan {
    MPI_Comm comm;
    spg_mpi_plan_info info;
    spg_plan *local;
    int by_rows;          /* the local plan's view is of the block's transpose */
    int64_t len;          /* triplets of the concatenation */
    int64_t own_off;      /* where this rank's own triplets start in it */
    int64_t *own_k;       /* those triplets, in k order (info.nnz_coo at most) */
    int64_t *send_k;      /* the triplet of each sent value (info.sent) */
    spg_mpi_route send;   /* segments of buf: by destination, k order within */
    spg_mpi_route recv;   /* segments of scat (or cat) from the other ranks */
    void *cat;            /* len values */
    void *buf;            /* info.sent values */
    /* The shared part: the stored entries that received triplets reach
     * (spos, ascending) and a plan over the triplets that reach them
     * (shared), in the concatenation's order: scat is the concatenation
     * of the received triplets and the own that share their entries
     * (sown_k, at own_off), sval the part's values. NULL, 0 where nothing
     * is received, where its memory was not there, or where the part
     * would hold more than 1 / SPG_MPI_SHARED_PART of the concatenation:
     * its entries are summed twice, and beyond that the second sum costs
     * more than the wait it hides. Then the received segments are cat's. */
    spg_plan *shared;
    int64_t nspos, nsown, nscat;
    int64_t *spos, *sown_k;
    void *scat, *sval;
    int64_t *ghost;       /* global column of each ghost (info.ghosts) */
    spg_mpi_route hrecv;  /* segments of the ghosts, from their owners */
    spg_mpi_route hsend;  /* segments of hbuf, to the ranks whose ghosts they are */
    int64_t nhsend;       /* values in hbuf */
    int64_t *hsend_col;   /* this rank's column of each */
    void *hbuf;           /* nhsend values */
    void *xext, *zext;    /* ncols + ghosts values each */
    MPI_Request *req;     /* for the larger of the two exchanges */
};

#define SPG_MPI_SHARED_PART 8

/* The status every rank returns, from each rank's own: its own where it
 * failed, else that of the lowest failing rank. Collective. */
spg_status spg_mpi_agree(MPI_Comm comm, spg_status st);

/* Collective: whether every rank gives the same value type and op, and
 * asks for the same of the n gradients grad (lengths len; a NULL array
 * of length 0 asks for nothing and refuses nothing): SPG_ERR_INVALID_VALUE
 * on every rank where they differ. ask[g]: whether any rank asks for
 * gradient g, so that every rank takes part in its exchanges. */
#define SPG_MPI_GRADS 3
spg_status spg_mpi_same(MPI_Comm comm, spg_dtype dtype, spg_op op, int n,
                        const void *const *grad, const int64_t *len, int *ask);

/* Starts receiving each segment of in's buffer from its rank and sending
 * each segment of out's; values of type t, size bytes each. Returns the
 * requests started, for spg_mpi_finish. */
int spg_mpi_start(const spg_mpi_plan *P, MPI_Datatype t, size_t size, const spg_mpi_route *in,
                  void *inbuf, const spg_mpi_route *out, const void *outbuf);
void spg_mpi_finish(const spg_mpi_plan *P, int requests);

/* a[k] of an index array of type t */
static inline int64_t spg_mpi_index(spg_itype t, const void *a, int64_t k)
{
    return t == SPG_INT32 ? ((const int32_t *)a)[k] : ((const int64_t *)a)[k];
}

/* The MPI type and size of a value type. */
MPI_Datatype spg_mpi_type(spg_dtype dtype);
size_t spg_mpi_vsize(spg_dtype dtype);

/* out[t] = in[k[t]]; out[k[t]] = in[t]; out[k[t]] += in[t]; x[t] = -0
 * (t < len): the sum -0 + d is d for every d, -0 included. */
void spg_mpi_gather(spg_dtype dtype, const void *in, const int64_t *k, int64_t len, void *out);
void spg_mpi_scatter(spg_dtype dtype, const void *in, const int64_t *k, int64_t len, void *out);
void spg_mpi_scatter_add(spg_dtype dtype, const void *in, const int64_t *k, int64_t len,
                         void *out);
void spg_mpi_negative_zeros(spg_dtype dtype, void *x, int64_t len);

/* An exact sum of doubles (exact.c): spg_exact_add adds a value,
 * spg_exact_carry moves the bins into the digits and brings every digit
 * but the last into [0, 2^32) (so that the ranks' digits can be summed),
 * spg_exact_value rounds the sum of digits and non-finite values once. */
#define SPG_EXACT_DIGITS 72   /* 2^-1074 .. 2^1230: room for 2^200 sums of the largest */
#define SPG_EXACT_BINS 2046    /* the binary exponents of finite doubles */
#define SPG_EXACT_BIN_ADDS 1024
typedef struct spg_exact {
    int64_t d[SPG_EXACT_DIGITS];
    int64_t adds;                    /* into the digits since the last carry */
    double special;                  /* the sum of the non-finite values */
    int64_t bin[SPG_EXACT_BINS];     /* mantissas not yet in the digits, by exponent */
    uint16_t count[SPG_EXACT_BINS];  /* how many */
} spg_exact;

void spg_exact_add(spg_exact *x, double v);
void spg_exact_carry(spg_exact *x);
double spg_exact_value(const int64_t *digits, double special);

/* The checks of a call's context and value type, on this rank. */
spg_status spg_mpi_check_call(spg_context *ctx, spg_dtype dtype);

#endif
