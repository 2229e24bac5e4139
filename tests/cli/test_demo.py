"""``neurotoolkit demo`` on the tiny preset: what it writes, and side-by-side runs.

The tiny preset is too short for ``auto`` to compile, so the compiled path is
asked for by name; one test checks the runtime path that ``auto`` takes.
"""

from __future__ import annotations

import json
import math

import pytest

from neurotoolkit import demo
from neurotoolkit.protocols import standalone
from neurotoolkit.protocols.standalone import can_run_side_by_side


@pytest.fixture(scope="module")
def forked(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "forked"
    return out, demo.run_demo(out, preset="tiny", quiet=True, device="cpp_standalone")


def test_demo_writes_both_runs_a_figure_and_a_summary(forked):
    out, metrics = forked
    assert set(metrics) == {"EE", "EE+IE"}
    for name in ("EE", "EE_IE"):
        saved = json.loads((out / name / "metrics.json").read_text())
        assert {"participation_ratio", "sequence_distance", "w_ie_cue_mean"} <= set(saved)
        assert (out / name / "recording.npz").is_file()
    assert (out / "comparison.png").stat().st_size > 10_000
    summary = (out / "summary.md").read_text()
    assert "| metric | EE | EE+IE |" in summary


def test_side_by_side_runs_equal_runs_one_after_the_other(forked, tmp_path, monkeypatch):
    if not can_run_side_by_side():
        pytest.skip("runs side by side only on Linux with two cores or more")
    _, side_by_side = forked
    monkeypatch.setattr(standalone, "can_run_side_by_side", lambda: False)
    in_turn = demo.run_demo(tmp_path / "in_turn", preset="tiny", quiet=True,
                            device="cpp_standalone")
    for pathways in ("EE", "EE+IE"):
        for key, value in in_turn[pathways].items():
            if key.endswith("wall_s") or key.endswith("wall_time_s"):
                continue
            other = side_by_side[pathways][key]
            assert (math.isnan(value) and math.isnan(other)) or value == other, key


def test_without_a_compiler_the_demo_runs_on_the_runtime_device(tmp_path, monkeypatch, capsys):
    """``auto`` falls back to Brian2's runtime device; the demo writes the same files."""
    from neurotoolkit.protocols import devices
    from neurotoolkit.runner import resolve_config

    monkeypatch.setattr(devices, "compiler_available", lambda: False)
    short = resolve_config("consolidation", "lif", "tiny", {
        "track.n_laps": 1, "offline.duration": "0.5 s", "simulation.target": "numpy"})
    monkeypatch.setattr(demo, "resolve_config", lambda *args, **kwargs: short)
    out = tmp_path / "runtime"
    metrics = demo.run_demo(out, preset="tiny", pathway_sets=("EE+IE",))
    assert "simulating with plasticity EE+IE (runtime device)" in capsys.readouterr().out
    provenance = json.loads((out / "EE_IE" / "provenance.json").read_text())
    assert provenance["device"] == "runtime"
    assert set(metrics) == {"EE+IE"} and (out / "comparison.png").is_file()
