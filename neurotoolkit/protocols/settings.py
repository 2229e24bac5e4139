"""The configuration of a spiking (point-neuron or dendritic) replay experiment."""

from __future__ import annotations

from dataclasses import dataclass

from ..circuits.ca3 import NetworkConfig
from ..config import Section, magnitude, param, qparam, section
from ..neurons.dendritic import DendriticConfig
from ..neurons.point import BASKET_CELL, PointCell
from ..plasticity.pathways import PATHWAY_SETS, PlasticityConfig
from ..world.cue import SalientCue
from ..world.inputs import PlaceInputs
from ..world.track import Track
from .downstream import SpikingDownstream

__all__ = ["OnlineConfig", "OfflineConfig", "SimulationConfig", "AnalysisConfig",
           "ConvergenceConfig", "SpikingConfig"]


@dataclass(frozen=True)
class OnlineConfig(Section):
    """Exploration: how learning is driven and how much the network talks to itself.

    Attributes
    ----------
    mode : {"closed_loop", "teacher_forced"}
        ``closed_loop``: the network's own spikes drive plasticity;
        ``teacher_forced``: the input spike trains do (Liao et al.'s way).
    recurrent_gain : float
        Multiplies E->E transmission during exploration (recurrent
        excitation is thought to be damped during active behaviour).
    """

    mode: str = param("closed_loop", choices=("closed_loop", "teacher_forced"))
    recurrent_gain: float = param(0.0, low=0.0)


@dataclass(frozen=True)
class OfflineConfig(Section):
    """Rest: noise-driven replay with plasticity off.

    Attributes
    ----------
    duration : Quantity
        Length of the offline period.
    noise_rate : Quantity
        Rate of the mossy-fibre-like Poisson input to each pyramidal cell.
    recurrent_gain : float
        Multiplies the learned E->E weights offline (0.6-0.7 kept a
        2000-cell prototype in healthy bursting).
    """

    duration: object = qparam("20 s", low=0, low_open=True)
    noise_rate: object = qparam("15 Hz", low=0)
    recurrent_gain: float = param(0.65, low=0.0)


@dataclass(frozen=True)
class SimulationConfig(Section):
    """Numerics: time step, Brian2 code-generation target, integration method.

    ``report_period`` is the wall time between two progress lines of a long
    simulation (:mod:`neurotoolkit.protocols.progress`).  ``method``
    integrates the point-neuron cells; Dendrify cells use ``dendritic.method``
    (:class:`~neurotoolkit.neurons.dendritic.DendriticConfig`).
    """

    dt: object = qparam("0.1 ms", low=0, low_open=True)
    target: str = param("cython", choices=("cython", "numpy"))
    method: str = param("euler", choices=("euler", "rk2", "rk4", "exponential_euler"))
    report_period: object = qparam("4 s", low=0, low_open=True,
                                   doc="wall time between progress lines")


@dataclass(frozen=True)
class AnalysisConfig(Section):
    """Replay detection and scoring (see :mod:`neurotoolkit.analysis`).

    With ``detector = "sweeps"`` (the default) events are found on the cells
    of ``detect_on``: stretches where their smoothed rate rises above a quiet
    level of the rest (the ``baseline_percentile``-th percentile) by
    ``edge_sd`` spreads, whose peak reaches ``peak_sd`` spreads, then split
    where the decoded position jumps by more than ``jump_limit``
    (:func:`~neurotoolkit.analysis.detect_events`).  ``detector =
    "hysteresis"`` keeps the first release's rule: the z-scored rate of all
    pyramidal cells above ``low_z`` with a peak above ``high_z``.
    """

    detector: str = param("sweeps", choices=("sweeps", "hysteresis"),
                          doc="event detection rule")
    detect_on: str = param("place", choices=("place", "pyramidal"),
                           doc="cells the events are detected on (sweeps detector)")
    # offline activity travels along the track in sweeps of a few hundred ms
    # that begin with a brief synchronous burst; 20 ms smoothing detects the
    # sweep, 5 ms mostly its onset
    smoothing: object = qparam("20 ms", low=0, low_open=True)
    baseline_percentile: float = param(20.0, low=0.0, high=50.0, low_open=True,
                                       doc="percentile of the rest's rate taken as quiet")
    edge_sd: float = param(2.0, low=0.0, doc="event edges, spreads above the quiet level")
    peak_sd: float = param(5.0, low=0.0, doc="event peaks, spreads above the quiet level")
    low_z: float = param(0.5, doc="hysteresis detector: edge threshold (z)")
    high_z: float = param(2.0, doc="hysteresis detector: peak threshold (z)")
    min_duration: object = qparam("50 ms", low=0)
    max_duration: object = qparam("2 s", low=0, low_open=True)
    merge_gap: object = qparam("20 ms", low=0)
    split_trajectories: bool = param(True, doc="split candidates at decoded jumps")
    segment_bin: object = qparam("20 ms", low=0, low_open=True)
    jump_limit: object = qparam("60 cm", low=0, low_open=True)
    min_segment: object = qparam("100 ms", low=0)
    min_cells: int = param(5, low=2, doc="active place cells for an event's order")
    # a replay event starts with a synchronous burst in which hundreds of cells
    # fire within a few ms: their first spikes are ordered by noise, and the one
    # burst spike of each cell pulls its mean spike time; the median follows
    # the wave that travels along the track
    order_by: str = param("median", choices=("first", "mean", "median"),
                          doc="order cells in an event by first, mean or median spike time")
    decode_bin: object = qparam("10 ms", low=0, low_open=True)
    position_bin: object = qparam("5 cm", low=0, low_open=True)
    n_shuffles: int = param(500, low=1)
    significance_level: float = param(0.05, low=0.0, high=1.0, low_open=True)
    correlation_bin: object = qparam("150 ms", low=0, low_open=True)
    # where the network answers the offline noise switching on with one
    # population burst, that transient is not replay and must not set rest-wide
    # statistics (a single 150 ms bin can decide the sign of the place-cue r)
    settle: object = qparam("0 s", low=0,
                            doc="start of the rest left out of its analysis (settling)")

    def validate(self) -> None:
        if self.high_z < self.low_z:
            raise self.field_error("high_z", "must not be below low_z")
        if self.peak_sd < self.edge_sd:
            raise self.field_error("peak_sd", "must not be below edge_sd")
        if magnitude(self.max_duration, "s") <= magnitude(self.min_duration, "s"):
            raise self.field_error("max_duration", "must exceed min_duration")


