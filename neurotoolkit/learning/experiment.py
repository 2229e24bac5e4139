"""The e-prop experiments behind ``neurotoolkit run eprop-evidence|eprop-pattern``.

``--level lif`` is the only level: the LIF/ALIF network simulated by Brian2
(``--device runtime`` or ``cpp_standalone``).  A run trains one network and
writes the learning curve and a test trial (inputs, spikes, readout, target).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..config import magnitude
from ..results import RunResult
from .config import EvidenceConfig, PatternConfig
from .train import TrainingResult, train

__all__ = ["run_evidence", "run_pattern", "training_metrics", "training_figure"]


def training_metrics(result: TrainingResult, config: EvidenceConfig | PatternConfig
                     ) -> dict[str, Any]:
    """Final scores and the per-iteration curves of a training run."""
    h = result.history
    tag = "error" if "train_error" in h else "nmse"
    metrics: dict[str, Any] = {
        f"test_{tag}": h[f"test_{tag}"][-1],
        f"best_test_{tag}": float(np.min(h[f"test_{tag}"])),
        "n_iterations_run": float(len(h["loss"])),
        "final_loss": h["loss"][-1],
        "rate_hz_mean": h["rate_hz"][-1],
        "rate_target_hz": magnitude(config.training.rate_target, "Hz"),
        "n_recurrent": float(config.network.n_recurrent),
        "n_adaptive": float(config.network.n_adaptive),
        f"train_{tag}_per_iteration": list(h[f"train_{tag}"]),
        "loss_per_iteration": list(h["loss"]),
        "rate_hz_per_iteration": list(h["rate_hz"]),
        "test_iterations": list(h["test_iteration"]),
        f"test_{tag}_per_evaluation": list(h[f"test_{tag}"]),
    }
    return metrics


def _curve_table(result: TrainingResult) -> str:
    h = result.history
    tag = "error" if "train_error" in h else "nmse"
    test = dict(zip(h["test_iteration"], h[f"test_{tag}"], strict=True))
    lines = [f"iteration,loss,train_{tag},rate_hz,test_{tag}"]
    rows = zip(h["loss"], h[f"train_{tag}"], h["rate_hz"], strict=True)
    for k, (loss, score, rate) in enumerate(rows):
        lines.append(f"{k + 1},{loss!r},{score!r},{rate!r},{test.get(float(k + 1), '')}")
    return "\n".join(lines) + "\n"


def training_figure(result: TrainingResult, dt_ms: float, title: str = "") -> Any:
    """Learning curve, and one test trial: input raster, recurrent raster, readout vs target."""
    import matplotlib.pyplot as plt

    h = result.history
    tag = "error" if "train_error" in h else "nmse"
    fig, axes = plt.subplots(4, 1, figsize=(7, 9), gridspec_kw={"height_ratios": [1.2, 1, 1, 1]})
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


def _run(config, *, seed: int, device: str, quiet: bool, title: str) -> RunResult:
    result = train(config, seed, backend="brian2", device=device, quiet=quiet)
    figure = training_figure(result, magnitude(config.network.dt, "ms"), title)
    return RunResult(metrics=training_metrics(result, config), figures={"eprop_training": figure},
                     tables={"learning_curve.csv": _curve_table(result)})


def run_evidence(config: EvidenceConfig, *, level: str = "lif", seed: int = 1,
                 device: str = "runtime", workdir: Path | None = None, quiet: bool = True) -> RunResult:
    """Train on evidence accumulation with e-prop (runner entry point).

    Returns
    -------
    RunResult
        ``test_error`` on held-out trials, per-iteration curves, the figure.
    """
    n = config.network
    title = (f"evidence accumulation, {n.n_regular} LIF + {n.n_adaptive} ALIF, "
             f"{config.training.feedback} feedback, seed {seed}")
    return _run(config, seed=seed, device=device, quiet=quiet, title=title)


def run_pattern(config: PatternConfig, *, level: str = "lif", seed: int = 1,
                device: str = "runtime", workdir: Path | None = None, quiet: bool = True) -> RunResult:
    """Train on pattern generation with e-prop (runner entry point).

    Returns
    -------
    RunResult
        ``test_nmse`` (normalised MSE of the final network), curves, the figure.
    """
    n = config.network
    title = (f"pattern generation, {n.n_regular} LIF + {n.n_adaptive} ALIF, "
             f"{config.training.feedback} feedback, seed {seed}")
    return _run(config, seed=seed, device=device, quiet=quiet, title=title)
