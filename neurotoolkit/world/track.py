"""The track an animal runs laps on, and the latent sequence it defines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Section, magnitude, param, qparam

__all__ = ["Track", "latent_order"]


@dataclass(frozen=True)
class Track(Section):
    """A linear track run in one direction, lap after lap (or a circular belt).

    The animal runs at constant ``speed`` from position 0 to ``length``; on a
    linear track it is then placed back at 0 (as on a treadmill belt whose cue
    cards are read as a line), on a circular track position wraps and the
    ends are neighbours.

    Attributes
    ----------
    length : Quantity
        Track length (published: 300 cm).
    speed : Quantity
        Running speed (about 32 cm/s, about 9.25 s a lap).
    n_laps : int
        Laps run online.
    circular : bool
        Whether the ends of the track are neighbours (a belt).
    """

    length: object = qparam("300 cm", low=0, low_open=True, doc="track length")
    speed: object = qparam("32 cm/s", low=0, low_open=True, doc="running speed")
    n_laps: int = param(10, low=1, doc="laps run online")
    circular: bool = param(False, doc="ends of the track are neighbours")

    @property
    def length_cm(self) -> float:
        """Length in cm as a float."""
        return magnitude(self.length, "cm")

    @property
    def lap_duration_s(self) -> float:
        """Seconds per lap."""
        return float(self.length / self.speed)

    @property
    def duration_s(self) -> float:
        """Seconds for all laps."""
        return self.n_laps * self.lap_duration_s

    def position_cm(self, t: np.ndarray | float) -> np.ndarray:
        """Position (cm) at time(s) ``t`` in seconds since the first lap began."""
        t = np.asarray(t, dtype=float)
        speed = magnitude(self.speed, "cm/s")
        return np.mod(speed * t, self.length_cm)

    def lap_of(self, t: np.ndarray | float) -> np.ndarray:
        """Index of the lap (0-based) that time(s) ``t`` fall in."""
        return np.floor(np.asarray(t, dtype=float) / self.lap_duration_s).astype(int)

    def trajectory(self, dt_s: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
        """Sample times (s) and positions (cm) of the whole online run."""
        times = np.arange(0.0, self.duration_s, dt_s)
        return times, self.position_cm(times)

    def distance_cm(self, a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
        """Signed distance ``a - b`` in cm, wrapped to the shorter way on a circle."""
        d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
        if self.circular:
            length = self.length_cm
            d = (d + length / 2) % length - length / 2
        return d


def latent_order(field_centres: np.ndarray) -> np.ndarray:
    """The latent sequence as cell ids: cells with a place field, by field centre.

    Cells without a field (``nan`` centre) are left out.  Ties keep id order.
    """
    centres = np.asarray(field_centres, dtype=float)
    with_field = np.flatnonzero(np.isfinite(centres))
    return with_field[np.argsort(centres[with_field], kind="stable")]

