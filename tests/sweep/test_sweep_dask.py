"""The Dask executor gives the same table as local processes.

Once with an in-process LocalCluster, once with a scheduler and a worker
started as separate processes (``dask scheduler`` / ``dask worker``) on
127.0.0.1, as on a cluster.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from neurotoolkit.sweep import run_sweep
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


def comparable(rows):
    """Table rows without the wall time (the one column that differs between runs)."""
    return [{k: v for k, v in row.items() if k != "wall_time_s"} for row in rows]


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


def test_dask_separate_scheduler_and_worker(sweep_file, local_rows, tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = [sys.executable, "-m", "dask"]
    common = dict(cwd=str(tmp_path), start_new_session=True, stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL)
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

        out = tmp_path / "out"
        report = run_sweep(sweep_file, out, scheduler=address, quiet=True)
        assert (report.n_run, report.n_ok) == (4, 4)
        assert comparable(read_table(out / "results.csv")) == comparable(local_rows)
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert all(proc.poll() is not None for proc in procs)
