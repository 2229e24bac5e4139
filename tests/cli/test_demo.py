"""``neurotoolkit demo`` on the tiny preset: what it writes, and side-by-side runs."""

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
    return out, demo.run_demo(out, preset="tiny", quiet=True)


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
    in_turn = demo.run_demo(tmp_path / "in_turn", preset="tiny", quiet=True)
    for pathways in ("EE", "EE+IE"):
        for key, value in in_turn[pathways].items():
            if key.endswith("wall_s") or key.endswith("wall_time_s"):
                continue
            other = side_by_side[pathways][key]
            assert (math.isnan(value) and math.isnan(other)) or value == other, key
