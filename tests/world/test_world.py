"""The track, the cue schedule and the input spike trains."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.config import ConfigError
from neurotoolkit.world import (
    PlaceInputs,
    SalientCue,
    SpikeTrains,
    Track,
    latent_order,
    one_spike_per_step,
    place_rate,
    place_spike_trains,
    window_spike_trains,
)


def test_track_trajectory_and_laps():
    track = Track()
    assert track.lap_duration_s == pytest.approx(300 / 32)
    assert track.duration_s == pytest.approx(10 * 300 / 32)
    t = np.array([0.0, 1.0, track.lap_duration_s + 1.0])
    np.testing.assert_allclose(track.position_cm(t), [0.0, 32.0, 32.0])
    np.testing.assert_array_equal(track.lap_of(t), [0, 0, 1])


def test_circular_distance_wraps():
    linear, circular = Track(), Track(circular=True)
    assert linear.distance_cm(290.0, 10.0) == pytest.approx(280.0)
    assert circular.distance_cm(290.0, 10.0) == pytest.approx(-20.0)


def test_latent_order_sorts_fields_and_skips_cells_without_one():
    centres = np.array([50.0, np.nan, 10.0, 30.0])
    np.testing.assert_array_equal(latent_order(centres), [2, 3, 0])


def test_random_cue_moves_and_fixed_cue_stays():
    track = Track(n_laps=50)
    rng = np.random.default_rng(0)
    random_cue = SalientCue().schedule(track, rng)
    fixed_cue = SalientCue(placement="fixed").schedule(track, rng)
    assert np.ptp(random_cue.positions_cm) > 100.0
    np.testing.assert_allclose(fixed_cue.positions_cm, 150.0)
    for schedule in (random_cue, fixed_cue):
        np.testing.assert_allclose(np.diff(schedule.windows_s, axis=1), 0.75)
        lap_of_onset = track.lap_of(schedule.windows_s[:, 0])
        lap_of_offset = track.lap_of(schedule.windows_s[:, 1] - 1e-9)
        np.testing.assert_array_equal(lap_of_onset, np.arange(50))
        np.testing.assert_array_equal(lap_of_offset, np.arange(50))  # fits in its lap


def test_cue_that_cannot_fit_is_an_error():
    with pytest.raises(ConfigError, match="cue.position"):
        SalientCue(placement="fixed", position="299.9 cm").schedule(Track(), np.random.default_rng())


def test_place_rate_peak_baseline_and_theta_mean():
    inputs, track = PlaceInputs(), Track()
    assert place_rate(100.0, 0.0, 100.0, inputs, track) == pytest.approx(20.0)
    assert place_rate(250.0, 0.0, 100.0, inputs, track) == pytest.approx(0.1, abs=1e-6)
    theta = PlaceInputs(theta_depth=1.0)
    t = np.linspace(0, 1 / 7, 2001)[:-1]
    # theta redistributes spikes within a cycle without changing the mean rate
    assert place_rate(100.0, t, 100.0, theta, track).mean() == pytest.approx(20.0, rel=1e-6)


def test_place_spike_trains_have_the_expected_mean_rate():
    """Mean in-field rate over laps matches the integral of the Gaussian field.

    Expected rate = baseline + (peak - baseline) * sqrt(2 pi) * SD / L; with
    500 cells over 10 laps the count has a Poisson SD under 0.5%, so 3%
    is a loose bound.
    """
    track, inputs = Track(), PlaceInputs()
    rng = np.random.default_rng(1)
    centres = rng.uniform(30, 270, 500)
    trains = place_spike_trains(centres, track, inputs, rng)
    expected = 0.1 + 19.9 * np.sqrt(2 * np.pi) * 7.5 / 300
    assert trains.rate_hz(track.duration_s).mean() == pytest.approx(expected, rel=0.03)
    assert np.all(np.diff(trains.times) >= 0)
    # spikes fall near the field centre
    positions = track.position_cm(trains.times)
    near = np.abs(positions - centres[trains.indices]) < 3 * 7.5
    assert near.mean() > 0.9


def test_window_trains_fire_only_in_cue_windows():
    track = Track(n_laps=5)
    rng = np.random.default_rng(2)
    schedule = SalientCue().schedule(track, rng)
    trains = window_spike_trains(np.arange(40), 40, schedule, SalientCue().rate, rng,
                                 track.duration_s)
    inside = np.zeros(trains.times.size, bool)
    for start, stop in schedule.windows_s:
        inside |= (trains.times >= start) & (trains.times < stop)
    assert inside.all()
    # 40 cells x 5 laps x 0.75 s x 20 Hz = 3000 spikes, Poisson SD 55
    assert abs(trains.times.size - 3000) < 5 * 55


def test_one_spike_per_step_drops_only_duplicates():
    trains = SpikeTrains(times=np.array([0.0, 0.00005, 0.0002, 0.0001]),
                         indices=np.array([0, 0, 0, 1]), n=2)
    kept = one_spike_per_step(trains, 0.0001)
    assert kept.times.size == 3
    np.testing.assert_array_equal(np.sort(kept.indices), [0, 0, 1])


def test_one_spike_per_step_satisfies_brian2_near_step_boundaries():
    from brian2 import Network, SpikeGeneratorGroup, prefs, second

    dt = 1e-4
    # 2 dt - dt/2000 is step 1 by floor(t / dt) but step 2 for Brian2's check,
    # which also holds the spike at 2.5 dt
    trains = SpikeTrains(times=np.array([2 * dt - dt / 2000, 2.5 * dt]),
                         indices=np.array([0, 0]), n=1)
    kept = one_spike_per_step(trains, dt)
    np.testing.assert_array_equal(kept.times, [2 * dt - dt / 2000])
    previous = prefs.codegen.target
    prefs.codegen.target = "numpy"
    try:
        group = SpikeGeneratorGroup(1, kept.indices, kept.times * second, dt=dt * second)
        Network(group).run(5 * dt * second)  # raises if Brian2 sees two spikes in a step
    finally:
        prefs.codegen.target = previous
