"""The figure set of neurotoolkit: ``neurotoolkit figures [--out DIR] [--preset NAME]``.

Each figure is a function in :mod:`.catalogue`, listed there in
:data:`FIGURES`, that asks a :class:`RunStore`
for the runs it needs (run once under ``OUT/runs/`` and reused afterwards)
and draws only from what those runs saved.  :func:`make_figures` writes, for
each figure ``NAME``, ``NAME.png``, ``NAME.pdf``, a caption ``NAME.txt``
(what it shows, every run with its seed and overrides, versions) and the
numbers drawn, ``NAME.json``.  The scripts in ``experiments/figures/`` are
thin wrappers, one per figure.

From Python::

    from neurotoolkit.figures import make_figures
    make_figures("figures-out", preset="tiny", names=["participation"])
"""

from .core import (
    FIGURES,
    PLANS,
    Context,
    Drawn,
    FigurePlan,
    FigureRecord,
    FigureSpec,
    check_preset,
    main,
    make_figures,
    plan_for,
    register_figure,
    script_main,
    write_caption,
)
from .runs import Run, RunSpec, RunStore, available_levels

__all__ = ["FIGURES", "PLANS", "Context", "Drawn", "FigurePlan", "FigureRecord", "FigureSpec",
           "Run", "RunSpec", "RunStore", "available_levels", "check_preset", "figure_names", "main",
           "make_figures", "plan_for", "register_figure", "script_main", "write_caption"]


def figure_names() -> list[str]:
    """Names of the figures of the set, in drawing order."""
    return list(FIGURES)
