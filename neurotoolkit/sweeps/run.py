"""Parameter sweeps: one command, resumable, parallel on a laptop, distributed on a cluster.

::

    neurotoolkit sweep experiments/sweeps/cue.toml                    # local processes
    neurotoolkit sweep cue.toml --workers 2 --out runs/cue
    neurotoolkit sweep cue.toml --executor dask                       # Dask LocalCluster
    neurotoolkit sweep cue.toml --executor dask --scheduler tcp://head:8786

or from Python::

    from neurotoolkit.sweeps import run_sweep
    report = run_sweep("experiments/sweeps/cue.toml", out="runs/cue", workers=2)
    report.table                      # runs/cue/results.csv

A sweep file names the experiment, level, preset and seeds, and a ``[grid]``
(every combination) and/or ``[zip]`` (lists taken pairwise) of dotted config
keys, plus fixed ``[set]`` overrides (see :mod:`neurotoolkit.sweeps.spec`).
The whole file is validated before any point runs.

The sweep writes::

    OUT/
      results.csv        one row per finished point (see neurotoolkit.sweeps.table)
      sweep.toml         the sweep file as run
      points/<id>/       each point's run directory (config, metrics, recording, figure)
      logs/<id>.log      what a point printed (kept when not empty) and a failed
                         point's traceback

Rerunning the same command skips the points that finished (their run
directories exist) and retries failed ones.  A point that raises is recorded
as ``failed`` with its error and the others go on; a killed sweep loses no
finished point.  With ``device = "cpp_standalone"``, points that differ only
in run-time values (weights, gains, rule and cell parameters, the pathway
set) share one compiled program, cached by a hash of the network structure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ConfigError
from ..io import atomic_write_text, check_output, mark_run_folder
from .executors import available_cores, make_executor
from .spec import Sweep, SweepError, load_sweep, parse_sweep
from .table import Outcome, ResultsTable
from .worker import Task

__all__ = ["Sweep", "SweepError", "SweepReport", "load_sweep", "parse_sweep", "run_sweep",
           "default_out", "main"]

_POLL_S = 0.25


@dataclass(frozen=True)
class SweepReport:
    """What a call of :func:`run_sweep` did.

    Attributes
    ----------
    out : Path
        The sweep's output folder.
    table : Path
        ``OUT/results.csv``.
    n_points : int
        Points of the sweep.
    n_skipped : int
        Points that had finished before this call (not run again).
    n_run : int
        Points run by this call.
    n_ok, n_failed : int
        Rows of the table by status, after this call.
    wall_s : float
        Seconds this call took.
    """

    out: Path
    table: Path
    n_points: int
    n_skipped: int
    n_run: int
    n_ok: int
    n_failed: int
    wall_s: float

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"sweep: {self.n_points} points, {self.n_skipped} finished before, "
                f"{self.n_run} run now; {self.n_ok} ok, {self.n_failed} failed; "
                f"{self.wall_s:.1f} s; table {self.table}")


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """Refuse a second sweep writing into the same folder at the same time."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    with (out / ".sweep.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError("out", f"another sweep is writing into {out}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def default_out(sweep: Sweep) -> Path:
    """``runs/<sweep file stem>`` (``runs/sweep`` for a sweep read from text)."""
    stem = sweep.path.stem
    return Path("runs") / (stem if stem and not stem.startswith("<") else "sweep")


def _progress(total: int, initial: int, name: str, quiet: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=name, unit="point", disable=quiet,
                file=sys.stderr, dynamic_ncols=True)


def run_sweep(sweep: Sweep | str | os.PathLike, out: str | os.PathLike | None = None, *,
              executor: str = "local", workers: int | None = None,
              scheduler: str | None = None, quiet: bool = False) -> SweepReport:
    """Run the points of ``sweep`` that have not finished; keep ``OUT/results.csv`` current.

    Parameters
    ----------
    sweep : Sweep or path
        A loaded sweep or a sweep file (validated before anything runs).
    out : path, optional
        Output folder (default ``runs/<sweep file stem>``).
    executor : {"local", "dask"}
        Local worker processes, or Dask distributed.
    workers : int, optional
        Local worker processes or LocalCluster workers (default: the number
        of cores).  Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (implies ``executor="dask"``).
    quiet : bool
        No progress bar.

    Returns
    -------
    SweepReport

    Raises
    ------
    SweepError
        For an invalid sweep file, before any point runs.
    KeyboardInterrupt
        After writing the table: the points that finished are kept.
    """
    started = time.perf_counter()
    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    if scheduler:
        executor = "dask"
    out = Path(out) if out is not None else default_out(sweep)
    if workers is not None and workers < 1:
        raise ConfigError("workers", f"must be at least 1, got {workers}")
    check_output(out, existing_ok=True)  # a file, no parent, not writable: refused now
    with _exclusive(out):
        mark_run_folder(out, kind="sweep")
        table = ResultsTable(out, sweep)
        table.recover()
        if sweep.text:
            atomic_write_text(out / "sweep.toml", sweep.text)
        table.write()
        done = {p.id for p in sweep.points if table.is_done(p.id)}
        chunks = [[p for p in chunk if p.id not in done] for chunk in sweep.chunks()]
        chunks = [chunk for chunk in chunks if chunk]
        n_todo = sum(len(chunk) for chunk in chunks)
        if chunks:
            n_workers = min(workers or available_cores(), len(chunks))
            runner = make_executor(executor, workers=n_workers, scheduler=scheduler)
            _execute(sweep, table, runner, chunks, Task, quiet)
        counts = table.counts()
        with contextlib.suppress(OSError):  # only when no point left a log
            (out / "logs").rmdir()
    return SweepReport(out=out, table=table.path, n_points=len(sweep.points),
                       n_skipped=len(done), n_run=n_todo, n_ok=counts["ok"],
                       n_failed=counts["failed"], wall_s=time.perf_counter() - started)


def _execute(sweep: Sweep, table: ResultsTable, runner: Any, chunks: list[list[Any]],
             task_type: Any, quiet: bool) -> None:
    """Submit every chunk, record outcomes as they arrive, write the table after each."""
    progress = _progress(len(sweep.points), len(sweep.points) - sum(map(len, chunks)),
                         sweep.path.stem, quiet)
    pending: dict[Any, list[Any]] = {}
    recorded: set[str] = set()
    failed = 0

    def record(message: dict[str, Any]) -> None:
        nonlocal failed
        outcome = Outcome.from_message(message)
        if outcome.id in recorded:
            return
        recorded.add(outcome.id)
        table.record(outcome)
        table.write()
        failed += outcome.status == "failed"
        progress.update(1)
        if failed:
            progress.set_postfix(failed=failed)

    interrupted = True
    try:
        for chunk in chunks:
            task = task_type(sweep.experiment, sweep.level, sweep.preset, sweep.device,
                             str(table.out), tuple((p.id, dict(p.overrides), p.seed)
                                                   for p in chunk),
                             sweep.imports, runner.capture, nwb=sweep.nwb)
            pending[runner.submit(task)] = chunk
        while pending:
            for message in runner.messages(_POLL_S):
                record(message)
            for future in [f for f in pending if f.done()]:
                chunk = pending.pop(future)
                try:
                    messages = future.result()
                except Exception as err:  # noqa: BLE001 - a worker died or the task was lost
                    error = " ".join(f"worker lost: {type(err).__name__}: {err}".split())
                    messages = [Outcome(p.id, "failed", {}, float("nan"), error[:500],
                                        "").to_message() for p in chunk]
                for message in messages:
                    record(message)
        interrupted = False
    finally:
        progress.close()
        runner.close(interrupted=interrupted)
        table.write()


def main(args: argparse.Namespace) -> int:
    """``neurotoolkit sweep SWEEP.toml [...]`` (called by :mod:`neurotoolkit.cli`).

    Returns 0 when every point is ``ok``, 1 when some failed (see the table).
    """
    sweep = load_sweep(args.sweep_file)
    if getattr(args, "dry_run", False):
        chunks = sweep.chunks()
        builds = sum(1 for chunk in chunks if chunk[0].group)
        print(f"{sweep.path}: {len(sweep.points)} points ({len(sweep.seeds)} seeds), "
              f"{sweep.experiment} at level {sweep.level}, preset {sweep.preset}, device "
              f"{sweep.device}" + (f"; {builds} standalone builds" if builds else ""))
        for point in sweep.points:
            shown = " ".join(f"{k}={v}" for k, v in point.params.items())
            print(f"  {point.id}  seed={point.seed} {shown}")
        return 0
    report = run_sweep(sweep, out=args.out, executor=args.executor or "local",
                       workers=args.workers, scheduler=args.scheduler, quiet=args.quiet)
    print(report.summary())
    return 1 if report.n_failed else 0

