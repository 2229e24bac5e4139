"""Deterministic checks of the binary model: hand-computed co-activation
counts, the exact replay of a learned chain, thresholds, seeding, Recording."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.analysis import Recording
from neurotoolkit.binary.activity import draw_laps, firing_probabilities, network_seeds
from neurotoolkit.binary.config import BinaryConfig
from neurotoolkit.binary.layout import Layout
from neurotoolkit.binary.learning import Counts, count_coactivations, cumulative_counts
from neurotoolkit.binary.network import replay_network, to_recording, train_network
from neurotoolkit.binary.replay import integer_threshold, run_replay
from neurotoolkit.runner import resolve_config, run_experiment


def small_config(**overrides) -> BinaryConfig:
    base = {"network.n_units": 6, "network.n_cue": 2, "network.n_cue_interneurons": 1,
            "network.n_place_interneurons": 1}
    base.update(overrides)
    return resolve_config("consolidation", "binary", "tiny", base)


def hand_lap() -> np.ndarray:
    """One lap on 4 positions: units p0..p3, cue c0 c1, cue IN, place IN."""
    x = np.zeros((8, 4), dtype=bool)
    for t in range(4):
        x[t, t] = True          # place unit t at its position
    x[4, 2] = x[5, 2] = True    # both cue units at the cue (step 2)
    x[6, 2] = True              # cue interneuron at the cue
    x[7, [0, 3]] = True         # place interneuron at steps 0 and 3
    x[0, 2] = True              # a spontaneous spike of p0 at step 2
    return x


def test_layout_ids_and_labels():
    layout = Layout.from_config(small_config())
    assert layout.n_positions == 4 and layout.n_excitatory == 6 and layout.n_total == 8
    assert list(layout.labels()) == ["place"] * 4 + ["cue"] * 2 + ["interneuron_cue",
                                                                  "interneuron_place"]
    latent = layout.latent_trajectory("fixed", 2)
    assert latent.shape == (5, 6)
    assert latent[2].tolist() == [False, False, True, False, True, True]
    assert not latent[4].any()
    assert not layout.latent_trajectory("random", 2)[:, 4:].any()


def test_coactivation_counts_by_hand():
    layout = Layout.from_config(small_config())
    counts = count_coactivations(hand_lap(), layout)
    ee = np.zeros((6, 6), dtype=int)  # [post, pre]
    ee[1, 0] = ee[2, 1] = ee[3, 2] = 1          # the chain
    ee[4, 1] = ee[5, 1] = 1                     # p1 (step 1) then the cue (step 2)
    ee[3, 4] = ee[3, 5] = 1                     # the cue (step 2) then p3 (step 3)
    ee[0, 1] = 1                                # p1 (step 1) then p0's spontaneous spike
    ee[3, 0] = 1                                # p0's spontaneous spike then p3
    np.testing.assert_array_equal(counts.ee, ee)
    ie = np.array([[1, 1], [0, 0], [1, 0], [0, 1], [1, 0], [1, 0]])  # [unit, (cue IN, place IN)]
    np.testing.assert_array_equal(counts.ie, ie)
    np.testing.assert_array_equal(counts.ei, ie.T)


def test_cumulative_counts_equal_summed_laps():
    config = resolve_config("consolidation", "binary", "tiny")
    layout = Layout.from_config(config)
    laps = np.stack([draw_laps(config, s, 12)[1] for s in network_seeds(5, 3)])
    counts = cumulative_counts(laps, layout, [1, 4, 12])
    per_lap = count_coactivations(laps, layout)
    for k, n in enumerate([1, 4, 12]):
        np.testing.assert_array_equal(counts.ee[:, k], per_lap.ee[:, :n].sum(axis=1))
        np.testing.assert_array_equal(counts.ie[:, k], per_lap.ie[:, :n].sum(axis=1))
    with pytest.raises(ValueError):
        cumulative_counts(laps, layout, [4, 2])


def test_firing_probability_table():
    config = small_config(**{"activity.place_probability": 0.9, "activity.cue_probability": 0.7,
                             "activity.cue_interneuron_probability": 0.6,
                             "activity.place_interneuron_probability": 0.4,
                             "activity.spontaneous_probability": 0.05})
    p = firing_probabilities(config, 1)
    assert p.shape == (8, 4)
    np.testing.assert_allclose(np.diag(p[:4]), 0.9)
    assert p[0, 1] == 0.05
    np.testing.assert_allclose(p[4:6, 1], 0.7)
    np.testing.assert_allclose(p[4:6, [0, 2, 3]], 0.05)
    assert p[6, 1] == 0.6 and p[6, 0] == 0.05
    np.testing.assert_allclose(p[7], 0.4)


def test_deterministic_laps_learn_the_exact_chain_and_replay_it():
    """q = 1, no spontaneous activity, silent cue and interneurons: the weights
    are exactly the chain (n co-activations per link) and replay reproduces it."""
    config = small_config(**{"activity.place_probability": 1.0, "activity.cue_probability": 0.0,
                             "activity.cue_interneuron_probability": 0.0,
                             "activity.place_interneuron_probability": 0.0,
                             "activity.spontaneous_probability": 0.0,
                             "replay.threshold": 0.5, "replay.start": "first", "track.n_laps": 7})
    network = train_network(config, np.random.SeedSequence(0))
    expected = np.zeros((6, 6), dtype=int)
    expected[[1, 2, 3], [0, 1, 2]] = 7
    np.testing.assert_array_equal(network.counts.ee, expected)
    assert not network.counts.ie.any()
    replays = replay_network(network, np.random.default_rng(0))
    for states in replays.excitatory:
        np.testing.assert_array_equal(states, network.latent_trajectory())


def test_integer_threshold_ties_and_rounding():
    assert integer_threshold(0.1, 30) == 3          # 0.1 * 30 is 3.0000000000000004 in floats
    assert integer_threshold(0.04, 25) == 1
    assert integer_threshold(0.04, 26) == 2
    assert integer_threshold(0.5, 1) == 1
    assert integer_threshold(2.0, 3) == 6


def test_replay_threshold_inhibition_and_interneurons():
    """A hand-made network: unit 1 gets drive exactly at threshold (fires),
    unit 2 one below (silent); learned inhibition can veto unit 1."""
    ee = np.zeros((3, 3), dtype=np.int32)
    ee[1, 0], ee[2, 0] = 3, 2
    ie = np.array([[0], [1], [0]], dtype=np.int32)
    counts = Counts(ee=ee, ie=ie, ei=ie.T.copy(), n_laps=10)    # theta 0.3 -> k = 3
    start = np.array([True, False, False])
    kwargs = dict(theta=0.3, theta_interneuron=0.1, plastic_ei=False)
    exc, inh = run_replay(counts, start, 2, plastic_ie=False, **kwargs)
    assert exc[1].tolist() == [False, True, False]
    assert not exc[2].any()
    assert inh[:, 0].tolist() == [True, True, False]        # static E->I: follows any activity
    exc, _ = run_replay(counts, start, 2, plastic_ie=True, **kwargs)
    assert not exc[1].any()                                  # 3 - 1 < 3
    # plastic E->I: the interneuron needs ei @ x >= ceil(0.1 * 10) = 1; unit 0 has ei 0
    exc, inh = run_replay(counts, start, 2, plastic_ie=True, plastic_ei=True, theta=0.3,
                          theta_interneuron=0.1)
    assert not inh[0].any() and exc[1].tolist() == [False, True, False]
    assert inh[1].all()                                      # unit 1 drives it
    noisy, _ = run_replay(counts, start, 3, plastic_ie=False, noise=1.0,
                          rng=np.random.default_rng(1), **kwargs)
    assert noisy[1:].all()
    with pytest.raises(ValueError):
        run_replay(counts, start, 2, plastic_ie=False, noise=0.5, **kwargs)


def test_laps_are_prefix_consistent_and_seeded():
    config = resolve_config("consolidation", "binary", "tiny")
    seed = np.random.SeedSequence(11)
    cue_a, act_a = draw_laps(config, seed, 10)
    cue_b, act_b = draw_laps(config, seed, 4)
    np.testing.assert_array_equal(cue_a[:4], cue_b)
    np.testing.assert_array_equal(act_a[:4], act_b)
    cue_c, act_c = draw_laps(config, np.random.SeedSequence(12), 10)
    assert not np.array_equal(act_a, act_c)


def test_same_seed_same_run_different_seed_different_run():
    first = run_experiment("consolidation", "binary", preset="tiny", seed=3)
    again = run_experiment("consolidation", "binary", preset="tiny", seed=3)
    other = run_experiment("consolidation", "binary", preset="tiny", seed=4)
    np.testing.assert_array_equal(first.recording.spike_times, again.recording.spike_times)
    np.testing.assert_array_equal(first.recording.spike_ids, again.recording.spike_ids)
    drop = {"wall_time_s"}
    assert ({k: v for k, v in first.metrics.items() if k not in drop}.__repr__()
            == {k: v for k, v in again.metrics.items() if k not in drop}.__repr__())
    assert not np.array_equal(first.recording.spike_ids, other.recording.spike_ids)


@pytest.mark.parametrize("placement", ["random", "fixed"])
def test_recording_of_a_trained_network(tmp_path, placement):
    config = resolve_config("consolidation", "binary", "tiny", {"cue.placement": placement})
    network = train_network(config, np.random.SeedSequence(2))
    replays = replay_network(network, np.random.default_rng(2))
    rec = to_recording(network, replays)
    layout = network.layout
    assert rec.n_cells == layout.n_total
    assert rec.position_unit == "bin"
    assert rec.intervals["replays"].shape == (config.replay.n_replays, 2)
    assert rec.intervals["laps"].shape == (config.track.n_laps, 2)
    online, _ = rec.spikes_between(*rec.phase("online"))
    assert online.size == network.activity.sum()
    offline, _ = rec.spikes_between(*rec.phase("offline"))
    assert offline.size == replays.excitatory.sum() + replays.interneurons.sum()
    cue_step = config.cue.step(layout.n_positions)
    if placement == "random":
        np.testing.assert_array_equal(rec.latent_order, layout.place)
    else:
        expected = np.concatenate([layout.place[:cue_step + 1], layout.cue,
                                   layout.place[cue_step + 1:]])
        np.testing.assert_array_equal(rec.latent_order, expected)
    path = rec.save(tmp_path / "rec.npz")
    back = Recording.load(path)
    np.testing.assert_array_equal(back.spike_ids, rec.spike_ids)
    np.testing.assert_array_equal(back.weights["IE"][2], rec.weights["IE"][2])
