"""Point neurons: analytic membrane time constant, synaptic peak, f-I curve."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.config import ConfigError, magnitude
from neurotoolkit.neurons import PointCell, PointCellModel, basket_cell, dual_exponential_peak_norm


@pytest.fixture(autouse=True)
def _numpy_target():
    from brian2 import prefs

    prefs.codegen.target = "numpy"


def test_peak_norm_makes_the_conductance_peak_at_one():
    tau_r, tau_d = 1.3e-3, 9.5e-3
    t = np.linspace(0, 0.1, 200001)
    g = tau_r / (tau_d - tau_r) * (np.exp(-t / tau_d) - np.exp(-t / tau_r))
    assert g.max() * dual_exponential_peak_norm(tau_r, tau_d) == pytest.approx(1.0, rel=1e-6)
    assert dual_exponential_peak_norm(2e-3, 2e-3) == pytest.approx(np.e)


def test_membrane_time_constant_is_c_over_gl():
    """A small current step relaxes with tau = C/g_L (41.8 ms for the CA3 pyramidal cell)."""
    from brian2 import Network, StateMonitor, defaultclock, ms, pA

    defaultclock.dt = 0.05 * ms
    cell = PointCell(model="lif", threshold="0 mV")
    group = PointCellModel(cell).make_group(1, "cell")
    monitor = StateMonitor(group, "v", record=0)
    group.I_ext = 10 * pA
    Network(group, monitor).run(400 * ms)
    v = np.asarray(monitor.v_[0])
    rest = magnitude(cell.rest_potential, "V")
    final = rest + 10e-12 / magnitude(cell.leak_conductance, "S")
    t = np.asarray(monitor.t_)
    # time to reach 1 - 1/e of the step
    reached = t[np.argmax((v - rest) >= (1 - np.exp(-1)) * (final - rest))]
    assert reached == pytest.approx(magnitude(cell.membrane_time_constant, "s"), rel=0.01)
    assert v[-1] == pytest.approx(final, abs=1e-5)


def _rates(cell: PointCell, currents_pa: np.ndarray) -> np.ndarray:
    from brian2 import Network, SpikeMonitor, defaultclock, ms, pA

    defaultclock.dt = 0.1 * ms
    group = PointCellModel(cell).make_group(len(currents_pa), "cells")
    group.I_ext = currents_pa * pA
    spikes = SpikeMonitor(group)
    Network(group, spikes).run(1000 * ms)
    return np.bincount(spikes.i[:], minlength=len(currents_pa)).astype(float)


def test_f_i_curves_are_monotone_with_a_rheobase():
    currents = np.array([0.0, 100.0, 200.0, 300.0, 400.0, 600.0, 800.0])
    for cell in (PointCell(), basket_cell()):
        rates = _rates(cell, currents)
        assert rates[0] == 0, "a cell at rest must be silent"
        assert np.all(np.diff(rates) >= 0), f"f-I curve not monotone: {rates}"
        assert rates[-1] > 5
    pyramidal = _rates(PointCell(), currents)
    basket = _rates(basket_cell(), currents)
    assert basket[-1] > 2 * pyramidal[-1], "basket cells are fast-spiking"


def test_adaptation_lengthens_interspike_intervals():
    from brian2 import Network, SpikeMonitor, ms, pA

    group = PointCellModel(PointCell()).make_group(1, "cell")
    group.I_ext = 600 * pA
    spikes = SpikeMonitor(group)
    Network(group, spikes).run(600 * ms)
    isi = np.diff(np.asarray(spikes.t_))
    assert isi.size >= 3 and isi[-1] > 1.5 * isi[0]


def test_teacher_flag_forces_a_spike():
    from brian2 import Network, SpikeMonitor, ms

    group = PointCellModel(PointCell()).make_group(2, "cell", teacher=True)
    spikes = SpikeMonitor(group)
    net = Network(group, spikes)
    net.run(1 * ms)
    group.teach[0] = 1
    net.run(1 * ms)
    np.testing.assert_array_equal(spikes.i[:], [0])


def test_bad_cell_parameters():
    with pytest.raises(ConfigError, match="capacitance"):
        PointCell(capacitance="-1 pF")
    with pytest.raises(ConfigError, match="excitatory.rise"):
        PointCell.from_dict({"excitatory": {"rise": "20 ms", "decay": "5 ms"}})
