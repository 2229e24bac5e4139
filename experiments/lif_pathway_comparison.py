"""Compare plasticity pathway sets at identical settings, over seeds (point neurons).

For each seed the circuit is compiled once as a C++ standalone program and run
once per pathway set (the pathway set is a run-time constant), so the sets see
the same connectivity, inputs and noise.  Prints a per-seed table and writes
it as CSV, with the criteria of the point-neuron level checked per run:

- ``EE+IE``: participation_ratio <= 0.5, w_ie_cue_mean > w_ie_place_mean,
  sequence_distance <= 0.3;
- ``EE``: participation_ratio >= 0.8.

Usage::

    python experiments/lif_pathway_comparison.py --seeds 1 2 3 4 5 \\
        [--preset default] [--set key=value ...] [--out results.csv]
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

KEYS = ("n_replay_events", "participation_ratio", "place_participation", "cue_participation",
        "sequence_distance", "sequence_distance_chance", "significant_fraction",
        "w_ie_cue_mean", "w_ie_place_mean", "place_cue_count_correlation",
        "rate_pyramidal_offline_hz")


def compare(preset: str, seeds: list[int], pathway_sets: list[str], overrides: dict,
            level: str = "lif", quiet: bool = True) -> list[dict]:
    """Metrics of every (seed, pathway set); one standalone build per seed."""
    from neurotoolkit.protocols.consolidation import analyse_simulation
    from neurotoolkit.protocols.standalone import StandaloneSimulation
    from neurotoolkit.runner import resolve_config

    rows = []
    for seed in seeds:
        config = resolve_config("consolidation", level, preset, overrides)
        started = time.perf_counter()
        with StandaloneSimulation(config, level=level, seed=seed, quiet=quiet) as simulation:
            build_s = time.perf_counter() - started
            for pathways in pathway_sets:
                variant = config.with_overrides({"plasticity.pathways": pathways})
                output = simulation.run(variant)
                result = analyse_simulation(output, variant, level=level, seed=seed,
                                            device="cpp_standalone")
                row = {"seed": seed, "pathways": pathways, "build_s": round(build_s, 1),
                       "run_s": round(output.simulation_wall_s, 1)}
                row.update({k: result.metrics.get(k, math.nan) for k in KEYS})
                rows.append(row)
                print(_format(row), flush=True)
    return rows


def _format(row: dict) -> str:
    parts = []
    for key, value in row.items():
        parts.append(f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}")
    return " ".join(parts)


def check(row: dict) -> str:
    """Which of the level's criteria a run meets ('' when it has no criterion)."""
    ratio = row["participation_ratio"]
    if row["n_replay_events"] == 0:
        return "no events"
    if row["pathways"] == "EE+IE":
        ok = (ratio <= 0.5, row["w_ie_cue_mean"] > row["w_ie_place_mean"],
              row["sequence_distance"] <= 0.3)
        return "pass" if all(ok) else "fail " + "".join("RWS"[i] for i, good in enumerate(ok)
                                                          if not good)
    if row["pathways"] == "EE":
        return "pass" if ratio >= 0.8 else "fail R"
    return ""


def main(argv: list[str] | None = None) -> int:
    from neurotoolkit.config import parse_override

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--level", default="lif", choices=("lif", "dendritic"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--pathways", nargs="+", default=["EE", "EE+IE"])
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    overrides = dict(parse_override(text) for text in args.overrides)
    rows = compare(args.preset, args.seeds, args.pathways, overrides, level=args.level)
    print("\nseed  pathways   events  ratio  seq.dist (chance)  sig.frac  w_IE cue/place  "
          "pc corr  rate  check")
    for r in rows:
        print(f"{r['seed']:>4}  {r['pathways']:<9} {r['n_replay_events']:>6}  "
              f"{r['participation_ratio']:.2f}   {r['sequence_distance']:.2f} "
              f"({r['sequence_distance_chance']:.2f})      {r['significant_fraction']:.2f}   "
              f"{r['w_ie_cue_mean']:.2f}/{r['w_ie_place_mean']:.2f}      "
              f"{r['place_cue_count_correlation']:+.2f}   {r['rate_pyramidal_offline_hz']:.1f}"
              f"  {check(r)}")
    if args.out:
        with open(args.out, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]) + ["check"])
            writer.writeheader()
            for r in rows:
                writer.writerow({**r, "check": check(r)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
