"""Run directories, atomic writes and provenance.

A run writes one directory::

    OUT/
      config.toml        the resolved configuration (every key, units as text)
      metrics.json       the run's numbers
      recording.npz      the Recording (spikes, labels, weights, phases)
      figure.png/.pdf    the run's figure(s)
      provenance.json    versions, git commit, seed, device, command, wall time

Each file is written under a temporary name and renamed, so a killed run
never leaves a half-written file; the directory itself is assembled under
``OUT.partial`` and renamed into place only when the run has finished.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, BinaryIO

__all__ = [
    "atomic_writer",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "to_toml",
    "json_ready",
    "read_metrics",
    "table_column",
    "provenance",
    "run_directory",
    "RUN_MARKER",
    "OutputError",
    "resolve_output",
    "check_output",
    "mark_run_folder",
    "output_lock",
]


def _umask() -> int:
    """The process's file-creation mask (read without changing it where /proc has it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, then put it back
    os.umask(mask)
    return mask


@contextmanager
def atomic_writer(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file handle whose content appears at ``path`` only when the block ends.

    The data go to a temporary file beside ``path``, flushed to disk and
    renamed over ``path``; on an exception the temporary file is removed and
    ``path`` is untouched.  The file gets the mode an ordinary ``open`` would
    give (``0666`` less the umask), not the ``0600`` of a temporary file, so
    a run directory on a shared filesystem is readable as the user intends.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    with atomic_writer(path) as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def json_ready(value: Any) -> Any:
    """Convert numpy scalars/arrays and non-finite floats to JSON-safe values.

    ``nan`` and ``inf`` become ``None`` (JSON has no such numbers), so a metric
    that could not be computed reads as ``null``, never as a fake number.
    """
    import numpy as np  # here, so that importing io stays light

    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def atomic_write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically (non-finite floats as null)."""
    return atomic_write_text(path, json.dumps(json_ready(data), indent=2, sort_keys=True) + "\n")


def table_column(rows: Sequence[Mapping[str, str]], key: str) -> Any:
    """One column of CSV rows (as read by :class:`csv.DictReader`) as floats.

    Missing or non-numeric entries become ``nan``.

    Returns
    -------
    ndarray of float
    """
    import numpy as np  # io stays numpy-free at import (sweep workers set threads first)

    values = []
    for row in rows:
        try:
            values.append(float(row.get(key)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            values.append(math.nan)
    return np.array(values, dtype=float)


def read_metrics(path: str | os.PathLike) -> dict[str, Any]:
    """Read a run's ``metrics.json`` (``null`` becomes ``nan``).

    ``path`` may be the run directory or the file itself.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "metrics.json"
    if not path.exists():
        raise FileNotFoundError(f"no metrics file at {path}")
    data = json.loads(path.read_text())
    return {k: (math.nan if v is None else v) for k, v in data.items()}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def to_toml(data: Mapping[str, Any]) -> str:
    """Write a nested dictionary of plain values (a resolved config) as TOML."""
    lines: list[str] = []

    def emit(table: Mapping[str, Any], prefix: str) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
        tables = {k: v for k, v in table.items() if isinstance(v, Mapping)}
        if prefix and scalars:
            lines.append(f"\n[{prefix}]")
        for key, value in scalars.items():
            lines.append(f"{key} = {_toml_value(value)}")
        for key, value in tables.items():
            emit(value, f"{prefix}.{key}" if prefix else key)

    emit(data, "")
    return "\n".join(lines).lstrip("\n") + "\n"


def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _version(package: str) -> str | None:
    try:
        return importlib_metadata.version(package)
    except importlib_metadata.PackageNotFoundError:
        return None


def provenance(**extra: Any) -> dict[str, Any]:
    """Versions, git commit, platform and time of a run, plus ``extra`` fields."""
    packages = ["neurotoolkit", "brian2", "dendrify", "numpy", "scipy", "matplotlib", "cython"]
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {p: _version(p) for p in packages},
        "git_commit": _git_commit(),
        "command": sys.argv,
        **extra,
    }


