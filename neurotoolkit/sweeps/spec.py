"""Sweep files: read, validate, and expand into points.

A sweep file is TOML::

    experiment = "consolidation"
    level = "lif"
    preset = "tiny"
    device = "cpp_standalone"        # optional: "auto" (default), "runtime" or "cpp_standalone"
    seeds = [1, 2, 3]
    description = "EE vs EE+IE"      # optional
    imports = ["mylab.experiments"]  # optional: modules that register more experiments

    [grid]                           # every combination of these lists
    "plasticity.pathways" = ["EE", "EE+IE"]
    "cue.placement" = ["random", "fixed"]

    [zip]                            # lists of equal length, taken pairwise
    "track.n_laps" = [2, 4]
    "offline.duration" = ["2 s", "4 s"]

    [set]                            # fixed overrides of every point
    "analysis.n_shuffles" = 100

Keys under ``[grid]``, ``[zip]`` and ``[set]`` are dotted config keys, quoted
(``"cue.placement" = ...``), bare (``cue.placement = ...``) or as sub-tables
(``[grid.cue]`` then ``placement = ...``).  The points are every grid
combination times every zip position times every seed (the last grid key
varies fastest, seeds innermost).

Everything is checked before any point runs: unknown top-level keys, unknown
or mistyped config keys (each point's configuration is resolved), empty grids
and lists, zip lists of unequal length, unknown experiment, level or preset.
The error names the file, the line and the key::

    experiments/sweeps/laps.toml:9: plasticity.pathways: 'EEX' is not one of 'EE', ...
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import itertools
import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import ConfigError, flatten_dotted
from ..protocols.devices import choose_device
from ..results import DEVICE_CHOICES
from ..runner import resolve_config

__all__ = ["SweepError", "Point", "Sweep", "load_sweep", "parse_sweep", "point_id",
           "TOP_LEVEL_KEYS", "STANDALONE_REUSE"]

#: Keys a sweep file may have at its top level, with what each means.
TOP_LEVEL_KEYS: dict[str, str] = {
    "experiment": "experiment to run, e.g. \"consolidation\"",
    "level": "lif, dendritic or binary",
    "preset": "tiny, default or paper",
    "seeds": "list of non-negative integers; every point runs once per seed",
    "device": "\"auto\" (default: compiled when a C++ compiler works and the points are "
              "large enough), \"runtime\" or \"cpp_standalone\"",
    "description": "free text",
    "imports": "modules imported before anything runs (they may register experiments)",
    "grid": "table of dotted config keys to lists: every combination",
    "zip": "table of dotted config keys to lists of equal length: taken pairwise",
    "set": "table of dotted config keys to values fixed for every point",
    "nwb": "true: every point also writes recording.nwb (needs neurotoolkit[nwb])",
}
REQUIRED_KEYS = ("experiment", "level", "preset", "seeds")
#: (experiment, level) pairs whose cpp_standalone points share one build per
#: network structure (:class:`neurotoolkit.protocols.standalone.StandaloneSimulation`).
STANDALONE_REUSE = frozenset({("consolidation", "lif"), ("consolidation", "dendritic")})
_TABLES = ("grid", "zip", "set")


class SweepError(ConfigError):
    """A sweep file is invalid; the message names the file, the line and the key.

    Attributes
    ----------
    path : str
        The sweep file.
    line : int or None
        1-based line of the offending key (None when it has no line, e.g. a
        missing key).
    key : str
        The offending key (dotted config key or top-level key).
    message : str
        What is wrong.
    """

    def __init__(self, path: str | Path, line: int | None, key: str, message: str):
        self.path, self.line, self.key, self.message = str(path), line, key, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {key}" if key else where, message)


@dataclass(frozen=True)
class Point:
    """One run of a sweep.

    Attributes
    ----------
    index : int
        Position in the sweep's expansion order (the table's row order).
    id : str
        Deterministic id (hash of experiment, level, preset, device,
        overrides and seed); the run directory is ``OUT/points/<id>``.
    seed : int
    overrides : dict
        Dotted config keys to values (``[set]`` and the swept values).
    params : dict
        The values of the sweep's parameter columns (the same keys as
        ``overrides``, in the order of :attr:`Sweep.parameter_keys`).
    group : str or None
        Points with the same group share one compiled standalone program and
        run one after the other in one worker; None: the point runs alone.
    """

    index: int
    id: str
    seed: int
    overrides: Mapping[str, Any]
    params: Mapping[str, Any]
    group: str | None = None


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file and its points."""

    path: Path
    experiment: str
    level: str
    preset: str
    device: str
    seeds: tuple[int, ...]
    grid: Mapping[str, list[Any]]
    zip: Mapping[str, list[Any]]
    set: Mapping[str, Any]
    points: tuple[Point, ...]
    imports: tuple[str, ...] = ()
    description: str = ""
    text: str = field(default="", repr=False)
    nwb: bool = False

    @property
    def parameter_keys(self) -> list[str]:
        """Dotted keys of the table's parameter columns: grid, zip, then set keys."""
        return [*self.grid, *self.zip, *self.set]

    @property
    def swept_keys(self) -> list[str]:
        """Keys that vary between points (grid and zip)."""
        return [*self.grid, *self.zip]

    def chunks(self) -> list[list[Point]]:
        """Points grouped into units of work, in order of their first point.

        Points that share a standalone build form one chunk (one worker runs
        them one after another on one compiled program); every other point
        is a chunk of its own.
        """
        chunks: dict[str, list[Point]] = {}
        for point in self.points:
            chunks.setdefault(point.group or point.id, []).append(point)
        return list(chunks.values())


