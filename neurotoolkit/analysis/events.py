"""Replay-event detection from spikes, and the binning of spikes in events.

A replay event (a population burst, in vivo a sharp-wave ripple) is found from
the smoothed population rate with a two-threshold (hysteresis) rule: an event
is a maximal stretch above a low threshold whose peak crosses a high one.
The low threshold sets the edges, the high one decides whether the stretch is
an event at all.  This is the rule of most replay pipelines (e.g. Davidson,
Kloosterman & Wilson 2009, Neuron 63:497; Karlsson & Frank 2009, Nat Neurosci
12:913).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

__all__ = [
    "detect_replay_events",
    "population_rate",
    "validate_events",
    "bin_event_spikes",
    "EventCounts",
    "EventMatch",
    "match_events",
]

# a float tolerance for "how many bins fit in a window": without it 0.3 / 0.1
# gives 2.9999999999999996 bins and a window loses its last bin
_BIN_EPS = 1e-9


def _n_bins(duration: float, bin_size: float) -> int:
    return int(np.ceil(duration / bin_size - _BIN_EPS))


def population_rate(
    spike_times: np.ndarray,
    t_start: float,
    t_stop: float,
    *,
    bin_size: float = 0.001,
    smoothing: float = 0.005,
    n_cells: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian-smoothed population rate on a regular grid.

    Parameters
    ----------
    spike_times : array of float
        Spike times in seconds (any cells, any order); spikes outside
        ``[t_start, t_stop)`` are ignored.
    t_start, t_stop : float
        The window, seconds.
    bin_size : float
        Histogram bin, seconds.
    smoothing : float
        Standard deviation of the Gaussian kernel, seconds (0: no smoothing).
    n_cells : int, optional
        If given, the rate is per cell (total rate / ``n_cells``).

    Returns
    -------
    bin_starts : ndarray, shape (n_bins,)
        Left edge of each bin, seconds.
    rate : ndarray, shape (n_bins,)
        Smoothed rate in Hz (per cell if ``n_cells`` is given).
    """
    _check_window(t_start, t_stop, bin_size)
    if smoothing < 0:
        raise ValueError(f"smoothing must be >= 0 s, got {smoothing}")
    if n_cells is not None and n_cells <= 0:
        raise ValueError(f"n_cells must be positive, got {n_cells}")
    times = np.asarray(spike_times, dtype=float).ravel()
    n_bins = _n_bins(t_stop - t_start, bin_size)
    inside = times[(times >= t_start) & (times < t_stop)]
    index = np.minimum(((inside - t_start) / bin_size).astype(np.int64), n_bins - 1)
    rate = np.bincount(index, minlength=n_bins).astype(float) / bin_size
    if n_cells is not None:
        rate /= n_cells
    if smoothing > 0:
        rate = gaussian_filter1d(rate, sigma=smoothing / bin_size, mode="reflect")
    return t_start + bin_size * np.arange(n_bins), rate


