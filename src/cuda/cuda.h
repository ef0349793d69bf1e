/* The CUDA backend as the rest of the library sees it (built only when
 * SPGRAD_HAVE_CUDA is defined). */
#ifndef SPG_CUDA_H
#define SPG_CUDA_H

#ifdef SPGRAD_HAVE_CUDA
#include "../backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Creates the handles of a CUDA context: SPG_ERR_NO_DEVICE without a GPU. */
spg_status spg_cuda_context_init(spg_context *ctx);
void spg_cuda_context_fini(spg_context *ctx);
spg_status spg_cuda_set_stream(spg_context *ctx, void *stream);
/* bytes of device memory on the context's device (NULL on a failure). */
void *spg_cuda_malloc(const spg_context *ctx, size_t bytes);
/* dst = src, bytes of device memory, in the context's stream. */
spg_status spg_cuda_copy(spg_context *ctx, void *dst, const void *src, size_t bytes);
/* *same = whether bytes of device memory at a and b are equal. */
spg_status spg_cuda_same(spg_context *ctx, const void *a, const void *b, size_t bytes,
                         int *same);
void spg_cuda_free(void *p);

extern const spg_ops spg_cuda_ops_f32_i32, spg_cuda_ops_f32_i64, spg_cuda_ops_f64_i32,
    spg_cuda_ops_f64_i64;

#ifdef __cplusplus
}
#endif
#endif /* SPGRAD_HAVE_CUDA */

#endif /* SPG_CUDA_H */
