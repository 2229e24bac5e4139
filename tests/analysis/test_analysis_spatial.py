"""Spatial information (Skaggs) and the classing of cells as place cells."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.analysis import (
    classify_place_cells,
    generate_synthetic_replay,
    spatial_information,
)


def test_information_of_a_flat_and_of_a_one_bin_cell():
    occupancy = np.full(8, 2.0)
    flat = np.full(8, 5.0)
    one_bin = np.zeros(8)
    one_bin[3] = 40.0
    info = spatial_information(np.stack([flat, one_bin, np.zeros(8)]), occupancy)
    assert info[0] == pytest.approx(0.0, abs=1e-12)
    assert info[1] == pytest.approx(np.log2(8))  # all spikes in 1 of 8 equal bins
    assert np.isnan(info[2])  # no spikes, no information


def test_unvisited_bins_do_not_count():
    counts = np.array([[4.0, 0.0, 4.0, 0.0]])
    occupancy = np.array([1.0, 1.0, 1.0, 0.0])
    assert spatial_information(counts, occupancy)[0] == pytest.approx(np.log2(3 / 2))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_field_cells_are_place_cells_and_flat_cells_are_not(seed):
    # 60 cells with a 15 cm field, 20 at a flat 0.5 Hz, 4 laps of 200 cm.  A flat
    # cell passes the shuffle test (alpha = 0.01) with probability about 0.01
    # (observed 2 of 120 over seeds 1-12), so more than two of twenty (p < 0.002)
    # is a failure of the rule.
    truth = generate_synthetic_replay(n_cells=60, n_events=2, n_other_cells=20,
                                      track_length=200.0, n_laps=4, rng=seed)
    rec = truth.recording
    classes = classify_place_cells(rec, rec.phase("online"), rng=seed)
    field = rec.cell_labels == "place"
    assert classes.is_place[field].all()
    assert classes.is_place[~field].sum() <= 2
    error = np.abs(classes.field_centres[field] - rec.field_centres[field])
    assert np.median(error) < 5.0 and error.max() < 20.0
    assert np.all(np.isnan(classes.field_centres[~classes.is_place]))


def test_a_run_without_positions_is_an_error():
    rec = generate_synthetic_replay(n_cells=5, n_events=1, rng=0).recording
    with pytest.raises(ValueError, match="position samples"):
        classify_place_cells(rec, (1e6, 1e6 + 1))
