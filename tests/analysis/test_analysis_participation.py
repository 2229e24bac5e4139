"""Participation, firing orders and the place–cue count correlation."""

import numpy as np
import pytest

from neurotoolkit.analysis import (
    Recording,
    event_orders,
    participation,
    participation_by_class,
    place_cue_count_correlation,
)

LABELS = ["place", "place", "cue", "cue", "basket"]
EVENTS = np.array([[1.0, 1.1], [2.0, 2.1], [3.0, 3.1], [4.0, 4.1]])


def recording_from(spikes, labels=LABELS, **kwargs):
    spikes = sorted(spikes)
    return Recording.from_arrays([t for t, _ in spikes], [i for _, i in spikes], labels,
                                 **kwargs)


def hand_recording():
    # (time, cell): cell 0 in events 0,1,2; cell 1 in event 0; cell 2 in all;
    # cell 3 only outside events (and at an event's exclusive stop); cell 4 in event 3
    spikes = [(1.05, 0), (1.01, 1), (1.02, 2), (1.03, 0), (2.01, 0), (2.02, 2),
              (3.09, 0), (3.02, 2), (4.05, 2), (4.06, 4), (0.5, 3), (1.1, 3), (5.0, 0)]
    return recording_from(spikes)


def test_participation_counts_events_not_spikes():
    p = participation(hand_recording(), EVENTS)
    np.testing.assert_allclose(p, [3 / 4, 1 / 4, 1.0, 0.0, 1 / 4])


def test_participation_of_selected_cells_keeps_their_order():
    p = participation(hand_recording(), EVENTS, cells=[4, 0])
    np.testing.assert_allclose(p, [1 / 4, 3 / 4])
    with pytest.raises(ValueError, match="out of range"):
        participation(hand_recording(), EVENTS, cells=[9])


def test_participation_without_events_is_nan():
    p = participation(hand_recording(), np.zeros((0, 2)))
    assert p.shape == (5,) and np.all(np.isnan(p))
    by_class = participation_by_class(hand_recording(), np.zeros((0, 2)))
    assert all(np.isnan(v) for v in by_class.values())


def test_participation_by_class_is_the_mean_over_each_label():
    out = participation_by_class(hand_recording(), EVENTS)
    assert list(out) == ["place", "cue", "basket"]
    assert out["place"] == pytest.approx((3 / 4 + 1 / 4) / 2)
    assert out["cue"] == pytest.approx(0.5)
    assert out["basket"] == pytest.approx(0.25)
    some = participation_by_class(hand_recording(), EVENTS, labels=("cue", "pyramidal"))
    assert some["cue"] == pytest.approx(0.5) and np.isnan(some["pyramidal"])
    with pytest.raises(TypeError):
        participation_by_class(hand_recording(), EVENTS, labels="cue")


def test_events_must_be_sorted_and_disjoint():
    with pytest.raises(ValueError, match="overlapping"):
        participation(hand_recording(), EVENTS[::-1])
    with pytest.raises(ValueError, match="shape"):
        participation(hand_recording(), np.ones((2, 3)))


def test_event_orders_by_first_and_mean_spike():
    rec = hand_recording()
    first = event_orders(rec, EVENTS, min_cells=1)
    assert [o.tolist() for o in first] == [[1, 2, 0], [0, 2], [2, 0], [2, 4]]
    mean = event_orders(rec, EVENTS, by="mean", min_cells=1)
    # event 0: cell 1 at 1.01, cell 2 at 1.02, cell 0 mean (1.03+1.05)/2 = 1.04
    assert mean[0].tolist() == [1, 2, 0]
    # min_cells keeps the list aligned with the events
    three = event_orders(rec, EVENTS)
    assert [o.tolist() for o in three] == [[1, 2, 0], [], [], []]
    only = event_orders(rec, EVENTS, cells=[0, 1], min_cells=2)
    assert [o.tolist() for o in only] == [[1, 0], [], [], []]
    with pytest.raises(ValueError, match="by"):
        event_orders(rec, EVENTS, by="last")


def test_event_orders_mean_differs_from_first_when_it_should():
    spikes = [(1.00, 0), (1.08, 0), (1.02, 1), (1.03, 2)]
    rec = recording_from(spikes)
    assert event_orders(rec, EVENTS[:1])[0].tolist() == [0, 1, 2]
    assert event_orders(rec, EVENTS[:1], by="mean")[0].tolist() == [1, 2, 0]


def test_event_orders_ties_broken_by_cell_id():
    rec = recording_from([(1.02, 3), (1.02, 1), (1.02, 2)])
    assert event_orders(rec, EVENTS[:1])[0].tolist() == [1, 2, 3]


def test_place_cue_count_correlation_signs():
    # place cells fire in even bins, cue cells in odd bins: r = -1
    place = [(0.15 * b + 0.01, b % 2) for b in range(0, 20, 2)]
    cue = [(0.15 * b + 0.01, 2 + b % 2) for b in range(1, 20, 2)]
    rec = recording_from(place + cue)
    assert place_cue_count_correlation(rec, 0.0, 3.0) == pytest.approx(-1.0)
    together = recording_from([(0.15 * b + 0.02, c) for b in range(0, 20, 3) for c in (0, 2)])
    assert place_cue_count_correlation(together, 0.0, 3.0) == pytest.approx(1.0)


def test_place_cue_count_correlation_matches_corrcoef_on_random_spikes():
    rng = np.random.default_rng(1)
    times = np.sort(rng.uniform(0, 6, 4000))
    ids = rng.integers(0, 5, times.size)
    rec = Recording.from_arrays(times, ids, LABELS)
    edges = 0.5 + 0.15 * np.arange(35)  # the 34 whole bins of [0.5, 5.6)
    place = np.histogram(times[ids < 2], edges)[0]
    cue = np.histogram(times[(ids == 2) | (ids == 3)], edges)[0]
    expected = np.corrcoef(place, cue)[0, 1]
    got = place_cue_count_correlation(rec, 0.5, 5.6)
    assert got == pytest.approx(expected, abs=1e-12)


def test_place_cue_count_correlation_constant_is_nan_and_short_window_raises():
    rec = recording_from([(0.15 * b + 0.01, 0) for b in range(20)])
    assert np.isnan(place_cue_count_correlation(rec, 0.0, 3.0))
    with pytest.raises(ValueError, match="at least 3"):
        place_cue_count_correlation(rec, 0.0, 0.3)
