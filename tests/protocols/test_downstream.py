"""The downstream population at the spiking levels, on replay with known structure."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from neurotoolkit.analysis import Recording
from neurotoolkit.analysis.synthetic import generate_synthetic_replay
from neurotoolkit.protocols.downstream import SpikingDownstream, consolidate_events, event_states


def _with_cue(recording, n_cue, *, in_events, rng=0):
    """Relabel ``n_cue`` place cells as cue cells; optionally drop their event spikes."""
    rng = np.random.default_rng(rng)
    labels = np.array(recording.cell_labels, dtype=object)
    cue = rng.choice(recording.cells("place"), n_cue, replace=False)
    labels[cue] = "cue"
    keep = np.ones(recording.spike_times.size, dtype=bool)
    if not in_events:
        for t0, t1 in recording.intervals["events"]:
            inside = (recording.spike_times >= t0) & (recording.spike_times < t1)
            keep &= ~(inside & np.isin(recording.spike_ids, cue))
    return Recording.from_arrays(
        spike_times=recording.spike_times[keep], spike_ids=recording.spike_ids[keep],
        cell_labels=labels.astype(str), field_centres=recording.field_centres,
        latent_order=recording.latent_order, position_times=recording.position_times,
        positions=recording.positions, intervals=recording.intervals,
        metadata=recording.metadata)


def test_event_states_bin_each_event_from_its_start():
    rec = Recording.from_arrays(spike_times=[0.0, 1.005, 1.031, 1.049, 2.0, 2.01],
                                spike_ids=[0, 1, 2, 0, 2, 1], cell_labels=["place"] * 3,
                                intervals={"offline": [[0.0, 3.0]]})
    states = event_states(rec, np.array([[1.0, 1.05], [2.0, 2.02]]), 0.02, np.array([2, 0, 1]))
    assert states.shape == (2, 3, 3)  # the longer event has 3 bins; columns: cells 2, 0, 1
    expected_first = [[False, False, True], [True, False, False], [False, True, False]]
    np.testing.assert_array_equal(states[0], expected_first)
    # one bin long, zero-padded to three
    np.testing.assert_array_equal(states[1], [[True, False, True], [False, False, False],
                                              [False, False, False]])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sequence_replay_is_consolidated_in_the_latent_order(seed):
    """Planted forward and reverse sweeps: the consolidated order is close to the latent one.

    Over synthetic seeds 1-6 the distance was 0.07-0.18 (chance about 0.49)
    and the cue weight ratio 0.93-1.11 when cue cells replay like place cells.
    """
    synthetic = generate_synthetic_replay(n_cells=120, n_events=40, rng=seed)
    rec = _with_cue(synthetic.recording, 20, in_events=True, rng=seed)
    metrics, (i, j, w) = consolidate_events(rec, synthetic.events, SpikingDownstream(),
                                            np.random.default_rng(seed), cue_centre_cm=150.0)
    assert metrics["consolidated_events"] == 40
    assert metrics["consolidated_coverage"] == 1.0
    assert metrics["consolidated_sequence_distance"] < 0.25
    assert metrics["consolidated_sequence_distance_chance"] > 0.4
    # cue cells that replay like place cells are consolidated like them
    assert 0.8 < metrics["consolidated_cue_weight_ratio"] < 1.25
    assert i.size == w.size == 64 * 120 and j.max() == 63
    sessions = [metrics[f"consolidated_sequence_distance_session_{k}"] for k in range(1, 5)]
    assert sessions[-1] == pytest.approx(metrics["consolidated_sequence_distance"], abs=0.02)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_cue_left_out_of_replay_is_left_out_downstream(seed):
    """Cue cells silent in events keep their shrinking initial weights (ratio 0.04-0.10)."""
    synthetic = generate_synthetic_replay(n_cells=120, n_events=40, rng=seed)
    rec = _with_cue(synthetic.recording, 20, in_events=False, rng=seed)
    metrics, _ = consolidate_events(rec, synthetic.events, SpikingDownstream(),
                                    np.random.default_rng(seed), cue_centre_cm=150.0)
    assert metrics["consolidated_cue_weight_ratio"] < 0.75
    assert metrics["consolidated_cue_at_place"] < 0.2


def test_unordered_events_consolidate_no_order():
    synthetic = generate_synthetic_replay(n_cells=120, n_events=40, kinds="random", rng=4)
    metrics, _ = consolidate_events(synthetic.recording, synthetic.events, SpikingDownstream(),
                                    np.random.default_rng(4), cue_centre_cm=150.0)
    assert metrics["consolidated_sequence_distance"] > 0.3


def test_without_events_nothing_is_learned():
    synthetic = generate_synthetic_replay(n_cells=60, n_events=5, rng=5)
    rec = dataclasses.replace(synthetic.recording)
    metrics, (_, _, w) = consolidate_events(rec, np.zeros((0, 2)), SpikingDownstream(),
                                            np.random.default_rng(5), cue_centre_cm=150.0)
    assert metrics["consolidated_events"] == 0 and metrics["consolidated_coverage"] == 0
    assert math.isnan(metrics["consolidated_sequence_distance"])
    # the initial weights, untouched: rows sum to one
    np.testing.assert_allclose(w.reshape(64, 60).sum(axis=1), 1.0)
