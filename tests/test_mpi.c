/* The distributed plan (spgrad_mpi.h), run under mpirun on 1 to 4 ranks.
 * Every rank makes the same global list of triplets and gives its share of
 * it to the plan; every rank also assembles the concatenation of the
 * ranks' shares (in rank order) on one rank's plan, the reference. Checks:
 *  - its block of A and its dV are bitwise the reference's, for triplets
 *    split in blocks, cyclically (most of them off-rank) and all on one
 *    rank, for rows split evenly, with a rank that owns none, and all on
 *    one rank; one-based, skipped and rows-compressed plans, float and
 *    double, int32 and int64, 1 and 2 threads. The values span 2^40 in
 *    magnitude, so another summation order would change the bits;
 *  - the adjoint identity <dAx, A(V)> = <dV, V>, within the rounding of
 *    the assembled sums;
 *  - bad input on one rank fails on every rank, outputs untouched (a rank
 *    that waited for the others would hang: CTest's timeout bounds it). */
#include <mpi.h>
#include <stdlib.h>

#include "check.h"
#include "fem2d.h"
#include "problems.h"
#include "spgrad_mpi.h"

#define MAX_RANKS 64

static int me, size;
static spg_context *ctx;

/* A value of random sign and mantissa, its magnitude between 2^-20 and
 * 2^20, fixed by key. */
static double noise(uint64_t key)
{
    spg_rng r = {key * 0x9e3779b97f4a7c15u + 7};
    const double mant = 1 + spg_rng_unit(&r);
    const int e = (int)spg_rng_below(&r, 41) - 20;
    return (spg_rng_below(&r, 2) ? -1 : 1) * ldexp(mant, e);
}

/* Which rank gives global triplet g: in blocks, cyclically, or rank 0. */
typedef enum split { BLOCKS, CYCLIC, ONE_RANK } split;

static int giver(split s, int64_t g, int64_t nnz)
{
    if (s == BLOCKS)
        return (int)(g * size / (nnz > 0 ? nnz : 1));
    return s == CYCLIC ? (int)(g % size) : 0;
}

/* The rows rank p owns: evenly, none on rank 1, or all on the last rank. */
typedef enum owners { EVEN, NONE_ON_1, ALL_ON_LAST } owners;

static int64_t rows_of(owners o, int p, int64_t m)
{
    if (o == ALL_ON_LAST)
        return p == size - 1 ? m : 0;
    if (o == NONE_ON_1 && size > 1) {
        const int64_t q = size - 1, r = p == 0 ? 0 : p - 1; /* the ranks that own rows */
        return p == 1 ? 0 : m / q + (r < m % q);
    }
    return m / size + (p < m % size);
}

/* The triplets of global problem g that ranks from..to-1 give, in rank
 * order then g order (from = me, to = me + 1: this rank's share). */
static problem share(const problem *g, split s, int from, int to)
{
    int64_t len = 0;
    for (int64_t k = 0; k < g->nnz; k++)
        len += giver(s, k, g->nnz) >= from && giver(s, k, g->nnz) < to;
    problem p = problem_new(g->name, g->m, g->n, len);
    int64_t t = 0;
    for (int q = from; q < to; q++)
        for (int64_t k = 0; k < g->nnz; k++)
            if (giver(s, k, g->nnz) == q)
                p.I[t] = g->I[k], p.J[t] = g->J[k], p.V[t++] = g->V[k];
    p.has_negative = g->has_negative;
    return p;
}

/* The triplets of p in index type t, indices shifted by base. */
static spg_coo coo_of(const problem *p, spg_itype t, int base)
{
    return (spg_coo){p->m, p->n, p->nnz, t, problem_index(p, p->I, t, base),
                     problem_index(p, p->J, t, base)};
}

static void coo_free(spg_coo *c)
{
    free((void *)c->I), free((void *)c->J);
}

/* How a view's numbers map to A's: by rows the view is of A'; rows of A
 * are the view's (columns by rows) plus row0; its columns below ncols are
 * A's c + col0, the others the ghosts' (NULL: none). */
typedef struct numbering {
    int by_rows;
    int64_t row0, col0, ncols;
    const int64_t *ghost;
} numbering;

/* The numbering of the one-rank plan's view, and of this rank's block. */
static numbering global_numbering(int by_rows, int64_t n)
{
    return (numbering){by_rows, 0, 0, n, NULL};
}

static numbering block_numbering(spg_mpi_plan *P, int by_rows)
{
    spg_mpi_plan_info in;
    const int64_t *ghost = NULL;
    spg_mpi_plan_query(P, &in);
    CHECK_STATUS(spg_mpi_plan_ghosts(P, &ghost), SPG_SUCCESS);
    return (numbering){by_rows, in.row_begin, in.col_begin, in.col_end - in.col_begin, ghost};
}

/* A stored entry: A's row and column, and its place in the values. */
typedef struct entry {
    int64_t i, j, p;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->i != y->i ? (x->i > y->i) - (x->i < y->i) : (x->j > y->j) - (x->j < y->j);
}

/* The entries of view A with rows of A in [lo, hi), by (row, column). */
static entry *entry_list(const spg_csc *A, const numbering *nb, int64_t lo, int64_t hi,
                         int64_t *len)
{
    entry *e = malloc((size_t)A->nnz * sizeof *e + 1);
    int64_t t = 0;
    for (int64_t c = 0; c < A->n; c++)
        for (int64_t p = spg_iget(A->itype, A->colptr, c); p < spg_iget(A->itype, A->colptr, c + 1); p++) {
            const int64_t r = spg_iget(A->itype, A->rowind, p);
            const int64_t vr = nb->by_rows ? c : r, vc = nb->by_rows ? r : c;
            const int64_t i = vr + nb->row0, j = vc < nb->ncols ? vc + nb->col0 : nb->ghost[vc - nb->ncols];
            if (i >= lo && i < hi)
                e[t++] = (entry){i, j, p};
        }
    qsort(e, (size_t)t, sizeof *e, cmp_entry);
    *len = t;
    return e;
}

/* This rank's block L (values Lv) has the entries of the reference R in
 * rows [b, e); each value within K u of mag (R's layout; NULL: bitwise
 * the same as R's values Rv). */
static int same_entries(const spg_csc *R, const numbering *nr, const void *Rv, const void *mag,
                        const spg_csc *L, const numbering *nl, const void *Lv, int64_t b,
                        int64_t e, double K)
{
    int64_t lr, ll;
    entry *er = entry_list(R, nr, b, e, &lr), *el = entry_list(L, nl, b, e, &ll);
    const spg_dtype dt = R->dtype;
    int ok = lr == ll && ll == L->nnz;
    for (int64_t t = 0; ok && t < lr; t++) {
        const double r = spg_vget(dt, Rv, er[t].p), l = spg_vget(dt, Lv, el[t].p);
        ok = er[t].i == el[t].i && er[t].j == el[t].j &&
             (mag ? fabs(r - l) <= K * spg_unit(dt) * spg_vget(dt, mag, er[t].p)
                  : !memcmp((const char *)Rv + er[t].p * (int64_t)spg_vsize(dt),
                            (const char *)Lv + el[t].p * (int64_t)spg_vsize(dt), spg_vsize(dt)));
    }
    free(er), free(el);
    return ok;
}

