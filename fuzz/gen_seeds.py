#!/usr/bin/env python3
"""Writes the seed corpora of the binary fuzz targets, fuzz_plan and
fuzz_csc_check, into corpus/<target>/ next to this script. The byte layouts
are described at the top of fuzz_plan.c and fuzz_csc_check.c. Run once;
the output files are committed, so rerun only after changing a layout."""
import math
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent

ONE_BASED, SKIP_NEGATIVE, COMPRESS_ROWS, BAD_FLAG = 1, 2, 4, 8


def plan_value(v):
    """fuzz_plan value code of a small integer v in -32..31 (scale 1)."""
    assert -32 <= v <= 31
    return 0x40 | (v + 32)


def plan_raw_double(x):
    """fuzz_plan value code followed by the raw bytes of double x."""
    return bytes([0xC0]) + struct.pack("<d", x)


def plan_raw_float(x):
    """fuzz_plan value code followed by the raw bytes of float x."""
    return bytes([0xC0]) + struct.pack("<f", x)


def plan_case(flags, m, n, int64, double, triplets, values, rest=b""):
    """fuzz_plan input: header, (row, column) index codes, value codes."""
    types = (1 if int64 else 0) | (2 if double else 0)
    out = bytes([flags, m, n, types, len(triplets)])
    for i, j in triplets:
        out += bytes([i, j])
    for v in values:
        out += v if isinstance(v, bytes) else bytes([plan_value(v)])
    return out + rest


def plan_seeds():
    """Named fuzz_plan inputs: duplicates, both bases, CSR, skipped and
    faulty triplets, empty matrices, NaN and Inf values, a bad flag."""
    xs = bytes(plan_value(v) for v in (1, -2, 3, 5, 7, -1, 2, 4))
    dup = [(0, 0), (1, 0), (0, 0), (2, 2), (1, 0), (0, 2)]
    return {
        "duplicates_double": plan_case(0, 3, 3, False, True, dup, [1, 2, 3, -4, 5, 6], xs),
        "duplicates_float_i64": plan_case(0, 3, 3, True, False, dup, [7, -7, 1, 2, 3, 4], xs),
        "one_based_csr": plan_case(ONE_BASED | COMPRESS_ROWS, 4, 5, False, True,
                                   [(0, 4), (3, 1), (0, 4), (2, 2)], [1, 2, 3, 4], xs),
        "skip_negative": plan_case(ONE_BASED | SKIP_NEGATIVE, 3, 3, False, False,
                                   [(0xF5, 0), (1, 1), (0, 0xF6), (2, 0), (1, 1)],
                                   [9, 8, 7, 6, 5], xs),
        "negative_then_range": plan_case(0, 2, 2, False, True, [(0, 0), (0xF6, 0), (0xF1, 1)],
                                         [1, 2, 3], xs),
        "range_then_negative": plan_case(SKIP_NEGATIVE, 2, 2, True, True,
                                         [(0xF2, 0), (0xF6, 0), (0, 0xF3)], [1, 2, 3], xs),
        "one_based_min": plan_case(ONE_BASED, 2, 2, True, True, [(0, 0), (0xF4, 1)],
                                   [1, 2], xs),
        "one_based_zero": plan_case(ONE_BASED, 2, 2, False, True, [(0, 0), (0xF0, 0)],
                                    [1, 2], xs),
        "empty": plan_case(0, 0, 0, False, True, [], []),
        "empty_rows": plan_case(COMPRESS_ROWS, 0, 7, True, False, [], []),
        "nan_inf": plan_case(0, 2, 2, False, True, [(0, 0), (0, 0), (1, 1), (1, 1)],
                             [plan_raw_double(math.nan), 1, plan_raw_double(math.inf),
                              plan_raw_double(-math.inf)], xs),
        "float_raw": plan_case(COMPRESS_ROWS, 2, 3, False, False, [(1, 2), (1, 2), (0, 0)],
                               [plan_raw_float(1e30), plan_raw_float(-1e30), 0x01], xs),
        "bad_flag": plan_case(BAD_FLAG | ONE_BASED, 2, 2, False, True, [(0, 0)], [1], xs),
        "wide": plan_case(0, 64, 64, False, True,
                          [(k * 7 % 64, k * 13 % 64) for k in range(40)],
                          [k % 31 for k in range(40)], xs * 20),
    }


