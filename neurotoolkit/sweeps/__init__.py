"""Parameter sweeps: sweep files, points, executors and the results table.

The command ``neurotoolkit sweep SWEEP.toml`` and :func:`run_sweep` use these modules:

run        run a sweep: resume, dispatch points, keep ``results.csv`` current
spec       read and validate a sweep file, expand it into points
table      the sweep's ``results.csv`` (one row per finished point, written atomically)
worker     what runs in a worker process: one point, or a group of points that
           share one compiled ``cpp_standalone`` program
executors  local processes and Dask distributed

Importing this package imports neither Brian2 nor numpy.
"""

from .run import SweepReport, run_sweep
from .spec import Point, Sweep, SweepError, load_sweep, parse_sweep

__all__ = ["Point", "Sweep", "SweepError", "SweepReport", "load_sweep", "parse_sweep",
           "run_sweep"]
