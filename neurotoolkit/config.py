"""Frozen, validated configuration objects with physical units.

A configuration is a tree of frozen dataclasses (sections).  Every field is
declared with :func:`param` (plain numbers, strings, booleans) or
:func:`qparam` (a Brian2 quantity whose unit is that of its default, written as
text such as ``"32 cm/s"``).  Validation happens on construction, so a wrong
unit, a value out of range or an unknown key raises :class:`ConfigError` that
names the dotted field before anything is simulated.

Configs serialise to plain dictionaries (quantities as text in the unit of the
default, e.g. ``"62.5 ms"``) and back, are loaded from TOML presets shipped
inside the package, and are varied with dotted overrides
(``{"cue.placement": "fixed"}``), which is what ``--set`` and sweep files use.

Brian2 is imported lazily, only when a quantity field is parsed, so that
sections without units (the binary model) never pull in Brian2.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import operator
import tomllib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

__all__ = [
    "ConfigError",
    "Section",
    "param",
    "qparam",
    "section",
    "parse_quantity",
    "unit",
    "magnitude",
    "format_quantity",
    "parse_override",
    "flatten_dotted",
    "load_preset",
    "available_presets",
]

S = TypeVar("S", bound="Section")


class ConfigError(ValueError):
    """A configuration value or key is invalid; the message names the field."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


# ---------------------------------------------------------------------------
# Quantities as text
# ---------------------------------------------------------------------------

_UNIT_ALIASES = {"s": "second", "m": "metre", "V": "volt", "A": "amp", "S": "siemens",
                 "F": "farad", "MOhm": "Mohm", "kOhm": "kohm"}
_BINOPS = {
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Add: operator.add,
    ast.Sub: operator.sub,
}


@lru_cache(maxsize=1)
def _unit_namespace() -> dict[str, Any]:
    from brian2.units import allunits, stdunits
    from brian2.units.fundamentalunits import Unit

    names = {}
    for module in (allunits, stdunits):
        names.update({k: v for k, v in vars(module).items() if isinstance(v, Unit)})
    for alias, target in _UNIT_ALIASES.items():
        names.setdefault(alias, names[target])
    return names


def _evaluate_unit_expression(node: ast.AST, text: str) -> Any:
    if isinstance(node, ast.Expression):
        return _evaluate_unit_expression(node.body, text)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Name):
        try:
            return _unit_namespace()[node.id]
        except KeyError:
            raise ValueError(f"unknown unit {node.id!r} in {text!r}") from None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate_unit_expression(node.operand, text)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left = _evaluate_unit_expression(node.left, text)
        right = _evaluate_unit_expression(node.right, text)
        return _BINOPS[type(node.op)](left, right)
    raise ValueError(f"cannot read {text!r} as a quantity")


def unit(name: str) -> Any:
    """The Brian2 unit called ``name`` (``"cm"``, ``"ms"``, ``"s"``), imported lazily."""
    try:
        return _unit_namespace()[name]
    except KeyError:
        raise ValueError(f"unknown unit {name!r}") from None


@lru_cache(maxsize=256)
def _unit_quantity(unit_text: str) -> Any:
    return parse_quantity(f"1 {unit_text}")


def magnitude(value: Any, unit_text: str) -> float:
    """``value`` as a float in the unit ``unit_text`` (``magnitude(q, "cm/s")``).

    Raises
    ------
    brian2.DimensionMismatchError
        If ``value`` does not have the dimension of ``unit_text``.
    """
    from brian2.units.fundamentalunits import fail_for_dimension_mismatch

    reference = _unit_quantity(unit_text)
    fail_for_dimension_mismatch(value, reference, f"expected a quantity in {unit_text}")
    return float(value / reference)


