"""The figure of the convergence experiment at the spiking levels: learning curves.

:func:`convergence_figures` draws what
:func:`neurotoolkit.protocols.convergence.run_convergence` returns (the
runner calls it; see :func:`neurotoolkit.runner.draw_figures`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..analysis import LearningCurveFit
from ..protocols.convergence import distance_matrix, mean_finite
from ..results import RunResult
from .core import PATHWAY_COLOURS, figure
from .curves import plot_learning_curve

__all__ = ["plot_learning_curves", "convergence_figures"]


def plot_learning_curves(rows: Sequence[dict], laps: Sequence[int], seeds: Sequence[int],
                         pathway_sets: Sequence[str], fits: Mapping[str, LearningCurveFit | None],
                         *, level: str,
                         confidence: float = 0.95) -> Any:
    """Distance to the latent order against laps: seeds, mean with interval, fit.

    Left: per pathway set, seeds as points, the mean over seeds with a
    bootstrap interval and the fitted curve with its bootstrap band; dotted,
    the shuffle level.  Right: events per rest.
    """
    fig = figure(figsize=(9.0, 3.4))
    ax, ax_events = fig.subplots(1, 2)
    fig.subplots_adjust(wspace=0.3)
    laps_a = np.asarray(laps, dtype=float)
    chance = []
    for pathways in pathway_sets:
        d = distance_matrix(rows, pathways, seeds, laps)
        colour = PATHWAY_COLOURS.get(pathways, "k")
        if np.isfinite(d).any():
            plot_learning_curve(ax, laps_a, d, fit=fits.get(pathways), colour=colour,
                                label=pathways,
                                level=confidence)
        events = distance_matrix(rows, pathways, seeds, laps, "n_replay_events")
        ax_events.plot(laps_a, np.nanmean(events, axis=0), "o-", color=colour, label=pathways)
        chance.append(mean_finite(distance_matrix(rows, pathways, seeds, laps,
                                                    "sequence_distance_chance")))
    if np.isfinite(chance).any():
        ax.axhline(np.nanmean(chance), color="0.6", ls=":", lw=1, label="shuffle level")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("laps explored")
    ax.set_ylabel("distance to latent order")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{level}: learning curves ({len(seeds)} seeds)")
    ax.legend(fontsize=7)
    ax_events.set_xscale("log", base=2)
    ax_events.set_xlabel("laps explored")
    ax_events.set_ylabel("replay events per rest (mean over seeds)")
    ax_events.legend(fontsize=7)
    return fig


def convergence_figures(result: RunResult, *, level: str, seed: int = 1) -> dict[str, Any]:
    """The figure of a spiking convergence run: ``{"learning_curves": ...}``.

    Drawn from ``result.artefacts`` (``rows``, ``laps``, ``seeds``, ``fits``)
    and ``result.config.convergence`` (pathway sets, confidence level).
    """
    art = result.artefacts
    conv = result.config.convergence
    return {"learning_curves": plot_learning_curves(art["rows"], art["laps"], art["seeds"],
                                                    conv.pathways, art["fits"], level=level,
                                                    confidence=conv.confidence)}
