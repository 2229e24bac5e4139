"""Replay analysis on plain numpy data; nothing here imports Brian2.

Every level of the toolkit (point neurons, Dendrify neurons, the binary model)
and a lab's recorded spikes become a :class:`Recording`; the functions here
take a Recording or arrays and return arrays or small named dataclasses.

The stable public names (other code and tools rely on them):

- :class:`Recording` (``from_arrays``, ``save``, ``load``)
- :func:`decode`, :func:`weighted_correlation`, :func:`line_fit_score`,
  :func:`sequence_distance`
- :func:`detect_events` (candidates on the place cells against a robust
  baseline, split into trajectories), :func:`detect_replay_events` (the
  first release's hysteresis rule), :func:`participation`,
  :func:`rate_gain_by_class`,
  :func:`participation_by_class`, :func:`event_orders`,
  :func:`place_cue_count_correlation`, :func:`sequence_distance_chance`

A typical replay analysis::

    events = detect_events(rec).events
    tuning = compute_tuning_curves(rec, n_bins=50, smoothing=5.0)
    counts = bin_event_spikes(rec.spike_times, rec.spike_ids, events,
                              bin_size=0.02, cells=tuning.cells)
    result = score_replay_events(counts, tuning, rng=0)
    result.significant_fraction
"""

from .convergence import (
    LearningCurveFit,
    SequenceDistances,
    bootstrap_mean_interval,
    compute_sequence_distances,
    fit_learning_curve,
    learning_curve,
    sequence_distance_chance,
)
from .decoding import decode, position_error
from .detection import DETECTION_METHODS, DetectedEvents, detect_events
from .events import (
    EventCounts,
    EventMatch,
    RestBaseline,
    bin_event_spikes,
    detect_candidate_events,
    detect_replay_events,
    match_events,
    nominal_false_event_rate,
    population_rate,
    rest_baseline,
    split_at_jumps,
    validate_events,
)
from .order import (
    common_ranks,
    footrule_distance,
    kendall_distance,
    kendall_distances,
    sequence_distance,
    sequence_distances,
    sequence_footrule,
)
from .participation import (
    RateGain,
    event_index,
    event_orders,
    participation,
    participation_by_class,
    place_cue_count_correlation,
    rate_gain_by_class,
)
from .recording import Recording, RecordingError
from .scores import (
    LineFits,
    line_fit_score,
    line_fit_scores,
    rank_order_correlation,
    rank_order_correlations,
    weighted_correlation,
    weighted_correlations,
)
from .shuffles import (
    SHUFFLES,
    RankOrderScores,
    ReplayScores,
    score_rank_order,
    score_replay_events,
    shuffle_p_value,
)
from .spatial import PlaceCellClasses, classify_place_cells, spatial_information
from .synthetic import (
    REPLAY_KINDS,
    SWEEP_BACKGROUNDS,
    SyntheticReplay,
    SyntheticSweeps,
    generate_synthetic_replay,
    generate_synthetic_sweeps,
)
from .tuning import TuningCurves, compute_tuning_curves

__all__ = [
    "DETECTION_METHODS",
    "DetectedEvents",
    "RateGain",
    "RestBaseline",
    "SWEEP_BACKGROUNDS",
    "SyntheticSweeps",
    "detect_candidate_events",
    "detect_events",
    "generate_synthetic_sweeps",
    "nominal_false_event_rate",
    "rate_gain_by_class",
    "rest_baseline",
    "split_at_jumps",
    "EventCounts",
    "EventMatch",
    "LearningCurveFit",
    "LineFits",
    "PlaceCellClasses",
    "REPLAY_KINDS",
    "RankOrderScores",
    "Recording",
    "RecordingError",
    "ReplayScores",
    "SHUFFLES",
    "SequenceDistances",
    "SyntheticReplay",
    "TuningCurves",
    "bin_event_spikes",
    "classify_place_cells",
    "common_ranks",
    "compute_sequence_distances",
    "compute_tuning_curves",
    "decode",
    "detect_replay_events",
    "event_index",
    "event_orders",
    "fit_learning_curve",
    "bootstrap_mean_interval",
    "footrule_distance",
    "generate_synthetic_replay",
    "kendall_distance",
    "kendall_distances",
    "learning_curve",
    "line_fit_score",
    "line_fit_scores",
    "match_events",
    "participation",
    "participation_by_class",
    "place_cue_count_correlation",
    "population_rate",
    "position_error",
    "rank_order_correlation",
    "rank_order_correlations",
    "score_rank_order",
    "score_replay_events",
    "sequence_distance",
    "sequence_distance_chance",
    "sequence_distances",
    "sequence_footrule",
    "shuffle_p_value",
    "spatial_information",
    "validate_events",
    "weighted_correlation",
    "weighted_correlations",
]
