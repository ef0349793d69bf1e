/* libFuzzer target: spg_csc_check on arbitrary small CSC views against an
 * independent structural oracle; on a view it accepts, spg_spmv (op N and
 * op T) and spg_bilinear against a dense oracle summed in long double,
 * within the rounding bound (count + 3) u sum|terms|.
 *
 * Input layout (bytes past the end of the input read as 0):
 *   byte 0   m, taken mod 33
 *   byte 1   n, taken mod 33
 *   byte 2   nnz code (mod 65)
 *   byte 3   bit 0: SPG_INT64 indices; bit 1: SPG_DOUBLE values; bit 2: a
 *            pattern matrix (values NULL); bit 3: colptr codes are raw
 *            values (else steps from 0); bit 4: rowind codes are raw values
 *            (else steps within each column); bit 5: nnz is the nnz code
 *            (else colptr[n] when that lies in 0..64)
 *   then     n + 1 colptr codes, nnz rowind codes, see decode_colptr and
 *            decode_rowind
 *   then     value codes (see nice_value): values (nnz, unless a pattern),
 *            x of length m, x of length n, y of length m, y of length n,
 *            alpha, then the beta code (see decode_beta)
 */
#include "fuzz.h"

enum {
    MAX_DIM = 32, /* largest m and n */
    MAX_NNZ = 64  /* largest nnz */
};

/* One decoded input; the view's arrays are exactly as long as it says. */
typedef struct csc_case {
    spg_csc A;
    int pattern; /* values NULL: all ones */
    int64_t colptr[MAX_DIM + 1], rowind[MAX_NNZ]; /* the view's indices, widened */
    double values[MAX_NNZ];
    double xm[MAX_DIM], xn[MAX_DIM], ym[MAX_DIM], yn[MAX_DIM];
    double alpha, beta;
} csc_case;

/* A raw index: the signed byte, or the extremes of type t. */
static int64_t raw_index(uint8_t code, spg_itype t)
{
    const int wide = t == SPG_INT64;
    if (code == 0x7F)
        return wide ? INT64_MAX : INT32_MAX;
    if (code == 0x80)
        return wide ? INT64_MIN : INT32_MIN;
    return code < 0x80 ? (int64_t)code : (int64_t)code - 256;
}

/* A step: 0..max - 1 mostly, -8..7 for codes from 0xF0. */
static int64_t step(uint8_t code, int max)
{
    return code < 0xF0 ? code % max : (int64_t)code - 0xF8;
}

/* A value exact in float: (-16..15) * 2^(-8, -6, .., 6). */
static double nice_value(uint8_t code)
{
    return ldexp((double)((code & 0x1F) - 16), ((code >> 5) - 4) * 2);
}

/* beta from its code: 0 and 1 often (their special paths), else a value. */
static double decode_beta(uint8_t code)
{
    if ((code & 3) == 0)
        return 0;
    return (code & 3) == 1 ? 1 : nice_value(code);
}

/* colptr from n + 1 codes: raw values, or steps from 0. */
static void decode_colptr(fz_bytes *b, csc_case *c, int raw)
{
    const int64_t n = c->A.n;
    for (int64_t j = 0; j <= n; j++) {
        const uint8_t code = fz_u8(b);
        if (raw)
            c->colptr[j] = raw_index(code, c->A.itype);
        else
            c->colptr[j] = j == 0 ? 0 : c->colptr[j - 1] + step(code, 4);
    }
}

/* rowind from nnz codes: raw values, or steps from -1 that restart where
 * colptr says a column starts. */
static void decode_rowind(fz_bytes *b, csc_case *c, int raw)
{
    const int64_t nnz = c->A.nnz;
    int starts[MAX_NNZ] = {0};
    for (int64_t j = 0; j < c->A.n; j++)
        if (c->colptr[j] >= 0 && c->colptr[j] < nnz)
            starts[c->colptr[j]] = 1;
    int64_t prev = -1;
    for (int64_t p = 0; p < nnz; p++) {
        const uint8_t code = fz_u8(b);
        if (starts[p])
            prev = -1;
        if (raw)
            c->rowind[p] = raw_index(code, c->A.itype);
        else
            c->rowind[p] = prev + 1 + step(code, 3);
        prev = c->rowind[p];
    }
}

