"""The Recording: plain-numpy spikes and context, the hand-over to analysis.

Every level (point neurons, Dendrify neurons, the binary model) and a lab's own
recorded spikes become a :class:`Recording`; every analysis function takes one
(or its arrays).  Nothing here imports Brian2.

Conventions
-----------
- Times are in seconds (the binary model uses one time step per "second").
- Positions are in ``position_unit`` (``"cm"`` for the track, ``"bin"`` for
  the binary model).
- Cells are numbered ``0 .. n_cells-1``; ``cell_labels[i]`` names the class of
  cell ``i`` (``"place"``, ``"cue"``, ``"pyramidal"``, ``"interneuron"``, ...).
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_writer
from ._ids import as_cell_ids, first_duplicate

__all__ = ["Recording", "RecordingError"]


class RecordingError(ValueError):
    """A Recording's arrays are inconsistent; the message says which."""


def _as_array(name: str, values: Any, dtype: Any, ndim: int = 1) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise RecordingError(f"{name}: cannot be read as {np.dtype(dtype).name} values") from err
    if array.ndim != ndim:
        raise RecordingError(f"{name}: expected a {ndim}-d array, got shape {array.shape}")
    return array


def _ids(name: str, values: Any) -> np.ndarray:
    return as_cell_ids(name, values, error=RecordingError)


