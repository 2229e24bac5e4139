"""What a figure function gets and returns, and how the set lists it.

:class:`Context` (where runs come from, how many), :class:`Drawn` (the figure
and the numbers drawn) and :class:`FigureSpec` (a figure's name, title,
caption text and drawing function).  The set itself is listed in
:data:`neurotoolkit.figures.catalogue.FIGURES`; :mod:`.core` draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .runs import Run, RunStore, available_levels

__all__ = ["Context", "Drawn", "FigureSpec"]


@dataclass
class Context:
    """What a figure function gets: where runs come from and how many to make."""

    store: RunStore
    plan: Any  #: the :class:`~neurotoolkit.figures.core.FigurePlan` (defined with the plans)

    def levels(self, experiment: str = "consolidation") -> tuple[str, ...]:
        """Levels at which ``experiment`` runs with this preset."""
        return available_levels(experiment, self.plan.preset)

    def spiking_level(self) -> str | None:
        """The point-neuron level if present, else the dendritic one, else None."""
        levels = self.levels()
        return next((lv for lv in ("lif", "dendritic") if lv in levels), None)

    def seeds_of(self, level: str) -> tuple[int, ...]:
        """Seeds used at ``level``."""
        return {"binary": self.plan.binary_seeds,
                "dendritic": self.plan.dendritic_seeds}.get(level, self.plan.seeds)


@dataclass
class Drawn:
    """What a figure function returns.

    Attributes
    ----------
    figure : matplotlib Figure or None
        None when nothing could be drawn (``missing`` says why).
    values : dict
        The numbers drawn (written to ``NAME.json``).
    runs : list of Run
        The runs the figure was drawn from.
    notes : list of str
        Caption remarks (e.g. how an event was chosen).
    missing : list of str
        Parts not drawn, each with the reason.
    """

    figure: Any
    values: dict[str, Any] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the set: its name, title, what it shows, and how to draw it."""

    name: str
    title: str
    shows: str
    draw: Callable[[Context], Drawn]
