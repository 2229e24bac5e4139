"""Choosing the Brian2 device for one run, and leaving Brian2 as it was found.

``runtime`` generates code per object (Cython, or numpy for quick tests);
``cpp_standalone`` generates one C++ program for the whole run, compiles it
and runs it, which is much faster for long simulations.  ``auto`` (the
default of every command) picks between them with :func:`choose_device`.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sysconfig
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["brian_device", "finish_device", "standalone_build_root", "build_lock",
           "DeviceChoice", "choose_device", "compiler_available", "simulated_steps",
           "AUTO_MIN_STEPS", "release_build_copies"]

#: ``auto`` compiles a standalone program when one run simulates at least
#: this many time steps.  The runtime device pays Python's overhead at every
#: step of every code object (about 0.3 ms a step for the CA3 circuit, whatever
#: its size, measured on 2 cores), a first standalone build about 40-60 s of
#: compilation (later runs of the same structure reuse it): from about 200,000
#: steps (20 s simulated at 0.1 ms) on, the compiled program finishes first.
AUTO_MIN_STEPS = 200_000

#: Experiments whose length :func:`simulated_steps` estimates (the CA3 circuit's).
_SIZED_EXPERIMENTS = ("consolidation", "convergence")


@dataclass(frozen=True)
class DeviceChoice:
    """The Brian2 device a run uses, and why (printed, and kept in provenance).

    Attributes
    ----------
    device : {"runtime", "cpp_standalone"}
    requested : {"auto", "runtime", "cpp_standalone"}
    reason : str
        One line, e.g. ``"auto: C++ compiler found, 1,137,500 time steps"``.
    """

    device: str
    requested: str
    reason: str

    def describe(self) -> str:
        """The line printed before a run: ``device: cpp_standalone (auto: ...)``."""
        return f"device: {self.device} ({self.reason})"


@functools.cache
def compiler_available() -> bool:
    """Whether a C++ compiler builds and links a program here (checked once per process).

    Uses the compiler Python was built with (``sysconfig``'s ``CXX``, as
    Brian2 does), else ``c++``/``g++``; compiles a two-line program into a
    temporary folder.
    """
    candidates = [(sysconfig.get_config_var("CXX") or "").split(), ["c++"], ["g++"]]
    with tempfile.TemporaryDirectory(prefix="neurotoolkit-cxx-") as folder:
        source = Path(folder) / "probe.cpp"
        source.write_text("#include <vector>\nint main() { std::vector<int> v(1); return v[0]; }\n")
        for command in candidates:
            if not command or shutil.which(command[0]) is None:
                continue
            try:
                done = subprocess.run([*command, str(source), "-o", str(Path(folder) / "probe")],
                                      capture_output=True, timeout=60)
            except (OSError, subprocess.SubprocessError):
                continue
            if done.returncode == 0:
                return True
    return False


def simulated_steps(config: Any, experiment: str = "consolidation") -> int:
    """Time steps one program of a spiking run of ``config`` simulates.

    Exploration and rest; for the ``convergence`` experiment, one seed's laps
    and the rest after each checkpoint (each seed is its own program).
    """
    from ..config import magnitude

    seconds = config.online_duration_s + config.offline_duration_s
    if experiment == "convergence":
        plan = config.convergence
        seconds = (max(plan.laps) * config.track.lap_duration_s
                   + len(plan.laps) * magnitude(plan.rest, "s"))
    return int(round(seconds / magnitude(config.simulation.dt, "s")))


def choose_device(requested: str, config: Any = None, level: str = "lif",
                  experiment: str = "consolidation") -> DeviceChoice:
    """Resolve ``"auto"`` to a Brian2 device; pass a named device through.

    ``auto`` gives ``cpp_standalone`` when a working C++ compiler is found
    (:func:`compiler_available`) and the run is long enough to pay for a
    build (:data:`AUTO_MIN_STEPS`), ``runtime`` otherwise.  The binary
    level runs in numpy and has no device (``runtime`` is recorded).

    Parameters
    ----------
    requested : {"auto", "runtime", "cpp_standalone"}
    config : SpikingConfig, optional
        The run's configuration (its length decides ``auto``).
    level : str
        Level of abstraction.
    experiment : str
        The experiment (the convergence experiment runs one program per seed).

    Raises
    ------
    ValueError
        If ``requested`` is none of the three.
    """
    if requested in ("runtime", "cpp_standalone"):
        return DeviceChoice(requested, requested, "as requested")
    if requested != "auto":
        raise ValueError(f"unknown device {requested!r}")
    if level == "binary":
        return DeviceChoice("runtime", "auto", "auto: the binary level runs in numpy")
    if config is None or experiment not in _SIZED_EXPERIMENTS:  # e-prop: no size estimate
        return DeviceChoice("runtime", "auto", "auto: no size estimate for this experiment")
    steps = simulated_steps(config, experiment)
    if steps < AUTO_MIN_STEPS:  # decided before probing the compiler (which compiles)
        return DeviceChoice("runtime", "auto", f"auto: {steps:,} time steps, too short to "
                                               f"pay for a compiled build")
    if not compiler_available():
        return DeviceChoice("runtime", "auto", "auto: no working C++ compiler found")
    return DeviceChoice("cpp_standalone", "auto",
                        f"auto: C++ compiler found, {steps:,} time steps")


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (``fcntl.flock``; a no-op where there is none).

    Two processes that would build the same standalone structure into the
    same cache folder take turns: the second finds the program compiled
    instead of writing sources over the first one's build (which breaks its
    link step).  The kernel releases the lock of a process that dies.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def standalone_build_root() -> Path:
    """Where standalone projects are built (``$NEUROTOOLKIT_BUILD_DIR`` or a user cache)."""
    root = os.environ.get("NEUROTOOLKIT_BUILD_DIR")
    if root:
        return Path(root)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(cache) / "neurotoolkit" / "standalone"


@contextmanager
def brian_device(device: str, *, seed: int, dt: Any, target: str = "cython",
                 build_dir: str | os.PathLike | None = None) -> Iterator[dict[str, Any]]:
    """Activate ``device`` for the duration of a run, seeded.

    Parameters
    ----------
    device : {"runtime", "cpp_standalone"}
        Brian2 device.
    seed : int
        Passed to ``brian2.seed`` before any object is created.
    dt : Quantity
        Default clock step for the run.
    target : {"cython", "numpy"}
        Code-generation target of the runtime device.
    build_dir : path, optional
        Standalone project folder (a fresh temporary one by default).

    Yields
    ------
    dict
        ``{"device": name, "build_dir": Path or None}``; after the network has
        run, call :func:`finish_device` with it.
    """
    import brian2

    previous_target = brian2.prefs.codegen.target
    previous_dt = brian2.defaultclock.dt
    previous_make = list(brian2.prefs.devices.cpp_standalone.extra_make_args_unix)
    info: dict[str, Any] = {"device": device, "build_dir": None, "built": False}
    temporary = None
    try:
        if device == "runtime":
            brian2.set_device("runtime")
            brian2.prefs.codegen.target = target
        elif device == "cpp_standalone":
            if build_dir is None:
                standalone_build_root().mkdir(parents=True, exist_ok=True)
                temporary = tempfile.mkdtemp(prefix="run-", dir=standalone_build_root())
                build_dir = temporary
            info["build_dir"] = Path(build_dir)
            brian2.set_device("cpp_standalone", directory=str(build_dir), build_on_run=False)
            # Brian2's default "make -j" starts one compiler per file at once,
            # which can exhaust memory; use one job per core instead.  "-s":
            # make prints errors and warnings, not every compiler command
            brian2.prefs.devices.cpp_standalone.extra_make_args_unix = [
                f"-j{os.cpu_count() or 1}", "-s"]
        else:
            raise ValueError(f"unknown device {device!r}")
        brian2.defaultclock.dt = dt
        brian2.seed(seed)
        yield info
    finally:
        if device == "cpp_standalone":
            brian2.device.reinit()
            brian2.set_device("runtime")
        brian2.prefs.codegen.target = previous_target
        brian2.prefs.devices.cpp_standalone.extra_make_args_unix = previous_make
        brian2.defaultclock.dt = previous_dt
        if temporary is not None:
            import shutil

            shutil.rmtree(temporary, ignore_errors=True)


def finish_device(info: dict[str, Any], quiet: bool = True) -> None:
    """Compile and run a standalone project (no-op for runtime); progress unless ``quiet``."""
    if info["device"] != "cpp_standalone" or info["built"]:
        return
    import brian2

    from .progress import standalone_progress

    with standalone_progress(not quiet):
        brian2.device.build(directory=str(info["build_dir"]), compile=True, run=True,
                            with_output=not quiet)
    info["built"] = True


#: Arrays smaller than this stay in memory after a build (not worth a disk read).
_RELEASE_MIN_BYTES = 1 << 20


def release_build_copies(min_bytes: int = _RELEASE_MIN_BYTES) -> int:
    """Free the Python copies of large arrays that a standalone build has written out.

    Brian2's standalone device keeps, after ``device.build``, a copy of every
    array it wrote into the project (connectivity given as index arrays,
    initial values) and a cache of array values, up to four copies of each
    connection list (about 250 MB for the 8 million E->E synapses of the
    paper-scale circuit).  The program reads its own files and values read
    back after a run come from its results, so the copies only cost memory
    while the program runs beside this process.  Call between ``build`` and
    ``run``.

    Returns
    -------
    int
        Bytes released (before the allocator hands them back to the system).
    """
    import gc

    import brian2

    device = brian2.get_device()
    released = 0
    static = getattr(device, "static_arrays", {})
    for name, values in list(static.items()):  # names stay: Brian2 deletes files by them
        if values.nbytes >= min_bytes:
            released += values.nbytes
            static[name] = values[:0]
    cache = getattr(device, "array_cache", {})
    for variable, values in list(cache.items()):
        if values is not None and values.nbytes >= min_bytes:
            released += values.nbytes
            cache[variable] = None  # read from the program's results when asked
    gc.collect()
    _trim_heap()
    return released


def _trim_heap() -> None:
    """Ask glibc to hand freed heap memory back to the system (no-op elsewhere)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
