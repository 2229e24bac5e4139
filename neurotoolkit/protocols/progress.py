"""Progress of a long simulation on stderr: simulated time, share done, time left.

The same line on both devices, every ``simulation.report_period`` of wall
time (4 s by default)::

    EE+IE: simulated 41.3 of 113.8 s (36%) in 25 s, about 44 s left

On the runtime device :class:`TextProgress` is Brian2's ``report`` callback.
A ``cpp_standalone`` program is compiled with :data:`STANDALONE_REPORT`, which
prints the line only while the environment variable :data:`PROGRESS_ENV` is
set: whether a run shows progress is then a choice made when the program
runs (:func:`standalone_progress`), not part of what is compiled, so quiet
and verbose runs share one build.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

__all__ = ["PROGRESS_ENV", "STANDALONE_REPORT", "TextProgress", "progress_report",
           "standalone_progress"]

#: Set while a standalone program should print its progress; its value
#: (may be empty) labels each line.
PROGRESS_ENV = "NEUROTOOLKIT_PROGRESS"


def _line(elapsed: float, completed: float, start: float, duration: float,
          label: str = "") -> str:
    simulated = start + completed * duration
    text = (f"  {label + ': ' if label else ''}simulated {simulated:.1f} of {start + duration:.1f} s "
            f"({int(completed * 100)}%) in {round(elapsed)} s")
    if 0.0 < completed < 1.0:
        text += f", about {round(elapsed * (1 - completed) / completed)} s left"
    return text


class TextProgress:
    """Brian2 ``report`` callback of the runtime device: one line per report on ``stream``.

    ``label`` (e.g. the pathway set) starts each line.
    """

    def __init__(self, stream: IO[str] | None = None, label: str = ""):
        self.stream = stream
        self.label = label

    def __call__(self, elapsed: Any, completed: float, start: Any, duration: Any) -> None:
        if completed == 0.0:  # Brian2 reports the start too; the first line comes later
            return
        stream = self.stream or sys.stderr
        print(_line(float(elapsed), float(completed), float(start), float(duration),
                    self.label), file=stream, flush=True)


#: Body of the standalone program's report function (C++; Brian2 wraps it in
#: ``report_progress(elapsed, completed, start, duration)``); the same line
#: as :class:`TextProgress`.
STANDALONE_REPORT = f"""
const char* label = getenv("{PROGRESS_ENV}");
if (completed == 0.0 || label == NULL) return;
const long total = (long)(elapsed + 0.5);
std::cerr << "  " << label << (label[0] ? ": " : "") << "simulated "
          << (long)((start + completed * duration) * 10 + 0.5) / 10.0 << " of " << (long)((start + duration) * 10 + 0.5) / 10.0 << " s ("
          << (int)(completed * 100) << "%) in " << total << " s";
if (completed < 1.0)
    std::cerr << ", about " << (long)(elapsed * (1 - completed) / completed + 0.5) << " s left";
std::cerr << std::endl;
"""


def progress_report(device: str) -> Any:
    """The ``report`` argument of ``Network.run`` on ``device``."""
    return STANDALONE_REPORT if device == "cpp_standalone" else TextProgress()


@contextmanager
def standalone_progress(show: bool, label: str = "") -> Iterator[None]:
    """Let a standalone program started inside print its progress (``show``) or not.

    ``label`` (e.g. the pathway set) starts each line.
    """
    previous = os.environ.get(PROGRESS_ENV)
    if show:
        os.environ[PROGRESS_ENV] = label
    else:
        os.environ.pop(PROGRESS_ENV, None)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(PROGRESS_ENV, None)
        else:
            os.environ[PROGRESS_ENV] = previous
