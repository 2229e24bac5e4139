"""Occupancy-normalised tuning curves."""

import numpy as np
import pytest

from neurotoolkit.analysis import Recording, compute_tuning_curves, generate_synthetic_replay


def lap_recording(extra_spikes=(), stop_after=None):
    """10 laps of a 100 cm track at 100 cm/s, positions sampled every 10 ms.

    Cell 0 fires once per lap in bin 3 (30-40 cm), cell 1 twice per lap in
    bin 7; every 10 cm bin is occupied 0.1 s per lap, 1 s in all.
    """
    sample = np.arange(1000) * 0.01
    positions = (np.arange(1000) % 100).astype(float)
    if stop_after is not None:  # the animal stands still at 50 cm afterwards
        sample = np.arange(1500) * 0.01
        positions = np.concatenate((positions, np.full(500, 50.0)))
    spikes = [(lap + 0.355, 0) for lap in range(10)]
    spikes += [(lap + t, 1) for lap in range(10) for t in (0.705, 0.785)]
    spikes += list(extra_spikes)
    spikes.sort()
    t_end = sample[-1] + 0.01
    return Recording.from_arrays([t for t, _ in spikes], [i for _, i in spikes],
                                 ["place", "place", "place"], position_times=sample,
                                 positions=positions, intervals={"online": [[0.0, t_end]]})


def test_rates_are_counts_over_occupancy():
    tc = compute_tuning_curves(lap_recording(), n_bins=10, track_range=(0, 100))
    np.testing.assert_allclose(tc.occupancy, np.full(10, 1.0))
    expected = np.zeros((3, 10))
    expected[0, 3] = 10.0
    expected[1, 7] = 20.0
    np.testing.assert_allclose(tc.rates, expected, atol=1e-12)
    np.testing.assert_allclose(tc.bin_centres, np.arange(5, 100, 10))
    np.testing.assert_allclose(tc.peak_positions[:2], [35.0, 75.0])


def test_phase_restricts_spikes_and_occupancy():
    tc = compute_tuning_curves(lap_recording(), n_bins=10, track_range=(0, 100),
                               phase=(0.0, 5.0))
    np.testing.assert_allclose(tc.occupancy, np.full(10, 0.5))
    assert tc.rates[0, 3] == pytest.approx(10.0)  # 5 spikes in 0.5 s


def test_speed_filter_drops_standing_still():
    # standing at 50 cm for 5 s while cell 2 fires 50 spikes: without a speed
    # filter bin 5 gets 5 more seconds and cell 2 a field; with one, neither
    rec = lap_recording(extra_spikes=[(10.0 + 0.1 * k + 0.005, 2) for k in range(50)],
                        stop_after=10.0)
    loose = compute_tuning_curves(rec, n_bins=10, track_range=(0, 100))
    assert loose.occupancy[5] == pytest.approx(6.0)
    assert loose.rates[2, 5] == pytest.approx(50 / 6.0)
    moving = compute_tuning_curves(rec, n_bins=10, track_range=(0, 100), min_speed=1.0)
    assert moving.occupancy[5] == pytest.approx(1.0, abs=0.011)
    assert moving.rates[2].max() == 0.0


def test_smoothing_conserves_spikes_on_a_loop_and_min_occupancy_masks():
    rec = lap_recording()
    tc = compute_tuning_curves(rec, n_bins=10, track_range=(0, 100), smoothing=10.0,
                               circular=True)
    # on a loop the smoothed occupancy is still 1 s everywhere, and smoothing
    # moves spikes between bins without losing any: the rates still sum to the
    # spike count divided by 1 s
    np.testing.assert_allclose(tc.rates.sum(axis=1), [10.0, 20.0, 0.0])
    assert tc.rates[0].argmax() == 3 and tc.rates[0, 2] > 0
    masked = compute_tuning_curves(rec, n_bins=10, track_range=(0, 200))
    assert np.all(np.isnan(masked.rates[:, 5:]))  # never visited
    assert np.all(np.isfinite(masked.rates[:, :5]))
    high = compute_tuning_curves(rec, n_bins=10, track_range=(0, 100), min_occupancy=1.5)
    assert np.all(np.isnan(high.rates))


def test_cells_selects_rows():
    tc = compute_tuning_curves(lap_recording(), n_bins=10, track_range=(0, 100), cells=[1])
    assert tc.rates.shape == (1, 10) and tc.rates[0, 7] == pytest.approx(20.0)
    np.testing.assert_array_equal(tc.cells, [1])


def test_synthetic_fields_peak_at_their_centres():
    syn = generate_synthetic_replay(60, 0, rng=4, n_laps=8)
    tc = compute_tuning_curves(syn.recording, n_bins=60, smoothing=5.0,
                               track_range=(0, syn.track_length))
    centres = syn.recording.field_centres
    # 8 laps of a 15 cm-wide, 20 Hz field give about 60 spikes a cell: the
    # peak of the smoothed map lands within two 5 cm bins of the centre
    error = np.abs(tc.peak_positions - centres)
    assert np.mean(error <= 10.0) >= 0.95


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_bins=0), "n_bins"),
    (dict(smoothing=-1.0), "smoothing"),
    (dict(track_range=(5.0, 5.0)), "track_range"),
    (dict(phase=(100.0, 200.0)), "no position samples"),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        compute_tuning_curves(lap_recording(), **kwargs)


def test_missing_positions_or_phase_raise():
    rec = Recording.from_arrays([0.1], [0], ["place"])
    with pytest.raises(ValueError, match="position"):
        compute_tuning_curves(rec)
    with pytest.raises(KeyError, match="offline"):
        compute_tuning_curves(lap_recording(), phase="offline")
