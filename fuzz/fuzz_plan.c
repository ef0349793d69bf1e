/* libFuzzer target: spg_plan_create, spg_plan_csc, spg_csc_check on the
 * plan's view, spg_assemble, spg_assemble_pullback and
 * spg_coo_bilinear_pullback on small triplet sets, against a serial dense
 * oracle. Results must match bit for bit.
 *
 * Input layout (bytes past the end of the input read as 0):
 *   byte 0   flags: bits 0-2 SPG_ONE_BASED, SPG_SKIP_NEGATIVE,
 *            SPG_COMPRESS_ROWS; bit 3 adds the undefined flag 8
 *   byte 1   m, taken mod 65
 *   byte 2   n, taken mod 65
 *   byte 3   bit 0: SPG_INT64 indices (else SPG_INT32);
 *            bit 1: SPG_DOUBLE values (else SPG_FLOAT)
 *   byte 4   count of triplets, taken mod 129
 *   then     count pairs of index codes (row, column), see decode_index
 *   then     value codes (see decode_value) for V (count), x (m), y (n),
 *            df (1) and, when the plan is made, dAx (one per stored entry)
 */
#include "fuzz.h"

enum {
    MAX_DIM = 64,     /* largest m and n */
    MAX_COUNT = 128,  /* most triplets */
    FLAG_BAD = 8      /* a flag bit spgrad does not define */
};

/* What one triplet is to the library. */
typedef enum triplet_kind { KEPT, SKIPPED, NEGATIVE, OUT_OF_RANGE } triplet_kind;

/* One decoded input. */
typedef struct plan_case {
    unsigned flags;
    int64_t m, n, count;
    spg_itype itype;
    spg_dtype dtype;
    int64_t I[MAX_COUNT], J[MAX_COUNT]; /* as given, before the base shift */
    double V[MAX_COUNT];                /* already rounded to dtype */
    double x[MAX_DIM], y[MAX_DIM], df;
} plan_case;

/* What the plan must hold, computed densely. */
typedef struct plan_oracle {
    spg_status status;
    int64_t vm, vn;           /* shape of the plan's view */
    int64_t entries;          /* stored entries */
    int64_t colptr[MAX_DIM + 1];
    int64_t rowind[MAX_COUNT];
    double Ax[MAX_COUNT];
    int64_t slot[MAX_COUNT];  /* entry of each triplet, -1 when not kept */
} plan_oracle;

/* An index from its code: mostly in range, else one of the faults. */
static int64_t decode_index(uint8_t code, int64_t dim, int64_t base, spg_itype t)
{
    const int wide = t == SPG_INT64;
    if (code < 0xF0)
        return dim > 0 ? base + code % dim : base;
    switch (code) {
    case 0xF0: return base - 1;
    case 0xF1: return dim + base;
    case 0xF2: return dim + base + 1000;
    case 0xF3: return wide ? INT64_MAX : INT32_MAX;
    case 0xF4: return wide ? INT64_MIN : INT32_MIN;
    default: return 0xF4 - (int64_t)code; /* -1 .. -11 */
    }
}

/* A value of type t from its code: below 0xC0 a small integer scaled by
 * 2^-20, 1 or 2^20; else the raw bytes that follow (NaN, Inf, anything). */
static double decode_value(fz_bytes *b, spg_dtype t)
{
    uint8_t code = fz_u8(b);
    if (code < 0xC0)
        return ldexp((double)((code & 0x3F) - 32), ((code >> 6) - 1) * 20);
    if (t == SPG_FLOAT) {
        float f;
        fz_take(b, &f, sizeof f);
        return f;
    }
    double d;
    fz_take(b, &d, sizeof d);
    return d;
}

/* Fills v[0..len) with decoded values of type t. */
static void decode_values(fz_bytes *b, spg_dtype t, double *v, int64_t len)
{
    for (int64_t k = 0; k < len; k++)
        v[k] = decode_value(b, t);
}

