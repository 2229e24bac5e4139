"""The abstract binary model of replay and its convergence theorem (numpy only).

Place units fire at their position on each lap, cue units at a cue that moves
(or not) from lap to lap, interneurons at the cue or along the track; Hebbian
excitatory and inhibitory plasticity count co-activations; offline replay is a
thresholded dynamics on the learned weights.  ``docs/theory.md`` states and
proves when the replayed sequence converges to the latent sequence and how
fast; :mod:`neurotoolkit.binary.theory` computes the theorem's quantities.

Modules
-------
config       :class:`BinaryConfig` and its sections
layout       unit ids, classes and the latent sequence
activity     per-lap stochastic activity
learning     Hebbian co-activation counts
replay       the replay dynamics
network      one network end to end, as a Recording
theory       mean field, exact error probabilities, Cramér rates
convergence  the many-network convergence simulation and the rate fit
experiment   ``consolidation`` and ``convergence`` (runner entry points)

Importing this package does not import Brian2.
"""

from .config import PATHWAY_SETS, BinaryConfig
from .layout import Layout
from .learning import Counts, count_coactivations
from .network import TrainedNetwork, replay_network, to_recording, train_network
from .replay import integer_threshold, run_replay
from .theory import Theory, analyse

__all__ = [
    "PATHWAY_SETS",
    "BinaryConfig",
    "Layout",
    "Counts",
    "count_coactivations",
    "TrainedNetwork",
    "train_network",
    "replay_network",
    "to_recording",
    "integer_threshold",
    "run_replay",
    "Theory",
    "analyse",
]
