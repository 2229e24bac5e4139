"""Import an optional dependency, or say which extra installs it."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MissingDependencyError", "require"]


class MissingDependencyError(ImportError):
    """An optional package is not installed; the message names the extra."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError`.

    Parameters
    ----------
    module : str
        Module to import, e.g. ``"pynwb"``.
    extra : str
        The neurotoolkit extra that installs it, e.g. ``"nwb"`` (empty: the
        package itself is named).
    purpose : str
        What needs it, for the message (``"reading NWB files"``).
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        package = module.split(".")[0]
        install = f"pip install 'neurotoolkit[{extra}]'" if extra else f"pip install {package}"
        raise MissingDependencyError(
            f"{purpose} needs the package {package!r}, which is not installed: {install}"
        ) from err