/* Decodes the header, the triplets, V, x, y and df. */
static void decode_case(fz_bytes *b, plan_case *c)
{
    uint8_t flags = fz_u8(b);
    c->flags = (flags & 7u) | ((flags & 8u) ? (unsigned)FLAG_BAD : 0u);
    c->m = fz_u8(b) % (MAX_DIM + 1);
    c->n = fz_u8(b) % (MAX_DIM + 1);
    uint8_t types = fz_u8(b);
    c->itype = (types & 1) ? SPG_INT64 : SPG_INT32;
    c->dtype = (types & 2) ? SPG_DOUBLE : SPG_FLOAT;
    c->count = fz_u8(b) % (MAX_COUNT + 1);
    const int64_t base = (c->flags & SPG_ONE_BASED) ? 1 : 0;
    for (int64_t k = 0; k < c->count; k++) {
        c->I[k] = decode_index(fz_u8(b), c->m, base, c->itype);
        c->J[k] = decode_index(fz_u8(b), c->n, base, c->itype);
    }
    decode_values(b, c->dtype, c->V, c->count);
    decode_values(b, c->dtype, c->x, c->m);
    decode_values(b, c->dtype, c->y, c->n);
    c->df = decode_value(b, c->dtype);
}

/* Triplet k under flags, with its zero-based (i, j) when kept. */
static triplet_kind classify(const plan_case *c, unsigned flags, int64_t k, int64_t *i,
                             int64_t *j)
{
    const int64_t base = (flags & SPG_ONE_BASED) ? 1 : 0;
    if (c->I[k] < 0 || c->J[k] < 0)
        return (flags & SPG_SKIP_NEGATIVE) ? SKIPPED : NEGATIVE;
    *i = c->I[k] - base;
    *j = c->J[k] - base;
    if (*i < 0 || *i >= c->m || *j < 0 || *j >= c->n)
        return OUT_OF_RANGE;
    return KEPT;
}

/* The status of spg_plan_create and of the COO pullbacks under flags: an
 * undefined flag, else the first faulty triplet in input order decides
 * (SPG_COMPRESS_ROWS is a defined flag for both). */
static spg_status triplets_status(const plan_case *c, unsigned flags)
{
    if (flags & ~7u)
        return SPG_ERR_INVALID_VALUE;
    for (int64_t k = 0; k < c->count; k++) {
        int64_t i, j;
        triplet_kind t = classify(c, flags, k, &i, &j);
        if (t == NEGATIVE)
            return SPG_ERR_NEGATIVE_INDEX;
        if (t == OUT_OF_RANGE)
            return SPG_ERR_INDEX_RANGE;
    }
    return SPG_SUCCESS;
}

/* The pattern, sums and slots of a valid case: a dense array of the view's
 * shape summed in triplet order, then read column by column. */
static void dense_oracle(const plan_case *c, plan_oracle *o)
{
    static double sum[MAX_DIM * MAX_DIM];
    static int64_t entry[MAX_DIM * MAX_DIM]; /* -1: no triplet, else first k */
    const int by_rows = (c->flags & SPG_COMPRESS_ROWS) != 0;
    int64_t cell[MAX_COUNT];
    o->vm = by_rows ? c->n : c->m;
    o->vn = by_rows ? c->m : c->n;
    for (int64_t q = 0; q < o->vm * o->vn; q++)
        entry[q] = -1;
    for (int64_t k = 0; k < c->count; k++) {
        int64_t i, j;
        cell[k] = -1;
        if (classify(c, c->flags, k, &i, &j) != KEPT)
            continue;
        cell[k] = by_rows ? j + i * o->vm : i + j * o->vm;
        if (entry[cell[k]] < 0) {
            entry[cell[k]] = k;
            sum[cell[k]] = c->V[k];
        } else {
            sum[cell[k]] = fz_add(c->dtype, sum[cell[k]], c->V[k]);
        }
    }
    o->entries = 0;
    for (int64_t vj = 0; vj < o->vn; vj++) {
        o->colptr[vj] = o->entries;
        for (int64_t vi = 0; vi < o->vm; vi++) {
            const int64_t q = vi + vj * o->vm;
            if (entry[q] < 0)
                continue;
            o->rowind[o->entries] = vi;
            o->Ax[o->entries] = sum[q];
            entry[q] = o->entries++; /* from here on: the entry's number */
        }
    }
    o->colptr[o->vn] = o->entries;
    for (int64_t k = 0; k < c->count; k++)
        o->slot[k] = cell[k] < 0 ? -1 : entry[cell[k]];
}

