"""The spiking convergence experiment: summaries over seeds, and a small run end to end."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from neurotoolkit.protocols.convergence import CHECKPOINT_COLUMNS, convergence_metrics

LAPS = (1, 2, 4, 8, 16, 32)


def _rows(floor_by_set, seeds, noise=0.01, rng=0):
    rng = np.random.default_rng(rng)
    rows = []
    for pathways, floor in floor_by_set.items():
        for seed in seeds:
            for n in LAPS:
                d = floor + 0.35 * n ** -0.8 + noise * rng.standard_normal()
                rows.append({"seed": seed, "pathways": pathways, "laps": n,
                             "n_replay_events": 10, "n_ordered_events": 10,
                             "sequence_distance": d, "sequence_distance_event_sd": 0.05,
                             "sequence_distance_chance": 0.48, "participation_ratio": 0.3})
    return rows


def test_floors_are_recovered_with_intervals_and_their_paired_difference():
    seeds = list(range(1, 7))
    metrics, curve, fits = convergence_metrics(_rows({"EE": 0.30, "EE+IE": 0.05}, seeds), LAPS,
                                               seeds, ("EE", "EE+IE"), n_bootstrap=300, rng=1)
    for suffix, floor in (("EE", 0.30), ("EE_IE", 0.05)):
        assert metrics[f"curve_floor_{suffix}"] == pytest.approx(floor, abs=0.03)
        low = metrics[f"curve_floor_ci_low_{suffix}"]
        high = metrics[f"curve_floor_ci_high_{suffix}"]
        assert low <= metrics[f"curve_floor_{suffix}"] <= high
        assert high - low < 0.1
    assert metrics["floor_difference_EE_minus_EE_IE"] == pytest.approx(0.25, abs=0.04)
    assert metrics["floor_difference_EE_minus_EE_IE_ci_low"] > 0.15
    assert len(curve) == 2 * len(LAPS)
    last = [r for r in curve if r["pathways"] == "EE+IE"][-1]
    assert last["ci_low"] <= last["sequence_distance"] <= last["ci_high"]
    assert metrics["distance_last_EE_IE"] == pytest.approx(last["sequence_distance"])
    assert fits["EE"].bootstrap.shape == (300, 3)


def test_a_set_without_replay_has_no_fit_and_no_floor_difference():
    seeds = [1, 2, 3]
    rows = _rows({"EE": 0.3, "EE+IE": 0.05}, seeds)
    for row in rows:
        if row["pathways"] == "EE":
            row.update(sequence_distance=math.nan, n_ordered_events=0)
    metrics, _, fits = convergence_metrics(rows, LAPS, seeds, ("EE", "EE+IE"), n_bootstrap=50)
    assert fits["EE"] is None and math.isnan(metrics["curve_floor_EE"])
    assert metrics["seeds_with_events_last_EE"] == 0
    assert "floor_difference_EE_minus_EE_IE" not in metrics
    assert np.isfinite(metrics["curve_floor_EE_IE"])


def test_unknown_pathway_set_and_bad_laps_are_named():
    from neurotoolkit.config import ConfigError
    from neurotoolkit.runner import resolve_config

    with pytest.raises(ConfigError, match="convergence.pathways"):
        resolve_config("convergence", "lif", "tiny", {"convergence.pathways": ["EE", "II"]})
    with pytest.raises(ConfigError, match="convergence.laps"):
        resolve_config("convergence", "lif", "tiny", {"convergence.laps": [0, 2]})


@pytest.mark.slow
def test_small_convergence_run_writes_consistent_tables(tmp_path):
    from neurotoolkit.runner import run_experiment

    overrides = {"convergence.laps": [1, 2, 3], "convergence.rest": "1.5 s",
                 "convergence.n_seeds": 1, "convergence.pathways": ["EE+IE"],
                 "convergence.n_bootstrap": 20}
    result = run_experiment("convergence", "lif", preset="tiny", seed=2, out=tmp_path / "run",
                            overrides=overrides, quiet=True)
    out = tmp_path / "run"
    for name in ("metrics.json", "convergence.csv", "events.csv", "learning_curve.csv",
                 "learning_curves.png"):
        assert (out / name).stat().st_size > 0
    rows = list(csv.DictReader(io.StringIO((out / "convergence.csv").read_text())))
    assert [int(r["laps"]) for r in rows] == [1, 2, 3]
    assert set(rows[0]) == set(CHECKPOINT_COLUMNS)
    events = list(csv.DictReader(io.StringIO((out / "events.csv").read_text())))
    for row in rows:  # the per-seed mean is the mean of that checkpoint's events
        mine = [float(e["sequence_distance"]) for e in events if e["laps"] == row["laps"]]
        assert len(mine) == int(row["n_ordered_events"])
        if mine:
            assert float(row["sequence_distance"]) == pytest.approx(np.mean(mine), abs=1e-5)
        for e in events:
            if e["laps"] == row["laps"]:
                assert 0 <= float(e["start_s"]) < float(e["stop_s"]) <= 1.5 + 1e-9
    assert result.metrics["max_laps"] == 3
    assert not (out / "convergence.partial.csv").exists()
