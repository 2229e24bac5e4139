"""What a worker process runs: one point, or the points that share a standalone build.

A :class:`Task` is plain data (picklable, sent to a local process or a Dask
worker).  :func:`run_task` runs its points one after the other, writes each
point's run directory (``OUT/points/<id>``, assembled as ``<id>.partial`` and
renamed when the point has finished), reports each :class:`Outcome` as soon as
the point is done (through ``reporter``) and returns all of them.

Brian2 keeps its device, clock and preferences in the process, so a process
runs one task at a time (a lock guards this even on a Dask worker that has
several threads).  Points of a ``cpp_standalone`` sweep that differ only in
run-time values share one compiled program
(:class:`~neurotoolkit.protocols.standalone.StandaloneSimulation`): the first
point compiles it (or finds it in the build cache), the others rerun it with
``run_args``, each into a fresh results folder.

The output folder must be visible to the workers (on a cluster: a shared
filesystem, as usual with SLURM).

This module imports neither numpy nor Brian2 at import time, so a spawned
worker can limit its math libraries' threads before they load.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io import json_ready, run_directory
from ..processes import end_with_parent
from ..protocols.devices import build_lock
from ..runner import finish_run, resolve_config, run_experiment, write_run
from .spec import STANDALONE_REUSE
from .table import Outcome

__all__ = ["Task", "run_task", "init_local_worker", "LocalReporter", "DaskReporter",
           "build_lock"]

_PROCESS_LOCK = threading.Lock()
_LOCAL_QUEUE: Any = None
#: Environment variables that set the math libraries' thread counts.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_ERROR_LENGTH = 500


@dataclass(frozen=True)
class Task:
    """A unit of work: points run one after another in one process.

    Attributes
    ----------
    experiment, level, preset, device : str
        As in the sweep file.
    out : str
        The sweep's output folder.
    points : tuple of (id, overrides, seed)
        The points, in order.
    imports : tuple of str
        Modules to import first (they may register experiments).
    capture : bool
        Send the process's stdout and stderr during each point to
        ``OUT/logs/<id>.log`` (local workers; a Dask worker keeps its own logs).
    nwb : bool
        Each point also writes ``recording.nwb``.
    """

    experiment: str
    level: str
    preset: str
    device: str
    out: str
    points: tuple[tuple[str, dict[str, Any], int], ...]
    imports: tuple[str, ...] = ()
    capture: bool = True
    nwb: bool = False

    @property
    def shares_build(self) -> bool:
        """True when the points rerun one compiled standalone program."""
        return (self.device == "cpp_standalone"
                and (self.experiment, self.level) in STANDALONE_REUSE)


# ---------------------------------------------------------------------------
# Reporting finished points to the sweep process
# ---------------------------------------------------------------------------


def init_local_worker(queue: Any, threads: int, parent_pid: int | None = None) -> None:
    """Initialiser of a local worker process: result queue, math-library threads.

    With ``parent_pid`` (the sweep process) the worker ends when the sweep
    process dies, by any signal (:func:`neurotoolkit.processes.end_with_parent`).
    """
    global _LOCAL_QUEUE
    if parent_pid is not None:
        end_with_parent(parent_pid)
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, str(threads))
    _LOCAL_QUEUE = queue


class LocalReporter:
    """Sends outcomes to the sweep process through the pool's queue."""

    def __call__(self, message: dict[str, Any]) -> None:
        if _LOCAL_QUEUE is not None:
            _LOCAL_QUEUE.put(message)


class DaskReporter:
    """Sends outcomes to the sweep process through a named ``distributed.Queue``."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, message: dict[str, Any]) -> None:
        from distributed import Queue

        Queue(self.name).put(message)


def _send(reporter: Callable[[dict[str, Any]], None] | None, outcome: Outcome) -> None:
    if reporter is None:
        return
    try:
        reporter(outcome.to_message())
    except Exception:  # noqa: BLE001 - the task's return value still carries the outcome
        pass


# ---------------------------------------------------------------------------
# Logs, failures, locks
# ---------------------------------------------------------------------------


def _log_path(task: Task, point_id: str) -> Path:
    return Path(task.out) / "logs" / f"{point_id}.log"


@contextlib.contextmanager
def _captured(task: Task, point_id: str) -> Iterator[None]:
    """Send file descriptors 1 and 2 to the point's log while it runs (if ``capture``)."""
    if not task.capture:
        yield
        return
    path = _log_path(task, point_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.dup2(log, 1)
        os.dup2(log, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, log):
            os.close(fd)
        if path.stat().st_size == 0:
            path.unlink()


def _failure(task: Task, point_id: str, err: BaseException, started: float,
             prefix: str = "") -> Outcome:
    """The outcome of a point that raised; its traceback goes to its log."""
    text = " ".join(f"{type(err).__name__}: {err}".split())
    if len(text) > _ERROR_LENGTH:
        text = text[:_ERROR_LENGTH - 3] + "..."
    path = _log_path(task, point_id)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(err)))
    return Outcome(point_id, "failed", {}, time.perf_counter() - started, prefix + text, "")


