"""Run directories under failure, and reading tables: CSV columns as numbers."""

from __future__ import annotations

import numpy as np
import pytest

from neurotoolkit.io import RUN_MARKER, run_directory


def test_table_column_reads_missing_as_nan() -> None:
    from neurotoolkit.io import table_column

    column = table_column([{"x": "1.5"}, {"x": ""}, {}], "x")
    assert column[0] == 1.5 and np.isnan(column[1:]).all()


def test_a_failed_run_keeps_the_work_it_had_saved(tmp_path) -> None:
    out = tmp_path / "run"
    with pytest.warns(RuntimeWarning, match="run.incomplete"), pytest.raises(KeyboardInterrupt):
        with run_directory(out) as partial:
            (partial / "convergence.partial.csv").write_text("seed,laps\n1,1\n")
            raise KeyboardInterrupt
    kept = tmp_path / "run.incomplete"
    assert (kept / "convergence.partial.csv").read_text() == "seed,laps\n1,1\n"
    assert (kept / RUN_MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.incomplete"]


def test_a_failed_run_with_nothing_saved_leaves_nothing(tmp_path) -> None:
    with pytest.raises(RuntimeError):
        with run_directory(tmp_path / "run"):
            raise RuntimeError("boom")
    assert not list(tmp_path.iterdir())
