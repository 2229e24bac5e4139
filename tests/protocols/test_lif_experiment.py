"""The point-neuron consolidation experiment end to end, on the tiny preset."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurotoolkit.analysis import Recording
from neurotoolkit.protocols.exploration import make_world_inputs, simulate
from neurotoolkit.protocols.simulation import RandomStreams
from neurotoolkit.runner import resolve_config, run_experiment

METRIC_KEYS = {"n_replay_events", "significant_fraction", "place_participation",
               "cue_participation", "participation_ratio", "w_ie_cue_mean", "w_ie_place_mean",
               "sequence_distance", "place_cue_count_correlation", "wall_time_s"}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "tiny"
    result = run_experiment("consolidation", "lif", preset="tiny", seed=3, out=out, quiet=True)
    return result, out


def test_run_directory_holds_everything(tiny_run):
    result, out = tiny_run
    for name in ("config.toml", "metrics.json", "recording.npz", "figure.png", "figure.pdf",
                 "provenance.json", "events.csv"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert not out.with_name(out.name + ".partial").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert METRIC_KEYS <= set(metrics)
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["seed"] == 3 and provenance["device"] == "runtime"
    assert provenance["device_choice"].startswith("auto: ")  # tiny: too short to compile
    assert provenance["packages"]["brian2"]


def test_metrics_are_consistent_with_the_recording(tiny_run):
    result, out = tiny_run
    recording = Recording.load(out / "recording.npz")
    m = result.metrics
    assert recording.n_cells == 200 + 20 + 20
    i, j, w = recording.weights["IE"]
    cue = np.isin(j, recording.cells("cue"))
    assert m["w_ie_cue_mean"] == pytest.approx(w[cue].mean())
    assert 0 <= m["w_ie_place_mean"] <= 20
    if m["n_replay_events"] == 0:
        assert m["participation_ratio"] is None or np.isnan(m["participation_ratio"])
    else:
        assert m["participation_ratio"] == pytest.approx(
            m["cue_participation"] / m["place_participation"])
        assert 0 <= m["sequence_distance"] <= 0.5


def test_inhibitory_learning_targets_cue_cells(tiny_run):
    """Cue cells and cue interneurons fire together every lap, so I->E onto cue cells grows most.

    Deterministic for the seed; the margin is large (about 2x at this size).
    """
    m = tiny_run[0].metrics
    assert m["w_ie_cue_mean"] > 1.3 * m["w_ie_place_mean"]


def test_same_seed_gives_identical_spikes_and_different_seeds_differ():
    config = resolve_config("consolidation", "lif", "tiny",
                            {"track.n_laps": 1, "offline.duration": "1 s"})
    a = simulate(config, seed=5, quiet=True)
    b = simulate(config, seed=5, quiet=True)
    c = simulate(config, seed=6, quiet=True)
    np.testing.assert_array_equal(a.spike_times, b.spike_times)
    np.testing.assert_array_equal(a.spike_ids, b.spike_ids)
    for name in a.weights:
        np.testing.assert_array_equal(a.weights[name][2], b.weights[name][2])
    assert a.spike_times.size != c.spike_times.size or not np.array_equal(a.spike_ids,
                                                                          c.spike_ids)


def test_teacher_forced_cells_spike_with_their_inputs():
    """In teacher-forced mode every online pyramidal spike is an input spike, one step later."""
    # a refractory period of one step, so that no input spike is swallowed
    config = resolve_config("consolidation", "lif", "tiny",
                            {"track.n_laps": 1, "offline.duration": "0.5 s",
                             "online.mode": "teacher_forced", "pyramidal.refractory": "0.1 ms"})
    out = simulate(config, seed=2, quiet=True)
    world = make_world_inputs(config, RandomStreams.from_seed(2))
    n_pyr = config.network.n_pyramidal
    online = (out.spike_times < out.online_s - 0.001) & (out.spike_ids < n_pyr)
    inputs = world.pyramidal
    expected = inputs.times < out.online_s - 0.001
    assert online.sum() == pytest.approx(expected.sum(), rel=0.01)
    dt = 1e-4
    lag = out.spike_times[online][:50] - np.sort(inputs.times[expected])[:50]
    assert np.all(np.abs(lag) <= 2 * dt + 1e-9)


@pytest.mark.slow
def test_runtime_and_standalone_give_identical_spikes(tmp_path, monkeypatch, capfd):
    """Same spikes on both devices; each prints its progress (the standalone program itself).

    A compiled run is cached by structure: a second run with other parameter
    values (another pathway set) reruns the same program, compiling nothing.
    """
    from neurotoolkit.protocols.consolidation import run_consolidation

    builds = tmp_path / "builds"
    monkeypatch.setenv("NEUROTOOLKIT_BUILD_DIR", str(builds))  # a cold, private cache
    config = resolve_config("consolidation", "lif", "tiny",
                            {"track.n_laps": 1, "offline.duration": "1 s"})
    total = config.online_duration_s + config.offline_duration_s
    done = f"simulated {total:.1f} of {total:.1f} s (100%)"
    standalone = run_consolidation(config, seed=4, device="cpp_standalone", quiet=False)
    assert done in capfd.readouterr().err
    (build,) = [d for d in builds.iterdir() if d.is_dir()]
    compiled = (build / "main").stat().st_mtime_ns
    other = run_consolidation(config.with_overrides({"plasticity.pathways": "EE"}), seed=4,
                              device="cpp_standalone", quiet=True)
    assert (build / "main").stat().st_mtime_ns == compiled
    assert [d for d in builds.iterdir() if d.is_dir()] == [build]
    assert other.metrics["w_ie_cue_mean"] != standalone.metrics["w_ie_cue_mean"]

    runtime = simulate(config, seed=4, quiet=False, device="runtime")
    assert done in capfd.readouterr().err
    rec = standalone.recording
    order = np.lexsort((runtime.spike_ids, runtime.spike_times))
    again = np.lexsort((rec.spike_ids, rec.spike_times))
    np.testing.assert_array_equal(runtime.spike_ids[order], rec.spike_ids[again])
    np.testing.assert_allclose(runtime.spike_times[order], rec.spike_times[again], atol=1e-9)
