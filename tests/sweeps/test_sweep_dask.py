"""The Dask executor gives the same table as local processes, at every level.

Once with an in-process LocalCluster, once with a scheduler and worker
processes started separately (``dask scheduler`` / ``dask worker``) on
127.0.0.1, as on a cluster.  Spiking points import Brian2, which must happen
in a worker's main thread (it installs a signal handler): the executor
arranges it, and these tests check that every spiking point is ``ok`` with
the same metrics as on local processes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neurotoolkit.sweeps import run_sweep
from neurotoolkit.sweeps.table import read_table

distributed = pytest.importorskip("distributed")

SWEEP = """\
experiment = "consolidation"
level = "binary"
preset = "tiny"
seeds = [3, 4]

[zip]
"plasticity.pathways" = ["EE", "EE+IE"]
"cue.placement" = ["random", "fixed"]

[set]
"replay.n_replays" = 10
"""

# Spiking: tiny preset, shortened further (one lap, half a second offline), one
# seed and both pathway sets.
SPIKING = """\
experiment = "consolidation"
level = "{level}"
preset = "tiny"
seeds = [2]

[grid]
"plasticity.pathways" = ["EE", "EE+IE"]

[set]
"track.n_laps" = 1
"track.length" = "100 cm"
"offline.duration" = "0.5 s"
"""

TIME_COLUMNS = ("wall_time_s", "simulation_wall_s", "build_s")


def comparable(rows):
    """Table rows without the timings (the only columns that differ between runs)."""
    return [{k: v for k, v in row.items() if k not in TIME_COLUMNS} for row in rows]


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask") / "cue.toml"
    path.write_text(SWEEP)
    return path


@pytest.fixture(scope="module")
def local_rows(sweep_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "out"
    report = run_sweep(sweep_file, out, executor="local", workers=2, quiet=True)
    assert report.n_ok == 4
    return read_table(out / "results.csv")


def test_dask_local_cluster_gives_the_local_table(sweep_file, local_rows, tmp_path):
    out = tmp_path / "out"
    report = run_sweep(sweep_file, out, executor="dask", workers=2, quiet=True)
    assert (report.n_run, report.n_ok, report.n_failed) == (4, 4, 0)
    rows = read_table(out / "results.csv")
    assert comparable(rows) == comparable(local_rows)
    assert len({r["sequence_distance"] for r in rows}) > 1  # the points differ
    assert run_sweep(sweep_file, out, executor="dask", workers=2, quiet=True).n_run == 0


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def scheduler_address(tmp_path_factory):
    """A ``dask scheduler`` and a ``dask worker`` with two single-threaded processes."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = [sys.executable, "-m", "dask"]
    common = dict(cwd=str(tmp_path_factory.mktemp("cluster")), start_new_session=True,
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = []
    try:
        procs.append(subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
             "--no-dashboard"], **common))
        procs.append(subprocess.Popen(
            [*dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--host",
             "127.0.0.1", "--no-dashboard", "--death-timeout", "60"], **common))
        deadline = time.monotonic() + 90
        while True:  # the scheduler takes a moment to listen
            try:
                with distributed.Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or procs[0].poll() is not None:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert all(proc.poll() is not None for proc in procs)


def test_dask_separate_scheduler_and_worker(sweep_file, local_rows, scheduler_address,
                                            tmp_path):
    out = tmp_path / "out"
    report = run_sweep(sweep_file, out, scheduler=scheduler_address, quiet=True)
    assert (report.n_run, report.n_ok) == (4, 4)
    assert comparable(read_table(out / "results.csv")) == comparable(local_rows)


@pytest.fixture(scope="module", params=["lif", "dendritic"])
def spiking_sweep(request, tmp_path_factory):
    """A spiking sweep file (each level) and its table on local worker processes."""
    folder = tmp_path_factory.mktemp(request.param)
    path = folder / f"{request.param}.toml"
    path.write_text(SPIKING.format(level=request.param))
    report = run_sweep(path, folder / "local", executor="local", workers=2, quiet=True)
    assert (report.n_ok, report.n_failed) == (2, 0)
    return path, read_table(folder / "local" / "results.csv")


def _assert_same_spiking_table(out, report, local_rows):
    rows = read_table(out / "results.csv")
    assert [r["status"] for r in rows] == ["ok", "ok"], [r["error"] for r in rows]
    assert (report.n_run, report.n_ok, report.n_failed) == (2, 2, 0)
    assert comparable(rows) == comparable(local_rows)
    assert rows[0]["w_ie_cue_mean"] != rows[1]["w_ie_cue_mean"]  # EE and EE+IE differ


@pytest.mark.slow
def test_spiking_points_on_a_local_cluster(spiking_sweep, tmp_path):
    path, local_rows = spiking_sweep
    out = tmp_path / "out"
    report = run_sweep(path, out, executor="dask", workers=2, quiet=True)
    _assert_same_spiking_table(out, report, local_rows)


@pytest.mark.slow
def test_spiking_points_on_scheduler_and_worker_processes(spiking_sweep, scheduler_address,
                                                          tmp_path):
    path, local_rows = spiking_sweep
    out = tmp_path / "out"
    report = run_sweep(path, out, scheduler=scheduler_address, quiet=True)
    _assert_same_spiking_table(out, report, local_rows)


def test_the_worker_setup_refuses_a_side_thread():
    import threading

    from neurotoolkit.sweeps.dask_worker import prepare_process

    errors = []

    def call():
        try:
            prepare_process()
        except RuntimeError as err:
            errors.append(str(err))

    thread = threading.Thread(target=call)
    thread.start()
    thread.join()
    assert errors and "main thread" in errors[0]


FLAKY = """\
experiment = "flaky"
level = "binary"
preset = "tiny"
imports = ["sweep_plugin"]
seeds = [1, 2]

[grid]
"replay.n_replays" = [20, 17]
"""


@pytest.mark.slow
def test_sigkill_of_a_dask_sweep_leaves_no_worker(tmp_path, group_members):
    """The LocalCluster's worker processes end with the killed sweep process."""
    here = Path(__file__).resolve().parent
    path = tmp_path / "flaky.toml"
    path.write_text(FLAKY)
    out = tmp_path / "out"
    env = {**os.environ, "SWEEP_PLUGIN_SLOW": "1",
           "PYTHONPATH": os.pathsep.join([str(here), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "neurotoolkit.cli", "sweep", str(path),
                             "--executor", "dask", "--workers", "2", "--out", str(out),
                             "--quiet"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while len(read_table(out / "results.csv")) < 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(1.0)  # both workers inside a hanging point
        assert len(group_members(proc.pid)) >= 3
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while group_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_members(proc.pid), "Dask workers left running 5 s after the kill"
    finally:
        if group_members(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.wait(timeout=30)
