r"""Online activity of the binary network: one independent random draw per lap.

On lap :math:`\ell` the animal visits positions :math:`0, \dots, L-1` at time
steps :math:`s = 0, \dots, L-1`.  The cue occupies one step :math:`c_\ell`:
uniform on :math:`\{0, \dots, L-1\}` and independent across laps (``random``)
or the same step every lap (``fixed``).  Given :math:`c_\ell`, every unit fires
at every step independently, with probability

================================  ==========================  ==============
unit                              inside its tuning           outside
================================  ==========================  ==============
place unit :math:`t`              :math:`q` at :math:`s = t`  :math:`\varepsilon`
cue unit                          :math:`q_c` at :math:`s = c_\ell`  :math:`\varepsilon`
cue interneuron                   :math:`q_{Ic}` at :math:`s = c_\ell`  :math:`\varepsilon`
place interneuron                 :math:`q_{Ip}` at every step  --
================================  ==========================  ==============

Laps are independent and identically distributed; this is the assumption the
convergence theorem rests on (``docs/theory.md``).

Randomness: a network's :class:`numpy.random.SeedSequence` is split into two
children, one for the cue steps and one for the activity, so the first ``n``
laps of a network are the same whatever the number of laps drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .config import BinaryConfig
from .layout import Layout

__all__ = ["firing_probabilities", "cue_step_distribution", "draw_laps", "draw_laps_batch",
           "network_seeds", "child_seeds"]


def firing_probabilities(config: BinaryConfig, cue_steps: np.ndarray | int) -> np.ndarray:
    r"""Probability that each unit fires at each step, given the cue step(s).

    Parameters
    ----------
    config : BinaryConfig
    cue_steps : int or array of int, shape (n_laps,)
        Cue step of each lap.

    Returns
    -------
    ndarray, shape (n_laps, n_total, L) (or (n_total, L) for a scalar)
        :math:`P(x_u(s) = 1 \mid c)` for unit ``u`` (layout order) and step ``s``.
    """
    layout = Layout.from_config(config)
    act = config.activity
    eps, n_pos = act.spontaneous_probability, layout.n_positions
    cue_steps_arr = np.atleast_1d(np.asarray(cue_steps, dtype=np.int64))
    n_laps = cue_steps_arr.size
    probs = np.full((n_laps, layout.n_total, n_pos), eps)
    probs[:, layout.place, layout.place] = act.place_probability
    place_in = layout.n_excitatory + layout.place_interneurons
    probs[:, place_in, :] = act.place_interneuron_probability
    laps = np.arange(n_laps)
    for unit in layout.cue:
        probs[laps, unit, cue_steps_arr] = act.cue_probability
    for index in layout.cue_interneurons:
        probs[laps, layout.n_excitatory + index, cue_steps_arr] = act.cue_interneuron_probability
    return probs[0] if np.ndim(cue_steps) == 0 else probs


def cue_step_distribution(config: BinaryConfig) -> tuple[np.ndarray, np.ndarray]:
    """Cue steps and their probabilities on one lap.

    Returns
    -------
    steps : ndarray of int
    weights : ndarray of float
        ``random``: every step with probability ``1/L``; ``fixed``: one step.
    """
    n_pos = config.network.n_positions
    if config.cue.placement == "fixed":
        return np.array([config.cue.step(n_pos)]), np.array([1.0])
    return np.arange(n_pos), np.full(n_pos, 1.0 / n_pos)


def child_seeds(seed_sequence: np.random.SeedSequence, count: int
                ) -> list[np.random.SeedSequence]:
    """The first ``count`` children of ``seed_sequence``, without spawning.

    :meth:`numpy.random.SeedSequence.spawn` remembers how many children it has
    given out, so calling it twice on one object gives different children; this
    builds the same children as a first ``spawn(count)`` every time.
    """
    return [np.random.SeedSequence(seed_sequence.entropy,
                                   spawn_key=tuple(seed_sequence.spawn_key) + (k,),
                                   pool_size=seed_sequence.pool_size) for k in range(count)]


def network_seeds(seed: int, n_networks: int) -> list[np.random.SeedSequence]:
    """Independent seed sequences of ``n_networks`` networks derived from ``seed``."""
    return np.random.SeedSequence(seed).spawn(n_networks)


def draw_laps(config: BinaryConfig, seed_sequence: np.random.SeedSequence,
              n_laps: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n_laps`` laps of online activity of one network.

    Parameters
    ----------
    config : BinaryConfig
    seed_sequence : numpy.random.SeedSequence
        The network's seed; its two children drive the cue and the activity.
    n_laps : int

    Returns
    -------
    cue_steps : ndarray of int, shape (n_laps,)
    activity : ndarray of bool, shape (n_laps, n_total, L)
        ``activity[l, u, s]``: unit ``u`` fired at step ``s`` of lap ``l``.
    """
    cue_seed, activity_seed = child_seeds(seed_sequence, 2)
    n_pos = config.network.n_positions
    if config.cue.placement == "fixed":
        cue_steps = np.full(n_laps, config.cue.step(n_pos), dtype=np.int64)
    else:
        cue_steps = np.random.Generator(np.random.PCG64(cue_seed)).integers(0, n_pos, n_laps)
    probs = firing_probabilities(config, cue_steps)
    uniform = np.random.Generator(np.random.PCG64(activity_seed)).random(probs.shape)
    return cue_steps, uniform < probs


def draw_laps_batch(config: BinaryConfig, seed_sequences: Sequence[np.random.SeedSequence],
                    n_laps: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`draw_laps` for several networks, stacked on a leading axis.

    Returns
    -------
    cue_steps : ndarray of int, shape (n_networks, n_laps)
    activity : ndarray of bool, shape (n_networks, n_laps, n_total, L)
    """
    draws = [draw_laps(config, ss, n_laps) for ss in seed_sequences]
    return np.stack([d[0] for d in draws]), np.stack([d[1] for d in draws])