/* dAx of entry (i, j) of an m x n matrix, in the value type */
static double cotangent(spg_dtype dt, int64_t i, int64_t j, int64_t n)
{
    return spg_round(dt, noise((uint64_t)(i * n + j) + 12345));
}

/* dAx[p] = cotangent of each stored entry of view A. */
static void *cotangents(const spg_csc *A, const numbering *nb, int64_t n)
{
    int64_t len;
    entry *e = entry_list(A, nb, INT64_MIN, INT64_MAX, &len);
    void *d = calloc((size_t)A->nnz + 1, spg_vsize(A->dtype));
    for (int64_t t = 0; t < len; t++)
        spg_vset(A->dtype, d, e[t].p, cotangent(A->dtype, e[t].i, e[t].j, n));
    free(e);
    return d;
}

/* dV as the pullback starts it: -V / 2 (exact), the same for a triplet
 * wherever it is. */
static void *start_dV(const problem *p, spg_dtype dt)
{
    void *d = problem_values(p, dt);
    for (int64_t k = 0; k < p->nnz; k++)
        spg_vset(dt, d, k, -0.5 * spg_vget(dt, d, k));
    return d;
}

/* The adjoint identity over every rank: <dAx, Ax> = <dV, V> with dV the
 * pullback of dAx from zero. Ax_s is the rounded sum of its c_s triplets,
 * off by at most (c_s - 1) u S_s, S_s = sum |V_k|; c and S assembled in
 * double by the same plan (S within a factor 1 + c_s 2^-53). */
