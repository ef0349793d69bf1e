// spgrad against the libraries a caller would use instead, on the same
// generated triplets in the same process:
//
//   spgrad_peers fem2d-N|fem3d-N [THREADS [ROUNDS [WARM]]]
//
// COO -> CSC with duplicates summed: spgrad's plan alone, spgrad's "one
// shot" (spg_plan_create_assemble), the plan then an assembly into a new
// Ax, CSparse's cs_compress + cs_dupl, CHOLMOD's
// cholmod_triplet_to_sparse, Eigen's setFromTriplets; numeric re-assembly
// with a kept plan; SpMV: spgrad's N and T, CSparse's cs_gaxpy, Eigen's
// A * x; and the COO bilinear pullback against a plain loop over the
// triplets, and against that loop plus one range pass over I and J (the
// least a check before the first write reads); and the least work of a
// plan, measured in two parts: the bare scatter of the triplets into
// column order, and the least rest of a plan after it (no sort, in two
// layouts).
// Each peer's input is built outside the timing, in its own format.
// Every result is first checked against spgrad's (exit 1 on a mismatch).
// Round r times every contender once, starting at contender r mod count;
// the table gives medians and minima (default 7 rounds). spgrad runs on
// THREADS (0: OpenMP's choice); the peers are serial. WARM = 1 runs each
// timed call right after an untimed call of the same row, so that every
// contender reuses memory it has just freed: on a VM that hands free
// memory back to its host, memory left free for seconds costs a host fault
// per page when touched again, and the huge pages spgrad advises come from
// that memory (bench/README.md, "The first spgrad row's slowness"). A peer
// not found at build time is compiled out.
#include <malloc.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#if SPG_PEER_CSPARSE
#include <cs.h>
#endif
#if SPG_PEER_CHOLMOD
#include <cholmod.h>
#endif
#if SPG_PEER_EIGEN
#include <Eigen/Sparse>
#endif

extern "C" {
#include "args.h"
#include "fem.h"
#include "spgrad.h"
#include "tools.h"
}

