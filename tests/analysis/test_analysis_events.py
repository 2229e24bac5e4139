"""Replay-event detection and the binning of spikes in events."""

import numpy as np
import pytest

from neurotoolkit.analysis import bin_event_spikes, detect_replay_events, population_rate


def regular(t0, t1, rate):
    """Evenly spaced spikes: a deterministic stand-in for Poisson background."""
    n = int(round((t1 - t0) * rate))
    return t0 + (np.arange(n) + 0.5) / rate


def train(*pieces):
    return np.sort(np.concatenate(pieces))


BACKGROUND = regular(0.0, 10.0, 200.0)  # 200 Hz population rate


def test_detects_a_planted_burst_with_its_edges():
    spikes = train(BACKGROUND, regular(4.0, 4.08, 2000.0))
    events = detect_replay_events(spikes, 0.0, 10.0)
    assert events.shape == (1, 2)
    start, stop = events[0]
    # edges move out by about one smoothing SD (5 ms) where the smoothed rate
    # crosses the low threshold; 10 ms is two SDs
    assert 3.99 <= start <= 4.0 + 0.005
    assert 4.075 <= stop <= 4.09


def test_hysteresis_peak_must_reach_high_threshold():
    spikes = train(BACKGROUND, regular(2.0, 2.08, 3000.0), regular(6.0, 6.08, 600.0))
    _, rate = population_rate(spikes, 0.0, 10.0)
    z = (rate - rate.mean()) / rate.std()
    peak_small = z[(np.arange(z.size) >= 6000) & (np.arange(z.size) < 6080)].max()
    peak_big = z[2000:2080].max()
    assert 0.5 < peak_small < peak_big
    high = (peak_small + peak_big) / 2
    only_big = detect_replay_events(spikes, 0.0, 10.0, high_z=high)
    assert only_big.shape == (1, 2) and 1.99 < only_big[0, 0] < 2.01
    both = detect_replay_events(spikes, 0.0, 10.0, high_z=min(peak_small * 0.9, high))
    assert both.shape == (2, 2)
    # the low threshold sets the extent: raising it shrinks the event
    narrow = detect_replay_events(spikes, 0.0, 10.0, high_z=high, low_z=high * 0.9,
                                  min_duration=0.0)
    assert narrow[0, 1] - narrow[0, 0] < only_big[0, 1] - only_big[0, 0]


def test_min_duration_drops_short_events():
    spikes = train(BACKGROUND, regular(3.0, 3.02, 3000.0))
    assert detect_replay_events(spikes, 0.0, 10.0).shape == (0, 2)
    kept = detect_replay_events(spikes, 0.0, 10.0, min_duration=0.01)
    assert kept.shape == (1, 2)


def test_merge_happens_before_the_duration_filter():
    # two 30 ms bursts 40 ms apart: each too short alone, long enough merged
    spikes = train(BACKGROUND, regular(5.0, 5.03, 3000.0), regular(5.07, 5.1, 3000.0))
    apart = detect_replay_events(spikes, 0.0, 10.0, min_duration=0.0)
    assert apart.shape == (2, 2)
    gap = apart[1, 0] - apart[0, 1]
    assert detect_replay_events(spikes, 0.0, 10.0).shape == (0, 2)
    merged = detect_replay_events(spikes, 0.0, 10.0, merge_gap=gap + 0.002)
    assert merged.shape == (1, 2)
    np.testing.assert_allclose(merged[0], [apart[0, 0], apart[1, 1]])
    # a merge gap equal to the gap does not merge ("less than")
    assert detect_replay_events(spikes, 0.0, 10.0, merge_gap=gap - 1e-6,
                                min_duration=0.0).shape == (2, 2)


def test_rate_threshold_replaces_high_z_and_is_per_cell_with_n_cells():
    spikes = train(BACKGROUND, regular(4.0, 4.1, 2000.0))
    _, rate = population_rate(spikes, 0.0, 10.0)
    peak = rate.max()
    assert detect_replay_events(spikes, 0.0, 10.0, rate_threshold=peak * 0.9).shape == (1, 2)
    assert detect_replay_events(spikes, 0.0, 10.0, rate_threshold=peak * 1.1).shape == (0, 2)
    n = 100
    assert detect_replay_events(spikes, 0.0, 10.0, n_cells=n,
                                rate_threshold=peak * 0.9 / n).shape == (1, 2)
    assert detect_replay_events(spikes, 0.0, 10.0, n_cells=n,
                                rate_threshold=peak * 1.1 / n).shape == (0, 2)


