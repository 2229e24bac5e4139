"""Recording <-> pynapple (``TsGroup``, ``Tsd``, ``IntervalSet``).

:func:`to_pynapple` gives the spikes as a ``TsGroup`` (one ``Ts`` per cell,
keyed by cell id, with metadata columns ``cell_label``, ``field_centre`` and
``latent_rank``), the trajectory as a ``Tsd`` and each interval set as an
``IntervalSet``; :func:`from_pynapple` takes them back (from the toolkit or
from a user's own pynapple session).

pynapple keeps intervals apart by at least its time precision (1 µs): an
interval that ends where the next one starts (laps) comes back 1 µs shorter.
:func:`to_pynapple` therefore stores the exact bounds as the metadata columns
``start_s`` and ``stop_s`` of such an ``IntervalSet``, and
:func:`from_pynapple` uses them when they are there.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..analysis import Recording
from ._optional import require

__all__ = ["PynappleData", "from_pynapple", "to_pynapple"]

_LABEL_COLUMNS = ("cell_label", "cell_type", "label")


def _nap(purpose: str) -> Any:
    return require("pynapple", "pynapple", purpose)


@dataclass
class PynappleData:
    """A Recording as pynapple objects.

    Attributes
    ----------
    units : pynapple.TsGroup
        Spikes, one ``Ts`` per cell id, with metadata ``cell_label``,
        ``field_centre`` and ``latent_rank``.
    position : pynapple.Tsd or None
        The trajectory (``None`` if the Recording has none).
    intervals : dict of str to pynapple.IntervalSet
        The Recording's interval sets.
    weights : dict of str to (i, j, w)
        Weight sets (pynapple has no type for them), unchanged.
    position_unit : str
    metadata : dict
    """

    units: Any
    position: Any = None
    intervals: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    position_unit: str = "cm"
    metadata: dict[str, Any] = field(default_factory=dict)


def _interval_set(nap: Any, iv: np.ndarray) -> Any:
    with warnings.catch_warnings():  # its notice that touching ends moved: kept exact below
        warnings.simplefilter("ignore", UserWarning)
        made = nap.IntervalSet(start=iv[:, 0], end=iv[:, 1])
    values = np.asarray(made.values).reshape(-1, 2)
    if values.shape == iv.shape and not np.array_equal(values, iv):
        made.set_info(start_s=iv[:, 0], stop_s=iv[:, 1])
    return made


def to_pynapple(recording: Recording) -> PynappleData:
    """The Recording as pynapple objects (see :class:`PynappleData`).

    Raises
    ------
    MissingDependencyError
        If pynapple is not installed (``pip install 'neurotoolkit[pynapple]'``).
    """
    nap = _nap("converting to pynapple")
    n = recording.n_cells
    rank = np.full(n, -1, dtype=np.int64)
    rank[recording.latent_order] = np.arange(recording.latent_order.size)
    order = np.argsort(recording.spike_ids, kind="stable")
    ends = np.cumsum(np.bincount(recording.spike_ids, minlength=n))
    starts = np.concatenate(([0], ends[:-1]))
    times = recording.spike_times[order]
    units = nap.TsGroup({cell: nap.Ts(times[starts[cell]:ends[cell]]) for cell in range(n)},
                        metadata={"cell_label": recording.cell_labels,
                                  "field_centre": recording.field_centres,
                                  "latent_rank": rank})
    position = (nap.Tsd(t=recording.position_times, d=recording.positions)
                if recording.position_times.size else None)
    return PynappleData(units=units, position=position,
                        intervals={k: _interval_set(nap, v)
                                   for k, v in recording.intervals.items()},
                        weights=dict(recording.weights), position_unit=recording.position_unit,
                        metadata=json.loads(json.dumps(recording.metadata)))


def _bounds(interval_set: Any) -> np.ndarray:
    info = getattr(interval_set, "metadata_columns", [])
    if "start_s" in info and "stop_s" in info:
        return np.column_stack((np.asarray(interval_set.get_info("start_s"), float),
                                np.asarray(interval_set.get_info("stop_s"), float)))
    return np.asarray(interval_set.values, dtype=float).reshape(-1, 2)


def from_pynapple(units: Any, position: Any = None,
                  intervals: Mapping[str, Any] | None = None, *,
                  weights: Mapping[str, tuple[Any, Any, Any]] | None = None,
                  position_unit: str = "cm", metadata: Mapping[str, Any] | None = None
                  ) -> Recording:
    """Build a Recording from pynapple objects (or a :class:`PynappleData`).

    Parameters
    ----------
    units : pynapple.TsGroup or PynappleData
        One ``Ts`` per cell.  Cells are numbered in the order of the group's
        keys; the keys are kept in ``metadata["pynapple_keys"]`` unless they
        are ``0 .. n-1``.  Labels come from the metadata column
        ``cell_label`` (else ``cell_type``, ``label``; else
        ``"unlabelled"``), field centres from ``field_centre``, the latent
        order from ``latent_rank`` (else from the field centres).
    position : pynapple.Tsd, optional
        The trajectory (1-d; of a ``TsdFrame`` the first column).
    intervals : mapping of str to pynapple.IntervalSet, optional
    weights, position_unit, metadata
        Passed to :meth:`Recording.from_arrays`.

    Returns
    -------
    Recording
    """
    if isinstance(units, PynappleData):
        data = units
        return from_pynapple(data.units, data.position, data.intervals, weights=data.weights,
                             position_unit=data.position_unit, metadata=data.metadata)
    keys = list(units.keys())
    columns = list(getattr(units, "metadata_columns", []))
    times = [np.asarray(units[k].t, dtype=float) for k in keys]
    ids = np.repeat(np.arange(len(keys), dtype=np.int64), [t.size for t in times])
    all_times = np.concatenate(times) if times else np.zeros(0)
    order = np.lexsort((ids, all_times))
    label_column = next((c for c in _LABEL_COLUMNS if c in columns), None)
    labels = (np.asarray(units.get_info(label_column)).astype(str) if label_column
              else np.full(len(keys), "unlabelled"))
    centres = (np.asarray(units.get_info("field_centre"), float)
               if "field_centre" in columns else None)
    latent = None
    if "latent_rank" in columns:
        rank = np.asarray(units.get_info("latent_rank"), dtype=np.int64)
        inside = np.flatnonzero(rank >= 0)
        latent = inside[np.argsort(rank[inside], kind="stable")]
    meta = dict(metadata or {})
    if keys != list(range(len(keys))):
        meta.setdefault("pynapple_keys", [int(k) for k in keys])
    position_times = positions = None
    if position is not None:
        position_times = np.asarray(position.t, dtype=float)
        values = np.asarray(position.values if hasattr(position, "values") else position.d,
                            dtype=float)
        positions = values[:, 0] if values.ndim == 2 else values
    return Recording.from_arrays(
        spike_times=all_times[order], spike_ids=ids[order], cell_labels=labels,
        field_centres=centres, latent_order=latent, position_times=position_times,
        positions=positions, position_unit=position_unit,
        intervals={k: _bounds(v) for k, v in (intervals or {}).items()},
        weights=weights, metadata=meta)
