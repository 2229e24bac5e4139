"""Distances between a replayed order of cells and the latent order.

The latent order is the order of the cells' place fields along the track; a
replayed order is the order in which cells fire in an event.  Both are lists
of cell ids; the distance is computed on the cells present in both.
"""

from __future__ import annotations

import numpy as np

from ._ids import as_cell_ids, first_duplicate

__all__ = [
    "kendall_distance",
    "sequence_distance",
    "common_ranks",
    "footrule_distance",
    "sequence_footrule",
    "kendall_distances",
    "sequence_distances",
]


def common_ranks(order: np.ndarray, latent: np.ndarray) -> np.ndarray:
    """Latent rank of each cell of ``order`` that also appears in ``latent``.

    Returns the latent positions (0-based) of the shared cells, listed in the
    order they appear in ``order``; the latent ranks are re-numbered 0..n-1
    over the shared cells.
    """
    order = np.asarray(order, dtype=np.int64)
    latent = np.asarray(latent, dtype=np.int64)
    if order.size == 0 or latent.size == 0:
        return np.zeros(0, dtype=np.int64)
    # first occurrence only: a cell is placed by its first appearance
    _, first = np.unique(order, return_index=True)
    order = order[np.sort(first)]
    position = np.full(max(order.max(), latent.max()) + 1, -1, dtype=np.int64)
    position[latent] = np.arange(latent.size)
    ranks = position[order[order <= position.size - 1]]
    ranks = ranks[ranks >= 0]
    # dense re-ranking over the shared cells
    return np.argsort(np.argsort(ranks, kind="stable"), kind="stable")


def kendall_distance(ranks: np.ndarray) -> float:
    """Normalised Kendall-tau distance of a permutation from the identity.

    The fraction of discordant pairs, ``D / (n (n-1) / 2)``: 0 for the
    identity, 1 for its reverse, 0.5 on average for a random permutation.
    ``nan`` for fewer than two elements.  Counted with a merge sort,
    ``O(n log n)``.
    """
    ranks = np.asarray(ranks)
    n = ranks.size
    if n < 2:
        return float("nan")
    inversions = _count_inversions(list(ranks))[1]
    return inversions / (n * (n - 1) / 2)


def _count_inversions(values: list) -> tuple[list, int]:
    if len(values) <= 1:
        return values, 0
    mid = len(values) // 2
    left, a = _count_inversions(values[:mid])
    right, b = _count_inversions(values[mid:])
    merged, count, i, j = [], a + b, 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            count += len(left) - i
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged, count


def sequence_distance(order: np.ndarray, latent: np.ndarray, circular: bool = False) -> float:
    """Normalised Kendall-tau distance between a replayed and the latent order.

    Parameters
    ----------
    order : array of int
        Cell ids in replayed (firing) order.
    latent : array of int
        Cell ids in latent order.
    circular : bool
        The latent sequence is a loop (circular track): the distance is also
        minimised over the cut point of the loop.

    Returns
    -------
    float
        In ``[0, 1]``: 0 for the latent order or its reverse, about 0.5 for
        unrelated orders (slightly less, because the better of forward and
        reverse is taken); ``nan`` when fewer than two cells are shared.

    Notes
    -----
    Restricted to cells present in both lists.  Each list must name a cell at
    most once and hold non-negative integer ids (a ``ValueError`` names the
    argument and the first bad element): a repeated or negative id would
    otherwise give a plausible but wrong distance.  The distance is
    ``min(K(r), K(reverse(r)))`` with ``K`` the fraction of discordant pairs,
    which equals ``min(K, 1 - K)``; ``O(n log n)``, circular included.

    Examples
    --------
    >>> sequence_distance([4, 3, 2, 1], [1, 2, 3, 4])     # reverse replay
    0.0
    >>> round(sequence_distance([2, 1, 3, 4], [1, 2, 3, 4]), 4)  # 1 of 6 pairs
    0.1667
    """
    order, latent = _checked_order("order", order), _checked_order("latent", latent)
    ranks = common_ranks(order, latent)
    if ranks.size < 2:
        return float("nan")
    if not circular:
        k = kendall_distance(ranks)
        return min(k, 1.0 - k)
    # moving the cut by one turns the element of value c (at position p) from
    # the smallest into the largest: the inversions change by (n - 1 - p) - p
    n = ranks.size
    pairs = n * (n - 1) / 2
    inversions = _count_inversions(list(ranks))[1]
    position = np.argsort(ranks)
    counts = inversions + np.concatenate(([0], np.cumsum(n - 1 - 2 * position[:-1])))
    k = counts / pairs
    return float(np.minimum(k, 1.0 - k).min())


def _checked_order(name: str, ids: object) -> np.ndarray:
    """Cell ids of an order: non-negative integers, each at most once."""
    array = as_cell_ids(name, ids)
    duplicate = first_duplicate(array)
    if duplicate is not None:
        index, cell = duplicate
        raise ValueError(f"{name}: cell {cell} appears again at position {index}; an order "
                         f"names each cell once")
    return array