def csc_case(m, n, nnz_code, mode, colptr, rowind, values=b"", rest=b""):
    """fuzz_csc_check input: header, colptr codes, rowind codes, values."""
    return bytes([m, n, nnz_code, mode]) + bytes(colptr) + bytes(rowind) + values + rest


def csc_values(*codes):
    """Value codes as bytes: code = 0x80 | (v + 16) gives v * 2^0."""
    return bytes(0x80 | (v + 16) for v in codes)


def csc_seeds():
    """Named fuzz_csc_check inputs: valid views in both index and value
    types, pattern views, and views broken in each way the check knows."""
    INT64, DOUBLE, PATTERN, RAW_COLPTR, RAW_ROWIND, NNZ_CODE = 1, 2, 4, 8, 16, 32
    vec = csc_values(1, -2, 3, 4, -5, 6, 7, -8, 2, 1, 3, 5, 1, 2) + bytes([0x91, 0x92])
    # colptr steps 2, 1, 2 -> [0, 2, 3, 5]; rows per column 0 2 | 1 | 0 1
    cp, ri = [0, 2, 1, 2], [0, 1, 1, 0, 0]
    return {
        "valid_double": csc_case(3, 3, 0, DOUBLE, cp, ri, csc_values(1, 2, 3, 4, 5), vec),
        "valid_float_i64": csc_case(3, 3, 0, INT64, cp, ri, csc_values(-1, 2, -3, 4, 5), vec),
        "valid_pattern": csc_case(4, 3, 0, PATTERN | DOUBLE, cp, ri, b"", vec),
        "repeated_row": csc_case(3, 3, 0, DOUBLE, cp, [0, 0xF8, 1, 0, 0],
                                 csc_values(1, 2, 3, 4, 5), vec),
        "row_too_big": csc_case(2, 3, 0, DOUBLE, cp, ri, csc_values(1, 2, 3, 4, 5), vec),
        "colptr_decreasing": csc_case(3, 3, 0, DOUBLE, [0, 3, 0xF6, 4], ri,
                                      csc_values(1, 2, 3, 4, 5), vec),
        "nnz_mismatch": csc_case(3, 3, 4, DOUBLE | NNZ_CODE, cp, ri,
                                 csc_values(1, 2, 3, 4, 5), vec),
        "raw_extremes_i64": csc_case(3, 2, 2, INT64 | RAW_COLPTR | RAW_ROWIND | NNZ_CODE,
                                     [0, 0x7F, 2], [0x80, 1], csc_values(1, 2), vec),
        "raw_extremes_i32": csc_case(3, 2, 2, RAW_COLPTR | RAW_ROWIND | NNZ_CODE,
                                     [0x80, 0, 2], [0x7F, 1], csc_values(1, 2), vec),
        "empty": csc_case(0, 0, 0, DOUBLE, [0], []),
        "no_rows": csc_case(0, 4, 0, 0, [0, 0, 0, 0, 0], [], b"", vec),
        "beta_zero": csc_case(3, 3, 0, 0, cp, ri, csc_values(1, 2, 3, 4, 5),
                              vec[:12] + bytes([0x91, 0x00])),
    }


def write(target, seeds):
    """Writes each named seed as corpus/<target>/<name>.bin."""
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (folder / (name + ".bin")).write_bytes(data)


if __name__ == "__main__":
    write("fuzz_plan", plan_seeds())
    write("fuzz_csc_check", csc_seeds())
