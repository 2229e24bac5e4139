"""The neurotoolkit command: bad input is one clear line, exit status 2, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from neurotoolkit.cli import main


@pytest.mark.parametrize("extra,field", [
    (["--set", "network.n_pyramidl=10"], "network.n_pyramidl"),
    (["--set", "offline.duration=5 mV"], "offline.duration"),
    (["--set", "offline.duration=5"], "offline.duration"),
    (["--set", "network.n_pyramidal=-5"], "network.n_pyramidal"),
    (["--set", "cue.placement=sometimes"], "cue.placement"),
    (["--set", "no_equals_sign"], "no_equals_sign"),
    (["--preset", "huge"], "preset"),
    (["--seed", "-1"], "seed"),
])
def test_bad_input_is_one_line_exit_2_and_no_directory(tmp_path, capsys, extra, field):
    out = tmp_path / "run"
    code = main(["run", "consolidation", "--level", "lif", "--preset", "tiny",
                 "--out", str(out), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("neurotoolkit: error:") and field in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_unknown_level_and_experiment(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "consolidation", "--level", "quantum", "--out", str(tmp_path / "x")])
    assert exc.value.code == 2
    assert main(["run", "dreaming", "--level", "binary", "--out", str(tmp_path / "y")]) == 2
    assert "experiment" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_existing_output_is_not_overwritten(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    code = main(["run", "consolidation", "--level", "binary", "--preset", "tiny",
                 "--out", str(out)])
    assert code == 2 and "exists" in capsys.readouterr().err


def test_console_script_runs_the_binary_level(tmp_path):
    """The installed command end to end (binary level: fast, no compilation)."""
    out = tmp_path / "binary"
    done = subprocess.run([sys.executable, "-m", "neurotoolkit.cli", "run", "consolidation",
                           "--level", "binary", "--preset", "tiny", "--seed", "2",
                           "--set", "cue.placement=fixed", "--out", str(out), "--quiet"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_replay_events"] > 0
    config = (out / "config.toml").read_text()
    assert 'placement = "fixed"' in config
