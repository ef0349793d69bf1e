// The CUDA backend's operations for one value and index type (compiled once
// per type, see src/backend.h): grid-stride launches of the kernels/ bodies,
// cuSPARSE for A' x, cuBLAS for updates and scaling, CUB for the stable
// sort behind the row-compressed pattern of A x and for sums. No arithmetic
// of its own.
//
// Bytes each path moves (is: index size, vs: value size, z = nnz), against
// the minimum of spgrad bench's model (tools/model.c):
//   A x, analysed view   rowptr, colT, pos, a gathered, x, y:
//                        is (m + 1) + (2 is + vs) z + vs (n + m); 1.33x the
//                        SpMV minimum for double and int32 indices
//   A x, bare view       the analysis first: col, idx, sorted rows and pos
//                        (about 10 is z over the radix sort's passes of
//                        ceil(log2 m) / 8 bytes each), then the product
//   A' x                 cuSPARSE CSR ALG2 on A's arrays: the minimum
//   sampled outer        per entry: rowind, dA read and written, k values of
//                        U and of V, colptr in cache for the column search
//   csc_check            colptr, rowind once (and rowind[p - 1], cached)
//   assemble, pullback   seg, perm, V gathered, Ax; slot, dAx gathered, dV
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_reduce.cuh>

#include "cuda_internal.h"

extern "C" {
#include "../cpu/cpu.h" /* the host symbolic phase of this type */
}
#include "../../kernels/assemble.h"
#include "../../kernels/coo.h"
#include "../../kernels/dense.h"
#include "../../kernels/transpose.h"

#if defined(SPG_REAL_FLOAT)
static const cudaDataType spg_cuda_real = CUDA_R_32F;
#else
static const cudaDataType spg_cuda_real = CUDA_R_64F;
#endif
#if defined(SPG_INDEX_INT32)
static const cusparseIndexType_t spg_cuda_index = CUSPARSE_INDEX_32I;
#else
static const cusparseIndexType_t spg_cuda_index = CUSPARSE_INDEX_64I;
#endif

