"""Compile a circuit once as a C++ standalone program; rerun it with new parameters.

A ``cpp_standalone`` build costs tens of seconds of compilation; its runs are
fast.  Two configurations that differ only in values the circuit keeps as
``(shared, constant)`` variables (weights, gains, learning-rule and cell
parameters, the pathway set; see
:func:`neurotoolkit.circuits.ca3.parameter_values`) share one program: the
second run passes the new values as ``run_args`` into its own results folder.
Everything else (sizes, seed, cue placement, track, durations, equations) is
*structure* and needs its own build, cached under a hash of the structure.

::

    sim = StandaloneSimulation(config, level="lif", seed=1)
    out_a = sim.run(config)                                   # first run
    out_b = sim.run(config.with_overrides({"offline.recurrent_gain": 0.5}))
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..circuits.ca3 import learning_code_pathways, parameter_values
from ..config import ConfigError, flatten_dotted
from ..processes import end_with_parent
from .checkpoints import LapCheckpoints
from .devices import brian_device, build_lock, release_build_copies, standalone_build_root
from .exploration import (
    build_circuit,
    cell_models,
    collect_output,
    make_world_inputs,
    phase_gains,
    run_network,
)
from .progress import standalone_progress
from .settings import SpikingConfig
from .simulation import RandomStreams

__all__ = ["RUNTIME_KEYS", "structure_key", "canonical_config", "StandaloneSimulation",
           "can_run_side_by_side", "side_by_side"]

#: Config keys whose values reach the circuit only as (shared, constant)
#: variables: changing them reuses a standalone build.  A trailing "." means
#: every key below; ``*.model`` and ``*.rule`` change equations, so they stay
#: structural.
RUNTIME_KEYS = (
    "online.recurrent_gain", "offline.recurrent_gain", "plasticity.pathways",
    "plasticity.ee.", "plasticity.ie.", "plasticity.ei.", "network.weights.",
    "network.ee_depression.",
    "pyramidal.", "interneuron.",
)
_STRUCTURAL_INSIDE = ("pyramidal.model", "interneuron.model", "plasticity.ee.rule",
                      "plasticity.ie.rule", "plasticity.ei.rule")
#: Keys that never reach the simulation (the convergence plan's laps and rest
#: reach it through the checkpoints).
_NOT_SIMULATED = ("analysis.", "convergence.")


_UTILISATION = "network.ee_depression.utilisation"
#: The utilisation a build with depression is made with (its run_args set the real one).
_CANONICAL_UTILISATION = 0.5


def _is_runtime(key: str) -> bool:
    if key in _STRUCTURAL_INSIDE:
        return False
    return any(key == k or (k.endswith(".") and key.startswith(k)) for k in RUNTIME_KEYS)


def structure_key(config: SpikingConfig, level: str, seed: int,
                  checkpoints: LapCheckpoints | None = None) -> str:
    """Hash of everything that needs a new standalone build (not the runtime values)."""
    flat = flatten_dotted(config.to_dict())
    structural = {k: v for k, v in flat.items()
                  if not _is_runtime(k) and not k.startswith(_NOT_SIMULATED)}
    if config.online.mode == "teacher_forced":  # online gains are all zero then
        structural.pop("online.recurrent_gain", None)
    # depression with U = 0 is left out of the equations (ShortTermDepression.enabled),
    # and so is the learning code of a pathway that cannot learn (learning_code_pathways)
    structural["network.ee_depression.enabled"] = config.network.ee_depression.enabled
    structural["plasticity.learning_code"] = list(learning_code_pathways(config.plasticity))
    plan = None if checkpoints is None else [list(checkpoints.laps), checkpoints.lap_s,
                                             checkpoints.rest_s]
    payload = json.dumps({"level": level, "seed": seed, "config": structural,
                          **({"checkpoints": plan} if plan else {})}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def canonical_config(config: SpikingConfig) -> SpikingConfig:
    """``config`` with every run-time value at its default; the structure unchanged.

    The generated ``main.cpp`` holds the values a program is built with (it
    sets them before a run's ``run_args`` replace them), so building every
    configuration of one structure from this canonical one gives the same
    source files: a cached build of the structure is then reused without
    recompiling anything.  Falls back to ``config`` if the defaults do not
    validate together with its structure.
    """
    defaults = flatten_dotted(type(config)().to_dict())
    current = flatten_dotted(config.to_dict())
    changes = {k: defaults[k] for k, v in current.items()
               if _is_runtime(k) and k in defaults and v != defaults[k]}
    # keep what the values decide of the equations (see structure_key)
    if config.network.ee_depression.enabled:
        changes[_UTILISATION] = _CANONICAL_UTILISATION
    if "plasticity.pathways" in changes and (
            learning_code_pathways(config.plasticity)
            != learning_code_pathways(type(config.plasticity)())):
        del changes["plasticity.pathways"]
    changes = {k: v for k, v in changes.items() if current.get(k) != v}
    if not changes:
        return config
    try:
        canonical = config.with_overrides(changes)
    except ConfigError:
        return config
    return canonical


class StandaloneSimulation:
    """One compiled standalone program of a circuit, rerun with new parameter values.

    Parameters
    ----------
    config : SpikingConfig
        The configuration that fixes the structure (and the first run's values).
    level : {"lif", "dendritic"}
    seed : int
    build_dir : path, optional
        Project folder (default: ``<cache>/<structure hash>``, reused by later
        sessions with the same structure, so ``make`` recompiles nothing).
    quiet : bool
        Hide compiler and progress output.

    Notes
    -----
    The Brian2 device is process-global: while a StandaloneSimulation is in
    use, run no other Brian2 code in the same process; call :meth:`close`
    when done (also done on garbage collection of the context manager).
    From the build to :meth:`close` the simulation holds a lock on its build
    folder (``<build folder>.lock``): another process with the same
    structure waits, then reuses the compiled program, rather than writing
    its sources or results into a build in use.
    """

    def __init__(self, config: SpikingConfig, *, level: str = "lif", seed: int = 1,
                 build_dir: str | Path | None = None, quiet: bool = True,
                 checkpoints: LapCheckpoints | None = None):
        from brian2 import Network, device

        self.level, self.seed, self.quiet = level, seed, quiet
        self.checkpoints = checkpoints
        self.key = structure_key(config, level, seed, checkpoints)
        self.build_dir = Path(build_dir) if build_dir else standalone_build_root() / self.key
        self._config = config
        self._runs = 0
        self._context = None
        self._lock = build_lock(self.build_dir.with_name(self.build_dir.name + ".lock"))
        self._lock.__enter__()
        try:
            # Brian2 names code objects after the live objects: collect the
            # circuits of earlier simulations first, so that this build's
            # sources carry the same names as a cached build of the structure
            # (otherwise a rerun in the same process recompiles everything)
            gc.collect()
            streams = RandomStreams.from_seed(seed)
            self.world = make_world_inputs(config, streams)
            sim = config.simulation
            self._context = brian_device("cpp_standalone", seed=seed, dt=sim.dt,
                                         build_dir=self.build_dir)
            self._context.__enter__()
            started = time.perf_counter()
            # values are run_args of every run; build with canonical ones so that
            # the sources (and a cached build) do not depend on them
            built = canonical_config(config)
            self.circuit = build_circuit(built, level, seed, self.world, streams, checkpoints)
            network = Network(*self.circuit.objects(), name="ca3")
            run_network(network, self.circuit, built, checkpoints, device="cpp_standalone")
            device.build(directory=str(self.build_dir), compile=True, run=False,
                         with_output=not quiet)
            release_build_copies()
            self.build_s = time.perf_counter() - started
        except BaseException:
            self.close()
            raise

    def _values(self, config: SpikingConfig) -> dict[tuple[str, str], Any]:
        from brian2 import second

        if structure_key(config, self.level, self.seed, self.checkpoints) != self.key:
            raise ConfigError("", "this configuration differs from the built one in its "
                                  "structure (sizes, seed, track, cue, durations or "
                                  "equations); build a new StandaloneSimulation")
        pyramidal_model, interneuron_model = cell_models(config, self.level)
        # with checkpoints, exploration never ends by itself (LapCheckpoints.run)
        t_offline = None if self.checkpoints else config.online_duration_s * second
        return parameter_values(config.network, config.plasticity, pyramidal_model,
                                interneuron_model, phase_gains(config), t_offline)

    def run(self, config: SpikingConfig | None = None,
            results_dir: str | Path | None = None) -> Any:
        """Run the program with ``config``'s values; return a SimulationOutput.

        Parameters
        ----------
        config : SpikingConfig, optional
            Same structure as the built one (default: the built one).
        results_dir : path, optional
            Where this run's results go (default ``results_<k>`` in the build
            folder; a relative path is taken inside the build folder).
        """
        from brian2 import device

        config = config or self._config
        run_args = self.circuit.run_args(self._values(config))
        self._runs += 1
        results = results_dir or f"results_{self._runs}"
        if Path(results).is_absolute():  # Brian2 wants it relative to the project
            results = os.path.relpath(results, self.build_dir)
        started = time.perf_counter()
        label = Path(results).name.removeprefix("results_")
        label = "" if label.isdigit() else label
        with standalone_progress(not self.quiet, label=label):
            device.run(directory=str(self.build_dir), results_directory=str(results),
                       with_output=not self.quiet, run_args=run_args)
        return collect_output(self.circuit, self.world, config, time.perf_counter() - started,
                              str(self.build_dir), self.checkpoints)

    def close(self) -> None:
        """Give the Brian2 device back (runtime device, defaults restored); unlock the build."""
        try:
            if self._context is not None:
                self._context.__exit__(None, None, None)
                self._context = None
        finally:
            if self._lock is not None:
                self._lock.__exit__(None, None, None)
                self._lock = None

    def __enter__(self) -> StandaloneSimulation:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def can_run_side_by_side() -> bool:
    """Whether :func:`side_by_side` forks (Linux, two cores or more)."""
    import multiprocessing

    return (sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1
            and "fork" in multiprocessing.get_all_start_methods())


def side_by_side(tasks: Sequence[Callable[[], Any]]) -> list[Any]:
    """Call each task and return their results, in forked processes side by side.

    Meant for runs of one compiled :class:`StandaloneSimulation` with
    different run-time values: each child inherits the built Brian2 device
    and runs the program in its own results folder (give each task its own
    ``results_dir``), so a task gives the same result as when called in this
    process.  At most one process per core at a time; results must pickle.
    Runs the tasks one after the other where forking is not available.

    Raises
    ------
    RuntimeError
        If a task raised (its traceback is in the message) or its process died.
    """
    import multiprocessing
    import queue as queue_module
    import traceback

    if len(tasks) < 2 or not can_run_side_by_side():
        return [task() for task in tasks]
    context = multiprocessing.get_context("fork")
    results: dict[int, Any] = {}
    errors: list[str] = []
    width = os.cpu_count() or 1
    parent = os.getpid()
    for first in range(0, len(tasks), width):
        batch = range(first, min(first + width, len(tasks)))
        channel = context.Queue()

        def child(index: int, channel: Any = channel) -> None:  # this batch's queue
            from threadpoolctl import threadpool_limits

            end_with_parent(parent)  # no orphan left running if this process is killed
            try:  # one process per core: one BLAS thread each
                with threadpool_limits(limits=1):
                    channel.put((index, tasks[index](), None))
            except BaseException:  # noqa: BLE001 - reported to the parent
                channel.put((index, None, traceback.format_exc()))

        processes = {index: context.Process(target=child, args=(index,)) for index in batch}
        for process in processes.values():
            process.start()
        pending = set(batch)
        while pending:
            try:
                index, value, error = channel.get(timeout=2.0)
            except queue_module.Empty:
                if any(p.is_alive() for p in processes.values()):
                    continue
                try:  # every child has ended: read what is left in the pipe
                    index, value, error = channel.get(timeout=2.0)
                except queue_module.Empty:
                    break
            pending.discard(index)
            if error:
                errors.append(f"task {index}:\n{error}")
            else:
                results[index] = value
        for index, process in processes.items():
            process.join()
            if index in pending:
                errors.append(f"task {index}: its process ended with status {process.exitcode}")
    if errors:
        raise RuntimeError("side-by-side runs failed\n" + "\n".join(errors))
    return [results[index] for index in range(len(tasks))]
