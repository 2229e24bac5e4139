"""Compartmental (Dendrify) cells: passive properties, EPSP attenuation, f-I, dSpikes.

The checks follow how Dendrify validates its reduced models (Pagkalos et al.
2023): input resistance and membrane time constant of each compartment,
attenuation of a dendritic EPSP on its way to the soma, a monotone f-I curve
with sensible rates, and a dendritic spike for clustered but not for the same
input dispersed over the dendrites.  A second group of tests checks what the
wrapper fixes of Dendrify 2.2.
"""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.config import magnitude
from neurotoolkit.neurons.dendritic import (
    CompartmentalPyramidalCell,
    DendriteCompartment,
    analytic_input_resistance,
    analytic_transfer_ratio,
    basket_cell_model,
    euler_stability_limit,
    pyramidal_cell_model,
)

DENDRITES = ("basal", "proximal", "distal")


@pytest.fixture(autouse=True)
def _numpy_target():
    from brian2 import prefs

    prefs.codegen.target = "numpy"


def _step_response(model, compartments, current_pa=10.0, on_ms=300.0, off_ms=300.0):
    """One cell per compartment; a current step into it; its own voltage trace."""
    from brian2 import Network, StateMonitor, defaultclock, ms, pA

    defaultclock.dt = 0.1 * ms
    group = model.make_group(len(compartments), "cells")
    monitor = StateMonitor(group, [model.voltage(c) for c in compartments], record=True)
    net = Network(group, monitor)
    for k, comp in enumerate(compartments):
        getattr(group, f"I_ext_{comp}")[k] = current_pa * pA
    net.run(on_ms * ms)
    for comp in compartments:
        setattr(group, f"I_ext_{comp}", 0 * pA)
    net.run(off_ms * ms)
    t = np.asarray(monitor.t_)
    traces = {c: np.asarray(getattr(monitor, model.voltage(c) + "_")[k])
              for k, c in enumerate(compartments)}
    return t, traces, group


def _decay_time_constant(t, v, rest, start_s, stop_s):
    """Time constant of the late exponential decay (log-linear fit in [start, stop))."""
    window = (t >= start_s) & (t < stop_s)
    slope = np.polyfit(t[window], np.log(v[window] - rest), 1)[0]
    return -1.0 / slope


def test_input_resistance_and_time_constant_of_every_compartment():
    """R_in matches the cable matrix and lies in the CA3 range; tau_m is 40 ms everywhere."""
    cell = CompartmentalPyramidalCell()
    model = pyramidal_cell_model(cell)
    rest = magnitude(cell.rest_potential, "V")
    t, traces, _ = _step_response(model, model.compartments)
    analytic = analytic_input_resistance(cell)
    for comp, v in traces.items():
        r_in = (v[t < 0.3][-1] - rest) / 10e-12 / 1e6  # MOhm
        assert r_in == pytest.approx(analytic[comp], rel=0.02), comp
        # CA3 pyramidal cells: somatic R_in 100-300 MOhm; thin dendrites higher
        assert 100 <= r_in <= 400, comp
        tau = _decay_time_constant(t, v, rest, 0.38, 0.5)
        assert tau == pytest.approx(0.040, rel=0.05), comp
    # dendrites are electrically further out than the soma
    assert analytic["distal"] > analytic["proximal"] > analytic["soma"]


def test_basket_cell_is_faster_and_leakier_than_the_pyramidal_cell():
    cell = basket_cell_model().cell
    model = basket_cell_model(cell)
    rest = magnitude(cell.rest_potential, "V")
    t, traces, _ = _step_response(model, model.compartments, on_ms=150, off_ms=100)
    v = traces["soma"]
    r_in = (v[t < 0.15][-1] - rest) / 10e-12 / 1e6
    assert r_in == pytest.approx(analytic_input_resistance(cell)["soma"], rel=0.02)
    tau = _decay_time_constant(t, v, rest, 0.17, 0.22)
    assert 0.008 <= tau <= 0.020  # fast-spiking interneurons: about 10-15 ms


def _epsp(compartment: str, conductance_ns: float = 1.0):
    """Local and somatic peak depolarisation (mV) after one AMPA event on ``compartment``."""
    from brian2 import Network, StateMonitor, defaultclock, ms

    defaultclock.dt = 0.05 * ms
    model = pyramidal_cell_model()
    group = model.make_group(1, "cell")
    monitor = StateMonitor(group, ["V_soma", model.voltage(compartment)], record=0)
    rest = magnitude(model.cell.rest_potential, "mV")
    setattr(group, f"s_AMPA_exc_{compartment}", conductance_ns)  # g = 1 nS per unit
    Network(group, monitor).run(60 * ms)
    local = np.asarray(getattr(monitor, model.voltage(compartment))[0] / 1e-3).max() - rest
    soma = np.asarray(monitor.V_soma[0] / 1e-3).max() - rest
    return local, soma