namespace {

// ---- kernels: one element body per index of a grid-stride loop ----------

__global__ void assemble_kernel(int64_t nnz, const spg_int *seg, const spg_int *perm,
                                const spg_real *V, spg_real *Ax)
{
    for (int64_t s = spg_first(); s < nnz; s += spg_stride())
        Ax[s] = spg_k_segment_sum(seg, perm, V, s);
}

__global__ void gather_kernel(int64_t N, const spg_int *slot, const spg_real *dA, spg_real *dV)
{
    for (int64_t k = spg_first(); k < N; k += spg_stride())
        spg_k_slot_gather_add(slot, dA, dV, k);
}

/* one thread per stored entry, which finds its column: coalesced, and a
 * long column is spread over many threads */
__global__ void sampled_outer_kernel(int64_t nnz, int64_t n, const spg_int *colptr,
                                     const spg_int *rowind, int64_t k, const spg_real *U,
                                     int64_t ldu, const spg_real *V, int64_t ldv,
                                     spg_real alpha, spg_real *dA)
{
    for (int64_t p = spg_first(); p < nnz; p += spg_stride())
        spg_k_entry_sampled_outer(rowind, k, U, ldu, V, ldv, alpha, dA,
                                  spg_k_entry_col(colptr, n, p), p);
}

__global__ void bilinear_terms_kernel(int64_t n, const spg_int *colptr, const spg_real *y,
                                      const spg_real *t, double *terms)
{
    for (int64_t j = spg_first(); j < n; j += spg_stride())
        terms[j] = spg_k_bilinear_term(colptr, y, t, j);
}

/* index q checks column q's bounds (q < n) and entry q (q < nnz) */
__global__ void csc_check_kernel(int64_t len, int64_t n, const spg_int *colptr,
                                 const spg_int *rowind, int64_t m, int64_t nnz, int *bad)
{
    for (int64_t q = spg_first(); q < len; q += spg_stride())
        if ((q < n && !spg_k_colptr_valid(colptr, nnz, q)) ||
            (q < nnz && !spg_k_entry_valid(colptr, rowind, m, spg_k_entry_col(colptr, n, q), q)))
            atomicExch(bad, 1);
}

/* first = the smallest key of spg_k_coo_bad_key: the first bad triplet */
__global__ void coo_check_kernel(spg_triplets t, unsigned long long *first)
{
    for (int64_t k = spg_first(); k < t.nnz; k += spg_stride()) {
        const uint64_t key = spg_k_coo_bad_key(static_cast<const spg_int *>(t.I),
                                               static_cast<const spg_int *>(t.J), k, t.base,
                                               t.skip_negative, t.m, t.n);
        if (key != UINT64_MAX)
            atomicMin(first, (unsigned long long)key);
    }
}

__global__ void coo_sampled_outer_kernel(spg_triplets t, int64_t rank, const spg_real *U,
                                         int64_t ldu, const spg_real *V, int64_t ldv,
                                         spg_real alpha, spg_real *dV)
{
    for (int64_t k = spg_first(); k < t.nnz; k += spg_stride())
        spg_k_coo_sampled_outer(static_cast<const spg_int *>(t.I),
                                static_cast<const spg_int *>(t.J), t.base, t.skip_negative, k,
                                rank, U, ldu, V, ldv, alpha, dV);
}

__global__ void block_add_kernel(int64_t m, int64_t len, const spg_real *X, int64_t ldx,
                                 spg_real *Y, int64_t ldy)
{
    for (int64_t e = spg_first(); e < len; e += spg_stride())
        spg_k_block_add(m, X, ldx, Y, ldy, e);
}

__global__ void col_fill_kernel(int64_t nnz, int64_t n, const spg_int *colptr, spg_int *col)
{
    for (int64_t p = spg_first(); p < nnz; p += spg_stride())
        spg_k_entry_col_fill(colptr, n, col, p);
}

__global__ void iota_kernel(int64_t nnz, spg_int *idx)
{
    for (int64_t p = spg_first(); p < nnz; p += spg_stride())
        spg_k_iota(idx, p);
}

__global__ void row_start_kernel(int64_t rows, const spg_int *sorted, int64_t nnz,
                                 spg_int *rowptr)
{
    for (int64_t i = spg_first(); i < rows; i += spg_stride())
        spg_k_row_start(sorted, nnz, rowptr, i);
}

__global__ void permute_kernel(int64_t nnz, const spg_int *pos, const spg_int *col,
                               spg_int *colT)
{
    for (int64_t q = spg_first(); q < nnz; q += spg_stride())
        spg_k_permute_col(pos, col, colT, q);
}

/* y = alpha A x + beta y by rows, one thread per row, each row summed in
 * ascending column order: deterministic */
__global__ void row_spmv_kernel(int64_t m, const spg_int *rowptr, const spg_int *colT,
                                const spg_int *pos, const spg_real *a, spg_real alpha,
                                const spg_real *x, spg_real beta, spg_real *y)
{
    for (int64_t i = spg_first(); i < m; i += spg_stride())
        spg_k_row_axpby(rowptr, colT, pos, a, x, alpha, beta, y, i);
}

__global__ void ones_kernel(int64_t nnz, spg_real *ones)
{
    for (int64_t p = spg_first(); p < nnz; p += spg_stride())
        spg_k_one(ones, p);
}

// ---- helpers --------------------------------------------------------------

cudaStream_t stream_of(const spg_context *ctx)
{
    return ctx->cuda->stream;
}

/* y = beta y over len values (beta == 0: zeroes, y is not read) */
spg_status scale(spg_context *ctx, double beta, void *y, int64_t len)
{
    if (len == 0 || beta == 1)
        return SPG_SUCCESS;
    if (beta == 0)
        return spg_cuda_status(
            cudaMemsetAsync(y, 0, (size_t)len * sizeof(spg_real), stream_of(ctx)));
    const spg_real b = (spg_real)beta;
    return spg_cublas_status(cublasScalEx_64(ctx->cuda->blas, len, &b, spg_cuda_real, y,
                                             spg_cuda_real, 1, spg_cuda_real));
}

/* The stored values of A, or a workspace of ones for a pattern matrix. */
spg_status values_of(spg_context *ctx, const spg_csc *A, const spg_real **a)
{
    if (A->values) {
        *a = static_cast<const spg_real *>(A->values);
        return SPG_SUCCESS;
    }
    void *ones;
    spg_status st = spg_cuda_reserve(ctx, SPG_WS_ONES, (size_t)A->nnz * sizeof(spg_real), &ones);
    if (st != SPG_SUCCESS)
        return st;
    ones_kernel<<<spg_blocks(A->nnz), SPG_BLOCK, 0, stream_of(ctx)>>>(
        A->nnz, static_cast<spg_real *>(ones));
    *a = static_cast<const spg_real *>(ones);
    return spg_cuda_launched();
}

/* y = alpha op(M) x + beta y for a CSR matrix M (rows x cols) through
 * cusparseSpMV; its buffer is the context's, reserved before y is
 * written (zeroed first for beta = 0, so that no NaN of y leaks). With
 * run 0 only the buffer is reserved, and x and y may be any device
 * arrays of the value type. */
spg_status spmv_csr(spg_context *ctx, int64_t rows, int64_t cols, int64_t nnz,
                    const void *rowptr, const void *colind, const void *val,
                    cusparseOperation_t op, cusparseSpMVAlg_t alg, double alpha, const void *x,
                    double beta, void *y, int run)
{
    const int64_t xlen = op == CUSPARSE_OPERATION_NON_TRANSPOSE ? cols : rows;
    const int64_t ylen = op == CUSPARSE_OPERATION_NON_TRANSPOSE ? rows : cols;
    const spg_real al = (spg_real)alpha, be = (spg_real)beta;
    cusparseHandle_t h = ctx->cuda->sparse;
    cusparseConstSpMatDescr_t M = NULL;
    cusparseConstDnVecDescr_t X = NULL;
    cusparseDnVecDescr_t Y = NULL;
    size_t bytes = 0;
    void *buf = NULL;
    spg_status st = spg_cusparse_status(cusparseCreateConstCsr(
        &M, rows, cols, nnz, rowptr, colind, val, spg_cuda_index, spg_cuda_index,
        CUSPARSE_INDEX_BASE_ZERO, spg_cuda_real));
    if (!st)
        st = spg_cusparse_status(cusparseCreateConstDnVec(&X, xlen, x, spg_cuda_real));
    if (!st)
        st = spg_cusparse_status(cusparseCreateDnVec(&Y, ylen, y, spg_cuda_real));
    if (!st)
        st = spg_cusparse_status(
            cusparseSpMV_bufferSize(h, op, &al, M, X, &be, Y, spg_cuda_real, alg, &bytes));
    if (!st)
        st = spg_cuda_reserve(ctx, SPG_WS_SPMV, bytes > 0 ? bytes : 1, &buf);
    if (!st && run && beta == 0)
        st = scale(ctx, 0, y, ylen);
    if (!st && run)
        st = spg_cusparse_status(cusparseSpMV(h, op, &al, M, X, &be, Y, spg_cuda_real, alg, buf));
    if (M)
        cusparseDestroySpMat(M);
    if (X)
        cusparseDestroyDnVec(X);
    if (Y)
        cusparseDestroyDnVec(Y);
    return st;
}

/* Bits of the radix sort's keys: enough for rows 0 .. m - 1. */
int row_bits(int64_t m)
{
    int bits = 1;
    while (bits < (int)(8 * sizeof(spg_int)) - 1 && ((int64_t)1 << bits) < m)
        bits++;
    return bits;
}

/* The workspace of row_pattern, reserved: each entry's column, 0 .. nnz - 1,
 * the sorted rows, and the radix sort's temporary storage (tmp_bytes). */
spg_status pattern_workspace(spg_context *ctx, const spg_csc *A, void **col, void **idx,
                             void **rows, void **tmp, size_t *tmp_bytes)
{
    const size_t ib = (size_t)(A->nnz > 0 ? A->nnz : 1) * sizeof(spg_int);
    const spg_int *rowind = static_cast<const spg_int *>(A->rowind);
    spg_status st = spg_cuda_reserve(ctx, SPG_WS_COL, ib, col);
    if (!st)
        st = spg_cuda_reserve(ctx, SPG_WS_IDX, ib, idx);
    if (!st)
        st = spg_cuda_reserve(ctx, SPG_WS_ROWS, ib, rows);
    *tmp_bytes = 0;
    if (!st) /* the query: no array is read */
        st = spg_cuda_status(cub::DeviceRadixSort::SortPairs(
            NULL, *tmp_bytes, rowind, static_cast<spg_int *>(*rows),
            static_cast<spg_int *>(*idx), static_cast<spg_int *>(*col), A->nnz, 0,
            row_bits(A->m), stream_of(ctx)));
    if (!st)
        st = spg_cuda_reserve(ctx, SPG_WS_SORT, *tmp_bytes > 0 ? *tmp_bytes : 1, tmp);
    return st;
}

/* A's row-compressed pattern into rowptr (m + 1), colT and pos (nnz): each
 * entry's column, a stable radix sort of the rows (on the bits that m
 * needs) carrying the entries' positions, then the row starts and the
 * columns in row order. Its temporaries are the context's workspace, all
 * reserved before the first launch. */
spg_status row_pattern(spg_context *ctx, const spg_csc *A, spg_int *rowptr, spg_int *colT,
                       spg_int *pos)
{
    const int64_t m = A->m, n = A->n, nnz = A->nnz;
    const int bits = row_bits(m);
    cudaStream_t s = stream_of(ctx);
    const spg_int *rowind = static_cast<const spg_int *>(A->rowind);
    void *col, *idx, *rows, *tmp;
    size_t tmp_bytes;
    spg_status st = pattern_workspace(ctx, A, &col, &idx, &rows, &tmp, &tmp_bytes);
    if (st)
        return st;
    if (nnz > 0) {
        col_fill_kernel<<<spg_blocks(nnz), SPG_BLOCK, 0, s>>>(
            nnz, n, static_cast<const spg_int *>(A->colptr), static_cast<spg_int *>(col));
        iota_kernel<<<spg_blocks(nnz), SPG_BLOCK, 0, s>>>(nnz, static_cast<spg_int *>(idx));
        st = spg_cuda_launched();
        if (!st)
            st = spg_cuda_status(cub::DeviceRadixSort::SortPairs(
                tmp, tmp_bytes, rowind, static_cast<spg_int *>(rows),
                static_cast<spg_int *>(idx), pos, nnz, 0, bits, s));
    }
    if (st)
        return st;
    row_start_kernel<<<spg_blocks(m + 1), SPG_BLOCK, 0, s>>>(
        m + 1, static_cast<const spg_int *>(rows), nnz, rowptr);
    if (nnz > 0)
        permute_kernel<<<spg_blocks(nnz), SPG_BLOCK, 0, s>>>(
            nnz, pos, static_cast<const spg_int *>(col), colT);
    return spg_cuda_launched();
}

/* Copies count elements of an index array from the device to new host
 * memory. */
spg_status download(spg_context *ctx, const void *d, int64_t count, spg_int **h)
{
    *h = static_cast<spg_int *>(spg_malloc(count, sizeof(spg_int)));
    if (!*h)
        return SPG_ERR_ALLOC;
    spg_status st = spg_cuda_status(cudaMemcpyAsync(*h, d, (size_t)count * sizeof(spg_int),
                                                    cudaMemcpyDeviceToHost, stream_of(ctx)));
    if (!st)
        st = spg_cuda_status(cudaStreamSynchronize(stream_of(ctx)));
    return st;
}

/* Moves a host index array of count elements to new device memory. */
spg_status upload(spg_context *ctx, void *h, int64_t count, void **d)
{
    const size_t bytes = (size_t)(count > 0 ? count : 1) * sizeof(spg_int);
    spg_status st = spg_cuda_alloc(d, bytes);
    if (!st && count > 0)
        st = spg_cuda_status(cudaMemcpyAsync(*d, h, (size_t)count * sizeof(spg_int),
                                             cudaMemcpyHostToDevice, stream_of(ctx)));
    return st;
}

} // namespace

