"""The public API: ``import neurotoolkit`` is fast and Brian2-free, every name resolves."""

from __future__ import annotations

import subprocess
import sys

import neurotoolkit


def _fresh(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_import_is_light_and_fast():
    out = _fresh("import sys, time\n"
                 "t = time.perf_counter()\n"
                 "import neurotoolkit\n"
                 "seconds = time.perf_counter() - t\n"
                 "heavy = sorted(m for m in ('brian2', 'dendrify', 'numpy', 'scipy', 'matplotlib')"
                 " if m in sys.modules)\n"
                 "print(f'{seconds:.3f}', ','.join(heavy))")
    seconds, _, heavy = out.partition(" ")
    assert heavy == ""
    assert float(seconds) < 0.5


def test_every_public_name_resolves_without_brian2():
    out = _fresh("import sys, neurotoolkit as nt\n"
                 "missing = [n for n in nt.__all__ if getattr(nt, n, None) is None]\n"
                 "print(missing, 'brian2' in sys.modules)")
    assert out == "[] False"


def test_public_names_are_the_modules_own():
    from neurotoolkit.analysis import Recording
    from neurotoolkit.figures import make_figures
    from neurotoolkit.protocols.settings import SpikingConfig
    from neurotoolkit.results import RunResult
    from neurotoolkit.runner import run_experiment
    from neurotoolkit.sweeps import run_sweep

    assert neurotoolkit.run_experiment is run_experiment
    assert neurotoolkit.Recording is Recording
    assert neurotoolkit.run_sweep is run_sweep
    assert neurotoolkit.make_figures is make_figures
    assert neurotoolkit.SpikingConfig is SpikingConfig
    assert neurotoolkit.RunResult is RunResult
    assert {"run_experiment", "Recording", "BinaryConfig"} <= set(dir(neurotoolkit))


def test_unknown_names_raise_attribute_error():
    try:
        neurotoolkit.no_such_name  # noqa: B018
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:
        raise AssertionError("expected AttributeError")
