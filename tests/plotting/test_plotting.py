"""Plot helpers: deterministic checks of what they compute and return."""

from __future__ import annotations

import math

import numpy as np
import pytest


def _recording():
    from neurotoolkit.analysis import Recording

    # cells 0..3 with fields at 30, 10, 20 and none; cell 4 a cue cell at 5
    return Recording.from_arrays(
        spike_times=[0.1, 0.2], spike_ids=[0, 1],
        cell_labels=["place", "place", "place", "interneuron_place", "cue"],
        field_centres=[30.0, 10.0, 20.0, np.nan, 5.0],
        weights={"EE": (np.array([1, 1, 2]), np.array([0, 0, 4]), np.array([1.0, 2.0, 5.0]))})


def test_latent_rank_puts_cells_in_latent_order() -> None:
    from neurotoolkit.plotting import latent_rank

    rec = _recording()
    assert latent_rank(rec, np.arange(5)).tolist() == [4, 1, 2, 0, 3]


def test_weight_submatrix_sums_multiple_synapses() -> None:
    from neurotoolkit.plotting import weight_submatrix

    rec = _recording()
    matrix = weight_submatrix(rec, "EE", pre=np.array([1, 2]), post=np.array([0, 4]))
    assert matrix.tolist() == [[3.0, 0.0], [0.0, 5.0]]
    with pytest.raises(KeyError, match="IE"):
        weight_submatrix(rec, "IE", pre=np.array([1]), post=np.array([0]))


def test_seed_bars_return_the_means() -> None:
    from matplotlib.figure import Figure

    from neurotoolkit.plotting import plot_grouped_seed_bars, plot_seed_bars

    ax = Figure().subplots()
    heights = plot_seed_bars(ax, {"a": [1.0, 3.0], "b": [np.nan]})
    assert heights["a"] == 2.0 and math.isnan(heights["b"])
    grouped = plot_grouped_seed_bars(ax, {"EE": {"place": [1, 2], "cue": [3, 5]}})
    assert grouped == {"EE": {"place": 1.5, "cue": 4.0}}
