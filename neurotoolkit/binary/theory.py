r"""The convergence theorem of the binary model, computed.

``docs/theory.md`` states and proves the theorem; this module computes every
quantity in it from a :class:`~neurotoolkit.binary.config.BinaryConfig`:

* the expected co-activation counts per lap :math:`\bar C = E[C_\ell]` and the
  *mean-field replay* :math:`\bar x(t)`, the replay of the network whose
  weights are :math:`\bar C` (the almost-sure limit of :math:`W_n`);
* the *conditions*: one per replay step :math:`t` and unit :math:`j`, each the
  event that the learned drive of :math:`j` at the mean-field state
  :math:`\bar x(t)` falls on the wrong side of the threshold.  Its drive is
  :math:`S_n = \sum_{\ell \le n} Z_\ell` with i.i.d. integer increments
  :math:`Z_\ell`, whose exact distribution :func:`increment_distribution`
  computes;
* the Cramér exponent :math:`I_k = \sup_s [s\theta - \log E e^{sZ}]` of each
  condition (:func:`cramer_rate`), and the exact probability of each condition
  after :math:`n` laps, by an exponentially tilted FFT convolution
  (:func:`log_error_probability`), accurate far into the tail;
* for the probability that the replayed sequence differs from the mean-field
  sequence, the bracket
  :math:`\max_k P(A_k) \le P_n \le \sum_k P(A_k) \le \sum_k e^{-n I_k}`
  and the exact asymptotic rate :math:`I^\ast = \min_k I_k`.

The replay is *consistent* (its sequence converges to the latent sequence)
when the mean-field replay equals the latent sequence; otherwise it converges
to the mean-field sequence, a biased estimate (as with E->E plasticity alone
under a random cue).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import fft as sp_fft
from scipy import optimize
from scipy.special import logsumexp

from .activity import cue_step_distribution, firing_probabilities
from .config import BinaryConfig
from .layout import Layout
from .replay import integer_threshold

__all__ = [
    "IntegerDistribution",
    "Condition",
    "Theory",
    "expected_counts",
    "mean_field_replay",
    "increment_distribution",
    "cramer_rate",
    "log_error_probability",
    "analyse",
]

#: margin below which a mean-field drive counts as sitting on the threshold
DEGENERATE_MARGIN = 1e-12


# ---------------------------------------------------------------------------
# Integer-valued distributions
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class IntegerDistribution:
    """A distribution on consecutive integers: ``P(Z = offset + k) = probs[k]``."""

    offset: int
    probs: np.ndarray

    @classmethod
    def point(cls, value: int = 0) -> IntegerDistribution:
        """The distribution of the constant ``value``."""
        return cls(int(value), np.ones(1))

    @classmethod
    def bernoulli_sum(cls, probabilities: Sequence[float]) -> IntegerDistribution:
        """Sum of independent Bernoulli variables (Poisson-binomial)."""
        probs = np.ones(1)
        for p in probabilities:
            probs = np.convolve(probs, [1.0 - p, p])
        return cls(0, probs)

    @property
    def values(self) -> np.ndarray:
        """The integers of the support grid."""
        return self.offset + np.arange(self.probs.size)

    @property
    def mean(self) -> float:
        """Expectation."""
        return float(np.dot(self.values, self.probs))

    @property
    def variance(self) -> float:
        """Variance."""
        return float(np.dot((self.values - self.mean) ** 2, self.probs))

    @property
    def minimum(self) -> int:
        """Smallest value with positive probability."""
        return int(self.values[np.flatnonzero(self.probs > 0)[0]])

    @property
    def maximum(self) -> int:
        """Largest value with positive probability."""
        return int(self.values[np.flatnonzero(self.probs > 0)[-1]])

    def convolve(self, other: IntegerDistribution) -> IntegerDistribution:
        """Distribution of the sum of independent variables."""
        return IntegerDistribution(self.offset + other.offset, np.convolve(self.probs, other.probs))

    def negate(self) -> IntegerDistribution:
        """Distribution of ``-Z``."""
        return IntegerDistribution(-(self.offset + self.probs.size - 1), self.probs[::-1].copy())

    def trimmed(self) -> IntegerDistribution:
        """The same distribution without zero-probability ends."""
        nonzero = np.flatnonzero(self.probs > 0)
        lo, hi = nonzero[0], nonzero[-1]
        return IntegerDistribution(self.offset + int(lo), self.probs[lo:hi + 1].copy())

    def key(self) -> tuple:
        """Hashable identity (for grouping equal conditions)."""
        return (self.offset, np.round(self.probs, 15).tobytes())


def _mixture(parts: Sequence[IntegerDistribution], weights: Sequence[float]) -> IntegerDistribution:
    lo = min(p.offset for p in parts)
    hi = max(p.offset + p.probs.size for p in parts)
    probs = np.zeros(hi - lo)
    for part, weight in zip(parts, weights, strict=True):
        probs[part.offset - lo: part.offset - lo + part.probs.size] += weight * part.probs
    return IntegerDistribution(lo, probs)


# ---------------------------------------------------------------------------
# Mean field
# ---------------------------------------------------------------------------


def _probability_tables(config: BinaryConfig) -> tuple[np.ndarray, np.ndarray]:
    steps, weights = cue_step_distribution(config)
    return firing_probabilities(config, steps), weights


def expected_counts(config: BinaryConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Expected co-activation counts per lap :math:`(\bar C^{EE}, \bar C^{IE}, \bar C^{EI})`.

    :math:`\bar C^{EE}[j,i] = \sum_c P(c) \sum_{s} p_i(s \mid c)\, p_j(s+1 \mid c)`
    (:math:`i \ne j`) and :math:`\bar C^{IE}[j,m] = \sum_c P(c) \sum_s p_j(s\mid c)\,
    p_m(s \mid c)`, with :math:`p_u(s \mid c)` from
    :func:`~neurotoolkit.binary.activity.firing_probabilities`.  By the strong law
    of large numbers :math:`W_n \to \bar C` almost surely.
    """
    layout = Layout.from_config(config)
    probs, weights = _probability_tables(config)
    exc = probs[:, :layout.n_excitatory, :]
    inh = probs[:, layout.n_excitatory:, :]
    ee = np.einsum("c,cjs,cis->ji", weights, exc[:, :, 1:], exc[:, :, :-1])
    np.fill_diagonal(ee, 0.0)
    ie = np.einsum("c,cjs,cms->jm", weights, exc, inh)
    return ee, ie, ie.T.copy()


