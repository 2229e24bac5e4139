"""Plots of the world and of replay: trajectories, fields, weights in latent order, posteriors.

Every function draws plain data (a Recording, arrays) on a matplotlib Axes
and returns what a caller may need (an image for a colour bar); nothing here
runs a simulation or sets a matplotlib backend.

- :func:`plot_trajectory`: position against time with the cue windows.
- :func:`plot_place_fields`: normalised rate maps sorted by field.
- :func:`plot_weight_matrix`: a learned weight matrix, cells in latent order.
- :func:`plot_posterior`: a decoded replay event with its fitted line.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..analysis import Recording, TuningCurves
from .core import CLASS_COLOURS

__all__ = [
    "latent_rank",
    "weight_submatrix",
    "plot_trajectory",
    "plot_place_fields",
    "plot_weight_matrix",
    "plot_posterior",
    "mark_cells",
]


def latent_rank(recording: Recording, cells: np.ndarray) -> np.ndarray:
    """``cells`` sorted by their place in the latent sequence.

    Cells in ``recording.latent_order`` come first, in that order; the others
    follow sorted by field centre (cells without a field last, by id).
    """
    cells = np.asarray(cells, dtype=np.int64)
    position = np.full(recording.n_cells, np.inf)
    position[recording.latent_order] = np.arange(recording.latent_order.size)
    centres = np.where(np.isfinite(recording.field_centres), recording.field_centres, np.inf)
    return cells[np.lexsort((cells, centres[cells], position[cells]))]


def weight_submatrix(recording: Recording, pathway: str, pre: np.ndarray,
                     post: np.ndarray) -> np.ndarray:
    """Weights of ``pathway`` as a dense ``(len(post), len(pre))`` matrix.

    Missing synapses are 0; several synapses between one pair are summed.

    Raises
    ------
    KeyError
        If the recording has no weights named ``pathway``.
    """
    if pathway not in recording.weights:
        raise KeyError(f"no {pathway!r} weights in this Recording "
                       f"(has: {', '.join(recording.weights) or 'none'})")
    i, j, w = recording.weights[pathway]
    row = np.full(recording.n_cells, -1)
    col = np.full(recording.n_cells, -1)
    row[np.asarray(post)] = np.arange(len(post))
    col[np.asarray(pre)] = np.arange(len(pre))
    keep = (row[j] >= 0) & (col[i] >= 0)
    matrix = np.zeros((len(post), len(pre)))
    np.add.at(matrix, (row[j[keep]], col[i[keep]]), w[keep])
    return matrix


def mark_cells(ax: Any, recording: Recording, cells: np.ndarray, axis: str = "y",
               label: str = "cue") -> None:
    """Short coloured ticks beside an image for the ``label`` cells among ``cells``."""
    index = np.flatnonzero(recording.cell_labels[np.asarray(cells)] == label)
    colour = CLASS_COLOURS.get(label, "k")
    for k in index:
        if axis == "y":
            ax.plot([-0.03, -0.005], [k, k], color=colour, lw=1.0, clip_on=False,
                    transform=ax.get_yaxis_transform())
        else:
            ax.plot([k, k], [-0.03, -0.005], color=colour, lw=1.0, clip_on=False,
                    transform=ax.get_xaxis_transform())


def plot_trajectory(ax: Any, recording: Recording, t_start: float | None = None,
                    t_stop: float | None = None) -> None:
    """Position against time, with each cue window drawn where the cue was.

    The cue window of a lap is a thick red segment on the trajectory; under a
    random placement it lands somewhere else every lap.
    """
    t0, t1 = recording.phase("online")
    t_start = t0 if t_start is None else t_start
    t_stop = t1 if t_stop is None else t_stop
    times, x = recording.position_times, recording.positions
    keep = (times >= t_start) & (times <= t_stop)
    ax.plot(times[keep], x[keep], color="0.3", lw=0.8, label="animal")
    for k, (start, stop) in enumerate(recording.intervals.get("cue", np.zeros((0, 2)))):
        inside = (times >= start) & (times < stop) & keep
        ax.plot(times[inside], x[inside], color=CLASS_COLOURS["cue"], lw=3,
                solid_capstyle="butt", label="cue on" if k == 0 else None)
    ax.set_xlim(t_start, t_stop)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"position ({recording.position_unit})")


def plot_place_fields(ax: Any, tuning: TuningCurves, recording: Recording) -> Any:
    """Rate maps normalised to their peak, one row per cell, sorted by field.

    Rows are the cells of ``tuning`` in latent order; cue cells are marked
    on the left edge.  Returns the image (for a colour bar).
    """
    order = latent_rank(recording, tuning.cells)
    row_of = {int(cell): k for k, cell in enumerate(tuning.cells)}
    rows = np.array([row_of[int(cell)] for cell in order], dtype=np.int64)
    rates = np.nan_to_num(tuning.rates[rows], nan=0.0)
    peak = rates.max(axis=1, keepdims=True)
    normalised = np.divide(rates, peak, out=np.zeros_like(rates), where=peak > 0)
    edges = tuning.bin_edges
    image = ax.imshow(normalised, aspect="auto", origin="lower", cmap="magma",
                      extent=(edges[0], edges[-1], -0.5, len(order) - 0.5),
                      interpolation="nearest", vmin=0, vmax=1)
    mark_cells(ax, recording, order, axis="y")
    ax.set_xlabel(f"position ({recording.position_unit})")
    ax.set_ylabel("cell (latent order)")
    return image


def plot_weight_matrix(ax: Any, recording: Recording, pathway: str = "EE",
                       pre: np.ndarray | None = None, post: np.ndarray | None = None,
                       *, sort: bool = True, cmap: str = "viridis") -> Any:
    """A learned weight matrix with cells in latent order; cue cells marked.

    Parameters
    ----------
    ax : matplotlib Axes
    recording : Recording
    pathway : str
        Weight set, e.g. ``"EE"`` or ``"IE"``.
    pre, post : array of int, optional
        Presynaptic and postsynaptic cells (default: place and cue cells).
    sort : bool
        Sort both by :func:`latent_rank` (cells without a field, such as
        interneurons, keep their id order); False keeps the order given.
    cmap : str

    Returns
    -------
    matplotlib image, or None when the recording has no such weights.
    """
    default = recording.cells("place", "cue")
    pre = np.asarray(default if pre is None else pre, dtype=np.int64)
    post = np.asarray(default if post is None else post, dtype=np.int64)
    if sort:
        pre, post = latent_rank(recording, pre), latent_rank(recording, post)
    unit = recording.metadata.get("weight_unit", "")
    if pathway not in recording.weights or not pre.size or not post.size:
        ax.text(0.5, 0.5, f"no {pathway} weights", ha="center", va="center",
                transform=ax.transAxes)
        return None
    matrix = weight_submatrix(recording, pathway, pre, post)
    image = ax.imshow(matrix, aspect="auto", origin="lower", cmap=cmap,
                      interpolation="nearest")
    mark_cells(ax, recording, post, axis="y")
    mark_cells(ax, recording, pre, axis="x")
    ax.set_xlabel("presynaptic cell (latent order)" if np.isfinite(
        recording.field_centres[pre]).any() else "presynaptic cell")
    ax.set_ylabel("postsynaptic cell (latent order)")
    ax.set_title(f"{pathway} weights" + (f" ({unit})" if unit else ""))
    return image


def plot_posterior(ax: Any, posterior: np.ndarray, bin_size: float,
                   position_range: tuple[float, float], *,
                   line: tuple[float, float] | None = None, band: float | None = None,
                   t_offset: float = 0.0, position_unit: str = "cm") -> Any:
    """A decoded event as an image (time across, position up) with its fitted line.

    Parameters
    ----------
    posterior : ndarray, shape (n_bins, n_pos)
        Rows sum to one.
    bin_size : float
        Time bin, s.
    position_range : (float, float)
        Track start and end covered by the ``n_pos`` position bins.
    line : (slope, intercept), optional
        Fitted line in position bins per time bin and position bins at the
        first time bin (as returned by :func:`~neurotoolkit.analysis.line_fit_score`).
    band : float, optional
        Half-width of the line-fit band, position bins (drawn as dotted lines).
    t_offset : float
        Time of the event's first bin edge (for the axis), s.
    position_unit : str

    Returns
    -------
    matplotlib image
    """
    posterior = np.asarray(posterior, dtype=float)
    n_t, n_pos = posterior.shape
    x0, x1 = position_range
    dx = (x1 - x0) / n_pos
    t_edges = (t_offset, t_offset + n_t * bin_size)
    image = ax.imshow(posterior.T, aspect="auto", origin="lower", cmap="bone_r",
                      extent=(*(1e3 * np.asarray(t_edges)), x0, x1), interpolation="nearest",
                      vmin=0, vmax=max(float(posterior.max()), 1e-12))
    if line is not None:
        slope, intercept = line
        t_centres = np.arange(n_t)
        x_line = x0 + (intercept + slope * t_centres + 0.5) * dx
        t_ms = 1e3 * (t_offset + (t_centres + 0.5) * bin_size)
        ax.plot(t_ms, x_line, color="#ff7f0e", lw=1.5, label="fitted line")
        if band:
            for sign in (-1, 1):
                ax.plot(t_ms, x_line + sign * (band + 0.5) * dx, color="#ff7f0e", lw=0.7,
                        ls=":")
        ax.set_ylim(x0, x1)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"decoded position ({position_unit})")
    return image
