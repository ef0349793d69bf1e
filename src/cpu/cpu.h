/* The CPU backend: OpenMP loops over the kernels/ bodies. The operations
 * on values are compiled once per value and index type (SPG_SUFFIX, such as
 * f64_i32), the symbolic phase and the structure checks once per index type
 * (SPG_ISUFFIX, i32 or i64); see src/backend.h. */
#ifndef SPG_CPU_H
#define SPG_CPU_H

#include "../backend.h"

#ifdef _OPENMP
#include <omp.h>
#endif

extern const spg_ops spg_cpu_ops_f32_i32, spg_cpu_ops_f32_i64, spg_cpu_ops_f64_i32,
    spg_cpu_ops_f64_i64;

/* Plain names at the definitions and calls, typed names for the linker, as
 * CXSparse's cs.h does: in the f64_i32 instance spg_cpu_spmv is
 * spg_cpu_spmv_f64_i32, and spg_cpu_plan_build is spg_cpu_plan_build_i32. */
#ifdef SPG_ISUFFIX
#define spg_cpu_plan_build SPG_ITYPED(spg_cpu_plan_build)
#define spg_cpu_plan_first SPG_ITYPED(spg_cpu_plan_first)
#define spg_cpu_csc_check SPG_ITYPED(spg_cpu_csc_check)
#define spg_cpu_coo_check SPG_ITYPED(spg_cpu_coo_check)

#define spg_cpu_sort64 SPG_ITYPED(spg_cpu_sort64)
#define spg_cpu_segments SPG_ITYPED(spg_cpu_segments)

#include "../../kernels/spg_types.h"

spg_status spg_cpu_plan_build(spg_context *ctx, const spg_triplets *t, spg_plan *plan);
/* The first values of a plan made by spg_cpu_plan_first: V, the bytes of
 * a value, and the sums of the entries [a, b) into Ax, given seg up to
 * entry b - 1 and the end of entry b - 1's segment. */
typedef struct spg_cpu_first {
    const void *V;
    size_t size;
    void (*sums)(const spg_int *seg, const spg_int *perm, spg_int end, const void *V, void *Ax,
                 int64_t a, int64_t b);
} spg_cpu_first;
/* spg_cpu_plan_build, and plan->values made by assemble while each
 * column's triplets are in cache: the half of spg_cpu_plan_build_assemble
 * compiled per index type only, as the rest of the plan is. */
spg_status spg_cpu_plan_first(spg_context *ctx, const spg_triplets *t,
                              const spg_cpu_first *assemble, spg_plan *plan);
spg_status spg_cpu_csc_check(spg_context *ctx, const spg_csc *A);
spg_status spg_cpu_coo_check(spg_context *ctx, const spg_triplets *t);
/* Sorts the pairs (r_q, k_q), 1 <= len <= 64, k ascending, by row, as
 * sort_column in symbolic.c does, with the instructions of simd (at most
 * spg_cpu_simd()); 0, with the pairs untouched, where it cannot (no SIMD
 * built or given, rows spanning 2^25 - 1 or more). */
int spg_cpu_sort64(spg_int *r, spg_int *k, int64_t len, int simd);
/* The entries of columns j0 to j1 - 1, column j's rows sorted in
 * row[start[j]] to row[start[j + 1] - 1]: each run of equal rows is an
 * entry (column j's from colptr[j] on), its row written to rowind and its
 * first place to seg; with AVX-512 where simd (at most spg_cpu_simd())
 * has it and indices are 32-bit. */
void spg_cpu_segments(const spg_int *row, const spg_int *start, const spg_int *colptr, int64_t j0,
                      int64_t j1, spg_int *rowind, spg_int *seg, int simd);
#endif

/* The vector instructions the CPU plan and the sampled outer product may
 * use: the processor's, as far as the test hook allows. */
enum { SPG_SIMD_NONE = 0, SPG_SIMD_AVX2 = 1, SPG_SIMD_AVX512 = 2 };
int spg_cpu_simd(void);

