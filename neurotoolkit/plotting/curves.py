"""Curves and bars over seeds: learning curves, seed bars, the binary model's error probability.

Every function draws plain data (arrays, metrics, table rows) on a
matplotlib Axes and returns the numbers drawn.

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

from ..analysis import LearningCurveFit, bootstrap_mean_interval
from ..io import table_column
from .core import CLASS_COLOURS, PATHWAY_COLOURS

__all__ = ["plot_learning_curve", "plot_grouped_seed_bars", "plot_seed_bars",
           "plot_error_probability"]


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
    fitted = laps[np.isfinite(mean)]
    if fit is not None and np.isfinite(fit.c) and fitted.size:
        # only over the lap counts the fit saw: rests without events have no
        # distance, and a steep fit extrapolated to them leaves the axis
        grid = np.geomspace(fitted.min(), fitted.max(), 100)
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
