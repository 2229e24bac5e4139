"""The metrics of a replay run, computed from its Recording (pure numpy).

Every spiking level reports the same keys (DESIGN.md), so tables and figures
can be compared across levels:

``n_replay_events``
    Events detected offline (``analysis.detector``: by default on the place
    cells against a quiet level of the rest, split into trajectories;
    :func:`~neurotoolkit.analysis.detect_events`).
``replay_detected``
    1 if there was at least one event, else 0.  With no events the
    participation and sequence metrics are ``nan`` (written as ``null``).
``significant_fraction``
    Fraction of events whose decoded trajectory beats both a cell-identity
    and a time-bin shuffle (line-fit score, ``analysis.n_shuffles`` each).
``place_participation``, ``cue_participation``, ``participation_ratio``
    Mean fraction of events in which a place-only / cue cell fires, and their
    ratio (cue / place).
``place_rate_gain``, ``cue_rate_gain``
    A class's mean rate inside events over its rate offline outside events
    (above 1: recruited into replay; below 1: suppressed during it).
``place_event_rate_hz``, ``cue_event_rate_hz``
    Mean rate of place-only / cue cells inside events.
``rate_participation_ratio``
    ``cue_event_rate_hz / place_event_rate_hz``: how strongly cue cells take
    part in replay relative to place cells.
``n_trajectory_events``
    Events that are trajectory segments of a longer candidate.
``w_ie_cue_mean``, ``w_ie_place_mean``
    Mean learned interneuron->pyramidal weight (nS) onto cue cells / onto
    place-only cells.
``sequence_distance``, ``sequence_distance_chance``, ``n_ordered_events``
    Median over events (with at least ``analysis.min_cells`` active place or
    cue cells) of the normalised Kendall-tau distance between the firing
    order (by mean spike time in the event, ``analysis.order_by``) and the
    latent order (better of forward and reverse), the same for randomly
    permuted orders, and the number of events it was computed on.
``place_cue_count_correlation``
    Pearson r between place and cue spike counts in 150 ms bins offline.

Every offline statistic covers the rest from ``analysis.settle`` after its
start (:func:`offline_window`).
``rate_pyramidal_online_hz``, ``rate_pyramidal_offline_hz``, ``event_rate_hz``
    Mean pyramidal rates and events per second offline (to tell bursting
    from a runaway high-rate state).

"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..analysis import (
    DetectedEvents,
    Recording,
    bin_event_spikes,
    compute_tuning_curves,
    detect_events,
    event_orders,
    participation_by_class,
    place_cue_count_correlation,
    rate_gain_by_class,
    score_replay_events,
    sequence_distance,
    sequence_distance_chance,
)
from ..config import ConfigError, magnitude

__all__ = ["PYRAMIDAL_LABELS", "offline_window", "detect_offline_events", "detect_offline",
           "replay_metrics", "event_sequence_distances"]

PYRAMIDAL_LABELS = ("place", "cue", "pyramidal")


def _to_float_seconds(value: Any) -> float:
    return magnitude(value, "s")


def offline_window(recording: Recording, analysis: Any) -> tuple[float, float]:
    """The part of the rest that is analysed: from ``analysis.settle`` after its start.

    Raises
    ------
    ConfigError
        If the settling time leaves nothing of the rest.
    """
    t0, t1 = recording.phase("offline")
    settle = _to_float_seconds(getattr(analysis, "settle", 0.0))
    if settle and t0 + settle >= t1:
        raise ConfigError("analysis.settle", f"{settle:g} s leaves nothing of the "
                                             f"{t1 - t0:g} s rest")
    return t0 + settle, t1


def detect_offline(recording: Recording, analysis: Any) -> DetectedEvents:
    """Replay events in the offline phase, and how each was found.

    ``analysis.detector`` chooses the rule (see
    :class:`~neurotoolkit.protocols.settings.AnalysisConfig`); the hysteresis
    rule of the first release always runs on all pyramidal cells.
    """
    if analysis.detector == "hysteresis" or analysis.detect_on == "pyramidal":
        population: tuple[str, ...] = PYRAMIDAL_LABELS
    else:
        population = ("place",)
    return detect_events(
        recording, phase=offline_window(recording, analysis), population=population, method=analysis.detector,
        smoothing=_to_float_seconds(analysis.smoothing),
        baseline_percentile=analysis.baseline_percentile, edge_sd=analysis.edge_sd,
        peak_sd=analysis.peak_sd, min_duration=_to_float_seconds(analysis.min_duration),
        max_duration=_to_float_seconds(analysis.max_duration), merge_gap=_to_float_seconds(analysis.merge_gap),
        split=analysis.split_trajectories, segment_bin=_to_float_seconds(analysis.segment_bin),
        jump_limit=magnitude(analysis.jump_limit, "cm"),
        min_segment=_to_float_seconds(analysis.min_segment),
        position_bin=magnitude(analysis.position_bin, "cm"),
        low_z=analysis.low_z, high_z=analysis.high_z)


def detect_offline_events(recording: Recording, analysis: Any) -> np.ndarray:
    """Replay events in the offline phase, ``(n_events, 2)`` in seconds."""
    return detect_offline(recording, analysis).events


def _mean_weight_onto(recording: Recording, pathway: str, label: str) -> float:
    if pathway not in recording.weights:
        return float("nan")
    _, j, w = recording.weights[pathway]
    onto = np.isin(j, recording.cells(label))
    return float(w[onto].mean()) if onto.any() else float("nan")


def _rate(recording: Recording, window: tuple[float, float], labels: tuple[str, ...]) -> float:
    t0, t1 = window
    cells = recording.cells(*labels)
    times, _ = recording.spikes_between(t0, t1, cells)
    return times.size / max(cells.size, 1) / max(t1 - t0, 1e-12)


def replay_metrics(recording: Recording, analysis: Any, rng: np.random.Generator,
                   events: DetectedEvents | np.ndarray | None = None) -> dict[str, float]:
    """Compute the consolidation metrics (see the module docstring) of a run.

    Parameters
    ----------
    recording : Recording
        With ``online`` and ``offline`` intervals, labels, fields and weights.
    analysis : AnalysisConfig
        Detection and scoring settings.
    rng : numpy.random.Generator
        Drives the shuffles.
    events : DetectedEvents or ndarray, optional
        Precomputed offline events (detected if omitted).
    """
    found_by = None
    if events is None:
        events = detect_offline(recording, analysis)
    if isinstance(events, DetectedEvents):
        events, found_by = events.events, events.found_by
    t0, t1 = offline_window(recording, analysis)
    metrics: dict[str, float] = {
        "n_replay_events": int(len(events)),
        "replay_detected": int(len(events) > 0),
        "event_rate_hz": len(events) / (t1 - t0),
        "rate_pyramidal_online_hz": _rate(recording, recording.phase("online"),
                                          PYRAMIDAL_LABELS),
        "rate_pyramidal_offline_hz": _rate(recording, (t0, t1), PYRAMIDAL_LABELS),
        "w_ie_cue_mean": _mean_weight_onto(recording, "IE", "cue"),
        "w_ie_place_mean": _mean_weight_onto(recording, "IE", "place"),
        "n_trajectory_events": (int(np.count_nonzero(found_by == "trajectory"))
                                if found_by is not None else 0),
    }
    nan = float("nan")
    try:
        metrics["place_cue_count_correlation"] = place_cue_count_correlation(
            recording, t0, t1, bin_size=_to_float_seconds(analysis.correlation_bin))
    except ValueError:  # fewer than three bins offline
        metrics["place_cue_count_correlation"] = nan
    if len(events) == 0:
        metrics.update(significant_fraction=nan, place_participation=nan,
                       cue_participation=nan, participation_ratio=nan, sequence_distance=nan,
                       sequence_distance_chance=nan, n_ordered_events=0,
                       place_rate_gain=nan, cue_rate_gain=nan, place_event_rate_hz=nan,
                       cue_event_rate_hz=nan, rate_participation_ratio=nan)
        return metrics

    gains = rate_gain_by_class(recording, events, t0, t1, labels=("place", "cue"))
    metrics["place_rate_gain"] = gains["place"].gain
    metrics["cue_rate_gain"] = gains["cue"].gain
    metrics["place_event_rate_hz"] = gains["place"].inside
    metrics["cue_event_rate_hz"] = gains["cue"].inside
    metrics["rate_participation_ratio"] = (gains["cue"].inside / gains["place"].inside
                                           if gains["place"].inside > 0 else nan)

    by_class = participation_by_class(recording, events, labels=("place", "cue"))
    place, cue = by_class["place"], by_class["cue"]
    metrics["place_participation"] = place
    metrics["cue_participation"] = cue
    metrics["participation_ratio"] = cue / place if place > 0 else nan

    latent = recording.latent_order
    circular = bool(recording.metadata.get("circular", False))
    _, ordered, distances = event_sequence_distances(recording, events, analysis)
    metrics["n_ordered_events"] = len(ordered)
    metrics["sequence_distance"] = float(np.median(distances)) if distances else nan
    metrics["sequence_distance_chance"] = (
        sequence_distance_chance(ordered, latent, n_shuffles=20, rng=rng, circular=circular)
        if ordered else nan)
    metrics["significant_fraction"] = _significant_fraction(recording, events, analysis, rng)
    return metrics


def event_sequence_distances(recording: Recording, events: np.ndarray, analysis: Any
                             ) -> tuple[np.ndarray, list[np.ndarray], list[float]]:
    """Order of place and cue cells in each event, and its distance to the latent order.

    Events with fewer than ``analysis.min_cells`` active cells have no order
    and are left out.

    Returns
    -------
    kept : ndarray of int
        Indices (into ``events``) of the events that have an order.
    orders : list of ndarray
        Cell ids in firing order (``analysis.order_by``), one per kept event.
    distances : list of float
        Normalised Kendall distance of each order from the latent order (better
        of forward and reverse; :func:`~neurotoolkit.analysis.sequence_distance`).
    """
    circular = bool(recording.metadata.get("circular", False))
    orders = event_orders(recording, events, cells=recording.cells("place", "cue"),
                          by=analysis.order_by, min_cells=analysis.min_cells)
    kept = np.array([k for k, o in enumerate(orders) if len(o)], dtype=np.int64)
    ordered = [orders[k] for k in kept]
    latent = recording.latent_order
    return kept, ordered, [float(sequence_distance(o, latent, circular=circular))
                           for o in ordered]


def _significant_fraction(recording: Recording, events: np.ndarray, analysis: Any,
                          rng: np.random.Generator) -> float:
    cells = recording.cells("place", "cue")
    length = float(recording.metadata.get("track_length_cm", np.nanmax(recording.positions)))
    n_bins = max(int(round(length / magnitude(analysis.position_bin, "cm"))), 2)
    tuning = compute_tuning_curves(recording, n_bins=n_bins, track_range=(0.0, length),
                                   phase="online", cells=cells, smoothing=5.0,
                                   circular=bool(recording.metadata.get("circular", False)))
    rates = np.nan_to_num(tuning.rates, nan=0.0)
    counts = bin_event_spikes(recording.spike_times, recording.spike_ids, events,
                              bin_size=_to_float_seconds(analysis.decode_bin), cells=cells)
    scores = score_replay_events(counts, rates, n_shuffles=analysis.n_shuffles,
                                 alpha=analysis.significance_level, rng=rng)
    return float(np.mean(scores.significant))
