"""Exploration interrupted by rest after chosen lap counts, in one simulation.

A learning curve needs the replay of the network after 1, 2, 4, ... laps.
Rather than a new simulation per lap count, :class:`LapCheckpoints` runs one
network through every lap and inserts a rest period after each checkpoint
lap count: during a rest the inputs are silent, learning is off and the
noise drives replay, exactly as in the offline phase of
:func:`~neurotoolkit.protocols.exploration.simulate`; then exploration goes
on.  Learning is off at rest, so the weights after the rest are the weights
before it and the later laps learn as if the rest had not happened (the
cells' membrane and adaptation state is perturbed for a few hundred ms).

The phase switch is the circuit's ``t_offline`` (and the pyramidal noise
onset), set between ``Network.run`` calls; Brian2's ``cpp_standalone``
device turns these assignments into code, so the whole plan is one program.

Times: the world's spike trains are laid out on the *unwarped* clock of
continuous laps; :meth:`LapCheckpoints.warp` shifts them past the rests
inserted before them; :meth:`LapCheckpoints.checkpoint_output` cuts a
finished simulation back into what a separate run of ``n`` laps then one
rest would have recorded, so every analysis of the single-run protocol
applies unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import magnitude
from ..world.cue import CueSchedule
from ..world.inputs import SpikeTrains
from .simulation import SimulationOutput, WorldInputs

__all__ = ["LapCheckpoints"]

#: ``t_offline`` while exploring: a time no run reaches.
_NEVER_S = 1e9


@dataclass(frozen=True)
class LapCheckpoints:
    """Exploration with a rest period after each checkpoint lap count.

    Attributes
    ----------
    laps : tuple of int
        Checkpoint lap counts, ascending (e.g. ``(1, 2, 4, 8, 16, 32)``).
    lap_s : float
        Duration of one lap (s).
    rest_s : float
        Duration of each rest (s).
    """

    laps: tuple[int, ...]
    lap_s: float
    rest_s: float

    def __post_init__(self) -> None:
        laps = tuple(sorted(set(int(n) for n in self.laps)))
        if not laps or laps[0] < 1:
            raise ValueError(f"checkpoint lap counts must be positive integers, got {self.laps}")
        if self.lap_s <= 0 or self.rest_s <= 0:
            raise ValueError("lap and rest durations must be positive")
        object.__setattr__(self, "laps", laps)

    @property
    def total_laps(self) -> int:
        """Laps explored in all (the last checkpoint)."""
        return self.laps[-1]

    @property
    def duration_s(self) -> float:
        """Simulated time: every lap and every rest."""
        return self.total_laps * self.lap_s + len(self.laps) * self.rest_s

    @property
    def boundaries_s(self) -> np.ndarray:
        """End of each checkpoint's last lap on the unwarped clock (s)."""
        return np.asarray(self.laps, dtype=float) * self.lap_s

    def rest_windows_s(self) -> np.ndarray:
        """``[start, stop)`` of each rest on the simulation clock, shape (K, 2)."""
        start = self.boundaries_s + self.rest_s * np.arange(len(self.laps))
        return np.column_stack([start, start + self.rest_s])

    def explore_blocks_s(self) -> np.ndarray:
        """``[start, stop)`` of each exploration block on the simulation clock, shape (K, 2)."""
        rests = self.rest_windows_s()
        starts = np.concatenate([[0.0], rests[:-1, 1]])
        return np.column_stack([starts, rests[:, 0]])

    def warp(self, times: np.ndarray) -> np.ndarray:
        """Unwarped exploration times moved past the rests inserted before them."""
        times = np.asarray(times, dtype=float)
        # a time on a boundary starts the next block, after that checkpoint's rest
        return times + self.rest_s * np.searchsorted(self.boundaries_s, times, side="right")

    def warp_trains(self, trains: SpikeTrains) -> SpikeTrains:
        """The same spike trains with warped times."""
        return dataclasses.replace(trains, times=self.warp(trains.times))

    def run(self, network: Any, circuit: Any, *, report: Any = None,
            report_period: Any = None) -> None:
        """Run ``network`` through every exploration block and rest.

        ``circuit`` must have been built with ``t_offline`` never reached
        (the exploration phase); each rest sets it to the rest's start and
        the next block sets it back.
        """
        from brian2 import second

        never = circuit.switch_values(_NEVER_S * second)
        kwargs = {"report": report}
        if report_period is not None:
            kwargs["report_period"] = report_period
        for k, ((b0, b1), (r0, r1)) in enumerate(zip(self.explore_blocks_s(),
                                                     self.rest_windows_s(), strict=True)):
            if k:
                circuit.apply(never)
            circuit.enter_phase("explore")
            network.run((b1 - b0) * second, **kwargs)
            circuit.apply(circuit.switch_values(r0 * second))
            circuit.enter_phase("rest")
            network.run((r1 - r0) * second, **kwargs)

    def checkpoint_output(self, output: SimulationOutput, index: int) -> SimulationOutput:
        """What a run of ``laps[index]`` laps then one rest would have recorded.

        Parameters
        ----------
        output : SimulationOutput
            The whole plan's simulation (simulation-clock spike times, the
            world on the unwarped clock).
        index : int
            Checkpoint index.

        Returns
        -------
        SimulationOutput
            Spikes of the exploration up to the checkpoint (unwarped) and of
            its rest (moved to follow the exploration directly), the world cut
            to those laps.  Weights are kept only for the last checkpoint
            (those of the others are not recorded).
        """
        n_laps = self.laps[index]
        online_s = n_laps * self.lap_s
        times, ids = output.spike_times, output.spike_ids
        rests = self.rest_windows_s()
        in_rest = np.zeros(times.shape, dtype=bool)
        rests_before = np.zeros(times.shape, dtype=np.int64)
        for r0, r1 in rests:
            in_rest |= (times >= r0) & (times < r1)
            rests_before += times >= r1
        explore_t = times - self.rest_s * rests_before
        keep_explore = ~in_rest & (explore_t < online_s)
        r0, r1 = rests[index]
        keep_rest = (times >= r0) & (times < r1)
        t = np.concatenate([explore_t[keep_explore], times[keep_rest] - r0 + online_s])
        i = np.concatenate([ids[keep_explore], ids[keep_rest]])
        order = np.lexsort((i, t))
        world = output.world
        schedule = CueSchedule(world.schedule.positions_cm[:n_laps],
                               world.schedule.windows_s[:n_laps])
        cut = WorldInputs(world.layout, schedule, _cut(world.place, online_s),
                          _cut(world.cue, online_s), _cut(world.interneurons, online_s))
        weights = output.weights if index == len(self.laps) - 1 else {}
        return SimulationOutput(t[order], i[order], weights, cut, online_s, self.rest_s,
                                output.simulation_wall_s, output.build_dir)

    @classmethod
    def from_config(cls, laps: Sequence[int], config: Any) -> LapCheckpoints:
        """Checkpoints on the track of a :class:`SpikingConfig`, rests of ``convergence.rest``."""
        return cls(tuple(laps), config.track.lap_duration_s,
                   magnitude(config.convergence.rest, "s"))


def _cut(trains: SpikeTrains, t_end: float) -> SpikeTrains:
    keep = trains.times < t_end
    return dataclasses.replace(trains, times=trains.times[keep], indices=trains.indices[keep])
