"""The demo's figure: pathway sets side by side (offline rasters, rates in events, inhibition)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..analysis import Recording
from .core import CLASS_COLOURS, figure
from .run import plot_raster

__all__ = ["comparison_figure", "format_value"]


def format_value(value: Any) -> str:
    """A metric as printed in summaries: three significant digits, ``n/a`` for nan."""
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.3g}"
    return str(value)


def comparison_figure(metrics: Mapping[str, Mapping[str, Any]],
                      recordings: Mapping[str, Recording]) -> Any:
    """Offline rasters of each pathway set, rates in events by class and I->E weights."""
    sets = list(metrics)
    fig = figure(figsize=(11, 3.2 * len(sets)))
    grid = fig.add_gridspec(len(sets), 3, width_ratios=[2.4, 1, 1], hspace=0.55, wspace=0.4)
    for row, name in enumerate(sets):
        recording, m = recordings[name], metrics[name]
        t0, t1 = recording.phase("offline")
        events = recording.intervals.get("events", np.zeros((0, 2)))
        ax = fig.add_subplot(grid[row, 0])
        start = float(events[0, 0]) - 0.2 if len(events) else t0
        plot_raster(ax, recording, max(t0, start), min(t1, max(t0, start) + 2.0),
                    events=events)
        ax.set_title(f"{name}: offline activity, events shaded "
                     f"({m.get('n_replay_events', 0)} events)")
        ax_p = fig.add_subplot(grid[row, 1])
        # rates, not the fraction of events a cell fires in: one sporadic
        # spike anywhere in a whole sweep counts as taking part
        values = [m.get("place_event_rate_hz", np.nan), m.get("cue_event_rate_hz", np.nan)]
        ax_p.bar([0, 1], np.nan_to_num(values), color=[CLASS_COLOURS["place"],
                                                        CLASS_COLOURS["cue"]])
        ax_p.set_xticks([0, 1], ["place", "cue"])
        ax_p.set_ylabel("rate inside events (Hz)")
        ratio = format_value(m.get("rate_participation_ratio", np.nan))
        ax_p.set_title(f"replay, cue / place {ratio}")
        ax_w = fig.add_subplot(grid[row, 2])
        ax_w.bar([0, 1], [m.get("w_ie_place_mean", np.nan), m.get("w_ie_cue_mean", np.nan)],
                 color=[CLASS_COLOURS["place"], CLASS_COLOURS["cue"]])
        ax_w.set_xticks([0, 1], ["onto place", "onto cue"])
        ax_w.set_ylabel("mean I->E weight (nS)")
        ax_w.set_title("learned inhibition")
    return fig
