"""The binary level through the command line and the runner."""

from __future__ import annotations

import csv
import json

from neurotoolkit.cli import main as cli_main

SHARED_KEYS = ("n_replay_events", "significant_fraction", "place_participation",
               "cue_participation", "participation_ratio", "w_ie_cue_mean", "w_ie_place_mean",
               "sequence_distance", "sequence_distance_chance", "place_cue_count_correlation",
               "wall_time_s")


def test_run_consolidation_binary_fixed_cue(tmp_path, capsys):
    out = tmp_path / "fixed"
    code = cli_main(["run", "consolidation", "--level", "binary", "--preset", "tiny",
                     "--set", "cue.placement=fixed", "--seed", "3", "--out", str(out), "--quiet"])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    for key in SHARED_KEYS:
        assert key in metrics
    for name in ("config.toml", "recording.npz", "provenance.json", "replays.csv",
                 "binary_consolidation.png", "binary_consolidation.pdf"):
        assert (out / name).exists(), name
    assert 'placement = "fixed"' in (out / "config.toml").read_text()
    assert metrics["n_replay_events"] == 20
    # a fixed cue is part of the sequence: its units replay like place units
    assert metrics["cue_participation"] > 0
    assert metrics["theory_consistent"] == 1.0 and metrics["theory_cue_in_limit"] == 1.0


def test_run_consolidation_binary_pathway_sets(tmp_path):
    results = {}
    for pathways in ("EE", "EE+IE", "EE+IE+EI"):
        out = tmp_path / pathways.replace("+", "_")
        assert cli_main(["run", "consolidation", "--level", "binary", "--preset", "default",
                         "--set", f"plasticity.pathways={pathways}", "--set", "track.n_laps=128",
                         "--out", str(out), "--quiet"]) == 0
        results[pathways] = json.loads((out / "metrics.json").read_text())
    ee, ie = results["EE"], results["EE+IE"]
    assert ee["participation_ratio"] > 0.8 and ee["w_ie_cue_mean"] == 0.0
    assert ie["participation_ratio"] == 0.0 and ie["sequence_distance"] == 0.0
    assert ie["w_ie_cue_mean"] > ie["w_ie_place_mean"] > 0
    assert ie["significant_fraction"] > 0.5
    # the cue never fires: the correlation is undefined, written as null
    assert ie["place_cue_count_correlation"] is None
    assert ee["place_cue_count_correlation"] > 0.5
    assert results["EE+IE+EI"]["cue_participation"] == 0.0


def test_run_convergence_binary_tiny(tmp_path):
    out = tmp_path / "conv"
    assert cli_main(["run", "convergence", "--level", "binary", "--preset", "tiny",
                     "--out", str(out), "--quiet"]) == 0
    rows = list(csv.DictReader((out / "convergence.csv").open()))
    assert {r["pathways"] for r in rows} == {"EE", "EE+IE"}
    assert {"p_wrong", "exact_lower", "exact_upper", "chernoff_bound", "fitted_rate",
            "theory_rate", "cue_participation"} <= set(rows[0])
    assert (out / "binary_convergence.png").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["consistent_EE_IE"] == 1.0 and metrics["consistent_EE"] == 0.0
    assert metrics["laps_units_per_s"] > 0
