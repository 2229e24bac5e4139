r"""Offline replay: thresholded dynamics on the learned weights.

From a start state :math:`x(0)`, for :math:`t = 0, 1, \dots`

.. math::

    y(t) &= H\!\left(W^{EI}_n x(t) - \theta_I\right)
        \quad\text{(plastic E->I; static: } y_m(t) = \textstyle\max_i x_i(t))\\
    x(t+1) &= H\!\left(W^{EE}_n x(t) - W^{IE}_n y(t) - \theta\right)

with :math:`H(u) = 1` for :math:`u \ge 0`, :math:`W_n = C_n / n` the
co-activation frequencies, and :math:`W^{IE}_n = 0` when I->E is static.  The
comparison :math:`W_n x \ge \theta` is evaluated exactly, on integer counts, as
:math:`C_n x \ge \lceil \theta n \rceil` (:func:`integer_threshold`).
"""

from __future__ import annotations

import math

import numpy as np

from .learning import Counts

__all__ = ["integer_threshold", "run_replay"]


def integer_threshold(theta: float, n_laps: int) -> int:
    r"""Smallest integer count :math:`k` with :math:`k \ge \theta n` (ties fire).

    A relative tolerance of :math:`10^{-9}` absorbs the rounding of
    :math:`\theta n`, so that e.g. :math:`\theta = 0.1, n = 30` gives 3.
    """
    value = theta * n_laps
    return int(math.ceil(value - 1e-9 * max(1.0, abs(value))))


def run_replay(counts: Counts, start: np.ndarray, n_steps: int, *, theta: float,
               theta_interneuron: float, plastic_ie: bool, plastic_ei: bool,
               noise: float = 0.0, rng: np.random.Generator | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
    """Run the replay dynamics from ``start`` for ``n_steps`` steps.

    Parameters
    ----------
    counts : Counts
        Learned counts; leading axes (networks, lap counts, ...) broadcast with
        those of ``start``.  ``counts.n_laps`` is an int or an array over the
        leading axes.
    start : ndarray of bool, shape (..., n_excitatory)
        Excitatory state at step 0.
    n_steps : int
        Steps after the start.
    theta, theta_interneuron : float
        Thresholds per lap (see the module docstring).
    plastic_ie, plastic_ei : bool
        Which inhibitory pathways use the learned counts.
    noise : float
        Probability that an excitatory unit fires spontaneously at a step
        (``rng`` required when positive).
    rng : numpy.random.Generator, optional

    Returns
    -------
    excitatory : ndarray of bool, shape (..., n_steps + 1, n_excitatory)
    interneurons : ndarray of bool, shape (..., n_steps + 1, n_interneurons)
        ``interneurons[..., t, :]`` is ``y(t)``, driven by ``x(t)``.
    """
    if noise > 0 and rng is None:
        raise ValueError("run_replay: noise > 0 needs an rng")
    ee = counts.ee.astype(np.float64)
    ie = counts.ie.astype(np.float64)
    ei = counts.ei.astype(np.float64)
    n_laps = np.asarray(counts.n_laps)
    vec_threshold = np.vectorize(integer_threshold, otypes=[np.float64])
    k_exc = vec_threshold(theta, n_laps)[..., None]
    k_inh = vec_threshold(theta_interneuron, n_laps)[..., None]
    x = np.asarray(start, dtype=bool)
    shape = np.broadcast_shapes(x.shape[:-1], ee.shape[:-2])
    x = np.broadcast_to(x, shape + x.shape[-1:]).copy()
    n_inh = ie.shape[-1]
    states = np.zeros(shape + (n_steps + 1, x.shape[-1]), dtype=bool)
    inter = np.zeros(shape + (n_steps + 1, n_inh), dtype=bool)
    for t in range(n_steps + 1):
        states[..., t, :] = x
        xf = x.astype(np.float64)[..., None]
        if plastic_ei:
            y = (np.matmul(ei, xf)[..., 0] >= k_inh)
        else:
            y = np.broadcast_to(x.any(axis=-1, keepdims=True), shape + (n_inh,))
        inter[..., t, :] = y
        if t == n_steps:
            break
        drive = np.matmul(ee, xf)[..., 0]
        if plastic_ie:
            drive = drive - np.matmul(ie, y.astype(np.float64)[..., None])[..., 0]
        x = drive >= k_exc
        if noise > 0:
            x |= rng.random(x.shape) < noise
    return states, inter
