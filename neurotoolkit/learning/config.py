"""Configuration of e-prop experiments: frozen sections with units.

Sections::

    network   LIF and ALIF cells, readout, pseudo-derivative, time step
    training  feedback mode, Adam, batch, rate regularisation, evaluation
    task      the evidence-accumulation or the pattern-generation task

Time constants must be positive, sizes positive, the feedback mode one of
``symmetric`` / ``random``; a bad value raises
:class:`~neurotoolkit.config.ConfigError` naming the dotted field before
anything is simulated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import Section, magnitude, param, qparam, section

__all__ = [
    "FEEDBACK_MODES",
    "NetworkSection",
    "TrainingSection",
    "EvidenceTaskSection",
    "PatternTaskSection",
    "EvidenceConfig",
    "PatternConfig",
    "StepConstants",
]

#: How the learning signal is fed back to the recurrent cells.
FEEDBACK_MODES = ("symmetric", "random")


@dataclass(frozen=True)
class StepConstants:
    """The network's constants per time step (plain floats, what the equations use).

    Attributes
    ----------
    alpha, rho, kappa : float
        Decay per step of the membrane, the adaptation and the readout.
    threshold : float
        Baseline threshold ``v_th`` (membrane in threshold-like units).
    beta : tuple of float
        Threshold increase per spike of each recurrent cell (0 for LIF).
    gamma : float
        Pseudo-derivative height.
    n_refractory : int
        Steps without spikes after a spike.
    dt_s : float
        Time step in seconds.
    """

    alpha: float
    rho: float
    kappa: float
    threshold: float
    beta: tuple[float, ...]
    gamma: float
    n_refractory: int
    dt_s: float

    @property
    def n_recurrent(self) -> int:
        """Recurrent cells."""
        return len(self.beta)


@dataclass(frozen=True)
class NetworkSection(Section):
    """Recurrent LIF and ALIF cells and a leaky readout (Bellec et al. 2020).

    Membrane ``v(t) = α v(t-1) + W_in x(t) + W_rec z(t-1) - v_th z(t-1)``
    (reset by subtraction), threshold ``v_th + β a(t)`` with
    ``a(t) = ρ a(t-1) + z(t-1)``, readout ``y(t) = κ y(t-1) + W_out z(t) + b``.
    """

    n_regular: int = param(50, low=0, doc="LIF cells (no adaptation)")
    n_adaptive: int = param(50, low=0, doc="ALIF cells (adaptive threshold)")
    tau_membrane: object = qparam("20 ms", low=0, low_open=True, doc="membrane time constant")
    tau_adaptation: object = qparam("2000 ms", low=0, low_open=True,
                                    doc="decay of the adaptation trace")
    tau_readout: object = qparam("20 ms", low=0, low_open=True, doc="readout time constant")
    threshold: float = param(0.6, low=0, low_open=True, doc="baseline threshold v_th")
    adaptation_strength: float = param(0.0017, low=0,
                                       doc="threshold increase per spike of an ALIF cell (beta)")
    refractory: object = qparam("5 ms", low=0, doc="refractory period")
    gamma: float = param(0.3, low=0, low_open=True, doc="pseudo-derivative height")
    dt: object = qparam("1 ms", low=0, low_open=True, doc="time step")
    weight_scale: float = param(1.0, low=0, low_open=True,
                                doc="initial weights ~ N(0, scale^2 / fan-in)")

    def validate(self) -> None:
        if self.n_regular + self.n_adaptive < 1:
            raise self.field_error("n_regular", "the network needs at least one recurrent cell "
                                                "(n_regular + n_adaptive >= 1)")
        for name in ("tau_membrane", "tau_adaptation", "tau_readout"):
            if magnitude(getattr(self, name), "ms") < magnitude(self.dt, "ms"):
                raise self.field_error(name, f"must be at least one time step ({self.dt})")

    @property
    def n_recurrent(self) -> int:
        """All recurrent cells (LIF first, then ALIF)."""
        return self.n_regular + self.n_adaptive

    def step_constants(self) -> StepConstants:
        """Decays and thresholds per step of ``dt``."""
        dt = magnitude(self.dt, "ms")
        return StepConstants(
            alpha=math.exp(-dt / magnitude(self.tau_membrane, "ms")),
            rho=math.exp(-dt / magnitude(self.tau_adaptation, "ms")),
            kappa=math.exp(-dt / magnitude(self.tau_readout, "ms")),
            threshold=self.threshold,
            beta=(0.0,) * self.n_regular + (self.adaptation_strength,) * self.n_adaptive,
            gamma=self.gamma,
            n_refractory=int(round(magnitude(self.refractory, "ms") / dt)),
            dt_s=dt / 1000.0,
        )


@dataclass(frozen=True)
class TrainingSection(Section):
    """e-prop with Adam at the end of each batch.

    Attributes
    ----------
    feedback : {"symmetric", "random"}
        ``B = W_outᵀ`` or a fixed random matrix.
    """

    feedback: str = param("random", choices=FEEDBACK_MODES,
                          doc="learning-signal weights: symmetric (W_out transposed) or random")
    learning_rate: float = param(0.005, low=0, low_open=True, doc="Adam step size")
    learning_rate_decay: float = param(
        1.0, low=0, high=1, low_open=True,
        doc="factor applied to the step size every decay_every iterations (1: constant)")
    decay_every: int = param(100, low=1, doc="iterations between step-size decays")
    adam_beta1: float = param(0.9, low=0, high=1, doc="Adam first-moment decay")
    adam_beta2: float = param(0.999, low=0, high=1, doc="Adam second-moment decay")
    batch_size: int = param(64, low=1, doc="trials per batch (replica populations)")
    n_iterations: int = param(500, low=1, doc="batches (Adam steps)")
    rate_target: object = qparam("10 Hz", low=0, doc="target firing rate of the regulariser")
    rate_regularization: float = param(1.0, low=0,
                                       doc="strength of the rate regulariser (per Hz^2)")
    n_test_trials: int = param(64, low=1, doc="held-out trials for the test error")
    test_every: int = param(25, low=1, doc="iterations between test evaluations")
    stop_error: float = param(0.0, low=0, high=1,
                              doc="stop once the error on validation trials (drawn apart "
                                  "from the test trials) is below this (0: never)")


@dataclass(frozen=True)
class EvidenceTaskSection(Section):
    """Evidence accumulation (Bellec et al. 2020, Fig. 3).

    Four input groups of ``n_inputs / 4`` channels: left cues, right cues,
    recall, background noise. Cues alternate sides at random; after the delay
    the network must report the side with more cues during the recall window.
    """

    n_inputs: int = param(40, low=4, doc="input channels (a multiple of 4)")
    input_rate: object = qparam("40 Hz", low=0, low_open=True, doc="rate of an active channel")
    background_rate: object = qparam("10 Hz", low=0, doc="rate of the noise channels")
    n_cues: int = param(7, low=1, doc="cues per trial (odd avoids ties)")
    cue_duration: object = qparam("100 ms", low=0, low_open=True, doc="one cue")
    cue_interval: object = qparam("150 ms", low=0, low_open=True, doc="cue onset to onset")
    delay: object = qparam("1200 ms", low=0, doc="from the last cue to the recall")
    recall_duration: object = qparam("150 ms", low=0, low_open=True, doc="recall window")

    def validate(self) -> None:
        if self.n_inputs % 4:
            raise self.field_error("n_inputs", f"must be a multiple of 4, got {self.n_inputs}")
        if magnitude(self.cue_interval, "ms") < magnitude(self.cue_duration, "ms"):
            raise self.field_error("cue_interval", "must be at least cue_duration")


@dataclass(frozen=True)
class PatternTaskSection(Section):
    """Pattern generation: regression of a sum of sinusoids (Bellec et al. 2020, Fig. S7).

    The input is one frozen Poisson pattern; each output's target is
    ``Σ_f A_f sin(2π f t + φ)`` with random phases (per output, fixed per seed).
    """

    n_inputs: int = param(20, low=1, doc="input channels (frozen Poisson pattern)")
    input_rate: object = qparam("20 Hz", low=0, low_open=True, doc="input rate")
    n_outputs: int = param(1, low=1, doc="target signals")
    duration: object = qparam("1000 ms", low=0, low_open=True, doc="trial length")
    frequencies: list = param([1.0, 2.0, 3.0, 5.0], doc="frequencies of the sinusoids in Hz")
    amplitudes: list = param([1.0, 1.0, 1.0, 1.0], doc="amplitude of each sinusoid")

    def validate(self) -> None:
        if not self.frequencies:
            raise self.field_error("frequencies", "needs at least one frequency")
        if len(self.amplitudes) != len(self.frequencies):
            raise self.field_error("amplitudes", f"has {len(self.amplitudes)} values for "
                                                 f"{len(self.frequencies)} frequencies")
        for name in ("frequencies", "amplitudes"):
            values = getattr(self, name)
            if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
                raise self.field_error(name, "must be a list of finite numbers")
        if any(f <= 0 for f in self.frequencies):
            raise self.field_error("frequencies", "must be positive (Hz)")


@dataclass(frozen=True)
class EvidenceConfig(Section):
    """The evidence-accumulation experiment (``neurotoolkit run eprop-evidence``)."""

    network: NetworkSection = section(NetworkSection)
    training: TrainingSection = section(TrainingSection)
    task: EvidenceTaskSection = section(EvidenceTaskSection)


@dataclass(frozen=True)
class PatternConfig(Section):
    """The pattern-generation experiment (``neurotoolkit run eprop-pattern``)."""

    network: NetworkSection = section(NetworkSection, n_regular=100, n_adaptive=0)
    training: TrainingSection = section(TrainingSection, batch_size=1, rate_target="10 Hz",
                                        learning_rate=0.003, n_test_trials=1)
    task: PatternTaskSection = section(PatternTaskSection)
