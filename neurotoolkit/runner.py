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
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import interop
from .config import ConfigError, Section
from .io import (
    atomic_write_json,
    atomic_write_text,
    check_output,
    provenance,
    run_directory,
    to_toml,
)
from .protocols.devices import choose_device
from .results import DEVICE_CHOICES, DEVICES, LEVELS, RunResult

__all__ = [
    "LEVELS",
    "DEVICES",
    "RunResult",
    "experiments",
    "draw_figures",
    "finish_run",
    "resolve_config",
    "run_experiment",
    "write_run",
]


@dataclass(frozen=True)
class _Spec:
    config: str  # "module:ConfigClass"
    run: str  # "module:function" taking (config, *, level, seed, device, workdir, quiet)
    presets: str = ""  # preset folder when it is not the level's (e.g. "eprop_evidence")
    figures: str = ""  # "module:function" taking (result, *, level, seed) -> {name: Figure}


_SPIKING_CONFIG = "neurotoolkit.protocols.settings:SpikingConfig"
_BINARY_CONFIG = "neurotoolkit.binary.config:BinaryConfig"
_RUN_FIGURES = "neurotoolkit.plotting.run:run_figures"
_CURVE_FIGURES = "neurotoolkit.plotting.convergence:convergence_figures"
_BINARY_FIGURES = "neurotoolkit.plotting.binary:binary_consolidation_figures"
_BINARY_CURVE_FIGURES = "neurotoolkit.plotting.binary:binary_convergence_figures"
_EPROP_FIGURES = "neurotoolkit.plotting.learning:eprop_figures"

_REGISTRY: dict[tuple[str, str], _Spec] = {
    ("consolidation", "lif"): _Spec(
        _SPIKING_CONFIG, "neurotoolkit.protocols.consolidation:run_consolidation",
        figures=_RUN_FIGURES),
    ("consolidation", "dendritic"): _Spec(
        _SPIKING_CONFIG, "neurotoolkit.protocols.consolidation:run_consolidation",
        figures=_RUN_FIGURES),
    ("consolidation", "binary"): _Spec(
        _BINARY_CONFIG, "neurotoolkit.binary.experiment:run_consolidation",
        figures=_BINARY_FIGURES),
    ("convergence", "lif"): _Spec(
        _SPIKING_CONFIG, "neurotoolkit.protocols.convergence:run_convergence",
        figures=_CURVE_FIGURES),
    ("convergence", "dendritic"): _Spec(
        _SPIKING_CONFIG, "neurotoolkit.protocols.convergence:run_convergence",
        figures=_CURVE_FIGURES),
    ("convergence", "binary"): _Spec(
        _BINARY_CONFIG, "neurotoolkit.binary.experiment:run_convergence",
        figures=_BINARY_CURVE_FIGURES),
    # e-prop (neurotoolkit/learning): the Brian2 LIF/ALIF network is the "lif" level
    ("eprop-evidence", "lif"): _Spec("neurotoolkit.learning.config:EvidenceConfig",
                                     "neurotoolkit.learning.experiment:run_evidence",
                                     presets="eprop_evidence", figures=_EPROP_FIGURES),
    ("eprop-pattern", "lif"): _Spec("neurotoolkit.learning.config:PatternConfig",
                                    "neurotoolkit.learning.experiment:run_pattern",
                                    presets="eprop_pattern", figures=_EPROP_FIGURES),
}


def register(experiment: str, level: str, config: str, run: str, figures: str = "") -> None:
    """Register ``run`` (``"module:function"``) for an experiment at a level.

    ``figures`` (``"module:function"``, optional) draws the run's figures from
    its :class:`RunResult`; see :func:`draw_figures`.
    """
    _REGISTRY[(experiment, level)] = _Spec(config, run, figures=figures)


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
    return _load(spec.config).from_preset(spec.presets or level, preset, overrides)


def draw_figures(result: RunResult, experiment: str, level: str, *, seed: int) -> RunResult:
    """Draw the figures registered for ``experiment`` at ``level`` into ``result.figures``.

    Experiments compute; the plotting layer draws from what they return
    (metrics, Recording, ``artefacts``, config).  Experiments without a
    registered figure function keep the figures they made themselves.

    Parameters
    ----------
    result : RunResult
        A finished run whose ``config`` is set.
    experiment, level : str
        As registered.
    seed : int
        The run's seed (figure titles).

    Returns
    -------
    RunResult
        ``result``, with its figures added.
    """
    spec = _spec(experiment, level)
    if spec.figures:
        result.figures.update(_load(spec.figures)(result, level=level, seed=seed))
    return result


def finish_run(result: RunResult, experiment: str, level: str, *, seed: int, config: Section,
               started: float | None = None) -> RunResult:
    """The one step from an analysed run to one ready to write.

    Sets the configuration and (when ``started``, a ``time.perf_counter()``
    reading, is given and the run set none) ``wall_time_s``, then draws the
    registered figures.  :func:`run_experiment`, the demo and the sweep
    workers all finish their runs here.
    """
    if started is not None:
        result.metrics.setdefault("wall_time_s", time.perf_counter() - started)
    result.config = config
    return draw_figures(result, experiment, level, seed=seed)


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
        if nwb:  # interop's format modules load on first use
            interop.write_nwb(result.recording, out / "recording.nwb")
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
    device: str = "auto",
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
    device : {"auto", "runtime", "cpp_standalone"}
        Brian2 device (ignored by the binary level).  ``auto`` compiles a
        standalone program when a C++ compiler works and the run is large
        enough to pay for the build
        (:func:`neurotoolkit.protocols.devices.choose_device`); the choice is
        printed (unless ``quiet``) and kept in ``provenance.json``.
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
    if device not in DEVICE_CHOICES:
        raise ConfigError("device", f"unknown device {device!r} "
                                    f"(choose from {', '.join(DEVICE_CHOICES)})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("seed", f"must be a non-negative integer, got {seed!r}")
    spec = _spec(experiment, level)
    if config is None:
        config = resolve_config(experiment, level, preset, overrides)
    run: Callable[..., RunResult] = _load(spec.run)
    if out is not None:  # before anything runs
        check_output(out, overwrite=overwrite)
    choice = choose_device(device, config, level, experiment)
    device = choice.device
    if not quiet and level != "binary":
        print(choice.describe(), file=sys.stderr, flush=True)

    started = time.perf_counter()
    if out is None:
        result = run(config, level=level, seed=seed, device=device, workdir=None, quiet=quiet)
        return finish_run(result, experiment, level, seed=seed, config=config, started=started)
    with run_directory(out, overwrite=overwrite, exclusive=exclusive) as partial:
        result = run(config, level=level, seed=seed, device=device, workdir=partial, quiet=quiet)
        wall = time.perf_counter() - started
        result = finish_run(result, experiment, level, seed=seed, config=config, started=started)
        write_run(result, partial, {"experiment": experiment, "level": level, "preset": preset,
                                    "seed": seed, "device": device,
                                    "device_choice": choice.reason, "wall_time_s": wall,
                                    "overrides": dict(overrides or {})}, nwb=nwb)
    result.out = Path(out)
    return result
