"""``neurotoolkit analyze`` on a lab's NWB file (written with pynwb alone) and on bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from neurotoolkit.analysis import Recording, generate_synthetic_replay, match_events
from neurotoolkit.cli import main

pytest.importorskip("pynwb")

from lab_nwb import planted_session, write_lab_nwb

#: Keys every consolidation run writes (DESIGN.md); analyze writes the same.
RUN_KEYS = ("n_replay_events", "significant_fraction", "place_participation",
            "cue_participation", "participation_ratio", "w_ie_cue_mean", "w_ie_place_mean",
            "sequence_distance", "place_cue_count_correlation", "wall_time_s",
            "sequence_distance_chance", "n_ordered_events", "replay_detected")
SEEDS = (1, 2, 3)
N_SHUFFLES = 100


def _events(out: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(out / "events.csv") as handle:
        rows = list(csv.DictReader(handle))
    bounds = np.array([[float(r["start_s"]), float(r["stop_s"])] for r in rows]).reshape(-1, 2)
    return bounds, np.array([r["significant"] == "1" for r in rows], dtype=bool)


@pytest.fixture(scope="module")
def lab_runs(tmp_path_factory) -> dict[int, tuple[dict, Path]]:
    """Each seed's planted session, written by pynwb and analysed (rest from the sleep epoch)."""
    runs = {}
    for seed in SEEDS:
        folder = tmp_path_factory.mktemp(f"lab{seed}")
        session = planted_session(seed)
        path = write_lab_nwb(folder / "session.nwb", session)
        out = folder / "analysis"
        code = main(["analyze", str(path), "--rest-from", "epochs:sleep", "--out", str(out),
                     "--seed", str(seed), "--set", f"n_shuffles={N_SHUFFLES}", "--quiet"])
        assert code == 0
        runs[seed] = (session, out)
    return runs


def test_planted_events_are_found_and_only_sequences_are_significant(lab_runs):
    # per seed: 20 planted sequences and 10 noise events with the same population
    # rate.  Observed on seeds 1-3: recall 0.97-1.0, every sequence significant,
    # no noise event significant.  A noise event passes both shuffles with
    # probability about alpha^2 = 0.0025, so at most one of ten is allowed.
    for seed, (session, out) in lab_runs.items():
        detected, significant = _events(out)
        match = match_events(detected, session["events"])
        assert match.recall >= 0.9, (seed, match.recall)
        kinds = session["kinds"][match.pairs[:, 1]]
        is_sequence = kinds != "noise"
        sig = significant[match.pairs[:, 0]]
        assert sig[is_sequence].mean() >= 0.9, (seed, sig[is_sequence].mean())
        assert sig[~is_sequence].sum() <= 1, (seed, sig[~is_sequence].sum())


def test_it_writes_the_run_metrics_and_figures(lab_runs):
    session, out = lab_runs[SEEDS[0]]
    names = {p.name for p in out.iterdir()}
    assert {"metrics.json", "figure.png", "figure.pdf", "replay.png", "events.csv",
            "recording.npz", "config.toml", "provenance.json"} <= names
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(RUN_KEYS) <= set(metrics)
    assert metrics["n_replay_events"] >= 27
    # two thirds of the events are sequences in field order: the median distance is
    # well below chance (observed 0.21-0.25 against 0.45)
    assert metrics["sequence_distance"] < metrics["sequence_distance_chance"] - 0.1
    assert metrics["cue_participation"] is None  # a lab's file has no cue cells
    assert metrics["rest_start_s"] == session["sleep"][0]


def test_unlabelled_cells_are_classed_by_spatial_information(lab_runs):
    session, out = lab_runs[SEEDS[0]]
    rec = Recording.load(out / "recording.npz")
    truth = session["place"]
    labels = rec.cell_labels
    assert np.all(labels[~truth] == "int")  # interneuron labels are kept
    assert np.mean(labels[truth] == "place") >= 0.95
    # field centres within a field width of the planted ones (file positions were metres)
    error = np.abs(rec.field_centres[truth] - 100 * session["centres_m"][truth])
    assert np.nanmax(error) < 15.0