static void check_identity(spg_mpi_plan *P, const problem *mine, spg_dtype dt, const void *V,
                           const void *Ax, const void *dAx)
{
    spg_mpi_plan_info in;
    spg_mpi_plan_query(P, &in);
    double *one = malloc((size_t)mine->nnz * 8 + 8), *mag = malloc((size_t)mine->nnz * 8 + 8);
    double *c = malloc((size_t)in.nnz * 8 + 8), *S = malloc((size_t)in.nnz * 8 + 8);
    void *dV = calloc((size_t)mine->nnz + 1, spg_vsize(dt));
    for (int64_t k = 0; k < mine->nnz; k++)
        one[k] = 1, mag[k] = fabs(spg_vget(dt, V, k));
    CHECK_STATUS(spg_mpi_assemble(ctx, P, SPG_DOUBLE, one, c), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_assemble(ctx, P, SPG_DOUBLE, mag, S), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_assemble_pullback(ctx, P, dt, dAx, dV), SPG_SUCCESS);
    /* <dAx, Ax>, <dV, V>, the assembly's bound, their terms' sizes and counts */
    long double sum[7] = {0, 0, 0, 0, 0, (long double)in.nnz, (long double)mine->nnz}, all[7];
    for (int64_t s = 0; s < in.nnz; s++) {
        const long double d = spg_vget(dt, dAx, s), t = d * spg_vget(dt, Ax, s);
        sum[0] += t, sum[3] += fabsl(t);
        sum[2] += fabsl(d) * (c[s] - 1) * spg_unit(dt) * S[s] * (1 + c[s] * 0x1p-53);
    }
    for (int64_t k = 0; k < mine->nnz; k++) {
        const long double t = (long double)spg_vget(dt, dV, k) * spg_vget(dt, V, k);
        sum[1] += t, sum[4] += fabsl(t);
    }
    MPI_Allreduce(sum, all, 7, MPI_LONG_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    /* in long double each product rounds once and a sum of n terms n
     * times more (the ranks' partial sums among them): (n + 1) 2^-63 of
     * the terms' sizes bounds each side */
    const long double bound = all[2] + (all[5] + size + 1) * 0x1p-63L * all[3] +
                              (all[6] + size + 1) * 0x1p-63L * all[4];
    if (!CHECK(fabsl(all[0] - all[1]) <= bound))
        fprintf(stderr, "  identity: %Lg against %Lg, bound %Lg\n", all[0], all[1], bound);
    free(one), free(mag), free(c), free(S), free(dV);
}

typedef struct setup {
    split s;
    owners o;
    unsigned flags;
    spg_dtype dt;
    spg_itype it;
    int threads;
} setup;

/* ---- operations on the distributed A against the one-rank plan ---------- */

/* A vector of length len fixed by seed: full mantissas of either sign
 * between 1/4 and 8, so that the products of many entries weigh alike in
 * a sum, and its bits depend on the order. */
static void *vector(spg_dtype dt, int64_t len, uint64_t seed)
{
    void *v = calloc((size_t)len + 1, spg_vsize(dt));
    for (int64_t t = 0; t < len; t++) {
        spg_rng r = {(seed + (uint64_t)t) * 0x9e3779b97f4a7c15u + 1};
        const double mant = 1 + spg_rng_unit(&r);
        const int e = (int)spg_rng_below(&r, 5) - 2;
        spg_vset(dt, v, t, spg_round(dt, (spg_rng_below(&r, 2) ? -1 : 1) * ldexp(mant, e)));
    }
    return v;
}

static void *absolute(spg_dtype dt, const void *v, int64_t len)
{
    void *a = calloc((size_t)len + 1, spg_vsize(dt));
    for (int64_t t = 0; t < len; t++)
        spg_vset(dt, a, t, fabs(spg_vget(dt, v, t)));
    return a;
}

static void *copy(spg_dtype dt, const void *v, int64_t len)
{
    void *c = calloc((size_t)len + 1, spg_vsize(dt));
    memcpy(c, v, (size_t)len * spg_vsize(dt));
    return c;
}

/* got[t] within K u mag[t] of ref[t], t < len. */
static int close_all(spg_dtype dt, const void *got, const void *ref, const void *mag, int64_t len,
                     double K)
{
    int ok = 1;
    for (int64_t t = 0; ok && t < len; t++)
        ok = fabs(spg_vget(dt, got, t) - spg_vget(dt, ref, t)) <= K * spg_unit(dt) * spg_vget(dt, mag, t);
    return ok;
}

/* The most entries in a row or a column of R (m x n): the longest sum
 * any result takes. */
static int64_t longest(const spg_csc *R)
{
    int64_t most = 0, *rows = calloc((size_t)R->m + 1, sizeof *rows);
    for (int64_t c = 0; c < R->n; c++) {
        const int64_t p0 = spg_iget(R->itype, R->colptr, c), p1 = spg_iget(R->itype, R->colptr, c + 1);
        most = p1 - p0 > most ? p1 - p0 : most;
        for (int64_t p = p0; p < p1; p++)
            rows[spg_iget(R->itype, R->rowind, p)]++;
    }
    for (int64_t i = 0; i < R->m; i++)
        most = rows[i] > most ? rows[i] : most;
    free(rows);
    return most;
}

/* What the operations compare against: the one-rank plan's A (by
 * columns) and |A|, the global vectors u (length n, by columns) and w
 * (length m, by rows), their magnitudes, this rank's block and layout. */
typedef struct forms {
    spg_dtype dt;
    spg_csc R, Rabs, L;
    numbering nr, nl;
    void *u, *w, *ua, *wa, *Ax;
    int64_t rb, re, cb, ce;
    double K; /* bounds: K u times the magnitude of the result */
} forms;

/* y = 1.5 op(A) x - 0.5 y both ways, against the one-rank SpMV. */
static void check_spmv(spg_mpi_plan *P, const forms *F, spg_op op, const char *what)
{
    const spg_dtype dt = F->dt;
    const int n_ = op == SPG_OP_N;
    const void *xg = n_ ? F->u : F->w, *xa = n_ ? F->ua : F->wa;
    const void *yg = n_ ? F->w : F->u, *ya = n_ ? F->wa : F->ua;
    const int64_t len = n_ ? F->R.m : F->R.n, lo = n_ ? F->rb : F->cb, hi = n_ ? F->re : F->ce;
    const size_t vs = spg_vsize(dt);
    void *yr = copy(dt, yg, len), *ym = copy(dt, ya, len), *y = copy(dt, (const char *)yg + lo * vs, hi - lo);
    CHECK_STATUS(spg_spmv(ctx, op, 1.5, &F->R, xg, -0.5, yr), SPG_SUCCESS);
    CHECK_STATUS(spg_spmv(ctx, op, 1.5, &F->Rabs, xa, 0.5, ym), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_spmv(ctx, P, op, 1.5, dt, F->Ax, (const char *)xg + (n_ ? F->cb : F->rb) * vs,
                              -0.5, y), SPG_SUCCESS);
    if (!CHECK(close_all(dt, y, (char *)yr + lo * vs, (char *)ym + lo * vs, hi - lo, F->K)))
        fprintf(stderr, "  rank %d, %s: SpMV op %d differs\n", me, what, op);
    free(yr), free(ym), free(y);
}
/* dx += 1.5 op(A)' dy and dA += 1.5 dy x' (op N; x dy' for op T) from
 * zero, against the one-rank pullback. */
static void check_spmv_pullback(spg_mpi_plan *P, const forms *F, spg_op op, const char *what)
{
    const spg_dtype dt = F->dt;
    const size_t vs = spg_vsize(dt);
    const int n_ = op == SPG_OP_N; /* x and dx by columns, dy by rows */
    const void *xg = n_ ? F->u : F->w, *xa = n_ ? F->ua : F->wa;
    const void *dyg = n_ ? F->w : F->u, *dya = n_ ? F->wa : F->ua;
    const int64_t len = n_ ? F->R.n : F->R.m, lo = n_ ? F->cb : F->rb, hi = n_ ? F->ce : F->re;
    const int64_t ylo = n_ ? F->rb : F->cb;
    void *dAr = calloc((size_t)F->R.nnz + 1, vs), *dAm = calloc((size_t)F->R.nnz + 1, vs);
    void *dxr = calloc((size_t)len + 1, vs), *dxm = calloc((size_t)len + 1, vs);
    void *dA = calloc((size_t)F->L.nnz + 1, vs), *dx = calloc((size_t)(hi - lo) + 1, vs);
    CHECK_STATUS(spg_spmv_pullback(ctx, op, 1.5, &F->R, xg, dyg, dAr, dxr), SPG_SUCCESS);
    CHECK_STATUS(spg_spmv_pullback(ctx, op, 1.5, &F->Rabs, xa, dya, dAm, dxm), SPG_SUCCESS);
    /* a rank with no entries, or no values of dx, passes NULL for them */
    CHECK_STATUS(spg_mpi_spmv_pullback(ctx, P, op, 1.5, dt, F->Ax, (const char *)xg + lo * vs,
                                       (const char *)dyg + ylo * vs, F->L.nnz ? dA : NULL,
                                       hi > lo ? dx : NULL), SPG_SUCCESS);
    if (!CHECK(close_all(dt, dx, (char *)dxr + lo * vs, (char *)dxm + lo * vs, hi - lo, F->K)))
        fprintf(stderr, "  rank %d, %s: SpMV op %d pullback's dx differs\n", me, what, op);
    if (!CHECK(same_entries(&F->R, &F->nr, dAr, dAm, &F->L, &F->nl, dA, F->rb, F->re, F->K)))
        fprintf(stderr, "  rank %d, %s: SpMV op %d pullback's dA differs\n", me, what, op);
    free(dAr), free(dAm), free(dxr), free(dxm), free(dA), free(dx);
}

/* f = w' A u against a long double sum: the exact sum of the products
 * rounded in double (2 roundings each) is off by at most 2u sum |t|, f by
 * u |f| more, the reference by (nnz + 2) 2^-64 sum |t|. */
static void check_f(const forms *F, double f, const char *what)
{
    const spg_csc *R = &F->R;
    long double ref = 0, mag = 0;
    for (int64_t c = 0; c < R->n; c++)
        for (int64_t p = spg_iget(R->itype, R->colptr, c); p < spg_iget(R->itype, R->colptr, c + 1); p++) {
            const int64_t i = spg_iget(R->itype, R->rowind, p);
            const long double t = (long double)spg_vget(F->dt, F->w, i) *
                                  spg_vget(F->dt, R->values, p) * spg_vget(F->dt, F->u, c);
            ref += t, mag += fabsl(t);
        }
    const long double bound = 0x1p-53 * fabsl(ref) + (0x1p-52 + (R->nnz + 2) * 0x1p-63) * mag;
    if (!CHECK(fabsl(f - ref) <= bound))
        fprintf(stderr, "  rank %d, %s: f %.17g, sum %.17Lg, bound %Lg\n", me, what, f, ref, bound);
}

/* f on every layout (against the plan S of one rank per process, the
 * same bits), then value and gradient against the one-rank pullback. */
static void check_bilinear_calls(spg_mpi_plan *P, spg_mpi_plan *S, const void *As, const forms *F,
                                 const char *what)
{
    const spg_dtype dt = F->dt;
    const size_t vs = spg_vsize(dt);
    const void *w = (const char *)F->w + F->rb * vs, *u = (const char *)F->u + F->cb * vs;
    double f = 0, fs = 1, fv = 2;
    CHECK_STATUS(spg_mpi_bilinear(ctx, P, dt, F->Ax, w, u, &f), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_bilinear(ctx, S, dt, As, F->w, F->u, &fs), SPG_SUCCESS);
    if (!CHECK(!memcmp(&f, &fs, sizeof f)))
        fprintf(stderr, "  rank %d, %s: f %.17g here, %.17g on one rank\n", me, what, f, fs);
    check_f(F, f, what);
    void *dAr = calloc((size_t)F->R.nnz + 1, vs), *dAm = calloc((size_t)F->R.nnz + 1, vs);
    void *dxr = calloc((size_t)F->R.m + 1, vs), *dxm = calloc((size_t)F->R.m + 1, vs);
    void *dyr = calloc((size_t)F->R.n + 1, vs), *dym = calloc((size_t)F->R.n + 1, vs);
    void *dA = calloc((size_t)F->L.nnz + 1, vs), *dx = calloc((size_t)(F->re - F->rb) + 1, vs);
    void *dy = calloc((size_t)(F->ce - F->cb) + 1, vs);
    CHECK_STATUS(spg_bilinear_pullback(ctx, &F->R, F->w, F->u, 1.0, dAr, dxr, dyr), SPG_SUCCESS);
    CHECK_STATUS(spg_bilinear_pullback(ctx, &F->Rabs, F->wa, F->ua, 1.0, dAm, dxm, dym), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_bilinear_value_and_grad(ctx, P, dt, F->Ax, w, u, &fv, F->L.nnz ? dA : NULL,
                                                 F->re > F->rb ? dx : NULL,
                                                 F->ce > F->cb ? dy : NULL), SPG_SUCCESS);
    int ok = !memcmp(&f, &fv, sizeof f);
    ok = ok && close_all(dt, dx, (char *)dxr + F->rb * vs, (char *)dxm + F->rb * vs, F->re - F->rb, F->K);
    ok = ok && close_all(dt, dy, (char *)dyr + F->cb * vs, (char *)dym + F->cb * vs, F->ce - F->cb, F->K);
    ok = ok && same_entries(&F->R, &F->nr, dAr, dAm, &F->L, &F->nl, dA, F->rb, F->re, F->K);
    if (!CHECK(ok))
        fprintf(stderr, "  rank %d, %s: value and gradient differ\n", me, what);
    free(dAr), free(dAm), free(dxr), free(dxm), free(dyr), free(dym), free(dA), free(dx), free(dy);
}

/* The pullbacks with some gradients only, the same on every rank:
 * spg_mpi_bilinear_pullback's dx and dy (df = 0.75) and the SpMV N
 * pullback's dx alone, against the one-rank pullbacks. */
static void check_partial_pullbacks(spg_mpi_plan *P, const forms *F, const char *what)
{
    const spg_dtype dt = F->dt;
    const size_t vs = spg_vsize(dt);
    const int64_t nr = F->re - F->rb, nc = F->ce - F->cb;
    const void *w = (const char *)F->w + F->rb * vs, *u = (const char *)F->u + F->cb * vs;
    void *dxr = calloc((size_t)F->R.m + 1, vs), *dxm = calloc((size_t)F->R.m + 1, vs);
    void *dyr = calloc((size_t)F->R.n + 1, vs), *dym = calloc((size_t)F->R.n + 1, vs);
    void *dx = calloc((size_t)nr + 1, vs), *dy = calloc((size_t)nc + 1, vs);
    CHECK_STATUS(spg_bilinear_pullback(ctx, &F->R, F->w, F->u, 0.75, NULL, dxr, dyr), SPG_SUCCESS);
    CHECK_STATUS(spg_bilinear_pullback(ctx, &F->Rabs, F->wa, F->ua, 0.75, NULL, dxm, dym),
                 SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_bilinear_pullback(ctx, P, dt, F->Ax, w, u, 0.75, NULL, dx, dy), SPG_SUCCESS);
    int ok = close_all(dt, dx, (char *)dxr + F->rb * vs, (char *)dxm + F->rb * vs, nr, F->K) &&
             close_all(dt, dy, (char *)dyr + F->cb * vs, (char *)dym + F->cb * vs, nc, F->K);
    memset(dyr, 0, (size_t)F->R.n * vs), memset(dym, 0, (size_t)F->R.n * vs), memset(dy, 0, (size_t)nc * vs);
    CHECK_STATUS(spg_spmv_pullback(ctx, SPG_OP_N, 1.5, &F->R, F->u, F->w, NULL, dyr), SPG_SUCCESS);
    CHECK_STATUS(spg_spmv_pullback(ctx, SPG_OP_N, 1.5, &F->Rabs, F->ua, F->wa, NULL, dym), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_spmv_pullback(ctx, P, SPG_OP_N, 1.5, dt, F->Ax, u, w, NULL, dy), SPG_SUCCESS);
    ok = ok && close_all(dt, dy, (char *)dyr + F->cb * vs, (char *)dym + F->cb * vs, nc, F->K);
    if (!CHECK(ok))
        fprintf(stderr, "  rank %d, %s: a partial pullback differs\n", me, what);
    free(dxr), free(dxm), free(dyr), free(dym), free(dx), free(dy);
}

/* y = A x with beta = 0 does not read y (NaN there stays out). */
static void check_beta_zero(spg_mpi_plan *P, const forms *F, const char *what)
{
    const spg_dtype dt = F->dt;
    const size_t vs = spg_vsize(dt);
    const int64_t nr = F->re - F->rb;
    void *yr = calloc((size_t)F->R.m + 1, vs), *ym = calloc((size_t)F->R.m + 1, vs);
    void *y = calloc((size_t)nr + 1, vs);
    for (int64_t i = 0; i < nr; i++)
        spg_vset(dt, y, i, NAN);
    CHECK_STATUS(spg_spmv(ctx, SPG_OP_N, 1.5, &F->R, F->u, 0.0, yr), SPG_SUCCESS);
    CHECK_STATUS(spg_spmv(ctx, SPG_OP_N, 1.5, &F->Rabs, F->ua, 0.0, ym), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_spmv(ctx, P, SPG_OP_N, 1.5, dt, F->Ax, (const char *)F->u + F->cb * vs, 0.0, y),
                 SPG_SUCCESS);
    if (!CHECK(close_all(dt, y, (char *)yr + F->rb * vs, (char *)ym + F->rb * vs, nr, F->K)))
        fprintf(stderr, "  rank %d, %s: SpMV with beta 0 differs\n", me, what);
    free(yr), free(ym), free(y);
}

/* dV += 0.75 x[I] y[J] from zero against the one-rank COO pullback of
 * the concatenation rc, where this rank's triplets start at off. */
static void check_coo_bilinear(spg_mpi_plan *P, const forms *F, const spg_coo *rc,
                               unsigned flags, int64_t nv, int64_t off, const char *what)
{
    const spg_dtype dt = F->dt;
    const size_t vs = spg_vsize(dt);
    void *dVr = calloc((size_t)rc->nnz + 1, vs), *dVm = calloc((size_t)rc->nnz + 1, vs);
    void *dV = calloc((size_t)nv + 1, vs);
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, rc, flags, dt, F->w, F->u, 0.75, dVr), SPG_SUCCESS);
    CHECK_STATUS(spg_coo_bilinear_pullback(ctx, rc, flags, dt, F->wa, F->ua, 0.75, dVm), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_coo_bilinear_pullback(ctx, P, dt, (const char *)F->w + F->rb * vs,
                                               (const char *)F->u + F->cb * vs, 0.75, dV),
                 SPG_SUCCESS);
    if (!CHECK(close_all(dt, dV, (char *)dVr + off * vs, (char *)dVm + off * vs, nv, 3)))
        fprintf(stderr, "  rank %d, %s: COO bilinear pullback differs\n", me, what);
    free(dVr), free(dVm), free(dV);
}