def test_dendritic_epsps_attenuate_towards_the_soma_more_from_further_out():
    ratios = {}
    for comp in DENDRITES:
        local, soma = _epsp(comp)
        assert 0.05 < soma < local, comp
        ratios[comp] = soma / local
        # the steady-state transfer bounds the transient one from above
        assert ratios[comp] <= analytic_transfer_ratio(
            CompartmentalPyramidalCell(), comp, "soma") + 0.02, comp
    # a 1 nS AMPA event on the distal dendrite: a somatic EPSP of a fraction of a mV
    assert 0.1 < _epsp("distal")[1] < 1.5
    assert ratios["distal"] < ratios["proximal"]
    assert ratios["distal"] < 0.5


def _rates(model, currents_pa, duration_ms=500.0):
    from brian2 import Network, SpikeMonitor, defaultclock, ms, pA

    defaultclock.dt = 0.1 * ms
    group = model.make_group(len(currents_pa), "cells")
    group.I_ext_soma = np.asarray(currents_pa) * pA
    spikes = SpikeMonitor(group)
    Network(group, spikes).run(duration_ms * ms)
    return np.bincount(spikes.i[:], minlength=len(currents_pa)) / (duration_ms / 1e3)


def test_f_i_curves_are_monotone_with_sensible_rates():
    currents = np.array([0.0, 50.0, 100.0, 200.0, 300.0, 400.0, 600.0])
    pyramidal = _rates(pyramidal_cell_model(), currents)
    basket = _rates(basket_cell_model(), currents)
    for rates in (pyramidal, basket):
        assert rates[0] == 0
        assert np.all(np.diff(rates) >= 0)
        assert rates[-1] > rates[2]
    # rheobase of the pyramidal cell: (V_th - E_L) / R_in = 20 mV / 167 MOhm = 120 pA
    assert pyramidal[2] == 0 and pyramidal[3] > 0
    # adapting pyramidal cell: tens of Hz at a few hundred pA, not hundreds
    assert 5 <= pyramidal[4] <= 60 and pyramidal[-1] <= 100
    # fast-spiking basket cell fires faster for the same current
    assert basket[-1] > 2 * pyramidal[-1]
    assert basket[-1] >= 80


def test_somatic_spike_has_a_two_step_reset():
    """One step after threshold the soma is at spike_peak; spike_width later at reset."""
    from brian2 import Network, SpikeMonitor, StateMonitor, defaultclock, ms, pA

    defaultclock.dt = 0.1 * ms
    model = pyramidal_cell_model()
    soma = model.cell.soma
    group = model.make_group(1, "cell")
    group.I_ext_soma = 300 * pA
    spikes = SpikeMonitor(group)
    trace = StateMonitor(group, ["V_soma", "V_proximal"], record=0)
    Network(group, spikes, trace).run(200 * ms)
    assert spikes.num_spikes >= 2
    v = np.asarray(trace.V_soma_[0])
    first = int(round(float(spikes.t_[0]) / 1e-4))
    width = int(round(magnitude(soma.spike_width, "s") / 1e-4))
    assert v[first + 1] == pytest.approx(magnitude(soma.spike_peak, "V"), abs=1e-3)
    assert v[first + width + 1] < magnitude(soma.threshold, "V")
    assert v[first + width - 1] > 0  # still near the peak until spike_width
    # the somatic spike depolarises the proximal dendrite (backpropagation)
    assert np.asarray(trace.V_proximal_[0])[first:first + width + 3].max() > -0.045


def _dspike_count(weights_ns: dict[str, float], *, nmda_ratio: float = 0.0):
    """Which dendrites fire a dSpike after one volley of AMPA (+NMDA) input; somatic spikes."""
    from brian2 import Network, SpikeMonitor, defaultclock, ms

    defaultclock.dt = 0.1 * ms
    model = pyramidal_cell_model()
    group = model.make_group(1, "cell")
    norm = model.parameter_values()["norm_NMDA"]
    for comp, weight in weights_ns.items():
        setattr(group, f"s_AMPA_exc_{comp}", weight)
        setattr(group, f"s_NMDA_exc_{comp}", weight * nmda_ratio * norm)
    spikes = SpikeMonitor(group)
    Network(group, spikes).run(40 * ms)
    gates = {comp: float(getattr(group, f"gate_Na_{comp}")[0]) for comp in DENDRITES}
    return gates, int(spikes.num_spikes)


