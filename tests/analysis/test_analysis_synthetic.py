"""The synthetic replay generator, and event detection on it."""

import numpy as np
import pytest

from neurotoolkit.analysis import (
    REPLAY_KINDS,
    detect_replay_events,
    event_orders,
    generate_synthetic_replay,
    kendall_distance,
    match_events,
    sequence_distance,
    sequence_distance_chance,
)


def test_same_seed_same_data_and_labels_and_intervals():
    a = generate_synthetic_replay(30, 5, REPLAY_KINDS, n_other_cells=4, rng=3)
    b = generate_synthetic_replay(30, 5, REPLAY_KINDS, n_other_cells=4, rng=3)
    np.testing.assert_array_equal(a.recording.spike_times, b.recording.spike_times)
    np.testing.assert_array_equal(a.recording.spike_ids, b.recording.spike_ids)
    rec = a.recording
    assert rec.n_cells == 34
    assert sorted(set(rec.cell_labels)) == ["place", "pyramidal"]
    assert np.isnan(rec.field_centres[rec.cells("pyramidal")]).all()
    # the latent order is the place cells sorted by field centre
    assert rec.latent_order.size == 30
    assert np.all(np.diff(rec.field_centres[rec.latent_order]) > 0)
    t_on, t_off = rec.phase("online"), rec.phase("offline")
    assert t_on[1] == t_off[0]
    assert np.all((a.events[:, 0] >= t_off[0]) & (a.events[:, 1] <= t_off[1]))
    assert np.all(np.diff(a.events.ravel()) > 0)
    assert list(a.kinds) == list(REPLAY_KINDS)
    np.testing.assert_array_equal(a.of_kind("noise"), [4])


def test_trajectories_have_their_kind():
    syn = generate_synthetic_replay(20, 5, REPLAY_KINDS, rng=0)
    for (_, x), kind in zip(syn.trajectories, syn.kinds, strict=True):
        step = np.diff(x)
        if kind == "forward":
            assert np.all(step > 0) and x[-1] - x[0] == pytest.approx(240, rel=0.02)
        elif kind == "reverse":
            assert np.all(step < 0)
        elif kind == "stationary":
            assert np.all(step == 0)
        elif kind == "random":
            assert 3 <= np.count_nonzero(step) <= 10  # a jump every 20 ms
        else:
            assert np.isnan(x).all()
        assert np.all((x[np.isfinite(x)] >= 0) & (x[np.isfinite(x)] <= 300))


def test_events_carry_the_planted_rates():
    syn = generate_synthetic_replay(100, 20, ("forward",), rng=1)
    rec = syn.recording
    inside = sum(np.count_nonzero((rec.spike_times >= a) & (rec.spike_times < b))
                 for a, b in syn.events)
    duration = np.sum(syn.events[:, 1] - syn.events[:, 0])
    # expected per cell: 40 Hz * 15 sqrt(2 pi) / 300 + 2 Hz = 7.0 Hz (fields
    # near the ends are cut a little); 100 cells; Poisson SD of the total is
    # about sqrt(N) ~ 40 of ~1600 spikes, so 10% is many SDs
    assert inside / duration / 100 == pytest.approx(7.0, rel=0.1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(kinds=("sideways",)), "kinds"),
    (dict(n_cells=0), "n_cells"),
    (dict(path_fraction=1.5), "path_fraction"),
    (dict(participation=2.0), "participation"),
    (dict(event_duration=(0.2, 0.1)), "event_duration"),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        generate_synthetic_replay(**kwargs)


@pytest.mark.parametrize("seed", range(3))
def test_detection_recall_and_precision_at_moderate_noise(seed):
    # every kind of event, including noise bursts (population events without
    # a trajectory are still events); a 30 ms merge gap joins the halves of
    # events whose rate dips in the middle (random jumps); measured recall
    # 1.0 and precision 0.98-1.0 on these seeds
    syn = generate_synthetic_replay(100, 40, REPLAY_KINDS, rng=seed)
    rec = syn.recording
    detected = detect_replay_events(rec.spike_times, *rec.phase("offline"), merge_gap=0.03)
    match = match_events(detected, syn.events)
    assert match.recall >= 0.9 and match.precision >= 0.9


def test_detection_precision_without_merging_is_lower_but_recall_holds():
    syn = generate_synthetic_replay(100, 40, REPLAY_KINDS, rng=0)
    rec = syn.recording
    detected = detect_replay_events(rec.spike_times, *rec.phase("offline"))
    match = match_events(detected, syn.events)
    assert match.recall >= 0.9
    assert match.precision < match_events(
        detect_replay_events(rec.spike_times, *rec.phase("offline"), merge_gap=0.03),
        syn.events).precision


def test_match_events_is_one_to_one():
    reference = np.array([[0.0, 1.0], [2.0, 3.0]])
    detected = np.array([[0.1, 0.5], [0.6, 0.9], [2.5, 4.0], [5.0, 6.0]])
    m = match_events(detected, reference)
    assert m.recall == 1.0 and m.precision == 0.5
    np.testing.assert_array_equal(m.pairs, [[0, 0], [2, 1]])
    assert np.isnan(match_events(np.zeros((0, 2)), np.zeros((0, 2))).recall)


def test_kendall_distance_of_perfect_and_random_replays():
    syn = generate_synthetic_replay(60, 0, rng=0)
    latent = syn.recording.latent_order
    assert sequence_distance(latent, latent) == 0.0
    assert sequence_distance(latent[::-1], latent) == 0.0
    rng = np.random.default_rng(0)
    random_orders = [rng.permutation(latent) for _ in range(200)]
    # unfolded Kendall distance of random orders: mean 1/2, SD of one order
    # about sqrt((2n+5) / (18 n (n-1))) = 0.07, of the mean of 200 = 0.005
    unfolded = [kendall_distance(np.argsort(np.argsort(o))) for o in
                [np.searchsorted(np.sort(latent), r) for r in
                 [np.argsort(latent)[o] for o in random_orders]]]
    assert np.mean(unfolded) == pytest.approx(0.5, abs=0.02)
    folded = np.mean([sequence_distance(o, latent) for o in random_orders])
    chance = sequence_distance_chance([latent] * 20, latent, n_shuffles=100, rng=1)
    assert folded == pytest.approx(chance, abs=0.02)
    assert 0.4 < folded < 0.5


def test_replayed_orders_of_synthetic_sweeps_are_close_to_the_latent_order():
    distances = []
    for seed in range(3):
        syn = generate_synthetic_replay(60, 10, ("forward", "reverse"), rng=seed,
                                        event_peak_rate=80.0, event_noise_rate=0.5)
        orders = event_orders(syn.recording, syn.events, by="mean", min_cells=5)
        distances += [sequence_distance(o, syn.recording.latent_order) for o in orders]
    # with 80 Hz peaks and little noise most cells fire several spikes near
    # their field's time; a measured mean of about 0.05 vs a chance of 0.45
    assert np.mean(distances) < 0.15
