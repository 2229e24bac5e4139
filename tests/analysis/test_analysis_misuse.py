"""Misuse of the analysis API gets a clear error, never a plausible wrong answer.

Each case once gave a number (or a raw numpy/zip error): a repeated or
negative id in ``sequence_distance``, negative, non-finite or non-numeric
counts in ``decode``, and damaged Recording files.
"""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from neurotoolkit.analysis import Recording, RecordingError, decode, sequence_distance

# --- sequence_distance ---------------------------------------------------------------


@pytest.mark.parametrize("order, latent, match", [
    ([0, 1, 2, 3], [0, 1, 2, 3, 0], r"latent: cell 0 appears again at position 4"),
    ([0, 1, 2, 1], [0, 1, 2, 3], r"order: cell 1 appears again at position 3"),
    ([-1, 0, 1, 2], [0, 1, 2, 3, 4], r"order: element 0 \(-1\) is a negative cell id"),
    ([0, 1, 2], [0, 1, -3], r"latent: element 2 \(-3\) is a negative cell id"),
    ([0, 1.5, 2], [0, 1, 2], r"order: element 1 \(1.5\) is not an integer id"),
    ([True, False], [0, 1], r"order: cell ids must be integers, got booleans"),
    (["a", "b"], [0, 1], r"order: cell ids must be integers"),
    ([[0, 1]], [0, 1], r"order: expected a 1-d array"),
])
def test_sequence_distance_refuses_what_it_would_misread(order, latent, match):
    with pytest.raises(ValueError, match=match):
        sequence_distance(order, latent)


def test_sequence_distance_still_takes_integer_valued_floats():
    assert sequence_distance(np.array([3.0, 2.0, 1.0, 0.0]), [0, 1, 2, 3]) == 0.0
    assert np.isnan(sequence_distance([], [0, 1]))  # fewer than two shared cells


# --- decode -------------------------------------------------------------------------

TUNING = np.eye(3) * 50.0


@pytest.mark.parametrize("counts, match", [
    ([[0, -1, 0]], r"counts: element \(0, 1\) is -1; counts must be non-negative"),
    ([[0, np.nan, 0]], r"counts: element \(0, 1\) is nan; counts must be finite"),
    ([[0, 1, np.inf]], r"counts: element \(0, 2\) is inf; counts must be finite"),
    ([["0", "3", "0"]], r"counts: spike counts must be numbers, got dtype <U1"),
    (np.array([[0, 3, None]], dtype=object), r"counts: spike counts must be numbers"),
])
def test_decode_refuses_counts_that_are_not_counts(counts, match):
    with pytest.raises(ValueError, match=match):
        decode(counts, TUNING, 0.02)


def test_decode_still_decodes_counts():
    posterior = decode(np.array([[0, 3, 0], [0, 0, 0]]), TUNING, 0.02)
    assert posterior.shape == (2, 3) and int(posterior[0].argmax()) == 1
    np.testing.assert_allclose(posterior.sum(axis=1), 1.0)


# --- Recording.load on damaged files ---------------------------------------------------


def _recording():
    return Recording.from_arrays(spike_times=[0.1, 0.2], spike_ids=[0, 1],
                                 cell_labels=["place", "cue"], field_centres=[1.0, 2.0],
                                 intervals={"offline": [0.0, 1.0]},
                                 weights={"IE": ([0], [1], [1.0])})


def _rewrite(path, change):
    """Copy the archive at ``path`` with members changed by ``change(name, data)``."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in members.items():
            changed = change(name, data)
            if changed is not None:
                target.writestr(name, changed)
    path.write_bytes(buffer.getvalue())


def _header_npy(text):
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(text))
    return buffer.getvalue()


def _damage(kind, path):
    data = path.read_bytes()
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif kind == "corrupted":  # bytes flipped inside the compressed arrays
        middle = bytearray(data)
        for k in range(len(middle) // 3, len(middle) // 3 + 64):
            middle[k] ^= 0xFF
        path.write_bytes(bytes(middle))
    elif kind == "not npz":
        path.write_text("time,cell\n0.1,0\n")
    elif kind == "npy":
        np.save(path.with_suffix(".npy"), np.arange(3))
        os.replace(path.with_suffix(".npy"), path)
    elif kind == "missing array":
        _rewrite(path, lambda name, d: None if name == "spike_ids.npy" else d)
    elif kind == "missing weight":
        _rewrite(path, lambda name, d: None if name == "weights/IE/w.npy" else d)
    elif kind == "bad json":
        _rewrite(path, lambda name, d: _header_npy("{not json") if name == "header.npy" else d)
    elif kind == "other format":
        _rewrite(path, lambda name, d: (_header_npy(json.dumps({"format": "other"}))
                                        if name == "header.npy" else d))
    elif kind == "invalid arrays":
        _rewrite(path, lambda name, d: _npy([5, 1]) if name == "spike_ids.npy" else d)


def _npy(values):
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(values))
    return buffer.getvalue()


@pytest.mark.parametrize("kind, problem", [
    ("empty", "the file is empty"),
    ("truncated", "damaged or incomplete|not an .npz"),
    ("corrupted", "damaged or incomplete|not an .npz|no header|header"),
    ("not npz", r"not an \.npz archive"),
    ("npy", r"not an \.npz archive"),
    ("missing array", "missing array\\(s\\): spike_ids"),
    ("missing weight", "missing array\\(s\\): weights/IE/w"),
    ("bad json", "the header is not valid JSON"),
    ("other format", "does not describe a neurotoolkit Recording"),
    ("invalid arrays", "spike_ids: id 5 out of range"),
])
def test_damaged_recording_files_give_one_recording_error(tmp_path, kind, problem):
    path = _recording().save(tmp_path / "recording.npz")
    _damage(kind, path)
    with pytest.raises(RecordingError) as info:
        Recording.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert __import__("re").search(problem, message), message


def test_a_missing_file_is_still_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        Recording.load(tmp_path / "absent.npz")


def test_integer_valued_float_ids_are_still_accepted():
    """A lab's ids stored as floats (``3.0``) are ids; only fractions are refused."""
    rec = Recording.from_arrays(spike_times=[0.1, 0.2], spike_ids=np.array([1.0, 0.0]),
                                cell_labels=["place", "place"], latent_order=[1.0, 0.0])
    assert rec.spike_ids.dtype == np.int64 and rec.spike_ids.tolist() == [1, 0]
    assert rec.latent_order.tolist() == [1, 0]
