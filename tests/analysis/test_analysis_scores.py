"""Sequence scores against direct, slow reference implementations."""

from itertools import pairwise

import numpy as np
import pytest
from scipy.stats import spearmanr

from neurotoolkit.analysis import (
    line_fit_score,
    line_fit_scores,
    rank_order_correlation,
    rank_order_correlations,
    weighted_correlation,
    weighted_correlations,
)


def random_posterior(rng, n_t, n_x, batch=()):
    p = rng.random(batch + (n_t, n_x)) ** 4  # peaky, like real posteriors
    return p / p.sum(axis=-1, keepdims=True)


# --- direct references -----------------------------------------------------

def slow_weighted_correlation(p):
    w = t_sum = x_sum = 0.0
    n_t, n_x = p.shape
    for t in range(n_t):
        for x in range(n_x):
            w += p[t, x]
            t_sum += p[t, x] * t
            x_sum += p[t, x] * x
    mt, mx = t_sum / w, x_sum / w
    ctx = ctt = cxx = 0.0
    for t in range(n_t):
        for x in range(n_x):
            ctx += p[t, x] * (t - mt) * (x - mx)
            ctt += p[t, x] * (t - mt) ** 2
            cxx += p[t, x] * (x - mx) ** 2
    return ctx / np.sqrt(ctt * cxx)


def slow_band_score(p, slope, intercept, band):
    n_t, n_x = p.shape
    total = 0.0
    for t in range(n_t):
        y = intercept + slope * t
        total += sum(p[t, x] for x in range(n_x) if abs(x - y) <= band + 1e-9)
    return total / n_t


def slow_line_fit(p, band, method="exhaustive", n_angles=None):
    """Every candidate line, scored one by one; returns the best score."""
    n_t, n_x = p.shape
    lines = []
    if method == "exhaustive":
        for x0 in range(n_x):
            for x1 in range(n_x):
                if n_t == 1 and x1 != x0:
                    continue
                lines.append(((x1 - x0) / (n_t - 1) if n_t > 1 else 0.0, float(x0)))
    else:
        n = n_angles or 2 * n_x - 1
        top = np.arctan((n_x - 1) / max(n_t - 1, 1))
        for angle in np.linspace(-top, top, n):
            slope = np.tan(angle)
            for c in range(n_x):
                lines.append((slope, c - slope * (n_t - 1) / 2))
    return max(slow_band_score(p, s, b, band) for s, b in lines)


def slow_spearman(order_ranks):
    n = len(order_ranks)
    a = np.arange(n, dtype=float)
    b = np.asarray(order_ranks, dtype=float)
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


# --- weighted correlation --------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 3), (5, 9), (12, 30)])
def test_weighted_correlation_matches_reference(shape):
    rng = np.random.default_rng(sum(shape))
    batch = random_posterior(rng, *shape, batch=(6,))
    expected = [slow_weighted_correlation(p) for p in batch]
    np.testing.assert_allclose(weighted_correlations(batch), expected, atol=1e-9, rtol=0)
    np.testing.assert_allclose([weighted_correlation(p) for p in batch], expected, atol=1e-9)


def test_weighted_correlation_of_planted_sweeps():
    diagonal = np.eye(6)
    assert weighted_correlation(diagonal) == pytest.approx(1.0)
    assert weighted_correlation(diagonal[:, ::-1]) == pytest.approx(-1.0)
    assert weighted_correlation(np.full((5, 8), 1 / 8)) == pytest.approx(0.0, abs=1e-12)
    # a stationary event (one position) has no correlation, nor has a single bin
    stationary = np.zeros((5, 8))
    stationary[:, 3] = 1
    assert np.isnan(weighted_correlation(stationary))
    assert np.isnan(weighted_correlation(np.full((1, 8), 1 / 8)))


def test_weighted_correlation_rejects_batches_and_vectors():
    with pytest.raises(ValueError, match="weighted_correlations"):
        weighted_correlation(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="shape"):
        weighted_correlations(np.ones(4))


# --- line fit ---------------------------------------------------------------

@pytest.mark.parametrize("n_t, n_x, band", [(1, 6, 1), (2, 7, 2), (4, 9, 1.5), (7, 15, 3),
                                            (9, 20, 0)])
