"""Convergence of replay to the latent sequence.

How far the replayed order of cells is from the latent order of the world,
event by event (normalised Kendall-tau distance and Spearman footrule, the
better of forward and reverse, on the cells active in the event), its chance
level, and learning curves ``d(n) = c + a n^(-beta)`` over laps with bootstrap
confidence intervals over seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar, nnls

from ._rng import as_generator
from .order import common_ranks, sequence_distances, sequence_footrule

__all__ = [
    "sequence_distance_chance",
    "SequenceDistances",
    "compute_sequence_distances",
    "LearningCurveFit",
    "fit_learning_curve",
    "learning_curve",
    "bootstrap_mean_interval",
]


@dataclass(frozen=True, eq=False)
class SequenceDistances:
    """Distances of each event's order from the latent order.

    Attributes
    ----------
    kendall : ndarray, shape (n_events,)
        Normalised Kendall-tau distance, better of forward and reverse
        (``nan`` for events with fewer than ``min_cells`` latent cells).
    footrule : ndarray, shape (n_events,)
        Normalised Spearman footrule, better of forward and reverse.
    n_cells : ndarray of int, shape (n_events,)
        Cells of the event that are in the latent order (the ``n`` of each
        distance).
    chance : float
        Mean Kendall distance of the same events with shuffled orders
        (:func:`sequence_distance_chance`), ``nan`` if not computed.
    """

    kendall: np.ndarray
    footrule: np.ndarray
    n_cells: np.ndarray
    chance: float = float("nan")

    @property
    def mean_kendall(self) -> float:
        """Mean Kendall distance over the events that have one (``nan`` if none)."""
        ok = np.isfinite(self.kendall)
        return float(self.kendall[ok].mean()) if ok.any() else float("nan")

    @property
    def mean_footrule(self) -> float:
        """Mean footrule over the events that have one (``nan`` if none)."""
        ok = np.isfinite(self.footrule)
        return float(self.footrule[ok].mean()) if ok.any() else float("nan")


def compute_sequence_distances(orders: Sequence[np.ndarray], latent: np.ndarray, *,
                               circular: bool = False, min_cells: int = 3,
                               n_chance_shuffles: int = 0,
                               rng: np.random.Generator | int | None = None
                               ) -> SequenceDistances:
    """Kendall and footrule distances between replayed and latent orders.

    Parameters
    ----------
    orders : sequence of arrays of int
        Cell ids in firing order, one per event (:func:`event_orders`).
    latent : array of int
        Cell ids in latent order.
    circular : bool
        The latent sequence is a loop (distances minimised over cut points).
    min_cells : int
        Events with fewer latent cells give ``nan``.
    n_chance_shuffles : int
        If positive, also estimate the chance level with this many
        permutations per event.
    rng : Generator, int or None
        For the chance level.

    Returns
    -------
    SequenceDistances
    """
    if min_cells < 2:
        raise ValueError(f"min_cells must be >= 2, got {min_cells}")
    n = len(orders)
    kendall, footrule = np.full(n, np.nan), np.full(n, np.nan)
    n_cells = np.zeros(n, dtype=np.int64)
    for k, order in enumerate(orders):
        ranks = common_ranks(order, latent)
        n_cells[k] = ranks.size
        if ranks.size >= min_cells:
            kendall[k] = float(sequence_distances(ranks, circular=circular)[0])
            footrule[k] = sequence_footrule(order, latent, circular=circular)
    chance = float("nan")
    if n_chance_shuffles > 0:
        kept = [o for o, c in zip(orders, n_cells, strict=True) if c >= min_cells]
        chance = sequence_distance_chance(kept, latent, n_shuffles=n_chance_shuffles, rng=rng,
                                          circular=circular)
    return SequenceDistances(kendall=kendall, footrule=footrule, n_cells=n_cells, chance=chance)


def sequence_distance_chance(orders: Sequence[np.ndarray], latent: np.ndarray,
                             n_shuffles: int = 100,
                             rng: np.random.Generator | int | None = None,
                             circular: bool = False) -> float:
    """Chance level of the sequence distance for a set of events.

    Each event's order is replaced by a random permutation of its own cells,
    ``n_shuffles`` times, and :func:`~neurotoolkit.analysis.sequence_distance`
    is averaged over events and shuffles.  Because the distance takes the
    better of forward and reverse (``min(K, 1 - K)``), chance is below 0.5 and
    depends on the number of cells per event: about 0.40 for 10 cells and 0.44
    for 20 (``0.5 - E|K - 0.5|`` with ``sd(K)^2 = (2n+5) / (18 n (n-1))``,
    Kendall 1938).  Report it beside the real distance.

    Parameters
    ----------
    orders : sequence of arrays of int
        Cell ids in firing order, one array per event (e.g. from
        :func:`event_orders`); events with fewer than two latent cells are
        skipped.
    latent : array of int
        Cell ids in latent order.
    n_shuffles : int
        Permutations per event.
    rng : Generator, int or None
        Seed or generator for the permutations.
    circular : bool
        Latent sequence is a loop (see :func:`sequence_distance`).

    Returns
    -------
    float
        The mean shuffled distance, ``nan`` when no event has two latent cells.
    """
    if n_shuffles < 1:
        raise ValueError(f"n_shuffles must be >= 1, got {n_shuffles}")
    rng = as_generator(rng)
    total, count = 0.0, 0
    for order in orders:
        ranks = common_ranks(order, latent)
        if ranks.size < 2:
            continue
        shuffled = rng.permuted(np.broadcast_to(ranks, (n_shuffles, ranks.size)), axis=1)
        total += float(sequence_distances(shuffled, circular=circular).sum())
        count += n_shuffles
    return total / count if count else float("nan")


def learning_curve(n: np.ndarray, c: float, a: float, beta: float) -> np.ndarray:
    """``d(n) = c + a n^(-beta)``: the model of :func:`fit_learning_curve`."""
    return c + a * np.asarray(n, dtype=float) ** (-beta)


@dataclass(frozen=True)
class LearningCurveFit:
    """A fitted learning curve ``d(n) = c + a n^(-beta)`` with bootstrap intervals.

    Attributes
    ----------
    c, a, beta : float
        Floor, amplitude and decay exponent fitted to the mean over seeds.
    c_ci, a_ci, beta_ci : (float, float)
        Percentile bootstrap confidence intervals (seeds resampled with
        replacement).
    rmse : float
        Root-mean-square residual of the fit to the mean curve.
    n_bootstrap : int
    level : float
        Confidence level of the intervals.
    bootstrap : ndarray, shape (n_bootstrap, 3)
        The refitted ``(c, a, beta)`` of each resample.
    """

    c: float
    a: float
    beta: float
    c_ci: tuple[float, float]
    a_ci: tuple[float, float]
    beta_ci: tuple[float, float]
    rmse: float
    n_bootstrap: int
    level: float
    bootstrap: np.ndarray

    def __call__(self, n: np.ndarray) -> np.ndarray:
        """The fitted curve at ``n``."""
        return learning_curve(n, self.c, self.a, self.beta)


_BETA_GRID = np.geomspace(0.01, 10.0, 121)


def _fit_once(n: np.ndarray, d: np.ndarray, beta_max: float) -> tuple[float, float, float, float]:
    """Least squares ``c, a >= 0`` for each beta (exact, NNLS), beta by 1-d search."""

    def residual(beta: float) -> tuple[float, np.ndarray]:
        design = np.column_stack((np.ones_like(n), n ** (-beta)))
        coef, norm = nnls(design, d)
        return norm, coef

    grid = _BETA_GRID[_BETA_GRID <= beta_max]
    norms = np.array([residual(b)[0] for b in grid])
    i = int(np.argmin(norms))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    if hi > lo:
        opt = minimize_scalar(lambda b: residual(b)[0], bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-8})
        beta = float(opt.x) if opt.fun <= norms[i] else float(grid[i])
    else:
        beta = float(grid[i])
    norm, (c, a) = residual(beta)
    return float(c), float(a), beta, float(norm / np.sqrt(n.size))


def fit_learning_curve(n: np.ndarray, distances: np.ndarray, *, n_bootstrap: int = 1000,
                       level: float = 0.95, beta_max: float = 10.0,
                       rng: np.random.Generator | int | None = None,
                       resamples: np.ndarray | None = None) -> LearningCurveFit:
    """Fit ``d(n) = c + a n^(-beta)`` to distances over laps, with bootstrap CIs.

    The curve is fitted to the mean over seeds by least squares with
    ``c >= 0``, ``a >= 0``, ``0 < beta <= beta_max``: for a fixed ``beta`` the
    model is linear in ``(c, a)`` and solved exactly by non-negative least
    squares, and ``beta`` is found by a grid and a bounded 1-d search.  The
    confidence intervals are percentile intervals over ``n_bootstrap`` fits
    to the mean of seeds resampled with replacement (Efron & Tibshirani 1993).
    ``c > 0`` means an error floor that more experience does not remove.

    Parameters
    ----------
    n : array, shape (n_points,)
        Amount of experience (laps), > 0.
    distances : array, shape (n_seeds, n_points)
        Distance to the latent sequence per seed and lap count (``nan``
        allowed: a point is averaged over the seeds that have it).
    n_bootstrap : int
        Bootstrap resamples of the seeds.
    level : float
        Confidence level.
    beta_max : float
        Upper bound of the exponent.
    rng : Generator, int or None
    resamples : ndarray of int, shape (n_bootstrap, n_seeds), optional
        The resampled seed indices to use (replaces ``n_bootstrap`` and
        ``rng``): pass the same resamples to fits of two conditions to get
        bootstrap distributions paired by seed.

    Returns
    -------
    LearningCurveFit
    """
    n = np.asarray(n, dtype=float)
    d = np.atleast_2d(np.asarray(distances, dtype=float))
    if n.ndim != 1 or d.shape[1] != n.size:
        raise ValueError(f"distances must have shape (n_seeds, {n.size}), got {d.shape}")
    if np.any(n <= 0):
        raise ValueError("n must be > 0 (laps)")
    if n.size < 3:
        raise ValueError("fitting three parameters needs at least three lap counts")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n_bootstrap < 0:
        raise ValueError(f"n_bootstrap must be >= 0, got {n_bootstrap}")

    def mean_curve(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sample = d[rows]
        finite = np.isfinite(sample)
        count = finite.sum(axis=0)
        total = np.where(finite, sample, 0.0).sum(axis=0)
        ok = count > 0
        return n[ok], total[ok] / count[ok]

    x, y = mean_curve(np.arange(d.shape[0]))
    if x.size < 3:
        raise ValueError("fewer than three lap counts have a finite mean distance")
    c, a, beta, rmse = _fit_once(x, y, beta_max)
    if resamples is None:
        resamples = as_generator(rng).integers(0, d.shape[0], (n_bootstrap, d.shape[0]))
    resamples = np.asarray(resamples, dtype=np.int64).reshape(-1, d.shape[0])
    n_bootstrap = resamples.shape[0]
    boot = np.full((n_bootstrap, 3), np.nan)
    for b in range(n_bootstrap):
        xb, yb = mean_curve(resamples[b])
        if xb.size >= 3:
            boot[b] = _fit_once(xb, yb, beta_max)[:3]
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]

    def interval(col: int) -> tuple[float, float]:
        vals = boot[:, col][np.isfinite(boot[:, col])]
        if vals.size == 0:
            return (float("nan"), float("nan"))
        lo, hi = np.percentile(vals, q)
        return float(lo), float(hi)

    return LearningCurveFit(c=c, a=a, beta=beta, c_ci=interval(0), a_ci=interval(1),
                            beta_ci=interval(2), rmse=rmse, n_bootstrap=n_bootstrap,
                            level=level, bootstrap=boot)


def bootstrap_mean_interval(values: np.ndarray, *, level: float = 0.95, n_bootstrap: int = 2000,
                            rng: np.random.Generator | int | None = 0
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over seeds (axis 0) and a percentile bootstrap interval of that mean.

    ``nan`` entries are left out of each column.  With one finite seed the
    interval is the point itself.

    Returns
    -------
    mean, low, high : ndarray, shape (n_points,)
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    rng = np.random.default_rng(rng)
    n_seeds, n_points = values.shape
    mean = np.full(n_points, np.nan)
    low, high = mean.copy(), mean.copy()
    q = 100 * np.array([(1 - level) / 2, (1 + level) / 2])
    for k in range(n_points):
        column = values[:, k][np.isfinite(values[:, k])]
        if not column.size:
            continue
        mean[k] = column.mean()
        draws = rng.choice(column, size=(n_bootstrap, column.size)).mean(axis=1)
        low[k], high[k] = np.percentile(draws, q)
    return mean, low, high
