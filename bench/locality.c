/* How often numeric assembly's gather must fetch each line of V from
 * beyond a cache, on fem2d-N or fem3d-N:
 *
 *   spgrad_locality fem3d-80
 *
 * spg_assemble reads V[perm[t]] for t = 0, 1, ...: the triplets in stored
 * entry order (by column, then row, stable), which is what a plan's perm
 * holds. For each read this tool takes the LRU stack distance in 64-byte
 * lines of V (double): the number of distinct lines read since the last
 * read of the same line. A fully associative LRU cache of C lines misses
 * exactly the reads whose distance is at least C; the tool prints those
 * misses as a multiple of V's lines. The other arrays of assembly stream
 * and are left out. */
#include <stdio.h>
#include <stdlib.h>

#include "fem.h"

enum { LINE = 64, VALUE = 8 };

/* order[0 .. K-1]: the triplets stably sorted by column, then row (two
 * stable counting sorts, by row and then by column). */
static int sort_triplets(const int32_t *I, const int32_t *J, int64_t K, int64_t m,
                         int32_t *order)
{
    int64_t *count = calloc((size_t)m + 1, sizeof *count);
    int32_t *by_row = malloc((size_t)K * sizeof *by_row);
    if (!count || !by_row) {
        free(count), free(by_row);
        return -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        const int32_t *key = pass ? J : I, *in = pass ? by_row : NULL;
        int32_t *out = pass ? order : by_row;
        for (int64_t i = 0; i <= m; i++)
            count[i] = 0;
        for (int64_t k = 0; k < K; k++)
            count[key[k] + 1]++;
        for (int64_t i = 0; i < m; i++)
            count[i + 1] += count[i];
        for (int64_t q = 0; q < K; q++) {
            const int32_t k = in ? in[q] : (int32_t)q;
            out[count[key[k]]++] = k;
        }
    }
    free(count), free(by_row);
    return 0;
}

/* A Fenwick tree over read times: 1 where a read is the latest of its line. */
static void tree_add(int32_t *tree, int64_t len, int64_t i, int32_t v)
{
    for (i++; i <= len; i += i & -i)
        tree[i] += v;
}

static int64_t tree_prefix(const int32_t *tree, int64_t i) /* sum over [0, i) */
{
    int64_t s = 0;
    for (; i > 0; i -= i & -i)
        s += tree[i];
    return s;
}

int main(int argc, char **argv)
{
    spg_fem fem;
    const int made = argc < 2 ? -1 : spg_fem_make(argv[1], &fem);
    if (made == -1) {
        fprintf(stderr, "usage: spgrad_locality fem2d-N|fem3d-N\n");
        return 2;
    }
    if (made != 0) {
        fprintf(stderr, "spgrad_locality: cannot make %s\n", argv[1]);
        return 1;
    }
    const int64_t m = fem.nodes, K = fem.triplets;
    const int32_t *I = fem.I, *J = fem.J;
    const int64_t lines = (K * VALUE + LINE - 1) / LINE;
    int32_t *order = malloc((size_t)K * sizeof *order);
    int32_t *tree = calloc((size_t)K + 1, sizeof *tree);
    int64_t *last = malloc((size_t)lines * sizeof *last); /* latest read of each line */
    if (!order || !tree || !last || sort_triplets(I, J, K, m, order)) {
        fprintf(stderr, "spgrad_locality: out of memory\n");
        return 1;
    }
    const double mib[] = {1.0 / 32, 1, 2, 8, 16, 32}; /* cache sizes, MiB */
    enum { CACHES = sizeof mib / sizeof mib[0] };
    int64_t misses[CACHES] = {0};
    for (int64_t l = 0; l < lines; l++)
        last[l] = -1;
    for (int64_t t = 0; t < K; t++) {
        const int64_t l = (int64_t)order[t] * VALUE / LINE;
        int64_t distance = INT64_MAX; /* a first read misses every cache */
        if (last[l] >= 0) {
            distance = tree_prefix(tree, t) - tree_prefix(tree, last[l] + 1);
            tree_add(tree, K, last[l], -1);
        }
        tree_add(tree, K, t, 1);
        last[l] = t;
        for (int c = 0; c < CACHES; c++)
            misses[c] += distance >= (int64_t)(mib[c] * 1024 * 1024 / LINE);
    }
    printf("spgrad_locality: %s, %lld triplets, V (double) is %lld lines of %d bytes\n", argv[1],
           (long long)K, (long long)lines, LINE);
    for (int c = 0; c < CACHES; c++)
        printf("  LRU cache of %7.3f MiB: %lld line fetches, %.2f x the lines of V\n", mib[c],
               (long long)misses[c], (double)misses[c] / (double)lines);
    free(order), free(tree), free(last);
    spg_fem_free(&fem);
    return 0;
}
