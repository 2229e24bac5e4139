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


def test_cue_cells_are_driven_by_the_cue_alone_and_recurrence_follows_field_distance(runs):
    """The tiny preset is wired like the default one (routed inputs, place-distance E->E)."""
    _, dendritic, _ = runs
    recording, config = dendritic.recording, dendritic.config
    cue = recording.cells("cue")
    assert cue.size and np.isnan(recording.field_centres[cue]).all()
    assert not np.isin(recording.latent_order, cue).any()
    # online, cue cells fire in the cue windows (their place input is the 0.1 Hz baseline)
    online = recording.spike_times < recording.intervals["online"][0][1]
    times = recording.spike_times[online & np.isin(recording.spike_ids, cue)]
    windows = np.asarray(recording.intervals["cue"])
    inside = ((times[:, None] >= windows[:, 0]) & (times[:, None] < windows[:, 1])).any(axis=1)
    in_window = float(np.sum(windows[:, 1] - windows[:, 0]))
    outside = recording.intervals["online"][0][1] - in_window
    assert inside.sum() / in_window > 10 * (~inside).sum() / outside
    # every pyramidal cell has the same number of E->E inputs, from near fields
    i, j, _ = recording.weights["EE"]
    n_pyramidal = config.network.n_pyramidal
    assert np.all(np.bincount(j, minlength=n_pyramidal)
                  == config.network.ee_connectivity.convergence)
    centres = recording.field_centres
    placed = np.isfinite(centres[i]) & np.isfinite(centres[j])
    # uniform pairs on a 300 cm track are 100 cm apart on average
    assert np.abs(centres[i] - centres[j])[placed].mean() < 50.0


def test_same_seed_gives_identical_spikes():
    config = resolve_config("consolidation", "dendritic", "tiny", SHORT)
    a = simulate(config, level="dendritic", seed=4, quiet=True)
    b = simulate(config, level="dendritic", seed=4, quiet=True)
    assert a.spike_times.size > 0
    np.testing.assert_array_equal(a.spike_times, b.spike_times)
    np.testing.assert_array_equal(a.spike_ids, b.spike_ids)
    for name in a.weights:
        np.testing.assert_array_equal(a.weights[name][2], b.weights[name][2])
