/* Tests of the Matrix Market reader: the real matrices of tests/data, small
 * files written on the fly, and the malformed files of tests/data/bad.
 * Usage: test_mmread DATA_DIR. The last line of output is
 * "N passed, N failed"; the exit status is non-zero when a check failed. */
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmread.h"

static int passed, failed;

#if defined(__GNUC__)
static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif

/* Counts one check; prints "FAIL: " and the description when it failed. */
static void check(int ok, const char *fmt, ...)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    fputs("\n", stdout);
    va_end(ap);
}

/* A triplet as listed in a file. */
typedef struct triplet {
    int64_t i, j;
    double v;
} triplet;

/* Facts about a good file, taken from its header and its text. */
typedef struct good_file {
    const char *name;
    int64_t m, n, entries, nnz;  /* nnz = 2 entries - diagonal for symmetric */
    spg_mm_symmetry symmetry;
    int pattern, integer;
    triplet first, middle, last; /* first, second and last entry lines */
} good_file;

static const good_file good_files[] = {
    {"494_bus.mtx", 494, 494, 1080, 2 * 1080 - 494, SPG_MM_SYMMETRIC, 0, 0,
     {1, 1, 2220.874}, {16, 1, -9.960159}, {494, 494, 110.9479}},
    {"Groebner_id2003_aug.mtx", 4967, 2456, 173670, 173670, SPG_MM_GENERAL, 0, 1,
     {1, 1, 1}, {25, 1, 35242}, {4967, 2456, 27852657}},
    {"LFAT5_hypersparse.mtx", 2000, 2000, 30, 2 * 30 - 14, SPG_MM_SYMMETRIC, 0, 0,
     {1, 1, 1.57088}, {4, 1, -94.2528}, {14, 14, 1.57088}},
    {"bcsstk13.mtx", 2003, 2003, 42943, 2 * 42943 - 2003, SPG_MM_SYMMETRIC, 0, 0,
     {1, 1, 277281165.183}, {2, 1, 3101923.80092}, {2003, 2003, 5552681.3139}},
    {"cage5.mtx", 37, 37, 233, 233, SPG_MM_GENERAL, 0, 0,
     {1, 1, .8}, {2, 1, .0600221336916696}, {37, 37, .169988933154165}},
    {"jagmesh7.mtx", 1138, 1138, 4294, 2 * 4294 - 1138, SPG_MM_SYMMETRIC, 1, 0,
     {1, 1, 1}, {2, 1, 1}, {1138, 1138, 1}},
    {"lp_e226.mtx", 223, 472, 2768, 2768, SPG_MM_GENERAL, 0, 0,
     {1, 1, 1}, {3, 2, 1}, {218, 472, -.62}},
    {"west0479.mtx", 479, 479, 1910, 1910, SPG_MM_GENERAL, 0, 0,
     {25, 1, 1}, {31, 1, -.03764813}, {381, 479, .07148988}},
};

/* A malformed file of tests/data and the exact message it must give. */
typedef struct bad_file {
    const char *name;
    const char *message;
} bad_file;

static const bad_file bad_files[] = {
    {"GD99_cc.mtx", "line 1: complex matrices are not supported"},
    {"bad/array.mtx", "line 1: dense array files are not supported"},
    {"bad/bad_index_large.mtx", "line 5: row index 4 out of range 1..3"},
    {"bad/bad_index_zero.mtx", "line 4: row index 0 out of range 1..3"},
    {"bad/bad_value.mtx", "line 4: value '1,5' is not a number"},
    {"bad/garbage.mtx", "line 4: column index 'x' is not an integer"},
    {"bad/huge_claim.mtx", "line 5: file ends after 2 of 1000000000000000 entries"},
    {"bad/negative_size.mtx", "line 3: negative row count -3"},
    {"bad/no_banner.mtx", "line 1: missing banner '%%MatrixMarket matrix coordinate "
                          "real|integer|pattern general|symmetric|skew-symmetric'"},
    {"bad/skew_diagonal.mtx", "line 4: diagonal entry (2, 2) in a skew-symmetric file"},
    {"bad/too_many.mtx", "line 5: more entries than the 2 the size line claims"},
    {"bad/trailing.mtx", "line 4: unexpected '7' after the entry"},
    {"bad/truncated.mtx", "line 7: file ends after 3 of 5 entries"},
};

