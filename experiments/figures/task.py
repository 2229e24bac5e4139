"""Figure 'task'.

The task and online activity: the trajectory with the cue under random and fixed
placement, online spikes sorted by place field (classes coloured), place fields in
latent order.

    python experiments/figures/task.py [--out DIR] [--preset tiny|default|paper] [--seeds N ...]

Runs (or reuses, under ``DIR/runs``) what the figure needs and writes
``DIR/task.png``, ``.pdf``, the caption ``.txt`` (what was run: preset,
seeds, overrides, versions) and the numbers drawn, ``.json``.
``neurotoolkit figures`` draws this figure with all the others.
"""

import sys

from neurotoolkit.figures import script_main

NAME = "task"


def main(argv: list[str] | None = None) -> int:
    """Draw the figure; ``argv`` as on the command line."""
    return script_main(NAME, argv)


if __name__ == "__main__":
    sys.exit(main())
