/* COO test problems: zero-based triplets, negative entries to be skipped. */
#ifndef SPG_PROBLEMS_H
#define SPG_PROBLEMS_H

#include <stdlib.h>

#include "check.h"

typedef struct problem {
    char name[48];
    int64_t m, n, nnz;
    int64_t *I, *J; /* zero-based; negative means "skip me" */
    double *V;
    int has_negative;
} problem;

/* An empty problem with room for nnz triplets. */
static inline problem problem_new(const char *name, int64_t m, int64_t n, int64_t nnz)
{
    problem p = {.m = m, .n = n, .nnz = nnz};
    snprintf(p.name, sizeof p.name, "%s", name);
    size_t len = (size_t)(nnz > 0 ? nnz : 1);
    p.I = calloc(len, sizeof *p.I);
    p.J = calloc(len, sizeof *p.J);
    p.V = calloc(len, sizeof *p.V);
    if (!p.I || !p.J || !p.V) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static inline void problem_free(problem *p)
{
    free(p->I);
    free(p->J);
    free(p->V);
}

/* nnz uniformly random triplets; a fraction neg_percent of them gets a
 * negative row or column. */
static inline problem problem_random(const char *name, int64_t m, int64_t n, int64_t nnz,
                              int neg_percent, uint64_t seed)
{
    problem p = problem_new(name, m, n, nnz);
    spg_rng r = {seed};
    for (int64_t k = 0; k < nnz; k++) {
        p.I[k] = spg_rng_below(&r, m);
        p.J[k] = spg_rng_below(&r, n);
        p.V[k] = spg_rng_value(&r);
        if (neg_percent && spg_rng_below(&r, 100) < neg_percent) {
            int64_t *target = spg_rng_below(&r, 2) ? p.I : p.J;
            target[k] = -1 - spg_rng_below(&r, 3);
            p.has_negative = 1;
        }
    }
    return p;
}

/* The triplet arrays in the given index type, shifted by base where the
 * index is not negative. */
static inline void *problem_index(const problem *p, const int64_t *src, spg_itype t, int base)
{
    void *a = malloc((size_t)(p->nnz > 0 ? p->nnz : 1) * spg_isize(t));
    if (!a)
        exit(2);
    for (int64_t k = 0; k < p->nnz; k++)
        spg_iset(t, a, k, src[k] >= 0 ? src[k] + base : src[k]);
    return a;
}

/* The values in the given value type (exact: they are multiples of 2^-12). */
static inline void *problem_values(const problem *p, spg_dtype t)
{
    void *a = malloc((size_t)(p->nnz > 0 ? p->nnz : 1) * spg_vsize(t));
    if (!a)
        exit(2);
    for (int64_t k = 0; k < p->nnz; k++)
        spg_vset(t, a, k, p->V[k]);
    return a;
}

#endif
