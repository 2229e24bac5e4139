"""What a run produces, and the names every layer shares (the bottom layer).

:class:`RunResult` is what an experiment returns and the runner writes;
:data:`LEVELS` and :data:`DEVICES` are the levels of abstraction and the
Brian2 devices a run accepts; the metric tables name the keys that runs,
summaries and comparisons report.  This module imports nothing of the
package but :mod:`neurotoolkit.config`, so every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Section

__all__ = [
    "LEVELS",
    "DEVICES",
    "DEVICE_CHOICES",
    "RUN_KEYS",
    "SUMMARY_KEYS",
    "COMPARISON_KEYS",
    "RunResult",
]

#: Levels of abstraction an experiment runs at.
LEVELS = ("lif", "dendritic", "binary")

#: Brian2 devices a run accepts (the binary level ignores the device).
DEVICES = ("runtime", "cpp_standalone")

#: What a command accepts for ``--device``: a device, or ``auto`` (the
#: default), which picks one for the run's size and the machine.
DEVICE_CHOICES = ("auto", *DEVICES)

#: Keys the ``metrics.json`` of every consolidation run holds, at every level.
RUN_KEYS = ("n_replay_events", "significant_fraction", "place_participation",
            "cue_participation", "participation_ratio", "w_ie_cue_mean", "w_ie_place_mean",
            "sequence_distance", "place_cue_count_correlation", "wall_time_s")

#: Replay metrics of the demo's summary line and table, in print order.
SUMMARY_KEYS = ("n_replay_events", "rate_participation_ratio", "cue_rate_gain",
                "place_rate_gain", "participation_ratio", "sequence_distance",
                "significant_fraction", "w_ie_cue_mean", "w_ie_place_mean",
                "place_cue_count_correlation")

#: Metrics kept per (seed, pathway set) when pathway sets are compared.
COMPARISON_KEYS = ("n_replay_events", "n_trajectory_events", "participation_ratio",
                   "rate_participation_ratio", "place_rate_gain", "cue_rate_gain",
                   "place_participation",
                   "cue_participation", "sequence_distance", "sequence_distance_chance",
                   "significant_fraction", "w_ie_cue_mean", "w_ie_place_mean",
                   "place_cue_count_correlation", "rate_pyramidal_offline_hz",
                   "consolidated_sequence_distance", "consolidated_sequence_distance_chance",
                   "consolidated_cue_weight_ratio")


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
    artefacts : dict
        In-memory results that the run's figures are drawn from (e.g. fitted
        curves, a trained network); not written to disk.
    """

    metrics: dict[str, Any]
    recording: Any = None
    figures: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    config: Section | None = None
    out: Path | None = None
    artefacts: dict[str, Any] = field(default_factory=dict)
