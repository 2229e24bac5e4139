"""Bayesian decoding: deterministic cases, a direct reference, synthetic replay."""

import numpy as np
import pytest

from neurotoolkit.analysis import (
    bin_event_spikes,
    compute_tuning_curves,
    decode,
    generate_synthetic_replay,
    position_error,
)


def slow_decode(counts, tuning, bin_s, prior=None, floor=0.01):
    """The Poisson posterior written out term by term, one bin at a time."""
    n_bins, n_cells = counts.shape
    n_pos = tuning.shape[1]
    prior = np.full(n_pos, 1 / n_pos) if prior is None else np.asarray(prior) / np.sum(prior)
    out = np.zeros((n_bins, n_pos))
    for b in range(n_bins):
        logp = np.zeros(n_pos)
        for x in range(n_pos):
            total = np.log(prior[x]) if prior[x] > 0 else -np.inf
            for i in range(n_cells):
                f = max(tuning[i, x], floor)
                total += counts[b, i] * np.log(f * bin_s) - f * bin_s
            logp[x] = total
        logp -= logp.max()
        out[b] = np.exp(logp) / np.exp(logp).sum()
    return out


def test_one_hot_tuning_gives_a_one_hot_posterior():
    tuning = np.eye(5) * 50.0
    counts = np.zeros((5, 5), dtype=int)
    counts[np.arange(5), [3, 1, 4, 0, 2]] = 2
    post = decode(counts, tuning, 0.02)
    # log odds of the right position: 2 log(50 / 0.01) - 0.02 * 50 = 16, so
    # the wrong positions share less than 4 exp(-16) = 5e-7
    np.testing.assert_allclose(post, np.eye(5)[[3, 1, 4, 0, 2]], atol=1e-6)
    np.testing.assert_allclose(post.sum(axis=1), 1.0)


def test_decode_matches_the_direct_formula():
    rng = np.random.default_rng(0)
    tuning = rng.gamma(1.0, 5.0, (12, 9)) * (rng.random((12, 9)) > 0.3)  # some zeros
    counts = rng.poisson(0.6, (7, 12))
    prior = rng.random(9)
    for p in (None, prior):
        np.testing.assert_allclose(decode(counts, tuning, 0.015, p),
                                   slow_decode(counts, tuning, 0.015, p), atol=1e-9, rtol=0)


def test_decode_batches_over_leading_axes():
    rng = np.random.default_rng(1)
    tuning = rng.gamma(1.0, 5.0, (6, 10))
    counts = rng.poisson(0.5, (3, 4, 5, 6))
    batch = decode(counts, tuning, 0.02)
    assert batch.shape == (3, 4, 5, 10)
    np.testing.assert_allclose(batch[2, 1], decode(counts[2, 1], tuning, 0.02), atol=1e-12)


def test_empty_bin_gives_the_prior_times_the_silence_likelihood():
    tuning = np.array([[10.0, 0.0, 5.0], [0.0, 0.0, 5.0]])
    prior = np.array([0.5, 0.25, 0.25])
    post = decode(np.zeros((1, 2)), tuning, 0.1, prior)[0]
    silence = prior * np.exp(-0.1 * np.maximum(tuning, 0.01).sum(axis=0))
    np.testing.assert_allclose(post, silence / silence.sum())
    # a zero prior rules a position out whatever the spikes say
    post = decode(np.array([[0, 5]]), tuning, 0.1, np.array([1.0, 1.0, 0.0]))[0]
    assert post[2] == 0.0


@pytest.mark.parametrize("tuning, counts, prior, match", [
    (np.array([[np.nan, 1.0]]), np.zeros((1, 1)), None, "nan"),
    (np.array([[-1.0, 1.0]]), np.zeros((1, 1)), None, "negative"),
    (np.ones((2, 3)), np.zeros((1, 3)), None, "cells"),
    (np.ones((2, 3)), np.zeros((1, 2)), np.ones(2), "prior"),
    (np.ones((2, 3)), np.zeros((1, 2)), np.zeros(3), "prior"),
    (np.ones((2, 3)), np.zeros(2), None, "counts"),
])
def test_decode_rejects_bad_inputs(tuning, counts, prior, match):
    with pytest.raises(ValueError, match=match):
        decode(counts, tuning, 0.02, prior)


def test_position_error_is_posterior_weighted():
    centres = np.array([0.0, 10.0, 20.0, 30.0])
    post = np.array([[0.0, 1.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.5]])
    np.testing.assert_allclose(position_error(post, np.array([10.0, 0.0]), centres),
                               [0.0, 15.0])
    # around a loop of 40, 30 is 10 away from 0
    np.testing.assert_allclose(position_error(post, np.array([10.0, 0.0]), centres,
                                              circular_length=40.0), [0.0, 5.0])
    with pytest.raises(ValueError, match="shapes"):
        position_error(post, np.zeros(3), centres)


def test_decoded_synthetic_sweeps_follow_the_true_trajectory():
    errors, reversed_errors = [], []
    for seed in range(3):
        syn = generate_synthetic_replay(80, 10, ("forward", "reverse"), rng=seed)
        rec = syn.recording
        tuning = compute_tuning_curves(rec, n_bins=40, smoothing=5.0,
                                       track_range=(0, syn.track_length))
        counts = bin_event_spikes(rec.spike_times, rec.spike_ids, syn.events, bin_size=0.02,
                                  cells=tuning.cells)
        for k in range(len(syn.events)):
            post = decode(counts.event(k), tuning.rates, 0.02)
            times, path = syn.trajectories[k]
            edges = syn.events[k, 0] + 0.02 * np.arange(post.shape[0])
            truth = np.interp(edges + 0.01, times, path)
            errors.append(position_error(post, truth, tuning.bin_centres).mean())
            reversed_errors.append(position_error(post[::-1], truth, tuning.bin_centres).mean())
    # a sweep covers 240 cm in 0.1-0.2 s, so a 20 ms bin spans 24-48 cm of
    # track: a median error of 25 cm is within a bin's span (measured: about
    # 10 cm), while the same posteriors against the time-reversed path miss by
    # about 120 cm
    assert np.median(errors) < 25.0
    assert np.median(reversed_errors) > 4 * np.median(errors)
