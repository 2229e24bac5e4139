"""Shared fixtures: every test starts from a clean Brian2 state."""

from __future__ import annotations

import os

import pytest

# Matplotlib without a display, for tests that draw figures.
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _clean_brian2_state():
    """Runtime device, default clock and code-generation target restored after each test."""
    yield
    import sys

    if "brian2" not in sys.modules:
        return
    import brian2

    if brian2.get_device().__class__.__name__ != "RuntimeDevice":
        brian2.device.reinit()
        brian2.set_device("runtime")
    brian2.defaultclock.dt = 0.1 * brian2.ms
    brian2.prefs.codegen.target = "auto"


@pytest.fixture
def group_members():
    """``group_members(pgid)``: the live processes of a process group (Linux only)."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    from neurotoolkit.processes import process_group_members

    return process_group_members


def pytest_collection_modifyitems(config, items):
    """Modules with slow tests first, the rest in their usual order.

    With the suite spread over cores (pytest-xdist, whole modules per
    worker), the long multi-seed modules then start at once instead of
    holding one core alone at the end.
    """
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)  # stable: order within kept
