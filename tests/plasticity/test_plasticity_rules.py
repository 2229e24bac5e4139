"""Each learning rule against its analytic weight change for spike pairs."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.config import ConfigError, magnitude
from neurotoolkit.plasticity import (
    PATHWAY_SETS,
    PlasticityConfig,
    PlasticityRule,
    pair_weight_change,
)

LAGS_MS = np.array([-80.0, -20.0, -5.0, -1.0, 0.0, 1.0, 5.0, 20.0, 80.0])

RULES = {
    "symmetric (E->E, tau 62.5 ms)": PlasticityRule(),
    "symmetric (I->E, tau 5 ms)": PlasticityRule(tau_pre_post="5 ms", tau_post_pre="5 ms"),
    "asymmetric": PlasticityRule(amplitude_post_pre="-0.06 nS", tau_pre_post="17 ms",
                                 tau_post_pre="34 ms"),
    "vogels": PlasticityRule(rule="vogels", initial_weight="1 nS"),
}


def _simulate_pairs(rule: PlasticityRule, lags_ms: np.ndarray) -> np.ndarray:
    """Weight change (nS) of independent synapses, each seeing one pre and one post spike."""
    from brian2 import Network, SpikeGeneratorGroup, Synapses, defaultclock, ms, prefs

    prefs.codegen.target = "numpy"
    defaultclock.dt = 0.1 * ms
    n = lags_ms.size
    t_pre = np.full(n, 100.0)
    pre = SpikeGeneratorGroup(n, np.arange(n), t_pre * ms)
    post = SpikeGeneratorGroup(n, np.arange(n), (t_pre + lags_ms) * ms)
    code = rule.code()
    synapses = Synapses(pre, post, code.model, on_pre=code.on_pre, on_post=code.on_post,
                        namespace={})
    synapses.connect(j="i")
    rule.set_parameters(synapses)
    Network(pre, post, synapses).run(300 * ms)
    return synapses.w_[:] / 1e-9 - magnitude(rule.initial_weight, "nS")


@pytest.mark.parametrize("name", list(RULES))
def test_pair_weight_change_matches_analytic(name):
    rule = RULES[name]
    measured = _simulate_pairs(rule, LAGS_MS)
    expected = np.array([pair_weight_change(rule, lag / 1000) for lag in LAGS_MS])
    np.testing.assert_allclose(measured, expected, rtol=1e-6, atol=1e-9)


def test_symmetric_rule_is_symmetric_and_potentiation_only():
    measured = _simulate_pairs(RULES["symmetric (E->E, tau 62.5 ms)"], LAGS_MS)
    np.testing.assert_allclose(measured, measured[::-1], rtol=1e-9)
    assert np.all(measured > 0)
    assert measured[LAGS_MS == 0][0] == pytest.approx(0.08)


def test_weights_are_clipped_at_max_weight():
    rule = PlasticityRule(amplitude_pre_post="5 nS", amplitude_post_pre="5 nS",
                          max_weight="1 nS", initial_weight="0.9 nS")
    measured = _simulate_pairs(rule, np.array([0.0, 1.0]))
    np.testing.assert_allclose(measured + 0.9, 1.0)


def test_learning_switch_off_freezes_weights():
    from brian2 import Network, SpikeGeneratorGroup, Synapses, ms, prefs

    prefs.codegen.target = "numpy"
    rule = PlasticityRule()
    pre = SpikeGeneratorGroup(1, [0], [10] * ms)
    post = SpikeGeneratorGroup(1, [0], [12] * ms)
    code = rule.code()
    synapses = Synapses(pre, post, code.model, on_pre=code.on_pre, on_post=code.on_post,
                        namespace={})
    synapses.connect()
    rule.set_parameters(synapses, plastic=False)
    Network(pre, post, synapses).run(50 * ms)
    assert synapses.w_[0] / 1e-9 == pytest.approx(0.1)


def test_rule_validation_and_description():
    with pytest.raises(ConfigError, match="initial_weight"):
        PlasticityRule(initial_weight="30 nS")
    with pytest.raises(ConfigError, match="amplitude_pre_post"):
        PlasticityRule(amplitude_pre_post="-0.1 nS")
    assert "symmetric" in PlasticityRule().describe()
    assert "asymmetric" in RULES["asymmetric"].describe()
    assert "Vogels" in RULES["vogels"].describe()
    assert RULES["vogels"].alpha == pytest.approx(2 * 5 * 0.02)


def test_pathway_sets():
    assert PATHWAY_SETS["EE+IE"] == ("EE", "IE")
    cfg = PlasticityConfig(pathways="EE")
    assert cfg.is_plastic("EE") and not cfg.is_plastic("IE")
    assert magnitude(cfg.ie.tau_pre_post, "ms") == 5
    assert cfg.describe()["IE"] == "static"