/* A small malformed text and the exact message it must give. */
typedef struct bad_text {
    const char *text;
    const char *message;
} bad_text;

static const bad_text bad_texts[] = {
    {"", "line 1: the file is empty; expected the banner '%%MatrixMarket matrix "
         "coordinate real|integer|pattern general|symmetric|skew-symmetric'"},
    {"%%MatrixMarket matrix\n", "line 1: incomplete banner; expected '%%MatrixMarket "
     "matrix coordinate real|integer|pattern general|symmetric|skew-symmetric'"},
    {"%%MatrixMarket matrix coordinate real\n", "line 1: incomplete banner; expected "
     "'%%MatrixMarket matrix coordinate real|integer|pattern general|symmetric|"
     "skew-symmetric'"},
    {"%%MatrixMarket vector coordinate real general\n",
     "line 1: unknown object 'vector' in the banner; only 'matrix' is supported"},
    {"%%MatrixMarket matrix coordinate complex hermitian\n",
     "line 1: complex matrices are not supported"},
    {"%%MatrixMarket matrix coordinate real hermitian\n",
     "line 1: hermitian matrices are complex; complex matrices are not supported"},
    {"%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n",
     "line 1: dense array files are not supported"},
    {"%%MatrixMarket matrix list real general\n",
     "line 1: unknown format 'list' in the banner; expected coordinate"},
    {"%%MatrixMarket matrix coordinate double general\n",
     "line 1: unknown field 'double' in the banner; expected real, integer or pattern"},
    {"%%MatrixMarket matrix coordinate real lower\n", "line 1: unknown symmetry 'lower' "
     "in the banner; expected general, symmetric or skew-symmetric"},
    {"%%MatrixMarket matrix coordinate pattern skew-symmetric\n",
     "line 1: a pattern matrix cannot be skew-symmetric"},
    {"%%MatrixMarket matrix coordinate real general extra\n",
     "line 1: unexpected 'extra' after the banner"},
    {"%%MatrixMarket matrix coordinate real general\n% only a comment\n\n",
     "line 4: the file ends before the size line 'm n entries'"},
    {"%%MatrixMarket matrix coordinate real general\n3 3\n",
     "line 2: the size line lacks the entry count; expected 'm n entries'"},
    {"%%MatrixMarket matrix coordinate real general\n3 x 1\n",
     "line 2: column count 'x' is not an integer"},
    {"%%MatrixMarket matrix coordinate real general\n99999999999999999999 3 1\n",
     "line 2: row count '99999999999999999999' does not fit in 64 bits"},
    {"%%MatrixMarket matrix coordinate real general\n3 3 1 4\n",
     "line 2: unexpected '4' after the size line"},
    {"%%MatrixMarket matrix coordinate real general\n3 -1 0\n",
     "line 2: negative column count -1"},
    {"%%MatrixMarket matrix coordinate real symmetric\n3 4 1\n1 1 1\n",
     "line 2: a symmetric matrix must be square, not 3 x 4"},
    {"%%MatrixMarket matrix coordinate real general\n3 3 1\n1\n",
     "line 3: the entry lacks its column index; expected 'i j value'"},
    {"%%MatrixMarket matrix coordinate real general\n3 3 1\n1 2\n",
     "line 3: the entry lacks its value; expected 'i j value'"},
    {"%%MatrixMarket matrix coordinate pattern general\n3 3 1\n1 2 3\n",
     "line 3: unexpected '3' after the entry"},
    {"%%MatrixMarket matrix coordinate real general\n3 5 1\n1 6 1.0\n",
     "line 3: column index 6 out of range 1..5"},
    {"%%MatrixMarket matrix coordinate real general\n3 5 1\n-1 2 1.0\n",
     "line 3: row index -1 out of range 1..3"},
    {"%%MatrixMarket matrix coordinate real general\n3 5 1\n1 99999999999999999999 1\n",
     "line 3: column index 99999999999999999999 out of range 1..5"},
    {"%%MatrixMarket matrix coordinate real general\n0 0 1\n1 1 1\n",
     "line 3: row index 1 out of range: the matrix has no rows"},
    {"%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n",
     "line 3: value '1.5' is not an integer"},
    {"%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 9223372036854775808\n",
     "line 3: value '9223372036854775808' does not fit in 64 bits"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 nan\n",
     "line 3: value 'nan' is not finite; inf and nan are read only where the reader is asked "
     "to (nonfinite)"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 -inf\n",
     "line 3: value '-inf' is not finite; inf and nan are read only where the reader is asked "
     "to (nonfinite)"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 0x1p3\n",
     "line 3: value '0x1p3' is hexadecimal; Matrix Market values are decimal"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 -0X10\n",
     "line 3: value '-0X10' is hexadecimal; Matrix Market values are decimal"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1e-400\n",
     "line 3: value '1e-400' is not zero but underflows to zero in double"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1.5e\n",
     "line 3: value '1.5e' is not a number"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 .\n",
     "line 3: value '.' is not a number"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 infinite\n",
     "line 3: value 'infinite' is not a number"},
    {"%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 9007199254740993\n",
     "line 3: value '9007199254740993' is beyond 2^53 and not exactly a double"},
    {"%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 -9223372036854775807\n",
     "line 3: value '-9223372036854775807' is beyond 2^53 and not exactly a double"},
    {"%%MatrixMarket matrix coordinate real general\n1 100000000 1\n1 1 1.0\n",
     "line 2: dimensions 1 x 100000000 need 1600000048 bytes for arrays of their rows and "
     "columns, over the reader's limit of 1073741824 bytes"},
    {"%%MatrixMarket matrix coordinate pattern general\n9223372036854775806 3 0\n",
     "line 2: dimensions 9223372036854775806 x 3 need over 2^63 bytes for arrays of their rows "
     "and columns, over the reader's limit of 1073741824 bytes"},
    {"%%MatrixMarket matrix coordinate pattern general\n2 9223372036854775807 1\n1 1\n",
     "line 2: the column count 9223372036854775807 leaves no room for a pointer array; at most "
     "9223372036854775806"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1e999\n",
     "line 3: value '1e999' is not a finite double"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 "
     "0123456789012345678901234567890123456789xyz\n",
     "line 3: value '0123456789012345678901234567890123456789' is not a number"},
    {"%%MatrixMarket matrix coordinate real general\n2 2 1\n\n% c\n1 1 1\n\n2 2 2\n",
     "line 7: more entries than the 1 the size line claims"},
    {"%%MatrixMarket matrix coordinate pattern symmetric\n2 2 9223372036854775807\n1 1\n",
     "line 4: file ends after 1 of 9223372036854775807 entries"},
};

