r"""The convergence experiment at the spiking levels: replay after 1, 2, 4, ... laps.

``neurotoolkit run convergence --level lif|dendritic`` calls
:func:`run_convergence`.  For each of ``convergence.n_seeds`` seeds, one
simulation explores ``max(convergence.laps)`` laps with a rest of
``convergence.rest`` after each lap count of ``convergence.laps``
(:class:`~neurotoolkit.protocols.checkpoints.LapCheckpoints`), once per
pathway set from the same build (same connectivity, inputs and noise).
Each rest is analysed as the offline phase of a run of that many laps
(:func:`~neurotoolkit.protocols.metrics.replay_metrics`).

What it reports about the estimator "distance of the replayed order to the
latent order" (normalised Kendall tau, better of forward and reverse):

- its per-event distribution (``events.csv``: every event's distance);
- per seed and lap count, its mean over events and the SD over events
  (``convergence.csv``);
- over seeds, per lap count, the mean with a percentile bootstrap interval and
  the SD over seeds (``learning_curve.csv``);
- the learning curve :math:`d(n) = c + a n^{-\beta}` fitted to the mean over
  seeds (:func:`~neurotoolkit.analysis.fit_learning_curve`), with bootstrap
  intervals over seeds; :math:`c` is the estimator's bias that more
  experience does not remove (0: consistent);
- paired over seeds, the difference of the floors between pathway sets.

Metric names (suffix: the pathway set, ``_EE``, ``_EE_IE``; see
:func:`convergence_metrics`): ``curve_floor``, ``curve_floor_ci_low``,
``curve_floor_ci_high``, ``curve_amplitude``, ``curve_exponent``,
``curve_rmse``, ``distance_first``, ``distance_last``,
``distance_last_ci_low``, ``distance_last_ci_high``, ``distance_last_seed_sd``,
``distance_last_event_sd``, ``distance_chance``, ``events_last``,
``seeds_with_events_last``, ``participation_ratio_last``; and
``floor_difference_EE_minus_EE_IE`` with ``_ci_low``/``_ci_high`` when both
sets have a fit.
"""

from __future__ import annotations

import csv
import io
import math
import sys
import time
import warnings
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np

from ..analysis import LearningCurveFit, fit_learning_curve
from ..analysis._rng import as_generator
from ..io import atomic_write_text
from ..plasticity.pathways import pathway_key
from ..results import RunResult
from .checkpoints import LapCheckpoints
from .exploration import simulate, to_recording
from .metrics import detect_offline_events, event_sequence_distances, replay_metrics
from .settings import SpikingConfig
from .simulation import RandomStreams, SimulationOutput
from .standalone import StandaloneSimulation, side_by_side

__all__ = ["run_convergence", "checkpoint_rows", "convergence_metrics", "distance_matrix",
           "mean_finite", "CHECKPOINT_COLUMNS"]

#: Columns of ``convergence.csv``, one row per (seed, pathway set, lap count).
CHECKPOINT_COLUMNS = ("seed", "pathways", "laps", "n_replay_events", "n_ordered_events",
                      "sequence_distance", "sequence_distance_median",
                      "sequence_distance_event_sd", "sequence_distance_chance",
                      "participation_ratio", "place_cue_count_correlation",
                      "significant_fraction", "rate_pyramidal_offline_hz")
_EVENT_COLUMNS = ("seed", "pathways", "laps", "event", "start_s", "stop_s", "n_cells",
                  "sequence_distance")


