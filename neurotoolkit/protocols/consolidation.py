"""The consolidation experiment at the spiking levels: explore, rest, analyse.

``neurotoolkit run consolidation --level lif|dendritic`` calls
:func:`run_consolidation`: the CA3 circuit explores the track with
plasticity on (:mod:`.exploration`), rests with plasticity off while noise
drives replay, and the offline spikes are analysed (:mod:`.metrics`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..analysis import DetectedEvents, Recording
from ..config import magnitude
from ..results import RunResult
from .downstream import consolidate_events
from .exploration import simulate, to_recording
from .metrics import detect_offline, replay_metrics
from .settings import SpikingConfig
from .simulation import RandomStreams, SimulationOutput
from .standalone import StandaloneSimulation

__all__ = ["run_consolidation", "analyse_simulation", "cue_centre_cm"]


def cue_centre_cm(config: SpikingConfig) -> float:
    """Centre of the window of a fixed cue (for a random cue: of one at ``cue.position``)."""
    speed = config.track.length_cm / config.track.lap_duration_s
    return magnitude(config.cue.position, "cm") + magnitude(config.cue.duration, "s") * speed / 2


def run_consolidation(config: SpikingConfig, *, level: str = "lif", seed: int = 1,
                      device: str = "runtime", workdir: Path | None = None,
                      quiet: bool = False) -> RunResult:
    """Run exploration, offline replay and the replay analysis.

    Parameters
    ----------
    config : SpikingConfig
        Resolved configuration.
    level : {"lif", "dendritic"}
        Point or Dendrify cells.
    seed : int
        Seeds everything (same seed and device: identical spikes).
    device : {"runtime", "cpp_standalone"}
        Brian2 device.  The standalone program is cached by network
        structure (:class:`~neurotoolkit.protocols.standalone.StandaloneSimulation`):
        a later run of the same structure, whatever its parameter values,
        compiles nothing.
    workdir : Path, optional
        The run directory being written (unused; files are written by the runner).
    quiet : bool
        No progress output.

    Returns
    -------
    RunResult
        Metrics (see :mod:`neurotoolkit.protocols.metrics`), the Recording and
        ``events.csv``; the runner draws the run figure
        (:func:`neurotoolkit.plotting.run.run_figures`).
    """
    if device == "cpp_standalone":  # compiled once per structure, cached for later runs
        with StandaloneSimulation(config, level=level, seed=seed, quiet=quiet) as simulation:
            output = simulation.run(config)
    else:
        output = simulate(config, level=level, seed=seed, device=device, quiet=quiet)
    return analyse_simulation(output, config, level=level, seed=seed, device=device)


def analyse_recording(recording: Recording, config: SpikingConfig, *, seed: int
                      ) -> tuple[Recording, dict[str, float], DetectedEvents]:
    """Replay events, metrics and what the downstream population learns from them.

    Returns the Recording with the events (interval set ``"events"``) and the
    learned downstream weights (pathway ``"FF"``) added, the metrics, and the
    detected events.  Runs and re-analyses of saved recordings (e.g. with
    another detector) share it.
    """
    detected = detect_offline(recording, config.analysis)
    events = detected.events
    # the detected events travel with the spikes (interval set "events")
    recording = dataclasses.replace(recording, intervals={**recording.intervals,
                                                          "events": events})
    rng = RandomStreams.from_seed(seed).analysis
    metrics = replay_metrics(recording, config.analysis, rng, events=detected)
    if config.downstream.enabled:  # what a downstream population learns from the events
        learned, weights = consolidate_events(recording, events, config.downstream,
                                              RandomStreams.from_seed(seed).downstream,
                                              cue_centre_cm=cue_centre_cm(config))
        metrics.update(learned)
        recording = dataclasses.replace(recording, weights={**recording.weights,
                                                            "FF": weights})
    return recording, metrics, detected


def analyse_simulation(output: SimulationOutput, config: SpikingConfig, *, level: str,
                       seed: int, device: str) -> RunResult:
    """Turn a finished simulation into a RunResult: Recording, metrics, events table.

    Used by :func:`run_consolidation` and by sweeps that rerun one compiled
    standalone program (:class:`~neurotoolkit.protocols.standalone.StandaloneSimulation`).
    The run figure is drawn from the result by
    :func:`neurotoolkit.runner.finish_run`.
    """
    recording = to_recording(output, config, level=level, seed=seed, device=device)
    recording, metrics, detected = analyse_recording(recording, config, seed=seed)
    events = detected.events
    metrics["simulation_wall_s"] = output.simulation_wall_s
    tables = {"events.csv": "start_s,stop_s,found_by\n" + "".join(
        f"{a:.6f},{b:.6f},{how}\n" for (a, b), how in zip(events, detected.found_by, strict=True))}
    return RunResult(metrics=metrics, recording=recording, tables=tables, config=config)
