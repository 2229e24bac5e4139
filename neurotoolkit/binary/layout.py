"""Who is who in the binary network: unit ids, classes and latent positions.

Units are numbered in one range, excitatory units first::

    0 .. L-1                     place units, unit t tuned to position t
    L .. L+n_cue-1               cue units
    next n_cue_interneurons      interneurons tuned to the cue
    next n_place_interneurons    interneurons tuned to the track (every position)

``L = n_units - n_cue`` is the number of positions.  Excitatory arrays (weights,
replay states) use ids ``0 .. n_units-1``; interneuron arrays use their index
``0 .. n_interneurons-1`` (cue interneurons first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import BinaryConfig

__all__ = ["Layout", "LABEL_PLACE", "LABEL_CUE", "LABEL_INTERNEURON_CUE",
           "LABEL_INTERNEURON_PLACE"]

LABEL_PLACE = "place"
LABEL_CUE = "cue"
LABEL_INTERNEURON_CUE = "interneuron_cue"
LABEL_INTERNEURON_PLACE = "interneuron_place"


@dataclass(frozen=True)
class Layout:
    """Sizes and index ranges of the populations.

    Attributes
    ----------
    n_place : int
        Place units, one per position (so also the number of positions ``L``).
    n_cue : int
        Cue units.
    n_cue_interneurons, n_place_interneurons : int
        Interneurons tuned to the cue / to every position.
    """

    n_place: int
    n_cue: int
    n_cue_interneurons: int
    n_place_interneurons: int

    @classmethod
    def from_config(cls, config: BinaryConfig) -> Layout:
        """The layout of a validated configuration."""
        net = config.network
        return cls(net.n_place, net.n_cue, net.n_cue_interneurons, net.n_place_interneurons)

    # sizes -------------------------------------------------------------
    @property
    def n_positions(self) -> int:
        """Positions per lap (``L``)."""
        return self.n_place

    @property
    def n_excitatory(self) -> int:
        """Place plus cue units."""
        return self.n_place + self.n_cue

    @property
    def n_interneurons(self) -> int:
        """All interneurons."""
        return self.n_cue_interneurons + self.n_place_interneurons

    @property
    def n_total(self) -> int:
        """All units."""
        return self.n_excitatory + self.n_interneurons

    # index sets ----------------------------------------------------------
    @property
    def place(self) -> np.ndarray:
        """Ids of the place units (position order)."""
        return np.arange(self.n_place)

    @property
    def cue(self) -> np.ndarray:
        """Ids of the cue units."""
        return np.arange(self.n_place, self.n_excitatory)

    @property
    def cue_interneurons(self) -> np.ndarray:
        """Interneuron indices (0-based among interneurons) tuned to the cue."""
        return np.arange(self.n_cue_interneurons)

    @property
    def place_interneurons(self) -> np.ndarray:
        """Interneuron indices tuned to the track."""
        return np.arange(self.n_cue_interneurons, self.n_interneurons)

    def labels(self) -> np.ndarray:
        """Class label of every unit, in id order (excitatory, then interneurons)."""
        return np.array([LABEL_PLACE] * self.n_place + [LABEL_CUE] * self.n_cue
                        + [LABEL_INTERNEURON_CUE] * self.n_cue_interneurons
                        + [LABEL_INTERNEURON_PLACE] * self.n_place_interneurons)

    def latent_trajectory(self, placement: str, cue_step: int) -> np.ndarray:
        """The latent sequence as replay states, shape ``(L + 1, n_excitatory)``.

        Row ``t < L`` holds the units tuned to position ``t``: place unit ``t``,
        and all cue units at the cue step when the cue is fixed (then the cue is
        part of the world's structure).  Row ``L`` is empty: the sequence ends.
        A random cue has no position, so it is in no row.
        """
        states = np.zeros((self.n_positions + 1, self.n_excitatory), dtype=bool)
        states[self.place, self.place] = True
        if placement == "fixed" and self.n_cue:
            states[cue_step, self.cue] = True
        return states

    def field_centres(self, placement: str, cue_step: int) -> np.ndarray:
        """Position of every unit's field (``nan`` without one), for a Recording."""
        centres = np.full(self.n_total, np.nan)
        centres[self.place] = self.place.astype(float)
        if placement == "fixed":
            centres[self.cue] = float(cue_step)
        return centres
