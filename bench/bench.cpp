// spgrad's benchmark suite. Every kernel benchmark reports its effective
// bandwidth from a minimum-bytes model (written next to it: what the
// operation must read and write at least, values of the value type, indices
// of 4 bytes) and that bandwidth as a fraction of a STREAM triad measured
// right after each repetition with the same thread count. Times are per
// call, medians of repetitions. Problems: fem2d-N, fem3d-N (the
// finite-element generators of tools/), fem2di-N (fem2d-N without its
// boundary: SPD, for the solve rows, which run on it alone), random-M
// (M x M, 8M uniform triplets), and mtx:FILE. The
// fresh_plan_arrays rows are no library call: they time the first write of
// new arrays of a plan's sizes, what plan creation cannot do without.
//
// In a build with the CUDA backend each kernel also runs on the GPU (the
// "cuda" rows): device arrays, times from CUDA events around each call, and
// the triad's place taken by cuBLAS daxpy (y = a x + y, 24 bytes an
// element) over arrays far larger than the GPU's caches. Without a usable
// GPU those rows are not registered, and the run says why.
#include <benchmark/benchmark.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef SPGRAD_HAVE_CUDA
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "device.h"
#include "fem.h"
#include "mmread.h"
#include "model.h"
#include "spgrad.h"
#include "tools.h"
}

