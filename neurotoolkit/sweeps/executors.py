"""Where the points run: local processes, or Dask distributed.

Both executors have the same small interface, used by
:func:`neurotoolkit.sweeps.run_sweep`:

- ``submit(task)`` returns a future whose result is the task's outcomes;
- ``messages(timeout)`` returns the outcomes reported since the last call
  (each point reports as soon as it has finished, so a task of several
  points sharing a standalone build updates the table point by point);
- ``close(interrupted)`` stops the workers (cancelling what has not run
  when interrupted).

:class:`LocalExecutor` is a ``ProcessPoolExecutor`` with the ``spawn`` start
method (Brian2's device and clock are process-global, so every worker is a
fresh process that runs one task at a time); its workers end when the sweep
process dies, however it dies.  :class:`DaskExecutor` starts an
in-process ``LocalCluster`` (one thread per worker process) or connects to a
running scheduler, and prepares every worker for Brian2 before it takes a
task (:mod:`neurotoolkit.sweeps.dask_worker`); outcomes come back through a
named ``distributed.Queue``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from ..config import ConfigError
from .worker import DaskReporter, LocalReporter, Task, init_local_worker, run_task

__all__ = ["LocalExecutor", "DaskExecutor", "available_cores", "make_executor"]


def available_cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


class LocalExecutor:
    """Worker processes on this machine (``--executor local --workers N``).

    Parameters
    ----------
    workers : int
        Number of worker processes.
    """

    name = "local"
    capture = True

    def __init__(self, workers: int):
        context = multiprocessing.get_context("spawn")
        self.workers = workers
        self._queue = context.Queue()
        threads = max(1, available_cores() // workers)
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                         initializer=init_local_worker,
                                         initargs=(self._queue, threads, os.getpid()))
        self._reporter = LocalReporter()

    def submit(self, task: Task) -> Any:
        """Start ``task`` in a worker; a ``concurrent.futures.Future`` of its outcomes."""
        return self._pool.submit(run_task, task, self._reporter)

    def messages(self, timeout: float) -> list[dict[str, Any]]:
        """Outcomes reported by workers, waiting up to ``timeout`` seconds for the first."""
        out = []
        try:
            out.append(self._queue.get(timeout=timeout))
            while True:
                out.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        return out

    def close(self, interrupted: bool = False) -> None:
        """Shut the pool down; when interrupted, cancel pending tasks and stop the workers."""
        if interrupted:
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(timeout=10)
        else:
            self._pool.shutdown(wait=True)
        self._queue.close()
        self._queue.cancel_join_thread()


class DaskExecutor:
    """Dask distributed (``--executor dask [--scheduler ADDRESS]``).

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); without it an
        in-process ``LocalCluster`` of ``workers`` single-threaded processes.
    workers : int
        Workers of the LocalCluster (ignored with ``scheduler``).

    Notes
    -----
    Start cluster workers with ``--nthreads 1`` (Brian2 runs one simulation
    per process at a time; a worker with more threads would queue them).
    """

    name = "dask"
    capture = False

    def __init__(self, scheduler: str | None, workers: int):
        try:
            import distributed
        except ImportError as err:
            raise ConfigError("executor", "the dask executor needs dask[distributed] "
                                          "(pip install 'neurotoolkit[dask]')") from err
        self._cluster = None
        self._futures: list[Any] = []
        try:
            if scheduler:
                self._client = distributed.Client(scheduler, timeout="20s")
            else:
                self._cluster = distributed.LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR)
                self._client = distributed.Client(self._cluster)
        except (OSError, TimeoutError) as err:
            if self._cluster is not None:
                self._cluster.close()
            raise ConfigError("scheduler", f"cannot reach a Dask scheduler at {scheduler}: "
                                           f"{err}") from err
        # Brian2 must be imported in a worker's main thread, not in the task's thread;
        # dask_worker needs distributed, an optional dependency
        from .dask_worker import PLUGIN_NAME, SimulatorSetup

        try:
            self._client.register_plugin(SimulatorSetup(), name=PLUGIN_NAME)
        except BaseException:
            self.close()
            raise
        name = f"neurotoolkit-sweep-{uuid.uuid4().hex}"
        self._queue = distributed.Queue(name, client=self._client)
        self._reporter = DaskReporter(name)

    @property
    def client(self) -> Any:
        """The ``distributed.Client``."""
        return self._client

    def submit(self, task: Task) -> Any:
        """Submit ``task`` to the cluster; a ``distributed.Future`` of its outcomes."""
        future = self._client.submit(run_task, task, self._reporter, pure=False,
                                     key=f"neurotoolkit-{task.points[0][0]}-{uuid.uuid4().hex[:8]}")
        self._futures.append(future)
        return future

    def messages(self, timeout: float) -> list[dict[str, Any]]:
        """Outcomes reported by workers, waiting up to ``timeout`` seconds for the first."""
        # (a blocking get with a timeout makes the scheduler log every timeout
        # as an error, so poll the size instead)
        size = self._queue.qsize()
        if not size:
            time.sleep(timeout)
            size = self._queue.qsize()
        return list(self._queue.get(batch=size)) if size else []

    def close(self, interrupted: bool = False) -> None:
        """Cancel what is left when interrupted; close the client (and the LocalCluster)."""
        try:
            if interrupted and self._futures:
                self._client.cancel(self._futures, force=True)
        finally:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()


def make_executor(kind: str, *, workers: int | None = None, scheduler: str | None = None
                  ) -> LocalExecutor | DaskExecutor:
    """The executor ``kind`` (``"local"`` or ``"dask"``).

    Raises
    ------
    ConfigError
        For an unknown kind, a worker count below 1, ``scheduler`` without
        dask, or a scheduler that cannot be reached.
    """
    if workers is not None and workers < 1:
        raise ConfigError("workers", f"must be at least 1, got {workers}")
    workers = workers or available_cores()
    if kind == "local":
        if scheduler:
            raise ConfigError("scheduler", "a scheduler address needs --executor dask")
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    raise ConfigError("executor", f"unknown executor {kind!r} (choose local or dask)")