@dataclass(frozen=True)
class ConvergenceConfig(Section):
    """The convergence experiment: replay after 1, 2, 4, ... laps, over seeds.

    One simulation per seed explores ``max(laps)`` laps and rests for ``rest``
    after each lap count of ``laps``
    (:class:`~neurotoolkit.protocols.checkpoints.LapCheckpoints`); every
    pathway set runs from the same build.  The learning curve
    ``d(n) = c + a n^(-beta)`` is fitted to the mean over seeds, with
    bootstrap intervals over seeds.

    Attributes
    ----------
    laps : list of int
        Lap counts at which the network rests and replays.
    rest : Quantity
        Length of each rest.
    n_seeds : int
        Seeds ``seed, seed + 1, ...`` (one build each).
    pathways : list of str
        Pathway sets compared.
    n_bootstrap : int
        Bootstrap resamples of the seeds.
    confidence : float
        Confidence level of the intervals.
    """

    laps: list = param([1, 2, 4, 8, 16, 32], doc="lap counts at which the network replays")
    rest: object = qparam("10 s", low=0, low_open=True, doc="length of each rest")
    n_seeds: int = param(5, low=1, doc="seeds seed, seed+1, ...")
    pathways: list = param(["EE", "EE+IE"], doc="pathway sets compared")
    n_bootstrap: int = param(1000, low=0, doc="bootstrap resamples of the seeds")
    confidence: float = param(0.95, low=0.0, high=0.999, low_open=True,
                              doc="confidence level of the intervals")

    def validate(self) -> None:
        if not self.laps:
            raise self.field_error("laps", "needs at least one lap count")
        for value in self.laps:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise self.field_error("laps",
                                       f"lap counts must be positive integers, got {value!r}")
        if not self.pathways:
            raise self.field_error("pathways", "needs at least one pathway set")
        for value in self.pathways:
            if value not in PATHWAY_SETS:
                raise self.field_error("pathways",
                                       f"{value!r} is not one of {', '.join(PATHWAY_SETS)}")

    @property
    def lap_counts(self) -> tuple[int, ...]:
        """The lap counts, ascending, without repeats."""
        return tuple(sorted(set(self.laps)))


@dataclass(frozen=True)
class SpikingConfig(Section):
    """Everything a point-neuron or dendritic replay experiment needs."""

    track: Track = section(Track)
    cue: SalientCue = section(SalientCue)
    inputs: PlaceInputs = section(PlaceInputs)
    network: NetworkConfig = section(NetworkConfig)
    pyramidal: PointCell = section(PointCell)
    interneuron: PointCell = section(PointCell, **BASKET_CELL)
    dendritic: DendriticConfig = section(DendriticConfig)
    plasticity: PlasticityConfig = section(PlasticityConfig)
    online: OnlineConfig = section(OnlineConfig)
    offline: OfflineConfig = section(OfflineConfig)
    simulation: SimulationConfig = section(SimulationConfig)
    analysis: AnalysisConfig = section(AnalysisConfig)
    downstream: SpikingDownstream = section(SpikingDownstream)
    convergence: ConvergenceConfig = section(ConvergenceConfig)

    def validate(self) -> None:
        lap = self.track.lap_duration_s
        if magnitude(self.cue.duration, "s") >= lap:
            raise self.field_error("cue.duration", f"must be shorter than a lap ({lap:g} s)")
        if self.cue.placement == "fixed" and magnitude(self.cue.position, "cm") >= \
                self.track.length_cm:
            raise self.field_error("cue.position", "must lie on the track")
        settle = magnitude(self.analysis.settle, "s")
        for key, rest in (("offline.duration", self.offline.duration),
                          ("convergence.rest", self.convergence.rest)):
            if settle >= magnitude(rest, "s"):
                raise self.field_error("analysis.settle", f"must be shorter than the rest "
                                                          f"({key} = {magnitude(rest, 's'):g} s)")

    @property
    def online_duration_s(self) -> float:
        """Seconds of exploration."""
        return self.track.duration_s

    @property
    def offline_duration_s(self) -> float:
        """Seconds of offline replay."""
        return magnitude(self.offline.duration, "s")
