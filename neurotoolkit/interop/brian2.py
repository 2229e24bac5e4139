"""A Recording from a user's own Brian2 network (``SpikeMonitor`` s).

The only interop module that touches Brian2 (imported when called), so that
the replay analysis runs on any Brian2 network::

    from neurotoolkit.interop import from_brian2
    rec = from_brian2({"place": place_monitor, "interneuron": inh_monitor},
                      position=(t, x), intervals={"online": [[0, 60]], "offline": [[60, 80]]},
                      weights={"IE": inh_to_place})

Cells are numbered group after group, in the order given; the cells of a
group get the group's label unless ``labels`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..analysis import Recording
from ._optional import require

__all__ = ["from_brian2"]


def _magnitude(values: Any, unit_name: str | None = None) -> tuple[np.ndarray, str | None]:
    """Plain floats of a Brian2 quantity (in ``unit_name`` if given) or of an array."""
    brian2 = require("brian2", "", "reading Brian2 monitors")
    if isinstance(values, brian2.Quantity):
        dim = brian2.get_dimensions(values)
        if unit_name == "cm" and dim == brian2.metre.dim:
            return np.asarray(values / brian2.cmetre, dtype=float), "cm"
        if dim == brian2.siemens.dim:
            return np.asarray(values / brian2.nsiemens, dtype=float), "nS"
        if dim == brian2.second.dim:
            return np.asarray(values / brian2.second, dtype=float), "s"
        return np.asarray(values, dtype=float), str(values.get_best_unit()) if dim else None
    return np.asarray(values, dtype=float), None


def _source_size(monitor: Any) -> int:
    return len(monitor.source)


def from_brian2(
    monitors: Any,
    *,
    labels: Sequence[str] | Sequence[Sequence[str]] | None = None,
    field_centres: Any = None,
    latent_order: Any = None,
    position: tuple[Any, Any] | None = None,
    intervals: Mapping[str, Any] | None = None,
    weights: Mapping[str, Any] | None = None,
    weight_variable: str = "w",
    metadata: Mapping[str, Any] | None = None,
) -> Recording:
    """Build a Recording from Brian2 ``SpikeMonitor`` s.

    Parameters
    ----------
    monitors : SpikeMonitor, sequence of SpikeMonitor, or mapping of label to SpikeMonitor
        The spikes.  Cells are numbered group after group (cell ids of the
        second group start at the size of the first); a mapping labels every
        cell of a group with its key.
    labels : sequence of str, optional
        One label per cell over all groups (overrides the keys), e.g.
        ``"place"``, ``"cue"``, ``"pyramidal"``, ``"interneuron"``.
    field_centres, latent_order : array, optional
        Passed to :meth:`Recording.from_arrays` (a Brian2 length is converted
        to cm).
    position : (times, positions), optional
        The trajectory: arrays or Brian2 quantities (times in s, positions in
        cm when a length).
    intervals : mapping of str to (n, 2) array, optional
        ``"online"`` and ``"offline"`` phases etc., seconds (or quantities).
    weights : mapping of str to Synapses or (i, j, w), optional
        Weight sets.  Of a ``Synapses`` object the variable
        ``weight_variable`` is read, and its pre- and postsynaptic indices
        are shifted to cell ids when its groups are among ``monitors``;
        conductances are stored in nS.
    metadata : mapping, optional
        JSON-serialisable context.

    Returns
    -------
    Recording

    Raises
    ------
    ValueError
        If ``labels`` does not give one label per cell.
    """
    if isinstance(monitors, Mapping):
        groups = list(monitors.values())
        group_labels = [str(k) for k in monitors]
    elif isinstance(monitors, Sequence):
        groups, group_labels = list(monitors), ["unlabelled"] * len(monitors)
    else:
        groups, group_labels = [monitors], ["unlabelled"]
    sizes = [_source_size(m) for m in groups]
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    times = [_magnitude(m.t)[0] for m in groups]
    ids = [np.asarray(m.i[:], dtype=np.int64) + off for m, off in zip(groups, offsets, strict=True)]
    all_times = np.concatenate(times) if times else np.zeros(0)
    all_ids = np.concatenate(ids) if ids else np.zeros(0, np.int64)
    order = np.lexsort((all_ids, all_times))
    n_cells = int(sum(sizes))
    cell_labels = np.repeat(group_labels, sizes) if labels is None else np.asarray(labels, str)
    if cell_labels.shape != (n_cells,):
        raise ValueError(f"labels: expected {n_cells} labels (one per cell of "
                         f"{len(groups)} monitored groups), got {cell_labels.size}")
    offset_of = {id(m.source): off for m, off in zip(groups, offsets, strict=True)}
    weight_sets, weight_unit = {}, None
    for name, value in (weights or {}).items():
        if hasattr(value, "source") and hasattr(value, "target"):
            i = np.asarray(value.i[:], np.int64) + offset_of.get(id(value.source), 0)
            j = np.asarray(value.j[:], np.int64) + offset_of.get(id(value.target), 0)
            w, unit = _magnitude(getattr(value, weight_variable)[:])
        else:
            i, j = (np.asarray(v, np.int64) for v in value[:2])
            w, unit = _magnitude(value[2])
        weight_unit = unit or weight_unit
        weight_sets[name] = (i, j, w)
    position_times = positions = None
    position_unit = "cm"
    if position is not None:
        position_times = _magnitude(position[0])[0]
        positions, unit = _magnitude(position[1], "cm")
        position_unit = unit or "cm"
    meta = {"source": "brian2", **dict(metadata or {})}
    if weight_unit:
        meta.setdefault("weight_unit", weight_unit)
    return Recording.from_arrays(
        spike_times=all_times[order], spike_ids=all_ids[order], cell_labels=cell_labels,
        field_centres=None if field_centres is None else _magnitude(field_centres, "cm")[0],
        latent_order=latent_order, position_times=position_times, positions=positions,
        position_unit=position_unit,
        intervals={k: _magnitude(v)[0] for k, v in (intervals or {}).items()},
        weights=weight_sets, metadata=meta)