def test_constant_or_empty_rate_has_no_events():
    assert detect_replay_events(np.zeros(0), 0.0, 1.0).shape == (0, 2)
    assert detect_replay_events(regular(0, 1, 1000.0), 0.0, 1.0, smoothing=0).shape == (0, 2)


def test_spikes_outside_the_window_are_ignored():
    spikes = train(BACKGROUND, regular(4.0, 4.1, 2000.0))
    inside = detect_replay_events(spikes, 3.0, 6.0)
    padded = detect_replay_events(train(spikes, regular(20, 21, 5000.0)), 3.0, 6.0)
    np.testing.assert_array_equal(inside, padded)
    assert inside.shape == (1, 2)


@pytest.mark.parametrize("kwargs, match", [
    (dict(t_start=1.0, t_stop=1.0), "t_stop"),
    (dict(bin_size=0.0), "bin_size"),
    (dict(low_z=3.0, high_z=2.0), "low_z"),
    (dict(min_duration=-1), "min_duration"),
    (dict(merge_gap=-1), "merge_gap"),
    (dict(smoothing=-1), "smoothing"),
    (dict(n_cells=0), "n_cells"),
])
def test_bad_arguments_raise(kwargs, match):
    args = dict(t_start=0.0, t_stop=10.0)
    args.update(kwargs)
    t0, t1 = args.pop("t_start"), args.pop("t_stop")
    with pytest.raises(ValueError, match=match):
        detect_replay_events(BACKGROUND, t0, t1, **args)


def reference_detect(spikes, t0, t1, bin_size, smoothing, low_z, high_z, min_duration,
                     merge_gap):
    """Direct implementation: loop over bins, then over runs."""
    from scipy.ndimage import gaussian_filter1d

    n = int(np.ceil((t1 - t0) / bin_size - 1e-9))
    counts = np.zeros(n)
    for t in spikes:
        if t0 <= t < t1:
            counts[min(int((t - t0) / bin_size), n - 1)] += 1
    rate = gaussian_filter1d(counts / bin_size, smoothing / bin_size)
    z = (rate - rate.mean()) / rate.std()
    runs, i = [], 0
    while i < n:
        if z[i] > low_z:
            j = i
            while j < n and z[j] > low_z:
                j += 1
            if max(z[i:j]) >= high_z:
                runs.append([t0 + i * bin_size, min(t0 + j * bin_size, t1)])
            i = j
        else:
            i += 1
    merged = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < merge_gap:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return np.array([r for r in merged if r[1] - r[0] >= min_duration - 1e-12]).reshape(-1, 2)


@pytest.mark.parametrize("seed", range(5))
def test_matches_a_direct_reference_on_random_spikes(seed):
    rng = np.random.default_rng(seed)
    bursts = [rng.uniform(s, s + rng.uniform(0.01, 0.12), rng.integers(20, 200))
              for s in rng.uniform(0, 4.8, 12)]
    spikes = np.sort(np.concatenate([rng.uniform(0, 5, 1500), *bursts]))
    params = dict(bin_size=0.002, smoothing=0.004, low_z=0.3, high_z=1.5,
                  min_duration=0.02, merge_gap=0.01)
    expected = reference_detect(spikes, 0.2, 4.9, **params)
    got = detect_replay_events(spikes, 0.2, 4.9, **params)
    assert expected.shape[0] > 0
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_bin_event_spikes_matches_a_direct_count():
    rng = np.random.default_rng(3)
    times = np.sort(rng.uniform(0, 2, 3000))
    ids = rng.integers(0, 7, times.size)
    events = np.array([[0.1, 0.2], [0.25, 0.33], [1.0, 1.5], [1.9, 2.0]])
    cells = np.array([5, 0, 3])
    binned = bin_event_spikes(times, ids, events, bin_size=0.02, cells=cells)
    assert binned.counts.shape == (4, 25, 3)
    np.testing.assert_array_equal(binned.n_bins, [5, 4, 25, 5])
    for k, (a, b) in enumerate(events):
        for col, cell in enumerate(cells):
            for j in range(binned.counts.shape[1]):
                lo, hi = a + j * 0.02, min(a + (j + 1) * 0.02, b)
                expect = np.sum((ids == cell) & (times >= lo) & (times < hi)) if lo < b else 0
                assert binned.counts[k, j, col] == expect
    np.testing.assert_array_equal(binned.mask.sum(axis=1), binned.n_bins)
    assert binned.event(1).shape == (4, 3)


def test_bin_event_spikes_rejects_overlapping_events():
    with pytest.raises(ValueError, match="overlapping"):
        bin_event_spikes([0.1], [0], [[0.0, 0.5], [0.4, 0.6]])
