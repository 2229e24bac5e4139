"""The three levels of abstraction side by side, from their metrics.

:func:`plot_levels` draws whatever levels it is given (``lif``,
``dendritic``, ``binary``...) with the same four panels, one group of
markers per level and pathway set:

1. cue against place cells in replay: the ratio of their mean rates inside
   events (``rate_participation_ratio``) where a level has it, else the ratio
   of the fractions of events they fire in (``participation_ratio``, the
   binary network's measure);
2. learned inhibition onto cue cells against onto place-only cells;
3. place-cue spike-count correlation offline;
4. sequence distance to the latent order, with its shuffle level.

It reads only metrics dictionaries (the ``metrics.json`` of runs, or rows of
a sweep's ``results.csv``), never simulation constants, so adding a level is
adding a key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..results import LEVELS
from .core import PATHWAY_COLOURS, figure

__all__ = ["LEVEL_ORDER", "group_by_pathways", "plot_levels"]

#: Levels in the order they are drawn when present; others follow by name.
LEVEL_ORDER = LEVELS
_PATHWAY_KEYS = ("pathways", "plasticity.pathways")
_MARKERS = {"EE": "o", "EE+IE": "s", "EE+IE+EI": "^"}


def _pathways(metrics: Mapping[str, Any]) -> str:
    for key in _PATHWAY_KEYS:
        if key in metrics and metrics[key] not in (None, ""):
            return str(metrics[key])
    return "all"


def group_by_pathways(runs: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Split one level's runs by their pathway set (``"all"`` when a run does not say).

    A run names its pathway set under ``"pathways"`` or
    ``"plasticity.pathways"`` (the sweep's column).  Groups keep the order in
    which their sets first appear.
    """
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for run in runs:
        groups.setdefault(_pathways(run), []).append(run)
    return groups


def _values(runs: Sequence[Mapping[str, Any]], key: str) -> np.ndarray:
    out = []
    for run in runs:
        value = run.get(key, np.nan)
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            out.append(np.nan)
    return np.asarray(out, dtype=float)


def _ordered_levels(levels: Sequence[str]) -> list[str]:
    known = [level for level in LEVEL_ORDER if level in levels]
    return known + sorted(level for level in levels if level not in LEVEL_ORDER)


def _summary(ax: Any, x: float, values: np.ndarray, colour: str, marker: str,
             label: str | None, filled: bool = True) -> None:
    """Seeds as small markers, their mean as a bar-less large marker with the SD."""
    finite = values[np.isfinite(values)]
    face = colour if filled else "none"
    if finite.size:
        jitter = np.linspace(-0.08, 0.08, finite.size) if finite.size > 1 else np.zeros(1)
        ax.scatter(x + jitter, finite, s=10, marker=marker, facecolors=face,
                   edgecolors=colour, alpha=0.5, lw=0.8)
        ax.errorbar(x, finite.mean(), yerr=finite.std() if finite.size > 1 else None,
                    fmt=marker, ms=6, mfc=face, mec=colour, color=colour, capsize=2,
                    label=label)
    elif label:
        ax.plot([], [], marker, color=colour, mfc=face, label=label)


_CUE_OVER_PLACE = "cue_over_place"


def _cue_over_place(runs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Per run: the rate participation ratio if finite, else the fraction-of-events one."""
    rate = _values(runs, "rate_participation_ratio")
    return np.where(np.isfinite(rate), rate, _values(runs, "participation_ratio"))


def plot_levels(metrics_by_level: Mapping[str, Sequence[Mapping[str, Any]]]) -> Any:
    """Compare levels of abstraction on the consolidation metrics.

    Parameters
    ----------
    metrics_by_level : mapping
        Level name (``"lif"``, ``"dendritic"``, ``"binary"``...) to a list of
        metrics dictionaries, one per run (seed).  Each run may name its
        pathway set (``"pathways"`` or ``"plasticity.pathways"``); runs of
        one level are grouped by it.  Missing or non-numeric metrics are
        left out of that panel.

    Returns
    -------
    matplotlib.figure.Figure
        Four panels; x is the level, markers the pathway set (filled: the
        metric, open: the shuffle level of the sequence distance).

    Raises
    ------
    ValueError
        If no level has any run.
    """
    levels = _ordered_levels([level for level, runs in metrics_by_level.items() if runs])
    if not levels:
        raise ValueError("plot_levels needs at least one level with runs")
    groups = {level: group_by_pathways(metrics_by_level[level]) for level in levels}
    pathway_sets = list(dict.fromkeys(p for g in groups.values() for p in g))
    width = 0.7 / max(len(pathway_sets), 1)

    fig = figure(figsize=(3.0 * 4, 3.2))
    axes = fig.subplots(1, 4)
    panels = (
        (axes[0], _CUE_OVER_PLACE, None, "cue / place in replay"),
        (axes[1], "w_ie_cue_mean", "w_ie_place_mean", "I->E weight (cue filled, place open)"),
        (axes[2], "place_cue_count_correlation", None, "place-cue count correlation"),
        (axes[3], "sequence_distance", "sequence_distance_chance",
         "sequence distance (open: shuffle)"),
    )
    labelled: set[str] = set()
    for ax, key, second, title in panels:
        for lx, level in enumerate(levels):
            for px, pathways in enumerate(pathway_sets):
                runs = groups[level].get(pathways)
                if not runs:
                    continue
                x = lx + (px - (len(pathway_sets) - 1) / 2) * width
                colour = PATHWAY_COLOURS.get(pathways, "k")
                marker = _MARKERS.get(pathways, "D")
                label = None
                if ax is axes[0] and pathways not in labelled:
                    label = pathways
                    labelled.add(pathways)
                values = (_cue_over_place(runs) if key == _CUE_OVER_PLACE
                          else _values(runs, key))
                _summary(ax, x, values, colour, marker, label)
                if second:
                    _summary(ax, x + width / 4, _values(runs, second), colour, marker, None,
                             filled=False)
        ax.set_xticks(range(len(levels)), levels)
        ax.set_xlim(-0.6, len(levels) - 0.4)
        ax.set_title(title)
        if key == "place_cue_count_correlation":
            ax.axhline(0.0, color="0.7", lw=0.6, zorder=-1)
    axes[1].set_ylabel("nS (binary: weight units)")
    axes[0].legend(title="plastic pathways")
    counts = ", ".join(f"{level}: {len(metrics_by_level[level])} runs" for level in levels)
    fig.suptitle(f"Levels of abstraction compared ({counts})")
    return fig
