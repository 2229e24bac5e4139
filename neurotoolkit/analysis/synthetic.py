"""Synthetic replay with known trajectories: ground truth for tests and notebooks.

An animal runs laps along a linear track while place cells fire with Gaussian
place fields (the online phase); then, offline, the cells fire at a low
background rate, interrupted by replay events in which a virtual position
sweeps the track (forward or reverse), jumps at random, stays put, or is
absent (pure noise), and each cell fires in proportion to its place field at
that virtual position.  Everything is returned as a :class:`Recording` plus
the true events, their kinds and trajectories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._rng import as_generator
from .recording import Recording

__all__ = ["SyntheticReplay", "generate_synthetic_replay", "REPLAY_KINDS",
           "SyntheticSweeps", "generate_synthetic_sweeps", "SWEEP_BACKGROUNDS"]

#: Kinds of synthetic event: a sweep along the track in latent order or its
#: reverse, jumps to random positions every ``random_step`` s, a fixed
#: position, or no trajectory at all (every cell at the same mean rate).
REPLAY_KINDS = ("forward", "reverse", "random", "stationary", "noise")


@dataclass(frozen=True, eq=False)
class SyntheticReplay:
    """A synthetic run and its ground truth.

    Attributes
    ----------
    recording : Recording
        Spikes of both phases, labels (``"place"``, and ``"pyramidal"`` for
        cells without a field), field centres, the trajectory of the online
        phase, intervals ``"online"``, ``"offline"``, ``"laps"`` and
        ``"events"`` (the true events).
    events : ndarray, shape (n_events, 2)
        True ``[start, stop)`` of each replay event, seconds.
    kinds : ndarray of str, shape (n_events,)
        Kind of each event (see :data:`REPLAY_KINDS`).
    trajectories : list of (times, positions)
        The virtual position of each event on a 1 ms grid (``nan`` for
        ``"noise"`` events).
    track_length : float
        Length of the track, cm.
    """

    recording: Recording
    events: np.ndarray
    kinds: np.ndarray
    trajectories: list[tuple[np.ndarray, np.ndarray]]
    track_length: float

    def of_kind(self, *kinds: str) -> np.ndarray:
        """Indices of the events of the given kinds."""
        return np.flatnonzero(np.isin(self.kinds, kinds))


@dataclass(frozen=True, eq=False)
class _PlaceLayout:
    """Place fields evenly spaced along the track, given to cell ids at random.

    ``centres`` is ``nan`` for the cells without a field.
    """

    centres: np.ndarray
    has_field: np.ndarray
    field_width: float

    def rates(self, x: np.ndarray, peak: float, floor: float, other: float) -> np.ndarray:
        """Rates ``(len(x), n_cells)`` at positions ``x``: Gaussian fields of height
        ``peak`` above ``floor``, and ``other`` for the cells without a field."""
        centres = np.where(self.has_field, self.centres, 0.0)
        bump = np.exp(-0.5 * ((x[:, None] - centres[None, :]) / self.field_width) ** 2)
        return np.where(self.has_field[None, :], peak * bump + floor, other)


def _place_layout(n_place: int, n_other: int, track_length: float, field_width: float,
                  rng: np.random.Generator) -> _PlaceLayout:
    """``n_place`` fields evenly spaced and ``n_other`` cells without one, ids in random order."""
    n_total = n_place + n_other
    centres = np.full(n_total, np.nan)
    centres[:n_place] = track_length / n_place * (np.arange(n_place) + 0.5)
    ids = rng.permutation(n_total)  # id of each (centre-ordered) cell
    cell_centres = np.empty(n_total)
    cell_centres[ids] = centres
    return _PlaceLayout(cell_centres, np.isfinite(cell_centres), float(field_width))


def _poisson_spikes(rates: np.ndarray, t0: float, dt: float,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Spikes of an inhomogeneous Poisson process with piecewise-constant rates.

    ``rates`` has shape ``(n_steps, n_cells)`` in Hz; each step lasts ``dt``.
    Within a step the spike times are uniform.
    """
    counts = rng.poisson(rates * dt)
    step, cell = np.nonzero(counts)
    n = counts[step, cell]
    step, cell = np.repeat(step, n), np.repeat(cell, n)
    times = t0 + (step + rng.random(step.size)) * dt
    return times, cell


