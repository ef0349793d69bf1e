/* The backend a test program runs its operations on, and the one helper
 * its arrays go through. A test that runs operations takes "--backend
 * cpu|cuda" (cpu by default; CTest registers it once per backend built)
 * and keeps its arrays on the host, where it fills and checks them. Each
 * array a call takes is registered: it gets a mirror where the backend
 * computes (device memory on CUDA, a separate host copy on the CPU, so
 * that a call given the host array itself shows on the CPU too), and the
 * call reads and writes the mirrors:
 *
 *     CHECK_STATUS(DEV(spg_spmv(ctx, op, 1.0, dev_csc(&A), dv(x), 0.0, dv(y))), SPG_SUCCESS);
 *
 * DEV copies every registered host array to its mirror before the call and
 * every mirror back after it. A plan's pattern lives where the backend
 * computes; dev_view gives a view of it with host copies of its arrays,
 * which dev_csc maps back to the plan's own arrays and analysis. */
#ifndef SPG_TEST_DEV_H
#define SPG_TEST_DEV_H

#include <stddef.h>

#include "spgrad.h"

/* The context of the backend named on the command line. Exits with 77
 * (skipped) where that backend is not built or no GPU is present, and
 * with 1, saying why, where a GPU is present but cannot be used. */
spg_context *dev_open(int argc, char **argv);

/* The backend dev_open chose. */
spg_backend dev_backend(void);

/* Registers the host array p of bytes bytes (NULL: nothing) and makes its
 * mirror; returns p. */
void *dev_reg(void *p, size_t bytes);

/* A new zeroed host array of bytes bytes (at least one), registered. */
void *dev_new(size_t bytes);

/* Frees the mirror of p and forgets p (p itself stays the caller's). */
void dev_unreg(const void *p);

/* Forgets every array registered since the mark (dev_mark's value). */
int dev_mark(void);
void dev_release(int mark);

/* A new host copy of bytes bytes at p, an array in the backend's memory
 * that the library owns (a plan's first values), registered against p;
 * dev_unreg it, then free it. */
void *dev_map(void *p, size_t bytes);

/* The mirror of the registered host array p; NULL for NULL. An array that
 * is not registered ends the test with a message. */
void *dv(const void *p);

/* A plan's view (device arrays on CUDA) with host copies of its colptr and
 * rowind, registered against the plan's own arrays (values as given: a
 * registered host array, or NULL). dev_view_free forgets and frees them. */
spg_csc dev_view(const spg_plan *plan, spg_dtype dtype, void *values);
void dev_view_free(spg_csc *H);

/* The view for a call: H with the mirrors of its arrays and, where they
 * are a plan's, the plan's analysis. The result lives until the next call
 * of dev_csc but three. */
const spg_csc *dev_csc(const spg_csc *H);

/* The triplets for a call: H with the mirrors of I and J. The result
 * lives until the next call of dev_coo but three. */
const spg_coo *dev_coo(const spg_coo *H);

/* Copies every registered array to its mirror, or back. */
void dev_push(void);
void dev_pull(void);

/* A call on the mirrors: pushed before, pulled after; its status. */
#define DEV(call) (dev_push(), dev_after(call))
spg_status dev_after(spg_status st);

#endif
