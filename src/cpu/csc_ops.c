/* CSC operations on the CPU. Gathers (A' x, sampled outer products, the
 * bilinear pass) run in parallel over columns; the scatter A x runs in
 * parallel over blocks of rows, each thread visiting the columns that reach
 * its rows (on one thread where those are most of A: a pattern without
 * bands), so every y_i is summed in ascending column order whatever the
 * thread count; the fused bilinear pass does both at once. Scalar sums use
 * chunks fixed by n, then the chunk sums in order. */
#include "cpu.h"

#include "../../kernels/csc.h"

/* The smallest and largest row stored in columns [j0, j1): rows ascend in
 * each column, so its first and last entries bound it. */
static void column_rows(const spg_int *colptr, const spg_int *rowind, int64_t j0, int64_t j1,
                        int64_t *lo, int64_t *hi)
{
    int64_t l = INT64_MAX, h = -1;
    for (int64_t j = j0; j < j1; j++)
        if (colptr[j] < colptr[j + 1]) {
            l = rowind[colptr[j]] < l ? rowind[colptr[j]] : l;
            h = rowind[colptr[j + 1] - 1] > h ? rowind[colptr[j + 1] - 1] : h;
        }
    *lo = l;
    *hi = h;
}

/* lo[c], hi[c]: the rows of each fixed column chunk c, the chunks shared
 * out among the threads of the enclosing parallel region. */
static void chunk_rows(const spg_int *colptr, const spg_int *rowind, int64_t n, int64_t *lo,
                       int64_t *hi)
{
    const int64_t chunks = spg_chunk_count(n);
#pragma omp for schedule(static)
    for (int64_t c = 0; c < chunks; c++)
        column_rows(colptr, rowind, spg_chunk_start(n, c), spg_chunk_start(n, c + 1), &lo[c],
                    &hi[c]);
}

/* The CPU's analysis keeps no buffer. */
size_t spg_cpu_analysis_bytes(const spg_csc *A, int *ok)
{
    (void)A;
    *ok = 1;
    return 0;
}

/* An analysis of A's pattern: the rows of each column chunk. */
spg_status spg_cpu_analyse(spg_context *ctx, const spg_csc *A, void *buffer, spg_analysis *an)
{
    (void)buffer;
#pragma omp parallel num_threads(spg_team(ctx, A->nnz, spg_chunk_count(A->n)))
    chunk_rows(A->colptr, A->rowind, A->n, an->lo, an->hi);
    an->backend = SPG_BACKEND_CPU;
    an->of = *A;
    an->of.values = NULL;
    an->of.analysis = NULL;
    return SPG_SUCCESS;
}

/* Whether A x runs by blocks of rows on nthreads threads: A is large
 * enough, and the chunks that reach each thread's rows (the plan's bounds
 * where A carries them, else bounded here into lo and hi; *clo and *chi
 * point at them) are few enough to pay. Otherwise one thread scatters: the
 * same order of sums, so the same bits. */
static int scatter_rows(const spg_csc *A, int nthreads, int64_t *lo, int64_t *hi,
                        const int64_t **clo, const int64_t **chi)
{
    const spg_int *colptr = A->colptr;
    const int64_t n = A->n, chunks = spg_chunk_count(n);
    if (nthreads < 2 || A->nnz <= SPG_PARALLEL_MIN)
        return 0;
    const spg_analysis *an = spg_analysis_of(A, SPG_BACKEND_CPU);
    if (!an) {
#pragma omp parallel num_threads(nthreads < chunks ? nthreads : (int)chunks)
        chunk_rows(colptr, A->rowind, n, lo, hi);
    }
    *clo = an ? an->lo : lo;
    *chi = an ? an->hi : hi;
    int64_t entries[SPG_CHUNKS];
    for (int64_t c = 0; c < chunks; c++)
        entries[c] = colptr[spg_chunk_start(n, c + 1)] - colptr[spg_chunk_start(n, c)];
    return spg_rows_pay(A->m, chunks, *clo, *chi, entries, nthreads);
}

