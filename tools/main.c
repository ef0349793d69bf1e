/* spgrad: the command-line program, which dispatches to its commands. */
#include <stdio.h>
#include <string.h>

#include "spgrad.h"
#include "tools.h"

static int usage(FILE *f)
{
    fprintf(f, "spgrad %s: forward results and pullbacks of sparse operations\n"
               "usage:\n"
               "  spgrad demo [--n N] [--type double|float] [--threads T] [--backend cpu|cuda]\n"
               "      assemble a 2D finite-element matrix from its element triplets\n"
               "      through a plan, pull a loss back to the triplet values, and\n"
               "      check the gradient by central finite differences\n"
               "  spgrad info FILE.mtx [--max-memory BYTES] [--nonfinite]\n"
               "      read a Matrix Market file through the plan and assembly path\n"
               "      and print its shape, stored entries and duplicates summed\n"
               "  spgrad check FILE.mtx [--type double|float] [--backend cpu|cuda]\n"
               "               [--max-memory BYTES]\n"
               "      check every operation's pullback on the matrix against finite\n"
               "      differences and the adjoint identity; exit 1 on any failure\n"
               "  spgrad solve [--n N] [--threads T]\n"
               "      f(V) = g' A(V)^-1 b for a 2D finite-element matrix without its\n"
               "      boundary: times of analysis, factorisation, solve and gradient,\n"
               "      and a central finite-difference check; exit 1 if it fails\n"
               "  spgrad bench [--problem fem2d-N|fem3d-N|random-M|FILE.mtx] [--backend cpu|cuda]\n"
               "               [--type double|float] [--threads T] [--reps R] [--json]\n"
               "      time every kernel on one problem (default fem2d-1000): medians,\n"
               "      the bytes model, GB/s and the fraction of a triad (CPU) or a\n"
               "      device copy (GPU) measured in the same run\n",
            spg_version());
    return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "demo"))
        return spg_cmd_demo(argc - 2, argv + 2);
    if (!strcmp(argv[1], "info"))
        return spg_cmd_info(argc - 2, argv + 2);
    if (!strcmp(argv[1], "check"))
        return spg_cmd_check(argc - 2, argv + 2);
    if (!strcmp(argv[1], "solve"))
        return spg_cmd_solve(argc - 2, argv + 2);
    if (!strcmp(argv[1], "bench"))
        return spg_cmd_bench(argc - 2, argv + 2);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
        return usage(stdout);
    fprintf(stderr, "spgrad: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
