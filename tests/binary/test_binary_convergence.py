"""Simulation against the theorem, over many independently seeded networks.

Statistics: every comparison of a measured frequency with a probability from
the theory uses the binomial distribution of the count of networks; each
tolerance is stated with its false-failure probability.  The seeds are fixed
for reproducibility, not chosen: any seed passes with the stated probability.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest
from scipy import stats

from neurotoolkit.binary.convergence import fit_decay_rate, simulate_convergence
from neurotoolkit.binary.theory import analyse
from neurotoolkit.runner import resolve_config, run_experiment

SEED = 2026


def binomial_z(measured: np.ndarray, exact: np.ndarray, n: int) -> np.ndarray:
    sd = np.sqrt(np.maximum(exact * (1 - exact), 1.0 / n) / n)
    return (measured - exact) / sd


def test_exact_condition_probabilities_match_simulation():
    """P(A_k) from the tilted FFT against the frequency of A_k in 2000 networks,
    for the 8 conditions of smallest rate at 5 lap counts (40 comparisons).
    |z| < 4.5 has a false-failure probability of 7e-6 each, 3e-4 in all (normal
    approximation to the binomial; 1/n floor on the variance for p near 0)."""
    config = resolve_config("consolidation", "binary", "default")
    theory = analyse(config)
    conditions = [c for c, _ in sorted(theory.groups(), key=lambda g: g[0].rate)[:8]]
    laps = [2, 5, 12, 25, 40]
    n = 2000
    data = simulate_convergence(config, SEED, laps, ["EE+IE"], n, chunk=250, conditions={
        "EE+IE": (conditions, theory.mean_field, theory.mean_field_interneurons)})
    measured = data.events["EE+IE"].mean(axis=1)
    for condition, freq in zip(conditions, measured, strict=True):
        exact = np.exp(condition.log_error_probability(laps))
        z = binomial_z(freq, exact, n)
        assert np.all(np.abs(z) < 4.5), (condition.step, condition.unit, freq, exact)


@pytest.fixture(scope="module")
def convergence_run():
    """The full convergence experiment of the default preset: 1000 networks per
    lap count, n = 1..512, EE and EE+IE, random cue."""
    return run_experiment("convergence", "binary", preset="default", seed=SEED, quiet=True)


def table_rows(result, pathways):
    rows = csv.DictReader(io.StringIO(result.tables["convergence.csv"]))
    return [r for r in rows if r["pathways"] == pathways]


@pytest.mark.slow
def test_convergence_experiment_is_fast_and_complete(convergence_run):
    metrics = convergence_run.metrics
    assert metrics["n_networks"] >= 1000 and metrics["max_laps"] >= 512
    assert metrics["wall_time_s"] < 60.0
    rows = table_rows(convergence_run, "EE+IE")
    laps = [int(r["laps"]) for r in rows]
    assert laps[0] == 1 and laps[-1] == 512
    assert "binary_convergence" in convergence_run.figures


@pytest.mark.slow
def test_error_probability_stays_within_the_theorem(convergence_run):
    """At every n the number of wrong networks is compatible with the exact
    bracket and below the Chernoff bound: a binomial tail below 1e-5 at any of
    the 96 lap counts would be a violation (family-wise false alarm < 1e-3)."""
    n = int(convergence_run.metrics["n_networks"])
    for row in table_rows(convergence_run, "EE+IE"):
        k = int(row["errors"])
        for bound in (float(row["exact_upper"]), float(row["chernoff_bound"])):
            assert stats.binom.sf(k - 1, n, min(bound, 1.0)) > 1e-5, row
        lower = float(row["exact_lower"])
        assert stats.binom.cdf(k, n, lower) > 1e-5, row
    for name in ("union_violations_EE_IE", "chernoff_violations_EE_IE", "below_lower_EE_IE"):
        assert convergence_run.metrics[name] == 0


@pytest.mark.slow
def test_fitted_decay_rate_agrees_with_the_exact_rate(convergence_run):
    """Within 25% of the exact Cramér rate.  Over ten independent runs of 1000
    networks the relative error had mean +0.03 and sd 0.06, so 25% is about 3.7
    sd away: false-failure probability about 1e-4."""
    metrics = convergence_run.metrics
    assert metrics["consistent_EE_IE"] == 1.0
    assert abs(metrics["fitted_rate_rel_error_EE_IE"]) < 0.25
    assert metrics["fitted_tilt_EE_IE"] < 0 < metrics["theory_rate_EE_IE"]
    assert metrics["fit_laps_max_EE_IE"] - metrics["fit_laps_min_EE_IE"] >= 15


@pytest.mark.slow
def test_excitatory_plasticity_alone_leaves_a_floor(convergence_run):
    """EE: the mean-field replay contains the cue, so P(wrong) -> 1 and the cue
    units join every replay; EE+IE: both fall to zero."""
    assert convergence_run.metrics["consistent_EE"] == 0.0
    for row in table_rows(convergence_run, "EE"):
        if int(row["laps"]) >= 16:
            assert float(row["p_wrong"]) >= 0.99
        if int(row["laps"]) >= 64:
            assert float(row["cue_participation"]) >= 0.95
    for row in table_rows(convergence_run, "EE+IE"):
        if int(row["laps"]) >= 64:
            # exact P(a cue unit fires) < 1e-6 there: any firing is a failure
            assert float(row["cue_participation"]) == 0.0
    assert float(table_rows(convergence_run, "EE+IE")[-1]["p_wrong"]) == 0.0


def test_fixed_cue_takes_its_place_random_cue_is_excluded():
    """500 networks after 512 laps with EE+IE: the exact probability of any
    error is below 1e-9 per network, so every network must replay the cue units
    exactly at the cue's step (fixed) or never (random).  At 16 laps, before
    convergence, both kinds of error occur."""
    n = 500
    for placement in ("fixed", "random"):
        config = resolve_config("consolidation", "binary", "default",
                                {"cue.placement": placement})
        data = simulate_convergence(config, SEED, [16, 512], ["EE+IE"], n)
        cue = data.cue_participation["EE+IE"]
        assert not data.wrong["EE+IE"][:, 1].any()
        if placement == "fixed":
            assert np.all(cue[:, 1] == 1.0)
            assert cue[:, 0].mean() < 0.99
        else:
            assert np.all(cue[:, 1] == 0.0)
            assert cue[:, 0].mean() > 0.0
        assert data.wrong["EE+IE"][:, 0].mean() > 0.1


def test_participation_ratio_falls_with_laps():
    """Consolidation runs (100 replays from random starts), 4 seeds per lap
    count.  EE+IE: the cue's participation relative to place units falls to 0
    (exactly 0 at 128 laps, where the exact probability of any intrusion is
    below 1e-6 per network); EE: it stays near 1."""
    def ratio(pathways: str, laps: int, seed: int) -> float:
        result = run_experiment("consolidation", "binary", preset="default", seed=seed,
                                overrides={"plasticity.pathways": pathways,
                                           "track.n_laps": laps})
        return result.metrics["participation_ratio"]

    early = np.mean([ratio("EE+IE", 4, s) for s in range(4)])
    late = [ratio("EE+IE", 128, s) for s in range(4)]
    assert early > 0.05
    assert all(r == 0.0 for r in late)
    assert np.mean([ratio("EE", 128, s) for s in range(4)]) > 0.8


def test_rate_fit_recovers_a_known_rate():
    """The fit, on exact probabilities (no sampling noise) of the dominant
    condition, a lattice random walk, recovers its Cramér rate and tilt."""
    config = resolve_config("consolidation", "binary", "default")
    condition = analyse(config).dominant(1)[0]
    laps = np.arange(20, 120)
    exact = np.exp(condition.log_error_probability(laps))
    scale = 1e12  # a very large number of networks: no sampling noise
    fit = fit_decay_rate(laps, exact * scale, int(scale), max_probability=1.0, min_errors=1,
                         threshold=config.replay.threshold)
    # the Bahadur-Rao form is exact up to a factor 1 + O(1/n), hence the 5%
    assert fit.rate == pytest.approx(condition.rate, rel=0.05)
    assert fit.tilt == pytest.approx(condition.tilt, rel=0.2)
    np.testing.assert_allclose(fit(laps), exact, rtol=0.2)  # the saw-tooth is captured
    assert math.isnan(fit_decay_rate([1, 2], [5, 3], 10).rate)


def test_wilson_interval_contains_the_estimate():
    from neurotoolkit.binary.experiment import _wilson

    k = np.array([0, 1, 500, 999, 1000])
    lo, hi = _wilson(k, 1000)
    p = k / 1000
    assert np.all(lo <= p) and np.all(p <= hi) and lo[0] == 0 and hi[-1] == 1
