"""Input firing rates and spike trains that the world produces.

Place inputs follow Gaussian place fields (peak about 20 Hz, 0.1 Hz outside),
optionally modulated at theta with phase precession (O'Keefe & Recce 1993);
cue inputs fire at the cue rate inside each cue window.  Spike trains are
drawn in numpy from a seeded Generator, so the same seed gives the same
trains on every Brian2 device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Section, magnitude, param, qparam
from .cue import CueSchedule
from .track import Track

__all__ = ["PlaceInputs", "SpikeTrains", "place_rate", "place_spike_trains",
           "window_spike_trains", "merge_spike_trains", "one_spike_per_step"]


@dataclass(frozen=True)
class PlaceInputs(Section):
    """Rates of the place-tuned inputs.

    Attributes
    ----------
    field_width : Quantity
        Width of a place field, taken as four standard deviations of the
        Gaussian (30 cm: SD 7.5 cm; the rate is above 13.5% of peak inside).
    peak_rate, baseline_rate : Quantity
        Rate at the field centre and far outside the field.
    theta_frequency : Quantity
        Theta rhythm frequency.
    theta_depth : float
        Modulation depth in [0, 1]; 0 switches theta off.
    phase_precession : bool
        The preferred theta phase advances from 360 to 0 degrees across the field.
    interneuron_field_width : Quantity
        Field width of place-tuned interneurons.
    time_step : Quantity
        Grid on which inhomogeneous Poisson spikes are drawn.
    """

    field_width: object = qparam("30 cm", low=0, low_open=True)
    peak_rate: object = qparam("20 Hz", low=0)
    baseline_rate: object = qparam("0.1 Hz", low=0)
    theta_frequency: object = qparam("7 Hz", low=0)
    theta_depth: float = param(0.0, low=0.0, high=1.0)
    phase_precession: bool = param(True)
    interneuron_field_width: object = qparam("30 cm", low=0, low_open=True)
    time_step: object = qparam("1 ms", low=0, low_open=True)


@dataclass(frozen=True)
class SpikeTrains:
    """Spike times (s, ascending) and source indices of ``n`` inputs."""

    times: np.ndarray
    indices: np.ndarray
    n: int

    def rate_hz(self, duration_s: float) -> np.ndarray:
        """Mean rate of each input over ``duration_s``."""
        return np.bincount(self.indices, minlength=self.n) / duration_s


def place_rate(position_cm: np.ndarray, time_s: np.ndarray, centre_cm: np.ndarray,
               inputs: PlaceInputs, track: Track, width: object | None = None) -> np.ndarray:
    """Rate (Hz) of place inputs with field centres ``centre_cm``.

    All arguments broadcast.  With theta on, the rate is multiplied by
    ``1 + depth * cos(2 pi f t - phi)``, whose mean over a cycle is one, with
    ``phi = pi (1 - d / (w/2))`` for a signed distance ``d`` from the centre
    along the direction of travel and field width ``w`` (precession), or
    ``phi = 0`` without precession.
    """
    w = magnitude(width if width is not None else inputs.field_width, "cm")
    sd = w / 4.0
    d = track.distance_cm(position_cm, centre_cm)
    peak = magnitude(inputs.peak_rate, "Hz")
    base = magnitude(inputs.baseline_rate, "Hz")
    rate = base + (peak - base) * np.exp(-0.5 * (d / sd) ** 2)
    if inputs.theta_depth > 0:
        f = magnitude(inputs.theta_frequency, "Hz")
        phi = np.pi * (1.0 - np.clip(d / (w / 2.0), -1.0, 1.0)) if inputs.phase_precession else 0.0
        rate = rate * (1.0 + inputs.theta_depth * np.cos(2 * np.pi * f * time_s - phi))
    return rate


def place_spike_trains(centres_cm: np.ndarray, track: Track, inputs: PlaceInputs,
                       rng: np.random.Generator, width: object | None = None) -> SpikeTrains:
    """Inhomogeneous Poisson spike trains of place inputs over all laps.

    Inputs with a ``nan`` centre fire at the baseline rate only.  In-field
    spikes are drawn on the ``time_step`` grid within three SDs of each field
    (where the field adds more than 1% of its peak); the baseline is a
    homogeneous Poisson process over the whole run.
    """
    centres = np.asarray(centres_cm, dtype=float)
    n = centres.size
    dt = magnitude(inputs.time_step, "s")
    duration = track.duration_s
    base = magnitude(inputs.baseline_rate, "Hz")
    base_times, base_ids = _homogeneous(n, base, duration, rng)
    chunks_t, chunks_i = [base_times], [base_ids]
    has_field = np.flatnonzero(np.isfinite(centres))
    if has_field.size and magnitude(inputs.peak_rate, "Hz") > base:
        w = magnitude(width if width is not None else inputs.field_width, "cm")
        speed = track.length_cm / track.lap_duration_s
        half_window = int(np.ceil(3 * (w / 4.0) / speed / dt))
        offsets = np.arange(-half_window, half_window + 1) * dt
        crossing = centres[has_field] / speed  # time into the lap at the centre
        for lap in range(track.n_laps):
            lap_start = lap * track.lap_duration_s
            t = lap_start + crossing[:, None] + offsets[None, :]
            if track.circular:  # a field near an end is also crossed across the seam
                t = lap_start + np.mod(t - lap_start, track.lap_duration_s)
            x = track.position_cm(t)
            # in-field part only: the baseline is drawn separately above
            rate = place_rate(x, t, centres[has_field][:, None], inputs, track, width) - base
            inside = (t >= lap_start) & (t < lap_start + track.lap_duration_s) & (t < duration)
            p = np.clip(rate * dt, 0.0, 1.0) * inside
            cell, k = np.nonzero(rng.random(p.shape) < p)
            jitter = rng.uniform(-0.5 * dt, 0.5 * dt, size=cell.size)
            chunks_t.append(t[cell, k] + jitter)
            chunks_i.append(has_field[cell])
    return merge_spike_trains(chunks_t, chunks_i, n, duration)


def window_spike_trains(cells: np.ndarray, n: int, schedule: CueSchedule, rate: object,
                        rng: np.random.Generator, duration_s: float) -> SpikeTrains:
    """Homogeneous Poisson spikes of ``cells`` at ``rate`` inside each cue window."""
    cells = np.asarray(cells, dtype=np.int64)
    rate_hz = magnitude(rate, "Hz")
    times, ids = [], []
    for start, stop in schedule.windows_s:
        counts = rng.poisson(rate_hz * (stop - start), size=cells.size)
        ids.append(np.repeat(cells, counts))
        times.append(rng.uniform(start, stop, size=counts.sum()))
    return merge_spike_trains(times, ids, n, duration_s)


def merge_spike_trains(times: list[np.ndarray], indices: list[np.ndarray], n: int,
                       duration_s: float) -> SpikeTrains:
    """Concatenate spike chunks, drop spikes outside ``[0, duration)``, sort by time."""
    t = np.concatenate([np.asarray(x, dtype=float) for x in times]) if times else np.zeros(0)
    i = (np.concatenate([np.asarray(x, dtype=np.int64) for x in indices]) if indices
         else np.zeros(0, dtype=np.int64))
    keep = (t >= 0) & (t < duration_s)
    t, i = t[keep], i[keep]
    order = np.argsort(t, kind="stable")
    return SpikeTrains(times=t[order], indices=i[order], n=int(n))


def one_spike_per_step(trains: SpikeTrains, dt_s: float) -> SpikeTrains:
    """Keep at most one spike per input and simulation step of ``dt_s``.

    Brian2's SpikeGeneratorGroup refuses two spikes of one source in one step;
    the later ones are dropped (they are rare: rate times dt is small).  Steps
    are counted both as ``floor(t / dt)`` and the way Brian2 checks them,
    ``floor((t + dt / 1000) / dt)``: a spike just before a step boundary
    belongs to different steps in the two, and each must hold one spike.
    """
    kept = _first_spike_per_step(trains, np.floor(trains.times / dt_s + 1e-9))
    return _first_spike_per_step(kept, np.floor((kept.times + 1e-3 * dt_s) / dt_s))


def _first_spike_per_step(trains: SpikeTrains, steps: np.ndarray) -> SpikeTrains:
    step = steps.astype(np.int64)
    order = np.lexsort((trains.times, step, trains.indices))
    key_i, key_s = trains.indices[order], step[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (key_i[1:] != key_i[:-1]) | (key_s[1:] != key_s[:-1])
    keep = np.sort(order[first])
    return SpikeTrains(times=trains.times[keep], indices=trains.indices[keep], n=trains.n)


def _homogeneous(n: int, rate_hz: float, duration_s: float,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    counts = rng.poisson(rate_hz * duration_s, size=n)
    return rng.uniform(0.0, duration_s, size=counts.sum()), np.repeat(np.arange(n), counts)
