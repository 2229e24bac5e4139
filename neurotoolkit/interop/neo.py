"""Recording <-> Neo (``Block`` / ``Segment`` / ``SpikeTrain``), for Elephant and Neo's file formats.

:func:`to_neo` gives one ``Block`` with one ``Segment``:

- one ``SpikeTrain`` per cell (in cell-id order), annotated with
  ``cell_id``, ``cell_label``, ``field_centre`` and ``latent_rank``;
- the trajectory as an ``IrregularlySampledSignal`` named ``"position"``
  (units cm, or dimensionless with the unit in its annotations);
- each interval set as an ``Epoch`` named after it; its exact stops travel as
  the array annotation ``stop_s`` (``start + duration`` may differ from the
  stop in the last bit);
- weights and metadata as annotations of the Block.

:func:`from_neo` reads such a Block, or a lab's: spike trains of every segment
(annotated ``cell_label``, ``cell_type`` or ``label``, else
``"unlabelled"``), the first 1-d signal named ``position`` (or annotated
``position=True``), and every Epoch; with several segments, the spike trains
of the k-th position in each segment are one cell, and each segment's span
becomes the interval set ``"segment:<name or k>"``.  :func:`read_neo` opens
any file Neo can read (``neo.io.get_io``) and :func:`write_neo` writes Neo's
pickle format, which needs no further package.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import Recording
from ..io import atomic_write_bytes
from ._optional import require

__all__ = ["from_neo", "read_neo", "to_neo", "write_neo"]

_LABEL_KEYS = ("cell_label", "cell_type", "label")


def _neo(purpose: str) -> tuple[Any, Any]:
    neo = require("neo", "neo", purpose)
    pq = require("quantities", "neo", purpose)
    return neo, pq


def _t_stop(recording: Recording) -> float:
    ends = [recording.spike_times[-1:], recording.position_times[-1:]]
    ends += [iv[:, 1] for iv in recording.intervals.values()]
    return float(max((float(np.max(e)) for e in ends if np.size(e)), default=0.0))


def to_neo(recording: Recording) -> Any:
    """The Recording as a ``neo.Block`` (see the module docstring).

    Raises
    ------
    MissingDependencyError
        If neo is not installed (``pip install 'neurotoolkit[neo]'``).
    """
    neo, pq = _neo("converting to Neo")
    n = recording.n_cells
    rank = np.full(n, -1, dtype=np.int64)
    rank[recording.latent_order] = np.arange(recording.latent_order.size)
    t_stop = _t_stop(recording)
    block = neo.Block(name="neurotoolkit Recording")
    segment = neo.Segment(name="recording")
    block.segments.append(segment)
    order = np.argsort(recording.spike_ids, kind="stable")
    ends = np.cumsum(np.bincount(recording.spike_ids, minlength=n))
    starts = np.concatenate(([0], ends[:-1]))
    times = recording.spike_times[order]
    for cell in range(n):
        train = neo.SpikeTrain(times[starts[cell]:ends[cell]], units="s", t_start=0.0,
                               t_stop=t_stop, name=f"cell {cell}")
        train.annotate(cell_id=cell, cell_label=str(recording.cell_labels[cell]),
                       field_centre=float(recording.field_centres[cell]),
                       latent_rank=int(rank[cell]))
        segment.spiketrains.append(train)
    if recording.position_times.size:
        unit = "cm" if recording.position_unit == "cm" else "dimensionless"
        signal = neo.IrregularlySampledSignal(recording.position_times, recording.positions,
                                              units=unit, time_units="s", name="position")
        signal.annotate(position=True, position_unit=recording.position_unit)
        segment.irregularlysampledsignals.append(signal)
    for name, iv in recording.intervals.items():
        epoch = neo.Epoch(times=iv[:, 0] * pq.s, durations=(iv[:, 1] - iv[:, 0]) * pq.s,
                          labels=np.array([name] * len(iv), dtype="U"), name=name)
        epoch.array_annotate(stop_s=iv[:, 1].copy())
        segment.epochs.append(epoch)
    block.annotate(
        neurotoolkit_metadata=json.dumps(recording.metadata),
        position_unit=recording.position_unit,
        weight_names=list(recording.weights),
        **{f"weights_{name}_{part}": np.asarray(values)
           for name, triplet in recording.weights.items()
           for part, values in zip(("pre", "post", "weight"), triplet, strict=True)})
    return block


def _label(train: Any) -> str:
    for key in _LABEL_KEYS:
        if key in train.annotations:
            return str(train.annotations[key])
    return "unlabelled"


def _times_in_seconds(values: Any) -> np.ndarray:
    return np.asarray(values.rescale("s").magnitude, dtype=float)


def _position(segments: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, str | None]:
    times, values, unit = [], [], None
    for segment in segments:
        signals = list(segment.irregularlysampledsignals) + list(segment.analogsignals)
        for signal in signals:
            if signal.name == "position" or signal.annotations.get("position"):
                times.append(_times_in_seconds(signal.times))
                data = np.asarray(signal.magnitude, dtype=float)
                values.append(data[:, 0] if data.ndim == 2 else data)
                unit = signal.annotations.get("position_unit") or (
                    "cm" if str(signal.units.dimensionality) == "cm" else None)
                if unit is None and str(signal.units.dimensionality) == "m":
                    values[-1], unit = values[-1] * 100.0, "cm"
                break
    if not times:
        return np.zeros(0), np.zeros(0), None
    return np.concatenate(times), np.concatenate(values), unit


def from_neo(block: Any) -> Recording:
    """Build a Recording from a ``neo.Block`` (or a single ``neo.Segment``).

    See the module docstring for what is read from where.

    Raises
    ------
    ValueError
        If the block has no spike trains, or its segments hold different
        numbers of spike trains.
    """
    neo, _ = _neo("reading Neo data")
    segments = [block] if isinstance(block, neo.Segment) else list(block.segments)
    counts = {len(s.spiketrains) for s in segments}
    if not segments or counts == {0}:
        raise ValueError("the Neo data has no spike trains")
    if len(counts) > 1:
        raise ValueError(f"the Neo segments hold different numbers of spike trains "
                         f"({sorted(counts)}); cells cannot be matched across them")
    n = counts.pop()
    first = segments[0].spiketrains
    trains = [[s.spiketrains[k] for s in segments] for k in range(n)]
    times = [np.concatenate([_times_in_seconds(t.times) for t in cell]) for cell in trains]
    ids = np.repeat(np.arange(n, dtype=np.int64), [t.size for t in times])
    all_times = np.concatenate(times)
    order = np.lexsort((ids, all_times))
    annotations = [t.annotations for t in first]
    labels = [_label(t) for t in first]
    centres = (np.array([float(a["field_centre"]) for a in annotations])
               if all("field_centre" in a for a in annotations) else None)
    latent = None
    if all("latent_rank" in a for a in annotations):
        rank = np.array([int(a["latent_rank"]) for a in annotations])
        inside = np.flatnonzero(rank >= 0)
        latent = inside[np.argsort(rank[inside], kind="stable")]
    intervals: dict[str, np.ndarray] = {}
    for k, segment in enumerate(segments):
        for epoch in segment.epochs:
            starts = _times_in_seconds(epoch.times)
            stops = (np.asarray(epoch.array_annotations["stop_s"], dtype=float)
                     if "stop_s" in epoch.array_annotations
                     else starts + _times_in_seconds(epoch.durations))
            name = epoch.name or f"epoch {k}"
            previous = intervals.get(name, np.zeros((0, 2)))
            intervals[name] = np.concatenate([previous, np.column_stack((starts, stops))])
        if len(segments) > 1:
            intervals[f"segment:{segment.name or k}"] = np.array(
                [[float(segment.t_start.rescale("s")), float(segment.t_stop.rescale("s"))]])
    position_times, positions, unit = _position(segments)
    notes = getattr(block, "annotations", {})
    metadata = json.loads(notes["neurotoolkit_metadata"]) if "neurotoolkit_metadata" in notes \
        else {"source": "neo", "name": str(getattr(block, "name", "") or "")}
    weights = {name: tuple(np.asarray(notes[f"weights_{name}_{part}"])
                           for part in ("pre", "post", "weight"))
               for name in notes.get("weight_names", [])}
    return Recording.from_arrays(
        spike_times=all_times[order], spike_ids=ids[order], cell_labels=labels,
        field_centres=centres, latent_order=latent, position_times=position_times,
        positions=positions, position_unit=notes.get("position_unit", unit or "cm"),
        intervals=intervals, weights=weights, metadata=metadata)


def read_neo(path: str | os.PathLike) -> Recording:
    """Read any file Neo can open (``neo.io.get_io``) as a Recording (first block)."""
    neo, _ = _neo("reading Neo files")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no file at {path}")
    try:
        io = neo.io.get_io(str(path))
        block = io.read_block()
    except Exception as err:  # each of Neo's readers raises its own kinds
        raise ValueError(f"{path} is not a file Neo can read ({type(err).__name__}: {err})"
                         ) from err
    return from_neo(block)


def write_neo(recording: Recording, path: str | os.PathLike) -> Path:
    """Write the Recording in Neo's pickle format (``.pkl``), atomically."""
    import pickle

    _neo("writing Neo files")
    path = Path(path)
    atomic_write_bytes(path, pickle.dumps(to_neo(recording), protocol=pickle.HIGHEST_PROTOCOL))
    return path
