"""neurotoolkit: replay and consolidation in hippocampal networks, at three levels.

Point-neuron (LIF/AdEx) and Dendrify compartmental networks built on Brian2,
an abstract binary network with a convergence theorem, and an analysis library
that detects and decodes replay and measures its distance to the latent
sequence of the world.

The public API, loaded on first use (``import neurotoolkit`` imports neither
Brian2 nor numpy)::

    import neurotoolkit as nt

    result = nt.run_experiment("consolidation", level="lif", preset="tiny", seed=1)
    result.metrics["participation_ratio"]
    recording = nt.Recording.load("runs/x/recording.npz")
    report = nt.run_sweep("experiments/sweeps/cue.toml", out="runs/cue")
    nt.make_figures("figures-out", preset="tiny")

The configurations (:class:`SpikingConfig`, :class:`BinaryConfig`, the e-prop
ones) are frozen dataclasses with units; :func:`resolve_config` builds one
from a preset and dotted overrides.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # the real types for type checkers; at run time they load on first use
    from .analysis import Recording as Recording
    from .binary.config import BinaryConfig as BinaryConfig
    from .figures import make_figures as make_figures
    from .learning.config import EvidenceConfig as EvidenceConfig
    from .learning.config import PatternConfig as PatternConfig
    from .protocols.settings import SpikingConfig as SpikingConfig
    from .results import DEVICES as DEVICES
    from .results import LEVELS as LEVELS
    from .results import RunResult as RunResult
    from .runner import experiments as experiments
    from .runner import resolve_config as resolve_config
    from .runner import run_experiment as run_experiment
    from .sweeps import load_sweep as load_sweep
    from .sweeps import run_sweep as run_sweep

#: Public name -> module that defines it (imported when the name is first used).
_LAZY = {
    "run_experiment": "neurotoolkit.runner",
    "resolve_config": "neurotoolkit.runner",
    "experiments": "neurotoolkit.runner",
    "RunResult": "neurotoolkit.results",
    "LEVELS": "neurotoolkit.results",
    "DEVICES": "neurotoolkit.results",
    "Recording": "neurotoolkit.analysis",
    "run_sweep": "neurotoolkit.sweeps",
    "load_sweep": "neurotoolkit.sweeps",
    "make_figures": "neurotoolkit.figures",
    "SpikingConfig": "neurotoolkit.protocols.settings",
    "BinaryConfig": "neurotoolkit.binary.config",
    "EvidenceConfig": "neurotoolkit.learning.config",
    "PatternConfig": "neurotoolkit.learning.config",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import the module behind a public name on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
