#include "fem2d.h"

#include <math.h>
#include <stdlib.h>

/* Adds the 3 x 3 stiffness of triangle (a, b, c) with coefficient kappa:
 * K_pq = kappa * area * grad(phi_p) . grad(phi_q). */
static void add_triangle(const double x[3], const double y[3], const int32_t node[3],
                         double kappa, int32_t *I, int32_t *J, double *V)
{
    double det = (x[1] - x[0]) * (y[2] - y[0]) - (x[2] - x[0]) * (y[1] - y[0]);
    double area = 0.5 * fabs(det);
    /* grad(phi_p) = (y_{p+1} - y_{p+2}, x_{p+2} - x_{p+1}) / det */
    double gx[3], gy[3];
    for (int p = 0; p < 3; p++) {
        gx[p] = (y[(p + 1) % 3] - y[(p + 2) % 3]) / det;
        gy[p] = (x[(p + 2) % 3] - x[(p + 1) % 3]) / det;
    }
    for (int p = 0; p < 3; p++)
        for (int q = 0; q < 3; q++) {
            int e = 3 * p + q;
            I[e] = node[p];
            J[e] = node[q];
            V[e] = kappa * area * (gx[p] * gx[q] + gy[p] * gy[q]);
        }
}

int spg_fem2d_make(int64_t N, spg_fem2d *fem)
{
    if (N < 2 || N > 46340) /* N * N nodes must fit in int32 */
        return -1;
    const int64_t cells = (N - 1) * (N - 1), nt = 18 * cells;
    int32_t *I = malloc((size_t)nt * sizeof *I), *J = malloc((size_t)nt * sizeof *J);
    double *V = malloc((size_t)nt * sizeof *V);
    if (!I || !J || !V) {
        free(I);
        free(J);
        free(V);
        return -1;
    }
    const double h = 1.0 / (double)(N - 1);
    int64_t t = 0;
    for (int64_t cy = 0; cy < N - 1; cy++)
        for (int64_t cx = 0; cx < N - 1; cx++) {
            int32_t n00 = (int32_t)(cy * N + cx), n10 = n00 + 1;
            int32_t n01 = (int32_t)(n00 + N), n11 = n01 + 1;
            double x0 = (double)cx * h, y0 = (double)cy * h;
            /* a smoothly varying conductivity, so entries differ */
            double kappa = 1.0 + 0.5 * sin(6.0 * x0) * cos(4.0 * y0);
            const int32_t lower[3] = {n00, n10, n11}, upper[3] = {n00, n11, n01};
            const double xl[3] = {x0, x0 + h, x0 + h}, yl[3] = {y0, y0, y0 + h};
            const double xu[3] = {x0, x0 + h, x0}, yu[3] = {y0, y0 + h, y0 + h};
            add_triangle(xl, yl, lower, kappa, I + t, J + t, V + t);
            add_triangle(xu, yu, upper, kappa, I + t + 9, J + t + 9, V + t + 9);
            t += 18;
        }
    fem->nodes = N * N;
    fem->triplets = nt;
    fem->I = I;
    fem->J = J;
    fem->V = V;
    return 0;
}

void spg_fem2d_free(spg_fem2d *fem)
{
    free(fem->I);
    free(fem->J);
    free(fem->V);
    fem->I = fem->J = NULL;
    fem->V = NULL;
}

int64_t spg_fem2d_interior(int64_t N, int32_t *id)
{
    int32_t next = 0;
    for (int64_t v = 0; v < N * N; v++) {
        const int64_t r = v / N, c = v % N;
        id[v] = (r == 0 || c == 0 || r == N - 1 || c == N - 1) ? -1 : next++;
    }
    return next;
}
