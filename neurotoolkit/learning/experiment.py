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

__all__ = ["run_evidence", "run_pattern", "training_metrics"]


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
        "learning_rate_per_iteration": list(h["learning_rate"]),
        "test_iterations": list(h["test_iteration"]),
        f"test_{tag}_per_evaluation": list(h[f"test_{tag}"]),
    }
    if f"validation_{tag}" in h:  # early stopping's own trials
        metrics["validation_iterations"] = list(h["validation_iteration"])
        metrics[f"validation_{tag}_per_evaluation"] = list(h[f"validation_{tag}"])
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


def _run(config, *, seed: int, device: str, quiet: bool, title: str) -> RunResult:
    result = train(config, seed, backend="brian2", device=device, quiet=quiet)
    return RunResult(metrics=training_metrics(result, config),
                     tables={"learning_curve.csv": _curve_table(result)},
                     artefacts={"training": result, "title": title,
                                "dt_ms": magnitude(config.network.dt, "ms")})


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