/* Writes len bytes of text to a temporary file and rewinds it. */
static FILE *temp_with(const char *text, size_t len)
{
    FILE *f = tmpfile();
    if (!f)
        return NULL;
    if (fwrite(text, 1, len, f) != len) {
        fclose(f);
        return NULL;
    }
    rewind(f);
    return f;
}

/* Whether every field of mm is zero or NULL. */
static int is_zeroed(const spg_mm *mm)
{
    return mm->m == 0 && mm->n == 0 && mm->entries == 0 && mm->nnz == 0 &&
           mm->symmetry == SPG_MM_GENERAL && mm->pattern == 0 && mm->integer == 0 &&
           !mm->I && !mm->J && !mm->V;
}

/* Index of the first triplet (i, j, v) in mm (v ignored for a pattern), or -1. */
static int64_t find(const spg_mm *mm, int64_t i, int64_t j, double v)
{
    for (int64_t k = 0; k < mm->nnz; k++)
        if (mm->I[k] == i && mm->J[k] == j && (!mm->V || mm->V[k] == v))
            return k;
    return -1;
}

/* Checks that every index is one-based within the shape and, for a
 * symmetric file, that the diagonal count matches nnz = 2 entries - diag
 * and both triangles hold the same number of triplets. */
static void check_indices(const char *name, const spg_mm *mm)
{
    int64_t bad = 0, diag = 0, lower = 0, upper = 0;
    for (int64_t k = 0; k < mm->nnz; k++) {
        bad += mm->I[k] < 1 || mm->I[k] > mm->m || mm->J[k] < 1 || mm->J[k] > mm->n;
        diag += mm->I[k] == mm->J[k];
        lower += mm->I[k] > mm->J[k];
        upper += mm->I[k] < mm->J[k];
    }
    check(bad == 0, "%s: %" PRId64 " indices outside 1..m, 1..n", name, bad);
    if (mm->symmetry == SPG_MM_GENERAL)
        return;
    check(mm->nnz == 2 * mm->entries - diag, "%s: nnz %" PRId64 " != 2 * %" PRId64 " - %" PRId64,
          name, mm->nnz, mm->entries, diag);
    check(lower == upper, "%s: %" PRId64 " below the diagonal, %" PRId64 " above", name, lower,
          upper);
}

