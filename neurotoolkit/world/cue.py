"""The salient cue: a brief stimulus at a random or a fixed place on each lap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import ConfigError, Section, magnitude, param, qparam
from .track import Track

__all__ = ["SalientCue", "CueSchedule"]


@dataclass(frozen=True)
class CueSchedule:
    """When and where the cue appeared on each lap.

    Attributes
    ----------
    positions_cm : ndarray, shape (n_laps,)
        Track position at which the cue was presented on each lap.
    windows_s : ndarray, shape (n_laps, 2)
        ``[onset, offset)`` of the cue on each lap, seconds from the first lap.
    """

    positions_cm: np.ndarray
    windows_s: np.ndarray


@dataclass(frozen=True)
class SalientCue(Section):
    """A salient stimulus presented once a lap (Terada et al. 2022).

    With ``placement = "random"`` a new position is drawn uniformly every lap,
    so the cue carries no information about the world (task-irrelevant); with
    ``"fixed"`` it appears at ``position`` every lap and is part of the
    world's structure.

    Attributes
    ----------
    duration : Quantity
        How long the cue lasts (about 0.75 s).
    placement : {"random", "fixed"}
        Where it appears each lap.
    position : Quantity
        The fixed position (used when ``placement == "fixed"``).
    rate : Quantity
        Firing rate of cue-driven inputs inside the cue window.
    """

    duration: object = qparam("0.75 s", low=0, low_open=True, doc="cue duration")
    placement: str = param("random", choices=("random", "fixed"), doc="random or fixed place")
    position: object = qparam("150 cm", low=0, doc="position of a fixed cue")
    rate: object = qparam("20 Hz", low=0, doc="cue input rate inside the window")

    def schedule(self, track: Track, rng: np.random.Generator) -> CueSchedule:
        """Draw (random) or place (fixed) the cue on every lap of ``track``.

        A random cue is drawn so that its whole window falls inside its lap.

        Raises
        ------
        ConfigError
            If the cue does not fit on the track (a fixed position beyond its
            end, or a cue longer than a lap).
        """
        lap = track.lap_duration_s
        duration = magnitude(self.duration, "s")
        if duration >= lap:
            raise ConfigError("cue.duration", f"{duration:g} s is not shorter than a lap "
                                              f"({lap:g} s)")
        speed_cm_s = track.length_cm / lap
        latest = track.length_cm - duration * speed_cm_s  # last onset that fits in the lap
        if self.placement == "random":
            positions = rng.uniform(0.0, latest, size=track.n_laps)
        else:
            position = magnitude(self.position, "cm")
            if position > latest:
                raise ConfigError("cue.position", f"{position:g} cm leaves no room for the "
                                                  f"{duration:g} s cue before the end of the "
                                                  f"{track.length_cm:g} cm track")
            positions = np.full(track.n_laps, position)
        onsets = np.arange(track.n_laps) * lap + positions / speed_cm_s
        return CueSchedule(positions_cm=positions,
                           windows_s=np.column_stack([onsets, onsets + duration]))

