"""The figure of an e-prop training run: learning curve and one test trial."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..learning.train import TrainingResult
from ..results import RunResult
from .core import figure

__all__ = ["training_figure", "eprop_figures"]


def training_figure(result: TrainingResult, dt_ms: float, title: str = "") -> Any:
    """Learning curve, and one test trial: input raster, recurrent raster, readout vs target."""
    h = result.history
    tag = "error" if "train_error" in h else "nmse"
    fig = figure(figsize=(7, 9))
    axes = fig.subplots(4, 1, gridspec_kw={"height_ratios": [1.2, 1, 1, 1]})
    ax = axes[0]
    iterations = np.arange(1, len(h["loss"]) + 1)
    ax.plot(iterations, h[f"train_{tag}"], color="0.6", lw=0.8, label=f"train {tag}")
    ax.plot(h["test_iteration"], h[f"test_{tag}"], "o-", color="C3", label=f"test {tag}")
    ax.set_xlabel("iteration")
    ax.set_ylabel("error" if tag == "error" else "normalised MSE")
    ax.set_yscale("linear" if tag == "error" else "log")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(title, fontsize=10)
    rate_ax = ax.twinx()
    rate_ax.plot(iterations, h["rate_hz"], color="C0", lw=0.8)
    rate_ax.set_ylabel("rate (Hz)", color="C0")

    batch, example = result.example_batch, result.example
    steps = np.arange(batch.n_steps) * dt_ms / 1000.0
    t_in, i_in = np.nonzero(batch.inputs[0])
    axes[1].plot(steps[t_in], i_in, "|", ms=3, color="k")
    axes[1].set_ylabel("input")
    t_rec, i_rec = np.nonzero(example.spikes[0])
    axes[2].plot(steps[t_rec], i_rec, "|", ms=3, color="C0")
    axes[2].set_ylabel("recurrent cell")
    outputs = example.outputs[0]
    for k in range(outputs.shape[1]):
        axes[3].plot(steps, outputs[:, k], color=f"C{k}", label=f"readout {k}")
        target = np.where(batch.mask[0] > 0, batch.target[0, :, k], np.nan)
        axes[3].plot(steps, target, "--", color=f"C{k}", lw=1, label=f"target {k}")
    axes[3].set_ylabel("readout")
    axes[3].set_xlabel("time in trial (s)")
    axes[3].legend(frameon=False, fontsize=7, ncol=2)
    for a in axes[1:3]:
        a.set_xticklabels([])
    fig.tight_layout()
    return fig




def eprop_figures(result: RunResult, *, level: str = "lif", seed: int = 1) -> dict[str, Any]:
    """The figure of an e-prop run: ``{"eprop_training": ...}``.

    Drawn from ``result.artefacts`` (``training``, ``dt_ms``, ``title``).
    """
    art = result.artefacts
    return {"eprop_training": training_figure(art["training"], art["dt_ms"], art["title"])}
