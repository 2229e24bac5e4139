"""An experiment registered for the sweep tests (imported by sweep files via ``imports``).

``flaky`` at level ``binary`` is the binary consolidation run, except that
``replay.n_replays = 13`` raises (a point that fails at run time) and, when
the environment has ``SWEEP_PLUGIN_SLOW=1``, ``replay.n_replays = 17`` sleeps
(a point to kill the sweep in).
"""

from __future__ import annotations

import os
import time

from neurotoolkit.runner import register

FAIL_REPLAYS = 13
SLOW_REPLAYS = 17


def run_flaky(config, *, level, seed, device, workdir, quiet):
    from neurotoolkit.binary.experiment import run_consolidation

    if config.replay.n_replays == FAIL_REPLAYS:
        raise RuntimeError("planted failure")
    if config.replay.n_replays == SLOW_REPLAYS and os.environ.get("SWEEP_PLUGIN_SLOW") == "1":
        time.sleep(300)
    return run_consolidation(config, level=level, seed=seed, device=device, workdir=workdir,
                             quiet=quiet)


register("flaky", "binary", "neurotoolkit.binary.config:BinaryConfig", "sweep_plugin:run_flaky")
