"""Benchmark of the point-neuron experiment: runtime vs cpp_standalone, per preset.

For each preset and device it times one whole exploration + rest simulation
(the standalone build and its run reported apart) and reports

- wall seconds of the simulation (and of the standalone compilation),
- simulated seconds per wall second,
- synaptic events per second: every spike times the number of synapses it
  leaves through (all recurrent and feedback pathways and the inputs),
  divided by the simulation's wall time.

Both devices run the same network with the same seed in the same process,
so their ratio is measured under the same machine load.  ``--laps`` and
``--offline`` shorten the simulated time of large presets (the rates are per
simulated second, so a shorter run measures the same speed).

Usage::

    python experiments/bench_lif.py [--presets tiny default paper]
        [--devices runtime cpp_standalone] [--laps N] [--offline SECONDS]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def synaptic_events(output, config) -> int:
    """Spikes times their out-degree, over every pathway of the circuit."""
    layout = output.world.layout
    n_pyr = layout.pyramidal_labels.size
    n_int = layout.interneuron_labels.size
    counts = np.bincount(output.spike_ids, minlength=n_pyr + n_int + layout.n_basket)
    p = config.network.connection_probability
    n_bas = layout.n_basket
    # expected out-degrees (connectivity is Erdos-Renyi with these probabilities)
    out_pyr = p.ee * (n_pyr - 1) + p.ei * n_int + p.pyramidal_to_basket * n_bas
    out_int = p.ie * n_pyr
    out_bas = p.basket_to_pyramidal * n_pyr + p.basket_to_basket * (n_bas - 1)
    recurrent = (counts[:n_pyr].sum() * out_pyr + counts[n_pyr:n_pyr + n_int].sum() * out_int
                 + counts[n_pyr + n_int:].sum() * out_bas)
    inputs = (output.world.place.times.size + output.world.cue.times.size
              + output.world.interneurons.times.size)
    return int(recurrent + inputs)


def bench(preset: str, device: str, overrides: dict, seed: int = 1) -> dict:
    from neurotoolkit.protocols.exploration import simulate
    from neurotoolkit.protocols.standalone import StandaloneSimulation
    from neurotoolkit.runner import resolve_config

    config = resolve_config("consolidation", "lif", preset, overrides)
    simulated = config.online_duration_s + config.offline_duration_s
    row = {"preset": preset, "device": device, "n_pyramidal": config.network.n_pyramidal,
           "simulated_s": simulated}
    if device == "cpp_standalone":
        started = time.perf_counter()
        with StandaloneSimulation(config, level="lif", seed=seed) as simulation:
            row["build_s"] = time.perf_counter() - started
            output = simulation.run(config)
    else:
        output = simulate(config, seed=seed, device=device, quiet=True)
        row["build_s"] = 0.0
    wall = output.simulation_wall_s
    events = synaptic_events(output, config)
    row.update(wall_s=wall, simulated_per_wall=simulated / wall,
               synaptic_events=events, synaptic_events_per_s=events / wall,
               spikes=int(output.spike_times.size))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets", nargs="+", default=["tiny", "default"])
    parser.add_argument("--devices", nargs="+", default=["runtime", "cpp_standalone"])
    parser.add_argument("--laps", type=int, default=None, help="laps online (default: preset)")
    parser.add_argument("--offline", type=float, default=None, help="seconds offline")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    overrides = {}
    if args.laps:
        overrides["track.n_laps"] = args.laps
    if args.offline:
        overrides["offline.duration"] = f"{args.offline} s"
    rows = []
    for preset in args.presets:
        for device in args.devices:
            row = bench(preset, device, overrides)
            rows.append(row)
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                              for k, v in row.items()}), flush=True)
    print(f"\n{'preset':<8} {'device':<15} {'cells':>6} {'sim s':>7} {'build s':>8} "
          f"{'wall s':>8} {'sim s/wall s':>12} {'syn. events/s':>14}")
    for r in rows:
        print(f"{r['preset']:<8} {r['device']:<15} {r['n_pyramidal']:>6} {r['simulated_s']:>7.1f} "
              f"{r['build_s']:>8.1f} {r['wall_s']:>8.1f} {r['simulated_per_wall']:>12.3f} "
              f"{r['synaptic_events_per_s']:>14.3g}")
    for preset in args.presets:
        by_device = {r["device"]: r for r in rows if r["preset"] == preset}
        if {"runtime", "cpp_standalone"} <= set(by_device):
            ratio = by_device["runtime"]["wall_s"] / by_device["cpp_standalone"]["wall_s"]
            print(f"{preset}: standalone is {ratio:.1f}x faster than runtime (simulation only)")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