#ifdef SPG_SUFFIX
#define spg_cpu_analyse SPG_TYPED(spg_cpu_analyse)
#define spg_cpu_analysis_bytes SPG_TYPED(spg_cpu_analysis_bytes)
#define spg_cpu_assemble SPG_TYPED(spg_cpu_assemble)
#define spg_cpu_plan_build_assemble SPG_TYPED(spg_cpu_plan_build_assemble)
#define spg_cpu_assemble_pullback SPG_TYPED(spg_cpu_assemble_pullback)
#define spg_cpu_spmv SPG_TYPED(spg_cpu_spmv)
#define spg_cpu_spmv_t_outer SPG_TYPED(spg_cpu_spmv_t_outer)
#define spg_cpu_bilinear_pass SPG_TYPED(spg_cpu_bilinear_pass)
#define spg_cpu_bilinear_fused SPG_TYPED(spg_cpu_bilinear_fused)
#define spg_cpu_sampled_outer SPG_TYPED(spg_cpu_sampled_outer)
#define spg_cpu_coo_sampled_outer SPG_TYPED(spg_cpu_coo_sampled_outer)
#define spg_cpu_block_add SPG_TYPED(spg_cpu_block_add)
#define spg_cpu_outer_ring SPG_TYPED(spg_cpu_outer_ring)
#define spg_cpu_outer_rows SPG_TYPED(spg_cpu_outer_rows)

size_t spg_cpu_analysis_bytes(const spg_csc *A, int *ok);
spg_status spg_cpu_analyse(spg_context *ctx, const spg_csc *A, void *buffer, spg_analysis *an);
spg_status spg_cpu_assemble(spg_context *ctx, const spg_plan *plan, const void *V, void *Ax);
spg_status spg_cpu_plan_build_assemble(spg_context *ctx, const spg_triplets *t, const void *V,
                                       spg_plan *plan);
spg_status spg_cpu_assemble_pullback(spg_context *ctx, const spg_plan *plan, const void *dAx,
                                     void *dV);
spg_status spg_cpu_spmv(spg_context *ctx, const spg_csc *A, spg_op op, double alpha,
                        const void *x, double beta, void *y);
spg_status spg_cpu_spmv_t_outer(spg_context *ctx, const spg_csc *A, double alpha, const void *u,
                                const void *v, void *dA, void *dv);
spg_status spg_cpu_bilinear_pass(spg_context *ctx, const spg_csc *A, const void *x,
                                 const void *y, void *dA, void *dy, double *f);
spg_status spg_cpu_bilinear_fused(spg_context *ctx, const spg_csc *A, const void *x,
                                  const void *y, double df, void *dA, void *dx, void *dy,
                                  double *f);
spg_status spg_cpu_sampled_outer(spg_context *ctx, const spg_csc *A, int64_t k, const void *U,
                                 int64_t ldu, const void *V, int64_t ldv, double alpha,
                                 void *dA);
spg_status spg_cpu_coo_sampled_outer(spg_context *ctx, const spg_triplets *t, int64_t k,
                                     const void *U, int64_t ldu, const void *V, int64_t ldv,
                                     double alpha, void *dV);
spg_status spg_cpu_block_add(spg_context *ctx, int64_t m, int64_t k, const void *X, int64_t ldx,
                             void *Y, int64_t ldy);

/* The rank-k sampled outer product by rows of U (outer.c), in double with
 * AVX-512, built where SPG_OUTER_ROWS is defined: each thread has a ring
 * of spg_cpu_outer_ring(m) rows of U, a power of two from 8 to
 * SPG_RING_MAX, 64 bytes each. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(SPG_REAL_FLOAT)
#define SPG_OUTER_ROWS 1
#endif
#define SPG_RING_MAX 32768
/* A block of columns goes by rows where its rows span at least this many
 * bytes of U's k columns: below it they stay in the cache as they are, and
 * the column body, which copies nothing, is faster (bench/README.md). */
#define SPG_RING_BAND (256 << 10)
int64_t spg_cpu_outer_ring(int64_t m);
/* dA_p += alpha sum_r U_{i_p r} V_{j r} over the entries of columns j0 to
 * j1 - 1 (j0 < j1), 6 <= k <= 8, with the bits of spg_k_outer_dot; rows:
 * the thread's ring, size rows aligned to 64 bytes. Needs AVX-512F.
 * Returns how many of the entries went by rows (the rest by columns). */