/* y = alpha A x + beta y, by blocks of rows. With several threads each
 * thread visits only the fixed chunks of columns that reach its rows (a
 * band matrix: about n / T columns), bounded by the plan or first here,
 * and tests rows only in a chunk that reaches other rows too. Where that
 * does not pay (scatter_rows), one thread runs it. */
static void spmv_n(const spg_csc *A, spg_real alpha, const spg_real *x, spg_real beta,
                   spg_real *y, int nthreads)
{
    const spg_int *colptr = A->colptr, *rowind = A->rowind;
    const spg_real *a = A->values;
    const int64_t m = A->m, n = A->n, chunks = spg_chunk_count(n);
    int64_t lo[SPG_CHUNKS], hi[SPG_CHUNKS]; /* rows of each column chunk */
    const int64_t *clo = NULL, *chi = NULL; /* the same, or the plan's */
    const int rows = scatter_rows(A, nthreads, lo, hi, &clo, &chi);
#pragma omp parallel num_threads(rows ? nthreads : 1)
    {
        const int several = rows && spg_team_size() > 1;
        int64_t r0, r1;
        spg_thread_block(m, &r0, &r1);
        for (int64_t i = r0; i < r1; i++)
            y[i] = beta == 0 ? 0 : (beta == 1 ? y[i] : beta * y[i]);
        for (int64_t c = 0; c < chunks && r0 < r1; c++) {
            if (several && (chi[c] < r0 || clo[c] >= r1))
                continue; /* no row of this thread in the chunk */
            const int64_t j0 = spg_chunk_start(n, c), j1 = spg_chunk_start(n, c + 1);
            if (!several || (clo[c] >= r0 && chi[c] < r1)) {
                for (int64_t j = j0; j < j1; j++) /* all the chunk's rows are this thread's */
                    spg_k_col_axpy(colptr, rowind, a, alpha * x[j], y, j);
            } else {
                for (int64_t j = j0; j < j1; j++)
                    spg_k_col_axpy_rows(colptr, rowind, a, alpha * x[j], y, j, r0, r1);
            }
        }
    }
}

/* y = alpha A' x + beta y, by columns */
static void spmv_t(const spg_csc *A, spg_real alpha, const spg_real *x, spg_real beta,
                   spg_real *y, int nthreads)
{
    const spg_int *colptr = A->colptr, *rowind = A->rowind;
    const spg_real *a = A->values;
    const int64_t n = A->n;
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int64_t j = 0; j < n; j++) {
        spg_real t = alpha * spg_k_col_dot(colptr, rowind, a, x, j);
        y[j] = beta == 0 ? t : t + beta * y[j];
    }
}

spg_status spg_cpu_spmv(spg_context *ctx, const spg_csc *A, spg_op op, double alpha,
                                   const void *x, double beta, void *y)
{
    if (op == SPG_OP_N)
        spmv_n(A, (spg_real)alpha, x, (spg_real)beta, y, spg_team(ctx, A->nnz, A->m));
    else
        spmv_t(A, (spg_real)alpha, x, (spg_real)beta, y, spg_team(ctx, A->nnz, A->n));
    return SPG_SUCCESS;
}

/* dv_j += alpha (A' u)_j and dA_p += alpha u_{i_p} v_j, by columns */
spg_status spg_cpu_spmv_t_outer(spg_context *ctx, const spg_csc *A, double alpha,
                                           const void *uv, const void *vv, void *dAv, void *dvv)
{
    const spg_int *colptr = A->colptr, *rowind = A->rowind;
    const spg_real *a = A->values, *u = uv, *v = vv, s = (spg_real)alpha;
    spg_real *dA = dAv, *dv = dvv;
#pragma omp parallel for num_threads(spg_team(ctx, A->nnz, A->n)) schedule(static)
    for (int64_t j = 0; j < A->n; j++)
        dv[j] = s * spg_k_col_dot_outer(colptr, rowind, a, u, s, v[j], dA, j) + dv[j];
    return SPG_SUCCESS;
}

