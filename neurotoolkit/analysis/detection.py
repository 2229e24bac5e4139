"""Replay events of a Recording: candidates on a population, split into trajectories.

Standard replay pipelines separate *candidate events* (population activity
above a baseline) from *trajectory events* found in the decoded posterior
(Davidson, Kloosterman & Wilson 2009, Neuron 63:497; Pfeiffer & Foster 2013,
Nature 497:74).  :func:`detect_events` does both on a :class:`Recording`:

1. candidates from the smoothed rate of the detection population (by
   default the place cells) against a quiet level of the rest that tonic
   cells and rests filled with sweeps cannot move
   (:func:`~neurotoolkit.analysis.events.detect_candidate_events`);
2. each candidate decoded in ``segment_bin`` bins with tuning curves from the
   run, and split where the decoded position jumps by more than
   ``jump_limit`` (:func:`~neurotoolkit.analysis.events.split_at_jumps`), so
   that a stretch of back-to-back sweeps becomes one event per sweep;
3. consecutive pieces less than ``join_gap`` apart whose decoded positions
   continue one another joined, so that a sweep whose rate dips between its
   opening burst and its travelling wave stays one event.

The older rule (hysteresis on the z-scored rate of all pyramidal cells,
:func:`~neurotoolkit.analysis.events.detect_replay_events`) stays available
as ``method="hysteresis"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .decoding import decode
from .events import (
    bin_event_spikes,
    detect_candidate_events,
    detect_replay_events,
    split_at_jumps,
)
from .recording import Recording
from .tuning import compute_tuning_curves

__all__ = ["DETECTION_METHODS", "DetectedEvents", "detect_events"]

#: ``"sweeps"``: candidates against a robust baseline, split into trajectories;
#: ``"hysteresis"``: the z-scored rule of the first release.
DETECTION_METHODS = ("sweeps", "hysteresis")


@dataclass(frozen=True)
class DetectedEvents:
    """Replay events and how each was found.

    Attributes
    ----------
    events : ndarray, shape (n_events, 2)
        ``[start, stop)`` of each event, s, sorted and disjoint.
    found_by : ndarray of str, shape (n_events,)
        ``"candidate"`` (a whole candidate), ``"trajectory"`` (a segment of a
        candidate split at a jump of the decoded position) or
        ``"hysteresis"`` (the older rule).
    candidates : ndarray, shape (n_candidates, 2)
        The candidates before splitting, s.
    method : str
        One of :data:`DETECTION_METHODS`.
    population : tuple of str
        Labels of the cells detected on.
    note : str
        Why there are no events, when there are none for a reason other than
        a quiet rest (e.g. an empty detection population); else ``""``.
    """

    events: np.ndarray
    found_by: np.ndarray
    candidates: np.ndarray
    method: str
    population: tuple[str, ...]
    note: str = ""

    def __len__(self) -> int:
        return int(self.events.shape[0])


def _empty(method: str, population: tuple[str, ...], note: str) -> DetectedEvents:
    none = np.zeros((0, 2))
    return DetectedEvents(none, np.zeros(0, dtype="<U10"), none, method, population, note)


def detect_events(
    recording: Recording,
    *,
    phase: str | tuple[float, float] = "offline",
    population: Sequence[str] = ("place",),
    method: str = "sweeps",
    smoothing: float = 0.02,
    baseline_percentile: float = 20.0,
    edge_sd: float = 2.0,
    peak_sd: float = 5.0,
    min_duration: float = 0.05,
    max_duration: float | None = 2.0,
    merge_gap: float = 0.02,
    split: bool = True,
    segment_bin: float = 0.02,
    jump_limit: float | None = None,
    min_segment: float = 0.1,
    join_gap: float = 0.15,
    decode_cells: Sequence[str] = ("place",),
    position_bin: float = 5.0,
    low_z: float = 0.5,
    high_z: float = 2.0,
) -> DetectedEvents:
    """Detect replay events in a phase of a Recording.

    Parameters
    ----------
    recording : Recording
    phase : str or (float, float)
        Interval name (its first start to its last stop) or ``(start, stop)``.
    population : sequence of str
        Labels of the cells to detect on (default: the place cells).
    method : {"sweeps", "hysteresis"}
        See :data:`DETECTION_METHODS`.
    smoothing, baseline_percentile, edge_sd, peak_sd, min_duration, merge_gap
        Candidate detection, see
        :func:`~neurotoolkit.analysis.events.detect_candidate_events`.
    max_duration : float, optional
        Longest event kept after splitting, s.
    split : bool
        Split candidates into trajectories (needs positions and
        ``decode_cells`` with tuning; skipped with a note otherwise).
    segment_bin : float
        Decoding bin for the split, s.
    jump_limit : float, optional
        Largest step of the decoded position within a trajectory, in position
        units (default: a fifth of the track).
    min_segment : float
        Shortest trajectory a candidate is split into, s: a split that would
        leave a shorter piece is not made.
    join_gap : float
        Consecutive pieces less than this apart (s) whose decoded positions
        continue one another (a step of at most ``jump_limit``) are joined:
        a sweep that opens with a burst at its start place, dips, and then
        travels is one event.
    decode_cells : sequence of str
        Labels of the cells whose tuning decodes the position.
    position_bin : float
        Position bin of the tuning curves, position units.
    low_z, high_z : float
        Thresholds of ``method="hysteresis"`` (on all cells of ``population``).

    Returns
    -------
    DetectedEvents

    Raises
    ------
    ValueError
        Unknown method, or a phase that is not in the recording.
    """
    if method not in DETECTION_METHODS:
        raise ValueError(f"method: unknown {method!r}; choose from {DETECTION_METHODS}")
    population = (population,) if isinstance(population, str) else tuple(population)
    t0, t1 = recording.phase(phase) if isinstance(phase, str) else map(float, phase)
    cells = recording.cells(*population)
    if cells.size == 0:
        return _empty(method, population,
                      f"no cells labelled {' or '.join(population)} to detect events on")
    if not t1 > t0:
        return _empty(method, population, f"the phase is empty ({t0:g} to {t1:g} s)")
    times, _ = recording.spikes_between(t0, t1, cells)
    if times.size == 0:
        return _empty(method, population, "no spikes in the phase")
    if method == "hysteresis":
        events = detect_replay_events(times, t0, t1, n_cells=cells.size, smoothing=smoothing,
                                      low_z=low_z, high_z=high_z, min_duration=min_duration,
                                      merge_gap=merge_gap)
        return DetectedEvents(events, np.full(len(events), "hysteresis"), events, method,
                              population)
    candidates = detect_candidate_events(
        times, t0, t1, n_cells=cells.size, smoothing=smoothing,
        baseline_percentile=baseline_percentile, edge_sd=edge_sd, peak_sd=peak_sd,
        min_duration=min_duration, merge_gap=merge_gap)
    note = ""
    if split and len(candidates):
        events, found_by, note = _split_candidates(
            recording, candidates, decode_cells=tuple(decode_cells), segment_bin=segment_bin,
            jump_limit=jump_limit, position_bin=position_bin, min_segment=min_segment,
            join_gap=join_gap)
    else:
        events, found_by = candidates, np.full(len(candidates), "candidate")
    if max_duration is not None and len(events):
        keep = (events[:, 1] - events[:, 0]) <= max_duration + 1e-9
        events, found_by = events[keep], found_by[keep]
    return DetectedEvents(events.reshape(-1, 2), found_by.astype("<U10"), candidates, method,
                          population, note)


def _track(recording: Recording) -> tuple[float, bool]:
    meta = recording.metadata
    length = meta.get("track_length_cm", meta.get("track_length"))
    if length is None:
        length = float(np.nanmax(recording.positions))
    return float(length), bool(meta.get("circular", False))


def _split_candidates(recording: Recording, candidates: np.ndarray, *,
                      decode_cells: tuple[str, ...], segment_bin: float,
                      jump_limit: float | None, position_bin: float,
                      min_segment: float, join_gap: float) -> tuple[np.ndarray, np.ndarray, str]:
    """Split each candidate at jumps of its decoded position."""
    whole = np.full(len(candidates), "candidate")
    cells = recording.cells(*decode_cells)
    if recording.positions.size < 2 or cells.size == 0:
        return candidates, whole, ("candidates not split: the recording has no positions "
                                   f"or no cells labelled {' or '.join(decode_cells)}")
    length, circular = _track(recording)
    try:
        tuning = compute_tuning_curves(
            recording, n_bins=max(int(round(length / position_bin)), 2),
            track_range=(0.0, length), phase="online", cells=cells, smoothing=position_bin,
            circular=circular)
    except (KeyError, ValueError) as err:
        return candidates, whole, f"candidates not split: no tuning curves ({err})"
    rates = np.nan_to_num(tuning.rates, nan=0.0)
    centres = tuning.bin_centres
    limit = length / 5 if jump_limit is None else float(jump_limit)
    min_bins = max(int(np.ceil(min_segment / segment_bin - 1e-9)), 1)
    counts = bin_event_spikes(recording.spike_times, recording.spike_ids, candidates,
                              bin_size=segment_bin, cells=cells)
    period = length if circular else None
    pieces = []  # [start, stop, first position, last position, found by]
    for k, (start, stop) in enumerate(candidates):
        c = counts.event(k)
        posterior = decode(c, rates, segment_bin)
        # bins with few spikes (the candidate's edges, where it fades into
        # the rest) carry no position: they neither split nor join
        spikes = c.sum(axis=1)
        enough = spikes >= max(3.0, 0.25 * np.median(spikes))
        # so do bins whose posterior is spread over the track, such as the
        # synchronous burst that opens a sweep (every cell fires)
        peak = centres[posterior.argmax(axis=1)]
        near = np.abs(centres[None, :] - peak[:, None])
        if circular:
            near = np.minimum(near, length - near)
        focused = (posterior * (near <= limit / 2)).sum(axis=1) >= 0.5
        decoded = np.where(enough & focused, peak, np.nan)
        ranges = split_at_jumps(decoded, jump_limit=limit, min_bins=min_bins, period=period)
        how = "candidate" if len(ranges) == 1 else "trajectory"
        for first, last in ranges:
            ends = decoded[first:last][np.isfinite(decoded[first:last])]
            pieces.append([start + first * segment_bin, min(start + last * segment_bin, stop),
                           ends[0] if ends.size else np.nan,
                           ends[-1] if ends.size else np.nan, how])
    # a sweep often opens with a burst at its start place, then a dip in the
    # rate, then the travelling wave: pieces that continue one trajectory
    # across a short gap are one event; a sweep that turns back is two
    def gap(a: float, b: float) -> float:
        d = abs(b - a)
        return min(d, period - d) if period is not None else d

    def heading(piece: list) -> float:
        travel = piece[3] - piece[2]
        return float(np.sign(travel)) if gap(piece[2], piece[3]) > limit else 0.0

    joined = [pieces[0]] if pieces else []
    for piece in pieces[1:]:
        last = joined[-1]
        if (piece[0] - last[1] <= join_gap and gap(last[3], piece[2]) <= limit
                and heading(last) * heading(piece) >= 0):
            joined[-1] = [last[0], piece[1], last[2], piece[3], "trajectory"]
        else:
            joined.append(piece)
    events = [(a, b) for a, b, *_ in joined]
    found_by = [how for *_, how in joined]
    return np.array(events, dtype=float).reshape(-1, 2), np.array(found_by), ""
