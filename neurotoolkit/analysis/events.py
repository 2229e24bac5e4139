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
from scipy.stats import norm

__all__ = [
    "detect_replay_events",
    "detect_candidate_events",
    "rest_baseline",
    "RestBaseline",
    "nominal_false_event_rate",
    "split_at_jumps",
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
    return _events_above(z, low_z, peak_z, t_start, t_stop, bin_size, merge_gap=merge_gap,
                         min_duration=min_duration)


@dataclass(frozen=True)
class RestBaseline:
    """The quiet level of a rest and the size of its fluctuations.

    The fluctuations are measured on the square root of the spike count
    expected in the smoothing kernel, ``y = sqrt(r * n_cells * w)`` with
    ``w = 2 * smoothing * sqrt(pi)`` the kernel's effective width: for
    Poisson spiking that makes them nearly Gaussian with SD 1/2 at any rate
    (Anscombe 1948, Biometrika 35:246), so thresholds in SDs mean the same
    at a quiet rest and at a busy one, and the upper tail of a sparse rest
    is not underestimated.

    Attributes
    ----------
    level : float
        The quiet level: the ``baseline_percentile``-th percentile of the
        smoothed rate, Hz per cell.
    root_level : float
        ``sqrt(level * scale)``.
    spread : float
        SD of ``y`` for Poisson spiking at the quiet level: 1/2.
    scale : float
        ``n_cells * w``: spike counts in the kernel per Hz of per-cell rate.
    """

    level: float
    root_level: float
    spread: float
    scale: float

    def threshold(self, n_sd: float) -> float:
        """The per-cell rate ``n_sd`` spreads above the quiet level, Hz."""
        return (self.root_level + n_sd * self.spread) ** 2 / self.scale


def rest_baseline(rate: np.ndarray, *, n_cells: int, smoothing: float,
                  baseline_percentile: float = 20.0) -> RestBaseline:
    """Quiet level and spread of a smoothed per-cell population rate.

    A rest of the point-neuron network is mostly replay: sweeps fill 60–70%
    of it, and cells outside the detection population may fire tonically.
    A mean and SD over the whole rest then sit on the events themselves.  The
    quiet level is instead a low percentile ``q`` of the rate, which sweeps
    filling up to ``1 - q`` of the rest do not move.  The spread is that of
    Poisson spiking at the quiet level, 1/2 on the root scale of
    :class:`RestBaseline`.  An empirical spread (from the lower tail of the
    rate) is no use here: in a rest filled with sweeps the lowest percentiles
    are the flanks of sweeps blurred by the smoothing, and their spread set
    thresholds above the sweeps themselves in the point-neuron network.

    Parameters
    ----------
    rate : ndarray
        Smoothed rate, Hz per cell (:func:`population_rate` with ``n_cells``).
    n_cells : int
        Cells of the population.
    smoothing : float
        SD of the smoothing kernel, s.
    baseline_percentile : float
        ``q``, in ``(0, 50]``.

    Returns
    -------
    RestBaseline
    """
    if not 0 < baseline_percentile <= 50:
        raise ValueError(f"baseline_percentile must be in (0, 50], got {baseline_percentile}")
    if not n_cells > 0:
        raise ValueError(f"n_cells must be positive, got {n_cells}")
    if not smoothing > 0:
        raise ValueError(f"smoothing must be > 0 s for a baseline, got {smoothing}")
    rate = np.asarray(rate, dtype=float)
    if rate.size == 0 or not np.all(np.isfinite(rate)):
        raise ValueError("rate: empty, or contains nan or inf")
    q = float(baseline_percentile)
    scale = n_cells * 2 * smoothing * np.sqrt(np.pi)
    level = float(np.percentile(rate, q))
    return RestBaseline(level=level, root_level=float(np.sqrt(max(level, 0.0) * scale)),
                        spread=0.5, scale=float(scale))


def nominal_false_event_rate(peak_sd: float, smoothing: float,
                             baseline_percentile: float = 20.0) -> float:
    """Expected false events per second of :func:`detect_candidate_events` on noise.

    On a rest without events (a population firing as Poisson processes),
    the root-scaled rate of :class:`RestBaseline` is nearly Gaussian and its
    baseline percentile sits ``z_q`` SDs below its mean, so the peak
    threshold is
    ``u = peak_sd + z_q`` SDs above it (``z_q < 0``).  Rice's formula gives the rate of
    upcrossings of ``u`` by white noise smoothed with a Gaussian of SD
    ``smoothing``: ``exp(-u^2 / 2) / (2 pi sqrt(2) smoothing)``.  Each false
    event needs at least one upcrossing, so this bounds their rate.
    """
    if not smoothing > 0:
        raise ValueError(f"smoothing must be > 0 s, got {smoothing}")
    u = peak_sd + norm.ppf(baseline_percentile / 100)
    return float(np.exp(-0.5 * u * u) / (2 * np.pi * np.sqrt(2) * smoothing))


def detect_candidate_events(
    spike_times: np.ndarray,
    t_start: float,
    t_stop: float,
    *,
    n_cells: int,
    bin_size: float = 0.001,
    smoothing: float = 0.02,
    baseline_percentile: float = 20.0,
    edge_sd: float = 2.0,
    peak_sd: float = 5.0,
    min_duration: float = 0.05,
    max_duration: float | None = None,
    merge_gap: float = 0.02,
) -> np.ndarray:
    """Candidate replay events against a robust baseline of the rest.

    The rule of the published biophysical analysis of Liao et al. (2024, Nat
    Neurosci 27:1987: place-cell counts above threshold, extended to where
    the count returns to its mean) and of Terada et al. (2022, Nature 601:240:
    mean + 2 SD of activity at rest, extended), with the mean and SD replaced
    by a quiet level and spread that events cannot move (:func:`rest_baseline`):

    1. the population rate of the detection population, per cell, in
       ``bin_size`` bins smoothed with a Gaussian of SD ``smoothing``;
    2. the quiet level ``b`` and spread ``s`` (:func:`rest_baseline`);
    3. a candidate is a maximal stretch above ``b + edge_sd * s`` (its edges
       lie where the rate returns to the quiet level) whose peak reaches
       ``b + peak_sd * s``;
    4. candidates less than ``merge_gap`` apart are merged; candidates shorter
       than ``min_duration`` or longer than ``max_duration`` are dropped.

    Detect on the population the question is about (the place cells): cells
    that fire tonically through the rest then neither raise the threshold nor
    fill the gaps between events.  Long candidates made of several
    trajectories are split by :func:`split_at_jumps` of their decoded
    positions (:func:`~neurotoolkit.analysis.detect_events` does both).

    Parameters
    ----------
    spike_times : array of float
        Spike times of the detection population, s.
    t_start, t_stop : float
        The rest, s.
    n_cells : int
        Cells of the detection population.
    bin_size, smoothing : float
        Rate bin and kernel SD, s.
    baseline_percentile : float
        Percentile of the rate taken as the quiet level, in ``(0, 50]``.
    edge_sd, peak_sd : float
        Edge and peak thresholds in spreads above the quiet level.
    min_duration : float
        Shortest event kept, s.
    max_duration : float, optional
        Longest event kept, s (default: no limit).
    merge_gap : float
        Candidates closer than this are merged, s.

    Returns
    -------
    ndarray, shape (n_events, 2)
        ``[start, stop)`` of each candidate, s; ``(0, 2)`` for a rest without
        spikes or with a constant rate.

    See Also
    --------
    nominal_false_event_rate : the false-event rate on noise.
    detect_replay_events : the older hysteresis rule on a z-scored rate.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> quiet = rng.uniform(0, 10, 1000)            # 100 cells at 1 Hz
    >>> sweep = rng.uniform(4.0, 4.3, 900)          # 30 Hz per cell for 300 ms
    >>> events = detect_candidate_events(np.sort(np.r_[quiet, sweep]), 0, 10, n_cells=100)
    >>> events.round(2)  # the edges reach back to the quiet level
    array([[3.94, 4.34]])
    """
    if edge_sd > peak_sd:
        raise ValueError(f"edge_sd ({edge_sd}) must not exceed peak_sd ({peak_sd})")
    if min_duration < 0 or merge_gap < 0:
        raise ValueError("min_duration and merge_gap must be >= 0 s")
    if max_duration is not None and not max_duration > min_duration:
        raise ValueError(f"max_duration ({max_duration}) must exceed min_duration "
                         f"({min_duration})")
    if not n_cells > 0:
        raise ValueError(f"n_cells: the detection population is empty ({n_cells} cells)")
    _, rate = population_rate(spike_times, t_start, t_stop, bin_size=bin_size,
                              smoothing=smoothing, n_cells=n_cells)
    if not np.ptp(rate) > 0:  # no spikes, or a constant rate: nothing stands out
        return np.zeros((0, 2))
    base = rest_baseline(rate, n_cells=n_cells, smoothing=smoothing,
                         baseline_percentile=baseline_percentile)
    return _events_above(rate, base.threshold(edge_sd), base.threshold(peak_sd), t_start,
                         t_stop, bin_size, merge_gap=merge_gap, min_duration=min_duration,
                         max_duration=max_duration)


def _events_above(values: np.ndarray, edge: float, peak: float, t_start: float,
                  t_stop: float, bin_size: float, *, merge_gap: float, min_duration: float,
                  max_duration: float | None = None) -> np.ndarray:
    """Events from a rate-like signal sampled in ``bin_size`` bins from ``t_start``.

    An event is a maximal run of bins with ``values > edge`` whose maximum
    reaches ``peak``; events closer than ``merge_gap`` are merged, then those
    shorter than ``min_duration`` (or longer than ``max_duration``) dropped.
    """
    above = values > edge
    changes = np.diff(np.concatenate(([0], above.astype(np.int8), [0])))
    starts = np.flatnonzero(changes == 1)
    stops = np.flatnonzero(changes == -1)  # exclusive
    if starts.size == 0:
        return np.zeros((0, 2))
    # from one run's start to the next, the maximum is the run's own peak: the
    # bins between runs are all <= edge < the run's own values
    keep = np.maximum.reduceat(values, starts) >= peak
    starts, stops = starts[keep], stops[keep]
    begin = t_start + bin_size * starts
    end = np.minimum(t_start + bin_size * stops, t_stop)
    if merge_gap > 0 and begin.size > 1:
        new_group = (begin[1:] - end[:-1]) >= merge_gap
        first = np.flatnonzero(np.concatenate(([True], new_group)))
        last = np.concatenate((first[1:] - 1, [begin.size - 1]))
        begin, end = begin[first], end[last]
    duration = end - begin
    keep = duration >= min_duration - _BIN_EPS * bin_size
    if max_duration is not None:
        keep &= duration <= max_duration + _BIN_EPS * bin_size
    return np.column_stack((begin[keep], end[keep])).reshape(-1, 2)


def _running_median3(values: np.ndarray) -> np.ndarray:
    """Median of each value and its neighbours (two at the ends)."""
    return np.array([np.median(values[max(i - 1, 0):i + 2]) for i in range(values.size)])


def split_at_jumps(positions: np.ndarray, *, jump_limit: float, min_bins: int = 3,
                   period: float | None = None) -> list[tuple[int, int]]:
    """Split a decoded trajectory where it jumps: one segment per trajectory.

    A rest of back-to-back sweeps gives candidates that hold several sweeps;
    the decoded position moves smoothly within a sweep and jumps between
    them.  Following Pfeiffer & Foster (2013, Nature 497:74) and Davidson,
    Kloosterman & Wilson (2009, Neuron 63:497), a trajectory is a run of bins
    in which the decoded position moves by at most ``jump_limit`` from one
    bin with a position to the next.  Bins without one (``nan``) neither
    split nor join.  Pieces with fewer than ``min_bins`` bins with a position
    are joined to the piece before them (the first to the one after),
    shortest first, so a
    noisy bin or the synchronous burst that opens a sweep does not cut it.
    On a linear track a piece that travels at least ``jump_limit`` one way
    and then at least ``jump_limit`` back (a forward sweep followed at once
    by a reverse one) is split where it turns.

    Parameters
    ----------
    positions : ndarray, shape (n_bins,)
        Decoded position of each bin (e.g. the posterior's maximum), ``nan``
        for bins without spikes.
    jump_limit : float
        Largest step within a trajectory, position units.
    min_bins : int
        Fewest bins with a position in a segment.
    period : float, optional
        Track length of a circular track (steps wrap around).

    Returns
    -------
    list of (int, int)
        ``(first, stop)`` bin ranges of the segments, covering all bins.
    """
    x = np.asarray(positions, dtype=float).ravel()
    if not jump_limit > 0:
        raise ValueError(f"jump_limit must be > 0, got {jump_limit}")
    if min_bins < 1:
        raise ValueError(f"min_bins must be >= 1, got {min_bins}")
    n = x.size
    valid = np.flatnonzero(np.isfinite(x))
    if valid.size < 2:
        return [(0, n)] if n else []
    # a 3-bin running median over the bins with a position ignores single
    # bins decoded far away (a noisy bin, the burst that opens a sweep)
    v = _running_median3(x[valid])
    step = np.abs(np.diff(v))
    if period is not None:
        step = np.minimum(step, period - step)
    # a break sits at the first valid bin after a jump; pieces shorter than
    # min_bins join the piece before them (the first piece, the one after)
    edges = [0, *(int(b) for b in valid[1:][step > jump_limit]), n]
    pieces = [[a, b] for a, b in zip(edges[:-1], edges[1:], strict=True)]
    has_position = np.isfinite(x)
    while len(pieces) > 1:
        lengths = [int(np.count_nonzero(has_position[a:b])) for a, b in pieces]
        k = int(np.argmin(lengths))
        if lengths[k] >= min_bins:
            break
        if k == 0:
            pieces[1][0] = pieces[0][0]
        else:
            pieces[k - 1][1] = pieces[k][1]
        del pieces[k]
    if period is None:
        pieces = [part for a, b in pieces
                  for part in _split_at_turn(x, a, b, jump_limit, min_bins)]
    return [(a, b) for a, b in pieces]


def _split_at_turn(x: np.ndarray, first: int, stop: int, travel: float,
                   min_bins: int) -> list[list[int]]:
    """Split bins ``first:stop`` where the trajectory turns back.

    A turn is an extreme of the positions (a 3-bin running median, which
    ignores single noisy bins) reached after travelling at least ``travel``
    from the previous turn (or the start) and left by travelling at least
    ``travel`` back; pieces shorter than ``min_bins`` are not cut off.
    """
    bins = first + np.flatnonzero(np.isfinite(x[first:stop]))
    if bins.size < 3:
        return [[first, stop]]
    v = _running_median3(x[bins])
    turns, anchor, high, low = [], 0, 0, 0
    for i in range(1, v.size):
        high = i if v[i] > v[high] else high
        low = i if v[i] < v[low] else low
        if v[high] - v[anchor] >= travel and v[high] - v[i] >= travel and high > anchor:
            turns.append(high)
            anchor, low = high, high + int(np.argmin(v[high:i + 1]))
            high = i
        elif v[anchor] - v[low] >= travel and v[i] - v[low] >= travel and low > anchor:
            turns.append(low)
            anchor, high = low, low + int(np.argmax(v[low:i + 1]))
            low = i
    cuts, last = [], 0
    for t in turns:
        # count bins with a position on both sides of the cut
        if t + 1 - last >= min_bins and bins.size - (t + 1) >= min_bins:
            cuts.append(int(bins[t]) + 1)
            last = t + 1
    edges = [first, *cuts, stop]
    return [[a, b] for a, b in zip(edges[:-1], edges[1:], strict=True)]


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
