#include "fem.h"

#include <stdio.h>
#include <string.h>

int spg_fem_make(const char *name, spg_fem *fem)
{
    long N = 0;
    char rest = 0;
    memset(fem, 0, sizeof *fem);
    if (sscanf(name, "fem2d-%ld%c", &N, &rest) == 1) {
        if (spg_fem2d_make(N, &fem->f2))
            return -2;
        fem->nodes = fem->f2.nodes, fem->triplets = fem->f2.triplets;
        fem->I = fem->f2.I, fem->J = fem->f2.J, fem->V = fem->f2.V;
        return 0;
    }
    if (sscanf(name, "fem3d-%ld%c", &N, &rest) == 1) {
        if (spg_fem3d_make(N, &fem->f3))
            return -2;
        fem->nodes = fem->f3.nodes, fem->triplets = fem->f3.triplets;
        fem->I = fem->f3.I, fem->J = fem->f3.J, fem->V = fem->f3.V;
        return 0;
    }
    return -1;
}

void spg_fem_free(spg_fem *fem)
{
    spg_fem2d_free(&fem->f2);
    spg_fem3d_free(&fem->f3);
    memset(fem, 0, sizeof *fem);
}
