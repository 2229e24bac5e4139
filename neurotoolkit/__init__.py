"""neurotoolkit: replay and consolidation in hippocampal networks, at three levels.

Point-neuron (LIF/AdEx) and Dendrify compartmental networks built on Brian2,
an abstract binary network with a convergence theorem, and an analysis library
that detects and decodes replay and measures its distance to the latent
sequence of the world.

Importing the package has no side effects and does not import Brian2; import
the subpackages you need (``neurotoolkit.analysis`` is pure numpy).
"""

from ._version import __version__

__all__ = ["__version__"]