/* Checks that the listed triplet t is in mm, and its mirror for symmetric files. */
static void check_listed(const char *name, const spg_mm *mm, triplet t)
{
    check(find(mm, t.i, t.j, t.v) >= 0, "%s: entry (%" PRId64 ", %" PRId64 ", %.17g) missing",
          name, t.i, t.j, t.v);
    if (mm->symmetry == SPG_MM_SYMMETRIC && t.i != t.j)
        check(find(mm, t.j, t.i, t.v) >= 0, "%s: mirrored entry (%" PRId64 ", %" PRId64
              ") missing", name, t.j, t.i);
}

/* Compares what the reader made of a good file with the facts in g. */
static void check_good_contents(const good_file *g, const spg_mm *mm)
{
    const char *s = g->name;
    int before = failed;
    check(mm->m == g->m && mm->n == g->n, "%s: shape %" PRId64 " x %" PRId64, s, mm->m, mm->n);
    check(mm->entries == g->entries, "%s: entries %" PRId64, s, mm->entries);
    check(mm->nnz == g->nnz, "%s: nnz %" PRId64 ", expected %" PRId64, s, mm->nnz, g->nnz);
    check(mm->symmetry == g->symmetry, "%s: symmetry %d", s, (int)mm->symmetry);
    check(mm->pattern == g->pattern && (mm->V == NULL) == g->pattern, "%s: pattern flag", s);
    check(mm->integer == g->integer, "%s: integer flag", s);
    check(mm->I && mm->J, "%s: index arrays", s);
    if (failed != before)
        return;
    check(mm->I[0] == g->first.i && mm->J[0] == g->first.j &&
              (!mm->V || mm->V[0] == g->first.v), "%s: first triplet is not the first entry", s);
    check(mm->I[mm->nnz - 1] == g->last.i && mm->J[mm->nnz - 1] == g->last.j &&
              (!mm->V || mm->V[mm->nnz - 1] == g->last.v),
          "%s: last triplet is not the last entry", s);
    check_listed(s, mm, g->middle);
    check_indices(s, mm);
}

/* Opens dir/name for reading; NULL with a failed check when it cannot. */
static FILE *open_data(const char *dir, const char *name)
{
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = k > 0 && (size_t)k < sizeof path ? fopen(path, "r") : NULL;
    check(f != NULL, "cannot open %s/%s", dir, name);
    return f;
}

/* Reads each good file of dir and checks it. */
static void test_good_files(const char *dir)
{
    for (size_t k = 0; k < sizeof good_files / sizeof *good_files; k++) {
        const good_file *g = &good_files[k];
        char err[256];
        spg_mm mm;
        FILE *f = open_data(dir, g->name);
        if (!f)
            continue;
        int rc = spg_mm_read(f, &mm, err, sizeof err);
        fclose(f);
        check(rc == 0, "%s: %s", g->name, err);
        if (rc == 0)
            check_good_contents(g, &mm);
        spg_mm_free(&mm);
    }
}

/* Reads f (closing it) into a garbage-filled mm and checks that it fails
 * with exactly message, naming a line, and leaves mm zeroed. */
