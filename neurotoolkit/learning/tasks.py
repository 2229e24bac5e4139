"""Trials of the e-prop tasks as plain arrays (numpy only).

A :class:`TrialBatch` holds input spikes ``(batch, steps, n_inputs)`` (0 or 1
per step), targets ``(batch, steps, n_outputs)`` and a mask ``(batch, steps)``
saying at which steps the loss counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import magnitude
from .config import EvidenceTaskSection, PatternTaskSection

__all__ = ["TrialBatch", "evidence_trials", "pattern_trials", "check_batch"]


@dataclass(frozen=True)
class TrialBatch:
    """A batch of trials.

    Attributes
    ----------
    inputs : ndarray, shape (batch, steps, n_inputs)
        Input spikes, 0 or 1 per step.
    target : ndarray, shape (batch, steps, n_outputs)
        One-hot class (classification) or the signal (regression).
    mask : ndarray, shape (batch, steps)
        1 where the loss counts.
    labels : ndarray of int, shape (batch,), or None
        The correct class of each trial (classification).
    """

    inputs: np.ndarray
    target: np.ndarray
    mask: np.ndarray
    labels: np.ndarray | None = None

    @property
    def batch_size(self) -> int:
        """Trials."""
        return self.inputs.shape[0]

    @property
    def n_steps(self) -> int:
        """Time steps per trial."""
        return self.inputs.shape[1]


def check_batch(batch: TrialBatch, n_inputs: int, n_outputs: int) -> None:
    """Raise ``ValueError`` naming the array whose shape does not fit the network."""
    if batch.inputs.ndim != 3 or batch.inputs.shape[2] != n_inputs:
        raise ValueError(f"inputs: expected shape (batch, steps, {n_inputs}), "
                         f"got {batch.inputs.shape}")
    expected = batch.inputs.shape[:2] + (n_outputs,)
    if batch.target.shape != expected:
        raise ValueError(f"target: expected shape {expected}, got {batch.target.shape}")
    if batch.mask.shape != batch.inputs.shape[:2]:
        raise ValueError(f"mask: expected shape {batch.inputs.shape[:2]}, got {batch.mask.shape}")


def _steps(quantity, dt_ms: float) -> int:
    return int(round(magnitude(quantity, "ms") / dt_ms))


def evidence_trials(task: EvidenceTaskSection, batch_size: int, dt_ms: float,
                    rng: np.random.Generator) -> TrialBatch:
    """Evidence-accumulation trials (left/right cues, delay, recall).

    Each cue is on one side, chosen at random; the label is the side with
    more cues (1 = right), ties broken at random for an even ``n_cues``.
    Channels: ``[0, q)`` left cues, ``[q, 2q)`` right cues, ``[2q, 3q)``
    recall, ``[3q, 4q)`` background noise throughout, with ``q = n_inputs/4``.
    """
    q = task.n_inputs // 4
    cue_on, cue_every = _steps(task.cue_duration, dt_ms), _steps(task.cue_interval, dt_ms)
    delay, recall = _steps(task.delay, dt_ms), _steps(task.recall_duration, dt_ms)
    n_steps = task.n_cues * cue_every + delay + recall
    p_active = magnitude(task.input_rate, "Hz") * dt_ms / 1000.0
    p_noise = magnitude(task.background_rate, "Hz") * dt_ms / 1000.0

    rates = np.zeros((batch_size, n_steps, task.n_inputs))
    rates[:, :, 3 * q:] = p_noise
    sides = rng.integers(0, 2, size=(batch_size, task.n_cues))
    for k in range(task.n_cues):
        start = k * cue_every
        for b in range(batch_size):
            lo = sides[b, k] * q
            rates[b, start:start + cue_on, lo:lo + q] = p_active
    rates[:, n_steps - recall:, 2 * q:3 * q] = p_active
    inputs = (rng.random(rates.shape) < rates).astype(float)

    right = sides.sum(axis=1)
    labels = (2 * right > task.n_cues).astype(int)
    ties = 2 * right == task.n_cues
    labels[ties] = rng.integers(0, 2, size=int(ties.sum()))
    target = np.zeros((batch_size, n_steps, 2))
    target[np.arange(batch_size), :, labels] = 1.0
    mask = np.zeros((batch_size, n_steps))
    mask[:, n_steps - recall:] = 1.0
    return TrialBatch(inputs, target, mask, labels)


def pattern_trials(task: PatternTaskSection, batch_size: int, dt_ms: float,
                   rng: np.random.Generator) -> TrialBatch:
    """The frozen input pattern and the sum-of-sinusoids targets.

    ``rng`` fixes the pattern and phases; every trial of the batch is the same
    (the task is to learn one pattern), so draw it once per seed.
    """
    n_steps = _steps(task.duration, dt_ms)
    p = magnitude(task.input_rate, "Hz") * dt_ms / 1000.0
    pattern = (rng.random((n_steps, task.n_inputs)) < p).astype(float)
    t = np.arange(n_steps) * dt_ms / 1000.0
    phases = rng.uniform(0, 2 * np.pi, size=(task.n_outputs, len(task.frequencies)))
    signal = np.zeros((n_steps, task.n_outputs))
    for k in range(task.n_outputs):
        for f, amplitude, phase in zip(task.frequencies, task.amplitudes, phases[k], strict=True):
            signal[:, k] += amplitude * np.sin(2 * np.pi * f * t + phase)
    inputs = np.broadcast_to(pattern, (batch_size,) + pattern.shape).copy()
    target = np.broadcast_to(signal, (batch_size,) + signal.shape).copy()
    return TrialBatch(inputs, target, np.ones((batch_size, n_steps)))