@pytest.mark.parametrize("method", ["exhaustive", "radon"])
def test_line_fit_matches_reference(n_t, n_x, band, method):
    rng = np.random.default_rng(n_t * 100 + n_x)
    # 20 posteriors: the batch path (slices, >= 16) and the single path (gathers)
    batch = random_posterior(rng, n_t, n_x, batch=(20,))
    expected = np.array([slow_line_fit(p, band, method) for p in batch])
    fits = line_fit_scores(batch, band, method=method)
    np.testing.assert_allclose(fits.score, expected, atol=1e-9, rtol=0)
    for k in range(3):
        score, slope, intercept = line_fit_score(batch[k], band, method=method)
        assert score == pytest.approx(expected[k], abs=1e-9)
        # the returned line attains the best score
        assert slow_band_score(batch[k], slope, intercept, band) == pytest.approx(score, abs=1e-9)
        assert fits.slope[k] == pytest.approx(slope) or \
            slow_band_score(batch[k], fits.slope[k], fits.intercept[k], band) == \
            pytest.approx(score, abs=1e-9)
    scores_only = line_fit_scores(batch, band, method=method, best_line=False)
    np.testing.assert_allclose(scores_only.score, expected, atol=1e-9, rtol=0)
    assert np.all(np.isnan(scores_only.slope))


def test_line_fit_finds_a_planted_line():
    n_t, n_x = 8, 30
    p = np.zeros((n_t, n_x))
    for t in range(n_t):
        p[t, 4 + 3 * t] = 1.0  # slope 3 bins per bin from bin 4
    score, slope, intercept = line_fit_score(p, band=0)
    assert (score, slope, intercept) == (1.0, 3.0, 4.0)
    score, slope, intercept = line_fit_score(p[::-1], band=0)
    assert (score, slope, intercept) == (1.0, -3.0, 25.0)
    # a time-shuffled copy no longer lies on one line
    shuffled = p[[3, 0, 6, 1, 7, 2, 5, 4]]
    assert line_fit_score(shuffled, band=1)[0] <= 0.5


def test_line_fit_band_widens_the_score():
    rng = np.random.default_rng(1)
    p = random_posterior(rng, 6, 20)
    scores = [line_fit_score(p, band=b)[0] for b in (0, 1, 2, 5, 19)]
    assert all(a <= b + 1e-12 for a, b in pairwise(scores))
    assert scores[-1] == pytest.approx(1.0)


def test_line_fit_scores_keeps_leading_axes():
    rng = np.random.default_rng(2)
    batch = random_posterior(rng, 5, 10, batch=(3, 7))
    fits = line_fit_scores(batch, 2)
    assert fits.score.shape == (3, 7)
    assert fits.score[1, 4] == pytest.approx(line_fit_score(batch[1, 4], 2)[0], abs=1e-12)


@pytest.mark.parametrize("kwargs, match", [(dict(band=-1), "band"),
                                           (dict(method="hough"), "method")])
def test_line_fit_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        line_fit_score(np.ones((3, 4)) / 4, **kwargs)


# --- rank order -------------------------------------------------------------

def test_rank_order_correlation_matches_references():
    rng = np.random.default_rng(3)
    latent = rng.permutation(40)
    for _ in range(20):
        order = rng.choice(40, rng.integers(5, 30), replace=False)
        rho = rank_order_correlation(order, latent)
        position = {c: i for i, c in enumerate(latent)}
        ranks = np.argsort(np.argsort([position[c] for c in order]))
        assert rho == pytest.approx(slow_spearman(ranks), abs=1e-9)
        assert rho == pytest.approx(spearmanr(np.arange(order.size),
                                              [position[c] for c in order])[0], abs=1e-9)


def test_rank_order_correlation_of_forward_reverse_and_short_orders():
    latent = np.array([4, 2, 9, 7, 1, 0, 3])
    assert rank_order_correlation(latent, latent) == pytest.approx(1.0)
    assert rank_order_correlation(latent[::-1], latent) == pytest.approx(-1.0)
    assert np.isnan(rank_order_correlation(latent[:4], latent, min_cells=5))
    assert rank_order_correlation(latent[:4], latent, min_cells=4) == pytest.approx(1.0)
    np.testing.assert_allclose(rank_order_correlations(np.array([[0, 1, 2], [2, 1, 0]])),
                               [1.0, -1.0])
    with pytest.raises(ValueError, match="min_cells"):
        rank_order_correlation(latent, latent, min_cells=1)


def test_single_precision_line_fit_decides_exceedance_exactly():
    from neurotoolkit.analysis.scores import _line_fit_exceedance_scores

    rng = np.random.default_rng(5)
    batch = random_posterior(rng, 7, 25, batch=(300,))
    exact = line_fit_scores(batch, 3).score
    for reference in (np.median(exact), exact[17], exact.max()):
        fast = _line_fit_exceedance_scores(batch, reference, 3.0, "exhaustive", None)
        np.testing.assert_array_equal(fast >= reference, exact >= reference)
        # single precision elsewhere: within 1e-6
        np.testing.assert_allclose(fast, exact, atol=1e-6, rtol=0)
    # duplicates of the reference posterior tie exactly, and count as ties
    ties = np.repeat(batch[:1], 40, axis=0)
    fast = _line_fit_exceedance_scores(ties, exact[0], 3.0, "exhaustive", None)
    assert np.all(fast == exact[0])