def parse_quantity(text: str) -> Any:
    """Read a quantity written as text, e.g. ``"20 ms"``, ``"32 cm/s"``, ``"0.08*nS"``.

    A number followed by a space and a unit expression is read as their
    product.  Only numbers, Brian2 unit names and ``* / ** + -`` are allowed;
    nothing is passed to :func:`eval`.

    Raises
    ------
    ValueError
        If the text is not a number times a unit expression.
    """
    from brian2 import Quantity

    stripped = str(text).strip()
    parts = stripped.split(None, 1)
    expression = stripped
    if len(parts) == 2:
        try:
            float(parts[0])
            expression = f"{parts[0]}*({parts[1]})"
        except ValueError:
            pass
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as err:
        raise ValueError(f"cannot read {text!r} as a quantity") from err
    value = _evaluate_unit_expression(tree, stripped)
    return Quantity(value)


def format_quantity(value: Any, unit_text: str) -> str:
    """Write ``value`` as text in the unit ``unit_text`` (``"62.5 ms"``)."""
    return f"{magnitude(value, unit_text):.12g} {unit_text}"


# ---------------------------------------------------------------------------
# Field declarations
# ---------------------------------------------------------------------------


def param(
    default: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    choices: Sequence[Any] | None = None,
    doc: str = "",
) -> Any:
    """Declare a plain (unit-less) field: int, float, bool, str or a list.

    ``low``/``high`` bound numbers (``low_open`` excludes ``low`` itself),
    ``choices`` restricts to a set of values.  The type of ``default`` is the
    field's type (an int field accepts only integers).
    """
    meta = {"kind": "plain", "type": type(default), "low": low, "high": high,
            "low_open": low_open, "choices": tuple(choices) if choices else None,
            "doc": doc}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def qparam(
    default: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    doc: str = "",
) -> Any:
    """Declare a quantity field whose default is text such as ``"62.5 ms"``.

    The unit written in the default (``ms``) fixes both the physical dimension
    the field accepts and the unit it is serialised in.  ``low``/``high`` are
    bounds in that unit.
    """
    number, _, unit_text = default.strip().partition(" ")
    if not unit_text:
        raise ValueError(f"qparam default {default!r} needs a number, a space and a unit")
    meta = {"kind": "quantity", "unit": unit_text, "low": low, "high": high,
            "low_open": low_open, "doc": doc}
    return dataclasses.field(default_factory=lambda: parse_quantity(default), metadata=meta)


def section(cls: type[S], **values: Any) -> Any:
    """Declare a nested section field whose default is ``cls`` with ``values`` changed.

    ``values`` are written as in a TOML file (``rise="0.3 ms"``).
    """
    factory = (lambda: cls.from_dict(values)) if values else cls
    return dataclasses.field(default_factory=factory, metadata={"kind": "section", "type": cls})


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def _check_bounds(name: str, number: float, meta: Mapping[str, Any], unit: str = "") -> None:
    low, high = meta.get("low"), meta.get("high")
    suffix = f" {unit}" if unit else ""
    if not math.isfinite(number):
        raise ConfigError(name, f"must be finite, got {number}")
    if low is not None:
        if meta.get("low_open") and number <= low:
            raise ConfigError(name, f"must be > {low}{suffix}, got {number:g}{suffix}")
        if number < low:
            raise ConfigError(name, f"must be >= {low}{suffix}, got {number:g}{suffix}")
    if high is not None and number > high:
        raise ConfigError(name, f"must be <= {high}{suffix}, got {number:g}{suffix}")


def _coerce_quantity(name: str, value: Any, meta: Mapping[str, Any]) -> Any:
    from brian2 import DimensionMismatchError, Quantity, get_dimensions

    unit = _unit_quantity(meta["unit"])
    if isinstance(value, str):
        try:
            value = parse_quantity(value)
        except ValueError as err:
            raise ConfigError(name, f"{err}; expected a quantity in {meta['unit']}") from err
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if get_dimensions(unit).is_dimensionless:
            value = Quantity(value)
        else:
            raise ConfigError(
                name, f"{value!r} has no unit; write it with a unit, e.g. '{value} {meta['unit']}'")
    if not isinstance(value, Quantity) and not hasattr(value, "dim"):
        raise ConfigError(name, f"expected a quantity in {meta['unit']}, got {value!r}")
    if get_dimensions(value) != get_dimensions(unit):
        raise ConfigError(
            name,
            f"{value!s} has the wrong unit; expected a quantity in {meta['unit']} "
            f"(dimension {get_dimensions(unit)})")
    try:
        number = float(value / unit)
    except (DimensionMismatchError, TypeError) as err:  # pragma: no cover - guarded above
        raise ConfigError(name, str(err)) from err
    _check_bounds(name, number, meta, meta["unit"])
    return Quantity(value)


