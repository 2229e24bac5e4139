"""Dendritic level: reduced compartmental CA3 cells built with Dendrify.

Two cell models implement the interface of
:class:`~neurotoolkit.neurons.point.PointCellModel` (``make_group``,
``on_pre``, ``noise_target``, ``membrane_variable``), so the one CA3 circuit
builder runs them unchanged:

**CA3 pyramidal cell** (four compartments)::

    basal -- soma -- proximal apical -- distal apical
    (oriens)        (lucidum/radiatum)   (lacunosum-moleculare)

- soma: leaky integrate-and-fire with spike-triggered adaptation and a
  two-step reset: at threshold the soma is set to ``spike_peak`` and, one
  ``spike_width`` later, to ``reset_potential``, so that the somatic spike
  depolarises the dendrites and can trigger backpropagating dendritic spikes;
- dendrites: passive membranes with event-driven sodium-like dendritic spikes
  (Dendrify's dSpike mechanism: a depolarising conductance for
  ``rise_duration`` once the dendrite crosses ``threshold``, then a
  repolarising one after ``fall_offset`` for ``fall_duration``);
- AMPA and NMDA (Mg-block of Jahr & Stevens 1990) on every dendrite, GABA at
  the soma and on the basal and proximal apical dendrites.

Inputs arrive where they do in CA3: place (mossy-fibre-like) input and the
offline mossy-fibre-like noise on the proximal apical dendrite, cue
(lateral-entorhinal-like) input on the distal apical dendrite, recurrent
input split between the basal and proximal apical dendrites, inhibition at
the soma (``"dendritic_inhibition"`` reaches the basal and proximal apical
GABA instead).

**Fast-spiking basket cell** (two compartments: soma and a passive dendrite;
AMPA on the dendrite, GABA at the soma, a one-step reset).

Every synaptic weight means a peak conductance: an AMPA or GABA conductance
jumps by the weight and decays exponentially; the NMDA conductance (rise and
decay) peaks at ``nmda_ratio`` times the weight before the Mg block.

What this module fixes of Dendrify 2.2
--------------------------------------
Dendrify writes the equations (compartments, coupling currents, synaptic
currents, dSpike currents and events); this wrapper then

- declares every parameter Dendrify would pass as a namespace constant as a
  ``(shared, constant)`` group variable (or, on request, a per-neuron
  constant), so it can be swept between runs, passed as ``run_args`` to a
  compiled standalone program, or varied across cells;
- writes every value from the configuration, so a zero conductance is a zero
  conductance (Dendrify's ``synapse()`` drops a zero ``g`` silently);
- expresses dSpike durations as times and converts them to time steps with
  the ``dt`` of the running clock (Dendrify freezes them at the ``dt`` in
  force when ``dspikes()`` is called);
- implements the second somatic reset inside the group, as a custom event
  triggered ``spike_width`` after each spike, instead of Dendrify's extra
  ``Synapses`` object (which fails under ``cpp_standalone``); the dSpike
  events of all dendrites and the second reset share that one event, so a
  pyramidal group adds two code objects per time step, not eight;
- integrates the compartments with exponential Euler by default
  (:class:`DendriticConfig`, ``method``): forward Euler, which Dendrify's
  examples use, diverges once a compartment's conductance passes ``2 C / dt``
  (:func:`euler_stability_limit`), as strong learned somatic inhibition
  under synchronous interneuron volleys does.

References
----------
Pagkalos M, Chavlis S, Poirazi P (2023) Introducing the Dendrify framework
for incorporating dendrites to spiking neural networks. Nat Commun 14:131.
Jahr CE, Stevens CF (1990) Voltage dependence of NMDA-activated macroscopic
conductances predicted by single-channel kinetics. J Neurosci 10:3178.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import Section, magnitude, param, qparam, section

__all__ = [
    "ReceptorKinetics",
    "DendriticSpikes",
    "PyramidalSoma",
    "DendriteCompartment",
    "PyramidalCoupling",
    "PyramidalInputs",
    "CompartmentalPyramidalCell",
    "BasketSoma",
    "BasketInputs",
    "CompartmentalBasketCell",
    "DendriticConfig",
    "Route",
    "DendriticCellModel",
    "pyramidal_cell_model",
    "basket_cell_model",
    "dendritic_cell_models",
    "euler_stability_limit",
    "nmda_peak_norm",
    "conductance_matrix",
    "analytic_input_resistance",
    "PYRAMIDAL_COMPARTMENTS",
    "BASKET_COMPARTMENTS",
]

#: Compartment names of the pyramidal cell (soma first).
PYRAMIDAL_COMPARTMENTS = ("soma", "basal", "proximal", "distal")
#: Compartment names of the basket cell (soma first).
BASKET_COMPARTMENTS = ("soma", "dendrite")
#: Pathways a cell model routes (``on_pre``); see the module docstring.
PATHWAYS = ("place_input", "cue_input", "recurrent", "noise", "inhibition",
            "dendritic_inhibition")
_DSPIKE = "Na"  # Dendrify's name of the dSpike mechanism
_EVENT = "dendritic"  # the one custom event of a pyramidal group


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceptorKinetics(Section):
    """Synaptic receptors of one cell type: kinetics, reversal potentials, Mg block.

    AMPA and GABA conductances rise instantly and decay exponentially; NMDA
    has a rise and a decay time constant and the Jahr & Stevens (1990) block
    ``1 / (1 + [Mg] exp(-0.062 V/mV) / 3.57)``.
    """

    ampa_decay: object = qparam("5 ms", low=0, low_open=True)
    nmda_rise: object = qparam("2 ms", low=0, low_open=True)
    nmda_decay: object = qparam("50 ms", low=0, low_open=True)
    gaba_decay: object = qparam("5 ms", low=0, low_open=True)
    ampa_reversal: object = qparam("0 mV")
    nmda_reversal: object = qparam("0 mV")
    gaba_reversal: object = qparam("-70 mV")
    magnesium: float = param(1.0, low=0.0, doc="extracellular [Mg2+] in mM")
    mg_slope: float = param(0.062, low=0.0, doc="per mV, Jahr & Stevens 1990")
    mg_divisor: float = param(3.57, low=0.0, low_open=True, doc="mM, Jahr & Stevens 1990")

    def validate(self) -> None:
        if magnitude(self.nmda_rise, "ms") >= magnitude(self.nmda_decay, "ms"):
            raise self.field_error("nmda_rise", "must be shorter than nmda_decay")


@dataclass(frozen=True)
class DendriticSpikes(Section):
    """Timing and voltages of Dendrify's event-driven dendritic sodium spikes.

    Conductances are per dendrite (:class:`DendriteCompartment`).  Durations
    are times; they are converted to time steps with the ``dt`` of the run.
    """

    threshold: object = qparam("-38 mV")
    rise_duration: object = qparam("1.2 ms", low=0, low_open=True)
    fall_duration: object = qparam("2.4 ms", low=0, low_open=True)
    fall_offset: object = qparam("0.2 ms", low=0)
    refractory: object = qparam("5 ms", low=0)
    rise_reversal: object = qparam("70 mV", doc="sodium-like")
    fall_reversal: object = qparam("-89 mV", doc="potassium-like")


@dataclass(frozen=True)
class PyramidalSoma(Section):
    """The pyramidal soma: membrane, threshold, two-step reset and adaptation.

    At ``threshold`` the soma is set to ``spike_peak``; ``spike_width``
    later it is set to ``reset_potential``.  Each spike adds
    ``adaptation_increment`` to an adaptation current that decays with
    ``adaptation_tau`` (and follows ``adaptation_coupling * (V - E_L)``).
    """

    capacitance: object = qparam("100 pF", low=0, low_open=True)
    leak_conductance: object = qparam("2.5 nS", low=0, low_open=True)
    threshold: object = qparam("-50 mV")
    spike_peak: object = qparam("30 mV")
    reset_potential: object = qparam("-65 mV")
    spike_width: object = qparam("0.6 ms", low=0, low_open=True)
    refractory: object = qparam("4 ms", low=0, low_open=True)
    adaptation_coupling: object = qparam("0 nS")
    adaptation_increment: object = qparam("150 pA", low=0)
    adaptation_tau: object = qparam("85 ms", low=0, low_open=True)

    def validate(self) -> None:
        if magnitude(self.spike_width, "ms") >= magnitude(self.refractory, "ms"):
            raise self.field_error("spike_width", "must be shorter than refractory")
        if magnitude(self.spike_peak, "mV") <= magnitude(self.threshold, "mV"):
            raise self.field_error("spike_peak", "must be above threshold")
        if magnitude(self.reset_potential, "mV") >= magnitude(self.threshold, "mV"):
            raise self.field_error("reset_potential", "must be below threshold")


@dataclass(frozen=True)
class DendriteCompartment(Section):
    """A dendritic compartment: membrane and dSpike conductances (0 = passive)."""

    capacitance: object = qparam("60 pF", low=0, low_open=True)
    leak_conductance: object = qparam("1.5 nS", low=0, low_open=True)
    dspike_rise_conductance: object = qparam("30 nS", low=0)
    dspike_fall_conductance: object = qparam("15 nS", low=0)


@dataclass(frozen=True)
class PyramidalCoupling(Section):
    """Axial coupling conductances between the pyramidal compartments."""

    soma_basal: object = qparam("15 nS", low=0, low_open=True)
    soma_proximal: object = qparam("20 nS", low=0, low_open=True)
    proximal_distal: object = qparam("8 nS", low=0, low_open=True)


@dataclass(frozen=True)
class PyramidalInputs(Section):
    """How each pathway's weight becomes AMPA, NMDA or GABA conductance.

    ``*_scale`` multiplies the pathway's weight (compensating, for example,
    dendritic attenuation when a preset shares weights with the point level);
    ``*_nmda_ratio`` is the NMDA peak conductance relative to AMPA.
    """

    place_scale: float = param(1.0, low=0.0, doc="mossy-fibre-like -> proximal apical")
    place_nmda_ratio: float = param(0.2, low=0.0)
    cue_scale: float = param(1.0, low=0.0, doc="lateral-entorhinal-like -> distal apical")
    cue_nmda_ratio: float = param(1.0, low=0.0)
    recurrent_scale: float = param(1.0, low=0.0, doc="-> basal and proximal apical")
    recurrent_nmda_ratio: float = param(0.5, low=0.0)
    recurrent_basal_fraction: float = param(0.5, low=0.0, high=1.0,
                                            doc="share of recurrent weight on the basal dendrite")
    noise_scale: float = param(1.0, low=0.0, doc="offline noise -> proximal apical AMPA")
    inhibition_scale: float = param(1.0, low=0.0, doc="-> somatic GABA")
    dendritic_inhibition_scale: float = param(1.0, low=0.0,
                                              doc="-> basal and proximal GABA")


@dataclass(frozen=True)
class CompartmentalPyramidalCell(Section):
    """A reduced CA3 pyramidal cell: soma, basal, proximal and distal apical dendrites.

    The defaults give every compartment the same membrane time constant
    (40 ms, as the CA3 fit of Ecker et al. 2022) and a somatic input
    resistance near 180 MOhm.
    """

    rest_potential: object = qparam("-70 mV")
    soma: PyramidalSoma = section(PyramidalSoma)
    basal: DendriteCompartment = section(DendriteCompartment)
    proximal: DendriteCompartment = section(DendriteCompartment)
    distal: DendriteCompartment = section(
        DendriteCompartment, capacitance="40 pF", leak_conductance="1 nS",
        dspike_rise_conductance="20 nS", dspike_fall_conductance="10 nS")
    coupling: PyramidalCoupling = section(PyramidalCoupling)
    dspikes: DendriticSpikes = section(DendriticSpikes)
    receptors: ReceptorKinetics = section(ReceptorKinetics)
    inputs: PyramidalInputs = section(PyramidalInputs)
    per_neuron: list = param([], doc="parameter names declared per neuron (not shared)")

    def validate(self) -> None:
        if magnitude(self.dspikes.threshold, "mV") <= magnitude(self.rest_potential, "mV"):
            raise self.field_error("dspikes.threshold", "must be above rest_potential")
        _check_per_neuron(self, pyramidal_parameter_values(self))


@dataclass(frozen=True)
class BasketSoma(Section):
    """The basket cell soma: leaky integrate-and-fire with a one-step reset."""

    capacitance: object = qparam("60 pF", low=0, low_open=True)
    leak_conductance: object = qparam("4 nS", low=0, low_open=True)
    threshold: object = qparam("-52 mV")
    reset_potential: object = qparam("-62 mV")
    refractory: object = qparam("1.5 ms", low=0, low_open=True)

    def validate(self) -> None:
        if magnitude(self.reset_potential, "mV") >= magnitude(self.threshold, "mV"):
            raise self.field_error("reset_potential", "must be below threshold")


@dataclass(frozen=True)
class BasketInputs(Section):
    """Scales of excitatory (dendritic AMPA) and inhibitory (somatic GABA) weights."""

    excitation_scale: float = param(1.0, low=0.0)
    inhibition_scale: float = param(1.0, low=0.0)


@dataclass(frozen=True)
class CompartmentalBasketCell(Section):
    """A fast-spiking basket cell: soma and one passive dendrite (tau_m 15 ms)."""

    rest_potential: object = qparam("-65 mV")
    soma: BasketSoma = section(BasketSoma)
    dendrite: DendriteCompartment = section(
        DendriteCompartment, capacitance="40 pF", leak_conductance="2.667 nS",
        dspike_rise_conductance="0 nS", dspike_fall_conductance="0 nS")
    coupling: object = qparam("15 nS", low=0, low_open=True, doc="soma - dendrite")
    receptors: ReceptorKinetics = section(ReceptorKinetics, ampa_decay="3 ms",
                                          gaba_decay="2 ms")
    inputs: BasketInputs = section(BasketInputs)
    per_neuron: list = param([], doc="parameter names declared per neuron (not shared)")

    def validate(self) -> None:
        _check_per_neuron(self, basket_parameter_values(self))


#: Integration methods a dendritic group accepts.
METHODS = ("exponential_euler", "euler", "rk2", "rk4")


@dataclass(frozen=True)
class DendriticConfig(Section):
    """The compartmental cells of the dendritic level.

    ``basket`` is used for every interneuron of the circuit (the plastic
    interneurons and the static basket cells).

    ``method`` integrates the compartments (it replaces
    ``simulation.method`` at this level).  Forward Euler is stable only while
    every compartment's total conductance stays below ``2 C / dt``: 2 uS for
    the 100 pF soma at 0.1 ms, which synchronous volleys onto strong learned
    somatic GABA synapses (or dozens of saturated recurrent synapses on a
    60 pF dendrite, limit 1.2 uS) exceed; the membrane then oscillates with
    growing amplitude and every state variable of the cell turns ``nan``.
    Exponential Euler integrates each membrane exactly for the conductances
    of the step (the Mg block evaluated at the step's start), so it is stable
    at any conductance.
    """

    pyramidal: CompartmentalPyramidalCell = section(CompartmentalPyramidalCell)
    basket: CompartmentalBasketCell = section(CompartmentalBasketCell)
    method: str = param("exponential_euler", choices=METHODS,
                        doc="integration method of the compartmental cells")


def euler_stability_limit(capacitance: Any, dt: Any) -> float:
    """Largest total conductance (nS) of a compartment that forward Euler integrates stably.

    For ``C dV/dt = -g (V - E)`` forward Euler multiplies ``V - E`` by
    ``1 - g dt / C`` each step, which grows in magnitude once
    ``g > 2 C / dt``.
    """
    return 2.0 * magnitude(capacitance, "pF") / magnitude(dt, "ms")  # pF/ms = nS


def _check_per_neuron(cell: Section, values: dict[str, Any]) -> None:
    unknown = [name for name in cell.per_neuron if name not in values]
    if unknown:
        raise cell.field_error("per_neuron", f"unknown parameter(s) {', '.join(unknown)} "
                                             f"(known: {', '.join(sorted(values))})")


# ---------------------------------------------------------------------------
# Parameter tables (Dendrify's names) and analytic properties
# ---------------------------------------------------------------------------


def nmda_peak_norm(rise_s: float, decay_s: float) -> float:
    """Factor that makes Dendrify's NMDA gating variable peak at one.

    Dendrify integrates ``dx/dt = -x/tau_d + s/ms``, ``ds/dt = -s/tau_r``;
    after ``s`` jumps by one, ``x`` peaks at
    ``tau_r tau_d / (tau_d - tau_r) (exp(-t*/tau_d) - exp(-t*/tau_r)) / ms``
    with ``t* = tau_r tau_d / (tau_d - tau_r) ln(tau_d / tau_r)``.  Returns the
    inverse of that peak.
    """
    if not 0 < rise_s < decay_s:
        raise ValueError("need 0 < rise < decay")
    k = rise_s * decay_s / (decay_s - rise_s)
    t_peak = k * math.log(decay_s / rise_s)
    peak = k * (math.exp(-t_peak / decay_s) - math.exp(-t_peak / rise_s)) / 1e-3
    return 1.0 / peak


def _receptor_values(receptors: ReceptorKinetics, ampa: tuple[str, ...],
                     nmda: tuple[str, ...], gaba: tuple[str, ...]) -> dict[str, Any]:
    from brian2 import nS

    values: dict[str, Any] = {
        "E_AMPA": receptors.ampa_reversal, "E_NMDA": receptors.nmda_reversal,
        "E_GABA": receptors.gaba_reversal,
    }
    for comp in ampa:
        values.update({f"g_AMPA_exc_{comp}": 1 * nS, f"w_AMPA_exc_{comp}": 1.0,
                       f"t_AMPA_decay_exc_{comp}": receptors.ampa_decay})
    for comp in nmda:
        values.update({f"g_NMDA_exc_{comp}": 1 * nS, f"w_NMDA_exc_{comp}": 1.0,
                       f"t_NMDA_rise_exc_{comp}": receptors.nmda_rise,
                       f"t_NMDA_decay_exc_{comp}": receptors.nmda_decay})
    for comp in gaba:
        values.update({f"g_GABA_inh_{comp}": 1 * nS, f"w_GABA_inh_{comp}": 1.0,
                       f"t_GABA_decay_inh_{comp}": receptors.gaba_decay})
    if nmda:
        values.update({
            "Mg_con": receptors.magnesium, "Alpha_NMDA": receptors.mg_slope,
            "Beta_NMDA": receptors.mg_divisor, "Gamma_NMDA": 0.0,
            "norm_NMDA": nmda_peak_norm(magnitude(receptors.nmda_rise, "s"),
                                        magnitude(receptors.nmda_decay, "s")),
        })
    return values


def pyramidal_parameter_values(cell: CompartmentalPyramidalCell) -> dict[str, Any]:
    """Every parameter of the pyramidal group, by the name used in its equations.

    Names follow Dendrify (``C_soma``, ``gL_basal``, ``g_soma_proximal``,
    ``t_NMDA_decay_exc_distal``, ``g_rise_max_Na_basal``...), plus this
    module's own (spike and reset voltages, dSpike durations as times, input
    scales).  Synaptic ``g_*`` are a unit conductance (1 nS): weights are
    conductances, divided by it.
    """
    soma, coupling, dspikes = cell.soma, cell.coupling, cell.dspikes
    values: dict[str, Any] = {
        "C_soma": soma.capacitance, "gL_soma": soma.leak_conductance,
        "EL_soma": cell.rest_potential, "a_soma": soma.adaptation_coupling,
        "b_soma": soma.adaptation_increment, "tauw_soma": soma.adaptation_tau,
        "Vth_soma": soma.threshold, "Vpeak_soma": soma.spike_peak,
        "Vreset_soma": soma.reset_potential, "spike_width_soma": soma.spike_width,
        "refractory_soma": soma.refractory,
        "g_soma_basal": coupling.soma_basal, "g_basal_soma": coupling.soma_basal,
        "g_soma_proximal": coupling.soma_proximal, "g_proximal_soma": coupling.soma_proximal,
        "g_proximal_distal": coupling.proximal_distal,
        "g_distal_proximal": coupling.proximal_distal,
        "E_rise_Na": dspikes.rise_reversal, "E_fall_Na": dspikes.fall_reversal,
        "dspike_rise_duration": dspikes.rise_duration,
        "dspike_fall_duration": dspikes.fall_duration,
        "dspike_fall_offset": dspikes.fall_offset,
        "dspike_refractory": dspikes.refractory,
    }
    for name in PYRAMIDAL_COMPARTMENTS[1:]:
        dendrite: DendriteCompartment = getattr(cell, name)
        values.update({
            f"C_{name}": dendrite.capacitance, f"gL_{name}": dendrite.leak_conductance,
            f"EL_{name}": cell.rest_potential, f"Vth_{_DSPIKE}_{name}": dspikes.threshold,
            f"g_rise_max_{_DSPIKE}_{name}": dendrite.dspike_rise_conductance,
            f"g_fall_max_{_DSPIKE}_{name}": dendrite.dspike_fall_conductance,
        })
    values.update(_receptor_values(cell.receptors, ampa=("basal", "proximal", "distal"),
                                   nmda=("basal", "proximal", "distal"),
                                   gaba=("soma", "basal", "proximal")))
    inputs = cell.inputs
    values.update({
        "place_scale": inputs.place_scale, "place_nmda_ratio": inputs.place_nmda_ratio,
        "cue_scale": inputs.cue_scale, "cue_nmda_ratio": inputs.cue_nmda_ratio,
        "recurrent_scale": inputs.recurrent_scale,
        "recurrent_nmda_ratio": inputs.recurrent_nmda_ratio,
        "recurrent_basal_fraction": inputs.recurrent_basal_fraction,
        "noise_scale": inputs.noise_scale, "inhibition_scale": inputs.inhibition_scale,
        "dendritic_inhibition_scale": inputs.dendritic_inhibition_scale,
    })
    return values


def basket_parameter_values(cell: CompartmentalBasketCell) -> dict[str, Any]:
    """Every parameter of the basket group, by the name used in its equations."""
    soma, dendrite = cell.soma, cell.dendrite
    values: dict[str, Any] = {
        "C_soma": soma.capacitance, "gL_soma": soma.leak_conductance,
        "EL_soma": cell.rest_potential, "Vth_soma": soma.threshold,
        "Vreset_soma": soma.reset_potential, "refractory_soma": soma.refractory,
        "C_dendrite": dendrite.capacitance, "gL_dendrite": dendrite.leak_conductance,
        "EL_dendrite": cell.rest_potential,
        "g_soma_dendrite": cell.coupling, "g_dendrite_soma": cell.coupling,
        "excitation_scale": cell.inputs.excitation_scale,
        "inhibition_scale": cell.inputs.inhibition_scale,
    }
    values.update(_receptor_values(cell.receptors, ampa=("dendrite",), nmda=(),
                                   gaba=("soma",)))
    return values


def _edges(cell: Section) -> list[tuple[str, str, Any]]:
    if isinstance(cell, CompartmentalPyramidalCell):
        c = cell.coupling
        return [("soma", "basal", c.soma_basal), ("soma", "proximal", c.soma_proximal),
                ("proximal", "distal", c.proximal_distal)]
    return [("soma", "dendrite", cell.coupling)]


def _compartments(cell: Section) -> tuple[str, ...]:
    return (PYRAMIDAL_COMPARTMENTS if isinstance(cell, CompartmentalPyramidalCell)
            else BASKET_COMPARTMENTS)


def conductance_matrix(cell: Section) -> tuple[tuple[str, ...], np.ndarray]:
    """Subthreshold conductance matrix ``G`` (nS) of a passive cell at rest.

    ``G = diag(g_L) + L``, with ``L`` the Laplacian of the coupling
    conductances (and the somatic adaptation coupling ``a`` added to the
    soma's leak of a pyramidal cell).  The steady-state response to currents
    ``I`` is ``G^-1 I``.

    Returns
    -------
    names, G
        Compartment names and the matrix in their order.
    """
    names = _compartments(cell)
    index = {name: k for k, name in enumerate(names)}
    g = np.zeros((len(names), len(names)))
    for name in names:
        comp = getattr(cell, name)
        g[index[name], index[name]] += magnitude(comp.leak_conductance, "nS")
    if isinstance(cell, CompartmentalPyramidalCell):
        g[0, 0] += magnitude(cell.soma.adaptation_coupling, "nS")
    for a, b, coupling in _edges(cell):
        value = magnitude(coupling, "nS")
        i, j = index[a], index[b]
        g[i, i] += value
        g[j, j] += value
        g[i, j] -= value
        g[j, i] -= value
    return names, g


def analytic_input_resistance(cell: Section) -> dict[str, float]:
    """Input resistance (MOhm) of each compartment: the diagonal of ``G^-1``."""
    names, g = conductance_matrix(cell)
    resistance = np.linalg.inv(g) * 1e3  # 1/nS = GOhm -> MOhm
    return {name: float(resistance[k, k]) for k, name in enumerate(names)}


def analytic_transfer_ratio(cell: Section, source: str, target: str) -> float:
    """Steady-state voltage at ``target`` per volt at ``source`` for current into ``source``."""
    names, g = conductance_matrix(cell)
    resistance = np.linalg.inv(g)
    i, j = names.index(source), names.index(target)
    return float(resistance[j, i] / resistance[i, i])


# ---------------------------------------------------------------------------
# Equations from Dendrify
# ---------------------------------------------------------------------------


def _pyramidal_dendrify_model(cell: CompartmentalPyramidalCell) -> Any:
    """Dendrify's NeuronModel of the pyramidal cell (used for its equations only).

    Dendrify receives placeholder magnitudes (1 pF, 1 nS): every value the
    group uses is written from ``cell`` by :meth:`DendriticCellModel.set_parameters`.
    """
    from brian2 import ms, nS, pF
    from dendrify import Dendrite, NeuronModel, Soma

    soma = Soma("soma", model="adaptiveIF", cm_abs=1 * pF, gl_abs=1 * nS)
    soma.synapse("GABA", tag="inh", g=1 * nS, t_decay=1 * ms)
    dendrites = {name: Dendrite(name, cm_abs=1 * pF, gl_abs=1 * nS)
                 for name in PYRAMIDAL_COMPARTMENTS[1:]}
    for name, dendrite in dendrites.items():
        dendrite.synapse("AMPA", tag="exc", g=1 * nS, t_decay=1 * ms)
        dendrite.synapse("NMDA", tag="exc", g=1 * nS, t_rise=1 * ms, t_decay=2 * ms)
        if name in ("basal", "proximal"):
            dendrite.synapse("GABA", tag="inh", g=1 * nS, t_decay=1 * ms)
        dendrite.dspikes(_DSPIKE)
    edges = [(soma if a == "soma" else dendrites[a], dendrites[b], 1 * nS)
             for a, b, _ in _edges(cell)]
    return NeuronModel(edges)


def _basket_dendrify_model(cell: CompartmentalBasketCell) -> Any:
    """Dendrify's NeuronModel of the basket cell (used for its equations only)."""
    from brian2 import ms, nS, pF
    from dendrify import Dendrite, NeuronModel, Soma

    soma = Soma("soma", model="leakyIF", cm_abs=1 * pF, gl_abs=1 * nS)
    soma.synapse("GABA", tag="inh", g=1 * nS, t_decay=1 * ms)
    dendrite = Dendrite("dendrite", cm_abs=1 * pF, gl_abs=1 * nS)
    dendrite.synapse("AMPA", tag="exc", g=1 * nS, t_decay=1 * ms)
    return NeuronModel([(soma, dendrite, 1 * nS)])


def _dspike_step_counts(event_ids: list[str]) -> str:
    """Dendrify's dSpike durations in time steps, from times and the running ``dt``."""
    lines = []
    for event_id in event_ids:
        for steps, duration in (("duration_rise", "dspike_rise_duration"),
                                ("duration_fall", "dspike_fall_duration"),
                                ("offset_fall", "dspike_fall_offset"),
                                ("refractory", "dspike_refractory")):
            lines.append(f"{steps}_{event_id} = int({duration}/dt + 0.5) : integer (shared)")
    return "\n".join(lines)


def _conditional_action(condition: str, action: str, flag: str) -> list[str]:
    """Rewrite ``a = x; b = y`` to run only where ``condition`` holds (one event for many)."""
    lines = [f"{flag} = int({condition})"]
    for statement in action.split(";"):
        target, _, expression = statement.partition("=")
        target, expression = target.strip(), expression.strip()
        if not target or not expression:
            raise ValueError(f"cannot read the event action {action!r}")
        lines.append(f"{target} = {target} + {flag}*(({expression}) - {target})")
    return lines


@dataclass(frozen=True)
class _Blueprint:
    equations: str
    values: dict[str, Any]
    threshold: str
    reset: str
    refractory: str
    event_condition: str | None
    event_action: str | None
    compartments: tuple[str, ...]


def _pyramidal_blueprint(cell: CompartmentalPyramidalCell) -> _Blueprint:
    model = _pyramidal_dendrify_model(cell)
    events, actions = model.events, model.event_actions
    event_ids = [name[len("spike_"):] for name in events]
    second_reset = ("t - lastspike >= spike_width_soma - 0.5*dt and "
                    "t - lastspike < spike_width_soma + 0.5*dt")
    condition = " or ".join([f"({c})" for c in events.values()] + [f"({second_reset})"])
    action: list[str] = []
    for k, (name, cond) in enumerate(events.items()):
        action += _conditional_action(cond, actions[name], f"dspike_{k}")
    action += _conditional_action(second_reset, "V_soma = Vreset_soma", "repolarise")
    equations = "\n".join([
        model.equations,
        _dspike_step_counts(event_ids),
        "recurrent_proximal_fraction = 1 - recurrent_basal_fraction : 1 (shared)",
    ])
    return _Blueprint(
        equations=equations, values=pyramidal_parameter_values(cell),
        threshold="V_soma > Vth_soma", reset="V_soma = Vpeak_soma\nw_soma += b_soma",
        refractory="refractory_soma", event_condition=condition,
        event_action="\n".join(action), compartments=PYRAMIDAL_COMPARTMENTS)


def _basket_blueprint(cell: CompartmentalBasketCell) -> _Blueprint:
    model = _basket_dendrify_model(cell)
    return _Blueprint(
        equations=model.equations, values=basket_parameter_values(cell),
        threshold="V_soma > Vth_soma", reset="V_soma = Vreset_soma",
        refractory="refractory_soma", event_condition=None, event_action=None,
        compartments=BASKET_COMPARTMENTS)


def _unit_name(value: Any) -> str:
    from brian2 import amp, farad, get_dimensions, second, siemens, volt

    dims = get_dimensions(value)
    if dims.is_dimensionless:
        return "1"
    for unit, name in ((volt, "volt"), (siemens, "siemens"), (farad, "farad"),
                       (second, "second"), (amp, "amp")):
        if dims == unit.dim:
            return name
    raise ValueError(f"no declaration unit for {value!r}")


# ---------------------------------------------------------------------------
# The cell model
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Where a pathway's weight goes.

    ``variable += constant * product(factors) / divisor * weight``, where
    ``factors`` and ``divisor`` name variables of the target group.
    """

    variable: str
    factors: tuple[str, ...]
    divisor: str
    constant: float = 1.0

    def expression(self, suffix: str = "") -> str:
        """The factor as code, with ``suffix`` (``"_post"`` in a synapse) on each name."""
        terms = [repr(self.constant)] if self.constant != 1.0 else []
        terms += [f"{name}{suffix}" for name in self.factors]
        return f"{' * '.join(terms) or '1'} / {self.divisor}{suffix}"


def _pyramidal_routes() -> dict[str, tuple[Route, ...]]:
    def ampa(comp: str, *factors: str) -> Route:
        return Route(f"s_AMPA_exc_{comp}", factors, f"g_AMPA_exc_{comp}")

    def nmda(comp: str, *factors: str) -> Route:
        return Route(f"s_NMDA_exc_{comp}", factors + ("norm_NMDA",), f"g_NMDA_exc_{comp}")

    def gaba(comp: str, *factors: str, constant: float = 1.0) -> Route:
        return Route(f"s_GABA_inh_{comp}", factors, f"g_GABA_inh_{comp}", constant)

    basal = ("recurrent_scale", "recurrent_basal_fraction")
    proximal = ("recurrent_scale", "recurrent_proximal_fraction")
    return {
        "place_input": (ampa("proximal", "place_scale"),
                        nmda("proximal", "place_scale", "place_nmda_ratio")),
        "cue_input": (ampa("distal", "cue_scale"),
                      nmda("distal", "cue_scale", "cue_nmda_ratio")),
        "recurrent": (ampa("basal", *basal),
                      nmda("basal", *basal, "recurrent_nmda_ratio"),
                      ampa("proximal", *proximal),
                      nmda("proximal", *proximal, "recurrent_nmda_ratio")),
        "noise": (ampa("proximal", "noise_scale"),),
        "inhibition": (gaba("soma", "inhibition_scale"),),
        "dendritic_inhibition": (gaba("basal", "dendritic_inhibition_scale", constant=0.5),
                                 gaba("proximal", "dendritic_inhibition_scale", constant=0.5)),
    }


def _basket_routes() -> dict[str, tuple[Route, ...]]:
    excitation = (Route("s_AMPA_exc_dendrite", ("excitation_scale",), "g_AMPA_exc_dendrite"),)
    inhibition = (Route("s_GABA_inh_soma", ("inhibition_scale",), "g_GABA_inh_soma"),)
    return {"place_input": excitation, "cue_input": excitation, "recurrent": excitation,
            "noise": excitation, "inhibition": inhibition, "dendritic_inhibition": inhibition}


class DendriticCellModel:
    """Builds Brian2 groups of Dendrify compartmental cells; the circuit's cell-model interface.

    Parameters
    ----------
    cell : CompartmentalPyramidalCell or CompartmentalBasketCell
        The cell's parameters.

    Notes
    -----
    Every parameter is a ``(shared, constant)`` variable of the group (names
    as in :func:`pyramidal_parameter_values`), except those listed in
    ``cell.per_neuron``, which are per-neuron constants.  Change them
    between runs by assignment or pass them as ``run_args`` to a standalone
    program.  ``norm_NMDA`` derives from the NMDA kinetics: set the cell
    again with :meth:`set_parameters` after changing those.
    """

    kind = "dendritic"

    def __init__(self, cell: CompartmentalPyramidalCell | CompartmentalBasketCell):
        self.cell = cell
        if isinstance(cell, CompartmentalPyramidalCell):
            self._blueprint = _pyramidal_blueprint(cell)
            self._routes = _pyramidal_routes()
        elif isinstance(cell, CompartmentalBasketCell):
            self._blueprint = _basket_blueprint(cell)
            self._routes = _basket_routes()
        else:
            raise TypeError(f"not a compartmental cell: {type(cell).__name__}")

    # -- description -------------------------------------------------------
    @property
    def compartments(self) -> tuple[str, ...]:
        """Compartment names, soma first."""
        return self._blueprint.compartments

    @property
    def membrane_variable(self) -> str:
        """Name of the somatic membrane potential."""
        return "V_soma"

    def voltage(self, compartment: str) -> str:
        """Name of the membrane potential of ``compartment``."""
        if compartment not in self.compartments:
            raise KeyError(f"no compartment {compartment!r} (have {self.compartments})")
        return f"V_{compartment}"

    def parameter_values(self) -> dict[str, Any]:
        """Name to value of every parameter the group declares."""
        return dict(self._blueprint.values)

    def equations(self, extra: str = "") -> Any:
        """The group's Brian2 Equations: Dendrify's, the parameter declarations, ``extra``."""
        from brian2 import Equations

        return Equations(self._blueprint.equations) + Equations(
            self._declarations()) + Equations(extra)

    def _declarations(self) -> str:
        per_neuron = set(self.cell.per_neuron)
        lines = []
        for name, value in self._blueprint.values.items():
            flags = "(constant)" if name in per_neuron else "(shared, constant)"
            lines.append(f"{name} : {_unit_name(value)} {flags}")
        return "\n".join(lines)

    # -- building ----------------------------------------------------------
    def make_group(self, n: int, name: str, *, extra: str = "", teacher: bool = False,
                   method: str = "exponential_euler") -> Any:
        """A NeuronGroup of ``n`` cells at rest, parameters set.

        The group emits ``spike`` when the soma crosses threshold.  With
        ``teacher=True`` it has a flag ``teach`` that, once set by a synapse,
        makes the cell spike at the next step (teacher forcing).  ``method``
        integrates the compartments; forward Euler diverges once a
        compartment's conductance exceeds :func:`euler_stability_limit`
        (see :class:`DendriticConfig`).
        """
        from brian2 import NeuronGroup

        blueprint = self._blueprint
        threshold, reset = blueprint.threshold, blueprint.reset
        if teacher:
            extra += "\nteach : 1"
            threshold, reset = f"({threshold}) or (teach > 0.5)", reset + "\nteach = 0"
        events = ({_EVENT: blueprint.event_condition} if blueprint.event_condition else None)
        group = NeuronGroup(n, self.equations(extra), threshold=threshold, reset=reset,
                            refractory=blueprint.refractory, events=events, method=method,
                            name=name, namespace={})
        if events:
            group.run_on_event(_EVENT, blueprint.event_action, when="after_resets")
        self._check_complete(group)
        self.set_parameters(group)
        self.set_rest(group)
        return group

    def _check_complete(self, group: Any) -> None:
        """Fail early if Dendrify's equations use a name that nothing defines."""
        from brian2.utils.stringtools import get_identifiers

        used = set(group.equations.identifiers)
        for text in (self._blueprint.event_condition, self._blueprint.threshold,
                     self._blueprint.reset):
            if text:
                used |= get_identifiers(text)
        missing = sorted(name for name in used - set(group.variables)
                         if not _is_brian_name(name))
        if missing:
            raise RuntimeError(f"Dendrify's equations use undefined names: {', '.join(missing)}")

    def set_parameters(self, group: Any) -> None:
        """Write the cell's parameters into the group's (shared or per-neuron) constants."""
        for name, value in self._blueprint.values.items():
            setattr(group, name, value)

    def set_rest(self, group: Any) -> None:
        """Put every compartment at the resting potential, synapses closed, no dSpike."""
        for compartment in self.compartments:
            setattr(group, f"V_{compartment}", self.cell.rest_potential)

    # -- synapses ----------------------------------------------------------
    def routes(self, pathway: str) -> tuple[Route, ...]:
        """Where ``pathway`` deposits its weight (see the module docstring)."""
        try:
            return self._routes[pathway]
        except KeyError:
            raise ValueError(f"unknown pathway {pathway!r} (choose from "
                             f"{', '.join(PATHWAYS)})") from None

    def on_pre(self, pathway: str, weight: str) -> str:
        """Statement a synapse of ``pathway`` runs on a presynaptic spike.

        ``weight`` is an expression in siemens (a peak conductance).
        """
        return "\n".join(f"{route.variable}_post += {route.expression('_post')} * ({weight})"
                         for route in self.routes(pathway))

    def noise_target(self) -> tuple[str, str]:
        """``(variable, factor)`` that a PoissonInput of mossy-fibre-like noise increments.

        The noise reaches the AMPA conductance of the proximal apical dendrite
        (a PoissonInput feeds one variable, so the noise carries no NMDA).
        """
        (route,) = self.routes("noise")
        return route.variable, f"({route.expression()})"


def _is_brian_name(name: str) -> bool:
    from brian2.core.namespace import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS, DEFAULT_UNITS

    return name in DEFAULT_UNITS or name in DEFAULT_FUNCTIONS or name in DEFAULT_CONSTANTS


def pyramidal_cell_model(cell: CompartmentalPyramidalCell | None = None) -> DendriticCellModel:
    """The compartmental CA3 pyramidal cell model (default parameters if ``cell`` is None)."""
    return DendriticCellModel(cell if cell is not None else CompartmentalPyramidalCell())


def basket_cell_model(cell: CompartmentalBasketCell | None = None) -> DendriticCellModel:
    """The compartmental fast-spiking basket cell model."""
    return DendriticCellModel(cell if cell is not None else CompartmentalBasketCell())


def dendritic_cell_models(dendritic: DendriticConfig
                          ) -> tuple[DendriticCellModel, DendriticCellModel]:
    """The pyramidal and interneuron models of the dendritic level, from its config section."""
    return pyramidal_cell_model(dendritic.pyramidal), basket_cell_model(dendritic.basket)
