"""The binary model's convergence check: simulation against the theorem.

For each cue placement (random, then fixed) and each pathway set (EE, EE+IE),
``n_networks`` (>= 1000) independently seeded networks are trained and replayed
at every lap count n = 1..512 of the grid; the measured probability that the
replayed sequence is wrong is compared with the theorem's exact bracket, its
Chernoff bound and its exact decay rate (docs/theory.md).  Each placement
writes a run directory (convergence.csv, binary_convergence.png/.pdf,
metrics.json, config.toml, provenance.json).

Usage::

    python experiments/binary_convergence.py [--out runs/binary_convergence]
        [--preset default] [--networks 1000] [--seed 20261] [--placements random fixed]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from neurotoolkit.runner import run_experiment

SEED = 20261
EXCERPT_LAPS = (1, 4, 8, 16, 24, 32, 40, 48, 64, 96, 128, 256, 512)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="runs/binary_convergence")
    parser.add_argument("--preset", default="default")
    parser.add_argument("--networks", type=int, default=1000)
    parser.add_argument("--max-laps", type=int, default=512)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--placements", nargs="+", default=["random", "fixed"])
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    if args.networks < 1000:
        print("note: the acceptance check asks for at least 1000 networks per lap count",
              file=sys.stderr)
    out = Path(args.out)
    for placement in args.placements:
        overrides = {"cue.placement": placement, "convergence.n_networks": args.networks,
                     "convergence.max_laps": args.max_laps}
        result = run_experiment("convergence", "binary", preset=args.preset, seed=args.seed,
                                overrides=overrides, out=out / placement,
                                overwrite=args.overwrite, quiet=False)
        report(placement, result.metrics, result.tables["convergence.csv"])
    return 0


def report(placement: str, metrics: dict, table: str) -> None:
    """Print an excerpt of the table and the rate comparison."""
    rows = list(csv.DictReader(io.StringIO(table)))
    print(f"\n== {placement} cue: {int(metrics['n_networks'])} networks per lap count, "
          f"wall time {metrics['wall_time_s']:.1f} s ==")
    print(f"{'set':>6} {'n':>4} {'P_wrong':>9} {'exact_lo':>10} {'exact_hi':>10} "
          f"{'chernoff':>10} {'cue_part':>8}")
    for row in rows:
        if int(row["laps"]) in EXCERPT_LAPS:
            print(f"{row['pathways']:>6} {row['laps']:>4} {float(row['p_wrong']):9.4f} "
                  f"{float(row['exact_lower']):10.3g} {float(row['exact_upper']):10.3g} "
                  f"{float(row['chernoff_bound']):10.3g} {float(row['cue_participation']):8.3f}")
    for key in sorted(k for k in metrics if k.startswith("theory_rate_")):
        suffix = key[len("theory_rate_"):]
        print(f"{suffix:>6}: consistent={int(metrics['consistent_' + suffix])} "
              f"theory rate={metrics[key]:.4f} fitted={metrics['fitted_rate_' + suffix]:.4f} "
              f"(rel. error {metrics['fitted_rate_rel_error_' + suffix]:+.3f}; without the "
              f"lattice term {metrics['fitted_rate_simple_' + suffix]:.4f}) "
              f"above Chernoff bound at {metrics['chernoff_exceedances_' + suffix]} lap counts; "
              f"significant violations: Chernoff {metrics['chernoff_violations_' + suffix]}, "
              f"exact upper {metrics['union_violations_' + suffix]}, "
              f"exact lower {metrics['below_lower_' + suffix]}")


if __name__ == "__main__":
    sys.exit(main())
