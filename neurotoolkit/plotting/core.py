"""What every figure shares: the style, the colours of cell classes and pathway sets.

Figures are made with :func:`figure` (a plain ``matplotlib.figure.Figure``,
not attached to pyplot, so drawing needs no display and sets no backend).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CLASS_COLOURS", "PATHWAY_COLOURS", "use_style", "figure"]

#: Colour of each cell class, the same in every figure.
CLASS_COLOURS = {
    "place": "#1f77b4",
    "cue": "#d62728",
    "pyramidal": "#7f7f7f",
    "interneuron_cue": "#ff9896",
    "interneuron_place": "#aec7e8",
    "basket": "#2ca02c",
}
#: Colour of each plasticity pathway set.
PATHWAY_COLOURS = {"EE": "#7f7f7f", "EE+IE": "#1f77b4", "EE+IE+EI": "#9467bd"}


def use_style() -> None:
    """Apply the toolkit's matplotlib style (small fonts, no top/right spines)."""
    import matplotlib  # matplotlib loads only when something is drawn

    matplotlib.rcParams.update({
        "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8,
        "axes.spines.top": False, "axes.spines.right": False,
        "legend.frameon": False, "figure.dpi": 110, "savefig.bbox": "tight",
    })


def figure(*args: Any, **kwargs: Any) -> Any:
    """A new matplotlib Figure in the toolkit's style.

    Parameters
    ----------
    *args, **kwargs
        Passed to ``matplotlib.figure.Figure`` (e.g. ``figsize=(8, 3)``).

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot: save it with ``savefig`` or show it in a
        notebook by leaving it as a cell's value.
    """
    from matplotlib.figure import Figure  # matplotlib loads only when something is drawn

    use_style()
    return Figure(*args, **kwargs)
