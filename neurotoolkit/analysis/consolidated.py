r"""The order that consolidated feed-forward weights encode, and how much cue they absorbed.

A downstream (cortex-like) population learns from replay through plastic
feed-forward synapses :math:`W` (downstream cell :math:`d` from hippocampal
cell :math:`i`).  What it has consolidated about the *order* of the world is
read from the weights alone, without the place fields:

1. **Similarity.**  Two hippocampal cells are similar when they project to the
   same downstream cells with the same relative strengths: the cosine
   similarity of their weight vectors (the columns of :math:`W`),

   .. math::

       S_{ij} = \frac{\sum_d W_{di} W_{dj}}{\lVert W_{\cdot i}\rVert\,\lVert W_{\cdot j}\rVert},

   i.e. the normalised :math:`W^\top W`.  Downstream cells that learned a
   segment of the replayed sequence make :math:`S` large for cells of the same
   segment and small for distant ones: a band (Robinson) matrix in the latent
   order.
2. **Seriation.**  The order that :math:`S` encodes is its spectral ordering:
   the cells sorted by the Fiedler vector, the eigenvector of the second
   smallest eigenvalue of the graph Laplacian :math:`L = D - S^+`
   (:func:`spectral_order`), where :math:`S^+ = \max(S - \bar S, 0)` keeps
   only the similarity above its mean :math:`\bar S` over pairs.  For a
   Robinson matrix without ties the spectral ordering is the Robinson order up
   to reversal (Atkins, Boman & Hendrickson 1998, SIAM J. Comput. 28:297).
   Removing the mean removes the similarity that every pair shares (the
   untrained part of the weights, the random connectivity) and makes the
   ordering much more robust to noise in the weights (on planted band
   matrices with uniform noise of 10% of the peak weight, distance 0.03
   instead of 0.09).  On a circular track the order is the angle of the cells
   in the plane of the two leading non-trivial eigenvectors.
3. **Distance.**  The consolidated order is compared with the latent order by
   :func:`~neurotoolkit.analysis.sequence_distance` (normalised Kendall-tau
   distance, better of forward and reverse): 0 when the weights encode the
   latent order, about 0.5 for unrelated orders.

How much of the cue the downstream population absorbed is read from the
weight mass: the mean feed-forward weight from cue cells relative to the mean
from place cells (1: the cue is consolidated like any place cell; below 1:
left out), and whether the cue cells are bound to the place of the cue
(:func:`cue_position_metrics`).

Every function takes plain arrays; nothing here imports Brian2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from ._rng import as_generator
from .order import sequence_distance

__all__ = [
    "dense_weights",
    "feedforward_similarity",
    "spectral_order",
    "ConsolidatedOrder",
    "consolidated_order",
    "cue_weight_metrics",
    "cue_position_metrics",
    "CONSOLIDATION_METRICS",
]

#: Metric names of a consolidation readout (shared by every level), with meanings.
CONSOLIDATION_METRICS = {
    "consolidated_sequence_distance":
        "Kendall distance (better of forward and reverse) between the order the "
        "feed-forward weights encode (spectral seriation of the cosine similarity of the "
        "cells' weight vectors) and the latent order, over place-only cells; 0 = latent order",
    "consolidated_sequence_distance_all":
        "the same over place and cue cells (spiking levels; cue cells at their own fields)",
    "consolidated_sequence_distance_chance":
        "mean distance of random orders of the same cells (the chance level)",
    "consolidated_n_cells": "place-only cells in the order measure",
    "consolidated_cue_weight_ratio":
        "mean feed-forward weight from cue cells / mean from place-only cells "
        "(1: cue consolidated like a place cell; 0: left out)",
    "consolidated_cue_weight_fraction":
        "share of the feed-forward weight mass (from place and cue cells) that comes from cue "
        "cells",
    "consolidated_cue_weight_share":
        "share of the feed-forward synapses (from place and cue cells) that come from cue "
        "cells: the weight fraction if cue cells were treated like place cells",
    "consolidated_cue_at_place":
        "fraction of cue cells that were consolidated (weight mass at least half the median "
        "place cell's) and whose consolidated position (field centre of the place cells most "
        "similar to them in the weights) lies within the tolerance of the cue's place (a "
        "random cue is measured at the configured place, as a control)",
    "consolidated_cue_at_place_chance":
        "fraction of place cells whose field lies within that tolerance (random assignment)",
    "consolidated_events":
        "replay events presented to the downstream population (spiking levels)",
    "consolidated_coverage":
        "fraction of place cells active in at least one presented event (spiking levels); "
        "the order measure uses these cells",
    "consolidated_sequence_distance_session_<k>":
        "consolidated_sequence_distance after offline session k (1-based)",
    "consolidated_cue_position_error":
        "median distance between the consolidated cue cells' positions and the cue's place "
        "(cm, or positions at the binary level)",
}


def dense_weights(i: np.ndarray, j: np.ndarray, w: np.ndarray, n_pre: int,
                  n_post: int) -> np.ndarray:
    """``(i, j, w)`` synapse triplets as a dense matrix ``[post, pre]`` (summed duplicates)."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    w = np.asarray(w, dtype=float)
    if not (i.shape == j.shape == w.shape):
        raise ValueError("i, j and w must have the same shape")
    if i.size and (i.min() < 0 or i.max() >= n_pre or j.min() < 0 or j.max() >= n_post):
        raise ValueError("synapse indices out of range")
    out = np.zeros((n_post, n_pre))
    np.add.at(out, (j, i), w)
    return out


