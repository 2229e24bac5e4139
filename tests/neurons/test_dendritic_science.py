"""The dendritic level's claims on its default preset (260 pyramidal, 30 + 30 interneurons).

Pathway sets compared at identical settings per seed (one standalone build).
Over seeds 1-5 (random cue): ``EE+IE`` participation ratio 0.41, 0.31, 0.35,
0.44, 0.32 with learned somatic inhibition onto cue cells 176-210 nS against
38-43 nS onto the other cells; ``EE`` ratio 1.00-1.05 (one event per seed:
rest activity is near-continuous firing, cue cells about 25 Hz); place-cue
count correlation -0.34 to -0.02 with ``EE+IE`` against 0.79-0.84 with ``EE``.
The test runs seed 1 (build and run: about a minute) and asserts the level's
criteria.  The replayed order is at chance (about 0.47) in both sets at this
preset, so no sequence criterion is asserted here.
"""

from __future__ import annotations

import pytest

from neurotoolkit.protocols.comparison import compare_pathway_sets

SEEDS = (1,)


@pytest.fixture(scope="module")
def rows():
    return compare_pathway_sets("default", SEEDS, ("EE", "EE+IE"), level="dendritic")


def _row(rows, seed, pathways):
    return next(r for r in rows if r["seed"] == seed and r["pathways"] == pathways)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_inhibitory_plasticity_leaves_the_cue_out_of_dendritic_replay(rows, seed):
    plastic, alone = _row(rows, seed, "EE+IE"), _row(rows, seed, "EE")
    assert plastic["n_replay_events"] >= 5
    assert plastic["participation_ratio"] <= 0.5
    assert plastic["w_ie_cue_mean"] > plastic["w_ie_place_mean"]
    assert alone["participation_ratio"] >= 0.8
    assert plastic["place_cue_count_correlation"] < alone["place_cue_count_correlation"]