/* Every operation on the distributed A (this rank's block Ax, its
 * triplets start at off in the concatenation rc) against the one-rank
 * plan's, by columns. */
static void check_forms(spg_mpi_plan *P, const spg_coo *rc, const problem *cat, int64_t nv,
                        setup c, const void *Ax, int64_t off, const char *what)
{
    const spg_dtype dt = c.dt;
    const size_t vs = spg_vsize(dt);
    spg_plan *ref = NULL;
    spg_mpi_plan *S = NULL;
    spg_mpi_plan_info in;
    spg_mpi_plan_query(P, &in);
    CHECK_STATUS(spg_plan_create(ctx, rc, c.flags & ~SPG_COMPRESS_ROWS, &ref), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_plan_create(ctx, MPI_COMM_SELF, rc, cat->m, cat->n, c.flags, &S),
                 SPG_SUCCESS);
    void *Vc = problem_values(cat, dt), *Ar = calloc((size_t)spg_plan_nnz(ref) + 1, vs);
    void *As = calloc((size_t)spg_plan_nnz(ref) + 1, vs);
    CHECK_STATUS(spg_assemble(ctx, ref, dt, Vc, Ar), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_assemble(ctx, S, dt, Vc, As), SPG_SUCCESS);
    forms F = {.dt = dt, .Ax = (void *)Ax, .rb = in.row_begin, .re = in.row_end,
               .cb = in.col_begin, .ce = in.col_end};
    spg_plan_csc(ref, dt, Ar, &F.R);
    F.Rabs = F.R, F.Rabs.values = absolute(dt, Ar, F.R.nnz);
    spg_mpi_plan_csc(P, dt, Ax, &F.L);
    F.nr = global_numbering(0, cat->n), F.nl = block_numbering(P, (c.flags & SPG_COMPRESS_ROWS) != 0);
    F.u = vector(dt, cat->n, 7000), F.w = vector(dt, cat->m, 9000);
    F.ua = absolute(dt, F.u, cat->n), F.wa = absolute(dt, F.w, cat->m);
    F.K = 2.0 * (double)(longest(&F.R) + 3);
    for (int op = 0; op < 2; op++) {
        check_spmv(P, &F, (spg_op)op, what);
        check_spmv_pullback(P, &F, (spg_op)op, what);
    }
    check_bilinear_calls(P, S, As, &F, what);
    check_partial_pullbacks(P, &F, what);
    check_beta_zero(P, &F, what);
    check_coo_bilinear(P, &F, rc, c.flags, nv, off, what);
    free(Vc), free(Ar), free(As), free((void *)F.Rabs.values);
    free(F.u), free(F.w), free(F.ua), free(F.wa);
    spg_mpi_plan_destroy(S);
    spg_plan_destroy(ref);
}

