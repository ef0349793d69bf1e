/* Element triplets of a 3D finite-element stiffness matrix: trilinear
 * hexahedra on an N x N x N node grid of the unit cube, 64 triplets per
 * element. */
#ifndef SPG_FEM3D_H
#define SPG_FEM3D_H

#include <stdint.h>

typedef struct spg_fem3d {
    int64_t nodes;     /* N^3: the matrix is nodes x nodes */
    int64_t triplets;  /* 64 per element, (N - 1)^3 elements */
    int32_t *I, *J;    /* zero-based node numbers */
    double *V;
} spg_fem3d;

/* 0 on success, -1 when N < 2, N^3 does not fit in int32 or memory runs
 * out. */
int spg_fem3d_make(int64_t N, spg_fem3d *fem);
void spg_fem3d_free(spg_fem3d *fem);

#endif
