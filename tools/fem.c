#include "fem.h"

#include <string.h>

#include "args.h"

/* *N = the size after prefix in name ("fem2d-" then digits only): 1 when
 * name is so, else 0. */
static int fem_size(const char *name, const char *prefix, int64_t *N)
{
    const size_t len = strlen(prefix);
    return !strncmp(name, prefix, len) && name[len] >= '0' && name[len] <= '9' &&
           !spg_arg_int(name + len, 0, INT64_MAX, N);
}

int spg_fem_make(const char *name, spg_fem *fem)
{
    int64_t N = 0;
    memset(fem, 0, sizeof *fem);
    if (fem_size(name, "fem2d-", &N)) {
        if (spg_fem2d_make(N, &fem->f2))
            return -2;
        fem->nodes = fem->f2.nodes, fem->triplets = fem->f2.triplets;
        fem->I = fem->f2.I, fem->J = fem->f2.J, fem->V = fem->f2.V;
        return 0;
    }
    if (fem_size(name, "fem3d-", &N)) {
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
