"""More of the plots people expect: weights by latent order, posteriors, learning curves.

Like :mod:`neurotoolkit.plotting`, every function draws plain data (a
Recording, arrays, metrics) on a matplotlib Axes and returns what a caller
may need (an image for a colour bar, the numbers drawn); nothing here runs
a simulation or sets a matplotlib backend.

- :func:`plot_trajectory`: position against time with the cue windows.
- :func:`plot_place_fields`: normalised rate maps sorted by field.
- :func:`plot_weight_matrix`: a learned weight matrix, cells in latent order.
- :func:`plot_posterior`: a decoded replay event with its fitted line.
- :func:`plot_learning_curve`: distance to the latent sequence over laps,
  mean over seeds with a bootstrap interval and a fitted ``c + a n^-beta``.
- :func:`plot_seed_bars`, :func:`plot_grouped_seed_bars`: bars at the mean
  over seeds, each seed a point.
- :func:`plot_error_probability`: the binary model's probability of a wrong
  replayed sequence against laps, with the theorem's bracket.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .analysis import LearningCurveFit, Recording, TuningCurves
from .plotting import CLASS_COLOURS, PATHWAY_COLOURS

__all__ = [
    "latent_rank",
    "dense_weights",
    "plot_trajectory",
    "plot_place_fields",
    "plot_weight_matrix",
    "plot_posterior",
    "bootstrap_mean_interval",
    "plot_learning_curve",
    "plot_grouped_seed_bars",
    "plot_seed_bars",
    "mark_cells",
    "table_column",
    "plot_error_probability",
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


def dense_weights(recording: Recording, pathway: str, pre: np.ndarray,
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
    matrix = dense_weights(recording, pathway, pre, post)
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


def bootstrap_mean_interval(values: np.ndarray, *, level: float = 0.95, n_bootstrap: int = 2000,
                            rng: np.random.Generator | int | None = 0
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over seeds (axis 0) and a percentile bootstrap interval of that mean.

    ``nan`` entries are left out of each column.  With one finite seed the
    interval is the point itself.

    Returns
    -------
    mean, low, high : ndarray, shape (n_points,)
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    rng = np.random.default_rng(rng)
    n_seeds, n_points = values.shape
    mean = np.full(n_points, np.nan)
    low, high = mean.copy(), mean.copy()
    q = 100 * np.array([(1 - level) / 2, (1 + level) / 2])
    for k in range(n_points):
        column = values[:, k][np.isfinite(values[:, k])]
        if not column.size:
            continue
        mean[k] = column.mean()
        draws = rng.choice(column, size=(n_bootstrap, column.size)).mean(axis=1)
        low[k], high[k] = np.percentile(draws, q)
    return mean, low, high


def plot_learning_curve(ax: Any, laps: Sequence[float], distances: np.ndarray, *,
                        fit: LearningCurveFit | None = None, colour: str = "C0",
                        label: str = "", level: float = 0.95) -> dict[str, list[float]]:
    """Distance to the latent sequence against laps: seeds, mean, interval and fit.

    Parameters
    ----------
    laps : sequence of float, shape (n_points,)
    distances : ndarray, shape (n_seeds, n_points)
        One row per seed (``nan`` where undefined).
    fit : LearningCurveFit, optional
        Drawn as a line, with the band spanned by its bootstrap refits.
    colour, label : str
    level : float
        Confidence level of the interval of the mean (bootstrap over seeds).

    Returns
    -------
    dict
        The numbers drawn: ``laps``, ``mean``, ``low``, ``high``.
    """
    laps = np.asarray(laps, dtype=float)
    distances = np.atleast_2d(np.asarray(distances, dtype=float))
    mean, low, high = bootstrap_mean_interval(distances, level=level)
    for row in distances:
        ax.plot(laps, row, "o", ms=2.5, color=colour, alpha=0.35, lw=0)
    ax.fill_between(laps, low, high, color=colour, alpha=0.2, lw=0)
    ax.plot(laps, mean, "o-", color=colour, ms=3.5, lw=1.2,
            label=f"{label} (mean, {int(level * 100)}% CI)" if label else None)
    if fit is not None and np.isfinite(fit.c):
        grid = np.geomspace(laps.min(), laps.max(), 100)
        ax.plot(grid, fit(grid), "--", color=colour, lw=1,
                label=(f"{label} fit: c={fit.c:.2f}, beta={fit.beta:.2f}" if label else None))
        boot = fit.bootstrap[np.all(np.isfinite(fit.bootstrap), axis=1)]
        if boot.shape[0] >= 10:
            curves = boot[:, 0:1] + boot[:, 1:2] * grid[None, :] ** (-boot[:, 2:3])
            lo, hi = np.percentile(curves, [(1 - fit.level) / 2 * 100,
                                            (1 + fit.level) / 2 * 100], axis=0)
            ax.fill_between(grid, lo, hi, color=colour, alpha=0.1, lw=0)
    ax.set_xscale("log")
    if laps.size and np.all(laps > 0):
        # limits from the laps, not the data: a set whose rests had no event
        # (all nan) leaves the axis without positive data to log-scale
        ax.set_xlim(laps.min() / 1.3, laps.max() * 1.3)
    ax.set_xlabel("laps of experience")
    ax.set_ylabel("distance to latent sequence")
    return {"laps": laps.tolist(), "mean": mean.tolist(), "low": low.tolist(),
            "high": high.tolist()}


def plot_grouped_seed_bars(ax: Any, data: Mapping[str, Mapping[str, Sequence[float]]], *,
                           colours: Mapping[str, str] | None = None, ylabel: str = ""
                           ) -> dict[str, dict[str, float]]:
    """Bars grouped by condition, one per label (the mean), seeds as black points.

    Parameters
    ----------
    data : mapping
        ``{condition: {label: values per seed}}``, e.g.
        ``{"EE": {"place": [...], "cue": [...]}, "EE+IE": {...}}``.
    colours : mapping, optional
        Colour of each label (default: :data:`~neurotoolkit.plotting.CLASS_COLOURS`).
    ylabel : str

    Returns
    -------
    dict
        ``{condition: {label: mean}}``, the bar heights.
    """
    colours = dict(CLASS_COLOURS if colours is None else colours)
    conditions = list(data)
    labels = list(dict.fromkeys(label for c in conditions for label in data[c]))
    width = 0.8 / max(len(labels), 1)
    rng = np.random.default_rng(0)  # jitter only
    heights: dict[str, dict[str, float]] = {}
    for c, condition in enumerate(conditions):
        heights[condition] = {}
        for k, label in enumerate(labels):
            values = np.asarray(data[condition].get(label, []), dtype=float)
            finite = values[np.isfinite(values)]
            mean = float(finite.mean()) if finite.size else float("nan")
            heights[condition][label] = mean
            x = c + (k - (len(labels) - 1) / 2) * width
            ax.bar(x, mean if finite.size else 0.0, width * 0.9, alpha=0.75,
                   color=colours.get(label, "0.6"), label=label if c == 0 else None)
            ax.scatter(x + rng.uniform(-width / 5, width / 5, finite.size), finite, s=7,
                       color="k", zorder=3)
    ax.set_xticks(np.arange(len(conditions)), conditions)
    ax.set_ylabel(ylabel)
    ax.legend()
    return heights


def plot_seed_bars(ax: Any, groups: Mapping[str, Sequence[float]], *,
                   colours: Mapping[str, str] | Sequence[str] | None = None,
                   ylabel: str = "", jitter: float = 0.08) -> dict[str, float]:
    """One bar per group at its mean over seeds; each seed a black point.

    Parameters
    ----------
    groups : mapping of str to sequence of float
        Values per group (``nan`` are shown as missing).
    colours : mapping or sequence, optional
        Bar colours by group name or in order.
    ylabel : str
    jitter : float
        Horizontal spread of the seed points (deterministic).

    Returns
    -------
    dict of str to float
        The bar heights (``nan`` for a group without finite values).
    """
    names = list(groups)
    heights: dict[str, float] = {}
    rng = np.random.default_rng(0)  # jitter only
    for k, name in enumerate(names):
        values = np.asarray(groups[name], dtype=float)
        finite = values[np.isfinite(values)]
        heights[name] = float(finite.mean()) if finite.size else float("nan")
        if isinstance(colours, Mapping):
            colour = colours.get(name, "0.6")
        elif colours is not None:
            colour = list(colours)[k % len(colours)]
        else:
            colour = "0.6"
        ax.bar(k, heights[name] if finite.size else 0.0, 0.7, color=colour, alpha=0.75)
        ax.scatter(k + rng.uniform(-jitter, jitter, finite.size), finite, s=8, color="k",
                   zorder=3)
        if not finite.size:
            ax.text(k, 0, "n/a", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(np.arange(len(names)), names)
    ax.set_ylabel(ylabel)
    return heights


def table_column(rows: Sequence[Mapping[str, str]], key: str) -> np.ndarray:
    """One column of CSV rows (as read by :class:`csv.DictReader`) as floats.

    Missing or non-numeric entries become ``nan``.
    """
    values = []
    for row in rows:
        try:
            values.append(float(row.get(key)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            values.append(math.nan)
    return np.array(values, dtype=float)


def plot_error_probability(ax: Any, rows: Sequence[Mapping[str, str]], *,
                           floor: float = 1e-6) -> dict[str, Any]:
    """P(replayed sequence is wrong) against laps, from a binary ``convergence.csv``.

    For each pathway set: the measured probability over many networks with
    its 95% Wilson interval (points), a 3/n upper limit where no network
    was wrong (triangles, the "rule of three"), the theorem's exact bracket
    ``[exact_lower, exact_upper]`` (band) and its Chernoff bound (dashed),
    where the theorem applies (``theory_rate`` finite).

    Parameters
    ----------
    ax : matplotlib Axes
    rows : sequence of mapping
        Rows of ``convergence.csv`` (``neurotoolkit run convergence --level
        binary``): ``pathways``, ``laps``, ``p_wrong``, ``p_wrong_ci_low``,
        ``p_wrong_ci_high``, ``n_networks``, ``exact_lower``,
        ``exact_upper``, ``chernoff_bound``, ``theory_rate``.
    floor : float
        Lower limit of the log axis.

    Returns
    -------
    dict
        The numbers drawn, per pathway set.
    """
    drawn: dict[str, Any] = {}
    for pathways in dict.fromkeys(row["pathways"] for row in rows):
        mine = [row for row in rows if row["pathways"] == pathways]
        laps = table_column(mine, "laps")
        p = table_column(mine, "p_wrong")
        lo, hi = table_column(mine, "p_wrong_ci_low"), table_column(mine, "p_wrong_ci_high")
        n_networks = table_column(mine, "n_networks")
        colour = PATHWAY_COLOURS.get(pathways, "k")
        seen = p > 0
        ax.errorbar(laps[seen], p[seen], yerr=[p[seen] - lo[seen], hi[seen] - p[seen]],
                    fmt="o", ms=3, lw=0.8, color=colour, label=f"{pathways}: measured")
        if (~seen).any():
            ax.plot(laps[~seen], 3.0 / n_networks[~seen], "v", ms=3, color=colour, alpha=0.5)
        lower, upper = table_column(mine, "exact_lower"), table_column(mine, "exact_upper")
        rate = table_column(mine, "theory_rate")
        if np.isfinite(rate).any():
            ax.fill_between(laps, np.maximum(lower, floor), np.maximum(upper, floor),
                            color=colour, alpha=0.2, lw=0, label=f"{pathways}: theorem")
            chernoff = table_column(mine, "chernoff_bound")
            ax.plot(laps, np.maximum(chernoff, floor), "--", color=colour, lw=0.8)
        drawn[pathways] = {"laps": laps.tolist(), "p_wrong": p.tolist(),
                           "exact_lower": lower.tolist(), "exact_upper": upper.tolist(),
                           "theory_rate": float(rate[0]) if rate.size else math.nan}
    ax.set_yscale("log")
    ax.set_ylim(floor, 1.5)
    ax.set_xlabel("laps of experience")
    ax.set_ylabel("P(replayed sequence is wrong)")
    ax.legend(fontsize=6, loc="lower left")
    return drawn
