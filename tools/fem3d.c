#include "fem3d.h"

#include <math.h>
#include <stdlib.h>

/* The trilinear element's Laplace stiffness on a cube of side h: entry (p, q)
 * depends on how many coordinates the local nodes p and q differ in:
 * h (1/3, 0, -1/12, -1/12) for 0, 1, 2, 3 (each row sums to zero). */
static double hex_entry(int p, int q, double h)
{
    static const double c[4] = {1.0 / 3.0, 0.0, -1.0 / 12.0, -1.0 / 12.0};
    int d = ((p ^ q) & 1) + (((p ^ q) >> 1) & 1) + (((p ^ q) >> 2) & 1);
    return h * c[d];
}

int spg_fem3d_make(int64_t N, spg_fem3d *fem)
{
    if (N < 2 || N > 1290) /* N^3 nodes must fit in int32 */
        return -1;
    const int64_t E = (N - 1) * (N - 1) * (N - 1), nt = 64 * E;
    int32_t *I = malloc((size_t)nt * sizeof *I), *J = malloc((size_t)nt * sizeof *J);
    double *V = malloc((size_t)nt * sizeof *V);
    if (!I || !J || !V) {
        free(I), free(J), free(V);
        return -1;
    }
    const double h = 1.0 / (double)(N - 1);
    int64_t t = 0;
    for (int64_t ez = 0; ez < N - 1; ez++)
        for (int64_t ey = 0; ey < N - 1; ey++)
            for (int64_t ex = 0; ex < N - 1; ex++) {
                int32_t node[8];
                for (int p = 0; p < 8; p++) /* local node p: bits x, y, z */
                    node[p] = (int32_t)(((ez + (p >> 2)) * N + ey + ((p >> 1) & 1)) * N + ex +
                                        (p & 1));
                /* a smoothly varying conductivity, so entries differ */
                const double kappa = 1.0 + 0.5 * sin(5.0 * (double)ex * h) *
                                               cos(3.0 * (double)ey * h) * cos(2.0 * (double)ez * h);
                for (int p = 0; p < 8; p++)
                    for (int q = 0; q < 8; q++, t++) {
                        I[t] = node[p];
                        J[t] = node[q];
                        V[t] = kappa * hex_entry(p, q, h);
                    }
            }
    fem->nodes = N * N * N;
    fem->triplets = nt;
    fem->I = I;
    fem->J = J;
    fem->V = V;
    return 0;
}

void spg_fem3d_free(spg_fem3d *fem)
{
    free(fem->I), free(fem->J), free(fem->V);
    fem->I = fem->J = NULL;
    fem->V = NULL;
}
