"""The trainable parameters of an e-prop network and their initialisation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Weights", "initial_weights", "feedback_weights"]


@dataclass
class Weights:
    """Parameters of the network, post-synaptic index first.

    Attributes
    ----------
    w_in : ndarray, shape (n_recurrent, n_inputs)
    w_rec : ndarray, shape (n_recurrent, n_recurrent)
        Zero diagonal (no self-connections).
    w_out : ndarray, shape (n_outputs, n_recurrent)
    b_out : ndarray, shape (n_outputs,)
    """

    w_in: np.ndarray
    w_rec: np.ndarray
    w_out: np.ndarray
    b_out: np.ndarray

    NAMES = ("w_in", "w_rec", "w_out", "b_out")

    def as_dict(self) -> dict[str, np.ndarray]:
        """Name to array."""
        return {name: getattr(self, name) for name in self.NAMES}

    def copy(self) -> Weights:
        """A deep copy."""
        return Weights(**{k: v.copy() for k, v in self.as_dict().items()})


def initial_weights(n_inputs: int, n_recurrent: int, n_outputs: int, rng: np.random.Generator,
                    scale: float = 1.0) -> Weights:
    """Gaussian weights with variance ``scale² / fan-in`` and no self-connections."""
    w_rec = rng.normal(0, scale / np.sqrt(n_recurrent), (n_recurrent, n_recurrent))
    np.fill_diagonal(w_rec, 0.0)
    return Weights(
        w_in=rng.normal(0, scale / np.sqrt(n_inputs), (n_recurrent, n_inputs)),
        w_rec=w_rec,
        w_out=rng.normal(0, scale / np.sqrt(n_recurrent), (n_outputs, n_recurrent)),
        b_out=np.zeros(n_outputs),
    )


def feedback_weights(mode: str, weights: Weights, fixed_random: np.ndarray | None) -> np.ndarray:
    """The learning-signal matrix ``B`` of shape ``(n_recurrent, n_outputs)``.

    ``symmetric``: ``W_outᵀ`` (follows the readout as it learns); ``random``:
    the fixed matrix ``fixed_random``.
    """
    if mode == "symmetric":
        return weights.w_out.T.copy()
    if mode == "random":
        if fixed_random is None:
            raise ValueError("feedback: random feedback needs a fixed random matrix")
        return fixed_random
    raise ValueError(f"feedback: unknown mode {mode!r} (choose symmetric or random)")
