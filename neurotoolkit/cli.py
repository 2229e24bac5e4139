"""The ``neurotoolkit`` command.

::

    neurotoolkit demo [--out DIR]
    neurotoolkit run EXPERIMENT --level lif|dendritic|binary --preset tiny|default|paper
                 [--seed N] [--set key=value ...] [--device auto|runtime|cpp_standalone]
                 [--out DIR] [--quiet]
    neurotoolkit sweep SWEEP.toml [--executor local|dask] [--scheduler ADDRESS]
                 [--workers N] [--out DIR] [--dry-run] [--quiet]
    neurotoolkit figures [--out DIR] [--preset NAME]
    neurotoolkit analyze FILE [--rest START:STOP | --rest-from INTERVALS]
                 [--run START:STOP] [--out DIR]

Bad input (unknown key, wrong unit, negative size, unknown preset or level)
prints one line ``neurotoolkit: error: <field>: <what is wrong>`` and exits
with status 2 before anything runs or is written.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .config import ConfigError, parse_override
from .interop import MissingDependencyError
from .interop._optional import require
from .io import OutputError, check_output
from .results import DEVICE_CHOICES, LEVELS
from .runner import resolve_config, run_experiment

__all__ = ["main", "build_parser"]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit status 2
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``neurotoolkit`` command."""
    parser = _Parser(prog="neurotoolkit", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="the main job: EE vs EE+IE on the default preset")
    demo.add_argument("--out", default="runs/demo", help="output folder (default runs/demo)")
    demo.add_argument("--preset", default="default", help=argparse.SUPPRESS)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--device", default="auto", choices=DEVICE_CHOICES,
                      help="Brian2 device (default auto: compiled when a C++ compiler works)")
    demo.add_argument("--quiet", action="store_true")
    demo.add_argument("--nwb", action="store_true",
                      help="also write recording.nwb in each run (needs neurotoolkit[nwb])")

    run = sub.add_parser("run", help="run one experiment at one level")
    run.add_argument("experiment", help="experiment name, e.g. consolidation")
    run.add_argument("--level", required=True, choices=LEVELS)
    run.add_argument("--preset", default="default", help="tiny, default or paper")
    run.add_argument("--seed", type=int, default=1)
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="KEY=VALUE", help="override a dotted config key (repeatable)")
    run.add_argument("--device", default="auto", choices=DEVICE_CHOICES,
                     help="Brian2 device; auto (default) compiles a C++ program when a "
                          "compiler works and the run is long enough to pay for it")
    run.add_argument("--out", default=None, help="run directory (default runs/<name>-<time>)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    run.add_argument("--nwb", action="store_true",
                     help="also write recording.nwb (needs neurotoolkit[nwb])")
    run.add_argument("--quiet", action="store_true")

    sweep = sub.add_parser("sweep", help="run a parameter sweep file (resumable)")
    sweep.add_argument("sweep_file")
    sweep.add_argument("--executor", default=None, choices=("local", "dask"),
                       help="local processes (default) or Dask distributed")
    sweep.add_argument("--scheduler", default=None,
                       help="address of a running Dask scheduler (implies --executor dask)")
    sweep.add_argument("--workers", type=int, default=None,
                       help="local worker processes or LocalCluster workers (default: cores)")
    sweep.add_argument("--out", default=None, help="output folder (default runs/<file stem>)")
    sweep.add_argument("--dry-run", action="store_true",
                       help="validate the file and list its points; run nothing")
    sweep.add_argument("--quiet", action="store_true")

    figures = sub.add_parser("figures", help="regenerate the figure set")
    figures.add_argument("--out", default="figures-out")
    figures.add_argument("--preset", default="tiny")
    figures.add_argument("--quiet", action="store_true")

    _add_analyze_arguments(sub.add_parser(
        "analyze", help="the replay analysis of a run on a lab's NWB, Neo or toolkit file"))
    return parser


def _add_analyze_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``neurotoolkit analyze``."""
    parser.add_argument("file", help="NWB (.nwb), toolkit (.npz) or Neo file")
    rest = parser.add_mutually_exclusive_group()
    rest.add_argument("--rest", default=None, metavar="START:STOP",
                      help="the rest period, s (default: the file's 'offline' interval)")
    rest.add_argument("--rest-from", default=None, metavar="INTERVALS",
                      help="an interval set of the file, e.g. epochs:sleep")
    parser.add_argument("--run", default=None, metavar="START:STOP",
                        help="the run period for tuning curves, s (default: the file's "
                             "'online' interval, else outside the rest while moving)")
    parser.add_argument("--out", default=None, help="output folder (default runs/analyze-...)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the shuffles")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="analysis setting, e.g. n_shuffles=200")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    parser.add_argument("--quiet", action="store_true")


def _default_out(args: argparse.Namespace) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{args.experiment}-{args.level}-{args.preset}-seed{args.seed}-{stamp}"


def _cmd_run(args: argparse.Namespace) -> int:
    overrides = dict(parse_override(text) for text in args.overrides)
    if args.seed < 0:
        raise ConfigError("seed", f"must be a non-negative integer, got {args.seed}")
    config = resolve_config(args.experiment, args.level, args.preset, overrides)  # validate first
    _check_nwb(args)
    out = Path(args.out) if args.out else _default_out(args)
    check_output(out, overwrite=args.overwrite)  # before anything runs
    result = run_experiment(args.experiment, args.level, preset=args.preset, seed=args.seed,
                            overrides=overrides, device=args.device, out=out, quiet=args.quiet,
                            overwrite=args.overwrite, config=config, nwb=args.nwb)
    if not args.quiet:
        print(json.dumps({k: result.metrics[k] for k in sorted(result.metrics)}, indent=1,
                         default=str))
    print(f"wrote {out}")
    return 0


def _check_nwb(args: argparse.Namespace) -> None:
    """``--nwb`` needs pynwb: say so before anything runs."""
    if getattr(args, "nwb", False):
        try:
            require("pynwb", "nwb", "--nwb (writing recording.nwb)")
        except MissingDependencyError as err:
            raise ConfigError("nwb", str(err)) from None


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo  # the simulation stack loads only for this command

    _check_nwb(args)
    run_demo(out=Path(args.out), preset=args.preset, seed=args.seed, quiet=args.quiet,
             nwb=args.nwb, device=args.device)
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    sweep = importlib.import_module("neurotoolkit.sweeps.run")  # Dask and tqdm load on use
    return int(sweep.main(args) or 0)


def _cmd_figures(args: argparse.Namespace) -> int:
    figures = importlib.import_module("neurotoolkit.figures")
    return int(figures.main(args) or 0)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from . import analyze  # the analysis stack loads only for this command (startup cost)

    try:
        return analyze.main(args)
    except (analyze.AnalyzeError, MissingDependencyError) as err:  # one line, exit status 2
        print(f"neurotoolkit: error: {err}", file=sys.stderr)
        return EXIT_USAGE


_COMMANDS = {"run": _cmd_run, "demo": _cmd_demo, "sweep": _cmd_sweep, "figures": _cmd_figures}
_COMMANDS["analyze"] = _cmd_analyze


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neurotoolkit`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except ConfigError as err:
        print(f"neurotoolkit: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except (FileNotFoundError, FileExistsError, OutputError) as err:
        print(f"neurotoolkit: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:  # after work began (disk full, a folder removed): nothing half-written
        print(f"neurotoolkit: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("neurotoolkit: interrupted; finished work is kept", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
