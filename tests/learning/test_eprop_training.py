"""Training with e-prop: Adam steps, and networks that learn the tasks at CI size.

The learning checks run the Brian2 network: on the runtime device for the
pattern task, compiled once (cpp_standalone) for the evidence task; each is
asserted on two seeds with a margin far from chance (evidence: chance error
0.5; pattern: nMSE 1 for a constant output).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurotoolkit.learning.train import Adam, train
from neurotoolkit.learning.weights import Weights
from neurotoolkit.runner import resolve_config, run_experiment


def test_adam_first_step_moves_each_weight_by_the_learning_rate():
    weights = Weights(np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((1, 2)), np.zeros(1))
    grads = Weights(np.full((2, 3), 5.0), np.full((2, 2), -0.1), np.ones((1, 2)), np.ones(1))
    Adam(0.01).step(weights, grads)
    np.testing.assert_allclose(weights.w_in, -0.01, rtol=1e-6)
    np.testing.assert_allclose(weights.w_rec, [[0, 0.01], [0.01, 0]], rtol=1e-6)  # no self


def test_same_seed_same_training_and_backends_agree():
    """Two iterations of the tiny evidence preset: Brian2 (runtime) == numpy backend."""
    config = resolve_config("eprop-evidence", "lif", "tiny",
                            {"training.n_iterations": 2, "training.n_test_trials": 8})
    brian = train(config, 5, backend="brian2")
    numpy_run = train(config, 5, backend="numpy")
    for name in Weights.NAMES:
        np.testing.assert_allclose(getattr(brian.weights, name), getattr(numpy_run.weights, name),
                                   rtol=1e-9, atol=1e-12)
    assert brian.history["train_error"] == numpy_run.history["train_error"]


def test_run_directory_of_the_tiny_preset(tmp_path):
    out = tmp_path / "run"
    result = run_experiment("eprop-pattern", "lif", preset="tiny", seed=1, out=out, quiet=True)
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["train_nmse_per_iteration"]) == 10
    assert len(metrics["rate_hz_per_iteration"]) == 10
    assert np.isfinite(metrics["test_nmse"]) and metrics["test_nmse"] == result.metrics["test_nmse"]
    assert (out / "eprop_training.png").stat().st_size > 10_000
    assert (out / "learning_curve.csv").read_text().count("\n") == 11


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_pattern_generation_learns_in_brian2(seed):
    """20 LIF cells, 100 iterations: the normalised MSE falls from about 1 to below 0.5."""
    config = resolve_config("eprop-pattern", "lif", "tiny",
                            {"training.n_iterations": 100, "training.test_every": 50})
    result = train(config, seed, backend="brian2")
    first = float(np.mean(result.history["train_nmse"][:5]))
    assert first > 0.6
    assert result.history["test_nmse"][-1] < 0.5


@pytest.mark.slow
def test_evidence_accumulation_learns():
    """Tiny evidence task, 150 iterations, two seeds: held-out error clearly below chance.

    The Brian2 network compiled once (``cpp_standalone``) and rerun for every
    batch, as ``neurotoolkit run eprop-evidence`` trains it.

    64 test trials per seed: at chance (0.5) the error's standard deviation is
    0.0625 per seed, 0.044 for the mean of two, so a mean below 0.35 is more than
    three deviations under chance, and each seed must be below 0.4.
    """
    config = resolve_config("eprop-evidence", "lif", "tiny",
                            {"training.n_iterations": 150, "training.test_every": 50,
                             "training.n_test_trials": 64})
    errors = [train(config, seed, backend="brian2", device="cpp_standalone")
              .history["test_error"][-1] for seed in (1, 2)]
    assert max(errors) < 0.4 and np.mean(errors) < 0.35, errors


def test_step_size_decays_every_decay_every_iterations():
    config = resolve_config("eprop-evidence", "lif", "tiny",
                            {"training.n_iterations": 5, "training.n_test_trials": 8,
                             "training.learning_rate": 0.01, "training.learning_rate_decay": 0.5,
                             "training.decay_every": 2})
    history = train(config, 3, backend="numpy").history
    np.testing.assert_allclose(history["learning_rate"], [0.01, 0.01, 0.005, 0.005, 0.0025])


def test_early_stopping_decides_on_validation_trials_not_the_test_trials():
    """Stopping on a validation error leaves the training and test trials as without it."""
    settings = {"training.n_iterations": 6, "training.test_every": 2,
                "training.n_test_trials": 8}
    plain = train(resolve_config("eprop-evidence", "lif", "tiny", settings), 4,
                  backend="numpy").history
    stopped = train(resolve_config("eprop-evidence", "lif", "tiny",
                                   {**settings, "training.stop_error": 1.0}), 4,
                    backend="numpy").history
    assert "validation_error" not in plain
    assert stopped["validation_iteration"] == [2.0]  # any error is below 1: stop at once
    assert len(stopped["loss"]) == 2
    assert stopped["train_error"] == plain["train_error"][:2]
    # the first test evaluation saw the same trials and weights in both runs
    assert stopped["test_error"][0] == plain["test_error"][0]
