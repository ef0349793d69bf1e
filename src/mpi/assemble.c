/* Distributed assembly and its pullback. Forward: the values of the
 * triplets in other ranks' rows go to their owners, and the local plan
 * sums the concatenation in (rank, k) order. With a shared part, it sums
 * while they travel, and the shared part's plan sums again, once they are
 * in, the entries they reach. Pullback: each received triplet gets its
 * dAx (from the shared part's pullback, or the local plan's) and sends it
 * back to the rank it came from, while the own triplets get theirs. */
#include "mpi_internal.h"

/* Collective: the same value type on every rank, then each rank's
 * context and arrays (in of in_len values, out of out_len), agreed. */
static spg_status check(spg_context *ctx, const spg_mpi_plan *P, spg_dtype dtype, const void *in,
                        int64_t in_len, const void *out, int64_t out_len)
{
    spg_status st = spg_mpi_same(P->comm, dtype, SPG_OP_N, 0, NULL, NULL, NULL);
    if (st == SPG_SUCCESS)
        st = spg_mpi_check_call(ctx, dtype);
    if (st == SPG_SUCCESS && ((in_len > 0 && !in) || (out_len > 0 && !out)))
        st = SPG_ERR_NULL_POINTER;
    return spg_mpi_agree(P->comm, st);
}

spg_status spg_mpi_assemble(spg_context *ctx, spg_mpi_plan *P, spg_dtype dtype, const void *V,
                            void *Ax)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    spg_status st = check(ctx, P, dtype, V, P->info.nnz_coo, Ax, P->info.nnz);
    if (st != SPG_SUCCESS)
        return st;
    const int64_t nown = P->len - P->info.received;
    const size_t vs = spg_mpi_vsize(dtype);
    void *in = P->shared ? P->scat : P->cat;
    spg_mpi_gather(dtype, V, P->send_k, P->info.sent, P->buf);
    const int n = spg_mpi_start(P, spg_mpi_type(dtype), vs, &P->recv, in, &P->send, P->buf);
    spg_mpi_gather(dtype, V, P->own_k, nown, (char *)P->cat + (size_t)P->own_off * vs);
    if (!P->shared) {
        spg_mpi_finish(P, n);
        return spg_assemble(ctx, P->local, dtype, P->cat, Ax);
    }
    /* while they travel: every entry, the shared ones wrong until below */
    st = spg_assemble(ctx, P->local, dtype, P->cat, Ax);
    spg_mpi_gather(dtype, V, P->sown_k, P->nsown, (char *)P->scat + (size_t)P->own_off * vs);
    spg_mpi_finish(P, n);
    if (st == SPG_SUCCESS)
        st = spg_assemble(ctx, P->shared, dtype, P->scat, P->sval);
    if (st == SPG_SUCCESS)
        spg_mpi_scatter(dtype, P->sval, P->spos, P->nspos, Ax);
    return st;
}

spg_status spg_mpi_assemble_pullback(spg_context *ctx, spg_mpi_plan *P, spg_dtype dtype,
                                     const void *dAx, void *dV)
{
    if (!P)
        return SPG_ERR_NULL_POINTER;
    spg_status st = check(ctx, P, dtype, dAx, P->info.nnz, dV, P->info.nnz_coo);
    if (st != SPG_SUCCESS)
        return st;
    const int64_t nown = P->len - P->info.received;
    const size_t vs = spg_mpi_vsize(dtype);
    /* out[t] = dAx[slot(t)] for the received triplets first; had it
     * failed, every -0 added leaves dV as it was */
    void *out = P->shared ? P->scat : P->cat;
    if (P->shared)
        spg_mpi_gather(dtype, dAx, P->spos, P->nspos, P->sval);
    spg_mpi_negative_zeros(dtype, out, P->shared ? P->nscat : P->len);
    st = P->shared ? spg_assemble_pullback(ctx, P->shared, dtype, P->sval, P->scat)
                   : spg_assemble_pullback(ctx, P->local, dtype, dAx, P->cat);
    const int n = spg_mpi_start(P, spg_mpi_type(dtype), vs, &P->send, P->buf, &P->recv, out);
    if (P->shared) { /* while they travel: the own triplets' */
        spg_mpi_negative_zeros(dtype, P->cat, P->len);
        if (st == SPG_SUCCESS)
            st = spg_assemble_pullback(ctx, P->local, dtype, dAx, P->cat);
    }
    spg_mpi_scatter_add(dtype, (char *)P->cat + (size_t)P->own_off * vs, P->own_k, nown, dV);
    spg_mpi_finish(P, n);
    spg_mpi_scatter_add(dtype, P->buf, P->send_k, P->info.sent, dV);
    return st;
}