/* The forward and the pullback of the distributed plan of g's shares
 * against the one-rank plan of their concatenation (reference R). */
static void check_against(spg_mpi_plan *P, const spg_plan *ref, const spg_coo *rc,
                          const problem *mine, const problem *cat, setup c, const char *what)
{
    const int by_rows = (c.flags & SPG_COMPRESS_ROWS) != 0;
    const size_t vs = spg_vsize(c.dt);
    spg_mpi_plan_info in;
    spg_csc R, L;
    CHECK_STATUS(spg_mpi_plan_query(P, &in), SPG_SUCCESS);
    void *V = problem_values(mine, c.dt), *Vc = problem_values(cat, c.dt);
    void *Ax = calloc((size_t)in.nnz + 1, vs), *Ac = calloc((size_t)spg_plan_nnz(ref) + 1, vs);
    CHECK_STATUS(spg_assemble(ctx, ref, c.dt, Vc, Ac), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_assemble(ctx, P, c.dt, V, Ax), SPG_SUCCESS);
    spg_plan_csc(ref, c.dt, Ac, &R);
    CHECK_STATUS(spg_mpi_plan_csc(P, c.dt, Ax, &L), SPG_SUCCESS);
    const numbering nr = global_numbering(by_rows, cat->n), nl = block_numbering(P, by_rows);
    if (!CHECK(same_entries(&R, &nr, Ac, NULL, &L, &nl, Ax, in.row_begin, in.row_end, 0)))
        fprintf(stderr, "  rank %d, %s: block differs from one rank's\n", me, what);
    void *dAc = cotangents(&R, &nr, cat->n), *dA = cotangents(&L, &nl, cat->n);
    void *dV = start_dV(mine, c.dt), *dVc = start_dV(cat, c.dt);
    CHECK_STATUS(spg_assemble_pullback(ctx, ref, c.dt, dAc, dVc), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_assemble_pullback(ctx, P, c.dt, dA, dV), SPG_SUCCESS);
    int64_t off = 0; /* where this rank's triplets start in the concatenation */
    for (int64_t g = 0; g < cat->nnz; g++) /* the lower ranks' triplets of the global list */
        off += giver(c.s, g, cat->nnz) < me;
    if (!CHECK(!memcmp(dV, (char *)dVc + (size_t)off * vs, (size_t)mine->nnz * vs)))
        fprintf(stderr, "  rank %d, %s: dV differs from one rank's\n", me, what);
    check_identity(P, mine, c.dt, V, Ax, dA);
    check_forms(P, rc, cat, mine->nnz, c, Ax, off, what);
    free(V), free(Vc), free(Ax), free(Ac), free(dAc), free(dA), free(dV), free(dVc);
}

static void run_case(const problem *g, setup c, const char *what)
{
    problem mine = share(g, c.s, me, me + 1), cat = share(g, c.s, 0, size);
    const int base = (c.flags & SPG_ONE_BASED) ? 1 : 0;
    spg_coo lc = coo_of(&mine, c.it, base), rc = coo_of(&cat, c.it, base);
    spg_plan *ref = NULL;
    spg_mpi_plan *P = NULL;
    CHECK_STATUS(spg_context_set_threads(ctx, c.threads), SPG_SUCCESS);
    CHECK_STATUS(spg_plan_create(ctx, &rc, c.flags, &ref), SPG_SUCCESS);
    if (CHECK_STATUS(spg_mpi_plan_create(ctx, MPI_COMM_WORLD, &lc, rows_of(c.o, me, g->m),
                                         rows_of(c.o, me, g->n), c.flags, &P), SPG_SUCCESS))
        check_against(P, ref, &rc, &mine, &cat, c, what);
    spg_mpi_plan_destroy(P);
    spg_plan_destroy(ref);
    coo_free(&lc), coo_free(&rc);
    problem_free(&mine), problem_free(&cat);
}

/* Every split of the triplets with every split of the rows; the flags and
 * types on two of them. */