/* Fills v[0..len) with nice values. */
static void decode_values(fz_bytes *b, double *v, int64_t len)
{
    for (int64_t k = 0; k < len; k++)
        v[k] = nice_value(fz_u8(b));
}

/* Decodes the whole case; the view's arrays are left to build_view. */
static void decode_case(fz_bytes *b, csc_case *c)
{
    c->A.m = fz_u8(b) % (MAX_DIM + 1);
    c->A.n = fz_u8(b) % (MAX_DIM + 1);
    const int64_t nnz_code = fz_u8(b) % (MAX_NNZ + 1);
    const uint8_t mode = fz_u8(b);
    c->A.itype = (mode & 1) ? SPG_INT64 : SPG_INT32;
    c->A.dtype = (mode & 2) ? SPG_DOUBLE : SPG_FLOAT;
    decode_colptr(b, c, (mode & 8) != 0);
    const int64_t last = c->colptr[c->A.n];
    c->A.nnz = !(mode & 32) && last >= 0 && last <= MAX_NNZ ? last : nnz_code;
    decode_rowind(b, c, (mode & 16) != 0);
    c->pattern = (mode & 4) != 0;
    if (!c->pattern)
        decode_values(b, c->values, c->A.nnz);
    decode_values(b, c->xm, c->A.m);
    decode_values(b, c->xn, c->A.n);
    decode_values(b, c->ym, c->A.m);
    decode_values(b, c->yn, c->A.n);
    c->alpha = nice_value(fz_u8(b));
    c->beta = decode_beta(fz_u8(b));
}

/* Allocates the view's arrays at their exact lengths and fills them. */
static void build_view(csc_case *c)
{
    spg_csc *A = &c->A;
    void *colptr = fz_alloc(A->n + 1, spg_isize(A->itype));
    void *rowind = fz_alloc(A->nnz, spg_isize(A->itype));
    for (int64_t j = 0; j <= A->n; j++)
        spg_iset(A->itype, colptr, j, c->colptr[j]);
    for (int64_t p = 0; p < A->nnz; p++)
        spg_iset(A->itype, rowind, p, c->rowind[p]);
    A->colptr = colptr;
    A->rowind = rowind;
    A->values = c->pattern ? NULL : fz_values(A->dtype, c->values, A->nnz);
    if (c->pattern)
        for (int64_t p = 0; p < A->nnz; p++)
            c->values[p] = 1; /* a pattern matrix acts as all ones */
}

/* The structural verdict, from the definition: colptr starts at 0, never
 * decreases and ends at nnz; rows strictly increase in [0, m) per column. */
static int oracle_valid(const csc_case *c)
{
    const int64_t n = c->A.n, m = c->A.m;
    if (c->colptr[0] != 0 || c->colptr[n] != c->A.nnz)
        return 0;
    for (int64_t j = 0; j < n; j++)
        if (c->colptr[j + 1] < c->colptr[j])
            return 0;
    for (int64_t j = 0; j < n; j++) {
        int64_t prev = -1;
        for (int64_t p = c->colptr[j]; p < c->colptr[j + 1]; p++) {
            if (c->rowind[p] <= prev || c->rowind[p] >= m)
                return 0;
            prev = c->rowind[p];
        }
    }
    return 1;
}

/* Unit roundoff of type t. */
static long double unit_roundoff(spg_dtype t)
{
    return t == SPG_FLOAT ? ldexpl(1, -24) : ldexpl(1, -53);
}

/* got must lie within (count + 3) u sumabs of exact. */
static void check_bound(const csc_case *c, const char *what, int64_t i, double got,
                        long double exact, long double sumabs, int64_t count)
{
    const long double bound = (long double)(count + 3) * unit_roundoff(c->A.dtype) * sumabs;
    if (!(fabsl((long double)got - exact) <= bound))
        fz_fail("%s[%" PRId64 "] is %a, expected %La within %La", what, i, got, exact, bound);
}

