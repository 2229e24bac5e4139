"""``neurotoolkit demo``: the main job in one command.

A 2000-cell CA3 network explores a track with a randomly placed salient cue,
then rests; the same network (same connectivity, inputs and noise) is run
once with excitatory plasticity only (``EE``) and once with inhibitory
plasticity too (``EE+IE``).  The run is compiled once as a C++ standalone
program (cached, so a second demo starts at once) and run once per pathway
set, the runs side by side when the machine has two cores or more (where no
C++ compiler works, the runs use Brian2's runtime device, one after the
other).  Writes one run directory per pathway set, a comparison figure and a
summary table under ``--out``.
"""

from __future__ import annotations

import math
import time
from functools import partial
from pathlib import Path

from .analysis import Recording
from .io import atomic_write_text, check_output, mark_run_folder, output_lock
from .plasticity.pathways import pathway_key
from .plotting.comparison import comparison_figure, format_value
from .protocols.comparison import run_pathway_set
from .protocols.consolidation import run_consolidation
from .protocols.devices import choose_device
from .protocols.settings import SpikingConfig
from .protocols.standalone import StandaloneSimulation, side_by_side
from .results import SUMMARY_KEYS, RunResult
from .runner import finish_run, resolve_config, write_run

__all__ = ["run_demo"]


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        print(text, flush=True)


def run_demo(out: Path = Path("runs/demo"), preset: str = "default", seed: int = 1,
             quiet: bool = False, pathway_sets: tuple[str, ...] = ("EE", "EE+IE"),
             nwb: bool = False, device: str = "auto") -> dict:
    """Run the demo; return ``{pathway set: metrics}``.

    Parameters
    ----------
    out : Path
        Output folder (written into if it holds an earlier demo); checked
        before anything runs and locked while the demo writes it.
    preset : str
        Point-neuron preset (``default``; ``tiny`` for a quick look).
    seed : int
        Seed of the network, inputs and noise (shared by both pathway sets).
    quiet : bool
        No progress output.
    pathway_sets : tuple of str
        Which plasticity pathway sets to compare.
    nwb : bool
        Each run also writes ``recording.nwb`` (needs ``neurotoolkit[nwb]``).
    device : {"auto", "runtime", "cpp_standalone"}
        Brian2 device (:func:`~neurotoolkit.protocols.devices.choose_device`).
    """
    started = time.perf_counter()
    out = Path(out)
    config = resolve_config("consolidation", "lif", preset)
    choice = choose_device(device, config, "lif")
    check_output(out, existing_ok=True)  # a file, no parent, not writable: refused now
    with output_lock(out):  # a second demo into the same folder is refused at once
        out.mkdir(parents=True, exist_ok=True)
        mark_run_folder(out, kind="demo")
        return _run_demo(out, config, preset, seed, quiet, pathway_sets, started, nwb,
                         choice.device)


def _run_demo(out: Path, config: SpikingConfig, preset: str, seed: int, quiet: bool,
              pathway_sets: tuple[str, ...], started: float, nwb: bool, device: str) -> dict:
    _say(quiet, f"neurotoolkit demo: {config.network.n_pyramidal} pyramidal cells, "
                f"{config.track.n_laps} laps online, {config.offline_duration_s:g} s offline, "
                f"pathway sets {', '.join(pathway_sets)}; output in {out}")
    jobs = [(pathways, out / pathway_key(pathways)) for pathways in pathway_sets]
    if device == "runtime":
        metrics = {}
        for pathways, run_dir in jobs:
            _say(quiet, f"simulating with plasticity {pathways} (runtime device) ...")
            metrics[pathways] = _run_one_runtime(config, pathways, run_dir, preset, seed, nwb,
                                                 quiet)
            _say(quiet, "  " + _summary_line(pathways, metrics[pathways]))
    else:
        _say(quiet, "compiling the network (cached after the first demo) ...")
        with StandaloneSimulation(config, level="lif", seed=seed, quiet=quiet) as simulation:
            _say(quiet, f"  ready in {simulation.build_s:.0f} s")
            for pathways, _ in jobs:
                _say(quiet, f"simulating with plasticity {pathways} ...")
            # one compiled program, the pathway sets side by side on the cores
            done = side_by_side([partial(_run_one, simulation, config, p, d, preset, seed, nwb)
                                 for p, d in jobs])
            metrics = {pathways: m for (pathways, _), m in zip(jobs, done, strict=True)}
            for pathways, _ in jobs:
                _say(quiet, "  " + _summary_line(pathways, metrics[pathways]))
    recordings = {p: Recording.load(d / "recording.npz") for p, d in jobs}
    figure = comparison_figure(metrics, recordings)
    figure.savefig(out / "comparison.png", dpi=110)
    figure.savefig(out / "comparison.pdf")
    table = _table(metrics)
    atomic_write_text(out / "summary.md", table)
    _say(quiet, "\n" + table)
    _say(quiet, f"done in {time.perf_counter() - started:.0f} s; figure: "
                f"{out / 'comparison.png'}")
    return metrics


def _run_one(simulation: StandaloneSimulation, config: SpikingConfig, pathways: str,
             run_dir: Path, preset: str, seed: int, nwb: bool = False) -> dict:
    """Run one pathway set on the compiled program, analyse it, write its directory."""
    started = time.perf_counter()
    _, result = run_pathway_set(simulation, config, pathways, level="lif", seed=seed)
    return _write_one(result, run_dir, preset, seed, "cpp_standalone", started, nwb)


def _run_one_runtime(config: SpikingConfig, pathways: str, run_dir: Path, preset: str,
                     seed: int, nwb: bool, quiet: bool) -> dict:
    """Run one pathway set on Brian2's runtime device, analyse it, write its directory."""
    started = time.perf_counter()
    variant = config.with_overrides({"plasticity.pathways": pathways})
    result = run_consolidation(variant, level="lif", seed=seed, device="runtime", quiet=quiet)
    result.config = variant
    return _write_one(result, run_dir, preset, seed, "runtime", started, nwb)


def _write_one(result: RunResult, run_dir: Path, preset: str, seed: int, device: str,
               started: float, nwb: bool) -> dict:
    """Finish one pathway set's run (figures) and write its directory; return its metrics."""
    config = result.config
    result = finish_run(result, "consolidation", "lif", seed=seed, config=config,
                        started=started)
    run_dir.mkdir(parents=True, exist_ok=True)
    mark_run_folder(run_dir)
    write_run(result, run_dir, {"experiment": "consolidation", "level": "lif",
                                "preset": preset, "seed": seed, "device": device,
                                "overrides": {"plasticity.pathways":
                                              config.plasticity.pathways}}, nwb=nwb)
    return dict(result.metrics)


def _summary_line(pathways: str, metrics: dict) -> str:
    return ", ".join(f"{k} {format_value(metrics.get(k, math.nan))}" for k in SUMMARY_KEYS)


def _table(by_set: dict[str, dict]) -> str:
    sets = list(by_set)
    lines = ["| metric | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets)]
    for key in SUMMARY_KEYS + ("rate_pyramidal_offline_hz", "wall_time_s"):
        lines.append(f"| {key} | " + " | ".join(format_value(by_set[s].get(key, math.nan))
                                                for s in sets) + " |")
    return "\n".join(lines) + "\n"
