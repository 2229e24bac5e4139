"""Benchmark: the paper-scale point-neuron run against a plain Brian2 network of its size.

Two child processes, one after the other, each watching its memory (the
summed resident memory of its process tree: Python, the compilers, the
compiled program) by phase: ``build`` (inputs, circuit, code generation and
compilation), ``run`` (the compiled program) and ``analysis``:

``toolkit``
    ``consolidation`` at level ``lif``, preset ``paper`` (9000 pyramidal
    cells, 100 plastic interneurons, 100 basket cells, E->E p = 0.1, 30 laps
    of exploration with E->E and I->E learning, 20 s of noise-driven rest) on
    ``cpp_standalone``, as ``neurotoolkit run ... --device cpp_standalone``
    does it (world inputs drawn, circuit built, compiled, run, analysed and
    written), timed stage by stage.
``plain``
    The same populations, cell equations and parameter values, connection
    probabilities, delays, learning rules, phase switches and input spike
    trains (the toolkit's trains are data, drawn from the same seed, so both
    networks see the same input), written as a minimal Brian2 standalone
    script: literal constants, ``connect(p=...)`` drawn by Brian2, scalar
    delays, only the E->E and I->E synapses carry learning code, two
    ``run`` calls for the two phases.  This is the ceiling of what Brian2
    does on this machine for a network of this size and these rates.

Synaptic events are spike deliveries through synapses: the sum over every
synapse of its presynaptic cell's spike count (input synapses included);
learning updates on postsynaptic spikes are counted apart.  Events per second
divide by the wall time of the compiled program (``device.run``: the whole
program, both phases, reading its inputs and writing its results).

Usage::

    python experiments/bench_paper_scale.py [--laps N] [--offline SECONDS]
                                            [--side both|toolkit|plain] [--json FILE]

``--laps``/``--offline`` shorten the run (same sizes) for a quick check;
the environment variable ``BENCH_PAPER_PRESET=tiny`` checks the script at a
small size.
Takes many minutes at the full paper scale; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SEED = 1
PAGE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------------------
# Memory of a process tree (Linux /proc)
# ---------------------------------------------------------------------------


def tree_rss_bytes(root: int) -> int:
    """Summed resident memory of ``root`` and all its descendants."""
    parent, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{entry}/statm") as handle:
                pages = int(handle.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        pid = int(entry)
        parent[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = pages * PAGE
    total = 0
    for pid, size in rss.items():
        node = pid
        while node not in (0, 1) and node != root:
            node = parent.get(node, 0)
        if node == root:
            total += size
    return total


class MemoryWatch:
    """Samples a process tree's memory in a thread; keeps the peak of each phase."""

    def __init__(self, pid: int, period: float = 0.2, phase: str = "build"):
        self.pid, self.period, self.phase = pid, period, phase
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            size = tree_rss_bytes(self.pid)
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), size)
            self._stop.wait(self.period)

    def stop(self) -> dict[str, float]:
        """Peaks in GiB by phase."""
        self._stop.set()
        self._thread.join()
        return {phase: size / 2**30 for phase, size in self.peaks.items()}


# ---------------------------------------------------------------------------
# Shared by both sides
# ---------------------------------------------------------------------------


PRESET = os.environ.get("BENCH_PAPER_PRESET", "paper")  # "tiny" to check the script quickly


def paper_config(laps: int | None, offline_s: float | None):
    from neurotoolkit.runner import resolve_config

    overrides = {}
    if laps:
        overrides["track.n_laps"] = laps
    if offline_s:
        overrides["offline.duration"] = f"{offline_s} s"
    return resolve_config("consolidation", "lif", PRESET, overrides)


def input_trains(config, seed: int) -> dict:
    """The world's input spike trains (one spike per step at most), by source name."""
    from neurotoolkit.config import magnitude
    from neurotoolkit.protocols.exploration import make_world_inputs
    from neurotoolkit.protocols.simulation import RandomStreams
    from neurotoolkit.world.inputs import one_spike_per_step

    world = make_world_inputs(config, RandomStreams.from_seed(seed))
    dt = magnitude(config.simulation.dt, "s")
    return {"world": world,
            "place": one_spike_per_step(world.place, dt),
            "cue": one_spike_per_step(world.cue, dt),
            "interneuron": one_spike_per_step(world.interneurons, dt)}


def count_events(counts: dict, synapses: dict, plastic: tuple) -> dict:
    """Spike deliveries and learning updates from spike counts and connectivity.

    ``counts``: source/target name -> spikes per cell; ``synapses``: name ->
    (source name, i, target name, j).
    """
    import numpy as np

    deliveries = {name: int(np.sum(counts[src][i])) for name, (src, i, _, _) in synapses.items()}
    post = {name: int(np.sum(counts[tgt][j])) for name, (_, _, tgt, j) in synapses.items()
            if name in plastic}
    return {"deliveries": deliveries, "post_updates": post,
            "events": sum(deliveries.values()), "learning_updates": sum(post.values()),
            "synapses": {name: int(len(i)) for name, (_, i, _, _) in synapses.items()}}


