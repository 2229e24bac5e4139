"""Soak test of a sweep killed again and again: nothing lost, nothing twice, nothing left running.

A binary-level sweep of 200 points (``tiny`` preset, 100 seeds x ``EE`` /
``EE+IE``) runs as ``neurotoolkit sweep --workers 2`` in its own process
group.  At a random moment the sweep process alone is killed with SIGKILL
(``kill -9``, as a user or a batch system would: its workers get no signal
from outside); 5 s later no process of its group may be left (workers,
resource tracker).  Then the same command resumes.  After ``--kills`` kills
the sweep runs to the end, and the script checks:

- ``results.csv`` holds every point of the sweep exactly once, all ``ok``;
- every point's ``metrics.json`` parses and agrees with its row;
- no ``*.partial`` folder, temporary file or lock file is left (the
  sweep's ``.sweep.lock`` stays: an ``flock`` the kernel releases);
- no process of any of the runs is left.

Not a timed test: a benchmark to run by hand (a few minutes)::

    nice -n 10 python experiments/soak_sweep.py [--points 200] [--kills 5] [--seed 1]
                                                [--out DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from neurotoolkit.processes import process_group_members
from neurotoolkit.sweeps import load_sweep
from neurotoolkit.sweeps.table import read_table

SWEEP = """\
experiment = "consolidation"
level = "binary"
preset = "tiny"
seeds = {seeds}

[grid]
"plasticity.pathways" = ["EE", "EE+IE"]

[set]
"replay.n_replays" = 10
"""
GRACE_S = 5.0


def start(sweep_file: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "neurotoolkit.cli", "sweep", str(sweep_file),
                             "--workers", "2", "--out", str(out), "--quiet"],
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def rows_done(out: Path) -> int:
    try:
        return len(read_table(out / "results.csv"))
    except (OSError, ValueError):
        return -1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=200, help="even number of points")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill moments")
    parser.add_argument("--out", default=None, help="sweep folder (default: a temporary one)")
    parser.add_argument("--json", default=None, help="write the numbers here too")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    out = Path(args.out) if args.out else work / "out"
    if out.exists():
        shutil.rmtree(out)
    sweep_file = work / "soak.toml"
    sweep_file.write_text(SWEEP.format(seeds=list(range(1, args.points // 2 + 1))))
    sweep = load_sweep(sweep_file)
    expected = [p.id for p in sweep.points]
    print(f"soak: {len(expected)} points, {args.kills} kills, load {os.getloadavg()[0]:.1f}; "
          f"output {out}", flush=True)

    started = time.perf_counter()
    groups: list[int] = []
    kills = []
    for k in range(args.kills):
        before = max(rows_done(out), 0)
        proc = start(sweep_file, out)
        groups.append(proc.pid)
        # a random moment once this run has made some progress (not only while starting)
        target = before + rng.randint(1, max(1, (len(expected) - before) // (args.kills - k + 1)))
        delay = rng.uniform(0.0, 2.0)
        while rows_done(out) < target and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(delay)
        if proc.poll() is not None:
            print(f"  run {k + 1} ended before its kill (exit {proc.returncode})", flush=True)
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at = rows_done(out)
        t_kill = time.perf_counter()
        while process_group_members(proc.pid) and time.perf_counter() - t_kill < GRACE_S:
            time.sleep(0.05)
        left = process_group_members(proc.pid)
        gone_s = time.perf_counter() - t_kill
        kills.append({"rows_before": before, "rows_at_kill": killed_at,
                      "left_after_5s": len(left), "all_gone_after_s": round(gone_s, 2)})
        print(f"  kill {k + 1}: {killed_at} rows; processes left after {GRACE_S:g} s: "
              f"{len(left)} (all gone after {gone_s:.2f} s)", flush=True)
        for pid in left:  # never leave them running, even when the check failed
            os.kill(pid, signal.SIGKILL)

    proc = start(sweep_file, out)
    groups.append(proc.pid)
    _, stderr = proc.communicate()
    final_exit = proc.returncode
    wall = time.perf_counter() - started

    rows = read_table(out / "results.csv")
    ids = [r["point_id"] for r in rows]
    duplicates = len(ids) - len(set(ids))
    missing = sorted(set(expected) - set(ids))
    extra = sorted(set(ids) - set(expected))
    not_ok = [r["point_id"] for r in rows if r["status"] != "ok"]
    bad_metrics = []
    for row in rows:
        try:
            metrics = json.loads((out / row["run_dir"] / "metrics.json").read_text())
            value = metrics["sequence_distance"]
            shown = float(row["sequence_distance"])
            same = (value is None and math.isnan(shown)) or value == shown
            if not same:
                bad_metrics.append(row["point_id"])
        except (OSError, ValueError, KeyError):
            bad_metrics.append(row["point_id"])
    leftovers = ([str(p) for p in out.rglob("*.partial")] + [str(p) for p in out.rglob("*.tmp")]
                 + [str(p) for p in out.rglob(".*.lock") if p.name != ".sweep.lock"]
                 + [str(p) for p in out.parent.glob(f".{out.name}*.lock")])
    still_running = sorted({pid for g in groups for pid in process_group_members(g)})

    report = {
        "points": len(expected), "kills": kills, "final_exit": final_exit,
        "wall_s": round(wall, 1), "rows": len(rows), "duplicates": duplicates,
        "missing": len(missing), "unexpected": len(extra), "not_ok": len(not_ok),
        "bad_metrics_json": len(bad_metrics), "leftover_files": leftovers,
        "processes_left": len(still_running),
        "load_end": round(os.getloadavg()[0], 1),
    }
    passed = (final_exit == 0 and len(rows) == len(expected) and not duplicates and not missing
              and not extra and not not_ok and not bad_metrics and not leftovers
              and not still_running and all(k["left_after_5s"] == 0 for k in kills)
              and len(kills) == args.kills)
    report["passed"] = passed
    print(json.dumps(report, indent=1))
    if final_exit != 0:
        print(stderr[-2000:], file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    if not args.out:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
