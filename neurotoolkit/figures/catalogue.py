"""The figure set: one function per figure, each drawing from saved runs only.

Every function takes a :class:`~neurotoolkit.figures.core.Context`, asks its
store for the runs it needs (run now, or reused from ``OUT/runs/``), reads
their ``metrics.json``, ``recording.npz`` and tables, and returns a
:class:`~neurotoolkit.figures.core.Drawn` with the figure and the numbers it
drew.  No number on a figure is a constant of this module.

Levels are taken as present: a figure draws the levels registered for the
preset and says in its caption which it could not draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..analysis import (
    bin_event_spikes,
    compute_tuning_curves,
    fit_learning_curve,
    score_replay_events,
)
from ..config import magnitude
from ..io import table_column
from ..plasticity.pathways import PATHWAY_SETS
from ..plotting import (
    CLASS_COLOURS,
    PATHWAY_COLOURS,
    figure,
    plot_error_probability,
    plot_grouped_seed_bars,
    plot_learning_curve,
    plot_levels,
    plot_participation,
    plot_place_fields,
    plot_posterior,
    plot_raster,
    plot_seed_bars,
    plot_trajectory,
    plot_weight_matrix,
)
from ..runner import config_class, resolve_config
from .base import Context, Drawn, FigureSpec
from .runs import Run, RunSpec, available_levels, finite

_ALL_SETS = tuple(PATHWAY_SETS)
_SPIKING = ("lif", "dendritic")
_LEVEL_NAMES = {"lif": "point neurons (LIF/AdEx)", "dendritic": "dendritic neurons",
                "binary": "binary network"}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _fixed_cue_position(context: Context, level: str) -> dict[str, Any]:
    """``cue.position`` for a fixed cue that fits this preset's track.

    The preset's position is kept when the cue fits after it; on a track too
    short for it (the tiny point-neuron track is 100 cm, the default fixed
    position 150 cm) the cue goes to the middle of the track.
    """
    if level == "binary":
        return {}
    config = resolve_config("consolidation", level, context.plan.preset,
                            context.store.level_overrides.get(level, {}))
    length = magnitude(config.track.length, "cm")
    speed = magnitude(config.track.speed, "cm/s")
    room = length - magnitude(config.cue.duration, "s") * speed
    if magnitude(config.cue.position, "cm") < room:
        return {}
    return {"cue.position": f"{round(max(room, 0.0) / 2):d} cm"}


def _consolidation(context: Context, level: str, seed: int, pathways: str = "EE+IE",
                   placement: str = "random", **extra: Any) -> Run:
    overrides = {"plasticity.pathways": pathways, "cue.placement": placement, **extra}
    if placement == "fixed" and "cue.position" not in extra:
        overrides.update(_fixed_cue_position(context, level))
    return context.store.get(RunSpec.make("consolidation", level, seed, overrides))


def _pathway_sets(context: Context, level: str) -> tuple[str, ...]:
    """Pathway sets run at ``level``: all three, or EE and EE+IE for the slow dendritic runs."""
    if level == "dendritic" and context.plan.preset == "tiny":
        return _ALL_SETS[:2]
    return _ALL_SETS


def _runs_by_pathways(context: Context, level: str, pathway_sets: Sequence[str],
                      placement: str = "random") -> dict[str, list[Run]]:
    return {p: [_consolidation(context, level, seed, p, placement)
                for seed in context.seeds_of(level)] for p in pathway_sets}


def _participation_measure(level: str) -> str:
    """How a level's class participation is drawn (``plot_participation``'s ``measure``).

    Spiking levels: rates inside events, since events are whole sweeps and
    one stray spike in a sweep counts a cell as taking part; the binary
    network: fractions of events.
    """
    return "fraction" if level == "binary" else "rate"


def _values(runs: Sequence[Run], key: str) -> list[float]:
    return [finite(run.metrics.get(key)) for run in runs]


def _tuning(run: Run) -> Any:
    """Tuning curves of the place and cue cells in the online phase (as the metrics use)."""
    recording, config = run.recording, run.config
    length = float(recording.metadata.get("track_length_cm", np.nanmax(recording.positions)))
    n_bins = max(int(round(length / magnitude(config.analysis.position_bin, "cm"))), 2)
    return compute_tuning_curves(recording, n_bins=n_bins, track_range=(0.0, length),
                                 phase="online", cells=recording.cells("place", "cue"),
                                 smoothing=5.0,
                                 circular=bool(recording.metadata.get("circular", False)))


def _interneuron_ids(recording: Any, pathway: str) -> tuple[Any, bool]:
    """The recording with ``pathway``'s interneuron indices as recording ids.

    The spiking levels save I->E (and E->I) weights with interneurons indexed
    within their population (0, 1, ...), the binary level with recording
    ids.  Indices that all lie below the first interneuron id are shifted to
    it; returns the (possibly new) recording and whether it shifted.
    """
    from dataclasses import replace as replace_fields

    if pathway not in recording.weights:
        return recording, False
    interneurons = np.sort(np.concatenate([recording.cells("interneuron_cue"),
                                           recording.cells("interneuron_place")]))
    i, j, w = recording.weights[pathway]
    side = i if pathway == "IE" else j
    if not interneurons.size or not side.size or side.max() >= interneurons.size \
            or np.isin(side, interneurons).all():
        return recording, False
    shifted = (i + interneurons[0], j, w) if pathway == "IE" else (i, j + interneurons[0], w)
    return replace_fields(recording, weights={**recording.weights, pathway: shifted}), True


def _no_spiking_level(context: Context) -> Drawn:
    return Drawn(None, missing=[f"no spiking level (lif or dendritic) has a "
                                f"{context.plan.preset!r} preset in this install"])


# ---------------------------------------------------------------------------
# 1. the task
# ---------------------------------------------------------------------------


def figure_task(context: Context) -> Drawn:
    """The track, the cue placements, online spikes and the place fields."""
    level = context.spiking_level()
    if level is None:
        return _no_spiking_level(context)
    seed = context.seeds_of(level)[0]
    run = _consolidation(context, level, seed)
    fixed = _consolidation(context, level, seed, placement="fixed")
    recording, metrics = run.recording, run.metrics

    fig = figure(figsize=(10, 6.2))
    grid = fig.add_gridspec(2, 2, width_ratios=[2.2, 1], hspace=0.5, wspace=0.3)
    ax_random, ax_fixed = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_raster, ax_fields = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])

    plot_trajectory(ax_random, recording)
    ax_random.legend(loc="upper right")
    ax_random.set_title("random cue: a new place every lap")
    plot_trajectory(ax_fixed, fixed.recording)
    ax_fixed.set_title("fixed cue: the same place every lap")

    t0, t1 = recording.phase("online")
    laps = recording.intervals.get("laps", np.array([[t0, t1]]))
    start = float(laps[-2, 0]) if len(laps) >= 2 else t0
    plot_raster(ax_raster, recording, start, t1, shade=recording.intervals.get("cue"))
    rate = finite(metrics.get("rate_pyramidal_online_hz"))
    ax_raster.set_title(f"online spikes, last laps (mean pyramidal rate {rate:.2f} Hz)")
    ax_raster.legend(loc="upper right", markerscale=6)

    tuning = _tuning(run)
    image = plot_place_fields(ax_fields, tuning, recording)
    fig.colorbar(image, ax=ax_fields, shrink=0.8, label="rate / peak rate")
    ax_fields.set_title("place fields (cue cells red)")

    labels, counts = np.unique(recording.cell_labels, return_counts=True)
    values = {"level": level, "seed": seed,
              "cue_positions_random_cm": recording.metadata.get("cue_positions_cm"),
              "cue_positions_fixed_cm": fixed.recording.metadata.get("cue_positions_cm"),
              "cells_per_class": {str(k): int(v) for k, v in zip(labels, counts, strict=True)},
              "rate_pyramidal_online_hz": rate,
              "field_peaks_cm": tuning.peak_positions.tolist()}
    return Drawn(fig, values, [run, fixed],
                 notes=[f"{_LEVEL_NAMES[level]}; the raster shows the last two laps"])


# ---------------------------------------------------------------------------
# 2. learned weights
# ---------------------------------------------------------------------------


def figure_weights(context: Context) -> Drawn:
    """Weight matrices in latent order and inhibition by class."""
    level = context.spiking_level()
    if level is None:
        return _no_spiking_level(context)
    seed = context.seeds_of(level)[0]
    by_set = _runs_by_pathways(context, level, _pathway_sets(context, level))
    run = by_set["EE+IE"][0]
    recording = run.recording
    binary = "binary" in context.levels()

    fig = figure(figsize=(12 if binary else 9.5, 3.6))
    axes = fig.subplots(1, 4 if binary else 3,
                        gridspec_kw={"width_ratios": [1, 1, 0.9] + ([1] if binary else [])})
    fig.subplots_adjust(wspace=0.7)
    image = plot_weight_matrix(axes[0], recording, "EE")
    if image is not None:
        fig.colorbar(image, ax=axes[0], shrink=0.8, label="weight (nS)")
    axes[0].set_title(f"E->E after learning ({level}, EE+IE)")
    interneurons = np.concatenate([recording.cells("interneuron_cue"),
                                   recording.cells("interneuron_place")])
    ie_recording, remapped = _interneuron_ids(recording, "IE")
    image = plot_weight_matrix(axes[1], ie_recording, "IE", pre=interneurons, sort=False)
    axes[1].set_xlabel("interneuron (cue-tuned first)")
    if image is not None:
        fig.colorbar(image, ax=axes[1], shrink=0.8, label="weight (nS)")
    axes[1].set_title("I->E after learning")
    data = {p: {"place": _values(runs, "w_ie_place_mean"), "cue": _values(runs, "w_ie_cue_mean")}
            for p, runs in by_set.items()}
    heights = plot_grouped_seed_bars(axes[2], data, ylabel="mean I->E weight onto class (nS)")
    axes[2].set_title("inhibition onto each class")
    values: dict[str, Any] = {"level": level, "seed": seed, "w_ie_by_pathways": data,
                              "w_ie_means": heights}
    runs = [r for rs in by_set.values() for r in rs]
    notes = (["the spiking recording stores I->E presynaptic indices within the interneuron "
              "population; they are shifted to recording ids for panel B"] if remapped else [])
    if binary:
        binary_run = _consolidation(context, "binary", context.seeds_of("binary")[0])
        image = plot_weight_matrix(axes[3], binary_run.recording, "EE", cmap="magma")
        if image is not None:
            fig.colorbar(image, ax=axes[3], shrink=0.8, label="co-activations per lap")
        axes[3].set_title("binary E->E (EE+IE)")
        runs.append(binary_run)
        values["binary_ee_mean"] = float(np.mean(binary_run.recording.weights["EE"][2]))
    return Drawn(fig, values, runs, notes)


# ---------------------------------------------------------------------------
# 3. replay, decoded
# ---------------------------------------------------------------------------


def _decode_events(run: Run) -> tuple[Any, Any, np.ndarray, float]:
    """Decode the run's saved events with the run's own analysis settings."""
    recording, analysis = run.recording, run.config.analysis
    tuning = _tuning(run)
    events = recording.intervals.get("events", np.zeros((0, 2)))
    bin_size = magnitude(analysis.decode_bin, "s")
    counts = bin_event_spikes(recording.spike_times, recording.spike_ids, events,
                              bin_size=bin_size, cells=tuning.cells)
    scores = score_replay_events(counts, np.nan_to_num(tuning.rates, nan=0.0),
                                 n_shuffles=analysis.n_shuffles,
                                 alpha=analysis.significance_level, rng=run.spec.seed)
    return scores, tuning, events, bin_size


def figure_replay(context: Context) -> Drawn:
    """Offline raster and decoded posteriors with fitted lines."""
    level = context.spiking_level()
    if level is None:
        return _no_spiking_level(context)
    runs = [_consolidation(context, level, seed) for seed in context.seeds_of(level)]
    counts = [finite(r.metrics.get("n_replay_events")) for r in runs]
    run = runs[int(np.nanargmax(np.nan_to_num(counts, nan=-1)))]
    recording = run.recording
    off0, off1 = recording.phase("offline")
    events = recording.intervals.get("events", np.zeros((0, 2)))
    fig = figure(figsize=(10, 6))
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1.1], hspace=0.55, wspace=0.35)
    ax_raster = fig.add_subplot(grid[0, :])
    values: dict[str, Any] = {"level": level, "seed": run.spec.seed,
                              "n_replay_events": finite(run.metrics.get("n_replay_events")),
                              "significant_fraction_saved":
                                  finite(run.metrics.get("significant_fraction")),
                              "events": []}
    notes = [f"seed {run.spec.seed} has the most events of seeds "
             f"{', '.join(str(r.spec.seed) for r in runs)} ({', '.join(f'{c:g}' for c in counts)})"]
    if len(events) == 0:
        plot_raster(ax_raster, recording, off0, min(off1, off0 + 2.0))
        ax_raster.set_title("offline spikes: no replay event detected")
        return Drawn(fig, values, runs, notes, missing=["decoded events: the run has none"])

    scores, tuning, events, bin_size = _decode_events(run)
    order = np.argsort(-np.nan_to_num(scores.line_fit, nan=-1.0), kind="stable")[:3]
    best = events[order[0]]
    w0, w1 = max(off0, best[0] - 0.5), min(off1, best[1] + 0.5)
    plot_raster(ax_raster, recording, w0, w1, events=events)
    ax_raster.set_title(f"offline spikes around the best event ({len(events)} events in "
                        f"{off1 - off0:g} s; saved significant fraction "
                        f"{values['significant_fraction_saved']:.2f})")
    edges = tuning.bin_edges
    dx = float(edges[1] - edges[0])
    for column, k in enumerate(order):
        ax = fig.add_subplot(grid[1, column])
        line = (float(scores.slope[k]), float(scores.intercept[k]))
        image = plot_posterior(ax, scores.posteriors[k], bin_size, (edges[0], edges[-1]),
                               line=line, band=3, t_offset=0.0,
                               position_unit=recording.position_unit)
        p_id = float(scores.p_values["cell_identity"]["line_fit"][k])
        p_time = float(scores.p_values["time_bin"]["line_fit"][k])
        ax.set_title(f"event at {events[k, 0]:.2f} s: score {scores.line_fit[k]:.2f}\n"
                     f"p(identity) {p_id:.3f}, p(time) {p_time:.3f}", fontsize=8)
        if column == len(order) - 1:
            fig.colorbar(image, ax=ax, shrink=0.8, label="posterior")
        values["events"].append({
            "start_s": float(events[k, 0]), "stop_s": float(events[k, 1]),
            "line_fit": float(scores.line_fit[k]),
            "slope_cm_per_s": line[0] * dx / bin_size,
            "weighted_correlation": float(scores.weighted_correlation[k]),
            "p_cell_identity": p_id, "p_time_bin": p_time,
            "significant": bool(scores.significant[k])})
    values["significant_fraction_redrawn"] = scores.significant_fraction
    notes.append(f"posteriors recomputed from the saved recording with the run's analysis "
                 f"settings ({scores.n_shuffles} shuffles of each kind, shuffle seed = run seed)")
    return Drawn(fig, values, runs, notes)


# ---------------------------------------------------------------------------
# 4. participation by class
# ---------------------------------------------------------------------------


def figure_participation(context: Context) -> Drawn:
    """Place and cue participation for each pathway set at each level."""
    levels = context.levels()
    if not levels:
        return Drawn(None, missing=["no level has a consolidation experiment"])
    fig = figure(figsize=(3.6 * len(levels), 3.4))
    axes = np.atleast_1d(fig.subplots(1, len(levels)))
    fig.subplots_adjust(wspace=0.35)
    values: dict[str, Any] = {}
    runs: list[Run] = []
    notes = []
    for ax, level in zip(axes, levels, strict=True):
        sets = _pathway_sets(context, level)
        if sets != _ALL_SETS:
            notes.append(f"{level}: pathway sets {', '.join(sets)} only at this preset")
        by_set = _runs_by_pathways(context, level, sets)
        measure = _participation_measure(level)
        plot_participation(ax, {p: [r.metrics for r in rs] for p, rs in by_set.items()},
                           measure=measure)
        if measure == "fraction":
            ax.set_ylim(0, 1.05)
        n_seeds = len(context.seeds_of(level))
        ax.set_title(f"{_LEVEL_NAMES.get(level, level)} "
                     f"({n_seeds} seed{'s' if n_seeds != 1 else ''})")
        ax.set_xlabel("plastic pathways")
        values[level] = {p: {"measure": measure,
                             "place": _values(rs, "place_participation"),
                             "cue": _values(rs, "cue_participation"),
                             "place_event_rate_hz": _values(rs, "place_event_rate_hz"),
                             "cue_event_rate_hz": _values(rs, "cue_event_rate_hz"),
                             "n_replay_events": _values(rs, "n_replay_events")}
                         for p, rs in by_set.items()}
        runs += [r for rs in by_set.values() for r in rs]
    return Drawn(fig, values, runs, notes)


# ---------------------------------------------------------------------------
# 5. the three levels
# ---------------------------------------------------------------------------


def figure_levels(context: Context) -> Drawn:
    """``plot_levels`` on the EE and EE+IE runs of every level."""
    levels = context.levels()
    if not levels:
        return Drawn(None, missing=["no level has a consolidation experiment"])
    metrics: dict[str, list[dict[str, Any]]] = {}
    runs: list[Run] = []
    for level in levels:
        by_set = _runs_by_pathways(context, level, ("EE", "EE+IE"))
        metrics[level] = [{**r.metrics, "pathways": p} for p, rs in by_set.items() for r in rs]
        runs += [r for rs in by_set.values() for r in rs]
    fig = plot_levels(metrics)
    keys = ("participation_ratio", "w_ie_cue_mean", "w_ie_place_mean",
            "place_cue_count_correlation", "sequence_distance", "sequence_distance_chance")
    values = {level: [{k: finite(m.get(k)) for k in keys} | {"pathways": m["pathways"]}
                      for m in ms] for level, ms in metrics.items()}
    missing = [f"level {lv}: no consolidation preset {context.plan.preset!r}"
               for lv in ("lif", "dendritic", "binary") if lv not in levels]
    return Drawn(fig, values, runs, missing=missing)


# ---------------------------------------------------------------------------
# 6. convergence
# ---------------------------------------------------------------------------


def _binary_learning_runs(context: Context, pathways: str) -> list[list[Run]]:
    """Binary consolidation runs, one row per seed, one column per lap count."""
    return [[_consolidation(context, "binary", seed, pathways, **{"track.n_laps": n})
             for n in context.plan.lap_grid] for seed in context.seeds_of("binary")]


def _spiking_convergence(context: Context) -> tuple[dict[str, Any], list[Run], list[str]]:
    """Learning curves of the point-neuron ``convergence`` experiment, per pathway set.

    One run (``convergence.n_seeds`` seeds of the preset) gives, in
    ``convergence.csv``, the mean distance per seed, pathway set and lap count.
    The dendritic level runs the same experiment (``neurotoolkit run
    convergence --level dendritic``); it is left out of the figure set to keep
    its run time.
    """
    found: dict[str, Any] = {}
    runs: list[Run] = []
    missing = []
    level = "lif"
    if level not in available_levels("convergence", context.plan.preset):
        return found, runs, [f"no point-neuron convergence experiment for preset "
                             f"{context.plan.preset!r}"]
    run = context.store.get(RunSpec.make("convergence", level, context.seeds_of(level)[0]))
    runs.append(run)
    rows = run.table("convergence.csv")
    if not rows:
        return found, runs, ["the point-neuron convergence run has no convergence.csv"]
    laps = np.unique(table_column(rows, "laps"))
    seeds = np.unique(table_column(rows, "seed"))
    for pathways in sorted({r["pathways"] for r in rows}):
        mine = [r for r in rows if r["pathways"] == pathways]
        matrix = np.full((seeds.size, laps.size), np.nan)
        for r in mine:
            matrix[np.searchsorted(seeds, float(r["seed"])),
                   np.searchsorted(laps, float(r["laps"]))] = finite(r["sequence_distance"])
        found[pathways] = {"laps": laps, "distance": matrix,
                           "floor": finite(run.metrics.get(
                               f"curve_floor_{pathways.replace('+', '_')}"))}
    return found, runs, missing


def figure_convergence(context: Context) -> Drawn:
    """Error probability, learning curves with intervals, cue participation over laps."""
    if "binary" not in context.levels("convergence"):
        return Drawn(None, missing=["binary convergence experiment not available"])
    spiking, spiking_runs, missing = _spiking_convergence(context)
    fig = figure(figsize=(13.5 if spiking else 10.5, 3.6))
    axes = fig.subplots(1, 4 if spiking else 3)
    fig.subplots_adjust(wspace=0.35)
    conv = context.store.get(RunSpec.make("convergence", "binary", context.seeds_of("binary")[0],
                                          {"cue.placement": "random"}))
    values: dict[str, Any] = {"error_probability": plot_error_probability(
        axes[0], conv.table("convergence.csv"))}
    n_networks = finite(conv.metrics.get("n_networks"))
    axes[0].set_title(f"binary: wrong replays ({n_networks:g} networks per lap count)")
    runs = [conv]
    laps = np.asarray(context.plan.lap_grid, dtype=float)
    notes = []
    values["learning_curves"] = {}
    chance = []
    for pathways in ("EE", "EE+IE"):
        grid = _binary_learning_runs(context, pathways)
        runs += [r for row in grid for r in row]
        distance = np.array([_values(row, "sequence_distance") for row in grid])
        cue = np.array([_values(row, "cue_participation") for row in grid])
        chance += [v for row in grid for v in _values(row, "sequence_distance_chance")]
        try:
            fit = fit_learning_curve(laps, distance, n_bootstrap=context.plan.n_bootstrap,
                                     rng=0)
        except ValueError as err:
            fit = None
            notes.append(f"{pathways}: no learning-curve fit ({err})")
        colour = PATHWAY_COLOURS.get(pathways, "k")
        curve = plot_learning_curve(axes[1], laps, distance, fit=fit, colour=colour,
                                    label=pathways)
        participation = plot_learning_curve(axes[2], laps, cue, colour=colour, label=pathways)
        values["learning_curves"][pathways] = {
            "distance": curve, "cue_participation": participation,
            "fit": None if fit is None else {"c": fit.c, "a": fit.a, "beta": fit.beta,
                                             "c_ci": fit.c_ci, "beta_ci": fit.beta_ci}}
    chance_level = float(np.nanmean(chance)) if np.isfinite(chance).any() else math.nan
    axes[1].axhline(chance_level, color="0.6", ls=":", lw=1, label="shuffle level")
    axes[1].set_ylim(bottom=0)
    axes[1].legend(fontsize=6)
    axes[1].set_title(f"binary: learning curves ({len(context.seeds_of('binary'))} seeds)")
    axes[2].set_ylabel("fraction of cue units in replay")
    axes[2].set_ylim(-0.05, 1.05)
    axes[2].legend(fontsize=6)
    axes[2].set_title("binary: cue participation")
    values["sequence_distance_chance"] = chance_level
    if spiking:
        ax = axes[3]
        for pathways, data in spiking.items():
            values[f"learning_curve_lif_{pathways}"] = plot_learning_curve(
                ax, data["laps"], data["distance"], colour=PATHWAY_COLOURS.get(pathways, "k"),
                label=f"{pathways} (fitted floor {data['floor']:.2f})")
            values[f"learning_curve_lif_{pathways}"]["fitted_floor"] = data["floor"]
        ax.legend(fontsize=6)
        ax.set_ylim(bottom=0)
        ax.set_title("point neurons: learning curves")
    runs += spiking_runs
    return Drawn(fig, values, runs, notes, missing)


# ---------------------------------------------------------------------------
# 7. random against fixed cue
# ---------------------------------------------------------------------------


def figure_cue_placement(context: Context) -> Drawn:
    """Participation and inhibition under random and fixed cue placement."""
    levels = context.levels()
    spiking = context.spiking_level()
    panels = (2 if spiking else 0) + (2 if "binary" in levels else 0)
    if not panels:
        return Drawn(None, missing=["neither a spiking nor the binary level is present"])
    fig = figure(figsize=(3.1 * panels, 3.3))
    axes = list(np.atleast_1d(fig.subplots(1, panels)))
    fig.subplots_adjust(wspace=0.45)
    values: dict[str, Any] = {}
    runs: list[Run] = []
    placements = ("random", "fixed")
    colours = {"random": CLASS_COLOURS["cue"], "fixed": "#8c564b"}
    for level in ([spiking] if spiking else []) + (["binary"] if "binary" in levels else []):
        by_cue = {c: [_consolidation(context, level, seed, "EE+IE", c)
                      for seed in context.seeds_of(level)] for c in placements}
        runs += [r for rs in by_cue.values() for r in rs]
        ax_p, ax_second = axes.pop(0), axes.pop(0)
        measure = _participation_measure(level)
        plot_participation(ax_p, {f"{c} cue": [r.metrics for r in rs] for c, rs in by_cue.items()},
                           measure=measure)
        if measure == "fraction":
            ax_p.set_ylim(0, 1.05)
        ax_p.set_title(f"{_LEVEL_NAMES.get(level, level)}: "
                       + ("participation" if measure == "fraction" else "rates in replay"))
        entry: dict[str, Any] = {c: {"place": _values(rs, "place_participation"),
                                     "cue": _values(rs, "cue_participation"),
                                     "place_event_rate_hz": _values(rs, "place_event_rate_hz"),
                                     "cue_event_rate_hz": _values(rs, "cue_event_rate_hz")}
                                 for c, rs in by_cue.items()}
        if level == "binary":
            groups = {f"{c} cue": _values(rs, "cue_in_exact_replay") for c, rs in by_cue.items()}
            plot_seed_bars(ax_second, groups, colours=list(colours.values()),
                           ylabel="fraction of cue units in replay")
            ax_second.set_ylim(0, 1.05)
            ax_second.set_title("binary: cue units in noise-free replay")
        else:
            groups = {f"{c} cue": [cue / place if place > 0 else math.nan for cue, place in
                                   zip(_values(rs, "w_ie_cue_mean"),
                                       _values(rs, "w_ie_place_mean"), strict=True)]
                      for c, rs in by_cue.items()}
            plot_seed_bars(ax_second, groups, colours=list(colours.values()),
                           ylabel="I->E onto cue / onto place")
            ax_second.axhline(1.0, color="0.6", lw=0.6, ls=":")
            ax_second.set_title(f"{level}: inhibition onto cue cells")
        entry["second_panel"] = groups
        values[level] = entry
    return Drawn(fig, values, runs)


# ---------------------------------------------------------------------------
# 8. consolidation downstream
# ---------------------------------------------------------------------------


def _downstream_sources(context: Context) -> dict[str, dict[str, list[Run]]]:
    """Consolidation runs (which carry the downstream metrics), by level and pathway set."""
    levels = [lv for lv in context.levels() if _has_downstream_config(lv)]
    return {lv: _runs_by_pathways(context, lv, ("EE", "EE+IE")) for lv in levels}


def _has_downstream_config(level: str) -> bool:
    """Whether the consolidation config of ``level`` has a downstream population."""
    return any(name.startswith("downstream.")
               for name in config_class("consolidation", level).field_names())


def _consolidated_matrix(ax: Any, run: Run, title: str) -> Any:
    """Learned downstream weights: units sorted by their preferred place, cells in latent order."""
    recording = run.recording
    if "FF" not in recording.weights:
        ax.text(0.5, 0.5, "no downstream weights", ha="center", va="center",
                transform=ax.transAxes)
        return None
    i, j, w = recording.weights["FF"]
    cells = recording.latent_order
    matrix = np.zeros((int(j.max()) + 1, int(max(i.max(), cells.max())) + 1))
    matrix[j, i] = w
    matrix = matrix[:, cells]
    # each unit at the latent position of its strongest inputs (units without
    # learned preference, all weights equal, go last)
    spread = matrix.max(axis=1) - matrix.min(axis=1)
    centre = (matrix * np.arange(cells.size)).sum(axis=1) / np.maximum(matrix.sum(axis=1),
                                                                        1e-300)
    preferred = np.where(spread > 0, np.argmax(matrix, axis=1), cells.size)
    order = np.lexsort((centre, preferred))
    image = ax.imshow(matrix[order], aspect="auto", origin="lower", cmap="viridis",
                      interpolation="nearest")
    cue = np.flatnonzero(np.isin(cells, recording.cells("cue")))
    if cue.size:
        ax.plot(cue, np.full(cue.size, -1.5), "|", color=CLASS_COLOURS["cue"], ms=4,
                clip_on=False)
    ax.set_xlabel("hippocampal cell (latent order; ticks: cue cells)")
    ax.set_ylabel("downstream unit (by preferred place)")
    ax.set_title(title, fontsize=8)
    return image


_CONSOLIDATION_KEYS = ("consolidated_sequence_distance", "consolidated_cue_weight_ratio")


def figure_consolidation(context: Context) -> Drawn:
    """Consolidated order and cue weight per level and pathway set; one weight matrix."""
    sources = _downstream_sources(context)
    runs = [r for by_set in sources.values() for rs in by_set.values() for r in rs]
    if not sources:
        return Drawn(None, runs=runs, missing=["no level has a downstream population"])
    n_panels = len(sources) * len(_CONSOLIDATION_KEYS) + 1
    fig = figure(figsize=(2.9 * n_panels, 3.3))
    axes = list(np.atleast_1d(fig.subplots(1, n_panels)))
    fig.subplots_adjust(wspace=0.5)
    values: dict[str, Any] = {}
    panel = iter(axes[:-1])
    for level, by_set in sources.items():
        for key in _CONSOLIDATION_KEYS:
            ax = next(panel)
            groups = {p: _values(rs, key) for p, rs in by_set.items()}
            plot_seed_bars(ax, groups, colours=PATHWAY_COLOURS,
                           ylabel=key.replace("consolidated_", "").replace("_", " "))
            if key == "consolidated_sequence_distance":
                chance = [v for rs in by_set.values()
                          for v in _values(rs, "consolidated_sequence_distance_chance")]
                if np.isfinite(chance).any():
                    ax.axhline(np.nanmean(chance), color="0.6", ls=":", lw=1)
            else:
                ax.axhline(1.0, color="0.6", ls=":", lw=1)
            ax.set_title(f"{_LEVEL_NAMES.get(level, level)}", fontsize=8)
            values.setdefault(level, {})[key] = groups
    level = "lif" if "lif" in sources else next(iter(sources))
    example = sources[level]["EE+IE"][0]
    _consolidated_matrix(axes[-1], example,
                         f"{level}, EE+IE, seed {example.spec.seed}: downstream weights")
    values["weight_matrix_run"] = str(example.path)
    return Drawn(fig, values, runs, [])


#: The figure set, in drawing order: name -> FigureSpec(name, title, shows, draw).
FIGURES: dict[str, FigureSpec] = {spec.name: spec for spec in (
    FigureSpec(
        "task", "The task and online activity",
        "Top: the animal's position over the laps of exploration, with the salient cue's window "
        "in red; under a random placement the cue lands somewhere new every lap (left), under a "
        "fixed placement at the same place (right). Bottom left: online spikes of place and cue "
        "cells, sorted by place-field centre, cue windows shaded. Bottom right: the place fields "
        "(rate maps normalised to their peak) in latent order, cue cells marked in red.",
        figure_task),
    FigureSpec(
        "weights", "Learned weights",
        "A: E->E weights among place and cue cells after exploration, cells in latent order "
        "(cue cells marked red): the learned sequence lies along the diagonal band. B: I->E "
        "weights from cue-tuned and place-tuned interneurons onto the same cells. C: mean I->E "
        "weight onto cue cells and onto place-only cells for each plastic pathway set (bars: "
        "mean over seeds, points: seeds), read from each run's metrics. D (if the binary level "
        "is present): the binary network's learned E->E co-activation frequencies.",
        figure_weights),
    FigureSpec(
        "replay", "Replay, decoded",
        "Top: offline spikes of place and cue cells (sorted by place field, cue cells red) around "
        "the best replay event; detected events shaded. Bottom: the posterior over position "
        "(Bayesian decoding in time bins, tuning curves from exploration) of the events with the "
        "highest line-fit scores, with the fitted line and its band; titles give the score and "
        "the Monte-Carlo p-values against cell-identity and time-bin shuffles. The run shown is "
        "the EE+IE run (random cue) with the most events.",
        figure_replay),
    FigureSpec(
        "participation", "Participation in replay by cell class, per plastic pathway set",
        "For each spiking level, the mean rate of place cells and of cue cells inside replay "
        "events; for the binary network, the fraction of replay events in which a place unit "
        "and a cue unit fires (bars: mean over seeds, points: seeds); for each set of plastic "
        "pathways, with a randomly placed cue. Inhibitory plasticity (EE+IE) should keep cue cells out of replay; "
        "excitatory plasticity alone (EE) should not. Numbers from each run's metrics.json.",
        figure_participation),
    FigureSpec(
        "levels", "The three levels of abstraction side by side",
        "The same consolidation metrics at each level present, for excitatory plasticity alone "
        "(EE) and with inhibitory plasticity (EE+IE), random cue: cue against place cells in "
        "replay (the ratio of their mean rates inside events at the spiking levels, of the "
        "fractions of events they fire in at the binary level), learned inhibition onto cue and place cells, the place-cue spike-count "
        "correlation offline, and the distance of replayed order to the latent order with its "
        "shuffle level. Small markers are seeds, large ones their mean and SD.",
        figure_levels),
    FigureSpec(
        "convergence", "Convergence of replay to the latent sequence",
        "A: binary network, probability that the replayed sequence differs from the latent one "
        "against laps of experience (points: measured over many networks with 95% Wilson "
        "intervals; triangles: 95% upper limit where no network was wrong; band: the theorem's "
        "exact bracket; dashed: its Chernoff bound). B: distance of replayed order to the latent "
        "order (normalised Kendall tau) against laps, seeds as points, mean with a 95% "
        "bootstrap interval, and the fit d(n) = c + a n^-beta with its bootstrap band; grey: "
        "shuffle level. C: cue participation in replay against laps. D: the same learning curve "
        "for the point-neuron network (one simulation per seed resting after each lap count; "
        "seeds as points, mean with a 95% bootstrap interval; the legend gives the fitted "
        "floor c).",
        figure_convergence),
    FigureSpec(
        "cue_placement", "A cue at a random place each lap against a cue at one fixed place",
        "With inhibitory plasticity (EE+IE), the cue placed at random on every lap (task-"
        "irrelevant) against the cue at one fixed place (part of the world). A: place and cue "
        "cells' mean rate inside replay events, spiking level. B: learned inhibition onto cue cells relative "
        "to place-only cells. C: the same participation in the binary network. D: fraction of "
        "cue units in the binary network's noise-free replay. Bars: mean over seeds; points: "
        "seeds. Numbers from each run's metrics.json.",
        figure_cue_placement),
    FigureSpec(
        "consolidation", "Consolidation: what a downstream population learns from replay",
        "A downstream population learns only from offline replay (downstream.py: "
        "k-winners-take-all units, windowed Hebbian feed-forward learning, normalised). Per level, "
        "for excitatory plasticity alone (EE) and with inhibitory plasticity upstream (EE+IE): "
        "the distance of the order its weights encode to the latent order (dotted: the shuffle "
        "level), and the mean weight from cue cells relative to place cells (1: the cue is "
        "consolidated like a place), bars the mean over seeds, points the seeds; right: the "
        "learned weights of one EE+IE run, cells in latent order, units sorted by preferred "
        "place. Numbers from each run's metrics.json and recording.npz.",
        figure_consolidation),
)}
