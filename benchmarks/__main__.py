"""Run every benchmark and print the table: ``python -m benchmarks`` (``make bench``).

Options:
    --quick          smaller sizes and fewer repetitions (a smoke run, not for quoting)
    --repeats N      timed samples per engine and case (default 7)
    --only NAME ...  run only these workloads (mlp_step mlp_demo elementary wide_sum deep_chain
                     memory lstm_bptt long_chains)
    --json PATH      also write every sample and figure as JSON

Before any timing, each workload checks that the engines agree (loss/output and every gradient
within 1e-9 of the hand-written floats); a disagreement stops the run. Engines are timed in turn
within each repetition (see :mod:`benchmarks.timing`); the table shows medians with the min-max
range, and the ratios micrograd/chainrule (how many times faster chainrule is) and
chainrule/plain (how far from hand-written floats).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from typing import Any

from tqdm import tqdm

from . import deep_chain, elementary, long_chains, lstm_bptt, memory, mlp_demo, mlp_step, wide_sum
from .engines import versions
from .timing import measure

TIMED = {"mlp_step": mlp_step, "elementary": elementary, "wide_sum": wide_sum}
TIMED["lstm_bptt"] = lstm_bptt  # forward + backward of a 30-step LSTM window
TIMED["mlp_demo"] = mlp_demo  # micrograd's demo.ipynb step, its code unchanged
WORKLOADS = (*TIMED, "deep_chain", "memory", "long_chains")
TOLERANCE = 1e-9
RATIOS = (("micrograd", "chainrule"), ("chainrule", "plain"), ("tape", "plain"),
          ("tape compiled", "plain"))
RATIOS += (("chainrule", "batched"), ("plain", "batched"))  # Tape.vmap


def check_agreement(names: list[str], quick: bool) -> dict[str, dict[str, float]]:
    """Every timed workload's engine differences; raises SystemExit on a disagreement."""
    report = {}
    for name in names:
        differences = TIMED[name].agreement(quick)
        report[name] = differences
        for engine, difference in differences.items():
            if not difference <= TOLERANCE:
                raise SystemExit(
                    f"{name}: {engine} differs from the hand-written floats by {difference:.3g} "
                    f"(> {TOLERANCE:g}); not timing engines that disagree"
                )
    return report


def show(seconds: float, unit: str) -> str:
    """A time per unit in a readable scale."""
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1e9:.0f} ns"


def table(rows: list[dict[str, Any]]) -> str:
    """The timing table as Markdown."""
    lines = ["| workload | variant | engine | median | min-max | per |",
             "|---|---|---|---:|---:|---|"]
    for row in rows:
        for engine, timing in row["engines"].items():
            lines.append(
                f"| {row['workload']} | {row['variant']} | {engine} | "
                f"{show(timing['median'], row['unit'])} | {show(timing['min'], row['unit'])} - "
                f"{show(timing['max'], row['unit'])} | {row['unit']} |"
            )
    lines += ["", "| workload | variant | ratio | median | min-max |", "|---|---|---|---:|---:|"]
    for row in rows:
        for name, ratio in row["ratios"].items():
            lines.append(f"| {row['workload']} | {row['variant']} | {name} | "
                         f"{ratio['median']:.1f}x | {ratio['min']:.1f}-{ratio['max']:.1f}x |")
    return "\n".join(lines)


