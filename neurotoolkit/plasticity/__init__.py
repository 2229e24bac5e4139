"""Synaptic learning rules (pair STDP, Vogels 2011 iSTDP) and plastic pathway sets."""

from .pathways import PATHWAY_SETS, PlasticityConfig
from .rules import LearningCode, PlasticityRule, pair_weight_change

__all__ = ["PATHWAY_SETS", "PlasticityConfig", "PlasticityRule", "LearningCode",
           "pair_weight_change"]
