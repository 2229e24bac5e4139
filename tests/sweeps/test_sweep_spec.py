"""Sweep files: expansion into points, and validation before anything runs."""

from __future__ import annotations

import textwrap

import pytest

from neurotoolkit.cli import main as cli_main
from neurotoolkit.sweeps import SweepError, load_sweep, parse_sweep

BINARY = """\
experiment = "consolidation"
level = "binary"
preset = "tiny"
seeds = [1, 2]
"""


def write(tmp_path, text, name="sweep.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def line_of(text, marker):
    """1-based line of the first line of ``text`` containing ``marker``."""
    lines = textwrap.dedent(text).splitlines()
    return next(i for i, line in enumerate(lines, start=1) if marker in line)


def test_grid_times_zip_times_seeds_in_order(tmp_path):
    path = write(tmp_path, BINARY + """
[grid]
"plasticity.pathways" = ["EE", "EE+IE"]
"cue.placement" = ["random", "fixed", "random"]
[zip]
"track.n_laps" = [4, 8]
"replay.n_replays" = [10, 20]
[set]
"network.n_units" = 24
""")
    sweep = load_sweep(path)
    assert len(sweep.points) == 2 * 3 * 2 * 2
    assert sweep.parameter_keys == ["plasticity.pathways", "cue.placement", "track.n_laps",
                                    "replay.n_replays", "network.n_units"]
    first, second, third = sweep.points[:3]
    # seeds innermost, then zip positions, then the last grid key
    assert (first.seed, second.seed) == (1, 2)
    assert first.params == {"plasticity.pathways": "EE", "cue.placement": "random",
                            "track.n_laps": 4, "replay.n_replays": 10, "network.n_units": 24}
    assert third.params["track.n_laps"] == 8 and third.params["replay.n_replays"] == 20
    assert sweep.points[4].params["cue.placement"] == "fixed"
    assert sweep.points[12].params["plasticity.pathways"] == "EE+IE"
    # ids: unique per point (the repeated "random" is the same point), deterministic
    ids = [p.id for p in sweep.points]
    assert len(set(ids)) == len(ids) - 2 * 2 * 2
    assert ids == [p.id for p in load_sweep(path).points]
    assert [p.index for p in sweep.points] == list(range(len(ids)))


def test_dotted_key_spellings_give_the_same_points(tmp_path):
    quoted = parse_sweep(BINARY + '[grid]\n"cue.placement" = ["random", "fixed"]\n', "a.toml")
    bare = parse_sweep(BINARY + '[grid]\ncue.placement = ["random", "fixed"]\n', "b.toml")
    table = parse_sweep(BINARY + '[grid.cue]\nplacement = ["random", "fixed"]\n', "c.toml")
    assert [p.id for p in quoted.points] == [p.id for p in bare.points] == \
        [p.id for p in table.points]
    assert len(quoted.points) == 4


def test_seed_only_sweep_and_point_ids_change_with_every_input():
    base = parse_sweep(BINARY)
    assert [p.seed for p in base.points] == [1, 2]
    other_preset = parse_sweep(BINARY.replace('"tiny"', '"default"'))
    assert {p.id for p in base.points}.isdisjoint(p.id for p in other_preset.points)
    fixed = parse_sweep(BINARY + '[set]\n"cue.placement" = "fixed"\n')
    assert {p.id for p in base.points}.isdisjoint(p.id for p in fixed.points)


# every case: (sweep text, marker on the offending line, key named in the message,
# words of the message)
BAD = {
    "unknown top-level key": (BINARY + 'sedes = [3]\n', "sedes", "sedes", "did you mean 'seeds'"),
    "unknown config key": (BINARY + '[grid]\n"cue.placment" = ["fixed"]\n', "placment",
                           "cue.placment", "unknown key"),
    "unknown section": (BINARY + '[grid]\n"cues.placement" = ["fixed"]\n', "cues.",
                        "cues.placement", "did you mean 'cue'"),
    "empty grid": (BINARY + '[grid]\n\n[set]\n"cue.placement" = "fixed"\n', "[grid]",
                   "", "[grid] is empty"),
    "empty list": (BINARY + '[grid]\n"track.n_laps" = []\n', "n_laps", "track.n_laps",
                   "empty list"),
    "type error": (BINARY + '[grid]\n"track.n_laps" = [4, "many"]\n', "n_laps",
                   "track.n_laps", "expected an integer"),
    "type error in set": (BINARY + '[set]\n"cue.position" = "middle"\n', "position",
                          "cue.position", "expected a number"),
    "value out of range": (BINARY + '[zip]\n"cue.position" = [0.5, 1.5]\n', "position",
                           "cue.position", "must be <= 1"),
    "scalar in grid": (BINARY + '[grid]\n"track.n_laps" = 4\n', "n_laps", "track.n_laps",
                       "must be a list"),
    "zip lengths": (BINARY + '[zip]\n"track.n_laps" = [4, 8]\n"replay.n_replays" = [1]\n',
                    "n_replays", "replay.n_replays", "equal lengths"),
    "key twice": (BINARY + '[grid]\n"track.n_laps" = [4]\n[set]\n"track.n_laps" = 8\n',
                  '"track.n_laps" = 8', "track.n_laps", "set twice"),
    "bad seeds": (BINARY.replace("[1, 2]", "[1, -2]"), "seeds", "seeds", "non-negative"),
    "repeated seed": (BINARY.replace("[1, 2]", "[1, 1]"), "seeds", "seeds", "repeated"),
    "unknown level": (BINARY.replace('"binary"', '"spiking"'), "level", "level",
                      "unknown level"),
    "unknown preset": (BINARY.replace('"tiny"', '"huge"'), "preset", "preset",
                       "unknown preset"),
    "unknown experiment": (BINARY.replace('"consolidation"', '"consolidate"'), "experiment",
                           "experiment", "unknown experiment"),
    "device for binary": (BINARY + 'device = "cpp_standalone"\n', "device", "device",
                          "numpy only"),
    "unknown device": (BINARY + 'device = "gpu"\n', "device", "device", "not one of"),
    "not toml": (BINARY + '[grid]\n"track.n_laps" = [4,\n', "[grid]", "", "not valid TOML"),
    "combination": (BINARY + '[grid]\n"network.n_cue" = [4, 8]\n"network.n_units" = [20, 6]\n',
                    "n_cue", "network.n_cue", "more cue units"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_sweep_file_names_file_line_and_key(tmp_path, case):
    text, marker, key, words = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(SweepError) as info:
        load_sweep(path)
    err = info.value
    message = str(err)
    assert err.path == str(path) and message.startswith(f"{path}:")
    assert words in message
    if case != "not toml":  # TOML's own error is located by its parser
        assert err.line == line_of(text, marker), message
    else:
        assert err.line is not None and err.line > line_of(text, marker)
    assert f":{err.line}:" in message
    if key:
        assert err.key == key and f": {key}:" in message


def test_missing_key_and_unit_error_on_the_lif_level(tmp_path):
    with pytest.raises(SweepError, match="seeds: missing"):
        parse_sweep('experiment = "consolidation"\nlevel = "binary"\npreset = "tiny"\n', "m.toml")
    text = ('experiment = "consolidation"\nlevel = "lif"\npreset = "tiny"\nseeds = [1]\n'
            '[grid]\n"offline.duration" = ["2 s", "2 mV"]\n')
    with pytest.raises(SweepError) as info:
        parse_sweep(text, "lif.toml")
    assert str(info.value).startswith("lif.toml:6: offline.duration:")
    assert "wrong unit" in str(info.value)


def test_standalone_points_grouped_by_structure():
    text = ('experiment = "consolidation"\nlevel = "lif"\npreset = "tiny"\nseeds = [1, 2]\n'
            'device = "cpp_standalone"\n[grid]\n"plasticity.pathways" = ["EE", "EE+IE"]\n'
            '"offline.recurrent_gain" = [0.5, 0.65]\n"cue.placement" = ["random", "fixed"]\n'
            '[set]\n"cue.position" = "50 cm"\n')
    sweep = parse_sweep(text, "s.toml")
    chunks = sweep.chunks()
    # the seed and the cue placement are structure; pathways and gains are run-time values
    assert len(sweep.points) == 16 and len(chunks) == 4
    for chunk in chunks:
        assert len(chunk) == 4
        assert len({(p.seed, p.params["cue.placement"]) for p in chunk}) == 1
    runtime = parse_sweep(text.replace('device = "cpp_standalone"\n', ""), "r.toml")
    assert len(runtime.chunks()) == 16 and all(p.group is None for p in runtime.points)


def test_cli_dry_run_and_bad_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good = write(tmp_path, BINARY + '[grid]\n"cue.placement" = ["random", "fixed"]\n')
    assert cli_main(["sweep", str(good), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "4 points" in out and out.count("seed=") == 4
    assert not (tmp_path / "runs").exists()
    bad = write(tmp_path, BINARY + '[grid]\n"cue.placement" = ["sometimes"]\n', "bad.toml")
    assert cli_main(["sweep", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"{bad}:6: cue.placement:" in err and "'sometimes'" in err
    assert not (tmp_path / "runs").exists()
