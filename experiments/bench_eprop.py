"""Benchmark of e-prop training: wall time per iteration and synapse-updates per second.

For an evidence-accumulation preset it times, under ``cpp_standalone``:

- the e-prop network (:class:`neurotoolkit.learning.network.EpropSimulator`):
  the first batch (code generation, compilation, run) and then ``--repeats``
  batches, each one ``device.run(run_args=...)`` with new weights and trials
  (what one training iteration costs, Adam excluded: it is microseconds);
- a bare Brian2 loop of the same traces: the same number of synapses running
  only the eligibility-trace statements (ψ, traces and learning signal held
  fixed), nothing else, no run-time data;
- the numpy reference (:func:`neurotoolkit.learning.reference.eprop_gradients`)
  on the same batch, for scale.

A synapse update is one synapse advanced by one time step (input and
recurrent synapses; the readout's few are left out).  ``--batch`` and
``--steps`` shrink the published size when time is short (the rates are per
update, so a smaller run measures the same speed, minus fixed costs).

Usage::

    python experiments/bench_eprop.py [--preset paper] [--batch N] [--steps N]
        [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import numpy as np


def _bare_trace_loop(n_rec: int, n_in: int, batch: int, n_steps: int, constants, directory: str
                     ) -> tuple[float, float]:
    """Build and run the bare eligibility-trace loop; (first run s, rerun s)."""
    import brian2 as b2

    from neurotoolkit.learning.network import ELIGIBILITY_MODEL, ELIGIBILITY_STEP

    b2.set_device("cpp_standalone", build_on_run=False)
    dt = constants.dt_s * b2.second
    namespace = {"kappa": constants.kappa, "rho": constants.rho}
    rng = np.random.default_rng(0)
    cells = b2.NeuronGroup(batch * n_rec, "psi : 1\ntrace : 1\nbeta : 1\nL : 1", dt=dt,
                           namespace=namespace)
    cells.psi = rng.uniform(0, 0.5, batch * n_rec)
    cells.trace = rng.uniform(0, 2, batch * n_rec)
    cells.beta = 0.01
    cells.L = rng.normal(0, 1, batch * n_rec)
    inputs = b2.NeuronGroup(batch * n_in, "trace : 1", dt=dt, namespace=namespace)
    inputs.trace = rng.uniform(0, 2, batch * n_in)
    syn_in = b2.Synapses(inputs, cells, ELIGIBILITY_MODEL, dt=dt, namespace=namespace)
    syn_rec = b2.Synapses(cells, cells, ELIGIBILITY_MODEL, dt=dt, namespace=namespace)
    from neurotoolkit.learning.network import _within_replicas

    i, j, _, _ = _within_replicas(n_in, n_rec, batch)
    syn_in.connect(i=i, j=j)
    i, j, _, _ = _within_replicas(n_rec, n_rec, batch, no_self=True)
    syn_rec.connect(i=i, j=j)
    for syn in (syn_in, syn_rec):
        syn.run_regularly(ELIGIBILITY_STEP, when="groups")
    net = b2.Network(cells, inputs, syn_in, syn_rec)
    net.run(n_steps * dt)
    started = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=True)
    first = time.perf_counter() - started
    started = time.perf_counter()
    b2.device.run()
    rerun = time.perf_counter() - started
    b2.device.reinit()
    b2.set_device("runtime")
    return first, rerun


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="paper")
    parser.add_argument("--batch", type=int, default=None, help="trials per batch (preset's)")
    parser.add_argument("--steps", type=int, default=None, help="time steps per trial")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    from neurotoolkit.config import magnitude
    from neurotoolkit.learning.network import EpropSimulator
    from neurotoolkit.learning.reference import eprop_gradients
    from neurotoolkit.learning.tasks import TrialBatch, evidence_trials
    from neurotoolkit.learning.weights import initial_weights
    from neurotoolkit.runner import resolve_config

    config = resolve_config("eprop-evidence", "lif", args.preset)
    constants = config.network.step_constants()
    batch_size = args.batch or config.training.batch_size
    rng = np.random.default_rng(1)
    full = evidence_trials(config.task, batch_size, magnitude(config.network.dt, "ms"), rng)
    n_steps = args.steps or full.n_steps
    batch = TrialBatch(full.inputs[:, :n_steps], full.target[:, :n_steps],
                       np.ones((batch_size, n_steps)), full.labels)
    n_in, n_rec = config.task.n_inputs, config.network.n_recurrent
    weights = initial_weights(n_in, n_rec, 2, rng)
    feedback = rng.normal(0, 1 / np.sqrt(n_rec), (n_rec, 2))
    n_synapses = batch_size * (n_in * n_rec + n_rec * (n_rec - 1))
    updates = n_synapses * n_steps

    simulator = EpropSimulator(constants, n_in, 2, batch_size, n_steps, "softmax", 10.0, 1e-3,
                               device="cpp_standalone",
                               directory=tempfile.mkdtemp(prefix="bench-eprop-"))
    started = time.perf_counter()
    simulator.gradients(weights, feedback, batch)
    first = time.perf_counter() - started
    times = []
    for _ in range(args.repeats):
        weights.w_in += rng.normal(0, 1e-3, weights.w_in.shape)
        started = time.perf_counter()
        simulator.gradients(weights, feedback, batch)
        times.append(time.perf_counter() - started)
    simulator.close()
    per_iteration = float(np.median(times))

    bare_first, bare = _bare_trace_loop(n_rec, n_in, batch_size, n_steps, constants,
                                        tempfile.mkdtemp(prefix="bench-eprop-bare-"))
    started = time.perf_counter()
    eprop_gradients(weights, feedback, batch, constants, "softmax", 10.0, 1e-3)
    numpy_s = time.perf_counter() - started

    report = {
        "preset": args.preset, "batch_size": batch_size, "n_steps": n_steps,
        "n_inputs": n_in, "n_recurrent": n_rec, "n_synapses": n_synapses,
        "synapse_updates_per_iteration": updates,
        "eprop_first_batch_s (build + compile + run)": first,
        "eprop_s_per_iteration": per_iteration,
        "eprop_synapse_updates_per_s": updates / per_iteration,
        "bare_trace_loop_first_s": bare_first,
        "bare_trace_loop_s": bare,
        "bare_trace_loop_synapse_updates_per_s": updates / bare,
        "eprop_over_bare": per_iteration / bare,
        "numpy_reference_s_per_iteration": numpy_s,
        "numpy_reference_synapse_updates_per_s": updates / numpy_s,
    }
    print(json.dumps(report, indent=1))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=1)
    return report


if __name__ == "__main__":
    main()
