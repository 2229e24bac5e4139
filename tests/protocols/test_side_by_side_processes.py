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

import pytest

from neurotoolkit.protocols.standalone import can_run_side_by_side

HANGING = """
import functools, time
from neurotoolkit.protocols.standalone import side_by_side
side_by_side([functools.partial(time.sleep, 300), functools.partial(time.sleep, 300)])
"""


@pytest.mark.skipif(not can_run_side_by_side(), reason="side by side needs fork and 2 cores")
def test_side_by_side_children_end_when_the_parent_is_killed(tmp_path, group_members):
    proc = subprocess.Popen([sys.executable, "-c", HANGING], start_new_session=True,
                            cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 60
        while len(group_members(proc.pid)) < 3:  # the parent and its two children
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while group_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_members(proc.pid), "children left running 5 s after the kill"
    finally:
        if group_members(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.wait(timeout=30)
