"""The results table of a sweep: ``OUT/results.csv``, one row per finished point.

Columns, in order::

    point_id, <parameter keys...>, seed, status, <metrics...>, wall_time_s, error, run_dir

- parameter keys: the sweep's dotted keys (``[grid]``, ``[zip]``, then ``[set]``);
- ``status``: ``ok`` or ``failed``;
- metrics: the union of the points' ``metrics.json`` keys, the consolidation
  metrics of DESIGN.md first, the rest in alphabetical order (so the columns
  do not depend on which point finished first); ``nan`` where a metric is
  undefined, empty where a point has no such metric (or failed);
- ``wall_time_s``: seconds the point took (its ``metrics.json`` value);
- ``error``: ``ExceptionType: message`` of a failed point (its log is
  ``OUT/logs/<point_id>.log``);
- ``run_dir``: the point's run directory relative to ``OUT`` (``points/<id>``).

Rows are in the sweep's expansion order, not in the order points finished,
so the same sweep gives the same table on every executor.  The table is
rewritten atomically (temporary file, then rename) after every finished
point, and rebuilt on a rerun from the run directories on disk, which are the
source of truth: a run directory appears (atomically) only when its point has
finished.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..io import atomic_write_text
from .spec import Sweep

__all__ = ["Outcome", "ResultsTable", "STANDARD_METRICS", "read_table"]

#: Metrics of a consolidation run (DESIGN.md), first among the metric columns.
STANDARD_METRICS = ("n_replay_events", "significant_fraction", "place_participation",
                    "cue_participation", "participation_ratio", "w_ie_cue_mean",
                    "w_ie_place_mean", "sequence_distance", "place_cue_count_correlation")
TIME_COLUMN = "wall_time_s"


@dataclass
class Outcome:
    """What became of one point (sent from a worker as a plain dict).

    ``metrics`` hold JSON values (``None`` for an undefined number), exactly
    as the point's ``metrics.json`` holds them.
    """

    id: str
    status: str
    metrics: dict[str, Any] = field(default_factory=dict)
    wall_time_s: float = math.nan
    error: str = ""
    run_dir: str = ""

    def to_message(self) -> dict[str, Any]:
        """A plain dict (picklable and serialisable everywhere)."""
        return asdict(self)

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> Outcome:
        """Inverse of :meth:`to_message`."""
        return cls(**message)


def _cell(value: Any) -> str:
    if value is None:
        return "nan"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value)
    return str(value)


def read_table(path: str | Path) -> list[dict[str, str]]:
    """Rows of a ``results.csv`` as dictionaries of text (empty list if no file)."""
    path = Path(path)
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _metric_order(keys: set[str]) -> list[str]:
    return [k for k in STANDARD_METRICS if k in keys] + sorted(keys - set(STANDARD_METRICS))


class ResultsTable:
    """The rows of a sweep's finished points and the file they are written to.

    Parameters
    ----------
    out : path
        The sweep's output folder (``results.csv`` and ``points/`` inside).
    sweep : Sweep
        The sweep whose points the rows describe.
    """

    def __init__(self, out: str | Path, sweep: Sweep):
        self.out = Path(out)
        self.path = self.out / "results.csv"
        self.sweep = sweep
        self.rows: dict[str, Outcome] = {}

    def run_dir(self, point_id: str) -> Path:
        """The run directory of a point."""
        return self.out / "points" / point_id

    def recover(self) -> int:
        """Take the rows of points finished before (a rerun); return how many are ``ok``.

        A point is finished when its run directory holds ``metrics.json``
        (whether or not an earlier table got to list it: a sweep killed
        between a point's end and the table's update loses nothing).  Failed
        rows of an earlier table are kept until their points are retried.
        """
        previous = {row.get("point_id"): row for row in read_table(self.path)}
        finished = 0
        for point in self.sweep.points:
            run_dir = self.run_dir(point.id)
            if (run_dir / "metrics.json").is_file():
                metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
                wall = metrics.get(TIME_COLUMN)
                self.rows[point.id] = Outcome(point.id, "ok", metrics,
                                              math.nan if wall is None else float(wall), "",
                                              f"points/{point.id}")
                finished += 1
            elif previous.get(point.id, {}).get("status") == "failed":
                row = previous[point.id]
                try:
                    wall = float(row.get(TIME_COLUMN) or "nan")
                except ValueError:
                    wall = math.nan
                self.rows[point.id] = Outcome(point.id, "failed", {}, wall,
                                              row.get("error", ""), "")
        return finished

    def record(self, outcome: Outcome) -> None:
        """Add or replace the row of ``outcome``'s point."""
        self.rows[outcome.id] = outcome

    def is_done(self, point_id: str) -> bool:
        """True when the point finished ``ok`` and its run directory exists."""
        row = self.rows.get(point_id)
        return bool(row and row.status == "ok" and self.run_dir(point_id).is_dir())

    def counts(self) -> dict[str, int]:
        """Rows by status."""
        out = {"ok": 0, "failed": 0}
        for row in self.rows.values():
            out[row.status] = out.get(row.status, 0) + 1
        return out

    def columns(self) -> tuple[list[str], list[str]]:
        """(all column names, metric column names) for the current rows."""
        metric_keys: set[str] = set()
        for row in self.rows.values():
            metric_keys.update(row.metrics)
        metric_keys.discard(TIME_COLUMN)
        metrics = _metric_order(metric_keys)
        return (["point_id", *self.sweep.parameter_keys, "seed", "status", *metrics,
                 TIME_COLUMN, "error", "run_dir"], metrics)

    def to_csv(self) -> str:
        """The table as CSV text."""
        columns, metrics = self.columns()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for point in self.sweep.points:
            row = self.rows.get(point.id)
            if row is None:
                continue
            cells = [point.id, *(_cell(point.params[k]) for k in self.sweep.parameter_keys),
                     str(point.seed), row.status]
            cells += [_cell(row.metrics[k]) if k in row.metrics else "" for k in metrics]
            wall = "" if math.isnan(row.wall_time_s) else f"{row.wall_time_s:.3f}"
            cells += [wall, row.error, row.run_dir]
            writer.writerow(cells)
        return buffer.getvalue()

    def write(self) -> Path:
        """Write ``results.csv`` atomically (a crash leaves the previous table intact)."""
        return atomic_write_text(self.path, self.to_csv())

