"""Distances between orders: Kendall tau, footrule, their batched forms."""

import itertools

import numpy as np
import pytest

from neurotoolkit.analysis import (
    common_ranks,
    footrule_distance,
    kendall_distance,
    kendall_distances,
    sequence_distance,
    sequence_distances,
    sequence_footrule,
)


def slow_kendall(r):
    n = len(r)
    d = sum(r[i] > r[j] for i in range(n) for j in range(i + 1, n))
    return d / (n * (n - 1) / 2)


def slow_sequence(r, circular):
    n = len(r)
    best = 1.0
    for cut in range(n if circular else 1):
        k = slow_kendall([(x - cut) % n for x in r])
        best = min(best, k, 1 - k)
    return best


def slow_footrule(r):
    n = len(r)
    return sum(abs(x - i) for i, x in enumerate(r)) / (n * n // 2)


def test_perfect_forward_and_reverse_replays_have_distance_zero():
    latent = np.array([7, 3, 9, 1, 4, 0])
    assert sequence_distance(latent, latent) == 0
    assert sequence_distance(latent[::-1], latent) == 0
    assert sequence_footrule(latent, latent) == 0
    assert sequence_footrule(latent[::-1], latent) == 0
    assert sequence_distance(latent[[1, 2, 3, 4]], latent) == 0  # a sub-sequence
    assert kendall_distance(np.arange(5)[::-1]) == 1
    assert footrule_distance(np.arange(6)[::-1]) == 1


def test_common_ranks_restricts_and_reranks():
    latent = np.array([10, 20, 30, 40, 50])
    np.testing.assert_array_equal(common_ranks([50, 99, 20, 40, 20], latent), [2, 0, 1])


@pytest.mark.parametrize("n", [2, 3, 7, 25])
def test_batched_distances_match_the_slow_reference(n):
    rng = np.random.default_rng(n)
    ranks = np.array([rng.permutation(n) for _ in range(40)])
    slow_k = [slow_kendall(list(r)) for r in ranks]
    np.testing.assert_allclose(kendall_distances(ranks), slow_k, atol=1e-12)
    np.testing.assert_allclose([kendall_distance(r) for r in ranks], slow_k, atol=1e-12)
    for circular in (False, True):
        slow = [slow_sequence(list(r), circular) for r in ranks]
        np.testing.assert_allclose(sequence_distances(ranks, circular=circular), slow,
                                   atol=1e-12)
        np.testing.assert_allclose(
            [sequence_distance(r, np.arange(n), circular=circular) for r in ranks], slow,
            atol=1e-12)
    np.testing.assert_allclose([footrule_distance(r) for r in ranks],
                               [slow_footrule(list(r)) for r in ranks], atol=1e-12)
    latent = np.arange(n)
    expect = [min(slow_footrule(list(r)), slow_footrule(list(n - 1 - r))) for r in ranks]
    np.testing.assert_allclose([sequence_footrule(r, latent) for r in ranks], expect,
                               atol=1e-12)


def test_random_orders_are_about_one_half_before_folding():
    # exact means over all permutations of 6: E[K] = 1/2, E[F] = (n^2-1)/3 / floor(n^2/2)
    perms = np.array(list(itertools.permutations(range(6))))
    assert kendall_distances(perms).mean() == pytest.approx(0.5, abs=1e-12)
    assert np.mean([footrule_distance(p) for p in perms]) == pytest.approx(35 / 3 / 18)


def test_fewer_than_two_shared_cells_is_nan():
    assert np.isnan(sequence_distance([1], [1, 2, 3]))
    assert np.isnan(sequence_footrule([5, 6], [1, 2, 3]))
    assert np.all(np.isnan(kendall_distances(np.zeros((3, 1), dtype=int))))
