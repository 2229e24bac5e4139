"""Cell models as Brian2 Equations: point neurons (LIF, AdEx) and Dendrify neurons."""

from .point import (
                    PointCell,
                    PointCellModel,
                    SynapticKinetics,
                    basket_cell,
                    dual_exponential_peak_norm,
                    membrane_equations,
                    pyramidal_cell,
                    synapse_equations,
)

__all__ = ["PointCell", "PointCellModel", "SynapticKinetics", "basket_cell",
           "dual_exponential_peak_norm", "membrane_equations", "pyramidal_cell",
           "synapse_equations"]
