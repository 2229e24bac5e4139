"""Configuration of the abstract binary model (plain numbers only, no Brian2).

Sections mirror the concepts of the model (see ``docs/theory.md``)::

    network     how many units of each kind
    activity    per-lap firing probabilities (tuned and spontaneous)
    cue         where the salient cue appears on each lap
    plasticity  which pathways learn (EE, EE+IE, EE+IE+EI)
    replay      thresholds and the offline replays of one trained network
    track       laps run online
    convergence the convergence experiment over laps and networks

Every probability is checked to lie in ``[0, 1]``, sizes to be positive, and
the number of cue units not to exceed the number of units, when the config is
built, so a bad value raises :class:`~neurotoolkit.config.ConfigError` naming
the field before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import ConfigError, Section, param, section
from ..downstream import DownstreamSection
from ..plasticity.pathways import PATHWAY_SETS

__all__ = [
    "PATHWAY_SETS",
    "NetworkSection",
    "ActivitySection",
    "CueSection",
    "PlasticitySection",
    "ReplaySection",
    "TrackSection",
    "ConvergenceSection",
    "BinaryConfig",
]

@dataclass(frozen=True)
class NetworkSection(Section):
    """Sizes of the populations.

    The excitatory units are ``n_units``: ``n_cue`` cue units and
    ``n_units - n_cue`` place units, one place unit per position, so the track
    has ``n_units - n_cue`` positions.

    Attributes
    ----------
    n_units : int
        Excitatory units (place units plus cue units).
    n_cue : int
        Cue units among them; they fire together at the cue.
    n_cue_interneurons : int
        Interneurons tuned to the cue (fire while the cue is present).
    n_place_interneurons : int
        Interneurons tuned to the track (fire at every position).
    """

    n_units: int = param(20, low=1, doc="excitatory units (place units plus cue units)")
    n_cue: int = param(4, low=0, doc="cue units among the excitatory units")
    n_cue_interneurons: int = param(1, low=0, doc="interneurons tuned to the cue")
    n_place_interneurons: int = param(1, low=0, doc="interneurons tuned to the track positions")

    def validate(self) -> None:
        if self.n_cue > self.n_units:
            raise ConfigError(self._name("n_cue"),
                              f"more cue units ({self.n_cue}) than units ({self.n_units})")
        if self.n_units - self.n_cue < 2:
            raise ConfigError(self._name("n_units"),
                              f"{self.n_units} units with {self.n_cue} cue units leave "
                              f"{self.n_units - self.n_cue} place unit(s); a sequence needs "
                              "at least 2")

    @property
    def n_place(self) -> int:
        """Place units (= positions of the track)."""
        return self.n_units - self.n_cue

    @property
    def n_positions(self) -> int:
        """Positions visited per lap (one place unit each)."""
        return self.n_place

    @property
    def n_interneurons(self) -> int:
        """All interneurons."""
        return self.n_cue_interneurons + self.n_place_interneurons


@dataclass(frozen=True)
class ActivitySection(Section):
    """Per-lap stochastic activity; every value is a probability per time step.

    Attributes
    ----------
    place_probability : float
        ``q``: a place unit fires at its own position.
    cue_probability : float
        ``q_c``: a cue unit fires at the cue.
    cue_interneuron_probability : float
        ``q_Ic``: a cue interneuron fires at the cue.
    place_interneuron_probability : float
        ``q_Ip``: a place interneuron fires at a step (it is tuned to every
        position).
    spontaneous_probability : float
        ``epsilon``: any unit fires at a step outside its tuning.
    """

    place_probability: float = param(0.8, low=0.0, high=1.0, doc="q: place unit fires in its field")
    cue_probability: float = param(0.8, low=0.0, high=1.0, doc="q_c: cue unit fires at the cue")
    cue_interneuron_probability: float = param(0.15, low=0.0, high=1.0,
                                               doc="q_Ic: cue interneuron fires at the cue")
    place_interneuron_probability: float = param(0.3, low=0.0, high=1.0,
                                                 doc="q_Ip: place interneuron fires at a step")
    spontaneous_probability: float = param(0.01, low=0.0, high=1.0,
                                           doc="epsilon: firing outside the tuning")


@dataclass(frozen=True)
class CueSection(Section):
    """The salient cue: one time step per lap.

    Attributes
    ----------
    placement : {"random", "fixed"}
        ``random``: a new uniform position every lap (task-irrelevant);
        ``fixed``: the same position every lap (part of the world).
    position : float
        Fixed position as a fraction of the track, in ``[0, 1]``; the cue step is
        ``min(floor(position * n_positions), n_positions - 1)``.
    """

    placement: str = param("random", choices=("random", "fixed"), doc="random or fixed per lap")
    position: float = param(0.5, low=0.0, high=1.0, doc="fixed cue position (fraction of track)")

    def step(self, n_positions: int) -> int:
        """Cue step of a fixed cue on a track of ``n_positions`` positions."""
        return min(int(self.position * n_positions), n_positions - 1)


@dataclass(frozen=True)
class PlasticitySection(Section):
    """Which pathways learn with the Hebbian (co-activation counting) rule.

    Attributes
    ----------
    pathways : {"EE", "EE+IE", "EE+IE+EI"}
        Plastic pathways.  Static I->E weights are 0; a static E->I pathway
        makes every interneuron fire whenever any excitatory unit fires.
    """

    pathways: str = param("EE+IE", choices=tuple(PATHWAY_SETS), doc="plastic pathways")

    @property
    def plastic_ie(self) -> bool:
        """Whether I->E learns."""
        return "IE" in self.pathways

    @property
    def plastic_ei(self) -> bool:
        """Whether E->I learns."""
        return "EI" in self.pathways


@dataclass(frozen=True)
class ReplaySection(Section):
    """Offline replay: thresholded dynamics on the learned weights.

    Attributes
    ----------
    threshold : float
        ``theta``: an excitatory unit fires when its net input (co-activation
        counts per lap) reaches it.
    interneuron_threshold : float
        ``theta_I``: threshold of an interneuron with plastic E->I input.
    n_replays : int
        Replays of each trained network (consolidation run).
    start : {"random", "first"}
        Start of each replay: a uniformly drawn position, or position 0.
    noise : float
        Probability that an excitatory unit fires spontaneously at a replay step.
    n_steps : int
        Transitions per replay; 0 means one per position (from position 0 this
        covers the whole latent sequence and the silence after it).
    """

    threshold: float = param(0.04, low=0.0, low_open=True, doc="theta: excitatory threshold")
    interneuron_threshold: float = param(0.1, low=0.0, low_open=True,
                                         doc="theta_I: threshold of plastic-E->I interneurons")
    n_replays: int = param(50, low=1, doc="replays per trained network")
    start: str = param("random", choices=("random", "first"), doc="where each replay starts")
    noise: float = param(0.0, low=0.0, high=1.0, doc="spontaneous firing per replay step")
    n_steps: int = param(0, low=0, doc="transitions per replay (0: one per position)")


@dataclass(frozen=True)
class TrackSection(Section):
    """Online experience.

    Attributes
    ----------
    n_laps : int
        Laps run online before replay.
    """

    n_laps: int = param(64, low=1, doc="laps run online")


@dataclass(frozen=True)
class ConvergenceSection(Section):
    """The convergence experiment: error of the replayed order against laps.

    Attributes
    ----------
    n_networks : int
        Independently trained networks (seeds) per lap count.
    max_laps : int
        Largest lap count; the grid runs from 1 to ``max_laps``.
    laps : list of int
        Explicit lap counts; empty means the default grid (every lap to 32,
        then steps of 2, 4, 8, 16 up to ``max_laps``).
    pathways : list of str
        Pathway sets compared.
    fit_max_probability : float
        Largest measured error probability used to fit the decay rate.
    fit_min_errors : int
        Fewest wrong replays (out of ``n_networks``) for a lap count to enter
        the fit.
    chunk : int
        Networks simulated together (memory against speed).
    """

    n_networks: int = param(1000, low=1, doc="networks (seeds) per lap count")
    max_laps: int = param(512, low=1, doc="largest lap count")
    laps: list = param([], doc="explicit lap counts (empty: default grid)")
    pathways: list = param(["EE", "EE+IE"], doc="pathway sets compared")
    fit_max_probability: float = param(0.3, low=0.0, high=1.0, low_open=True,
                                       doc="largest error probability entering the rate fit")
    fit_min_errors: int = param(10, low=1, doc="fewest errors for a lap count to enter the fit")
    chunk: int = param(100, low=1, doc="networks simulated together")

    def validate(self) -> None:
        for value in self.laps:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(self._name("laps"),
                                  f"lap counts must be positive integers, got {value!r}")
        for value in self.pathways:
            if value not in PATHWAY_SETS:
                raise ConfigError(self._name("pathways"),
                                  f"{value!r} is not one of {', '.join(PATHWAY_SETS)}")
        if not self.pathways:
            raise ConfigError(self._name("pathways"), "needs at least one pathway set")

    def lap_grid(self) -> list[int]:
        """Lap counts of the experiment, ascending."""
        if self.laps:
            return sorted(set(self.laps))
        grid: set[int] = set(range(1, min(32, self.max_laps) + 1))
        for start, stop, step in ((32, 64, 2), (64, 128, 4), (128, 256, 8), (256, 1 << 30, 16)):
            grid.update(range(start, min(stop, self.max_laps) + 1, step))
        grid.add(self.max_laps)
        return sorted(n for n in grid if n <= self.max_laps)


@dataclass(frozen=True)
class BinaryConfig(Section):
    """Complete configuration of the binary level."""

    network: NetworkSection = section(NetworkSection)
    activity: ActivitySection = section(ActivitySection)
    cue: CueSection = section(CueSection)
    plasticity: PlasticitySection = section(PlasticitySection)
    replay: ReplaySection = section(ReplaySection)
    track: TrackSection = section(TrackSection)
    convergence: ConvergenceSection = section(ConvergenceSection)
    downstream: DownstreamSection = section(DownstreamSection)