namespace {

void ok(spg_status st, const char *what)
{
    if (st != SPG_SUCCESS) {
        std::fprintf(stderr, "spgrad_bench: %s: %s\n", what, spg_status_string(st));
        std::exit(1);
    }
}

// A problem: its triplets and plan, and where a CUDA row needs them, the
// device copies of the triplets' indices and a plan on the device.
struct problem {
    int64_t m = 0, n = 0, nt = 0, nnz = 0;
    std::vector<int32_t> I, J;
    std::vector<double> V;
    spg_plan *plan = nullptr;
    void *dI = nullptr, *dJ = nullptr;
    spg_plan *dplan = nullptr;
    ~problem()
    {
        spg_plan_destroy(plan);
        spg_plan_destroy(dplan);
        spg_tool_drop(SPG_BACKEND_CUDA, dI);
        spg_tool_drop(SPG_BACKEND_CUDA, dJ);
    }
};

// One context per backend, made on first use; NULL for a backend that
// cannot run here (status says why).
spg_context *context(spg_backend be, spg_status *status = nullptr)
{
    static spg_context *ctx[2] = {nullptr, nullptr};
    static spg_status made[2] = {SPG_ERR_INVALID_VALUE, SPG_ERR_INVALID_VALUE};
    const int b = be == SPG_BACKEND_CUDA;
    if (!ctx[b] && made[b] == SPG_ERR_INVALID_VALUE)
        made[b] = spg_context_create(be, &ctx[b]);
    if (status)
        *status = made[b];
    return made[b] == SPG_SUCCESS ? ctx[b] : nullptr;
}

spg_context *context()
{
    spg_status st;
    spg_context *c = context(SPG_BACKEND_CPU, &st);
    ok(st, "context");
    return c;
}

// Builds the triplets of a problem by name.
// fem2di-N: fem2d-N with the boundary nodes' rows and columns dropped (the
// triplets that reach them left out): SPD, the problem of the solve rows.
void interior(const std::string &name, problem &p)
{
    const int64_t N = std::atoll(name.c_str() + 7);
    spg_fem2d f;
    if (N < 3 || spg_fem2d_make(N, &f)) {
        std::fprintf(stderr, "spgrad_bench: %s: cannot make\n", name.c_str());
        std::exit(1);
    }
    std::vector<int32_t> id((size_t)f.nodes);
    p.m = p.n = spg_fem2d_interior(N, id.data());
    for (int64_t k = 0; k < f.triplets; k++)
        if (id[f.I[k]] >= 0 && id[f.J[k]] >= 0) {
            p.I.push_back(id[f.I[k]]), p.J.push_back(id[f.J[k]]), p.V.push_back(f.V[k]);
        }
    p.nt = (int64_t)p.I.size();
    spg_fem2d_free(&f);
}

void generate(const std::string &name, problem &p)
{
    if (name.rfind("fem2di-", 0) == 0) {
        interior(name, p);
    } else if (name.rfind("fem2d-", 0) == 0 || name.rfind("fem3d-", 0) == 0) {
        spg_fem f;
        if (spg_fem_make(name.c_str(), &f)) {
            std::fprintf(stderr, "spgrad_bench: %s: cannot make\n", name.c_str());
            std::exit(1);
        }
        p.m = p.n = f.nodes, p.nt = f.triplets;
        p.I.assign(f.I, f.I + p.nt), p.J.assign(f.J, f.J + p.nt), p.V.assign(f.V, f.V + p.nt);
        spg_fem_free(&f);
    } else if (name.rfind("random-", 0) == 0) {
        p.m = p.n = std::atoll(name.c_str() + 7);
        p.nt = 8000000;
        std::mt19937_64 rng(7);
        p.I.resize(p.nt), p.J.resize(p.nt), p.V.resize(p.nt);
        for (int64_t k = 0; k < p.nt; k++) {
            p.I[k] = (int32_t)(rng() % (uint64_t)p.m);
            p.J[k] = (int32_t)(rng() % (uint64_t)p.n);
            p.V[k] = (double)(rng() >> 11) * 0x1.0p-53 - 0.5;
        }
    } else if (name.rfind("mtx:", 0) == 0) {
        FILE *f = std::fopen(name.c_str() + 4, "r");
        spg_mm mm;
        char err[256];
        if (!f || spg_mm_read(f, &mm, err, sizeof err)) {
            std::fprintf(stderr, "spgrad_bench: %s: cannot read\n", name.c_str());
            std::exit(1);
        }
        std::fclose(f);
        p.m = mm.m, p.n = mm.n, p.nt = mm.nnz;
        for (int64_t k = 0; k < p.nt; k++) {
            p.I.push_back((int32_t)(mm.I[k] - 1));
            p.J.push_back((int32_t)(mm.J[k] - 1));
            p.V.push_back(mm.V ? mm.V[k] : 1.0);
        }
        spg_mm_free(&mm);
    } else {
        std::fprintf(stderr, "spgrad_bench: unknown problem %s\n", name.c_str());
        std::exit(1);
    }
}

// The problems, made once each.
problem &get(const std::string &name)
{
    static std::map<std::string, std::unique_ptr<problem>> cache;
    auto &slot = cache[name];
    if (!slot) {
        slot = std::make_unique<problem>();
        generate(name, *slot);
        const spg_coo coo = {slot->m, slot->n, slot->nt, SPG_INT32, slot->I.data(), slot->J.data()};
        ok(spg_plan_create(context(), &coo, 0, &slot->plan), "plan");
        slot->nnz = spg_plan_nnz(slot->plan);
    }
    return *slot;
}

// The device copies of the problem's indices and its plan on the device.
void on_device(problem &p)
{
    if (p.dplan)
        return;
    spg_context *dev = context(SPG_BACKEND_CUDA);
    p.dI = spg_tool_put(dev, SPG_BACKEND_CUDA, p.I.data(), p.I.size() * sizeof(int32_t));
    p.dJ = spg_tool_put(dev, SPG_BACKEND_CUDA, p.J.data(), p.J.size() * sizeof(int32_t));
    const spg_coo coo = {p.m, p.n, p.nt, SPG_INT32, p.dI, p.dJ};
    ok(spg_plan_create(dev, &coo, 0, &p.dplan), "device plan");
}

// STREAM triad a = b + s c over arrays far larger than the caches, GB/s,
// the median of 5 runs. Measured again after every repetition of every
// benchmark, so that each ratio compares times taken under the same load
// of the (shared) machine.
double triad_gbs([[maybe_unused]] int threads) // used by OpenMP only
{
    const int64_t len = 40 * 1000 * 1000;
    static std::vector<double> a, b, c;
    if (a.empty()) {
        a.resize(len), b.resize(len), c.resize(len);
#pragma omp parallel for schedule(static)
        for (int64_t i = 0; i < len; i++) /* first touch by the threads that use them */
            a[i] = 0, b[i] = 1, c[i] = 2;
    }
    std::vector<double> gbs;
    for (int r = 0; r < 5; r++) {
        auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int64_t i = 0; i < len; i++)
            a[i] = b[i] + 3.0 * c[i];
        std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
        gbs.push_back(24.0 * (double)len / dt.count() / 1e9);
    }
    benchmark::DoNotOptimize(a.data());
    std::sort(gbs.begin(), gbs.end());
    return gbs[gbs.size() / 2];
}