namespace {

const double eps = std::numeric_limits<double>::epsilon();

[[noreturn]] void die(const char *what, const char *why)
{
    std::fprintf(stderr, "spgrad_peers: %s: %s\n", what, why);
    std::exit(1);
}

void need(spg_status st, const char *what)
{
    if (st != SPG_SUCCESS)
        die(what, spg_status_string(st));
}

template <class T> T *alloc(int64_t count)
{
    void *p = std::malloc((size_t)std::max<int64_t>(count, 1) * sizeof(T));
    if (!p)
        die("malloc", "out of memory");
    return static_cast<T *>(p);
}

// An array as the library takes a plan's: huge pages advised.
template <class T> T *alloc_huge(int64_t count)
{
    void *p = spg_huge_alloc((size_t)std::max<int64_t>(count, 1) * sizeof(T));
    if (!p)
        die("malloc", "out of memory");
    return static_cast<T *>(p);
}

// The triplets, as the generator made them.
struct Problem {
    int n;
    int64_t K;
    const int32_t *I, *J;
    const double *V;
};

// spgrad's kept matrix and vectors, and what a timed call makes.
struct Spg {
    spg_context *ctx = nullptr;
    spg_coo coo{};
    const double *V = nullptr;
    spg_plan *plan = nullptr;
    spg_csc A{};
    std::vector<double> Ax, x, yN, yT;
    spg_plan *fresh = nullptr;
    double *fresh_Ax = nullptr;
    int threads = 0;
    std::vector<double> dV, dV_loop; // kept: the COO pullbacks accumulate
};

// What the checks compare with: spgrad's CSC, and for each stored entry s
// the count L[s] and the sum S[s] of |V| of its triplets. Two sums of the
// same L terms in any order differ by at most (L - 1) eps S; L eps S is
// allowed (S itself is rounded). SpMV: y = A x and Sx = S |x| (x > 0).
struct Ref {
    int n = 0;
    const int32_t *colptr = nullptr, *rowind = nullptr;
    const double *Ax = nullptr;
    std::vector<double> S, L, y, Sx;
    int maxL = 0, maxrow = 0;
};

enum class Kind { plan, one_shot, spgrad, spmv_n, convert, spmv_peer, coo, coo_loop, coo_span,
                  scatter_serial, scatter, rest, rest_values, rest2, rest2_values };

struct Row {
    std::string name;
    Kind kind;
    std::function<void()> run, after; // timed; untimed clean-up (may be empty)
    std::vector<double> t;
};

void add(std::vector<Row> &rows, const char *name, Kind kind, std::function<void()> run,
         std::function<void()> after = {})
{
    rows.push_back(Row{name, kind, std::move(run), std::move(after), {}});
}

void spg_setup(Spg &s, const Problem &p, int threads)
{
    need(spg_context_create(SPG_BACKEND_CPU, &s.ctx), "context");
    need(spg_context_set_threads(s.ctx, threads), "threads");
    s.coo = spg_coo{p.n, p.n, p.K, SPG_INT32, p.I, p.J};
    s.V = p.V;
    need(spg_plan_create(s.ctx, &s.coo, 0, &s.plan), "plan");
    s.Ax.assign((size_t)spg_plan_nnz(s.plan), 0.0);
    need(spg_assemble(s.ctx, s.plan, SPG_DOUBLE, p.V, s.Ax.data()), "assemble");
    need(spg_plan_csc(s.plan, SPG_DOUBLE, s.Ax.data(), &s.A), "csc view");
    s.x.resize((size_t)p.n);
    for (int i = 0; i < p.n; i++)
        s.x[(size_t)i] = 0.5 + 1.0 / (1 + i % 13);
    s.yN.assign((size_t)p.n, 0.0);
    s.yT.assign((size_t)p.n, 0.0);
    s.threads = threads;
    s.dV.assign((size_t)p.K, 0.0);
    s.dV_loop.assign((size_t)p.K, 0.0);
}

// What a caller would write for the gradient of x' A(V) y without a check:
// dV_k += x_{I_k} y_{J_k}, on spgrad's threads.
void coo_loop(const Problem &p, const Spg &s, double *dV)
{
    const double *x = s.x.data();
#ifdef _OPENMP
#pragma omp parallel for num_threads(s.threads > 0 ? s.threads : omp_get_max_threads()) schedule(static)
#endif
    for (int64_t k = 0; k < p.K; k++)
        dV[k] += x[p.I[k]] * x[p.J[k]];
}

// The least a check of the indices reads: I and J once, each against the
// dimension as an unsigned number (a negative index wraps above it).
bool coo_span(const Problem &p, const Spg &s)
{
    (void)s; // its threads, under OpenMP
    const uint32_t last = (uint32_t)p.n - 1;
    unsigned bad = 0;
#ifdef _OPENMP
#pragma omp parallel for num_threads(s.threads > 0 ? s.threads : omp_get_max_threads()) \
    schedule(static) reduction(| : bad)
#endif
    for (int64_t k = 0; k < p.K; k++)
        bad |= ((uint32_t)p.I[k] > last) | ((uint32_t)p.J[k] > last);
    return !bad;
}

// The one shot's values against the kept plan's assembly: the same bits.
// Prints one line.
bool one_shot_check(Spg &s)
{
    spg_plan *plan = nullptr;
    void *Ax = nullptr;
    need(spg_plan_create_assemble(s.ctx, &s.coo, 0, SPG_DOUBLE, s.V, &plan, &Ax),
         "plan with values");
    const bool same = spg_plan_nnz(plan) == (int64_t)s.Ax.size() &&
                      std::memcmp(Ax, s.Ax.data(), s.Ax.size() * sizeof(double)) == 0;
    spg_plan_destroy(plan);
    std::printf("check %-30s %s\n", "spgrad one shot", same ? "bitwise equal to spg_assemble"
                                                          : "DIFFERS FROM spg_assemble");
    return same;
}

// The COO bilinear pullback against the plain loop: the same bits (alpha
// 1) from zero. Prints one line.
bool coo_check(const Problem &p, Spg &s)
{
    need(spg_coo_bilinear_pullback(s.ctx, &s.coo, 0, SPG_DOUBLE, s.x.data(), s.x.data(), 1.0,
                                   s.dV.data()), "COO bilinear pullback");
    coo_loop(p, s, s.dV_loop.data());
    const bool same = s.dV == s.dV_loop && coo_span(p, s);
    std::printf("check %-30s %s\n", "spgrad COO bilinear pullback",
                same ? "bitwise equal to the plain loop" : "DIFFERS FROM THE PLAIN LOOP");
    return same;
}

void spg_rows(std::vector<Row> &rows, Spg &s)
{
    auto drop = [&s] {
        std::free(s.fresh_Ax);
        spg_plan_destroy(s.fresh);
        s.fresh_Ax = nullptr;
        s.fresh = nullptr;
    };
    auto drop_plan = [&s] { // its first values with it
        spg_plan_destroy(s.fresh);
        s.fresh = nullptr;
    };
    add(rows, "spgrad plan", Kind::plan,
        [&s] { need(spg_plan_create(s.ctx, &s.coo, 0, &s.fresh), "plan"); }, drop);
    add(rows, "spgrad one shot (plan with values)", Kind::one_shot, [&s] {
        void *Ax = nullptr;
        need(spg_plan_create_assemble(s.ctx, &s.coo, 0, SPG_DOUBLE, s.V, &s.fresh, &Ax),
             "plan with values");
    }, drop_plan);
    add(rows, "spgrad plan, assemble into new Ax", Kind::spgrad, [&s] {
        need(spg_plan_create(s.ctx, &s.coo, 0, &s.fresh), "plan");
        s.fresh_Ax = alloc<double>(spg_plan_nnz(s.fresh));
        need(spg_assemble(s.ctx, s.fresh, SPG_DOUBLE, s.V, s.fresh_Ax), "assemble");
    }, drop);
    add(rows, "spgrad assemble (kept plan, Ax)", Kind::spgrad, [&s] {
        need(spg_assemble(s.ctx, s.plan, SPG_DOUBLE, s.V, s.Ax.data()), "assemble");
    });
    add(rows, "spgrad SpMV N", Kind::spmv_n, [&s] {
        need(spg_spmv(s.ctx, SPG_OP_N, 1.0, &s.A, s.x.data(), 0.0, s.yN.data()), "SpMV N");
    });
    add(rows, "spgrad SpMV T", Kind::spgrad, [&s] {
        need(spg_spmv(s.ctx, SPG_OP_T, 1.0, &s.A, s.x.data(), 0.0, s.yT.data()), "SpMV T");
    });
}

void coo_rows(std::vector<Row> &rows, const Problem &p, Spg &s)
{
    add(rows, "spgrad COO bilinear pullback", Kind::coo, [&s] {
        need(spg_coo_bilinear_pullback(s.ctx, &s.coo, 0, SPG_DOUBLE, s.x.data(), s.x.data(),
                                       1.0, s.dV.data()), "COO bilinear pullback");
    });
    add(rows, "plain loop dV += x[I] x[J]", Kind::coo_loop,
        [&p, &s] { coo_loop(p, s, s.dV_loop.data()); });
    add(rows, "plain range pass over I and J", Kind::coo_span, [&p, &s] {
        if (!coo_span(p, s))
            die("COO", "index out of range");
    });
}

// The least a plan does: count the triplets per column, then put each
// one's row and number in column order, into new arrays as the plan's
// (without sorting rows or finding duplicates). Serially, directly or
// first by blocks of 2^10 columns and then, block by block, by column
// inside a block that stays in cache (each block's triplets in a copy of
// its own); and directly on spgrad's threads. The direct ones prefetch as
// the library's scatter does: where columns hold 32 triplets or more on
// average, every second triplet, the place of the triplet 128 ahead.
struct Scatter {
    int32_t *row = nullptr, *perm = nullptr;
};

constexpr int64_t spg_prefetch_ahead = 128;

bool scatter_prefetches(const Problem &p)
{
    return p.n > 0 && p.K / 32 >= p.n;
}

// Triplets [k0, k1) to the places pos gives their columns, forwards.
void scatter_range(const Problem &p, Scatter &s, int64_t *pos, int64_t k0, int64_t k1)
{
    int64_t k = k0;
    if (scatter_prefetches(p))
        for (; k + spg_prefetch_ahead < k1; k++) {
            if (!(k & 1)) {
                const int64_t q = pos[(size_t)p.J[k + spg_prefetch_ahead]];
                __builtin_prefetch(s.row + q, 1), __builtin_prefetch(s.perm + q, 1);
            }
            const int64_t q = pos[(size_t)p.J[k]]++;
            s.row[q] = p.I[k], s.perm[q] = (int32_t)k;
        }
    for (; k < k1; k++) {
        const int64_t q = pos[(size_t)p.J[k]]++;
        s.row[q] = p.I[k], s.perm[q] = (int32_t)k;
    }
}

constexpr int spg_block_bits = 10;

std::vector<int64_t> column_starts(const Problem &p, int bits)
{
    std::vector<int64_t> pos((size_t)(p.n >> bits) + 2, 0);
    for (int64_t k = 0; k < p.K; k++)
        pos[(size_t)(p.J[k] >> bits) + 1]++;
    for (size_t a = 1; a < pos.size(); a++)
        pos[a] += pos[a - 1];
    return pos;
}

void scatter_direct(const Problem &p, Scatter &s)
{
    std::vector<int64_t> pos = column_starts(p, 0);
    s.row = alloc_huge<int32_t>(p.K), s.perm = alloc_huge<int32_t>(p.K);
    scatter_range(p, s, pos.data(), 0, p.K);
}

void scatter_blocked(const Problem &p, Scatter &s)
{
    std::vector<int64_t> pos = column_starts(p, 0), bpos = column_starts(p, spg_block_bits);
    const std::vector<int64_t> block = bpos;
    s.row = alloc_huge<int32_t>(p.K), s.perm = alloc_huge<int32_t>(p.K);
    for (int64_t k = 0; k < p.K; k++) {
        const int64_t q = bpos[(size_t)(p.J[k] >> spg_block_bits)]++;
        s.row[q] = p.I[k], s.perm[q] = (int32_t)k;
    }
    int64_t most = 0;
    for (size_t b = 0; b + 1 < block.size(); b++)
        most = std::max(most, block[b + 1] - block[b]);
    std::vector<int32_t> row((size_t)most), perm((size_t)most);
    for (size_t b = 0; b + 1 < block.size(); b++) {
        const int64_t a = block[b], len = block[b + 1] - a;
        std::copy(s.row + a, s.row + a + len, row.begin());
        std::copy(s.perm + a, s.perm + a + len, perm.begin());
        for (int64_t t = 0; t < len; t++) {
            const int64_t q = pos[(size_t)p.J[perm[(size_t)t]]]++;
            s.row[q] = row[(size_t)t], s.perm[q] = perm[(size_t)t];
        }
    }
}

// The direct scatter on T threads: each counts its block of triplets per
// column; the threads split the columns, and give each column's places to
// the blocks in triplet order; then each puts its block's triplets in
// place. The same arrays as the direct scatter.
void scatter_parallel(const Problem &p, Scatter &s, int threads)
{
#ifdef _OPENMP
    const int T = threads > 0 ? threads : omp_get_max_threads();
    const int64_t n = p.n;
    int64_t *cnt = alloc_huge<int64_t>((int64_t)T * n), *part = alloc<int64_t>(T + 1);
    s.row = alloc_huge<int32_t>(p.K), s.perm = alloc_huge<int32_t>(p.K);
#pragma omp parallel num_threads(T)
    {
        if (omp_get_num_threads() != T)
            die("parallel scatter", "fewer threads than asked for");
        const int t = omp_get_thread_num();
        const int64_t k0 = p.K * t / T, k1 = p.K * (t + 1) / T, j0 = n * t / T, j1 = n * (t + 1) / T;
        int64_t *c = cnt + t * n, sum = 0;
        std::fill(c, c + n, 0);
        for (int64_t k = k0; k < k1; k++)
            c[p.J[k]]++;
#pragma omp barrier
        for (int64_t j = j0; j < j1; j++)
            for (int u = 0; u < T; u++)
                sum += cnt[u * n + j];
        part[t + 1] = sum;
#pragma omp barrier
        int64_t q = 0; // where this thread's columns start
        for (int u = 0; u < t; u++)
            q += part[u + 1];
        for (int64_t j = j0; j < j1; j++)
            for (int u = 0; u < T; u++) {
                const int64_t len = cnt[u * n + j];
                cnt[u * n + j] = q, q += len;
            }
#pragma omp barrier
        scatter_range(p, s, c, k0, k1);
    }
    std::free(cnt), std::free(part);
#else
    (void)threads;
    scatter_direct(p, s); // not timed: its row is OpenMP's only
#endif
}

void scatter_free(Scatter &s)
{
    std::free(s.row), std::free(s.perm);
    s.row = s.perm = nullptr;
}

// The scatters give the same arrays.
bool scatter_check(const Problem &p, int threads)
{
    Scatter a, b;
    scatter_direct(p, a);
    auto equal = [&p, &a, &b](const char *what) {
        const bool same = std::equal(a.row, a.row + p.K, b.row) &&
                          std::equal(a.perm, a.perm + p.K, b.perm);
        std::printf("check %-30s %s\n", what, same ? "ok" : "FAILED");
        scatter_free(b);
        return same;
    };
    scatter_blocked(p, b);
    const bool blocked = equal("blocked scatter = direct");
    scatter_parallel(p, b, threads);
    const bool parallel = equal("parallel scatter = direct");
    scatter_free(a);
    return blocked && parallel;
}

void scatter_rows(std::vector<Row> &rows, const Problem &p, Scatter &s, int threads)
{
    add(rows, "bare column scatter (serial)", Kind::scatter_serial,
        [&p, &s] { scatter_direct(p, s); }, [&s] { scatter_free(s); });
    add(rows, "bare scatter by blocks (serial)", Kind::scatter,
        [&p, &s] { scatter_blocked(p, s); }, [&s] { scatter_free(s); });
#ifdef _OPENMP
    add(rows, "bare column scatter (threads)", Kind::scatter,
        [&p, &s, threads] { scatter_parallel(p, s, threads); }, [&s] { scatter_free(s); });
#else
    (void)threads;
#endif
}

// The least a plan does after the scatter, serially: find each column's
// distinct rows and each triplet's entry, writing colptr, rowind, seg and
// slot (and, for a one shot, Ax: each entry's values summed in triplet
// order). The input has the rows already sorted in each column (made
// outside the timing), so nothing is sorted. Two layouts, timed apart:
// one pass that compacts the rows in place into rowind and writes slot
// into new memory; or, as the library does, rowind into new memory and
// then slot into the rows' memory in a second pass. A plan does all of
// one or the other and more, so the serial scatter plus the faster of the
// two is the least a serial plan of these arrays takes.
struct Rest {
    std::vector<int64_t> start;           // each column's first triplet
    std::vector<int32_t> row0, row, perm; // rows sorted in each column; row is written
    int64_t nnz = 0;                      // distinct rows over all columns
    int32_t *colptr = nullptr, *seg = nullptr, *fresh = nullptr; // fresh: rowind or slot
    double *Ax = nullptr;
    const int32_t *rowind = nullptr, *slot = nullptr; // where the pass left them
};

void rest_setup(const Problem &p, Rest &r)
{
    Scatter sc;
    scatter_direct(p, sc);
    r.start = column_starts(p, 0);
    std::vector<std::pair<int32_t, int32_t>> col;
    for (int64_t j = 0; j < p.n; j++) {
        const int64_t a = r.start[(size_t)j], b = r.start[(size_t)j + 1];
        col.assign(0, {});
        for (int64_t q = a; q < b; q++)
            col.emplace_back(sc.row[q], sc.perm[q]);
        std::sort(col.begin(), col.end()); // by row, then by triplet
        for (int64_t q = a; q < b; q++) {
            std::tie(sc.row[q], sc.perm[q]) = col[(size_t)(q - a)];
            r.nnz += q == a || sc.row[q] != sc.row[q - 1];
        }
    }
    r.row0.assign(sc.row, sc.row + p.K);
    r.perm.assign(sc.perm, sc.perm + p.K);
    r.row = r.row0;
    scatter_free(sc);
}

// Column j's entries from s on: rowind[s..] = its distinct rows, seg[s..]
// their first places, with values Ax; slot, where given, each triplet's
// entry. Without branches on the rows: a triplet that is not its entry's
// first writes seg at spare. Returns the entries after column j.
template <bool values>
int64_t rest_column(const Problem &p, const Rest &r, int64_t j, int64_t s, int64_t spare,
                    const int32_t *row, int32_t *rowind, int32_t *seg, int32_t *slot, double *Ax)
{
    int32_t last = -1;
    for (int64_t q = r.start[(size_t)j]; q < r.start[(size_t)j + 1]; q++) {
        const int32_t i = row[q], k = r.perm[(size_t)q];
        const bool first = i != last;
        seg[first ? s : spare] = (int32_t)q;
        s += first, last = i;
        rowind[s - 1] = i;
        if (values)
            Ax[s - 1] = first ? p.V[k] : Ax[s - 1] + p.V[k];
        if (slot)
            slot[k] = (int32_t)(s - 1);
    }
    return s;
}

template <bool values> void rest_alloc(const Problem &p, Rest &r, int64_t fresh)
{
    r.colptr = alloc_huge<int32_t>(p.n + 1), r.seg = alloc_huge<int32_t>(r.nnz + 2);
    r.fresh = alloc_huge<int32_t>(fresh);
    r.Ax = values ? alloc_huge<double>(r.nnz) : nullptr;
}

// Every column's entries in turn, rowind and slot (where given) where the
// layout puts them: colptr, seg and, with values, Ax. Returns the entries.
template <bool values> int64_t rest_columns(const Problem &p, Rest &r, const int32_t *row,
                                            int32_t *rowind, int32_t *slot)
{
    int64_t s = 0;
    for (int64_t j = 0; j < p.n; j++) {
        r.colptr[j] = (int32_t)s;
        s = rest_column<values>(p, r, j, s, r.nnz + 1, row, rowind, r.seg, slot, r.Ax);
    }
    r.colptr[p.n] = (int32_t)s, r.seg[s] = (int32_t)p.K;
    return s;
}

// One pass: rowind in the rows' memory, slot new.
template <bool values> void rest_pass(const Problem &p, Rest &r)
{
    rest_alloc<values>(p, r, p.K);
    int32_t *row = r.row.data();
    rest_columns<values>(p, r, row, row, r.fresh);
    r.rowind = row, r.slot = r.fresh;
}

// Two passes: rowind new, then slot in the rows' memory.
template <bool values> void rest_pass2(const Problem &p, Rest &r)
{
    rest_alloc<values>(p, r, r.nnz);
    int32_t *row = r.row.data();
    const int32_t *perm = r.perm.data();
    const int64_t s = rest_columns<values>(p, r, row, r.fresh, nullptr);
    for (int64_t e = 0; e < s; e++)
        for (int32_t q = r.seg[e]; q < r.seg[e + 1]; q++)
            row[perm[q]] = (int32_t)e;
    r.rowind = r.fresh, r.slot = row;
}

void rest_free(const Problem &p, Rest &r)
{
    std::free(r.colptr), std::free(r.seg), std::free(r.fresh), std::free(r.Ax);
    r.colptr = r.seg = r.fresh = nullptr;
    r.Ax = nullptr;
    std::copy(r.row0.begin(), r.row0.begin() + p.K, r.row.begin());
}

// What the pass made against spgrad: colptr, rowind and values (where
// made) bitwise, each segment's length against its entry's triplets (L,
// counted by assembling ones), and each triplet's slot (pulling back
// dAx_s = s).
bool rest_same(const Problem &p, const Rest &r, Spg &s, const std::vector<double> &L)
{
    const int64_t nnz = r.nnz;
    const auto *colptr = static_cast<const int32_t *>(s.A.colptr);
    const auto *rowind = static_cast<const int32_t *>(s.A.rowind);
    bool same = std::equal(r.colptr, r.colptr + p.n + 1, colptr) &&
                std::equal(r.rowind, r.rowind + nnz, rowind) &&
                (!r.Ax || std::memcmp(r.Ax, s.Ax.data(), (size_t)nnz * sizeof(double)) == 0);
    for (int64_t e = 0; same && e < nnz; e++)
        same = r.seg[e + 1] - r.seg[e] == L[(size_t)e];
    std::vector<double> dAx((size_t)nnz), dV((size_t)p.K, 0.0);
    for (int64_t e = 0; e < nnz; e++)
        dAx[(size_t)e] = (double)e;
    need(spg_assemble_pullback(s.ctx, s.plan, SPG_DOUBLE, dAx.data(), dV.data()), "pullback");
    for (int64_t k = 0; same && k < p.K; k++)
        same = dV[(size_t)k] == r.slot[k];
    return same;
}

// Both layouts, with values and without, against spgrad (the entries
// counted in rest_setup first: the arrays are sized by them). Prints one
// line.
bool rest_check(const Problem &p, Rest &r, Spg &s, const std::vector<double> &L)
{
    bool same = r.nnz == spg_plan_nnz(s.plan);
    for (void (*pass)(const Problem &, Rest &) :
         {rest_pass<false>, rest_pass<true>, rest_pass2<false>, rest_pass2<true>}) {
        if (!same)
            break;
        pass(p, r);
        same = rest_same(p, r, s, L);
        rest_free(p, r);
    }
    std::printf("check %-30s %s\n", "least rest of a plan", same ? "spgrad's arrays and values"
                                                                : "DIFFERS FROM SPGRAD");
    return same;
}

void rest_rows(std::vector<Row> &rows, const Problem &p, Rest &r)
{
    auto drop = [&p, &r] { rest_free(p, r); };
    add(rows, "least rest, one pass (serial)", Kind::rest, [&p, &r] { rest_pass<false>(p, r); },
        drop);
    add(rows, "least rest, one pass, values", Kind::rest_values,
        [&p, &r] { rest_pass<true>(p, r); }, drop);
    add(rows, "least rest, two passes (serial)", Kind::rest2,
        [&p, &r] { rest_pass2<false>(p, r); }, drop);
    add(rows, "least rest, two passes, values", Kind::rest2_values,
        [&p, &r] { rest_pass2<true>(p, r); }, drop);
}

// The bounds of the checks, through spgrad itself: |V| and ones assembled.
void ref_setup(Ref &r, Spg &s, const Problem &p)
{
    const int64_t nnz = spg_plan_nnz(s.plan);
    r.n = p.n;
    r.colptr = static_cast<const int32_t *>(s.A.colptr);
    r.rowind = static_cast<const int32_t *>(s.A.rowind);
    r.Ax = s.Ax.data();
    std::vector<double> t((size_t)p.K);
    for (int64_t k = 0; k < p.K; k++)
        t[(size_t)k] = std::fabs(p.V[k]);
    r.S.resize((size_t)nnz);
    need(spg_assemble(s.ctx, s.plan, SPG_DOUBLE, t.data(), r.S.data()), "assemble |V|");
    std::fill(t.begin(), t.end(), 1.0);
    r.L.resize((size_t)nnz);
    need(spg_assemble(s.ctx, s.plan, SPG_DOUBLE, t.data(), r.L.data()), "assemble ones");
    r.maxL = (int)*std::max_element(r.L.begin(), r.L.end());
    std::vector<int> rows((size_t)p.n, 0);
    for (int64_t q = 0; q < nnz; q++)
        r.maxrow = std::max(r.maxrow, ++rows[(size_t)r.rowind[q]]);
    spg_csc Sv;
    need(spg_plan_csc(s.plan, SPG_DOUBLE, r.S.data(), &Sv), "csc view");
    r.y.resize((size_t)p.n);
    r.Sx.resize((size_t)p.n);
    need(spg_spmv(s.ctx, SPG_OP_N, 1.0, &s.A, s.x.data(), 0.0, r.y.data()), "SpMV N");
    need(spg_spmv(s.ctx, SPG_OP_N, 1.0, &Sv, s.x.data(), 0.0, r.Sx.data()), "SpMV N of S");
}

// The peer's CSC (p, i, x) against spgrad's: the same colptr, the same rows
// in each column once sorted, values within L eps S. Prints one line.
[[maybe_unused]] bool check_csc(const Ref &r, const char *name, const int *p, const int *i,
                                const double *x)
{
    bool same = std::equal(r.colptr, r.colptr + r.n + 1, p), sorted = true, bitwise = true;
    double worst = 0;
    std::vector<std::pair<int, double>> col;
    for (int j = 0; same && j < r.n; j++) {
        col.assign(0, {});
        for (int q = p[j]; q < p[j + 1]; q++)
            col.emplace_back(i[q], x[q]);
        auto by_row = [](const auto &a, const auto &b) { return a.first < b.first; };
        sorted = sorted && std::is_sorted(col.begin(), col.end(), by_row);
        std::sort(col.begin(), col.end(), by_row);
        for (int q = p[j]; same && q < p[j + 1]; q++) {
            const auto [row, v] = col[(size_t)(q - p[j])];
            const double d = std::fabs(v - r.Ax[q]), tol = r.L[(size_t)q] * eps * r.S[(size_t)q];
            same = row == r.rowind[q];
            bitwise = bitwise && d == 0;
            worst = std::max(worst, d == 0 ? 0.0 : tol > 0 ? d / tol : HUGE_VAL);
        }
    }
    const char *values = !same ? "not compared" : bitwise ? "bitwise equal"
                         : worst <= 1 ? "within bound" : "BEYOND BOUND";
    std::printf("check %-30s %s, rows %s, values %s (worst %.2g of L eps S)\n", name,
                same ? "pattern equal" : "PATTERN DIFFERS", sorted ? "sorted" : "unsorted",
                values, worst);
    return same && worst <= 1;
}

// A peer's y = A x against spgrad's: |a - b| <= (maxL + maxrow) eps (S x)_i
// covers the rounding of both matrices and of both sums.
[[maybe_unused]] bool check_spmv(const Ref &r, const char *name, const double *y)
{
    const double c = (r.maxL + r.maxrow) * eps;
    bool bitwise = true;
    double worst = 0;
    for (size_t k = 0; k < (size_t)r.n; k++) {
        const double d = std::fabs(y[k] - r.y[k]), tol = c * r.Sx[k];
        bitwise = bitwise && d == 0;
        worst = std::max(worst, d == 0 ? 0.0 : tol > 0 ? d / tol : HUGE_VAL);
    }
    std::printf("check %-30s %s (worst %.2g of (maxL + maxrow) eps S x)\n", name,
                bitwise ? "bitwise equal" : worst <= 1 ? "within bound" : "BEYOND BOUND", worst);
    return worst <= 1;
}

// The triplets into a peer's own int32 and double arrays.
[[maybe_unused]] void copy_triplets(const Problem &p, void *i, void *j, void *x)
{
    std::memcpy(i, p.I, (size_t)p.K * sizeof *p.I);
    std::memcpy(j, p.J, (size_t)p.K * sizeof *p.J);
    std::memcpy(x, p.V, (size_t)p.K * sizeof *p.V);
}

#if SPG_PEER_CSPARSE
// CSparse (CXSparse, int32): the triplet matrix, kept outside the timing.
struct Csparse {
    cs_di *T = nullptr, *C = nullptr, *kept = nullptr;
    std::vector<double> y;
};

cs_di *cs_convert(const cs_di *T)
{
    cs_di *C = cs_di_compress(T);
    if (!C || !cs_di_dupl(C))
        die("CSparse", "out of memory");
    return C;
}

void cs_gaxpy_new(const cs_di *A, const double *x, double *y) // y = A x
{
    std::memset(y, 0, (size_t)A->n * sizeof *y);
    if (!cs_di_gaxpy(A, x, y))
        die("CSparse", "cs_gaxpy failed");
}

bool cs_setup(Csparse &c, const Problem &p, const Ref &r, const Spg &s)
{
    c.T = cs_di_spalloc(p.n, p.n, (int)p.K, 1, 1);
    if (!c.T)
        die("CSparse", "out of memory");
    copy_triplets(p, c.T->i, c.T->p, c.T->x);
    c.T->nz = (int)p.K;
    c.kept = cs_convert(c.T);
    c.y.resize((size_t)p.n);
    cs_gaxpy_new(c.kept, s.x.data(), c.y.data());
    const bool ok = check_csc(r, "CSparse cs_compress + cs_dupl", c.kept->p, c.kept->i,
                              c.kept->x);
    return check_spmv(r, "CSparse cs_gaxpy", c.y.data()) && ok;
}

void cs_rows(std::vector<Row> &rows, Csparse &c, const Spg &s)
{
    add(rows, "CSparse cs_compress + cs_dupl", Kind::convert,
        [&c] { c.C = cs_convert(c.T); }, [&c] { c.C = cs_di_spfree(c.C); });
    add(rows, "CSparse cs_gaxpy (y = 0, y += A x)", Kind::spmv_peer,
        [&c, &s] { cs_gaxpy_new(c.kept, s.x.data(), c.y.data()); });
}
#endif

#if SPG_PEER_CHOLMOD
// CHOLMOD (int32, real, unsymmetric): the triplet matrix outside the timing.
struct Cholmod {
    cholmod_common cm;
    cholmod_triplet *T = nullptr;
    cholmod_sparse *A = nullptr, *kept = nullptr;
};

cholmod_sparse *cm_convert(Cholmod &c)
{
    cholmod_sparse *A = cholmod_triplet_to_sparse(c.T, 0, &c.cm);
    if (!A)
        die("CHOLMOD", "cholmod_triplet_to_sparse failed");
    return A;
}

bool cm_setup(Cholmod &c, const Problem &p, const Ref &r)
{
    cholmod_start(&c.cm);
    c.T = cholmod_allocate_triplet((size_t)p.n, (size_t)p.n, (size_t)p.K, 0, CHOLMOD_REAL, &c.cm);
    if (!c.T)
        die("CHOLMOD", "out of memory");
    copy_triplets(p, c.T->i, c.T->j, c.T->x);
    c.T->nnz = (size_t)p.K;
    c.kept = cm_convert(c);
    if (!c.kept->packed)
        die("CHOLMOD", "cholmod_triplet_to_sparse gave an unpacked matrix");
    return check_csc(r, "CHOLMOD triplet_to_sparse", static_cast<const int *>(c.kept->p),
                     static_cast<const int *>(c.kept->i), static_cast<const double *>(c.kept->x));
}

void cm_rows(std::vector<Row> &rows, Cholmod &c)
{
    add(rows, "CHOLMOD triplet_to_sparse", Kind::convert, [&c] { c.A = cm_convert(c); },
        [&c] { cholmod_free_sparse(&c.A, &c.cm); });
}
#endif

#if SPG_PEER_EIGEN
// Eigen: the std::vector of triplets outside the timing; a new matrix each time.
using EigenCsc = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

struct EigenPeer {
    std::vector<Eigen::Triplet<double, int>> T;
    std::unique_ptr<EigenCsc> A;
    EigenCsc kept;
    std::vector<double> y;
};

void eigen_spmv(const EigenCsc &A, const double *x, double *y)
{
    Eigen::Map<Eigen::VectorXd>(y, A.rows()).noalias() =
        A * Eigen::Map<const Eigen::VectorXd>(x, A.cols());
}

bool eigen_setup(EigenPeer &e, const Problem &p, const Ref &r, const Spg &s)
{
    e.T.reserve((size_t)p.K);
    for (int64_t k = 0; k < p.K; k++)
        e.T.emplace_back(p.I[k], p.J[k], p.V[k]);
    e.kept.resize(p.n, p.n);
    e.kept.setFromTriplets(e.T.begin(), e.T.end());
    if (!e.kept.isCompressed())
        die("Eigen", "setFromTriplets gave an uncompressed matrix");
    e.y.resize((size_t)p.n);
    eigen_spmv(e.kept, s.x.data(), e.y.data());
    const bool ok = check_csc(r, "Eigen setFromTriplets", e.kept.outerIndexPtr(),
                              e.kept.innerIndexPtr(), e.kept.valuePtr());
    return check_spmv(r, "Eigen A * x", e.y.data()) && ok;
}

void eigen_rows(std::vector<Row> &rows, EigenPeer &e, const Spg &s)
{
    add(rows, "Eigen setFromTriplets", Kind::convert, [&e] {
        e.A = std::make_unique<EigenCsc>(e.kept.rows(), e.kept.cols());
        e.A->setFromTriplets(e.T.begin(), e.T.end());
    }, [&e] { e.A.reset(); });
    add(rows, "Eigen A * x", Kind::spmv_peer,
        [&e, &s] { eigen_spmv(e.kept, s.x.data(), e.y.data()); });
}
#endif

// Round r runs every row once, starting at row r mod rows.size(); with
// warm, each timed call comes right after an untimed one of its row.
void time_rows(std::vector<Row> &rows, int rounds, bool warm)
{
    const size_t c = rows.size();
    for (int r = 0; r < rounds; r++)
        for (size_t k = 0; k < c; k++) {
            Row &row = rows[((size_t)r + k) % c];
            if (warm) {
                row.run();
                if (row.after)
                    row.after();
            }
            const double t0 = spg_now();
            row.run();
            row.t.push_back(spg_now() - t0);
            if (row.after)
                row.after();
        }
}

// Medians and minima in ms; a row's t is sorted once this is done.
std::vector<std::pair<double, double>> summaries(std::vector<Row> &rows)
{
    std::vector<std::pair<double, double>> m;
    for (Row &row : rows) {
        const double med = spg_median(row.t.data(), (int)row.t.size());
        m.emplace_back(1e3 * med, 1e3 * row.t.front());
    }
    return m;
}

double median_of(const std::vector<Row> &rows, const std::vector<std::pair<double, double>> &m,
                 Kind kind)
{
    for (size_t k = 0; k < rows.size(); k++)
        if (rows[k].kind == kind)
            return m[k].first;
    return NAN;
}

void ratio(bool show, double a, double b)
{
    if (show)
        std::printf(" %9.3f", a / b);
    else
        std::printf(" %9s", "-");
}

void table(std::vector<Row> &rows)
{
    const auto m = summaries(rows);
    const double plan = median_of(rows, m, Kind::plan), one = median_of(rows, m, Kind::one_shot);
    const double spmv = median_of(rows, m, Kind::spmv_n);
    std::printf("%-36s %10s %10s %9s %9s %9s\n", "contender", "median ms", "min ms", "/plan",
                "/one shot", "/SpMV N");
    size_t best = rows.size();
    for (size_t k = 0; k < rows.size(); k++) {
        const Kind kind = rows[k].kind;
        std::printf("%-36s %10.3f %10.3f", rows[k].name.c_str(), m[k].first, m[k].second);
        ratio(kind == Kind::convert, m[k].first, plan);
        ratio(kind == Kind::convert, m[k].first, one);
        ratio(kind == Kind::spmv_peer, m[k].first, spmv);
        std::printf("\n");
        if (kind == Kind::convert && (best == rows.size() || m[k].first < m[best].first))
            best = k;
    }
    if (best < rows.size())
        std::printf("fastest conversion peer: %s, %.3f ms\n  / spgrad one shot = %.3f, "
                    "/ spgrad plan alone = %.3f; its / 2 = %.3f ms, / 2.5 = %.3f ms\n",
                    rows[best].name.c_str(), m[best].first, m[best].first / one,
                    m[best].first / plan, m[best].first / 2, m[best].first / 2.5);
    const double scatter = median_of(rows, m, Kind::scatter_serial);
    const double least = scatter + std::min(median_of(rows, m, Kind::rest),
                                            median_of(rows, m, Kind::rest2));
    const double least_one = scatter + std::min(median_of(rows, m, Kind::rest_values),
                                                median_of(rows, m, Kind::rest2_values));
    std::printf("least serial plan (serial scatter + the faster least rest, medians) = %.3f ms, "
                "with values %.3f ms\n", least, least_one);
    const double coo = median_of(rows, m, Kind::coo), loop = median_of(rows, m, Kind::coo_loop);
    std::printf("COO bilinear pullback / plain loop = %.3f; (range pass + plain loop) / "
                "plain loop = %.3f\n", coo / loop, (median_of(rows, m, Kind::coo_span) + loop) / loop);
}

void compiled_out()
{
    std::string out;
#if !SPG_PEER_CSPARSE
    out += " CSparse";
#endif
#if !SPG_PEER_CHOLMOD
    out += " CHOLMOD";
#endif
#if !SPG_PEER_EIGEN
    out += " Eigen";
#endif
    std::printf("peers compiled out (not found at build time):%s\n", out.empty() ? " none"
                                                                               : out.c_str());
}

int usage()
{
    std::fprintf(stderr, "usage: spgrad_peers fem2d-N|fem3d-N [THREADS [ROUNDS [WARM]]]\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    int64_t threads = 0, rounds = 7, warm = 0;
    if (argc < 2 || argc > 5 ||
        (argc > 2 && spg_arg_int(argv[2], 0, SPG_MAX_THREADS, &threads)) ||
        (argc > 3 && spg_arg_int(argv[3], 1, 1000, &rounds)) ||
        (argc > 4 && spg_arg_int(argv[4], 0, 1, &warm)))
        return usage();
    // Every large array is new memory, as in a fresh process: glibc would
    // otherwise raise its mmap threshold after the first free and hand the
    // same, already faulted pages back to the next call.
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    spg_fem fem;
    const int made = spg_fem_make(argv[1], &fem);
    if (made == -1)
        return usage();
    if (made != 0 || fem.nodes > std::numeric_limits<int>::max())
        die(argv[1], "cannot make the problem");
    const Problem p{(int)fem.nodes, fem.triplets, fem.I, fem.J, fem.V};
    Spg s;
    spg_setup(s, p, (int)threads);
    std::printf("spgrad_peers: %s, %d x %d, %lld triplets, %lld stored entries, threads %d "
                "(peers serial), %d rounds%s\n", argv[1], p.n, p.n, (long long)p.K,
                (long long)spg_plan_nnz(s.plan), (int)threads, (int)rounds,
                warm ? ", each timed call after an untimed one" : "");
    compiled_out();
    Ref r;
    ref_setup(r, s, p);
    std::vector<Row> rows;
    spg_rows(rows, s);
    coo_rows(rows, p, s);
    Scatter sc;
    scatter_rows(rows, p, sc, (int)threads);
    bool ok = one_shot_check(s);
    ok = coo_check(p, s) && ok;
    ok = scatter_check(p, (int)threads) && ok;
    Rest rs;
    rest_setup(p, rs);
    ok = rest_check(p, rs, s, r.L) && ok;
    rest_rows(rows, p, rs);
#if SPG_PEER_CSPARSE
    Csparse cs;
    ok = cs_setup(cs, p, r, s) && ok;
    cs_rows(rows, cs, s);
#endif
#if SPG_PEER_CHOLMOD
    Cholmod cm;
    ok = cm_setup(cm, p, r) && ok;
    cm_rows(rows, cm);
#endif
#if SPG_PEER_EIGEN
    EigenPeer eg;
    ok = eigen_setup(eg, p, r, s) && ok;
    eigen_rows(rows, eg, s);
#endif
    if (!ok)
        die("check", "a peer's result differs from spgrad's");
    time_rows(rows, (int)rounds, warm != 0);
    table(rows);
    return 0; // the process's end frees the rest
}
