"""The theorem's computations: integer distributions, Cramér rates, exact
n-lap probabilities (against closed forms and direct convolution), the
mean-field replay and its closed-form margins."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
from scipy import stats

from neurotoolkit.binary.activity import draw_laps, network_seeds
from neurotoolkit.binary.layout import Layout
from neurotoolkit.binary.learning import count_coactivations
from neurotoolkit.binary.theory import (
    IntegerDistribution,
    analyse,
    cramer_rate,
    expected_counts,
    increment_distribution,
    log_error_probability,
)
from neurotoolkit.runner import resolve_config


def config_for(pathways="EE+IE", placement="random", **extra):
    overrides = {"plasticity.pathways": pathways, "cue.placement": placement}
    overrides.update(extra)
    return resolve_config("consolidation", "binary", "default", overrides)


@cache
def _analyse(pathways, placement, extra):
    return analyse(config_for(pathways, placement, **dict(extra)))


def theory_for(pathways="EE+IE", placement="random", **extra):
    """The (cached) analysis of the default preset with these settings."""
    return _analyse(pathways, placement, tuple(sorted(extra.items())))


def kl_bernoulli(a: float, p: float) -> float:
    return a * math.log(a / p) + (1 - a) * math.log((1 - a) / (1 - p))


# -- integer distributions --------------------------------------------------

def test_bernoulli_sum_is_binomial_and_convolution_adds():
    dist = IntegerDistribution.bernoulli_sum([0.3] * 7)
    np.testing.assert_allclose(dist.probs, stats.binom.pmf(np.arange(8), 7, 0.3), atol=1e-15)
    shifted = IntegerDistribution(-2, np.array([0.5, 0.5]))
    total = dist.convolve(shifted)
    assert total.offset == -2
    assert total.mean == pytest.approx(7 * 0.3 - 1.5)
    assert total.variance == pytest.approx(7 * 0.21 + 0.25)
    assert shifted.negate().values.tolist() == [1, 2]


# -- Cramér rates -------------------------------------------------------------

@pytest.mark.parametrize("p, a", [(0.2, 0.5), (0.05, 0.3), (0.6, 0.9)])
def test_cramer_rate_of_a_bernoulli_is_the_kl_divergence(p, a):
    dist = IntegerDistribution(0, np.array([1 - p, p]))
    rate, tilt = cramer_rate(dist, a, "silent")
    assert rate == pytest.approx(kl_bernoulli(a, p), rel=1e-10)
    assert tilt == pytest.approx(math.log(a * (1 - p) / (p * (1 - a))), rel=1e-8)
    rate_fire, tilt_fire = cramer_rate(IntegerDistribution(0, np.array([p, 1 - p])), 1 - a, "fire")
    assert rate_fire == pytest.approx(kl_bernoulli(a, p), rel=1e-10) and tilt_fire < 0


def test_cramer_rate_edges():
    dist = IntegerDistribution(0, np.array([0.7, 0.2, 0.1]))
    assert cramer_rate(dist, 2.5, "silent")[0] == math.inf          # beyond the support
    assert cramer_rate(dist, 2.0, "silent")[0] == pytest.approx(-math.log(0.1))  # at its top
    assert cramer_rate(dist, 0.3, "silent")[0] == 0.0               # mean 0.4 above threshold
    assert cramer_rate(dist, 0.0, "fire")[0] == math.inf            # S_n < 0 is impossible
    with pytest.raises(ValueError):
        cramer_rate(dist, 0.5, "sometimes")


# -- exact n-lap probabilities ----------------------------------------------

def test_exact_probability_equals_the_binomial_tail_far_into_the_tail():
    p, theta = 0.1, 0.35
    dist = IntegerDistribution(0, np.array([1 - p, p]))
    laps = np.array([1, 2, 7, 20, 64, 200, 512])
    got = log_error_probability(dist, theta, "silent", laps)
    want = [stats.binom.logsf(math.ceil(theta * n) - 1, n, p) for n in laps]
    np.testing.assert_allclose(got, want, rtol=1e-9)
    assert got[-1] < -100  # about 1e-52: still computed to full relative precision


def test_exact_probability_matches_direct_convolution_with_negative_values():
    dist = IntegerDistribution(-2, np.array([0.1, 0.15, 0.25, 0.3, 0.2]))  # values -2..2
    theta = 0.5  # mean 0.35: an error is S_n >= 0.5 n
    for n in (1, 3, 10, 40):
        probs, offset = np.ones(1), 0
        for _ in range(n):
            probs, offset = np.convolve(probs, dist.probs), offset + dist.offset
        values = offset + np.arange(probs.size)
        want = probs[values >= math.ceil(theta * n - 1e-9)].sum()
        got = math.exp(log_error_probability(dist, theta, "silent", [n])[0])
        assert got == pytest.approx(want, rel=1e-9)
        want_fire = probs[values < math.ceil(0.2 * n - 1e-9)].sum()
        got_fire = math.exp(log_error_probability(dist, 0.2, "fire", [n])[0])
        assert got_fire == pytest.approx(want_fire, rel=1e-9)


def test_chernoff_bound_dominates_every_exact_condition_probability():
    theory = theory_for()
    laps = np.array([1, 2, 5, 10, 30, 100, 300])
    for condition, _ in theory.groups():
        if math.isinf(condition.rate):
            continue
        exact = condition.log_error_probability(laps)
        assert np.all(exact <= -condition.rate * laps + 1e-9)
        # and it is the exact exponent: log P = -n I - log(n) / 2 + O(1) + o(1), the O(1)
        # term depending on n only through the lattice phase, equal at n = 100 and 300
        corrected = exact + 0.5 * np.log(laps)
        slope = (corrected[-1] - corrected[-2]) / (laps[-1] - laps[-2])
        assert slope == pytest.approx(-condition.rate, rel=0.01)


# -- per-lap increments ---------------------------------------------------------

def test_increment_distribution_matches_lap_by_lap_counts():
    """Exact law of the increment against 4000 simulated laps: chi-square test.
    The threshold (p < 1e-4) gives a false-failure probability of 1e-4."""
    config = config_for()
    layout = Layout.from_config(config)
    theory = analyse(config)
    condition = theory.dominant(1)[0]  # a successor: p_{t+1} after p_t, minus inhibition
    assert condition.kind == "excitatory" and condition.sense == "fire"
    laps = np.concatenate([draw_laps(config, s, 400)[1] for s in network_seeds(9, 10)])
    counts = count_coactivations(laps, layout)
    pre = theory.mean_field[condition.step].copy()
    pre[condition.unit] = False
    z = counts.ee[:, condition.unit, :] @ pre - counts.ie[:, condition.unit, :] @ \
        theory.mean_field_interneurons[condition.step]
    values, observed = np.unique(z, return_counts=True)
    dist = condition.increment
    expected = np.array([dist.probs[v - dist.offset] for v in values]) * z.size
    keep = expected >= 5
    chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-4
    assert z.mean() == pytest.approx(dist.mean, abs=5 * math.sqrt(dist.variance / z.size))


def test_increment_mean_is_the_mean_field_margin():
    for pathways in ("EE", "EE+IE", "EE+IE+EI"):
        for placement in ("random", "fixed"):
            theory = theory_for(pathways, placement)
            for c in theory.conditions:
                if c.kind == "excitatory":
                    assert c.margin == pytest.approx(theory.margins[c.step, c.unit], abs=1e-12)


# -- the mean-field statements -------------------------------------------------

def closed_form_margins(config):
    """Margins of docs/theory.md, Proposition 2, for static E->I and random cue."""
    a = config.activity
    q, qc, eps = a.place_probability, a.cue_probability, a.spontaneous_probability
    qa, qb = a.cue_interneuron_probability, a.place_interneuron_probability
    net = config.network
    n_a, n_b, length = net.n_cue_interneurons, net.n_place_interneurons, net.n_positions
    theta = config.replay.threshold
    gamma_c, gamma_a = eps + (qc - eps) / length, eps + (qa - eps) / length
    rho_place = (q + (length - 1) * eps) * (n_a * gamma_a + n_b * qb)
    rho_cue = n_a * (qc * qa + (length - 1) * eps ** 2) + n_b * qb * (qc + (length - 1) * eps)
    successor = q ** 2 + (length - 2) * eps ** 2 - rho_place - theta
    cue = gamma_c * (q + (length - 2) * eps) - rho_cue - theta
    cue_ee = gamma_c * (q + (length - 2) * eps) - theta
    return successor, cue, cue_ee


def test_closed_form_margins_agree_with_the_code():
    config = config_for()
    theory = analyse(config)
    layout = Layout.from_config(config)
    successor, cue, cue_ee = closed_form_margins(config)
    t = 5  # an interior step
    assert theory.margins[t, t + 1] == pytest.approx(successor, abs=1e-12)
    assert theory.margins[t, layout.cue[0]] == pytest.approx(cue, abs=1e-12)
    ee = theory_for("EE")
    assert ee.margins[0, layout.cue[0]] == pytest.approx(cue_ee, abs=1e-12)
    ee_counts, ie_counts, _ = expected_counts(config)
    assert ee_counts[t + 1, t] == pytest.approx(
        config.activity.place_probability ** 2 + 14 * config.activity.spontaneous_probability ** 2)


def test_inhibitory_plasticity_makes_replay_consistent_and_excludes_a_random_cue():
    ee = theory_for("EE")
    assert not ee.consistent and ee.cue_in_limit
    layout = Layout.from_config(ee.config)
    assert ee.mean_field[1, layout.cue].all()          # the cue follows the first place unit
    ie = theory_for("EE+IE")
    assert ie.consistent and not ie.cue_in_limit and ie.rate_is_exact
    assert 0 < ie.rate < math.inf


def test_a_fixed_cue_takes_its_place():
    theory = theory_for("EE+IE", "fixed")
    layout = Layout.from_config(theory.config)
    step = theory.config.cue.step(layout.n_positions)
    assert theory.consistent and theory.cue_in_limit
    assert theory.mean_field[step, layout.cue].all()
    assert not np.delete(theory.mean_field[:, layout.cue], step, axis=0).any()


def test_exclusion_holds_for_every_cue_salience_with_inhibition_only():
    """Proposition 3: EE lets a salient enough random cue in; EE+IE excludes it
    at every cue probability when n_a q_Ic + n_b q_Ip >= (q + (L-2) eps) / L."""
    for qc in (0.2, 0.5, 0.8, 1.0):
        ie = theory_for("EE+IE", **{"activity.cue_probability": qc})
        assert ie.consistent and not ie.cue_in_limit
    assert theory_for("EE", **{"activity.cue_probability": 1.0}).cue_in_limit
    assert not theory_for("EE", **{"activity.cue_probability": 0.2}).cue_in_limit


def test_error_bounds_are_ordered():
    theory = theory_for()
    laps = np.array([1, 4, 16, 64, 256, 512])
    lower, upper = theory.error_bounds(laps)
    chernoff = theory.chernoff_bound(laps)
    assert np.all(lower <= upper) and np.all(upper <= chernoff + 1e-15)
    assert np.all(np.diff(upper[2:]) < 0) and upper[-1] < 1e-15
    # exact asymptotic rate of the upper bound
    slope = np.log(upper[-1] / upper[-2]) / (laps[-1] - laps[-2])
    assert -slope == pytest.approx(theory.rate, rel=0.02)


def test_bahadur_rao_asymptotics_of_the_exact_probabilities():
    """Lemma 3: exact P(A_k) / (lattice Bahadur-Rao form) -> 1, with an O(1/n)
    correction: within 5% at n = 200 and 1% at n = 800, closer at larger n."""
    theory = theory_for()
    checked = 0
    for condition, _ in sorted(theory.groups(), key=lambda g: g[0].rate)[:4]:
        ratio = np.exp(condition.log_error_probability([200, 800])) \
            / condition.asymptotic_probability([200, 800])
        if np.all(np.isfinite(ratio)):
            checked += 1
            assert abs(ratio[0] - 1) < 0.05 and abs(ratio[1] - 1) < 0.01
            assert abs(ratio[1] - 1) < abs(ratio[0] - 1)
    assert checked >= 2


def test_random_cue_law_is_the_average_of_fixed_cue_laws():
    """A random cue is a uniform mixture of laps with the cue at each step: the
    increment law computed for a random cue (with its prefix/suffix shortcut)
    equals the average of the laws computed for a fixed cue at every step."""
    config = config_for()
    layout = Layout.from_config(config)
    n_pos = layout.n_positions
    states = theory_for().mean_field
    for step, target in ((3, 4), (3, layout.cue[0]), (0, 7), (n_pos - 1, 2)):
        inhibition = np.ones(layout.n_interneurons, dtype=bool)
        random_law = increment_distribution(config, target, states[step], inhibition)
        parts = []
        for c in range(n_pos):
            fixed = config.with_overrides({"cue.placement": "fixed",
                                           "cue.position": (c + 0.5) / n_pos})
            parts.append(increment_distribution(fixed, target, states[step], inhibition))
        lo = min(p.offset for p in parts)
        hi = max(p.offset + p.probs.size for p in parts)
        mixed = np.zeros(hi - lo)
        for p in parts:
            mixed[p.offset - lo:p.offset - lo + p.probs.size] += p.probs / n_pos
        got = np.zeros(hi - lo)
        got[random_law.offset - lo:random_law.offset - lo + random_law.probs.size] = \
            random_law.probs
        np.testing.assert_allclose(got, mixed, atol=1e-15)
