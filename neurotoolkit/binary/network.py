"""One binary network end to end: online laps, learned weights, offline replays.

:func:`train_network` draws the laps and counts co-activations;
:func:`replay_network` runs the offline replays; :func:`to_recording` turns
both into a :class:`~neurotoolkit.analysis.Recording` (one time step = one
"second", positions in bins), so the shared analysis applies unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis import Recording
from .activity import draw_laps
from .config import BinaryConfig
from .layout import Layout
from .learning import Counts, count_coactivations
from .replay import run_replay

__all__ = ["TrainedNetwork", "Replays", "train_network", "replay_network", "replay_weights",
           "to_recording"]


@dataclass(frozen=True, eq=False)
class TrainedNetwork:
    """A network after its online laps.

    Attributes
    ----------
    config : BinaryConfig
    layout : Layout
    cue_steps : ndarray of int, shape (n_laps,)
    activity : ndarray of bool, shape (n_laps, n_total, L)
    counts : Counts
        Co-activation counts summed over the laps.
    """

    config: BinaryConfig
    layout: Layout
    cue_steps: np.ndarray
    activity: np.ndarray
    counts: Counts

    @property
    def cue_step(self) -> int:
        """Step of a fixed cue (used for the latent sequence)."""
        return self.config.cue.step(self.layout.n_positions)

    def latent_trajectory(self) -> np.ndarray:
        """Latent sequence as replay states, shape (L + 1, n_excitatory)."""
        return self.layout.latent_trajectory(self.config.cue.placement, self.cue_step)


@dataclass(frozen=True, eq=False)
class Replays:
    """Offline replays of one network.

    Attributes
    ----------
    starts : ndarray of int, shape (n_replays,)
        Start position of each replay.
    excitatory : ndarray of bool, shape (n_replays, n_steps + 1, n_excitatory)
    interneurons : ndarray of bool, shape (n_replays, n_steps + 1, n_interneurons)
    """

    starts: np.ndarray
    excitatory: np.ndarray
    interneurons: np.ndarray

    @property
    def n_steps(self) -> int:
        """Transitions per replay."""
        return self.excitatory.shape[1] - 1


def train_network(config: BinaryConfig, seed_sequence: np.random.SeedSequence,
                  n_laps: int | None = None) -> TrainedNetwork:
    """Draw ``n_laps`` laps (default ``config.track.n_laps``) and learn from them."""
    layout = Layout.from_config(config)
    n_laps = config.track.n_laps if n_laps is None else n_laps
    cue_steps, activity = draw_laps(config, seed_sequence, n_laps)
    per_lap = count_coactivations(activity, layout)
    counts = Counts(ee=per_lap.ee.sum(axis=0), ie=per_lap.ie.sum(axis=0),
                    ei=per_lap.ei.sum(axis=0), n_laps=n_laps)
    return TrainedNetwork(config, layout, cue_steps, activity, counts)


def replay_network(network: TrainedNetwork, rng: np.random.Generator) -> Replays:
    """Run ``config.replay.n_replays`` replays of a trained network.

    Each replay starts from the units tuned to one position (position 0, or a
    uniformly drawn one) and runs ``n_steps`` transitions (default: one per
    position) with the thresholded dynamics of
    :func:`~neurotoolkit.binary.replay.run_replay`.
    """
    cfg = network.config
    n_pos = network.layout.n_positions
    n_replays = cfg.replay.n_replays
    if cfg.replay.start == "first":
        starts = np.zeros(n_replays, dtype=np.int64)
    else:
        starts = rng.integers(0, n_pos, n_replays)
    n_steps = cfg.replay.n_steps or n_pos
    latent = network.latent_trajectory()
    exc, inh = run_replay(network.counts, latent[starts], n_steps,
                          theta=cfg.replay.threshold,
                          theta_interneuron=cfg.replay.interneuron_threshold,
                          plastic_ie=cfg.plasticity.plastic_ie,
                          plastic_ei=cfg.plasticity.plastic_ei,
                          noise=cfg.replay.noise, rng=rng)
    return Replays(starts, exc, inh)


def replay_weights(network: TrainedNetwork) -> dict[str, np.ndarray]:
    """Weights the replay uses, as dense matrices ``[post, pre]``.

    ``EE`` is always learned; ``IE`` is learned or 0 (static); ``EI`` is
    learned or 1 (static: every interneuron follows any excitatory activity).
    """
    w_ee, w_ie, w_ei = network.counts.weights()
    pathways = network.config.plasticity
    return {"EE": w_ee,
            "IE": w_ie if pathways.plastic_ie else np.zeros_like(w_ie),
            "EI": w_ei if pathways.plastic_ei else np.ones_like(w_ei)}


def _sparse(matrix: np.ndarray, pre_offset: int, post_offset: int
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    post, pre = np.nonzero(matrix)
    return pre + pre_offset, post + post_offset, matrix[post, pre].astype(float)


def to_recording(network: TrainedNetwork, replays: Replays) -> Recording:
    """The online laps and offline replays as one Recording.

    Time is measured in steps (one step = 1 s): lap ``l`` occupies
    ``[l L, (l + 1) L)``; the replays follow back to back, replay ``r`` in
    ``[T0 + r (n_steps + 1), T0 + (r + 1)(n_steps + 1))`` with ``T0 = n_laps L``.
    Intervals: ``online``, ``offline``, ``laps``, ``cue`` (the cue step of every
    lap) and ``replays`` (one event per replay).  Weights: ``EE``, ``IE``,
    ``EI`` as used by the replay, ``(i pre, j post, w)`` in unit ids.
    """
    layout, cfg = network.layout, network.config
    n_pos, n_exc = layout.n_positions, layout.n_excitatory
    n_laps = network.activity.shape[0]
    lap, unit, step = np.nonzero(network.activity)
    online_t = lap * n_pos + step
    duration = replays.n_steps + 1
    t0 = n_laps * n_pos
    offline = np.concatenate([replays.excitatory, replays.interneurons], axis=-1)
    r, t, u = np.nonzero(offline)
    offline_t = t0 + r * duration + t
    times = np.concatenate([online_t, offline_t]).astype(float)
    ids = np.concatenate([unit, u])
    order = np.lexsort((ids, times))
    n_replays = replays.starts.size
    starts = t0 + np.arange(n_replays) * duration
    events = np.column_stack([starts, starts + duration]).astype(float)
    lap_starts = np.arange(n_laps) * n_pos
    weights = replay_weights(network)
    return Recording.from_arrays(
        spike_times=times[order], spike_ids=ids[order], cell_labels=layout.labels(),
        field_centres=layout.field_centres(cfg.cue.placement, network.cue_step),
        position_times=np.arange(n_laps * n_pos, dtype=float),
        positions=np.tile(np.arange(n_pos, dtype=float), n_laps), position_unit="bin",
        intervals={"online": [0.0, float(t0)],
                   "offline": [float(t0), float(t0 + n_replays * duration)],
                   "laps": np.column_stack([lap_starts, lap_starts + n_pos]),
                   "cue": np.column_stack([lap_starts + network.cue_steps,
                                           lap_starts + network.cue_steps + 1]),
                   "replays": events},
        weights={"EE": _sparse(weights["EE"], 0, 0),
                 "IE": _sparse(weights["IE"], n_exc, 0),
                 "EI": _sparse(weights["EI"], 0, n_exc)},
        metadata={"level": "binary", "time_step_s": 1.0, "n_positions": n_pos,
                  "n_laps": int(n_laps), "pathways": cfg.plasticity.pathways,
                  "cue_placement": cfg.cue.placement,
                  "replay_starts": [int(s) for s in replays.starts]})