# ---------------------------------------------------------------------------
# Where keys are: line numbers in the TOML text
# ---------------------------------------------------------------------------

#: A key or ``[table]`` header at the start of a line: bare, quoted or dotted parts.
_PART = r"""(?:[\w-]+|"[^"]*"|'[^']*')"""
_KEY_RE = re.compile(rf"^\s*(\[\s*)?({_PART}(?:\s*\.\s*{_PART})*)\s*([\]=])")


def key_lines(text: str) -> dict[str, int]:
    """Line of each key and table header of a TOML text, by dotted path.

    ``"cue.placement" = ...`` under ``[grid]``, ``cue.placement = ...`` and
    ``placement = ...`` under ``[grid.cue]`` are all ``"grid.cue.placement"``
    (quotes dropped: the sweep's config keys are dotted either way); the first
    line wins.  Lines inside multi-line strings are skipped.
    """
    found: dict[str, int] = {}
    table, in_string = "", None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string:  # only look for the end of the string
            in_string = None if line.count(in_string) % 2 else in_string
            continue
        match = _KEY_RE.match(line)
        if not match:
            continue
        path = re.sub(r"""\s*\.\s*|["']""", lambda m: "." if "." in m.group() else "",
                      match.group(2))
        if match.group(1):
            table = path
            found.setdefault(table, number)
            continue
        found.setdefault(f"{table}.{path}" if table else path, number)
        rest = line[match.end():]
        in_string = next((q for q in ('"""', "\'\'\'") if rest.count(q) % 2), None)
    return found


# ---------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------


def _message(err: ConfigError, key: str) -> str:
    text = str(err)
    prefix = f"{err.field}: "
    message = text[len(prefix):] if err.field and text.startswith(prefix) else text
    return message if not err.field or err.field == key else f"{err.field}: {message}"


def point_id(experiment: str, level: str, preset: str, device: str,
             overrides: Mapping[str, Any], seed: int) -> str:
    """Deterministic id of a point: a hash of what defines its run."""
    payload = json.dumps({"experiment": experiment, "level": level, "preset": preset,
                          "device": device, "overrides": dict(overrides), "seed": seed},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:12]