def _coerce_plain(name: str, value: Any, meta: Mapping[str, Any]) -> Any:
    kind = meta["type"]
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(name, f"expected true or false, got {value!r}")
    elif kind is int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(name, f"expected an integer, got {value!r}")
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(name, f"expected a number, got {value!r}")
        value = float(value)
    elif kind is str:
        if not isinstance(value, str):
            raise ConfigError(name, f"expected text, got {value!r}")
    elif kind is list:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(name, f"expected a list, got {value!r}")
        value = list(value)
    if meta.get("choices") and value not in meta["choices"]:
        options = ", ".join(repr(c) for c in meta["choices"])
        raise ConfigError(name, f"{value!r} is not one of {options}")
    if kind in (int, float):
        _check_bounds(name, float(value), meta)
    return value


@dataclasses.dataclass(frozen=True)
class Section:
    """Base class of every configuration section.

    Subclasses are frozen dataclasses whose fields are declared with
    :func:`param`, :func:`qparam` or :func:`section`.  Values are checked on
    construction; cross-field checks go in :meth:`validate`.
    """

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            kind = f.metadata.get("kind")
            if kind == "quantity":
                value = _coerce_quantity(self._name(f.name), value, f.metadata)
            elif kind == "plain":
                value = _coerce_plain(self._name(f.name), value, f.metadata)
            elif kind == "section":
                if isinstance(value, Mapping):
                    value = f.metadata["type"].from_dict(value, prefix=self._name(f.name))
                elif not isinstance(value, f.metadata["type"]):
                    raise ConfigError(self._name(f.name), f"expected a {f.metadata['type'].__name__}")
            object.__setattr__(self, f.name, value)
        self.validate()

    def _name(self, field_name: str) -> str:
        prefix = getattr(self, "_prefix", "")
        return f"{prefix}.{field_name}" if prefix else field_name

    def validate(self) -> None:
        """Cross-field checks; override and raise :meth:`field_error`."""

    def field_error(self, field_name: str, message: str) -> ConfigError:
        """A :class:`ConfigError` naming ``field_name`` with this section's dotted prefix."""
        return ConfigError(self._name(field_name), message)

    # -- construction from plain data ------------------------------------
    @classmethod
    def from_dict(cls: type[S], data: Mapping[str, Any], prefix: str = "") -> S:
        """Build a section from a (nested) mapping; unknown keys are errors."""
        if not isinstance(data, Mapping):
            raise ConfigError(prefix, f"expected a table of settings, got {data!r}")
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs = {}
        for key, value in data.items():
            dotted = f"{prefix}.{key}" if prefix else key
            if key not in known:
                raise ConfigError(dotted, _unknown_key_message(key, known))
            f = known[key]
            if f.metadata.get("kind") == "section":
                value = f.metadata["type"].from_dict(value, prefix=dotted)
            kwargs[key] = value
        obj = cls.__new__(cls)
        object.__setattr__(obj, "_prefix", prefix)
        try:
            cls.__init__(obj, **kwargs)
        finally:
            object.__delattr__(obj, "_prefix")
        return obj

    @classmethod
    def from_preset(cls: type[S], level: str, name: str,
                    overrides: Mapping[str, Any] | None = None) -> S:
        """The preset ``name`` of ``level`` (see :func:`load_preset`), then dotted overrides.

        Raises
        ------
        ConfigError
            For an unknown level, preset or key, a wrong unit or a value out
            of range, naming the field.
        """
        config = cls.from_dict(load_preset(level, name))
        return config.with_overrides(overrides) if overrides else config

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dictionary; quantities as text in their declared unit."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            kind = f.metadata.get("kind")
            if kind == "quantity":
                out[f.name] = format_quantity(value, f.metadata["unit"])
            elif kind == "section":
                out[f.name] = value.to_dict()
            else:
                out[f.name] = list(value) if isinstance(value, (list, tuple)) else value
        return out

    # -- variation ---------------------------------------------------------
    def with_overrides(self: S, overrides: Mapping[str, Any]) -> S:
        """Return a copy with dotted keys replaced (``{"cue.placement": "fixed"}``).

        Values may be text (as in TOML and on the command line) or Python
        values (quantities, numbers).  Unknown keys raise :class:`ConfigError`.
        """
        data = self.to_dict()
        for dotted, value in overrides.items():
            _set_dotted(data, dotted, value, type(self))
        return type(self).from_dict(data)

    @classmethod
    def field_names(cls, prefix: str = "") -> list[str]:
        """All dotted leaf keys of this section, e.g. ``["track.length", ...]``."""
        names = []
        for f in dataclasses.fields(cls):
            dotted = f"{prefix}.{f.name}" if prefix else f.name
            if f.metadata.get("kind") == "section":
                names.extend(f.metadata["type"].field_names(dotted))
            else:
                names.append(dotted)
        return names


