"""Which synaptic pathways learn, and by which rule."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Section, param, section
from .rules import PlasticityRule

__all__ = ["PATHWAY_SETS", "PlasticityConfig", "pathway_key"]

#: The pathway sets compared by Liao et al. 2024: E->E only; E->E and I->E;
#: E->E, I->E and E->I.
PATHWAY_SETS: dict[str, tuple[str, ...]] = {
    "EE": ("EE",),
    "EE+IE": ("EE", "IE"),
    "EE+IE+EI": ("EE", "IE", "EI"),
}


@dataclass(frozen=True)
class PlasticityConfig(Section):
    """The plastic pathways and their rules.

    Attributes
    ----------
    pathways : {"EE", "EE+IE", "EE+IE+EI"}
        Which of pyramidal->pyramidal (EE), interneuron->pyramidal (IE) and
        pyramidal->interneuron (EI) synapses learn during exploration.
    ee, ie, ei : PlasticityRule
        The rule of each pathway.  Defaults follow Liao et al. 2024:
        symmetric potentiation-only pair STDP, tau 62.5 ms (EE, EI) and
        5 ms (IE), A = 0.08 nS, w_max = 20 nS, w_init = 0.1 nS.
    """

    pathways: str = param("EE+IE", choices=tuple(PATHWAY_SETS))
    ee: PlasticityRule = section(PlasticityRule)
    ie: PlasticityRule = section(PlasticityRule, tau_pre_post="5 ms", tau_post_pre="5 ms")
    ei: PlasticityRule = section(PlasticityRule)

    def is_plastic(self, pathway: str) -> bool:
        """Whether ``pathway`` (``"EE"``, ``"IE"`` or ``"EI"``) learns."""
        return pathway in PATHWAY_SETS[self.pathways]

    def rule(self, pathway: str) -> PlasticityRule:
        """The rule of ``pathway``."""
        return {"EE": self.ee, "IE": self.ie, "EI": self.ei}[pathway]

    def describe(self) -> dict[str, str]:
        """Pathway name to a one-line description of its rule (or ``"static"``)."""
        return {p: (self.rule(p).describe() if self.is_plastic(p) else "static")
                for p in ("EE", "IE", "EI")}


def pathway_key(pathways: str) -> str:
    """A pathway set as a name part: ``"EE+IE"`` -> ``"EE_IE"`` (metric suffixes, folders)."""
    return pathways.replace("+", "_")