def mean_field_replay(config: BinaryConfig, n_steps: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Replay of the mean-field network (weights :math:`\bar C`) from the latent start.

    Returns
    -------
    states : ndarray of bool, shape (n_steps + 1, n_excitatory)
        :math:`\bar x(t)`; ``n_steps`` defaults to the number of positions.
    interneurons : ndarray of bool, shape (n_steps + 1, n_interneurons)
        :math:`\bar y(t)`.
    margins : ndarray, shape (n_steps, n_excitatory)
        Mean drive minus threshold of every unit at every step; the sign says
        whether the unit fires, the size how robustly.
    """
    layout = Layout.from_config(config)
    n_pos = layout.n_positions
    n_steps = n_pos if n_steps is None else n_steps
    ee, ie, ei = expected_counts(config)
    theta, theta_i = config.replay.threshold, config.replay.interneuron_threshold
    plastic_ie, plastic_ei = config.plasticity.plastic_ie, config.plasticity.plastic_ei
    start = layout.latent_trajectory(config.cue.placement, config.cue.step(n_pos))[0]
    states = np.zeros((n_steps + 1, layout.n_excitatory), dtype=bool)
    inter = np.zeros((n_steps + 1, layout.n_interneurons), dtype=bool)
    margins = np.zeros((n_steps, layout.n_excitatory))
    x = start
    for t in range(n_steps + 1):
        states[t] = x
        if plastic_ei:
            y = ei @ x - theta_i >= 0
        else:
            y = np.full(layout.n_interneurons, x.any())
        inter[t] = y
        if t == n_steps:
            break
        drive = ee @ x - (ie @ y if plastic_ie else 0.0)
        margins[t] = drive - theta
        x = margins[t] >= 0
    return states, inter, margins


# ---------------------------------------------------------------------------
# Per-lap increments of one condition
# ---------------------------------------------------------------------------


@lru_cache(maxsize=200_000)
def _step_term(fire: float, pre: tuple[float, ...], inh: tuple[float, ...]) -> IntegerDistribution:
    """Distribution of ``B * (P - K)``: B ~ Bern(fire), P, K Poisson-binomial."""
    diff = IntegerDistribution.bernoulli_sum(pre).convolve(
        IntegerDistribution.bernoulli_sum(inh).negate())
    probs = fire * diff.probs
    zero = -diff.offset
    if 0 <= zero < probs.size:
        probs[zero] += 1.0 - fire
        return IntegerDistribution(diff.offset, probs)
    return _mixture([diff, IntegerDistribution.point(0)], [fire, 1.0 - fire])


def increment_distribution(config: BinaryConfig, target: int, presynaptic: np.ndarray,
                           interneurons: np.ndarray, kind: str = "excitatory",
                           ) -> IntegerDistribution:
    r"""Exact distribution of the per-lap increment of one unit's drive.

    For an excitatory ``target`` :math:`j` at a replay state with active
    excitatory set :math:`A` (``presynaptic``) and active interneurons
    :math:`M` (``interneurons``; empty when I->E is static), the increment is

    .. math::

        Z_\ell = \sum_{i \in A \setminus j} C^{EE}_\ell[j,i]
                 - \sum_{m \in M} C^{IE}_\ell[j,m]
               = \sum_{s=0}^{L-1} x_j(s) \Big(\sum_{i \in A\setminus j} x_i(s-1)
                 - \sum_{m \in M} y_m(s)\Big),

    and the drive after :math:`n` laps is :math:`S_n = \sum_{\ell \le n} Z_\ell`.
    Given the cue step :math:`c`, the summands for different :math:`s` involve
    disjoint sets of independent variables, so the distribution of
    :math:`Z_\ell` given :math:`c` is the convolution over :math:`s` of
    :math:`B_s (P_s - K_s)` with :math:`B_s` Bernoulli and :math:`P_s, K_s`
    Poisson-binomial; the law of :math:`Z_\ell` is the mixture over :math:`c`.

    For an interneuron ``target`` :math:`m` (``kind="interneuron"``), the
    increment is :math:`\sum_{i\in A} C^{EI}_\ell[m, i] = \sum_s y_m(s) \sum_{i\in A}
    x_i(s)`.

    Parameters
    ----------
    config : BinaryConfig
    target : int
        Excitatory id, or interneuron index for ``kind="interneuron"``.
    presynaptic : ndarray of bool, shape (n_excitatory,)
    interneurons : ndarray of bool, shape (n_interneurons,)
    kind : {"excitatory", "interneuron"}

    Returns
    -------
    IntegerDistribution
    """
    layout = Layout.from_config(config)
    probs, weights = _probability_tables(config)
    return _increment_distribution(layout, probs, weights, target, presynaptic, interneurons,
                                   kind)


def _increment_distribution(layout: Layout, probs: np.ndarray, weights: np.ndarray, target: int,
                            presynaptic: np.ndarray, interneurons: np.ndarray, kind: str,
                            ) -> IntegerDistribution:
    exc_ids = np.flatnonzero(presynaptic)
    inh_ids = layout.n_excitatory + np.flatnonzero(interneurons)
    if kind == "excitatory":
        exc_ids = exc_ids[exc_ids != target]
        row = target
    elif kind == "interneuron":
        row = layout.n_excitatory + target
    else:
        raise ValueError(f"kind must be 'excitatory' or 'interneuron', got {kind!r}")
    n_pos = layout.n_positions

    def term(table: np.ndarray, s: int) -> IntegerDistribution:
        if kind == "excitatory":
            pre = tuple(table[exc_ids, s - 1]) if s > 0 else ()
            inh = tuple(table[inh_ids, s])
        else:
            pre, inh = tuple(table[exc_ids, s]), ()
        return _step_term(float(table[row, s]), pre, inh)

    def product(terms: Sequence[IntegerDistribution]) -> IntegerDistribution:
        total = IntegerDistribution.point(0)
        for t in terms:
            if t.probs.size > 1 or t.offset:
                total = total.convolve(t)
        return total

    if probs.shape[0] == 1 or n_pos < 3:
        parts = [product([term(table, s) for s in range(n_pos)]) for table in probs]
        return _mixture(parts, weights).trimmed()
    # Random cue: the table of cue step c differs from the others only in column c,
    # and the term of step s reads columns s - 1 and s, so only the terms of steps
    # c and c + 1 depend on c.  The other terms are those of a lap whose cue is at
    # neither column (the table of step s + 1 mod L): convolve them once, as
    # prefix and suffix products.
    baseline = [term(probs[(s + 1) % n_pos], s) for s in range(n_pos)]
    prefix = [IntegerDistribution.point(0)]
    for s in range(n_pos):
        prefix.append(product([prefix[-1], baseline[s]]))
    suffix = [IntegerDistribution.point(0)] * (n_pos + 2)
    for s in range(n_pos - 1, -1, -1):
        suffix[s] = product([baseline[s], suffix[s + 1]])
    parts = []
    for c, table in enumerate(probs):
        special = [term(table, c)] + ([term(table, c + 1)] if c + 1 < n_pos else [])
        parts.append(product([prefix[c]] + special + [suffix[min(c + 2, n_pos)]]))
    return _mixture(parts, weights).trimmed()


# ---------------------------------------------------------------------------
# Large deviations of one condition
# ---------------------------------------------------------------------------


def _log_mgf(values: np.ndarray, logp: np.ndarray, s: float) -> float:
    w = logp + s * values
    top = w.max()
    return float(top + np.log(np.exp(w - top).sum()))


def _tilted_mean(values: np.ndarray, logp: np.ndarray, s: float) -> float:
    w = logp + s * values
    w = np.exp(w - w.max())
    return float(np.dot(values, w) / w.sum())


def cramer_rate(distribution: IntegerDistribution, theta: float, sense: str
                ) -> tuple[float, float]:
    r"""Cramér exponent of the error event of one condition, and its tilt.

    The error event after :math:`n` laps is :math:`S_n \ge \theta n` when the
    unit should stay silent (``sense="silent"``) and :math:`S_n < \theta n` when
    it should fire (``sense="fire"``).  Its exponent is

    .. math::

        I = \Lambda^\ast(\theta) = \sup_{s} \big[s\theta - \Lambda(s)\big],
        \qquad \Lambda(s) = \log E\, e^{s Z},

    with the supremum over :math:`s \ge 0` (silent) or :math:`s \le 0` (fire),
    attained at the tilt :math:`s^\ast` where the tilted mean equals
    :math:`\theta`.  Then :math:`P(\text{error}) \le e^{-nI}` for every
    :math:`n` (Chernoff) and :math:`\frac1n \log P(\text{error}) \to -I`
    (Cramér).

    Returns
    -------
    rate : float
        ``inf`` when the error is impossible, ``0`` when the mean is on the
        wrong side of (or at) the threshold.
    tilt : float
        :math:`s^\ast` (``±inf`` at the edge of the support, ``nan`` if
        impossible).
    """
    dist = distribution.trimmed()
    values = dist.values.astype(float)
    keep = dist.probs > 0
    values, logp = values[keep], np.log(dist.probs[keep])
    mean, z_min, z_max = float(np.dot(values, np.exp(logp))), values[0], values[-1]
    tol = 1e-12 * max(1.0, abs(theta))
    if sense == "silent":
        if theta > z_max + tol:
            return math.inf, math.nan
        if theta <= mean + tol:
            return 0.0, 0.0
        if theta >= z_max - tol:
            return float(-logp[-1]), math.inf
        sign = 1.0
    elif sense == "fire":
        if theta <= z_min + tol:
            return math.inf, math.nan
        if theta >= mean - tol:
            return 0.0, 0.0
        sign = -1.0
    else:
        raise ValueError(f"sense must be 'silent' or 'fire', got {sense!r}")
    span = max(z_max - z_min, 1.0)
    upper = 1.0 / span
    while (_tilted_mean(values, logp, sign * upper) - theta) * sign < 0:
        upper *= 2.0
        if upper > 1e6:  # pragma: no cover - guarded by the support checks
            raise RuntimeError("cramer_rate: tilt did not bracket the threshold")
    tilt = sign * optimize.brentq(
        lambda u: _tilted_mean(values, logp, sign * u) - theta, 0.0, upper,
        xtol=1e-14, rtol=1e-13, maxiter=500)
    rate = tilt * theta - _log_mgf(values, logp, tilt)
    return max(float(rate), 0.0), float(tilt)


def log_error_probability(distribution: IntegerDistribution, theta: float, sense: str,
                          laps: Sequence[int] | np.ndarray) -> np.ndarray:
    r"""Exact log-probability of the error event of one condition after ``n`` laps.

    :math:`S_n` is the sum of :math:`n` i.i.d. copies of the integer increment
    :math:`Z`; its law is the :math:`n`-fold convolution, computed by FFT of
    the exponentially tilted law :math:`\tilde p(z) = p(z) e^{s^\ast z} / M(s^\ast)`
    (tilted so that its mean is the threshold, where the error mass sits):

    .. math::

        P(S_n \in R) = M(s^\ast)^n \sum_{z \in R} \tilde p^{\ast n}(z)\, e^{-s^\ast z},

    with :math:`R = \{z \ge k_n\}` (silent) or :math:`\{z \le k_n - 1\}` (fire),
    :math:`k_n = \lceil \theta n \rceil`.  Without the tilt, round-off of the
    FFT (about :math:`10^{-16}` of the largest probability) would swamp
    probabilities below about :math:`10^{-14}`; with it, the result keeps full
    relative precision however small it is.

    Returns
    -------
    ndarray of float
        :math:`\log P(\text{error})` for each entry of ``laps`` (``-inf`` when
        impossible).
    """
    laps = np.asarray(laps, dtype=np.int64)
    dist = distribution.trimmed()
    rate, tilt = cramer_rate(dist, theta, sense)
    out = np.full(laps.shape, -np.inf)
    if math.isinf(rate):
        return out
    if math.isinf(tilt):  # threshold at the top of the support: all laps at the maximum
        return laps * math.log(dist.probs[-1])
    values = dist.values.astype(float)
    with np.errstate(divide="ignore"):
        logp = np.log(dist.probs)
    log_m = float(logsumexp(logp + tilt * values))
    tilted = np.exp(logp + tilt * values - log_m)
    span = dist.probs.size - 1
    for index, n in enumerate(laps):
        k = integer_threshold(theta, int(n))
        length = int(n) * span + 1
        size = sp_fft.next_fast_len(length, real=True)
        spectrum = sp_fft.rfft(tilted, size) ** int(n)
        conv = np.clip(sp_fft.irfft(spectrum, size)[:length], 0.0, None)
        z = int(n) * dist.offset + np.arange(length)
        region = z >= k if sense == "silent" else z <= k - 1
        if not region.any():
            continue
        weights = conv[region] * np.exp(-tilt * (z[region] - k))
        total = weights.sum()
        if total > 0:
            out[index] = int(n) * log_m - tilt * k + math.log(total)
    return out


# ---------------------------------------------------------------------------
# The theorem for one configuration
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Condition:
    r"""One condition of the theorem: a unit's drive at one mean-field replay step.

    Attributes
    ----------
    step : int
        Replay step ``t``; the condition decides the state at ``t + 1``
        (excitatory) or the interneuron state at ``t`` (interneuron).
    unit : int
        Excitatory id or interneuron index.
    kind : {"excitatory", "interneuron"}
    sense : {"fire", "silent"}
        What the mean-field replay does.
    threshold : float
        ``theta`` or ``theta_I``.
    increment : IntegerDistribution
        Law of the per-lap increment :math:`Z`.
    margin : float
        :math:`E[Z] - \theta` (positive when firing, negative when silent).
    rate : float
        Cramér exponent :math:`I_k`.
    tilt : float
        The optimal exponential tilt :math:`s^\ast`.
    """

    step: int
    unit: int
    kind: str
    sense: str
    threshold: float
    increment: IntegerDistribution
    margin: float
    rate: float
    tilt: float

    @property
    def hoeffding_rate(self) -> float:
        r"""Hoeffding's lower bound on the rate, :math:`2 \mu^2 / (z_{max} - z_{min})^2`."""
        span = self.increment.maximum - self.increment.minimum
        return math.inf if span == 0 else 2.0 * self.margin ** 2 / span ** 2

    def chernoff_bound(self, laps: Sequence[int] | np.ndarray) -> np.ndarray:
        """:math:`e^{-n I_k}` for each ``n`` in ``laps``."""
        return np.exp(-self.rate * np.asarray(laps, dtype=float))

    def log_error_probability(self, laps: Sequence[int] | np.ndarray) -> np.ndarray:
        """Exact :math:`\\log P(A_k)` after each ``n`` in ``laps``."""
        return log_error_probability(self.increment, self.threshold, self.sense, laps)

    def asymptotic_probability(self, laps: Sequence[int] | np.ndarray) -> np.ndarray:
        r"""Bahadur-Rao lattice asymptotics of :math:`P(A_k)` (``docs/theory.md``, Lemma 3).

        .. math::

            P(A_k) \sim \frac{e^{-nI}\, e^{-s^\ast \varphi_n}}
                {\sigma^\ast \sqrt{2\pi n}\, \lvert 1 - e^{-s^\ast}\rvert},
            \qquad \varphi_n = \lceil \theta n \rceil - \theta n,

        with :math:`\sigma^{\ast 2}` the variance of the tilted law.  Valid for a
        threshold inside the support and increments of lattice span 1; ``nan``
        otherwise.
        """
        laps = np.asarray(laps, dtype=float)
        dist = self.increment.trimmed()
        if not math.isfinite(self.tilt) or self.tilt == 0.0:
            return np.full(laps.shape, np.nan)
        values = dist.values.astype(float)
        support = values[dist.probs > 0]
        if np.gcd.reduce(np.diff(support).astype(np.int64)) != 1:
            return np.full(laps.shape, np.nan)
        with np.errstate(divide="ignore"):
            logw = np.log(dist.probs) + self.tilt * values
        w = np.exp(logw - logw.max())
        w /= w.sum()
        mean = float(np.dot(w, values))
        var = float(np.dot(w, (values - mean) ** 2))
        phase = np.array([integer_threshold(self.threshold, int(n)) - self.threshold * n
                          for n in laps])
        return (np.exp(-laps * self.rate - self.tilt * phase)
                / (math.sqrt(2 * math.pi * var) * np.sqrt(laps) * abs(1 - math.exp(-self.tilt))))


@dataclass(frozen=True, eq=False)
class Theory:
    r"""Everything the theorem says about one configuration.

    Attributes
    ----------
    config : BinaryConfig
    latent : ndarray of bool, shape (L + 1, n_excitatory)
        Latent sequence as replay states.
    mean_field : ndarray of bool, shape (L + 1, n_excitatory)
        Mean-field replay :math:`\bar x(t)`, the limit of the replayed sequence.
    mean_field_interneurons : ndarray of bool, shape (L + 1, n_interneurons)
    margins : ndarray, shape (L, n_excitatory)
        Mean drive minus threshold along the mean-field replay.
    conditions : list of Condition
    """

    config: BinaryConfig
    latent: np.ndarray
    mean_field: np.ndarray
    mean_field_interneurons: np.ndarray
    margins: np.ndarray
    conditions: list[Condition] = field(repr=False)

    # -- qualitative statements ------------------------------------------
    @property
    def consistent(self) -> bool:
        """The mean-field replay is the latent sequence (and no margin is zero)."""
        return bool(np.array_equal(self.mean_field, self.latent)) and not self.degenerate

    @property
    def degenerate(self) -> bool:
        """Some mean-field drive sits exactly on its threshold (assumption A2 fails)."""
        return any(abs(c.margin) < DEGENERATE_MARGIN for c in self.conditions)

    @property
    def cue_in_limit(self) -> bool:
        """Cue units fire somewhere in the mean-field replay."""
        layout = Layout.from_config(self.config)
        return bool(self.mean_field[:, layout.cue].any())

    @property
    def rate(self) -> float:
        r""":math:`I^\ast = \min_k I_k`, the rate of the upper bound (exact when
        :attr:`rate_is_exact`)."""
        return min((c.rate for c in self.conditions), default=math.inf)

    @property
    def rate_is_exact(self) -> bool:
        r""":math:`I^\ast` is the exact rate: there are no interneuron conditions (static
        E->I), or the smallest excitatory rate is below every interneuron rate."""
        exc = min((c.rate for c in self.conditions if c.kind == "excitatory"), default=math.inf)
        inh = min((c.rate for c in self.conditions if c.kind == "interneuron"), default=math.inf)
        return math.isinf(inh) or exc < inh

    def dominant(self, count: int = 5) -> list[Condition]:
        """The ``count`` conditions of smallest rate."""
        return sorted(self.conditions, key=lambda c: c.rate)[:count]

    def groups(self) -> list[tuple[Condition, int]]:
        """Distinct conditions (same increment law, threshold and sense), with multiplicity."""
        seen: dict[tuple, list] = {}
        for c in self.conditions:
            key = (c.kind, c.sense, c.threshold) + c.increment.key()
            if key in seen:
                seen[key][1] += 1
            else:
                seen[key] = [c, 1]
        return [(c, m) for c, m in seen.values()]

    # -- quantitative statements -----------------------------------------
    def chernoff_bound(self, laps: Sequence[int] | np.ndarray) -> np.ndarray:
        r""":math:`B(n) = \sum_k e^{-n I_k}` (capped at 1): the theorem's bound."""
        laps = np.asarray(laps, dtype=float)
        total = np.zeros(laps.shape)
        for condition, multiplicity in self.groups():
            total += multiplicity * condition.chernoff_bound(laps)
        return np.minimum(total, 1.0)

    def error_bounds(self, laps: Sequence[int] | np.ndarray, window: float = 25.0
                     ) -> tuple[np.ndarray, np.ndarray]:
        r"""Exact bracket of :math:`P_n` = P(replayed sequence differs from the mean-field one).

        Lower: :math:`\max_{k \in K_E} P(A_k) - \sum_{k \in K_I} P(A_k)`;
        upper: :math:`\sum_k P(A_k)` (capped at 1).  :math:`P(A_k)` is computed
        exactly for every condition with :math:`n (I_k - I^\ast) \le` ``window``;
        the others (negligible by a factor :math:`e^{-25}` or more) enter the
        upper bound by their Chernoff bound, so both bounds stay rigorous.

        Returns
        -------
        lower, upper : ndarray
        """
        laps = np.asarray(laps, dtype=np.int64)
        best = self.rate
        lower = np.zeros(laps.shape)
        upper = np.zeros(laps.shape)
        interneuron = np.zeros(laps.shape)
        for condition, multiplicity in self.groups():
            if math.isinf(condition.rate):
                continue
            exact = laps * (condition.rate - best) <= window
            prob = condition.chernoff_bound(laps)
            if exact.any():
                prob[exact] = np.exp(condition.log_error_probability(laps[exact]))
            upper += multiplicity * prob
            if condition.kind == "excitatory":
                lower = np.maximum(lower, np.where(exact, prob, 0.0))
            else:
                interneuron += multiplicity * prob
        return np.clip(lower - interneuron, 0.0, 1.0), np.minimum(upper, 1.0)

    def summary(self) -> dict[str, float]:
        """Numbers for metrics and tables."""
        dominant = self.dominant(1)
        out = {
            "consistent": float(self.consistent),
            "cue_in_limit": float(self.cue_in_limit),
            "degenerate": float(self.degenerate),
            "rate": float(self.rate),
            "rate_is_exact": float(self.rate_is_exact),
            "n_conditions": float(len(self.conditions)),
            "n_distinct_conditions": float(len(self.groups())),
        }
        if dominant:
            c = dominant[0]
            out.update({"dominant_step": float(c.step), "dominant_unit": float(c.unit),
                        "dominant_margin": float(c.margin),
                        "dominant_hoeffding_rate": float(c.hoeffding_rate)})
        return out


def analyse(config: BinaryConfig) -> Theory:
    """Compute the theorem's quantities for ``config`` (see :class:`Theory`).

    Builds the mean-field replay over ``L`` steps from the latent start, then one
    condition per step and excitatory unit (and per step and interneuron with
    plastic E->I), each with its exact increment law and Cramér exponent.
    """
    layout = Layout.from_config(config)
    n_pos = layout.n_positions
    latent = layout.latent_trajectory(config.cue.placement, config.cue.step(n_pos))
    states, inter, margins = mean_field_replay(config, n_pos)
    theta, theta_i = config.replay.threshold, config.replay.interneuron_threshold
    probs, weights = _probability_tables(config)
    no_inhibition = np.zeros(layout.n_interneurons, dtype=bool)
    conditions: list[Condition] = []
    for t in range(n_pos):
        active_inh = inter[t] if config.plasticity.plastic_ie else no_inhibition
        for j in range(layout.n_excitatory):
            dist = _increment_distribution(layout, probs, weights, j, states[t], active_inh,
                                           "excitatory")
            sense = "fire" if states[t + 1, j] else "silent"
            rate, tilt = cramer_rate(dist, theta, sense)
            conditions.append(Condition(t, j, "excitatory", sense, theta, dist,
                                        dist.mean - theta, rate, tilt))
        if config.plasticity.plastic_ei:
            for m in range(layout.n_interneurons):
                dist = _increment_distribution(layout, probs, weights, m, states[t],
                                               no_inhibition, "interneuron")
                sense = "fire" if inter[t, m] else "silent"
                rate, tilt = cramer_rate(dist, theta_i, sense)
                conditions.append(Condition(t, m, "interneuron", sense, theta_i, dist,
                                            dist.mean - theta_i, rate, tilt))
    return Theory(config, latent, states, inter, margins, conditions)
