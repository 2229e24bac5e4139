"""Sequence scores of decoded events and of firing orders.

Three scores of how sequential a replay event is:

- :func:`weighted_correlation`: the correlation between time bin and
  position, weighted by the posterior (Wu & Foster 2014, J Neurosci 34:6459).
- :func:`line_fit_score`: the largest mean posterior mass within a band
  around a line, over slopes and intercepts (Davidson, Kloosterman & Wilson
  2009, Neuron 63:497).
- :func:`rank_order_correlation`: Spearman's correlation between the order in
  which cells fire and the order of their place fields (Lee & Wilson 2002,
  Neuron 36:1183; Foster & Wilson 2006, Nature 440:680).

Every score has a batched form (``weighted_correlations``,
``line_fit_scores``, ``rank_order_correlations``) that scores many posteriors
(shuffles) at once; the shuffle tests use those.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .order import common_ranks

__all__ = [
    "weighted_correlation",
    "weighted_correlations",
    "line_fit_score",
    "line_fit_scores",
    "LineFits",
    "rank_order_correlation",
    "rank_order_correlations",
]

#: tolerance of "x lies within the band around the line": |x - y(t)| <= band + eps
_BAND_EPS = 1e-9


def _as_posteriors(posterior: np.ndarray) -> np.ndarray:
    p = np.asarray(posterior, dtype=float)
    if p.ndim < 2:
        raise ValueError(f"posterior: expected shape (..., n_bins, n_pos), got {p.shape}")
    if p.shape[-1] < 1 or p.shape[-2] < 1:
        raise ValueError(f"posterior: empty axis in shape {p.shape}")
    return p


# ---------------------------------------------------------------------------
# weighted correlation


def weighted_correlations(posteriors: np.ndarray) -> np.ndarray:
    """:func:`weighted_correlation` over the leading axes of ``posteriors``.

    Parameters
    ----------
    posteriors : ndarray, shape (..., n_bins, n_pos)

    Returns
    -------
    ndarray, shape (...)
    """
    p = _as_posteriors(posteriors)
    n_t, n_x = p.shape[-2:]
    t = np.arange(n_t, dtype=float)
    x = np.arange(n_x, dtype=float)
    row = p.sum(axis=-1)                       # (..., T)
    col = p.sum(axis=-2)                       # (..., X)
    total = row.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mt = (row @ t) / total
        mx = (col @ x) / total
        dt = t - mt[..., None]                 # (..., T)
        dx = x - mx[..., None]                 # (..., X)
        var_t = (row * dt * dt).sum(axis=-1) / total
        var_x = (col * dx * dx).sum(axis=-1) / total
        cov = np.einsum("...t,...tx,...x->...", dt, p, dx) / total
        r = cov / np.sqrt(var_t * var_x)
    # a single bin or a single position has no correlation
    return np.where((var_t > 0) & (var_x > 0), r, np.nan)


def weighted_correlation(posterior: np.ndarray) -> float:
    """Correlation between time and position, weighted by the posterior.

    With weights ``w_tx = P_t(x)`` over time bins ``t`` and position bins
    ``x`` (both as indices), ``r = cov_w(t, x) / sqrt(var_w(t) var_w(x))``,
    where ``m_t = sum w t / sum w``, ``cov_w = sum w (t - m_t)(x - m_x) / sum w``
    (Wu & Foster 2014).  Positive for a forward sweep, negative for a reverse
    one; ``|r|`` is the score of sequentiality.

    Parameters
    ----------
    posterior : ndarray, shape (n_bins, n_pos)

    Returns
    -------
    float
        In ``[-1, 1]``; ``nan`` with a single time bin or position.

    Examples
    --------
    >>> import numpy as np
    >>> round(weighted_correlation(np.eye(4)[::-1]), 6)   # a reverse sweep
    -1.0
    """
    p = _as_posteriors(posterior)
    if p.ndim != 2:
        raise ValueError(f"posterior: expected shape (n_bins, n_pos), got {p.shape}; "
                         "use weighted_correlations for batches")
    return float(weighted_correlations(p))


# ---------------------------------------------------------------------------
# line fit


@dataclass(frozen=True)
class _LineGroup:
    """Lines of one slope through integer anchors ``c`` at time ``t_ref``.

    ``y(t) = c + slope (t - t_ref)``; the band at ``t`` is the position
    indices ``[c + lo[t], c + hi[t]]`` (before clipping to the track).
    """

    slope: float
    t_ref: float
    anchors: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


@lru_cache(maxsize=256)
def _line_groups(n_t: int, n_x: int, band: float, method: str,
                 n_angles: int | None) -> tuple[_LineGroup, ...]:
    t = np.arange(n_t, dtype=float)
    groups = []
    if method == "exhaustive":
        # every line from an integer position at the first bin to an integer
        # position at the last bin, both on the track
        deltas = range(-(n_x - 1), n_x) if n_t > 1 else [0]
        for delta in deltas:
            slope = delta / (n_t - 1) if n_t > 1 else 0.0
            anchors = np.arange(max(0, -delta), min(n_x - 1, n_x - 1 - delta) + 1)
            groups.append((slope, 0.0, anchors))
    elif method == "radon":
        # slopes uniform in angle in the (time bin, position bin) plane, lines
        # through every integer position at the centre of the event
        max_slope = (n_x - 1) / max(n_t - 1, 1)
        n = n_angles if n_angles is not None else 2 * n_x - 1
        if n < 1:
            raise ValueError(f"n_angles must be >= 1, got {n}")
        angles = np.linspace(-np.arctan(max_slope), np.arctan(max_slope), n) if n > 1 \
            else np.zeros(1)
        for angle in angles:
            groups.append((float(np.tan(angle)) if n_t > 1 else 0.0, (n_t - 1) / 2,
                           np.arange(n_x)))
    else:
        raise ValueError(f"method must be 'exhaustive' or 'radon', got {method!r}")
    out = []
    for slope, t_ref, anchors in groups:
        y = slope * (t - t_ref)
        lo = np.ceil(y - band - _BAND_EPS).astype(np.int64)
        hi = np.floor(y + band + _BAND_EPS).astype(np.int64)
        for a in (anchors, lo, hi):
            a.setflags(write=False)
        out.append(_LineGroup(slope, t_ref, anchors, lo, hi))
    return tuple(out)


@lru_cache(maxsize=256)
def _line_gather_index(n_t: int, n_x: int, band: float, method: str,
                       n_angles: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                      np.ndarray]:
    """Flat indices into the (n_t, n_x + 1) cumulative posterior for every line."""
    groups = _line_groups(n_t, n_x, band, method, n_angles)
    anchors = np.concatenate([g.anchors for g in groups])
    lo = np.concatenate([g.anchors[:, None] + g.lo[None, :] for g in groups])
    hi = np.concatenate([g.anchors[:, None] + g.hi[None, :] for g in groups]) + 1
    base = (n_x + 1) * np.arange(n_t)[None, :]
    lo_index = (base + np.clip(lo, 0, n_x)).ravel()
    hi_index = (base + np.clip(hi, 0, n_x)).ravel()
    slopes = np.concatenate([np.full(g.anchors.size, g.slope) for g in groups])
    intercepts = np.concatenate([g.anchors - g.slope * g.t_ref for g in groups])
    del anchors
    for a in (lo_index, hi_index, slopes, intercepts):
        a.setflags(write=False)
    return lo_index, hi_index, slopes, intercepts


def _cumulative(p: np.ndarray) -> np.ndarray:
    """``C[..., t, k] = sum_{x < k} P[..., t, x]``, shape (..., n_t, n_x + 1)."""
    c = np.zeros(p.shape[:-1] + (p.shape[-1] + 1,))
    np.cumsum(p, axis=-1, out=c[..., 1:])
    return c


@dataclass(frozen=True)
class LineFits:
    """Best lines of a batch of posteriors.

    Attributes
    ----------
    score : ndarray
        Mean posterior mass within the band of the best line.
    slope : ndarray
        Its slope, position bins per time bin.
    intercept : ndarray
        Its position at the first time bin, in position bins.
    """

    score: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray


def _check_line_args(band: float, method: str) -> None:
    if not band >= 0:
        raise ValueError(f"band must be >= 0 position bins, got {band}")
    if method not in ("exhaustive", "radon"):
        raise ValueError(f"method must be 'exhaustive' or 'radon', got {method!r}")


def line_fit_scores(posteriors: np.ndarray, band: float = 3, *, method: str = "exhaustive",
                    n_angles: int | None = None, best_line: bool = True) -> LineFits:
    """:func:`line_fit_score` of many posteriors of the same shape.

    Parameters
    ----------
    posteriors : ndarray, shape (..., n_bins, n_pos)
    band, method, n_angles
        As in :func:`line_fit_score`.
    best_line : bool
        Also find the best line's slope and intercept; without it (for
        shuffles, where only the score counts) they are ``nan`` and the
        search is faster.

    Returns
    -------
    LineFits
        Arrays of shape ``(...)``.

    Notes
    -----
    Lines of equal slope through consecutive integer anchors have the same
    band offsets at each time bin, so for a batch the scores of all anchors
    of one slope are sums of contiguous slices of the cumulative posteriors,
    ``C[t, c + hi_t + 1] - C[t, c + lo_t]``, over ``t``: ``n_slopes * n_bins``
    vectorised additions over (anchors x batch), instead of one gather per
    line and bin.  Small batches use precomputed gather indices instead.
    """
    _check_line_args(band, method)
    p = _as_posteriors(posteriors)
    lead = p.shape[:-2]
    n_t, n_x = p.shape[-2:]
    p = p.reshape((-1, n_t, n_x))
    band = float(band)
    if p.shape[0] >= 16:
        score, slope, intercept = _line_fit_sliced(p, band, method, n_angles, best_line)
    else:
        score, slope, intercept = _line_fit_gathered(p, band, method, n_angles)
        if not best_line:
            slope[:], intercept[:] = np.nan, np.nan
    return LineFits(score.reshape(lead), slope.reshape(lead), intercept.reshape(lead))


def _line_fit_gathered(p: np.ndarray, band: float, method: str,
                       n_angles: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, n_t, n_x = p.shape
    lo_index, hi_index, slopes, intercepts = _line_gather_index(n_t, n_x, band, method,
                                                                n_angles)
    n_lines = slopes.size
    c = _cumulative(p).reshape(n, -1)
    best = np.empty(n, dtype=np.int64)
    score = np.empty(n)
    step = max(1, 2**19 // (n_lines * n_t))
    for a in range(0, n, step):
        ck = c[a:a + step]
        mass = (ck[:, hi_index] - ck[:, lo_index]).reshape(-1, n_lines, n_t).sum(axis=-1)
        best[a:a + step] = mass.argmax(axis=1)
        score[a:a + step] = mass[np.arange(mass.shape[0]), best[a:a + step]] / n_t
    return score, slopes[best], intercepts[best]


@lru_cache(maxsize=256)
def _line_slices(n_t: int, n_x: int, band: float, method: str, n_angles: int | None):
    """Per slope group: the window width index and start of its band at each bin."""
    groups = _line_groups(n_t, n_x, band, method, n_angles)
    low = min(int(g.anchors[0] + g.lo.min()) for g in groups)
    high = max(int(g.anchors[-1] + g.hi.max()) + 1 for g in groups)
    left, right = max(0, -low), max(0, high - n_x)
    widths = tuple(sorted({int(w) for g in groups for w in (g.hi - g.lo + 1)}))
    which = {w: i for i, w in enumerate(widths)}
    plan = tuple(
        (g, int(g.anchors.size),
         tuple((which[int(g.hi[t] - g.lo[t] + 1)], t, int(g.anchors[0]) + left + int(g.lo[t]))
               for t in range(n_t)))
        for g in groups)
    return left, right, widths, plan


def _line_fit_sliced(p: np.ndarray, band: float, method: str, n_angles: int | None,
                     want_line: bool = True, dtype: type = np.float64
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, n_t, n_x = p.shape
    left, right, widths, plan = _line_slices(n_t, n_x, band, method, n_angles)
    span = left + n_x + 1 + right
    best_score = np.full(n, -np.inf, dtype=dtype)
    best_slope = np.zeros(n)
    best_intercept = np.zeros(n)
    # batch columns per pass: fewer, larger passes cut the per-call overhead
    # of the n_slopes * n_bins slice additions; about 16 MB of window sums
    step = max(64, 2**21 // (len(widths) * n_t * span))
    for a in range(0, n, step):
        m = min(step, n - a)
        # cumulative posterior, extended as constant beyond the track (0 on
        # the left, the row total on the right), laid out (t, index, batch)
        cp = np.empty((n_t, span, m))
        cp[:, :left + 1] = 0.0
        cp[:, left + 1:left + n_x + 1] = np.cumsum(p[a:a + m], axis=2).transpose(1, 2, 0)
        cp[:, left + n_x + 1:] = cp[:, left + n_x:left + n_x + 1]
        # band sums of each width w: window[w][t, j] = mass in indices [j, j + w)
        window = np.zeros((len(widths), n_t, span, m), dtype=dtype)
        for i, w in enumerate(widths):
            np.subtract(cp[:, w:], cp[:, :span - w], out=window[i, :, :span - w],
                        casting="same_kind")
        bs = best_score[a:a + m]
        bsl, bic = best_slope[a:a + m], best_intercept[a:a + m]
        acc = np.empty((n_x, m), dtype=dtype)
        top = np.empty(m, dtype=dtype)
        columns = np.arange(m)
        running = np.full((n_x, m), -np.inf, dtype=dtype)
        for g, k, pieces in plan:
            view = acc[:k]
            w0, t0, s0 = pieces[0]
            if n_t > 1:
                w1, t1, s1 = pieces[1]
                np.add(window[w0, t0, s0:s0 + k], window[w1, t1, s1:s1 + k], out=view)
            else:
                view[:] = window[w0, t0, s0:s0 + k]
            for w, t, start in pieces[2:]:
                view += window[w, t, start:start + k]
            if want_line:
                arg = view.argmax(axis=0)
                np.take(view.ravel(), arg * m + columns, out=top)
                better = top > bs
                bs[better] = top[better]
                bsl[better] = g.slope
                bic[better] = g.anchors[arg[better]] - g.slope * g.t_ref
            else:
                np.maximum(running[:k], view, out=running[:k])
        if not want_line:
            np.max(running, axis=0, out=bs)
    if not want_line:
        best_slope[:] = np.nan
        best_intercept[:] = np.nan
    return best_score.astype(float) / n_t, best_slope, best_intercept


#: bound on the error of a single-precision line-fit score (sums of at most a
#: few hundred float32 terms in [0, 1], relative error ~6e-8 each), with margin
_SINGLE_TOLERANCE = 1e-5


def _line_fit_exceedance_scores(p: np.ndarray, reference: float, band: float, method: str,
                                n_angles: int | None) -> np.ndarray:
    """Line-fit scores of a batch, exact wherever their order against ``reference`` matters.

    Scores are computed in single precision (half the memory traffic), and
    the few within ``_SINGLE_TOLERANCE`` of ``reference`` are recomputed in
    double precision, so ``score >= reference`` is decided exactly as a
    double-precision computation would.  Used by the shuffle tests, where
    only that comparison counts.
    """
    if p.shape[0] < 16:
        return _line_fit_gathered(p, band, method, n_angles)[0]
    score = _line_fit_sliced(p, band, method, n_angles, want_line=False, dtype=np.float32)[0]
    close = np.flatnonzero(np.abs(score - reference) <= _SINGLE_TOLERANCE)
    if close.size >= 16:
        score[close] = _line_fit_sliced(p[close], band, method, n_angles, want_line=False)[0]
    elif close.size:
        score[close] = _line_fit_gathered(p[close], band, method, n_angles)[0]
    return score


def line_fit_score(posterior: np.ndarray, band: float = 3, *, method: str = "exhaustive",
                   n_angles: int | None = None) -> tuple[float, float, float]:
    """Davidson's line-fit score: the best line through the posterior.

    For a line ``y(t) = b + v t`` (``t`` the time-bin index, ``y`` in position
    bins) the score is the mean over time bins of the posterior mass within
    ``band`` bins of the line,

    .. math::

        R(v, b) = \\frac{1}{T} \\sum_{t=0}^{T-1}
                  \\sum_{x : |x - (b + v t)| \\le d} P_t(x),

    maximised over the candidate lines (Davidson, Kloosterman & Wilson 2009).

    Parameters
    ----------
    posterior : ndarray, shape (n_bins, n_pos)
    band : float
        Half-width ``d`` of the band, position bins.
    method : {"exhaustive", "radon"}
        Candidate lines.  ``"exhaustive"``: every line from an integer
        position at the first bin to an integer position at the last bin
        (``n_pos^2`` lines).  ``"radon"``: ``n_angles`` slopes uniform in angle
        (a discrete Radon transform of the posterior image, as in Davidson et
        al.'s line search) through every integer position at the event's centre.
    n_angles : int, optional
        Number of angles for ``"radon"`` (default ``2 n_pos - 1``).

    Returns
    -------
    score : float
        In ``[0, 1]``: 1 when all mass lies within the band of one line.
    slope : float
        Position bins per time bin (positive: forward).
    intercept : float
        Position bin of the line at the first time bin.

    Notes
    -----
    Ties go to the first line in the order (slope ascending, then intercept).
    A single-bin event is fitted with horizontal lines only.

    Examples
    --------
    >>> import numpy as np
    >>> sweep = np.zeros((5, 20))
    >>> sweep[np.arange(5), 2 + 3 * np.arange(5)] = 1.0   # 3 bins per time bin
    >>> line_fit_score(sweep, band=0)
    (1.0, 3.0, 2.0)
    """
    p = _as_posteriors(posterior)
    if p.ndim != 2:
        raise ValueError(f"posterior: expected shape (n_bins, n_pos), got {p.shape}; "
                         "use line_fit_scores for batches")
    fit = line_fit_scores(p, band, method=method, n_angles=n_angles)
    return float(fit.score), float(fit.slope), float(fit.intercept)


# ---------------------------------------------------------------------------
# rank order


def rank_order_correlations(ranks: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of ``ranks`` with ``0 .. n-1``.

    ``rho = 1 - 6 sum_i (r_i - i)^2 / (n (n^2 - 1))`` for permutations.

    Parameters
    ----------
    ranks : array of int, shape (..., n)
        Each row a permutation of ``0 .. n-1``.

    Returns
    -------
    ndarray, shape (...)
        ``nan`` when ``n < 2``.
    """
    r = np.asarray(ranks, dtype=float)
    n = r.shape[-1]
    if n < 2:
        return np.full(r.shape[:-1], np.nan)
    d = r - np.arange(n)
    return 1.0 - 6.0 * (d * d).sum(axis=-1) / (n * (n * n - 1))


def rank_order_correlation(order: np.ndarray, latent: np.ndarray, min_cells: int = 5) -> float:
    """Spearman correlation between firing order and latent (place-field) order.

    On the cells present in both ``order`` and ``latent``, Spearman's
    ``rho`` between each cell's position in the firing order and its position
    in the latent order (Lee & Wilson 2002; Foster & Wilson 2006): +1 for a
    forward replay, -1 for a reverse one.

    Parameters
    ----------
    order : array of int
        Cell ids in firing order (e.g. from :func:`event_orders`).
    latent : array of int
        Cell ids in latent order.
    min_cells : int
        Fewer shared cells than this give ``nan`` (a rank correlation of a
        handful of cells is too noisy to report).

    Returns
    -------
    float
    """
    if min_cells < 2:
        raise ValueError(f"min_cells must be >= 2, got {min_cells}")
    ranks = common_ranks(order, latent)
    if ranks.size < min_cells:
        return float("nan")
    return float(rank_order_correlations(ranks))