#ifdef SPGRAD_HAVE_CUDA
// Exits on a failed CUDA call: no figure can be trusted after one.
void cuda_ok(bool good, const char *what)
{
    if (!good) {
        std::fprintf(stderr, "spgrad_bench: CUDA %s failed\n", what);
        std::exit(1);
    }
}

// Times calls on the device's default stream (the contexts' stream) with
// CUDA events.
struct device_timer {
    cudaEvent_t e0 = nullptr, e1 = nullptr;
    device_timer()
    {
        cuda_ok(cudaEventCreate(&e0) == cudaSuccess && cudaEventCreate(&e1) == cudaSuccess,
                "event");
    }
    ~device_timer()
    {
        cudaEventDestroy(e0);
        cudaEventDestroy(e1);
    }
    void start() { cuda_ok(cudaEventRecord(e0) == cudaSuccess, "event record"); }
    double seconds()
    {
        float ms = 0;
        cuda_ok(cudaEventRecord(e1) == cudaSuccess && cudaEventSynchronize(e1) == cudaSuccess,
                "event record");
        cuda_ok(cudaEventElapsedTime(&ms, e0, e1) == cudaSuccess, "event time");
        return ms * 1e-3;
    }
};

// The device's bandwidth in the triad's place: cuBLAS daxpy y = a x + y
// over 2^27 doubles an array (1 GiB), 24 bytes an element, GB/s, the
// median of 5 runs timed with events.
double daxpy_gbs()
{
    const int64_t len = int64_t(1) << 27;
    static double *x = nullptr, *y = nullptr;
    static cublasHandle_t h = nullptr;
    if (!x) {
        cuda_ok(cudaMalloc((void **)&x, len * sizeof(double)) == cudaSuccess, "allocation");
        cuda_ok(cudaMalloc((void **)&y, len * sizeof(double)) == cudaSuccess, "allocation");
        cuda_ok(cudaMemset(x, 0, len * sizeof(double)) == cudaSuccess, "memset");
        cuda_ok(cudaMemset(y, 0, len * sizeof(double)) == cudaSuccess, "memset");
        cuda_ok(cublasCreate(&h) == CUBLAS_STATUS_SUCCESS, "cuBLAS handle");
    }
    device_timer timer;
    std::vector<double> gbs;
    const double a = 3.0;
    for (int r = 0; r < 5; r++) {
        timer.start();
        cuda_ok(cublasDaxpy(h, (int)len, &a, x, 1, y, 1) == CUBLAS_STATUS_SUCCESS, "daxpy");
        gbs.push_back(24.0 * (double)len / timer.seconds() / 1e9);
    }
    std::sort(gbs.begin(), gbs.end());
    return gbs[gbs.size() / 2];
}
#endif

// A large array the way the library takes its own and numpy takes its
// arrays: huge pages advised, which matters where transparent huge pages
// are on "madvise" (a gather over 4 KiB pages misses the TLB often).
void *huge_alloc(size_t bytes)
{
    void *a = spg_huge_alloc(bytes);
    if (!a)
        ok(SPG_ERR_ALLOC, "allocation");
    return a;
}

// Typed copies of a double array (and 8 bytes more, zero).
struct values {
    std::unique_ptr<char, void (*)(void *)> bytes{nullptr, std::free};
    size_t size = 0;
    void *data() { return bytes.get(); }
};

values typed(spg_dtype dt, const std::vector<double> &src)
{
    values v;
    const size_t vs = dt == SPG_DOUBLE ? 8 : 4;
    v.size = src.size() * vs + 8;
    v.bytes.reset(static_cast<char *>(huge_alloc(v.size)));
    for (size_t k = 0; k < src.size(); k++) {
        if (dt == SPG_DOUBLE)
            std::memcpy(v.bytes.get() + k * 8, &src[k], 8);
        else {
            float f = (float)src[k];
            std::memcpy(v.bytes.get() + k * 4, &f, 4);
        }
    }
    std::memset(v.bytes.get() + src.size() * vs, 0, 8);
    return v;
}

