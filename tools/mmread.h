/* Matrix Market reader: coordinate files, real, integer or pattern,
 * general, symmetric or skew-symmetric (expanded to both triangles). */
#ifndef SPG_MMREAD_H
#define SPG_MMREAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum spg_mm_symmetry { SPG_MM_GENERAL, SPG_MM_SYMMETRIC, SPG_MM_SKEW } spg_mm_symmetry;

typedef struct spg_mm {
    int64_t m, n;
    int64_t entries;   /* entries listed in the file */
    int64_t nnz;       /* triplets after expansion to both triangles */
    spg_mm_symmetry symmetry;
    int pattern;       /* 1: the file has no values and V is NULL */
    int integer;       /* 1: the file's values are integers (V holds them) */
    int64_t *I, *J;    /* one-based, as in the file */
    double *V;
} spg_mm;

/* Reads f. 0 on success; -1 with a message in err (naming the line where
 * the file is at fault) otherwise, and mm is left empty. Memory grows with
 * the entries actually read, never from the header's claim alone. */
int spg_mm_read(FILE *f, spg_mm *mm, char *err, size_t errlen);
void spg_mm_free(spg_mm *mm);

#endif
