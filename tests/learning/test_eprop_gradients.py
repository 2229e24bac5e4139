"""e-prop gradients: Brian2 == numpy reference (1e-6), and how close e-prop is to BPTT.

The small network of the issue: 10 inputs, 10 LIF + 10 ALIF cells, 2 outputs,
200 steps, batches of 2 trials, several seeds.  Brian2 runs under the runtime
device (numpy code generation); the standalone check is marked slow (it compiles).
"""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.learning.config import NetworkSection
from neurotoolkit.learning.reference import (
    bptt_gradients,
    cosine_similarity,
    eprop_gradients,
)
from neurotoolkit.learning.tasks import TrialBatch
from neurotoolkit.learning.weights import Weights, initial_weights

pytest.importorskip("autograd")

N_INPUTS, N_OUTPUTS, N_STEPS, BATCH = 10, 2, 200, 2
RATE_TARGET_HZ, RATE_REG = 10.0, 1e-3
SEEDS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def constants():
    return NetworkSection.from_dict({
        "n_regular": 10, "n_adaptive": 10, "tau_adaptation": "200 ms",
        "adaptation_strength": 0.05, "refractory": "2 ms"}).step_constants()


def _problem(seed: int, loss: str, recurrent_scale: float = 0.5):
    """Inputs at 50 Hz, a recall window in the second half, weights and random feedback."""
    rng = np.random.default_rng(seed)
    inputs = (rng.random((BATCH, N_STEPS, N_INPUTS)) < 0.05).astype(float)
    mask = np.zeros((BATCH, N_STEPS))
    mask[:, N_STEPS // 2:] = 1.0
    if loss == "softmax":
        labels = rng.integers(0, 2, BATCH)
        target = np.zeros((BATCH, N_STEPS, N_OUTPUTS))
        target[np.arange(BATCH), :, labels] = 1.0
    else:
        labels = None
        t = np.arange(N_STEPS) / N_STEPS
        target = np.stack([np.sin(2 * np.pi * t), np.cos(4 * np.pi * t)], axis=-1)[None].repeat(
            BATCH, axis=0)
    weights = initial_weights(N_INPUTS, 20, N_OUTPUTS, rng)
    weights.w_rec *= recurrent_scale
    weights.b_out[:] = rng.normal(0, 0.1, N_OUTPUTS)
    random_feedback = rng.normal(0, 1 / np.sqrt(20), (20, N_OUTPUTS))
    return TrialBatch(inputs, target, mask, labels), weights, random_feedback


def _relative_error(a: Weights, b: Weights) -> dict[str, float]:
    return {n: float(np.max(np.abs(getattr(a, n) - getattr(b, n)))
                     / np.max(np.abs(getattr(b, n)))) for n in Weights.NAMES}


@pytest.mark.parametrize("loss", ["softmax", "mse"])
@pytest.mark.parametrize("seed", SEEDS[:3])
def test_brian2_gradient_equals_numpy_reference(constants, seed, loss):
    from neurotoolkit.learning.network import EpropSimulator

    batch, weights, feedback = _problem(seed, loss)
    reference = eprop_gradients(weights, feedback, batch, constants, loss, RATE_TARGET_HZ,
                                RATE_REG)
    assert reference.spikes.sum() > 50, "the check needs spiking cells"
    simulator = EpropSimulator(constants, N_INPUTS, N_OUTPUTS, BATCH, N_STEPS, loss,
                               RATE_TARGET_HZ, RATE_REG, record_spikes=True)
    brian = simulator.gradients(weights, feedback, batch)
    np.testing.assert_array_equal(brian.spikes[0], reference.spikes[0])
    np.testing.assert_allclose(brian.outputs, reference.outputs, rtol=0, atol=1e-9)
    errors = _relative_error(brian.gradients, reference.gradients)
    assert max(errors.values()) < 1e-6, errors


def test_different_weights_give_a_different_gradient(constants):
    """The comparison above can fail: a changed weight moves the gradient by far more than 1e-6."""
    batch, weights, feedback = _problem(0, "softmax")
    base = eprop_gradients(weights, feedback, batch, constants, "softmax")
    changed = weights.copy()
    changed.w_in[3, 4] += 0.05
    other = eprop_gradients(changed, feedback, batch, constants, "softmax")
    assert max(_relative_error(other.gradients, base.gradients).values()) > 1e-3


@pytest.mark.parametrize("loss", ["softmax", "mse"])
def test_eprop_is_exact_without_recurrent_weights(constants, loss):
    """With W_rec = 0 the only temporal credit is local (membrane, adaptation): e-prop = BPTT."""
    batch, weights, _ = _problem(4, loss, recurrent_scale=0.0)
    eprop = eprop_gradients(weights, weights.w_out.T.copy(), batch, constants, loss,
                            RATE_TARGET_HZ, RATE_REG)
    exact = bptt_gradients(weights, batch, constants, loss, RATE_TARGET_HZ, RATE_REG,
                           detach_reset=True)  # e-prop's traces leave the reset out too
    errors = _relative_error(eprop.gradients, exact)
    assert max(errors.values()) < 1e-9, errors
    with_reset = bptt_gradients(weights, batch, constants, loss, RATE_TARGET_HZ, RATE_REG)
    assert max(_relative_error(eprop.gradients, with_reset).values()) > 1e-3


def test_cosine_with_bptt_per_seed_and_feedback_mode(constants, record_property):
    """Symmetric e-prop points along BPTT (cosine > 0.5 on every seed); random is reported.

    BPTT is the exact gradient of the network as simulated (through the reset
    too), with the initial weights at full scale.  The readout gradients are
    exact in both, so the cosine is taken over the input and recurrent weights
    only, where the approximation lives.
    """
    table = {}
    for seed in SEEDS:
        batch, weights, random_feedback = _problem(seed, "softmax", recurrent_scale=1.0)
        exact = bptt_gradients(weights, batch, constants, "softmax", RATE_TARGET_HZ, RATE_REG)
        for mode, feedback in (("symmetric", weights.w_out.T.copy()), ("random", random_feedback)):
            eprop = eprop_gradients(weights, feedback, batch, constants, "softmax",
                                    RATE_TARGET_HZ, RATE_REG)
            table[(seed, mode)] = cosine_similarity(eprop.gradients, exact)
            np.testing.assert_allclose(eprop.gradients.w_out, exact.w_out, rtol=1e-9, atol=1e-12)
    for (seed, mode), value in table.items():
        record_property(f"cosine_seed{seed}_{mode}", round(value, 4))
    print({f"{s}/{m}": round(v, 3) for (s, m), v in table.items()})
    assert all(table[(s, "symmetric")] > 0.5 for s in SEEDS), table


@pytest.mark.slow
def test_standalone_reruns_without_rebuild_and_matches(constants, tmp_path):
    """cpp_standalone: built once, rerun with new weights and inputs, same numbers as numpy."""
    from neurotoolkit.learning.network import EpropSimulator

    simulator = EpropSimulator(constants, N_INPUTS, N_OUTPUTS, BATCH, N_STEPS, "softmax",
                               RATE_TARGET_HZ, RATE_REG, device="cpp_standalone",
                               directory=tmp_path / "build")
    try:
        for seed in (0, 1):
            batch, weights, feedback = _problem(seed, "softmax")
            reference = eprop_gradients(weights, feedback, batch, constants, "softmax",
                                        RATE_TARGET_HZ, RATE_REG)
            brian = simulator.gradients(weights, feedback, batch)
            assert max(_relative_error(brian.gradients, reference.gradients).values()) < 1e-6
    finally:
        simulator.close()
