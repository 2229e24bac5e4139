"""Figure 'levels'.

The three levels of abstraction side by side on the consolidation metrics, EE
against EE+IE.

    python experiments/figures/levels.py [--out DIR] [--preset tiny|default|paper] [--seeds N ...]

Runs (or reuses, under ``DIR/runs``) what the figure needs and writes
``DIR/levels.png``, ``.pdf``, the caption ``.txt`` (what was run: preset,
seeds, overrides, versions) and the numbers drawn, ``.json``.
``neurotoolkit figures`` draws this figure with all the others.
"""

import sys

from neurotoolkit.figures import script_main

NAME = "levels"


def main(argv: list[str] | None = None) -> int:
    """Draw the figure; ``argv`` as on the command line."""
    return script_main(NAME, argv)


if __name__ == "__main__":
    sys.exit(main())
