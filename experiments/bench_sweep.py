"""Benchmark of parameter sweeps: standalone build reuse, and one worker against two.

Part ``reuse`` (``cpp_standalone``, point neurons, ``tiny`` preset): a 16-point
parameter sweep (8 offline recurrent gains x ``EE`` / ``EE+IE``, one seed: one
network structure, so one build and 16 runs) through :func:`run_sweep` with a
cold private build cache, measured before and after the same 16 points built
separately (``run_experiment(device="cpp_standalone")`` once per point, what
16 ``neurotoolkit run --device cpp_standalone`` commands do, less 16 Python
start-ups).  Reported: the sweep's wall time; its ratio to one build plus
16 runs done by hand (one separately built point plus 15 reruns of the
compiled program; target at most 1.3x) and to one separately built point;
the speed-up over 16 separate builds; and whether both give the same metrics.

Part ``workers``: a binary-level sweep (``default`` preset, 48 points) run with
``--workers 1`` and ``--workers 2`` alternately (fresh output folders; the
median of ``--repeats`` runs each), and once with the Dask executor
(LocalCluster, 2 workers), whose table must equal the local one.

The machine is shared: the load average is printed at the start and end of
each part; compare ratios measured in one run.

Usage::

    python experiments/bench_sweep.py [--part reuse|workers|all] [--separate 16]
                                      [--points 48] [--repeats 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from neurotoolkit.sweeps import parse_sweep, run_sweep
from neurotoolkit.sweeps.table import read_table

SEED = 1
GAINS = [0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]
TIMING_KEYS = {"wall_time_s", "simulation_wall_s", "build_s"}

REUSE_SWEEP = f"""\
experiment = "consolidation"
level = "lif"
preset = "tiny"
device = "cpp_standalone"
seeds = [{SEED}]

[grid]
"offline.recurrent_gain" = {GAINS}
"plasticity.pathways" = ["EE", "EE+IE"]
"""

WORKERS_SWEEP = """\
experiment = "consolidation"
level = "binary"
preset = "default"
seeds = {seeds}

[grid]
"plasticity.pathways" = ["EE", "EE+IE"]
"cue.placement" = ["random", "fixed"]
"""


def load() -> str:
    """The 1-minute load average, as text."""
    return f"{os.getloadavg()[0]:.1f}"


def children_cpu_s() -> float:
    """CPU seconds of finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def metrics_of(run_dir: Path) -> dict:
    data = json.loads((run_dir / "metrics.json").read_text())
    return {k: v for k, v in data.items() if k not in TIMING_KEYS}


def same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y:
            return False
    return True


def timed_sweep(sweep_text: str, name: str, root: Path, **kwargs) -> tuple[float, Path]:
    path = root / f"{name}.toml"
    path.write_text(sweep_text)
    out = root / name
    started = time.perf_counter()
    report = run_sweep(path, out, quiet=True, **kwargs)
    wall = time.perf_counter() - started
    if report.n_failed:
        raise RuntimeError(f"{name}: {report.n_failed} points failed; see {out}")
    return wall, out


