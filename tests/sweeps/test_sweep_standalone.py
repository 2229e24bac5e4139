"""cpp_standalone sweeps compile once per network structure and rerun with run_args."""

from __future__ import annotations

import json

import pytest

from neurotoolkit.sweeps import run_sweep
from neurotoolkit.sweeps.table import read_table

SWEEP = """\
experiment = "consolidation"
level = "lif"
preset = "tiny"
device = "cpp_standalone"
seeds = [1]

[grid]
"offline.recurrent_gain" = {gains}
"""


def stamps(build):
    """Modification times of the compiled program and its object files."""
    files = [build / "main", *sorted(build.glob("**/*.o"))]
    assert len(files) > 5
    return {str(f): f.stat().st_mtime_ns for f in files}


@pytest.mark.slow
def test_parameter_sweep_builds_once(tmp_path, monkeypatch):
    builds = tmp_path / "builds"
    monkeypatch.setenv("NEUROTOOLKIT_BUILD_DIR", str(builds))  # a cold, private cache
    path = tmp_path / "gain.toml"
    path.write_text(SWEEP.format(gains="[0.5, 0.8]"))
    report = run_sweep(path, tmp_path / "out", workers=2, quiet=True)
    assert (report.n_ok, report.n_failed) == (2, 0)

    folders = [d for d in builds.iterdir() if d.is_dir()]
    assert len(folders) == 1  # one structure, one program
    rows = read_table(tmp_path / "out" / "results.csv")
    build_s = [float(r["build_s"]) for r in rows]
    assert build_s[0] > 0 and build_s[1] == 0.0  # the second point reran the first's program
    for row in rows:
        provenance = json.loads((tmp_path / "out" / row["run_dir"] / "provenance.json")
                                .read_text())
        assert provenance["build_dir"] == str(folders[0])
        assert provenance["device"] == "cpp_standalone"
    # the swept value reached the compiled program: offline activity differs
    assert rows[0]["rate_pyramidal_offline_hz"] != rows[1]["rate_pyramidal_offline_hz"]

    # a later sweep of the same structure finds the program compiled: nothing recompiles
    before = stamps(folders[0])
    later = tmp_path / "later.toml"
    later.write_text(SWEEP.format(gains="[0.65]"))
    again = run_sweep(later, tmp_path / "later", workers=1, quiet=True)
    assert again.n_ok == 1
    assert [d for d in builds.iterdir() if d.is_dir()] == folders
    assert stamps(folders[0]) == before
