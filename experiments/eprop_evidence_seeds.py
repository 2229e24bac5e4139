"""Evidence accumulation with e-prop: ALIF (random and symmetric feedback) and LIF only.

Trains one network per (variant, seed) with the Brian2 network under
``cpp_standalone`` and writes each run's directory and a ``summary.json`` of the
held-out test errors::

    python experiments/eprop_evidence_seeds.py --preset default --seeds 1 2 3 \
        --out runs/eprop-evidence

Variants: ``alif-random``, ``alif-symmetric`` (the preset's LIF + ALIF cells) and
``lif-random`` (the same number of cells, all LIF).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from neurotoolkit.runner import resolve_config, run_experiment


def variants(preset: str) -> dict[str, dict[str, object]]:
    """Overrides of each variant."""
    network = resolve_config("eprop-evidence", "lif", preset).network
    return {
        "alif-random": {"training.feedback": "random"},
        "alif-symmetric": {"training.feedback": "symmetric"},
        "lif-random": {"training.feedback": "random", "network.n_adaptive": 0,
                       "network.n_regular": network.n_recurrent},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--variants", nargs="+", default=None)
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--device", default="cpp_standalone")
    parser.add_argument("--out", default="runs/eprop-evidence")
    args = parser.parse_args(argv)
    out = Path(args.out)
    summary_path = out / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    for seed in args.seeds:  # every variant of a seed before the next seed
        for name, overrides in variants(args.preset).items():
            if args.variants and name not in args.variants:
                continue
            if args.iterations:
                overrides = {**overrides, "training.n_iterations": args.iterations}
            key = f"{name}/seed{seed}"
            if key in summary:
                continue
            result = run_experiment("eprop-evidence", "lif", preset=args.preset, seed=seed,
                                    overrides=overrides, device=args.device,
                                    out=out / name / f"seed{seed}", overwrite=True, quiet=True)
            m = result.metrics
            summary[key] = {k: m[k] for k in ("test_error", "best_test_error",
                                              "n_iterations_run", "rate_hz_mean", "wall_time_s")}
            print(key, json.dumps(summary[key]), flush=True)
            out.mkdir(parents=True, exist_ok=True)
            summary_path.write_text(json.dumps(summary, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