@pytest.mark.parametrize("total_ns", [13.0, 15.0])
def test_clustered_input_fires_a_dendritic_spike_dispersed_input_does_not(total_ns):
    """One synchronous volley (AMPA plus as much NMDA) on the distal dendrite fires a
    dSpike there; the same total conductance spread over the three dendrites fires none.

    The distal dendrite's dSpike threshold lies near 11 nS of clustered input;
    dispersed input needs about 20 nS, and then only as a somatic spike that
    backpropagates.
    """
    clustered, clustered_spikes = _dspike_count({"distal": total_ns}, nmda_ratio=1.0)
    assert clustered["distal"] == 1.0
    assert clustered_spikes == 0  # a local event, not a backpropagating spike
    dispersed, dispersed_spikes = _dspike_count({c: total_ns / 3 for c in DENDRITES},
                                                nmda_ratio=1.0)
    assert all(gate == 0.0 for gate in dispersed.values()), dispersed
    assert dispersed_spikes == 0


def test_weak_clustered_input_stays_subthreshold():
    gates, spikes = _dspike_count({"distal": 6.0}, nmda_ratio=1.0)
    assert all(gate == 0.0 for gate in gates.values()) and spikes == 0


# ---------------------------------------------------------------------------
# What the wrapper fixes of Dendrify 2.2
# ---------------------------------------------------------------------------


def test_zero_conductance_is_kept_and_constants_change_between_runs():
    """A passive (0 nS) dSpike stays 0, and setting it later turns dSpikes on."""
    from brian2 import Network, defaultclock, ms, nS

    defaultclock.dt = 0.1 * ms
    cell = CompartmentalPyramidalCell(distal=DendriteCompartment(
        capacitance="40 pF", leak_conductance="1 nS", dspike_rise_conductance="0 nS",
        dspike_fall_conductance="0 nS"))
    model = pyramidal_cell_model(cell)
    group = model.make_group(1, "cell")
    for name in ("g_rise_max_Na_distal", "a_soma"):
        variable = group.variables[name]
        assert variable.scalar and variable.constant, name
        assert float(getattr(group, name)[:]) == 0.0, name
    net = Network(group)
    peaks = []
    from brian2 import StateMonitor

    monitor = StateMonitor(group, "V_distal", record=0)
    net.add(monitor)
    for rise in (0 * nS, 20 * nS):
        group.g_rise_max_Na_distal = rise
        model.set_rest(group)
        group.s_AMPA_exc_distal = 15.0
        group.s_NMDA_exc_distal = 15.0 * model.parameter_values()["norm_NMDA"]
        start = len(monitor.t_)
        net.run(30 * ms)
        peaks.append(float(np.max(monitor.V_distal_[0][start:])))
        net.run(100 * ms)  # past the dSpike refractory period
    # a dSpike drives the distal dendrite far above threshold (toward E_Na)
    assert peaks[0] < -0.025
    assert peaks[1] > peaks[0] + 0.015


def test_per_neuron_parameters_can_differ_across_cells():
    from brian2 import nS

    cell = CompartmentalPyramidalCell(per_neuron=["gL_soma"])
    group = pyramidal_cell_model(cell).make_group(3, "cells")
    assert not group.variables["gL_soma"].scalar
    group.gL_soma = [2, 3, 4] * nS
    assert np.allclose(group.gL_soma_, [2e-9, 3e-9, 4e-9])
    assert group.variables["gL_basal"].scalar


def _first_run_length(on: np.ndarray) -> int:
    """Length of the first stretch of True (one dSpike, not a later one)."""
    start = int(np.argmax(on))
    assert on[start], "no dSpike"
    stop = np.flatnonzero(~on[start:])
    return int(stop[0]) if stop.size else int(on.size - start)


