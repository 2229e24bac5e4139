"""Configuration of the binary level: presets, overrides, and bad values that
must raise a ConfigError naming the field before anything runs."""

from __future__ import annotations

import pytest

from neurotoolkit.binary.config import BinaryConfig
from neurotoolkit.cli import main as cli_main
from neurotoolkit.config import ConfigError, available_presets, load_preset
from neurotoolkit.runner import resolve_config, run_experiment


def test_presets_exist_and_load():
    assert {"tiny", "default", "paper"} <= set(available_presets("binary"))
    for name in ("tiny", "default", "paper"):
        config = BinaryConfig.from_dict(load_preset("binary", name))
        assert config.network.n_place >= 2
        # every preset sets every key explicitly (no silent reliance on code defaults)
        assert set(load_preset("binary", name)) == set(config.to_dict())


def test_overrides_and_round_trip():
    config = resolve_config("consolidation", "binary", "tiny",
                            {"cue.placement": "fixed", "plasticity.pathways": "EE"})
    assert config.cue.placement == "fixed"
    assert config.plasticity.pathways == "EE"
    assert not config.plasticity.plastic_ie
    assert BinaryConfig.from_dict(config.to_dict()) == config


def test_binary_package_never_imports_brian2():
    import ast
    import pathlib

    import neurotoolkit.binary as package

    for path in pathlib.Path(package.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names]
        names += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not any(n.split(".")[0] == "brian2" for n in names), path


@pytest.mark.parametrize("key, value, field", [
    ("activity.place_probability", 1.5, "activity.place_probability"),
    ("activity.cue_probability", -0.1, "activity.cue_probability"),
    ("activity.spontaneous_probability", 2.0, "activity.spontaneous_probability"),
    ("activity.cue_interneuron_probability", -1e-3, "activity.cue_interneuron_probability"),
    ("activity.place_interneuron_probability", 1.01, "activity.place_interneuron_probability"),
    ("replay.noise", 1.2, "replay.noise"),
    ("network.n_units", 0, "network.n_units"),
    ("network.n_cue", 25, "network.n_cue"),
    ("network.n_cue", -1, "network.n_cue"),
    ("network.n_cue", 19, "network.n_units"),  # leaves one place unit: no sequence
    ("replay.threshold", 0.0, "replay.threshold"),
    ("cue.placement", "sometimes", "cue.placement"),
    ("cue.position", 1.5, "cue.position"),
    ("plasticity.pathways", "IE", "plasticity.pathways"),
    ("convergence.pathways", ["EE", "IE+EE"], "convergence.pathways"),
    ("convergence.laps", [1, 0], "convergence.laps"),
    ("network.n_place_units", 3, "network.n_place_units"),
])
def test_bad_values_raise_naming_the_field(key, value, field):
    with pytest.raises(ConfigError) as err:
        resolve_config("consolidation", "binary", "tiny", {key: value})
    assert err.value.field == field
    assert str(err.value).startswith(field)


def test_more_cue_units_than_units_message():
    with pytest.raises(ConfigError, match=r"more cue units \(25\) than units \(20\)"):
        resolve_config("consolidation", "binary", "tiny", {"network.n_cue": 25})


def test_bad_value_stops_before_anything_runs(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli_main(["run", "consolidation", "--level", "binary", "--preset", "tiny",
                     "--set", "activity.place_probability=1.5", "--out", str(out)])
    assert code == 2
    assert "activity.place_probability" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / "run.partial").exists()


def test_runner_validates_before_running(tmp_path):
    with pytest.raises(ConfigError):
        run_experiment("consolidation", "binary", preset="tiny",
                       overrides={"network.n_units": 0}, out=tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_lap_grid_covers_one_to_max():
    config = resolve_config("convergence", "binary", "default")
    grid = config.convergence.lap_grid()
    assert grid[0] == 1 and grid[-1] == 512
    assert grid == sorted(set(grid))
    assert set(range(1, 33)) <= set(grid)
    explicit = config.with_overrides({"convergence.laps": [5, 3, 5]}).convergence.lap_grid()
    assert explicit == [3, 5]
