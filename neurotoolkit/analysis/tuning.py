"""Tuning curves (place fields) from the online phase.

The rate map of cell ``i`` is its spike count per position bin divided by the
time spent in that bin (occupancy normalisation), after smoothing both with
the same Gaussian kernel (e.g. Skaggs et al. 1993; the usual place-field
estimate in replay work, Davidson et al. 2009):

.. math::

    f_i(x) = \\frac{(G * n_i)(x)}{(G * o)(x)}

with ``n_i(x)`` the spikes of cell ``i`` fired while the animal was in bin
``x`` and ``o(x)`` the time spent there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from .recording import Recording

__all__ = ["TuningCurves", "compute_tuning_curves"]


@dataclass(frozen=True, eq=False)
class TuningCurves:
    """Occupancy-normalised rate maps.

    Attributes
    ----------
    rates : ndarray, shape (n_cells, n_pos)
        Rate of each cell in each position bin, Hz (``nan`` where the
        smoothed occupancy is below ``min_occupancy``).
    bin_edges : ndarray, shape (n_pos + 1,)
        Position bin edges (the Recording's position unit).
    occupancy : ndarray, shape (n_pos,)
        Time spent in each bin, s (before smoothing).
    cells : ndarray of int, shape (n_cells,)
        Cell ids of the rows.
    """

    rates: np.ndarray
    bin_edges: np.ndarray
    occupancy: np.ndarray
    cells: np.ndarray

    @property
    def bin_centres(self) -> np.ndarray:
        """Centre of each position bin."""
        return 0.5 * (self.bin_edges[:-1] + self.bin_edges[1:])

    @property
    def n_pos(self) -> int:
        """Number of position bins."""
        return int(self.bin_edges.size - 1)

    @property
    def peak_positions(self) -> np.ndarray:
        """Centre of the bin of each cell's highest rate (``nan`` if all nan)."""
        out = np.full(self.cells.size, np.nan)
        ok = np.any(np.isfinite(self.rates), axis=1)
        out[ok] = self.bin_centres[np.nanargmax(self.rates[ok], axis=1)]
        return out


def compute_tuning_curves(
    recording: Recording,
    *,
    n_bins: int = 60,
    track_range: tuple[float, float] | None = None,
    phase: str | tuple[float, float] | None = "online",
    cells: np.ndarray | None = None,
    smoothing: float = 0.0,
    min_occupancy: float = 0.0,
    min_speed: float | None = None,
    circular: bool = False,
) -> TuningCurves:
    """Occupancy-normalised, optionally smoothed rate maps.

    Parameters
    ----------
    recording : Recording
        Needs ``position_times`` and ``positions`` covering the phase.
    n_bins : int
        Number of position bins.
    track_range : (float, float), optional
        ``(low, high)`` of the bins (default: the range of the positions).
    phase : str or (float, float) or None
        Interval name in ``recording.intervals`` (its first start to its last
        stop), an explicit ``(start, stop)`` in seconds, or ``None`` for the
        whole trajectory.
    cells : array of int, optional
        Cells to compute (default: all).
    smoothing : float
        SD of the Gaussian smoothing of counts and occupancy, in position
        units (0: none).
    min_occupancy : float
        Bins whose (smoothed) occupancy is below this (s) get ``nan`` rates.
    min_speed : float, optional
        Use only time when the speed (position units per s, from each sample
        to the next) is at least this.
    circular : bool
        The track is a loop: smoothing wraps around.

    Returns
    -------
    TuningCurves

    Raises
    ------
    ValueError
        If the recording has no positions in the phase or the bins are invalid.

    Notes
    -----
    Each position sample stands for the time until the next sample (the last
    for the median sampling interval); a spike is assigned the position of the
    sample before it (zero-order hold).
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    if smoothing < 0 or min_occupancy < 0:
        raise ValueError("smoothing and min_occupancy must be >= 0")
    ptimes, pos = recording.position_times, recording.positions
    if ptimes.size < 2:
        raise ValueError("compute_tuning_curves: the Recording has fewer than two "
                         "position samples (positions are needed for tuning curves)")
    if phase is None:
        t0, t1 = ptimes[0], np.inf
    elif isinstance(phase, str):
        t0, t1 = recording.phase(phase)
    else:
        t0, t1 = float(phase[0]), float(phase[1])
    dt = np.diff(ptimes)
    dt = np.append(dt, np.median(dt))
    use = (ptimes >= t0) & (ptimes < t1) & np.isfinite(pos)
    if min_speed is not None:
        # the speed over the interval each sample stands for (forward difference)
        with np.errstate(divide="ignore", invalid="ignore"):
            speed = np.abs(np.diff(pos)) / np.diff(ptimes)
        use &= np.append(speed, speed[-1]) >= min_speed
    if not use.any():
        raise ValueError(f"no position samples in [{t0}, {t1}) s"
                         + (f" with speed >= {min_speed}" if min_speed is not None else ""))
    low, high = (float(np.min(pos[use])), float(np.max(pos[use]))) if track_range is None \
        else (float(track_range[0]), float(track_range[1]))
    if not high > low:
        raise ValueError(f"track_range must be increasing, got ({low}, {high})")
    edges = np.linspace(low, high, n_bins + 1)

    def bin_of(x: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(edges, x, side="right") - 1, 0, n_bins - 1)

    sample_bin = bin_of(pos)
    occupancy = np.bincount(sample_bin[use], weights=dt[use], minlength=n_bins)

    cell_ids = np.arange(recording.n_cells) if cells is None else np.asarray(cells, np.int64)
    times, ids = recording.spikes_between(t0, t1, cell_ids)
    sample = np.searchsorted(ptimes, times, side="right") - 1
    keep = (sample >= 0) & use[np.clip(sample, 0, None)]
    row = np.full(recording.n_cells, -1, dtype=np.int64)
    row[cell_ids] = np.arange(cell_ids.size)
    counts = np.zeros((cell_ids.size, n_bins))
    np.add.at(counts, (row[ids[keep]], sample_bin[sample[keep]]), 1.0)

    occ_smooth = occupancy
    if smoothing > 0:
        sigma = smoothing / (edges[1] - edges[0])
        mode = "wrap" if circular else "constant"
        counts = gaussian_filter1d(counts, sigma, axis=1, mode=mode)
        occ_smooth = gaussian_filter1d(occupancy, sigma, mode=mode)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = counts / occ_smooth[None, :]
    bad = ~(occ_smooth > 0) | (occ_smooth < min_occupancy)
    rates[:, bad] = np.nan
    return TuningCurves(rates=rates, bin_edges=edges, occupancy=occupancy, cells=cell_ids)
