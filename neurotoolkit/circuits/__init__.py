"""Network builders: populations, connectivity, and which pathways are plastic."""

from .ca3 import (
                  SYNAPSE_NAMES,
                  CA3Circuit,
                  CellLayout,
                  ConnectionProbabilities,
                  Delays,
                  NetworkConfig,
                  StaticWeights,
                  build_ca3_circuit,
                  make_layout,
                  parameter_values,
                  random_connectivity,
)

__all__ = ["SYNAPSE_NAMES", "CA3Circuit", "CellLayout", "ConnectionProbabilities", "Delays",
           "NetworkConfig", "StaticWeights", "build_ca3_circuit", "make_layout",
           "parameter_values", "random_connectivity"]
