"""Data in and out: NWB, pynapple, Neo, and a user's own Brian2 monitors.

Each format's package is optional and imported only when its functions are
called; a missing one raises :class:`MissingDependencyError` naming the extra
to install (``pip install 'neurotoolkit[nwb]'``, ``[neo]``, ``[pynapple]``).

- :func:`read_nwb`, :func:`write_nwb`: NWB files (pynwb), the toolkit's layout
  and the layouts labs publish (:mod:`.nwb`).
- :func:`to_pynapple`, :func:`from_pynapple`: ``TsGroup``, ``Tsd`` and
  ``IntervalSet`` (:mod:`.pynapple`).
- :func:`to_neo`, :func:`from_neo`, :func:`read_neo`, :func:`write_neo`: Neo
  ``Block`` objects and the files Neo reads (:mod:`.neo`).
- :func:`from_brian2`: ``SpikeMonitor`` s of any Brian2 network (:mod:`.brian2`).
- :func:`read_recording`: any of these files (or the toolkit's ``.npz``) by
  its suffix.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from ._optional import MissingDependencyError

__all__ = [
    "MissingDependencyError",
    "NWBContentError",
    "PynappleData",
    "from_brian2",
    "from_neo",
    "from_pynapple",
    "read_neo",
    "read_nwb",
    "read_recording",
    "to_neo",
    "to_pynapple",
    "write_neo",
    "write_nwb",
]

_LAZY = {
    "NWBContentError": "nwb", "read_nwb": "nwb", "write_nwb": "nwb",
    "PynappleData": "pynapple", "to_pynapple": "pynapple", "from_pynapple": "pynapple",
    "to_neo": "neo", "from_neo": "neo", "read_neo": "neo", "write_neo": "neo",
    "from_brian2": "brian2",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read_recording(path: str | os.PathLike) -> Any:
    """Read a Recording from ``.nwb`` (NWB), ``.npz`` (the toolkit's) or a Neo file.

    Any other suffix is handed to Neo (``neo.io.get_io``), which knows many
    acquisition and spike-sorting formats.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no file at {path}")
    suffix = path.suffix.lower()
    # the format modules load numpy and the analysis only when a file is read,
    # so that importing this package stays light (the command line, the runner)
    if suffix == ".nwb":
        from .nwb import read_nwb

        return read_nwb(path)
    if suffix == ".npz":
        from ..analysis import Recording

        return Recording.load(path)
    from .neo import read_neo

    return read_neo(path)
