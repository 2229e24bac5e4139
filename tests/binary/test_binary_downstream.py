"""The downstream population learning from binary replays (and the shared readout model)."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.binary.experiment import run_consolidation
from neurotoolkit.downstream import consolidate_replays, initial_feedforward_weights
from neurotoolkit.runner import resolve_config

SEEDS = (1, 2, 3, 4, 5)


def _sequence_replays(n_replays=12, n_units=12, group=3):
    """Replays of a chain of groups of ``group`` units, from random starts."""
    rng = np.random.default_rng(0)
    n_pos = n_units // group
    states = np.zeros((n_replays, n_pos + 1, n_units), dtype=bool)
    for r in range(n_replays):
        start = rng.integers(0, n_pos)
        for t, pos in enumerate(range(start, n_pos)):
            states[r, t, pos * group:(pos + 1) * group] = True
    return states


def test_readout_rows_stay_normalised_and_sessions_are_snapshots():
    states = _sequence_replays()
    f0 = initial_feedforward_weights(np.random.default_rng(1), (), 6, 12, 0.5)
    sessions = consolidate_replays(states, f0, n_sessions=3)
    assert sessions.shape == (3, 6, 12)
    np.testing.assert_allclose(sessions.sum(axis=-1), 1.0)
    # the last session's snapshot is the result of presenting every replay at once
    np.testing.assert_allclose(sessions[-1], consolidate_replays(states, f0)[-1])
    assert not np.allclose(sessions[0], f0)


def test_no_replays_learn_nothing():
    f0 = initial_feedforward_weights(np.random.default_rng(1), (), 4, 10, 0.5)
    sessions = consolidate_replays(np.zeros((0, 3, 10), dtype=bool), f0, n_sessions=2)
    np.testing.assert_array_equal(sessions, [f0, f0])


def test_windowed_trace_matches_its_definition():
    from neurotoolkit.downstream import _windowed

    x = np.random.default_rng(2).random((2, 6, 4))
    lag = np.abs(np.arange(6)[:, None] - np.arange(6)[None, :])
    np.testing.assert_allclose(_windowed(x, 0.3), np.einsum("ts,rsi->rti", 0.3 ** lag, x))


def _metrics(pathways, placement, seed):
    config = resolve_config("consolidation", "binary", "default",
                            {"plasticity.pathways": pathways, "cue.placement": placement})
    return run_consolidation(config, seed=seed).metrics


@pytest.mark.parametrize("seed", SEEDS)
def test_with_inhibitory_plasticity_the_latent_sequence_is_consolidated_without_a_random_cue(
        seed):
    """EE+IE, random cue: over seeds 1-5 distance 0, cue weight ratio 0.44-0.45."""
    m = _metrics("EE+IE", "random", seed)
    assert m["consolidated_sequence_distance"] == 0
    assert m["consolidated_equals_latent"] == 1
    assert m["consolidated_cue_weight_ratio"] < 0.6
    assert m["consolidated_cue_at_place"] == 0


def test_a_fixed_cue_is_consolidated_at_its_place():
    """EE+IE, fixed cue: cue units bound to their place (seeds 1-5: 1, 0.75, 1, 1, 1)."""
    at_place = [_metrics("EE+IE", "fixed", s)["consolidated_cue_at_place"] for s in SEEDS]
    assert min(at_place) >= 0.75 and np.mean(at_place) >= 0.9


def test_without_inhibitory_plasticity_the_consolidated_order_is_wrong():
    """EE, random cue: distance 0.29-0.48 over seeds 1-5, cue weight ratio about 1."""
    for seed in SEEDS:
        m = _metrics("EE", "random", seed)
        assert m["consolidated_sequence_distance"] >= 0.2
        assert m["consolidated_equals_latent"] == 0
        assert m["consolidated_cue_weight_ratio"] > 0.9