def checkpoint_rows(output: SimulationOutput, config: SpikingConfig,
                    checkpoints: LapCheckpoints, *,
                    level: str, seed: int, device: str) -> tuple[list[dict], list[dict]]:
    """Analyse each rest of a checkpointed simulation as a run of that many laps.

    Returns
    -------
    rows : list of dict
        One per checkpoint, with :data:`CHECKPOINT_COLUMNS`; ``sequence_distance``
        is the mean over the checkpoint's ordered events.
    events : list of dict
        One per ordered event: its window, cells and distance.
    """
    rest = f"{checkpoints.rest_s!r} s"
    rows, event_rows = [], []
    for index, n_laps in enumerate(checkpoints.laps):
        cut = checkpoints.checkpoint_output(output, index)
        variant = config.with_overrides({"track.n_laps": n_laps, "offline.duration": rest})
        recording = to_recording(cut, variant, level=level, seed=seed, device=device)
        events = detect_offline_events(recording, variant.analysis)
        rng = RandomStreams.from_seed(seed).analysis
        metrics = replay_metrics(recording, variant.analysis, rng, events=events)
        kept, orders, distances = event_sequence_distances(recording, events, variant.analysis)
        d = np.asarray(distances, dtype=float)
        row = {"seed": seed, "pathways": variant.plasticity.pathways, "laps": n_laps,
               "n_replay_events": metrics["n_replay_events"], "n_ordered_events": d.size,
               "sequence_distance": float(d.mean()) if d.size else math.nan,
               "sequence_distance_median": float(np.median(d)) if d.size else math.nan,
               "sequence_distance_event_sd": float(d.std(ddof=1)) if d.size > 1 else math.nan}
        for key in CHECKPOINT_COLUMNS[len(row):]:
            row[key] = metrics.get(key, math.nan)
        rows.append(row)
        offset = recording.phase("offline")[0]
        for k, order, distance in zip(kept, orders, distances, strict=True):
            t0, t1 = events[k]
            event_rows.append({"seed": seed, "pathways": row["pathways"], "laps": n_laps,
                               "event": int(k), "start_s": float(t0 - offset),
                               "stop_s": float(t1 - offset), "n_cells": len(order),
                               "sequence_distance": distance})
    return rows, event_rows


def _run_seed(config: SpikingConfig, checkpoints: LapCheckpoints, pathway_sets: Sequence[str],
              *, level: str, seed: int, device: str, quiet: bool
              ) -> tuple[list[dict], list[dict]]:
    """Simulate and analyse every pathway set of one seed (one standalone build)."""
    variants = [config.with_overrides({"plasticity.pathways": p}) for p in pathway_sets]
    if device == "cpp_standalone":
        with StandaloneSimulation(variants[0], level=level, seed=seed, quiet=quiet,
                                  checkpoints=checkpoints) as simulation:
            tasks = [partial(_standalone_rows, simulation, variant, checkpoints, level, seed)
                     for variant in variants]
            done = side_by_side(tasks)
    else:
        done = []
        for variant in variants:
            output = simulate(variant, level=level, seed=seed, device=device, quiet=quiet,
                              checkpoints=checkpoints)
            done.append(checkpoint_rows(output, variant, checkpoints, level=level, seed=seed,
                                        device=device))
    rows = [r for part, _ in done for r in part]
    events = [e for _, part in done for e in part]
    return rows, events


def _standalone_rows(simulation: StandaloneSimulation, variant: SpikingConfig,
                     checkpoints: LapCheckpoints, level: str, seed: int
                     ) -> tuple[list[dict], list[dict]]:
    output = simulation.run(variant,
                            results_dir=f"results_{pathway_key(variant.plasticity.pathways)}")
    return checkpoint_rows(output, variant, checkpoints, level=level, seed=seed,
                           device="cpp_standalone")


def _csv(rows: Sequence[dict], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v)
                         for k, v in row.items() if k in columns})
    return out.getvalue()


def distance_matrix(rows: Sequence[dict], pathways: str, seeds: Sequence[int],
                    laps: Sequence[int], key: str = "sequence_distance") -> np.ndarray:
    """``key`` per seed (rows) and lap count (columns) for one pathway set."""
    table = {(r["seed"], r["laps"]): r[key] for r in rows if r["pathways"] == pathways}
    return np.array([[float(table.get((s, n), math.nan)) for n in laps] for s in seeds])


def _percentile_interval(samples: np.ndarray, level: float) -> tuple[float, float]:
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return (math.nan, math.nan)
    lo, hi = np.percentile(samples, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])
    return float(lo), float(hi)


