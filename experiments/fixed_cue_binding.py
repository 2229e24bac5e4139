"""Fixed against random cue: do cue cells fire in replay where the sweep passes the cue?

For each run directory (``config.toml``, ``recording.npz``), the whole-sweep
replay events are decoded in 20 ms bins from the place cells, and the cue
cells' rate is compared between bins decoded within ``--near`` cm of the cue's
place and bins more than ``--far`` cm from it.  The learned I->E weight onto
place cells whose fields lie near the cue's place is compared with that onto
place cells far from it.  With a random cue the "cue's place" is
``cue.position``, a control.

Usage::

    python experiments/fixed_cue_binding.py RUN_DIR [RUN_DIR ...] [--near 30] [--far 60]
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import numpy as np


def binding(run_dir: Path, near_cm: float, far_cm: float) -> dict:
    """Cue-cell rates and I->E weights near and far from the cue's place."""
    from neurotoolkit.analysis import (
        Recording,
        bin_event_spikes,
        compute_tuning_curves,
        decode,
    )
    from neurotoolkit.protocols.consolidation import cue_centre_cm
    from neurotoolkit.protocols.metrics import detect_offline
    from neurotoolkit.protocols.settings import SpikingConfig

    config = SpikingConfig.from_dict(tomllib.loads((run_dir / "config.toml").read_text()))
    recording = Recording.load(run_dir / "recording.npz")
    events = detect_offline(recording, config.analysis).events
    cue_x = cue_centre_cm(config)
    length = config.track.length_cm
    place, cue = recording.cells("place"), recording.cells("cue")
    tuning = compute_tuning_curves(recording, n_bins=60, track_range=(0.0, length),
                                   phase="online", cells=place, smoothing=5.0)
    rates = np.nan_to_num(tuning.rates)
    bin_s = 0.02
    place_counts = bin_event_spikes(recording.spike_times, recording.spike_ids, events,
                                    bin_size=bin_s, cells=place)
    cue_counts = bin_event_spikes(recording.spike_times, recording.spike_ids, events,
                                  bin_size=bin_s, cells=cue)
    totals = {"near": [0, 0], "far": [0, 0]}  # [bins, cue spikes]
    for k in range(len(events)):
        counts = place_counts.event(k)
        position = tuning.bin_centres[decode(counts, rates, bin_s).argmax(axis=1)]
        decoded = counts.sum(axis=1) >= 10  # enough place spikes to trust the position
        for name, mask in (("near", decoded & (np.abs(position - cue_x) <= near_cm)),
                           ("far", decoded & (np.abs(position - cue_x) > far_cm))):
            totals[name][0] += int(mask.sum())
            totals[name][1] += int(cue_counts.event(k)[mask].sum())
    _, targets, weights = recording.weights["IE"]
    onto_place = np.isin(targets, place)
    distance = np.abs(recording.field_centres[targets] - cue_x)
    return {
        "run": str(run_dir), "placement": config.cue.placement, "cue_cm": cue_x,
        "events": len(events),
        "cue_rate_near_hz": totals["near"][1] / max(totals["near"][0] * bin_s * cue.size, 1e-12),
        "cue_rate_far_hz": totals["far"][1] / max(totals["far"][0] * bin_s * cue.size, 1e-12),
        "w_ie_place_near_ns": float(weights[onto_place & (distance <= near_cm)].mean()),
        "w_ie_place_far_ns": float(weights[onto_place & (distance > far_cm)].mean()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--near", type=float, default=30.0)
    parser.add_argument("--far", type=float, default=60.0)
    args = parser.parse_args(argv)
    print("run                      cue      events  cue rate near/far (Hz)  "
          "I->E onto place near/far (nS)")
    for run_dir in args.runs:
        r = binding(run_dir, args.near, args.far)
        print(f"{r['run'][-24:]:<24} {r['placement']:<8} {r['events']:>6}  "
              f"{r['cue_rate_near_hz']:6.1f} / {r['cue_rate_far_hz']:<6.1f}         "
              f"{r['w_ie_place_near_ns']:.2f} / {r['w_ie_place_far_ns']:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
