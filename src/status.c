/* Status strings and the version. */
#include "internal.h"

const char *spg_status_string(spg_status status)
{
    switch (status) {
    case SPG_SUCCESS: return "success";
    case SPG_ERR_NULL_POINTER: return "a required pointer is NULL";
    case SPG_ERR_INVALID_VALUE: return "an enum, flag or count argument has no meaning";
    case SPG_ERR_DIMENSION: return "a dimension is negative or the dimensions disagree";
    case SPG_ERR_INDEX_RANGE: return "an index lies outside the matrix";
    case SPG_ERR_NEGATIVE_INDEX: return "a negative index without SPG_SKIP_NEGATIVE";
    case SPG_ERR_INDEX_OVERFLOW: return "the index type cannot hold the number of entries";
    case SPG_ERR_ALLOC: return "memory allocation failed";
    case SPG_ERR_NOT_BUILT: return "the backend is not compiled into this build";
    case SPG_ERR_NO_DEVICE: return "no usable GPU";
    case SPG_ERR_PATTERN_GRADIENT: return "a gradient of a pattern (constant) matrix was requested";
    case SPG_ERR_BACKEND_MISMATCH: return "the plan belongs to a context of another backend";
    case SPG_ERR_INVALID_MATRIX: return "the CSC view is not well formed";
    case SPG_ERR_DEVICE: return "a CUDA runtime or library call failed";
    case SPG_ERR_SINGULAR: return "the matrix is singular to working precision";
    case SPG_ERR_NOT_POSITIVE_DEFINITE: return "the matrix is not positive definite";
    case SPG_ERR_PATTERN_CHANGED: return "the pattern is not the one the solver analysed";
    case SPG_ERR_NOT_FACTORED: return "the solver holds no factorisation";
    }
    return "unknown status";
}

#define SPG_STR_(x) #x
#define SPG_STR(x) SPG_STR_(x)

const char *spg_version(void)
{
    return SPG_STR(SPGRAD_VERSION_MAJOR) "." SPG_STR(SPGRAD_VERSION_MINOR) "." SPG_STR(
        SPGRAD_VERSION_PATCH);
}