def _intervals(name: str, values: Any) -> np.ndarray:
    """``(n, 2)`` float array of ``[start, stop)`` pairs, from that shape or a flat list."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise RecordingError(f"{name}: cannot be read as (start, stop) pairs of numbers "
                             f"({err})") from err
    if array.ndim == 1:
        if array.size % 2:
            raise RecordingError(f"{name}: a flat list of interval bounds needs an even number "
                                 f"of values (start, stop, ...), got {array.size}")
        array = array.reshape(-1, 2)
    if array.ndim != 2 or array.shape[1] != 2:
        raise RecordingError(f"{name}: expected shape (n, 2) of (start, stop) pairs, "
                             f"got {array.shape}")
    return array


def _triplet(name: str, values: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights as ``(i, j, w)``: presynaptic ids, postsynaptic ids, values."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) != 3:
        got = (f"{len(values)} items" if hasattr(values, "__len__")
               else f"a {type(values).__name__}")
        raise RecordingError(f"{name}: expected a 3-tuple (i, j, w) of presynaptic ids, "
                             f"postsynaptic ids and weights, got {got}")
    i, j, w = values
    return _ids(f"{name}[i]", i), _ids(f"{name}[j]", j), _as_array(f"{name}[w]", w, float)


@dataclass(frozen=True, eq=False)
class Recording:
    """Spikes of one run and what is needed to interpret them.

    Build it with :meth:`from_arrays`; it is validated on construction.

    Attributes
    ----------
    spike_times : ndarray of float, shape (n_spikes,)
        Spike times in seconds, sorted ascending.
    spike_ids : ndarray of int, shape (n_spikes,)
        Cell id of each spike, in ``[0, n_cells)``.
    cell_labels : ndarray of str, shape (n_cells,)
        Class of each cell.
    field_centres : ndarray of float, shape (n_cells,)
        Place-field centre of each cell (``nan`` for cells without one).
    latent_order : ndarray of int
        Cell ids in the order of the world's latent sequence.
    position_times, positions : ndarray of float
        The trajectory: position at each sample time (may be empty).
    intervals : dict of str to ndarray, shape (n, 2)
        Named sets of ``[start, stop)`` intervals: ``"online"``, ``"offline"``
        phases, ``"cue"`` windows, ``"laps"``.
    weights : dict of str to (i, j, w)
        Named synaptic weight sets as sparse triplets (w in siemens or units).
    metadata : dict
        JSON-serialisable context (level, track length, seed, ...).
    """

    spike_times: np.ndarray
    spike_ids: np.ndarray
    cell_labels: np.ndarray
    field_centres: np.ndarray
    latent_order: np.ndarray
    position_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0))
    position_unit: str = "cm"
    intervals: dict[str, np.ndarray] = field(default_factory=dict)
    weights: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------
    @classmethod
    def from_arrays(
        cls,
        spike_times: Any,
        spike_ids: Any,
        cell_labels: Any,
        field_centres: Any | None = None,
        latent_order: Any | None = None,
        position_times: Any | None = None,
        positions: Any | None = None,
        position_unit: str = "cm",
        intervals: Mapping[str, Any] | None = None,
        weights: Mapping[str, tuple[Any, Any, Any]] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Recording:
        """Build and validate a Recording from plain arrays.

        ``field_centres`` defaults to all-``nan``; ``latent_order`` defaults to
        the cells with a finite field centre sorted by centre.

        Raises
        ------
        RecordingError
            On unsorted or negative times; ids that are not non-negative
            integers (``1.7``, ``True``, ``-1``, beyond int64) or out of
            range; a latent order with a repeated id; mismatched lengths;
            intervals that are not finite ``(start, stop)`` pairs with
            ``start < stop``; weights that are not ``(i, j, w)`` triplets.
            The message names the argument and the first bad element.
        """
        labels = np.asarray(cell_labels, dtype=str)
        if labels.ndim != 1:
            raise RecordingError(f"cell_labels: expected a 1-d array, got shape {labels.shape}")
        n_cells = labels.size
        centres = (np.full(n_cells, np.nan) if field_centres is None
                   else _as_array("field_centres", field_centres, float))
        if latent_order is None:
            with_field = (np.flatnonzero(np.isfinite(centres)) if centres.size == n_cells
                          else np.array([], dtype=np.int64))
            latent_order = np.asarray(with_field, dtype=np.int64)[
                np.argsort(centres[with_field], kind="stable")] if len(with_field) else []
        return cls(
            spike_times=_as_array("spike_times", spike_times, float),
            spike_ids=_ids("spike_ids", spike_ids),
            cell_labels=labels,
            field_centres=centres,
            latent_order=_ids("latent_order", latent_order),
            position_times=_as_array("position_times", [] if position_times is None
                                     else position_times, float),
            positions=_as_array("positions", [] if positions is None else positions, float),
            position_unit=str(position_unit),
            intervals={str(k): _intervals(f"intervals[{k!r}]", v)
                       for k, v in (intervals or {}).items()},
            weights={str(k): _triplet(f"weights[{k!r}]", v) for k, v in (weights or {}).items()},
            metadata=dict(metadata or {}),
        )

    def __post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        n_cells = self.n_cells
        if self.spike_times.shape != self.spike_ids.shape:
            raise RecordingError(
                f"spike_times and spike_ids differ in length "
                f"({self.spike_times.size} vs {self.spike_ids.size})")
        if self.spike_times.size:
            if not np.all(np.isfinite(self.spike_times)):
                raise RecordingError("spike_times: contains nan or inf")
            if self.spike_times[0] < 0:
                raise RecordingError(f"spike_times: negative time {self.spike_times.min():g} s")
            if np.any(np.diff(self.spike_times) < 0):
                raise RecordingError("spike_times: not sorted ascending "
                                     "(sort spikes by time, e.g. with np.argsort(kind='stable'))")
            bad = (self.spike_ids < 0) | (self.spike_ids >= n_cells)
            if np.any(bad):
                raise RecordingError(
                    f"spike_ids: id {int(self.spike_ids[bad][0])} out of range for "
                    f"{n_cells} cells (cell_labels has {n_cells} entries)")
        if self.field_centres.shape != (n_cells,):
            raise RecordingError(f"field_centres: expected {n_cells} values (one per cell), "
                                 f"got {self.field_centres.size}")
        if self.latent_order.size:
            outside = np.flatnonzero((self.latent_order < 0) | (self.latent_order >= n_cells))
            if outside.size:
                raise RecordingError(f"latent_order: element {outside[0]} (id "
                                     f"{self.latent_order[outside[0]]}) out of range for "
                                     f"{n_cells} cells")
            duplicate = first_duplicate(self.latent_order)
            if duplicate is not None:
                raise RecordingError(f"latent_order: cell {duplicate[1]} appears again at "
                                     f"position {duplicate[0]}; an order names each cell once")
        if self.position_times.shape != self.positions.shape:
            raise RecordingError(
                f"position_times and positions differ in length "
                f"({self.position_times.size} vs {self.positions.size})")
        if self.position_times.size and np.any(np.diff(self.position_times) < 0):
            raise RecordingError("position_times: not sorted ascending")
        for name, iv in self.intervals.items():
            if iv.ndim != 2 or iv.shape[1:] != (2,):
                raise RecordingError(f"intervals[{name!r}]: expected shape (n, 2), "
                                     f"got {iv.shape}")
            finite = np.isfinite(iv).all(axis=1)
            if not finite.all():
                row = int(np.flatnonzero(~finite)[0])
                raise RecordingError(f"intervals[{name!r}]: interval {row} {iv[row].tolist()} "
                                     f"is not finite")
            backwards = iv[:, 1] <= iv[:, 0]
            if backwards.any():
                row = int(np.flatnonzero(backwards)[0])
                raise RecordingError(f"intervals[{name!r}]: interval {row} "
                                     f"{iv[row].tolist()} does not start before it stops")
        for name, (i, j, w) in self.weights.items():
            if not (i.shape == j.shape == w.shape):
                raise RecordingError(f"weights[{name!r}]: i, j and w differ in length")
        try:
            json.dumps(self.metadata)
        except TypeError as err:
            raise RecordingError(f"metadata: not JSON-serialisable ({err})") from err

    # ------------------------------------------------------------------
    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.cell_labels.size)

    def cells(self, *labels: str) -> np.ndarray:
        """Ids of the cells whose label is one of ``labels``."""
        return np.flatnonzero(np.isin(self.cell_labels, labels))

    def phase(self, name: str) -> tuple[float, float]:
        """``(start, stop)`` of the single interval named ``name`` (e.g. ``"offline"``)."""
        try:
            iv = self.intervals[name]
        except KeyError:
            raise KeyError(f"no interval {name!r} in this Recording "
                           f"(has: {', '.join(self.intervals) or 'none'})") from None
        return float(iv[0, 0]), float(iv[-1, 1])

    def spikes_between(self, t_start: float, t_stop: float,
                       cells: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Spike times and ids with ``t_start <= t < t_stop`` (optionally of some cells)."""
        lo, hi = np.searchsorted(self.spike_times, [t_start, t_stop], side="left")
        times, ids = self.spike_times[lo:hi], self.spike_ids[lo:hi]
        if cells is not None:
            keep = np.isin(ids, cells)
            times, ids = times[keep], ids[keep]
        return times, ids

    # ------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the Recording to one ``.npz`` file, atomically.

        The file is written under a temporary name and renamed, so a killed
        process never leaves half a file.
        """
        path = Path(path)
        if path.suffix != ".npz":
            path = path.with_suffix(".npz")
        arrays: dict[str, Any] = {
            "spike_times": self.spike_times,
            "spike_ids": self.spike_ids,
            "cell_labels": self.cell_labels,
            "field_centres": self.field_centres,
            "latent_order": self.latent_order,
            "position_times": self.position_times,
            "positions": self.positions,
        }
        for name, iv in self.intervals.items():
            arrays[f"intervals/{name}"] = iv
        for name, triplet in self.weights.items():
            for letter, values in zip("ijw", triplet, strict=True):
                arrays[f"weights/{name}/{letter}"] = values
        header = {"format": "neurotoolkit.Recording", "version": 1,
                  "position_unit": self.position_unit, "metadata": self.metadata}
        arrays["header"] = np.asarray(json.dumps(header))
        with atomic_writer(path) as handle:
            np.savez_compressed(handle, **arrays)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Recording:
        """Read a Recording written by :meth:`save`.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        RecordingError
            If the file is not a readable Recording (empty, truncated or
            corrupted, not an ``.npz`` archive, an array or the header
            missing or malformed, or arrays that fail validation); the
            message names the file and the problem.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no Recording at {path}")
        try:
            return cls._read(path)
        except RecordingError as err:
            raise RecordingError(f"{path}: {err}") from err
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError,
                zipfile.BadZipFile, zlib.error) as err:
            problem = " ".join(f"{type(err).__name__}: {err}".split())
            raise RecordingError(f"{path}: not a readable Recording "
                                 f"(damaged or incomplete file: {problem})") from err

    @classmethod
    def _read(cls, path: Path) -> Recording:
        with path.open("rb") as handle:
            magic = handle.read(4)
        if not magic:
            raise RecordingError("the file is empty")
        if magic[:2] != b"PK":
            raise RecordingError("not an .npz archive (a Recording is written by "
                                 "Recording.save)")
        with np.load(path, allow_pickle=False) as data:
            if "header" not in data.files:
                raise RecordingError("not a neurotoolkit Recording (no header)")
            try:
                header = json.loads(str(data["header"]))
            except json.JSONDecodeError as err:
                raise RecordingError(f"the header is not valid JSON ({err})") from err
            if not isinstance(header, dict) or header.get("format") != "neurotoolkit.Recording":
                raise RecordingError("the header does not describe a neurotoolkit Recording")
            missing = [k for k in ("spike_times", "spike_ids", "cell_labels", "field_centres",
                                   "latent_order", "position_times", "positions")
                       if k not in data.files]
            if missing:
                raise RecordingError(f"missing array(s): {', '.join(missing)}")
            intervals = {k.split("/", 1)[1]: data[k] for k in data.files
                         if k.startswith("intervals/")}
            names = sorted({k.split("/")[1] for k in data.files if k.startswith("weights/")})
            absent = [f"weights/{n}/{c}" for n in names for c in "ijw"
                      if f"weights/{n}/{c}" not in data.files]
            if absent:
                raise RecordingError(f"missing array(s): {', '.join(absent)}")
            weights = {n: tuple(data[f"weights/{n}/{c}"] for c in "ijw") for n in names}
            return cls.from_arrays(
                spike_times=data["spike_times"], spike_ids=data["spike_ids"],
                cell_labels=data["cell_labels"], field_centres=data["field_centres"],
                latent_order=data["latent_order"], position_times=data["position_times"],
                positions=data["positions"], position_unit=header.get("position_unit", "cm"),
                intervals=intervals, weights=weights, metadata=header.get("metadata", {}))
