"""Spike-timing-dependent plasticity rules, each one object.

A rule is a frozen config section that knows its Brian2 synaptic model and
its ``on_pre`` / ``on_post`` learning statements.  Learning is switched with
the synapse's shared variable ``plastic`` (1 on, 0 off), never with a global.

Two families:

**Pair STDP** (``rule = "pair"``), all-to-all pair interactions with
exponential windows::

    dw = A_causal * exp(-dt / tau_pre_post)    for a pre spike dt >= 0 before a post spike
    dw = A_anticausal * exp(-|dt| / tau_post_pre)  for a post spike |dt| before a pre spike

clipped to ``[0, max_weight]``.  With both amplitudes positive and equal it is
the symmetric, potentiation-only Hebbian rule that Liao et al. 2024 use on
every plastic pathway (E->E and E->I: tau 62.5 ms; I->E: tau 5 ms;
A = 0.08 nS, w_max = 20 nS).  A negative ``amplitude_post_pre`` gives the
classical asymmetric rule (Bi & Poo 1998).

**Vogels et al. 2011** homeostatic inhibitory STDP (``rule = "vogels"``)::

    on a pre spike:  w += eta (x_post - alpha),   alpha = 2 rho0 tau
    on a post spike: w += eta x_pre

with traces ``x`` of time constant ``tau`` (20 ms); it drives the
postsynaptic rate towards ``rho0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import Section, magnitude, param, qparam

__all__ = ["PlasticityRule", "LearningCode", "pair_weight_change"]


@dataclass(frozen=True)
class LearningCode:
    """Brian2 code of a rule: synaptic model lines and learning statements."""

    model: str
    on_pre: str
    on_post: str


@dataclass(frozen=True)
class PlasticityRule(Section):
    """One synaptic learning rule and its parameters.

    Attributes
    ----------
    rule : {"pair", "vogels"}
        Pair STDP (symmetric or asymmetric) or the Vogels 2011 rule.
    amplitude_pre_post, amplitude_post_pre : Quantity
        Pair STDP: weight change of a pre-before-post / post-before-pre pair
        at zero lag (a negative ``amplitude_post_pre`` depresses).
    tau_pre_post, tau_post_pre : Quantity
        Pair STDP window time constants.
    learning_rate : Quantity
        Vogels: eta (a conductance).
    target_rate : Quantity
        Vogels: rho0, the postsynaptic rate the rule drives towards.
    tau_vogels : Quantity
        Vogels: trace time constant.
    max_weight, initial_weight : Quantity
        Weight bound and start value.
    """

    rule: str = param("pair", choices=("pair", "vogels"))
    amplitude_pre_post: object = qparam("0.08 nS")
    amplitude_post_pre: object = qparam("0.08 nS")
    tau_pre_post: object = qparam("62.5 ms", low=0, low_open=True)
    tau_post_pre: object = qparam("62.5 ms", low=0, low_open=True)
    learning_rate: object = qparam("0.05 nS", low=0)
    target_rate: object = qparam("5 Hz", low=0)
    tau_vogels: object = qparam("20 ms", low=0, low_open=True)
    max_weight: object = qparam("20 nS", low=0, low_open=True)
    initial_weight: object = qparam("0.1 nS", low=0)

    def validate(self) -> None:
        if magnitude(self.initial_weight, "nS") > magnitude(self.max_weight, "nS"):
            raise self.field_error("initial_weight", "must not exceed max_weight")
        if self.rule == "pair" and magnitude(self.amplitude_pre_post, "nS") < 0:
            raise self.field_error("amplitude_pre_post",
                                   "must be >= 0 (Hebbian: pre before post potentiates)")

    @property
    def symmetric(self) -> bool:
        """Pair rule with equal windows on both sides (the Liao et al. rule)."""
        return (self.rule == "pair" and self.amplitude_pre_post == self.amplitude_post_pre
                and self.tau_pre_post == self.tau_post_pre)

    @property
    def alpha(self) -> float:
        """Vogels depression offset ``2 rho0 tau`` (dimensionless)."""
        return 2 * magnitude(self.target_rate, "Hz") * magnitude(self.tau_vogels, "s")

    def describe(self) -> str:
        """One line naming the rule and its parameters (for provenance and figures)."""
        if self.rule == "vogels":
            return (f"Vogels 2011 iSTDP (eta {magnitude(self.learning_rate, 'nS'):g} nS, "
                    f"rho0 {magnitude(self.target_rate, 'Hz'):g} Hz, "
                    f"tau {magnitude(self.tau_vogels, 'ms'):g} ms)")
        kind = "symmetric potentiation-only" if self.symmetric else "asymmetric"
        return (f"{kind} pair STDP (A+ {magnitude(self.amplitude_pre_post, 'nS'):g} nS, "
                f"A- {magnitude(self.amplitude_post_pre, 'nS'):g} nS, "
                f"tau+ {magnitude(self.tau_pre_post, 'ms'):g} ms, "
                f"tau- {magnitude(self.tau_post_pre, 'ms'):g} ms)")

    def code(self, switch: str | None = None) -> LearningCode:
        """The Brian2 synaptic model and learning statements of this rule.

        The model declares ``w`` (siemens), the learning switch ``plastic``
        (learning happens while it is 1), ``learns`` (whether this pathway is
        plastic in the run) and the rule's parameters as ``(shared,
        constant)`` variables; call :meth:`set_parameters` on the Synapses
        after creating them.

        Parameters
        ----------
        switch : str, optional
            An expression for ``plastic`` (e.g. ``"learns * int(t < t_offline)"``,
            learning only before ``t_offline``); by default ``plastic`` is a
            shared variable set from Python.
        """
        plastic = f"plastic = {switch} : 1 (shared)" if switch else "plastic : 1 (shared)"
        common = f"""
        w : siemens
        {plastic}
        learns : 1 (shared, constant)
        w_max : siemens (shared, constant)
        """
        if self.rule == "vogels":
            model = common + """
            eta_vogels : siemens (shared, constant)
            alpha_vogels : 1 (shared, constant)
            tau_trace : second (shared, constant)
            dpresyn_trace/dt = -presyn_trace/tau_trace : 1 (event-driven)
            dpostsyn_trace/dt = -postsyn_trace/tau_trace : 1 (event-driven)
            """
            on_pre = ("presyn_trace += 1\n"
                      "w = clip(w + plastic*eta_vogels*(postsyn_trace - alpha_vogels), 0*w_max, w_max)")
            on_post = ("postsyn_trace += 1\n"
                       "w = clip(w + plastic*eta_vogels*presyn_trace, 0*w_max, w_max)")
        else:
            model = common + """
            A_causal : siemens (shared, constant)
            A_anticausal : siemens (shared, constant)
            tau_causal : second (shared, constant)
            tau_anticausal : second (shared, constant)
            dpresyn_trace/dt = -presyn_trace/tau_causal : 1 (event-driven)
            dpostsyn_trace/dt = -postsyn_trace/tau_anticausal : 1 (event-driven)
            """
            on_pre = ("presyn_trace += 1\n"
                      "w = clip(w + plastic*A_anticausal*postsyn_trace, 0*w_max, w_max)")
            on_post = ("postsyn_trace += 1\n"
                       "w = clip(w + plastic*A_causal*presyn_trace, 0*w_max, w_max)")
        return LearningCode(model=model, on_pre=on_pre, on_post=on_post)

    def parameter_values(self, plastic: bool = True, switch: bool = False) -> dict[str, Any]:
        """The rule's synaptic variables and their values (initial ``w`` included).

        ``plastic`` sets ``learns`` and (unless the model's ``plastic`` is an
        expression, ``switch=True``) the switch ``plastic`` itself.
        """
        on = 1.0 if plastic else 0.0
        values: dict[str, Any] = {"w_max": self.max_weight, "learns": on}
        if not switch:
            values["plastic"] = on
        if self.rule == "vogels":
            values.update(eta_vogels=self.learning_rate, alpha_vogels=self.alpha,
                          tau_trace=self.tau_vogels)
        else:
            values.update(A_causal=self.amplitude_pre_post, A_anticausal=self.amplitude_post_pre,
                          tau_causal=self.tau_pre_post, tau_anticausal=self.tau_post_pre)
        values["w"] = self.initial_weight
        return values

    def set_parameters(self, synapses: Any, plastic: bool = True) -> None:
        """Write the rule's parameters into ``synapses`` and the initial weights."""
        for name, value in self.parameter_values(plastic).items():
            setattr(synapses, name, value)


def pair_weight_change(rule: PlasticityRule, lag_s: float) -> float:
    """Analytic weight change (nS) of one spike pair, ``lag = t_post - t_pre``.

    Ignores clipping; for the Vogels rule it includes the ``-eta alpha`` of
    the single pre spike.
    """
    import math

    if rule.rule == "vogels":
        eta = magnitude(rule.learning_rate, "nS")
        return eta * math.exp(-abs(lag_s) / magnitude(rule.tau_vogels, "s")) - eta * rule.alpha
    if lag_s >= 0:
        return magnitude(rule.amplitude_pre_post, "nS") * math.exp(
            -lag_s / magnitude(rule.tau_pre_post, "s"))
    return magnitude(rule.amplitude_post_pre, "nS") * math.exp(
        lag_s / magnitude(rule.tau_post_pre, "s"))
