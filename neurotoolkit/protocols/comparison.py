"""Plasticity pathway sets compared at identical settings, one seed at a time.

For each seed the circuit is compiled once as a C++ standalone program and
run once per pathway set (the pathway set is a run-time constant), so the
sets see the same connectivity, inputs and noise; the runs of one seed go
side by side on the cores.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from ..plasticity.pathways import pathway_key
from ..results import COMPARISON_KEYS, RunResult
from .consolidation import analyse_simulation
from .settings import SpikingConfig
from .simulation import SimulationOutput
from .standalone import StandaloneSimulation, side_by_side

__all__ = ["compare_pathway_sets", "run_pathway_set"]


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
        ``run_s`` and the :data:`~neurotoolkit.results.COMPARISON_KEYS` metrics.
    """
    config = SpikingConfig.from_preset(level, preset, overrides)
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


def run_pathway_set(simulation: StandaloneSimulation, config: SpikingConfig, pathways: str, *,
                    level: str = "lif", seed: int = 1) -> tuple[SimulationOutput, RunResult]:
    """Run a compiled :class:`StandaloneSimulation` with ``pathways`` and analyse it.

    Each pathway set gets its own results folder, so sets may run side by side
    (:func:`~neurotoolkit.protocols.standalone.side_by_side`).  Returns the
    simulation output and the analysed :class:`~neurotoolkit.results.RunResult`
    (whose ``config`` is the run's configuration; it has no figures yet:
    :func:`neurotoolkit.runner.finish_run` draws them).
    """
    variant = config.with_overrides({"plasticity.pathways": pathways})
    output = simulation.run(variant, results_dir=f"results_{pathway_key(pathways)}")
    result = analyse_simulation(output, variant, level=level, seed=seed,
                                device="cpp_standalone")
    result.config = variant
    return output, result


def _run_pathways(simulation: StandaloneSimulation, config: SpikingConfig, pathways: str, level: str, seed: int,
                  build_s: float) -> dict:
    """One row of :func:`compare_pathway_sets`."""
    output, result = run_pathway_set(simulation, config, pathways, level=level, seed=seed)
    row = {"seed": seed, "pathways": pathways, "build_s": build_s,
           "run_s": output.simulation_wall_s}
    row.update({k: result.metrics.get(k, math.nan) for k in COMPARISON_KEYS})
    return row
