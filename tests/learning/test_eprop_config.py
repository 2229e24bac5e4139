"""Bad input to the e-prop experiments: a clear error naming the field, exit status 2."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.cli import main
from neurotoolkit.config import ConfigError
from neurotoolkit.learning.config import EvidenceConfig, NetworkSection, PatternConfig
from neurotoolkit.learning.tasks import TrialBatch, evidence_trials, pattern_trials
from neurotoolkit.runner import resolve_config


@pytest.mark.parametrize("experiment", ["eprop-evidence", "eprop-pattern"])
@pytest.mark.parametrize("preset", ["tiny", "default"])
def test_presets_load(experiment, preset):
    config = resolve_config(experiment, "lif", preset)
    assert config.network.n_recurrent > 0


def test_paper_preset_is_the_published_task():
    config = resolve_config("eprop-evidence", "lif", "paper")
    assert (config.network.n_regular, config.network.n_adaptive) == (50, 50)
    assert config.task.n_inputs == 40 and config.task.n_cues == 7
    assert config.training.batch_size == 64 and config.training.learning_rate == 0.005


@pytest.mark.parametrize("override, field", [
    ({"training.feedback": "transposed"}, "training.feedback"),
    ({"network.tau_membrane": "0 ms"}, "network.tau_membrane"),
    ({"network.tau_adaptation": "-5 ms"}, "network.tau_adaptation"),
    ({"network.tau_readout": "20 mV"}, "network.tau_readout"),
    ({"task.n_inputs": 10}, "task.n_inputs"),
])
def test_bad_evidence_settings_name_the_field(override, field):
    with pytest.raises(ConfigError) as err:
        resolve_config("eprop-evidence", "lif", "tiny", override)
    assert err.value.field == field


def test_pattern_amplitudes_must_match_frequencies():
    with pytest.raises(ConfigError) as err:
        resolve_config("eprop-pattern", "lif", "tiny", {"task.frequencies": [1.0, 2.0, 3.0]})
    assert err.value.field == "task.amplitudes"


@pytest.mark.parametrize("args, field", [
    (["--set", "training.feedback=transposed"], "training.feedback"),
    (["--set", "network.tau_membrane=0 ms"], "network.tau_membrane"),
    (["--set", "task.amplitudes=[1.0]"], "task.amplitudes"),
])
def test_cli_bad_input_exit_2(tmp_path, capsys, args, field):
    out = tmp_path / "run"
    code = main(["run", "eprop-pattern", "--level", "lif", "--preset", "tiny",
                 "--out", str(out), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("neurotoolkit: error:") and field in err and "\n" not in err
    assert not out.exists()


def test_cli_other_levels_are_refused(capsys):
    assert main(["run", "eprop-evidence", "--level", "binary", "--preset", "tiny"]) == 2
    assert "level" in capsys.readouterr().err


def test_target_of_wrong_shape_is_named():
    from neurotoolkit.learning.network import EpropSimulator
    from neurotoolkit.learning.weights import initial_weights

    constants = NetworkSection.from_dict({"n_regular": 4, "n_adaptive": 0}).step_constants()
    simulator = EpropSimulator(constants, 3, 2, 1, 10, "mse")
    rng = np.random.default_rng(0)
    weights = initial_weights(3, 4, 2, rng)
    batch = TrialBatch(np.zeros((1, 10, 3)), np.zeros((1, 10, 3)), np.ones((1, 10)))
    with pytest.raises(ValueError, match="^target: expected shape"):
        simulator.gradients(weights, np.zeros((4, 2)), batch)
    with pytest.raises(ValueError, match="^feedback: expected shape"):
        good = TrialBatch(np.zeros((1, 10, 3)), np.zeros((1, 10, 2)), np.ones((1, 10)))
        simulator.gradients(weights, np.zeros((2, 4)), good)


def test_unknown_loss_and_feedback_are_named():
    from neurotoolkit.learning.network import EpropSimulator
    from neurotoolkit.learning.weights import feedback_weights, initial_weights

    constants = NetworkSection.from_dict({"n_regular": 4, "n_adaptive": 0}).step_constants()
    with pytest.raises(ValueError, match="^loss"):
        EpropSimulator(constants, 3, 2, 1, 10, "hinge")
    with pytest.raises(ValueError, match="^feedback"):
        feedback_weights("transposed", initial_weights(3, 4, 2, np.random.default_rng(0)), None)


def test_evidence_trials_label_the_side_with_more_cues():
    config = EvidenceConfig()
    batch = evidence_trials(config.task, 32, 1.0, np.random.default_rng(3))
    q = config.task.n_inputs // 4
    recall = 150  # steps of the default recall window (1 ms steps)
    cue_end = batch.n_steps - 1200 - recall
    left = batch.inputs[:, :cue_end, :q].sum(axis=(1, 2))
    right = batch.inputs[:, :cue_end, q:2 * q].sum(axis=(1, 2))
    # 7 cues of 10 channels x 100 ms x 40 Hz: the majority side has clearly more spikes
    agree = np.mean((right > left) == (batch.labels == 1))
    assert agree > 0.9
    assert batch.mask[:, -recall:].all() and not batch.mask[:, :-recall].any()
    assert batch.target.shape == (32, batch.n_steps, 2)


def test_pattern_target_is_the_sum_of_sinusoids():
    config = PatternConfig()
    batch = pattern_trials(config.task, 2, 1.0, np.random.default_rng(0))
    spectrum = np.abs(np.fft.rfft(batch.target[0, :, 0]))
    peaks = set(np.argsort(spectrum)[-4:])  # 1 s trial: bin k is k Hz
    assert peaks == {1, 2, 3, 5}
    np.testing.assert_array_equal(batch.inputs[0], batch.inputs[1])
