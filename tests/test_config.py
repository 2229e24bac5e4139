"""Configuration machinery: units, bounds, unknown keys, overrides, presets."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from neurotoolkit.config import (
    ConfigError,
    Section,
    available_presets,
    format_quantity,
    load_preset,
    magnitude,
    param,
    parse_override,
    parse_quantity,
    qparam,
    section,
)


@dataclass(frozen=True)
class Inner(Section):
    tau: object = qparam("20 ms", low=0, low_open=True)
    speed: object = qparam("32 cm/s", low=0)
    count: int = param(3, low=1)
    kind: str = param("a", choices=("a", "b"))
    ratio: float = param(0.5, low=0.0, high=1.0)


@dataclass(frozen=True)
class Outer(Section):
    inner: Inner = section(Inner)
    other: Inner = section(Inner, tau="5 ms")
    flag: bool = param(False)


def test_parse_quantity_forms():
    assert magnitude(parse_quantity("20 ms"), "s") == pytest.approx(0.02)
    assert magnitude(parse_quantity("32 cm/s"), "cm/s") == pytest.approx(32)
    assert magnitude(parse_quantity("0.08*nS"), "nS") == pytest.approx(0.08)
    assert magnitude(parse_quantity("-70 mV"), "mV") == pytest.approx(-70)
    assert magnitude(parse_quantity("1e-3 second"), "ms") == pytest.approx(1)
    with pytest.raises(ValueError, match="unknown unit"):
        parse_quantity("3 parsecs")
    with pytest.raises(ValueError):
        parse_quantity("__import__('os')")


def test_defaults_and_round_trip():
    cfg = Outer()
    assert magnitude(cfg.other.tau, "ms") == 5
    data = cfg.to_dict()
    assert data["inner"] == {"tau": "20 ms", "speed": "32 cm/s", "count": 3, "kind": "a",
                             "ratio": 0.5}
    assert Outer.from_dict(data) == cfg
    assert format_quantity(parse_quantity("62.5 ms"), "ms") == "62.5 ms"


@pytest.mark.parametrize("key,value,message", [
    ("inner.tau", "20 mV", "inner.tau: .*wrong unit"),
    ("inner.tau", 20, "inner.tau: .*no unit"),
    ("inner.tau", "-1 ms", "inner.tau: must be > 0"),
    ("inner.count", 0, "inner.count: must be >= 1"),
    ("inner.count", 2.5, "inner.count: expected an integer"),
    ("inner.kind", "c", "inner.kind: 'c' is not one of"),
    ("inner.ratio", 1.5, "inner.ratio: must be <= 1"),
    ("inner.tua", "1 ms", "inner.tua: unknown key; did you mean 'tau'"),
    ("innr.tau", "1 ms", "innr: unknown key; did you mean 'inner'"),
    ("flag", "yes", "flag: expected true or false"),
    ("inner", 3, "inner: is a section"),
    ("flag.x", 3, "flag: is a setting"),
])
def test_bad_values_name_the_field(key, value, message):
    with pytest.raises(ConfigError, match=message):
        Outer().with_overrides({key: value})


def test_overrides_accept_text_and_quantities():
    from brian2 import ms

    cfg = Outer().with_overrides({"inner.tau": "7 ms", "other.tau": 3 * ms, "flag": True})
    assert magnitude(cfg.inner.tau, "ms") == pytest.approx(7)
    assert magnitude(cfg.other.tau, "ms") == pytest.approx(3)
    assert cfg.flag is True


def test_parse_override():
    assert parse_override("cue.placement=fixed") == ("cue.placement", "fixed")
    assert parse_override("track.n_laps=3") == ("track.n_laps", 3)
    assert parse_override("offline.duration=5 s") == ("offline.duration", "5 s")
    assert parse_override("a.b=true") == ("a.b", True)
    with pytest.raises(ConfigError):
        parse_override("no-equals-sign")


def test_presets_ship_with_the_package():
    for level in ("lif", "binary"):
        assert {"tiny", "default", "paper"} <= set(available_presets(level))
    assert load_preset("lif", "default")["network"]["n_pyramidal"] == 2000
    with pytest.raises(ConfigError, match="unknown preset 'huge'"):
        load_preset("lif", "huge")


def test_every_preset_builds_a_valid_config():
    from neurotoolkit.runner import resolve_config

    for level in ("lif", "binary"):
        for name in available_presets(level):
            resolve_config("consolidation", level, name)


def test_importing_config_does_not_import_brian2():
    import subprocess
    import sys

    code = ("import sys, neurotoolkit.config, neurotoolkit.runner, neurotoolkit.cli; "
            "assert 'brian2' not in sys.modules, 'brian2 imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