def feedforward_similarity(weights: np.ndarray, cells: np.ndarray | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of the feed-forward weight vectors of presynaptic cells.

    Parameters
    ----------
    weights : ndarray, shape (n_post, n_pre)
        Dense weights ``[downstream, hippocampal]`` (non-negative).
    cells : array of int, optional
        Presynaptic cells to compare (default: all).

    Returns
    -------
    similarity : ndarray, shape (n_kept, n_kept)
        Cosine similarity, diagonal 1, over the cells with a non-zero weight
        vector.
    kept : ndarray of int
        Those cells (ids), in the order of ``cells``.
    """
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2:
        raise ValueError(f"weights must be 2-d [post, pre], got shape {weights.shape}")
    if np.any(weights < 0):
        raise ValueError("feed-forward weights must be non-negative")
    cells = np.arange(weights.shape[1]) if cells is None else np.asarray(cells, dtype=np.int64)
    columns = weights[:, cells]
    norms = np.linalg.norm(columns, axis=0)
    keep = norms > 0
    unit = columns[:, keep] / norms[keep]
    return unit.T @ unit, cells[keep]


def spectral_order(similarity: np.ndarray, circular: bool = False,
                   centre: bool = True) -> np.ndarray:
    """Spectral seriation: the order of the items that a similarity matrix encodes.

    Parameters
    ----------
    similarity : ndarray, shape (n, n)
        Symmetric similarities (the diagonal is ignored).
    circular : bool
        The items lie on a loop: order by the angle of each item in the plane
        of the two leading non-trivial Laplacian eigenvectors.
    centre : bool
        Subtract the mean off-diagonal similarity first; negative values are
        set to 0 in any case.

    Returns
    -------
    ndarray of int, shape (n,)
        Item indices in the encoded order (its direction, and on a loop its
        starting point, are arbitrary).

    Notes
    -----
    Linear case: sort by the Fiedler vector of ``L = D - S`` (Atkins, Boman &
    Hendrickson 1998).  A small constant (1e-9 of the largest similarity) is
    added to every pair so that the similarity graph is connected; equal
    Fiedler entries keep their input order.
    """
    s = np.array(similarity, dtype=float)
    if s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise ValueError(f"similarity must be square, got shape {s.shape}")
    n = s.shape[0]
    if n < 3:
        return np.arange(n)
    if not np.allclose(s, s.T, atol=1e-10 * max(1.0, float(np.abs(s).max()))):
        raise ValueError("similarity must be symmetric")
    off = ~np.eye(n, dtype=bool)
    if centre:
        s = s - s[off].mean()
    s = np.maximum(s, 0.0)
    s = s + 1e-9 * max(float(s[off].max()), 1e-300)
    np.fill_diagonal(s, 0.0)
    laplacian = np.diag(s.sum(axis=1)) - s
    # only the three smallest eigenpairs are needed; one BLAS thread, since a
    # threaded solver on cores busy with simulations runs tens of times slower
    with threadpool_limits(limits=1):
        _, vectors = scipy.linalg.eigh(laplacian, subset_by_index=[0, min(2, n - 1)])
    if circular:
        angle = np.arctan2(vectors[:, 2], vectors[:, 1])
        return np.argsort(angle, kind="stable")
    return np.argsort(vectors[:, 1], kind="stable")


@dataclass(frozen=True)
class ConsolidatedOrder:
    """The order encoded by consolidated weights and its distance to the latent order.

    Attributes
    ----------
    order : ndarray of int
        Cell ids in the encoded order.
    distance : float
        :func:`~neurotoolkit.analysis.sequence_distance` to the latent order
        (``nan`` with fewer than 3 cells).
    chance : float
        Mean distance of random orders of the same cells.
    similarity : ndarray
        The cosine similarity used, rows and columns in the order of ``cells``.
    cells : ndarray of int
        The cells compared (non-zero weight vectors), in the latent order.
    """

    order: np.ndarray
    distance: float
    chance: float
    similarity: np.ndarray
    cells: np.ndarray


def consolidated_order(weights: np.ndarray, latent: np.ndarray, *, circular: bool = False,
                       n_chance: int = 20,
                       rng: np.random.Generator | int | None = None) -> ConsolidatedOrder:
    """The order the feed-forward weights encode over the latent cells, and its distance.

    Parameters
    ----------
    weights : ndarray, shape (n_post, n_pre)
        Dense feed-forward weights ``[downstream, hippocampal]``.
    latent : array of int
        Hippocampal cells to order, in latent order (e.g. place cells sorted
        by field centre).
    circular : bool
        Circular track (see :func:`spectral_order` and
        :func:`~neurotoolkit.analysis.sequence_distance`).
    n_chance : int
        Random permutations for the chance level (0: skip, ``nan``).
    rng : Generator, int or None
        For the chance level.

    Returns
    -------
    ConsolidatedOrder
    """
    latent = np.asarray(latent, dtype=np.int64)
    similarity, cells = feedforward_similarity(weights, latent)
    if cells.size < 3:
        return ConsolidatedOrder(cells, float("nan"), float("nan"), similarity, cells)
    order = cells[spectral_order(similarity, circular=circular)]
    distance = sequence_distance(order, latent, circular=circular)
    chance = float("nan")
    if n_chance > 0:
        generator = as_generator(rng)
        chance = float(np.mean([sequence_distance(generator.permutation(cells), latent,
                                                  circular=circular)
                                for _ in range(n_chance)]))
    return ConsolidatedOrder(order, float(distance), chance, similarity, cells)


def cue_weight_metrics(weights: np.ndarray, mask: np.ndarray, place: np.ndarray,
                       cue: np.ndarray) -> dict[str, float]:
    """How much feed-forward weight the cue cells hold, relative to place cells.

    Parameters
    ----------
    weights : ndarray, shape (n_post, n_pre)
        Dense feed-forward weights.
    mask : ndarray of bool, shape (n_post, n_pre)
        Which synapses exist (a weight of 0 on an existing synapse counts).
    place, cue : array of int
        Place-only cells and cue cells.

    Returns
    -------
    dict
        ``consolidated_cue_weight_ratio``, ``consolidated_cue_weight_fraction``
        and ``consolidated_cue_weight_share`` (see :data:`CONSOLIDATION_METRICS`);
        ``nan`` where there are no synapses of a class.
    """
    weights = np.asarray(weights, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    place = np.asarray(place, dtype=np.int64)
    cue = np.asarray(cue, dtype=np.int64)
    n_place, n_cue = mask[:, place].sum(), mask[:, cue].sum()
    w_place, w_cue = weights[:, place][mask[:, place]].sum(), weights[:, cue][mask[:, cue]].sum()
    nan = float("nan")
    mean_place = w_place / n_place if n_place else nan
    mean_cue = w_cue / n_cue if n_cue else nan
    total = w_place + w_cue
    return {
        "consolidated_cue_weight_ratio": (float(mean_cue / mean_place)
                                          if n_cue and n_place and mean_place > 0 else nan),
        "consolidated_cue_weight_fraction": float(w_cue / total) if total > 0 else nan,
        "consolidated_cue_weight_share": (float(n_cue / (n_cue + n_place))
                                          if n_cue + n_place else nan),
    }


def cue_position_metrics(weights: np.ndarray, place: np.ndarray, place_centres: np.ndarray,
                         cue: np.ndarray, cue_position: float, tolerance: float, *,
                         k_nearest: int = 5, min_weight: float = 0.5,
                         period: float | None = None) -> dict[str, float]:
    """Where the consolidated weights put the cue cells along the track.

    A cue cell's *consolidated position* is the median field centre of the
    ``k_nearest`` place cells most similar to it (cosine similarity of the
    feed-forward weight vectors, :func:`feedforward_similarity`).  The cue is
    *consolidated at its place* when a cue cell was consolidated at all (its
    total feed-forward weight is at least ``min_weight`` times the median over
    place cells: a cell that never replayed keeps only its initial weights,
    whose similarities carry no position) and its position lies within
    ``tolerance`` of ``cue_position``.

    Parameters
    ----------
    weights : ndarray, shape (n_post, n_pre)
    place : array of int
        Place-only cells.
    place_centres : array of float
        Their field centres (same order).
    cue : array of int
        Cue cells.
    cue_position : float
        Where the cue is (its centre); for a random cue, a reference place.
    tolerance : float
        Half-width of the window around ``cue_position``.
    k_nearest : int
        Place cells averaged for a cue cell's position.
    min_weight : float
        Weight mass, relative to the median place cell, below which a cue
        cell counts as not consolidated.
    period : float, optional
        Track length of a circular track (distances wrap; positions are then
        the field centre of the single most similar place cell).

    Returns
    -------
    dict
        ``consolidated_cue_at_place``, ``consolidated_cue_at_place_chance`` and
        ``consolidated_cue_position_error`` (see :data:`CONSOLIDATION_METRICS`;
        the error is over the consolidated cue cells).
    """
    place = np.asarray(place, dtype=np.int64)
    cue = np.asarray(cue, dtype=np.int64)
    place_centres = np.asarray(place_centres, dtype=float)

    def distance(a: np.ndarray, b: float) -> np.ndarray:
        d = np.abs(np.asarray(a, dtype=float) - b)
        return np.minimum(d, period - d) if period else d

    nan = float("nan")
    chance = float(np.mean(distance(place_centres, cue_position) <= tolerance)) \
        if place.size else nan
    weights = np.asarray(weights, dtype=float)
    norms = np.linalg.norm(weights, axis=0)
    mass = weights.sum(axis=0)
    keep = norms[place] > 0
    place, place_centres = place[keep], place_centres[keep]
    if cue.size == 0 or place.size == 0:
        return {"consolidated_cue_at_place": nan, "consolidated_cue_at_place_chance": chance,
                "consolidated_cue_position_error": nan}
    learned = mass[cue] >= min_weight * np.median(mass[place])
    unit = weights / np.where(norms > 0, norms, 1.0)
    similarity = unit[:, cue].T @ unit[:, place]  # (n_cue, n_place)
    k = 1 if period else max(1, min(k_nearest, place.size))
    nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    positions = np.median(place_centres[nearest], axis=1)
    errors = distance(positions, cue_position)
    return {"consolidated_cue_at_place": float(np.mean(learned & (errors <= tolerance))),
            "consolidated_cue_at_place_chance": chance,
            "consolidated_cue_position_error": (float(np.median(errors[learned]))
                                                if learned.any() else nan)}
