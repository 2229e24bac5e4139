"""Plain-numpy references: the forward e-prop gradient and the BPTT gradient.

Both simulate exactly the network of :mod:`neurotoolkit.learning.network`
(discrete time, per step ``dt``)::

    v(t) = α v(t-1) + W_in x(t) + W_rec z(t-1) - v_th z(t-1)
    a(t) = ρ a(t-1) + z(t-1),         A(t) = v_th + β a(t)
    z(t) = H(v(t) - A(t)) outside the refractory period
    y(t) = κ y(t-1) + W_out z(t),     out(t) = y(t) + b

with the pseudo-derivative ``ψ = (γ/v_th) max(0, 1 - |v - A|/v_th)`` (0 while
refractory).  The loss is the masked cross-entropy of ``softmax(out)``
(classification) or ``½ (out - target)²`` (regression), plus the rate
regulariser ``(c/2) Σ_j (f_j - f*)²`` per trial, ``f_j`` the cell's rate in Hz.

e-prop (Bellec et al. 2020, Nat Commun 11:3625): ``dE/dW_ji ≈ Σ_t L_j(t) ē_ji(t)``
with ``L_j = Σ_k B_jk err_k``, ``ē`` the eligibility trace filtered with κ;
``e_ji = ψ_j (z̄_i - β ε_ji,a)``, ``ε_ji,a ← ψ_j z̄_i + (ρ - ψ_j β) ε_ji,a``.
For the regulariser ``c (f_j - f*) Σ_t e_ji(t) / T``.  The readout gradient
is exact.  BPTT differentiates the same loss through time with ``autograd``,
the spike's derivative replaced by ψ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import StepConstants
from .tasks import TrialBatch
from .weights import Weights

__all__ = ["GradientResult", "eprop_gradients", "bptt_gradients", "loss_errors",
           "cosine_similarity"]

LOSSES = ("softmax", "mse")


@dataclass
class GradientResult:
    """Gradients of one batch (summed over its trials) and what the network did.

    Attributes
    ----------
    gradients : Weights
        dE/dW (e-prop estimate or exact BPTT), summed over trials.
    outputs : ndarray, shape (batch, steps, n_outputs)
        ``out(t)`` of the readout.
    spikes : ndarray, shape (batch, steps, n_recurrent)
        Recurrent spikes (0/1); the Brian2 network keeps the first trial only.
    rates_hz : ndarray, shape (batch, n_recurrent)
    loss : float
        Task loss (without the regulariser), summed over trials.
    """

    gradients: Weights
    outputs: np.ndarray
    spikes: np.ndarray
    rates_hz: np.ndarray
    loss: float


def _softmax(out: np.ndarray) -> np.ndarray:
    e = np.exp(out - out.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def loss_errors(outputs: np.ndarray, batch: TrialBatch, loss: str) -> tuple[np.ndarray, float]:
    """The error signal ``dE/dout`` (masked) and the task loss, summed over trials."""
    mask = batch.mask[..., None]
    if loss == "softmax":
        probs = _softmax(outputs)
        err = mask * (probs - batch.target)
        value = -float(np.sum(mask * batch.target * np.log(np.maximum(probs, 1e-300))))
    elif loss == "mse":
        err = mask * (outputs - batch.target)
        value = 0.5 * float(np.sum(mask * (outputs - batch.target) ** 2))
    else:
        raise ValueError(f"loss: unknown loss {loss!r} (choose from {', '.join(LOSSES)})")
    return err, value


def eprop_gradients(weights: Weights, feedback: np.ndarray, batch: TrialBatch,
                    constants: StepConstants, loss: str, rate_target_hz: float = 0.0,
                    rate_regularization: float = 0.0) -> GradientResult:
    """The e-prop gradient, computed forward in time (numpy, vectorised over trials).

    Parameters
    ----------
    weights : Weights
    feedback : ndarray, shape (n_recurrent, n_outputs)
        ``B`` of the learning signal (``W_outᵀ`` for symmetric feedback).
    batch : TrialBatch
    constants : StepConstants
    loss : {"softmax", "mse"}
    rate_target_hz, rate_regularization : float
        Target rate ``f*`` and strength ``c`` of the regulariser.

    Returns
    -------
    GradientResult
    """
    c = constants
    n_batch, n_steps, n_in = batch.inputs.shape
    n_rec, n_out = weights.w_rec.shape[0], weights.w_out.shape[0]
    beta = np.asarray(c.beta)
    v, a, z = (np.zeros((n_batch, n_rec)) for _ in range(3))
    countdown, zbar, zkappa, y = np.zeros((n_batch, n_rec)), np.zeros((n_batch, n_rec)), \
        np.zeros((n_batch, n_rec)), np.zeros((n_batch, n_out))
    xbar = np.zeros((n_batch, n_in))
    traces = {name: {"eps_a": np.zeros((n_batch, n_rec, n)), "ebar": np.zeros((n_batch, n_rec, n)),
                     "grad": np.zeros((n_batch, n_rec, n)), "esum": np.zeros((n_batch, n_rec, n))}
              for name, n in (("w_in", n_in), ("w_rec", n_rec))}
    grad_out, grad_b = np.zeros((n_batch, n_out, n_rec)), np.zeros(n_out)
    outputs = np.zeros((n_batch, n_steps, n_out))
    spikes = np.zeros((n_batch, n_steps, n_rec))
    n_spikes = np.zeros((n_batch, n_rec))
    errors_all = np.zeros((n_batch, n_steps, n_out))

    for t in range(n_steps):
        x = batch.inputs[:, t]
        xbar = c.alpha * xbar + x
        i_in = x @ weights.w_in.T
        i_rec = z @ weights.w_rec.T
        countdown = z * c.n_refractory + (1 - z) * np.clip(countdown - 1, 0, c.n_refractory)
        v = c.alpha * v + i_in + i_rec - c.threshold * z
        a = c.rho * a + z
        trace_rec = zbar
        ready = (countdown < 0.5).astype(float)
        z = (v > c.threshold + beta * a).astype(float) * ready
        psi = (c.gamma / c.threshold) * np.clip(
            1 - np.abs((v - c.threshold - beta * a) / c.threshold), 0, 1) * ready
        zbar = c.alpha * zbar + z
        zkappa = c.kappa * zkappa + z
        n_spikes += z
        spikes[:, t] = z
        y = c.kappa * y + z @ weights.w_out.T
        out = y + weights.b_out
        outputs[:, t] = out
        if loss == "softmax":
            err = batch.mask[:, t, None] * (_softmax(out) - batch.target[:, t])
        else:
            err = batch.mask[:, t, None] * (out - batch.target[:, t])
        errors_all[:, t] = err
        grad_b += err.sum(axis=0)
        learning_signal = err @ feedback.T
        for name, pre in (("w_in", xbar), ("w_rec", trace_rec)):
            tr = traces[name]
            e = psi[:, :, None] * (pre[:, None, :] - beta[None, :, None] * tr["eps_a"])
            tr["ebar"] = c.kappa * tr["ebar"] + e
            tr["grad"] += learning_signal[:, :, None] * tr["ebar"]
            tr["esum"] += e
            tr["eps_a"] = psi[:, :, None] * pre[:, None, :] + \
                (c.rho - psi * beta[None, :])[:, :, None] * tr["eps_a"]
        grad_out += err[:, :, None] * zkappa[:, None, :]

    duration_s = n_steps * c.dt_s
    rates = n_spikes / duration_s
    factor = rate_regularization * (rates - rate_target_hz) / duration_s
    grads = {name: (traces[name]["grad"] + factor[:, :, None] * traces[name]["esum"]).sum(axis=0)
             for name in ("w_in", "w_rec")}
    np.fill_diagonal(grads["w_rec"], 0.0)
    _, value = loss_errors(outputs, batch, loss)
    return GradientResult(Weights(grads["w_in"], grads["w_rec"], grad_out.sum(axis=0), grad_b),
                          outputs, spikes, rates, value)


def bptt_gradients(weights: Weights, batch: TrialBatch, constants: StepConstants, loss: str,
                   rate_target_hz: float = 0.0, rate_regularization: float = 0.0,
                   detach_reset: bool = False) -> Weights:
    """The exact gradient of the same loss by backpropagation through time (autograd).

    The spike's derivative is the pseudo-derivative ψ; the refractory mask is
    treated as a constant.  ``detach_reset`` drops the gradient through the
    reset term ``-v_th z(t-1)``, which e-prop leaves out of its eligibility
    traces (Bellec et al. 2020, Methods); with it, e-prop is exact for a
    network without recurrent weights.  The default keeps it: the exact
    gradient of the network as simulated.
    """
    import autograd.numpy as anp
    from autograd import grad
    from autograd.extend import defvjp, primitive
    from autograd.tracer import getval

    c = constants
    beta = np.asarray(c.beta)
    n_batch, n_steps, _ = batch.inputs.shape
    n_rec, n_out = weights.w_rec.shape[0], weights.w_out.shape[0]
    no_self = 1.0 - np.eye(n_rec)

    @primitive
    def spike(distance, ready):
        return (distance > 0).astype(float) * ready

    def spike_vjp(ans, distance, ready):
        return lambda g: g * (c.gamma / c.threshold) * np.clip(
            1 - np.abs(distance / c.threshold), 0, 1) * ready

    defvjp(spike, spike_vjp, None)

    def total_loss(params):
        w_in, w_rec, w_out, b_out = params
        w_rec = w_rec * no_self
        v = anp.zeros((n_batch, n_rec))
        a = anp.zeros((n_batch, n_rec))
        z = anp.zeros((n_batch, n_rec))
        y = anp.zeros((n_batch, n_out))
        countdown = np.zeros((n_batch, n_rec))
        value = 0.0
        n_spikes = anp.zeros((n_batch, n_rec))
        for t in range(n_steps):
            z_raw = getval(z)
            countdown = z_raw * c.n_refractory + (1 - z_raw) * np.clip(countdown - 1, 0,
                                                                       c.n_refractory)
            reset = z_raw if detach_reset else z
            v = c.alpha * v + anp.dot(batch.inputs[:, t], w_in.T) + anp.dot(z, w_rec.T) \
                - c.threshold * reset
            a = c.rho * a + z
            ready = (countdown < 0.5).astype(float)
            z = spike(v - c.threshold - beta * a, ready)
            n_spikes = n_spikes + z
            y = c.kappa * y + anp.dot(z, w_out.T)
            out = y + b_out
            m = batch.mask[:, t, None]
            if loss == "softmax":
                shifted = out - anp.max(getval(out), axis=1, keepdims=True)
                log_probs = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
                value = value - anp.sum(m * batch.target[:, t] * log_probs)
            else:
                value = value + 0.5 * anp.sum(m * (out - batch.target[:, t]) ** 2)
        duration_s = n_steps * c.dt_s
        rates = n_spikes / duration_s
        return value + 0.5 * rate_regularization * anp.sum((rates - rate_target_hz) ** 2)

    params = (weights.w_in, weights.w_rec, weights.w_out, weights.b_out)
    g_in, g_rec, g_out, g_b = grad(total_loss)(params)
    return Weights(np.asarray(g_in), np.asarray(g_rec) * no_self, np.asarray(g_out),
                   np.asarray(g_b))


def cosine_similarity(a: Weights | np.ndarray, b: Weights | np.ndarray,
                      names: tuple[str, ...] = ("w_in", "w_rec")) -> float:
    """Cosine of the angle between two gradients (the named parts, concatenated)."""
    def flat(g):
        if isinstance(g, Weights):
            return np.concatenate([getattr(g, n).ravel() for n in names])
        return np.asarray(g).ravel()
    u, w = flat(a), flat(b)
    norm = np.linalg.norm(u) * np.linalg.norm(w)
    return float(u @ w / norm) if norm > 0 else float("nan")
