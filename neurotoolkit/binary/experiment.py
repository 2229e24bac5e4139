"""Experiments of the binary level, as registered with the runner.

``consolidation``
    One network: online laps, Hebbian learning, ``n_replays`` offline replays,
    then the shared analysis (participation by class, replay orders, sequence
    distance and its shuffle level, rank-order significance, place-cue count
    correlation) and the theorem's predictions for this network's lap count.
``convergence``
    Many networks (``convergence.n_networks``) at every lap count of the grid,
    for several pathway sets: the measured probability of a wrong replayed
    sequence against the theorem's exact bracket and Chernoff bound, and the
    fitted decay rate against the exact Cramér rate.

Metric names shared with the other levels are documented in DESIGN.md; the
binary-only ones are listed in :data:`BINARY_METRICS`.
"""

from __future__ import annotations

import dataclasses
import io
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import binom

from ..analysis import (
    compute_sequence_distances,
    event_orders,
    participation_by_class,
    place_cue_count_correlation,
    score_rank_order,
)
from ..plasticity.pathways import pathway_key
from ..results import RunResult
from .activity import child_seeds
from .config import BinaryConfig
from .consolidation import consolidate_network
from .convergence import ConvergenceData, fit_decay_rate, simulate_convergence
from .layout import LABEL_CUE, LABEL_PLACE, Layout
from .network import (
    Replays,
    TrainedNetwork,
    replay_network,
    replay_weights,
    to_recording,
    train_network,
)
from .replay import run_replay
from .theory import Theory, analyse

__all__ = ["BINARY_METRICS", "run_consolidation", "run_convergence", "consolidation_metrics",
           "convergence_table"]

#: Binary-level metrics of a consolidation run (beside the shared keys).
BINARY_METRICS = {
    "n_laps": "laps run online",
    "replay_exact": "1 if the noise-free replay from position 0 is exactly the latent sequence",
    "cue_in_exact_replay": "fraction of cue units firing in that replay",
    "p_wrong_lower": "theorem: exact lower bound on P(wrong replayed sequence) at n_laps",
    "p_wrong_upper": "theorem: exact union upper bound on P(wrong) at n_laps",
    "p_wrong_chernoff": "theorem: Chernoff bound sum_k exp(-n I_k) at n_laps",
    "theory_rate": "theorem: exact asymptotic decay rate I* = min_k I_k",
    "theory_consistent": "1 if the mean-field replay is the latent sequence",
    "theory_cue_in_limit": "1 if cue units fire in the mean-field replay",
    "n_significant_tested": "replays with at least 5 latent cells (testable for significance)",
}

#: Binomial tail below which a measured count contradicts a bound of the theorem.
VIOLATION_TAIL = 1e-5

_SIGNIFICANCE_SHUFFLES = 500
_ALPHA = 0.05


# ---------------------------------------------------------------------------
# Consolidation
# ---------------------------------------------------------------------------


def consolidation_metrics(network: TrainedNetwork, replays: Replays, recording: Any,
                          rng: np.random.Generator) -> dict[str, float]:
    """The shared consolidation metrics, computed with ``neurotoolkit.analysis``.

    Each replay is one event with known boundaries.  ``significant_fraction``
    is the fraction of all replays whose rank-order correlation with the latent
    order beats a cell-identity shuffle (500 permutations, p <= 0.05; replays
    with fewer than 5 latent cells cannot reach it and count as not
    significant).  ``sequence_distance`` is the mean over replays with at least
    3 latent cells of the normalised Kendall distance (better of forward and
    reverse), ``sequence_distance_chance`` its shuffle level.
    ``place_cue_count_correlation`` uses one-step bins over the offline phase.
    """
    layout = network.layout
    events = recording.intervals["replays"]
    by_class = participation_by_class(recording, events, labels=(LABEL_PLACE, LABEL_CUE))
    place_p, cue_p = by_class[LABEL_PLACE], by_class[LABEL_CUE]
    excitatory = np.arange(layout.n_excitatory)
    orders = event_orders(recording, events, cells=excitatory, by="first", min_cells=1)
    latent = recording.latent_order
    distances = compute_sequence_distances(orders, latent, min_cells=3,
                                           n_chance_shuffles=100, rng=rng)
    ranked = score_rank_order(orders, latent, n_shuffles=_SIGNIFICANCE_SHUFFLES, min_cells=5,
                              rng=rng)
    significant = np.nan_to_num(ranked.p_value, nan=1.0) <= _ALPHA
    t0, t1 = recording.phase("offline")
    correlation = (place_cue_count_correlation(recording, t0, t1, bin_size=1.0)
                   if layout.n_cue else math.nan)
    weights = replay_weights(network)
    w_ie = weights["IE"]
    return {
        "n_replay_events": float(events.shape[0]),
        "significant_fraction": float(significant.mean()) if events.shape[0] else math.nan,
        "n_significant_tested": float(np.isfinite(ranked.p_value).sum()),
        "place_participation": place_p,
        "cue_participation": cue_p,
        "participation_ratio": (cue_p / place_p if place_p and np.isfinite(place_p)
                                else math.nan),
        "w_ie_cue_mean": float(w_ie[layout.cue].mean()) if layout.n_cue and w_ie.size
        else math.nan,
        "w_ie_place_mean": float(w_ie[layout.place].mean()) if w_ie.size else math.nan,
        "sequence_distance": distances.mean_kendall,
        "sequence_distance_chance": distances.chance,
        "place_cue_count_correlation": correlation,
    }


