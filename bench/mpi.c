/* The distributed layer's speed (spgrad_mpi.h), run under mpirun:
 *
 *     mpirun -n P build/spgrad_mpi_bench N [reps] [threads] [dealt]
 *
 * The triplets of fem2d-N, given by the ranks in contiguous blocks of the
 * element list (strips of the grid), the rows and columns (nodes) split
 * evenly: the off-rank triplets are those of the strips' edges, as a mesh
 * partition gives. With "dealt", the triangles are dealt out in turn
 * (rank p gets triangles p, p + P, ...): a mesh not partitioned at all,
 * where (P - 1) / P of the triplets are off-rank. Each time is the
 * slowest rank's, after a barrier, the median of reps; the arrays are
 * kept (allocated and touched before the timing).
 * Prints the plan, assembly, pullback and their sum, the value and
 * gradient of x' A y (x, y by rows and columns), the values each rank
 * sends per assembly against the minimum (8 bytes per off-rank triplet),
 * and the point-to-point costs between ranks 0 and 1 (a message's latency
 * and the time per byte, from ping-pongs of 8 bytes and 8 MiB) that the
 * README's model of many ranks takes. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fem2d.h"
#include "spgrad_mpi.h"

static int me, size;

/* This rank's triangles, dealt out in turn: their 9 triplets each. */
static spg_coo deal(const spg_fem2d *f, double **V)
{
    const int64_t tri = f->triplets / 9, mine = tri / size + (me < tri % size);
    int32_t *I = malloc((size_t)mine * 9 * sizeof *I + 1), *J = malloc((size_t)mine * 9 * sizeof *J + 1);
    *V = malloc((size_t)mine * 9 * sizeof **V + 1);
    if (!I || !J || !*V)
        MPI_Abort(MPI_COMM_WORLD, 2);
    for (int64_t e = me, k = 0; e < tri; e += size, k += 9) {
        memcpy(I + k, f->I + 9 * e, 9 * sizeof *I);
        memcpy(J + k, f->J + 9 * e, 9 * sizeof *J);
        memcpy(*V + k, f->V + 9 * e, 9 * sizeof **V);
    }
    return (spg_coo){f->nodes, f->nodes, 9 * mine, SPG_INT32, I, J};
}

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The slowest rank's time of each rep, and their median. */
static double slowest(double *t, int reps)
{
    double *all = malloc((size_t)reps * sizeof *all);
    MPI_Allreduce(t, all, reps, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    qsort(all, (size_t)reps, sizeof *all, cmp);
    const double m = all[reps / 2];
    free(all);
    return m;
}

/* One ping-pong of bytes between ranks 0 and 1: the round trip's time. */
static double ping_pong(char *buf, int bytes)
{
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    if (me == 0) {
        MPI_Send(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
        MPI_Recv(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (me == 1) {
        MPI_Recv(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
    }
    return MPI_Wtime() - t0;
}

/* Latency (s) and time per byte (s) of a message between ranks 0 and 1. */
static void message_costs(int reps, double *alpha, double *beta)
{
    const int big = 8 << 20;
    char *buf = calloc((size_t)big, 1);
    double *small = malloc((size_t)reps * sizeof *small), *large = malloc((size_t)reps * sizeof *large);
    ping_pong(buf, big); /* pages touched */
    for (int r = 0; r < reps; r++)
        small[r] = ping_pong(buf, 8), large[r] = ping_pong(buf, big);
    const double ts = slowest(small, reps) / 2, tl = slowest(large, reps) / 2;
    *alpha = ts, *beta = (tl - ts) / big;
    free(buf), free(small), free(large);
}

typedef struct timing {
    double plan, assemble, pullback, value_and_grad;
} timing;

/* The median of reps value-and-gradients of x' A y (x, y ones: every
 * entry's product counts), gradients kept. */
static double value_and_grad(spg_context *ctx, spg_mpi_plan *P, const double *Ax, int reps)
{
    spg_mpi_plan_info in;
    spg_mpi_plan_query(P, &in);
    const int64_t nr = in.row_end - in.row_begin, nc = in.col_end - in.col_begin;
    double *x = malloc((size_t)nr * 8 + 8), *y = malloc((size_t)nc * 8 + 8), f;
    double *dA = calloc((size_t)in.nnz + 1, 8), *dx = calloc((size_t)nr + 1, 8);
    double *dy = calloc((size_t)nc + 1, 8), *t = malloc((size_t)reps * sizeof *t);
    for (int64_t i = 0; i < nr; i++)
        x[i] = 1;
    for (int64_t j = 0; j < nc; j++)
        y[j] = 1;
    spg_mpi_bilinear_value_and_grad(ctx, P, SPG_DOUBLE, Ax, x, y, &f, dA, dx, dy); /* touched */
    for (int r = 0; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        spg_mpi_bilinear_value_and_grad(ctx, P, SPG_DOUBLE, Ax, x, y, &f, dA, dx, dy);
        t[r] = MPI_Wtime() - t0;
    }
    const double m = slowest(t, reps);
    free(x), free(y), free(dA), free(dx), free(dy), free(t);
    return m;
}

/* The medians of reps plans, assemblies and pullbacks of this rank's
 * triplets; *P keeps the last plan. */
static timing run(spg_context *ctx, const spg_coo *coo, int64_t rows, const double *V, int reps,
                  spg_mpi_plan **P)
{
    double *t[3];
    for (int q = 0; q < 3; q++)
        t[q] = malloc((size_t)reps * sizeof *t[q]);
    for (int r = 0; r < reps; r++) {
        if (r > 0)
            spg_mpi_plan_destroy(*P);
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        if (spg_mpi_plan_create(ctx, MPI_COMM_WORLD, coo, rows, rows, 0, P) != SPG_SUCCESS)
            MPI_Abort(MPI_COMM_WORLD, 1);
        t[0][r] = MPI_Wtime() - t0;
    }
    spg_mpi_plan_info in;
    spg_mpi_plan_query(*P, &in);
    double *Ax = calloc((size_t)in.nnz + 1, 8), *dV = calloc((size_t)coo->nnz + 1, 8);
    spg_mpi_assemble(ctx, *P, SPG_DOUBLE, V, Ax); /* buffers and arrays touched */
    spg_mpi_assemble_pullback(ctx, *P, SPG_DOUBLE, Ax, dV);
    for (int r = 0; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        spg_mpi_assemble(ctx, *P, SPG_DOUBLE, V, Ax);
        t[1][r] = MPI_Wtime() - t0;
        MPI_Barrier(MPI_COMM_WORLD);
        t0 = MPI_Wtime();
        spg_mpi_assemble_pullback(ctx, *P, SPG_DOUBLE, Ax, dV);
        t[2][r] = MPI_Wtime() - t0;
    }
    const timing T = {slowest(t[0], reps), slowest(t[1], reps), slowest(t[2], reps),
                      value_and_grad(ctx, *P, Ax, reps)};
    free(t[0]), free(t[1]), free(t[2]), free(Ax), free(dV);
    return T;
}

/* Rank 0 prints one table row and the exchange's bytes. */
static void report(int64_t N, int64_t triplets, spg_mpi_plan *P, timing T, int threads,
                   int dealt)
{
    spg_mpi_plan_info in;
    spg_mpi_plan_query(P, &in);
    int64_t mine[2] = {in.sent, in.sends}, most[2], total = 0;
    MPI_Allreduce(mine, most, 2, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&in.sent, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (me != 0)
        return;
    printf("ranks %d x threads %d, fem2d-%lld%s: %lld triplets, %lld per rank\n", size, threads,
           (long long)N, dealt ? " dealt" : "", (long long)triplets, (long long)(triplets / size));
    printf("  plan %.2f ms, assemble %.2f ms, pullback %.2f ms, assemble + pullback %.2f ms, "
           "value and gradient %.2f ms\n", 1e3 * T.plan, 1e3 * T.assemble, 1e3 * T.pullback,
           1e3 * (T.assemble + T.pullback), 1e3 * T.value_and_grad);
    printf("  off-rank triplets %lld in all, %lld at most per rank to %lld ranks: %lld bytes "
           "sent per assembly (minimum 8 per off-rank triplet: the same), %lld at plan creation\n",
           (long long)total, (long long)most[0], (long long)most[1], (long long)(8 * most[0]),
           (long long)(16 * most[0]));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const int64_t N = argc > 1 ? atoll(argv[1]) : 1000;
    const int reps = argc > 2 ? atoi(argv[2]) : 7, threads = argc > 3 ? atoi(argv[3]) : 1;
    const int dealt = argc > 4 && strcmp(argv[4], "dealt") == 0;
    spg_fem2d f;
    spg_context *ctx = NULL;
    if (reps < 1 || (argc > 4 && !dealt) || spg_fem2d_make(N, &f) != 0 ||
        spg_context_create(SPG_BACKEND_CPU, &ctx) != SPG_SUCCESS ||
        spg_context_set_threads(ctx, threads) != SPG_SUCCESS) {
        fprintf(stderr, "usage: spgrad_mpi_bench N [reps] [threads] [dealt] (fem2d-N, N >= 2)\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    const int64_t k0 = f.triplets * me / size, k1 = f.triplets * (me + 1) / size;
    const int64_t rows = f.nodes / size + (me < f.nodes % size);
    double *V = f.V + k0;
    const spg_coo coo = dealt ? deal(&f, &V)
                              : (spg_coo){f.nodes, f.nodes, k1 - k0, SPG_INT32, f.I + k0, f.J + k0};
    spg_mpi_plan *P = NULL;
    const timing T = run(ctx, &coo, rows, V, reps, &P);
    report(N, f.triplets, P, T, threads, dealt);
    if (size > 1) {
        double alpha, beta;
        message_costs(reps, &alpha, &beta);
        if (me == 0)
            printf("  messages between ranks 0 and 1: latency %.2f us, %.3f ns per byte "
                   "(%.2f GB/s)\n", 1e6 * alpha, 1e9 * beta, 1e-9 / beta);
    }
    spg_mpi_plan_destroy(P);
    spg_context_destroy(ctx);
    if (dealt)
        free((void *)coo.I), free((void *)coo.J), free(V);
    spg_fem2d_free(&f);
    MPI_Finalize();
    return 0;
}
