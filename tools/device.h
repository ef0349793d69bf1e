/* The tools' host arrays as the library's calls need them: for a CUDA
 * context a device copy, for a CPU context the array itself. */
#ifndef SPG_TOOLS_DEVICE_H
#define SPG_TOOLS_DEVICE_H

#include <stddef.h>

#include "spgrad.h"

/* count zeroed host elements of size bytes (at least one), or the tool
 * says it is out of memory and exits with status 1. */
void *spg_tool_calloc(const char *tool, int64_t count, size_t size);

/* Parses "--backend cpu|cuda" at argv[a]; 1 when it did (a advanced). */
int spg_tool_backend_arg(int argc, char **argv, int *a, spg_backend *backend);

/* Creates the context, or says plainly why it cannot and returns NULL. */
spg_context *spg_tool_context(const char *tool, spg_backend backend);

/* A copy of bytes host bytes where the context's calls read them. */
void *spg_tool_put(const spg_context *ctx, spg_backend backend, const void *host, size_t bytes);

/* Copies bytes from where the context's calls wrote them back to host. */
void spg_tool_get(spg_backend backend, void *host, const void *where, size_t bytes);

/* Copies bytes from host to where the context's calls read them. */
void spg_tool_set(spg_backend backend, void *where, const void *host, size_t bytes);

/* Zeroes bytes where the context's calls read and write them. */
void spg_tool_zero(spg_backend backend, void *where, size_t bytes);

/* Releases what spg_tool_put returned. */
void spg_tool_drop(spg_backend backend, void *where);

/* A new stream of the caller's (a cudaStream_t, blocking: the legacy
 * default stream waits for it); NULL on the CPU. */
void *spg_tool_stream(spg_backend backend);
void spg_tool_stream_free(spg_backend backend, void *stream);

/* Waits for the context's queued work (for timings). */
void spg_tool_sync(spg_backend backend);

/* The device's copy bandwidth: cudaMemcpy device to device of 256 MiB,
 * read and written (2 x 256 MiB moved), GB/s, the median of 5; 0 without
 * CUDA. */
double spg_tool_copy_gbs(void);

#endif