#: File that marks a folder as written by neurotoolkit (``--overwrite`` replaces only those).
RUN_MARKER = ".neurotoolkit-run"


class OutputError(OSError):
    """An output folder cannot be used (exists, is a file, not writable, locked)."""


def resolve_output(out: str | os.PathLike) -> Path:
    """``out`` as an absolute path with ``~``, ``.`` and ``..`` resolved.

    ``runs/x/..`` is ``runs``, so the folder that would be written (and, with
    ``--overwrite``, replaced) is the one named in every message.
    """
    return Path(os.path.expanduser(os.fspath(out))).resolve()


def check_output(out: str | os.PathLike, *, overwrite: bool = False,
                 existing_ok: bool = False) -> Path:
    """Check, before any work, that ``out`` can be written; return it resolved.

    Parameters
    ----------
    out : path
        The output folder.
    overwrite : bool
        An existing ``out`` may be replaced, if neurotoolkit wrote it (it holds
        the :data:`RUN_MARKER` file).
    existing_ok : bool
        An existing folder is written into (a sweep that resumes).

    Raises
    ------
    OutputError
        If ``out`` is a file, lies under a file, has no writable existing
        parent, exists (without ``overwrite`` or ``existing_ok``), or would be
        replaced but is not a folder that neurotoolkit wrote.
    """
    out = resolve_output(out)
    given = out  # messages name the folder that would be written, ``..`` resolved
    if out == Path(out.anchor):
        raise OutputError(f"{given}: the root folder cannot be an output folder")
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise OutputError(f"{given}: exists and is not a folder")
        if existing_ok:
            _check_writable(out, given)
            return out
        if not overwrite:
            raise OutputError(f"{given} exists already; choose another --out or pass "
                              f"--overwrite")
        if not (out / RUN_MARKER).is_file():
            raise OutputError(f"{given}: not a folder written by neurotoolkit (no {RUN_MARKER} "
                              f"file), so --overwrite will not replace it; remove it yourself "
                              f"or choose another --out")
        _check_writable(out.parent, given)
        return out
    ancestor = out.parent
    while not ancestor.exists():
        if ancestor.is_symlink():
            raise OutputError(f"{given}: {ancestor} is a broken link")
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{given}: {ancestor} is a file, not a folder")
    _check_writable(ancestor, given)
    return out


