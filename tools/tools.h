/* Commands of the spgrad program; each returns the exit status. */
#ifndef SPG_TOOLS_H
#define SPG_TOOLS_H

#include <stddef.h>

int spg_cmd_demo(int argc, char **argv);
int spg_cmd_info(int argc, char **argv);
int spg_cmd_check(int argc, char **argv);
int spg_cmd_solve(int argc, char **argv);
int spg_cmd_bench(int argc, char **argv);

/* Wall-clock seconds from a monotonic clock. */
double spg_now(void);

/* The median of the n times in t (which it sorts). */
double spg_median(double *t, int n);

/* malloc(bytes), huge pages advised as the library advises them for its
 * large arrays; NULL when memory runs out. */
void *spg_huge_alloc(size_t bytes);

#endif