def _trajectory(kind: str, times: np.ndarray, track_length: float, path_fraction: float,
                random_step: float, rng: np.random.Generator) -> np.ndarray:
    span = path_fraction * track_length
    u = (times - times[0]) / max(times[-1] - times[0], 1e-12)
    if kind in ("forward", "reverse"):
        start = rng.uniform(0.0, track_length - span)
        x = start + span * u
        return x if kind == "forward" else (2 * start + span) - x
    if kind == "random":
        jumps = ((times - times[0]) / random_step).astype(np.int64)
        return rng.uniform(0.0, track_length, jumps.max() + 1)[jumps]
    if kind == "stationary":
        return np.full(times.size, rng.uniform(0.0, track_length))
    return np.full(times.size, np.nan)  # noise


def generate_synthetic_replay(
    n_cells: int = 100,
    n_events: int = 40,
    kinds: Sequence[str] | str = ("forward", "reverse"),
    *,
    n_other_cells: int = 0,
    track_length: float = 300.0,
    field_width: float = 15.0,
    peak_rate: float = 20.0,
    outfield_rate: float = 0.1,
    speed: float = 32.0,
    n_laps: int = 5,
    background_rate: float = 0.5,
    event_duration: tuple[float, float] = (0.1, 0.2),
    event_gap: tuple[float, float] = (0.4, 1.0),
    event_peak_rate: float = 40.0,
    event_noise_rate: float = 2.0,
    path_fraction: float = 0.8,
    random_step: float = 0.02,
    participation: float = 1.0,
    dt: float = 0.001,
    rng: np.random.Generator | int | None = None,
) -> SyntheticReplay:
    """Generate place-cell spikes with planted replay events.

    Parameters
    ----------
    n_cells : int
        Place cells; their field centres are evenly spaced along the track
        and assigned to cell ids in random order (so the latent order is not
        the id order).
    n_events : int
        Replay events in the offline phase.
    kinds : str or sequence of str
        Kinds of event, cycled over the events (see :data:`REPLAY_KINDS`).
    n_other_cells : int
        Extra cells without a place field (label ``"pyramidal"``) that fire at
        ``background_rate`` online and offline and at ``event_noise_rate`` in
        events.
    track_length, field_width : float
        Track length and place-field SD, cm.
    peak_rate, outfield_rate : float
        Online in-field peak and out-of-field rates, Hz.
    speed : float
        Running speed online, cm/s; each lap runs from 0 to ``track_length``.
    n_laps : int
        Laps online.
    background_rate : float
        Rate of every cell offline, outside events, Hz.
    event_duration, event_gap : (float, float)
        Ranges (uniform) of the event durations and of the gaps before each
        event, s.
    event_peak_rate : float
        Peak rate of a cell when the replayed position is at its centre, Hz.
    event_noise_rate : float
        Rate added to every cell during an event (the noise), Hz.
    path_fraction : float
        Fraction of the track a forward or reverse event sweeps.
    random_step : float
        A ``"random"`` trajectory jumps to a new uniform position this often, s.
    participation : float
        Probability that a cell takes part in a given event (else it fires at
        ``event_noise_rate`` only).
    dt : float
        Time step of the rate grid, s.
    rng : Generator, int or None
        Seed or generator.

    Returns
    -------
    SyntheticReplay

    Notes
    -----
    A ``"noise"`` event has no trajectory: every cell fires at the mean rate a
    cell has during a sweep, ``event_peak_rate * field_width * sqrt(2 pi) /
    track_length + event_noise_rate``, so its population rate matches that of
    real events but its spikes carry no position.
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = sorted(set(kinds) - set(REPLAY_KINDS))
    if unknown or not kinds:
        raise ValueError(f"kinds: unknown {unknown}; choose from {REPLAY_KINDS}")
    for name, value in (("n_cells", n_cells), ("n_laps", n_laps), ("speed", speed),
                        ("track_length", track_length), ("field_width", field_width),
                        ("dt", dt), ("random_step", random_step)):
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")
    if n_events < 0 or n_other_cells < 0:
        raise ValueError("n_events and n_other_cells must be >= 0")
    if not 0 < path_fraction <= 1:
        raise ValueError(f"path_fraction must be in (0, 1], got {path_fraction}")
    if not 0 <= participation <= 1:
        raise ValueError(f"participation must be in [0, 1], got {participation}")
    if not 0 < event_duration[0] <= event_duration[1]:
        raise ValueError("event_duration must be an increasing positive range, "
                         f"got {event_duration}")
    if not 0 <= event_gap[0] <= event_gap[1]:
        raise ValueError(f"event_gap must be an increasing range >= 0, got {event_gap}")
    rng = as_generator(rng)

    n_total = n_cells + n_other_cells
    layout = _place_layout(n_cells, n_other_cells, track_length, field_width, rng)
    cell_centres, has_field = layout.centres, layout.has_field
    labels = np.where(has_field, "place", "pyramidal")

    def field(x: np.ndarray, peak: float, floor: float) -> np.ndarray:
        return layout.rates(x, peak, floor, background_rate)

    # online: laps from 0 to track_length at constant speed, generated in
    # blocks of time steps to keep memory small
    lap_time = track_length / speed
    t_online = n_laps * lap_time
    steps = int(round(t_online / dt))
    block = max(1, 2**21 // n_total)
    online = []
    for first in range(0, steps, block):
        grid = (np.arange(first, min(first + block, steps)) + 0.5) * dt
        position = (grid % lap_time) * speed
        online.append(_poisson_spikes(field(position, peak_rate, outfield_rate),
                                      first * dt, dt, rng))
    times_on = np.concatenate([o[0] for o in online])
    ids_on = np.concatenate([o[1] for o in online])
    sample = np.arange(0.0, t_online, 0.01)
    positions = (sample % lap_time) * speed

    # offline: background with events
    durations = rng.uniform(*event_duration, n_events)
    gaps = rng.uniform(*event_gap, n_events + 1)
    starts = t_online + np.cumsum(gaps[:-1]) + np.concatenate(([0.0], np.cumsum(durations[:-1])))
    starts = np.round(starts / dt) * dt
    stops = starts + np.round(durations / dt) * dt
    t_end = (stops[-1] if n_events else t_online) + gaps[-1]
    off_steps = int(round((t_end - t_online) / dt))
    # background: a homogeneous Poisson process per cell
    n_background = rng.poisson(background_rate * off_steps * dt, n_total)
    ids_off = np.repeat(np.arange(n_total), n_background)
    times_off = t_online + rng.random(ids_off.size) * (off_steps * dt)
    mean_event_rate = (event_peak_rate * field_width * np.sqrt(2 * np.pi) / track_length
                       + event_noise_rate)
    # no background inside events: an event's rates replace it
    in_event = np.zeros(times_off.size, dtype=bool)
    event_kinds = np.array([kinds[k % len(kinds)] for k in range(n_events)], dtype=str)
    trajectories, pieces = [], [(times_on, ids_on)]
    for start, stop, kind in zip(starts, stops, event_kinds, strict=True):
        in_event |= (times_off >= start) & (times_off < stop)
        n_steps = int(round((stop - start) / dt))
        t = start + (np.arange(n_steps) + 0.5) * dt
        x = _trajectory(kind, t, track_length, path_fraction, random_step, rng)
        trajectories.append((t, x))
        if kind == "noise":
            rates = np.where(has_field, mean_event_rate, event_noise_rate)
            rates = np.broadcast_to(rates, (n_steps, n_total)).copy()
        else:
            rates = field(x, event_peak_rate, event_noise_rate)
            rates[:, ~has_field] = event_noise_rate
        if participation < 1:
            silent = rng.random(n_total) >= participation
            rates[:, silent] = event_noise_rate
        pieces.append(_poisson_spikes(rates, start, dt, rng))
    pieces.append((times_off[~in_event], ids_off[~in_event]))
    times = np.concatenate([p[0] for p in pieces])
    cells = np.concatenate([p[1] for p in pieces])
    order = np.argsort(times, kind="stable")
    events = np.column_stack((starts, stops)) if n_events else np.zeros((0, 2))
    laps = np.column_stack((np.arange(n_laps) * lap_time, (np.arange(n_laps) + 1) * lap_time))
    recording = Recording.from_arrays(
        times[order], cells[order], labels, field_centres=cell_centres,
        position_times=sample, positions=positions, position_unit="cm",
        intervals={"online": [[0.0, t_online]], "offline": [[t_online, t_end]],
                   "laps": laps, "events": events},
        metadata={"level": "synthetic", "track_length": track_length,
                  "kinds": list(kinds)})
    return SyntheticReplay(recording=recording, events=events, kinds=event_kinds,
                           trajectories=trajectories, track_length=float(track_length))


#: What the cue-like cells do in a synthetic rest (see :func:`generate_synthetic_sweeps`):
#: fire tonically through the rest, stay silent, or fire inside every sweep.
SWEEP_BACKGROUNDS = ("tonic", "silent", "in_sweeps")


@dataclass(frozen=True, eq=False)
class SyntheticSweeps:
    """A synthetic rest filled with whole-track sweeps, and its ground truth.

    Attributes
    ----------
    recording : Recording
        Spikes of both phases; labels ``"place"`` and ``"cue"`` (the
        background population); field centres; the online trajectory;
        intervals ``"online"``, ``"offline"``, ``"laps"`` and ``"events"``
        (the true sweeps).
    events : ndarray, shape (n_sweeps, 2)
        True ``[start, stop)`` of each sweep, onset burst included, seconds.
    directions : ndarray of str, shape (n_sweeps,)
        ``"forward"`` or ``"reverse"``.
    background : str
        What the ``"cue"`` cells do (:data:`SWEEP_BACKGROUNDS`).
    track_length : float
        Length of the track, cm.
    """

    recording: Recording
    events: np.ndarray
    directions: np.ndarray
    background: str
    track_length: float


def generate_synthetic_sweeps(
    n_place_cells: int = 400,
    n_background_cells: int = 40,
    background: str = "silent",
    *,
    rest_duration: float = 20.0,
    sweep_duration: tuple[float, float] = (0.25, 0.5),
    fill_fraction: float = 0.6,
    min_gap: float = 0.02,
    burst_duration: float = 0.02,
    burst_rate: float = 30.0,
    wave_peak_rate: float = 60.0,
    rest_rate: float = 0.5,
    tonic_rate: float = 20.0,
    track_length: float = 300.0,
    field_width: float = 15.0,
    peak_rate: float = 20.0,
    outfield_rate: float = 0.1,
    speed: float = 32.0,
    n_laps: int = 3,
    dt: float = 0.001,
    rng: np.random.Generator | int | None = None,
) -> SyntheticSweeps:
    """Place cells whose rest is filled with sweeps across the whole track.

    This is what the point-neuron network does at rest: sweeps that cross the
    whole track in a few hundred ms, back to back, each opening with a brief
    synchronous burst of the place cells, then a wave of activity that
    travels along the track (forward or reverse, at random).  A second
    population (label ``"cue"``) sets the background that a detector must not
    be fooled by: tonic firing through the whole rest, silence, or firing at
    ``tonic_rate`` inside every sweep.

    Parameters
    ----------
    n_place_cells : int
        Place cells, field centres evenly spaced, ids in random order.
    n_background_cells : int
        Cells of the background population (no place field offline).
    background : str
        One of :data:`SWEEP_BACKGROUNDS`.
    rest_duration : float
        Length of the rest, s.  ``fill_fraction = 0`` gives a rest of noise
        only.
    sweep_duration : (float, float)
        Range (uniform) of the sweep durations, burst included, s.
    fill_fraction : float
        Expected fraction of the rest taken by sweeps, in ``[0, 0.9]``; the
        gaps between sweeps are exponential with the mean this implies, plus
        ``min_gap``.
    burst_duration, burst_rate : float
        The onset burst: every place cell fires at ``burst_rate`` Hz for
        ``burst_duration`` s.
    wave_peak_rate : float
        Rate of a place cell when the wave is at its field centre, Hz.
    rest_rate : float
        Rate of the place cells (and of silent-background cells' absence:
        they fire at 0 Hz) outside sweeps, Hz.
    tonic_rate : float
        Rate of the background cells when they fire, Hz.
    track_length, field_width, peak_rate, outfield_rate, speed, n_laps
        The online phase, as in :func:`generate_synthetic_replay`.
    dt : float
        Time step of the rate grid, s.
    rng : Generator, int or None

    Returns
    -------
    SyntheticSweeps
    """
    if background not in SWEEP_BACKGROUNDS:
        raise ValueError(f"background: unknown {background!r}; choose from {SWEEP_BACKGROUNDS}")
    if not 0 <= fill_fraction <= 0.9:
        raise ValueError(f"fill_fraction must be in [0, 0.9], got {fill_fraction}")
    if not 0 < sweep_duration[0] <= sweep_duration[1]:
        raise ValueError(f"sweep_duration must be an increasing positive range, "
                         f"got {sweep_duration}")
    if not 0 <= burst_duration < sweep_duration[0]:
        raise ValueError("burst_duration must be >= 0 and shorter than every sweep")
    for name, value in (("n_place_cells", n_place_cells), ("rest_duration", rest_duration),
                        ("track_length", track_length), ("field_width", field_width),
                        ("speed", speed), ("n_laps", n_laps), ("dt", dt)):
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")
    if n_background_cells < 0:
        raise ValueError(f"n_background_cells must be >= 0, got {n_background_cells}")
    rng = as_generator(rng)
    n_total = n_place_cells + n_background_cells
    layout = _place_layout(n_place_cells, n_background_cells, track_length, field_width, rng)
    cell_centres, is_place = layout.centres, layout.has_field
    labels = np.where(is_place, "place", "cue")

    def fields(x: np.ndarray, peak: float, floor: float) -> np.ndarray:
        return layout.rates(x, peak, floor, 0.0)

    lap_time = track_length / speed
    t_online = n_laps * lap_time
    grid = (np.arange(int(round(t_online / dt))) + 0.5) * dt
    online_rates = fields((grid % lap_time) * speed, peak_rate, outfield_rate)
    online_rates[:, ~is_place] = outfield_rate
    pieces = [_poisson_spikes(online_rates, 0.0, dt, rng)]
    sample = np.arange(0.0, t_online, 0.01)

    # sweeps: exponential gaps whose mean makes the expected fill fraction
    mean_sweep = 0.5 * (sweep_duration[0] + sweep_duration[1])
    mean_gap = (mean_sweep * (1 - fill_fraction) / fill_fraction) if fill_fraction > 0 else None
    t_end = t_online + rest_duration
    events, directions = [], []
    t = t_online + (rng.exponential(mean_gap) if mean_gap else rest_duration)
    while mean_gap is not None:
        duration = rng.uniform(*sweep_duration)
        if t + duration > t_end:
            break
        start = round(t / dt) * dt
        events.append((start, start + round(duration / dt) * dt))
        directions.append("forward" if rng.random() < 0.5 else "reverse")
        t = events[-1][1] + min_gap + rng.exponential(max(mean_gap - min_gap, 1e-9))
    events_arr = np.array(events, dtype=float).reshape(-1, 2)

    n_steps = int(round(rest_duration / dt))
    rest_grid = t_online + (np.arange(n_steps) + 0.5) * dt
    rates = np.where(is_place, rest_rate, tonic_rate if background == "tonic" else 0.0)
    rates = np.broadcast_to(rates, (n_steps, n_total)).copy()
    for (start, stop), direction in zip(events_arr, directions, strict=True):
        inside = (rest_grid >= start) & (rest_grid < stop)
        steps = np.flatnonzero(inside)
        burst = rest_grid[steps] < start + burst_duration
        wave = steps[~burst]
        u = (rest_grid[wave] - rest_grid[wave[0]]) / max(rest_grid[wave[-1]] - rest_grid[wave[0]],
                                                        dt)
        x = track_length * (u if direction == "forward" else 1.0 - u)
        block = fields(x, wave_peak_rate, rest_rate)
        block[:, ~is_place] = rates[wave][:, ~is_place]
        rates[wave] = block
        rates[steps[burst]] = np.where(is_place, burst_rate, rates[steps[burst]])
        if background == "in_sweeps":
            rates[steps[:, None], np.flatnonzero(~is_place)[None, :]] = tonic_rate
    pieces.append(_poisson_spikes(rates, t_online, dt, rng))
    times = np.concatenate([p[0] for p in pieces])
    cells = np.concatenate([p[1] for p in pieces])
    order = np.argsort(times, kind="stable")
    laps = np.column_stack((np.arange(n_laps) * lap_time, (np.arange(n_laps) + 1) * lap_time))
    recording = Recording.from_arrays(
        times[order], cells[order], labels, field_centres=cell_centres,
        position_times=sample, positions=(sample % lap_time) * speed, position_unit="cm",
        intervals={"online": [[0.0, t_online]], "offline": [[t_online, t_end]],
                   "laps": laps, "events": events_arr},
        metadata={"level": "synthetic", "track_length": track_length,
                  "track_length_cm": track_length, "background": background})
    return SyntheticSweeps(recording=recording, events=events_arr,
                           directions=np.array(directions, dtype=str), background=background,
                           track_length=float(track_length))
