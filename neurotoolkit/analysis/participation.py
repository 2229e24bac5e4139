"""Who fires in replay: participation by cell class, firing orders, and the
place–cue count correlation.

Terada et al. (2022, Nature 601:240) measured recruitment into replay as the
fraction of events in which a cell is active; Liao et al. (2024, Nat Neurosci
27:1987) compare it between cue cells and place cells, and correlate place and
cue activity offline in 150 ms bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .events import validate_events
from .recording import Recording

__all__ = [
    "participation",
    "participation_by_class",
    "event_orders",
    "place_cue_count_correlation",
    "event_index",
    "RateGain",
    "rate_gain_by_class",
]


def event_index(spike_times: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Index of the event ``[start, stop)`` containing each spike, or -1.

    ``events`` must be sorted and disjoint (see :func:`validate_events`).
    """
    times = np.asarray(spike_times, dtype=float)
    events = validate_events(events)
    if events.shape[0] == 0:
        return np.full(times.shape, -1, dtype=np.int64)
    k = np.searchsorted(events[:, 0], times, side="right") - 1
    valid = k >= 0
    valid[valid] &= times[valid] < events[k[valid], 1]
    k[~valid] = -1
    return k


def _cells_or_all(recording: Recording, cells: np.ndarray | None) -> np.ndarray:
    if cells is None:
        return np.arange(recording.n_cells)
    cells = np.asarray(cells, dtype=np.int64).ravel()
    if cells.size and (cells.min() < 0 or cells.max() >= recording.n_cells):
        raise ValueError(f"cells: ids out of range for {recording.n_cells} cells")
    return cells


def participation(recording: Recording, events: np.ndarray,
                  cells: np.ndarray | None = None) -> np.ndarray:
    """Fraction of events in which each cell fires at least one spike.

    Parameters
    ----------
    recording : Recording
    events : array, shape (n_events, 2)
        Sorted, disjoint ``[start, stop)`` intervals, seconds.
    cells : array of int, optional
        Cells to report, in this order (default: all cells).

    Returns
    -------
    ndarray of float, shape (len(cells),)
        ``p_i = #{events with a spike of i} / n_events``; all ``nan`` when
        there are no events (participation is undefined, not zero).
    """
    events = validate_events(events)
    cells = _cells_or_all(recording, cells)
    n_events = events.shape[0]
    if n_events == 0:
        return np.full(cells.size, np.nan)
    k = event_index(recording.spike_times, events)
    inside = k >= 0
    pairs = np.unique(k[inside] * recording.n_cells + recording.spike_ids[inside])
    n_active = np.bincount(pairs % recording.n_cells, minlength=recording.n_cells)
    return n_active[cells] / n_events


def participation_by_class(recording: Recording, events: np.ndarray,
                           labels: Sequence[str] | None = None) -> dict[str, float]:
    """Mean participation over the cells of each label.

    Parameters
    ----------
    recording : Recording
    events : array, shape (n_events, 2)
    labels : sequence of str, optional
        Labels to report (default: every label of the recording, in order of
        first appearance).  A label with no cells gives ``nan``.

    Returns
    -------
    dict of str to float
        ``{label: mean_i p_i}`` over the cells ``i`` with that label; ``nan``
        when there are no events.
    """
    if labels is None:
        _, first = np.unique(recording.cell_labels, return_index=True)
        labels = [str(recording.cell_labels[i]) for i in np.sort(first)]
    elif isinstance(labels, str):
        raise TypeError("labels: pass a sequence of labels, e.g. ('place', 'cue'), not a string")
    p = participation(recording, events)
    out: dict[str, float] = {}
    for label in labels:
        mask = recording.cell_labels == label
        out[str(label)] = float(p[mask].mean()) if mask.any() else float("nan")
    return out