static void expect_failure(const char *what, FILE *f, const char *message)
{
    char err[512];
    spg_mm mm;
    memset(&mm, 0x5a, sizeof mm);
    strcpy(err, "(no message)");
    int rc = spg_mm_read(f, &mm, err, sizeof err);
    fclose(f);
    check(rc == -1, "%s: read succeeded", what);
    check(strstr(err, "line ") == err, "%s: message does not name the line: %s", what, err);
    check(strcmp(err, message) == 0, "%s: message\n  got      '%s'\n  expected '%s'", what, err,
          message);
    check(is_zeroed(&mm), "%s: mm not zeroed after the error", what);
    if (rc == 0)
        spg_mm_free(&mm);
}

/* Each malformed file of dir must fail with its message. */
static void test_bad_files(const char *dir)
{
    for (size_t k = 0; k < sizeof bad_files / sizeof *bad_files; k++) {
        FILE *f = open_data(dir, bad_files[k].name);
        if (f)
            expect_failure(bad_files[k].name, f, bad_files[k].message);
    }
}

/* Each malformed text must fail with its message. */
static void test_bad_texts(void)
{
    for (size_t k = 0; k < sizeof bad_texts / sizeof *bad_texts; k++) {
        char what[64];
        snprintf(what, sizeof what, "bad text %zu", k);
        FILE *f = temp_with(bad_texts[k].text, strlen(bad_texts[k].text));
        check(f != NULL, "%s: no temporary file", what);
        if (f)
            expect_failure(what, f, bad_texts[k].message);
    }
}

/* Reads len bytes of text from a temporary file into mm with the options
 * (NULL: the defaults); 0 on success. */
static int read_text(const char *what, const char *text, size_t len, const spg_mm_options *opt,
                     spg_mm *mm)
{
    char err[256] = "";
    FILE *f = temp_with(text, len);
    check(f != NULL, "%s: no temporary file", what);
    if (!f)
        return -1;
    int rc = spg_mm_read_with(f, opt, mm, err, sizeof err);
    fclose(f);
    check(rc == 0, "%s: %s", what, err);
    return rc;
}

/* A skew-symmetric file expands with the mirrored values negated. */
static void test_skew(void)
{
    static const char text[] = "%%MatrixMarket matrix coordinate real skew-symmetric\n"
                               "3 3 2\n2 1 1.5\n3 2 -4\n";
    spg_mm mm;
    if (read_text("skew", text, strlen(text), NULL, &mm))
        return;
    check(mm.symmetry == SPG_MM_SKEW && mm.entries == 2 && mm.nnz == 4, "skew: header facts");
    check(find(&mm, 2, 1, 1.5) >= 0 && find(&mm, 1, 2, -1.5) >= 0, "skew: (2, 1) and (1, 2)");
    check(find(&mm, 3, 2, -4) >= 0 && find(&mm, 2, 3, 4) >= 0, "skew: (3, 2) and (2, 3)");
    spg_mm_free(&mm);
}

/* Tolerated layout: upper-case words, CR LF, tabs, blank lines, comments
 * between entries, trailing space and no final newline. */
static void test_layout(void)
{
    static const char text[] = "%%MATRIXMARKET Matrix Coordinate Integer General\r\n"
                               "% comment\r\n\r\n  2\t3  2 \r\n1 3 -7\r\n\r\n% c\n2\t1\t+9 ";
    spg_mm mm;
    if (read_text("layout", text, strlen(text), NULL, &mm))
        return;
    check(mm.m == 2 && mm.n == 3 && mm.entries == 2 && mm.nnz == 2 && mm.integer,
          "layout: header facts");
    check(find(&mm, 1, 3, -7) == 0 && find(&mm, 2, 1, 9) == 1, "layout: entries");
    spg_mm_free(&mm);
}

/* Symmetric files may list upper entries; values in the usual spellings and
 * a subnormal one parse; empty matrices read, V NULL only for a pattern. */
