r"""The convergence experiment: how often is the replayed sequence wrong after n laps?

For each of ``n_networks`` independently seeded networks, laps are drawn once
(up to the largest lap count) and the co-activation counts are accumulated; at
each lap count ``n`` of the grid the network with weights :math:`W_n` replays
from the latent start for ``L`` steps, and the replay is *wrong* when any of its
``L + 1`` states differs from the latent sequence (the units tuned to each
position, then silence).  The fraction of wrong networks estimates
:math:`P_n(\text{wrong})`.  Every pathway set replays the same drawn laps
(common random numbers): the online activity does not depend on which
pathways learn, so the comparison between sets is paired.

The decay rate is fitted to the measured probabilities with the form the
theorem gives for a lattice large-deviation probability (Bahadur-Rao),
:math:`P_n \approx A\, n^{-1/2} e^{-I n} e^{-s \varphi_n}`, where
:math:`\varphi_n` is the rounding of the integer threshold
(:func:`fit_decay_rate`), over the lap counts where :math:`\hat P_n \le`
``fit_max_probability`` (away from the saturation of the union) with at least
``fit_min_errors`` wrong networks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .activity import draw_laps_batch, network_seeds
from .config import BinaryConfig
from .layout import Layout
from .learning import Counts, cumulative_counts
from .replay import integer_threshold, run_replay

__all__ = ["ConvergenceData", "RateFit", "simulate_convergence", "fit_decay_rate",
           "lattice_phase", "condition_events"]


@dataclass
class ConvergenceData:
    """Measured outcomes of the convergence experiment.

    Attributes
    ----------
    laps : ndarray of int, shape (K,)
    pathways : list of str
    wrong : dict of str to ndarray of bool, shape (n_networks, K)
        Replay differs from the latent sequence.
    cue_participation : dict of str to ndarray, shape (n_networks, K)
        Fraction of cue units that fire in the replay.
    place_participation : dict of str to ndarray, shape (n_networks, K)
        Fraction of place units that fire in the replay.
    events : dict of str to ndarray of bool, shape (n_conditions, n_networks, K)
        For the conditions passed to :func:`simulate_convergence`, whether each
        condition's error event happened (the learned drive at the mean-field
        state on the wrong side of the threshold).
    n_networks : int
    wall_time_s : float
    """

    laps: np.ndarray
    pathways: list[str]
    wrong: dict[str, np.ndarray]
    cue_participation: dict[str, np.ndarray]
    place_participation: dict[str, np.ndarray]
    events: dict[str, np.ndarray] = field(default_factory=dict)
    n_networks: int = 0
    wall_time_s: float = math.nan

    def error_probability(self, pathways: str) -> np.ndarray:
        """Measured :math:`\\hat P_n(\\text{wrong})` for each lap count."""
        return self.wrong[pathways].mean(axis=0)


def condition_events(counts: Counts, conditions: Sequence, *, plastic_ie: bool,
                     states: np.ndarray, interneurons: np.ndarray) -> np.ndarray:
    """Whether each condition's error event happened in each network.

    Parameters
    ----------
    counts : Counts
        Cumulative counts, arrays of shape (n_networks, K, ...).
    conditions : sequence of Condition
        From :func:`~neurotoolkit.binary.theory.analyse`.
    plastic_ie : bool
    states, interneurons : ndarray of bool
        Mean-field replay states (from the same analysis).

    Returns
    -------
    ndarray of bool, shape (len(conditions), n_networks, K)
    """
    laps = np.asarray(counts.n_laps)
    out = []
    for c in conditions:
        pre = states[c.step]
        if c.kind == "excitatory":
            pre = pre.copy()
            pre[c.unit] = False
            drive = counts.ee[..., c.unit, :] @ pre.astype(np.int64)
            if plastic_ie:
                drive = drive - counts.ie[..., c.unit, :] @ interneurons[c.step].astype(np.int64)
        else:
            drive = counts.ei[..., c.unit, :] @ pre.astype(np.int64)
        k = np.array([integer_threshold(c.threshold, int(n)) for n in laps])
        fires = drive >= k
        out.append(fires != (c.sense == "fire"))
    return np.stack(out)


def simulate_convergence(config: BinaryConfig, seed: int, laps: Sequence[int],
                         pathways: Sequence[str], n_networks: int, chunk: int = 100,
                         conditions: dict[str, tuple] | None = None,
                         progress: Callable[[int, int], None] | None = None,
                         ) -> ConvergenceData:
    """Train ``n_networks`` networks and replay them at each lap count.

    Parameters
    ----------
    config : BinaryConfig
        Model parameters (its ``plasticity.pathways`` is replaced by each entry
        of ``pathways``).
    seed : int
        Network ``i`` uses child ``i`` of ``SeedSequence(seed)``.
    laps : sequence of int
        Lap counts, ascending.
    pathways : sequence of str
        Pathway sets to replay with.
    n_networks : int
    chunk : int
        Networks simulated together.
    conditions : dict, optional
        Per pathway set, ``(conditions, states, interneurons)`` of the theory,
        to record their error events in :attr:`ConvergenceData.events`.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk.

    Returns
    -------
    ConvergenceData
    """
    import time

    started = time.perf_counter()
    layout = Layout.from_config(config)
    laps = np.asarray(sorted(laps), dtype=np.int64)
    n_max = int(laps[-1])
    n_pos = layout.n_positions
    latent = layout.latent_trajectory(config.cue.placement, config.cue.step(n_pos))
    seeds = network_seeds(seed, n_networks)
    wrong = {p: np.zeros((n_networks, laps.size), dtype=bool) for p in pathways}
    cue_part = {p: np.zeros((n_networks, laps.size)) for p in pathways}
    place_part = {p: np.zeros((n_networks, laps.size)) for p in pathways}
    events: dict[str, list[np.ndarray]] = {p: [] for p in (conditions or {})}
    for lo in range(0, n_networks, chunk):
        hi = min(lo + chunk, n_networks)
        _, activity = draw_laps_batch(config, seeds[lo:hi], n_max)
        counts = cumulative_counts(activity, layout, laps)
        del activity
        for p in pathways:
            plastic_ie, plastic_ei = "IE" in p, "EI" in p
            states, _ = run_replay(counts, latent[0], n_pos,
                                   theta=config.replay.threshold,
                                   theta_interneuron=config.replay.interneuron_threshold,
                                   plastic_ie=plastic_ie, plastic_ei=plastic_ei)
            wrong[p][lo:hi] = (states != latent).any(axis=(-1, -2))
            fired = states.any(axis=-2)
            if layout.n_cue:
                cue_part[p][lo:hi] = fired[..., layout.cue].mean(axis=-1)
            else:
                cue_part[p][lo:hi] = np.nan
            place_part[p][lo:hi] = fired[..., layout.place].mean(axis=-1)
            if conditions and p in conditions:
                conds, mf_states, mf_inter = conditions[p]
                events[p].append(condition_events(counts, conds, plastic_ie=plastic_ie,
                                                  states=mf_states, interneurons=mf_inter))
        if progress is not None:
            progress(hi, n_networks)
    return ConvergenceData(
        laps=laps, pathways=list(pathways), wrong=wrong, cue_participation=cue_part,
        place_participation=place_part,
        events={p: np.concatenate(v, axis=1) for p, v in events.items() if v},
        n_networks=n_networks, wall_time_s=time.perf_counter() - started)


@dataclass(frozen=True)
class RateFit:
    r"""A fitted exponential decay :math:`P_n \approx A n^{-1/2} e^{-I n} e^{-s \varphi_n}`.

    Attributes
    ----------
    rate : float
        :math:`I` (``nan`` if too few lap counts qualified).
    log_prefactor : float
        :math:`\log A`.
    tilt : float
        :math:`s`, the lattice coefficient (``nan`` for the fit without it).
    laps_used : ndarray of int
        Lap counts that entered the fit.
    threshold : float or None
        :math:`\theta` of the lattice phase :math:`\varphi_n`, ``None`` without it.
    """

    rate: float
    log_prefactor: float
    tilt: float
    laps_used: np.ndarray
    threshold: float | None = None

    def __call__(self, laps: Sequence[int] | np.ndarray) -> np.ndarray:
        """The fitted probability at each lap count."""
        n = np.asarray(laps, dtype=float)
        log_p = self.log_prefactor - self.rate * n - 0.5 * np.log(n)
        if self.threshold is not None:
            log_p = log_p - self.tilt * lattice_phase(self.threshold, n)
        return np.exp(log_p)


def lattice_phase(theta: float, laps: Sequence[int] | np.ndarray) -> np.ndarray:
    r""":math:`\varphi_n = \lceil \theta n \rceil - \theta n \in [0, 1)`, the rounding of the
    integer threshold (:func:`~neurotoolkit.binary.replay.integer_threshold`)."""
    laps = np.asarray(laps)
    return np.array([integer_threshold(theta, int(n)) - theta * float(n) for n in laps.ravel()]
                    ).reshape(laps.shape)


def fit_decay_rate(laps: Sequence[int], errors: Sequence[int], n_networks: int,
                   max_probability: float = 0.3, min_errors: int = 10,
                   threshold: float | None = None) -> RateFit:
    r"""Fit the decay rate of measured error probabilities.

    Weighted least squares of

    .. math::

        \log(k_n / N) + \tfrac12 \log n = \log A - I n \; [- s\,\varphi_n]

    over the lap counts with :math:`k_n \ge` ``min_errors`` and
    :math:`k_n / N \le` ``max_probability``, weights :math:`k_n` (the
    delta-method variance of :math:`\log \hat P` is about :math:`1/k_n`).

    With ``threshold`` given, the lattice phase :math:`\varphi_n = \lceil\theta
    n\rceil - \theta n` enters as a second regressor.  For an integer-valued
    random walk the exact asymptotics (Bahadur-Rao for lattice laws) are
    :math:`P_n \sim C n^{-1/2} e^{-I n} e^{-s^\ast \varphi_n}`: the integer
    threshold makes :math:`P_n` a saw-tooth of period :math:`1/\theta` laps,
    which biases a plain exponential fit over a window of a few periods.  The
    coefficient :math:`s` is fitted, not taken from the theory.

    Parameters
    ----------
    laps : sequence of int
    errors : sequence of int
        Wrong replays :math:`k_n` out of ``n_networks`` at each lap count.
    n_networks : int
    max_probability : float
    min_errors : int
    threshold : float, optional
        :math:`\theta`, to include the lattice phase.

    Returns
    -------
    RateFit
    """
    laps = np.asarray(laps, dtype=float)
    errors = np.asarray(errors, dtype=float)
    p = errors / n_networks
    use = (errors >= min_errors) & (p <= max_probability)
    n_params = 2 if threshold is None else 3
    if use.sum() < n_params + 1:
        return RateFit(math.nan, math.nan, math.nan, laps[use].astype(np.int64), threshold)
    n = laps[use]
    columns = [np.ones(n.size), -n]
    if threshold is not None:
        columns.append(-lattice_phase(threshold, n))
    design = np.column_stack(columns)
    target = np.log(p[use]) + 0.5 * np.log(n)
    w = np.sqrt(errors[use])
    coef, *_ = np.linalg.lstsq(design * w[:, None], target * w, rcond=None)
    tilt = float(coef[2]) if threshold is not None else math.nan
    return RateFit(float(coef[1]), float(coef[0]), tilt, n.astype(np.int64), threshold)
