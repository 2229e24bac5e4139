"""The latent world: a track run in laps, place inputs, and a salient cue."""

from .cue import CueSchedule, SalientCue
from .inputs import (
                     PlaceInputs,
                     SpikeTrains,
                     merge_spike_trains,
                     one_spike_per_step,
                     place_rate,
                     place_spike_trains,
                     window_spike_trains,
)
from .track import Track, latent_order

__all__ = ["Track", "latent_order", "SalientCue", "CueSchedule", "PlaceInputs", "SpikeTrains",
           "place_rate", "place_spike_trains", "window_spike_trains", "merge_spike_trains",
           "one_spike_per_step"]
