"""Child processes that end with their parent, whatever ends the parent.

A sweep's worker processes and the side-by-side runs of the demo and of the
pathway comparison are children of one process.  When that process ends
normally or by ``Ctrl-C`` it stops them itself; when it is killed (``kill
-9``, the out-of-memory killer, a scheduler's time limit) it cannot, and an
orphaned worker would go on writing points into a folder whose lock has just
been released.  :func:`end_with_parent`, called first thing in the child,
arranges for the child to be killed when its parent dies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from pathlib import Path

__all__ = ["end_with_parent", "process_group_members"]

_PR_SET_PDEATHSIG = 1
_WATCH_S = 0.5


def _linux_parent_death_signal() -> bool:
    """Ask the kernel to send SIGKILL to this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_S)
    os.kill(os.getpid(), signal.SIGKILL)


def end_with_parent(parent_pid: int) -> None:
    """Make this process die as soon as process ``parent_pid`` (its parent) does.

    On Linux the kernel delivers SIGKILL on the parent's death
    (``prctl(PR_SET_PDEATHSIG)``), whatever signal killed the parent; elsewhere
    a daemon thread checks every half second whether the process has been
    re-parented.  Either way the process ends at once if the parent has died
    already (before this call).

    Parameters
    ----------
    parent_pid : int
        The parent's process id as the parent saw it (``os.getpid()`` there,
        taken before starting the child).

    Notes
    -----
    The Linux signal follows the parent *thread* that started the child; the
    callers here start their children from a thread that outlives them.
    """
    if not _linux_parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                         name="end-with-parent").start()
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os.kill(os.getpid(), signal.SIGKILL)


def process_group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``, read from ``/proc``.

    Linux only (an empty list where ``/proc`` has no process entries): what
    checks that a killed sweep left nothing behind look at.
    """
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members
