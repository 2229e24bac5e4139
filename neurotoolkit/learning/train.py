"""Training with e-prop: batches of replica trials, Adam at the end of each batch.

The gradient of a batch comes from a *backend*: the Brian2 network
(:class:`~neurotoolkit.learning.network.EpropSimulator`, runtime or
``cpp_standalone``) or the numpy reference
(:func:`~neurotoolkit.learning.reference.eprop_gradients`); both compute the
same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..config import magnitude
from .config import EvidenceConfig, PatternConfig, StepConstants
from .network import EpropSimulator
from .reference import GradientResult, eprop_gradients
from .tasks import TrialBatch, evidence_trials, pattern_trials
from .weights import Weights, feedback_weights, initial_weights

__all__ = ["Adam", "TrainingResult", "classification_error", "normalised_mse", "train",
           "BACKENDS"]

BACKENDS = ("brian2", "numpy")


class Adam:
    """Adam (Kingma & Ba 2015) on a :class:`Weights`, one step per batch."""

    def __init__(self, learning_rate: float, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8):
        self.learning_rate, self.beta1, self.beta2, self.epsilon = (learning_rate, beta1, beta2,
                                                                    epsilon)
        self.step_count = 0
        self._m: dict[str, np.ndarray] = {}
        self._v: dict[str, np.ndarray] = {}

    def step(self, weights: Weights, gradients: Weights) -> None:
        """Update ``weights`` in place from ``gradients``."""
        self.step_count += 1
        k = self.step_count
        for name in Weights.NAMES:
            g = getattr(gradients, name)
            m = self._m.setdefault(name, np.zeros_like(g))
            v = self._v.setdefault(name, np.zeros_like(g))
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            m_hat = m / (1 - self.beta1 ** k)
            v_hat = v / (1 - self.beta2 ** k)
            getattr(weights, name)[...] -= self.learning_rate * m_hat / (np.sqrt(v_hat)
                                                                         + self.epsilon)
        np.fill_diagonal(weights.w_rec, 0.0)


def classification_error(outputs: np.ndarray, batch: TrialBatch) -> float:
    """Fraction of trials whose mean output over the masked steps picks the wrong class."""
    weights = batch.mask / np.maximum(batch.mask.sum(axis=1, keepdims=True), 1)
    mean_out = np.einsum("bt,btk->bk", weights, outputs)
    return float(np.mean(mean_out.argmax(axis=1) != batch.labels))


def normalised_mse(outputs: np.ndarray, batch: TrialBatch) -> float:
    """Mean squared error over the target's variance (0 = perfect, 1 = a constant guess)."""
    variance = float(np.var(batch.target, axis=1).mean())
    return float(np.mean((outputs - batch.target) ** 2) / variance)


@dataclass
class TrainingResult:
    """What training produced.

    Attributes
    ----------
    weights : Weights
        After the last step.
    history : dict of list
        Per iteration: ``loss``, ``train_error`` (or ``train_nmse``), ``rate_hz``;
        ``test_iteration`` and ``test_error`` (or ``test_nmse``) at evaluations.
    example : GradientResult
        A test batch run with the final weights (for the raster figure).
    example_batch : TrialBatch
    """

    weights: Weights
    history: dict[str, list[float]]
    example: GradientResult
    example_batch: TrialBatch
    feedback: np.ndarray = field(repr=False, default=None)


def _gradient_function(constants: StepConstants, n_inputs: int, n_outputs: int, batch_size: int,
                       n_steps: int, loss: str, rate_target: float, rate_reg: float,
                       backend: str, device: str, record: bool
                       ) -> tuple[Callable[[Weights, np.ndarray, TrialBatch], GradientResult],
                                  Callable[[], None]]:
    if backend == "numpy":
        return (lambda w, b, batch: eprop_gradients(w, b, batch, constants, loss, rate_target,
                                                    rate_reg)), (lambda: None)
    if backend == "brian2":
        simulator = EpropSimulator(constants, n_inputs, n_outputs, batch_size, n_steps, loss,
                                   rate_target, rate_reg, device=device, record_spikes=record)
        return simulator.gradients, simulator.close
    raise ValueError(f"backend: unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")


