"""Recording <-> NWB (Neurodata Without Borders) files, through pynwb.

Layout written by :func:`write_nwb` (and the layout labs publish, which
:func:`read_nwb` accepts):

``/units``
    The Units table: one row per cell, ``spike_times`` (s), and the columns
    ``cell_label`` (str), ``field_centre`` (position unit, ``nan`` without a
    field) and ``latent_rank`` (rank in the latent order, ``-1`` outside it).
``/processing/behavior/position/position``
    The trajectory as a ``SpatialSeries`` with timestamps.
``/intervals/<name>``
    One ``TimeIntervals`` table per interval set of the Recording
    (``online``, ``offline``, ``cue``, ``laps``, ``events``...).
``/processing/synaptic_weights/<pathway>``
    One table per weight set, columns ``pre``, ``post``, ``weight``.
``/scratch/neurotoolkit_recording``
    JSON: the Recording's position unit, metadata and the provenance of the
    writer (package versions, git commit).

Reading a lab's file
--------------------
- Cells are the rows of the Units table in file order (cell ``k`` is row
  ``k``); the table's own ids are kept in ``metadata["nwb_unit_ids"]``.
- Labels come from the first of the columns ``cell_label``, ``cell_type``,
  ``label``; without one every cell is ``"unlabelled"``.
- Spikes are merged and sorted by time, ties by cell id.
- The position is the first ``SpatialSeries`` found in
  ``processing/behavior`` (inside a ``Position`` container or on its own),
  else in ``acquisition``, else in any processing module.  Its ``conversion``
  factor is applied, metres are converted to cm, and of a 2-d series the first
  column (the linearised track coordinate) is used.
- Every interval table (``epochs``, ``trials``, ``invalid_times`` and those
  under ``intervals``) becomes an interval set of the same name; a table
  with ``tags`` also gives one set per tag, named ``"<table>:<tag>"``.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import Recording
from ..io import provenance
from ._optional import require

__all__ = ["LABEL_COLUMNS", "NWBContentError", "read_nwb", "write_nwb"]

#: Units-table columns read as cell labels, in order of preference.
LABEL_COLUMNS = ("cell_label", "cell_type", "label")
_HEADER = "neurotoolkit_recording"
_WEIGHTS_MODULE = "synaptic_weights"
_RESERVED_INTERVALS = ("epochs", "trials", "invalid_times")
_METRE_NAMES = ("m", "meter", "meters", "metre", "metres")


class NWBContentError(ValueError):
    """An NWB file is unreadable or lacks what was asked of it; the message says what."""


def _pynwb(purpose: str) -> Any:
    return require("pynwb", "nwb", purpose)


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


def _units_table(nwbfile: Any, recording: Recording) -> None:
    n = recording.n_cells
    rank = np.full(n, -1, dtype=np.int64)
    rank[recording.latent_order] = np.arange(recording.latent_order.size)
    order = np.argsort(recording.spike_ids, kind="stable")  # keeps time order per cell
    ends = np.cumsum(np.bincount(recording.spike_ids, minlength=n))
    times = recording.spike_times[order]
    nwbfile.add_unit_column("cell_label", "class of the cell (place, cue, pyramidal, ...)")
    nwbfile.add_unit_column("field_centre",
                            f"place-field centre ({recording.position_unit}; nan: no field)")
    nwbfile.add_unit_column("latent_rank",
                            "rank of the cell in the latent order (-1: not in it)")
    starts = np.concatenate(([0], ends[:-1]))
    for cell in range(n):
        nwbfile.add_unit(id=cell, spike_times=times[starts[cell]:ends[cell]],
                         cell_label=str(recording.cell_labels[cell]),
                         field_centre=float(recording.field_centres[cell]),
                         latent_rank=int(rank[cell]))


def _position(nwbfile: Any, recording: Recording) -> None:
    if recording.position_times.size == 0:
        return
    from pynwb.behavior import Position, SpatialSeries

    series = SpatialSeries(name="position", data=recording.positions,
                           timestamps=recording.position_times,
                           reference_frame="0 at the start of the track",
                           unit=recording.position_unit,
                           description="position along the track")
    module = nwbfile.create_processing_module("behavior", "the animal's trajectory")
    module.add(Position(name="position", spatial_series=series))


def _row_tags(recording: Recording, name: str) -> list[list[str]] | None:
    """Tags of each row of interval set ``name``, from the sets ``"name:tag"``."""
    iv = recording.intervals[name]
    tags: list[list[str]] = [[] for _ in range(len(iv))]
    prefix = f"{name}:"
    for key, subset in recording.intervals.items():
        if not key.startswith(prefix):
            continue
        for start, stop in subset:
            rows = np.flatnonzero((iv[:, 0] == start) & (iv[:, 1] == stop))
            if rows.size == 0:
                raise NWBContentError(f"intervals[{key!r}]: holds an interval that is not in "
                                      f"{name!r}, so it cannot be written as a tag")
            for row in rows:
                tags[row].append(key[len(prefix):])
    return tags if any(tags) else None


def _intervals(nwbfile: Any, recording: Recording) -> None:
    from pynwb.epoch import TimeIntervals

    # NWB's own tables, for interval sets read from a lab's file under these names
    own = {"epochs": nwbfile.add_epoch, "trials": nwbfile.add_trial,
           "invalid_times": nwbfile.add_invalid_time_interval}
    for name, iv in recording.intervals.items():
        base = name.split(":", 1)[0]
        if ":" in name and base in recording.intervals:
            continue  # a tag set "table:tag": written as tags of the table's rows
        if "/" in name or ":" in name:
            raise NWBContentError(f"intervals[{name!r}]: an NWB table name cannot contain "
                                  f"'/' or ':' (':' only as '<set>:<tag>' beside the set)")
        tags = _row_tags(recording, name)
        if name in own:
            add = own[name]
        else:
            table = TimeIntervals(name=name,
                                  description=f"interval set {name!r} of the Recording")
            nwbfile.add_time_intervals(table)
            add = table.add_interval
        for row, (start, stop) in enumerate(iv):
            extra = {} if tags is None else {"tags": tags[row]}
            add(start_time=float(start), stop_time=float(stop), **extra)


def _weights(nwbfile: Any, recording: Recording) -> None:
    if not recording.weights:
        return
    from hdmf.common import DynamicTable, VectorData

    module = nwbfile.create_processing_module(_WEIGHTS_MODULE,
                                              "learned synaptic weights as (pre, post, w)")
    unit = recording.metadata.get("weight_unit", "")
    for name, (i, j, w) in recording.weights.items():
        columns = [VectorData(name="pre", description="presynaptic cell index", data=i),
                   VectorData(name="post", description="postsynaptic cell index", data=j),
                   VectorData(name="weight", description=f"weight ({unit or 'model units'})",
                              data=w)]
        module.add(DynamicTable(name=name, description=f"{name} weights", columns=columns))


def write_nwb(recording: Recording, path: str | os.PathLike, *,
              session_description: str | None = None,
              session_start_time: datetime | None = None,
              identifier: str | None = None) -> Path:
    """Write a Recording as an NWB file, atomically.

    Parameters
    ----------
    recording : Recording
    path : path
        File to write (``.nwb``); an existing file is replaced.
    session_description : str, optional
        Defaults to a description from the Recording's metadata.
    session_start_time : datetime, optional
        Time zero of the file (default: now, UTC).
    identifier : str, optional
        Unique identifier of the file (default: a random UUID).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    MissingDependencyError
        If pynwb is not installed (``pip install 'neurotoolkit[nwb]'``).
    """
    pynwb = _pynwb("writing NWB files")
    from pynwb.core import ScratchData

    path = Path(path)
    meta = recording.metadata
    nwbfile = pynwb.NWBFile(
        session_description=session_description or
        f"neurotoolkit Recording ({meta.get('level', 'unknown level')})",
        identifier=identifier or str(uuid.uuid4()),
        session_start_time=session_start_time or datetime.now(UTC),
        source_script="neurotoolkit", source_script_file_name="neurotoolkit")
    _units_table(nwbfile, recording)
    _position(nwbfile, recording)
    _intervals(nwbfile, recording)
    _weights(nwbfile, recording)
    header = {"format": "neurotoolkit.Recording", "version": 1,
              "position_unit": recording.position_unit, "metadata": meta,
              "provenance": provenance()}
    nwbfile.add_scratch(ScratchData(name=_HEADER, data=json.dumps(header),
                                    description="neurotoolkit Recording header (JSON)"))
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temporary name ends in .nwb too (pynwb warns otherwise)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".partial.nwb", dir=path.parent)
    os.close(fd)
    try:
        with pynwb.NWBHDF5IO(tmp, "w") as io:
            io.write(nwbfile)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def _column(table: Any, name: str) -> np.ndarray | None:
    if name not in table.colnames:
        return None
    return np.asarray(table[name].data[:])


def _spike_times(units: Any) -> tuple[np.ndarray, np.ndarray]:
    """All spike times of the Units table and the end offset of each row."""
    values = np.asarray(units.spike_times.data[:], dtype=float)
    index = units.spike_times_index
    ends = (np.asarray(index.data[:], dtype=np.int64) if index is not None
            else np.arange(1, values.size + 1))
    return values, ends


def _read_units(nwbfile: Any, path: Path) -> dict[str, Any]:
    units = nwbfile.units
    if units is None or len(units) == 0:
        raise NWBContentError(f"{path}: no Units table (no sorted spikes at /units); "
                              f"the analysis needs spike times of units")
    if "spike_times" not in units.colnames:
        raise NWBContentError(f"{path}: the Units table has no spike_times column")
    values, ends = _spike_times(units)
    n = len(units)
    counts = np.diff(np.concatenate(([0], ends)))
    ids = np.repeat(np.arange(n, dtype=np.int64), counts)
    order = np.lexsort((ids, values))
    out: dict[str, Any] = {"spike_times": values[order], "spike_ids": ids[order]}
    label_column = next((c for c in LABEL_COLUMNS if c in units.colnames), None)
    out["label_column"] = label_column
    out["cell_labels"] = (np.asarray([str(v.decode() if isinstance(v, bytes) else v)
                                      for v in _column(units, label_column)])
                          if label_column else np.full(n, "unlabelled"))
    centres = _column(units, "field_centre")
    out["field_centres"] = None if centres is None else centres.astype(float)
    rank = _column(units, "latent_rank")
    if rank is not None:
        rank = rank.astype(np.int64)
        inside = np.flatnonzero(rank >= 0)
        out["latent_order"] = inside[np.argsort(rank[inside], kind="stable")]
    out["unit_ids"] = np.asarray(units.id.data[:], dtype=np.int64)
    return out


def _spatial_series(nwbfile: Any) -> Any:
    from pynwb.behavior import SpatialSeries

    def search(container: Any) -> Any:
        if isinstance(container, SpatialSeries):
            return container
        children = getattr(container, "spatial_series", None)
        if isinstance(children, dict) and children:
            return children[min(children)]
        return None

    places = []
    if "behavior" in nwbfile.processing:
        places.append(nwbfile.processing["behavior"].data_interfaces)
    places.append(nwbfile.acquisition)
    places += [m.data_interfaces for n, m in sorted(nwbfile.processing.items())
               if n != "behavior"]
    for place in places:
        for name in sorted(place):
            found = search(place[name])
            if found is not None:
                return found
    return None


def _read_position(nwbfile: Any) -> tuple[np.ndarray, np.ndarray, str, str | None]:
    series = _spatial_series(nwbfile)
    if series is None:
        return np.zeros(0), np.zeros(0), "cm", None
    data = np.asarray(series.data[:], dtype=float)
    if data.ndim == 2:
        data = data[:, 0]
    if series.timestamps is not None:
        times = np.asarray(series.timestamps[:], dtype=float)
    else:
        times = series.starting_time + np.arange(data.size) / series.rate
    conversion = float(getattr(series, "conversion", 1.0) or 1.0)
    if conversion != 1.0:
        data = data * conversion
    unit = str(series.unit or "cm")
    if unit.lower() in _METRE_NAMES:
        data, unit = data * 100.0, "cm"
    return times, data, unit, series.name


def _table_intervals(name: str, table: Any) -> dict[str, np.ndarray]:
    starts = np.asarray(table["start_time"].data[:], dtype=float)
    stops = np.asarray(table["stop_time"].data[:], dtype=float)
    out = {name: np.column_stack((starts, stops)).reshape(-1, 2)}
    if "tags" in table.colnames and len(table):
        tags = [list(table["tags"][k]) for k in range(len(table))]
        for tag in sorted({str(t) for row in tags for t in row}):
            rows = [k for k, row in enumerate(tags) if tag in map(str, row)]
            out[f"{name}:{tag}"] = out[name][rows]
    return out


def _read_intervals(nwbfile: Any) -> dict[str, np.ndarray]:
    tables: dict[str, Any] = {}
    for name in _RESERVED_INTERVALS:
        table = getattr(nwbfile, name, None)
        if table is not None:
            tables[name] = table
    for name, table in (nwbfile.intervals or {}).items():
        tables.setdefault(name, table)
    out: dict[str, np.ndarray] = {}
    for name, table in tables.items():
        out.update(_table_intervals(name, table))
    return out


def _read_weights(nwbfile: Any) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    if _WEIGHTS_MODULE not in nwbfile.processing:
        return {}
    module = nwbfile.processing[_WEIGHTS_MODULE]
    return {name: tuple(np.asarray(table[c].data[:]) for c in ("pre", "post", "weight"))
            for name, table in module.data_interfaces.items()}


def _header(nwbfile: Any) -> dict[str, Any] | None:
    if _HEADER not in nwbfile.scratch:
        return None
    data = nwbfile.scratch[_HEADER].data
    text = data if isinstance(data, str) else data[()]
    return json.loads(text.decode() if isinstance(text, bytes) else text)


def read_nwb(path: str | os.PathLike) -> Recording:
    """Read an NWB file (the toolkit's or a lab's layout) as a Recording.

    See the module docstring for what is read from where.  What a file lacks
    (labels, field centres, position, intervals) is left empty and named in
    ``metadata["nwb_missing"]``; an analysis that needs it says so.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    NWBContentError
        If the file is not NWB or has no Units table with spike times.
    MissingDependencyError
        If pynwb is not installed (``pip install 'neurotoolkit[nwb]'``).
    """
    pynwb = _pynwb("reading NWB files")
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    if not h5py.is_hdf5(path):
        raise NWBContentError(f"{path} is not an NWB file (not HDF5)")
    try:
        io = pynwb.NWBHDF5IO(str(path), "r", load_namespaces=True)
        nwbfile = io.read()
    except Exception as err:  # pynwb/hdmf raise many kinds for a foreign HDF5 file
        raise NWBContentError(f"{path} is not a readable NWB file "
                              f"({type(err).__name__}: {err})") from err
    try:
        units = _read_units(nwbfile, path)
        position_times, positions, unit, series = _read_position(nwbfile)
        intervals = _read_intervals(nwbfile)
        weights = _read_weights(nwbfile)
        header = _header(nwbfile)
    finally:
        io.close()
    missing = [what for what, absent in (
        ("cell labels", units["label_column"] is None),
        ("field centres", units["field_centres"] is None),
        ("position", positions.size == 0)) if absent]
    if header is not None:
        metadata = dict(header.get("metadata", {}))
        unit = header.get("position_unit", unit)
    else:
        metadata = {"source": "nwb", "file": path.name,
                    "session_description": str(nwbfile.session_description),
                    "identifier": str(nwbfile.identifier),
                    "labels_from": units["label_column"], "position_series": series,
                    "nwb_missing": missing}
        ids = units["unit_ids"]
        if not np.array_equal(ids, np.arange(ids.size)):
            metadata["nwb_unit_ids"] = ids.tolist()
    return Recording.from_arrays(
        spike_times=units["spike_times"], spike_ids=units["spike_ids"],
        cell_labels=units["cell_labels"], field_centres=units["field_centres"],
        latent_order=units.get("latent_order"), position_times=position_times,
        positions=positions, position_unit=unit, intervals=intervals, weights=weights,
        metadata=metadata)
