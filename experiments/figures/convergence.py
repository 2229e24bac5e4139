"""Figure 'convergence'.

Convergence of replay to the latent sequence: the binary model's error
probability against the theorem, learning curves with bootstrap intervals and
the fitted c + a n^-beta, cue participation against laps; the point-neuron
learning curve per pathway set from `neurotoolkit run convergence --level lif`.

    python experiments/figures/convergence.py [--out DIR] [--preset tiny|default|paper] [--seeds N ...]

Runs (or reuses, under ``DIR/runs``) what the figure needs and writes
``DIR/convergence.png``, ``.pdf``, the caption ``.txt`` (what was run: preset,
seeds, overrides, versions) and the numbers drawn, ``.json``.
``neurotoolkit figures`` draws this figure with all the others.
"""

import sys

from neurotoolkit.figures import script_main

NAME = "convergence"


def main(argv: list[str] | None = None) -> int:
    """Draw the figure; ``argv`` as on the command line."""
    return script_main(NAME, argv)


if __name__ == "__main__":
    sys.exit(main())
