/* Command-line numbers and the reader's options, read whole and in range. */
#ifndef SPG_TOOLS_ARGS_H
#define SPG_TOOLS_ARGS_H

#include <stdint.h>

#include "mmread.h"

/* *out = text when it is a decimal integer (an optional sign, then digits,
 * nothing else) in [lo, hi]: 0; otherwise -1 and *out is left alone. */
int spg_arg_int(const char *text, int64_t lo, int64_t hi, int64_t *out);

/* *out = the byte count text gives: a decimal integer with an optional
 * suffix K, M, G or T (powers of 1024), at most INT64_MAX: 0; else -1. */
int spg_arg_bytes(const char *text, int64_t *out);

/* Parses a reader option at argv[*a]: "--max-memory BYTES" (the dimensions'
 * limit, 0 for none) or, where nonfinite is allowed, "--nonfinite" (read
 * inf and nan). 1 when it did (*a advanced past it), 0 when argv[*a] is no
 * reader option, -1 with a message on stderr when its value is bad. */
int spg_arg_mm_option(const char *tool, int argc, char **argv, int *a, int nonfinite,
                      spg_mm_options *opt);

#endif