// ---- the operations -------------------------------------------------------

/* The symbolic phase runs on the host from a copy of the indices; the
 * plan's arrays are then moved to the device. */
static spg_status plan_build(spg_context *ctx, const spg_triplets *t, spg_plan *plan)
{
    spg_int *I = NULL, *J = NULL;
    spg_status st = download(ctx, t->I, t->nnz, &I);
    if (!st)
        st = download(ctx, t->J, t->nnz, &J);
    spg_triplets ht = *t;
    ht.I = I;
    ht.J = J;
    spg_plan hp = *plan;
    if (!st)
        st = spg_cpu_plan_build(ctx, &ht, &hp);
    spg_free(I);
    spg_free(J);
    if (st)
        return st;
    void *host[5] = {hp.colptr, hp.rowind, hp.seg, hp.perm, hp.slot}, *dev[5] = {0};
    const int64_t count[5] = {hp.n + 1, hp.nnz, hp.nnz + 1, hp.nnz_kept, hp.nnz_coo};
    for (int a = 0; a < 5 && !st; a++)
        st = upload(ctx, host[a], count[a], &dev[a]);
    if (!st) /* the host copies are freed below */
        st = spg_cuda_status(cudaStreamSynchronize(stream_of(ctx)));
    for (int a = 0; a < 5; a++) {
        spg_free(host[a]);
        if (st)
            cudaFree(dev[a]);
    }
    if (st)
        return st;
    *plan = hp;
    plan->colptr = dev[0], plan->rowind = dev[1], plan->seg = dev[2];
    plan->perm = dev[3], plan->slot = dev[4];
    return SPG_SUCCESS;
}