def _bootstrap_means(matrix: np.ndarray, resamples: np.ndarray) -> np.ndarray:
    """Mean over resampled seeds (rows) of each column; shape (n_resamples, n_columns)."""
    with warnings.catch_warnings():  # a column without any finite value gives nan
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.array([np.nanmean(matrix[r], axis=0) for r in resamples])


def convergence_metrics(rows: Sequence[dict], laps: Sequence[int], seeds: Sequence[int],
                        pathway_sets: Sequence[str], *, n_bootstrap: int = 1000,
                        level: float = 0.95, rng: np.random.Generator | int | None = 0
                        ) -> tuple[dict[str, float], list[dict],
                                   dict[str, LearningCurveFit | None]]:
    """Summaries over seeds: the learning curve, its fit and the floors' difference.

    Parameters
    ----------
    rows : sequence of dict
        :func:`checkpoint_rows` of every seed and pathway set.
    laps, seeds, pathway_sets : sequences
    n_bootstrap : int
        Resamples of the seeds (the same resamples for every pathway set, so
        the difference of floors is paired by seed).
    level : float
        Confidence level.
    rng : Generator, int or None

    Returns
    -------
    metrics : dict
        See the module docstring.
    curve_rows : list of dict
        Per pathway set and lap count: mean over seeds, its interval, SD over
        seeds, seeds with events.
    fits : dict
        :class:`~neurotoolkit.analysis.LearningCurveFit` (or ``None``) per set.
    """
    rng = as_generator(rng)
    laps_a = np.asarray(laps, dtype=float)
    n_seeds = len(seeds)
    resamples = rng.integers(0, n_seeds, size=(n_bootstrap, n_seeds))
    metrics: dict[str, float] = {}
    curve_rows: list[dict] = []
    fits: dict[str, LearningCurveFit | None] = {}
    floors: dict[str, np.ndarray] = {}
    for pathways in pathway_sets:
        suffix = pathway_key(pathways)
        d = distance_matrix(rows, pathways, seeds, laps)
        events = distance_matrix(rows, pathways, seeds, laps, "n_ordered_events")
        chance = distance_matrix(rows, pathways, seeds, laps, "sequence_distance_chance")
        ratio = distance_matrix(rows, pathways, seeds, laps, "participation_ratio")
        boot = _bootstrap_means(d, resamples)
        for k, n in enumerate(laps):
            column = d[:, k][np.isfinite(d[:, k])]
            lo, hi = _percentile_interval(boot[:, k], level)
            curve_rows.append({
                "pathways": pathways, "laps": int(n),
                "sequence_distance": float(column.mean()) if column.size else math.nan,
                "ci_low": lo, "ci_high": hi,
                "seed_sd": float(column.std(ddof=1)) if column.size > 1 else math.nan,
                "seeds_with_events": int(column.size),
                "events": float(np.nansum(events[:, k]))})
        last = curve_rows[-1]
        metrics[f"distance_first_{suffix}"] = curve_rows[-len(laps)]["sequence_distance"]
        metrics[f"distance_last_{suffix}"] = last["sequence_distance"]
        metrics[f"distance_last_ci_low_{suffix}"] = last["ci_low"]
        metrics[f"distance_last_ci_high_{suffix}"] = last["ci_high"]
        metrics[f"distance_last_seed_sd_{suffix}"] = last["seed_sd"]
        metrics[f"distance_last_event_sd_{suffix}"] = mean_finite(
            distance_matrix(rows, pathways, seeds, laps, "sequence_distance_event_sd")[:, -1])
        metrics[f"distance_chance_{suffix}"] = mean_finite(chance)
        metrics[f"events_last_{suffix}"] = last["events"]
        metrics[f"seeds_with_events_last_{suffix}"] = float(last["seeds_with_events"])
        metrics[f"participation_ratio_last_{suffix}"] = mean_finite(ratio[:, -1])
        names = ("curve_floor", "curve_floor_ci_low", "curve_floor_ci_high",
                 "curve_amplitude", "curve_exponent", "curve_rmse")
        try:
            fit = fit_learning_curve(laps_a, d, level=level, resamples=resamples)
        except ValueError:  # fewer than three lap counts with events
            fits[pathways] = None
            metrics.update({f"{name}_{suffix}": math.nan for name in names})
            continue
        fits[pathways] = fit
        floors[pathways] = fit.bootstrap[:, 0]
        metrics.update({f"{name}_{suffix}": value for name, value
                        in zip(names, (fit.c, *fit.c_ci, fit.a, fit.beta, fit.rmse), strict=True)})
    if {"EE", "EE+IE"} <= set(floors):
        difference = floors["EE"] - floors["EE+IE"]
        lo, hi = _percentile_interval(difference, level)
        metrics["floor_difference_EE_minus_EE_IE"] = (metrics["curve_floor_EE"]
                                                      - metrics["curve_floor_EE_IE"])
        metrics["floor_difference_EE_minus_EE_IE_ci_low"] = lo
        metrics["floor_difference_EE_minus_EE_IE_ci_high"] = hi
    return metrics, curve_rows, fits