def _unknown_key_message(key: str, known: Mapping[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key{hint} (known: {', '.join(sorted(known))})"


def _set_dotted(data: dict[str, Any], dotted: str, value: Any, cls: type[Section]) -> None:
    parts = dotted.split(".")
    node, node_cls, path = data, cls, []
    for i, part in enumerate(parts):
        known = {f.name: f for f in dataclasses.fields(node_cls)}
        path.append(part)
        here = ".".join(path)
        if part not in known:
            raise ConfigError(here, _unknown_key_message(part, known))
        f = known[part]
        last = i == len(parts) - 1
        if f.metadata.get("kind") == "section":
            if last:
                raise ConfigError(here, "is a section; set one of its keys, e.g. "
                                        f"{here}.{dataclasses.fields(f.metadata['type'])[0].name}")
            node, node_cls = node[part], f.metadata["type"]
        elif not last:
            raise ConfigError(here, "is a setting, not a section")
        else:
            node[part] = value


def flatten_dotted(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables as one level of dotted keys: ``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten_dotted(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``"key=value"`` from the command line into a key and a value.

    The value is read as a TOML value when it is one (``3``, ``0.5``,
    ``true``, ``"20 ms"``, ``[1, 2]``), otherwise kept as text
    (``fixed``, ``20 ms``, ``EE+IE``).
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(text, "expected key=value, e.g. cue.placement=fixed")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


# ---------------------------------------------------------------------------
# Presets shipped inside the package
# ---------------------------------------------------------------------------


def available_presets(level: str) -> list[str]:
    """Names of the presets shipped for ``level`` (``tiny``, ``default``, ...)."""
    folder = resources.files("neurotoolkit.presets").joinpath(level)
    if not folder.is_dir():
        return []
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_preset(level: str, name: str) -> dict[str, Any]:
    """Read the TOML preset ``name`` of ``level`` as a nested dictionary.

    Raises
    ------
    ConfigError
        If the level or the preset does not exist (the message lists those that do).
    """
    names = available_presets(level)
    if not names:
        raise ConfigError("level", f"no presets for level {level!r}")
    if name not in names:
        raise ConfigError("preset", f"unknown preset {name!r} for level {level!r} "
                                    f"(available: {', '.join(names)})")
    text = resources.files("neurotoolkit.presets").joinpath(level, f"{name}.toml").read_text()
    return tomllib.loads(text)
