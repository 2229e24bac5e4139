"""The figure set: ``neurotoolkit figures``, its captions, the figure scripts, the plot helpers.

The end-to-end test draws a subset of the figures on the tiny preset with one
point-neuron seed (two point-neuron runs, a few dozen binary runs: about a
minute on two cores) and checks the files, the captions and that the
numbers drawn are the numbers the runs saved.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from neurotoolkit.cli import main as cli_main
from neurotoolkit.config import ConfigError
from neurotoolkit.figures import PLANS, figure_names, make_figures
from neurotoolkit.figures.keys import GUIDE_BEGIN, GUIDE_END, keys_markdown

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "experiments" / "figures"
#: A subset that touches every kind of figure: a spiking raster and place fields
#: (task), random against fixed cue at the spiking and binary levels, the
#: convergence plot with binary and point-neuron learning curves, and what the
#: downstream population consolidated.
SUBSET = ["task", "cue_placement", "convergence", "consolidation"]
SMALL_PLAN = replace(PLANS["tiny"], seeds=(1,), dendritic_seeds=(1,), binary_seeds=(1, 2),
                     lap_grid=(1, 4, 16), n_bootstrap=50,
                     level_overrides={"lif": {"simulation.target": "numpy", "track.n_laps": 1,
                                              "offline.duration": "1 s",
                                              "convergence.laps": [1, 2, 3],
                                              "convergence.rest": "1 s",
                                              "convergence.n_seeds": 1,
                                              "convergence.pathways": ["EE+IE"],
                                              "convergence.n_bootstrap": 20}})


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("figures")
    records = make_figures(out, plan=SMALL_PLAN, names=SUBSET, quiet=True)
    return out, {r.name: r for r in records}


# ---------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------


def test_every_figure_has_a_record(drawn: tuple[Path, dict]) -> None:
    _, records = drawn
    assert list(records) == SUBSET


@pytest.mark.parametrize("name", SUBSET)
def test_figure_files_exist(drawn: tuple[Path, dict], name: str) -> None:
    out, records = drawn
    assert records[name].drawn, f"{name} not drawn: {records[name].missing}"
    png, pdf = out / f"{name}.png", out / f"{name}.pdf"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert png.stat().st_size > 10_000  # a drawn figure, not an empty canvas
    assert json.loads((out / f"{name}.json").read_text())


@pytest.mark.parametrize("name", SUBSET)
def test_caption_says_what_was_run(drawn: tuple[Path, dict], name: str) -> None:
    out, _ = drawn
    caption = (out / f"{name}.txt").read_text()
    assert caption.startswith(f"{name}: ")
    assert "preset tiny" in caption
    assert "Seeds of the runs drawn:" in caption
    for package in ("neurotoolkit", "brian2", "numpy", "matplotlib"):
        assert f"{package} " in caption.split("Versions:")[1]
    assert "git commit" in caption
    # every run named in the caption is a run directory with its configuration
    for line in caption.splitlines():
        if line.startswith("  ") and ": " in line:
            run = out / "runs" / line.strip().split(":")[0]
            assert (run / "config.toml").is_file() and (run / "provenance.json").is_file()
            assert "seed " in line


def test_caption_lists_runs_with_seeds_and_overrides(drawn: tuple[Path, dict]) -> None:
    out, _ = drawn
    caption = (out / "cue_placement.txt").read_text()
    assert "cue.placement=fixed" in caption and "cue.placement=random" in caption
    assert "level lif, seed 1" in caption and "level binary, seed 2" in caption


def test_consolidation_numbers_are_the_saved_metrics(drawn: tuple[Path, dict]) -> None:
    out, _ = drawn
    values = json.loads((out / "consolidation.json").read_text())
    for level, seeds in (("lif", SMALL_PLAN.seeds), ("binary", SMALL_PLAN.binary_seeds)):
        for pathways in ("EE", "EE+IE"):
            saved = []
            for seed in seeds:
                run = next((out / "runs").glob(
                    f"consolidation-{level}-random-*{pathways.replace('+', '_')}-seed{seed}"))
                metrics = json.loads((run / "metrics.json").read_text())
                saved.append(metrics["consolidated_sequence_distance"])
            drawn_values = values[level]["consolidated_sequence_distance"][pathways]
            assert np.allclose(np.array(drawn_values, float),
                               np.array([math.nan if v is None else v for v in saved], float),
                               equal_nan=True)


def test_point_neuron_learning_curve_is_the_saved_table(drawn: tuple[Path, dict]) -> None:
    out, _ = drawn
    values = json.loads((out / "convergence.json").read_text())
    run = next((out / "runs").glob("convergence-lif-*"))
    rows = (run / "convergence.csv").read_text().splitlines()
    header = rows[0].split(",")
    table = [dict(zip(header, r.split(","), strict=True)) for r in rows[1:]]
    for pathways in ("EE+IE",):  # the only set SMALL_PLAN runs
        curve = values[f"learning_curve_lif_{pathways}"]
        saved = [float(r["sequence_distance"]) for r in table if r["pathways"] == pathways]
        assert curve["laps"] == [1.0, 2.0, 3.0]
        assert np.allclose(np.array(curve["mean"], float), saved, equal_nan=True)


def test_numbers_drawn_are_the_saved_metrics(drawn: tuple[Path, dict]) -> None:
    out, _ = drawn
    values = json.loads((out / "cue_placement.json").read_text())
    for level in ("lif", "binary"):
        seeds = SMALL_PLAN.binary_seeds if level == "binary" else SMALL_PLAN.seeds
        for placement in ("random", "fixed"):
            saved = []
            for seed in seeds:
                run = next((out / "runs").glob(
                    f"consolidation-{level}-{placement}-*EE_IE-seed{seed}"))
                saved.append(json.loads((run / "metrics.json").read_text())["cue_participation"])
            drawn_values = values[level][placement]["cue"]
            assert np.allclose(np.array(drawn_values, float),
                               np.array([math.nan if v is None else v for v in saved], float),
                               equal_nan=True)


def test_fixed_cue_fits_the_tiny_track(drawn: tuple[Path, dict]) -> None:
    """The tiny point-neuron track (100 cm) is shorter than the default fixed position."""
    out, _ = drawn
    run = next((out / "runs").glob("consolidation-lif-fixed-*-seed1"))
    provenance = json.loads((run / "provenance.json").read_text())
    position = float(provenance["overrides"]["cue.position"].split()[0])
    assert 0 < position < 100


def test_redrawing_reuses_the_runs(drawn: tuple[Path, dict]) -> None:
    out, _ = drawn
    stamps = {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*/provenance.json")}
    (record,) = make_figures(out, plan=SMALL_PLAN, names=["task"], quiet=True)
    assert record.drawn
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert len(list((out / "runs").glob("*/provenance.json"))) == len(stamps)


def test_bad_preset_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "figs"
    status = cli_main(["figures", "--preset", "huge", "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("neurotoolkit: error: preset:")
    assert "'huge'" in err and "tiny" in err
    assert not out.exists()


def test_unknown_figure_name_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown figure"):
        make_figures(tmp_path, "tiny", names=["nonsense"])


# ---------------------------------------------------------------------------
# the scripts
# ---------------------------------------------------------------------------


def _load_script(path: Path):
    spec = importlib.util.spec_from_file_location(f"figure_script_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_script_per_figure() -> None:
    scripts = {p.stem for p in SCRIPTS.glob("*.py") if not p.stem.startswith("_")}
    assert scripts == set(figure_names())
    for path in SCRIPTS.glob("*.py"):
        module = _load_script(path)
        assert module.NAME == path.stem and callable(module.main)


def test_script_rejects_a_bad_preset(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    module = _load_script(SCRIPTS / "replay.py")
    assert module.main(["--preset", "huge", "--out", str(tmp_path / "x")]) == 2
    assert "preset" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------------------
# the guide's table of configuration keys
# ---------------------------------------------------------------------------


def _table_keys(markdown: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z0-9_.]+)` \|", markdown, flags=re.MULTILINE))


def test_guide_lists_every_configuration_key() -> None:
    """The guide's generated tables are exactly what the config classes give:
    every key, its default, unit, bounds and meaning."""
    guide = (ROOT / "docs" / "guide.md").read_text()
    start, stop = guide.index(GUIDE_BEGIN), guide.index(GUIDE_END) + len(GUIDE_END)
    generated = keys_markdown().strip("\n")
    assert len(_table_keys(generated)) > 200
    assert guide[start:stop] == generated, \
        "docs/guide.md is behind the code: paste `python -m neurotoolkit.figures.keys` into it"
