"""Benchmark: point (lif) versus compartmental (dendritic) cells in the same network.

Runs the same CA3 network (the dendritic preset's sizes, seed and inputs) once
with point neurons and once with Dendrify cells, in one process so both see
the same machine load, and reports for each

- wall seconds of one short exploration + rest simulation,
- cost per neuron per simulated second (wall seconds / cells / simulated s),

and the dendritic / point ratio of that cost (the aim is at most 3x).
``--standalone`` adds the dendritic network under cpp_standalone (the
compilation reported apart from the run).

Usage::

    python experiments/bench_dendritic.py [--preset default] [--laps 1]
        [--offline 2] [--standalone] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def bench(level: str, config, device: str = "runtime", seed: int = 1) -> dict:
    from neurotoolkit.protocols.exploration import simulate
    from neurotoolkit.protocols.standalone import StandaloneSimulation

    simulated = config.online_duration_s + config.offline_duration_s
    network = config.network
    cells = network.n_pyramidal + network.n_interneurons + network.n_basket
    row = {"level": level, "device": device, "cells": cells, "simulated_s": simulated}
    if device == "cpp_standalone":
        started = time.perf_counter()
        with StandaloneSimulation(config, level=level, seed=seed) as simulation:
            row["build_s"] = time.perf_counter() - started
            output = simulation.run(config)
    else:
        output = simulate(config, level=level, seed=seed, device=device, quiet=True)
        row["build_s"] = 0.0
    wall = output.simulation_wall_s
    row.update(wall_s=wall, spikes=int(output.spike_times.size),
               us_per_neuron_per_sim_s=1e6 * wall / cells / simulated)
    return row


def main(argv: list[str] | None = None) -> int:
    from neurotoolkit.runner import resolve_config

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="default", help="dendritic preset (sizes)")
    parser.add_argument("--laps", type=int, default=1)
    parser.add_argument("--offline", type=float, default=2.0, help="seconds of rest")
    parser.add_argument("--standalone", action="store_true",
                        help="also run the dendritic network under cpp_standalone")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    overrides = {"track.n_laps": args.laps, "offline.duration": f"{args.offline} s"}
    dendritic = resolve_config("consolidation", "dendritic", args.preset, overrides)
    # the point-neuron network of the same size, inputs and connectivity
    network = dendritic.network.to_dict()
    point_overrides = dict(overrides)
    for key in ("n_pyramidal", "place_fraction", "cue_fraction", "cue_place_fields",
                "n_interneurons", "n_basket"):
        point_overrides[f"network.{key}"] = network[key]
    for section in ("track", "cue", "inputs"):  # the same world
        for key, value in getattr(dendritic, section).to_dict().items():
            point_overrides.setdefault(f"{section}.{key}", value)
    for section in ("connection_probability", "ee_connectivity"):
        for key, value in network[section].items():
            point_overrides[f"network.{section}.{key}"] = value
    point = resolve_config("consolidation", "lif", "default", point_overrides)

    rows = []
    # a first short run of each compiles Cython code; time the second one
    for level, config in (("lif", point), ("dendritic", dendritic)):
        bench(level, config.with_overrides({"track.n_laps": 1, "offline.duration": "0.1 s"}))
        rows.append(bench(level, config))
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                          for k, v in rows[-1].items()}), flush=True)
    if args.standalone:
        rows.append(bench("dendritic", dendritic, device="cpp_standalone"))
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                          for k, v in rows[-1].items()}), flush=True)

    print(f"\n{'level':<10} {'device':<15} {'cells':>6} {'sim s':>6} {'build s':>8} "
          f"{'wall s':>7} {'us/neuron/sim s':>16}")
    for r in rows:
        print(f"{r['level']:<10} {r['device']:<15} {r['cells']:>6} {r['simulated_s']:>6.1f} "
              f"{r['build_s']:>8.1f} {r['wall_s']:>7.1f} {r['us_per_neuron_per_sim_s']:>16.1f}")
    ratio = rows[1]["us_per_neuron_per_sim_s"] / rows[0]["us_per_neuron_per_sim_s"]
    print(f"dendritic / point cost per neuron per simulated second (runtime): {ratio:.2f}x "
          f"(aim <= 3x)")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"rows": rows, "ratio": ratio}, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