def test_run_period_given_explicitly(tmp_path):
    session = planted_session(4, n_events=9)
    path = write_lab_nwb(tmp_path / "s.nwb", session)
    rest = "{}:{}".format(*session["sleep"])
    run = "{}:{}".format(*session["run"])
    assert main(["analyze", str(path), "--rest", rest, "--run", run, "--out",
                 str(tmp_path / "out"), "--set", "n_shuffles=50", "--quiet"]) == 0
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["n_replay_events"] >= 8


def test_a_toolkit_file_gives_the_same_metrics_as_npz_and_nwb(tmp_path):
    from neurotoolkit.interop import write_nwb

    rec = generate_synthetic_replay(n_cells=40, n_events=6, n_other_cells=5,
                                    kinds=("forward", "noise"), rng=5).recording
    results = []
    for path in (rec.save(tmp_path / "rec.npz"), write_nwb(rec, tmp_path / "rec.nwb")):
        out = tmp_path / f"out-{path.suffix[1:]}"
        assert main(["analyze", str(path), "--out", str(out), "--set", "n_shuffles=50",
                     "--quiet"]) == 0
        metrics = json.loads((out / "metrics.json").read_text())
        metrics.pop("wall_time_s")
        results.append(metrics)
    assert results[0] == results[1]


# ---------------------------------------------------------------------------
# bad input: one line naming what is missing, exit status 2, nothing written
# ---------------------------------------------------------------------------


def _bad_files(folder: Path) -> dict[str, tuple[Path, list[str], str]]:
    import h5py

    session = planted_session(5, n_events=3)
    text = folder / "notes.nwb"
    text.write_text("not an NWB file\n")
    foreign = folder / "foreign.nwb"
    with h5py.File(foreign, "w") as handle:
        handle["x"] = np.arange(3)
    sleep = ["--rest-from", "epochs:sleep"]
    return {
        "text": (text, sleep, "not an NWB file"),
        "hdf5": (foreign, sleep, "not a readable NWB file"),
        "no units": (write_lab_nwb(folder / "nounits.nwb", session, units=False), sleep,
                     "no Units table"),
        "no position": (write_lab_nwb(folder / "nopos.nwb", session, position=False), sleep,
                        "no position"),
        "empty rest": (write_lab_nwb(folder / "ok.nwb", session), ["--rest", "10:10"],
                       "empty"),
        "rest without spikes": (folder / "ok.nwb", ["--rest", "1000:1010"], "empty rest"),
        "unknown interval set": (folder / "ok.nwb", ["--rest-from", "epochs:nap"],
                                 "epochs:sleep"),
        "no rest at all": (folder / "ok.nwb", [], "no rest period"),
        "malformed span": (folder / "ok.nwb", ["--rest", "ten:20"], "START:STOP"),
        "missing file": (folder / "absent.nwb", sleep, "absent.nwb"),
    }


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    return _bad_files(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize("case", ["text", "hdf5", "no units", "no position", "empty rest",
                                  "rest without spikes", "unknown interval set",
                                  "no rest at all", "malformed span", "missing file"])
def test_bad_input_is_one_line_exit_2_and_nothing_written(bad_files, case, tmp_path, capsys):
    path, options, needle = bad_files[case]
    out = tmp_path / "out"
    code = main(["analyze", str(path), *options, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("neurotoolkit: error:") and needle in err, err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_lab_neo_file(tmp_path):
    # a Neo block built with neo alone: unannotated spike trains, position in metres
    neo = pytest.importorskip("neo")
    import pickle

    import quantities as pq

    session = planted_session(6, n_events=9)
    t_stop = session["sleep"][1]
    segment = neo.Segment(name="session")
    for cell in range(session["place"].size):
        times = np.sort(session["times"][session["ids"] == cell])
        segment.spiketrains.append(neo.SpikeTrain(times * pq.s, t_stop=t_stop * pq.s))
    segment.irregularlysampledsignals.append(neo.IrregularlySampledSignal(
        session["position_t"] * pq.s, session["position_m"] * pq.m, name="position"))
    block = neo.Block(name="lab session")
    block.segments.append(segment)
    path = tmp_path / "session.pkl"
    path.write_bytes(pickle.dumps(block))
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--rest", "{}:{}".format(*session["sleep"]),
                 "--out", str(out), "--set", "n_shuffles=50", "--quiet"]) == 0
    detected, _ = _events(out)
    assert match_events(detected, session["events"]).recall >= 0.9
    rec = Recording.load(out / "recording.npz")
    assert np.mean(rec.cell_labels[session["place"]] == "place") >= 0.95
