/* Command-line numbers and the reader's options, read whole and in range. */
#include "args.h"

#include <stdio.h>
#include <string.h>

/* *value = the digits at s (at least one, none past 2^63 - 1); the
 * character after them in *end. 0, or -1 when there is no digit or the
 * value overflows. */
static int digits(const char *s, uint64_t *value, const char **end)
{
    uint64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        const unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = 10 * v + d;
    }
    *value = v;
    *end = p;
    return p == s ? -1 : 0;
}

int spg_arg_int(const char *text, int64_t lo, int64_t hi, int64_t *out)
{
    if (!text)
        return -1;
    const int negative = text[0] == '-';
    const char *end;
    uint64_t v;
    if (digits(text + (negative || text[0] == '+'), &v, &end) || *end)
        return -1;
    if (v > (uint64_t)INT64_MAX + (uint64_t)negative)
        return -1;
    const int64_t x = negative ? (int64_t)(0 - v) : (int64_t)v; /* two's complement */
    if (x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

int spg_arg_bytes(const char *text, int64_t *out)
{
    static const char suffixes[] = "KMGT";
    const char *end;
    uint64_t v;
    if (!text || digits(text, &v, &end))
        return -1;
    int shift = 0;
    if (*end) {
        const char *s = strchr(suffixes, *end);
        if (!s || end[1])
            return -1;
        shift = 10 * (int)(s - suffixes + 1);
    }
    if (v > ((uint64_t)INT64_MAX >> shift))
        return -1;
    *out = (int64_t)(v << shift);
    return 0;
}

int spg_arg_mm_option(const char *tool, int argc, char **argv, int *a, int nonfinite,
                      spg_mm_options *opt)
{
    if (nonfinite && !strcmp(argv[*a], "--nonfinite")) {
        opt->nonfinite = 1;
        return 1;
    }
    if (strcmp(argv[*a], "--max-memory"))
        return 0;
    const char *v = *a + 1 < argc ? argv[*a + 1] : NULL;
    if (spg_arg_bytes(v, &opt->max_bytes)) {
        fprintf(stderr, "%s: --max-memory needs a byte count such as 4G (K, M, G, T: powers "
                        "of 1024; 0: no limit), not '%s'\n", tool, v ? v : "");
        return -1;
    }
    (*a)++;
    return 1;
}
