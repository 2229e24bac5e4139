"""Convergence to the latent sequence: the chance level, learning curves."""

import itertools

import numpy as np
import pytest

from neurotoolkit.analysis import sequence_distance, sequence_distance_chance


@pytest.mark.parametrize("circular", [False, True])
def test_chance_level_matches_the_exact_mean_over_permutations(circular):
    n = 6
    latent = np.arange(n) * 3 + 1  # ids need not be 0..n-1
    exact = np.mean([sequence_distance(latent[list(p)], latent, circular=circular)
                     for p in itertools.permutations(range(n))])
    orders = [latent[::-1]] * 20  # the real orders do not matter, only their cells
    est = sequence_distance_chance(orders, latent, n_shuffles=500, rng=0, circular=circular)
    # 10 000 draws of a value in [0, 0.5] with SD < 0.15: SE < 0.0015; 0.01 is > 6 SE
    assert est == pytest.approx(exact, abs=0.01)
    assert est < 0.5


def test_chance_level_for_twenty_cells_is_about_0_44():
    latent = np.arange(40)
    rng = np.random.default_rng(5)
    orders = [rng.choice(40, 20, replace=False) for _ in range(30)]
    est = sequence_distance_chance(orders, latent, n_shuffles=200, rng=1)
    # theory: 0.5 - sd(K) * sqrt(2/pi), sd(K)^2 = (2n+5)/(18 n (n-1)) -> 0.435
    sd = np.sqrt((2 * 20 + 5) / (18 * 20 * 19))
    assert est == pytest.approx(0.5 - sd * np.sqrt(2 / np.pi), abs=0.01)


def test_chance_level_is_seeded_and_skips_short_events():
    latent = np.arange(10)
    orders = [np.arange(8), np.array([3]), np.zeros(0, dtype=int), np.arange(10)[::-1]]
    a = sequence_distance_chance(orders, latent, n_shuffles=50, rng=3)
    b = sequence_distance_chance(orders, latent, n_shuffles=50, rng=3)
    assert a == b
    assert np.isnan(sequence_distance_chance([np.array([1])], latent, rng=0))
    with pytest.raises(ValueError, match="n_shuffles"):
        sequence_distance_chance(orders, latent, n_shuffles=0)


def test_compute_sequence_distances_reports_n_and_both_distances():
    from neurotoolkit.analysis import compute_sequence_distances, sequence_footrule

    latent = np.arange(10) * 2
    orders = [latent[:6], latent[2:9][::-1], np.array([0, 2]), latent[[1, 0, 2, 3, 4]],
              np.array([99, 4, 2, 0])]
    d = compute_sequence_distances(orders, latent, n_chance_shuffles=50, rng=0)
    np.testing.assert_array_equal(d.n_cells, [6, 7, 2, 5, 3])
    assert d.kendall[0] == 0 and d.kendall[1] == 0 and d.kendall[4] == 0
    assert np.isnan(d.kendall[2]) and np.isnan(d.footrule[2])
    assert d.kendall[3] == pytest.approx(1 / 10)  # one discordant pair of 10
    assert d.footrule[3] == pytest.approx(sequence_footrule(orders[3], latent))
    assert d.mean_kendall == pytest.approx(np.nanmean(d.kendall))
    assert 0.2 < d.chance < 0.5
    assert np.isnan(compute_sequence_distances(orders, latent).chance)


def test_learning_curve_fit_recovers_an_exact_curve():
    from neurotoolkit.analysis import fit_learning_curve, learning_curve

    laps = np.array([1, 2, 4, 8, 16, 32, 64])
    exact = learning_curve(laps, 0.05, 0.4, 0.7)
    fit = fit_learning_curve(laps, np.tile(exact, (4, 1)), n_bootstrap=20, rng=0)
    assert (fit.c, fit.a, fit.beta) == pytest.approx((0.05, 0.4, 0.7), abs=1e-5)
    assert fit.rmse < 1e-6
    # identical seeds: every resample gives the same curve
    assert fit.c_ci[1] - fit.c_ci[0] < 1e-5
    np.testing.assert_allclose(fit(laps), exact, atol=1e-6)
    # no floor: c = 0 exactly (the bound is active)
    assert fit_learning_curve(laps, learning_curve(laps, 0.0, 0.5, 1.0)[None], n_bootstrap=0
                              ).c == pytest.approx(0.0, abs=1e-6)


def test_learning_curve_fit_on_noisy_seeds():
    from neurotoolkit.analysis import fit_learning_curve, learning_curve

    laps = np.array([1, 2, 4, 8, 16, 32, 64])
    widths = []
    for k, n_seeds in enumerate((5, 40)):
        rng = np.random.default_rng(k)
        d = learning_curve(laps, 0.05, 0.4, 0.7) + rng.normal(0, 0.03, (n_seeds, laps.size))
        fit = fit_learning_curve(laps, d, n_bootstrap=200, rng=k)
        # SD of the estimates over repeated data sets with 10 seeds: c 0.012,
        # beta 0.07 (measured on 20 data sets); with 5 seeds or more these
        # bounds are over 3 SDs
        assert fit.c == pytest.approx(0.05, abs=0.05)
        assert fit.beta == pytest.approx(0.7, abs=0.3)
        assert fit.c_ci[0] <= fit.c <= fit.c_ci[1]
        assert fit.beta_ci[0] <= fit.beta <= fit.beta_ci[1]
        widths.append(fit.c_ci[1] - fit.c_ci[0])
    # more seeds, narrower intervals (by about sqrt(8) = 2.8)
    assert widths[1] < widths[0] / 1.5


def test_learning_curve_fit_errors():
    from neurotoolkit.analysis import fit_learning_curve

    with pytest.raises(ValueError, match="shape"):
        fit_learning_curve([1, 2, 3], np.zeros((2, 4)))
    with pytest.raises(ValueError, match="> 0"):
        fit_learning_curve([0, 1, 2], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="three"):
        fit_learning_curve([1, 2], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="three"):
        fit_learning_curve([1, 2, 3], np.array([[np.nan, 1.0, np.nan]]))


def test_bootstrap_interval_of_constant_columns_is_the_point() -> None:
    from neurotoolkit.analysis import bootstrap_mean_interval

    values = np.array([[1.0, 2.0, np.nan], [1.0, 4.0, np.nan]])
    mean, low, high = bootstrap_mean_interval(values, n_bootstrap=200)
    assert mean[:2].tolist() == [1.0, 3.0] and low[0] == high[0] == 1.0
    assert 2.0 <= low[1] <= 3.0 <= high[1] <= 4.0
    assert np.isnan(mean[2])