def _exact_replay(network: TrainedNetwork) -> tuple[bool, float]:
    cfg, layout = network.config, network.layout
    latent = network.latent_trajectory()
    states, _ = run_replay(network.counts, latent[0], layout.n_positions,
                           theta=cfg.replay.threshold,
                           theta_interneuron=cfg.replay.interneuron_threshold,
                           plastic_ie=cfg.plasticity.plastic_ie,
                           plastic_ei=cfg.plasticity.plastic_ei)
    cue = float(states[:, layout.cue].any(axis=0).mean()) if layout.n_cue else math.nan
    return bool(np.array_equal(states, latent)), cue


def _theory_metrics(theory: Theory, n_laps: int) -> dict[str, float]:
    lower, upper = theory.error_bounds([n_laps])
    chernoff = theory.chernoff_bound([n_laps])
    if not theory.consistent:  # the replay converges to a biased sequence
        lower, upper, chernoff = 1.0 - upper, np.ones(1), np.full(1, math.nan)
    return {"p_wrong_lower": float(lower[0]), "p_wrong_upper": float(upper[0]),
            "p_wrong_chernoff": float(chernoff[0]),
            "theory_rate": float(theory.rate) if theory.consistent else math.nan,
            "theory_consistent": float(theory.consistent),
            "theory_cue_in_limit": float(theory.cue_in_limit)}


def run_consolidation(config: BinaryConfig, *, level: str = "binary", seed: int = 1,
                      device: str = "runtime", workdir: Path | None = None,
                      quiet: bool = True) -> RunResult:
    """Train one network, replay it, analyse the replays (runner entry point).

    ``level``, ``device`` and ``workdir`` are accepted for the runner's
    signature; the binary level is numpy only.  Network randomness comes from
    child 0 of ``SeedSequence(seed)``, replay and analysis randomness from
    child 1.

    Returns
    -------
    RunResult
        Metrics, the Recording and ``replays.csv``; the trained network and
        its replays in ``artefacts``, from which the runner draws the figure
        ``binary_consolidation`` (:mod:`neurotoolkit.plotting.binary`).
    """
    network_seed, analysis_seed, downstream_seed = child_seeds(np.random.SeedSequence(seed), 3)
    network = train_network(config, network_seed)
    rng = np.random.Generator(np.random.PCG64(analysis_seed))
    replays = replay_network(network, rng)
    recording = to_recording(network, replays)
    metrics = consolidation_metrics(network, replays, recording, rng)
    # the downstream population learns from the replays (its own random stream)
    readout = consolidate_network(network, replays, config.downstream,
                                  np.random.Generator(np.random.PCG64(downstream_seed)))
    metrics.update(readout.metrics)
    post, pre = np.nonzero(np.ones(readout.weights.shape, dtype=bool))
    recording = dataclasses.replace(recording, weights={
        **recording.weights, "FF": (pre, post, readout.weights[post, pre])})
    exact, cue_exact = _exact_replay(network)
    metrics.update({"n_laps": float(config.track.n_laps), "replay_exact": float(exact),
                    "cue_in_exact_replay": cue_exact})
    metrics.update(_theory_metrics(analyse(config), config.track.n_laps))
    if not quiet:
        print(f"binary consolidation: {config.plasticity.pathways}, cue {config.cue.placement}, "
              f"{config.track.n_laps} laps, {replays.starts.size} replays", file=sys.stderr)
    return RunResult(metrics=metrics, recording=recording,
                     tables={"replays.csv": _replay_table(network, replays)}, config=config,
                     artefacts={"network": network, "replays": replays})


