"""Spatial information (Skaggs) and the classing of unlabelled cells as place cells.

The spatial information of a cell, in bits per spike (Skaggs, McNaughton,
Gothard & Markus 1993, NIPS 5:1030), is

.. math::

    I = \\sum_x p_x \\frac{\\lambda_x}{\\lambda} \\log_2 \\frac{\\lambda_x}{\\lambda},
    \\qquad \\lambda = \\sum_x p_x \\lambda_x

with ``p_x`` the fraction of time spent in position bin ``x`` and
``lambda_x`` the cell's rate there.  ``I`` is biased upwards for cells with
few spikes, so a cell counts as a place cell when its information beats that
of copies of its own spikes placed at random moments of the run, which have
the same number of spikes and so the same bias, rather than a fixed
threshold.  (A circular shift of the spike train, the other common null,
keeps a field intact when laps repeat the same trajectory.)

The rule of :func:`classify_place_cells`: a cell is a place cell when

1. it fires at least ``min_spikes`` spikes in the run,
2. its spatial information is significant against ``n_shuffles`` copies in
   which each of its spikes is given the position of a random moment of the
   run (drawn in proportion to time): the Monte-Carlo p-value
   ``(1 + #{copies >= the cell}) / (1 + n_shuffles)`` is at most ``alpha``,
   and
3. the peak of its rate map (smoothed with a Gaussian of SD ``smoothing``)
   is at least ``min_peak_rate``.

Its field centre is the position of that peak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from ._rng import as_generator
from .recording import Recording
from .shuffles import shuffle_p_value

__all__ = ["PlaceCellClasses", "classify_place_cells", "spatial_information"]


def spatial_information(counts: np.ndarray, occupancy: np.ndarray) -> np.ndarray:
    """Skaggs spatial information, bits per spike, of each row of ``counts``.

    Parameters
    ----------
    counts : ndarray, shape (..., n_pos)
        Spikes fired in each position bin.
    occupancy : ndarray, shape (n_pos,)
        Time spent in each bin, s.

    Returns
    -------
    ndarray, shape (...)
        ``nan`` for rows without spikes.
    """
    counts = np.asarray(counts, dtype=float)
    occupancy = np.asarray(occupancy, dtype=float)
    visited = occupancy > 0
    p = occupancy[visited] / occupancy[visited].sum()
    rate = counts[..., visited] / occupancy[visited]
    mean = (p * rate).sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = rate / mean
        terms = np.where(ratio > 0, p * ratio * np.log2(ratio), 0.0)
    info = terms.sum(axis=-1)
    return np.where(mean[..., 0] > 0, info, np.nan)


@dataclass(frozen=True, eq=False)
class PlaceCellClasses:
    """Which cells are place cells, and why.

    Attributes
    ----------
    is_place : ndarray of bool, shape (n_cells,)
    information : ndarray, shape (n_cells,)
        Spatial information, bits per spike (``nan`` without spikes).
    p_value : ndarray, shape (n_cells,)
        Monte-Carlo p-value of the information against the shuffles
        (``nan`` without spikes).
    peak_rate : ndarray, shape (n_cells,)
        Peak of the smoothed rate map, Hz.
    field_centres : ndarray, shape (n_cells,)
        Position of that peak (``nan`` for cells that are not place cells).
    n_spikes : ndarray of int, shape (n_cells,)
        Spikes in the run (with a position).
    """

    is_place: np.ndarray
    information: np.ndarray
    p_value: np.ndarray
    peak_rate: np.ndarray
    field_centres: np.ndarray
    n_spikes: np.ndarray


def classify_place_cells(
    recording: Recording,
    run: tuple[float, float],
    *,
    bin_size: float = 5.0,
    track_range: tuple[float, float] | None = None,
    n_shuffles: int = 200,
    alpha: float = 0.01,
    min_spikes: int = 10,
    min_peak_rate: float = 1.0,
    smoothing: float = 5.0,
    rng: np.random.Generator | int | None = None,
) -> PlaceCellClasses:
    """Class every cell of ``recording`` as place cell or not (the rule in the module docstring).

    Parameters
    ----------
    recording : Recording
        With the trajectory; position samples that are ``nan`` (the animal
        resting, or lost by the tracker) are left out.
    run : (float, float)
        The run period, s.
    bin_size : float
        Position bin, position units.
    track_range : (float, float), optional
        Range of the bins (default: the range of the positions in the run).
    n_shuffles, alpha
        The shuffle test and its level.
    min_spikes : int
    min_peak_rate : float
        Hz.
    smoothing : float
        SD of the rate-map smoothing for the peak, position units.
    rng : Generator, int or None

    Returns
    -------
    PlaceCellClasses

    Raises
    ------
    ValueError
        If the run has fewer than two position samples.
    """
    rng = as_generator(rng)
    ptimes, pos = recording.position_times, recording.positions
    inside = (ptimes >= run[0]) & (ptimes < run[1])
    use = inside & np.isfinite(pos)
    if use.sum() < 2:
        raise ValueError(f"fewer than two position samples in the run [{run[0]:g}, {run[1]:g}) s")
    dt = np.append(np.diff(ptimes), np.median(np.diff(ptimes)))
    low, high = ((float(np.min(pos[use])), float(np.max(pos[use]))) if track_range is None
                 else track_range)
    n_bins = max(round((high - low) / bin_size), 2)
    edges = np.linspace(low, high, n_bins + 1)
    sample_bin = np.clip(np.searchsorted(edges, np.where(use, pos, low), side="right") - 1,
                         0, n_bins - 1)
    used = np.flatnonzero(use)
    occupancy = np.bincount(sample_bin[used], weights=dt[used], minlength=n_bins)

    n_cells = recording.n_cells
    times, ids = recording.spikes_between(*run)
    sample = np.searchsorted(ptimes, times, side="right") - 1
    keep = (sample >= 0) & use[np.clip(sample, 0, None)]
    ids, sample = ids[keep], sample[keep]
    counts = np.zeros((n_cells, n_bins))
    np.add.at(counts, (ids, sample_bin[sample]), 1.0)
    n_spikes = np.bincount(ids, minlength=n_cells)
    information = spatial_information(counts, occupancy)

    weight = dt[used] / dt[used].sum()
    null = np.empty((n_shuffles, n_cells))
    for k in range(n_shuffles):
        moved = used[rng.choice(used.size, size=ids.size, p=weight)]
        shuffled = np.bincount(ids * n_bins + sample_bin[moved],
                               minlength=n_cells * n_bins).reshape(n_cells, n_bins)
        null[k] = spatial_information(shuffled, occupancy)
    p_value = shuffle_p_value(information, null.T)
    sigma = smoothing / (edges[1] - edges[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        maps = gaussian_filter1d(counts, sigma, axis=1, mode="constant") / \
            gaussian_filter1d(occupancy, sigma, mode="constant")
    maps[:, ~(occupancy > 0)] = np.nan
    peak = np.nanmax(np.where(np.isfinite(maps), maps, -np.inf), axis=1)
    centres_of_peaks = 0.5 * (edges[:-1] + edges[1:])[
        np.argmax(np.where(np.isfinite(maps), maps, -np.inf), axis=1)]
    with np.errstate(invalid="ignore"):
        is_place = ((n_spikes >= min_spikes) & (p_value <= alpha)
                    & (peak >= min_peak_rate))
    return PlaceCellClasses(is_place=is_place, information=information, p_value=p_value,
                            peak_rate=peak, field_centres=np.where(is_place, centres_of_peaks,
                                                                   np.nan),
                            n_spikes=n_spikes)