/* The view of the plan must be the oracle's pattern, accepted by
 * spg_csc_check. */
static void check_view(const plan_case *c, const plan_oracle *o, const spg_plan *plan,
                       void *Ax)
{
    spg_csc A;
    fz_ok(spg_plan_csc(plan, c->dtype, Ax, &A), "spg_plan_csc");
    if (A.m != o->vm || A.n != o->vn || A.nnz != o->entries || A.itype != c->itype ||
        A.dtype != c->dtype || A.values != Ax)
        fz_fail("plan view %" PRId64 " x %" PRId64 " nnz %" PRId64 ", expected %" PRId64
                " x %" PRId64 " nnz %" PRId64, A.m, A.n, A.nnz, o->vm, o->vn, o->entries);
    for (int64_t j = 0; j <= o->vn; j++)
        if (spg_iget(c->itype, A.colptr, j) != o->colptr[j])
            fz_fail("colptr[%" PRId64 "] is %" PRId64 ", expected %" PRId64, j,
                    spg_iget(c->itype, A.colptr, j), o->colptr[j]);
    for (int64_t p = 0; p < o->entries; p++)
        if (spg_iget(c->itype, A.rowind, p) != o->rowind[p])
            fz_fail("rowind[%" PRId64 "] is %" PRId64 ", expected %" PRId64, p,
                    spg_iget(c->itype, A.rowind, p), o->rowind[p]);
    fz_ok(spg_csc_check(fz_context(), &A), "spg_csc_check on a plan's view");
}

/* spg_assemble must give the oracle's sums bit for bit. */
static void check_assemble(const plan_case *c, const plan_oracle *o, const spg_plan *plan,
                           const void *V, void *Ax)
{
    fz_ok(spg_assemble(fz_context(), plan, c->dtype, V, Ax), "spg_assemble");
    for (int64_t s = 0; s < o->entries; s++)
        if (!fz_same(c->dtype, spg_vget(c->dtype, Ax, s), o->Ax[s]))
            fz_fail("Ax[%" PRId64 "] is %a, expected %a", s, spg_vget(c->dtype, Ax, s),
                    o->Ax[s]);
}

/* spg_assemble_pullback must add dAx[slot(k)] to dV[k] for kept triplets
 * and leave the others' bits alone. */
static void check_assemble_pullback(const plan_case *c, const plan_oracle *o,
                                    const spg_plan *plan, fz_bytes *b)
{
    double dA[MAX_COUNT];
    decode_values(b, c->dtype, dA, o->entries);
    void *dAx = fz_values(c->dtype, dA, o->entries);
    void *dV = fz_values(c->dtype, c->V, c->count);
    fz_ok(spg_assemble_pullback(fz_context(), plan, c->dtype, dAx, dV),
          "spg_assemble_pullback");
    for (int64_t k = 0; k < c->count; k++) {
        const double want = o->slot[k] < 0 ? c->V[k]
                                           : fz_add(c->dtype, c->V[k], dA[o->slot[k]]);
        if (!fz_same(c->dtype, spg_vget(c->dtype, dV, k), want))
            fz_fail("assemble pullback dV[%" PRId64 "] is %a, expected %a (slot %" PRId64 ")",
                    k, spg_vget(c->dtype, dV, k), want, o->slot[k]);
    }
    free(dAx);
    free(dV);
}

/* spg_plan_create's status, and on success the plan's view, assembly and
 * assembly pullback. */