/* f = the sum of the chunks' parts, in chunk order */
static double chunk_sum(const double *part, int64_t chunks)
{
    double f = 0;
    for (int64_t c = 0; c < chunks; c++)
        f += part[c];
    return f;
}

/* f alone for columns [j0, j1): sum_j y_j (A' x)_j in column order over the
 * columns with a stored entry, with a select instead of a branch per
 * column, which keeps it as fast as SpMV T (bench/README.md). */
static double bilinear_value(const spg_int *colptr, const spg_int *rowind, const spg_real *a,
                             const spg_real *x, const spg_real *y, int64_t j0, int64_t j1)
{
    double f = 0;
    for (int64_t j = j0; j < j1; j++) {
        const double term = spg_k_product(y[j], spg_k_col_dot(colptr, rowind, a, x, j));
        f = spg_k_col_has_entries(colptr, j) ? f + term : f;
    }
    return f;
}

/* One pass over the columns: t_j = (A' x)_j, f = sum_j y_j t_j, and where
 * asked dy_j += t_j and dA_p += x_{i_p} y_j. */
spg_status spg_cpu_bilinear_pass(spg_context *ctx, const spg_csc *A, const void *xv,
                                            const void *yv, void *dAv, void *dyv, double *fout)
{
    const spg_int *colptr = A->colptr, *rowind = A->rowind;
    const spg_real *a = A->values, *x = xv, *y = yv;
    spg_real *dA = dAv, *dy = dyv;
    const int64_t n = A->n, chunks = spg_chunk_count(n);
    double part[SPG_CHUNKS];
#pragma omp parallel for num_threads(spg_team(ctx, A->nnz, chunks)) schedule(static)
    for (int64_t c = 0; c < chunks; c++) {
        if (!dy && !dA) {
            part[c] = bilinear_value(colptr, rowind, a, x, y, spg_chunk_start(n, c),
                                     spg_chunk_start(n, c + 1));
            continue;
        }
        double f = 0;
        for (int64_t j = spg_chunk_start(n, c); j < spg_chunk_start(n, c + 1); j++) {
            if (!spg_k_col_has_entries(colptr, j))
                continue;
            spg_real t = spg_k_col_dot(colptr, rowind, a, x, j);
            f += spg_k_product(y[j], t);
            if (dy)
                dy[j] += t;
            if (dA)
                spg_k_col_sampled_outer(colptr, rowind, 1, x, 0, y, 0, 1, dA, j);
        }
        part[c] = f;
    }
    *fout = chunk_sum(part, chunks);
    return SPG_SUCCESS;
}

/* What every chunk of the one pass of x' A y and its gradients reads and
 * writes. */
typedef struct fused_pass {
    const spg_int *colptr, *rowind;
    const spg_real *a, *x, *y;
    spg_real s; /* df */
    spg_real *dA, *dx, *dy;
    int gather; /* (A' x)_j is needed: for f or dy */
    const int64_t *clo, *chi; /* the rows of each column chunk, where blocks of rows pay */
} fused_pass;

/* The rows of dx the calling thread updates: its block of rows where
 * blocks of rows pay (g->clo set), else all of them on thread 0. */
static void fused_rows(const fused_pass *g, int64_t m, int64_t *r0, int64_t *r1)
{
    if (g->clo) {
        spg_thread_block(m, r0, r1);
        return;
    }
    *r0 = 0;
    *r1 = spg_thread_num() == 0 ? m : 0;
}

/* Column j of a chunk the thread owns: dA, dx_i for i in [r0, r1), and the
 * returned t_j = (A' x)_j where it is gathered. */