static void test_values(void)
{
    static const char sym[] = "%%MatrixMarket matrix coordinate real symmetric\n"
                              "3 3 4\n1 3 1e-3\n2 2 -.5\n3 1 +2\n3 2 1e-310\n";
    static const char empty[] = "%%MatrixMarket matrix coordinate pattern general\n0 0 0\n";
    static const char none[] = "%%MatrixMarket matrix coordinate real general\n0 4 0\n";
    spg_mm mm;
    if (!read_text("values", sym, strlen(sym), NULL, &mm)) {
        check(mm.nnz == 7, "values: nnz %" PRId64, mm.nnz);
        check(find(&mm, 1, 3, 1e-3) >= 0 && find(&mm, 3, 1, 1e-3) >= 0, "values: 1e-3");
        check(find(&mm, 2, 2, -.5) >= 0 && find(&mm, 3, 1, 2) >= 0, "values: -.5, +2");
        check(find(&mm, 3, 2, 1e-310) >= 0 && 1e-310 > 0, "values: 1e-310, subnormal");
        spg_mm_free(&mm);
    }
    if (!read_text("empty", empty, strlen(empty), NULL, &mm)) {
        check(mm.m == 0 && mm.n == 0 && mm.nnz == 0 && mm.pattern && !mm.V, "empty: facts");
        spg_mm_free(&mm);
    }
    if (!read_text("no entries", none, strlen(none), NULL, &mm)) {
        check(mm.m == 0 && mm.n == 4 && mm.nnz == 0 && !mm.pattern && mm.V, "no entries: facts");
        spg_mm_free(&mm);
    }
}

/* A banner, a size line and a line of len characters: the entry "1 2 1"
 * padded with spaces, or a comment followed by that entry. */
static char *long_line_file(size_t len, int comment, size_t *total)
{
    static const char head[] = "%%MatrixMarket matrix coordinate real general\n2 2 1\n";
    size_t h = strlen(head);
    char *s = malloc(h + len + 8);
    if (!s)
        return NULL;
    memcpy(s, head, h);
    memset(s + h, comment ? 'x' : ' ', len);
    s[h] = comment ? '%' : '1';
    if (!comment)
        memcpy(s + h + len - 3, "2 1", 3);
    strcpy(s + h + len, comment ? "\n1 2 1\n" : "\n");
    *total = strlen(s);
    return s;
}

/* A 2 MiB comment line is skipped; a 2 MiB entry line is refused. */
static void test_long_lines(void)
{
    size_t total;
    spg_mm mm;
    char *s = long_line_file((size_t)2 << 20, 1, &total);
    check(s != NULL, "long lines: no memory");
    if (s && !read_text("long comment", s, total, NULL, &mm)) {
        check(find(&mm, 1, 2, 1) == 0, "long comment: entry after it");
        spg_mm_free(&mm);
    }
    free(s);
    s = long_line_file((size_t)2 << 20, 0, &total);
    FILE *f = s ? temp_with(s, total) : NULL;
    if (f)
        expect_failure("long entry line", f, "line 3: the line is longer than 1048576 characters");
    free(s);
}

/* A NUL byte in an entry line is refused; a short or missing error buffer
 * and missing arguments are handled. */
static void test_edges(void)
{
    static const char nul[] = "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1\0 2\n";
    static const char bad[] = "%%MatrixMarket matrix coordinate real general\n-1 2 0\n";
    FILE *f = temp_with(nul, sizeof nul - 1);
    if (f)
        expect_failure("NUL byte", f, "line 3: the line contains a NUL byte");
    char err[8] = "";
    spg_mm mm;
    f = temp_with(bad, strlen(bad));
    check(f && spg_mm_read(f, &mm, err, sizeof err) == -1 && strcmp(err, "line 2:") == 0,
          "short error buffer: '%s'", err);
    if (f)
        rewind(f);
    check(f && spg_mm_read(f, &mm, NULL, 0) == -1 && is_zeroed(&mm), "no error buffer");
    if (f)
        fclose(f);
    check(spg_mm_read(NULL, &mm, err, sizeof err) == -1 && is_zeroed(&mm), "NULL file");
    spg_mm_free(&mm);
    spg_mm_free(&mm);
    spg_mm_free(NULL);
    check(is_zeroed(&mm), "spg_mm_free twice");
}

/* inf and nan where the options accept them; no limit on the dimensions
 * where max_bytes is 0; integers beyond 2^53 where a double holds them. */
