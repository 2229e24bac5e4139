"""Consolidation at the spiking levels: the downstream population learns from replay events.

The downstream population of :mod:`neurotoolkit.downstream` (the same
model as at the binary level) learns from the offline replay events of a
spiking run: each detected event is binned (``downstream.bin``) into the
states of the pyramidal cells (spiked in the bin or not), events in the order
they happened, split into ``n_sessions`` sessions.  It is fed forward only
(nothing goes back to CA3), so it is computed from the recorded spikes after
the simulation, at the same cost on every Brian2 device.  Activity outside
replay events (the network's background firing at rest, or a runaway state
in which no event can be separated) trains nothing: a network that does not
replay hands nothing on.

The learned weights are stored in the Recording as pathway ``"FF"``
(``i``: pyramidal cell, ``j``: downstream unit) and read with
:mod:`neurotoolkit.analysis.consolidated`; the metrics are the shared
``consolidated_*`` keys (:data:`~neurotoolkit.analysis.consolidated.CONSOLIDATION_METRICS`)
plus ``consolidated_sequence_distance_session_<k>`` and
``consolidated_events`` (events presented).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis.consolidated import consolidated_order, cue_position_metrics, cue_weight_metrics
from ..analysis.recording import Recording
from ..config import magnitude, param, qparam
from ..downstream import DownstreamSection, consolidate_replays, initial_feedforward_weights
from .metrics import PYRAMIDAL_LABELS

__all__ = ["SpikingDownstream", "event_states", "consolidate_events", "CUE_TOLERANCE_CM"]

#: Half-width (cm) of the window around the cue's place in ``consolidated_cue_at_place``.
CUE_TOLERANCE_CM = 20.0


@dataclass(frozen=True)
class SpikingDownstream(DownstreamSection):
    """The downstream population of a spiking run (see :class:`DownstreamSection`).

    Attributes
    ----------
    enabled : bool
        Consolidate the run's replay events.
    bin : Quantity
        One step of a replay: pyramidal cells that spike within the same bin
        are co-active.
    """

    # spiking replay is noisier than binary replay: more units, several winners
    # per bin and small steps average many events (on planted sequence replay
    # these halve the consolidated distance against the binary defaults)
    n_downstream: int = param(64, low=1, doc="downstream units")
    n_winners: int = param(5, low=1, doc="units that fire at each replay step")
    learning_rate: float = param(0.01, low=0.0, low_open=True, doc="eta: Hebbian step")
    enabled: bool = param(True, doc="consolidate the replay events downstream")
    bin: object = qparam("20 ms", low=0, low_open=True, doc="time bin of a replay step")


def event_states(recording: Recording, events: np.ndarray, bin_s: float,
                 cells: np.ndarray) -> np.ndarray:
    """Binned activity of ``cells`` in each event, zero-padded to the longest event.

    Returns
    -------
    ndarray of bool, shape (n_events, n_bins, n_cells)
        Whether each cell spiked in each bin of each event.
    """
    cells = np.asarray(cells, dtype=np.int64)
    events = np.asarray(events, dtype=float).reshape(-1, 2)
    lengths = np.maximum(np.ceil((events[:, 1] - events[:, 0]) / bin_s - 1e-9), 1).astype(int)
    n_bins = int(lengths.max()) if len(events) else 1
    states = np.zeros((len(events), n_bins, cells.size), dtype=bool)
    column = np.full(int(recording.spike_ids.max(initial=-1)) + 1, -1, dtype=np.int64)
    column[cells[cells < column.size]] = np.flatnonzero(cells < column.size)
    for k, (t0, t1) in enumerate(events):
        times, ids = recording.spikes_between(t0, t1, cells)
        step = np.minimum(((times - t0) / bin_s).astype(int), lengths[k] - 1)
        states[k, step, column[ids]] = True
    return states


def consolidate_events(recording: Recording, events: np.ndarray, downstream: SpikingDownstream,
                       rng: np.random.Generator, *, cue_centre_cm: float
                       ) -> tuple[dict[str, float], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Let the downstream population learn from the events; what it consolidated.

    Parameters
    ----------
    recording : Recording
        A spiking run (pyramidal labels ``place``, ``cue``, ``pyramidal``).
    events : ndarray, shape (n_events, 2)
        Offline replay events, in time order.
    downstream : SpikingDownstream
    rng : numpy.random.Generator
        Draws the initial weights, then the chance levels.
    cue_centre_cm : float
        Where the cue is (fixed cue: the centre of its window); for a random
        cue the configured place, as a control.

    Returns
    -------
    metrics : dict
    weights : (i, j, w)
        Learned weights, ``i`` a pyramidal cell, ``j`` a downstream unit.
    """
    pyramidal = recording.cells(*PYRAMIDAL_LABELS)
    n_down = downstream.n_downstream
    f0 = initial_feedforward_weights(rng, (), n_down, pyramidal.size, downstream.initial_spread)
    states = event_states(recording, events, magnitude(downstream.bin, "s"), pyramidal)
    sessions = consolidate_replays(states, f0, n_winners=downstream.n_winners,
                                   window=downstream.window,
                                   learning_rate=downstream.learning_rate,
                                   n_sessions=downstream.n_sessions,
                                   refractory=downstream.refractory)
    # columns of the weights are pyramidal cells in recording order (ids 0..n-1)
    centres = recording.field_centres
    place = recording.cells("place")
    place = place[np.argsort(centres[place], kind="stable")]
    cue = recording.cells("cue")
    circular = bool(recording.metadata.get("circular", False))
    final = sessions[-1]
    # cells that never fired in a presented event keep their random initial
    # weights, which encode no position: order the cells replay handed on
    replayed = np.zeros(recording.spike_ids.max(initial=pyramidal.max()) + 1, dtype=bool)
    replayed[pyramidal[states.any(axis=(0, 1))]] = True
    coverage = float(replayed[place].mean()) if place.size else float("nan")
    all_place, place = place, place[replayed[place]]
    latent = recording.latent_order[replayed[recording.latent_order]]
    order = consolidated_order(final, place, circular=circular, rng=rng)
    everyone = consolidated_order(final, latent, circular=circular, n_chance=0)
    metrics: dict[str, float] = {
        "consolidated_events": float(len(events)),
        "consolidated_coverage": coverage,
        "consolidated_sequence_distance": order.distance,
        "consolidated_sequence_distance_chance": order.chance,
        "consolidated_n_cells": float(order.cells.size),
        "consolidated_sequence_distance_all": everyone.distance}
    metrics.update(cue_weight_metrics(final, np.ones(final.shape, dtype=bool), all_place, cue))
    period = float(recording.metadata.get("track_length_cm", np.nan)) if circular else None
    metrics.update(cue_position_metrics(final, place, centres[place], cue, cue_centre_cm,
                                        CUE_TOLERANCE_CM, k_nearest=5, period=period))
    for k, weights in enumerate(sessions, start=1):
        metrics[f"consolidated_sequence_distance_session_{k}"] = consolidated_order(
            weights, place, circular=circular, n_chance=0).distance
    post, pre = np.nonzero(np.ones(final.shape, dtype=bool))
    return metrics, (pyramidal[pre], post, final[post, pre])