def train(config: EvidenceConfig | PatternConfig, seed: int, *, backend: str = "brian2",
          device: str = "runtime", quiet: bool = True) -> TrainingResult:
    """Train a network on the config's task with e-prop and Adam.

    Parameters
    ----------
    config : EvidenceConfig or PatternConfig
    seed : int
        Seeds the weights, the random feedback, the training and the test trials
        (independent streams from ``SeedSequence(seed)``).
    backend : {"brian2", "numpy"}
    device : {"runtime", "cpp_standalone"}
        Brian2 device (``brian2`` backend only).
    quiet : bool
        No progress bar.

    Returns
    -------
    TrainingResult
    """
    net, training = config.network, config.training
    constants = net.step_constants()
    dt_ms = magnitude(net.dt, "ms")
    # a fifth stream for validation keeps the first four (and so every earlier run) unchanged
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    weight_rng, feedback_rng, train_rng, test_rng, validation_rng = streams
    if isinstance(config, EvidenceConfig):
        loss, n_outputs = "softmax", 2

        def draw(rng, n):
            return evidence_trials(config.task, n, dt_ms, rng)
    else:
        loss, n_outputs = "mse", config.task.n_outputs
        frozen = pattern_trials(config.task, training.batch_size, dt_ms, train_rng)

        def draw(rng, n):
            return frozen
    n_inputs = config.task.n_inputs
    n_rec = net.n_recurrent
    weights = initial_weights(n_inputs, n_rec, n_outputs, weight_rng, net.weight_scale)
    random_feedback = feedback_rng.normal(0, 1 / np.sqrt(n_rec), (n_rec, n_outputs))
    batch_size = training.batch_size
    first = draw(train_rng, batch_size)
    run_batch, close = _gradient_function(
        constants, n_inputs, n_outputs, batch_size, first.n_steps, loss,
        magnitude(training.rate_target, "Hz"), training.rate_regularization, backend, device,
        record=True)
    n_test_batches = -(-training.n_test_trials // batch_size)
    test_batches = [draw(test_rng, batch_size) for _ in range(n_test_batches)]
    # early stopping looks at trials of its own: stopping on the test trials would
    # select the reported network on them
    validation_batches = ([draw(validation_rng, batch_size) for _ in range(n_test_batches)]
                          if training.stop_error > 0 else [])
    adam = Adam(training.learning_rate, training.adam_beta1, training.adam_beta2)
    score = classification_error if loss == "softmax" else normalised_mse
    tag = "error" if loss == "softmax" else "nmse"
    history: dict[str, list[float]] = {"loss": [], f"train_{tag}": [], "rate_hz": [],
                                       "learning_rate": [], "test_iteration": [],
                                       f"test_{tag}": []}

    def score_on(batches: list[TrialBatch], name: str, iteration: int) -> GradientResult:
        """Mean score of the current weights over ``batches``, appended to the history
        as ``{name}_iteration`` / ``{name}_{tag}``; returns the last batch's result."""
        scores, last = [], None
        for batch in batches:
            last = run_batch(weights, feedback_weights(training.feedback, weights,
                                                       random_feedback), batch)
            scores.append(score(last.outputs, batch))
        history.setdefault(f"{name}_iteration", []).append(float(iteration))
        history.setdefault(f"{name}_{tag}", []).append(float(np.mean(scores)))
        return last

    def evaluate(iteration: int) -> tuple[float, GradientResult, TrialBatch]:
        last = score_on(test_batches, "test", iteration)
        return history[f"test_{tag}"][-1], last, test_batches[-1]

    def validate(iteration: int) -> float:
        score_on(validation_batches, "validation", iteration)
        return history[f"validation_{tag}"][-1]

    progress = None
    if not quiet:
        from tqdm import tqdm

        progress = tqdm(total=training.n_iterations, desc=f"e-prop ({training.feedback})")
    try:
        _loop(training, first, draw, train_rng, run_batch, weights, random_feedback, adam, score,
              tag, history, evaluate, validate, progress)
        _, example, example_batch = evaluate(len(history["loss"]))
    finally:
        close()
        if progress is not None:
            progress.close()
    return TrainingResult(weights, history, example, example_batch,
                          feedback_weights(training.feedback, weights, random_feedback))


def _loop(training, first, draw, train_rng, run_batch, weights, random_feedback, adam, score,
          tag, history, evaluate, validate, progress) -> None:
    """The training iterations: one batch, one Adam step; the step size decays every
    ``decay_every`` iterations; stops early once the validation error is below ``stop_error``."""
    batch = first
    for iteration in range(training.n_iterations):
        if iteration:
            batch = draw(train_rng, training.batch_size)
        result = run_batch(weights, feedback_weights(training.feedback, weights, random_feedback),
                           batch)
        history["loss"].append(result.loss / training.batch_size)
        history[f"train_{tag}"].append(score(result.outputs, batch))
        history["rate_hz"].append(float(result.rates_hz.mean()))
        history["learning_rate"].append(adam.learning_rate)
        adam.step(weights, result.gradients)
        if progress is not None:
            progress.update()
            progress.set_postfix({tag: f"{history[f'train_{tag}'][-1]:.3f}"})
        if (iteration + 1) % training.decay_every == 0:
            adam.learning_rate *= training.learning_rate_decay
        if (iteration + 1) % training.test_every == 0 and iteration + 1 < training.n_iterations:
            evaluate(iteration + 1)
            if training.stop_error > 0 and validate(iteration + 1) < training.stop_error:
                break