def time_program(timings: dict) -> None:
    """Make the active Brian2 device record the wall time of running its program.

    Both sides time ``device.run`` the same way: the compiled program's whole
    execution (reading its static arrays, every ``run`` in it, writing its
    results), as ``_last_run_time`` covers only the program's last ``run``.
    """
    import brian2

    active = brian2.get_device()
    original = active.run

    def run(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timings["program_s"] = time.perf_counter() - started

    active.run = run


def rates(counts: dict, seconds: float) -> dict:
    return {name: float(c.sum() / c.size / seconds) for name, c in counts.items()
            if name in ("pyramidal", "interneurons", "basket")}


# ---------------------------------------------------------------------------
# The toolkit's run
# ---------------------------------------------------------------------------


def side_toolkit(build_dir: Path, out: Path, laps, offline_s, watch: MemoryWatch) -> dict:
    import numpy as np

    from neurotoolkit.io import run_directory
    from neurotoolkit.protocols.consolidation import analyse_simulation
    from neurotoolkit.protocols.standalone import StandaloneSimulation
    from neurotoolkit.runner import finish_run, write_run

    started = time.perf_counter()
    timings: dict = {}
    config = paper_config(laps, offline_s)
    sim = StandaloneSimulation(config, level="lif", seed=SEED, build_dir=build_dir, quiet=True)
    built = time.perf_counter()
    watch.phase = "run"
    time_program(timings)
    output = sim.run(config, results_dir=build_dir / "results")
    ran = time.perf_counter()
    watch.phase = "analysis"

    circuit = sim.circuit
    n = {name: circuit.groups[name].N for name in ("pyramidal", "interneurons", "basket")}
    offsets = np.cumsum([0, n["pyramidal"], n["interneurons"]])
    ids = output.spike_ids
    counts = {name: np.bincount(ids[(ids >= off) & (ids < off + n[name])] - off,
                                minlength=n[name])
              for name, off in zip(n, offsets, strict=True)}
    trains = input_trains(config, SEED)
    for name in ("place", "cue", "interneuron"):
        counts[f"{name}_input_spikes"] = np.bincount(trains[name].indices,
                                                     minlength=trains[name].n)
    synapses = {name: (s.source.name, np.asarray(s.i[:]), s.target.name, np.asarray(s.j[:]))
                for name, s in circuit.synapses.items()}
    events = count_events(counts, synapses, tuple(circuit.plastic))

    with run_directory(out, overwrite=True) as partial:
        result = analyse_simulation(output, config, level="lif", seed=SEED,
                                    device="cpp_standalone")
        result = finish_run(result, "consolidation", "lif", seed=SEED, config=config)
        write_run(result, partial, {"experiment": "consolidation", "level": "lif",
                                    "preset": PRESET, "seed": SEED,
                                    "device": "cpp_standalone"})
    sim.close()
    done = time.perf_counter()
    return {"build_s": sim.build_s, "setup_s": built - started - sim.build_s,
            "run_s": ran - built, "program_s": timings["program_s"], "analysis_s": done - ran,
            "total_s": done - started, "rates_hz": rates(counts, config.online_duration_s
                                                         + config.offline_duration_s),
            "n_replay_events": result.metrics.get("n_replay_events"), **events}


# ---------------------------------------------------------------------------
# The plain network
# ---------------------------------------------------------------------------


def side_plain(build_dir: Path, laps, offline_s, watch: MemoryWatch) -> dict:
    import brian2 as b
    import numpy as np
    from brian2 import (
        NeuronGroup,
        PoissonInput,
        SpikeGeneratorGroup,
        SpikeMonitor,
        Synapses,
        second,
    )

    started = time.perf_counter()
    config = paper_config(laps, offline_s)
    trains = input_trains(config, SEED)
    net_cfg, weights, delays = config.network, config.network.weights, config.network.delays
    p = net_cfg.connection_probability
    t_on, t_off = config.online_duration_s, config.offline_duration_s

    b.set_device("cpp_standalone", directory=str(build_dir), build_on_run=False)
    b.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
    b.defaultclock.dt = config.simulation.dt
    b.seed(SEED)

    def constants(cell) -> dict:
        ns = {"C": cell.capacitance, "gL": cell.leak_conductance, "EL": cell.rest_potential,
              "VT": cell.threshold, "DeltaT": cell.slope, "Vr": cell.reset_potential,
              "Vspike": cell.spike_detection, "tref": cell.refractory,
              "a": cell.adaptation_coupling, "b": cell.adaptation_increment,
              "tauw": cell.adaptation_tau}
        for c, k in (("e", cell.excitatory), ("i", cell.inhibitory)):
            ns.update({f"E{c}": k.reversal, f"taur{c}": k.rise, f"taud{c}": k.decay,
                       f"norm{c}": k.norm})
        return ns

    equations = """
    dv/dt = (gL*(EL - v) + gL*DeltaT*exp((v - VT)/DeltaT) - wa + ge*(Ee - v) + gi*(Ei - v))/C
            : volt (unless refractory)
    dwa/dt = (a*(v - EL) - wa)/tauw : amp
    dge/dt = (ze - ge)/taude : siemens
    dze/dt = -ze/taure : siemens
    dgi/dt = (zi - gi)/taudi : siemens
    dzi/dt = -zi/tauri : siemens
    """

    def group(n, cell, name):
        g = NeuronGroup(n, equations, threshold="v > Vspike", reset="v = Vr; wa += b",
                        refractory="tref", method="euler", namespace=constants(cell), name=name)
        g.v = cell.rest_potential
        return g

    pyr = group(net_cfg.n_pyramidal, config.pyramidal, "pyramidal")
    inh = group(net_cfg.n_interneurons, config.interneuron, "interneurons")
    bas = group(net_cfg.n_basket, config.interneuron, "basket")
    norm = {"pyramidal": (config.pyramidal.excitatory.norm, config.pyramidal.inhibitory.norm),
            "interneurons": (config.interneuron.excitatory.norm,
                             config.interneuron.inhibitory.norm)}
    norm["basket"] = norm["interneurons"]

    objects = [pyr, inh, bas]
    synapses = {}
    for name, target, w in (("place", pyr, weights.place_input),
                            ("cue", pyr, weights.cue_input),
                            ("interneuron", inh, weights.interneuron_input)):
        t = trains[name]
        source = SpikeGeneratorGroup(t.n, t.indices, t.times * second,
                                     name=f"{name}_input_spikes")
        s = Synapses(source, target, on_pre="ze_post += k", name=f"{name}_input",
                     namespace={"k": norm[target.name][0] * w})
        s.connect(j="i")
        objects += [source, s]
        synapses[s.name] = s

    def stdp(name, source, target, channel, prob, delay, rule, self_ok):
        e_or_i = 0 if channel == "e" else 1
        s = Synapses(
            source, target,
            """w : siemens
            dapre/dt = -apre/taupre : 1 (event-driven)
            dapost/dt = -apost/taupost : 1 (event-driven)
            gain : 1 (shared)
            lr : 1 (shared)""",
            on_pre=f"""z{channel}_post += k * gain * w
            apre += 1
            w = clip(w + lr*Apost*apost, 0*nS, wmax)""",
            on_post="""apost += 1
            w = clip(w + lr*Apre*apre, 0*nS, wmax)""",
            delay=delay, name=name,
            namespace={"k": norm[target.name][e_or_i], "taupre": rule.tau_pre_post,
                       "taupost": rule.tau_post_pre, "Apre": rule.amplitude_pre_post,
                       "Apost": rule.amplitude_post_pre, "wmax": rule.max_weight})
        s.connect(condition=None if self_ok else "i != j", p=prob)
        s.w = rule.initial_weight
        return s

    def static(name, source, target, channel, prob, delay, weight, self_ok):
        e_or_i = 0 if channel == "e" else 1
        s = Synapses(source, target, on_pre=f"z{channel}_post += k", delay=delay, name=name,
                     namespace={"k": norm[target.name][e_or_i] * weight})
        s.connect(condition=None if self_ok else "i != j", p=prob)
        return s

    rules = config.plasticity
    ee = stdp("EE", pyr, pyr, "e", p.ee, delays.pyramidal_to_pyramidal, rules.ee, False)
    ie = stdp("IE", inh, pyr, "i", p.ie, delays.interneuron_to_pyramidal, rules.ie, True)
    ei = static("EI", pyr, inh, "e", p.ei, delays.pyramidal_to_interneuron,
                weights.pyramidal_to_interneuron + rules.ei.initial_weight, True)
    b2p = static("basket_to_pyramidal", bas, pyr, "i", p.basket_to_pyramidal,
                 delays.interneuron_to_pyramidal, weights.basket_to_pyramidal, True)
    p2b = static("pyramidal_to_basket", pyr, bas, "e", p.pyramidal_to_basket,
                 delays.pyramidal_to_interneuron, weights.pyramidal_to_basket, True)
    b2b = static("basket_to_basket", bas, bas, "i", p.basket_to_basket,
                 delays.interneuron_to_interneuron, weights.basket_to_basket, False)
    for s in (ee, ie, ei, b2p, p2b, b2b):
        synapses[s.name] = s
    noise = PoissonInput(pyr, "ze", 1, config.offline.noise_rate,
                         weight=norm["pyramidal"][0] * weights.noise)
    monitors = {g.name: SpikeMonitor(g) for g in (pyr, inh, bas)}
    objects += [ee, ie, ei, b2p, p2b, b2b, noise, *monitors.values()]
    net = b.Network(*objects)

    # exploration: learning on, E->E transmission at its online gain, no noise
    ee.gain, ee.lr = config.online.recurrent_gain, 1
    ie.gain, ie.lr = 1, 1
    noise.active = False
    net.run(t_on * second, namespace={})
    # rest: learning off, learned E->E weights at the offline gain, noise on
    ee.gain, ee.lr, ie.lr = config.offline.recurrent_gain, 0, 0
    noise.active = True
    net.run(t_off * second, namespace={})
    codegen = time.perf_counter()
    b.device.build(directory=str(build_dir), compile=True, run=False, with_output=False)
    built = time.perf_counter()
    watch.phase = "run"
    timings: dict = {}
    time_program(timings)
    b.device.run(directory=str(build_dir), with_output=False)
    ran = time.perf_counter()
    watch.phase = "analysis"

    counts = {name: np.bincount(np.asarray(m.i[:]), minlength=m.source.N)
              for name, m in monitors.items()}
    for name in ("place", "cue", "interneuron"):
        counts[f"{name}_input_spikes"] = np.bincount(trains[name].indices,
                                                     minlength=trains[name].n)
    connectivity = {name: (s.source.name, np.asarray(s.i[:]), s.target.name,
                           np.asarray(s.j[:])) for name, s in synapses.items()}
    events = count_events(counts, connectivity, ("EE", "IE"))
    return {"build_s": built - codegen, "setup_s": codegen - started, "run_s": ran - built,
            "program_s": timings["program_s"], "total_s": time.perf_counter() - started,
            "rates_hz": rates(counts, t_on + t_off), **events}


# ---------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------


def run_child(side: str, root: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", side, "--root", str(root)]
    if args.laps:
        command += ["--laps", str(args.laps)]
    if args.offline:
        command += ["--offline", str(args.offline)]
    print(f"[{side}] start (load {os.getloadavg()[0]:.1f})", flush=True)
    started = time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{side} side failed with status {proc.returncode}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update({"wall_s": wall, "load_end": os.getloadavg()[0]})
    result["events_per_s"] = result["events"] / result["program_s"]
    result["events_and_learning_per_s"] = ((result["events"] + result["learning_updates"])
                                           / result["program_s"])
    memory = result["peak_memory_gib"]
    print(f"[{side}] wall {wall:.0f} s (build {result['build_s']:.0f} s, program "
          f"{result['program_s']:.0f} s), peak memory {memory}, "
          f"{result['events_per_s']:.3g} synaptic events/s, rates "
          f"{ {k: round(v, 2) for k, v in result['rates_hz'].items()} }", flush=True)
    return result


def child(side: str, root: Path, laps, offline_s) -> None:
    watch = MemoryWatch(os.getpid())
    if side == "toolkit":
        result = side_toolkit(root / "toolkit-build", root / "toolkit-run", laps, offline_s,
                              watch)
    else:
        result = side_plain(root / "plain-build", laps, offline_s, watch)
    peaks = watch.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result.update({"side": side, "peak_memory_gib": {k: round(v, 3) for k, v in peaks.items()},
                   "max_rss_python_gib": usage / 2**20,
                   "max_rss_child_process_gib": children / 2**20})
    print(json.dumps(result))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", choices=("both", "toolkit", "plain"), default="both")
    parser.add_argument("--laps", type=int, default=None, help="laps (default: the preset's)")
    parser.add_argument("--offline", type=float, default=None, help="seconds of rest")
    parser.add_argument("--json", default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--root", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, Path(args.root), args.laps, args.offline)
        return 0

    root = Path(tempfile.mkdtemp(prefix="bench-paper-"))
    results: dict = {"cores": os.cpu_count(), "laps": args.laps or "preset",
                     "offline_s": args.offline or "preset"}
    try:
        sides = ("plain", "toolkit") if args.side == "both" else (args.side,)
        for side in sides:
            results[side] = run_child(side, root, args)
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    if "plain" in results and "toolkit" in results:
        tk, plain = results["toolkit"], results["plain"]
        results["program_time_ratio"] = tk["program_s"] / plain["program_s"]
        results["events_per_s_ratio"] = plain["events_per_s"] / tk["events_per_s"]
        results["wall_ratio"] = tk["wall_s"] / plain["wall_s"]
        print(f"toolkit / plain: program time {results['program_time_ratio']:.2f}x, "
              f"per synaptic event {results['events_per_s_ratio']:.2f}x, "
              f"wall {results['wall_ratio']:.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
