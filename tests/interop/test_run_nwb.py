"""Run directories can also hold ``recording.nwb``: ``run --nwb``, sweeps with ``nwb = true``."""

from __future__ import annotations

import pytest

from neurotoolkit.analysis import Recording
from neurotoolkit.cli import main

pytest.importorskip("pynwb")

from recording_checks import assert_same

SWEEP = """\
experiment = "consolidation"
level = "binary"
preset = "tiny"
seeds = [1]
nwb = {nwb}

[set]
"replay.n_replays" = 5
"""


def test_run_writes_recording_nwb_equal_to_the_npz(tmp_path):
    from neurotoolkit.interop import read_nwb

    out = tmp_path / "run"
    assert main(["run", "consolidation", "--level", "binary", "--preset", "tiny", "--nwb",
                 "--out", str(out), "--quiet"]) == 0
    assert_same(Recording.load(out / "recording.npz"), read_nwb(out / "recording.nwb"))


def test_without_the_flag_there_is_no_nwb(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "consolidation", "--level", "binary", "--preset", "tiny",
                 "--out", str(out), "--quiet"]) == 0
    assert not (out / "recording.nwb").exists()


def test_a_sweep_with_nwb_writes_it_for_every_point(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.format(nwb="true"))
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1",
                 "--quiet"]) == 0
    points = list((tmp_path / "out" / "points").iterdir())
    assert len(points) == 1 and (points[0] / "recording.nwb").is_file()


def test_a_sweep_nwb_key_must_be_true_or_false(tmp_path, capsys):
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.format(nwb='"yes"'))
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "nwb" in err and "true or false" in err
    assert not (tmp_path / "out").exists()
