"""The Recording: validation on construction, one-file save and load."""

import numpy as np
import pytest

from neurotoolkit.analysis import Recording, RecordingError


def small(**overrides):
    args = dict(spike_times=[0.1, 0.2, 0.2, 1.5], spike_ids=[0, 2, 1, 0],
                cell_labels=["place", "cue", "basket"], field_centres=[10.0, 50.0, np.nan],
                position_times=[0.0, 0.5, 1.0], positions=[0.0, 16.0, 32.0],
                intervals={"online": [0.0, 1.0], "offline": [1.0, 2.0],
                           "cue": [[0.1, 0.2], [0.6, 0.7]]},
                weights={"IE": ([0, 1], [1, 0], [0.5e-9, 1e-9])},
                metadata={"level": "lif", "seed": 3})
    args.update(overrides)
    return Recording.from_arrays(**args)


def test_from_arrays_defaults_and_accessors():
    rec = small()
    assert rec.n_cells == 3
    np.testing.assert_array_equal(rec.latent_order, [0, 1])  # cells with a field, by centre
    np.testing.assert_array_equal(rec.cells("place", "cue"), [0, 1])
    assert rec.phase("offline") == (1.0, 2.0)
    times, ids = rec.spikes_between(0.15, 1.0)
    np.testing.assert_array_equal(ids, [2, 1])
    times, ids = rec.spikes_between(0.0, 2.0, cells=[0])
    np.testing.assert_array_equal(times, [0.1, 1.5])
    with pytest.raises(KeyError, match="no interval 'laps'"):
        rec.phase("laps")


def test_save_load_round_trip(tmp_path):
    rec = small()
    path = rec.save(tmp_path / "run" / "recording")
    assert path.suffix == ".npz" and path.exists()
    assert not list(path.parent.glob("*.tmp"))  # the temporary file was renamed
    back = Recording.load(path)
    for name in ("spike_times", "spike_ids", "cell_labels", "field_centres", "latent_order",
                 "position_times", "positions"):
        np.testing.assert_array_equal(getattr(back, name), getattr(rec, name))
    assert back.intervals.keys() == rec.intervals.keys()
    np.testing.assert_array_equal(back.intervals["cue"], rec.intervals["cue"])
    for a, b in zip(back.weights["IE"], rec.weights["IE"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert back.metadata == rec.metadata and back.position_unit == "cm"


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        Recording.load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(RecordingError, match="not a neurotoolkit Recording"):
        Recording.load(tmp_path / "other.npz")


@pytest.mark.parametrize("overrides, match", [
    (dict(spike_times=[0.2, 0.1, 0.3, 0.4]), "not sorted"),
    (dict(spike_times=[-0.1, 0.1, 0.2, 0.3]), "negative"),
    (dict(spike_times=[0.1, np.nan, 0.2, 0.3]), "nan"),
    (dict(spike_ids=[0, 1, 3, 0]), "out of range"),
    (dict(spike_ids=[0, -1, 1, 0]), r"spike_ids: element 1 \(-1\) is a negative cell id"),
    (dict(spike_ids=[0, 1, 1]), "differ in length"),
    (dict(field_centres=[1.0, 2.0]), "field_centres"),
    (dict(latent_order=[0, 0]), "latent_order: cell 0 appears again at position 1"),
    (dict(latent_order=[0, 5]), "latent_order"),
    (dict(positions=[0.0, 1.0]), "differ in length"),
    (dict(position_times=[0.0, 1.0, 0.5]), "position_times"),
    (dict(intervals={"online": [1.0, 0.0]}), "interval 0 .* does not start before it stops"),
    # no silent truncation, wrap-around or raw numpy error (each names the bad element)
    (dict(spike_ids=[0, 1.7, 1, 0]), r"spike_ids: element 1 \(1.7\) is not an integer id"),
    (dict(spike_ids=[0, np.nan, 1, 0]), r"spike_ids: element 1 \(nan\) is not an integer"),
    (dict(spike_ids=[True, False, True, False]), "spike_ids: cell ids must be integers, got "
                                                 "booleans"),
    (dict(spike_ids=[0, 2**63, 1, 0]), r"spike_ids: element 1 \(9.22.*\) is too large"),
    (dict(spike_ids=[0, 2**64, 1, 0]), r"spike_ids: element 1 .* is not a cell id"),
    (dict(spike_ids=np.array([0, 2**63, 1, 0], dtype=np.uint64)),
     r"spike_ids: element 1 \(9223372036854775808\) is too large"),
    (dict(spike_ids=["a", "b", "c", "d"]), "spike_ids: cell ids must be integers"),
    (dict(latent_order=[0, 1.5]), r"latent_order: element 1 \(1.5\) is not an integer id"),
    (dict(latent_order=[1, -2]), r"latent_order: element 1 \(-2\) is a negative cell id"),
    (dict(intervals={"online": [0.0, np.nan]}), r"intervals\['online'\]: interval 0 .* not "
                                                 "finite"),
    (dict(intervals={"online": [[0.0, 1.0], [2.0, np.inf]]}), "interval 1 .* not finite"),
    (dict(intervals={"online": [0.0, 1.0, 2.0]}), r"intervals\['online'\]: .* even number "
                                                   "of values .* got 3"),
    (dict(intervals={"online": [[0.0, 1.0, 2.0]]}), r"expected shape \(n, 2\) .* got \(1, 3\)"),
    (dict(intervals={"online": [0.5, 0.5]}), "interval 0 .* does not start before it stops"),
    (dict(weights={"EE": ([0], [1])}), r"weights\['EE'\]: expected a 3-tuple \(i, j, w\)"),
    (dict(weights={"EE": ([0], [1.5], [1.0])}), r"weights\['EE'\]\[j\]: element 0 \(1.5\)"),
    (dict(weights={"EE": ([0], [1, 2], [1.0])}), "differ in length"),
    (dict(metadata={"x": object()}), "JSON"),
    (dict(spike_times=[["a"]]), "spike_times"),
    (dict(cell_labels=[["a", "b"]]), "cell_labels"),
])
def test_invalid_arrays_raise_a_clear_error(overrides, match):
    with pytest.raises(RecordingError, match=match):
        small(**overrides)