static void test_options(void)
{
    static const char inf[] = "%%MatrixMarket matrix coordinate real general\n3 1 4\n"
                              "1 1 inf\n2 1 -Infinity\n3 1 NaN\n1 1 +INF\n";
    static const char wide[] = "%%MatrixMarket matrix coordinate pattern general\n"
                               "1 100000000 1\n1 100000000\n";
    static const char ints[] = "%%MatrixMarket matrix coordinate integer general\n1 4 4\n"
                               "1 1 9007199254740992\n1 2 -9007199254740992\n"
                               "1 3 1152921504606846976\n1 4 -9223372036854775808\n";
    const spg_mm_options nonfinite = {SPG_MM_MAX_BYTES, 1}, unlimited = {0, 0};
    spg_mm mm;
    if (!read_text("nonfinite", inf, strlen(inf), &nonfinite, &mm)) {
        check(mm.nnz == 4 && isinf(mm.V[0]) && mm.V[0] > 0 && isinf(mm.V[1]) && mm.V[1] < 0 &&
                  isnan(mm.V[2]) && isinf(mm.V[3]) && mm.V[3] > 0,
              "nonfinite: inf, -Infinity, NaN, +INF");
        spg_mm_free(&mm);
    }
    if (!read_text("no limit", wide, strlen(wide), &unlimited, &mm)) {
        check(mm.m == 1 && mm.n == 100000000 && mm.nnz == 1 && mm.J[0] == 100000000,
              "no limit: 1 x 100000000");
        spg_mm_free(&mm);
    }
    if (!read_text("exact integers", ints, strlen(ints), NULL, &mm)) {
        check(mm.V[0] == 9007199254740992.0 && mm.V[1] == -9007199254740992.0,
              "exact integers: 2^53");
        check(mm.V[2] == 1152921504606846976.0 && mm.V[3] == -9223372036854775808.0,
              "exact integers: 2^60 and -2^63");
        spg_mm_free(&mm);
    }
}

/* White space past the longest line kept is dropped, not an error: after
 * the banner, after an entry, and as a blank line. */
static void test_long_blanks(void)
{
    static const char *const parts[3][2] = {
        {"%%MatrixMarket matrix coordinate real general", "\n2 2 1\n1 1 1.5\n"},
        {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1.5", "\n"},
        {"%%MatrixMarket matrix coordinate real general\n", "\n2 2 1\n1 1 1.5\n"}};
    const size_t blanks = (size_t)2 << 20;
    for (int c = 0; c < 3; c++) {
        const size_t a = strlen(parts[c][0]), b = strlen(parts[c][1]);
        char *text = malloc(a + blanks + b + 1);
        if (!text)
            continue;
        memcpy(text, parts[c][0], a);
        memset(text + a, c == 1 ? '\t' : ' ', blanks);
        memcpy(text + a + blanks, parts[c][1], b + 1);
        spg_mm mm;
        if (!read_text("long blanks", text, strlen(text), NULL, &mm)) {
            check(mm.nnz == 1 && mm.V[0] == 1.5, "long blanks %d: the entry", c);
            spg_mm_free(&mm);
        }
        free(text);
    }
}

/* A directory opened as a file gives the system's reason. */
static void test_directory(const char *dir)
{
    FILE *f = fopen(dir, "r");
    if (!f) /* some systems refuse at fopen: nothing for the reader to say */
        return;
    expect_failure("directory", f, "line 1: read error: Is a directory");
}

/* With CHECK_DECIMAL_COMMA set, the environment's locale (LC_ALL) must
 * write numbers with a decimal comma: the reader must still read "1.5". */
static void test_locale(void)
{
    const char *want = getenv("CHECK_DECIMAL_COMMA");
    if (!want)
        return;
    check(setlocale(LC_ALL, "") != NULL, "locale: setlocale(LC_ALL, \"\") failed");
    check(strcmp(localeconv()->decimal_point, ",") == 0,
          "locale: the decimal point of '%s' is '%s', not ','", want,
          localeconv()->decimal_point);
    check(strtod("1,5", NULL) == 1.5, "locale: strtod reads '1,5' as 1.5 here");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_mmread DATA_DIR\n");
        return 2;
    }
    test_locale(); /* first: every read below runs in its locale */
    test_good_files(argv[1]);
    test_bad_files(argv[1]);
    test_bad_texts();
    test_skew();
    test_layout();
    test_values();
    test_long_lines();
    test_edges();
    test_options();
    test_long_blanks();
    test_directory(argv[1]);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
