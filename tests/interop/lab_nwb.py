"""A lab's NWB file with planted replay, written with pynwb alone (no neurotoolkit code).

It stands in for a file from a lab or the DANDI archive: units with sorting
ids (not 0..n-1) and a ``cell_type`` column (``pyr`` or ``int``), no field
centres, position in metres as a SpatialSeries inside a Position container
under ``processing/behavior``, and epochs tagged ``run`` and ``sleep``.
During the run the animal shuttles back and forth along a 2 m track; during
sleep, place cells fire at a low background rate except in planted events:
sweeps along the track in field order (forward or reverse), and noise events
with the same population rate but no trajectory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

TRACK_M = 2.0
FIELD_SD_M = 0.15
SPEED_M_S = 0.32
DT = 0.001


def _poisson(rates: np.ndarray, t0: float, rng: np.random.Generator):
    counts = rng.poisson(rates * DT)
    step, cell = np.nonzero(counts)
    n = counts[step, cell]
    step, cell = np.repeat(step, n), np.repeat(cell, n)
    return t0 + (step + rng.random(step.size)) * DT, cell


def planted_session(seed: int, n_place: int = 50, n_int: int = 6, n_events: int = 30,
                    n_laps: int = 4) -> dict:
    """Spikes, position, epochs and the planted events (start, stop, kind)."""
    rng = np.random.default_rng(seed)
    n = n_place + n_int
    centres = np.full(n, np.nan)
    centres[rng.permutation(n)[:n_place]] = np.linspace(0.05, TRACK_M - 0.05, n_place)
    place = np.isfinite(centres)

    def rates_at(x: np.ndarray, peak: float, floor: float, other: float) -> np.ndarray:
        bump = np.exp(-0.5 * ((x[:, None] - np.where(place, centres, 0)[None]) / FIELD_SD_M) ** 2)
        return np.where(place[None], peak * bump + floor, other)

    lap = 2 * TRACK_M / SPEED_M_S  # there and back
    t_run = n_laps * lap
    grid = (np.arange(int(t_run / DT)) + 0.5) * DT
    phase = (grid % lap) / lap
    x_run = TRACK_M * (1 - np.abs(2 * phase - 1))
    times, ids = [], []
    for first in range(0, grid.size, 20000):
        chunk = slice(first, first + 20000)
        t, c = _poisson(rates_at(x_run[chunk], 20.0, 0.1, 8.0), first * DT, rng)
        times.append(t), ids.append(c)
    sleep_start = t_run + 2.0
    kinds = np.array(["forward", "reverse", "noise"] * (n_events // 3))
    rng.shuffle(kinds)
    starts, t = [], sleep_start + 1.0
    for _ in kinds:
        starts.append(t)
        t += rng.uniform(0.1, 0.2) + rng.uniform(0.5, 1.0)
    durations = rng.uniform(0.1, 0.2, kinds.size)
    starts = np.round(np.array(starts) / DT) * DT
    stops = starts + np.round(durations / DT) * DT
    sleep_stop = stops[-1] + 1.0
    mean_event = 40.0 * FIELD_SD_M * np.sqrt(2 * np.pi) / TRACK_M + 2.0
    background_t = sleep_start + rng.random(int(0.5 * n * (sleep_stop - sleep_start)) + 1) \
        * (sleep_stop - sleep_start)
    background_c = rng.integers(0, n, background_t.size)
    outside = np.ones(background_t.size, bool)
    for a, b, kind in zip(starts, stops, kinds, strict=True):
        outside &= ~((background_t >= a) & (background_t < b))
        steps = round((b - a) / DT)
        u = (np.arange(steps) + 0.5) / steps
        if kind == "noise":
            rates = np.broadcast_to(np.where(place, mean_event, 8.0), (steps, n))
        else:
            start = rng.uniform(0.0, 0.2 * TRACK_M)
            x = start + 0.8 * TRACK_M * (u if kind == "forward" else 1 - u)
            rates = rates_at(x, 40.0, 2.0, 8.0)
        t_ev, c_ev = _poisson(rates, a, rng)
        times.append(t_ev), ids.append(c_ev)
    times.append(background_t[outside]), ids.append(background_c[outside])
    times, ids = np.concatenate(times), np.concatenate(ids)
    return {"times": times, "ids": ids, "place": place, "centres_m": centres,
            "position_t": np.arange(0.0, t_run, 0.02),
            "position_m": TRACK_M * (1 - np.abs(2 * ((np.arange(0.0, t_run, 0.02) % lap) / lap)
                                                - 1)),
            "run": (0.0, t_run), "sleep": (sleep_start, sleep_stop),
            "events": np.column_stack((starts, stops)), "kinds": kinds}


def write_lab_nwb(path: Path, session: dict, *, units: bool = True, position: bool = True
                  ) -> Path:
    """Write ``session`` with pynwb, in the layout of a lab's file."""
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.behavior import Position, SpatialSeries

    nwbfile = NWBFile(session_description="linear track, then sleep in the home cage",
                      identifier=f"lab-session-{path.stem}",
                      session_start_time=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
                      lab="a hippocampus lab", experimenter=["Doe, Jane"])
    nwbfile.add_epoch(start_time=session["run"][0], stop_time=session["run"][1], tags=["run"])
    nwbfile.add_epoch(start_time=session["sleep"][0], stop_time=session["sleep"][1],
                      tags=["sleep"])
    if units:
        nwbfile.add_unit_column("cell_type", "putative cell type from waveform and rate")
        for cell in range(session["place"].size):
            mine = np.sort(session["times"][session["ids"] == cell])
            nwbfile.add_unit(id=100 + 7 * cell, spike_times=mine,
                             cell_type="pyr" if session["place"][cell] else "int")
    if position:
        behavior = nwbfile.create_processing_module("behavior", "tracked position")
        series = SpatialSeries(name="linearized_position", data=session["position_m"],
                               timestamps=session["position_t"], reference_frame="track start",
                               unit="meters")
        behavior.add(Position(name="Position", spatial_series=series))
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path
