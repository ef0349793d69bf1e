/* Element-level kernels are written once against spg_real and spg_int and
 * compiled once per value and index type: the build defines SPG_REAL_FLOAT
 * (else double) and SPG_INDEX_INT32 (else int64) for each instance. The
 * bodies are valid C11 and CUDA C++; SPG_HD marks them for host and device. */
#ifndef SPG_TYPES_H
#define SPG_TYPES_H

#include <stdint.h>

#if defined(__CUDACC__)
#define SPG_HD static inline __host__ __device__
#else
#define SPG_HD static inline
#endif

#if defined(SPG_REAL_FLOAT)
typedef float spg_real;
#else
typedef double spg_real;
#endif

#if defined(SPG_INDEX_INT32)
typedef int32_t spg_int;
typedef uint32_t spg_uint;
#define SPG_INT_MAX INT32_MAX
#else
typedef int64_t spg_int;
typedef uint64_t spg_uint;
#define SPG_INT_MAX INT64_MAX
#endif

#endif /* SPG_TYPES_H */
