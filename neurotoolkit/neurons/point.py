"""Point neurons: conductance-based LIF and AdEx cells as Brian2 Equations.

The membrane equation (Brette & Gerstner 2005)::

    C dv/dt = g_L (E_L - v) + g_L Delta_T exp((v - V_T)/Delta_T) - w + I_syn
    tau_w dw/dt = a (v - E_L) - w

with ``Delta_T = 0`` (no exponential term) and ``a = b = 0`` giving the LIF.
Synaptic input is conductance-based with dual-exponential kinetics per
receptor, normalised so that one unit of weight gives a peak conductance of
that weight::

    dg/dt = (x - g) / tau_decay,   dx/dt = -x / tau_rise,   on spike: x += norm * w

Cell parameters are ``(shared, constant)`` variables of the group, so they can
be changed between runs (and between standalone runs with ``run_args``)
without rebuilding.  Default values are the CA3 pyramidal and basket cell
fits of Ecker et al. 2022 (eLife 11:e71850), used by Liao et al. 2024.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..config import Section, magnitude, param, qparam, section

__all__ = [
    "SynapticKinetics",
    "PointCell",
    "dual_exponential_peak_norm",
    "membrane_equations",
    "synapse_equations",
    "PointCellModel",
    "pyramidal_cell",
    "basket_cell",
    "BASKET_CELL",
]


def dual_exponential_peak_norm(tau_rise_s: float, tau_decay_s: float) -> float:
    """Factor that makes the dual-exponential conductance peak at the weight.

    For ``dg/dt = (x - g)/tau_d``, ``dx/dt = -x/tau_r`` and ``x(0) = 1``,
    ``g(t) = tau_r/(tau_d - tau_r) (exp(-t/tau_d) - exp(-t/tau_r))``, whose
    peak is at ``t* = tau_r tau_d / (tau_d - tau_r) ln(tau_d/tau_r)``; the
    factor is ``1 / g(t*)``.
    """
    if tau_rise_s <= 0 or tau_decay_s <= 0:
        raise ValueError("time constants must be positive")
    if math.isclose(tau_rise_s, tau_decay_s):
        return math.e  # alpha function limit: g(t) = (t/tau) exp(-t/tau), peak 1/e
    t_peak = tau_rise_s * tau_decay_s / (tau_decay_s - tau_rise_s) * math.log(
        tau_decay_s / tau_rise_s)
    peak = tau_rise_s / (tau_decay_s - tau_rise_s) * (
        math.exp(-t_peak / tau_decay_s) - math.exp(-t_peak / tau_rise_s))
    return 1.0 / peak


@dataclass(frozen=True)
class SynapticKinetics(Section):
    """Dual-exponential conductance kinetics of one receptor class."""

    rise: object = qparam("1.3 ms", low=0, low_open=True)
    decay: object = qparam("9.5 ms", low=0, low_open=True)
    reversal: object = qparam("0 mV")

    def validate(self) -> None:
        if magnitude(self.rise, "ms") > magnitude(self.decay, "ms"):
            raise self.field_error("rise", "must not be longer than decay")

    @property
    def norm(self) -> float:
        """Peak normalisation factor (see :func:`dual_exponential_peak_norm`)."""
        return dual_exponential_peak_norm(magnitude(self.rise, "s"), magnitude(self.decay, "s"))


@dataclass(frozen=True)
class PointCell(Section):
    """Parameters of an AdEx (or LIF) conductance-based point neuron.

    Defaults: the CA3 pyramidal cell of Ecker et al. 2022.  ``model = "lif"``
    drops the exponential spike term and adaptation; the cell then spikes when
    ``v`` crosses ``threshold``.
    """

    model: str = param("adex", choices=("adex", "lif"))
    capacitance: object = qparam("180 pF", low=0, low_open=True)
    leak_conductance: object = qparam("4.31 nS", low=0, low_open=True)
    rest_potential: object = qparam("-75.19 mV")
    reset_potential: object = qparam("-29.74 mV")
    threshold: object = qparam("-24.82 mV", doc="V_T of AdEx; the threshold of LIF")
    slope: object = qparam("4.23 mV", low=0, low_open=True, doc="Delta_T of AdEx")
    refractory: object = qparam("5.96 ms", low=0)
    adaptation_coupling: object = qparam("-0.274 nS", doc="a")
    adaptation_increment: object = qparam("206.84 pA", doc="b")
    adaptation_tau: object = qparam("84.93 ms", low=0, low_open=True)
    excitatory: SynapticKinetics = section(SynapticKinetics, rise="1.3 ms", decay="9.5 ms",
                                           reversal="0 mV")
    inhibitory: SynapticKinetics = section(SynapticKinetics, rise="0.3 ms", decay="3.3 ms",
                                           reversal="-70 mV")

    @property
    def spike_detection(self) -> Any:
        """Voltage at which a spike is registered: V_T + 5 Delta_T (AdEx) or V_T (LIF)."""
        return self.threshold + 5 * self.slope if self.model == "adex" else self.threshold

    @property
    def membrane_time_constant(self) -> Any:
        """tau_m = C / g_L."""
        return self.capacitance / self.leak_conductance


def membrane_equations(model: str) -> str:
    """Membrane and adaptation equations of an AdEx or LIF point cell."""
    spike_term = "+ g_L*Delta_T*exp((v - V_T)/Delta_T)" if model == "adex" else ""
    return f"""
    dv/dt = (g_L*(E_L - v) {spike_term} - w_adapt + I_syn + I_ext)/C : volt (unless refractory)
    dw_adapt/dt = (a_adapt*(v - E_L) - w_adapt)/tau_adapt : amp
    I_ext : amp
    C : farad (shared, constant)
    g_L : siemens (shared, constant)
    E_L : volt (shared, constant)
    V_T : volt (shared, constant)
    Delta_T : volt (shared, constant)
    V_reset : volt (shared, constant)
    V_spike : volt (shared, constant)
    t_ref : second (shared, constant)
    a_adapt : siemens (shared, constant)
    b_adapt : amp (shared, constant)
    tau_adapt : second (shared, constant)
    """


def synapse_equations(channels: tuple[str, ...] = ("e", "i")) -> str:
    """Dual-exponential conductances ``g_<c>`` and the summed current ``I_syn``."""
    lines = ["I_syn = " + " + ".join(f"g_{c}*(E_{c} - v)" for c in channels) + " : amp"]
    for c in channels:
        lines += [
            f"dg_{c}/dt = (x_{c} - g_{c})/tau_decay_{c} : siemens",
            f"dx_{c}/dt = -x_{c}/tau_rise_{c} : siemens",
            f"E_{c} : volt (shared, constant)",
            f"tau_rise_{c} : second (shared, constant)",
            f"tau_decay_{c} : second (shared, constant)",
            f"norm_{c} : 1 (shared, constant)",
        ]
    return "\n".join(lines)


class PointCellModel:
    """Builds Brian2 groups of point cells and says how synapses reach them.

    This is the cell-model interface that the circuit builder uses; the
    dendritic level provides another implementation with the same methods.

    Parameters
    ----------
    cell : PointCell
        The cell's parameters.
    """

    kind = "point"

    def __init__(self, cell: PointCell):
        self.cell = cell

    def equations(self, extra: str = "") -> Any:
        """The group's Brian2 Equations (membrane + synapses + ``extra``)."""
        from brian2 import Equations

        return Equations(membrane_equations(self.cell.model)) + Equations(
            synapse_equations()) + Equations(extra)

    def make_group(self, n: int, name: str, *, extra: str = "", teacher: bool = False,
                   method: str = "euler") -> Any:
        """A NeuronGroup of ``n`` cells at rest, parameters set.

        With ``teacher=True`` the group has a flag ``teach`` that, once set by
        a synapse, makes the cell spike at the next step (teacher forcing).
        """
        from brian2 import NeuronGroup

        threshold, reset = "v > V_spike", "v = V_reset; w_adapt += b_adapt"
        if teacher:
            extra += "\nteach : 1"
            threshold, reset = f"({threshold}) or (teach > 0.5)", reset + "; teach = 0"
        group = NeuronGroup(
            n, self.equations(extra), threshold=threshold, reset=reset, refractory="t_ref",
            method=method, name=name, namespace={})
        self.set_parameters(group)
        group.v = self.cell.rest_potential
        return group

    def parameter_values(self) -> dict[str, Any]:
        """The group's ``(shared, constant)`` parameters and their values.

        Setting these is all that differs between two groups of the same
        model, so a standalone build can rerun with new values (``run_args``).
        """
        cell = self.cell
        adaptive = cell.model == "adex"
        values = {
            "C": cell.capacitance, "g_L": cell.leak_conductance, "E_L": cell.rest_potential,
            "V_T": cell.threshold, "Delta_T": cell.slope, "V_reset": cell.reset_potential,
            "V_spike": cell.spike_detection, "t_ref": cell.refractory,
            "a_adapt": cell.adaptation_coupling * adaptive,
            "b_adapt": cell.adaptation_increment * adaptive,
            "tau_adapt": cell.adaptation_tau,
        }
        for channel, kinetics in (("e", cell.excitatory), ("i", cell.inhibitory)):
            values[f"E_{channel}"] = kinetics.reversal
            values[f"tau_rise_{channel}"] = kinetics.rise
            values[f"tau_decay_{channel}"] = kinetics.decay
            values[f"norm_{channel}"] = kinetics.norm
        return values

    def set_parameters(self, group: Any) -> None:
        """Write the cell's parameters into the group's shared constants."""
        for name, value in self.parameter_values().items():
            setattr(group, name, value)

    def on_pre(self, pathway: str, weight: str) -> str:
        """Statement a synapse of ``pathway`` runs on a presynaptic spike.

        ``pathway`` is one of ``"place_input"``, ``"cue_input"``,
        ``"recurrent"``, ``"noise"`` (excitatory, all at the soma of a point
        cell) or ``"inhibition"``.
        """
        channel = "i" if pathway == "inhibition" else "e"
        return f"x_{channel}_post += norm_{channel}_post * ({weight})"

    def noise_target(self) -> tuple[str, str]:
        """``(variable, factor)`` that a PoissonInput of mossy-fibre noise increments."""
        return "x_e", "norm_e"

    @property
    def membrane_variable(self) -> str:
        """Name of the somatic membrane potential."""
        return "v"


def pyramidal_cell(**changes: Any) -> PointCell:
    """The CA3 pyramidal AdEx cell of Ecker et al. 2022 (optionally changed)."""
    return PointCell.from_dict(changes) if changes else PointCell()


#: The fast-spiking CA3 basket cell of Ecker et al. 2022, as TOML-style values
#: (also used for the plastic interneurons).
BASKET_CELL = dict(
    capacitance="118 pF", leak_conductance="7.51 nS", rest_potential="-74.74 mV",
    reset_potential="-64.99 mV", threshold="-57.7 mV", slope="4.58 mV", refractory="1.15 ms",
    adaptation_coupling="3.05 nS", adaptation_increment="0.91 pA", adaptation_tau="178.58 ms",
    excitatory={"rise": "1 ms", "decay": "4.1 ms", "reversal": "0 mV"},
    inhibitory={"rise": "0.25 ms", "decay": "1.2 ms", "reversal": "-70 mV"},
)


def basket_cell(**changes: Any) -> PointCell:
    """The CA3 fast-spiking basket AdEx cell of Ecker et al. 2022 (optionally changed)."""
    return PointCell.from_dict({**BASKET_CELL, **changes})
