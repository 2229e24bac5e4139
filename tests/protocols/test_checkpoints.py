"""Exploration interrupted by rests: the time warp, the cut, and the phase switch."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.protocols.checkpoints import LapCheckpoints


def test_rests_follow_each_checkpoint_and_blocks_fill_the_rest():
    plan = LapCheckpoints((4, 1, 2, 2), lap_s=3.0, rest_s=5.0)
    assert plan.laps == (1, 2, 4)
    np.testing.assert_allclose(plan.rest_windows_s(), [[3, 8], [11, 16], [22, 27]])
    np.testing.assert_allclose(plan.explore_blocks_s(), [[0, 3], [8, 11], [16, 22]])
    assert plan.duration_s == pytest.approx(27.0)
    # a time on a boundary belongs to the next block, after that checkpoint's rest
    np.testing.assert_allclose(plan.warp([0.0, 2.9, 3.0, 5.9, 6.0, 11.9]),
                               [0.0, 2.9, 8.0, 10.9, 16.0, 21.9])


@pytest.mark.parametrize("laps, lap_s, rest_s", [((), 1.0, 1.0), ((0, 1), 1.0, 1.0),
                                                  ((1,), 0.0, 1.0), ((1,), 1.0, -1.0)])
def test_bad_plans_are_refused(laps, lap_s, rest_s):
    with pytest.raises(ValueError):
        LapCheckpoints(laps, lap_s, rest_s)


def test_checkpoint_output_is_what_a_run_of_that_many_laps_would_record():
    from neurotoolkit.circuits.ca3 import CellLayout
    from neurotoolkit.protocols.simulation import SimulationOutput, WorldInputs
    from neurotoolkit.world.cue import CueSchedule
    from neurotoolkit.world.inputs import SpikeTrains

    plan = LapCheckpoints((1, 2), lap_s=2.0, rest_s=1.0)
    # simulation clock: lap 1 [0, 2), rest 1 [2, 3), lap 2 [3, 5), rest 2 [5, 6)
    times = np.array([0.5, 1.9, 2.2, 2.9, 3.1, 4.5, 5.5])
    ids = np.arange(times.size)
    trains = SpikeTrains(np.array([0.1, 1.0, 2.5, 3.9]), np.array([0, 1, 0, 1]), 2)
    schedule = CueSchedule(np.array([10.0, 20.0]), np.array([[0.2, 0.4], [2.2, 2.4]]))
    layout = CellLayout.__new__(CellLayout)
    world = WorldInputs(layout, schedule, trains, trains, trains)
    output = SimulationOutput(times, ids, {"IE": (np.zeros(1), np.zeros(1), np.ones(1))},
                              world, plan.duration_s, 0.0, 1.0)

    first = plan.checkpoint_output(output, 0)
    assert (first.online_s, first.offline_s) == (2.0, 1.0)
    np.testing.assert_allclose(first.spike_times, [0.5, 1.9, 2.2, 2.9])
    np.testing.assert_array_equal(first.spike_ids, [0, 1, 2, 3])
    assert first.weights == {}  # not recorded at intermediate checkpoints
    assert first.world.schedule.positions_cm.tolist() == [10.0]
    np.testing.assert_allclose(first.world.place.times, [0.1, 1.0])

    second = plan.checkpoint_output(output, 1)
    # lap 2 spikes move back by one rest; rest-2 spikes follow lap 2 directly
    np.testing.assert_allclose(second.spike_times, [0.5, 1.9, 2.1, 3.5, 4.5])
    np.testing.assert_array_equal(second.spike_ids, [0, 1, 4, 5, 6])
    assert "IE" in second.weights
    assert second.world.schedule.positions_cm.tolist() == [10.0, 20.0]


@pytest.mark.slow
def test_learning_stops_in_every_rest_and_resumes_after_it():
    """Runtime device, tiny network: the I->E weights move only while exploring."""
    from brian2 import Network, StateMonitor, ms

    from neurotoolkit.protocols.devices import brian_device
    from neurotoolkit.protocols.exploration import build_circuit, make_world_inputs
    from neurotoolkit.protocols.simulation import RandomStreams
    from neurotoolkit.runner import resolve_config

    config = resolve_config("consolidation", "lif", "tiny", {"track.n_laps": 2,
                                                              "simulation.target": "numpy"})
    plan = LapCheckpoints((1, 2), config.track.lap_duration_s, 1.0)
    streams = RandomStreams.from_seed(3)
    world = make_world_inputs(config, streams)
    with brian_device("runtime", seed=3, dt=config.simulation.dt, target="numpy"):
        circuit = build_circuit(config, "lif", 3, world, streams, plan)
        ie = circuit.synapses["IE"]
        monitor = StateMonitor(ie, "w", record=np.arange(min(200, len(ie))), dt=50 * ms)
        network = Network(*circuit.objects(), monitor)
        plan.run(network, circuit)
        t = np.asarray(monitor.t_[:])
        w = np.asarray(monitor.w_[:])
    change = np.abs(np.diff(w, axis=1)).sum(axis=0)  # between consecutive samples
    mid = (t[1:] + t[:-1]) / 2
    for r0, r1 in plan.rest_windows_s():
        inside = (t[:-1] >= r0 + 0.05) & (t[1:] <= r1)
        assert inside.any() and np.all(change[inside] == 0)
    for b0, b1 in plan.explore_blocks_s():
        assert change[(mid > b0) & (mid < b1)].sum() > 0
