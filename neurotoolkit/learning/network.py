"""e-prop in Brian2: LIF/ALIF cells, readout, learning signal and eligibility traces.

The network is the discrete-time model of :mod:`neurotoolkit.learning.reference`,
written as Brian2 groups whose per-step updates run in a fixed order inside
the ``groups`` slot of each time step::

    order  5  inputs      x(t) from a TimedArray, presynaptic trace x̄ (α)
    order  9  (summed)    I_in = Σ w x_pre,  I_rec = Σ w z_pre(t-1)
    order 10  recurrent   v, a, refractory countdown, z(t), ψ(t), z̄, z̄_κ
    order 19  (summed)    y_in = Σ w_out z_pre(t)
    order 20  readout     y = κ y + y_in, out = y + b
    order 21  (summed)    softmax normaliser Σ_k exp(out_k) (classification)
    order 22  readout     err = dE/dout (masked), bias gradient
    order 23  (summed)    learning signal L_j = Σ_k B_jk err_k
    order 30  synapses    eligibility e, its κ-filtered ē, gradient Σ L ē, Σ e

A batch is a set of replica populations (one per trial) with the same
weights; gradients are summed over replicas after the run.  Weights, feedback
weights, biases, inputs, targets and masks are run-time data, so under
``cpp_standalone`` the project is built once and every iteration is one
``device.run(run_args=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import StepConstants
from .reference import GradientResult, loss_errors
from .tasks import TrialBatch, check_batch
from .weights import Weights

__all__ = ["EpropSimulator", "NEURON_MODEL", "NEURON_STEP", "ELIGIBILITY_MODEL",
           "ELIGIBILITY_STEP"]

#: Recurrent LIF/ALIF cells (per-step state; ``beta`` = 0 makes a LIF cell).
NEURON_MODEL = """
v : 1
a : 1
z : 1
psi : 1
trace : 1
zbar : 1
zkappa : 1
countdown : 1
n_spikes : 1
beta : 1 (constant)
I_in : 1
I_rec : 1
L : 1
"""

#: One step of the cells: reset by subtraction, adaptation, refractoriness, ψ.
NEURON_STEP = """
countdown = z*n_refractory + (1 - z)*clip(countdown - 1, 0, n_refractory)
v = alpha*v + I_in + I_rec - v_th*z
a = rho*a + z
trace = zbar
z = int(v > v_th + beta*a)*int(countdown < 0.5)
psi = (gamma/v_th)*clip(1 - abs((v - v_th - beta*a)/v_th), 0, 1)*int(countdown < 0.5)
zbar = alpha*zbar + z
zkappa = kappa*zkappa + z
n_spikes += z
"""

#: Per-synapse e-prop state onto a recurrent cell (``trace_pre`` is z̄ or x̄).
ELIGIBILITY_MODEL = """
w : 1
eps_a : 1
elig : 1
ebar : 1
grad : 1
esum : 1
"""

#: One step of the eligibility trace and the gradient accumulator.
ELIGIBILITY_STEP = """
elig = psi_post*(trace_pre - beta_post*eps_a)
ebar = kappa*ebar + elig
grad += L_post*ebar
esum += elig
eps_a = psi_post*trace_pre + (rho - psi_post*beta_post)*eps_a
"""

_READOUT_MODEL = """
y : 1
out : 1
y_in : 1
norm : 1
err : 1
b : 1
grad_b : 1
"""

_ERROR_STEP = {
    "softmax": "err = mask(t, i)*(exp(out)/norm - target(t, i))\ngrad_b += err",
    "mse": "err = mask(t, i)*(out - target(t, i))\ngrad_b += err",
}


def _within_replicas(n_pre: int, n_post: int, n_batch: int, no_self: bool = False
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pre and post indices of all-to-all synapses inside each replica.

    Returns global ``(i, j)`` and the local ``(pre, post)`` pair of one replica
    (the same for every replica, in this order).
    """
    post, pre = np.meshgrid(np.arange(n_post), np.arange(n_pre), indexing="ij")
    keep = np.ones(post.shape, bool) if not no_self else post != pre
    post, pre = post[keep], pre[keep]
    offsets = np.arange(n_batch)[:, None]
    i = (offsets * n_pre + pre[None, :]).ravel()
    j = (offsets * n_post + post[None, :]).ravel()
    return i, j, pre, post


