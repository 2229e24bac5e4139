"""Checks of cell ids and counts given to the analysis (no silent truncation or wrap-around).

numpy converts ``1.7`` to the id 1, ``True`` to 1, and indexes with ``-1``
from the end; each of these turns a caller's mistake into a plausible wrong
answer.  These helpers refuse them with a ``ValueError`` (or the subclass the
caller passes) that names the argument and the first bad element.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["as_cell_ids", "first_duplicate", "check_counts"]


def _where(index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(k) for k in np.unravel_index(index, shape))

_INT64 = np.iinfo(np.int64)


def _first(array: np.ndarray, bad: np.ndarray) -> tuple[int, Any]:
    """Index and value of the first ``True`` of ``bad`` (flat order)."""
    index = int(np.flatnonzero(bad.ravel())[0])
    value = array.ravel()[index]
    return index, value.item() if isinstance(value, np.generic) else value


def as_cell_ids(name: str, values: Any, *, error: type[ValueError] = ValueError,
                ndim: int = 1) -> np.ndarray:
    """``values`` as an int64 array of non-negative, integer-valued ids.

    Parameters
    ----------
    name : str
        Argument name used in the error message.
    values : array-like
        Integers, or floats with integer values (``3.0``); no booleans.
    error : ValueError subclass
        The exception to raise.
    ndim : int
        Expected number of dimensions.

    Raises
    ------
    error
        For booleans, non-numbers, non-integer or non-finite values, negative
        ids, ids beyond int64, or a wrong number of dimensions.
    """
    try:
        array = np.asarray(values)
    except (TypeError, ValueError, OverflowError) as err:
        raise error(f"{name}: cannot be read as cell ids ({err})") from err
    if array.ndim != ndim:
        raise error(f"{name}: expected a {ndim}-d array of cell ids, got shape {array.shape}")
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.int64)
    kind = array.dtype.kind
    if kind == "b":
        raise error(f"{name}: cell ids must be integers, got booleans "
                    f"(use np.flatnonzero(mask) for the ids of a mask)")
    if kind == "O":  # Python integers too large for int64, or mixed objects
        bad = np.array([isinstance(v, bool) or not isinstance(v, (int, np.integer))
                        or not 0 <= v <= _INT64.max for v in array.ravel()])
        if bad.any():
            index, value = _first(array, bad)
            raise error(f"{name}: element {index} ({value!r}) is not a cell id "
                        f"(a non-negative integer up to {_INT64.max})")
        return array.astype(np.int64)
    if kind not in "iuf":
        raise error(f"{name}: cell ids must be integers, got dtype {array.dtype}")
    if kind == "f":
        bad = ~np.isfinite(array) | (array != np.round(array))
        if bad.any():
            index, value = _first(array, bad)
            raise error(f"{name}: element {index} ({value!r}) is not an integer id")
    if kind == "u" or kind == "f":  # (float(2**63 - 1) rounds up to 2**63)
        too_big = array > _INT64.max if kind == "u" else array >= 2.0**63
        if np.any(too_big):
            index, value = _first(array, too_big)
            raise error(f"{name}: element {index} ({value!r}) is too large for a cell id")
    negative = array < 0
    if np.any(negative):
        index, value = _first(array, negative)
        raise error(f"{name}: element {index} ({value!r}) is a negative cell id")
    return array.astype(np.int64)


def first_duplicate(ids: np.ndarray) -> tuple[int, int] | None:
    """``(index, id)`` of the first repeat of an id in a 1-d array, or ``None``."""
    if ids.size < 2:
        return None
    _, first = np.unique(ids, return_index=True)
    if first.size == ids.size:
        return None
    seen = np.zeros(ids.size, dtype=bool)
    seen[first] = True
    index = int(np.flatnonzero(~seen)[0])
    return index, int(ids[index])


def check_counts(name: str, counts: Any) -> np.ndarray:
    """``counts`` as a float array of finite, non-negative numbers.

    Raises
    ------
    ValueError
        For non-numeric values (strings, objects), or ``nan``, ``inf`` or
        negative counts (naming the first).
    """
    array = np.asarray(counts)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name}: spike counts must be numbers, got dtype {array.dtype}")
    array = array.astype(float, copy=False)
    bad = ~np.isfinite(array)
    if bad.any():
        index, value = _first(array, bad)
        raise ValueError(f"{name}: element {_where(index, array.shape)} is {value}; "
                         f"counts must be finite")
    negative = array < 0
    if negative.any():
        index, value = _first(array, negative)
        raise ValueError(f"{name}: element {_where(index, array.shape)} is {value:g}; "
                         f"counts must be non-negative")
    return array
