"""Exact comparison of two Recordings, for the round-trip tests."""

from __future__ import annotations

import numpy as np

from neurotoolkit.analysis import Recording


def assert_same(original: Recording, copy: Recording) -> None:
    assert np.array_equal(original.spike_times, copy.spike_times)
    assert original.spike_times.tobytes() == copy.spike_times.tobytes()  # bit for bit
    assert np.array_equal(original.spike_ids, copy.spike_ids)
    assert np.array_equal(original.cell_labels, copy.cell_labels)
    assert np.array_equal(original.field_centres, copy.field_centres, equal_nan=True)
    assert np.array_equal(original.latent_order, copy.latent_order)
    assert original.position_times.tobytes() == copy.position_times.tobytes()
    assert original.positions.tobytes() == copy.positions.tobytes()
    assert original.position_unit == copy.position_unit
    assert sorted(original.intervals) == sorted(copy.intervals)
    for name, iv in original.intervals.items():
        assert iv.tobytes() == copy.intervals[name].tobytes(), name
    assert sorted(original.weights) == sorted(copy.weights)
    for name, triplet in original.weights.items():
        for a, b in zip(triplet, copy.weights[name], strict=True):
            assert np.array_equal(a, b), name
            assert a.tobytes() == b.astype(a.dtype).tobytes(), name
    assert copy.metadata == original.metadata
