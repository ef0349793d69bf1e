/* COO views as the plans and the COO pullbacks read them. */
#include "internal.h"

spg_status spg_coo_triplets(const spg_coo *coo, unsigned flags, unsigned allowed,
                            spg_triplets *t)
{
    if (!coo)
        return SPG_ERR_NULL_POINTER;
    if ((coo->itype != SPG_INT32 && coo->itype != SPG_INT64) || (flags & ~allowed) ||
        coo->nnz < 0)
        return SPG_ERR_INVALID_VALUE;
    /* colptr holds n + 1 entries, so n + 1 must be representable */
    if (coo->m < 0 || coo->n < 0 || coo->m == INT64_MAX || coo->n == INT64_MAX)
        return SPG_ERR_DIMENSION;
    if (coo->nnz > 0 && (!coo->I || !coo->J))
        return SPG_ERR_NULL_POINTER;
    if (coo->nnz > spg_index_max(coo->itype))
        return SPG_ERR_INDEX_OVERFLOW;
    const int by_rows = (flags & SPG_COMPRESS_ROWS) != 0;
    *t = (spg_triplets){
        .m = by_rows ? coo->n : coo->m,
        .n = by_rows ? coo->m : coo->n,
        .nnz = coo->nnz,
        .I = by_rows ? coo->J : coo->I,
        .J = by_rows ? coo->I : coo->J,
        .base = (flags & SPG_ONE_BASED) ? 1 : 0,
        .skip_negative = (flags & SPG_SKIP_NEGATIVE) != 0,
    };
    return SPG_SUCCESS;
}

spg_status spg_coo_pullback_triplets(const spg_coo *coo, unsigned flags, spg_triplets *t)
{
    /* SPG_COMPRESS_ROWS is a plan's layout: the triplets' pullback is the same */
    return spg_coo_triplets(coo, flags & ~SPG_COMPRESS_ROWS, SPG_ONE_BASED | SPG_SKIP_NEGATIVE,
                            t);
}
