"""Round trips Recording -> NWB / pynapple / Neo -> Recording are exact.

Exact means: spike times bit for bit and ids (in the Recording's order, time
then cell id), labels, field centres, the latent order, positions, every
interval set, every weight set and the metadata.  Checked on a simulated run
(binary level, tiny preset, which has weights and touching lap intervals) and
on planted replay data.
"""

from __future__ import annotations

import numpy as np
import pytest
from recording_checks import assert_same  # beside this file

from neurotoolkit.analysis import Recording, generate_synthetic_replay
from neurotoolkit.interop import (
    from_brian2,
    from_neo,
    from_pynapple,
    read_neo,
    read_nwb,
    to_neo,
    to_pynapple,
    write_neo,
    write_nwb,
)

pytest.importorskip("pynwb")
pytest.importorskip("pynapple")
pytest.importorskip("neo")


@pytest.fixture(scope="module")
def simulated() -> Recording:
    from neurotoolkit.runner import run_experiment

    return run_experiment("consolidation", "binary", preset="tiny", seed=2).recording


@pytest.fixture(scope="module")
def planted() -> Recording:
    rec = generate_synthetic_replay(n_cells=40, n_events=8, n_other_cells=6, rng=3).recording
    # a weight set with values that do not survive a round trip through decimal text
    rng = np.random.default_rng(0)
    weights = {"EE": (rng.integers(0, rec.n_cells, 50), rng.integers(0, rec.n_cells, 50),
                      rng.random(50) * 1e-9)}
    return Recording.from_arrays(rec.spike_times, rec.spike_ids, rec.cell_labels,
                                 rec.field_centres, rec.latent_order, rec.position_times,
                                 rec.positions, intervals=rec.intervals, weights=weights,
                                 metadata=rec.metadata)


@pytest.fixture(params=["simulated", "planted"])
def recording(request) -> Recording:
    return request.getfixturevalue(request.param)


def test_the_simulated_run_has_what_the_round_trips_must_keep(simulated):
    assert simulated.weights and simulated.intervals["laps"].shape[0] > 1
    laps = simulated.intervals["laps"]
    assert np.any(laps[1:, 0] == laps[:-1, 1])  # touching intervals, which pynapple moves


def test_nwb_round_trip_is_exact(recording, tmp_path):
    from neurotoolkit.interop import read_nwb, write_nwb

    path = write_nwb(recording, tmp_path / "rec.nwb")
    assert [p.name for p in tmp_path.iterdir()] == ["rec.nwb"]  # no temporary file left
    assert_same(recording, read_nwb(path))


def test_pynapple_round_trip_is_exact(recording):
    data = to_pynapple(recording)
    assert len(data.units) == recording.n_cells
    assert list(data.units.get_info("cell_label")) == list(recording.cell_labels)
    assert_same(recording, from_pynapple(data))
    # the objects alone (a user's session) give the same spikes and intervals
    bare = from_pynapple(data.units, data.position, data.intervals)
    assert np.array_equal(bare.spike_times, recording.spike_times)
    for name, iv in recording.intervals.items():
        assert np.array_equal(bare.intervals[name], iv)


def test_neo_round_trip_is_exact(recording, tmp_path):
    block = to_neo(recording)
    trains = block.segments[0].spiketrains
    assert len(trains) == recording.n_cells
    assert trains[0].annotations["cell_label"] == recording.cell_labels[0]
    assert_same(recording, from_neo(block))
    assert_same(recording, read_neo(write_neo(recording, tmp_path / "rec.pkl")))


def test_a_lab_style_pynapple_group_without_metadata():
    import pynapple as nap

    units = nap.TsGroup({3: nap.Ts(np.array([0.5, 1.5])), 9: nap.Ts(np.array([1.0]))})
    rec = from_pynapple(units, nap.Tsd(t=np.arange(3.0), d=np.array([0.0, 10.0, 20.0])),
                        {"run": nap.IntervalSet(start=0.0, end=2.0)})
    assert rec.spike_ids.tolist() == [0, 1, 0] and rec.spike_times.tolist() == [0.5, 1.0, 1.5]
    assert rec.metadata["pynapple_keys"] == [3, 9]
    assert set(rec.cell_labels) == {"unlabelled"}
    assert rec.intervals["run"].tolist() == [[0.0, 2.0]]