def event_orders(recording: Recording, events: np.ndarray, cells: np.ndarray | None = None,
                 by: str = "first", min_cells: int = 3) -> list[np.ndarray]:
    """The cells active in each event, in firing order.

    Parameters
    ----------
    recording : Recording
    events : array, shape (n_events, 2)
    cells : array of int, optional
        Only these cells are considered (default: all).
    by : {"first", "mean", "median"}
        Order by each cell's first spike time in the event, by its mean
        spike time (the centre of mass used by rank-order analyses, e.g.
        Lee & Wilson 2002, Neuron 36:1183), or by its median spike time
        (robust to the one spike a cell fires in the synchronous burst that
        opens a sweep, which pulls the mean towards the event's start).
    min_cells : int
        Events with fewer active cells give an empty array.

    Returns
    -------
    list of ndarray of int
        One array per event (aligned with ``events``): cell ids sorted by the
        chosen time, ties broken by cell id.
    """
    if by not in ("first", "mean", "median"):
        raise ValueError(f"by must be 'first', 'mean' or 'median', got {by!r}")
    if min_cells < 1:
        raise ValueError(f"min_cells must be >= 1, got {min_cells}")
    events = validate_events(events)
    n_cells = recording.n_cells
    times, ids = recording.spike_times, recording.spike_ids
    k = event_index(times, events)
    keep = k >= 0
    if cells is not None:
        keep &= np.isin(ids, _cells_or_all(recording, cells))
    k, times, ids = k[keep], times[keep], ids[keep]
    key = k * n_cells + ids
    # spikes are sorted by time, so the first occurrence of a key is its first spike
    pairs, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    if by == "first":
        when = times[first]
    elif by == "mean":
        when = np.bincount(inverse, weights=times) / np.bincount(inverse)
    else:
        # a stable sort by pair keeps each pair's spikes in time order
        grouped = times[np.argsort(inverse, kind="stable")]
        n = np.bincount(inverse)
        start = np.concatenate(([0], np.cumsum(n)[:-1]))
        when = 0.5 * (grouped[start + (n - 1) // 2] + grouped[start + n // 2])
    pair_event, pair_cell = pairs // n_cells, pairs % n_cells
    sort = np.lexsort((pair_cell, when, pair_event))
    pair_event, pair_cell = pair_event[sort], pair_cell[sort]
    bounds = np.searchsorted(pair_event, np.arange(events.shape[0] + 1))
    orders = []
    for e in range(events.shape[0]):
        order = pair_cell[bounds[e]:bounds[e + 1]]
        orders.append(order.astype(np.int64) if order.size >= min_cells
                      else np.zeros(0, dtype=np.int64))
    return orders


def place_cue_count_correlation(recording: Recording, t_start: float, t_stop: float,
                                bin_size: float = 0.15,
                                place_labels: Sequence[str] = ("place",),
                                cue_labels: Sequence[str] = ("cue",)) -> float:
    """Pearson correlation of place-cell and cue-cell spike counts in bins.

    The window ``[t_start, t_stop)`` is cut into ``floor((t_stop - t_start) /
    bin_size)`` whole bins; ``P_b`` and ``C_b`` are the summed spike counts of
    the place and cue classes in bin ``b``, and the result is Pearson's
    ``r(P, C)``.  Liao et al. (2024) report r = -0.07 over 150 ms bins for
    their detailed model offline.

    Returns
    -------
    float
        ``r`` in ``[-1, 1]``, ``nan`` if either count series is constant.

    Raises
    ------
    ValueError
        If the window holds fewer than three whole bins.
    """
    if not bin_size > 0:
        raise ValueError(f"bin_size must be > 0 s, got {bin_size}")
    for name, value in (("place_labels", place_labels), ("cue_labels", cue_labels)):
        if isinstance(value, str):
            raise TypeError(f"{name}: pass a sequence of labels, e.g. ({value!r},)")
    n_bins = int(np.floor((t_stop - t_start) / bin_size + 1e-9))
    if n_bins < 3:
        raise ValueError(f"window [{t_start}, {t_stop}) s holds {n_bins} bins of "
                         f"{bin_size} s; a correlation needs at least 3")
    t_end = t_start + n_bins * bin_size
    series = []
    for labels in (place_labels, cue_labels):
        times, _ = recording.spikes_between(t_start, t_end, recording.cells(*labels))
        b = np.minimum(((times - t_start) / bin_size).astype(np.int64), n_bins - 1)
        series.append(np.bincount(b, minlength=n_bins).astype(float))
    place, cue = series
    if place.std() == 0 or cue.std() == 0:
        return float("nan")
    place -= place.mean()
    cue -= cue.mean()
    return float(np.dot(place, cue) / np.sqrt(np.dot(place, place) * np.dot(cue, cue)))


@dataclass(frozen=True)
class RateGain:
    """A class of cells' firing inside replay events against outside them.

    Attributes
    ----------
    inside : float
        Mean rate of the class inside events, Hz per cell.
    outside : float
        Mean rate of the class in the rest of the window, Hz per cell.
    gain : float
        ``inside / outside``: above 1 recruited into replay, below 1
        suppressed (``nan`` when the class is silent outside events).
    """

    inside: float
    outside: float
    gain: float


def rate_gain_by_class(recording: Recording, events: np.ndarray, t_start: float,
                       t_stop: float, labels: Sequence[str] = ("place", "cue")
                       ) -> dict[str, RateGain]:
    """Rate inside events over rate outside them, per class of cells.

    With long events (whole sweeps) the fraction of events in which a cell
    fires at all says little: one sporadic spike anywhere in a sweep counts.
    Rates say how strongly a class is recruited or suppressed; Terada et al.
    (2022, Nature 601:240) found cue-cell axons suppressed during replay,
    below their own rate outside it.

    Parameters
    ----------
    recording : Recording
    events : array, shape (n_events, 2)
        Sorted, disjoint events inside ``[t_start, t_stop)``.
    t_start, t_stop : float
        The window (the rest), s.
    labels : sequence of str
        Classes to report.

    Returns
    -------
    dict of str to RateGain
        ``nan`` fields where a class has no cells, there are no events, or
        the events fill the whole window.
    """
    if isinstance(labels, str):
        raise TypeError("labels: pass a sequence of labels, e.g. ('place', 'cue'), not a string")
    if not t_stop > t_start:
        raise ValueError(f"t_stop ({t_stop}) must be after t_start ({t_start})")
    events = validate_events(events)
    clipped = np.clip(events, t_start, t_stop)
    t_in = float(np.sum(clipped[:, 1] - clipped[:, 0]))
    t_out = (t_stop - t_start) - t_in
    out: dict[str, RateGain] = {}
    for label in labels:
        cells = recording.cells(label)
        times, _ = recording.spikes_between(t_start, t_stop, cells)
        n_in = int(np.count_nonzero(event_index(times, events) >= 0))
        nan = float("nan")
        inside = n_in / (cells.size * t_in) if cells.size and t_in > 0 else nan
        outside = (times.size - n_in) / (cells.size * t_out) if cells.size and t_out > 0 else nan
        gain = inside / outside if outside > 0 else nan
        out[str(label)] = RateGain(inside=inside, outside=outside, gain=gain)
    return out
