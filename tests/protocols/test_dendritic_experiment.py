"""The consolidation experiment at the dendritic level, end to end (runtime, tiny preset)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurotoolkit.protocols.exploration import simulate
from neurotoolkit.runner import resolve_config, run_experiment

#: a short version of the tiny preset (one lap, one second of rest)
SHORT = {"track.n_laps": 1, "offline.duration": "1 s"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    dendritic = run_experiment("consolidation", "dendritic", preset="tiny", seed=2,
                               overrides=SHORT, out=root / "dendritic", quiet=True)
    lif = run_experiment("consolidation", "lif", preset="tiny", seed=2, overrides=SHORT,
                         out=root / "lif", quiet=True)
    return root, dendritic, lif


def test_dendritic_run_writes_the_same_metrics_as_the_lif_level(runs):
    root, dendritic, _ = runs
    metrics = json.loads((root / "dendritic" / "metrics.json").read_text())
    lif_metrics = json.loads((root / "lif" / "metrics.json").read_text())
    assert set(metrics) == set(lif_metrics)
    for name in ("config.toml", "recording.npz", "provenance.json"):
        assert (root / "dendritic" / name).is_file(), name
    provenance = json.loads((root / "dendritic" / "provenance.json").read_text())
    assert provenance["seed"] == 2
    # the network did something: pyramidal cells fired and I->E weights learned
    m = dendritic.metrics
    assert np.isfinite(m["w_ie_cue_mean"]) and np.isfinite(m["w_ie_place_mean"])
    assert m["w_ie_cue_mean"] > 0.9 or m["w_ie_place_mean"] > 0.9


def test_same_seed_gives_identical_spikes():
    config = resolve_config("consolidation", "dendritic", "tiny", SHORT)
    a = simulate(config, level="dendritic", seed=4, quiet=True)
    b = simulate(config, level="dendritic", seed=4, quiet=True)
    assert a.spike_times.size > 0
    np.testing.assert_array_equal(a.spike_times, b.spike_times)
    np.testing.assert_array_equal(a.spike_ids, b.spike_ids)
    for name in a.weights:
        np.testing.assert_array_equal(a.weights[name][2], b.weights[name][2])
