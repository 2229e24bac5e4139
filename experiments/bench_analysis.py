"""Benchmark: decode and shuffle-test replay events, vectorised vs a per-shuffle loop.

Synthetic replay (100 events of 200 cells by default) is decoded and scored
against 1000 shuffles of each kind (cell identity, place-field rotation, time
bin), as ``score_replay_events`` does it: all shuffles of an event in one
batch.  In the same run a straightforward loop does the same work one shuffle
at a time with the single-event functions (``decode``,
``weighted_correlation``, ``line_fit_score``) on a subset of the events, with
the *same* shuffles, and the p-values of the two are compared.

Usage::

    python experiments/bench_analysis.py [--quick] [--json PATH]

Reports seconds, shuffles per second, the speed-up over the loop, and peak
memory (process peak RSS, and the peak traced allocation of the vectorised
scoring of one event batch).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
import tracemalloc

import numpy as np

from neurotoolkit.analysis import (
    SHUFFLES,
    bin_event_spikes,
    compute_tuning_curves,
    decode,
    generate_synthetic_replay,
    line_fit_score,
    score_replay_events,
    shuffle_p_value,
    weighted_correlation,
)
from neurotoolkit.analysis.shuffles import _draw_shuffles

SEED = 20261129
BIN_S = 0.02
N_POS = 50
BAND = 3


def make_data(n_cells: int, n_events: int):
    syn = generate_synthetic_replay(n_cells, n_events,
                                    ("forward", "reverse", "random", "stationary", "noise"),
                                    rng=SEED)
    rec = syn.recording
    tuning = compute_tuning_curves(rec, n_bins=N_POS, smoothing=5.0,
                                   track_range=(0, syn.track_length))
    counts = bin_event_spikes(rec.spike_times, rec.spike_ids, syn.events, bin_size=BIN_S,
                              cells=tuning.cells)
    return syn, tuning, counts


def loop_p_values(counts, tuning, events, n_shuffles, seed):
    """The straightforward way: one shuffle at a time, single-event functions.

    Uses the same per-event random streams and draws as score_replay_events,
    so the p-values must agree.
    """
    rates = tuning.rates
    n_cells, n_pos = rates.shape
    seeds = np.random.default_rng(seed).integers(0, 2**63 - 1, size=counts.counts.shape[0])
    out = {k: {"line_fit": [], "weighted_correlation": []} for k in SHUFFLES}
    n_done = 0
    for k in events:
        c = counts.event(k)
        post = decode(c, rates, BIN_S)
        real = {"line_fit": line_fit_score(post, BAND)[0],
                "weighted_correlation": abs(weighted_correlation(post))}
        rng = np.random.default_rng(seeds[k])
        for kind in SHUFFLES:
            params = _draw_shuffles(kind, n_shuffles, c.shape[0], n_cells, n_pos, rng)
            lf, wc = np.empty(n_shuffles), np.empty(n_shuffles)
            for s in range(n_shuffles):
                if kind == "cell_identity":
                    shuffled = decode(c, rates[params[s]], BIN_S)
                elif kind == "place_field":
                    rolled = rates[np.arange(n_cells)[:, None],
                                   (np.arange(n_pos)[None, :] - params[s][:, None]) % n_pos]
                    shuffled = decode(c, rolled, BIN_S)
                else:
                    shuffled = decode(c[params[s]], rates, BIN_S)
                lf[s] = line_fit_score(shuffled, BAND)[0]
                wc[s] = abs(weighted_correlation(shuffled))
                n_done += 1
            out[kind]["line_fit"].append(float(shuffle_p_value(real["line_fit"], lf)))
            out[kind]["weighted_correlation"].append(
                float(shuffle_p_value(real["weighted_correlation"], wc)))
    return out, n_done


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="20 events, 200 shuffles, loop on 3 events (a smoke run)")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--shuffles", type=int, default=None)
    parser.add_argument("--loop-events", type=int, default=None,
                        help="events the per-shuffle loop runs on (default 10, quick 3)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    n_events = args.events or (20 if args.quick else 100)
    n_shuffles = args.shuffles or (200 if args.quick else 1000)
    n_loop = min(args.loop_events or (3 if args.quick else 10), n_events)

    t0 = time.perf_counter()
    syn, tuning, counts = make_data(args.cells, n_events)
    t_data = time.perf_counter() - t0
    # keep events that are tested (enough bins and active cells) for both runs
    testable = [k for k in range(n_events)
                if counts.n_bins[k] >= 3 and np.count_nonzero(counts.event(k).sum(0)) >= 5]

    t0 = time.perf_counter()
    result = score_replay_events(counts, tuning, n_shuffles=n_shuffles, band=BAND, rng=SEED)
    t_vec = time.perf_counter() - t0
    n_vec = len(testable) * len(SHUFFLES) * n_shuffles

    # the loop, event by event, each followed by the same event vectorised
    # (best of 3), so that load from other processes hits both alike
    loop_events = testable[:n_loop]
    loop = {k: {"line_fit": [], "weighted_correlation": []} for k in SHUFFLES}
    t_loop = t_vec_sub = 0.0
    n_loop_shuffles = 0
    for k in loop_events:
        t0 = time.perf_counter()
        one, n_one = loop_p_values(counts, tuning, [k], n_shuffles, SEED)
        t_loop += time.perf_counter() - t0
        n_loop_shuffles += n_one
        for kind in SHUFFLES:
            for score in one[kind]:
                loop[kind][score] += one[kind][score]
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            score_replay_events([counts.event(k)], tuning, BIN_S, n_shuffles=n_shuffles,
                                band=BAND, rng=SEED)
            best = min(best, time.perf_counter() - t0)
        t_vec_sub += best
    n_vec_sub = n_loop_shuffles
    sub = [counts.event(k) for k in range(n_events)]

    # the loop and the batch used the same shuffles: their p-values agree
    max_diff = max(abs(result.p_values[kind][score][k] - loop[kind][score][i])
                   for kind in SHUFFLES for score in loop[kind]
                   for i, k in enumerate(loop_events))

    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    score_replay_events(sub[: min(10, n_events)], tuning, BIN_S, n_shuffles=n_shuffles,
                        band=BAND, rng=SEED)
    traced_peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    rate_vec = n_vec / t_vec
    rate_loop = n_loop_shuffles / t_loop
    report = {
        "events": n_events, "events_tested": len(testable), "cells": args.cells,
        "position_bins": N_POS, "bin_s": BIN_S,
        "mean_time_bins": float(np.mean(counts.n_bins)),
        "shuffles_per_kind": n_shuffles, "shuffle_kinds": list(SHUFFLES),
        "data_seconds": t_data,
        "vectorised_seconds": t_vec, "vectorised_shuffles": n_vec,
        "vectorised_shuffles_per_s": rate_vec,
        "loop_events": len(loop_events), "loop_seconds": t_loop,
        "loop_shuffles": n_loop_shuffles, "loop_shuffles_per_s": rate_loop,
        "vectorised_same_events_seconds": t_vec_sub,
        "speedup_same_events": (n_vec_sub / t_vec_sub) / rate_loop,
        "speedup_rate": rate_vec / rate_loop,
        "loop_estimated_full_seconds": n_vec / rate_loop,
        "p_value_max_difference": max_diff,
        "significant_fraction": result.significant_fraction,
        "peak_rss_mib": peak_rss_mib,
        "traced_peak_mib_10_events": traced_peak_mib,
        "python": platform.python_version(), "numpy": np.__version__,
    }
    rows = [
        ("events x cells", f"{n_events} x {args.cells} ({len(testable)} tested, "
                           f"{report['mean_time_bins']:.1f} bins of 20 ms, {N_POS} positions)"),
        ("shuffles", f"{n_shuffles} of each of {len(SHUFFLES)} kinds = {n_vec} in all"),
        ("vectorised", f"{t_vec:8.2f} s   {rate_vec:10.0f} shuffles/s"),
        ("per-shuffle loop", f"{t_loop:8.2f} s   {rate_loop:10.0f} shuffles/s "
                             f"({len(loop_events)} events; full run ~{n_vec / rate_loop:.0f} s)"),
        ("speed-up", f"{report['speedup_same_events']:8.1f} x on the same events, "
                     f"interleaved; {report['speedup_rate']:.1f} x full run vs loop rate"),
        ("p-values loop vs batch", f"max |diff| = {max_diff:.2g}"),
        ("significant fraction", f"{result.significant_fraction:.2f}"),
        ("peak memory", f"{peak_rss_mib:.0f} MiB RSS; {traced_peak_mib:.0f} MiB traced "
                        f"(vectorised, 10 events)"),
    ]
    width = max(len(r[0]) for r in rows)
    print("replay analysis benchmark")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