def _replay_table(network: TrainedNetwork, replays: Replays) -> str:
    layout = network.layout
    out = io.StringIO()
    out.write("replay,start,length,n_place_units,n_cue_units,cue_fired\n")
    for r, start in enumerate(replays.starts):
        states = replays.excitatory[r]
        active_steps = np.flatnonzero(states.any(axis=1))
        length = int(active_steps[-1]) + 1 if active_steps.size else 0
        fired = states.any(axis=0)
        n_cue = int(fired[layout.cue].sum())
        out.write(f"{r},{int(start)},{length},{int(fired[layout.place].sum())},{n_cue},"
                  f"{int(n_cue > 0)}\n")
    return out.getvalue()


# ---------------------------------------------------------------------------
# Convergence
# ---------------------------------------------------------------------------


def _wilson(k: np.ndarray, n: int, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # the interval contains p (exactly, not just up to rounding)
    return np.clip(np.minimum(centre - half, p), 0, 1), np.clip(np.maximum(centre + half, p), 0, 1)


def _binomial_tail(k: np.ndarray, n: int, p: np.ndarray) -> np.ndarray:
    """P(X >= k) for X ~ Binomial(n, p)."""
    return binom.sf(np.asarray(k) - 1, n, np.clip(p, 0.0, 1.0))


def convergence_table(config: BinaryConfig, data: ConvergenceData,
                      theories: dict[str, Theory]) -> tuple[str, dict[str, float], dict]:
    r"""CSV table, metrics and curves of a convergence experiment.

    For a consistent pathway set (mean-field replay = latent sequence), the
    theorem's exact bracket ``[exact_lower, exact_upper]`` and Chernoff bound
    apply to :math:`P_n(\text{wrong})`; for a biased set only
    :math:`P_n(\text{wrong}) \ge 1 - P_n(\text{replay} \ne \text{mean field})`.

    Metrics per pathway set (suffix ``_EE``, ``_EE_IE``, ...): ``fitted_rate``
    (lattice Bahadur-Rao form, :func:`fit_decay_rate` with the threshold) and
    ``fitted_rate_simple`` (without the lattice term) against ``theory_rate``;
    ``chernoff_exceedances`` counts lap counts where the measured probability is
    above the Chernoff bound (a single wrong network exceeds a bound below
    ``1 / n_networks``, which the theory allows); ``chernoff_violations``,
    ``union_violations`` and ``below_lower`` count lap counts where the number
    of wrong networks is significantly above the Chernoff bound, above the exact
    upper bound, or below the exact lower bound (binomial tail below
    :data:`VIOLATION_TAIL`, a family-wise false alarm below 1e-3 over 100 lap
    counts).
    """
    laps = data.laps
    n_net = data.n_networks
    conv = config.convergence
    theta = config.replay.threshold
    rows = ["pathways,laps,n_networks,errors,p_wrong,p_wrong_ci_low,p_wrong_ci_high,"
            "exact_lower,exact_upper,chernoff_bound,cue_participation,place_participation,"
            "theory_rate,fitted_rate,in_fit"]
    metrics: dict[str, float] = {}
    curves: dict[str, dict[str, Any]] = {}
    for p in data.pathways:
        theory = theories[p]
        errors = data.wrong[p].sum(axis=0)
        prob = errors / n_net
        lo_ci, hi_ci = _wilson(errors, n_net)
        lower, upper = theory.error_bounds(laps)
        chernoff = theory.chernoff_bound(laps)
        consistent = theory.consistent
        if not consistent:
            lower, upper = 1.0 - upper, np.ones(laps.shape)
            chernoff = np.full(laps.shape, np.nan)
        fit = fit_decay_rate(laps, errors, n_net, conv.fit_max_probability, conv.fit_min_errors,
                             threshold=theta)
        simple = fit_decay_rate(laps, errors, n_net, conv.fit_max_probability,
                                conv.fit_min_errors)
        in_fit = np.isin(laps, fit.laps_used)
        rate = theory.rate if consistent else math.nan
        cue = data.cue_participation[p].mean(axis=0)
        place = data.place_participation[p].mean(axis=0)
        for i, n in enumerate(laps):
            rows.append(f"{p},{n},{n_net},{errors[i]},{prob[i]:.6g},{lo_ci[i]:.6g},"
                        f"{hi_ci[i]:.6g},{lower[i]:.6g},{upper[i]:.6g},{chernoff[i]:.6g},"
                        f"{cue[i]:.6g},{place[i]:.6g},{rate:.6g},{fit.rate:.6g},{int(in_fit[i])}")
        k = pathway_key(p)
        with np.errstate(invalid="ignore", divide="ignore"):
            metrics.update({
                f"consistent_{k}": float(consistent),
                f"cue_in_limit_{k}": float(theory.cue_in_limit),
                f"theory_rate_{k}": float(rate),
                f"theory_tilt_{k}": float(theory.dominant(1)[0].tilt) if consistent else math.nan,
                f"fitted_rate_{k}": fit.rate,
                f"fitted_tilt_{k}": fit.tilt,
                f"fitted_rate_rel_error_{k}": fit.rate / rate - 1.0 if consistent else math.nan,
                f"fitted_rate_simple_{k}": simple.rate,
                f"fitted_rate_simple_rel_error_{k}": simple.rate / rate - 1.0
                if consistent else math.nan,
                f"fit_laps_min_{k}": float(fit.laps_used.min()) if fit.laps_used.size else math.nan,
                f"fit_laps_max_{k}": float(fit.laps_used.max()) if fit.laps_used.size else math.nan,
                f"chernoff_exceedances_{k}": float(np.sum(prob > chernoff)) if consistent
                else math.nan,
                f"chernoff_violations_{k}": float(np.sum(
                    _binomial_tail(errors, n_net, chernoff) < VIOLATION_TAIL)) if consistent
                else math.nan,
                f"union_violations_{k}": float(np.sum(
                    _binomial_tail(errors, n_net, upper) < VIOLATION_TAIL)),
                f"below_lower_{k}": float(np.sum(
                    _binomial_tail(n_net - errors, n_net, 1.0 - lower) < VIOLATION_TAIL)),
                f"p_wrong_first_{k}": float(prob[0]),
                f"p_wrong_last_{k}": float(prob[-1]),
                f"cue_participation_first_{k}": float(cue[0]),
                f"cue_participation_last_{k}": float(cue[-1]),
            })
        curves[p] = {"p": prob, "errors": errors, "lo": lo_ci, "hi": hi_ci, "lower": lower,
                     "upper": upper, "chernoff": chernoff, "cue": cue, "place": place,
                     "rate": rate, "consistent": consistent, "fit": fit}
    return "\n".join(rows) + "\n", metrics, curves


def run_convergence(config: BinaryConfig, *, level: str = "binary", seed: int = 1,
                    device: str = "runtime", workdir: Path | None = None,
                    quiet: bool = True) -> RunResult:
    """The convergence experiment (runner entry point; see the module docstring).

    Returns
    -------
    RunResult
        Metrics per pathway set (suffix ``_EE``, ``_EE_IE``, ...), the table
        ``convergence.csv``; the lap grid and curves in ``artefacts``, from
        which the runner draws the figure ``binary_convergence``
        (:mod:`neurotoolkit.plotting.binary`).
    """
    started = time.perf_counter()
    conv = config.convergence
    laps = conv.lap_grid()
    progress = None
    if not quiet:
        def progress(done: int, total: int) -> None:
            print(f"\rconvergence: {done}/{total} networks", end="" if done < total else "\n",
                  file=sys.stderr, flush=True)
    data = simulate_convergence(config, seed, laps, conv.pathways, conv.n_networks,
                                chunk=conv.chunk, progress=progress)
    theories = {p: analyse(config.with_overrides({"plasticity.pathways": p}))
                for p in conv.pathways}
    table, metrics, curves = convergence_table(config, data, theories)
    wall = time.perf_counter() - started
    layout = Layout.from_config(config)
    metrics.update({"n_networks": float(conv.n_networks), "max_laps": float(max(laps)),
                    "n_lap_counts": float(len(laps)), "simulation_time_s": data.wall_time_s,
                    "laps_units_per_s": conv.n_networks * max(laps) * layout.n_total
                    / data.wall_time_s,
                    "wall_time_s": wall})
    return RunResult(metrics=metrics, recording=None, tables={"convergence.csv": table},
                     config=config, artefacts={"laps": data.laps, "curves": curves,
                                               "n_networks": conv.n_networks})
