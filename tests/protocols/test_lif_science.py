"""The point-neuron level's scientific claims on the default preset, over seeds.

Pathway sets are compared at identical settings (same build, connectivity,
inputs and noise per seed).  What is asserted, and why these tolerances:

- ``EE+IE``: cue cells are left out of replay (participation ratio <= 0.5),
  learned inhibition onto cue cells exceeds that onto place cells, and replay
  follows the track (median sequence distance <= 0.3; chance is about 0.48
  here).  Over seeds 1-5 the ratio was 0.30, 0.25, 0.25, 0.64, 0.35 (seed 4
  misses the bound), the distance 0.10, 0.29, 0.23, 0.18, 0.15 and the I->E
  weight onto cue cells 2.2-2.4 nS against 0.34-0.36 nS onto place cells.
  The test runs seeds 1-3 and requires every one.
- ``EE`` alone: the cue assembly, whose recurrent weights saturate, takes
  over offline activity at the same settings: either it locks into
  persistent firing with place and cue counts strongly correlated (r > 0.8)
  and no separable events, or cue cells join events at least as often as
  place cells (ratio >= 0.8).  Place and cue spike counts offline are
  correlated far more with ``EE`` (0.76-0.98) than with ``EE+IE`` (-0.34-0.02).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from neurotoolkit.protocols.comparison import compare_pathway_sets

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def rows():
    return compare_pathway_sets("default", SEEDS, ("EE", "EE+IE"))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_inhibitory_plasticity_excludes_the_cue_and_replay_follows_the_track(rows, seed):
    row = next(r for r in rows if r["seed"] == seed and r["pathways"] == "EE+IE")
    assert row["n_replay_events"] >= 5
    assert row["participation_ratio"] <= 0.5
    assert row["w_ie_cue_mean"] > row["w_ie_place_mean"]
    assert row["sequence_distance"] <= 0.3 < row["sequence_distance_chance"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_excitatory_plasticity_alone_lets_the_cue_take_over(rows, seed):
    row = next(r for r in rows if r["seed"] == seed and r["pathways"] == "EE")
    if row["n_replay_events"] == 0:
        assert math.isnan(row["participation_ratio"])
        assert row["place_cue_count_correlation"] > 0.8
    else:
        assert row["participation_ratio"] >= 0.8


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_inhibitory_plasticity_decouples_place_and_cue_activity(rows, seed):
    by_pathways = {r["pathways"]: r for r in rows if r["seed"] == seed}
    assert (by_pathways["EE+IE"]["place_cue_count_correlation"]
            < by_pathways["EE"]["place_cue_count_correlation"] - 0.3)


@pytest.mark.slow
def test_replay_with_inhibitory_plasticity_consolidates_the_track_not_the_cue(rows):
    """The downstream population learns from each set's replay events.

    ``EE+IE``: over seeds 1-5 (recorded runs) the consolidated distance was
    0.27, 0.40, 0.12, 0.45, 0.16 against a chance level of 0.49, and the cue
    weight ratio 0.34-0.54 (cue cells left out).  ``EE`` hands on at most one
    event (its weights stay near their initial values, ratio about 1, or
    above 1 when its one event is cue-driven).  Asserted: the mean distance
    over seeds is at least 0.1 below chance, and the cue ratio is below 0.8
    on every seed.
    """
    plastic = [r for r in rows if r["pathways"] == "EE+IE"]
    distance = np.mean([r["consolidated_sequence_distance"] for r in plastic])
    chance = np.mean([r["consolidated_sequence_distance_chance"] for r in plastic])
    assert distance <= chance - 0.1
    assert all(r["consolidated_cue_weight_ratio"] < 0.8 for r in plastic)
