"""Figure 'consolidation'.

What a downstream population learns from replay.  Drawn only when the
downstream consolidation protocol is installed; otherwise the caption says so.

    python experiments/figures/consolidation.py [--out DIR] [--preset tiny|default|paper] [--seeds N ...]

Runs (or reuses, under ``DIR/runs``) what the figure needs and writes
``DIR/consolidation.png``, ``.pdf``, the caption ``.txt`` (what was run: preset,
seeds, overrides, versions) and the numbers drawn, ``.json``.
``neurotoolkit figures`` draws this figure with all the others.
"""

import sys

from neurotoolkit.figures import script_main

NAME = "consolidation"


def main(argv: list[str] | None = None) -> int:
    """Draw the figure; ``argv`` as on the command line."""
    return script_main(NAME, argv)


if __name__ == "__main__":
    sys.exit(main())
