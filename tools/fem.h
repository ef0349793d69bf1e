/* A finite-element problem named on a command line: "fem2d-N" (fem2d.h)
 * or "fem3d-N" (fem3d.h). */
#ifndef SPG_FEM_H
#define SPG_FEM_H

#include "fem2d.h"
#include "fem3d.h"

typedef struct spg_fem {
    int64_t nodes, triplets; /* the matrix is nodes x nodes */
    const int32_t *I, *J;    /* zero-based node numbers */
    const double *V;
    spg_fem2d f2; /* the generator's arrays: one of the two is made */
    spg_fem3d f3;
} spg_fem;

/* 0 on success; -1 when name is neither fem2d-N nor fem3d-N, -2 when the
 * generator refuses N or memory runs out. */
int spg_fem_make(const char *name, spg_fem *fem);
void spg_fem_free(spg_fem *fem);

#endif