def ratios(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Median ratio and the range over repetitions (sample i against sample i)."""
    found = {}
    for top, bottom in RATIOS:
        if top in samples and bottom in samples:
            pairs = [a / b for a, b in zip(samples[top], samples[bottom], strict=True)]
            pairs.sort()
            top_median = sorted(samples[top])[len(pairs) // 2]
            bottom_median = sorted(samples[bottom])[len(pairs) // 2]
            found[f"{top}/{bottom}"] = {"median": top_median / bottom_median,
                                        "min": pairs[0], "max": pairs[-1]}
    return found


def main(argv: list[str] | None = None) -> int:
    """Parse the options, check agreement, time, print the table."""
    summary = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=summary)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--json", metavar="PATH")
    options = parser.parse_args(argv)
    repeats = 3 if options.quick and options.repeats == 7 else options.repeats
    timed = [name for name in options.only if name in TIMED]

    machine = {"platform": platform.platform(), "processor": platform.processor(),
               "cpus": os.cpu_count(), "load average": os.getloadavg(), **versions()}
    print("machine:", json.dumps(machine))
    print("checking that the engines agree ...", flush=True)
    agreement = check_agreement(timed, options.quick)
    print("  largest differences:", json.dumps(
        {name: max(diffs.values()) for name, diffs in agreement.items()}))

    # Cases are built one workload at a time and dropped after timing, so the heap the garbage
    # collector walks stays small and one workload's objects do not slow another's.
    engine_counts = {"mlp_step": 3 + 3 + 4 + 3 + 2, "elementary": 3 + 3, "wide_sum": 3}
    engine_counts["lstm_bptt"] = 3
    engine_counts["mlp_demo"] = 3
    total = sum(repeats * engine_counts[name] for name in timed)
    total += 10 * ("deep_chain" in options.only) + 4 * ("memory" in options.only)
    total += 4 * ("long_chains" in options.only)
    rows = []
    with tqdm(total=total, desc="benchmarks", unit="sample", file=sys.stderr) as bar:
        for case in (case for name in timed for case in TIMED[name].cases(options.quick)):
            bar.set_postfix_str(f"{case.workload} {case.variant}")
            timings = measure(case, repeats, tick=lambda: bar.update(1))
            samples = {engine: timing.samples for engine, timing in timings.items()}
            rows.append({
                "workload": case.workload, "variant": case.variant, "unit": case.unit,
                "engines": {engine: {"median": t.median, "min": t.low, "max": t.high}
                            for engine, t in timings.items()},
                "ratios": ratios(samples), "samples": samples,
            })
        depth = memory_report = chains = None
        if "deep_chain" in options.only:
            bar.set_postfix_str("deep_chain")
            depths = deep_chain.DEPTHS[:3] if options.quick else deep_chain.DEPTHS
            depth = deep_chain.survey(depths=depths, tick=lambda: bar.update(1))
        if "memory" in options.only:
            bar.set_postfix_str("memory")
            memory_report = memory.survey(tick=lambda: bar.update(1))
        if "long_chains" in options.only:
            bar.set_postfix_str("long_chains")
            chains = long_chains.survey(tick=lambda: bar.update(1))
    machine["load average after"] = os.getloadavg()

    print()
    print(table(rows))
    if depth is not None:
        print("\ndeep_chain (default recursion limit, each attempt in a subprocess):")
        for engine, result in depth.items():
            shown = ", ".join(
                f"{d:,}: " + (f"{r['seconds']:.2f} s" if r["ok"] else f"failed ({r['error']})")
                for d, r in result["attempts"].items()
            )
            print(f"  {engine}: largest {result['largest']:,}  [{shown}]")
    if memory_report is not None:
        print("\nmemory (tracemalloc, bytes per node, 100,000 op nodes, fresh subprocess each):")
        for name, figures in memory_report.items():
            shown = ", ".join(f"{key} {value:.1f}" if isinstance(value, float) else str(value)
                              for key, value in figures.items())
            print(f"  {name}: {shown}")
    if chains is not None:
        print(f"\nlong_chains (chainrule, {long_chains.STEPS:,} steps, fresh subprocess each):")
        for name, figures in chains.items():
            shown = ", ".join(f"{key} {value:.2f}" if isinstance(value, float) else str(value)
                              for key, value in figures.items())
            print(f"  {name}: {shown}")
    print("\nload average before/after:", machine["load average"], machine["load average after"])
    if options.json:
        with open(options.json, "w", encoding="utf-8") as file:
            json.dump({"machine": machine, "agreement": agreement, "timings": rows,
                       "deep_chain": depth, "memory": memory_report, "long_chains": chains},
                      file, indent=1)
        print(f"wrote {options.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
