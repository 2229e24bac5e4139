"""Choosing the Brian2 device (``--device auto``) and progress lines on both devices."""

from __future__ import annotations

import json
import os

import pytest

from neurotoolkit.cli import main
from neurotoolkit.protocols import devices
from neurotoolkit.protocols.devices import AUTO_MIN_STEPS, choose_device, simulated_steps
from neurotoolkit.protocols.progress import PROGRESS_ENV, TextProgress, standalone_progress
from neurotoolkit.runner import resolve_config


@pytest.fixture
def compiler(monkeypatch):
    """``compiler(found)``: pretend a working C++ compiler is (not) there."""
    def set_found(found: bool) -> None:
        monkeypatch.setattr(devices, "compiler_available", lambda: found)
    return set_found


def test_a_named_device_is_used_as_named():
    config = resolve_config("consolidation", "lif", "tiny")
    for name in ("runtime", "cpp_standalone"):
        choice = choose_device(name, config, "lif")
        assert (choice.device, choice.requested) == (name, name)
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        choose_device("gpu", config, "lif")


def test_auto_compiles_long_runs_only_where_a_compiler_works(compiler):
    default = resolve_config("consolidation", "lif", "default")
    tiny = resolve_config("consolidation", "lif", "tiny")
    assert simulated_steps(tiny) < AUTO_MIN_STEPS <= simulated_steps(default)
    compiler(True)
    assert choose_device("auto", default, "lif").device == "cpp_standalone"
    short = choose_device("auto", tiny, "lif")
    assert short.device == "runtime" and "too short" in short.reason
    compiler(False)
    missing = choose_device("auto", default, "lif")
    assert missing.device == "runtime" and "no working C++ compiler" in missing.reason
    assert missing.describe().startswith("device: runtime (auto: ")


def test_auto_counts_every_rest_of_a_convergence_run():
    config = resolve_config("convergence", "lif", "tiny")
    plan = config.convergence
    expected = (max(plan.laps) * config.track.lap_duration_s
                + len(plan.laps) * 1.5) / 1e-4  # tiny: 1.5 s rests, 0.1 ms steps
    assert simulated_steps(config, "convergence") == pytest.approx(expected, abs=1)
    assert simulated_steps(config, "convergence") > simulated_steps(config)


def test_the_binary_level_has_no_device_and_e_prop_stays_on_runtime(compiler):
    compiler(True)
    config = resolve_config("consolidation", "binary", "tiny")
    assert choose_device("auto", config, "binary").device == "runtime"
    eprop = resolve_config("eprop-pattern", "lif", "tiny")
    choice = choose_device("auto", eprop, "lif", "eprop-pattern")
    assert choice.device == "runtime" and "no size estimate" in choice.reason


def test_the_compiler_probe_answers():
    devices.compiler_available.cache_clear()
    assert isinstance(devices.compiler_available(), bool)


def test_run_records_the_choice(tmp_path):
    out = tmp_path / "run"
    code = main(["run", "consolidation", "--level", "binary", "--preset", "tiny",
                 "--out", str(out)])
    assert code == 0
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["device"] == "runtime"
    assert provenance["device_choice"] == "auto: the binary level runs in numpy"


def test_runtime_progress_lines(capsys):
    report = TextProgress(label="EE+IE")
    report(0.0, 0.0, 0.0, 10.0)  # Brian2's start call prints nothing
    report(4.0, 0.4, 0.0, 10.0)
    report(10.0, 1.0, 0.0, 10.0)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["  EE+IE: simulated 4.0 of 10.0 s (40%) in 4 s, about 6 s left",
                     "  EE+IE: simulated 10.0 of 10.0 s (100%) in 10 s"]


def test_standalone_progress_is_switched_at_run_time():
    os.environ.pop(PROGRESS_ENV, None)
    with standalone_progress(True, label="EE"):
        assert os.environ[PROGRESS_ENV] == "EE"
        with standalone_progress(False):
            assert PROGRESS_ENV not in os.environ
        assert os.environ[PROGRESS_ENV] == "EE"
    assert PROGRESS_ENV not in os.environ


def test_build_structure_follows_what_the_values_decide_of_the_equations():
    from neurotoolkit.protocols.standalone import canonical_config, structure_key

    def key(**overrides):
        config = resolve_config("consolidation", "lif", "tiny", overrides)
        return structure_key(config, "lif", 1), structure_key(canonical_config(config), "lif", 1)

    ee_ie = key()
    # the pathway sets every experiment compares share a build, weights too ...
    assert key(**{"plasticity.pathways": "EE"}) == ee_ie
    assert key(**{"network.weights.noise": "30 nS"}) == ee_ie
    # ... but a pathway that gains learning code, or depression switched on, does not
    all_three = key(**{"plasticity.pathways": "EE+IE+EI"})
    depressing = key(**{"network.ee_depression.utilisation": 0.3})
    assert all_three[0] != ee_ie[0] and depressing[0] != ee_ie[0]
    # the canonical configuration a build is made from keeps its structure
    assert all_three[0] == all_three[1] and depressing[0] == depressing[1]
    assert key(**{"network.ee_depression.utilisation": 0.6}) == depressing
