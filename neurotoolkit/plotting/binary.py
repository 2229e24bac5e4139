"""Figures of the binary level: one trained network's replays, and convergence against laps.

:func:`binary_consolidation_figures` and :func:`binary_convergence_figures`
draw what the binary experiments return (the runner calls them; see
:func:`neurotoolkit.runner.draw_figures`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..binary.config import BinaryConfig
from ..binary.network import Replays, TrainedNetwork, replay_weights
from ..results import RunResult

__all__ = ["plot_consolidation", "plot_convergence", "binary_consolidation_figures",
           "binary_convergence_figures"]


def plot_consolidation(network: TrainedNetwork, replays: Replays) -> Any:
    """Figure: learned E->E weights, inhibition by class, and replay rasters."""
    from matplotlib.figure import Figure  # matplotlib loads only when something is drawn

    layout = network.layout
    weights = replay_weights(network)
    fig = Figure(figsize=(11, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    image = axes[0].imshow(weights["EE"], cmap="viridis", origin="lower", aspect="auto")
    axes[0].axvline(layout.n_place - 0.5, color="w", lw=0.8)
    axes[0].axhline(layout.n_place - 0.5, color="w", lw=0.8)
    axes[0].set(xlabel="presynaptic unit", ylabel="postsynaptic unit",
                title="E->E weights (co-activations per lap)")
    fig.colorbar(image, ax=axes[0], shrink=0.8)
    totals = weights["IE"].sum(axis=1)
    axes[1].bar(np.arange(layout.n_excitatory), totals,
                color=["C0"] * layout.n_place + ["C3"] * layout.n_cue)
    axes[1].set(xlabel="unit (blue place, red cue)", ylabel="summed I->E weight",
                title="learned inhibition onto each unit")
    shown = min(8, replays.starts.size)
    for r in range(shown):
        t, u = np.nonzero(replays.excitatory[r])
        offset = r * (replays.n_steps + 2)
        colours = np.where(u >= layout.n_place, "C3", "C0")
        axes[2].scatter(offset + t, u, s=6, c=colours)
    axes[2].set(xlabel="replay step (replays side by side)", ylabel="unit",
                title=f"first {shown} replays ({network.config.plasticity.pathways}, "
                      f"{network.config.cue.placement} cue)")
    return fig




def plot_convergence(config: BinaryConfig, laps: np.ndarray, curves: dict, n_networks: int
                     ) -> Any:
    r"""Figure: error probability against laps (log scale) and participation.

    Left: measured :math:`\hat P_n` (95% Wilson intervals; lap counts with no
    wrong network are shown by their 95% upper limit, ``v``), the exact bracket
    of the theorem (band), its Chernoff bound (dashed) and the fitted decay
    (dotted).  Right: fraction of cue and place units firing in the replay.
    """
    from matplotlib.figure import Figure  # matplotlib loads only when something is drawn

    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax, ax_cue = fig.subplots(1, 2, width_ratios=(1.4, 1))
    floor = 1e-8
    limit = 3.0 / n_networks  # 95% upper limit of a probability with no events
    x_max = laps[-1]
    for index, (p, c) in enumerate(curves.items()):
        colour = f"C{index}"
        seen = c["errors"] > 0
        ax.errorbar(laps[seen], c["p"][seen],
                    yerr=[c["p"][seen] - c["lo"][seen], c["hi"][seen] - c["p"][seen]],
                    fmt="o", ms=3, lw=0.8, color=colour,
                    label=f"{p}: measured, {n_networks} networks")
        if (~seen).any():
            ax.plot(laps[~seen], np.full((~seen).sum(), limit), "v", ms=3, color=colour,
                    alpha=0.4, label=f"{p}: no wrong network (95% upper limit)")
        if c["consistent"]:
            ax.fill_between(laps, np.maximum(c["lower"], floor), np.maximum(c["upper"], floor),
                            color=colour, alpha=0.25, label=f"{p}: exact bracket (theorem)")
            ax.plot(laps, np.maximum(c["chernoff"], floor), "--", color=colour, lw=1,
                    label=f"{p}: Chernoff bound, I* = {c['rate']:.4f}")
            fit = c["fit"]
            if np.isfinite(fit.rate):
                n = np.arange(fit.laps_used.min(), fit.laps_used.max() + 1)
                ax.plot(n, fit(n), ":", color="k", lw=1.2,
                        label=f"{p}: fitted rate {fit.rate:.4f}")
            below = np.flatnonzero(c["upper"] < floor)
            if below.size:
                x_max = min(x_max, laps[below[0]])
        else:
            ax.plot([], [], " ", label=f"{p}: biased limit, P(wrong) -> 1")
    ax.set(yscale="log", ylim=(floor, 1.5), xlim=(0, x_max), xlabel="laps n",
           ylabel="P(replayed sequence differs from the latent one)",
           title=f"{config.cue.placement} cue: error against laps "
                 f"(all n up to {laps[-1]} measured)")
    ax.legend(fontsize=7, loc="lower left")
    for index, (p, c) in enumerate(curves.items()):
        colour = f"C{index}"
        ax_cue.plot(laps, c["cue"], "o-", ms=2.5, color=colour, label=f"{p}: cue units")
        ax_cue.plot(laps, c["place"], "s--", ms=2, color=colour, alpha=0.6,
                    label=f"{p}: place units")
    ax_cue.set(xscale="log", ylim=(-0.05, 1.05), xlabel="laps n",
               ylabel="fraction of units firing in the replay",
               title="participation in the replay from position 0")
    ax_cue.legend(fontsize=7)
    return fig


def binary_consolidation_figures(result: RunResult, *, level: str = "binary", seed: int = 1
                          ) -> dict[str, Any]:
    """The figure of a binary consolidation run: ``{"binary_consolidation": ...}``.

    Drawn from ``result.artefacts`` (``network``, ``replays``).
    """
    art = result.artefacts
    return {"binary_consolidation": plot_consolidation(art["network"], art["replays"])}


def binary_convergence_figures(result: RunResult, *, level: str = "binary", seed: int = 1
                        ) -> dict[str, Any]:
    """The figure of a binary convergence run: ``{"binary_convergence": ...}``.

    Drawn from ``result.config`` and ``result.artefacts`` (``laps``, ``curves``,
    ``n_networks``).
    """
    art = result.artefacts
    return {"binary_convergence": plot_convergence(result.config, art["laps"], art["curves"],
                                                   art["n_networks"])}
