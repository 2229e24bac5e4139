"""Layers point one way: every import of the package's own modules goes down the table.

Each module of ``neurotoolkit`` is read with :mod:`ast` (nothing is imported),
and every import of a package module, at module level or inside a function,
is an edge of the import graph.  The test fails on a module missing from the
layer table, on an import of a higher layer, and on any cycle.  The numpy-only
layers (analysis, the binary model, the downstream population) never import
Brian2, even inside a function.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import neurotoolkit

PACKAGE = Path(neurotoolkit.__file__).parent

#: The layers, lowest first.  A module may import its own layer and the ones
#: below it (within a layer, the cycle check keeps the order one way).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "presets", "config", "processes"),  # configs with units, presets, processes
    ("results", "io"),                     # RunResult and shared names; files on disk
    ("world",),                            # track, cue, input rates
    ("neurons",),                          # cell models
    ("plasticity",),                       # rules and pathway sets
    ("circuits",),                         # the CA3 network builder
    ("downstream", "analysis"),            # numpy-only models and analysis
    ("interop", "binary"),                 # other formats; the binary model
    ("protocols", "learning"),             # experiments at the spiking levels; e-prop
    ("plotting",),                         # figures drawn from plain data
    ("runner",),                           # resolve, run, finish and write a run
    ("figures", "sweeps"),                 # the figure set; parameter sweeps
    ("demo", "analyze", "cli"),            # commands
    ("",),                                 # neurotoolkit/__init__.py: the public API
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}

#: Layers that stay numpy-only (no Brian2 or Dendrify, not even inside a function).
NUMPY_ONLY = ("analysis", "binary", "downstream", "results", "io")


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


MODULES = _modules()


def _imports(module: str, path: Path, is_package: bool) -> list[tuple[str, int]]:
    """``(imported name, line)`` for every import in ``path``, relative ones resolved."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[:len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:  # "from . import x" may name a module
                candidate = f"{prefix}.{alias.name}"
                found.append((candidate if candidate in MODULES else prefix, node.lineno))
    return found


def _own(name: str) -> str | None:
    """The package module that an imported name lies in (None: not the package's)."""
    if name != "neurotoolkit" and not name.startswith("neurotoolkit."):
        return None
    while name not in MODULES:
        name = name.rsplit(".", 1)[0]
    return name


def _layer(module: str) -> str:
    """``neurotoolkit.plotting.run`` -> ``plotting``; the package itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


GRAPH: dict[str, dict[str, int]] = {}
for _name, (_path, _is_package) in MODULES.items():
    GRAPH[_name] = {}
    for _imported, _line in _imports(_name, _path, _is_package):
        _target = _own(_imported)
        if _target is not None and _target != _name:
            GRAPH[_name].setdefault(_target, _line)


def test_every_module_has_a_layer():
    assert sorted({_layer(m) for m in MODULES} - set(RANK)) == []


def test_imports_point_down():
    upward = [f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)}), "
              f"line {line}"
              for module, targets in GRAPH.items() for target, line in targets.items()
              if RANK[_layer(target)] > RANK[_layer(module)]]
    assert upward == []


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    return components


def test_no_import_cycles():
    assert _cycles() == []


def test_the_checks_see_function_level_imports():
    # the runner writes NWB through interop, imported at module level; a figure
    # set module imports the runner; both edges must be in the graph
    assert "neurotoolkit.interop" in GRAPH["neurotoolkit.runner"]
    assert "neurotoolkit.runner" in GRAPH["neurotoolkit.figures.runs"]  # inside functions


@pytest.mark.parametrize("layer", NUMPY_ONLY)
def test_numpy_only_layers_never_import_brian2(layer):
    offenders = [f"{module}: {name} (line {line})"
                 for module, (path, is_package) in MODULES.items() if _layer(module) == layer
                 for name, line in _imports(module, path, is_package)
                 if name.split(".")[0] in ("brian2", "dendrify")]
    assert offenders == []


def test_importing_analysis_does_not_import_brian2():
    code = ("import sys, neurotoolkit.analysis, neurotoolkit.binary, neurotoolkit.downstream\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('brian2', 'dendrify'))\n"
            "print(','.join(bad))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""