def mean_finite(values: np.ndarray) -> float:
    """Mean of the finite entries of ``values`` (``nan`` when there are none)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def run_convergence(config: SpikingConfig, *, level: str = "lif", seed: int = 1,
                    device: str = "runtime", workdir: Path | None = None,
                    quiet: bool = False) -> RunResult:
    """The convergence experiment (runner entry point; see the module docstring).

    Seeds ``seed, ..., seed + convergence.n_seeds - 1``.  The tables of the
    finished seeds are rewritten into ``workdir`` after each seed, so an
    interrupted experiment keeps them (``OUT.incomplete/convergence.partial.csv``,
    see :func:`neurotoolkit.io.run_directory`).

    Returns
    -------
    RunResult
        Metrics, ``convergence.csv``, ``events.csv``, ``learning_curve.csv``,
        and in ``artefacts`` the rows, lap counts, seeds and fits from which
        the runner draws the figure ``learning_curves``
        (:func:`neurotoolkit.plotting.convergence.convergence_figures`).
    """
    started = time.perf_counter()
    conv = config.convergence
    laps = conv.lap_counts
    plan_config = config.with_overrides({"track.n_laps": laps[-1]})
    checkpoints = LapCheckpoints.from_config(laps, plan_config)
    seeds = list(range(seed, seed + conv.n_seeds))
    rows: list[dict] = []
    event_rows: list[dict] = []
    for s in seeds:
        part, events = _run_seed(plan_config, checkpoints, conv.pathways, level=level, seed=s,
                                 device=device, quiet=quiet)
        rows += part
        event_rows += events
        if workdir is not None:  # finished seeds survive an interruption
            atomic_write_text(Path(workdir) / "convergence.partial.csv",
                              _csv(rows, CHECKPOINT_COLUMNS))
        if not quiet:
            print(f"convergence: seed {s} done ({len(rows)} rows, "
                  f"{time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    metrics, curve_rows, fits = convergence_metrics(
        rows, laps, seeds, conv.pathways, n_bootstrap=conv.n_bootstrap,
        level=conv.confidence, rng=RandomStreams.from_seed(seed).analysis)
    metrics.update({"n_seeds": float(len(seeds)), "max_laps": float(laps[-1]),
                    "rest_s": checkpoints.rest_s,
                    "simulated_s_per_seed": checkpoints.duration_s,
                    "wall_time_s": time.perf_counter() - started})
    if workdir is not None:
        (Path(workdir) / "convergence.partial.csv").unlink(missing_ok=True)
    tables = {"convergence.csv": _csv(rows, CHECKPOINT_COLUMNS),
              "events.csv": _csv(event_rows, _EVENT_COLUMNS),
              "learning_curve.csv": _csv(curve_rows, ("pathways", "laps", "sequence_distance",
                                                      "ci_low", "ci_high", "seed_sd",
                                                      "seeds_with_events", "events"))}
    return RunResult(metrics=metrics, recording=None, tables=tables, config=config,
                     artefacts={"rows": rows, "laps": laps, "seeds": seeds, "fits": fits})
