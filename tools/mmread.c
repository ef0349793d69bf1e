/* Matrix Market reader: the banner, the size line and the entries of a
 * coordinate file, with symmetric and skew-symmetric files expanded to both
 * triangles. Every error names the line where the file is at fault. */
#define _POSIX_C_SOURCE 200809L /* newlocale, uselocale */
#include "mmread.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(LLONG_MAX == INT64_MAX, "strtoll must parse exactly int64_t");

enum {
    MM_LINE_MAX = 1 << 20,       /* longest line kept, in characters */
    MM_INITIAL_TRIPLETS = 4096,  /* most triplets reserved before they are read */
    MM_MAX_TOKENS = 6,           /* tokens split from a line; more are not needed */
    MM_SHOWN = 40                /* most characters of a token quoted in a message */
};

typedef enum mm_field { MM_REAL, MM_INTEGER, MM_PATTERN } mm_field;

/* Outcomes of parsing an integer token. */
typedef enum mm_parse { MM_OK, MM_NOT_NUMBER, MM_TOO_BIG } mm_parse;

static const char mm_banner_form[] =
    "%%MatrixMarket matrix coordinate real|integer|pattern "
    "general|symmetric|skew-symmetric";

/* One read in progress: the file, the current line and the error buffer. */
typedef struct mm_reader {
    FILE *f;
    spg_mm_options opt;
    char *buf;      /* the current line without its '\n', NUL-terminated */
    size_t len;     /* characters kept in buf */
    size_t cap;     /* bytes allocated for buf */
    int64_t line;   /* number of the current line, from 1 */
    int overlong;   /* the line had more than MM_LINE_MAX characters */
    int has_nul;    /* the line contained a NUL byte */
    char *err;
    size_t errlen;
} mm_reader;

/* What the banner and the size line say. */
typedef struct mm_header {
    mm_field field;
    spg_mm_symmetry symmetry;
    int64_t m, n, entries;
} mm_header;

/* The whitespace-separated tokens of a line (at most MM_MAX_TOKENS). */
typedef struct mm_tokens {
    int count;
    const char *at[MM_MAX_TOKENS];
    size_t len[MM_MAX_TOKENS];
} mm_tokens;