def _as_rank_matrix(ranks: np.ndarray) -> np.ndarray:
    ranks = np.asarray(ranks)
    if ranks.ndim == 1:
        ranks = ranks[None, :]
    if ranks.ndim != 2:
        raise ValueError(f"ranks: expected shape (n_orders, n), got {ranks.shape}")
    return ranks.astype(np.int64, copy=False)


def kendall_distances(ranks: np.ndarray) -> np.ndarray:
    """Normalised Kendall-tau distance of each row of ``ranks`` from the identity.

    The vectorised form of :func:`kendall_distance` for many permutations of
    the same length: ``D / (n (n-1) / 2)`` with ``D = #{i < j : r_i > r_j}``,
    counted by pairwise comparison, ``O(m n^2)``, in chunks of rows.

    Parameters
    ----------
    ranks : array of int, shape (m, n)
        Each row a permutation of ``0 .. n-1``.

    Returns
    -------
    ndarray, shape (m,)
        All ``nan`` when ``n < 2``.
    """
    ranks = _as_rank_matrix(ranks)
    m, n = ranks.shape
    if n < 2:
        return np.full(m, np.nan)
    return _inversions(ranks) / (n * (n - 1) / 2)


def _inversions(ranks: np.ndarray) -> np.ndarray:
    m, n = ranks.shape
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    out = np.empty(m, dtype=np.int64)
    step = max(1, 2**20 // max(n * n, 1))  # about 1 M comparisons a chunk
    for lo in range(0, m, step):
        r = ranks[lo:lo + step]
        out[lo:lo + step] = ((r[:, :, None] > r[:, None, :]) & upper).sum(axis=(1, 2))
    return out


def sequence_distances(ranks: np.ndarray, circular: bool = False) -> np.ndarray:
    """:func:`sequence_distance` for many rank vectors at once.

    Parameters
    ----------
    ranks : array of int, shape (m, n)
        Each row the latent ranks (a permutation of ``0 .. n-1``) of the cells
        of one order, as :func:`common_ranks` returns them.
    circular : bool
        Also minimise over the cut point of a circular latent sequence.

    Returns
    -------
    ndarray, shape (m,)
        ``min(K, 1 - K)`` per row, minimised over cut points if circular.

    Notes
    -----
    Moving the cut by one turns the element of value 0 (at position ``p``)
    into the largest, which changes the inversion count by
    ``(n - 1 - p) - p``; all ``n`` cuts therefore cost ``O(n)`` after the first.
    """
    ranks = _as_rank_matrix(ranks)
    m, n = ranks.shape
    if n < 2:
        return np.full(m, np.nan)
    inv = _inversions(ranks).astype(float)
    if circular:
        position = np.argsort(ranks, axis=1)  # position of value c in each row
        steps = (n - 1 - 2 * position[:, :-1]).astype(float)
        inv = np.concatenate((inv[:, None], inv[:, None] + np.cumsum(steps, axis=1)), axis=1)
    else:
        inv = inv[:, None]
    k = inv / (n * (n - 1) / 2)
    return np.minimum(k, 1.0 - k).min(axis=1)


def footrule_distance(ranks: np.ndarray) -> float:
    """Normalised Spearman footrule distance of a permutation from the identity.

    ``F = sum_i |r_i - i| / floor(n^2 / 2)``: 0 for the identity, 1 for its
    reverse (the maximum, Diaconis & Graham 1977, J R Stat Soc B 39:262),
    ``(n^2 - 1) / 3 / floor(n^2/2)``, about 2/3, on average for a random
    permutation.  ``nan`` for fewer than two elements.
    """
    ranks = np.asarray(ranks, dtype=np.int64)
    n = ranks.size
    if n < 2:
        return float("nan")
    return float(np.abs(ranks - np.arange(n)).sum() / (n * n // 2))


def sequence_footrule(order: np.ndarray, latent: np.ndarray, circular: bool = False) -> float:
    """Normalised Spearman footrule between a replayed and the latent order.

    Like :func:`sequence_distance` but with the footrule
    (:func:`footrule_distance`): on the cells present in both lists, the
    smaller of the distances of the order and of its reverse (and, if
    ``circular``, over every cut point of the loop).  ``nan`` when fewer than
    two cells are shared.  The footrule and Kendall distances bound each
    other, ``K <= F <= 2K`` in unnormalised form (Diaconis & Graham 1977).
    """
    ranks = common_ranks(order, latent)
    n = ranks.size
    if n < 2:
        return float("nan")
    cuts = range(n) if circular else range(1)
    best = np.inf
    for cut in cuts:
        r = (ranks - cut) % n
        best = min(best, footrule_distance(r), footrule_distance(n - 1 - r))
    return float(best)
