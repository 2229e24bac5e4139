"""The runs behind the figures: run once, keep under ``OUT/runs/``, reuse.

A figure never draws from numbers it computed in passing: every number on it
comes from a run directory (``metrics.json``, ``recording.npz``, a table)
that :class:`RunStore` wrote or found under ``OUT/runs/``.  A run directory is
reused when its ``provenance.json`` says it was made by the same experiment,
level, preset, seed and overrides; anything else is rerun.  So regenerating
the figures after a change to the plotting code costs seconds, and editing a
saved ``metrics.json`` changes the figure drawn from it.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..io import read_metrics

__all__ = ["RunSpec", "Run", "RunStore", "available_levels"]


def _slug(value: Any) -> str:
    text = str(value).replace("+", "_").replace(" ", "")
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)


@dataclass(frozen=True)
class RunSpec:
    """One run a figure needs.

    Attributes
    ----------
    experiment : str
        Registered experiment, e.g. ``"consolidation"``.
    level : str
        ``"lif"``, ``"dendritic"`` or ``"binary"``.
    seed : int
    overrides : tuple of (str, value)
        Dotted config keys of this run (sorted), on top of the preset.
    """

    experiment: str
    level: str
    seed: int
    overrides: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def make(cls, experiment: str, level: str, seed: int,
             overrides: Mapping[str, Any] | None = None) -> RunSpec:
        """Build a spec from a mapping of overrides."""
        return cls(experiment, level, int(seed), tuple(sorted((overrides or {}).items())))

    @property
    def name(self) -> str:
        """Directory name: experiment, level, override values and seed."""
        parts = [self.experiment, self.level] + [_slug(v) for _, v in self.overrides]
        return "-".join(parts) + f"-seed{self.seed}"

    def describe(self) -> str:
        """One line: level, seed and overrides."""
        text = ", ".join(f"{k}={v}" for k, v in self.overrides) or "preset as shipped"
        return f"{self.experiment} at level {self.level}, seed {self.seed} ({text})"


@dataclass(eq=False)
class Run:
    """A finished run directory, read lazily.

    Attributes
    ----------
    spec : RunSpec
    path : Path
    overrides : dict
        Every override the run was made with (the spec's and the plan's).
    reused : bool
        True when the directory existed before this call.
    """

    spec: RunSpec
    path: Path
    overrides: dict[str, Any] = field(default_factory=dict)
    reused: bool = False

    @property
    def metrics(self) -> dict[str, Any]:
        """``metrics.json`` as saved (``null`` read as ``nan``); read on every access."""
        return read_metrics(self.path)

    @cached_property
    def provenance(self) -> dict[str, Any]:
        """``provenance.json``."""
        return json.loads((self.path / "provenance.json").read_text())

    @cached_property
    def recording(self) -> Any:
        """The saved :class:`~neurotoolkit.analysis.Recording`."""
        from ..analysis import Recording

        return Recording.load(self.path / "recording.npz")

    @cached_property
    def config(self) -> Any:
        """The resolved configuration, rebuilt from ``config.toml``."""
        from ..runner import config_class

        data = tomllib.loads((self.path / "config.toml").read_text())
        return config_class(self.spec.experiment, self.spec.level).from_dict(data)

    def table(self, name: str) -> list[dict[str, str]]:
        """Rows of a CSV table of the run (e.g. ``convergence.csv``)."""
        with (self.path / name).open(newline="") as handle:
            return list(csv.DictReader(handle))

    def has(self, name: str) -> bool:
        """Whether the run directory holds the file ``name``."""
        return (self.path / name).is_file()


def available_levels(experiment: str, preset: str) -> tuple[str, ...]:
    """Levels at which ``experiment`` is registered and ``preset`` exists."""
    from ..config import available_presets
    from ..runner import LEVELS, experiments

    registered = experiments().get(experiment, ())
    return tuple(level for level in LEVELS
                 if level in registered and preset in available_presets(level))


class RunStore:
    """Runs (or finds) the runs figures need, under one folder.

    Parameters
    ----------
    root : Path
        Folder of the run directories (``OUT/runs``).
    preset : str
        Preset of every run.
    level_overrides : mapping of level to mapping, optional
        Overrides added to every run of a level (e.g. a code-generation
        target); they are part of what a reused run must match.
    device : {"runtime", "cpp_standalone"}
        Brian2 device of the spiking runs (the binary level has none).  Not
        part of what a reused run must match: both devices give the same
        model.
    quiet : bool
        No progress lines.
    say : callable, optional
        Where progress lines go (default: standard error).
    """

    def __init__(self, root: Path, preset: str, *,
                 level_overrides: Mapping[str, Mapping[str, Any]] | None = None,
                 device: str = "runtime",
                 quiet: bool = True, say: Callable[[str], None] | None = None) -> None:
        self.root = Path(root)
        self.preset = preset
        self.device = device
        self.level_overrides = {k: dict(v) for k, v in (level_overrides or {}).items()}
        self.quiet = quiet
        self._say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self.simulated_s = 0.0

    def overrides_of(self, spec: RunSpec) -> dict[str, Any]:
        """The level's overrides, then the spec's."""
        return {**self.level_overrides.get(spec.level, {}), **dict(spec.overrides)}

    def path_of(self, spec: RunSpec) -> Path:
        """Where the run of ``spec`` lives."""
        return self.root / spec.name

    def _matches(self, path: Path, spec: RunSpec, overrides: Mapping[str, Any]) -> bool:
        try:
            made = json.loads((path / "provenance.json").read_text())
        except (OSError, ValueError):
            return False
        if not (path / "metrics.json").is_file():
            return False
        wanted = {"experiment": spec.experiment, "level": spec.level, "preset": self.preset,
                  "seed": spec.seed}
        if any(made.get(k) != v for k, v in wanted.items()):
            return False
        return json.loads(json.dumps(made.get("overrides", {}), default=str)) == \
            json.loads(json.dumps(dict(overrides), default=str))

    def get(self, spec: RunSpec) -> Run:
        """The finished run of ``spec``: reused if it matches, else run now."""
        overrides = self.overrides_of(spec)
        path = self.path_of(spec)
        if self._matches(path, spec, overrides):
            return Run(spec, path, overrides, reused=True)
        if not self.quiet:
            self._say(f"  running {spec.describe()} ...")
        started = time.perf_counter()
        self._run(spec, overrides, path)
        elapsed = time.perf_counter() - started
        self.simulated_s += elapsed
        if not self.quiet:
            self._say(f"    done in {elapsed:.1f} s -> {path}")
        return Run(spec, path, overrides, reused=False)

    def _run(self, spec: RunSpec, overrides: Mapping[str, Any], path: Path) -> None:
        """Run and write one directory, without the run's own figure.

        The figure a run draws of itself is left out: saving it costs more
        than a binary run, and the figure set draws everything from the
        saved metrics and recording anyway.
        """
        from ..io import run_directory
        from ..runner import run_experiment, write_run

        device = "runtime" if spec.level == "binary" else self.device
        started = time.perf_counter()
        result = run_experiment(spec.experiment, spec.level, preset=self.preset,
                                seed=spec.seed, overrides=overrides, device=device,
                                out=None, quiet=True)
        wall = time.perf_counter() - started
        result.figures = {}
        with run_directory(path, overwrite=True) as partial:
            write_run(result, partial, {"experiment": spec.experiment, "level": spec.level,
                                        "preset": self.preset, "seed": spec.seed,
                                        "device": device, "wall_time_s": wall,
                                        "overrides": dict(overrides)})


def finite(value: Any) -> float:
    """A metric as a float (``nan`` for missing or non-numeric values)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number