#if defined(__GNUC__)
static int fail(const mm_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#endif

/* Writes "line N: " (once a line has been read) and the message into the
 * error buffer; returns -1. */
static int fail(const mm_reader *r, const char *fmt, ...)
{
    if (!r->err || r->errlen == 0)
        return -1;
    int k = r->line > 0 ? snprintf(r->err, r->errlen, "line %" PRId64 ": ", r->line) : 0;
    if (k >= 0 && (size_t)k < r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Precision for quoting a token of len characters in a message. */
static int shown(size_t len)
{
    return len < MM_SHOWN ? (int)len : MM_SHOWN;
}

/* Appends c to the current line; past MM_LINE_MAX characters it drops
 * white space and marks the line as overlong at anything else. -1 when
 * memory runs out. */
static int keep_char(mm_reader *r, char c)
{
    if (r->len >= MM_LINE_MAX) {
        r->overlong |= !isspace((unsigned char)c);
        return 0;
    }
    if (r->len + 2 > r->cap) {
        size_t cap = 2 * r->cap;
        char *b = realloc(r->buf, cap);
        if (!b)
            return -1;
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return 0;
}

/* Reads the next line into r->buf: 1 when a line was read, 0 at the end of
 * the file, -1 on a read error or when memory runs out. */
static int next_line(mm_reader *r)
{
    int c, e;
    errno = 0;
    r->len = 0;
    r->overlong = 0;
    r->has_nul = 0;
    r->line++;
    while ((c = getc(r->f)) != EOF && c != '\n') {
        if (c == '\0')
            r->has_nul = 1;
        if (keep_char(r, (char)c))
            return fail(r, "out of memory");
    }
    e = errno;
    r->buf[r->len] = '\0';
    if (ferror(r->f))
        return fail(r, "read error: %s", strerror(e));
    return c == EOF && r->len == 0 ? 0 : 1;
}

/* First character at or after p that is not white space. */
static const char *skip_space(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* Reads lines until one that is neither blank nor a comment: 1 when found,
 * 0 at the end of the file, -1 on error (a NUL byte or an overlong line). */
static int next_data_line(mm_reader *r)
{
    for (;;) {
        int got = next_line(r);
        if (got <= 0)
            return got;
        const char *p = skip_space(r->buf);
        if (*p == '%')
            continue;
        if (r->has_nul)
            return fail(r, "the line contains a NUL byte");
        if (r->overlong)
            return fail(r, "the line is longer than %d characters", MM_LINE_MAX);
        if (*p)
            return 1;
    }
}

/* Splits s into its first MM_MAX_TOKENS whitespace-separated tokens. */
static void split(const char *s, mm_tokens *t)
{
    t->count = 0;
    for (s = skip_space(s); *s && t->count < MM_MAX_TOKENS; s = skip_space(s)) {
        const char *e = s;
        while (*e && !isspace((unsigned char)*e))
            e++;
        t->at[t->count] = s;
        t->len[t->count] = (size_t)(e - s);
        t->count++;
        s = e;
    }
}

/* Whether token k exists and equals word, ignoring case. */
static int token_is(const mm_tokens *t, int k, const char *word)
{
    size_t n = strlen(word);
    if (k >= t->count || t->len[k] != n)
        return 0;
    for (size_t c = 0; c < n; c++)
        if (tolower((unsigned char)t->at[k][c]) != tolower((unsigned char)word[c]))
            return 0;
    return 1;
}

/* Parses token k as a decimal int64 with nothing else in the token. */
static mm_parse parse_int64(const mm_tokens *t, int k, int64_t *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(t->at[k], &end, 10);
    if (end != t->at[k] + t->len[k] || t->len[k] == 0)
        return MM_NOT_NUMBER;
    if (errno == ERANGE)
        return MM_TOO_BIG;
    *out = (int64_t)x;
    return MM_OK;
}

/* Reads the banner's field word (token 3) into h->field. */
static int banner_field(const mm_reader *r, const mm_tokens *t, mm_header *h)
{
    if (token_is(t, 3, "real"))
        h->field = MM_REAL;
    else if (token_is(t, 3, "integer"))
        h->field = MM_INTEGER;
    else if (token_is(t, 3, "pattern"))
        h->field = MM_PATTERN;
    else if (token_is(t, 3, "complex"))
        return fail(r, "complex matrices are not supported");
    else
        return fail(r, "unknown field '%.*s' in the banner; expected real, integer or pattern",
                    shown(t->len[3]), t->at[3]);
    return 0;
}

/* Reads the banner's symmetry word (token 4) into h->symmetry. */
static int banner_symmetry(const mm_reader *r, const mm_tokens *t, mm_header *h)
{
    if (token_is(t, 4, "general"))
        h->symmetry = SPG_MM_GENERAL;
    else if (token_is(t, 4, "symmetric"))
        h->symmetry = SPG_MM_SYMMETRIC;
    else if (token_is(t, 4, "skew-symmetric"))
        h->symmetry = SPG_MM_SKEW;
    else if (token_is(t, 4, "hermitian"))
        return fail(r, "hermitian matrices are complex; complex matrices are not supported");
    else
        return fail(r, "unknown symmetry '%.*s' in the banner; expected general, symmetric "
                       "or skew-symmetric", shown(t->len[4]), t->at[4]);
    if (h->field == MM_PATTERN && h->symmetry == SPG_MM_SKEW)
        return fail(r, "a pattern matrix cannot be skew-symmetric");
    return 0;
}

/* Reads and checks the first line, the banner. */
static int read_banner(mm_reader *r, mm_header *h)
{
    mm_tokens t;
    int got = next_line(r);
    if (got < 0)
        return -1;
    if (got == 0)
        return fail(r, "the file is empty; expected the banner '%s'", mm_banner_form);
    split(r->buf, &t);
    if (r->has_nul || r->overlong || !token_is(&t, 0, "%%MatrixMarket"))
        return fail(r, "missing banner '%s'", mm_banner_form);
    if (t.count < 3)
        return fail(r, "incomplete banner; expected '%s'", mm_banner_form);
    if (!token_is(&t, 1, "matrix"))
        return fail(r, "unknown object '%.*s' in the banner; only 'matrix' is supported",
                    shown(t.len[1]), t.at[1]);
    if (token_is(&t, 2, "array"))
        return fail(r, "dense array files are not supported");
    if (!token_is(&t, 2, "coordinate"))
        return fail(r, "unknown format '%.*s' in the banner; expected coordinate",
                    shown(t.len[2]), t.at[2]);
    if (t.count < 5)
        return fail(r, "incomplete banner; expected '%s'", mm_banner_form);
    if (banner_field(r, &t, h) || banner_symmetry(r, &t, h))
        return -1;
    if (t.count > 5)
        return fail(r, "unexpected '%.*s' after the banner", shown(t.len[5]), t.at[5]);
    return 0;
}

/* Whether m x n leaves room for a pointer array of each dimension (m + 1
 * and n + 1 in 64 bits) and fits the reader's limit on the memory those
 * arrays need. */
static int check_dimensions(const mm_reader *r, int64_t m, int64_t n)
{
    if (m == INT64_MAX || n == INT64_MAX)
        return fail(r, "the %s count %" PRId64 " leaves no room for a pointer array; at most %"
                    PRId64, m == INT64_MAX ? "row" : "column", INT64_MAX, INT64_MAX - 1);
    const long double need = 16.0L * ((long double)m + 1) + 16.0L * ((long double)n + 1);
    if (r->opt.max_bytes <= 0 || need <= (long double)r->opt.max_bytes)
        return 0;
    char bytes[32] = "over 2^63"; /* long double counts exactly below 2^64 */
    if (need < 9223372036854775808.0L)
        snprintf(bytes, sizeof bytes, "%" PRId64, (int64_t)need);
    return fail(r, "dimensions %" PRId64 " x %" PRId64 " need %s bytes for arrays of their rows "
                "and columns, over the reader's limit of %" PRId64 " bytes", m, n, bytes,
                r->opt.max_bytes);
}

/* Reads the size line "m n entries" after the banner and the comments. */
static int read_size(mm_reader *r, mm_header *h)
{
    static const char *const what[3] = {"row count", "column count", "entry count"};
    int64_t size[3];
    mm_tokens t;
    int got = next_data_line(r);
    if (got < 0)
        return -1;
    if (got == 0)
        return fail(r, "the file ends before the size line 'm n entries'");
    split(r->buf, &t);
    for (int k = 0; k < 3; k++) {
        if (k >= t.count)
            return fail(r, "the size line lacks the %s; expected 'm n entries'", what[k]);
        mm_parse p = parse_int64(&t, k, &size[k]);
        if (p == MM_NOT_NUMBER)
            return fail(r, "%s '%.*s' is not an integer", what[k], shown(t.len[k]), t.at[k]);
        if (p == MM_TOO_BIG)
            return fail(r, "%s '%.*s' does not fit in 64 bits", what[k], shown(t.len[k]),
                        t.at[k]);
        if (size[k] < 0)
            return fail(r, "negative %s %" PRId64, what[k], size[k]);
    }
    if (t.count > 3)
        return fail(r, "unexpected '%.*s' after the size line", shown(t.len[3]), t.at[3]);
    if (h->symmetry != SPG_MM_GENERAL && size[0] != size[1])
        return fail(r, "a %s matrix must be square, not %" PRId64 " x %" PRId64,
                    h->symmetry == SPG_MM_SKEW ? "skew-symmetric" : "symmetric", size[0],
                    size[1]);
    if (check_dimensions(r, size[0], size[1]))
        return -1;
    h->m = size[0];
    h->n = size[1];
    h->entries = size[2];
    return 0;
}

/* Parses index token k (what: "row" or "column") into 1..limit. */
static int parse_index(const mm_reader *r, const mm_tokens *t, int k, int64_t limit,
                       const char *what, int64_t *out)
{
    mm_parse p = parse_int64(t, k, out);
    if (p == MM_NOT_NUMBER)
        return fail(r, "%s index '%.*s' is not an integer", what, shown(t->len[k]), t->at[k]);
    if (p == MM_OK && *out >= 1 && *out <= limit)
        return 0;
    if (limit == 0)
        return fail(r, "%s index %.*s out of range: the matrix has no %ss", what,
                    shown(t->len[k]), t->at[k], what);
    return fail(r, "%s index %.*s out of range 1..%" PRId64, what, shown(t->len[k]), t->at[k],
                limit);
}

/* Whether s[0..len) is a decimal number: [+-] digits [. digits]
 * [e [+-] digits], with a digit before or after the point. */
static int is_decimal(const char *s, size_t len)
{
    size_t k = s[0] == '+' || s[0] == '-', digits = 0;
    for (; k < len && isdigit((unsigned char)s[k]); k++)
        digits++;
    if (k < len && s[k] == '.')
        for (k++; k < len && isdigit((unsigned char)s[k]); k++)
            digits++;
    if (digits && k < len && (s[k] == 'e' || s[k] == 'E')) {
        k += 1 + (k + 1 < len && (s[k + 1] == '+' || s[k + 1] == '-'));
        const size_t first = k;
        while (k < len && isdigit((unsigned char)s[k]))
            k++;
        digits = k > first;
    }
    return digits && k == len;
}

/* Whether s[0..len) is [+-] inf, infinity or nan, in any case. */
static int is_nonfinite(const char *s, size_t len)
{
    const size_t sign = s[0] == '+' || s[0] == '-';
    mm_tokens word = {1, {s + sign}, {len - sign}};
    return token_is(&word, 0, "inf") || token_is(&word, 0, "infinity") ||
           token_is(&word, 0, "nan");
}

/* Whether a double holds the integer x exactly. */
static int exact_double(int64_t x)
{
    const int64_t every = (int64_t)1 << 53; /* every integer up to here */
    if (x >= -every && x <= every)
        return 1;
    const double d = (double)x;
    return d < 9223372036854775808.0 && (int64_t)d == x;
}

/* Parses token 2 of an integer file: an int64 that a double holds. */
static int parse_integer_value(const mm_reader *r, const mm_tokens *t, double *v)
{
    const char *s = t->at[2];
    const int w = shown(t->len[2]);
    int64_t x;
    mm_parse p = parse_int64(t, 2, &x);
    if (p == MM_NOT_NUMBER)
        return fail(r, "value '%.*s' is not an integer", w, s);
    if (p == MM_TOO_BIG)
        return fail(r, "value '%.*s' does not fit in 64 bits", w, s);
    if (!exact_double(x))
        return fail(r, "value '%.*s' is beyond 2^53 and not exactly a double", w, s);
    *v = (double)x;
    return 0;
}

/* Parses token 2 as the entry's value: an integer for integer files, else
 * a decimal number that neither overflows nor underflows to zero, or inf
 * and nan where the options accept them. */
static int parse_value(const mm_reader *r, const mm_tokens *t, mm_field field, double *v)
{
    const char *s = t->at[2];
    const size_t len = t->len[2];
    const int w = shown(len);
    if (field == MM_INTEGER)
        return parse_integer_value(r, t, v);
    const int decimal = is_decimal(s, len), nonfinite = !decimal && is_nonfinite(s, len);
    if (nonfinite && !r->opt.nonfinite)
        return fail(r, "value '%.*s' is not finite; inf and nan are read only where the "
                       "reader is asked to (nonfinite)", w, s);
    if (!decimal && !nonfinite) {
        const size_t sign = s[0] == '+' || s[0] == '-';
        if (len > sign + 1 && s[sign] == '0' && (s[sign + 1] == 'x' || s[sign + 1] == 'X'))
            return fail(r, "value '%.*s' is hexadecimal; Matrix Market values are decimal", w,
                        s);
        return fail(r, "value '%.*s' is not a number", w, s);
    }
    errno = 0;
    const double x = strtod(s, NULL); /* the C locale's, see spg_mm_read_with */
    if (decimal && isinf(x))
        return fail(r, "value '%.*s' is not a finite double", w, s);
    if (decimal && x == 0 && errno == ERANGE)
        return fail(r, "value '%.*s' is not zero but underflows to zero in double", w, s);
    *v = x;
    return 0;
}

/* Parses the current line as the entry "i j [value]". */
static int parse_entry(const mm_reader *r, const mm_header *h, int64_t *i, int64_t *j,
                       double *v)
{
    static const char *const what[3] = {"row index", "column index", "value"};
    int want = h->field == MM_PATTERN ? 2 : 3;
    mm_tokens t;
    split(r->buf, &t);
    if (t.count < want)
        return fail(r, "the entry lacks its %s; expected '%s'", what[t.count],
                    want == 2 ? "i j" : "i j value");
    if (t.count > want)
        return fail(r, "unexpected '%.*s' after the entry", shown(t.len[want]), t.at[want]);
    if (parse_index(r, &t, 0, h->m, "row", i) || parse_index(r, &t, 1, h->n, "column", j))
        return -1;
    *v = 1.0;
    return want == 2 ? 0 : parse_value(r, &t, h->field, v);
}

/* Reallocates an int64 array to cap elements. */
static int grow_index(int64_t **a, size_t cap)
{
    if (cap > SIZE_MAX / sizeof **a)
        return -1;
    int64_t *b = realloc(*a, cap * sizeof **a);
    if (!b)
        return -1;
    *a = b;
    return 0;
}

/* Reallocates a double array to cap elements. */
static int grow_value(double **a, size_t cap)
{
    if (cap > SIZE_MAX / sizeof **a)
        return -1;
    double *b = realloc(*a, cap * sizeof **a);
    if (!b)
        return -1;
    *a = b;
    return 0;
}

/* Makes room for need triplets, doubling the capacity *cap. */
static int reserve(spg_mm *mm, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return -1;
        c *= 2;
    }
    if (grow_index(&mm->I, c) || grow_index(&mm->J, c) || (!mm->pattern && grow_value(&mm->V, c)))
        return -1;
    *cap = c;
    return 0;
}

/* Appends the triplet (i, j, v) and, for symmetric and skew files, its
 * mirror (j, i, v) or (j, i, -v) off the diagonal. */
static int store(const mm_reader *r, spg_mm *mm, size_t *cap, int64_t i, int64_t j, double v)
{
    int mirror = mm->symmetry != SPG_MM_GENERAL && i != j;
    if (mm->symmetry == SPG_MM_SKEW && i == j)
        return fail(r, "diagonal entry (%" PRId64 ", %" PRId64 ") in a skew-symmetric file", i,
                    j);
    if (mm->nnz > INT64_MAX - 2 || (uint64_t)mm->nnz > SIZE_MAX - 2 ||
        reserve(mm, cap, (size_t)mm->nnz + 1 + (size_t)mirror))
        return fail(r, "out of memory after %" PRId64 " entries", mm->entries);
    size_t k = (size_t)mm->nnz;
    mm->I[k] = i;
    mm->J[k] = j;
    if (mm->V)
        mm->V[k] = v;
    if (mirror) {
        mm->I[k + 1] = j;
        mm->J[k + 1] = i;
        if (mm->V)
            mm->V[k + 1] = mm->symmetry == SPG_MM_SKEW ? -v : v;
    }
    mm->nnz += 1 + mirror;
    return 0;
}

/* Reads the entries the size line announces, then checks that only blank
 * lines and comments follow. Memory grows with the entries actually read;
 * at least one triplet is reserved, so V is NULL exactly for a pattern. */
static int read_entries(mm_reader *r, const mm_header *h, spg_mm *mm)
{
    size_t cap = 0;
    int64_t per_entry = h->symmetry == SPG_MM_GENERAL ? 1 : 2;
    int64_t first = h->entries < MM_INITIAL_TRIPLETS ? h->entries : MM_INITIAL_TRIPLETS;
    if (reserve(mm, &cap, first > 0 ? (size_t)(first * per_entry) : 1))
        return fail(r, "out of memory");
    while (mm->entries < h->entries) {
        int64_t i, j;
        double v;
        int got = next_data_line(r);
        if (got < 0)
            return -1;
        if (got == 0)
            return fail(r, "file ends after %" PRId64 " of %" PRId64 " entries", mm->entries,
                        h->entries);
        if (parse_entry(r, h, &i, &j, &v) || store(r, mm, &cap, i, j, v))
            return -1;
        mm->entries++;
    }
    int got = next_data_line(r);
    if (got > 0)
        return fail(r, "more entries than the %" PRId64 " the size line claims", h->entries);
    return got;
}

/* Reads the banner, the size line and the entries of the file into mm. */
static int read_file(mm_reader *r, spg_mm *mm)
{
    mm_header h = {MM_REAL, SPG_MM_GENERAL, 0, 0, 0};
    if (read_banner(r, &h) || read_size(r, &h))
        return -1;
    mm->m = h.m;
    mm->n = h.n;
    mm->symmetry = h.symmetry;
    mm->pattern = h.field == MM_PATTERN;
    mm->integer = h.field == MM_INTEGER;
    return read_entries(r, &h, mm);
}

/* Reads r's file into t in the C locale, the caller's restored after. */
static int read_in_c_locale(mm_reader *r, spg_mm *t)
{
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (c == (locale_t)0)
        return fail(r, "out of memory");
    locale_t caller = uselocale(c);
    int rc = read_file(r, t);
    uselocale(caller);
    freelocale(c);
    return rc;
}

/* Reads f into mm; on error frees what it allocated and leaves mm zeroed. */
int spg_mm_read_with(FILE *f, const spg_mm_options *opt, spg_mm *mm, char *err,
                     size_t errlen)
{
    mm_reader r = {0};
    spg_mm t = {0};
    if (err && errlen)
        err[0] = '\0';
    if (mm)
        *mm = t;
    r.err = err;
    r.errlen = errlen;
    if (!f || !mm)
        return fail(&r, "no file or no output structure given");
    r.f = f;
    r.opt = opt ? *opt : (spg_mm_options){SPG_MM_MAX_BYTES, 0};
    r.cap = 256;
    r.buf = malloc(r.cap);
    int rc = r.buf ? read_in_c_locale(&r, &t) : fail(&r, "out of memory");
    free(r.buf);
    if (rc) {
        spg_mm_free(&t);
        return -1;
    }
    *mm = t;
    return 0;
}

int spg_mm_read(FILE *f, spg_mm *mm, char *err, size_t errlen)
{
    return spg_mm_read_with(f, NULL, mm, err, errlen);
}

/* Frees the arrays of mm and zeroes it; a zeroed mm is left as it is. */
void spg_mm_free(spg_mm *mm)
{
    if (!mm)
        return;
    free(mm->I);
    free(mm->J);
    free(mm->V);
    *mm = (spg_mm){0};
}
