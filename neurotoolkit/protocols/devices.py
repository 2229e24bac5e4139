"""Choosing the Brian2 device for one run, and leaving Brian2 as it was found.

``runtime`` generates code per object (Cython, or numpy for quick tests);
``cpp_standalone`` generates one C++ program for the whole run, compiles it
and runs it, which is much faster for long simulations.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["brian_device", "finish_device", "standalone_build_root", "build_lock"]


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
            # which can exhaust memory; use one job per core instead
            brian2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
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
    """Compile and run a standalone project (no-op for runtime)."""
    if info["device"] != "cpp_standalone" or info["built"]:
        return
    import brian2

    brian2.device.build(directory=str(info["build_dir"]), compile=True, run=True,
                        with_output=not quiet)
    info["built"] = True
