/* The test programs' backend and the mirrors of their arrays (dev.h). */
#include "dev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"

enum { MOST = 512 }; /* arrays registered at once */

typedef struct mirror {
    void *host, *dev;
    size_t bytes;
    int owned; /* dev is this file's to free (not a plan's array) */
} mirror;

static spg_backend be = SPG_BACKEND_CPU;
static spg_context *ctx;
static mirror reg[MOST];
static int nreg;

static void fail(const char *what)
{
    fprintf(stderr, "dev: %s\n", what);
    exit(1);
}

spg_context *dev_open(int argc, char **argv)
{
    for (int a = 1; a < argc; a++)
        spg_tool_backend_arg(argc, argv, &a, &be);
    spg_status st = spg_context_create(be, &ctx);
    if (st == SPG_ERR_NOT_BUILT || st == SPG_ERR_NO_DEVICE) {
        printf("skipped: %s\n", spg_status_string(st));
        exit(77);
    }
    if (st != SPG_SUCCESS) {
        fprintf(stderr, "the %s backend cannot run: %s\n", be == SPG_BACKEND_CUDA ? "CUDA" : "CPU",
                spg_status_string(st));
        exit(1);
    }
    return ctx;
}

spg_backend dev_backend(void)
{
    return be;
}

/* A separate copy of bytes host bytes where the backend computes. */
static void *copy_of(const void *p, size_t bytes)
{
    if (be == SPG_BACKEND_CUDA)
        return spg_tool_put(ctx, be, p, bytes);
    void *d = malloc(bytes ? bytes : 1);
    if (!d)
        fail("out of memory");
    return memcpy(d, p, bytes);
}

static void drop(mirror *r)
{
    if (!r->owned)
        return;
    if (be == SPG_BACKEND_CUDA)
        spg_tool_drop(be, r->dev);
    else
        free(r->dev);
}

static void add(void *host, void *dev, size_t bytes, int owned)
{
    if (nreg == MOST)
        fail("too many arrays registered");
    reg[nreg++] = (mirror){host, dev, bytes, owned};
}

void *dev_reg(void *p, size_t bytes)
{
    if (p)
        add(p, copy_of(p, bytes), bytes, 1);
    return p;
}

void *dev_new(size_t bytes)
{
    void *p = calloc(bytes ? bytes : 1, 1);
    if (!p)
        fail("out of memory");
    return dev_reg(p, bytes);
}

void *dev_map(void *p, size_t bytes)
{
    void *h = malloc(bytes ? bytes : 1);
    if (!h)
        fail("out of memory");
    spg_tool_get(be, h, p, bytes);
    add(h, p, bytes, 0);
    return h;
}

void dev_unreg(const void *p)
{
    for (int k = nreg - 1; p && k >= 0; k--)
        if (reg[k].host == p) {
            drop(&reg[k]);
            memmove(&reg[k], &reg[k + 1], (size_t)(--nreg - k) * sizeof reg[0]);
            return;
        }
}

int dev_mark(void)
{
    return nreg;
}

void dev_release(int mark)
{
    while (nreg > mark)
        drop(&reg[--nreg]);
}

void *dv(const void *p)
{
    if (!p)
        return NULL;
    for (int k = nreg - 1; k >= 0; k--)
        if (reg[k].host == p)
            return reg[k].dev;
    fail("an array given to a call is not registered");
    return NULL;
}

spg_csc dev_view(const spg_plan *plan, spg_dtype dtype, void *values)
{
    spg_csc A, H;
    if (spg_plan_csc(plan, dtype, NULL, &A) != SPG_SUCCESS)
        fail("spg_plan_csc");
    const size_t is = A.itype == SPG_INT32 ? 4 : 8;
    const size_t cb = (size_t)(A.n + 1) * is, rb = (size_t)A.nnz * is;
    H = A;
    void *colptr = malloc(cb), *rowind = malloc(rb ? rb : 1);
    if (!colptr || !rowind)
        fail("out of memory");
    spg_tool_get(be, colptr, A.colptr, cb);
    spg_tool_get(be, rowind, A.rowind, rb);
    add(colptr, (void *)A.colptr, cb, 0);
    add(rowind, (void *)A.rowind, rb, 0);
    H.colptr = colptr, H.rowind = rowind, H.values = values;
    return H;
}

void dev_view_free(spg_csc *H)
{
    dev_unreg(H->colptr), dev_unreg(H->rowind);
    free((void *)H->colptr), free((void *)H->rowind);
    H->colptr = H->rowind = NULL;
}

const spg_csc *dev_csc(const spg_csc *H)
{
    static spg_csc views[4];
    static int next;
    spg_csc *v = &views[next++ % 4];
    *v = *H;
    v->colptr = dv(H->colptr), v->rowind = dv(H->rowind), v->values = dv(H->values);
    return v;
}

const spg_coo *dev_coo(const spg_coo *H)
{
    static spg_coo views[4];
    static int next;
    spg_coo *v = &views[next++ % 4];
    *v = *H;
    v->I = dv(H->I), v->J = dv(H->J);
    return v;
}

void dev_push(void)
{
    for (int k = 0; k < nreg; k++)
        spg_tool_set(be, reg[k].dev, reg[k].host, reg[k].bytes);
}

void dev_pull(void)
{
    for (int k = 0; k < nreg; k++)
        spg_tool_get(be, reg[k].host, reg[k].dev, reg[k].bytes);
}

spg_status dev_after(spg_status st)
{
    dev_pull();
    return st;
}