static void run_problem(const problem *g)
{
    char what[160];
    for (int s = 0; s < 3; s++)
        for (int o = 0; o < 3; o++) {
            snprintf(what, sizeof what, "%.48s, split %d, owners %d", g->name, s, o);
            run_case(g, (setup){(split)s, (owners)o, g->has_negative ? SPG_SKIP_NEGATIVE : 0,
                                SPG_DOUBLE, SPG_INT64, 1 + (s + o) % 2}, what);
        }
    const unsigned skip = g->has_negative ? SPG_SKIP_NEGATIVE : 0;
    const unsigned flags[] = {skip | SPG_ONE_BASED, skip | SPG_COMPRESS_ROWS,
                              skip | SPG_ONE_BASED | SPG_COMPRESS_ROWS};
    /* cyclic: most triplets received; blocks of a mesh: few, through the
     * plan's shared part (mpi_internal.h) */
    const split splits[] = {CYCLIC, BLOCKS};
    const owners owner[] = {NONE_ON_1, EVEN};
    for (int w = 0; w < 2; w++)
        for (int f = 0; f < 3; f++)
            for (int dt = 0; dt < 2; dt++)
                for (int it = 0; it < 2; it++) {
                    snprintf(what, sizeof what, "%.48s, split %d, flags %u, dtype %d, itype %d",
                             g->name, (int)splits[w], flags[f], dt, it);
                    run_case(g, (setup){splits[w], owner[w], flags[f], (spg_dtype)dt,
                                        (spg_itype)it, 1 + (f + dt + it) % 2}, what);
                }
}

/* p with values that span 2^40 in magnitude, fixed by the triplet's
 * place in the global list. */
static void vary(problem *p)
{
    for (int64_t k = 0; k < p->nnz; k++)
        p->V[k] = noise((uint64_t)k);
}

static problem fem_problem(int64_t N, int64_t skip_every)
{
    spg_fem2d f;
    if (spg_fem2d_make(N, &f) != 0)
        exit(2);
    problem p = problem_new(skip_every ? "fem2d, skipped" : "fem2d", f.nodes, f.nodes, f.triplets);
    for (int64_t k = 0; k < f.triplets; k++)
        p.I[k] = f.I[k], p.J[k] = f.J[k];
    for (int64_t k = 0; skip_every && k < f.triplets; k += skip_every)
        (k % 2 ? p.I : p.J)[k] = -1; /* skipped under SPG_SKIP_NEGATIVE */
    p.has_negative = skip_every > 0;
    spg_fem2d_free(&f);
    return p;
}

/* L(V) = sum_s w_s sin(Ax_s) over every rank's block (summed in long
 * double). */
