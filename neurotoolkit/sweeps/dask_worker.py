"""Prepare a Dask worker process for spiking points, before any task runs on it.

``import brian2`` installs a SIGINT handler, which Python allows only in the
main thread of a process, and a Dask worker runs its tasks in a thread pool:
the first spiking point imported Brian2 there and failed with ``ValueError:
signal only works in main thread``.  A worker runs its event loop in its
process's main thread, and a :class:`~distributed.WorkerPlugin`'s ``setup``
runs on that loop, so :class:`SimulatorSetup` imports Brian2 there, once per
worker process, before the worker takes a task.  The sweep registers it on
every worker it reaches, present and future (a LocalCluster or a running
scheduler alike); a cluster can also load it at start with::

    dask worker tcp://head:8786 --nthreads 1 --preload neurotoolkit.sweeps.dask_worker

The rest of Brian2's process state is handled as on a local worker: one
point at a time per process (:data:`neurotoolkit.sweeps.worker` holds a
process lock, so a worker with several threads queues them), the device
reset by each run, Cython's compiled-code cache in the user's cache folder
(Brian2 locks it between processes) and standalone builds under one lock per
network structure (:func:`~neurotoolkit.protocols.devices.build_lock`).

This module imports ``distributed``; only the Dask executor and Dask
workers import it.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from distributed import WorkerPlugin

from .worker import THREAD_VARIABLES

__all__ = ["SimulatorSetup", "PLUGIN_NAME", "prepare_process", "dask_setup"]

#: Name under which the sweep registers :class:`SimulatorSetup` (once per cluster).
PLUGIN_NAME = "neurotoolkit-simulator-setup"


def prepare_process(threads: int = 1) -> None:
    """Limit math-library threads and import Brian2, in this process's main thread.

    Raises
    ------
    RuntimeError
        When called from another thread (Brian2's import would fail there).
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("Brian2 must be imported in the main thread of a worker process")
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, str(threads))
    import brian2  # noqa: F401 - installs its SIGINT handler here, in the main thread


class SimulatorSetup(WorkerPlugin):
    """Import Brian2 in each worker's main thread when the worker joins the sweep.

    Parameters
    ----------
    threads : int
        Threads for numpy's math libraries in the worker (one simulation per
        process; more threads on shared cores only slow it down).
    """

    name = PLUGIN_NAME

    def __init__(self, threads: int = 1):
        self.threads = threads

    def setup(self, worker: Any) -> None:
        """Run on the worker's event loop (its main thread) before tasks are taken."""
        prepare_process(self.threads)


def dask_setup(worker: Any) -> None:
    """Hook of ``dask worker --preload neurotoolkit.sweeps.dask_worker``."""
    prepare_process()
