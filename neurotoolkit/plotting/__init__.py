"""Figures people read, drawn from plain data: Recordings, metrics, tables.

One package for every plot of the toolkit; nothing here runs a simulation or
computes an analysis (that is :mod:`neurotoolkit.analysis`).  Functions draw
on a matplotlib Axes, or return a Figure made with :func:`figure`.

- :mod:`.core`: the style, class and pathway colours, :func:`figure`.
- :mod:`.run`: rasters, weights by class, the figure of a spiking run.
- :mod:`.replay`: trajectory, place fields, weights in latent order, posteriors.
- :mod:`.curves`: learning curves, bars over seeds, error probabilities.
- :mod:`.levels`: the three levels of abstraction side by side.
- :mod:`.comparison`: the demo's pathway-set comparison.
- :mod:`.convergence`, :mod:`.binary`: the figures of the convergence and
  binary experiments.

The names below are the ones notebooks and scripts use; the experiment
figure modules (:mod:`.convergence`, :mod:`.binary`) are imported on their
own by the runner.
"""

from .comparison import comparison_figure
from .core import CLASS_COLOURS, PATHWAY_COLOURS, figure, use_style
from .curves import (
                     plot_error_probability,
                     plot_grouped_seed_bars,
                     plot_learning_curve,
                     plot_seed_bars,
)
from .levels import LEVEL_ORDER, group_by_pathways, plot_levels
from .replay import (
                     latent_rank,
                     mark_cells,
                     plot_place_fields,
                     plot_posterior,
                     plot_trajectory,
                     plot_weight_matrix,
                     weight_submatrix,
)
from .run import plot_participation, plot_raster, plot_run, plot_weights_by_class

__all__ = [
    "CLASS_COLOURS",
    "PATHWAY_COLOURS",
    "LEVEL_ORDER",
    "figure",
    "use_style",
    "plot_raster",
    "plot_weights_by_class",
    "plot_participation",
    "plot_run",
    "latent_rank",
    "weight_submatrix",
    "mark_cells",
    "plot_trajectory",
    "plot_place_fields",
    "plot_weight_matrix",
    "plot_posterior",
    "plot_learning_curve",
    "plot_grouped_seed_bars",
    "plot_seed_bars",
    "plot_error_probability",
    "group_by_pathways",
    "plot_levels",
    "comparison_figure",
]
