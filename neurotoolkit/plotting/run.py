"""The figure of a replay run, drawn from a Recording and its metrics.

Every function takes plain data (a Recording, metrics dictionaries) and draws
on a matplotlib Axes or returns a Figure; nothing here runs a simulation.
:func:`run_figures` draws what a consolidation run at a spiking level shows
(the runner calls it; see :func:`neurotoolkit.runner.draw_figures`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..analysis import Recording, rate_gain_by_class
from ..results import RunResult
from .core import CLASS_COLOURS, figure

__all__ = ["plot_raster", "plot_weights_by_class", "plot_participation", "plot_run",
           "run_figures"]

def plot_raster(ax: Any, recording: Recording, t_start: float, t_stop: float, *,
                events: np.ndarray | None = None, shade: np.ndarray | None = None,
                labels: Sequence[str] = ("place", "cue")) -> None:
    """Raster of cells with a field, sorted by field centre, classes coloured.

    ``events`` are shaded grey, ``shade`` (e.g. cue windows) pale red.
    """
    cells = recording.cells(*labels)
    cells = cells[np.argsort(recording.field_centres[cells], kind="stable")]
    rank = np.full(recording.n_cells, -1)
    rank[cells] = np.arange(cells.size)
    times, ids = recording.spikes_between(t_start, t_stop, cells)
    for label in labels:
        mine = recording.cell_labels[ids] == label
        ax.scatter(times[mine], rank[ids[mine]], s=1.0, lw=0,
                   color=CLASS_COLOURS.get(label, "k"), label=label, rasterized=True)
    for intervals, colour in ((events, "0.85"), (shade, "#f6c6c6")):
        if intervals is None:
            continue
        for start, stop in np.asarray(intervals).reshape(-1, 2):
            if stop > t_start and start < t_stop:
                ax.axvspan(max(start, t_start), min(stop, t_stop), color=colour, lw=0,
                           zorder=-1)
    ax.set_xlim(t_start, t_stop)
    ax.xaxis.set_major_locator(MaxNLocator(5))  # long times need room: "179.25" x 9 overlap
    ax.set_ylim(-1, max(cells.size, 1))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("cell (sorted by field)")


def plot_weights_by_class(ax: Any, recording: Recording, pathway: str = "IE",
                          labels: Sequence[str] = ("place", "cue", "pyramidal")) -> None:
    """Mean (and SD) of learned weights onto each postsynaptic class."""
    if pathway not in recording.weights:
        ax.text(0.5, 0.5, f"no {pathway} weights", ha="center", transform=ax.transAxes)
        return
    _, j, w = recording.weights[pathway]
    labels = [label for label in labels if recording.cells(label).size]  # classes present
    means, sds = [], []
    for label in labels:
        onto = w[np.isin(j, recording.cells(label))]
        means.append(onto.mean() if onto.size else np.nan)
        sds.append(onto.std() if onto.size else np.nan)
    x = np.arange(len(labels))
    ax.bar(x, means, yerr=sds, color=[CLASS_COLOURS.get(lab, "k") for lab in labels],
           capsize=2)
    ax.set_xticks(x, labels)
    unit = recording.metadata.get("weight_unit", "nS")
    ax.set_ylabel(f"{pathway} weight onto class ({unit})")


def plot_participation(ax: Any, by_condition: Mapping[str, Sequence[Mapping[str, float]]],
                       labels: Sequence[str] = ("place", "cue"), *,
                       measure: str = "fraction") -> None:
    """Participation by class for each condition: bars are means, dots seeds.

    Parameters
    ----------
    ax : matplotlib Axes
    by_condition : mapping of str to list of mapping
        Condition name (e.g. a pathway set) to one metrics dictionary per seed.
    labels : sequence of str
        Cell classes drawn side by side.
    measure : {"fraction", "rate"}
        ``"fraction"``: the fraction of events in which a cell of the class
        fires (``<label>_participation``); ``"rate"``: the class's mean rate
        inside events (``<label>_event_rate_hz``), which one stray spike in a
        long event does not move.
    """
    if measure not in ("fraction", "rate"):
        raise ValueError(f"measure must be 'fraction' or 'rate', got {measure!r}")
    suffix, ylabel = (("_participation", "fraction of events") if measure == "fraction"
                      else ("_event_rate_hz", "mean rate inside events (Hz)"))
    width = 0.8 / max(len(labels), 1)
    rng = np.random.default_rng(0)  # jitter of the seed dots only
    for k, label in enumerate(labels):
        for c, runs in enumerate(by_condition.values()):
            values = np.array([r.get(f"{label}{suffix}", np.nan) for r in runs], float)
            x = c + (k - (len(labels) - 1) / 2) * width
            ax.bar(x, np.nanmean(values) if np.isfinite(values).any() else 0, width * 0.9,
                   color=CLASS_COLOURS.get(label, "k"), alpha=0.7,
                   label=label if c == 0 else None)
            ax.scatter(x + rng.uniform(-width / 5, width / 5, values.size), values, s=6,
                       color="k", zorder=3)
    ax.set_xticks(np.arange(len(by_condition)), list(by_condition))
    ax.set_ylabel(ylabel)
    ax.legend()


def _busiest_window(events: np.ndarray, t0: float, t1: float, width: float) -> tuple[float, float]:
    if len(events) == 0 or t1 - t0 <= width:
        return t0, min(t1, t0 + width)
    starts = events[:, 0]
    counts = [np.sum((starts >= s) & (starts < s + width)) for s in starts]
    begin = max(t0, float(starts[int(np.argmax(counts))]) - 0.1 * width)
    return begin, min(t1, begin + width)


def plot_run(recording: Recording, metrics: Mapping[str, float], events: np.ndarray,
             title: str = "") -> Any:
    """The figure of one run: online and offline rasters, I->E weights, rates in replay."""
    fig = figure(figsize=(10, 6.5))
    grid = fig.add_gridspec(2, 3, width_ratios=[2.2, 1, 1], hspace=0.45, wspace=0.4)
    ax_on, ax_off = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0])
    ax_w, ax_p = fig.add_subplot(grid[0, 1:]), fig.add_subplot(grid[1, 1:])

    on0, on1 = recording.phase("online")
    lap = on1 / max(len(recording.intervals.get("laps", [[0, on1]])), 1)
    plot_raster(ax_on, recording, max(on0, on1 - 2 * lap), on1,
                shade=recording.intervals.get("cue"))
    ax_on.set_title("exploration, last two laps (cue windows shaded)")
    off0, off1 = recording.phase("offline")
    w0, w1 = _busiest_window(events, off0, off1, 2.0)
    plot_raster(ax_off, recording, w0, w1, events=events)
    ax_off.set_title(f"offline replay ({metrics.get('n_replay_events', 0)} events in "
                     f"{off1 - off0:g} s; events shaded)")
    ax_off.legend(loc="upper right", markerscale=6)

    plot_weights_by_class(ax_w, recording, "IE")
    ax_w.set_title("learned inhibition onto each class")

    # rates inside and outside events: with whole sweeps as events the
    # fraction of events a cell fires in counts one sporadic spike anywhere
    # in a sweep, and says little of what the raster shows
    if len(events):
        classes = [c for c in ("place", "cue", "pyramidal") if recording.cells(c).size]
        gains = rate_gain_by_class(recording, events, off0, off1, classes)
        x = np.arange(len(classes))
        colours = [CLASS_COLOURS[c] for c in classes]
        ax_p.bar(x - 0.2, [gains[c].inside for c in classes], 0.4, color=colours,
                 label="inside events")
        ax_p.bar(x + 0.2, [gains[c].outside for c in classes], 0.4, color=colours,
                 alpha=0.35, label="outside events")
        ax_p.set_xticks(x, classes)
        ax_p.legend(fontsize=7)
    else:
        ax_p.text(0.5, 0.5, "no replay events", ha="center", transform=ax_p.transAxes)
    ratio = metrics.get("rate_participation_ratio", np.nan)
    dist = metrics.get("sequence_distance", np.nan)
    ax_p.set_title(f"replay: cue/place rate {ratio:.2f}, seq. distance {dist:.2f}"
                   if np.isfinite([ratio, dist]).all() else "replay")
    ax_p.set_ylabel("rate at rest (Hz)")
    if title:
        fig.suptitle(title)
    return fig


def run_figures(result: RunResult, *, level: str, seed: int) -> dict[str, Any]:
    """The figures of a consolidation run at a spiking level: ``{"figure": ...}``.

    Parameters
    ----------
    result : RunResult
        The analysed run (Recording with its ``"events"`` intervals, metrics,
        config).
    level : str
        ``"lif"`` or ``"dendritic"`` (the title).
    seed : int
        The run's seed (the title).
    """
    config = result.config
    recording = result.recording
    title = (f"{level}, {config.plasticity.pathways}, {config.cue.placement} cue, "
             f"{config.network.n_pyramidal} pyramidal cells, seed {seed}")
    return {"figure": plot_run(recording, result.metrics, recording.intervals["events"],
                               title=title)}