@pytest.mark.parametrize("dt_ms", [0.1, 0.025])
def test_dspike_durations_are_times_whatever_dt(dt_ms):
    """The rise conductance of a dSpike lasts rise_duration at any dt (Dendrify froze steps)."""
    from brian2 import Network, StateMonitor, defaultclock, ms

    model = pyramidal_cell_model()
    # the group is built at one dt and run at another
    defaultclock.dt = 0.1 * ms if dt_ms != 0.1 else 0.05 * ms
    group = model.make_group(1, "cell")
    defaultclock.dt = dt_ms * ms
    monitor = StateMonitor(group, ["g_rise_Na_distal", "g_fall_Na_distal"], record=0)
    group.s_AMPA_exc_distal = 15.0
    group.s_NMDA_exc_distal = 15.0 * model.parameter_values()["norm_NMDA"]
    Network(group, monitor).run(20 * ms)
    dspikes = model.cell.dspikes
    rise = _first_run_length(monitor.g_rise_Na_distal_[0] > 0) * dt_ms
    fall = _first_run_length(monitor.g_fall_Na_distal_[0] > 0) * dt_ms
    assert rise == pytest.approx(magnitude(dspikes.rise_duration, "ms"), abs=1.01 * dt_ms)
    assert fall == pytest.approx(magnitude(dspikes.fall_duration, "ms"), abs=1.01 * dt_ms)
    assert int(group.duration_rise_Na_distal[:]) == round(
        magnitude(dspikes.rise_duration, "ms") / dt_ms)


@pytest.mark.slow
def test_runs_under_cpp_standalone_like_runtime(tmp_path):
    """The same cells under cpp_standalone spike as under runtime; run_args set constants."""
    import brian2
    from brian2 import Network, SpikeMonitor, defaultclock, ms, pA

    def run(device):
        brian2.set_device(device, directory=str(tmp_path / "build"), build_on_run=False) \
            if device == "cpp_standalone" else brian2.set_device("runtime")
        defaultclock.dt = 0.1 * ms
        pyramidal, basket = pyramidal_cell_model(), basket_cell_model()
        p = pyramidal.make_group(3, "pyramidal")
        b = basket.make_group(2, "basket")
        p.I_ext_soma = [0, 200, 300] * pA
        b.I_ext_soma = [0, 300] * pA
        p.s_AMPA_exc_distal = [15.0, 0, 0]
        p.s_NMDA_exc_distal = [15.0 * pyramidal.parameter_values()["norm_NMDA"], 0, 0]
        sp, sb = SpikeMonitor(p), SpikeMonitor(b)
        Network(p, b, sp, sb).run(300 * ms)
        if device == "cpp_standalone":
            brian2.device.build(directory=str(tmp_path / "build"), compile=True, run=True)
            counts = [np.bincount(sp.i[:], minlength=3), np.bincount(sb.i[:], minlength=2)]
            # rerun the compiled program with a different shared constant
            brian2.device.run(directory=str(tmp_path / "build"), results_directory="results_2",
                              run_args={p.Vth_soma: -45e-3 * brian2.volt})
            counts.append(np.bincount(sp.i[:], minlength=3))
            brian2.device.reinit()
            brian2.set_device("runtime")
            return counts
        return [np.bincount(sp.i[:], minlength=3), np.bincount(sb.i[:], minlength=2)]

    runtime = run("runtime")
    standalone = run("cpp_standalone")
    assert runtime[0][1] > 0 and runtime[1][1] > 0
    np.testing.assert_allclose(standalone[0], runtime[0], atol=1)
    np.testing.assert_allclose(standalone[1], runtime[1], atol=1)
    # a higher threshold fires less
    assert standalone[2][2] < standalone[0][2]


@pytest.mark.parametrize("method, stable", [("euler", False), ("exponential_euler", True)])
def test_a_conductance_beyond_the_euler_limit_diverges_only_under_euler(method, stable):
    """A somatic GABA conductance twice the Euler limit (2 C / dt = 2 uS).

    The membrane must relax monotonically from -40 mV to the GABA reversal
    (-70 mV, the resting potential): exponential Euler does; forward Euler
    overshoots by a factor |1 - g dt / C| = 3 per step and leaves the range
    of membrane potentials within a millisecond.
    """
    from brian2 import Network, StateMonitor, defaultclock, ms, mV, pF

    defaultclock.dt = 0.1 * ms
    limit = euler_stability_limit(100 * pF, 0.1 * ms)
    assert limit == pytest.approx(2000.0)
    model = pyramidal_cell_model()
    group = model.make_group(1, "cell", method=method)
    group.s_GABA_inh_soma = 2 * limit  # weights are in units of g_GABA = 1 nS
    group.V_soma = -40 * mV
    monitor = StateMonitor(group, "V_soma", record=0)
    Network(group, monitor).run(1 * ms)
    v = np.asarray(monitor.V_soma_[0]) * 1e3
    inside = np.all(np.isfinite(v) & (v >= -70.5) & (v <= -39.9))
    assert inside == stable
