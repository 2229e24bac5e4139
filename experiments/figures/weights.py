"""Figure 'weights'.

Learned weights: E->E and I->E matrices with cells in latent order (cue cells
marked), and the mean inhibition onto cue and place cells per pathway set (bars:
mean, points: seeds).

    python experiments/figures/weights.py [--out DIR] [--preset tiny|default|paper] [--seeds N ...]

Runs (or reuses, under ``DIR/runs``) what the figure needs and writes
``DIR/weights.png``, ``.pdf``, the caption ``.txt`` (what was run: preset,
seeds, overrides, versions) and the numbers drawn, ``.json``.
``neurotoolkit figures`` draws this figure with all the others.
"""

import sys

from neurotoolkit.figures import script_main

NAME = "weights"


def main(argv: list[str] | None = None) -> int:
    """Draw the figure; ``argv`` as on the command line."""
    return script_main(NAME, argv)


if __name__ == "__main__":
    sys.exit(main())
