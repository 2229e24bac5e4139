r"""Hebbian learning as co-activation counting.

Per lap :math:`\ell`, with :math:`x_u(s) \in \{0, 1\}` the activity of unit
:math:`u` at step :math:`s`, each plastic synapse gains one quantum per
co-activation (potentiation only, the same quantum for every pathway, as in the
pair rule of the spiking levels):

.. math::

    C^{EE}_\ell[j, i] &= \sum_{s=0}^{L-2} x_i(s)\, x_j(s+1) \quad (i \ne j)
        &&\text{pre } i \text{ one step before post } j\\
    C^{IE}_\ell[j, m] &= \sum_{s=0}^{L-1} x_j(s)\, y_m(s)
        &&\text{interneuron } m \text{ with its target } j\\
    C^{EI}_\ell[m, i] &= \sum_{s=0}^{L-1} x_i(s)\, y_m(s)
        &&\text{excitatory } i \text{ with interneuron } m

After :math:`n` laps the weights are the co-activation frequencies per lap,
:math:`W_n = \frac1n \sum_{\ell \le n} C_\ell` (a running average, i.e. a
Hebbian rule with learning rate :math:`1/n`).  Static pathways keep fixed
weights: I->E weight 0; E->I "always on" (every interneuron fires whenever any
excitatory unit fires).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layout import Layout

__all__ = ["Counts", "count_coactivations", "cumulative_counts"]

_BLOCK_LAPS = 16


@dataclass(frozen=True)
class Counts:
    """Co-activation counts summed over ``n_laps`` laps (leading axes: networks, ...).

    Attributes
    ----------
    ee : ndarray, shape (..., n_excitatory, n_excitatory)
        ``ee[..., j, i]``: i fired one step before j (post j, pre i); zero diagonal.
    ie : ndarray, shape (..., n_excitatory, n_interneurons)
        ``ie[..., j, m]``: excitatory j and interneuron m fired at the same step.
    ei : ndarray, shape (..., n_interneurons, n_excitatory)
        ``ei[..., m, i]``: the transpose of ``ie`` (same-step co-activation).
    n_laps : int or ndarray
        Laps summed (the weights are ``counts / n_laps``).
    """

    ee: np.ndarray
    ie: np.ndarray
    ei: np.ndarray
    n_laps: int | np.ndarray

    def weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Co-activation frequencies per lap ``(W_EE, W_IE, W_EI)``."""
        n = np.asarray(self.n_laps, dtype=float)[..., None, None]
        return self.ee / n, self.ie / n, self.ei / n


def count_coactivations(activity: np.ndarray, layout: Layout) -> Counts:
    """Co-activation counts of each lap.

    Parameters
    ----------
    activity : ndarray of bool, shape (..., n_total, L)
        Activity of every unit at every step (leading axes: networks, laps, ...).
    layout : Layout

    Returns
    -------
    Counts
        Per-lap counts with the same leading axes, ``n_laps = 1``.
    """
    act = np.asarray(activity, dtype=np.float32)
    exc = act[..., :layout.n_excitatory, :]
    inh = act[..., layout.n_excitatory:, :]
    ee = np.matmul(exc[..., :, 1:], np.swapaxes(exc[..., :, :-1], -1, -2))
    diagonal = np.arange(layout.n_excitatory)
    ee[..., diagonal, diagonal] = 0
    ie = np.matmul(exc, np.swapaxes(inh, -1, -2))
    return Counts(ee=ee.astype(np.int32), ie=ie.astype(np.int32),
                  ei=np.swapaxes(ie, -1, -2).astype(np.int32), n_laps=1)


def cumulative_counts(activity: np.ndarray, layout: Layout, laps: np.ndarray) -> Counts:
    """Counts after each lap count in ``laps`` (cumulative over the lap axis).

    The laps between two consecutive lap counts are concatenated along time
    and counted with one matrix product per interval, which is equivalent to
    summing :func:`count_coactivations` over those laps (a pair of steps is
    never formed across two laps) but makes far fewer, larger products.

    Parameters
    ----------
    activity : ndarray of bool, shape (n_networks, n_laps, n_total, L)
    layout : Layout
    laps : array of int
        Lap counts ``1 <= n <= n_laps`` to report, ascending.

    Returns
    -------
    Counts
        Arrays of shape ``(n_networks, len(laps), ...)`` and ``n_laps = laps``.
    """
    laps = np.asarray(laps, dtype=np.int64)
    if laps.size and (np.any(np.diff(laps) <= 0) or laps[0] < 1 or laps[-1] > activity.shape[1]):
        raise ValueError(f"laps must be increasing within 1..{activity.shape[1]}, got {laps}")
    n_exc = layout.n_excitatory
    act = np.asarray(activity, dtype=np.float32)
    n_net = act.shape[0]

    def flatten(block: np.ndarray) -> np.ndarray:
        # (networks, laps, units, steps) -> (networks, units, laps * steps)
        moved = np.moveaxis(block, 1, 2)
        return moved.reshape(n_net, moved.shape[1], -1)

    ee = np.zeros((n_net, laps.size, n_exc, n_exc), dtype=np.int32)
    ie = np.zeros((n_net, laps.size, n_exc, layout.n_interneurons), dtype=np.int32)
    previous = 0
    for k, n in enumerate(laps):
        for start in range(previous, int(n), _BLOCK_LAPS):  # blocks keep the copies in cache
            block = act[:, start:min(start + _BLOCK_LAPS, int(n))]
            exc = block[:, :, :n_exc]
            ee[:, k] += np.matmul(flatten(exc[..., 1:]),
                                  np.swapaxes(flatten(exc[..., :-1]), 1, 2)).astype(np.int32)
            ie[:, k] += np.matmul(flatten(exc),
                                  np.swapaxes(flatten(block[:, :, n_exc:]), 1, 2)).astype(np.int32)
        previous = int(n)
    np.cumsum(ee, axis=1, out=ee)
    np.cumsum(ie, axis=1, out=ie)
    diagonal = np.arange(n_exc)
    ee[..., diagonal, diagonal] = 0
    return Counts(ee=ee, ie=ie, ei=np.swapaxes(ie, -1, -2), n_laps=laps)