std::vector<double> filled(int64_t len, double base)
{
    std::vector<double> v((size_t)len);
    for (int64_t k = 0; k < len; k++)
        v[k] = base + 1e-3 * (double)(k % 977);
    return v;
}

// The floor of plan creation in this process: new arrays of a plan's sizes
// (colptr, rowind, seg, perm, slot; 4-byte indices), allocated as the
// library allocates them (huge pages advised) and each written once by the
// threads over contiguous shares. They go to *made, to be freed after the
// timed region as a plan is destroyed after it.
void fresh_arrays(const problem &p, [[maybe_unused]] int threads, std::vector<int32_t *> &made)
{
    const int64_t lens[] = {p.n + 1, p.nnz, p.nnz + 1, p.nt, p.nt};
    for (int64_t len : lens) {
        auto *a = static_cast<int32_t *>(huge_alloc((size_t)len * sizeof(int32_t)));
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int64_t q = 0; q < len; q++)
            a[q] = 0;
        made.push_back(a);
    }
}

// Where one benchmark's arrays are read and written: the host vectors
// themselves, or for a CUDA row their device copies.
struct arrays {
    spg_backend be;
    spg_context *ctx;
    std::vector<void *> where;
    void *put(values &v)
    {
        where.push_back(spg_tool_put(ctx, be, v.data(), v.size));
        return where.back();
    }
    ~arrays()
    {
        for (void *w : where)
            if (be == SPG_BACKEND_CUDA)
                spg_tool_drop(be, w);
    }
};

// One call of the operation; a plan that it made goes to *made. The solve
// rows use the factorised solver s: b = x, the solution y, dX = x.
void call(spg_bop op, spg_context *ctx, const problem &p, spg_plan *plan, const spg_coo &coo,
          spg_dtype dt, const spg_csc &A, void *const *d, double &f, spg_plan **made,
          spg_solver *s)
{
    void *Vt = d[0], *x = d[1], *y = d[2], *a = d[3], *g = d[4], *g2 = d[5], *g3 = d[6];
    spg_csc bare = A;
    bare.analysis = nullptr;
    switch (op) {
    case SPG_BOP_PLAN: ok(spg_plan_create(ctx, &coo, 0, made), "plan"); break;
    case SPG_BOP_ASSEMBLE: ok(spg_assemble(ctx, plan, dt, Vt, a), "assemble"); break;
    case SPG_BOP_ASSEMBLE_PULLBACK:
        ok(spg_assemble_pullback(ctx, plan, dt, a, g), "pullback");
        break;
    case SPG_BOP_SPMV_N: ok(spg_spmv(ctx, SPG_OP_N, 1.0, &A, x, 0.0, y), "spmv"); break;
    case SPG_BOP_SPMV_N_BARE: ok(spg_spmv(ctx, SPG_OP_N, 1.0, &bare, x, 0.0, y), "spmv"); break;
    case SPG_BOP_SPMV_T: ok(spg_spmv(ctx, SPG_OP_T, 1.0, &A, x, 0.0, y), "spmv"); break;
    case SPG_BOP_SPMV_PULLBACK:
        ok(spg_spmv_pullback(ctx, SPG_OP_N, 1.0, &A, x, y, g, g2), "spmv pullback");
        break;
    case SPG_BOP_BILINEAR: ok(spg_bilinear(ctx, &A, x, y, &f), "bilinear"); break;
    case SPG_BOP_BILINEAR_VG:
        ok(spg_bilinear_value_and_grad(ctx, &A, x, y, &f, g, g2, g3), "value and grad");
        break;
    case SPG_BOP_BILINEAR_VG_BARE:
        ok(spg_bilinear_value_and_grad(ctx, &bare, x, y, &f, g, g2, g3), "value and grad");
        break;
    case SPG_BOP_SAMPLED_OUTER_1:
        ok(spg_sampled_outer(ctx, &A, 1, x, p.m, y, p.n, 1.0, g), "sddmm");
        break;
    case SPG_BOP_SAMPLED_OUTER_8:
        ok(spg_sampled_outer(ctx, &A, 8, x, p.m, y, p.n, 1.0, g), "sddmm");
        break;
    case SPG_BOP_COO_BILINEAR:
        ok(spg_coo_bilinear_pullback(ctx, &coo, 0, dt, x, y, 1.0, g), "coo");
        break;
    case SPG_BOP_COO_SPMV:
        ok(spg_coo_spmv_pullback(ctx, &coo, 0, SPG_OP_N, dt, 1.0, x, y, g), "coo");
        break;
    case SPG_BOP_FRESH: break; // not a library call: run() times fresh_arrays
    case SPG_BOP_SOLVE_FACTOR: ok(spg_solver_factor(ctx, s, &A), "factorisation"); break;
    case SPG_BOP_SOLVE: ok(spg_solve(ctx, s, SPG_OP_N, 1, x, p.n, y, p.n), "solve"); break;
    case SPG_BOP_SOLVE_PULLBACK:
        ok(spg_coo_solve_pullback(ctx, s, SPG_OP_N, &coo, 0, 1, y, p.n, x, p.n, nullptr, p.n, g),
           "solve pullback");
        break;
    }
}

