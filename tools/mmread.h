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

/* The reader's limits and choices. */
typedef struct spg_mm_options {
    /* Most bytes the dimensions may need: 16 (m + 1) + 16 (n + 1), a
     * pointer array and a vector or count array of 64-bit numbers for the
     * rows and for the columns, which readers of the matrix allocate
     * whatever its entries. 0: no limit. */
    int64_t max_bytes;
    /* 1: values inf, -inf and nan are read (real files); 0: refused. */
    int nonfinite;
} spg_mm_options;

/* The default limit of max_bytes: 1 GiB, dimensions up to about 33.5M. */
#define SPG_MM_MAX_BYTES ((int64_t)1 << 30)

/* Reads f with the options (NULL: max_bytes SPG_MM_MAX_BYTES, nonfinite
 * 0). 0 on success; -1 with a message in err (naming the line where the
 * file is at fault) otherwise, and mm is left empty. Memory grows with the
 * entries actually read, never from the header's claim alone. Numbers are
 * read in the C locale whatever the caller's. Values are decimal: hex
 * floats are refused, and so is a value that is not zero but rounds to
 * zero (1e-400) or to infinity; subnormal doubles are read. Integer files
 * hold integers that a double holds exactly (all up to 2^53 in
 * magnitude, and larger ones where they fit). */
int spg_mm_read_with(FILE *f, const spg_mm_options *opt, spg_mm *mm, char *err,
                     size_t errlen);

/* spg_mm_read_with with the default options. */
int spg_mm_read(FILE *f, spg_mm *mm, char *err, size_t errlen);
void spg_mm_free(spg_mm *mm);

#endif
