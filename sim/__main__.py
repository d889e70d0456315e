"""``python -m sim``: the same Hydra app as the ``distill-sim`` console script."""

from .app import main

main()
