"""The side-by-side runs of the demo and the pathway comparison end with their parent.

A parent killed with SIGKILL cannot stop its children itself; they must not
go on as orphans.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neurotoolkit.protocols.standalone import can_run_side_by_side

HANGING = """
import functools, time
from neurotoolkit.protocols.standalone import side_by_side
side_by_side([functools.partial(time.sleep, 300), functools.partial(time.sleep, 300)])
"""


def _group(pgid):
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


@pytest.mark.skipif(not can_run_side_by_side(), reason="side by side needs fork and 2 cores")
def test_side_by_side_children_end_when_the_parent_is_killed(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", HANGING], start_new_session=True,
                            cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 60
        while len(_group(proc.pid)) < 3:  # the parent and its two children
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while _group(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group(proc.pid), "children left running 5 s after the parent was killed"
    finally:
        if _group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.wait(timeout=30)
