"""Network builders: populations, connectivity, and which pathways are plastic."""

from .ca3 import (CA3Circuit, CellLayout, ConnectionProbabilities, Delays, NetworkConfig,
                  StaticWeights, build_ca3_circuit, make_layout, random_connectivity)

__all__ = ["CA3Circuit", "CellLayout", "ConnectionProbabilities", "Delays", "NetworkConfig",
           "StaticWeights", "build_ca3_circuit", "make_layout", "random_connectivity"]
