"""What one spiking simulation hands over: its random streams, world inputs and output.

Plain data shared by the phases of an experiment (:mod:`.exploration`, which
builds and runs the circuit, and :mod:`.checkpoints`, which cuts one
simulation into the runs of several lap counts); no Brian2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..circuits.ca3 import CellLayout
from ..world.cue import CueSchedule
from ..world.inputs import SpikeTrains, merge_spike_trains

__all__ = ["RandomStreams", "WorldInputs", "SimulationOutput"]


@dataclass(frozen=True)
class RandomStreams:
    """Independent numpy generators for each use of randomness in a run.

    Spawned from ``np.random.SeedSequence(seed)`` so that, for example,
    changing how many spikes the inputs draw does not change connectivity.
    """

    layout: np.random.Generator
    inputs: np.random.Generator
    connectivity: np.random.Generator
    analysis: np.random.Generator
    downstream: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int) -> RandomStreams:
        """Five streams from one seed (children 0-4 of ``SeedSequence(seed)``)."""
        return cls(*(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)))


@dataclass(frozen=True)
class WorldInputs:
    """What the world sends into the circuit during exploration.

    Place-field input and cue input to pyramidal cells are kept apart because
    they arrive at different places on a dendritic cell (mossy-fibre-like
    input proximally, lateral-entorhinal-like cue input distally).
    """

    layout: CellLayout
    schedule: CueSchedule
    place: SpikeTrains
    cue: SpikeTrains
    interneurons: SpikeTrains

    @property
    def pyramidal(self) -> SpikeTrains:
        """All input spikes of the pyramidal cells (place and cue)."""
        return merge_spike_trains([self.place.times, self.cue.times],
                                  [self.place.indices, self.cue.indices], self.place.n,
                                  np.inf)


@dataclass
class SimulationOutput:
    """Plain-numpy result of one exploration + replay simulation.

    Spike ids are in Recording order: pyramidal cells, then plastic
    interneurons, then basket cells.  Weights are ``(i, j, w_nS)`` triplets.
    """

    spike_times: np.ndarray
    spike_ids: np.ndarray
    weights: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    world: WorldInputs
    online_s: float
    offline_s: float
    simulation_wall_s: float
    build_dir: str | None = None
