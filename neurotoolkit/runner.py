"""Resolve a configuration, run an experiment at a level, write its directory.

This is the one entry point that the command line, sweeps, notebooks and
figure scripts share::

    from neurotoolkit.runner import run_experiment
    result = run_experiment("consolidation", level="lif", preset="tiny", seed=1,
                            overrides={"plasticity.pathways": "EE"}, out="runs/ee")
    result.metrics["participation_ratio"]

Experiments are registered per ``(experiment, level)`` by module path, so
importing this module imports neither Brian2 nor any level's code.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import ConfigError, Section, load_preset
from .io import (atomic_write_json, atomic_write_text, check_output, provenance, run_directory,
                 to_toml)

__all__ = [
    "LEVELS",
    "DEVICES",
    "RunResult",
    "experiments",
    "resolve_config",
    "run_experiment",
    "write_run",
]

LEVELS = ("lif", "dendritic", "binary")
DEVICES = ("runtime", "cpp_standalone")


@dataclass
class RunResult:
    """What one run produced, before and after it is written to disk.

    Attributes
    ----------
    metrics : dict
        Numbers of the run (``nan`` where a metric is undefined, e.g. no events).
    recording : Recording or None
        The run's spikes and context.
    figures : dict
        Name to matplotlib Figure; each is saved as PNG and PDF.
    tables : dict
        Name to text (CSV) written beside the metrics.
    config : Section or None
        The resolved configuration.
    out : Path or None
        The run directory, once written.
    """

    metrics: dict[str, Any]
    recording: Any = None
    figures: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    config: Section | None = None
    out: Path | None = None


@dataclass(frozen=True)
class _Spec:
    config: str  # "module:ConfigClass"
    run: str  # "module:function" taking (config, *, level, seed, device, workdir, quiet)
    presets: str = ""  # preset folder when it is not the level's (e.g. "eprop_evidence")


_REGISTRY: dict[tuple[str, str], _Spec] = {
    ("consolidation", "lif"): _Spec("neurotoolkit.protocols.settings:SpikingConfig",
                                    "neurotoolkit.protocols.consolidation:run_consolidation"),
    ("consolidation", "dendritic"): _Spec("neurotoolkit.protocols.settings:SpikingConfig",
                                          "neurotoolkit.protocols.consolidation:run_consolidation"),
    ("consolidation", "binary"): _Spec("neurotoolkit.binary.config:BinaryConfig",
                                       "neurotoolkit.binary.experiment:run_consolidation"),
    ("convergence", "lif"): _Spec("neurotoolkit.protocols.settings:SpikingConfig",
                                  "neurotoolkit.protocols.convergence:run_convergence"),
    ("convergence", "dendritic"): _Spec("neurotoolkit.protocols.settings:SpikingConfig",
                                        "neurotoolkit.protocols.convergence:run_convergence"),
    ("convergence", "binary"): _Spec("neurotoolkit.binary.config:BinaryConfig",
                                     "neurotoolkit.binary.experiment:run_convergence"),
    # e-prop (neurotoolkit/learning): the Brian2 LIF/ALIF network is the "lif" level
    ("eprop-evidence", "lif"): _Spec("neurotoolkit.learning.config:EvidenceConfig",
                                     "neurotoolkit.learning.experiment:run_evidence",
                                     presets="eprop_evidence"),
    ("eprop-pattern", "lif"): _Spec("neurotoolkit.learning.config:PatternConfig",
                                    "neurotoolkit.learning.experiment:run_pattern",
                                    presets="eprop_pattern"),
}


def register(experiment: str, level: str, config: str, run: str) -> None:
    """Register ``run`` (``"module:function"``) for an experiment at a level."""
    _REGISTRY[(experiment, level)] = _Spec(config, run)


def experiments() -> dict[str, tuple[str, ...]]:
    """Experiment names mapped to the levels each runs at."""
    out: dict[str, list[str]] = {}
    for experiment, level in _REGISTRY:
        out.setdefault(experiment, []).append(level)
    return {k: tuple(v) for k, v in out.items()}


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _spec(experiment: str, level: str) -> _Spec:
    if level not in LEVELS:
        raise ConfigError("level", f"unknown level {level!r} (choose from {', '.join(LEVELS)})")
    if (experiment, level) not in _REGISTRY:
        known = experiments()
        if experiment not in known:
            raise ConfigError("experiment", f"unknown experiment {experiment!r} "
                                            f"(available: {', '.join(sorted(known))})")
        raise ConfigError("level", f"experiment {experiment!r} does not run at level {level!r} "
                                   f"(levels: {', '.join(known[experiment])})")
    return _REGISTRY[(experiment, level)]


def config_class(experiment: str, level: str) -> type[Section]:
    """The configuration class used by ``experiment`` at ``level``."""
    return _load(_spec(experiment, level).config)


def resolve_config(experiment: str, level: str, preset: str = "default",
                   overrides: Mapping[str, Any] | None = None) -> Section:
    """Build the validated configuration: preset, then dotted overrides.

    Raises
    ------
    ConfigError
        Naming the field, for an unknown level, preset or key, a wrong unit
        or a value out of range.
    """
    spec = _spec(experiment, level)
    cls = _load(spec.config)
    config = cls.from_dict(load_preset(spec.presets or level, preset))
    if overrides:
        config = config.with_overrides(overrides)
    return config


def write_run(result: RunResult, out: Path, extra_provenance: Mapping[str, Any], *,
              nwb: bool = False) -> None:
    """Write a finished run's files into the (partial) directory ``out``.

    With ``nwb`` the Recording is also written as ``recording.nwb``
    (:func:`neurotoolkit.interop.write_nwb`; needs ``neurotoolkit[nwb]``).
    """
    if result.config is not None:
        atomic_write_text(out / "config.toml", to_toml(result.config.to_dict()))
    atomic_write_json(out / "metrics.json", result.metrics)
    if result.recording is not None:
        result.recording.save(out / "recording.npz")
        if nwb:
            from .interop import write_nwb

            write_nwb(result.recording, out / "recording.nwb")
    for name, text in result.tables.items():
        atomic_write_text(out / name, text)
    for name, figure in result.figures.items():
        for suffix in (".png", ".pdf"):
            tmp = out / f".{name}{suffix}.tmp"
            figure.savefig(tmp, dpi=110, format=suffix[1:])
            os.replace(tmp, out / f"{name}{suffix}")
    atomic_write_json(out / "provenance.json", provenance(**extra_provenance))


def run_experiment(
    experiment: str,
    level: str,
    preset: str = "default",
    seed: int = 1,
    overrides: Mapping[str, Any] | None = None,
    device: str = "runtime",
    out: str | os.PathLike | None = None,
    quiet: bool = False,
    overwrite: bool = False,
    config: Section | None = None,
    nwb: bool = False,
    exclusive: bool = True,
) -> RunResult:
    """Run ``experiment`` at ``level`` and (if ``out`` is given) write its directory.

    Parameters
    ----------
    experiment : str
        ``"consolidation"`` (and others registered).
    level : {"lif", "dendritic", "binary"}
        Level of abstraction.
    preset : str
        Preset shipped in ``neurotoolkit/presets/<level>/``.
    seed : int
        Seeds Brian2 and numpy; same seed and device give identical spikes.
    overrides : mapping, optional
        Dotted config keys to replace, e.g. ``{"cue.placement": "fixed"}``.
    device : {"runtime", "cpp_standalone"}
        Brian2 device (ignored by the binary level).
    out : path, optional
        Run directory to write; it appears only once the run has finished.
    quiet : bool
        No progress output.
    overwrite : bool
        Replace an existing ``out`` (only a run directory written by
        neurotoolkit; see :func:`neurotoolkit.io.check_output`).
    config : Section, optional
        A ready configuration (then ``preset`` and ``overrides`` are ignored).
    nwb : bool
        Also write the Recording as ``recording.nwb`` (needs ``neurotoolkit[nwb]``).
    exclusive : bool
        Lock ``out`` while the run writes it, so that a second run into it is
        refused at once (a sweep, which locks its whole folder, passes False).

    Returns
    -------
    RunResult
    """
    if device not in DEVICES:
        raise ConfigError("device", f"unknown device {device!r} (choose from {', '.join(DEVICES)})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("seed", f"must be a non-negative integer, got {seed!r}")
    spec = _spec(experiment, level)
    if config is None:
        config = resolve_config(experiment, level, preset, overrides)
    run: Callable[..., RunResult] = _load(spec.run)
    if out is not None:  # before anything runs
        check_output(out, overwrite=overwrite)

    started = time.perf_counter()
    if out is None:
        result = run(config, level=level, seed=seed, device=device, workdir=None, quiet=quiet)
        result.metrics.setdefault("wall_time_s", time.perf_counter() - started)
        result.config = config
        return result
    with run_directory(out, overwrite=overwrite, exclusive=exclusive) as partial:
        result = run(config, level=level, seed=seed, device=device, workdir=partial, quiet=quiet)
        wall = time.perf_counter() - started
        result.metrics.setdefault("wall_time_s", wall)
        result.config = config
        write_run(result, partial, {"experiment": experiment, "level": level, "preset": preset,
                                    "seed": seed, "device": device, "wall_time_s": wall,
                                    "overrides": dict(overrides or {})}, nwb=nwb)
    result.out = Path(out)
    return result
