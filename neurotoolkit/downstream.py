r"""A downstream (cortex-like) population that learns only from replay.

The same model consolidates the replays of every level: the binary network's
replayed states, and the spiking levels' replay events binned in time
(:mod:`neurotoolkit.protocols.downstream`).  ``n_downstream`` units receive
every excitatory hippocampal cell through Hebbian feed-forward synapses
:math:`F` (``[downstream, excitatory]``).  Replays are presented in the order
they happened, in ``n_sessions`` consecutive sessions; at each step :math:`t`
of a replay with hippocampal activity :math:`x(t) \neq 0`:

* **competition**: the ``n_winners`` downstream units with the largest drive
  :math:`F x(t)` fire (k-winners-take-all, a stand-in for lateral inhibition;
  ties go to the lower index), among the units that have not fired yet in this
  replay (``refractory``: adaptation, which spreads the positions of one replay
  over different units; when fewer than ``n_winners`` units are left, as in a
  long replay, they all recover and a new round begins);
* **Hebbian learning with a time window**: each winner :math:`d` gains
  :math:`\eta\, e(t)`, where :math:`e_i(t) = \sum_{t'} \kappa^{|t - t'|} x_i(t')`
  is the replay's activity seen through the symmetric window
  :math:`\kappa^{|\Delta t|}` (a discrete form of symmetric pair STDP);
* **normalisation**: the winner's weights are rescaled to sum to 1
  (heterosynaptic competition between its inputs; Rumelhart & Zipser 1985).

Initial weights are :math:`(1 + \text{spread}\cdot u_{di}) / n` with
:math:`u_{di}` uniform on :math:`[0, 1)`, so different units start with
different preferences.  Nothing here learns outside replay: what the
population holds is what replay handed on.  The consolidated structure is
read with :mod:`neurotoolkit.analysis.consolidated`.

numpy only (no Brian2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Section, param

__all__ = ["DownstreamSection", "initial_feedforward_weights", "consolidate_replays"]


@dataclass(frozen=True)
class DownstreamSection(Section):
    """The downstream population that consolidates replays.

    Attributes
    ----------
    n_downstream : int
        Downstream units.
    n_winners : int
        Units that fire at each replay step (k-winners-take-all).
    window : float
        :math:`\\kappa`: weight of a co-activation one step apart (the window is
        :math:`\\kappa^{|\\Delta t|}`; 0 keeps only same-step co-activation).
    learning_rate : float
        :math:`\\eta`: size of a Hebbian step relative to a unit's total weight (1).
    initial_spread : float
        Relative spread of the initial weights.
    refractory : bool
        A downstream unit fires at most once per replay (adaptation); this
        spreads the positions of a replay over different units.
    n_sessions : int
        Offline sessions the replays are split into (the readout is reported
        after each).
    """

    n_downstream: int = param(32, low=1, doc="downstream units")
    n_winners: int = param(1, low=1, doc="units that fire at each replay step")
    window: float = param(0.5, low=0.0, high=1.0, doc="kappa: co-activation weight one step apart")
    learning_rate: float = param(0.5, low=0.0, low_open=True, doc="eta: Hebbian step")
    refractory: bool = param(True, doc="a downstream unit fires at most once per replay")
    initial_spread: float = param(0.5, low=0.0, doc="relative spread of the initial weights")
    n_sessions: int = param(4, low=1, doc="offline sessions")

    def validate(self) -> None:
        if self.n_winners > self.n_downstream:
            raise self.field_error("n_winners", f"more winners than downstream units "
                                                f"({self.n_downstream})")



def initial_feedforward_weights(rng: np.random.Generator, shape: tuple[int, ...], n_downstream: int,
                    n_excitatory: int, spread: float) -> np.ndarray:
    """Initial feed-forward weights, shape ``shape + (n_downstream, n_excitatory)``."""
    u = rng.random(tuple(shape) + (n_downstream, n_excitatory))
    w = 1.0 + spread * u
    return w / w.sum(axis=-1, keepdims=True)


def _windowed(x: np.ndarray, kappa: float) -> np.ndarray:
    """``e(t) = sum_t' kappa^|t - t'| x(t')`` along axis -2, in O(n_steps).

    A forward and a backward exponential pass, ``e = f + b - x``.
    """
    forward = x.copy()
    backward = x.copy()
    n_time = x.shape[-2]
    for t in range(1, n_time):
        forward[..., t, :] += kappa * forward[..., t - 1, :]
        backward[..., n_time - 1 - t, :] += kappa * backward[..., n_time - t, :]
    return forward + backward - x


def consolidate_replays(states: np.ndarray, weights: np.ndarray, *, n_winners: int = 1,
                        window: float = 0.5, learning_rate: float = 0.5,
                        n_sessions: int = 1, refractory: bool = True) -> np.ndarray:
    """Let a downstream population learn from replays (see the module docstring).

    Parameters
    ----------
    states : ndarray of bool, shape (..., n_replays, n_steps + 1, n_excitatory)
        Replayed excitatory states, replays in the order they are presented.
    weights : ndarray, shape (..., n_downstream, n_excitatory)
        Initial feed-forward weights (rows sum to 1); leading axes broadcast
        with those of ``states``.
    n_winners, window, learning_rate : see :class:`ReadoutSection`
    n_sessions : int
        The replays are split into this many consecutive sessions of (nearly)
        equal size.

    Returns
    -------
    ndarray, shape (n_sessions, ..., n_downstream, n_excitatory)
        The weights after each session.
    """
    states = np.asarray(states, dtype=bool)
    n_replays, n_time, n_exc = states.shape[-3:]
    if n_replays == 0:  # nothing replayed: nothing learned
        f = np.broadcast_to(np.asarray(weights, dtype=float),
                            np.broadcast_shapes(states.shape[:-3], np.shape(weights)[:-2])
                            + np.shape(weights)[-2:])
        return np.repeat(f[None].copy(), n_sessions, axis=0)
    lead = np.broadcast_shapes(states.shape[:-3], np.shape(weights)[:-2])
    f = np.broadcast_to(np.asarray(weights, dtype=float),
                        lead + np.shape(weights)[-2:]).copy()
    n_down = f.shape[-2]
    if n_winners > n_down:
        raise ValueError(f"n_winners ({n_winners}) exceeds the downstream units ({n_down})")
    x = np.broadcast_to(states, lead + states.shape[-3:]).astype(float)
    traces = _windowed(x, window)
    bounds = np.linspace(0, n_replays, n_sessions + 1).round().astype(int)
    out = np.empty((n_sessions,) + f.shape)
    flat_f = f.reshape(-1, n_down, n_exc)
    flat_x = x.reshape(-1, n_replays, n_time, n_exc)
    flat_e = traces.reshape(-1, n_replays, n_time, n_exc)
    batch = np.arange(flat_f.shape[0])
    session = 0
    for r in range(n_replays):
        fired = np.zeros((flat_f.shape[0], n_down), dtype=bool)
        for t in range(n_time):
            u = flat_x[:, r, t]
            active = u.any(axis=-1)
            if not active.any():
                continue
            drive = np.einsum("bdi,bi->bd", flat_f, u)
            if refractory:  # a unit fires at most once per replay ...
                # ... until too few are left to fire: a long replay (a whole
                # sweep) then starts a new round rather than handing every
                # later step to the lowest-numbered units
                spent = (n_down - fired.sum(axis=-1)) < n_winners
                fired[spent] = False
                drive = np.where(fired, -np.inf, drive)
            # k largest drives, ties to the lower index (stable sort of -drive)
            winners = np.argsort(-drive, axis=-1, kind="stable")[:, :n_winners]
            rows = np.repeat(batch[active], n_winners)
            cols = winners[active].ravel()
            fired[rows, cols] = True
            flat_f[rows, cols] += learning_rate * np.repeat(flat_e[active, r, t], n_winners,
                                                            axis=0)
            flat_f[rows, cols] /= flat_f[rows, cols].sum(axis=-1, keepdims=True)
        while session < n_sessions and r + 1 == bounds[session + 1]:
            out[session] = flat_f.reshape(f.shape)
            session += 1
    while session < n_sessions:  # sessions without replays (more sessions than replays)
        out[session] = flat_f.reshape(f.shape)
        session += 1
    return out
