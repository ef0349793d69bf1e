#!/usr/bin/env python3
"""Markdown tables of a spgrad_bench run, from its JSON output.

    build-bench/spgrad_bench --benchmark_out=run.json --benchmark_out_format=json
    python3 bench/tables.py run.json

Per problem, a row per kernel and a column per value type and thread count
(and CUDA, where the run had it): the median time and the fraction of the
triad measured in the same run; then the triad itself and the thread
scaling (double, time on 1 thread over time on the most threads). Standard
library only.
"""
import json
import sys

KERNELS = [
    ("assemble", "assemble"),
    ("assemble_pullback", "assemble pullback"),
    ("spmv_N", "SpMV N"),
    ("spmv_N_bare_view", "SpMV N, view without the plan's analysis"),
    ("spmv_T", "SpMV T"),
    ("spmv_pullback", "SpMV pullback (dA and dx)"),
    ("bilinear", "bilinear"),
    ("bilinear_value_and_grad", "bilinear value and grad"),
    ("bilinear_value_and_grad_bare_view", "bilinear value and grad, view without the analysis"),
    ("sampled_outer_k1", "sampled outer, k = 1"),
    ("sampled_outer_k8", "sampled outer, k = 8"),
    ("coo_bilinear_pullback", "COO bilinear pullback"),
    ("coo_spmv_pullback", "COO SpMV pullback"),
    ("plan_create", "plan creation"),
    ("fresh_plan_arrays", "fresh arrays of the plan's sizes, written once"),
]


def medians(path):
    """{(problem, kernel, type, where): row} of the median aggregates;
    where is "threads:T" or "cuda"."""
    with open(path) as f:
        run = json.load(f)
    rows = {}
    for b in run["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        parts = b["run_name"].split("/")  # a problem mtx:FILE may hold slashes
        t = max(i for i, part in enumerate(parts) if part in ("double", "float"))
        problem, kernel = "/".join(parts[:t - 1]), parts[t - 1]
        rows[(problem, kernel, parts[t], parts[t + 1])] = b
    return run.get("context", {}), rows


def ms(b):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
    return b["real_time"] * scale


def fmt_ms(t):
    return f"{t:.3g} ms"


def cell(b):
    if b is None:
        return ""
    if "of_triad" in b:
        return f"{fmt_ms(ms(b))}, {b['of_triad']:.2f}"
    if "triplets/s" in b:
        return f"{fmt_ms(ms(b))} ({b['triplets/s'] / 1e6:.1f} M triplets/s)"
    return fmt_ms(ms(b))


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    context, rows = medians(argv[1])
    problems = list(dict.fromkeys(k[0] for k in rows))
    wheres = sorted({k[3] for k in rows},
                    key=lambda w: (w == "cuda", int(w.split(":")[1]) if ":" in w else 0))
    threads = [w for w in wheres if w.startswith("threads:")]
    columns = [(t, w) for t in ("double", "float") for w in wheres
               if any(k[2] == t and k[3] == w for k in rows)]
    print(f"Run of {context.get('date', '?')} on {context.get('host_name', '?')}, "
          f"{context.get('num_cpus', '?')} cpus\n")
    for problem in problems:
        print(f"### {problem}\n")
        head = [f"{t}, {w.replace('threads:', '') + ' thr' if ':' in w else w}"
                for t, w in columns]
        print("| kernel | " + " | ".join(head) + " |")
        print("|---" * (len(head) + 1) + "|")
        for kernel, label in KERNELS:
            cells = [cell(rows.get((problem, kernel, t, w))) for t, w in columns]
            if any(cells):
                print(f"| {label} | " + " | ".join(cells) + " |")
        triads = []
        for w in wheres:
            gbs = sorted(b["triad_GB/s"] for k, b in rows.items()
                         if k[0] == problem and k[3] == w and "triad_GB/s" in b)
            if gbs:
                name = "cuBLAS daxpy" if w == "cuda" else f"triad, {w.replace('threads:', '')} thr"
                triads.append(f"{name} {gbs[len(gbs) // 2]:.1f} GB/s "
                              f"({gbs[0]:.1f} to {gbs[-1]:.1f})")
        print("\nBandwidth behind the fractions (median of the measurements after each "
              "kernel, and their range): " + "; ".join(triads) + ".\n")
        if len(threads) > 1:
            one, most = threads[0], threads[-1]
            print(f"Thread scaling, double ({one} time / {most} time):\n")
            print("| kernel | scaling | triad scaling in the same runs |")
            print("|---|---|---|")
            for kernel, label in KERNELS:
                a = rows.get((problem, kernel, "double", one))
                b = rows.get((problem, kernel, "double", most))
                if a and b:
                    tr = ""
                    if "triad_GB/s" in a and "triad_GB/s" in b:
                        tr = f"{b['triad_GB/s'] / a['triad_GB/s']:.2f}"
                    print(f"| {label} | {ms(a) / ms(b):.2f} | {tr} |")
            print()


if __name__ == "__main__":
    main(sys.argv)
