/* Element triplets of a 2D finite-element stiffness matrix: P1 triangles on
 * an N x N node grid of the unit square, 9 triplets per triangle. */
#ifndef SPG_FEM2D_H
#define SPG_FEM2D_H

#include <stdint.h>

typedef struct spg_fem2d {
    int64_t nodes;     /* N * N: the matrix is nodes x nodes */
    int64_t triplets;  /* 9 per triangle, 2 (N - 1)^2 triangles */
    int32_t *I, *J;    /* zero-based node numbers */
    double *V;         /* element stiffness entries, coefficient varying */
} spg_fem2d;

/* 0 on success, -1 when N < 2, N is too large or memory runs out. */
int spg_fem2d_make(int64_t N, spg_fem2d *fem);
void spg_fem2d_free(spg_fem2d *fem);

/* The interior numbering of the N x N grid's nodes (node r N + c): id[v]
 * is 0, 1, ... for the interior nodes in order and -1 on the boundary.
 * Returns the number of interior nodes, (N - 2)^2 for N >= 2. */
int64_t spg_fem2d_interior(int64_t N, int32_t *id);

#endif
