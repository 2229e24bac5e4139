"""Output folders under misuse: nothing lost, one clear line, exit status 2.

``--out`` is checked before anything runs; ``--overwrite`` replaces only a
folder that neurotoolkit wrote; a second run into a folder being written is
refused at once, and a lock left by a killed run is taken over; files follow
the user's umask; a failure after work began is exit status 1 with nothing
half-written left.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neurotoolkit.cli import main
from neurotoolkit.io import RUN_MARKER, OutputError, output_lock

HERE = Path(__file__).resolve().parent
PLUGIN_DIR = HERE.parent / "sweeps"  # sweep_plugin: a binary run that can be made to hang

BINARY = ["run", "consolidation", "--level", "binary", "--preset", "tiny", "--quiet"]


def one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("neurotoolkit: error: ")
    return err


def test_overwrite_refuses_a_folder_neurotoolkit_did_not_write(tmp_path, capsys):
    thesis = tmp_path / "mythesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("precious")
    assert main([*BINARY, "--out", str(thesis), "--overwrite"]) == 2
    assert "not a folder written by neurotoolkit" in one_line_error(capsys)
    assert (thesis / "chapter1.tex").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mythesis"]  # no .partial, no lock


def test_overwrite_replaces_a_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*BINARY, "--out", str(out)]) == 0
    assert (out / RUN_MARKER).is_file()
    (out / "metrics.json").write_text("{}")
    assert main([*BINARY, "--out", str(out), "--overwrite"]) == 0
    assert json.loads((out / "metrics.json").read_text())  # the new run's metrics
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("overwrite", [False, True])
def test_out_that_is_a_file(tmp_path, capsys, overwrite):
    target = tmp_path / "notes.txt"
    target.write_text("keep")
    assert main([*BINARY, "--out", str(target)] + (["--overwrite"] if overwrite else [])) == 2
    assert "exists and is not a folder" in one_line_error(capsys)
    assert target.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_out_below_a_file(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep")
    assert main([*BINARY, "--out", str(tmp_path / "notes.txt" / "run")]) == 2
    assert "is a file, not a folder" in one_line_error(capsys)


def test_dotdot_is_resolved_before_anything_is_replaced(tmp_path, capsys):
    work = tmp_path / "a" / "x"
    (work / "y").mkdir(parents=True)
    (work / "data.csv").write_text("keep")
    assert main([*BINARY, "--out", str(work / "y" / ".."), "--overwrite"]) == 2
    err = one_line_error(capsys)
    assert str(work) in err and "not a folder written by neurotoolkit" in err
    assert (work / "data.csv").read_text() == "keep" and (work / "y").is_dir()

    # a run named through ``..`` lands in the folder the path means
    assert main([*BINARY, "--out", str(work / "y" / ".." / "run")]) == 0
    assert (work / "run" / "metrics.json").is_file()
    assert sorted(p.name for p in work.iterdir()) == ["data.csv", "run", "y"]


def test_unwritable_parent_is_one_line(tmp_path, capsys):
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "run"
    elif Path("/sys").is_dir():  # sysfs refuses new files even to root
        target = Path("/sys/neurotoolkit-run")
    else:  # pragma: no cover
        pytest.skip("running as root and no folder that refuses root")
    assert main([*BINARY, "--out", str(target)]) == 2
    assert "cannot write into" in one_line_error(capsys)
    assert not target.exists()


def test_a_second_run_into_a_locked_folder_is_refused_at_once(tmp_path, capsys):
    out = tmp_path / "run"
    with output_lock(out):
        started = time.perf_counter()
        assert main([*BINARY, "--out", str(out)]) == 2
        assert time.perf_counter() - started < 10  # refused before simulating
    err = one_line_error(capsys)
    assert f"pid {os.getpid()}" in err and "being written by another" in err
    assert not out.exists()


def _start_hanging_run(out):
    """A ``neurotoolkit run`` whose simulation hangs (the sweep tests' ``flaky`` experiment)."""
    code = ("import sys, sweep_plugin; from neurotoolkit.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    env = {**os.environ, "SWEEP_PLUGIN_SLOW": "1",
           "PYTHONPATH": os.pathsep.join([str(PLUGIN_DIR), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-c", code, "run", "flaky", "--level", "binary",
                             "--preset", "tiny", "--set", "replay.n_replays=17", "--out",
                             str(out), "--quiet"], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_concurrent_runs_into_one_folder(tmp_path, capsys):
    """The second run is refused at once; the lock of a killed run is taken over."""
    out = tmp_path / "run"
    lock = tmp_path / ".run.lock"
    first = _start_hanging_run(out)
    try:
        deadline = time.monotonic() + 60
        while not (lock.is_file() and lock.read_text()):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.1)
        assert main([*BINARY, "--out", str(out)]) == 2
        err = one_line_error(capsys)
        assert f"pid {first.pid}" in err
        assert first.poll() is None  # the first run goes on
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        first.communicate()
    assert lock.is_file()  # left behind by the killed run: stale
    assert main([*BINARY, "--out", str(out)]) == 0
    assert (out / "metrics.json").is_file() and not lock.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # the .partial is gone too


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_files_follow_the_umask(tmp_path, umask, mode):
    out = tmp_path / "run"
    old = os.umask(umask)
    try:
        assert main([*BINARY, "--out", str(out)]) == 0
    finally:
        os.umask(old)
    files = [p for p in out.iterdir() if p.is_file()]
    assert {"config.toml", "metrics.json", "recording.npz", "provenance.json",
            RUN_MARKER} <= {p.name for p in files}
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == \
        {p.name: oct(mode) for p in files}


def test_an_io_failure_after_work_began_is_exit_1_and_leaves_nothing(tmp_path, capsys,
                                                                     monkeypatch):
    import neurotoolkit.runner as runner

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "write_run", disk_full)
    out = tmp_path / "run"
    assert main([*BINARY, "--out", str(out)]) == 1
    assert "No space left on device" in one_line_error(capsys)
    assert not list(tmp_path.iterdir())  # no run, no .partial, no lock


def test_output_errors_are_os_errors():
    assert issubclass(OutputError, OSError)


@pytest.mark.parametrize("command", ["sweep", "demo"])
def test_sweep_and_demo_check_out_before_anything_runs(tmp_path, capsys, command):
    target = tmp_path / "notes.txt"
    target.write_text("keep")
    sweep_file = tmp_path / "s.toml"
    sweep_file.write_text('experiment = "consolidation"\nlevel = "binary"\npreset = "tiny"\n'
                          'seeds = [1]\n')
    args = {"sweep": ["sweep", str(sweep_file), "--quiet"],
            "demo": ["demo", "--preset", "tiny", "--quiet"]}[command]
    for out in (target, target / "sub"):
        started = time.perf_counter()
        assert main([*args, "--out", str(out)]) == 2
        assert time.perf_counter() - started < 10  # nothing simulated, nothing compiled
        assert "not a folder" in one_line_error(capsys)
    assert target.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "s.toml"]