static spg_real fused_column(const fused_pass *g, int64_t j, int64_t r0, int64_t r1)
{
    spg_real t = 0;
    if (g->gather && g->dA) { /* every part: one read of each entry */
        spg_int d0, d1;
        spg_k_col_rows_span(g->colptr, g->rowind, j, r0, r1, &d0, &d1);
        return spg_k_col_bilinear_grads(g->colptr, g->rowind, g->a, g->x, g->s, g->y[j], g->dA,
                                        g->dx, d0, d1, j);
    }
    if (g->gather)
        t = spg_k_col_dot(g->colptr, g->rowind, g->a, g->x, j);
    if (g->dA)
        spg_k_col_sampled_outer(g->colptr, g->rowind, 1, g->x, 0, g->y, 0, g->s, g->dA, j);
    spg_k_col_axpy_rows(g->colptr, g->rowind, g->a, g->s * g->y[j], g->dx, j, r0, r1);
    return t;
}

/* Columns [j0, j1) for the calling thread: where it owns them, their
 * gradients and its rows of dx, returning their part of f; else only its
 * rows of dx. */
static double fused_chunk(const fused_pass *g, int64_t j0, int64_t j1, int own, int64_t r0,
                          int64_t r1)
{
    double f = 0;
    for (int64_t j = j0; j < j1; j++) {
        if (!spg_k_col_has_entries(g->colptr, j))
            continue;
        if (!own) {
            spg_k_col_axpy_rows(g->colptr, g->rowind, g->a, g->s * g->y[j], g->dx, j, r0, r1);
            continue;
        }
        const spg_real t = fused_column(g, j, r0, r1);
        if (g->gather) {
            f += spg_k_product(g->y[j], t);
            if (g->dy)
                g->dy[j] = g->s * t + g->dy[j];
        }
    }
    return f;
}

/* x' A y and its gradients in one pass over the columns: dx_i += df a_p y_j
 * by the thread that owns row i, and where asked *f, dy_j += df (A' x)_j
 * and dA_p += df x_{i_p} y_j by the thread that owns column j's chunk.
 * A thread visits its own chunks and the chunks that reach its rows, in
 * ascending order, so every dx_i is summed in ascending column order as in
 * spmv_n and the bits are those of the separate passes. Where blocks of
 * rows do not pay (scatter_rows), thread 0 owns every row of dx. */
spg_status spg_cpu_bilinear_fused(spg_context *ctx, const spg_csc *A, const void *x,
                                  const void *y, double df, void *dA, void *dx, void *dy,
                                  double *fout)
{
    const int64_t n = A->n, chunks = spg_chunk_count(n);
    int64_t lo[SPG_CHUNKS], hi[SPG_CHUNKS]; /* rows of each column chunk */
    fused_pass g = {A->colptr, A->rowind, A->values, x, y, (spg_real)df, dA, dx, dy,
                    fout || dy, NULL, NULL};
    const int nthreads = spg_team(ctx, A->nnz, chunks);
    if (!scatter_rows(A, nthreads, lo, hi, &g.clo, &g.chi))
        g.clo = g.chi = NULL;
    double part[SPG_CHUNKS];
#pragma omp parallel num_threads(nthreads)
    {
        int64_t r0, r1, c0, c1;
        fused_rows(&g, A->m, &r0, &r1);
        spg_thread_block(chunks, &c0, &c1);
        for (int64_t c = 0; c < chunks; c++) {
            const int own = c >= c0 && c < c1;
            if (!own && (r0 >= r1 || (g.clo && (g.chi[c] < r0 || g.clo[c] >= r1))))
                continue; /* neither this thread's columns nor its rows */
            const double f =
                fused_chunk(&g, spg_chunk_start(n, c), spg_chunk_start(n, c + 1), own, r0, r1);
            if (own)
                part[c] = f;
        }
    }
    if (fout)
        *fout = chunk_sum(part, chunks);
    return SPG_SUCCESS;
}

/* spg_k_col_sampled_outer over columns [j0, j1): inlined where k is a
 * constant, which unrolls the sums over r */