static spg_status assemble(spg_context *ctx, const spg_plan *plan, const void *V, void *Ax)
{
    if (plan->nnz == 0)
        return SPG_SUCCESS;
    assemble_kernel<<<spg_blocks(plan->nnz), SPG_BLOCK, 0, stream_of(ctx)>>>(
        plan->nnz, static_cast<const spg_int *>(plan->seg),
        static_cast<const spg_int *>(plan->perm), static_cast<const spg_real *>(V),
        static_cast<spg_real *>(Ax));
    return spg_cuda_launched();
}

static spg_status assemble_pullback(spg_context *ctx, const spg_plan *plan, const void *dAx,
                                    void *dV)
{
    if (plan->nnz_coo == 0)
        return SPG_SUCCESS;
    gather_kernel<<<spg_blocks(plan->nnz_coo), SPG_BLOCK, 0, stream_of(ctx)>>>(
        plan->nnz_coo, static_cast<const spg_int *>(plan->slot),
        static_cast<const spg_real *>(dAx), static_cast<spg_real *>(dV));
    return spg_cuda_launched();
}

/* The analysis buffer: rowptr (m + 1), then colT and pos (nnz each), each
 * at a multiple of 256 bytes. */
static size_t aligned(size_t bytes)
{
    return (bytes + 255) / 256 * 256;
}