def test_from_brian2_spike_monitors():
    import brian2 as b2

    b2.prefs.codegen.target = "numpy"
    place = b2.SpikeGeneratorGroup(3, [0, 2, 1, 0], [1, 2, 2, 5] * b2.ms)
    inter = b2.SpikeGeneratorGroup(2, [1, 0], [2, 3] * b2.ms)
    synapses = b2.Synapses(inter, place, "w : siemens")
    synapses.connect(i=[0, 1], j=[2, 0])
    synapses.w = [1.5, 2.5] * b2.nS
    monitors = {"place": b2.SpikeMonitor(place), "interneuron": b2.SpikeMonitor(inter)}
    b2.Network(place, inter, synapses, *monitors.values()).run(10 * b2.ms)
    rec = from_brian2(
        monitors, position=(np.array([0.0, 0.005]) * b2.second, [0.0, 0.1] * b2.metre),
        intervals={"offline": [[0.0, 0.01]]}, weights={"IE": synapses})
    assert rec.cell_labels.tolist() == ["place"] * 3 + ["interneuron"] * 2
    assert rec.spike_ids.tolist() == [0, 1, 2, 4, 3, 0]
    assert np.allclose(rec.spike_times, [0.001, 0.002, 0.002, 0.002, 0.003, 0.005])
    i, j, w = rec.weights["IE"]
    assert i.tolist() == [3, 4] and j.tolist() == [2, 0]  # shifted to recording ids
    assert np.allclose(w, [1.5, 2.5]) and rec.metadata["weight_unit"] == "nS"
    assert np.allclose(rec.positions, [0.0, 10.0]) and rec.position_unit == "cm"
    with pytest.raises(ValueError, match="expected 5 labels"):
        from_brian2(monitors, labels=["a"])


def test_a_missing_package_names_the_extra(monkeypatch):
    import sys

    from neurotoolkit.interop import MissingDependencyError, write_nwb

    monkeypatch.setitem(sys.modules, "pynwb", None)  # import fails as if not installed
    with pytest.raises(MissingDependencyError, match=r"neurotoolkit\[nwb\]"):
        write_nwb(generate_synthetic_replay(n_cells=5, n_events=1, rng=0).recording, "x.nwb")


def test_importing_interop_imports_no_optional_package():
    import subprocess
    import sys

    code = ("import sys, neurotoolkit.interop\n"
            "print(sorted(m for m in ('pynwb', 'pynapple', 'neo', 'brian2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.slow
def test_round_trips_of_a_point_neuron_run_are_exact(tmp_path):
    # a tiny LIF run (about a minute on a busy machine): spikes from Brian2 monitors,
    # cue windows, detected events and four weight sets in nS
    from neurotoolkit.interop import read_nwb, write_nwb
    from neurotoolkit.runner import run_experiment

    rec = run_experiment("consolidation", "lif", preset="tiny", seed=3, quiet=True).recording
    assert len(rec.weights) >= 3 and rec.intervals["cue"].size
    assert_same(rec, read_nwb(write_nwb(rec, tmp_path / "lif.nwb")))
    assert_same(rec, from_pynapple(to_pynapple(rec)))
    assert_same(rec, from_neo(to_neo(rec)))


def test_lab_interval_tables_round_trip(planted, tmp_path):
    # a Recording read from a lab's file has NWB's own tables ("epochs") and tag sets
    rec = Recording.from_arrays(planted.spike_times, planted.spike_ids, planted.cell_labels,
                                intervals={"epochs": [[0.0, 5.0], [6.0, 9.0]],
                                           "epochs:run": [[0.0, 5.0]], "trials": [[1.0, 2.0]]})
    copy = read_nwb(write_nwb(rec, tmp_path / "lab.nwb"))
    assert sorted(copy.intervals) == sorted(rec.intervals)
    for name, iv in rec.intervals.items():
        assert np.array_equal(copy.intervals[name], iv), name
