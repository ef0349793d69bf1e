/* Library internals shared by the dispatch layer and the backends. */
#ifndef SPG_INTERNAL_H
#define SPG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "spgrad.h"

struct spg_cuda_state; /* handles, stream and workspace: src/cuda/context.cu */

struct spg_context {
    spg_backend backend;
    int nthreads;                /* CPU: 0 is OpenMP's choice */
    int atomics;                 /* CUDA: floating-point atomics allowed */
    struct spg_cuda_state *cuda; /* CUDA: NULL on the CPU */
};

/* The CPU backend cuts a range into at most this many chunks, fixed by
 * its length alone (src/cpu/cpu.h). */
#define SPG_CHUNKS 256

/* What a backend knows of a CSC pattern beyond its arrays, made with a
 * plan (spg_plan_csc gives it to the plan's views) or by spg_csc_analyse:
 * the pattern it describes (the view's arrays and sizes; its values are
 * not used) and
 * - on the CPU, the smallest and largest row of each fixed chunk of
 *   columns (lo > hi for a chunk with no entry);
 * - on CUDA, the row-compressed pattern in device memory: rowptr (m + 1),
 *   and for the entries in row order, their columns colT and their
 *   positions pos in A (nnz each).
 * buffer is the memory of those arrays that a plan owns and frees. */
struct spg_analysis {
    spg_backend backend; /* whose it is */
    spg_csc of;
    int64_t lo[SPG_CHUNKS], hi[SPG_CHUNKS];
    void *rowptr, *colT, *pos;
    void *buffer;
};

/* A's analysis by backend be where it describes A's pattern, else NULL (a
 * view filled by hand, or changed since). */
static inline const spg_analysis *spg_analysis_of(const spg_csc *A, spg_backend be)
{
    const spg_analysis *an = A->analysis;
    if (an && an->backend == be && an->of.colptr == A->colptr && an->of.rowind == A->rowind &&
        an->of.m == A->m && an->of.n == A->n && an->of.nnz == A->nnz &&
        an->of.itype == A->itype)
        return an;
    return NULL;
}

/* The symbolic analysis of a COO pattern. Index arrays have the plan's
 * itype. For SPG_COMPRESS_ROWS plans everything below describes A'. */
struct spg_plan {
    spg_backend backend;
    spg_itype itype;
    unsigned flags;
    int64_t m, n;     /* shape of the compressed matrix (A, or A' by rows) */
    int64_t nnz_coo;  /* triplets given */
    int64_t nnz_kept; /* triplets kept (not skipped) */
    int64_t nnz;      /* stored entries */
    void *colptr;     /* n + 1 */
    void *rowind;     /* nnz: rows, sorted and unique in each column */
    void *seg;        /* nnz + 1: entry s sums perm[seg[s] .. seg[s+1]-1] */
    void *perm;       /* nnz_kept: triplets in entry order, stable */
    void *slot;       /* nnz_coo: entry of each triplet, -1 when skipped */
    void *values;     /* nnz: spg_plan_create_assemble's first values, else NULL */
    spg_analysis analysis; /* analysis.of.colptr NULL where the backend makes none */
};

/* Triplets as the backends see them: validated view, base and skip flag;
 * for SPG_COMPRESS_ROWS plans I and J (and m and n) are swapped, so that
 * compression is always by columns. */
typedef struct spg_triplets {
    int64_t m, n, nnz;
    const void *I, *J;
    int base;           /* 1 for one-based indices */
    int skip_negative;  /* drop triplets with a negative row or column */
} spg_triplets;

/* The O(1) checks of a COO view and its flags (allowed: the flags that
 * mean something to the call), and its triplets as the backends see them. */
spg_status spg_coo_triplets(const spg_coo *coo, unsigned flags, unsigned allowed,
                            spg_triplets *t);
/* The same for the COO pullbacks: flags SPG_ONE_BASED and SPG_SKIP_NEGATIVE,
 * and SPG_COMPRESS_ROWS, a plan's layout, which changes nothing here. */
spg_status spg_coo_pullback_triplets(const spg_coo *coo, unsigned flags, spg_triplets *t);

/* The O(1) checks of a CSC view; its arrays are trusted (spg_csc_check
 * reads them). */
spg_status spg_csc_view_ok(const spg_csc *A);

/* Allocation goes through these, so that tests can make them fail. They
 * take an element count and size, give NULL when count is negative or the
 * bytes overflow, and accept count 0. spg_calloc zeroes. */
void *spg_malloc(int64_t count, size_t size);
void *spg_calloc(int64_t count, size_t size);
void spg_free(void *p);
/* The bytes of an allocation of count elements of size bytes, with *ok 0
 * where it cannot be made (negative, overflow, or failed by the test hook):
 * every allocation asks this first. */
size_t spg_bytes_of(int64_t count, size_t size, int *ok);

/* Largest count an index type holds. */
int64_t spg_index_max(spg_itype itype);

/* Bytes of a value and of an index of the given types. */
static inline size_t spg_value_size(spg_dtype dtype)
{
    return dtype == SPG_DOUBLE ? sizeof(double) : sizeof(float);
}

static inline size_t spg_index_size(spg_itype itype)
{
    return itype == SPG_INT32 ? sizeof(int32_t) : sizeof(int64_t);
}

/* SPG_ERR_DIMENSION unless U (m x k, leading dimension ldu) and V (n x k,
 * ldv) are laid out in a way whose every index fits in 64 bits. */
static inline spg_status spg_check_ld(int64_t m, int64_t n, int64_t k, int64_t ldu, int64_t ldv)
{
    if (ldu < m || ldv < n || ldu < 1 || ldv < 1 ||
        (k > 0 && (ldu > INT64_MAX / k || ldv > INT64_MAX / k)))
        return SPG_ERR_DIMENSION;
    return SPG_SUCCESS;
}

/* The status of a CUDA context from what the runtime reports: devices
 * counted (counted 0: the count failed, other than for finding no
 * device), and the driver's version (0: no driver). No driver or no device is SPG_ERR_NO_DEVICE; a driver that is
 * there but cannot serve the runtime (older than it) is SPG_ERR_DEVICE,
 * so that a GPU node with a broken installation fails its GPU tests
 * instead of skipping them. */
static inline spg_status spg_device_probe(int counted, int devices, int driver_version)
{
    if (counted && devices > 0)
        return SPG_SUCCESS;
    return counted || driver_version == 0 ? SPG_ERR_NO_DEVICE : SPG_ERR_DEVICE;
}

/* An array of count elements of size bytes in the context's memory (host
 * for the CPU, device for CUDA: on the context's device), or NULL; freed by
 * spg_backend_free. */
void *spg_backend_malloc(const spg_context *ctx, int64_t count, size_t size);
/* Frees an array allocated by a backend (plans' arrays). */
void spg_backend_free(spg_backend backend, void *p);
/* dst = src, bytes in the memory of ctx's backend. */
spg_status spg_backend_copy(spg_context *ctx, void *dst, const void *src, size_t bytes);
/* *same = whether bytes at a and b, in the memory of ctx's backend, are equal. */
spg_status spg_backend_same(spg_context *ctx, const void *a, const void *b, size_t bytes,
                            int *same);

/* The thread count a CPU loop of this context uses (at least 1). */
int spg_threads(const spg_context *ctx);

#endif /* SPG_INTERNAL_H */