static size_t analysis_bytes(const spg_csc *A, int *ok)
{
    const int64_t most = (int64_t)(((uint64_t)INT64_MAX - 3 * 256) / 3 / sizeof(spg_int));
    *ok = A->m < most && A->nnz < most;
    if (!*ok)
        return 0;
    return aligned((size_t)(A->m + 1) * sizeof(spg_int)) +
           2 * aligned((size_t)A->nnz * sizeof(spg_int));
}

static spg_status analyse(spg_context *ctx, const spg_csc *A, void *buffer, spg_analysis *an)
{
    char *b = static_cast<char *>(buffer);
    spg_int *rowptr = reinterpret_cast<spg_int *>(b);
    b += aligned((size_t)(A->m + 1) * sizeof(spg_int));
    spg_int *colT = reinterpret_cast<spg_int *>(b);
    spg_int *pos = reinterpret_cast<spg_int *>(b + aligned((size_t)A->nnz * sizeof(spg_int)));
    spg_status st = row_pattern(ctx, A, rowptr, colT, pos);
    if (!st) /* the pattern is ready before the analysis is used */
        st = spg_cuda_status(cudaStreamSynchronize(stream_of(ctx)));
    if (st)
        return st;
    an->backend = SPG_BACKEND_CUDA;
    an->of = *A;
    an->of.values = NULL;
    an->of.analysis = NULL;
    an->rowptr = rowptr, an->colT = colT, an->pos = pos;
    return SPG_SUCCESS;
}

/* The row-compressed pattern of a view with no analysis, in the context's
 * workspace (reserved, not built). */
static spg_status bare_pattern(spg_context *ctx, const spg_csc *A, void **rowptr, void **colT,
                               void **pos)
{
    const size_t ib = (size_t)(A->nnz > 0 ? A->nnz : 1) * sizeof(spg_int);
    spg_status st =
        spg_cuda_reserve(ctx, SPG_WS_ROWPTR, (size_t)(A->m + 1) * sizeof(spg_int), rowptr);
    if (!st)
        st = spg_cuda_reserve(ctx, SPG_WS_COLT, ib, colT);
    if (!st)
        st = spg_cuda_reserve(ctx, SPG_WS_POS, ib, pos);
    return st;
}

/* y = alpha A x + beta y by rows through A's row-compressed pattern: its
 * analysis's, else one made for this call in the context's workspace (a
 * view with no analysis sorts its rows on every call). */