int64_t spg_cpu_outer_rows(const spg_csc *A, int64_t k, const spg_real *U, int64_t ldu,
                           const spg_real *V, int64_t ldv, spg_real alpha, spg_real *dA,
                           int64_t j0, int64_t j1, spg_real *rows, int64_t size);
#endif

/* Loops shorter than this run on one thread: a parallel region costs more. */
#define SPG_PARALLEL_MIN 32768

/* Threads for a parallel loop of work element operations over parts
 * independent pieces (columns, chunks, blocks): one up to SPG_PARALLEL_MIN
 * operations, then at most one per SPG_PARALLEL_MIN of them, never more
 * than the parts or the context's count. The bits never depend on it. */
static inline int spg_team(const spg_context *ctx, int64_t work, int64_t parts)
{
    if (work <= SPG_PARALLEL_MIN || parts < 2)
        return 1;
    int64_t t = spg_threads(ctx);
    const int64_t most = work / SPG_PARALLEL_MIN + 1;
    t = t < most ? t : most;
    return (int)(t < parts ? t : parts);
}

/* a k, or INT64_MAX where that overflows (a, k >= 0): the work of a rank-k
 * loop over a elements. */
static inline int64_t spg_work(int64_t a, int64_t k)
{
    return k > 0 && a > INT64_MAX / k ? INT64_MAX : a * k;
}

/* Scalar sums add fixed chunks of a range (SPG_CHUNKS, src/internal.h),
 * then the chunk sums in order: the chunks depend on the length only,
 * never on the thread count. */

static inline int64_t spg_chunk_count(int64_t len)
{
    return len < SPG_CHUNKS ? len : SPG_CHUNKS;
}

/* Start of block b of [0, len) cut into T blocks of sizes that differ by
 * at most 1 (block T starts at len). */
static inline int64_t spg_block_start(int64_t len, int64_t T, int64_t b)
{
    return (len / T) * b + (b < len % T ? b : len % T);
}

/* Start of chunk c of [0, len) cut into spg_chunk_count(len) chunks. */
static inline int64_t spg_chunk_start(int64_t len, int64_t c)
{
    return spg_block_start(len, spg_chunk_count(len), c);
}

/* This thread's number in the current team (0 outside a parallel region). */
static inline int spg_thread_num(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Threads in the current team (1 outside a parallel region). */
static inline int spg_team_size(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* Block [lo, hi) of thread t of T in [0, len). */
static inline void spg_block(int64_t len, int64_t t, int64_t T, int64_t *lo, int64_t *hi)
{
    *lo = spg_block_start(len, T, t);
    *hi = spg_block_start(len, T, t + 1);
}

/* This thread's block [lo, hi) of [0, len) inside a parallel region. */
static inline void spg_thread_block(int64_t len, int64_t *lo, int64_t *hi)
{
#ifdef _OPENMP
    spg_block(len, omp_get_thread_num(), omp_get_num_threads(), lo, hi);
#else
    spg_block(len, 0, 1, lo, hi);
#endif
}

/* Whether a scatter into m rows pays on T threads by blocks of rows, given
 * the rows [lo[c], hi[c]] and the entry count of each column chunk c (a
 * thread reads every chunk that reaches its rows): the chunks that reach
 * the busiest thread's rows hold at most 3/4 of the entries. A band matrix
 * passes; on a pattern without bands every thread would read nearly all
 * of A, more slowly than one thread alone (bench/README.md). */
static inline int spg_rows_pay(int64_t m, int64_t chunks, const int64_t *lo, const int64_t *hi,
                               const int64_t *entries, int T)
{
    int64_t all = 0;
    for (int64_t c = 0; c < chunks; c++)
        all += entries[c];
    for (int t = 0; t < T; t++) {
        int64_t r0, r1, reach = 0;
        spg_block(m, t, T, &r0, &r1);
        for (int64_t c = 0; c < chunks; c++)
            reach += hi[c] >= r0 && lo[c] < r1 ? entries[c] : 0;
        if (4 * reach > 3 * all)
            return 0;
    }
    return 1;
}

#endif /* SPG_CPU_H */