def detect_replay_events(
    spike_times: np.ndarray,
    t_start: float,
    t_stop: float,
    *,
    n_cells: int | None = None,
    bin_size: float = 0.001,
    smoothing: float = 0.005,
    low_z: float = 0.5,
    high_z: float = 2.0,
    rate_threshold: float | None = None,
    min_duration: float = 0.05,
    merge_gap: float = 0.0,
) -> np.ndarray:
    """Detect replay events as population bursts, with hysteresis.

    The population rate is histogrammed at ``bin_size``, smoothed with a
    Gaussian of SD ``smoothing`` and z-scored over ``[t_start, t_stop)``:
    ``z(t) = (r(t) - mean(r)) / sd(r)``.  A candidate is a maximal stretch of
    bins with ``z > low_z``; it is kept if its peak reaches the high threshold
    (``max z >= high_z``, or ``max r >= rate_threshold`` when that is given).
    Kept candidates closer than ``merge_gap`` are merged, and then events
    shorter than ``min_duration`` are dropped.

    Parameters
    ----------
    spike_times : array of float
        Spike times in seconds of the population to detect on (pass the
        pyramidal cells' spikes); spikes outside the window are ignored.
    t_start, t_stop : float
        The window (e.g. the offline phase), seconds.
    n_cells : int, optional
        Size of the population: makes ``rate_threshold`` a per-cell rate.
    bin_size : float
        Histogram bin, seconds (default 1 ms).
    smoothing : float
        SD of the Gaussian kernel, seconds (default 5 ms).
    low_z : float
        Edge threshold, in SDs above the mean rate.
    high_z : float
        Peak threshold, in SDs above the mean rate.
    rate_threshold : float, optional
        Peak threshold as a rate, replacing ``high_z``: Hz per cell if
        ``n_cells`` is given, else total Hz.  The edges still use ``low_z``.
    min_duration : float
        Shortest event kept, seconds (applied after merging).
    merge_gap : float
        Events separated by less than this (seconds) are merged.

    Returns
    -------
    ndarray, shape (n_events, 2)
        ``[start, stop)`` of each event in seconds, sorted and disjoint.
        Empty (shape ``(0, 2)``) when the rate is constant.

    Notes
    -----
    A plain "z >= 2 for >= 50 ms" rule finds almost no events in small
    networks, because bursts are brief at their peak; the hysteresis rule
    takes the event's extent from the low threshold.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> background = np.sort(rng.uniform(0, 10, 2000))
    >>> burst = rng.uniform(5.0, 5.08, 400)
    >>> events = detect_replay_events(np.sort(np.r_[background, burst]), 0, 10)
    >>> bool(events[0, 0] < 5.01 and events[0, 1] > 5.07)
    True
    """
    if low_z > high_z and rate_threshold is None:
        raise ValueError(f"low_z ({low_z}) must not exceed high_z ({high_z})")
    if min_duration < 0:
        raise ValueError(f"min_duration must be >= 0 s, got {min_duration}")
    if merge_gap < 0:
        raise ValueError(f"merge_gap must be >= 0 s, got {merge_gap}")
    if rate_threshold is not None and rate_threshold < 0:
        raise ValueError(f"rate_threshold must be >= 0 Hz, got {rate_threshold}")
    _, rate = population_rate(spike_times, t_start, t_stop, bin_size=bin_size,
                              smoothing=smoothing, n_cells=n_cells)
    mean, sd = rate.mean(), rate.std()
    # a constant rate (including no spikes) has no bursts: there is no event,
    # which is the answer, not a fallback
    if not sd > 0:
        return np.zeros((0, 2))
    z = (rate - mean) / sd
    peak_z = high_z if rate_threshold is None else (rate_threshold - mean) / sd

    above = z > low_z
    edges = np.diff(np.concatenate(([0], above.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)  # exclusive
    if starts.size == 0:
        return np.zeros((0, 2))
    # the maximum of z from one start to the next equals the run's peak: the
    # bins between runs are all <= low_z < the run's own values
    peaks = np.maximum.reduceat(z, starts)
    keep = peaks >= peak_z
    starts, stops = starts[keep], stops[keep]
    if starts.size == 0:
        return np.zeros((0, 2))

    begin = t_start + bin_size * starts
    end = np.minimum(t_start + bin_size * stops, t_stop)
    if merge_gap > 0 and begin.size > 1:
        new_group = (begin[1:] - end[:-1]) >= merge_gap
        first = np.flatnonzero(np.concatenate(([True], new_group)))
        last = np.concatenate((first[1:] - 1, [begin.size - 1]))
        begin, end = begin[first], end[last]
    keep = (end - begin) >= min_duration - _BIN_EPS * bin_size
    return np.column_stack((begin[keep], end[keep]))


def validate_events(events: np.ndarray) -> np.ndarray:
    """Check and return events as a float array of shape ``(n, 2)``.

    Raises
    ------
    ValueError
        If the shape is not ``(n, 2)``, an event ends before it starts, or
        events are unsorted or overlap.
    """
    arr = np.asarray(events, dtype=float)
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"events: expected shape (n_events, 2), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("events: contains nan or inf")
    if np.any(arr[:, 1] < arr[:, 0]):
        raise ValueError("events: an event ends before it starts")
    if np.any(arr[1:, 0] < arr[:-1, 1]):
        raise ValueError("events: not sorted by start, or overlapping")
    return arr


def _check_window(t_start: float, t_stop: float, bin_size: float) -> None:
    if not bin_size > 0:
        raise ValueError(f"bin_size must be > 0 s, got {bin_size}")
    if not t_stop > t_start:
        raise ValueError(f"t_stop ({t_stop}) must be after t_start ({t_start})")


@dataclass(frozen=True)
class EventCounts:
    """Spike counts of events in time bins, padded to a common length.

    Attributes
    ----------
    counts : ndarray of int, shape (n_events, max_bins, n_cells)
        Spike counts per event, bin and cell; bins past an event's end are 0.
    n_bins : ndarray of int, shape (n_events,)
        Number of real bins of each event.
    cells : ndarray of int, shape (n_cells,)
        The cell ids of the last axis.
    bin_size : float
        Bin width, seconds.
    """

    counts: np.ndarray
    n_bins: np.ndarray
    cells: np.ndarray
    bin_size: float

    @property
    def mask(self) -> np.ndarray:
        """Boolean ``(n_events, max_bins)``: which bins are real."""
        return np.arange(self.counts.shape[1])[None, :] < self.n_bins[:, None]

    def event(self, k: int) -> np.ndarray:
        """Counts of event ``k``, shape ``(n_bins[k], n_cells)``."""
        return self.counts[k, : self.n_bins[k]]


def bin_event_spikes(
    spike_times: np.ndarray,
    spike_ids: np.ndarray,
    events: np.ndarray,
    *,
    bin_size: float = 0.02,
    cells: np.ndarray | None = None,
    n_cells: int | None = None,
) -> EventCounts:
    """Count the spikes of each cell in time bins of each event.

    Each event ``[start, stop)`` is cut into ``ceil((stop - start) /
    bin_size)`` bins from its start (the last may be partial).

    Parameters
    ----------
    spike_times, spike_ids : arrays
        Spikes, times sorted ascending (as in a Recording).
    events : array, shape (n_events, 2)
        Sorted, disjoint event intervals in seconds.
    bin_size : float
        Decoding bin, seconds (10–20 ms is usual for replay).
    cells : array of int, optional
        The cells to count, in this order (default ``0 .. n_cells-1``).
    n_cells : int, optional
        Number of cells when ``cells`` is not given (default: max id + 1).

    Returns
    -------
    EventCounts
    """
    events = validate_events(events)
    if not bin_size > 0:
        raise ValueError(f"bin_size must be > 0 s, got {bin_size}")
    times = np.asarray(spike_times, dtype=float)
    ids = np.asarray(spike_ids, dtype=np.int64)
    if times.shape != ids.shape:
        raise ValueError("spike_times and spike_ids differ in length")
    if cells is None:
        if n_cells is None:
            n_cells = int(ids.max()) + 1 if ids.size else 0
        cells = np.arange(n_cells)
    cells = np.asarray(cells, dtype=np.int64)
    column = np.full(max(int(cells.max()) + 1 if cells.size else 0,
                         int(ids.max()) + 1 if ids.size else 0), -1, dtype=np.int64)
    column[cells] = np.arange(cells.size)
    n_events = events.shape[0]
    n_bins = np.array([_n_bins(b - a, bin_size) if b > a else 0 for a, b in events],
                      dtype=np.int64)
    max_bins = int(n_bins.max()) if n_events else 0
    counts = np.zeros((n_events, max_bins, cells.size), dtype=np.int64)
    if n_events and times.size:
        # event of each spike: the last event starting at or before it
        k = np.searchsorted(events[:, 0], times, side="right") - 1
        inside = k >= 0
        inside[inside] &= times[inside] < events[k[inside], 1]
        k, t, col = k[inside], times[inside], column[ids[inside]]
        b = np.minimum(((t - events[k, 0]) / bin_size).astype(np.int64), n_bins[k] - 1)
        ok = col >= 0
        np.add.at(counts, (k[ok], b[ok], col[ok]), 1)
    return EventCounts(counts=counts, n_bins=n_bins, cells=cells, bin_size=float(bin_size))


@dataclass(frozen=True)
class EventMatch:
    """Agreement between detected events and reference (true) events.

    Attributes
    ----------
    recall : float
        Fraction of reference events matched by a detection (``nan`` if
        there are none).
    precision : float
        Fraction of detections matching a reference event (``nan`` if none).
    pairs : ndarray of int, shape (n_matches, 2)
        ``(detected index, reference index)`` of each match.
    """

    recall: float
    precision: float
    pairs: np.ndarray


def match_events(detected: np.ndarray, reference: np.ndarray,
                 min_overlap: float = 0.5) -> EventMatch:
    """Match detected events to reference events one-to-one by overlap.

    A detection and a reference event match when their intersection covers
    at least ``min_overlap`` of the shorter of the two; pairs are taken
    greedily by decreasing overlap, each event used at most once.

    Parameters
    ----------
    detected, reference : array, shape (n, 2)
        Sorted, disjoint intervals, seconds.
    min_overlap : float
        In ``(0, 1]``.

    Returns
    -------
    EventMatch
    """
    if not 0 < min_overlap <= 1:
        raise ValueError(f"min_overlap must be in (0, 1], got {min_overlap}")
    det, ref = validate_events(detected), validate_events(reference)
    inter = (np.minimum(det[:, None, 1], ref[None, :, 1])
             - np.maximum(det[:, None, 0], ref[None, :, 0]))
    shorter = np.minimum((det[:, 1] - det[:, 0])[:, None], (ref[:, 1] - ref[:, 0])[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(shorter > 0, inter / shorter, 0.0)
    candidates = np.argwhere(frac >= min_overlap)
    order = np.argsort(-frac[candidates[:, 0], candidates[:, 1]], kind="stable")
    used_d, used_r, pairs = set(), set(), []
    for i, j in candidates[order]:
        if i not in used_d and j not in used_r:
            used_d.add(i)
            used_r.add(j)
            pairs.append((i, j))
    pairs_arr = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    recall = len(pairs) / ref.shape[0] if ref.shape[0] else float("nan")
    precision = len(pairs) / det.shape[0] if det.shape[0] else float("nan")
    return EventMatch(recall=recall, precision=precision, pairs=pairs_arr)
