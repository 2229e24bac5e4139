"""``neurotoolkit analyze``: the replay analysis of a run, on a lab's file.

::

    neurotoolkit analyze FILE [--rest START:STOP | --rest-from INTERVALS]
                 [--run START:STOP] [--out DIR] [--seed N] [--set KEY=VALUE ...]

``FILE`` is an NWB file (``.nwb``; the layout labs publish or the toolkit's),
a toolkit Recording (``.npz``) or any file Neo reads (``.pkl`` from
:func:`~neurotoolkit.interop.write_neo`, ``.nix``, ...).  The analysis is
the one every run uses (:func:`~neurotoolkit.protocols.metrics.detect_offline_events`
and :func:`~neurotoolkit.protocols.metrics.replay_metrics`): replay events in
the rest, decoding with tuning curves from the run, line-fit scores against
cell-identity and time-bin shuffles, participation by label, and the distance
of each event's order to the order of the place fields.  It writes a run
directory with the same ``metrics.json`` keys and figure as a run, plus
``replay.png`` (decoded events), ``events.csv`` (per event: bounds, line fit,
weighted correlation, p-values, significance; the shuffles are drawn anew, so
a p-value near the level may differ from the draw behind
``significant_fraction``), ``recording.npz`` (what was analysed: labels and
field centres included), ``config.toml`` (the analysis settings) and
``provenance.json``.

The periods
-----------
- The rest is ``--rest START:STOP`` (seconds), or the interval set
  ``--rest-from NAME`` (an NWB interval table, ``"<table>:<tag>"`` for the
  rows with a tag, e.g. ``epochs:sleep``; several rows: from the first start
  to the last stop), or else the file's ``offline`` interval.
- The run (for tuning curves) is ``--run START:STOP``, or else the file's
  ``online`` interval, or else every moment outside the rest at which the
  animal moves at least :data:`RUN_SPEED` (cm/s).

The cells
---------
In the toolkit's own files every label is kept.  In a lab's file (NWB or
Neo), cells labelled ``place`` or ``cue`` and cells whose label names an
interneuron (:data:`INTERNEURON_WORDS`) keep their label; every other cell
(unlabelled, ``pyramidal``, ``pyr``, ...) is classed by its spatial
information in the run (:func:`~neurotoolkit.analysis.spatial.classify_place_cells`:
Skaggs information significant at p <= 0.01 against 200 copies with its
spikes at random moments of the run, at least 10 spikes and a 1 Hz peak): ``place`` with the peak
of its rate map as field centre, else ``pyramidal``.  Replay is detected on
``place``, ``cue`` and ``pyramidal`` cells, decoded from ``place`` and
``cue`` cells, and ordered against the order of their field centres.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import (
    Recording,
    RecordingError,
    bin_event_spikes,
    classify_place_cells,
    compute_tuning_curves,
    participation_by_class,
    score_replay_events,
)
from .config import ConfigError, magnitude, parse_override
from .interop import MissingDependencyError, read_recording
from .io import check_output, run_directory
from .plotting import figure, plot_posterior, plot_raster, plot_run
from .protocols.metrics import PYRAMIDAL_LABELS, detect_offline_events, replay_metrics
from .protocols.settings import AnalysisConfig
from .results import RunResult
from .runner import write_run

__all__ = [
    "INTERNEURON_WORDS",
    "RUN_SPEED",
    "AnalyzeError",
    "analyze_file",
    "main",
    "parse_span",
    "prepare_recording",
]

#: cm/s: the animal runs (for a run period found as "outside the rest").
RUN_SPEED = 5.0
#: Lower-case label fragments that mark an interneuron in a lab's file.
INTERNEURON_WORDS = ("interneuron", "inh", "basket", "fast", "fs", "int")
_KEEP_LABELS = ("place", "cue")


class AnalyzeError(ValueError):
    """The file or the periods cannot be analysed; the message names what is missing."""


def parse_span(text: str, option: str) -> tuple[float, float]:
    """``"START:STOP"`` in seconds as ``(start, stop)``; an empty span is an error."""
    match = re.fullmatch(r"\s*([^:]+):([^:]+)\s*", text or "")
    try:
        if match is None:
            raise ValueError
        start, stop = float(match.group(1)), float(match.group(2))
    except ValueError:
        raise AnalyzeError(f"{option}: expected START:STOP in seconds, got {text!r}") from None
    if not (np.isfinite(start) and np.isfinite(stop)):
        raise AnalyzeError(f"{option}: START and STOP must be finite, got {text!r}")
    if stop <= start:
        raise AnalyzeError(f"{option} {text}: the period is empty (STOP must be after START)")
    return start, stop


def _read(path: Path) -> Any:
    try:
        return read_recording(path)
    except (MissingDependencyError, FileNotFoundError):
        raise
    except (RecordingError, ValueError, OSError) as err:
        raise AnalyzeError(str(err).splitlines()[0]) from err


def _is_lab_file(recording: Any) -> bool:
    return recording.metadata.get("source") in ("nwb", "neo")


def _rest_period(recording: Any, rest: tuple[float, float] | None,
                 rest_from: str | None) -> tuple[float, float]:
    if rest is not None:
        return rest
    names = ", ".join(sorted(recording.intervals)) or "none"
    if rest_from is not None:
        if rest_from not in recording.intervals:
            raise AnalyzeError(f"--rest-from {rest_from}: the file has no such interval set "
                               f"(it has: {names})")
        iv = recording.intervals[rest_from]
        if iv.size == 0:
            raise AnalyzeError(f"--rest-from {rest_from}: the interval set is empty")
        start, stop = float(iv[:, 0].min()), float(iv[:, 1].max())
        if stop <= start:
            raise AnalyzeError(f"--rest-from {rest_from}: the rest is empty "
                               f"({start:g} to {stop:g} s)")
        return start, stop
    if "offline" in recording.intervals and recording.intervals["offline"].size:
        return recording.phase("offline")
    raise AnalyzeError(f"no rest period: give --rest START:STOP or --rest-from NAME "
                       f"(interval sets in the file: {names})")


def _session_span(recording: Any) -> tuple[float, float]:
    ends = [recording.spike_times, recording.position_times]
    values = np.concatenate([e for e in ends if e.size] or [np.zeros(1)])
    return float(values.min()), float(values.max()) + 1e-9


def _run_pieces(recording: Any, run: tuple[float, float] | None,
                rest: tuple[float, float]) -> tuple[list[tuple[float, float]], bool]:
    """The run period as pieces, and whether the speed criterion applies."""
    if run is not None:
        return [run], False
    if "online" in recording.intervals and recording.intervals["online"].size:
        return [recording.phase("online")], False
    t0, t1 = _session_span(recording)
    pieces = [(t0, min(rest[0], t1)), (max(rest[1], t0), t1)]
    return [(a, b) for a, b in pieces if b > a], True


def _masked_positions(recording: Any, pieces: Sequence[tuple[float, float]],
                      by_speed: bool) -> np.ndarray:
    """Positions with ``nan`` outside the run (and, if asked, while the animal is still)."""
    times, pos = recording.position_times, recording.positions.astype(float).copy()
    inside = np.zeros(times.size, dtype=bool)
    for a, b in pieces:
        inside |= (times >= a) & (times < b)
    if by_speed and times.size > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            speed = np.abs(np.diff(pos)) / np.diff(times)
        inside &= np.append(speed, speed[-1]) >= RUN_SPEED
    pos[~inside] = np.nan
    return pos


def _is_interneuron(label: str) -> bool:
    words = re.split(r"[^a-z]+", label.lower())
    return any(w in INTERNEURON_WORDS for w in words) or "interneuron" in label.lower()


def prepare_recording(recording: Any, *, rest: tuple[float, float] | None = None,
                      rest_from: str | None = None, run: tuple[float, float] | None = None,
                      position_bin: float = 5.0, seed: int = 1) -> tuple[Any, dict[str, Any]]:
    """The Recording the run analysis expects: ``online``/``offline`` phases, labels, fields.

    See the module docstring for the periods and the classing of cells.

    Returns
    -------
    recording : Recording
        With ``intervals["online"]`` (the run's span) and
        ``intervals["offline"]`` (the rest), positions ``nan`` outside the run,
        labels and field centres set, ``metadata["track_length_cm"]``.
    notes : dict
        What was decided: periods, label sources, counts of classed cells.

    Raises
    ------
    AnalyzeError
        Naming what is missing: position, spikes in the rest, a run period.
    """
    rest = _rest_period(recording, rest, rest_from)
    if recording.position_times.size < 2 or not np.isfinite(recording.positions).any():
        raise AnalyzeError("no position in the file (no SpatialSeries under processing/behavior "
                           "or acquisition): decoding replay needs the animal's position")
    if recording.spikes_between(*rest)[0].size == 0:
        raise AnalyzeError(f"the rest {rest[0]:g}:{rest[1]:g} s holds no spikes: empty rest")
    pieces, by_speed = _run_pieces(recording, run, rest)
    positions = _masked_positions(recording, pieces, by_speed)
    if np.isfinite(positions).sum() < 2:
        raise AnalyzeError("no run period with the animal moving: give --run START:STOP")
    run_span = (min(a for a, _ in pieces), max(b for _, b in pieces))
    if run_span[0] < rest[1] and rest[0] < run_span[1] and not by_speed:
        raise AnalyzeError(f"the run {run_span[0]:g}:{run_span[1]:g} s overlaps the rest "
                           f"{rest[0]:g}:{rest[1]:g} s")
    offset = float(np.nanmin(positions))
    offset = min(offset, 0.0)  # a track with negative coordinates starts at 0 for binning
    positions = positions - offset
    labels = np.array(recording.cell_labels, dtype=object)  # room for longer labels
    centres = recording.field_centres.copy()
    notes: dict[str, Any] = {"rest_s": list(rest), "run_s": [list(p) for p in pieces],
                             "run_by_speed": by_speed, "position_offset": -offset}
    if _is_lab_file(recording):
        shifted = dataclasses.replace(recording, positions=positions)
        classes = classify_place_cells(shifted, run_span, bin_size=position_bin, rng=seed)
        keep = np.isin(labels, _KEEP_LABELS) | np.array([_is_interneuron(x) for x in labels],
                                                        dtype=bool)
        classed = ~keep
        labels[classed] = np.where(classes.is_place[classed], "place", "pyramidal")
        known = np.isfinite(centres)
        centres = np.where(known, centres - offset, classes.field_centres)
        notes.update(cells_classed=int(classed.sum()),
                     place_cells_found=int((classed & classes.is_place).sum()))
    else:
        centres = centres - offset
    metadata = dict(recording.metadata)
    metadata.setdefault("track_length_cm", float(np.nanmax(positions)))
    metadata["analysed"] = notes
    latent = None if _is_lab_file(recording) else recording.latent_order
    intervals = {**recording.intervals, "online": [list(run_span)], "offline": [list(rest)]}
    analysed = Recording.from_arrays(
        spike_times=recording.spike_times, spike_ids=recording.spike_ids, cell_labels=labels,
        field_centres=centres, latent_order=latent if latent is not None and latent.size
        else None, position_times=recording.position_times, positions=positions,
        position_unit=recording.position_unit, intervals=intervals,
        weights=recording.weights, metadata=metadata)
    if analysed.cells("place", "cue").size < 2:
        raise AnalyzeError("fewer than two place cells: replay cannot be decoded "
                           "(no cell has significant spatial information in the run)")
    return analysed, notes


def _run_rate(recording: Any, pieces: Sequence[Sequence[float]]) -> float:
    cells = recording.cells(*PYRAMIDAL_LABELS)
    spikes = sum(recording.spikes_between(a, b, cells)[0].size for a, b in pieces)
    duration = sum(b - a for a, b in pieces)
    return spikes / max(cells.size, 1) / max(duration, 1e-12)


def _event_scores(recording: Any, events: np.ndarray, analysis: Any, seed: int) -> Any:
    cells = recording.cells("place", "cue")
    length = float(recording.metadata["track_length_cm"])
    n_bins = max(round(length / magnitude(analysis.position_bin, "cm")), 2)
    tuning = compute_tuning_curves(recording, n_bins=n_bins, track_range=(0.0, length),
                                   phase="online", cells=cells, smoothing=5.0)
    counts = bin_event_spikes(recording.spike_times, recording.spike_ids, events,
                              bin_size=magnitude(analysis.decode_bin, "s"), cells=cells)
    scores = score_replay_events(counts, np.nan_to_num(tuning.rates, nan=0.0),
                                 n_shuffles=analysis.n_shuffles,
                                 alpha=analysis.significance_level, rng=seed)
    return scores, tuning


def _events_table(events: np.ndarray, scores: Any) -> str:
    lines = [("start_s,stop_s,n_active,line_fit,weighted_correlation,"
              "p_cell_identity,p_time_bin,significant")]
    for k, (start, stop) in enumerate(events):
        p_id = scores.p_values["cell_identity"]["line_fit"][k]
        p_time = scores.p_values["time_bin"]["line_fit"][k]
        lines.append(f"{start:.6f},{stop:.6f},{scores.n_active[k]},{scores.line_fit[k]:.6g},"
                     f"{scores.weighted_correlation[k]:.6g},{p_id:.6g},{p_time:.6g},"
                     f"{int(bool(scores.significant[k]))}")
    return "\n".join(lines) + "\n"


def _replay_figure(recording: Any, events: np.ndarray, scores: Any, tuning: Any,
                   bin_size: float, title: str) -> Any:
    fig = figure(figsize=(10, 6))
    grid = fig.add_gridspec(2, 3, height_ratios=[1, 1.1], hspace=0.55, wspace=0.35)
    ax_raster = fig.add_subplot(grid[0, :])
    off0, off1 = recording.phase("offline")
    if len(events) == 0:
        plot_raster(ax_raster, recording, off0, min(off1, off0 + 2.0))
        ax_raster.set_title("rest: no replay event detected")
        fig.suptitle(title)
        return fig
    order = np.argsort(-np.nan_to_num(scores.line_fit, nan=-1.0), kind="stable")[:3]
    best = events[order[0]]
    plot_raster(ax_raster, recording, max(off0, best[0] - 0.5), min(off1, best[1] + 0.5),
                events=events)
    ax_raster.set_title(f"rest around the best event ({len(events)} events; "
                        f"{np.nanmean(scores.significant):.2f} significant)")
    edges = tuning.bin_edges
    for column, k in enumerate(order):
        ax = fig.add_subplot(grid[1, column])
        plot_posterior(ax, scores.posteriors[k], bin_size, (edges[0], edges[-1]),
                       line=(float(scores.slope[k]), float(scores.intercept[k])), band=3,
                       position_unit=recording.position_unit)
        ax.set_title(f"event at {events[k, 0]:.2f} s: score {scores.line_fit[k]:.2f}\n"
                     f"p(identity) {scores.p_values['cell_identity']['line_fit'][k]:.3f}, "
                     f"p(time) {scores.p_values['time_bin']['line_fit'][k]:.3f}", fontsize=8)
    fig.suptitle(title)
    return fig


def analyze_file(path: str | Path, *, rest: tuple[float, float] | None = None,
                 rest_from: str | None = None, run: tuple[float, float] | None = None,
                 analysis: Any = None, seed: int = 1) -> Any:
    """Run the replay analysis of a run on a file; nothing is written.

    Parameters
    ----------
    path : path
        NWB, toolkit ``.npz`` or Neo file.
    rest, rest_from, run
        The periods (see the module docstring).
    analysis : AnalysisConfig, optional
        Detection and scoring settings (default: the runs' defaults).
    seed : int
        Seeds the shuffles and the classing of cells.

    Returns
    -------
    RunResult
        Metrics (the keys of a run's ``metrics.json``), the analysed
        Recording, figures ``figure`` and ``replay``, table ``events.csv``.
    """
    started = time.perf_counter()
    analysis = analysis if analysis is not None else AnalysisConfig()
    source = _read(Path(path))
    recording, notes = prepare_recording(source, rest=rest, rest_from=rest_from, run=run,
                                         position_bin=magnitude(analysis.position_bin, "cm"),
                                         seed=seed)
    events = detect_offline_events(recording, analysis)
    recording = dataclasses.replace(recording, intervals={**recording.intervals,
                                                          "events": events})
    rng = np.random.default_rng(seed)
    metrics = replay_metrics(recording, analysis, rng, events=events)
    metrics["rate_pyramidal_online_hz"] = _run_rate(recording, notes["run_s"])
    if len(events):
        by_label = participation_by_class(recording, events)
        metrics.update({f"{label}_participation": value for label, value in by_label.items()})
    metrics["n_place_cells"] = int(recording.cells("place").size)
    metrics["rest_start_s"], metrics["rest_stop_s"] = notes["rest_s"]
    scores, tuning = _event_scores(recording, events, analysis, seed)
    metrics["wall_time_s"] = time.perf_counter() - started
    title = f"{Path(path).name}: replay in the rest {notes['rest_s'][0]:g}-{notes['rest_s'][1]:g} s"
    figures = {"figure": plot_run(recording, metrics, events, title=title),
               "replay": _replay_figure(recording, events, scores, tuning,
                                        magnitude(analysis.decode_bin, "s"), title)}
    return RunResult(metrics=metrics, recording=recording, figures=figures,
                     tables={"events.csv": _events_table(events, scores)}, config=analysis)


def main(args: argparse.Namespace) -> int:
    """Run ``neurotoolkit analyze`` (arguments from :func:`neurotoolkit.cli.build_parser`)."""
    path = Path(args.file)
    if not path.exists():
        raise FileNotFoundError(f"no file at {path}")
    rest = parse_span(args.rest, "--rest") if args.rest is not None else None
    run = parse_span(args.run, "--run") if args.run is not None else None
    overrides = dict(parse_override(text) for text in args.overrides)
    overrides = {k.removeprefix("analysis."): v for k, v in overrides.items()}
    analysis = AnalysisConfig().with_overrides(overrides)
    if args.seed < 0:
        raise ConfigError("seed", f"must be a non-negative integer, got {args.seed}")
    out = Path(args.out) if args.out else Path("runs") / (
        f"analyze-{path.stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    check_output(out, overwrite=args.overwrite)  # before any work
    result = analyze_file(path, rest=rest, rest_from=args.rest_from, run=run,
                          analysis=analysis, seed=args.seed)
    with run_directory(out, overwrite=args.overwrite) as partial:
        write_run(result, partial, {"command_name": "analyze", "input": str(path.resolve()),
                                    "seed": args.seed, "rest": args.rest,
                                    "rest_from": args.rest_from, "run": args.run,
                                    "overrides": overrides})
    if not args.quiet:
        keys = ("n_replay_events", "significant_fraction", "place_participation",
                "sequence_distance", "sequence_distance_chance", "n_place_cells")
        print(json.dumps({k: result.metrics.get(k) for k in keys}, indent=1, default=str))
    print(f"wrote {out}")
    return 0