def _json_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics exactly as ``metrics.json`` holds them (JSON values, null for nan)."""
    return json.loads(json.dumps(json_ready(metrics)))


# ---------------------------------------------------------------------------
# Running points
# ---------------------------------------------------------------------------


def run_task(task: Task, reporter: Callable[[dict[str, Any]], None] | None = None
             ) -> list[dict[str, Any]]:
    """Run a task's points; report and return each outcome (as a plain dict).

    A point that raises an ``Exception`` is a failed outcome and the next
    point runs; ``KeyboardInterrupt`` stops the task.
    """
    with _PROCESS_LOCK:
        for name in task.imports:
            importlib.import_module(name)
        if task.shares_build:
            outcomes = _run_shared_build(task, reporter)
        else:
            outcomes = [_run_point(task, point, reporter) for point in task.points]
    return [o.to_message() for o in outcomes]


def _run_point(task: Task, point: tuple[str, dict[str, Any], int],
               reporter: Callable[[dict[str, Any]], None] | None) -> Outcome:
    point_id, overrides, seed = point
    started = time.perf_counter()
    try:
        with _captured(task, point_id):
            result = run_experiment(task.experiment, task.level, preset=task.preset, seed=seed,
                                    overrides=overrides, device=task.device,
                                    out=Path(task.out) / "points" / point_id, quiet=True,
                                    overwrite=True, nwb=task.nwb,
                                    exclusive=False)  # the sweep holds OUT
        metrics = _json_metrics(result.metrics)
        wall = metrics.get("wall_time_s")
        outcome = Outcome(point_id, "ok", metrics,
                          float(wall) if wall is not None else time.perf_counter() - started,
                          "", f"points/{point_id}")
    except Exception as err:  # noqa: BLE001 - recorded in the table, the sweep goes on
        outcome = _failure(task, point_id, err, started)
    _send(reporter, outcome)
    return outcome


def _run_shared_build(task: Task, reporter: Callable[[dict[str, Any]], None] | None
                      ) -> list[Outcome]:
    """Points sharing one standalone build: compile once, rerun with ``run_args``."""
    # numpy and Brian2 load here, after the worker has limited its threads
    from ..protocols.standalone import StandaloneSimulation

    outcomes: list[Outcome] = []
    stack = contextlib.ExitStack()
    sim = None
    build_error = ""
    with stack:
        for point_id, overrides, seed in task.points:
            started = time.perf_counter()
            if build_error:
                outcome = Outcome(point_id, "failed", {}, 0.0, build_error, "")
                outcomes.append(outcome)
                _send(reporter, outcome)
                continue
            try:
                with _captured(task, point_id):
                    config = resolve_config(task.experiment, task.level, task.preset, overrides)
                    build_s = 0.0
                    if sim is None:
                        try:  # (it locks its build folder against other processes)
                            sim = stack.enter_context(StandaloneSimulation(
                                config, level=task.level, seed=seed, quiet=True))
                        except Exception as err:
                            build_error = " ".join(f"build failed: {type(err).__name__}: "
                                                   f"{err}".split())[:_ERROR_LENGTH]
                            raise
                        build_s = sim.build_s
                    _write_standalone_point(task, sim, config, point_id, overrides, seed,
                                            build_s, started)
                metrics = _json_metrics(json.loads(
                    (Path(task.out) / "points" / point_id / "metrics.json").read_text()))
                outcome = Outcome(point_id, "ok", metrics, float(metrics["wall_time_s"]), "",
                                  f"points/{point_id}")
            except Exception as err:  # noqa: BLE001 - recorded, the next point runs
                outcome = _failure(task, point_id, err, started)
            outcomes.append(outcome)
            _send(reporter, outcome)
    return outcomes


def _write_standalone_point(task: Task, sim: Any, config: Any, point_id: str,
                            overrides: dict[str, Any], seed: int, build_s: float,
                            started: float) -> None:
    """Rerun the compiled program with ``config``'s values; write the run directory."""
    # numpy and Brian2 load here, after the worker has limited its threads
    from ..protocols.consolidation import analyse_simulation

    with run_directory(Path(task.out) / "points" / point_id, overwrite=True,
                       exclusive=False) as partial:  # the sweep holds the folder's lock
        results = Path(tempfile.mkdtemp(prefix="results-", dir=sim.build_dir))
        try:
            output = sim.run(config, results_dir=results)
        finally:
            shutil.rmtree(results, ignore_errors=True)
        result = analyse_simulation(output, config, level=task.level, seed=seed,
                                    device="cpp_standalone")
        result = finish_run(result, task.experiment, task.level, seed=seed, config=config)
        wall = time.perf_counter() - started
        result.metrics["build_s"] = build_s
        result.metrics["wall_time_s"] = wall
        write_run(result, partial, {
            "experiment": task.experiment, "level": task.level, "preset": task.preset,
            "seed": seed, "device": "cpp_standalone", "wall_time_s": wall,
            "overrides": dict(overrides), "build_dir": str(sim.build_dir),
            "build_key": sim.key, "build_s": build_s}, nwb=task.nwb)
