"""Plasticity pathway sets compared at identical settings, one seed at a time.

For each seed the circuit is compiled once as a C++ standalone program and
run once per pathway set (the pathway set is a run-time constant), so the
sets see the same connectivity, inputs and noise; the runs of one seed go
side by side on the cores.
"""

from __future__ import annotations

import math
import time
from functools import partial
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["COMPARISON_KEYS", "compare_pathway_sets", "run_pathway_set"]

#: Metrics kept per (seed, pathway set).
COMPARISON_KEYS = ("n_replay_events", "n_trajectory_events", "participation_ratio",
                   "rate_participation_ratio", "place_rate_gain", "cue_rate_gain",
                   "place_participation",
                   "cue_participation", "sequence_distance", "sequence_distance_chance",
                   "significant_fraction", "w_ie_cue_mean", "w_ie_place_mean",
                   "place_cue_count_correlation", "rate_pyramidal_offline_hz",
                   "consolidated_sequence_distance", "consolidated_sequence_distance_chance",
                   "consolidated_cue_weight_ratio")


def compare_pathway_sets(preset: str, seeds: Sequence[int],
                         pathway_sets: Sequence[str] = ("EE", "EE+IE"),
                         overrides: Mapping[str, Any] | None = None, *, level: str = "lif",
                         quiet: bool = True,
                         on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Metrics of every (seed, pathway set) at otherwise identical settings.

    Parameters
    ----------
    preset : str
        Preset of ``level``.
    seeds : sequence of int
        One standalone build per seed.
    pathway_sets : sequence of str
        Sets to compare (``"EE"``, ``"EE+IE"``, ``"EE+IE+EI"``).
    overrides : mapping, optional
        Dotted config keys applied to every run.
    level : {"lif", "dendritic"}
    quiet : bool
        Hide compiler output.
    on_row : callable, optional
        Called with each row as soon as it is ready (progress printing).

    Returns
    -------
    list of dict
        One row per (seed, pathway set): ``seed``, ``pathways``, ``build_s``,
        ``run_s`` and the :data:`COMPARISON_KEYS` metrics.
    """
    from ..runner import resolve_config
    from .standalone import StandaloneSimulation, side_by_side

    config = resolve_config("consolidation", level, preset, overrides)
    rows = []
    for seed in seeds:
        started = time.perf_counter()
        with StandaloneSimulation(config, level=level, seed=seed, quiet=quiet) as simulation:
            build_s = time.perf_counter() - started
            done = side_by_side([partial(_run_pathways, simulation, config, pathways, level,
                                         seed, build_s) for pathways in pathway_sets])
            for row in done:
                rows.append(row)
                if on_row is not None:
                    on_row(row)
    return rows


def run_pathway_set(simulation: Any, config: Any, pathways: str, *, level: str = "lif",
                    seed: int = 1) -> tuple[Any, Any]:
    """Run a compiled :class:`StandaloneSimulation` with ``pathways`` and analyse it.

    Each pathway set gets its own results folder, so sets may run side by side
    (:func:`~neurotoolkit.protocols.standalone.side_by_side`).  Returns the
    simulation output and the analysed :class:`~neurotoolkit.runner.RunResult`
    (whose ``config`` is the run's configuration).
    """
    from ..plasticity.pathways import pathway_key
    from .consolidation import analyse_simulation

    variant = config.with_overrides({"plasticity.pathways": pathways})
    output = simulation.run(variant, results_dir=f"results_{pathway_key(pathways)}")
    result = analyse_simulation(output, variant, level=level, seed=seed,
                                device="cpp_standalone")
    result.config = variant
    return output, result


def _run_pathways(simulation: Any, config: Any, pathways: str, level: str, seed: int,
                  build_s: float) -> dict:
    """One row of :func:`compare_pathway_sets`."""
    output, result = run_pathway_set(simulation, config, pathways, level=level, seed=seed)
    row = {"seed": seed, "pathways": pathways, "build_s": build_s,
           "run_s": output.simulation_wall_s}
    row.update({k: result.metrics.get(k, math.nan) for k in COMPARISON_KEYS})
    return row
