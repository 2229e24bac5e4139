"""Seeded randomness for the analysis: every function takes ``rng``."""

from __future__ import annotations

import numpy as np

__all__ = ["as_generator"]


def as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a generator, a seed or ``None``.

    ``None`` gives a fresh, unseeded generator (results then differ between
    calls); pass an int for reproducible results.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError("rng: expected a numpy Generator, an int seed or None, "
                    f"got {type(rng).__name__}")