/* One spg_spmv call against the dense oracle: y = alpha op(A) x + beta y0,
 * y0 NaN when beta is 0 (it must not be read). */
static void check_spmv(const csc_case *c, const double *dense, const char *stored, spg_op op)
{
    const spg_csc *A = &c->A;
    const int64_t xlen = op == SPG_OP_N ? A->n : A->m, ylen = op == SPG_OP_N ? A->m : A->n;
    const double *x = op == SPG_OP_N ? c->xn : c->xm, *y0 = op == SPG_OP_N ? c->ym : c->yn;
    double yin[MAX_DIM];
    for (int64_t i = 0; i < ylen; i++)
        yin[i] = c->beta == 0 ? NAN : y0[i];
    void *xv = fz_values(A->dtype, x, xlen), *yv = fz_values(A->dtype, yin, ylen);
    fz_ok(spg_spmv(fz_context(), op, c->alpha, A, xv, c->beta, yv), "spg_spmv");
    for (int64_t i = 0; i < ylen; i++) {
        long double exact = 0, sumabs = 0;
        int64_t count = 0;
        for (int64_t j = 0; j < xlen; j++) {
            const int64_t q = op == SPG_OP_N ? i + j * A->m : j + i * A->m;
            const long double t = (long double)c->alpha * dense[q] * x[j];
            exact += t;
            sumabs += fabsl(t);
            count += stored[q];
        }
        if (c->beta != 0) {
            exact += (long double)c->beta * y0[i];
            sumabs += fabsl((long double)c->beta * y0[i]);
            count++;
        }
        check_bound(c, op == SPG_OP_N ? "spmv N y" : "spmv T y", i, spg_vget(A->dtype, yv, i),
                    exact, sumabs, count);
    }
    free(xv);
    free(yv);
}

/* spg_bilinear against the dense oracle: f = x' A y. */
static void check_bilinear(const csc_case *c, const double *dense)
{
    const spg_csc *A = &c->A;
    void *xv = fz_values(A->dtype, c->xm, A->m), *yv = fz_values(A->dtype, c->xn, A->n);
    double f;
    fz_ok(spg_bilinear(fz_context(), A, xv, yv, &f), "spg_bilinear");
    long double exact = 0, sumabs = 0;
    for (int64_t j = 0; j < A->n; j++)
        for (int64_t i = 0; i < A->m; i++) {
            const long double t = (long double)c->xm[i] * dense[i + j * A->m] * c->xn[j];
            exact += t;
            sumabs += fabsl(t);
        }
    check_bound(c, "bilinear f", 0, f, exact, sumabs, A->nnz);
    free(xv);
    free(yv);
}

/* The operations on a view that passed the check. */
static void check_operations(const csc_case *c)
{
    static double dense[MAX_DIM * MAX_DIM];
    static char stored[MAX_DIM * MAX_DIM];
    const int64_t m = c->A.m, n = c->A.n;
    memset(dense, 0, sizeof dense);
    memset(stored, 0, sizeof stored);
    for (int64_t j = 0; j < n; j++)
        for (int64_t p = c->colptr[j]; p < c->colptr[j + 1]; p++) {
            dense[c->rowind[p] + j * m] = c->values[p];
            stored[c->rowind[p] + j * m] = 1;
        }
    check_spmv(c, dense, stored, SPG_OP_N);
    check_spmv(c, dense, stored, SPG_OP_T);
    check_bilinear(c, dense);
}

/* Decodes one view, compares the verdicts, and runs the operations. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static csc_case c;
    fz_bytes b = {data, size};
    memset(&c, 0, sizeof c);
    decode_case(&b, &c);
    build_view(&c);
    const int want = oracle_valid(&c);
    const spg_status st = spg_csc_check(fz_context(), &c.A);
    if (st != (want ? SPG_SUCCESS : SPG_ERR_INVALID_MATRIX))
        fz_fail("spg_csc_check returned %d on a view the oracle finds %s", (int)st,
                want ? "valid" : "invalid");
    if (want)
        check_operations(&c);
    free((void *)c.A.colptr);
    free((void *)c.A.rowind);
    free((void *)c.A.values);
    return 0;
}
