r"""Downstream consolidation of binary replays: what a cortex-like population learns from them.

The downstream population of :mod:`neurotoolkit.downstream` (k-winners-
take-all units with windowed Hebbian feed-forward learning, normalised)
learns from the binary network's replayed excitatory states, replays in the
order they were run, in ``n_sessions`` sessions.

The readout is a **deterministic function** of the replayed trajectories (and
of the initial weights and replay starts, both drawn independently of the
learned hippocampal weights).  So if every replay is the latent sequence, the
readout is exactly the one the latent sequence produces, :math:`F^\ast`; by
Corollary 2 of ``docs/theory.md`` this happens whenever the replay from
position 0 is right, hence :math:`P(F_n \neq F^\ast) \le P_n(\text{wrong})`, and
the readout inherits the theorem's rate (``docs/theory.md``, section 12).

The consolidated structure is read with
:mod:`neurotoolkit.analysis.consolidated`: the order its weights encode
(spectral seriation of the cosine similarity of the units' feed-forward weight
vectors) against the latent order, the weight the cue units hold, and where
the cue units are bound along the sequence.

This module imports only numpy at import time (its section is part of
:class:`~neurotoolkit.binary.config.BinaryConfig`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analysis.consolidated import consolidated_order, cue_position_metrics, cue_weight_metrics
from ..downstream import DownstreamSection, consolidate_replays, initial_feedforward_weights

__all__ = ["readout_metrics", "ReadoutResult", "consolidate_network", "READOUT_METRICS"]


#: Binary-level readout metrics (beside the shared ``consolidated_*`` keys of
#: :data:`neurotoolkit.analysis.consolidated.CONSOLIDATION_METRICS`).
READOUT_METRICS = {
    "consolidated_equals_latent":
        "1 if the readout is exactly the one the latent replays produce (same starts and "
        "initial weights)",
    "consolidated_sequence_distance_latent":
        "consolidated_sequence_distance of that latent readout (the readout's own floor)",
}


def readout_metrics(weights: np.ndarray, layout: Any, placement: str, cue_step: int,
                    rng: np.random.Generator | int | None = None) -> dict[str, float]:
    """The shared ``consolidated_*`` metrics of one binary readout.

    Parameters
    ----------
    weights : ndarray, shape (n_downstream, n_excitatory)
    layout : Layout
    placement : {"random", "fixed"}
    cue_step : int
        The fixed cue's step (for a random cue: the configured step, a control).
    rng : Generator, int or None
        For the chance level.

    Returns
    -------
    dict
        ``consolidated_sequence_distance`` (over the place units), its chance
        level and cell count, the cue weight metrics and the cue position
        metrics (tolerance one step, the single most similar place unit).
    """
    place, cue = layout.place, layout.cue
    order = consolidated_order(weights, place, rng=rng)
    metrics = {"consolidated_sequence_distance": order.distance,
               "consolidated_sequence_distance_chance": order.chance,
               "consolidated_n_cells": float(order.cells.size)}
    nan = math.nan
    if cue.size:
        metrics.update(cue_weight_metrics(weights, np.ones(weights.shape, dtype=bool), place,
                                          cue))
        metrics.update(cue_position_metrics(weights, place, place.astype(float), cue,
                                            float(cue_step), 1.0, k_nearest=1))
    else:
        metrics.update({k: nan for k in ("consolidated_cue_weight_ratio",
                                          "consolidated_cue_weight_fraction",
                                          "consolidated_cue_weight_share",
                                          "consolidated_cue_at_place",
                                          "consolidated_cue_at_place_chance",
                                          "consolidated_cue_position_error")})
    return metrics


@dataclass(frozen=True, eq=False)
class ReadoutResult:
    """The downstream readout of one network's replays.

    Attributes
    ----------
    sessions : ndarray, shape (n_sessions, n_downstream, n_excitatory)
        Feed-forward weights after each session.
    latent : ndarray, shape (n_sessions, n_downstream, n_excitatory)
        The same learned from latent replays (same starts, same initial weights).
    metrics : dict
        :func:`readout_metrics` of the final weights, plus
        :data:`READOUT_METRICS`.
    """

    sessions: np.ndarray
    latent: np.ndarray
    metrics: dict[str, float]

    @property
    def weights(self) -> np.ndarray:
        """Final feed-forward weights ``[downstream, excitatory]``."""
        return self.sessions[-1]


def consolidate_network(network: Any, replays: Any, readout: DownstreamSection,
                        rng: np.random.Generator) -> ReadoutResult:
    """Consolidate one trained network's replays; compare with the latent readout.

    Parameters
    ----------
    network : TrainedNetwork
    replays : Replays
    readout : DownstreamSection
    rng : numpy.random.Generator
        Draws the initial weights, then the chance level.
    """
    layout = network.layout
    cfg = network.config
    f0 = initial_feedforward_weights(rng, (), readout.n_downstream, layout.n_excitatory,
                         readout.initial_spread)
    kwargs = dict(n_winners=readout.n_winners, window=readout.window,
                  learning_rate=readout.learning_rate, n_sessions=readout.n_sessions,
                  refractory=readout.refractory)
    sessions = consolidate_replays(replays.excitatory, f0, **kwargs)
    latent_states = _latent_replays(network, replays)
    latent = consolidate_replays(latent_states, f0, **kwargs)
    cue_step = network.cue_step
    metrics = readout_metrics(sessions[-1], layout, cfg.cue.placement, cue_step, rng)
    metrics["consolidated_equals_latent"] = float(np.array_equal(sessions[-1], latent[-1]))
    metrics["consolidated_sequence_distance_latent"] = readout_metrics(
        latent[-1], layout, cfg.cue.placement, cue_step, rng)["consolidated_sequence_distance"]
    for k, w in enumerate(sessions, start=1):
        metrics[f"consolidated_sequence_distance_session_{k}"] = readout_metrics(
            w, layout, cfg.cue.placement, cue_step, rng)["consolidated_sequence_distance"]
    return ReadoutResult(sessions, latent, metrics)


def _latent_replays(network: Any, replays: Any) -> np.ndarray:
    """The replays a network would run if every one reproduced the latent sequence.

    From start ``s`` the latent replay is ``x*(s), x*(s+1), ...`` and silence
    after the end of the sequence (Corollary 2 of ``docs/theory.md``).
    """
    latent = network.latent_trajectory()  # (L + 1, n_exc), last row empty
    n_steps = replays.n_steps
    index = replays.starts[:, None] + np.arange(n_steps + 1)[None, :]
    padded = np.concatenate([latent, np.zeros((max(n_steps + 1, 1), latent.shape[1]),
                                              dtype=bool)])
    return padded[index]
