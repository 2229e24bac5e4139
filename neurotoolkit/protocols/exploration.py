"""Online exploration then offline replay of the CA3 circuit, as one Brian2 network.

Both phases run in one network, one after the other: exploration with the
inputs on and learning on, then rest with the inputs off, learning off and
mossy-fibre-like noise on.  The switch is a handful of shared variables, so
the same code runs on the runtime device and as one ``cpp_standalone``
program.  The phase output is plain numpy
(:class:`~neurotoolkit.protocols.simulation.SimulationOutput`); turn it
into a :class:`~neurotoolkit.analysis.Recording` with :func:`to_recording`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..analysis.recording import Recording
from ..circuits.ca3 import SYNAPSE_NAMES, build_ca3_circuit, make_layout
from ..neurons.dendritic import dendritic_cell_models
from ..neurons.point import PointCellModel
from ..world.inputs import merge_spike_trains, place_spike_trains, window_spike_trains
from ..world.track import latent_order
from .checkpoints import LapCheckpoints
from .devices import brian_device, finish_device
from .progress import progress_report
from .settings import SpikingConfig
from .simulation import RandomStreams, SimulationOutput, WorldInputs

__all__ = ["make_world_inputs", "cell_models", "integration_method", "phase_gains", "simulate",
           "build_circuit", "run_network", "collect_output", "to_recording"]


def make_world_inputs(config: SpikingConfig, streams: RandomStreams) -> WorldInputs:
    """Lay out the cells, place the cue on each lap and draw every input spike train."""
    track, cue, inputs = config.track, config.cue, config.inputs
    layout = make_layout(config.network, track.length_cm, streams.layout)
    schedule = cue.schedule(track, streams.inputs)
    duration = track.duration_s
    rng = streams.inputs

    place = place_spike_trains(layout.pyramidal_centres_cm, track, inputs, rng)
    cue_part = window_spike_trains(layout.cue_cells, config.network.n_pyramidal, schedule,
                                   cue.rate, rng, duration)

    int_place = place_spike_trains(layout.interneuron_centres_cm, track, inputs, rng,
                                   width=inputs.interneuron_field_width)
    int_cue = window_spike_trains(layout.cue_interneurons, config.network.n_interneurons,
                                  schedule, cue.rate, rng, duration)
    interneurons = merge_spike_trains([int_place.times, int_cue.times],
                                      [int_place.indices, int_cue.indices], int_place.n,
                                      duration)
    return WorldInputs(layout, schedule, place, cue_part, interneurons)


def cell_models(config: SpikingConfig, level: str) -> tuple[Any, Any]:
    """The pyramidal and interneuron cell models of ``level``."""
    if level == "lif":
        return PointCellModel(config.pyramidal), PointCellModel(config.interneuron)
    if level == "dendritic":
        return dendritic_cell_models(config.dendritic)
    raise ValueError(f"no spiking cell models for level {level!r}")


def simulate(config: SpikingConfig, *, level: str = "lif", seed: int = 1,
             device: str = "runtime", quiet: bool = False,
             build_dir: str | None = None,
             checkpoints: LapCheckpoints | None = None) -> SimulationOutput:
    """Run exploration (learning on) then offline replay (learning off, noise on).

    Parameters
    ----------
    config : SpikingConfig
        The experiment's configuration.
    level : {"lif", "dendritic"}
        Cell models.
    seed : int
        Seeds connectivity, inputs and Brian2's noise.
    device : {"runtime", "cpp_standalone"}
        Brian2 device.
    quiet : bool
        No progress report.
    build_dir : path, optional
        Standalone project folder.
    checkpoints : LapCheckpoints, optional
        Rest after each checkpoint lap count instead of once at the end
        (``config.track.n_laps`` must be the last checkpoint); cut the output
        with :meth:`LapCheckpoints.checkpoint_output`.

    Returns
    -------
    SimulationOutput
    """
    from brian2 import Network

    streams = RandomStreams.from_seed(seed)
    world = make_world_inputs(config, streams)
    sim = config.simulation
    started = time.perf_counter()
    with brian_device(device, seed=seed, dt=sim.dt, target=sim.target,
                      build_dir=build_dir) as info:
        circuit = build_circuit(config, level, seed, world, streams, checkpoints)
        network = Network(*circuit.objects(), name="ca3")
        run_network(network, circuit, config, checkpoints, quiet=quiet, device=device)
        finish_device(info, quiet=quiet)
        built = str(info["build_dir"]) if info["build_dir"] else None
        return collect_output(circuit, world, config, time.perf_counter() - started, built,
                              checkpoints)


def build_circuit(config: SpikingConfig, level: str, seed: int, world: WorldInputs,
                  streams: RandomStreams, checkpoints: LapCheckpoints | None = None) -> Any:
    """The CA3 circuit of ``config``.

    Exploration ends at ``online_duration_s``; with ``checkpoints`` it never
    ends by itself (:meth:`LapCheckpoints.run` switches the phases) and the
    input spike trains are moved past the rests.
    """
    from brian2 import second

    place, cue, interneurons = world.place, world.cue, world.interneurons
    t_offline = config.online_duration_s * second
    if checkpoints is not None:
        if checkpoints.total_laps != config.track.n_laps:
            raise ValueError(f"track.n_laps is {config.track.n_laps}, but the last "
                             f"checkpoint is {checkpoints.total_laps} laps")
        place, cue, interneurons = (checkpoints.warp_trains(t)
                                    for t in (place, cue, interneurons))
        t_offline = None  # never: LapCheckpoints.run switches phases
    sim = config.simulation
    pyramidal_model, interneuron_model = cell_models(config, level)
    circuit = build_ca3_circuit(
        config.network, config.plasticity, world.layout, pyramidal_model, interneuron_model,
        place, cue, interneurons, streams.connectivity, mode=config.online.mode,
        noise_rate=config.offline.noise_rate, dt=sim.dt, method=integration_method(config, level),
        gains=phase_gains(config), t_offline=t_offline,
        track=config.track)
    return circuit


def integration_method(config: SpikingConfig, level: str) -> str:
    """The cells' integration method: ``dendritic.method`` for Dendrify cells, else
    ``simulation.method``."""
    return config.dendritic.method if level == "dendritic" else config.simulation.method


def run_network(network: Any, circuit: Any, config: SpikingConfig,
                checkpoints: LapCheckpoints | None = None, *, quiet: bool = True,
                device: str = "runtime") -> None:
    """Run exploration then rest (or the checkpoints' blocks and rests).

    Progress goes to stderr (:mod:`.progress`): on the runtime device unless
    ``quiet``; a standalone program always carries the report code and shows
    it when run inside :func:`.progress.standalone_progress`.
    """
    from brian2 import second

    sim = config.simulation
    report = (progress_report(device) if device == "cpp_standalone" or not quiet else None)
    if checkpoints is not None:
        checkpoints.run(network, circuit, report=report, report_period=sim.report_period)
        return
    # exploration (inputs, learning) until t_offline, then rest (inputs ended,
    # learning off, noise on): gains and learning switch with time inside the
    # circuit (circuits.ca3.PHASE_GAINS), the code each phase needs between runs
    circuit.enter_phase("explore")
    network.run(config.online_duration_s * second, report=report,
                report_period=sim.report_period)
    circuit.enter_phase("rest")
    network.run(config.offline_duration_s * second, report=report,
                report_period=sim.report_period)


def collect_output(circuit: Any, world: WorldInputs, config: SpikingConfig, wall_s: float,
                   build_dir: str | None,
                   checkpoints: LapCheckpoints | None = None) -> SimulationOutput:
    """The finished circuit's spikes and weights as a :class:`SimulationOutput`.

    With checkpoints the whole simulation counts as ``online_s`` (cut it with
    :meth:`LapCheckpoints.checkpoint_output`).
    """
    spike_times, spike_ids = collect_spikes(circuit)
    if checkpoints is not None:
        online_s, offline_s = checkpoints.duration_s, 0.0
    else:
        online_s, offline_s = config.online_duration_s, config.offline_duration_s
    return SimulationOutput(spike_times, spike_ids, collect_weights(circuit), world, online_s,
                            offline_s, wall_s, build_dir)


def phase_gains(config: SpikingConfig) -> dict[str, dict[str, float]]:
    """Transmission gains of the pathways during exploration and at rest.

    Exploration, closed loop: every pathway transmits, E->E scaled by
    ``online.recurrent_gain``; teacher forced: nothing transmits, so cells
    spike only when their input does.  Rest: every pathway transmits, the
    learned E->E weights scaled by ``offline.recurrent_gain``.
    """
    if config.online.mode == "teacher_forced":
        online = {name: 0.0 for name in SYNAPSE_NAMES}
    else:
        online = {"EE": config.online.recurrent_gain}
    return {"online": online, "offline": {"EE": config.offline.recurrent_gain}}


def collect_weights(circuit: Any) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Learned weights of the plastic pathways as ``(i, j, w in nS)``."""
    return {name: (np.asarray(circuit.synapses[name].i[:]),
                   np.asarray(circuit.synapses[name].j[:]),
                   np.asarray(circuit.synapses[name].w_[:]) / 1e-9)
            for name in ("EE", "IE", "EI")}


def collect_spikes(circuit: Any) -> tuple[np.ndarray, np.ndarray]:
    """All spikes of the circuit, ids in Recording order, sorted by time."""
    offsets = {"pyramidal": 0, "interneurons": circuit.groups["pyramidal"].N}
    offsets["basket"] = offsets["interneurons"] + circuit.groups["interneurons"].N
    times, ids = [], []
    for name, offset in offsets.items():
        monitor = circuit.monitors[name]
        times.append(np.asarray(monitor.t_[:], dtype=float))
        ids.append(np.asarray(monitor.i[:], dtype=np.int64) + offset)
    t, i = np.concatenate(times), np.concatenate(ids)
    order = np.lexsort((i, t))
    return t[order], i[order]


def to_recording(output: SimulationOutput, config: SpikingConfig, *, level: str, seed: int,
                 device: str) -> Recording:
    """The simulation as a Recording (spikes, labels, fields, trajectory, phases, weights).

    In ``teacher_forced`` mode the cells are not driven during exploration,
    so the online part of the Recording holds the teacher (input) spike trains
    that drove learning; offline spikes are the network's own.
    """
    layout = output.world.layout
    times, ids = output.spike_times, output.spike_ids
    if config.online.mode == "teacher_forced":
        offline = times >= output.online_s
        n_pyr = layout.pyramidal_labels.size
        teacher_t = np.concatenate([output.world.pyramidal.times,
                                    output.world.interneurons.times])
        teacher_i = np.concatenate([output.world.pyramidal.indices,
                                    output.world.interneurons.indices + n_pyr])
        times = np.concatenate([teacher_t, times[offline]])
        ids = np.concatenate([teacher_i, ids[offline]])
        order = np.lexsort((ids, times))
        times, ids = times[order], ids[order]
    position_times, positions = config.track.trajectory(dt_s=0.01)
    # the cells with a place field (not cue cells without place input:
    # network.cue_place_fields)
    latent = latent_order(layout.pyramidal_centres_cm)
    lap = config.track.lap_duration_s
    laps = np.column_stack([np.arange(config.track.n_laps) * lap,
                            np.arange(1, config.track.n_laps + 1) * lap])
    return Recording.from_arrays(
        spike_times=times, spike_ids=ids, cell_labels=layout.all_labels,
        field_centres=layout.all_centres_cm, latent_order=latent,
        position_times=position_times, positions=positions, position_unit="cm",
        intervals={"online": [[0.0, output.online_s]],
                   "offline": [[output.online_s, output.online_s + output.offline_s]],
                   "cue": output.world.schedule.windows_s, "laps": laps},
        weights=output.weights,
        metadata={"level": level, "seed": seed, "device": device,
                  "track_length_cm": config.track.length_cm, "circular": config.track.circular,
                  "pathways": config.plasticity.pathways, "online_mode": config.online.mode,
                  "n_pyramidal": config.network.n_pyramidal,
                  "n_interneurons": config.network.n_interneurons,
                  "n_basket": config.network.n_basket,
                  "cue_placement": config.cue.placement,
                  "cue_positions_cm": output.world.schedule.positions_cm.tolist(),
                  "weight_unit": "nS", "rules": config.plasticity.describe()})
