"""Benchmark of the binary model: laps x units processed per second.

Times the three stages of the convergence experiment separately, for
``--networks`` networks and ``--laps`` laps on the chosen preset:

- drawing the online activity (per-lap stochastic firing),
- Hebbian learning (co-activation counts, cumulated at the lap grid),
- replay at every lap count of the grid, for each pathway set,

and the whole convergence experiment through the runner.  Throughput is
networks x laps x units (all units, interneurons included) per second.

Usage::

    python experiments/bench_binary.py [--preset default] [--networks 1000] [--laps 512]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from neurotoolkit.binary.activity import draw_laps_batch, network_seeds
from neurotoolkit.binary.layout import Layout
from neurotoolkit.binary.learning import cumulative_counts
from neurotoolkit.binary.replay import run_replay
from neurotoolkit.runner import resolve_config, run_experiment

SEED = 7


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--networks", type=int, default=1000)
    parser.add_argument("--laps", type=int, default=512)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--skip-full", action="store_true", help="skip the full experiment")
    args = parser.parse_args(argv)

    config = resolve_config("convergence", "binary", args.preset,
                            {"convergence.max_laps": args.laps,
                             "convergence.n_networks": args.networks})
    layout = Layout.from_config(config)
    grid = np.asarray(config.convergence.lap_grid())
    latent = layout.latent_trajectory(config.cue.placement, config.cue.step(layout.n_positions))
    seeds = network_seeds(SEED, args.networks)
    timing = {"activity": 0.0, "learning": 0.0, "replay": 0.0}
    for lo in range(0, args.networks, args.chunk):
        t0 = time.perf_counter()
        _, activity = draw_laps_batch(config, seeds[lo:lo + args.chunk], args.laps)
        t1 = time.perf_counter()
        counts = cumulative_counts(activity, layout, grid)
        t2 = time.perf_counter()
        for pathways in config.convergence.pathways:
            run_replay(counts, latent[0], layout.n_positions, theta=config.replay.threshold,
                       theta_interneuron=config.replay.interneuron_threshold,
                       plastic_ie="IE" in pathways, plastic_ei="EI" in pathways)
        t3 = time.perf_counter()
        timing["activity"] += t1 - t0
        timing["learning"] += t2 - t1
        timing["replay"] += t3 - t2
    work = args.networks * args.laps * layout.n_total
    total = sum(timing.values())
    print(f"binary benchmark: preset {args.preset}, {args.networks} networks x {args.laps} laps x "
          f"{layout.n_total} units ({layout.n_positions} steps per lap), "
          f"{grid.size} lap counts, pathway sets {config.convergence.pathways}")
    for stage, seconds in timing.items():
        print(f"  {stage:9s} {seconds:7.2f} s   {work / seconds:12.3g} laps x units / s")
    print(f"  {'total':9s} {total:7.2f} s   {work / total:12.3g} laps x units / s")
    if not args.skip_full:
        started = time.perf_counter()
        result = run_experiment("convergence", "binary", preset=args.preset, seed=SEED,
                                config=config, quiet=True)
        wall = time.perf_counter() - started
        print(f"  full convergence experiment (simulation, theory, table, figure): {wall:.1f} s "
              f"({'under' if wall < 60 else 'OVER'} the 60 s target); "
              f"runner reports {result.metrics['laps_units_per_s']:.3g} laps x units / s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
