"""Plans, captions and the loop that regenerates the figure set.

:func:`make_figures` runs (or reuses) the runs each figure needs under
``OUT/runs/``, draws each figure from the saved results, and writes, per
figure ``NAME``:

``NAME.png``, ``NAME.pdf``
    The figure.
``NAME.txt``
    The caption: what it shows, what was run (preset, seeds, every run with
    its overrides and key settings), the package versions and git commit,
    and what could not be drawn and why.
``NAME.json``
    The numbers drawn, as read from the saved runs.

A figure whose runs cannot be made (a level not registered, an experiment
another part of the toolkit has not added yet) is not drawn; its caption
says what is missing, and ``make_figures`` goes on with the others.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import plotting
from ..config import ConfigError, available_presets
from ..io import _git_commit, _version, atomic_write_json, atomic_write_text
from ..results import LEVELS
from .base import Context, Drawn, FigureSpec
from .catalogue import FIGURES
from .runs import Run, RunStore

__all__ = ["FigurePlan", "PLANS", "plan_for", "check_preset", "script_main", "Context", "Drawn", "FigureSpec", "FigureRecord",
           "register_figure", "FIGURES", "make_figures", "write_caption", "main"]


@dataclass(frozen=True)
class FigurePlan:
    """How much to run for the figure set at one preset.

    Attributes
    ----------
    preset : str
        Preset of every run.
    seeds : tuple of int
        Seeds of the point-neuron runs (each a point on the bar plots).
    dendritic_seeds : tuple of int
        Seeds of the dendritic runs (the slowest level).
    binary_seeds : tuple of int
        Seeds of the binary runs (fast, so more of them).
    lap_grid : tuple of int
        Lap counts of the binary learning curves.
    level_overrides : mapping
        Overrides added to every run of a level.
    n_bootstrap : int
        Bootstrap resamples of the learning-curve fits.
    device : {"runtime", "cpp_standalone"}
        Brian2 device of the spiking runs.
    """

    preset: str
    seeds: tuple[int, ...] = (1, 2, 3)
    dendritic_seeds: tuple[int, ...] = (1,)
    binary_seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    lap_grid: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    level_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    n_bootstrap: int = 500
    device: str = "runtime"

    def describe(self) -> str:
        """One paragraph for captions."""
        text = (f"preset {self.preset}; point-neuron seeds {list(self.seeds)}, dendritic "
                f"seeds {list(self.dendritic_seeds)}, binary seeds {list(self.binary_seeds)}")
        for level, overrides in self.level_overrides.items():
            if overrides:
                text += f"; every {level} run with " + ", ".join(
                    f"{k}={v}" for k, v in overrides.items())
        return text + f"; spiking networks on the {self.device} device"


#: The plan of each shipped preset.  At the tiny size the numpy target runs
#: the spiking networks about as fast as Cython and needs no compilation
#: (minutes on a fresh machine), and the dendritic runs use the point-neuron
#: tiny track (100 cm), so a fresh machine draws the whole set in minutes.
#: At the default and paper sizes the compiled device runs the spiking
#: networks about three times faster, and one build serves every pathway set
#: of a seed and placement.
PLANS: dict[str, FigurePlan] = {
    "tiny": FigurePlan("tiny", seeds=(1, 2), dendritic_seeds=(1,), binary_seeds=(1, 2, 3),
                       lap_grid=(1, 2, 4, 8, 16, 32),
                       level_overrides={"lif": {"simulation.target": "numpy"},
                                        "dendritic": {"simulation.target": "numpy",
                                                      "track.length": "100 cm"}},
                       n_bootstrap=200),
    "default": FigurePlan("default", seeds=(1, 2, 3), dendritic_seeds=(1, 2),
                          binary_seeds=(1, 2, 3, 4, 5), lap_grid=(1, 2, 4, 8, 16, 32, 64),
                          device="cpp_standalone"),
    "paper": FigurePlan("paper", seeds=(1, 2, 3, 4, 5), dendritic_seeds=(1, 2, 3),
                        binary_seeds=tuple(range(1, 11)),
                        lap_grid=(1, 2, 4, 8, 16, 32, 64, 128), n_bootstrap=1000,
                        device="cpp_standalone"),
}


def plan_for(preset: str, seeds: Sequence[int] | None = None) -> FigurePlan:
    """The plan of ``preset`` (the default plan for an unknown name), optionally reseeded.

    ``seeds`` replaces the point-neuron seeds; the dendritic seeds become its
    first ``len(dendritic_seeds)`` entries.
    """
    plan = PLANS.get(preset, replace(PLANS["default"], preset=preset))
    if seeds:
        seeds = tuple(int(s) for s in seeds)
        plan = replace(plan, seeds=seeds, dendritic_seeds=seeds[:len(plan.dendritic_seeds)])
    return plan


@dataclass
class FigureRecord:
    """What :func:`make_figures` wrote for one figure."""

    name: str
    files: list[Path]
    drawn: bool
    seconds: float
    missing: list[str]


def register_figure(name: str, title: str, shows: str
                    ) -> Callable[[Callable[[Context], Drawn]], Callable[[Context], Drawn]]:
    """Decorator: add a figure of one's own to :data:`FIGURES`, after the set's own.

    The set itself is listed in :data:`neurotoolkit.figures.catalogue.FIGURES`.
    """

    def wrap(function: Callable[[Context], Drawn]) -> Callable[[Context], Drawn]:
        FIGURES[name] = FigureSpec(name, title, shows, function)
        return function

    return wrap


def _versions() -> str:
    packages = ("neurotoolkit", "brian2", "dendrify", "numpy", "scipy", "matplotlib")
    text = ", ".join(f"{p} {_version(p) or 'not installed'}" for p in packages)
    return f"Python {sys.version.split()[0]}; {text}; git commit {_git_commit() or 'unknown'}"


def _key_settings(run: Run) -> str:
    """A few settings that say what size the run was (full config in its folder)."""
    try:
        data = run.config.to_dict()
    except Exception as err:  # a config that no longer loads is reported, not fatal
        return f"config not readable ({type(err).__name__})"
    keys = {"lif": ("network.n_pyramidal", "track.length", "track.n_laps", "offline.duration",
                    "simulation.target"),
            "dendritic": ("network.n_pyramidal", "track.length", "track.n_laps",
                          "offline.duration", "simulation.target"),
            "binary": ("network.n_units", "network.n_cue", "track.n_laps", "replay.n_replays",
                       "convergence.n_networks")}.get(run.spec.level, ())
    parts = []
    for key in keys:
        value: Any = data
        for part in key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None:
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def write_caption(out: Path, spec: FigureSpec, drawn: Drawn, plan: FigurePlan,
                  seconds: float) -> Path:
    """Write ``NAME.txt``: what the figure shows and exactly what was run."""
    lines = [f"{spec.name}: {spec.title}", "", spec.shows, ""]
    if drawn.figure is None:
        lines += ["NOT DRAWN.", ""]
    lines.append(f"Plan: {plan.describe()}.")
    seeds = sorted({r.spec.seed for r in drawn.runs})
    lines.append(f"Seeds of the runs drawn: {', '.join(map(str, seeds)) or 'none'}.")
    if drawn.runs:
        lines.append("Runs (folders under runs/, each with config.toml, metrics.json, "
                     "recording.npz and provenance.json):")
        for run in drawn.runs:
            overrides = ", ".join(f"{k}={v}" for k, v in sorted(run.overrides.items()))
            lines.append(f"  {run.path.name}: {run.spec.experiment}, level {run.spec.level}, "
                         f"seed {run.spec.seed}, preset {plan.preset}"
                         f"{'; overrides ' + overrides if overrides else ''}"
                         f"; {_key_settings(run)}")
    for note in drawn.notes:
        lines.append(f"Note: {note}")
    for item in drawn.missing:
        lines.append(f"Missing: {item}")
    lines += ["", f"Versions: {_versions()}.",
              f"Drawn in {seconds:.1f} s; numbers drawn in {spec.name}.json."]
    return atomic_write_text(out / f"{spec.name}.txt", "\n".join(lines) + "\n")


def _save(out: Path, spec: FigureSpec, drawn: Drawn) -> list[Path]:
    files = []
    if drawn.figure is not None:
        for suffix, dpi in ((".png", 120), (".pdf", None)):
            path = out / f"{spec.name}{suffix}"
            tmp = out / f".{spec.name}{suffix}.tmp"
            drawn.figure.savefig(tmp, format=suffix[1:], dpi=dpi, bbox_inches="tight")
            os.replace(tmp, path)
            files.append(path)
    files.append(atomic_write_json(out / f"{spec.name}.json", drawn.values))
    return files


def _draw(spec: FigureSpec, context: Context) -> Drawn:
    """Run a figure function; a missing piece of the toolkit becomes a caption line."""
    try:
        return spec.draw(context)
    except ConfigError as err:  # an experiment or level this install does not have
        return Drawn(None, missing=[str(err)])


def check_preset(preset: str) -> None:
    """Raise :class:`~neurotoolkit.config.ConfigError` unless some level ships ``preset``."""
    known = sorted({name for level in LEVELS for name in available_presets(level)})
    if preset not in known:
        raise ConfigError("preset", f"unknown preset {preset!r} (choose from {', '.join(known)})")


def make_figures(out: str | os.PathLike = "figures-out", preset: str = "tiny", *,
                 names: Iterable[str] | None = None, seeds: Sequence[int] | None = None,
                 plan: FigurePlan | None = None, quiet: bool = False) -> list[FigureRecord]:
    """Regenerate figures (all by default) into ``out``.

    Parameters
    ----------
    out : path
        Output folder; runs are kept (and reused) under ``out/runs``.
    preset : str
        Preset of every run (``tiny`` draws everything in minutes).
    names : iterable of str, optional
        Figures to draw (see :data:`FIGURES`); default all.
    seeds : sequence of int, optional
        Point-neuron seeds (default: the preset's plan).
    plan : FigurePlan, optional
        A full plan (then ``preset`` and ``seeds`` are ignored).
    quiet : bool
        No progress lines.

    Returns
    -------
    list of FigureRecord
    """
    if plan is None:
        check_preset(preset)
    plan = plan or plan_for(preset, seeds)
    wanted = list(FIGURES) if names is None else list(names)
    unknown = [n for n in wanted if n not in FIGURES]
    if unknown:
        raise ConfigError("figures", f"unknown figure(s) {', '.join(unknown)} "
                                     f"(available: {', '.join(FIGURES)})")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda text: None) if quiet else (lambda text: print(text, flush=True))
    store = RunStore(out / "runs", plan.preset, level_overrides=plan.level_overrides,
                     device=plan.device, quiet=quiet, say=say)
    context = Context(store, plan)
    plotting.use_style()
    records = []
    for name in wanted:
        spec = FIGURES[name]
        say(f"{name}: {spec.title}")
        started = time.perf_counter()
        drawn = _draw(spec, context)
        files = _save(out, spec, drawn)
        seconds = time.perf_counter() - started
        files.append(write_caption(out, spec, drawn, plan, seconds))
        records.append(FigureRecord(name, files, drawn.figure is not None, seconds,
                                    drawn.missing))
        state = "drawn" if drawn.figure is not None else "NOT drawn"
        say(f"  {state} in {seconds:.1f} s" + "".join(f"\n  missing: {m}"
                                                      for m in drawn.missing))
    return records


def main(args: argparse.Namespace) -> int:
    """``neurotoolkit figures``: regenerate the figure set (``args.out``, ``args.preset``)."""
    started = time.perf_counter()
    quiet = bool(getattr(args, "quiet", False))
    records = make_figures(args.out, args.preset, names=getattr(args, "names", None),
                           seeds=getattr(args, "seeds", None), quiet=quiet)
    drawn = [r.name for r in records if r.drawn]
    skipped = [r.name for r in records if not r.drawn]
    print(f"figures: {len(drawn)} drawn ({', '.join(drawn)})"
          + (f", {len(skipped)} not drawn ({', '.join(skipped)}: see their .txt)"
             if skipped else "")
          + f" in {time.perf_counter() - started:.0f} s; output in {args.out}")
    return 0


def script_main(name: str, argv: Sequence[str] | None = None) -> int:
    """Command line of a one-figure script (``experiments/figures/NAME.py``).

    ``python experiments/figures/NAME.py [--out DIR] [--preset NAME] [--seeds N ...]
    [--quiet]`` draws the figure ``name`` exactly as ``neurotoolkit figures``
    does, reusing runs already under ``DIR/runs``.  Bad input is one line and
    exit status 2.
    """
    parser = argparse.ArgumentParser(description=f"Draw the figure {name!r} of the set.")
    parser.add_argument("--out", default="figures-out", help="output folder (default figures-out)")
    parser.add_argument("--preset", default="tiny", help="tiny, default or paper (default tiny)")
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="point-neuron seeds (default: the preset's plan)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    try:
        records = make_figures(args.out, args.preset, names=[name], seeds=args.seeds,
                               quiet=args.quiet)
    except ConfigError as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return 2
    record = records[0]
    print(f"{name}: {'drawn' if record.drawn else 'NOT drawn (see its .txt)'}; "
          f"files in {args.out}")
    return 0
