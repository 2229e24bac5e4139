"""The CA3 circuit builder: layout, connectivity statistics, pathway sets, values."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.circuits import NetworkConfig, make_layout, parameter_values, random_connectivity
from neurotoolkit.circuits.ca3 import (
    SYNAPSE_NAMES,
    place_distance_connectivity,
    wiring_positions,
)
from neurotoolkit.config import ConfigError
from neurotoolkit.neurons import PointCell, PointCellModel, basket_cell
from neurotoolkit.plasticity import PlasticityConfig


def test_layout_counts_match_the_published_proportions():
    network = NetworkConfig(n_pyramidal=9000)
    layout = make_layout(network, 300.0, np.random.default_rng(0))
    labels = layout.pyramidal_labels
    assert (labels == "cue").sum() == 450
    assert (labels == "place").sum() + (labels == "cue").sum() == 4500
    assert np.isnan(layout.pyramidal_centres_cm[labels == "pyramidal"]).all()
    assert np.isfinite(layout.pyramidal_centres_cm[labels != "pyramidal"]).all()
    assert (layout.interneuron_labels == "interneuron_cue").sum() == 50
    assert layout.all_labels.size == 9000 + 100 + 100


def test_random_connectivity_has_binomial_statistics():
    """Connection count ~ Binomial(n_pre * n_post, p); 5 SDs is a false-failure rate < 1e-6."""
    rng = np.random.default_rng(1)
    n, p = 800, 0.1
    i, j = random_connectivity(n, n, p, rng, allow_self=False)
    pairs = n * (n - 1)
    assert abs(i.size - p * pairs) < 5 * np.sqrt(pairs * p * (1 - p))
    assert not np.any(i == j)
    assert np.unique(i.astype(np.int64) * n + j).size == i.size  # no duplicate synapses
    i2, j2 = random_connectivity(n, n, p, np.random.default_rng(1), allow_self=False)
    np.testing.assert_array_equal(i, i2)  # same seed, same connectivity


def test_place_distance_connectivity_has_fixed_convergence_and_local_partners():
    """Every cell gets exactly ``convergence`` distinct partners, mostly within a few scales.

    With p ~ exp(-d^2 / l^2) on a uniform layout, a partner's distance is
    half-normal with SD l / sqrt(2): its mean is l / sqrt(pi) = 12.6 cm for
    l = 22.4 cm.  On a dense layout (about 110 cells within that reach)
    drawing 20 without replacement widens it by about 1%; 4000 x 20 draws put
    the sample mean within 1 cm (about 30 standard errors).
    """
    rng = np.random.default_rng(3)
    n, k, scale, length = 4000, 20, 22.4, 2000.0  # long and dense: no edge effects
    x = np.sort(rng.uniform(300.0, length - 300.0, n))
    i, j = place_distance_connectivity(x, k, scale, np.random.default_rng(4))
    assert np.all(np.bincount(j, minlength=n) == k)
    assert not np.any(i == j)
    assert np.unique(i.astype(np.int64) * n + j).size == i.size
    # nearest partners win over uniform ones; a cell with no position draws uniformly
    assert abs(np.abs(x[i] - x[j]).mean() - scale / np.sqrt(np.pi)) < 1.0
    x[0] = np.nan
    i, j = place_distance_connectivity(x, k, scale, np.random.default_rng(4))
    assert np.sum(j == 0) == k
    i2, j2 = place_distance_connectivity(x, k, scale, np.random.default_rng(4))
    np.testing.assert_array_equal(i, i2)


def test_cells_without_a_field_wired_by_a_position_have_neighbours_as_partners():
    routed = NetworkConfig(n_pyramidal=260, place_fraction=1.0, cue_fraction=0.2,
                           cue_place_fields=False)
    layout = make_layout(routed, 200.0, np.random.default_rng(5))
    cue = layout.cue_cells
    positions = wiring_positions(layout.pyramidal_centres_cm, 200.0, np.random.default_rng(6))
    assert np.isfinite(positions).all() and (positions[cue] < 200.0).all()
    fielded = np.setdiff1d(np.arange(260), cue)
    np.testing.assert_array_equal(positions[fielded], layout.pyramidal_centres_cm[fielded])

    def partner_spread(centres):
        """Mean distance between a cue cell's wiring position and its place partners'."""
        i, j = place_distance_connectivity(centres, 20, 22.4, np.random.default_rng(7))
        onto_cue = np.isin(j, cue) & np.isin(i, fielded)
        return np.abs(positions[i[onto_cue]] - positions[j[onto_cue]]).mean()

    # uniform partners lie about a third of the track away; positioned ones within a scale
    assert partner_spread(layout.pyramidal_centres_cm) > 50.0
    assert partner_spread(positions) < 22.4


def test_cue_cells_without_place_fields_have_no_centre_and_the_same_draws():
    network = NetworkConfig(n_pyramidal=300, place_fraction=1.0, cue_fraction=0.2)
    routed = NetworkConfig(n_pyramidal=300, place_fraction=1.0, cue_fraction=0.2,
                           cue_place_fields=False)
    a = make_layout(network, 200.0, np.random.default_rng(5))
    b = make_layout(routed, 200.0, np.random.default_rng(5))
    cue = b.cue_cells
    np.testing.assert_array_equal(a.cue_cells, cue)
    assert np.isnan(b.pyramidal_centres_cm[cue]).all()
    others = np.setdiff1d(np.arange(300), cue)
    np.testing.assert_array_equal(b.pyramidal_centres_cm[others], a.pyramidal_centres_cm[others])


def test_ee_connectivity_options_are_validated():
    with pytest.raises(ConfigError, match="ee_connectivity.rule"):
        NetworkConfig.from_dict({"ee_connectivity": {"rule": "ring"}})
    with pytest.raises(ConfigError, match="length_scale"):
        NetworkConfig.from_dict({"ee_connectivity": {"length_scale": "3 ms"}})
    with pytest.raises(ConfigError, match="cue_source_scale"):
        NetworkConfig.from_dict({"ee_connectivity": {"cue_source_scale": -1.0}})


def test_too_few_place_cells_is_an_error():
    with pytest.raises(ConfigError, match="place_fraction"):
        NetworkConfig(n_pyramidal=3, place_fraction=0.1)
    with pytest.raises(ConfigError, match="n_basket"):
        NetworkConfig(n_basket=0)


def test_parameter_values_follow_the_pathway_set():
    network = NetworkConfig(n_pyramidal=100)
    models = PointCellModel(PointCell()), PointCellModel(basket_cell())
    ee = parameter_values(network, PlasticityConfig(pathways="EE"), *models)
    ee_ie = parameter_values(network, PlasticityConfig(pathways="EE+IE"), *models)
    assert ee[("EE", "learns")] == 1 and ee[("IE", "learns")] == 0
    assert ee_ie[("IE", "learns")] == 1
    # EI learns in no set of the two: its synapses carry no learning code
    assert ("EI", "learns") not in ee_ie and ("EI", "w") in ee_ie
    all_three = parameter_values(network, PlasticityConfig(pathways="EE+IE+EI"), *models)
    assert all_three[("EI", "learns")] == 1
    # the two sets differ only in which pathways learn
    differing = {k for k in ee if not np.all(ee[k] == ee_ie[k])}
    assert differing == {("IE", "learns")}
    assert all((name, "gain_offline") in ee for name in SYNAPSE_NAMES)


def _tiny_circuit(**overrides):
    from neurotoolkit.protocols.exploration import build_circuit, make_world_inputs
    from neurotoolkit.protocols.simulation import RandomStreams
    from neurotoolkit.runner import resolve_config

    config = resolve_config("consolidation", "lif", "tiny", overrides)
    streams = RandomStreams.from_seed(1)
    return build_circuit(config, "lif", 1, make_world_inputs(config, streams), streams)


def test_synapses_carry_only_the_code_the_run_can_use():
    plain = _tiny_circuit()
    # no depression (U = 0): no resources to update at every spike delivery
    assert "resources" not in plain.synapses["EE"].variables
    # EI cannot learn in EE+IE: no traces, no code on the interneurons' spikes
    assert "postsyn_trace" not in plain.synapses["EI"].variables
    assert not hasattr(plain.synapses["EI"], "post")
    assert "postsyn_trace" in plain.synapses["IE"].variables
    assert hasattr(plain.synapses["IE"], "post")
    full = _tiny_circuit(**{"network.ee_depression.utilisation": 0.3,
                            "plasticity.pathways": "EE+IE+EI"})
    assert "resources" in full.synapses["EE"].variables
    assert "postsyn_trace" in full.synapses["EI"].variables