def part_reuse(root: Path, n_separate: int) -> dict:
    from neurotoolkit.runner import run_experiment

    print(f"[reuse] load {load()}; 16-point cpp_standalone sweep, cold build cache", flush=True)
    results: dict = {"load_start": load()}
    sweep = parse_sweep(REUSE_SWEEP, "reuse.toml")
    assert len(sweep.points) == 16 and len(sweep.chunks()) == 1

    sweeps = []
    for attempt in ("before", "after"):
        if attempt == "after":
            separate = []
            print(f"[reuse] {n_separate} separate builds", flush=True)
            for k, point in enumerate(sweep.points[:n_separate]):
                started = time.perf_counter()
                run_experiment("consolidation", "lif", preset="tiny", seed=point.seed,
                               overrides=dict(point.overrides), device="cpp_standalone",
                               out=root / "separate" / point.id, quiet=True)
                separate.append(time.perf_counter() - started)
                print(f"  point {k + 1}: {separate[-1]:.1f} s (load {load()})", flush=True)
        os.environ["NEUROTOOLKIT_BUILD_DIR"] = str(root / f"cache-{attempt}")
        wall, out = timed_sweep(REUSE_SWEEP, f"reuse-{attempt}", root, workers=1)
        rows = read_table(out / "results.csv")
        sweeps.append(wall)
        print(f"[reuse] sweep {attempt}: {wall:.1f} s (first point built in "
              f"{float(rows[0]['build_s']):.1f} s; load {load()})", flush=True)
        results[f"sweep_{attempt}_s"] = wall
        results[f"sweep_{attempt}_build_s"] = float(rows[0]["build_s"])
        results[f"sweep_{attempt}_rerun_point_s"] = statistics.mean(
            float(r["wall_time_s"]) for r in rows[1:])
    del os.environ["NEUROTOOLKIT_BUILD_DIR"]

    identical = sum(same(metrics_of(root / "reuse-before" / "points" / p.id),
                         metrics_of(root / "separate" / p.id))
                    for p in sweep.points[:n_separate])
    sweep_s = statistics.mean(sweeps)
    one_point_s = statistics.mean(separate)
    results.update({
        "separate_builds_measured": n_separate,
        "separate_point_mean_s": one_point_s,
        "separate_points_s": separate,
        "separate_16_s": one_point_s * 16 if n_separate < 16 else sum(separate),
        "sweep_mean_s": sweep_s,
        "sweep_over_one_point": sweep_s / one_point_s,
        # the ideal by hand: one build (with its first run) plus 15 reruns
        "sweep_over_build_plus_16_runs": sweep_s / (
            one_point_s + 15 * statistics.mean(results[f"sweep_{a}_rerun_point_s"]
                                               for a in ("before", "after"))),
        "speedup_over_16_builds": (one_point_s * 16 if n_separate < 16 else sum(separate))
        / sweep_s,
        "identical_metrics": f"{identical}/{n_separate}",
        "load_end": load(),
    })
    print(f"[reuse] sweep of 16 points {sweep_s:.1f} s = {results['sweep_over_one_point']:.2f}x "
          f"one separately built point ({one_point_s:.1f} s), "
          f"{results['sweep_over_build_plus_16_runs']:.2f}x one build + 16 runs; "
          f"16 separate builds "
          f"{results['separate_16_s']:.0f} s"
          + (" (extrapolated)" if n_separate < 16 else "")
          + f": {results['speedup_over_16_builds']:.1f}x faster; identical metrics "
          f"{identical}/{n_separate}", flush=True)
    return results


def part_workers(root: Path, n_points: int, repeats: int) -> dict:
    n_seeds = max(1, n_points // 4)
    text = WORKERS_SWEEP.format(seeds=list(range(1, n_seeds + 1)))
    print(f"[workers] load {load()}; {4 * n_seeds} binary points, workers 1 vs 2, "
          f"{repeats} repeats", flush=True)
    times: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}
    reference = None
    for repeat in range(repeats):
        for workers in (1, 2):
            before = children_cpu_s()
            wall, out = timed_sweep(text, f"w{workers}-{repeat}", root, workers=workers)
            times[workers].append(wall)
            cpu[workers].append(children_cpu_s() - before)
            rows = [{k: v for k, v in r.items() if k != "wall_time_s"}
                    for r in read_table(out / "results.csv")]
            reference = reference or rows
            assert rows == reference, "tables differ between local runs"
            print(f"  workers {workers}: {wall:.1f} s, worker CPU {cpu[workers][-1]:.1f} s "
                  f"(load {load()})", flush=True)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    wall, out = timed_sweep(text, "dask", root, executor="dask", workers=2)
    dask_rows = [{k: v for k, v in r.items() if k != "wall_time_s"}
                 for r in read_table(out / "results.csv")]
    results = {
        "points": 4 * n_seeds, "workers_1_s": times[1], "workers_2_s": times[2],
        "worker_cpu_1_s": cpu[1], "worker_cpu_2_s": cpu[2],
        "speedup_2_over_1": one / two, "dask_2_s": wall,
        "dask_table_equal": dask_rows == reference, "load_end": load(),
    }
    print(f"[workers] 1 worker {one:.1f} s, 2 workers {two:.1f} s: {one / two:.2f}x; "
          f"dask (2 workers) {wall:.1f} s, same table: {results['dask_table_equal']}",
          flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("reuse", "workers", "all"), default="all")
    parser.add_argument("--separate", type=int, default=16,
                        help="separate builds to measure (fewer: extrapolated to 16)")
    parser.add_argument("--points", type=int, default=48, help="points of the workers part")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the output folder")
    parser.add_argument("--json", default=None, help="write the numbers to this file")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    results: dict = {"cores": os.cpu_count(), "python": sys.version.split()[0]}
    try:
        if args.part in ("workers", "all"):
            results["workers"] = part_workers(root, args.points, args.repeats)
        if args.part in ("reuse", "all"):
            results["reuse"] = part_reuse(root, max(1, min(16, args.separate)))
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