static spg_status spmv_rows(spg_context *ctx, const spg_csc *A, double alpha, const void *x,
                            double beta, void *y)
{
    const spg_analysis *an = spg_analysis_of(A, SPG_BACKEND_CUDA);
    void *rowptr = an ? an->rowptr : NULL, *colT = an ? an->colT : NULL;
    void *pos = an ? an->pos : NULL;
    if (!an) {
        spg_status st = bare_pattern(ctx, A, &rowptr, &colT, &pos);
        if (!st)
            st = row_pattern(ctx, A, static_cast<spg_int *>(rowptr),
                             static_cast<spg_int *>(colT), static_cast<spg_int *>(pos));
        if (st)
            return st;
    }
    row_spmv_kernel<<<spg_blocks(A->m), SPG_BLOCK, 0, stream_of(ctx)>>>(
        A->m, static_cast<const spg_int *>(rowptr), static_cast<const spg_int *>(colT),
        static_cast<const spg_int *>(pos), static_cast<const spg_real *>(A->values),
        (spg_real)alpha, static_cast<const spg_real *>(x), (spg_real)beta,
        static_cast<spg_real *>(y));
    return spg_cuda_launched();
}

/* A' x: A's CSC arrays are the CSR arrays of A' (deterministic ALG2).
 * A x: by rows (deterministic), or with atomics allowed the transposed
 * product on A' directly. Every buffer is reserved before y is written. */
static spg_status spmv(spg_context *ctx, const spg_csc *A, spg_op op, double alpha,
                       const void *x, double beta, void *y)
{
    const int64_t ylen = op == SPG_OP_N ? A->m : A->n, xlen = op == SPG_OP_N ? A->n : A->m;
    if (A->nnz == 0 || xlen == 0)
        return scale(ctx, beta, y, ylen);
    if (op == SPG_OP_N && !ctx->atomics)
        return spmv_rows(ctx, A, alpha, x, beta, y);
    const spg_real *a = NULL;
    spg_status st = values_of(ctx, A, &a);
    if (st)
        return st;
    if (op == SPG_OP_T)
        return spmv_csr(ctx, A->n, A->m, A->nnz, A->colptr, A->rowind, a,
                        CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_SPMV_CSR_ALG2, alpha, x, beta,
                        y, 1);
    return spmv_csr(ctx, A->n, A->m, A->nnz, A->colptr, A->rowind, a,
                    CUSPARSE_OPERATION_TRANSPOSE, CUSPARSE_SPMV_CSR_ALG1, alpha, x, beta, y, 1);
}

/* The workspace of a sum of len doubles, reserved: the result first, the
 * reduction's temporary storage (bytes) 256 bytes on (aligned). */
static spg_status sum_workspace(spg_context *ctx, int64_t len, void **tmp, size_t *bytes)
{
    *bytes = 0;
    spg_status st = spg_cuda_status(cub::DeviceReduce::Sum(
        NULL, *bytes, static_cast<const double *>(NULL), static_cast<double *>(NULL), len,
        stream_of(ctx)));
    return st ? st : spg_cuda_reserve(ctx, SPG_WS_REDUCE, *bytes + 256, tmp);
}

/* Sums len doubles on the device into *sum on the host: CUB's reduction,
 * the same tree every run. */
static spg_status device_sum(spg_context *ctx, const double *terms, int64_t len, double *sum)
{
    size_t bytes;
    void *tmp;
    cudaStream_t s = stream_of(ctx);
    spg_status st = sum_workspace(ctx, len, &tmp, &bytes);
    double *result = static_cast<double *>(tmp);
    if (!st)
        st = spg_cuda_status(cub::DeviceReduce::Sum(static_cast<char *>(tmp) + 256, bytes, terms,
                                                    result, len, s));
    if (!st)
        st = spg_cuda_status(
            cudaMemcpyAsync(sum, result, sizeof *sum, cudaMemcpyDeviceToHost, s));
    if (!st)
        st = spg_cuda_status(cudaStreamSynchronize(s));
    return st;
}

/* The vectors of the bilinear pass, reserved: t = A' x and the column
 * terms. */
static spg_status pass_workspace(spg_context *ctx, int64_t n, void **t, void **terms)
{
    const size_t len = (size_t)(n > 0 ? n : 1);
    spg_status st = spg_cuda_reserve(ctx, SPG_WS_VEC, len * sizeof(spg_real), t);
    return st ? st : spg_cuda_reserve(ctx, SPG_WS_TERMS, len * sizeof(double), terms);
}

