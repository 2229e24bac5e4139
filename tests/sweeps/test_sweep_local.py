"""Sweeps on local worker processes: the table, resuming, failures, crashes, interrupts.

All on the binary level (numpy, about a second per point).  The ``flaky``
experiment of ``sweep_plugin.py`` plants a point that raises and, with
``SWEEP_PLUGIN_SLOW=1``, a point that hangs (to kill the sweep in).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neurotoolkit.cli import main as cli_main
from neurotoolkit.runner import run_experiment
from neurotoolkit.sweeps import load_sweep, parse_sweep, run_sweep
from neurotoolkit.sweeps.table import STANDARD_METRICS, Outcome, ResultsTable, read_table

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

BINARY = """\
experiment = "consolidation"
level = "binary"
preset = "tiny"
seeds = [1, 2]

[grid]
"plasticity.pathways" = ["EE", "EE+IE"]

[set]
"replay.n_replays" = 10
"""

FLAKY = """\
experiment = "flaky"
level = "binary"
preset = "tiny"
imports = ["sweep_plugin"]
seeds = [1, 2]

[grid]
"replay.n_replays" = [20, {second}]
"""


def write(tmp_path, text, name="sweep.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def number(text):
    return math.nan if text == "nan" else float(text)


def test_two_workers_write_one_row_per_point(tmp_path):
    path = write(tmp_path, BINARY)
    out = tmp_path / "out"
    report = run_sweep(path, out, workers=2, quiet=True)
    sweep = load_sweep(path)
    assert (report.n_points, report.n_run, report.n_skipped) == (4, 4, 0)
    assert (report.n_ok, report.n_failed) == (4, 0)

    rows = read_table(out / "results.csv")
    assert [r["point_id"] for r in rows] == [p.id for p in sweep.points]
    header = list(rows[0])
    assert header[:5] == ["point_id", "plasticity.pathways", "replay.n_replays", "seed",
                          "status"]
    assert header[5:5 + len(STANDARD_METRICS)] == list(STANDARD_METRICS)
    assert header[-3:] == ["wall_time_s", "error", "run_dir"]
    assert [(r["plasticity.pathways"], r["seed"]) for r in rows] == \
        [("EE", "1"), ("EE", "2"), ("EE+IE", "1"), ("EE+IE", "2")]
    for row in rows:
        assert row["status"] == "ok" and row["error"] == ""
        run_dir = out / row["run_dir"]
        assert run_dir == out / "points" / row["point_id"]
        for name in ("metrics.json", "config.toml", "recording.npz", "provenance.json"):
            assert (run_dir / name).is_file()
        assert float(row["wall_time_s"]) > 0
    assert (out / "sweep.toml").read_text() == BINARY
    assert not list(out.glob("points/*.partial"))

    # the table holds what the same run gives in this process
    expected = run_experiment("consolidation", "binary", preset="tiny", seed=2,
                              overrides={"plasticity.pathways": "EE+IE",
                                         "replay.n_replays": 10}).metrics
    for key in STANDARD_METRICS:
        value = number(rows[3][key])
        assert value == pytest.approx(expected[key], nan_ok=True), key


def test_rerun_skips_finished_points_and_reruns_missing_ones(tmp_path):
    path = write(tmp_path, BINARY)
    out = tmp_path / "out"
    assert run_sweep(path, out, workers=2, quiet=True).n_run == 4
    table = (out / "results.csv").read_text()

    again = run_sweep(path, out, workers=2, quiet=True)
    assert (again.n_run, again.n_skipped, again.n_ok) == (0, 4, 4)
    assert (out / "results.csv").read_text() == table

    # a point whose run directory is gone runs again; only it
    rows = read_table(out / "results.csv")
    shutil.rmtree(out / rows[1]["run_dir"])
    third = run_sweep(path, out, workers=1, quiet=True)
    assert (third.n_run, third.n_skipped, third.n_ok) == (1, 3, 4)
    new_rows = read_table(out / "results.csv")
    for old, new in zip(rows, new_rows, strict=True):
        old.pop("wall_time_s"), new.pop("wall_time_s")
        assert old == new

    # finished run directories are the source of truth: a lost table is rebuilt
    (out / "results.csv").unlink()
    fourth = run_sweep(path, out, workers=1, quiet=True)
    assert (fourth.n_run, fourth.n_skipped) == (0, 4)
    assert [r["status"] for r in read_table(out / "results.csv")] == ["ok"] * 4


def test_failing_point_is_recorded_and_the_others_go_on(tmp_path, capsys):
    path = write(tmp_path, FLAKY.format(second=13))
    out = tmp_path / "out"
    code = cli_main(["sweep", str(path), "--workers", "2", "--out", str(out), "--quiet"])
    assert code == 1  # some points failed
    assert "2 ok, 2 failed" in capsys.readouterr().out
    rows = read_table(out / "results.csv")
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "failed"]
    for row in rows[2:]:
        assert row["replay.n_replays"] == "13"
        assert row["error"] == "RuntimeError: planted failure"
        assert row["run_dir"] == "" and row["n_replay_events"] == ""
        assert not (out / "points" / row["point_id"]).exists()
        log = (out / "logs" / f"{row['point_id']}.log").read_text()
        assert "Traceback" in log and "planted failure" in log
    for row in rows[:2]:
        assert float(row["n_replay_events"]) == 20 and row["error"] == ""

    # a rerun retries the failed points only
    report = run_sweep(path, out, workers=2, quiet=True)
    assert (report.n_run, report.n_skipped, report.n_failed) == (2, 2, 2)


def test_table_write_is_atomic(tmp_path, monkeypatch):
    sweep = parse_sweep(BINARY, "mem.toml")
    table = ResultsTable(tmp_path, sweep)
    first, second = sweep.points[:2]
    table.record(Outcome(first.id, "ok", {"n_replay_events": 3.0, "wall_time_s": 1.0}, 1.0, "",
                         f"points/{first.id}"))
    table.write()
    before = (tmp_path / "results.csv").read_text()
    assert before.count("\n") == 2

    table.record(Outcome(second.id, "failed", {}, 0.5, "RuntimeError: boom", ""))

    def crash(fd):
        raise OSError("disk full: simulated crash while the table is being written")

    monkeypatch.setattr("neurotoolkit.io.os.fsync", crash)
    with pytest.raises(OSError, match="simulated crash"):
        table.write()
    monkeypatch.undo()
    assert (tmp_path / "results.csv").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]  # no temporary left
    table.write()
    assert (tmp_path / "results.csv").read_text().count("\n") == 3


def _start_cli(path, out, extra_env, workers=1):
    env = {**os.environ, **extra_env,
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "neurotoolkit.cli", "sweep", str(path), "--workers", str(workers),
         "--out", str(out), "--quiet"], env=env, cwd=str(REPO), start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_rows(proc, table, n, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(read_table(table)) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"sweep ended early: {proc.communicate()}")
        time.sleep(0.2)
    raise AssertionError(f"no {n} rows in {table} after {timeout} s")


def _group_gone(pgid, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_killed_sweep_loses_no_finished_point(tmp_path, how):
    path = write(tmp_path, FLAKY.format(second=17))  # the last two points hang
    out = tmp_path / "out"
    proc = _start_cli(path, out, {"SWEEP_PLUGIN_SLOW": "1"})
    try:
        _wait_for_rows(proc, out / "results.csv", 2)
        time.sleep(0.5)  # let the third point start
        os.killpg(proc.pid, getattr(signal, how))
        code = proc.wait(timeout=60)
        _, stderr = proc.communicate()
        if how == "SIGINT":
            assert code == 130 and "interrupted" in stderr
        assert _group_gone(proc.pid), "worker processes left running"
    finally:
        _kill_group(proc)

    rows = read_table(out / "results.csv")
    assert [(r["replay.n_replays"], r["status"]) for r in rows] == [("20", "ok")] * 2
    assert all((out / r["run_dir"] / "metrics.json").is_file() for r in rows)

    report = run_sweep(path, out, workers=1, quiet=True)  # not slow this time
    assert (report.n_skipped, report.n_run, report.n_ok) == (2, 2, 4)
    assert not list(out.glob("points/*.partial"))
    rows = read_table(out / "results.csv")
    assert [json.loads(r["replay.n_replays"]) for r in rows] == [20, 20, 17, 17]


@pytest.mark.slow
def test_sigkill_of_the_sweep_process_alone_leaves_no_process(tmp_path, group_members):
    """``kill -9`` of the sweep process (not its group): workers and the resource tracker end.

    Both workers hang in a point when the sweep process is killed; they are
    the sweep's children and must not go on as orphans.
    """
    path = write(tmp_path, FLAKY.format(second=17))
    out = tmp_path / "out"
    proc = _start_cli(path, out, {"SWEEP_PLUGIN_SLOW": "1"}, workers=2)
    try:
        _wait_for_rows(proc, out / "results.csv", 2)
        time.sleep(1.0)  # both workers are now inside a hanging point
        others = [pid for pid in group_members(proc.pid) if pid != proc.pid]
        assert len(others) >= 2, "expected the worker processes to be running"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert _group_gone(proc.pid, timeout=5.0), \
            f"left running 5 s after the kill: {group_members(proc.pid)}"
    finally:
        _kill_group(proc)
    # the flock on the folder went with the sweep process: a rerun may start at once
    report = run_sweep(path, out, workers=1, quiet=True)
    assert (report.n_skipped, report.n_run, report.n_ok) == (2, 2, 4)
    assert len(read_table(out / "results.csv")) == 4

