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


def test_learning_curve_fit_is_drawn_only_over_rests_with_a_distance():
    """A step-like fit (exponent at its bound) must not be extrapolated to empty rests."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from neurotoolkit.analysis import LearningCurveFit
    from neurotoolkit.plotting import plot_learning_curve

    laps = [1, 2, 4, 8, 16, 32]
    distances = np.array([[np.nan, np.nan, np.nan, 0.30, 0.04, 0.07],
                          [np.nan, np.nan, np.nan, 0.29, 0.03, 0.08]])
    fit = LearningCurveFit(c=0.056, a=2.5e8, beta=10.0, c_ci=(0.04, 0.08), a_ci=(0.0, 1e9),
                           beta_ci=(5.0, 10.0), rmse=0.01, n_bootstrap=0, level=0.95,
                           bootstrap=np.empty((0, 3)))
    fig, ax = plt.subplots()
    plot_learning_curve(ax, laps, distances, fit=fit, label="EE+IE")
    fit_line = [line for line in ax.get_lines() if line.get_linestyle() == "--"][0]
    assert fit_line.get_xdata().min() == pytest.approx(8.0)
    assert ax.get_ylim()[1] < 1.0
    plt.close(fig)