/* t = A' x (cuSPARSE); f = sum of the column terms y_j t_j (kernel, CUB);
 * dy += t (cuBLAS); dA += x y' (kernel) */
static spg_status bilinear_pass(spg_context *ctx, const spg_csc *A, const void *x,
                                const void *y, void *dA, void *dy, double *f)
{
    const int64_t n = A->n;
    void *t, *terms;
    spg_status st = pass_workspace(ctx, n, &t, &terms);
    if (!st)
        st = spmv(ctx, A, SPG_OP_T, 1.0, x, 0.0, t);
    double sum = 0;
    if (!st && n > 0) {
        bilinear_terms_kernel<<<spg_blocks(n), SPG_BLOCK, 0, stream_of(ctx)>>>(
            n, static_cast<const spg_int *>(A->colptr), static_cast<const spg_real *>(y),
            static_cast<const spg_real *>(t), static_cast<double *>(terms));
        st = spg_cuda_launched();
        if (!st)
            st = device_sum(ctx, static_cast<const double *>(terms), n, &sum);
    }
    const spg_real one = 1;
    if (!st && dy && n > 0)
        st = spg_cublas_status(cublasAxpyEx_64(ctx->cuda->blas, n, &one, spg_cuda_real, t,
                                               spg_cuda_real, 1, dy, spg_cuda_real, 1,
                                               spg_cuda_real));
    if (!st && dA && A->nnz > 0) {
        sampled_outer_kernel<<<spg_blocks(A->nnz), SPG_BLOCK, 0, stream_of(ctx)>>>(
            A->nnz, n, static_cast<const spg_int *>(A->colptr),
            static_cast<const spg_int *>(A->rowind), 1, static_cast<const spg_real *>(x), 0,
            static_cast<const spg_real *>(y), 0, 1, static_cast<spg_real *>(dA));
        st = spg_cuda_launched();
    }
    if (!st)
        *f = sum;
    return st;
}

static spg_status sampled_outer(spg_context *ctx, const spg_csc *A, int64_t k, const void *U,
                                int64_t ldu, const void *V, int64_t ldv, double alpha, void *dA)
{
    if (A->nnz == 0)
        return SPG_SUCCESS;
    sampled_outer_kernel<<<spg_blocks(A->nnz), SPG_BLOCK, 0, stream_of(ctx)>>>(
        A->nnz, A->n, static_cast<const spg_int *>(A->colptr),
        static_cast<const spg_int *>(A->rowind), k, static_cast<const spg_real *>(U), ldu,
        static_cast<const spg_real *>(V), ldv, (spg_real)alpha, static_cast<spg_real *>(dA));
    return spg_cuda_launched();
}

static spg_status csc_check(spg_context *ctx, const spg_csc *A)
{
    spg_int ends[2];
    const spg_int *colptr = static_cast<const spg_int *>(A->colptr);
    spg_status st = spg_cuda_status(cudaMemcpyAsync(&ends[0], colptr, sizeof(spg_int),
                                                    cudaMemcpyDeviceToHost, stream_of(ctx)));
    if (!st)
        st = spg_cuda_status(cudaMemcpyAsync(&ends[1], colptr + A->n, sizeof(spg_int),
                                             cudaMemcpyDeviceToHost, stream_of(ctx)));
    int bad = 0;
    if (!st)
        st = spg_cuda_reduce_flag(ctx, 0, &bad, [&](int *flag) {
            const int64_t len = A->n > A->nnz ? A->n : A->nnz;
            csc_check_kernel<<<spg_blocks(len), SPG_BLOCK, 0, stream_of(ctx)>>>(
                len, A->n, colptr, static_cast<const spg_int *>(A->rowind), A->m, A->nnz, flag);
        });
    if (st)
        return st;
    return ends[0] != 0 || ends[1] != A->nnz || bad ? SPG_ERR_INVALID_MATRIX : SPG_SUCCESS;
}

/* The status of the first bad triplet in triplet order, as on the CPU */
static spg_status coo_check(spg_context *ctx, const spg_triplets *t)
{
    const unsigned long long none = ~0ull;
    unsigned long long first = none;
    spg_status st = SPG_SUCCESS;
    if (t->nnz > 0)
        st = spg_cuda_reduce_flag(ctx, none, &first, [&](unsigned long long *flag) {
            coo_check_kernel<<<spg_blocks(t->nnz), SPG_BLOCK, 0, stream_of(ctx)>>>(*t, flag);
        });
    return st ? st : spg_bad_key_status(first);
}

