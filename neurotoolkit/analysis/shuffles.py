"""Significance of replay events against shuffles, vectorised.

Each event's sequence score is compared with the scores of the same event
after shuffles that destroy one kind of structure (Davidson et al. 2009;
Foster 2017, Annu Rev Neurosci 40:581, reviews the choices):

- ``"cell_identity"`` (identity-breaking): tuning curves are permuted among
  all cells, so each active cell votes with another cell's place field.
- ``"place_field"`` (identity-breaking): each cell's tuning curve is rotated
  circularly by its own random number of position bins.
- ``"time_bin"`` (order-breaking): the time bins of the event are permuted.

The Monte-Carlo p-value of an event is ``(1 + #{shuffles scoring >= the
event}) / (1 + n_shuffles)`` (Davison & Hinkley 1997; never 0).  An event is
significant when it beats both an identity-breaking and an order-breaking
shuffle at level ``alpha``: a stationary or a noisy event can beat one kind
of shuffle, a sequence beats both.

All shuffles of an event are generated and scored as one batch.  Under a
cell-identity or place-field shuffle the log likelihood of a bin is a sum,
over the event's nonzero counts, of rows of one fixed matrix (the log tuning
curves, or every rotation of them), so a whole batch decodes as one
sparse-times-dense product with ``n_shuffles * nnz(counts)`` nonzeros; the
time-bin shuffle permutes the rows of the decoded posterior (no decoding).
Scores use the batched forms in :mod:`.scores`; line-fit scores of shuffles
are computed in single precision and recomputed in double precision where
they come close to the event's own score, so every comparison, and so every
p-value, is what a double-precision loop over shuffles gives (the benchmark in
``experiments/bench_analysis.py`` checks this).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from ._rng import as_generator
from .decoding import DEFAULT_RATE_FLOOR, _log_prior, log_likelihood_terms, normalise_log_posterior
from .events import EventCounts
from .order import common_ranks
from .scores import (
    _line_fit_exceedance_scores,
    line_fit_scores,
    rank_order_correlations,
    weighted_correlations,
)
from .tuning import TuningCurves

__all__ = [
    "SHUFFLES",
    "SCORES",
    "ReplayScores",
    "RankOrderScores",
    "score_replay_events",
    "score_rank_order",
    "shuffle_p_value",
]

SHUFFLES = ("cell_identity", "place_field", "time_bin")
IDENTITY_BREAKING = ("cell_identity", "place_field")
ORDER_BREAKING = ("time_bin",)
SCORES = ("line_fit", "weighted_correlation")

# a shuffle that ties the event within rounding counts as beating it
_TIE = 1e-12


def shuffle_p_value(real: np.ndarray, shuffled: np.ndarray) -> np.ndarray:
    """Monte-Carlo p-value ``(1 + #{shuffled >= real}) / (1 + n)`` along the last axis.

    Ties within ``1e-12`` count as ``>=`` (conservative).  ``nan`` where
    ``real`` is ``nan``; ``nan`` shuffled scores count as not beating it.
    """
    real = np.asarray(real, dtype=float)
    shuffled = np.asarray(shuffled, dtype=float)
    n = shuffled.shape[-1]
    with np.errstate(invalid="ignore"):
        beats = (shuffled >= real[..., None] - _TIE * np.maximum(1.0, np.abs(real[..., None])))
    p = (1.0 + beats.sum(axis=-1)) / (1.0 + n)
    return np.where(np.isnan(real), np.nan, p)


@dataclass(frozen=True, eq=False)
class ReplayScores:
    """Scores and shuffle p-values of decoded replay events.

    Attributes
    ----------
    weighted_correlation : ndarray, shape (n_events,)
        Signed weighted correlation of each event's posterior.
    line_fit : ndarray, shape (n_events,)
        Line-fit score (Davidson et al. 2009).
    slope, intercept : ndarray, shape (n_events,)
        The best line, in position bins per time bin and position bins.
    n_active : ndarray of int, shape (n_events,)
        Cells with at least one spike in the event.
    p_values : dict of str to dict of str to ndarray
        ``p_values[shuffle][score]``, shape ``(n_events,)``; ``nan`` for
        events not tested (too few bins or active cells).
    significant : ndarray of bool, shape (n_events,)
        ``p[identity_shuffle][score] <= alpha`` and
        ``p[order_shuffle][score] <= alpha``.
    posteriors : list of ndarray
        The decoded posterior of each event, shape ``(n_bins_k, n_pos)``.
    score, identity_shuffle, order_shuffle : str
        What decides significance.
    alpha : float
    n_shuffles : int
    """

    weighted_correlation: np.ndarray
    line_fit: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray
    n_active: np.ndarray
    p_values: dict[str, dict[str, np.ndarray]]
    significant: np.ndarray
    posteriors: list[np.ndarray] = field(repr=False)
    score: str = "line_fit"
    identity_shuffle: str = "cell_identity"
    order_shuffle: str = "time_bin"
    alpha: float = 0.05
    n_shuffles: int = 500

    @property
    def tested(self) -> np.ndarray:
        """Events that were tested (enough bins and active cells)."""
        return np.isfinite(self.p_values[self.order_shuffle][self.score])

    @property
    def significant_fraction(self) -> float:
        """Fraction of tested events that are significant (``nan`` if none tested)."""
        tested = self.tested
        return float(self.significant[tested].mean()) if tested.any() else float("nan")


def _shuffled_scores(post: np.ndarray, band: float, method: str, scores: Sequence[str],
                     n_angles: int | None, real: dict[str, float]) -> dict[str, np.ndarray]:
    out = {}
    if "line_fit" in scores:
        out["line_fit"] = _line_fit_exceedance_scores(post, real["line_fit"], band, method,
                                                      n_angles)
    if "weighted_correlation" in scores:
        out["weighted_correlation"] = np.abs(weighted_correlations(post))
    return out


#: largest table of all rotations of all tuning curves (elements, each of two
#: tables): 2**23 doubles is 64 MB; larger populations rotate per batch instead
_ROTATION_TABLE_LIMIT = 2**23


class _Rotations:
    """Every circular rotation of every tuning curve, built on first use.

    ``rows[i * n_pos + k]`` is cell ``i``'s curve rotated by ``k`` bins
    (``f_i((x - k) mod n_pos)``), so a place-field shuffle is a gather of
    whole rows.  Tables above ``_ROTATION_TABLE_LIMIT`` elements are not
    built (``fits`` is False) and the curves are rotated per batch instead.
    """

    def __init__(self, log_rates: np.ndarray, rates: np.ndarray) -> None:
        self.log_rates, self.rates = log_rates, rates
        self._built: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def fits(self) -> bool:
        n_cells, n_pos = self.rates.shape
        return n_cells * n_pos * n_pos <= _ROTATION_TABLE_LIMIT

    def get(self) -> tuple[np.ndarray, np.ndarray]:
        if self._built is None:
            n_cells, n_pos = self.rates.shape
            index = (np.arange(n_pos)[None, :] - np.arange(n_pos)[:, None]) % n_pos  # (k, x)
            self._built = (self.log_rates[:, index].reshape(n_cells * n_pos, n_pos),
                           self.rates[:, index].reshape(n_cells * n_pos, n_pos))
        return self._built


def _draw_shuffles(kind: str, n: int, n_t: int, n_cells: int, n_pos: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Random parameters of ``n`` shuffles of one kind.

    ``"time_bin"``: ``(n, n_t)`` permutations of the bins;
    ``"cell_identity"``: ``(n, n_cells)`` permutations, cell ``i`` voting with
    tuning row ``sigma[i]``; ``"place_field"``: ``(n, n_cells)`` rotations in
    bins.
    """
    if kind == "time_bin":
        return rng.permuted(np.broadcast_to(np.arange(n_t), (n, n_t)), axis=1)
    if kind == "cell_identity":
        return rng.permuted(np.broadcast_to(np.arange(n_cells), (n, n_cells)), axis=1)
    return rng.integers(0, n_pos, size=(n, n_cells))


def _sparse_rows(values: np.ndarray, bins: np.ndarray, columns: np.ndarray, n_t: int,
                 n_columns: int) -> sparse.csr_matrix:
    """A sparse ``(n * n_t, n_columns)`` matrix: row ``(s, t)`` holds ``values[j]``
    at ``columns[s, j]`` for the nonzeros ``j`` of bin ``t`` (``bins`` sorted)."""
    n = columns.shape[0]
    per_bin = np.bincount(bins, minlength=n_t)
    indptr = np.concatenate(([0], np.cumsum(np.tile(per_bin, n))))
    return sparse.csr_matrix((np.tile(values, n), columns.ravel(), indptr),
                             shape=(n * n_t, n_columns))


def _shuffled_posteriors(kind: str, params: np.ndarray, counts: np.ndarray,
                         log_rates: np.ndarray, rotations: _Rotations, expected: np.ndarray,
                         log_prior: np.ndarray, bin_s: float, post: np.ndarray) -> np.ndarray:
    """Posteriors of one event under a batch of shuffles, shape (n, n_t, n_pos).

    The log likelihood of shuffle ``s`` in bin ``t`` is a sum over the
    nonzero counts ``n_ti`` of rows of a fixed matrix (the log rates, or all
    rotations of them), so a whole batch is one sparse-times-dense product
    with ``n * nnz(counts)`` nonzeros.
    """
    if kind == "time_bin":
        return post[params]
    n_t, n_cells = counts.shape
    n_pos = log_rates.shape[1]
    m = params.shape[0]
    bins, cells = np.nonzero(counts)                 # row-major: sorted by bin
    values = counts[bins, cells].astype(float)
    if kind == "cell_identity":
        # cell i's spikes vote with tuning row sigma[i]; sum_i f_i is unchanged
        design = _sparse_rows(values, bins, params[:, cells], n_t, n_cells)
        log_post = (design @ log_rates).reshape(m, n_t, n_pos)
        log_post -= expected
    elif not rotations.fits:  # place_field, large population: rotate per batch
        log_post = _rotated_log_likelihood(params, counts, rotations, bin_s)
    else:  # place_field: cell i's curve rotated by params[:, i] bins
        log_rows, rate_rows = rotations.get()
        row = np.arange(n_cells)[None, :] * n_pos + params                  # (m, N)
        design = _sparse_rows(values, bins, row[:, cells], n_t, n_cells * n_pos)
        every = sparse.csr_matrix((np.ones(row.size), row.ravel(),
                                   np.arange(0, row.size + 1, n_cells)),
                                  shape=(m, n_cells * n_pos))
        exp_term = bin_s * (every @ rate_rows)                              # (m, X)
        log_post = (design @ log_rows).reshape(m, n_t, n_pos)
        log_post -= exp_term[:, None, :]
    log_post += log_prior
    return normalise_log_posterior(log_post, overwrite=True)


def _rotated_log_likelihood(shift: np.ndarray, counts: np.ndarray, rotations: _Rotations,
                            bin_s: float) -> np.ndarray:
    """Place-field shuffle log likelihoods by gathering rotated curves (no table)."""
    m = shift.shape[0]
    n_t, n_cells = counts.shape
    n_pos = rotations.rates.shape[1]
    positions = np.arange(n_pos)
    exp_term = np.zeros((m, n_pos))
    block = max(1, 2**21 // (m * n_pos))
    for a in range(0, n_cells, block):
        index = (positions[None, None, :] - shift[:, a:a + block, None]) % n_pos
        exp_term += np.take_along_axis(rotations.rates[None, a:a + block], index, axis=2).sum(1)
    active = np.flatnonzero(counts.sum(axis=0))
    index = (positions[None, None, :] - shift[:, active, None]) % n_pos
    log_f = np.take_along_axis(rotations.log_rates[None, active], index, axis=2)  # (m, a, X)
    log_post = np.matmul(counts[:, active].astype(float), log_f)
    log_post -= bin_s * exp_term[:, None, :]
    return log_post


def _event_shuffles(counts: np.ndarray, log_rates: np.ndarray, rotations: _Rotations,
                    expected: np.ndarray, log_prior: np.ndarray, bin_s: float, post: np.ndarray,
                    kinds: Sequence[str], n_shuffles: int, rng: np.random.Generator,
                    band: float, method: str, n_angles: int | None,
                    scores: Sequence[str], real: dict[str, float]
                    ) -> dict[str, dict[str, np.ndarray]]:
    """Scores of ``n_shuffles`` shuffles of each kind for one event."""
    n_t, n_cells = counts.shape
    n_pos = log_rates.shape[1]
    # decoding works in chunks of shuffles to bound memory (about 16 MB: the
    # posteriors, the sparse designs, and the batch-rotated curves of the
    # active cells when there is no rotation table)
    nnz = int(np.count_nonzero(counts))
    per_shuffle = 8 * n_t * n_pos + 12 * (n_cells + nnz)
    if not rotations.fits:
        per_shuffle += 8 * n_pos * int(np.count_nonzero(counts.sum(axis=0)))
    chunk = max(1, min(n_shuffles, 2**24 // per_shuffle))
    out: dict[str, dict[str, np.ndarray]] = {}
    for kind in kinds:
        params = _draw_shuffles(kind, n_shuffles, n_t, n_cells, n_pos, rng)
        if kind == "time_bin":
            shuffled = post[params]
        else:
            shuffled = np.empty((n_shuffles, n_t, n_pos))
            for a in range(0, n_shuffles, chunk):
                shuffled[a:a + chunk] = _shuffled_posteriors(
                    kind, params[a:a + chunk], counts, log_rates, rotations, expected,
                    log_prior, bin_s, post)
        out[kind] = _shuffled_scores(shuffled, band, method, scores, n_angles, real)
    return out


def score_replay_events(
    counts: EventCounts | Sequence[np.ndarray],
    tuning: TuningCurves | np.ndarray,
    bin_s: float | None = None,
    *,
    n_shuffles: int = 500,
    shuffles: Sequence[str] = SHUFFLES,
    score: str = "line_fit",
    identity_shuffle: str = "cell_identity",
    order_shuffle: str = "time_bin",
    alpha: float = 0.05,
    band: float = 3,
    method: str = "exhaustive",
    n_angles: int | None = None,
    prior: np.ndarray | None = None,
    rate_floor: float = DEFAULT_RATE_FLOOR,
    min_active_cells: int = 5,
    min_bins: int = 3,
    rng: np.random.Generator | int | None = None,
) -> ReplayScores:
    """Decode replay events, score them and test them against shuffles.

    Parameters
    ----------
    counts : EventCounts or sequence of ndarray
        Spike counts per event, ``(n_bins_k, n_cells)`` each (e.g. from
        :func:`bin_event_spikes`); the cells must match the rows of ``tuning``.
    tuning : TuningCurves or ndarray, shape (n_cells, n_pos)
        Tuning curves in Hz (finite).
    bin_s : float, optional
        Bin width, s (taken from ``counts`` if it is an :class:`EventCounts`).
    n_shuffles : int
        Shuffles of each kind per event (500 by default).
    shuffles : sequence of str
        Which shuffles to run (see :data:`SHUFFLES`); must include
        ``identity_shuffle`` and ``order_shuffle``.
    score : {"line_fit", "weighted_correlation"}
        The score that decides significance (``|r|`` for the correlation).
    identity_shuffle : {"cell_identity", "place_field"}
    order_shuffle : {"time_bin"}
    alpha : float
        Significance level for both shuffles.
    band, method, n_angles
        Line fit options (see :func:`line_fit_score`).
    prior : ndarray, optional
        Prior over positions for decoding (uniform by default).
    rate_floor : float
        Rate floor of the decoder, Hz.
    min_active_cells, min_bins : int
        Events with fewer active cells or time bins are scored but not
        tested (``nan`` p-values, not significant).
    rng : Generator, int or None
        Seed; each event gets its own stream drawn from it, so an event's
        p-values do not depend on the other events.

    Returns
    -------
    ReplayScores
    """
    shuffles = tuple(shuffles)
    unknown = sorted(set(shuffles) - set(SHUFFLES))
    if unknown:
        raise ValueError(f"shuffles: unknown {unknown}; choose from {SHUFFLES}")
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, got {score!r}")
    if identity_shuffle not in IDENTITY_BREAKING:
        raise ValueError(f"identity_shuffle must be one of {IDENTITY_BREAKING}, "
                         f"got {identity_shuffle!r}")
    if order_shuffle not in ORDER_BREAKING:
        raise ValueError(f"order_shuffle must be one of {ORDER_BREAKING}, got {order_shuffle!r}")
    for needed in (identity_shuffle, order_shuffle):
        if needed not in shuffles:
            raise ValueError(f"shuffles must include {needed!r} (it decides significance)")
    if n_shuffles < 1:
        raise ValueError(f"n_shuffles must be >= 1, got {n_shuffles}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if isinstance(counts, EventCounts):
        bin_s = counts.bin_size if bin_s is None else bin_s
        event_counts = [counts.event(k) for k in range(counts.counts.shape[0])]
    else:
        event_counts = [np.asarray(c) for c in counts]
    if bin_s is None:
        raise ValueError("bin_s is required when counts is not an EventCounts")
    rates = tuning.rates if isinstance(tuning, TuningCurves) else np.asarray(tuning, float)
    log_rates, expected = log_likelihood_terms(rates, bin_s, rate_floor)
    rotations = _Rotations(log_rates, np.exp(log_rates))
    n_cells, n_pos = log_rates.shape
    log_prior = _log_prior(prior, n_pos)
    rng = as_generator(rng)
    seeds = rng.integers(0, 2**63 - 1, size=len(event_counts))

    n_events = len(event_counts)
    wc = np.full(n_events, np.nan)
    lf, slope, intercept = (np.full(n_events, np.nan) for _ in range(3))
    n_active = np.zeros(n_events, dtype=np.int64)
    p_values = {k: {s: np.full(n_events, np.nan) for s in SCORES} for k in shuffles}
    posteriors = []
    for k, c in enumerate(event_counts):
        if c.ndim != 2 or c.shape[1] != n_cells:
            raise ValueError(f"event {k}: counts of shape {c.shape} do not match "
                             f"{n_cells} tuning curves")
        n_active[k] = int(np.count_nonzero(c.sum(axis=0)))
        if c.shape[0] == 0:
            posteriors.append(np.zeros((0, n_pos)))
            continue
        post = normalise_log_posterior(c.astype(float) @ log_rates - expected + log_prior)
        posteriors.append(post)
        wc[k] = float(weighted_correlations(post))
        fit = line_fit_scores(post, band, method=method, n_angles=n_angles)
        lf[k], slope[k], intercept[k] = float(fit.score), float(fit.slope), float(fit.intercept)
        if c.shape[0] < min_bins or n_active[k] < min_active_cells:
            continue
        real = {"line_fit": lf[k], "weighted_correlation": abs(wc[k])}
        shuffled = _event_shuffles(c, log_rates, rotations, expected, log_prior, bin_s, post,
                                   shuffles, n_shuffles, np.random.default_rng(seeds[k]),
                                   band, method, n_angles, SCORES, real)
        for kind, by_score in shuffled.items():
            for name, values in by_score.items():
                p_values[kind][name][k] = shuffle_p_value(real[name], values)
    p_id = p_values[identity_shuffle][score]
    p_order = p_values[order_shuffle][score]
    with np.errstate(invalid="ignore"):
        significant = (p_id <= alpha) & (p_order <= alpha)
    return ReplayScores(weighted_correlation=wc, line_fit=lf, slope=slope, intercept=intercept,
                        n_active=n_active, p_values=p_values, significant=significant,
                        posteriors=posteriors, score=score, identity_shuffle=identity_shuffle,
                        order_shuffle=order_shuffle, alpha=alpha, n_shuffles=n_shuffles)


@dataclass(frozen=True, eq=False)
class RankOrderScores:
    """Rank-order correlations of events and their cell-identity shuffle p-values.

    Attributes
    ----------
    rho : ndarray, shape (n_events,)
        Spearman correlation with the latent order (``nan`` below ``min_cells``).
    p_value : ndarray, shape (n_events,)
        Two-sided: the fraction of shuffles with ``|rho| >=`` the event's.
    n_cells : ndarray of int, shape (n_events,)
        Cells shared by the event's order and the latent order.
    """

    rho: np.ndarray
    p_value: np.ndarray
    n_cells: np.ndarray


def score_rank_order(orders: Sequence[np.ndarray], latent: np.ndarray, *,
                     n_shuffles: int = 500, min_cells: int = 5,
                     rng: np.random.Generator | int | None = None) -> RankOrderScores:
    """Rank-order (Spearman) correlation of each event, with shuffle p-values.

    The null permutes which cell holds which rank in the event (a cell-identity
    shuffle, Foster & Wilson 2006), ``n_shuffles`` times per event, all at once.

    Parameters
    ----------
    orders : sequence of arrays of int
        Cell ids in firing order, one per event (:func:`event_orders`).
    latent : array of int
        Cell ids in latent order.
    n_shuffles : int
    min_cells : int
        Events with fewer shared cells get ``nan``.
    rng : Generator, int or None

    Returns
    -------
    RankOrderScores
    """
    if n_shuffles < 1:
        raise ValueError(f"n_shuffles must be >= 1, got {n_shuffles}")
    if min_cells < 2:
        raise ValueError(f"min_cells must be >= 2, got {min_cells}")
    rng = as_generator(rng)
    n = len(orders)
    rho, p, n_cells = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    for k, order in enumerate(orders):
        ranks = common_ranks(order, latent)
        n_cells[k] = ranks.size
        if ranks.size < min_cells:
            continue
        rho[k] = float(rank_order_correlations(ranks))
        shuffled = rng.permuted(np.broadcast_to(ranks, (n_shuffles, ranks.size)), axis=1)
        p[k] = float(shuffle_p_value(abs(rho[k]), np.abs(rank_order_correlations(shuffled))))
    return RankOrderScores(rho=rho, p_value=p, n_cells=n_cells)
