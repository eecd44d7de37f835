"""``python -m l1l2_estimator``: the command-line main job (see ``l1l2_estimator.cli``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