class _Checker:
    """Validates one sweep document, raising SweepError with file, line and key."""

    def __init__(self, path: str | Path, text: str):
        self.path, self.text = str(path), text
        self.lines = key_lines(text)

    def line(self, table: str | None, key: str = "") -> int | None:
        """Line of ``key`` in ``table``, else of the table's header; None if neither."""
        path = ".".join(p for p in (table, key) if p)
        return self.lines.get(path, self.lines.get(table) if table else None)

    def error(self, table: str | None, key: str, message: str) -> SweepError:
        return SweepError(self.path, self.line(table, key), key, message)

    def config_error(self, err: ConfigError, candidates: Sequence[tuple[str, str]],
                     context: str = "") -> SweepError:
        """Attribute a config error to the sweep key (table, key) it comes from."""
        field_name = err.field or ""
        match = None
        for table, key in candidates:
            if key == field_name:
                match = (table, key)
                break
        if match is None:
            for table, key in candidates:
                if key.startswith(field_name + ".") or field_name.startswith(key + "."):
                    match = (table, key)
                    break
        if match is None:
            if field_name in ("experiment", "level", "preset"):
                return self.error(None, field_name, _message(err, field_name) + context)
            if candidates:
                table, key = candidates[0]
                keys = ", ".join(k for _, k in candidates)
                return SweepError(self.path, self.line(table, key), keys,
                                  f"{err}{context}")
            return SweepError(self.path, None, field_name, _message(err, field_name) + context)
        table, key = match
        return self.error(table, key, _message(err, key) + context)

    # -- the document ------------------------------------------------------
    def document(self) -> dict[str, Any]:
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as err:
            found = re.search(r"line (\d+)", str(err))
            line = int(found.group(1)) if found else None
            if line is None and "end of document" in str(err):
                line = max(len(self.text.splitlines()), 1)
            raise SweepError(self.path, line, "", f"not valid TOML: {err}") from err
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                close = difflib.get_close_matches(key, list(TOP_LEVEL_KEYS), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.error(None, key, f"unknown key{hint} (known: "
                                            f"{', '.join(TOP_LEVEL_KEYS)})")
        for key in REQUIRED_KEYS:
            if key not in data:
                raise SweepError(self.path, None, key,
                                 f"missing; a sweep file needs {', '.join(REQUIRED_KEYS)}")
        for key in ("experiment", "level", "preset", "device", "description"):
            if key in data and not isinstance(data[key], str):
                raise self.error(None, key, f"expected text, got {data[key]!r}")
        if data.get("device", "auto") not in DEVICE_CHOICES:
            raise self.error(None, "device", f"{data['device']!r} is not one of "
                                             f"{', '.join(map(repr, DEVICE_CHOICES))}")
        if not isinstance(data.get("nwb", False), bool):
            raise self.error(None, "nwb", f"expected true or false, got {data['nwb']!r}")
        imports = data.get("imports", [])
        if not isinstance(imports, list) or not all(isinstance(m, str) for m in imports):
            raise self.error(None, "imports", f"expected a list of module names, got {imports!r}")
        self.seeds(data["seeds"])
        for table in _TABLES:
            if table in data and not isinstance(data[table], Mapping):
                raise self.error(None, table, f"expected a table [{table}] of dotted config "
                                              f"keys, got {data[table]!r}")
        return data

    def seeds(self, seeds: Any) -> None:
        if not isinstance(seeds, list) or not seeds:
            raise self.error(None, "seeds", f"expected a non-empty list of integers, "
                                            f"e.g. [1, 2, 3], got {seeds!r}")
        for seed in seeds:
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise self.error(None, "seeds", f"seeds must be non-negative integers, "
                                                f"got {seed!r}")
        repeated = sorted({s for s in seeds if seeds.count(s) > 1})
        if repeated:
            raise self.error(None, "seeds", f"repeated seed(s) {repeated}")

    def tables(self, data: Mapping[str, Any]) -> tuple[dict, dict, dict]:
        grid = flatten_dotted(data.get("grid", {}))
        zipped = flatten_dotted(data.get("zip", {}))
        fixed = flatten_dotted(data.get("set", {}))
        for table, values in (("grid", grid), ("zip", zipped)):
            if table in data and not values:
                raise self.error(table, "", f"[{table}] is empty; give at least one key "
                                            f"with a list of values, or remove the table")
            for key, value in values.items():
                if not isinstance(value, list):
                    raise self.error(table, key, f"a [{table}] value must be a list of values "
                                                 f"to try, e.g. [{value!r}], got {value!r}")
                if not value:
                    raise self.error(table, key, f"empty list in [{table}]: no value to run")
        if zipped:
            first, length = next(iter(zipped.items()))[0], len(next(iter(zipped.values())))
            for key, value in zipped.items():
                if len(value) != length:
                    raise self.error("zip", key, f"[zip] lists must have equal lengths: "
                                                 f"{len(value)} values here, {length} in "
                                                 f"{first!r}")
        seen: dict[str, str] = {}
        for table, values in (("grid", grid), ("zip", zipped), ("set", fixed)):
            for key in values:
                if key in seen:
                    raise self.error(table, key, f"set twice: in [{seen[key]}] and in [{table}]")
                seen[key] = table
        return grid, zipped, fixed


def _import_modules(checker: _Checker, modules: Sequence[str]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as err:
            raise checker.error(None, "imports", f"cannot import {name!r}: {err}") from err


def parse_sweep(text: str, path: str | Path = "<sweep>") -> Sweep:
    """Read and validate a sweep file's text; expand it into points.

    Parameters
    ----------
    text : str
        The TOML text.
    path : path
        The file's name, used in error messages and kept on the Sweep.

    Returns
    -------
    Sweep

    Raises
    ------
    SweepError
        Naming the file, the line and the key, before anything runs.
    """
    checker = _Checker(path, text)
    data = checker.document()
    grid, zipped, fixed = checker.tables(data)
    imports = tuple(data.get("imports", []))
    _import_modules(checker, imports)
    experiment, level, preset = data["experiment"], data["level"], data["preset"]
    requested_device = data.get("device", "auto")
    fixed_keys = [("set", k) for k in fixed]

    try:
        resolve_config(experiment, level, preset)
    except ConfigError as err:
        raise checker.config_error(err, []) from err
    try:
        base = resolve_config(experiment, level, preset, fixed)
    except ConfigError as err:
        raise checker.config_error(err, fixed_keys) from err
    # "auto" is settled once for the whole sweep (from its fixed settings), so
    # every point, its id and its build grouping name one device
    device = choose_device(requested_device, base, level, experiment).device
    if device == "cpp_standalone" and level == "binary":
        raise checker.error(None, "device", "the binary level is numpy only; "
                                            "cpp_standalone is for the lif and dendritic levels")

    # every value of every swept key on its own, then every combination
    for table, values in (("grid", grid), ("zip", zipped)):
        for key, options in values.items():
            for value in options:
                try:
                    resolve_config(experiment, level, preset, {**fixed, key: value})
                except ConfigError as err:
                    raise checker.config_error(err, [(table, key), *fixed_keys],
                                               f" (value {value!r})") from err

    combinations = [dict(zip(grid, combo, strict=True))
                    for combo in itertools.product(*grid.values())]
    pairs = [dict(zip(zipped, values, strict=True))
             for values in zip(*zipped.values(), strict=True)] or [{}]
    swept_keys = [("grid", k) for k in grid] + [("zip", k) for k in zipped]
    parameter_keys = [*grid, *zipped, *fixed]
    structure_key = None
    if device == "cpp_standalone" and (experiment, level) in STANDALONE_REUSE:
        # the spiking protocols load numpy; a sweep file is read without them
        from ..protocols.standalone import structure_key

    points: list[Point] = []
    for combo in combinations:
        for pair in pairs:
            swept = {**combo, **pair}
            overrides = {**fixed, **swept}
            try:
                config = resolve_config(experiment, level, preset, overrides)
            except ConfigError as err:
                shown = ", ".join(f"{k}={v!r}" for k, v in swept.items())
                raise checker.config_error(err, swept_keys, f" (in the point {shown})") from err
            params = {k: overrides[k] for k in parameter_keys}
            for seed in data["seeds"]:
                pid = point_id(experiment, level, preset, device, overrides, seed)
                group = (f"build-{structure_key(config, level, seed)}" if structure_key
                         else None)
                points.append(Point(len(points), pid, seed, overrides, params, group))
    return Sweep(path=Path(path), experiment=experiment, level=level, preset=preset,
                 device=device, seeds=tuple(data["seeds"]), grid=grid, zip=zipped, set=fixed,
                 points=tuple(points), imports=imports,
                 description=data.get("description", ""), text=text,
                 nwb=data.get("nwb", False))


def load_sweep(path: str | os.PathLike) -> Sweep:
    """Read, validate and expand the sweep file at ``path`` (see :func:`parse_sweep`).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    SweepError
        If the file is invalid (the message names the file, line and key).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no sweep file at {path}")
    return parse_sweep(path.read_text(encoding="utf-8"), path)
