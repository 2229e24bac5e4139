"""A CA3-like circuit: place, cue and other pyramidal cells, plastic interneurons, basket cells.

Populations (Liao et al. 2024, after Ecker et al. 2022):

- pyramidal cells: a fraction are place cells; a fraction of those are *cue
  cells* (place cells that also fire at the salient cue); the rest fire at
  the baseline rate online;
- plastic interneurons: half cue-tuned (fire in the cue window), half
  place-tuned (broad place fields);
- static basket cells (fast-spiking), which pace the offline network.

Pathways and their default connection probabilities: E->E 0.1, I->E 0.25,
E->I 0.1 (plastic interneurons), basket->pyramidal 0.25, pyramidal->basket 0.1,
basket->basket 0.25.  Connectivity is drawn in numpy from the run's seed, so it
is the same on every Brian2 device.  E->E connectivity is Erdos-Renyi by
default; ``ee_connectivity.rule = "place_distance"`` draws it instead from the
distance between place-field positions (the rule of the authors' biophysical
model, :class:`EEConnectivity`).

The builder returns the Brian2 objects in a :class:`CA3Circuit`; the protocol
adds them to an explicit ``Network``.  The cell model is a choice
(:class:`~neurotoolkit.neurons.point.PointCellModel` or the Dendrify model):
there is one circuit for every level.

How plasticity is driven online (``mode``):

- ``"closed_loop"``: inputs drive the cells and the network's own spikes
  drive every learning rule;
- ``"teacher_forced"``: the input spike trains themselves drive the rules (as
  in the authors' code): each input spike makes its target cell spike in the
  next step without depolarising it, and all transmission is silenced online,
  so every spike that reaches a learning rule is an input spike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import ConfigError, Section, magnitude, param, qparam, section
from ..plasticity import PATHWAY_SETS, LearningCode
from ..world.inputs import one_spike_per_step

if TYPE_CHECKING:
    from ..world.track import Track

__all__ = [
    "ConnectionProbabilities",
    "StaticWeights",
    "ShortTermDepression",
    "Delays",
    "EEConnectivity",
    "NetworkConfig",
    "CellLayout",
    "CA3Circuit",
    "make_layout",
    "random_connectivity",
    "place_distance_connectivity",
    "parameter_values",
    "SYNAPSE_NAMES",
    "build_ca3_circuit",
]


@dataclass(frozen=True)
class ConnectionProbabilities(Section):
    """Connection probability of each pathway."""

    ee: float = param(0.1, low=0.0, high=1.0, doc="pyramidal -> pyramidal")
    ie: float = param(0.25, low=0.0, high=1.0, doc="plastic interneuron -> pyramidal")
    ei: float = param(0.1, low=0.0, high=1.0, doc="pyramidal -> plastic interneuron")
    basket_to_pyramidal: float = param(0.25, low=0.0, high=1.0)
    pyramidal_to_basket: float = param(0.1, low=0.0, high=1.0)
    basket_to_basket: float = param(0.25, low=0.0, high=1.0)


@dataclass(frozen=True)
class StaticWeights(Section):
    """Weights of the non-learning pathways and of the inputs.

    ``pyramidal_to_interneuron`` is a static drive added to the (learnable)
    E->I weight: without it the plastic interneurons are silent offline and
    learned I->E weights cannot act (found with a prototype at the published
    settings, where E->I weights start near 0.1 nS).
    """

    pyramidal_to_interneuron: object = qparam("0.85 nS", low=0)
    pyramidal_to_basket: object = qparam("0.85 nS", low=0)
    basket_to_pyramidal: object = qparam("0.65 nS", low=0)
    basket_to_basket: object = qparam("5 nS", low=0)
    place_input: object = qparam("80 nS", low=0, doc="place input -> pyramidal (closed loop)")
    cue_input: object = qparam("80 nS", low=0, doc="cue input -> cue cell (closed loop)")
    interneuron_input: object = qparam("15 nS", low=0, doc="input -> interneuron (closed loop)")
    noise: object = qparam("21.5 nS", low=0, doc="mossy-fibre-like offline noise")
    ee_scale: float = param(1.0, low=0.0, doc="E->E weights multiply by this (size scaling)")


@dataclass(frozen=True)
class Delays(Section):
    """Synaptic delays (Ecker et al. 2022)."""

    pyramidal_to_pyramidal: object = qparam("2.2 ms", low=0)
    pyramidal_to_interneuron: object = qparam("0.9 ms", low=0)
    interneuron_to_pyramidal: object = qparam("1.1 ms", low=0)
    interneuron_to_interneuron: object = qparam("0.6 ms", low=0)


@dataclass(frozen=True)
class ShortTermDepression(Section):
    """Short-term depression of recurrent E->E transmission (Tsodyks & Markram 1997).

    Each synapse has a fraction ``x`` of available resources (1 at rest);
    a presynaptic spike transmits ``w * x`` and uses a fraction
    ``utilisation`` of what is left; resources recover with ``recovery``.
    ``utilisation = 0`` switches depression off.  It matters at rest, where it
    makes a strongly coupled assembly fire in bursts instead of locking into
    persistent firing (cf. Romani & Tsodyks 2015); E->E transmission is off
    during closed-loop exploration by default.
    """

    utilisation: float = param(0.0, low=0.0, high=1.0, doc="U")
    recovery: object = qparam("500 ms", low=0, low_open=True, doc="tau_rec")

    @property
    def enabled(self) -> bool:
        """Whether E->E synapses carry depression at all (``utilisation > 0``).

        Without it the synapses have no resources variable: with ``U = 0``
        every transmission would still update it (one exponential per
        spike delivery, eight bytes per synapse) and never change it.
        """
        return self.utilisation > 0


@dataclass(frozen=True)
class EEConnectivity(Section):
    """How pyramidal -> pyramidal connections are drawn.

    Attributes
    ----------
    rule : {"random", "place_distance"}
        ``"random"``: each pair connects with probability
        ``connection_probability.ee``.  ``"place_distance"``: each pyramidal
        cell draws ``convergence`` distinct presynaptic partners, a partner
        at position distance ``d`` with probability proportional to
        ``exp(-d**2 / length_scale**2)`` (the authors' biophysical model:
        ``exp(-d**2 / 0.0125)`` in track units, i.e. ``length_scale`` = 0.112
        track lengths, 22.4 cm on a 200 cm track; convergence about 20).
    convergence : int
        Presynaptic partners per cell (``"place_distance"`` only).
    length_scale : Quantity
        Distance scale of the connection probability (``"place_distance"`` only).
    cue_source_scale : float
        Transmission of E->E synapses whose presynaptic cell is a cue cell is
        multiplied by this (0.3 in the authors' biophysical model); 1 leaves
        every synapse alike.
    unfielded : {"uniform", "position"}
        Cells without a place field (cue cells with ``cue_place_fields =
        false``) under ``"place_distance"``: ``"uniform"`` draws their
        partners uniformly along the track; ``"position"`` gives each a
        random position on the track and wires it by distance like any other
        cell (the authors' model: every pyramidal cell has a soma position,
        cue cells drawn at random among them, and E->E wiring follows soma
        positions whether or not a cell receives place input).
    """

    rule: str = param("random", choices=("random", "place_distance"))
    convergence: int = param(20, low=1, doc="presynaptic partners per cell (place_distance)")
    length_scale: object = qparam("22.4 cm", low=0, low_open=True,
                                  doc="distance scale of the probability (place_distance)")
    cue_source_scale: float = param(1.0, low=0.0, doc="E->E transmission from cue cells")
    unfielded: str = param("uniform", choices=("uniform", "position"),
                           doc="wiring of cells without a place field (place_distance)")


@dataclass(frozen=True)
class NetworkConfig(Section):
    """Sizes, connectivity and static weights of the CA3 circuit.

    Published reference scale: 9000 pyramidal cells (half place cells, 450 cue
    cells, i.e. 10% of place cells), 100 plastic interneurons (half cue-tuned),
    100 basket cells.

    ``cue_place_fields = False`` makes cue cells a class of their own (as in
    the authors' biophysical model, where lateral-entorhinal cue inputs reach
    cue cells only and mossy-fibre and grid inputs reach place cells only):
    cue cells then get no place input and have no field centre (so
    place-distance E->E connectivity draws their partners uniformly).
    """

    n_pyramidal: int = param(2000, low=1)
    place_fraction: float = param(0.5, low=0.0, high=1.0)
    cue_fraction: float = param(0.1, low=0.0, high=1.0, doc="fraction of place cells")
    cue_place_fields: bool = param(True, doc="cue cells also receive place input")
    n_interneurons: int = param(100, low=1)
    cue_interneuron_fraction: float = param(0.5, low=0.0, high=1.0)
    n_basket: int = param(100, low=1)
    connection_probability: ConnectionProbabilities = section(ConnectionProbabilities)
    ee_connectivity: EEConnectivity = section(EEConnectivity)
    weights: StaticWeights = section(StaticWeights)
    delays: Delays = section(Delays)
    ee_depression: ShortTermDepression = section(ShortTermDepression)

    def validate(self) -> None:
        if round(self.n_pyramidal * self.place_fraction) < 2:
            raise self.field_error("place_fraction", "leaves fewer than 2 place cells")

    @property
    def n_place(self) -> int:
        """Place cells (cue cells included)."""
        return int(round(self.n_pyramidal * self.place_fraction))

    @property
    def n_cue(self) -> int:
        """Cue cells (a subset of the place cells)."""
        return int(round(self.n_place * self.cue_fraction))

    @property
    def n_cue_interneurons(self) -> int:
        """Cue-tuned plastic interneurons."""
        return int(round(self.n_interneurons * self.cue_interneuron_fraction))


@dataclass(frozen=True)
class CellLayout:
    """Which cell is what: plain arrays shared by the circuit and the analysis.

    Attributes
    ----------
    pyramidal_labels : ndarray of str
        ``"place"``, ``"cue"`` or ``"pyramidal"`` per pyramidal cell.
    pyramidal_centres_cm : ndarray
        Place-field centre per pyramidal cell (``nan`` for non-place cells,
        and for cue cells without place input).
    interneuron_labels : ndarray of str
        ``"interneuron_cue"`` or ``"interneuron_place"``.
    interneuron_centres_cm : ndarray
        Field centre of place-tuned interneurons (``nan`` for cue-tuned).
    n_basket : int
        Basket cells.
    """

    pyramidal_labels: np.ndarray
    pyramidal_centres_cm: np.ndarray
    interneuron_labels: np.ndarray
    interneuron_centres_cm: np.ndarray
    n_basket: int

    @property
    def cue_cells(self) -> np.ndarray:
        """Ids of cue cells among the pyramidal cells."""
        return np.flatnonzero(self.pyramidal_labels == "cue")

    @property
    def cue_interneurons(self) -> np.ndarray:
        """Ids of cue-tuned interneurons."""
        return np.flatnonzero(self.interneuron_labels == "interneuron_cue")

    @property
    def all_labels(self) -> np.ndarray:
        """Labels of pyramidal, interneuron and basket cells, in Recording order."""
        return np.concatenate([self.pyramidal_labels, self.interneuron_labels,
                               np.full(self.n_basket, "basket")])

    @property
    def all_centres_cm(self) -> np.ndarray:
        """Field centres in Recording order (``nan`` for cells without a field)."""
        return np.concatenate([self.pyramidal_centres_cm, self.interneuron_centres_cm,
                               np.full(self.n_basket, np.nan)])


def make_layout(network: NetworkConfig, track_length_cm: float,
                rng: np.random.Generator) -> CellLayout:
    """Assign cell classes and field centres.

    Place cells are a random subset of pyramidal cells with centres drawn
    uniformly along the track; cue cells are a random subset of place cells;
    place-tuned interneurons have evenly spaced centres.  Without
    ``network.cue_place_fields`` cue cells have no field centre (``nan``; the
    random draws are the same either way).
    """
    n = network.n_pyramidal
    labels = np.full(n, "pyramidal", dtype="<U20")
    centres = np.full(n, np.nan)
    place = rng.choice(n, size=network.n_place, replace=False)
    labels[place] = "place"
    centres[place] = rng.uniform(0.0, track_length_cm, size=place.size)
    cue = rng.choice(place, size=network.n_cue, replace=False)
    labels[cue] = "cue"
    if not network.cue_place_fields:
        centres[cue] = np.nan

    n_int, n_cue_int = network.n_interneurons, network.n_cue_interneurons
    int_labels = np.array(["interneuron_cue"] * n_cue_int
                          + ["interneuron_place"] * (n_int - n_cue_int), dtype="<U20")
    int_centres = np.full(n_int, np.nan)
    n_place_int = n_int - n_cue_int
    if n_place_int:
        int_centres[n_cue_int:] = (np.arange(n_place_int) + 0.5) * track_length_cm / n_place_int
    return CellLayout(labels, centres, int_labels, int_centres, network.n_basket)


def random_connectivity(n_pre: int, n_post: int, p: float, rng: np.random.Generator,
                        allow_self: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Erdos-Renyi connectivity: each pair connected with probability ``p``.

    Drawn per presynaptic block to bound memory at large sizes.  With
    ``allow_self=False`` (recurrent pathways), ``i == j`` pairs are excluded.

    Returns
    -------
    i, j : ndarray of int
        Presynaptic and postsynaptic indices, sorted by ``i`` then ``j``.
    """
    if p <= 0 or n_pre == 0 or n_post == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    block = max(1, 4_000_000 // max(n_post, 1))
    pre, post = [], []
    for start in range(0, n_pre, block):
        stop = min(n_pre, start + block)
        connected = rng.random((stop - start, n_post)) < p
        if not allow_self:
            rows = np.arange(start, stop)
            inside = rows < n_post
            connected[np.flatnonzero(inside), rows[inside]] = False
        i, j = np.nonzero(connected)
        pre.append(i + start)
        post.append(j)
    return np.concatenate(pre).astype(np.int32), np.concatenate(post).astype(np.int32)


def wiring_positions(centres_cm: np.ndarray, track_length_cm: float,
                     rng: np.random.Generator) -> np.ndarray:
    """A position on the track for every cell: its field centre, else a random one.

    Cells without a place field (``nan``) get positions uniform on
    ``[0, track_length_cm)``, drawn from ``rng`` only when there are such
    cells (:attr:`EEConnectivity.unfielded` ``= "position"``).
    """
    positions = np.array(centres_cm, dtype=float)
    missing = ~np.isfinite(positions)
    if missing.any():
        positions[missing] = rng.uniform(0.0, track_length_cm, int(missing.sum()))
    return positions


def place_distance_connectivity(positions_cm: np.ndarray, convergence: int,
                                length_scale_cm: float, rng: np.random.Generator, *,
                                track: Track | None = None
                                ) -> tuple[np.ndarray, np.ndarray]:
    """Recurrent connectivity that falls off with place-field distance.

    Each cell ``j`` draws ``min(convergence, n - 1)`` distinct presynaptic
    partners ``i != j``, with probability proportional to
    ``exp(-d_ij**2 / length_scale**2)`` where ``d_ij`` is the distance between
    their place-field centres (:meth:`Track.distance_cm`: around a circular
    track; straight distance without ``track``).  A cell
    without a field (``nan``: a cue cell or a non-place cell) draws its
    partners uniformly and, as a partner, has the mean affinity of the cells
    with a field.

    Parameters
    ----------
    positions_cm : ndarray, shape (n,)
        Place-field centre of each cell (``nan``: none).
    convergence : int
        Presynaptic partners per cell.
    length_scale_cm : float
        Distance scale of the connection probability.
    rng : numpy.random.Generator
        Draws the partners.
    track : Track, optional
        Measures the distances (they wrap around a circular track).

    Returns
    -------
    i, j : ndarray of int
        Presynaptic and postsynaptic indices, sorted by ``i`` then ``j``.
    """
    x = np.asarray(positions_cm, dtype=float)
    n = x.size
    k = min(int(convergence), n - 1)
    if k <= 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    pre = []
    has_field = np.isfinite(x)
    for j in range(n):
        if has_field[j]:
            d = np.abs(track.distance_cm(x, x[j]) if track is not None else x - x[j])
            affinity = np.exp(-(d / length_scale_cm) ** 2)
            if not has_field.all():
                affinity[~has_field] = affinity[has_field].mean()
        else:
            affinity = np.ones(n)
        affinity[j] = 0.0
        # Gumbel top-k: k draws without replacement, probabilities ~ affinity
        with np.errstate(divide="ignore"):
            keys = np.log(affinity) - np.log(-np.log(rng.random(n)))
        pre.append(np.argpartition(-keys, k - 1)[:k])
    i = np.concatenate(pre)
    j = np.repeat(np.arange(n), k)
    order = np.lexsort((j, i))
    return i[order].astype(np.int32), j[order].astype(np.int32)


@dataclass
class CA3Circuit:
    """The Brian2 objects of one circuit, by role.

    Pass it to ``Network(*circuit.objects())``.  ``plastic`` names the
    learning Synapses (``"EE"``, ``"IE"``, ``"EI"``) that learn in this
    pathway set.
    """

    layout: CellLayout
    groups: dict[str, Any]
    synapses: dict[str, Any]
    inputs: dict[str, Any]
    monitors: dict[str, Any]
    plastic: tuple[str, ...] = ()
    extra: list[Any] = field(default_factory=list)

    def objects(self) -> list[Any]:
        """Every Brian2 object of the circuit."""
        return [*self.groups.values(), *self.synapses.values(), *self.inputs.values(),
                *self.monitors.values(), *self.extra]

    def named_objects(self) -> dict[str, Any]:
        """Groups and synapses by their Brian2 names."""
        return {obj.name: obj for obj in [*self.groups.values(), *self.synapses.values()]}

    def apply(self, values: Mapping[tuple[str, str], Any]) -> None:
        """Set ``{(object name, variable): value}`` (see :func:`parameter_values`)."""
        objects = self.named_objects()
        for (name, variable), value in values.items():
            setattr(objects[name], variable, value)

    def switch_values(self, t_offline: Any) -> dict[tuple[str, str], Any]:
        """Values that move the end of exploration (and start of rest) to ``t_offline``.

        Every pathway's ``t_offline`` (learning, gains) and the pyramidal
        noise onset; set them with :meth:`apply` between runs to alternate
        exploration and rest (:class:`~neurotoolkit.protocols.checkpoints.LapCheckpoints`).
        """
        values = {(s.name, "t_offline"): t_offline for s in self.synapses.values()
                  if "t_offline" in s.variables}
        values[(self.groups["pyramidal"].name, "noise_onset")] = t_offline
        return values

    def enter_phase(self, phase: str) -> None:
        """Switch on only the code objects that ``phase`` (``"explore"`` or ``"rest"``) uses.

        The offline noise runs only at rest (its gain is zero while
        exploring) and the learning rules' postsynaptic updates only while
        exploring (learning is off at rest), so neither costs a step in the
        other phase.  Call it before each ``Network.run``: Brian2 runs only
        the active objects, on the runtime device and in a standalone program
        alike (these switches are part of the compiled structure, not
        run-time values).
        """
        if phase not in ("explore", "rest"):
            raise ValueError(f"unknown phase {phase!r}")
        resting = phase == "rest"
        self.inputs["noise"].active = resting
        for name in ("EE", "IE", "EI"):
            for pathway in self.synapses[name]._pathways:
                if pathway.prepost == "post":
                    pathway.active = not resting

    def run_args(self, values: Mapping[tuple[str, str], Any]) -> dict[Any, Any]:
        """The same values as standalone ``run_args`` (variable views to values)."""
        from brian2 import Quantity

        objects = self.named_objects()
        return {getattr(objects[name], variable): (Quantity(value) if hasattr(value, "dim")
                                                  else value)
                for (name, variable), value in values.items()}


#: Transmission gain of a pathway: its exploration value before ``t_offline``,
#: its rest value after.  Phases are defined by time, so the whole experiment
#: is one run and every value is a constant that ``run_args`` can change.
PHASE_GAINS = """
gain = gain_online * int(t < t_offline) + gain_offline * int(t >= t_offline) : 1 (shared)
gain_online : 1 (shared, constant)
gain_offline : 1 (shared, constant)
t_offline : second (shared, constant)
"""
#: Learning happens during exploration, in the pathways of the pathway set.
LEARNING_SWITCH = "learns * int(t < t_offline)"


#: Names of the circuit's Synapses (Brian2 object names).
SYNAPSE_NAMES = ("place_input", "cue_input", "interneuron_input", "EE", "IE", "EI",
                 "basket_to_pyramidal", "pyramidal_to_basket", "basket_to_basket")


#: Pathways whose synapses carry their learning rule's code in every build:
#: ``EE`` and ``EE+IE``, the pathway sets every experiment compares, then
#: share one compiled program.
ALWAYS_LEARNING_CODE = PATHWAY_SETS["EE+IE"]


def learning_code_pathways(plasticity: Any) -> tuple[str, ...]:
    """The learning pathways whose synapses carry learning code in a circuit.

    A pathway that cannot learn in the run has fixed weights; its learning
    code would still update traces (and evaluate the rule) at every spike of
    its target cells.  It is left out, except for :data:`ALWAYS_LEARNING_CODE`
    (whose ``learns`` switch stays a run-time value).  Which pathways carry
    it is part of a standalone build's structure.
    """
    return tuple(p for p in ("EE", "IE", "EI")
                 if p in ALWAYS_LEARNING_CODE or plasticity.is_plastic(p))


def parameter_values(network: NetworkConfig, plasticity: Any, pyramidal_model: Any,
                     interneuron_model: Any,
                     gains: Mapping[str, Mapping[str, float]] | None = None,
                     t_offline: Any = None) -> dict[tuple[str, str], Any]:
    """Every value the circuit takes from its configuration, by (object, variable).

    These are ``(shared, constant)`` variables (and the initial weights), so
    two circuits that differ only here share one compiled standalone
    program: set the values at build time, or pass them as ``run_args``.

    Parameters
    ----------
    network, plasticity, pyramidal_model, interneuron_model
        As for :func:`build_ca3_circuit`.
    gains : mapping, optional
        ``{"online": {synapse name: gain}, "offline": {...}}``; pathways left
        out have gain 1.
    t_offline : Quantity, optional
        When exploration ends and rest begins (default: never).

    Returns
    -------
    dict
        ``{(brian2 object name, variable name): value}``.
    """
    weights = network.weights
    values: dict[tuple[str, str], Any] = {}
    for group, model in (("pyramidal", pyramidal_model), ("interneurons", interneuron_model),
                         ("basket", interneuron_model)):
        values.update({(group, k): v for k, v in model.parameter_values().items()})
    values[("pyramidal", "w_noise")] = weights.noise
    values[("place_input", "w_input")] = weights.place_input
    values[("cue_input", "w_input")] = weights.cue_input
    values[("interneuron_input", "w_input")] = weights.interneuron_input
    statics = {"EE": (0 * weights.noise, weights.ee_scale),
               "IE": (0 * weights.noise, 1.0),
               "EI": (weights.pyramidal_to_interneuron, 1.0)}
    carrying = learning_code_pathways(plasticity)
    for name, (static, scale) in statics.items():
        rule = plasticity.rule(name)
        rule_values = (rule.parameter_values(plasticity.is_plastic(name), switch=True)
                       if name in carrying else {"w": rule.initial_weight})
        values.update({(name, k): v for k, v in rule_values.items()})
        values[(name, "w_static")] = static
        values[(name, "w_scale")] = scale
    if network.ee_depression.enabled:
        values[("EE", "depression_utilisation")] = network.ee_depression.utilisation
        values[("EE", "depression_recovery")] = network.ee_depression.recovery
        values[("EE", "resources")] = 1.0
    for name in ("basket_to_pyramidal", "pyramidal_to_basket", "basket_to_basket"):
        values[(name, "w_syn")] = getattr(weights, name)
    gains = gains or {}
    t_offline = t_offline if t_offline is not None else _to_brian_seconds(1e9)
    values[("pyramidal", "noise_onset")] = t_offline
    for name in SYNAPSE_NAMES:
        values[(name, "gain_online")] = gains.get("online", {}).get(name, 1.0)
        values[(name, "gain_offline")] = gains.get("offline", {}).get(name, 1.0)
        values[(name, "t_offline")] = t_offline
    return values


def _to_brian_seconds(value: float) -> Any:
    from brian2 import second

    return value * second


@contextmanager
def _binomial_named(name: str) -> Iterator[None]:
    """PoissonInputs created inside sample from a binomial function called ``name``.

    Brian2 names a PoissonInput's sampling function ``poissoninput_binomial``
    plus a number that counts the functions still alive, and its own caches
    keep earlier ones alive: the same circuit built twice in one process would
    get generated code that differs in that name, and a cached standalone
    build of its structure would be recompiled.  A fixed name keeps the
    sources, and the cache, stable.
    """
    from brian2.input import poissoninput

    original = poissoninput.BinomialFunction

    def named(n: Any, p: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["name"] = name
        return original(n, p, *args, **kwargs)

    poissoninput.BinomialFunction = named
    try:
        yield
    finally:
        poissoninput.BinomialFunction = original


def build_ca3_circuit(
    network: NetworkConfig,
    plasticity: Any,
    layout: CellLayout,
    pyramidal_model: Any,
    interneuron_model: Any,
    place_trains: Any,
    cue_trains: Any,
    interneuron_trains: Any,
    rng: np.random.Generator,
    *,
    mode: str = "closed_loop",
    noise_rate: Any = None,
    dt: Any = None,
    method: str = "euler",
    gains: Mapping[str, Mapping[str, float]] | None = None,
    t_offline: Any = None,
    track: Track | None = None,
) -> CA3Circuit:
    """Build the CA3 circuit's Brian2 objects.

    Parameters
    ----------
    network : NetworkConfig
        Sizes, probabilities, static weights, delays.
    plasticity : PlasticityConfig
        Pathway set and rules.
    layout : CellLayout
        Cell classes and fields (from :func:`make_layout`).
    pyramidal_model, interneuron_model
        Cell models (``make_group``, ``on_pre``, ``noise_target``).
    place_trains, cue_trains, interneuron_trains : SpikeTrains
        Place-field input and cue input of each pyramidal cell, and the
        input of each plastic interneuron (place fields, cue windows).
    rng : numpy.random.Generator
        Draws connectivity.
    mode : {"closed_loop", "teacher_forced"}
        What drives learning online (see the module docstring).  In
        ``teacher_forced`` mode an input spike makes its target cell spike in
        the next step (through a ``teach`` flag in the threshold) without
        depolarising it; the protocol silences all transmission online.
    noise_rate : Quantity
        Rate of the mossy-fibre-like Poisson noise onto each pyramidal cell.
    dt : Quantity
        Simulation step (to keep at most one input spike per step).
    method : str
        Integration method of the cell groups.
    gains : mapping, optional
        Transmission gain per pathway in each phase (see :func:`parameter_values`).
    t_offline : Quantity, optional
        End of exploration: learning stops, the noise starts and every
        pathway switches to its offline gain.
    track : Track, optional
        Measures place-field distances for ``network.ee_connectivity.rule =
        "place_distance"`` (around a circular track; straight without it).

    Returns
    -------
    CA3Circuit
        Every pathway has a shared ``gain`` (transmission) and the learning
        pathways a shared ``plastic`` switch, both functions of time that
        change at ``t_offline``; run the network once through both phases.
    """
    from brian2 import Hz, PoissonInput, SpikeGeneratorGroup, SpikeMonitor, Synapses, second

    if mode not in ("closed_loop", "teacher_forced"):
        raise ConfigError("online.mode", f"unknown mode {mode!r}")
    teacher = mode == "teacher_forced"
    n_pyr, n_int, n_bas = network.n_pyramidal, network.n_interneurons, network.n_basket
    probability = network.connection_probability
    delays = network.delays
    dt_s = magnitude(dt, "s")

    groups = {
        "pyramidal": pyramidal_model.make_group(
            n_pyr, "pyramidal",
            extra=("noise_gain = int(t >= noise_onset) : 1 (shared)\n"
                   "noise_onset : second (shared, constant)\n"
                   "w_noise : siemens (shared, constant)"),
            teacher=teacher, method=method),
        "interneurons": interneuron_model.make_group(n_int, "interneurons", teacher=teacher,
                                                     method=method),
        "basket": interneuron_model.make_group(n_bas, "basket", method=method),
    }

    # --- inputs: spike generators and their synapses --------------------------------
    inputs = {}
    for name, trains in (("place", place_trains), ("cue", cue_trains),
                         ("interneuron", interneuron_trains)):
        trains = one_spike_per_step(trains, dt_s)
        inputs[name] = SpikeGeneratorGroup(trains.n, trains.indices, trains.times * second,
                                           name=f"{name}_input_spikes")
    synapses: dict[str, Any] = {}
    for key, source, target, model, pathway in (
        ("place_input", inputs["place"], "pyramidal", pyramidal_model, "place_input"),
        ("cue_input", inputs["cue"], "pyramidal", pyramidal_model, "cue_input"),
        ("interneuron_input", inputs["interneuron"], "interneurons", interneuron_model,
         "recurrent"),
    ):
        statement = ("teach_post = 1" if teacher
                     else model.on_pre(pathway, "gain * w_input"))
        s = Synapses(source, groups[target], PHASE_GAINS + "w_input : siemens (shared, constant)",
                     on_pre=statement, name=key, namespace={})
        s.connect(j="i")
        synapses[key] = s

    # --- learning pathways: transmission and learning in one pathway each -------------
    ee_rule = network.ee_connectivity
    # a per-synapse factor only when it differs from one, so other circuits keep their code
    source_scaled = ee_rule.cue_source_scale != 1.0
    depressing = network.ee_depression.enabled
    carrying = learning_code_pathways(plasticity)

    def plastic_synapses(name: str, source: Any, target: Any, target_model: Any, pathway: str,
                         p: float, allow_self: bool, delay: Any,
                         connectivity: tuple[np.ndarray, np.ndarray] | None = None) -> Any:
        rule = plasticity.rule(name)
        code = (rule.code(switch=LEARNING_SWITCH) if name in carrying
                else LearningCode(model="w : siemens", on_pre="", on_post=""))
        model = code.model + PHASE_GAINS + """
        w_static : siemens (shared, constant)
        w_scale : 1 (shared, constant)
        """
        transmit = target_model.on_pre(pathway, "gain * (w_scale * w + w_static)")
        if name == "EE":
            learned, after = "w_scale * w", ""
            if depressing:  # resources of short-term depression (ShortTermDepression)
                model += """
                dresources/dt = (1 - resources) / depression_recovery : 1 (event-driven)
                depression_utilisation : 1 (shared, constant)
                depression_recovery : second (shared, constant)
                """
                learned += " * resources"
                after = "\nresources = resources * (1 - depression_utilisation)"
            if source_scaled:  # EEConnectivity.cue_source_scale
                model += "\nw_source : 1 (constant)"
                learned = "w_source * " + learned
            transmit = target_model.on_pre(pathway, f"gain * ({learned} + w_static)") + after
        # a delay given here is one scalar for the pathway; set after connect
        # it would be an array with one (equal) value per synapse
        s = Synapses(source, target, model, on_pre=transmit + "\n" + code.on_pre,
                     on_post=code.on_post or None, name=name, namespace={},
                     delay={"pre": delay})
        i, j = (connectivity if connectivity is not None
                else random_connectivity(source.N, target.N, p, rng, allow_self))
        s.connect(i=i, j=j)
        if name == "EE" and source_scaled:
            s.w_source = np.where(np.isin(i, layout.cue_cells), ee_rule.cue_source_scale, 1.0)
        return s

    ee_connectivity = None
    if ee_rule.rule == "place_distance":
        positions = layout.pyramidal_centres_cm
        if ee_rule.unfielded == "position":
            length = (track.length_cm if track is not None
                      else float(np.nanmax(positions)))
            positions = wiring_positions(positions, length, rng)
        ee_connectivity = place_distance_connectivity(
            positions, ee_rule.convergence, magnitude(ee_rule.length_scale, "cm"),
            rng, track=track)
    synapses["EE"] = plastic_synapses(
        "EE", groups["pyramidal"], groups["pyramidal"], pyramidal_model, "recurrent",
        probability.ee if n_pyr > 1 else 0.0, False, delays.pyramidal_to_pyramidal,
        ee_connectivity)
    synapses["IE"] = plastic_synapses(
        "IE", groups["interneurons"], groups["pyramidal"], pyramidal_model, "inhibition",
        probability.ie, True, delays.interneuron_to_pyramidal)
    synapses["EI"] = plastic_synapses(
        "EI", groups["pyramidal"], groups["interneurons"], interneuron_model, "recurrent",
        probability.ei, True, delays.pyramidal_to_interneuron)

    def static_synapses(name: str, source: Any, target: Any, target_model: Any, pathway: str,
                        p: float, allow_self: bool, delay: Any) -> Any:
        s = Synapses(source, target, PHASE_GAINS + "w_syn : siemens (shared, constant)",
                     on_pre=target_model.on_pre(pathway, "gain * w_syn"), name=name,
                     namespace={}, delay={"pre": delay})
        i, j = random_connectivity(source.N, target.N, p, rng, allow_self)
        s.connect(i=i, j=j)
        return s

    synapses["basket_to_pyramidal"] = static_synapses(
        "basket_to_pyramidal", groups["basket"], groups["pyramidal"], pyramidal_model,
        "inhibition", probability.basket_to_pyramidal, True, delays.interneuron_to_pyramidal)
    synapses["pyramidal_to_basket"] = static_synapses(
        "pyramidal_to_basket", groups["pyramidal"], groups["basket"], interneuron_model,
        "recurrent", probability.pyramidal_to_basket, True, delays.pyramidal_to_interneuron)
    synapses["basket_to_basket"] = static_synapses(
        "basket_to_basket", groups["basket"], groups["basket"], interneuron_model,
        "inhibition", probability.basket_to_basket, False, delays.interneuron_to_interneuron)

    # --- offline noise: mossy-fibre-like Poisson input, gated by noise_gain ------------
    variable, factor = pyramidal_model.noise_target()
    with _binomial_named("noise_binomial"):
        inputs["noise"] = PoissonInput(groups["pyramidal"], variable, 1,
                                       noise_rate if noise_rate is not None else 15 * Hz,
                                       weight=f"noise_gain * {factor} * w_noise")

    monitors = {
        "pyramidal": SpikeMonitor(groups["pyramidal"], name="pyramidal_spikes"),
        "interneurons": SpikeMonitor(groups["interneurons"], name="interneuron_spikes"),
        "basket": SpikeMonitor(groups["basket"], name="basket_spikes"),
    }
    circuit = CA3Circuit(layout=layout, groups=groups, synapses=synapses, inputs=inputs,
                         monitors=monitors, plastic=tuple(p for p in ("EE", "IE", "EI")
                                                          if plasticity.is_plastic(p)))
    circuit.apply(parameter_values(network, plasticity, pyramidal_model, interneuron_model,
                                   gains, t_offline))
    return circuit
