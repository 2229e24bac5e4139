"""Bayesian (Poisson) decoding of position from spike counts.

With independent Poisson cells of tuning curves ``f_i(x)`` (Hz) and counts
``n_i`` in a bin of ``tau`` seconds, the posterior over position is
(Zhang, Ginzburg, McNaughton & Sejnowski 1998, J Neurophysiol 79:1017)

.. math::

    P(x \\mid n) \\propto P(x) \\prod_i f_i(x)^{n_i} e^{-\\tau f_i(x)}

computed in log space, ``log P = n @ log f - tau sum_i f_i(x) + log P(x)``,
normalised with a log-sum-exp, with ``f`` floored at ``rate_floor`` so that a
spike of a cell whose estimated rate is zero at ``x`` does not make ``x``
impossible.
"""

from __future__ import annotations

import numpy as np

from ._ids import check_counts

__all__ = ["decode", "log_likelihood_terms", "position_error", "normalise_log_posterior"]

#: default rate floor, Hz: a cell fires at least this often anywhere
DEFAULT_RATE_FLOOR = 0.01


def log_likelihood_terms(tuning: np.ndarray, bin_s: float,
                         rate_floor: float = DEFAULT_RATE_FLOOR) -> tuple[np.ndarray, np.ndarray]:
    """``log f`` and ``tau * sum_i f_i`` of a tuning matrix, after the floor.

    Parameters
    ----------
    tuning : ndarray, shape (n_cells, n_pos)
        Rates in Hz; must be finite and >= 0.
    bin_s : float
        Bin width, s.
    rate_floor : float
        Rates below this are raised to it (Hz, > 0).

    Returns
    -------
    log_rates : ndarray, shape (n_cells, n_pos)
    expected : ndarray, shape (n_pos,)
        ``tau * sum_i max(f_i(x), floor)``.
    """
    tuning = np.asarray(tuning, dtype=float)
    if tuning.ndim != 2:
        raise ValueError(f"tuning: expected shape (n_cells, n_pos), got {tuning.shape}")
    if not np.all(np.isfinite(tuning)):
        raise ValueError("tuning: contains nan or inf (unvisited position bins?); "
                         "drop those bins or fill them before decoding")
    if np.any(tuning < 0):
        raise ValueError("tuning: negative rates")
    if not bin_s > 0:
        raise ValueError(f"bin_s must be > 0 s, got {bin_s}")
    if not rate_floor > 0:
        raise ValueError(f"rate_floor must be > 0 Hz, got {rate_floor}")
    rates = np.maximum(tuning, rate_floor)
    return np.log(rates), bin_s * rates.sum(axis=0)


def _log_prior(prior: np.ndarray | None, n_pos: int) -> np.ndarray:
    if prior is None:
        return np.zeros(n_pos)
    prior = np.asarray(prior, dtype=float)
    if prior.shape != (n_pos,):
        raise ValueError(f"prior: expected shape ({n_pos},), got {prior.shape}")
    if np.any(prior < 0) or not np.all(np.isfinite(prior)) or not prior.sum() > 0:
        raise ValueError("prior: must be finite, >= 0 and not all zero")
    with np.errstate(divide="ignore"):
        return np.log(prior / prior.sum())


def normalise_log_posterior(log_post: np.ndarray, overwrite: bool = False) -> np.ndarray:
    """Exponentiate and normalise log posteriors over the last axis (log-sum-exp).

    With ``overwrite`` the result is written into ``log_post`` (a float
    array), which saves a temporary of its size.
    """
    peak = log_post.max(axis=-1, keepdims=True)
    post = np.subtract(log_post, peak, out=log_post if overwrite else None)
    np.exp(post, out=post)
    post /= post.sum(axis=-1, keepdims=True)
    return post


def decode(counts: np.ndarray, tuning: np.ndarray, bin_s: float,
           prior: np.ndarray | None = None, *,
           rate_floor: float = DEFAULT_RATE_FLOOR) -> np.ndarray:
    """Posterior over position in each time bin (Bayesian Poisson decoder).

    Parameters
    ----------
    counts : ndarray, shape (..., n_bins, n_cells)
        Spike counts (finite, non-negative numbers; a ``ValueError`` names
        the first that is not); leading axes (events, shuffles) are decoded
        together.
    tuning : ndarray, shape (n_cells, n_pos)
        Tuning curves in Hz (e.g. ``TuningCurves.rates``).
    bin_s : float
        Bin width, s.
    prior : ndarray, shape (n_pos,), optional
        Prior over positions (e.g. the occupancy); uniform if omitted.
    rate_floor : float
        Floor on the rates, Hz (see the module notes).

    Returns
    -------
    ndarray, shape (..., n_bins, n_pos)
        Each row sums to 1.  A bin without spikes gives the prior reweighted
        by ``exp(-tau sum_i f_i(x))``.

    Notes
    -----
    ``log P(x | n) = sum_i n_i log f_i(x) - tau sum_i f_i(x) + log P(x) - log Z``
    (Zhang et al. 1998), with ``Z`` from a log-sum-exp over positions.

    Examples
    --------
    >>> import numpy as np
    >>> tuning = np.eye(3) * 50.0          # one-hot place fields
    >>> int(decode(np.array([[0, 3, 0]]), tuning, 0.02).argmax())
    1
    """
    counts = check_counts("counts", counts)
    log_rates, expected = log_likelihood_terms(tuning, bin_s, rate_floor)
    if counts.shape[-1] != log_rates.shape[0]:
        raise ValueError(f"counts has {counts.shape[-1]} cells but tuning has "
                         f"{log_rates.shape[0]}")
    if counts.ndim < 2:
        raise ValueError(f"counts: expected shape (..., n_bins, n_cells), got {counts.shape}")
    log_post = counts.astype(float) @ log_rates - expected + _log_prior(prior, expected.size)
    return normalise_log_posterior(log_post, overwrite=True)


def position_error(posterior: np.ndarray, true_positions: np.ndarray,
                   bin_centres: np.ndarray, circular_length: float | None = None) -> np.ndarray:
    """Posterior-weighted absolute position error in each time bin.

    ``e_t = sum_x P_t(x) |x - x_t|`` (with the distance around the loop if
    ``circular_length`` is given): the expected error of a decoder that draws
    its estimate from the posterior, which, unlike the error of the
    maximum-a-posteriori position, counts how much mass is misplaced.

    Parameters
    ----------
    posterior : ndarray, shape (..., n_bins, n_pos)
    true_positions : ndarray, shape (..., n_bins)
    bin_centres : ndarray, shape (n_pos,)
    circular_length : float, optional
        Circumference of a circular track.

    Returns
    -------
    ndarray, shape (..., n_bins)
    """
    posterior = np.asarray(posterior, dtype=float)
    x = np.asarray(bin_centres, dtype=float)
    truth = np.asarray(true_positions, dtype=float)
    if posterior.shape[-1] != x.size or posterior.shape[:-1] != truth.shape:
        raise ValueError(f"shapes do not match: posterior {posterior.shape}, "
                         f"true_positions {truth.shape}, bin_centres {x.shape}")
    distance = np.abs(x - truth[..., None])
    if circular_length is not None:
        distance = distance % circular_length
        distance = np.minimum(distance, circular_length - distance)
    return (posterior * distance).sum(axis=-1)