static long double loss(spg_mpi_plan *P, const double *V, double *Ax, const double *w,
                        int64_t nnz)
{
    long double L = 0, all = 0;
    CHECK_STATUS(spg_mpi_assemble(ctx, P, SPG_DOUBLE, V, Ax), SPG_SUCCESS);
    for (int64_t s = 0; s < nnz; s++)
        L += w[s] * sin(Ax[s]);
    MPI_Allreduce(&L, &all, 1, MPI_LONG_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return all;
}

/* The sum over every rank of x[t] y[t], t < len. */
static long double dot_all(const double *x, const double *y, int64_t len)
{
    long double d = 0, all = 0;
    for (int64_t t = 0; t < len; t++)
        d += (long double)x[t] * y[t];
    MPI_Allreduce(&d, &all, 1, MPI_LONG_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return all;
}

/* The directional derivative of L along dir (entries +-1, so V +- h dir
 * is exact for V in multiples of 2^-12) by central differences, against
 * <dV, dir> with dV the pullback of w cos(Ax). With c_s triplets of sum
 * S_s = sum (|V_k| + h) in entry s: Ax_s is off by at most (c_s - 1) u S_s
 * and each L by dL = sum_s |w_s| ((c_s - 1) u S_s + u); the difference
 * quotient by dL / h, plus truncation h^2 / 6 sum_s |w_s| c_s^3; the
 * gradient by sum_s |w_s| c_s ((c_s - 1) u S_s + 2 u). */
static void check_finite_difference(spg_mpi_plan *P, const problem *mine)
{
    const double u = 0x1p-53, h = 0x1p-14;
    spg_mpi_plan_info in;
    spg_mpi_plan_query(P, &in);
    const int64_t nv = mine->nnz, nnz = in.nnz;
    double *Vp = malloc((size_t)nv * 8 + 8), *Vm = malloc((size_t)nv * 8 + 8);
    double *dir = malloc((size_t)nv * 8 + 8), *dV = calloc((size_t)nv + 1, 8);
    double *Ax = malloc((size_t)nnz * 8 + 8), *w = calloc((size_t)nnz + 1, 8);
    double *c = malloc((size_t)nnz * 8 + 8), *S = malloc((size_t)nnz * 8 + 8);
    for (int64_t k = 0; k < nv; k++) {
        dir[k] = noise((uint64_t)k + 99) > 0 ? 1 : -1;
        Vp[k] = 1, Vm[k] = fabs(mine->V[k]) + h;
    }
    CHECK_STATUS(spg_mpi_assemble(ctx, P, SPG_DOUBLE, Vp, c), SPG_SUCCESS);
    CHECK_STATUS(spg_mpi_assemble(ctx, P, SPG_DOUBLE, Vm, S), SPG_SUCCESS);
    long double bound[3] = {0, 0, 0}, all[3]; /* dL, truncation, gradient */
    for (int64_t s = 0; s < nnz; s++) {
        w[s] = (double)(s % 9 - 4) / 4;
        const double a = (c[s] - 1) * u * S[s] * (1 + c[s] * u);
        bound[0] += fabs(w[s]) * (a + u);
        bound[1] += fabs(w[s]) * c[s] * c[s] * c[s];
        bound[2] += fabs(w[s]) * c[s] * (a + 2 * u);
    }
    MPI_Allreduce(bound, all, 3, MPI_LONG_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    for (int64_t k = 0; k < nv; k++)
        Vp[k] = mine->V[k] + h * dir[k], Vm[k] = mine->V[k] - h * dir[k];
    const long double fd = (loss(P, Vp, Ax, w, nnz) - loss(P, Vm, Ax, w, nnz)) / (2 * h);
    loss(P, mine->V, Ax, w, nnz);
    for (int64_t s = 0; s < nnz; s++)
        Ax[s] = w[s] * cos(Ax[s]); /* dAx, in place */
    CHECK_STATUS(spg_mpi_assemble_pullback(ctx, P, SPG_DOUBLE, Ax, dV), SPG_SUCCESS);
    const long double grad = dot_all(dV, dir, nv);
    const long double tol = all[0] / h + h * h / 6 * all[1] + all[2];
    if (!CHECK(fabsl(fd - grad) <= tol))
        fprintf(stderr, "  rank %d: finite difference %.17Lg, gradient %.17Lg, bound %Lg\n", me,
                fd, grad, tol);
    free(Vp), free(Vm), free(dir), free(dV), free(Ax), free(w), free(c), free(S);
}

/* The finite difference on g's triplets as they are (multiples of
 * 2^-12), split cyclically. */
static void test_finite_difference(const problem *g)
{
    problem mine = share(g, CYCLIC, me, me + 1);
    spg_coo lc = coo_of(&mine, SPG_INT64, 0);
    spg_mpi_plan *P = NULL;
    if (CHECK_STATUS(spg_mpi_plan_create(ctx, MPI_COMM_WORLD, &lc, rows_of(NONE_ON_1, me, g->m),
                                         rows_of(EVEN, me, g->n),
                                         g->has_negative ? SPG_SKIP_NEGATIVE : 0, &P),
                     SPG_SUCCESS))
        check_finite_difference(P, &mine);
    spg_mpi_plan_destroy(P);
    coo_free(&lc), problem_free(&mine);
}

/* f = x' A y on a diagonal 2^60, 1, -2^60 (x = y = 1, the triplets spread
 * cyclically): exactly 1, where a sum in double in any order of the ranks'
 * shares gives 0 or 2^60 +- 1 rounded; then with an infinite entry, inf. */
static void test_exact_sum(void)
{
    problem g = problem_new("exact", 3, 3, 3);
    const double V[] = {0x1p60, 1, -0x1p60};
    for (int64_t k = 0; k < 3; k++)
        g.I[k] = g.J[k] = k, g.V[k] = V[k];
    for (int dt = 0; dt < 2; dt++) {
        problem mine = share(&g, CYCLIC, me, me + 1);
        spg_coo lc = coo_of(&mine, SPG_INT32, 0);
        spg_mpi_plan *P = NULL;
        const int64_t rows = rows_of(EVEN, me, 3);
        double f = 0;
        if (CHECK_STATUS(spg_mpi_plan_create(ctx, MPI_COMM_WORLD, &lc, rows, rows, 0, &P),
                         SPG_SUCCESS)) {
            void *Vm = problem_values(&mine, (spg_dtype)dt), *Ax = calloc(4, 8);
            void *one = calloc(4, 8);
            for (int t = 0; t < 3; t++)
                spg_vset((spg_dtype)dt, one, t, 1);
            CHECK_STATUS(spg_mpi_assemble(ctx, P, (spg_dtype)dt, Vm, Ax), SPG_SUCCESS);
            CHECK_STATUS(spg_mpi_bilinear(ctx, P, (spg_dtype)dt, Ax, one, one, &f), SPG_SUCCESS);
            CHECK(f == 1);
            spg_vset((spg_dtype)dt, Ax, 0, me == 0 && rows > 0 ? INFINITY : spg_vget((spg_dtype)dt, Ax, 0));
            CHECK_STATUS(spg_mpi_bilinear(ctx, P, (spg_dtype)dt, Ax, one, one, &f), SPG_SUCCESS);
            CHECK(isinf(f) && f > 0);
            free(Vm), free(Ax), free(one);
        }
        spg_mpi_plan_destroy(P);
        coo_free(&lc), problem_free(&mine);
    }
    problem_free(&g);
}

/* Plan creation where one rank's arguments are bad: every rank fails
 * with want[rank] and leaves *plan as it was. */
static void create_fails(spg_context *c, const spg_coo *coo, int64_t rows, int64_t cols,
                         unsigned flags, const spg_status *want, const char *what)
{
    spg_mpi_plan *const marked = (spg_mpi_plan *)&ctx, *P = marked;
    const spg_status st = spg_mpi_plan_create(c, MPI_COMM_WORLD, coo, rows, cols, flags, &P);
    if (!CHECK(st == want[me] && P == marked))
        fprintf(stderr, "  rank %d, %s: status %d, wanted %d\n", me, what, st, want[me]);
}

static void test_create_errors(const problem *g)
{
    problem mine = share(g, CYCLIC, me, me + 1);
    spg_coo lc = coo_of(&mine, SPG_INT64, 0), bad = lc;
    const int64_t rows = rows_of(EVEN, me, g->m), cols = rows_of(EVEN, me, g->n), last = size - 1;
    spg_status want[MAX_RANKS];
    int64_t *I = (int64_t *)lc.I, i0 = I[0];
    for (int p = 0; p < size; p++)
        want[p] = SPG_ERR_INDEX_RANGE;
    if (me == last)
        I[0] = g->m; /* out of range on the last rank */
    create_fails(ctx, &lc, rows, cols, 0, want, "a row out of range on the last rank");
    if (size > 1) { /* and a negative index on rank 0: the lowest rank's status elsewhere */
        if (me == 0)
            I[0] = -1;
        for (int p = 0; p < last; p++)
            want[p] = SPG_ERR_NEGATIVE_INDEX;
        create_fails(ctx, &lc, rows, cols, 0, want, "a negative index on rank 0");
    }
    I[0] = i0;
    for (int p = 0; p < size; p++)
        want[p] = SPG_ERR_DIMENSION;
    create_fails(ctx, &lc, rows + (me == 0), cols, 0, want, "rows adding up to m + 1");
    create_fails(ctx, &lc, rows, cols + (me == last), 0, want, "columns adding up to n + 1");
    bad.m = g->m + (me == last);
    create_fails(ctx, &bad, rows, cols, 0, want, "another m on the last rank");
    for (int p = 0; p < size; p++)
        want[p] = SPG_ERR_NULL_POINTER;
    create_fails(me == 0 ? NULL : ctx, &lc, rows, cols, 0, want, "no context on rank 0");
    if (size > 1) {
        for (int p = 0; p < size; p++)
            want[p] = SPG_ERR_INVALID_VALUE;
        create_fails(ctx, &lc, rows, cols, me == last ? SPG_ONE_BASED : 0, want, "other flags");
    }
    spg_mpi_plan *P = NULL;
    CHECK_STATUS(spg_mpi_plan_create(ctx, MPI_COMM_NULL, &lc, rows, cols, 0, &P),
                 SPG_ERR_INVALID_VALUE);
    coo_free(&lc), problem_free(&mine);
}

/* Every rank's status is want, and out (bytes) is as it was. */
static void call_fails(spg_status st, spg_status want, const void *out, const void *before,
                       size_t bytes, const char *what)
{
    if (!CHECK(st == want && !memcmp(out, before, bytes)))
        fprintf(stderr, "  rank %d, %s: status %d, wanted %d\n", me, what, st, want);
}

/* The operations on A where one rank's arguments are bad: every rank
 * fails, its outputs as they were (Ax: the block's values). */
static void test_form_errors(spg_mpi_plan *P, const double *Ax, int64_t nv)
{
    spg_mpi_plan_info in;
    spg_mpi_plan_query(P, &in);
    const int64_t nr = in.row_end - in.row_begin, nc = in.col_end - in.col_begin;
    const int last = size - 1;
    double *xr = vector(SPG_DOUBLE, nr, 1), *xc = vector(SPG_DOUBLE, nc, 2);
    double *yr = vector(SPG_DOUBLE, nr, 3), *y0 = copy(SPG_DOUBLE, yr, nr);
    double *dc = vector(SPG_DOUBLE, nc, 4), *d0 = copy(SPG_DOUBLE, dc, nc);
    double *dA = vector(SPG_DOUBLE, in.nnz, 5), *dA0 = copy(SPG_DOUBLE, dA, in.nnz);
    double *dV = vector(SPG_DOUBLE, nv, 6), *dV0 = copy(SPG_DOUBLE, dV, nv), f = 3;
    const size_t rb = (size_t)nr * 8, cb = (size_t)nc * 8;
    call_fails(spg_mpi_spmv(ctx, P, me == 0 ? (spg_op)7 : SPG_OP_N, 1, SPG_DOUBLE, Ax, xc, 0, yr),
               SPG_ERR_INVALID_VALUE, yr, y0, rb, "SpMV with a bad op on rank 0");
    call_fails(spg_mpi_spmv(ctx, P, SPG_OP_N, 1, SPG_DOUBLE, Ax, me == last ? NULL : xc, 0, yr),
               SPG_ERR_NULL_POINTER, yr, y0, rb, "SpMV with no x on the last rank");
    call_fails(spg_mpi_spmv_pullback(ctx, P, SPG_OP_T, 1, SPG_DOUBLE, me == 0 ? NULL : Ax, xr, dc,
                                     dA, NULL),
               SPG_ERR_PATTERN_GRADIENT, dA, dA0, (size_t)in.nnz * 8, "dA of a pattern on rank 0");
    call_fails(spg_mpi_bilinear(ctx, P, SPG_DOUBLE, Ax, xr, xc, me == last ? NULL : &f),
               SPG_ERR_NULL_POINTER, &f, &(double){3}, 8, "f not given on the last rank");
    call_fails(spg_mpi_bilinear_value_and_grad(ctx, P, SPG_DOUBLE, Ax, xr, me == 0 ? NULL : xc, &f,
                                               NULL, NULL, dc),
               SPG_ERR_NULL_POINTER, dc, d0, cb, "no y on rank 0");
    call_fails(spg_mpi_coo_bilinear_pullback(ctx, P, SPG_DOUBLE, xr, xc, 1, me == last ? NULL : dV),
               SPG_ERR_NULL_POINTER, dV, dV0, (size_t)nv * 8, "no dV on the last rank");
    if (size > 1) { /* what must be alike on every rank */
        call_fails(spg_mpi_assemble_pullback(ctx, P, me == last ? SPG_FLOAT : SPG_DOUBLE, Ax, dV),
                   SPG_ERR_INVALID_VALUE, dV, dV0, (size_t)nv * 8, "float on the last rank");
        call_fails(spg_mpi_spmv(ctx, P, me == 0 ? SPG_OP_T : SPG_OP_N, 1, SPG_DOUBLE, Ax, xc, 0, yr),
                   SPG_ERR_INVALID_VALUE, yr, y0, rb, "op T on rank 0 only");
        call_fails(spg_mpi_spmv_pullback(ctx, P, SPG_OP_N, 1, SPG_DOUBLE, Ax, xc, xr,
                                         me == 0 ? dA : NULL, NULL),
                   SPG_ERR_INVALID_VALUE, dA, dA0, (size_t)in.nnz * 8, "dA asked for on rank 0 only");
    }
    free(xr), free(xc), free(yr), free(y0), free(dc), free(d0), free(dA), free(dA0), free(dV),
        free(dV0);
}

/* Assembly and its pullback where one rank's arguments are bad. */
static void test_call_errors(const problem *g)
{
    problem mine = share(g, CYCLIC, me, me + 1);
    spg_coo lc = coo_of(&mine, SPG_INT64, 0);
    spg_mpi_plan *P = NULL;
    spg_mpi_plan_info in;
    if (!CHECK_STATUS(spg_mpi_plan_create(ctx, MPI_COMM_WORLD, &lc, rows_of(EVEN, me, g->m),
                                          rows_of(EVEN, me, g->n), 0, &P),
                      SPG_SUCCESS))
        return;
    spg_mpi_plan_query(P, &in);
    const int last = size - 1;
    const size_t ab = (size_t)in.nnz * 8, vb = (size_t)mine.nnz * 8;
    double *V = problem_values(&mine, SPG_DOUBLE), *Ax = malloc(ab + 8), *A0 = malloc(ab + 8);
    double *dV = malloc(vb + 8), *dV0 = malloc(vb + 8);
    for (int64_t s = 0; s < in.nnz; s++)
        Ax[s] = A0[s] = 7;
    for (int64_t k = 0; k < mine.nnz; k++)
        dV[k] = dV0[k] = 7;
    call_fails(spg_mpi_assemble(ctx, P, SPG_DOUBLE, me == last ? NULL : V, Ax), SPG_ERR_NULL_POINTER,
               Ax, A0, ab, "assembly with no V on the last rank");
    call_fails(spg_mpi_assemble(ctx, P, me == 0 ? (spg_dtype)2 : SPG_DOUBLE, V, Ax),
               SPG_ERR_INVALID_VALUE, Ax, A0, ab, "assembly with a bad type on rank 0");
    call_fails(spg_mpi_assemble_pullback(me == last ? NULL : ctx, P, SPG_DOUBLE, A0, dV),
               SPG_ERR_NULL_POINTER, dV, dV0, vb, "pullback with no context on the last rank");
    call_fails(spg_mpi_assemble_pullback(ctx, P, SPG_DOUBLE, A0, me == 0 ? NULL : dV),
               SPG_ERR_NULL_POINTER, dV, dV0, vb, "pullback with no dV on rank 0");
    CHECK_STATUS(spg_mpi_assemble(ctx, P, SPG_DOUBLE, V, Ax), SPG_SUCCESS);
    test_form_errors(P, Ax, mine.nnz);
    spg_csc A;
    CHECK_STATUS(spg_mpi_assemble(ctx, NULL, SPG_DOUBLE, V, Ax), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_mpi_plan_query(NULL, &in), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_mpi_plan_query(P, NULL), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_mpi_plan_csc(NULL, SPG_DOUBLE, Ax, &A), SPG_ERR_NULL_POINTER);
    const int64_t *ghost;
    CHECK_STATUS(spg_mpi_plan_ghosts(NULL, &ghost), SPG_ERR_NULL_POINTER);
    CHECK_STATUS(spg_mpi_plan_ghosts(P, NULL), SPG_ERR_NULL_POINTER);
    spg_mpi_plan_destroy(P);
    spg_mpi_plan_destroy(NULL);
    free(V), free(Ax), free(A0), free(dV), free(dV0);
    coo_free(&lc), problem_free(&mine);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size > MAX_RANKS || spg_context_create(SPG_BACKEND_CPU, &ctx) != SPG_SUCCESS) {
        fprintf(stderr, "test_mpi: at most %d ranks, and a CPU context\n", MAX_RANKS);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    problem ps[] = {fem_problem(30, 0), problem_random("random", 97, 89, 5000, 3, 11),
                    problem_random("tiny", 3, 2, 5, 0, 3), problem_new("empty", 5, 4, 0),
                    fem_problem(30, 97)};
    test_finite_difference(&ps[1]);
    test_exact_sum();
    for (size_t q = 0; q < sizeof ps / sizeof ps[0]; q++) {
        vary(&ps[q]);
        run_problem(&ps[q]);
    }
    test_create_errors(&ps[0]);
    test_call_errors(&ps[0]);
    for (size_t q = 0; q < sizeof ps / sizeof ps[0]; q++)
        problem_free(&ps[q]);
    spg_context_destroy(ctx);
    int failed = spg_test_failed, any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    printf("rank %d of %d: ", me, size);
    spg_test_done();
    MPI_Finalize();
    return any ? 1 : 0;
}
