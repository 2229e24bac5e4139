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


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``, from /proc."""
    from pathlib import Path

    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


@pytest.fixture
def group_members():
    """``group_members(pgid)``: the live processes of a process group (Linux only)."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs /proc")
    return _group_members