static inline void sampled_outer_cols(const spg_csc *A, int64_t k, const spg_real *U,
                                      int64_t ldu, const spg_real *V, int64_t ldv,
                                      spg_real alpha, spg_real *dA, int64_t j0, int64_t j1)
{
    for (int64_t j = j0; j < j1; j++)
        spg_k_col_sampled_outer(A->colptr, A->rowind, k, U, ldu, V, ldv, alpha, dA, j);
}

#ifdef SPG_OUTER_ROWS
/* The sampled outer product by rows of U (outer.c), a ring for each of T
 * threads; SPG_ERR_ALLOC, with dA untouched, where the rings are missing. */
static spg_status sampled_outer_rows(const spg_csc *A, int T, int64_t k, const spg_real *U,
                                     int64_t ldu, const spg_real *V, int64_t ldv,
                                     spg_real alpha, spg_real *dA)
{
    const int64_t size = spg_cpu_outer_ring(A->m), line = 8; /* values in 64 bytes */
    spg_real *rings = spg_malloc(T * size * line + line, sizeof(spg_real));
    if (!rings)
        return SPG_ERR_ALLOC;
    spg_real *first = rings + (64 - (uintptr_t)rings % 64) % 64 / sizeof(spg_real);
#pragma omp parallel num_threads(T)
    {
        int64_t j0, j1;
        spg_thread_block(A->n, &j0, &j1);
        if (j0 < j1)
            spg_cpu_outer_rows(A, k, U, ldu, V, ldv, alpha, dA, j0, j1,
                               first + spg_thread_num() * size * line, size);
    }
    spg_free(rings);
    return SPG_SUCCESS;
}
#endif

/* dA += alpha (U V') on A's pattern, by columns. Ranks 1 to 8 run a body
 * compiled for their k (with the column body's local row of V, 1.25x at
 * k = 8 on fem2d-1000 and fem3d-80: bench/README.md); in double, ranks 6
 * to 8 go by rows of U where the processor has AVX-512 and U's k columns
 * can span SPG_RING_BAND (outer.c). */
spg_status spg_cpu_sampled_outer(spg_context *ctx, const spg_csc *A, int64_t k,
                                            const void *U, int64_t ldu, const void *V,
                                            int64_t ldv, double alpha, void *dA)
{
    const spg_real a = (spg_real)alpha;
#ifdef SPG_OUTER_ROWS
    if (k >= 6 && k <= 8 && A->m >= SPG_RING_BAND / (k * (int64_t)sizeof(spg_real)) &&
        spg_cpu_simd() >= SPG_SIMD_AVX512)
        return sampled_outer_rows(A, spg_team(ctx, spg_work(A->nnz, k), A->n), k, U, ldu, V, ldv,
                                  a, dA);
#endif
#pragma omp parallel num_threads(spg_team(ctx, spg_work(A->nnz, k), A->n))
    {
        int64_t j0, j1;
        spg_thread_block(A->n, &j0, &j1);
        switch (k) {
        case 1: sampled_outer_cols(A, 1, U, ldu, V, ldv, a, dA, j0, j1); break;
        case 2: sampled_outer_cols(A, 2, U, ldu, V, ldv, a, dA, j0, j1); break;
        case 3: sampled_outer_cols(A, 3, U, ldu, V, ldv, a, dA, j0, j1); break;
        case 4: sampled_outer_cols(A, 4, U, ldu, V, ldv, a, dA, j0, j1); break;
        case 5: sampled_outer_cols(A, 5, U, ldu, V, ldv, a, dA, j0, j1); break;
        case 6: sampled_outer_cols(A, 6, U, ldu, V, ldv, a, dA, j0, j1); break;
        case 7: sampled_outer_cols(A, 7, U, ldu, V, ldv, a, dA, j0, j1); break;
        case 8: sampled_outer_cols(A, 8, U, ldu, V, ldv, a, dA, j0, j1); break;
        default: sampled_outer_cols(A, k, U, ldu, V, ldv, a, dA, j0, j1);
        }
    }
    return SPG_SUCCESS;
}
