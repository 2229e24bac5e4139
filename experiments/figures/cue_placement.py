"""Figure 'cue_placement'.

A cue at a random place each lap against a cue at one fixed place: rates (or,
in the binary network, participation) in replay and inhibition onto cue cells
under both placements.

    python experiments/figures/cue_placement.py [--out DIR] [--preset tiny|default|paper] [--seeds N ...]

Runs (or reuses, under ``DIR/runs``) what the figure needs and writes
``DIR/cue_placement.png``, ``.pdf``, the caption ``.txt`` (what was run: preset,
seeds, overrides, versions) and the numbers drawn, ``.json``.
``neurotoolkit figures`` draws this figure with all the others.
"""

import sys

from neurotoolkit.figures import script_main

NAME = "cue_placement"


def main(argv: list[str] | None = None) -> int:
    """Draw the figure; ``argv`` as on the command line."""
    return script_main(NAME, argv)


if __name__ == "__main__":
    sys.exit(main())
