"""Old and new replay-event detectors side by side on finished runs.

Reads run directories (``config.toml`` and ``recording.npz``, as written by
``neurotoolkit run`` or ``neurotoolkit demo``), analyses each recording with
the first release's hysteresis rule (z-scored rate of all pyramidal cells)
and with the whole-sweep detector (place cells against a quiet level of the
rest, split and joined by the decoded trajectory), and prints one row per run
and detector: events, participation, rates in and out of events, sequence
distance, significance and what a downstream population learns from the
events.  Nothing is simulated again.

Usage::

    python experiments/replay_detectors.py runs/demo-s1/EE runs/demo-s1/EE_IE ... \\
        [--shuffles 500] [--out table.csv]
"""

from __future__ import annotations

import argparse
import csv
import math
import tomllib
from pathlib import Path

KEYS = ("n_replay_events", "n_trajectory_events", "participation_ratio",
        "rate_participation_ratio", "place_rate_gain", "cue_rate_gain", "sequence_distance",
        "sequence_distance_chance", "significant_fraction", "place_cue_count_correlation",
        "w_ie_cue_mean", "w_ie_place_mean", "rate_pyramidal_offline_hz",
        "consolidated_sequence_distance", "consolidated_cue_weight_ratio")


def analyse(run_dir: Path, detector: str, n_shuffles: int) -> dict:
    """One run directory analysed with one detector."""
    from neurotoolkit.analysis import Recording
    from neurotoolkit.protocols.consolidation import analyse_recording
    from neurotoolkit.protocols.settings import SpikingConfig

    config = SpikingConfig.from_dict(tomllib.loads((run_dir / "config.toml").read_text()))
    config = config.with_overrides({"analysis.detector": detector,
                                    "analysis.n_shuffles": n_shuffles})
    recording = Recording.load(run_dir / "recording.npz")
    seed = int(recording.metadata.get("seed", 1))
    _, metrics, _ = analyse_recording(recording, config, seed=seed)
    return {"run": str(run_dir), "seed": seed, "pathways": config.plasticity.pathways,
            "cue": config.cue.placement, "detector": detector,
            **{k: metrics.get(k, math.nan) for k in KEYS}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--shuffles", type=int, default=500)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = []
    print("seed pathways  cue     detector    events traj  ratio  rate_ratio  gain p/c  "
          "dist (chance)  sig   pc corr  consol.")
    for run_dir in args.runs:
        for detector in ("hysteresis", "sweeps"):
            r = analyse(run_dir, detector, args.shuffles)
            rows.append(r)
            print(f"{r['seed']:>4} {r['pathways']:<9} {r['cue']:<7} {detector:<11} "
                  f"{r['n_replay_events']:>6} {r['n_trajectory_events']:>4}  "
                  f"{r['participation_ratio']:.2f}   {r['rate_participation_ratio']:.2f}      "
                  f"{r['place_rate_gain']:.2f}/{r['cue_rate_gain']:.2f}  "
                  f"{r['sequence_distance']:.2f} ({r['sequence_distance_chance']:.2f})  "
                  f"{r['significant_fraction']:.2f}  {r['place_cue_count_correlation']:+.2f}  "
                  f"{r['consolidated_sequence_distance']:.2f}", flush=True)
    if args.out:
        with open(args.out, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