@dataclass
class EpropSimulator:
    """A Brian2 e-prop network for batches of a fixed size and length.

    Build it once; :meth:`gradients` runs one batch and returns the e-prop
    gradient.  Under ``cpp_standalone`` the first call builds the project and
    later calls rerun the binary with new run-time data.

    Parameters
    ----------
    constants : StepConstants
    n_inputs, n_outputs : int
    batch_size, n_steps : int
    loss : {"softmax", "mse"}
    rate_target_hz, rate_regularization : float
    device : {"runtime", "cpp_standalone"}
    directory : path, optional
        Where the standalone project is built (a temporary folder if None).
    record_spikes : bool
        Keep a SpikeMonitor of the recurrent cells and inputs (for rasters).
    """

    constants: StepConstants
    n_inputs: int
    n_outputs: int
    batch_size: int
    n_steps: int
    loss: str = "softmax"
    rate_target_hz: float = 0.0
    rate_regularization: float = 0.0
    device: str = "runtime"
    directory: str | Path | None = None
    record_spikes: bool = False
    _objects: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _built: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.loss not in _ERROR_STEP:
            raise ValueError(f"loss: unknown loss {self.loss!r} (choose softmax or mse)")
        if self.device not in ("runtime", "cpp_standalone"):
            raise ValueError(f"device: unknown device {self.device!r}")

    @property
    def n_recurrent(self) -> int:
        """Recurrent cells per replica."""
        return self.constants.n_recurrent

    # -- construction ------------------------------------------------------
    def _build(self, batch: TrialBatch) -> None:
        import brian2 as b2

        c = self.constants
        n_b, n_rec, n_in, n_out = self.batch_size, self.n_recurrent, self.n_inputs, self.n_outputs
        dt = c.dt_s * b2.second
        namespace = {"alpha": c.alpha, "rho": c.rho, "kappa": c.kappa, "v_th": c.threshold,
                     "gamma": c.gamma, "n_refractory": float(c.n_refractory)}
        tables = self._tables(batch)
        spikes_in = b2.TimedArray(tables["inputs"], dt=dt, name="eprop_input_spikes")
        target = b2.TimedArray(tables["target"], dt=dt, name="eprop_target")
        mask = b2.TimedArray(tables["mask"], dt=dt, name="eprop_mask")
        namespace.update({"input_spikes": spikes_in, "target": target, "mask": mask})

        inputs = b2.NeuronGroup(n_b * n_in, "x : 1\ntrace : 1", method="exact", dt=dt,
                                namespace=namespace, order=5, name="eprop_inputs")
        inputs.run_regularly("x = input_spikes(t, i)\ntrace = alpha*trace + x",
                             when="groups", order=5)
        cells = b2.NeuronGroup(n_b * n_rec, NEURON_MODEL, method="exact", dt=dt,
                               namespace=namespace, order=10, name="eprop_cells")
        cells.beta = np.tile(np.asarray(c.beta), n_b)
        cells.run_regularly(NEURON_STEP, when="groups", order=10)
        readout = b2.NeuronGroup(n_b * n_out, _READOUT_MODEL, method="exact", dt=dt,
                                 namespace=namespace, order=20, name="eprop_readout")
        readout.run_regularly("y = kappa*y + y_in\nout = y + b", when="groups", order=20)
        readout.run_regularly(_ERROR_STEP[self.loss], when="groups", order=22)

        syn_in = b2.Synapses(inputs, cells, ELIGIBILITY_MODEL + "I_in_post = w*x_pre : 1 (summed)",
                             dt=dt, namespace=namespace, name="eprop_input_synapses")
        i, j, pre_in, post_in = _within_replicas(n_in, n_rec, n_b)
        syn_in.connect(i=i, j=j)
        syn_rec = b2.Synapses(cells, cells, ELIGIBILITY_MODEL + "I_rec_post = w*z_pre : 1 (summed)",
                              dt=dt, namespace=namespace, name="eprop_recurrent_synapses")
        i, j, pre_rec, post_rec = _within_replicas(n_rec, n_rec, n_b, no_self=True)
        syn_rec.connect(i=i, j=j)
        for syn in (syn_in, syn_rec):
            syn.run_regularly(ELIGIBILITY_STEP, when="groups", order=30)
        syn_out = b2.Synapses(cells, readout, "w : 1\ngrad : 1\ny_in_post = w*z_pre : 1 (summed)",
                              dt=dt, namespace=namespace, name="eprop_readout_synapses")
        i, j, pre_out, post_out = _within_replicas(n_rec, n_out, n_b)
        syn_out.connect(i=i, j=j)
        syn_out.run_regularly("grad += err_post*zkappa_pre", when="groups", order=30)
        syn_fb = b2.Synapses(readout, cells, "B : 1\nL_post = B*err_pre : 1 (summed)", dt=dt,
                             namespace=namespace, name="eprop_feedback_synapses")
        i, j, pre_fb, post_fb = _within_replicas(n_out, n_rec, n_b)
        syn_fb.connect(i=i, j=j)
        syn_fb.summed_updaters["L_post"].order = 23  # after the error, not before the cells
        objects = [inputs, cells, readout, syn_in, syn_rec, syn_out, syn_fb]
        if self.loss == "softmax":
            syn_norm = b2.Synapses(readout, readout, "norm_post = exp(out_pre) : 1 (summed)",
                                   dt=dt, namespace=namespace, name="eprop_softmax_synapses")
            i, j, _, _ = _within_replicas(n_out, n_out, n_b)
            syn_norm.connect(i=i, j=j)
            syn_norm.summed_updaters["norm_post"].order = 21  # after out(t), before err(t)
            objects.append(syn_norm)
        out_monitor = b2.StateMonitor(readout, "out", record=True, dt=dt, when="end",
                                      name="eprop_out_monitor")
        objects.append(out_monitor)
        self._objects = {
            "inputs": inputs, "cells": cells, "readout": readout, "syn_in": syn_in,
            "syn_rec": syn_rec, "syn_out": syn_out, "syn_fb": syn_fb, "out_monitor": out_monitor,
            "spikes_in": spikes_in, "target": target, "mask": mask,
            "index": {"w_in": (pre_in, post_in), "w_rec": (pre_rec, post_rec),
                      "w_out": (pre_out, post_out), "feedback": (pre_fb, post_fb)},
        }
        if self.record_spikes:
            spike_monitor = b2.StateMonitor(cells, "z", record=np.arange(n_rec), dt=dt, when="end",
                                            name="eprop_z_monitor")
            objects.append(spike_monitor)
            self._objects["z_monitor"] = spike_monitor
        self._objects["network"] = b2.Network(objects)

    def _tables(self, batch: TrialBatch) -> dict[str, np.ndarray]:
        """Inputs, targets and masks as TimedArray values ``(steps, replicas * channels)``."""
        n_b, n_t = self.batch_size, self.n_steps
        return {
            "inputs": np.ascontiguousarray(batch.inputs.transpose(1, 0, 2).reshape(n_t, -1)),
            "target": np.ascontiguousarray(batch.target.transpose(1, 0, 2).reshape(n_t, -1)),
            "mask": np.ascontiguousarray(np.repeat(batch.mask.T[:, :, None], self.n_outputs,
                                                   axis=2).reshape(n_t, n_b * self.n_outputs)),
        }

    def _synapse_values(self, weights: Weights, feedback: np.ndarray) -> dict[str, np.ndarray]:
        index = self._objects["index"]
        n_b = self.batch_size

        def tiled(matrix, name):
            pre, post = index[name]
            return np.tile(matrix[post, pre], n_b)

        return {"syn_in": tiled(weights.w_in, "w_in"), "syn_rec": tiled(weights.w_rec, "w_rec"),
                "syn_out": tiled(weights.w_out, "w_out"), "syn_fb": tiled(feedback, "feedback"),
                "b": np.tile(weights.b_out, n_b)}

    # -- running -----------------------------------------------------------
    def _check(self, batch: TrialBatch, weights: Weights, feedback: np.ndarray) -> None:
        check_batch(batch, self.n_inputs, self.n_outputs)
        if batch.batch_size != self.batch_size or batch.n_steps != self.n_steps:
            raise ValueError(f"inputs: this network runs batches of {self.batch_size} trials of "
                             f"{self.n_steps} steps, got {batch.inputs.shape[:2]}")
        n_rec = self.n_recurrent
        for name, shape in (("w_in", (n_rec, self.n_inputs)), ("w_rec", (n_rec, n_rec)),
                            ("w_out", (self.n_outputs, n_rec)), ("b_out", (self.n_outputs,))):
            if getattr(weights, name).shape != shape:
                raise ValueError(f"{name}: expected shape {shape}, "
                                 f"got {getattr(weights, name).shape}")
        if feedback.shape != (n_rec, self.n_outputs):
            raise ValueError(f"feedback: expected shape {(n_rec, self.n_outputs)}, "
                             f"got {feedback.shape}")

    def gradients(self, weights: Weights, feedback: np.ndarray, batch: TrialBatch
                  ) -> GradientResult:
        """Run one batch; the e-prop gradient summed over its trials.

        Raises
        ------
        ValueError
            Naming the array whose shape does not fit the network.
        """
        self._check(batch, weights, feedback)
        if self.device == "cpp_standalone":
            self._run_standalone(weights, feedback, batch)
        else:
            self._run_runtime(weights, feedback, batch)
        return self._collect(batch)

    def _run_runtime(self, weights: Weights, feedback: np.ndarray, batch: TrialBatch) -> None:
        import brian2 as b2

        # TimedArray values are fixed when built, so each batch gets fresh objects; numpy
        # code generation, because a compiled target would recompile them every batch
        target = b2.prefs.codegen.target
        b2.prefs.codegen.target = "numpy"
        try:
            self._run_fresh(weights, feedback, batch)
        finally:
            b2.prefs.codegen.target = target

    def close(self) -> None:
        """Give the Brian2 device back (runtime) after a standalone run."""
        import brian2 as b2

        if self.device == "cpp_standalone" and self._built:
            b2.device.reinit()
            b2.set_device("runtime")
            self._built = False
            scratch = self._objects.pop("scratch", None)
            if scratch is not None:  # a build folder this simulator made for itself
                import shutil

                shutil.rmtree(scratch, ignore_errors=True)

    def _run_fresh(self, weights: Weights, feedback: np.ndarray, batch: TrialBatch) -> None:
        import brian2 as b2

        self._build(batch)
        values = self._synapse_values(weights, feedback)
        o = self._objects
        o["syn_in"].w = values["syn_in"]
        o["syn_rec"].w = values["syn_rec"]
        o["syn_out"].w = values["syn_out"]
        o["syn_fb"].B = values["syn_fb"]
        o["readout"].b = values["b"]
        o["network"].run(self.n_steps * self.constants.dt_s * b2.second, namespace={})

    def _run_standalone(self, weights: Weights, feedback: np.ndarray, batch: TrialBatch) -> None:
        import brian2 as b2

        if not self._built:
            import tempfile

            b2.set_device("cpp_standalone", build_on_run=False)
            self._build(batch)
            o = self._objects
            o["network"].run(self.n_steps * self.constants.dt_s * b2.second, namespace={})
            directory = self.directory
            if directory is None:
                directory = self._objects["scratch"] = tempfile.mkdtemp(prefix="eprop-standalone-")
            b2.device.build(directory=str(directory), compile=True, run=False)
            self._built = True
        o = self._objects
        values = self._synapse_values(weights, feedback)
        tables = self._tables(batch)
        b2.device.run(run_args={
            o["syn_in"].w: values["syn_in"], o["syn_rec"].w: values["syn_rec"],
            o["syn_out"].w: values["syn_out"], o["syn_fb"].B: values["syn_fb"],
            o["readout"].b: values["b"], o["spikes_in"]: tables["inputs"],
            o["target"]: tables["target"], o["mask"]: tables["mask"]})
        # each batch's run-time arrays are new files; drop them once read (else they pile up)
        static = Path(b2.device.project_dir) / "static_arrays"
        for name in b2.device.run_args_arrays:
            for path in (static / name, static / f"{name}.lock"):
                path.unlink(missing_ok=True)

    def _collect(self, batch: TrialBatch) -> GradientResult:
        o = self._objects
        n_b, n_rec, n_in, n_out = self.batch_size, self.n_recurrent, self.n_inputs, self.n_outputs
        duration_s = self.n_steps * self.constants.dt_s
        rates = np.asarray(o["cells"].n_spikes[:]).reshape(n_b, n_rec) / duration_s
        factor = self.rate_regularization * (rates - self.rate_target_hz) / duration_s

        grads = {}
        for name, key, n_pre in (("w_in", "syn_in", n_in), ("w_rec", "syn_rec", n_rec)):
            pre, post = o["index"][name]
            syn = o[key]
            per_synapse = (np.asarray(syn.grad[:]).reshape(n_b, -1)
                           + factor[:, post] * np.asarray(syn.esum[:]).reshape(n_b, -1))
            matrix = np.zeros((n_rec, n_pre))
            np.add.at(matrix, (post, pre), per_synapse.sum(axis=0))
            grads[name] = matrix
        pre, post = o["index"]["w_out"]
        grad_out = np.zeros((n_out, n_rec))
        np.add.at(grad_out, (post, pre), np.asarray(o["syn_out"].grad[:]).reshape(n_b, -1).sum(0))
        grad_b = np.asarray(o["readout"].grad_b[:]).reshape(n_b, n_out).sum(axis=0)

        outputs = np.asarray(o["out_monitor"].out[:]).reshape(n_b, n_out, -1).transpose(0, 2, 1)
        spikes = np.zeros((1, self.n_steps, n_rec))
        if "z_monitor" in o:  # the first replica only
            spikes = np.asarray(o["z_monitor"].z[:]).T[None, :, :]
        _, value = loss_errors(outputs, batch, self.loss)
        return GradientResult(Weights(grads["w_in"], grads["w_rec"], grad_out, grad_b),
                              outputs, spikes, rates, value)
