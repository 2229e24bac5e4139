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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "to_toml",
    "json_ready",
    "read_metrics",
    "provenance",
    "run_directory",
]


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def json_ready(value: Any) -> Any:
    """Convert numpy scalars/arrays and non-finite floats to JSON-safe values.

    ``nan`` and ``inf`` become ``None`` (JSON has no such numbers), so a metric
    that could not be computed reads as ``null``, never as a fake number.
    """
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if np is not None and isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if np is not None and isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def atomic_write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically (non-finite floats as null)."""
    return atomic_write_text(path, json.dumps(json_ready(data), indent=2, sort_keys=True) + "\n")


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
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {p: _version(p) for p in packages},
        "git_commit": _git_commit(),
        "command": sys.argv,
        **extra,
    }


@contextmanager
def run_directory(out: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Assemble a run directory under ``OUT.partial``; rename it to ``OUT`` on success.

    On an exception the partial directory is removed, so a failed run leaves
    no directory behind.  If ``OUT`` exists it is an error unless
    ``overwrite`` is true, in which case it is replaced only after the new
    run has finished.

    Raises
    ------
    FileExistsError
        If ``OUT`` exists and ``overwrite`` is false.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists already; choose another --out or remove it")
    partial = out.with_name(out.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    os.replace(partial, out)
