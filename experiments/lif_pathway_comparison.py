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
import sys
from pathlib import Path


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
    from neurotoolkit.protocols.comparison import compare_pathway_sets

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--level", default="lif", choices=("lif", "dendritic"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--pathways", nargs="+", default=["EE", "EE+IE"])
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    overrides = dict(parse_override(text) for text in args.overrides)
    rows = compare_pathway_sets(args.preset, args.seeds, args.pathways, overrides,
                                level=args.level, on_row=lambda r: print(_format(r), flush=True))
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
