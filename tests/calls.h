/* The calls of the public API as one table that the tests iterate. Each
 * call reads its pointer arguments from slots by role, and the table says
 * what a NULL in each slot gives. A new operation is one wrapper and one
 * row in calls.c; then test_hostile (NULL pointers, limits), test_threads
 * (thread counts), test_concurrency (user threads) and test_backends
 * (every backend against the CPU) run it. */
#ifndef SPG_TEST_CALLS_H
#define SPG_TEST_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "spgrad.h"

/* The pointer arguments of the public functions, by role. */
enum slot {
    S_CTX, S_PLAN, S_COO, S_I, S_J, S_CSC, S_COLPTR, S_ROWIND, S_VALUES,
    S_X, S_Y, S_U, S_W, S_TRIP, S_DAX, S_SOLVER,             /* inputs */
    S_CTX_OUT, S_PLAN_OUT, S_VIEW_OUT, S_AX, S_DV, S_OUT, S_F, S_DA, S_DX, S_DY, /* outputs */
    S_SOLVER_OUT, S_SX, S_DB, S_DS, S_ANALYSIS_OUT,
    NSLOT
};
enum { FIRST_OUTPUT = S_CTX_OUT };

/* What a NULL in a slot gives: not an argument of the call, the NULL
 * pointer status, success (the input or output is not requested), or the
 * pattern-gradient status (values NULL with dA asked). */
enum { NA = 0, ERR, OK, PAT };

/* What the comparison tests do with a call: SETUP calls make or set
 * objects and are not compared; a COMPUTE call's results agree within
 * rounding across backends and are bitwise equal across thread counts; an
 * EXACT call's results are the same bits on every backend; a SOLVE call's
 * are bitwise equal across thread counts, and across backends within a
 * bound from the conditioning of the solver's matrix (the CUDA backend's
 * solver is its own, on cuDSS). */
enum call_kind { SETUP, COMPUTE, EXACT, SOLVE };

/* The arguments of a call. coo and A give the shapes and types of the
 * views whose arrays come from the slots (S_COO and S_CSC non-NULL mean
 * "the view is given"). The solves take B and dX from U, X from W (n x
 * rank, leading dimension n) and write X to SX, dB to DB and dA, in the
 * layout of the solver's pattern (S.nnz entries), to DS. */
typedef struct args {
    void *p[NSLOT];
    spg_coo coo;
    spg_csc A;
    spg_dtype dtype; /* of the plan and COO calls */
    unsigned flags;  /* of plan creation and the COO calls */
    int64_t rank;    /* of the sampled outer products and the solves */
    spg_csc S;       /* the solver's matrix (host arrays; S.nnz sizes DS) */
    spg_plan *splan; /* S's plan and values, where spg_args_make made them */
    void *svalues;
} args;

typedef spg_status (*call_fn)(const args *a);

/* A public function (with fixed scalars: all of them positive and at least
 * 1, so that a run on absolute values bounds every term) and what a NULL
 * in each of its slots gives. */
typedef struct call {
    const char *name;
    call_fn fn;
    unsigned char when_null[NSLOT];
    unsigned char kind;   /* enum call_kind */
    unsigned char square; /* runs on square views only */
} call;

extern const call spg_calls[];
extern const int spg_ncalls;

/* The row of the table with this name (NULL when none has it). */
const call *spg_call_named(const char *name);

/* a holds the objects c takes (the solver, where c takes one). */
int spg_call_ready(const call *c, const args *a);

/* Slot s is an output of c. */
int spg_call_writes(const call *c, int s);

/* The comparison tests run c on a: it computes, a has its shape and the
 * solver it takes (a has none for rectangular or large problems, or in a
 * build without a solver). */
int spg_call_runs(const call *c, const args *a);

/* The bytes of the array in slot s for a's shapes (0: not an array). The
 * vectors are long enough for any op (max(m, n) values, times the rank for
 * U and W); f is one double. */
size_t spg_slot_bytes(const args *a, int s);

/* Slot s holds values of a's value type (double for f, none for indices). */
int spg_slot_has_values(int s);

/* Slot s is an array that a backend reads or writes where it computes
 * (device memory on CUDA): all arrays but f. */
int spg_slot_on_backend(const args *a, int s);

/* A new host array for slot s (at least 1 byte), values random from seed. */
void *spg_slot_new(const args *a, int s, uint64_t seed);

/* Arguments for every computing call on the triplets coo: a plan made with
 * flags on ctx, random triplet values and vectors from seed, the assembled
 * matrix as the CSC view. For square problems on a CPU context that
 * factorise quickly (n <= SPG_ARGS_SOLVER_N, or at most
 * SPG_ARGS_SOLVER_PER_COLUMN entries per column, as finite elements have),
 * a general solver factorised from S: the matrix and a diagonal that
 * dominates every row and column of it (regular, whatever the random
 * pattern). The output slots are left NULL. */
enum { SPG_ARGS_SOLVER_N = 500, SPG_ARGS_SOLVER_PER_COLUMN = 10 };
spg_status spg_args_make(spg_context *ctx, const spg_coo *coo, unsigned flags, spg_dtype dt,
                         int64_t rank, uint64_t seed, args *a);

/* A general solver of S on ctx, factorised; NULL (and success) where the
 * build has no solver for ctx's backend. */
spg_status spg_solver_of(spg_context *ctx, const spg_csc *S, spg_solver **solver);

/* Frees what spg_args_make made (the plans, the solver and the arrays). */
void spg_args_free(args *a);

/* A growing array of bytes. */
typedef struct bytes {
    unsigned char *b;
    size_t len, cap;
} bytes;

/* Appends len bytes of p. */
void spg_bytes_put(bytes *o, const void *p, size_t len);

/* The two arrays hold the same bytes. */
int spg_bytes_same(const bytes *a, const bytes *b);

/* Runs c on host arguments a with new output arrays of seed values (the
 * same on every run); appends the status and every output to o. */
spg_status spg_call_outputs(const call *c, const args *a, bytes *o);

/* spg_call_outputs for every call that runs on a; the first error. */
spg_status spg_calls_outputs(const args *a, bytes *o);

#endif
