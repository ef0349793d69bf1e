// The CUDA backend's solver on cuDSS (>= 1.0, for its transpose solves).
// cuDSS reads CSR, and a solver's CSC arrays are the CSR arrays of A': it
// factorises A', and a solve with op(A) is its solve with the other op. For
// SPD matrices the lower triangle of the CSC is the upper one of that CSR.
// The analysis runs with the first factorisation, where values exist (the
// ordering may read them); the factors are kept in cuDSS's data object and
// every solve, adjoint solves included, reuses them. Deterministic mode
// makes the results bitwise the same from run to run.
#include <cfloat>

#include <cudss.h>

#include "cuda_internal.h"

extern "C" {
#include "../solver.h"
}

#if CUDSS_VERSION_MAJOR < 1
#error "the CUDA solver needs cuDSS 1.0 or later (transpose solves)"
#endif

namespace {

struct dss_solver {
    cudssHandle_t handle;
    cudssConfig_t config;
    cudssData_t data;
    cudssMatrix_t A;    // CSR of A' over the solver's arrays and values
    cudssMatrix_t x, b; // n x 1 over work: the dense operands of the non-solve phases
    void *values;       // the values factorised (nnz)
    void *work;         // n values
    int analysed;
};

spg_status dss_status(cudssStatus_t s)
{
    if (s == CUDSS_STATUS_SUCCESS)
        return SPG_SUCCESS;
    cudaGetLastError(); // nothing left behind for the next call
    return s == CUDSS_STATUS_ALLOC_FAILED ? SPG_ERR_ALLOC : SPG_ERR_DEVICE;
}

cudaDataType_t real_type(spg_dtype t)
{
    return t == SPG_DOUBLE ? CUDA_R_64F : CUDA_R_32F;
}

cudaDataType_t index_type(spg_itype t)
{
    return t == SPG_INT32 ? CUDA_R_32I : CUDA_R_64I;
}

void dss_release(spg_solver *s)
{
    dss_solver *d = static_cast<dss_solver *>(s->impl);
    cudssMatrix_t mats[] = {d->A, d->x, d->b};
    for (cudssMatrix_t m : mats)
        if (m)
            cudssMatrixDestroy(m);
    if (d->data)
        cudssDataDestroy(d->handle, d->data);
    if (d->config)
        cudssConfigDestroy(d->config);
    if (d->handle)
        cudssDestroy(d->handle);
    spg_backend_free(SPG_BACKEND_CUDA, d->values);
    spg_backend_free(SPG_BACKEND_CUDA, d->work);
    spg_free(d);
    s->impl = NULL;
}

// The handle, configuration and data object, on ctx's stream. cuDSS
// replaces a pivot below its epsilon (absolute: 1e-13 by default for
// double) by the epsilon and goes on; set at the smallest normal number of
// the value type, only zero and subnormal pivots are replaced, so a matrix
// of small entries factorises as it would on the CPU.
spg_status dss_objects(spg_context *ctx, dss_solver *d, spg_dtype dtype)
{
    const int deterministic = 1;
    const double epsilon = dtype == SPG_DOUBLE ? DBL_MIN : FLT_MIN;
    spg_status st = dss_status(cudssCreate(&d->handle));
    if (!st)
        st = dss_status(cudssSetStream(d->handle, ctx->cuda->stream));
    if (!st)
        st = dss_status(cudssConfigCreate(&d->config));
    if (!st)
        st = dss_status(cudssConfigSet(d->config, CUDSS_CONFIG_DETERMINISTIC_MODE,
                                       &deterministic, sizeof deterministic));
    if (!st)
        st = dss_status(
            cudssConfigSet(d->config, CUDSS_CONFIG_PIVOT_EPSILON, &epsilon, sizeof epsilon));
    if (!st)
        st = dss_status(cudssDataCreate(d->handle, &d->data));
    return st;
}

// The matrix descriptors: A' over the solver's pattern, x and b over work.
spg_status dss_matrices(const spg_solver *s, dss_solver *d)
{
    const bool spd = s->kind == SPG_SOLVER_SPD;
    const cudaDataType_t it = index_type(s->itype), vt = real_type(s->dtype);
    spg_status st = dss_status(cudssMatrixCreateCsr(
        &d->A, s->n, s->n, s->nnz, s->colptr, NULL, s->rowind, d->values, it, it, vt,
        spd ? CUDSS_MTYPE_SPD : CUDSS_MTYPE_GENERAL, spd ? CUDSS_MVIEW_UPPER : CUDSS_MVIEW_FULL,
        CUDSS_BASE_ZERO));
    if (!st)
        st = dss_status(
            cudssMatrixCreateDn(&d->x, s->n, 1, s->n, d->work, vt, CUDSS_LAYOUT_COL_MAJOR));
    if (!st)
        st = dss_status(
            cudssMatrixCreateDn(&d->b, s->n, 1, s->n, d->work, vt, CUDSS_LAYOUT_COL_MAJOR));
    return st;
}

spg_status dss_analyse(spg_context *ctx, spg_solver *s)
{
    dss_solver *d = static_cast<dss_solver *>(spg_calloc(1, sizeof *d));
    if (!d)
        return SPG_ERR_ALLOC;
    s->impl = d;
    if (s->n == 0)
        return SPG_SUCCESS; // nothing to factorise or solve
    d->values = spg_backend_malloc(ctx, s->nnz, spg_value_size(s->dtype));
    d->work = spg_backend_malloc(ctx, s->n, spg_value_size(s->dtype));
    if (!d->values || !d->work)
        return SPG_ERR_ALLOC;
    spg_status st = dss_objects(ctx, d, s->dtype);
    return st ? st : dss_matrices(s, d);
}

// The pivots cuDSS replaced by its epsilon (CUDSS_DATA_NPIVOTS, of the
// index type's size: asked first).
spg_status dss_perturbed(const dss_solver *d, int64_t *count)
{
    size_t size = 0;
    int32_t n32 = 0;
    int64_t n64 = 0;
    spg_status st =
        dss_status(cudssDataGet(d->handle, d->data, CUDSS_DATA_NPIVOTS, NULL, 0, &size));
    if (!st && size != sizeof n32 && size != sizeof n64)
        st = SPG_ERR_DEVICE;
    if (!st)
        st = dss_status(cudssDataGet(d->handle, d->data, CUDSS_DATA_NPIVOTS,
                                     size == sizeof n32 ? (void *)&n32 : (void *)&n64, size, &size));
    *count = size == sizeof n32 ? n32 : n64;
    return st;
}

// The status of the factorisation: cuDSS reports a zero pivot (general) or
// a pivot <= 0 (SPD) by a positive info, or replaces it by its epsilon.
spg_status dss_info(spg_context *ctx, const spg_solver *s, const dss_solver *d)
{
    int info = 0;
    int64_t perturbed = 0;
    size_t written = 0;
    spg_status st = spg_cuda_status(cudaStreamSynchronize(ctx->cuda->stream));
    if (!st)
        st = dss_status(
            cudssDataGet(d->handle, d->data, CUDSS_DATA_INFO, &info, sizeof info, &written));
    if (!st && info == 0)
        st = dss_perturbed(d, &perturbed);
    if (st || (info == 0 && perturbed == 0))
        return st;
    return s->kind == SPG_SOLVER_SPD ? SPG_ERR_NOT_POSITIVE_DEFINITE : SPG_ERR_SINGULAR;
}

spg_status dss_factor(spg_context *ctx, spg_solver *s, const spg_csc *A)
{
    dss_solver *d = static_cast<dss_solver *>(s->impl);
    if (s->n == 0)
        return SPG_SUCCESS;
    spg_status st = dss_status(cudssSetStream(d->handle, ctx->cuda->stream));
    if (!st)
        st = spg_backend_copy(ctx, d->values, A->values,
                              (size_t)s->nnz * spg_value_size(s->dtype));
    if (!st && !d->analysed) {
        st = dss_status(
            cudssExecute(d->handle, CUDSS_PHASE_ANALYSIS, d->config, d->data, d->A, d->x, d->b));
        d->analysed = !st;
    }
    if (!st)
        st = dss_status(cudssExecute(d->handle, CUDSS_PHASE_FACTORIZATION, d->config, d->data,
                                     d->A, d->x, d->b));
    return st ? st : dss_info(ctx, s, d);
}

// X = op(A)^-1 B: cuDSS holds A', so op N is its transpose solve.
spg_status dss_solve(spg_context *ctx, spg_solver *s, spg_op op, int64_t nrhs, const void *B,
                     int64_t ldb, void *X, int64_t ldx)
{
    dss_solver *d = static_cast<dss_solver *>(s->impl);
    const cudssSolveMode_t mode = s->kind == SPG_SOLVER_GENERAL && op == SPG_OP_N
                                      ? CUDSS_SOLVE_MODE_TRANSPOSE
                                      : CUDSS_SOLVE_MODE_NORMAL;
    const cudaDataType_t vt = real_type(s->dtype);
    cudssMatrix_t x = NULL, b = NULL;
    spg_status st = dss_status(cudssSetStream(d->handle, ctx->cuda->stream));
    if (!st)
        st = dss_status(cudssConfigSet(d->config, CUDSS_CONFIG_SOLVE_MODE, &mode, sizeof mode));
    if (!st)
        st = dss_status(cudssMatrixCreateDn(&b, s->n, nrhs, ldb, const_cast<void *>(B), vt,
                                            CUDSS_LAYOUT_COL_MAJOR));
    if (!st)
        st = dss_status(cudssMatrixCreateDn(&x, s->n, nrhs, ldx, X, vt, CUDSS_LAYOUT_COL_MAJOR));
    if (!st)
        st = dss_status(
            cudssExecute(d->handle, CUDSS_PHASE_SOLVE, d->config, d->data, d->A, x, b));
    if (x)
        cudssMatrixDestroy(x);
    if (b)
        cudssMatrixDestroy(b);
    return st;
}

/* each under its context's lock (cuda_internal.h) */
const spg_solver_ops dss_ops = {
    locked<dss_analyse>::call,
    locked<dss_factor>::call,
    locked<dss_solve>::call,
    dss_release,
};

} // namespace

extern "C" const spg_solver_ops *spg_cuda_solver_ops(void)
{
    return &dss_ops;
}