// One benchmark: the operation on the problem, value type, backend and
// thread count (CPU).
void run(benchmark::State &state, std::string name, spg_bop op, spg_dtype dt, spg_backend be,
         int threads)
{
    problem &p = get(name);
    const bool gpu = be == SPG_BACKEND_CUDA;
    spg_context *ctx = gpu ? context(be) : context();
    if (gpu)
        on_device(p);
    else
        ok(spg_context_set_threads(ctx, threads), "threads");
    spg_plan *plan = gpu ? p.dplan : p.plan;
    // x, y hold up to 8 columns (the rank-8 sampled outer product); g is dA or
    // dV, g2 and g3 are dx and dy
    const int64_t mn = std::max(p.m, p.n), big = std::max(p.nnz, p.nt);
    values Vt = typed(dt, p.V), x = typed(dt, filled(8 * mn, 0.5)), y = typed(dt, filled(8 * mn, -0.25));
    values a = typed(dt, filled(p.nnz, 1.0)), g = typed(dt, filled(big, 0.0));
    values g2 = typed(dt, filled(mn, 0.0)), g3 = typed(dt, filled(mn, 0.0));
    arrays arr{be, ctx, {}};
    void *const d[] = {arr.put(Vt), arr.put(x), arr.put(y), arr.put(a), arr.put(g), arr.put(g2),
                       arr.put(g3)};
    spg_csc A;
    ok(spg_assemble(ctx, plan, dt, d[0], d[3]), "assemble");
    ok(spg_plan_csc(plan, dt, d[3], &A), "view");
    const spg_coo coo = {p.m, p.n, p.nt, SPG_INT32, gpu ? p.dI : p.I.data(),
                         gpu ? p.dJ : p.J.data()};
    spg_solver *s = nullptr;
    if (op >= SPG_BOP_SOLVE_FACTOR) {
        const spg_status st = spg_solver_create(ctx, &A, SPG_SOLVER_SPD, &s);
        if (st != SPG_SUCCESS) {
            state.SkipWithError(spg_status_string(st)); // no solver on this backend
            return;
        }
        ok(spg_solver_factor(ctx, s, &A), "factorisation");
        ok(spg_solve(ctx, s, SPG_OP_N, 1, d[1], p.n, d[2], p.n), "solve");
    }
    std::unique_ptr<spg_solver, void (*)(spg_solver *)> solver(s, spg_solver_destroy);
    double f = 0, total = 0;
#ifdef SPGRAD_HAVE_CUDA
    std::unique_ptr<device_timer> timer(gpu ? new device_timer : nullptr);
#endif
    for (auto _ : state) {
        spg_plan *made = nullptr; // plan creation is timed without its destroy
        std::vector<int32_t *> fresh;
        double seconds = 0;
        if (op == SPG_BOP_FRESH) {
            auto t0 = std::chrono::steady_clock::now();
            fresh_arrays(p, threads, fresh);
            seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        } else if (gpu) {
#ifdef SPGRAD_HAVE_CUDA
            timer->start();
            call(op, ctx, p, plan, coo, dt, A, d, f, &made, s);
            seconds = timer->seconds();
#endif
        } else {
            auto t0 = std::chrono::steady_clock::now();
            call(op, ctx, p, plan, coo, dt, A, d, f, &made, s);
            seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        spg_plan_destroy(made);
        for (int32_t *a : fresh)
            std::free(a);
        state.SetIterationTime(seconds);
        total += seconds;
    }
    benchmark::DoNotOptimize(f);
    const double bytes = spg_bop_bytes(op, p.m, p.n, p.nt, p.nnz, dt == SPG_DOUBLE ? 8 : 4);
    state.counters["nnz"] = (double)p.nnz;
    state.counters["triplets"] = (double)p.nt;
    if (bytes > 0 && total > 0) {
        const double gbs = bytes * (double)state.iterations() / total / 1e9;
        double triad = 0;
        if (gpu) {
#ifdef SPGRAD_HAVE_CUDA
            triad = daxpy_gbs();
#endif
        } else {
            triad = triad_gbs(threads);
        }
        state.counters["GB/s"] = gbs;
        state.counters["triad_GB/s"] = triad;
        state.counters["of_triad"] = gbs / triad;
    } else {
        state.counters["triplets/s"] =
            benchmark::Counter((double)p.nt, benchmark::Counter::kIsIterationInvariantRate);
    }
}

} // namespace