static spg_status coo_sampled_outer(spg_context *ctx, const spg_triplets *t, int64_t k,
                                    const void *U, int64_t ldu, const void *V, int64_t ldv,
                                    double alpha, void *dV)
{
    coo_sampled_outer_kernel<<<spg_blocks(t->nnz), SPG_BLOCK, 0, stream_of(ctx)>>>(
        *t, k, static_cast<const spg_real *>(U), ldu, static_cast<const spg_real *>(V), ldv,
        (spg_real)alpha, static_cast<spg_real *>(dV));
    return spg_cuda_launched();
}

static spg_status block_add(spg_context *ctx, int64_t m, int64_t k, const void *X, int64_t ldx,
                            void *Y, int64_t ldy)
{
    block_add_kernel<<<spg_blocks(m * k), SPG_BLOCK, 0, stream_of(ctx)>>>(
        m, m * k, static_cast<const spg_real *>(X), ldx, static_cast<spg_real *>(Y), ldy);
    return spg_cuda_launched();
}

/* Reserves what the operations in need (SPG_NEED_*) will use on A, so that
 * a call that runs several of them allocates nothing after its first
 * write. Reserving more than a run uses costs only memory. */
static spg_status prepare(spg_context *ctx, const spg_csc *A, unsigned need)
{
    const spg_real *a = NULL;
    void *p[4];
    size_t bytes;
    const int by_rows = (need & SPG_NEED_N) && !ctx->atomics;
    const int csr_n = (need & SPG_NEED_N) && ctx->atomics;
    const int csr_t = (need & (SPG_NEED_T | SPG_NEED_PASS)) != 0;
    spg_status st = SPG_SUCCESS;
    if (A->nnz > 0 && (csr_n || csr_t))
        st = values_of(ctx, A, &a);
    if (!st && A->nnz > 0 && csr_t) /* x and y: a, whose length does not matter here */
        st = spmv_csr(ctx, A->n, A->m, A->nnz, A->colptr, A->rowind, a,
                      CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_SPMV_CSR_ALG2, 1, a, 0,
                      const_cast<spg_real *>(a), 0);
    if (!st && A->nnz > 0 && csr_n)
        st = spmv_csr(ctx, A->n, A->m, A->nnz, A->colptr, A->rowind, a,
                      CUSPARSE_OPERATION_TRANSPOSE, CUSPARSE_SPMV_CSR_ALG1, 1, a, 0,
                      const_cast<spg_real *>(a), 0);
    if (!st && A->nnz > 0 && by_rows && !spg_analysis_of(A, SPG_BACKEND_CUDA)) {
        st = bare_pattern(ctx, A, &p[0], &p[1], &p[2]);
        if (!st)
            st = pattern_workspace(ctx, A, &p[0], &p[1], &p[2], &p[3], &bytes);
    }
    if (!st && (need & SPG_NEED_PASS))
        st = pass_workspace(ctx, A->n, &p[0], &p[1]);
    if (!st && (need & SPG_NEED_PASS) && A->n > 0)
        st = sum_workspace(ctx, A->n, &p[0], &bytes);
    return st;
}

/* Named fields, in the order of struct spg_ops (as C++ wants them); each
 * operation runs under its context's lock (cuda_internal.h). */
extern "C" const spg_ops SPG_TYPED(spg_cuda_ops) = {
    .plan_build = locked<plan_build>::call,
    .plan_build_assemble = nullptr, /* the dispatch runs plan_build, then assemble */
    .analysis_bytes = analysis_bytes,
    .analyse = locked<analyse>::call,
    .assemble = locked<assemble>::call,
    .assemble_pullback = locked<assemble_pullback>::call,
    .spmv = locked<spmv>::call,
    .spmv_t_outer = nullptr, /* the dispatch runs spmv, then sampled_outer */
    .bilinear_pass = locked<bilinear_pass>::call,
    .sampled_outer = locked<sampled_outer>::call,
    .csc_check = locked<csc_check>::call,
    .coo_check = locked<coo_check>::call,
    .coo_sampled_outer = locked<coo_sampled_outer>::call,
    .bilinear_fused = nullptr, /* the dispatch runs bilinear_pass, spmv and sampled_outer */
    .block_add = locked<block_add>::call,
    .prepare = locked<prepare>::call,
};
