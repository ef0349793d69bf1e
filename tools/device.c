#include "device.h"
#include "tools.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SPGRAD_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

int spg_tool_backend_arg(int argc, char **argv, int *a, spg_backend *backend)
{
    if (strcmp(argv[*a], "--backend") || *a + 1 >= argc)
        return 0;
    if (!strcmp(argv[*a + 1], "cpu"))
        *backend = SPG_BACKEND_CPU;
    else if (!strcmp(argv[*a + 1], "cuda"))
        *backend = SPG_BACKEND_CUDA;
    else
        return 0;
    (*a)++;
    return 1;
}

spg_context *spg_tool_context(const char *tool, spg_backend backend)
{
    spg_context *ctx = NULL;
    spg_status st = spg_context_create(backend, &ctx);
    if (st == SPG_SUCCESS)
        return ctx;
    if (backend == SPG_BACKEND_CUDA)
        fprintf(stderr, "%s: the CUDA backend cannot run here: %s\n", tool,
                spg_status_string(st));
    else
        fprintf(stderr, "%s: context: %s\n", tool, spg_status_string(st));
    return NULL;
}

/* Exits on a failed device call: the tools cannot go on without it. */
void *spg_tool_calloc(const char *tool, int64_t count, size_t size)
{
    void *p = calloc((size_t)(count > 0 ? count : 1), size);
    if (!p) {
        fprintf(stderr, "%s: out of memory\n", tool);
        exit(1);
    }
    return p;
}

static void device_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "spgrad: device %s failed\n", what);
        exit(1);
    }
}

void *spg_tool_put(const spg_context *ctx, spg_backend backend, const void *host, size_t bytes)
{
    (void)ctx;
    (void)bytes;
    if (backend == SPG_BACKEND_CPU)
        return (void *)host;
#ifdef SPGRAD_HAVE_CUDA
    void *d = NULL;
    device_check(cudaMalloc(&d, bytes ? bytes : 1) == cudaSuccess, "allocation");
    if (bytes)
        device_check(cudaMemcpy(d, host, bytes, cudaMemcpyHostToDevice) == cudaSuccess, "copy");
    return d;
#else
    device_check(0, "backend");
    return NULL;
#endif
}

/* bytes from src to dst: memcpy on the CPU, cudaMemcpy between host and
 * device memory on CUDA (the runtime tells which side is which). */
static void copy(spg_backend backend, void *dst, const void *src, size_t bytes)
{
    if (backend == SPG_BACKEND_CPU) {
        if (dst != src && bytes)
            memcpy(dst, src, bytes);
        return;
    }
#ifdef SPGRAD_HAVE_CUDA
    if (bytes)
        device_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault) == cudaSuccess, "copy");
#endif
}

void spg_tool_get(spg_backend backend, void *host, const void *where, size_t bytes)
{
    copy(backend, host, where, bytes);
}

void spg_tool_set(spg_backend backend, void *where, const void *host, size_t bytes)
{
    copy(backend, where, host, bytes);
}

void spg_tool_zero(spg_backend backend, void *where, size_t bytes)
{
    if (backend == SPG_BACKEND_CPU) {
        memset(where, 0, bytes);
        return;
    }
#ifdef SPGRAD_HAVE_CUDA
    device_check(cudaMemset(where, 0, bytes) == cudaSuccess, "memset");
#endif
}

void spg_tool_drop(spg_backend backend, void *where)
{
#ifdef SPGRAD_HAVE_CUDA
    if (backend == SPG_BACKEND_CUDA)
        cudaFree(where);
#endif
    (void)backend;
    (void)where;
}

void *spg_tool_stream(spg_backend backend)
{
    void *s = NULL;
#ifdef SPGRAD_HAVE_CUDA
    if (backend == SPG_BACKEND_CUDA) {
        cudaStream_t cs;
        device_check(cudaStreamCreate(&cs) == cudaSuccess, "stream creation");
        s = cs;
    }
#endif
    (void)backend;
    return s;
}

void spg_tool_stream_free(spg_backend backend, void *stream)
{
#ifdef SPGRAD_HAVE_CUDA
    if (backend == SPG_BACKEND_CUDA && stream)
        cudaStreamDestroy((cudaStream_t)stream);
#endif
    (void)backend;
    (void)stream;
}

void spg_tool_sync(spg_backend backend)
{
#ifdef SPGRAD_HAVE_CUDA
    if (backend == SPG_BACKEND_CUDA)
        device_check(cudaDeviceSynchronize() == cudaSuccess, "synchronisation");
#endif
    (void)backend;
}

double spg_tool_copy_gbs(void)
{
#ifdef SPGRAD_HAVE_CUDA
    const size_t bytes = (size_t)1 << 28;
    void *a = NULL, *b = NULL;
    double t[5];
    device_check(cudaMalloc(&a, bytes) == cudaSuccess && cudaMalloc(&b, bytes) == cudaSuccess,
                 "allocation");
    device_check(cudaMemset(a, 0, bytes) == cudaSuccess, "memset");
    for (int r = 0; r < 5; r++) {
        double t0 = spg_now();
        device_check(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice) == cudaSuccess &&
                         cudaDeviceSynchronize() == cudaSuccess,
                     "copy");
        t[r] = 2.0 * (double)bytes / (spg_now() - t0) / 1e9;
    }
    cudaFree(a), cudaFree(b);
    return spg_median(t, 5);
#else
    return 0;
#endif
}