int main(int argc, char **argv)
{
    // problems: SPGRAD_BENCH_PROBLEMS (comma separated), default the issue's
    const char *env = std::getenv("SPGRAD_BENCH_PROBLEMS");
    std::string list = env ? env : "fem2d-1000,fem3d-80,random-1000000,fem2di-1000";
    std::vector<std::string> problems;
    for (size_t s = 0, e; s < list.size(); s = e + 1) {
        e = list.find(',', s);
        if (e == std::string::npos)
            e = list.size();
        problems.push_back(list.substr(s, e - s));
    }
#ifdef _OPENMP
    const int all = omp_get_max_threads();
#else
    const int all = 1; /* a serial build */
#endif
    std::vector<int> thread_counts = {1};
    if (all > 1)
        thread_counts.push_back(all);
    // the CUDA rows where a GPU is usable: thread count 0 marks them
    spg_status cuda = SPG_ERR_NOT_BUILT;
#ifdef SPGRAD_HAVE_CUDA
    if (context(SPG_BACKEND_CUDA, &cuda))
        thread_counts.push_back(0);
#endif
    if (cuda != SPG_SUCCESS)
        std::fprintf(stderr, "spgrad_bench: no CUDA rows: %s\n", spg_status_string(cuda));
    for (const auto &name : problems)
        for (int op = 0; op <= SPG_BOP_SOLVE_PULLBACK; op++)
            for (spg_dtype dt : {SPG_DOUBLE, SPG_FLOAT})
                for (int t : thread_counts) {
                    if ((op == SPG_BOP_PLAN || op == SPG_BOP_FRESH) && dt == SPG_FLOAT)
                        continue; // the symbolic phase has no value type
                    if (op == SPG_BOP_FRESH && !t)
                        continue; // host memory only
                    if ((op >= SPG_BOP_SOLVE_FACTOR) != (name.rfind("fem2di-", 0) == 0))
                        continue; // the solves on the SPD problems only, and only they
                    if (op >= SPG_BOP_SOLVE_FACTOR && dt == SPG_FLOAT && t)
                        continue; // the CPU's solver runs in double
                    const spg_backend be = t ? SPG_BACKEND_CPU : SPG_BACKEND_CUDA;
                    std::string bname = name + "/" + spg_bop_names[op] + "/" +
                                        (dt == SPG_DOUBLE ? "double" : "float") +
                                        (t ? "/threads:" + std::to_string(t) : "/cuda");
                    benchmark::RegisterBenchmark(bname.c_str(), run, name, (spg_bop)op, dt, be, t)
                        ->UseManualTime()
                        ->Unit(benchmark::kMillisecond)
                        ->Repetitions(5)
                        ->ReportAggregatesOnly(true);
                }
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