def _check_writable(folder: Path, given: Any) -> None:
    """Create and remove a file in ``folder`` (permissions, read-only or full filesystems)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".neurotoolkit-probe-", dir=folder)
    except OSError as err:
        raise OutputError(f"{given}: cannot write into {folder} "
                          f"({err.strerror or type(err).__name__})") from None
    os.close(fd)
    os.unlink(probe)


def mark_run_folder(folder: str | os.PathLike, kind: str = "run") -> None:
    """Write the :data:`RUN_MARKER` file that lets ``--overwrite`` replace ``folder``."""
    atomic_write_text(Path(folder) / RUN_MARKER,
                      json.dumps({"written_by": "neurotoolkit", "kind": kind}) + "\n")


def _process_start(pid: int) -> str | None:
    """Start time of process ``pid`` (clock ticks since boot; ``None`` if unknown)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, start: str | None) -> bool:
    """Whether the process that wrote a lock still runs (and is the same process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    now = _process_start(pid)
    return start is None or now is None or now == start  # a reused pid is another process


@contextmanager
def output_lock(out: str | os.PathLike) -> Iterator[None]:
    """Hold ``.OUT.lock`` beside ``out`` while writing it; refuse a second writer at once.

    The lock file holds the owner's host, pid and process start time; a lock
    whose owner on this host has died (``kill -9``, a crash) is stale and is
    taken over.  A lock from another host is respected (remove it by hand if
    that host is gone).

    Raises
    ------
    OutputError
        If another live process holds the lock.
    """
    out = resolve_output(out)
    lock = out.parent / f".{out.name}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    me = {"host": platform.node(), "pid": os.getpid(), "start": _process_start(os.getpid())}
    for _ in range(10):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            try:
                owner = json.loads(lock.read_text())
                host, pid = owner["host"], int(owner["pid"])
            except FileNotFoundError:
                continue  # released meanwhile
            except (OSError, ValueError, KeyError, TypeError):
                owner, host, pid = {}, me["host"], -1  # unreadable: a writer died mid-write
            if host != me["host"] or (pid > 0 and _alive(pid, owner.get("start"))):
                where = "" if host == me["host"] else f" on {host}"
                raise OutputError(f"{out} is being written by another neurotoolkit process "
                                  f"(pid {pid}{where}); wait for it or choose another --out "
                                  f"(lock {lock})") from None
            stale = lock.with_name(f"{lock.name}.stale-{os.getpid()}")
            with suppress(OSError):  # only one process moves a stale lock away
                os.replace(lock, stale)
                stale.unlink()
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(me))
        break
    else:
        raise OutputError(f"could not take the lock {lock}")
    try:
        yield
    finally:
        with suppress(OSError):
            lock.unlink()


@contextmanager
def run_directory(out: str | os.PathLike, *, overwrite: bool = False,
                  exclusive: bool = True) -> Iterator[Path]:
    """Assemble a run directory under ``OUT.partial``; rename it to ``OUT`` on success.

    ``OUT`` is locked for the whole run (a second writer is refused at once),
    checked before anything runs (:func:`check_output`) and marked as written
    by neurotoolkit (:data:`RUN_MARKER`).  On an exception the partial
    directory is removed, so a failed run leaves no directory behind, unless
    the experiment had saved work in it (an experiment of several seeds
    writes its finished seeds as it goes): then it is kept as
    ``OUT.incomplete`` (replacing an older one) and a warning says so.  If
    ``OUT`` exists it is an error unless ``overwrite`` is true and ``OUT`` is
    a run directory, in which case it is replaced only after the new run has
    finished.  ``exclusive=False`` skips the lock, for a caller that holds
    a lock on a folder above (a sweep writing its points).

    Raises
    ------
    OutputError
        If ``OUT`` cannot be written or replaced (see :func:`check_output`),
        or another process is writing it.
    """
    given = out
    out = check_output(out, overwrite=overwrite)
    with output_lock(out) if exclusive else nullcontext():
        check_output(given, overwrite=overwrite)  # again, now that no one else writes
        partial = out.with_name(out.name + ".partial")
        if partial.exists():  # left by a run that died: nobody holds the lock
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        try:
            mark_run_folder(partial)
            yield partial
            _move_into_place(partial, out)
        except BaseException:
            _keep_saved_work(partial, out)
            raise


def _keep_saved_work(partial: Path, out: Path) -> None:
    """After a failure: keep ``partial`` as ``OUT.incomplete`` if it holds saved work, else remove it."""
    saved = [p for p in partial.iterdir() if p.name != RUN_MARKER] if partial.is_dir() else []
    if not saved:
        shutil.rmtree(partial, ignore_errors=True)
        return
    kept = out.with_name(out.name + ".incomplete")
    try:
        if kept.exists():
            shutil.rmtree(kept)
        os.replace(partial, kept)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        return
    warnings.warn(f"the run failed; the work it had saved ({', '.join(sorted(p.name for p in saved))}) "
                  f"is kept in {kept}", RuntimeWarning, stacklevel=3)


def _move_into_place(partial: Path, out: Path) -> None:
    """Rename ``partial`` to ``out``, replacing an earlier ``out`` only once this worked."""
    if not out.exists():
        os.replace(partial, out)
        return
    old = out.with_name(f".{out.name}.replaced-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(partial, out)
    except BaseException:
        os.replace(old, out)  # the earlier run stays as it was
        raise
    shutil.rmtree(old, ignore_errors=True)