static void check_plan(const plan_case *c, const void *I, const void *J, const void *V,
                       fz_bytes *b)
{
    static plan_oracle o;
    spg_coo coo = {c->m, c->n, c->count, c->itype, I, J};
    spg_plan *plan = NULL;
    o.status = triplets_status(c, c->flags);
    spg_status st = spg_plan_create(fz_context(), &coo, c->flags, &plan);
    if (st != o.status)
        fz_fail("spg_plan_create returned %d, expected %d", (int)st, (int)o.status);
    if (st != SPG_SUCCESS) {
        if (plan)
            fz_fail("spg_plan_create wrote the plan pointer on an error");
        return;
    }
    dense_oracle(c, &o);
    if (spg_plan_nnz(plan) != o.entries)
        fz_fail("spg_plan_nnz is %" PRId64 ", expected %" PRId64, spg_plan_nnz(plan),
                o.entries);
    void *Ax = fz_alloc(o.entries, spg_vsize(c->dtype));
    check_view(c, &o, plan, Ax);
    check_assemble(c, &o, plan, V, Ax);
    check_assemble_pullback(c, &o, plan, b);
    free(Ax);
    spg_plan_destroy(plan);
}

/* The expected dV[k] after spg_coo_bilinear_pullback under flags. */
static double coo_expected(const plan_case *c, unsigned flags, int64_t k)
{
    int64_t i, j;
    if (classify(c, flags, k, &i, &j) != KEPT)
        return c->V[k];
    const spg_dtype t = c->dtype;
    double xy = fz_mul(t, c->x[i], c->y[j]);
    return fz_add(t, c->V[k], fz_mul(t, fz_round(t, c->df), xy));
}

/* One call of spg_coo_bilinear_pullback under flags, starting from dV = V:
 * the oracle's status; on success dV[k] += df x[I_k] y[J_k] for kept
 * triplets, on an error dV untouched. */
static void coo_call(const plan_case *c, unsigned flags, const void *I, const void *J,
                     const void *x, const void *y)
{
    spg_coo coo = {c->m, c->n, c->count, c->itype, I, J};
    const size_t bytes = (size_t)c->count * spg_vsize(c->dtype);
    void *dV = fz_values(c->dtype, c->V, c->count);
    void *before = fz_values(c->dtype, c->V, c->count);
    spg_status want = triplets_status(c, flags);
    spg_status st = spg_coo_bilinear_pullback(fz_context(), &coo, flags, c->dtype, x, y,
                                              c->df, dV);
    if (st != want)
        fz_fail("spg_coo_bilinear_pullback (flags %u) returned %d, expected %d", flags,
                (int)st, (int)want);
    if (st != SPG_SUCCESS && bytes > 0 && memcmp(dV, before, bytes) != 0)
        fz_fail("spg_coo_bilinear_pullback wrote dV on an error");
    for (int64_t k = 0; st == SPG_SUCCESS && k < c->count; k++) {
        double e = coo_expected(c, flags, k);
        if (!fz_same(c->dtype, spg_vget(c->dtype, dV, k), e))
            fz_fail("coo pullback dV[%" PRId64 "] is %a, expected %a", k,
                    spg_vget(c->dtype, dV, k), e);
    }
    free(dV);
    free(before);
}

/* The COO pullback with the plan's flags less SPG_COMPRESS_ROWS, and with
 * them as they are, which must give the same (the flag is ignored). */
static void check_coo(const plan_case *c, const void *I, const void *J)
{
    void *x = fz_values(c->dtype, c->x, c->m);
    void *y = fz_values(c->dtype, c->y, c->n);
    coo_call(c, c->flags & ~(unsigned)SPG_COMPRESS_ROWS, I, J, x, y);
    if (c->flags & SPG_COMPRESS_ROWS)
        coo_call(c, c->flags, I, J, x, y);
    free(x);
    free(y);
}

/* An index array of type t holding v[0..len); NULL when len is 0. */
static void *index_array(spg_itype t, const int64_t *v, int64_t len)
{
    void *a = fz_alloc(len, spg_isize(t));
    for (int64_t k = 0; k < len; k++)
        spg_iset(t, a, k, v[k]);
    return a;
}

/* Decodes one case and runs every check on it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static plan_case c;
    fz_bytes b = {data, size};
    decode_case(&b, &c);
    void *I = index_array(c.itype, c.I, c.count);
    void *J = index_array(c.itype, c.J, c.count);
    void *V = fz_values(c.dtype, c.V, c.count);
    check_plan(&c, I, J, V, &b);
    check_coo(&c, I, J);
    free(I);
    free(J);
    free(V);
    return 0;
}
