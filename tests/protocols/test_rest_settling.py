"""The settling time at the start of the rest (``analysis.settle``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from neurotoolkit.analysis import generate_synthetic_sweeps
from neurotoolkit.config import ConfigError
from neurotoolkit.protocols.metrics import offline_window, replay_metrics
from neurotoolkit.protocols.settings import AnalysisConfig


def _with_onset_burst(recording, duration=0.15, spikes_per_cell=8, seed=0):
    """Every cell, place and cue alike, fires a burst as the rest begins."""
    rng = np.random.default_rng(seed)
    t0 = recording.phase("offline")[0]
    n = recording.cell_labels.size
    ids = np.repeat(np.arange(n), spikes_per_cell)
    times = t0 + rng.uniform(0.0, duration, ids.size)
    all_times = np.concatenate([recording.spike_times, times])
    all_ids = np.concatenate([recording.spike_ids, ids])
    order = np.argsort(all_times, kind="stable")
    return dataclasses.replace(recording, spike_times=all_times[order], spike_ids=all_ids[order])


def _metrics(recording, settle):
    analysis = AnalysisConfig.from_dict({"settle": settle, "n_shuffles": 5})
    return replay_metrics(recording, analysis, np.random.default_rng(1))


def test_settling_leaves_an_onset_burst_out_of_every_rest_statistic():
    # cue cells fire tonically through the sweeps: their counts do not follow the place cells'
    clean = generate_synthetic_sweeps(n_place_cells=120, n_background_cells=30,
                                      background="tonic", rest_duration=6.0, n_laps=2,
                                      rng=3).recording
    burst = _with_onset_burst(clean)
    raw = _metrics(burst, "0 s")
    settled = _metrics(burst, "0.5 s")
    reference = _metrics(clean, "0.5 s")
    # one shared burst bin makes place and cue counts look correlated
    assert raw["place_cue_count_correlation"] > reference["place_cue_count_correlation"] + 0.2
    for key in ("place_cue_count_correlation", "n_replay_events", "rate_pyramidal_offline_hz",
                "cue_rate_gain", "place_rate_gain"):
        assert settled[key] == pytest.approx(reference[key], rel=1e-9, nan_ok=True), key
    t0, t1 = burst.phase("offline")
    assert offline_window(burst, AnalysisConfig.from_dict({"settle": "0.5 s"})) == (t0 + 0.5, t1)


def test_a_settling_time_longer_than_the_rest_is_an_error_naming_the_setting():
    recording = generate_synthetic_sweeps(n_place_cells=40, n_background_cells=5,
                                          rest_duration=1.0, n_laps=1, rng=1).recording
    with pytest.raises(ConfigError, match="analysis.settle"):
        offline_window(recording, AnalysisConfig.from_dict({"settle": "2 s"}))


def test_a_configuration_whose_settling_outlasts_its_rest_is_refused_before_simulating():
    from neurotoolkit.runner import resolve_config

    with pytest.raises(ConfigError, match="analysis.settle") as error:
        resolve_config("consolidation", "lif", "tiny", {"analysis.settle": "1.5 s"})
    assert "convergence.rest" in str(error.value)
    config = resolve_config("consolidation", "dendritic", "default", {})
    assert config.analysis.settle > 0  # the dendritic network's onset burst
