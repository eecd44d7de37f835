"""The command-line main job: ``python -m l1l2_estimator`` or ``l1l2-estimator``.

Where things live: ``_parser`` (the flags), ``_job`` (what is checked before TensorFlow is
imported: flag combinations, output folders, the data and its split), ``_data`` (simulated or
CSV data), ``_run`` (fit, search, evaluate, save, plot), ``_reports`` (the text it prints) and
``_settings`` (grids, defaults, ``UsageError``).

It runs the classic recipe end to end: load data (simulated by ``make_classification``, or a CSV
file read with ``pandas.read_csv``, whose header names the features), split it with a stratified
``train_test_split``, fit ``StandardScaler`` followed by :class:`~l1l2_estimator.L1L2Classifier`
on the training part (optionally choosing ``l1`` and ``l2`` by a cross-validated grid search), and
report accuracy, the confusion matrix and ``classification_report`` on the held-out part (with
``--task regression``: :class:`~l1l2_estimator.L1L2Regressor` on a standardized target, scored by
R², with penalties chosen for small noisy data). ``--save`` writes the fitted pipeline with
joblib; ``--plot DIR`` writes the confusion matrix (with ``--task regression``: the prediction
error), the loss curve and a regularization path (held-out accuracy or R², and feature
importances, refitted for a few ``l1`` values) as PNG files, which needs matplotlib (the ``plot``
extra).

Problems with the input (a missing file or column, an empty or non-numeric cell, a parameter the
estimator rejects) are reported as one line, ``l1l2-estimator: error: <message>``, with exit
code 2.

Examples
--------
::

    python -m l1l2_estimator                          # simulated data, 2 classes
    python -m l1l2_estimator --classes 3 --grid       # choose l1 and l2 by 3-fold CV
    l1l2-estimator --csv iris.csv --target species --save model.joblib
    l1l2-estimator --csv diabetes.csv --target target --task regression --grid
    python -m l1l2_estimator --plot plots             # also write three PNG files to plots/
"""

import sys

from ._parser import build_parser
from ._settings import PROG, UsageError

__all__ = ["main", "PROG", "UsageError"]


def main(argv=None):
    """Run the command line.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments without the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    exit_code : int
        0 on success, 2 for a usage or input error (after printing one line to stderr).
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # --help or --version
        return exit_request.code
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    try:
        # Imported here: --help, --version and a mistyped flag answer without scikit-learn.
        from ._job import prepare

        job = prepare(args)  # flags, folders, data: checked before TensorFlow is imported
        from ._run import run

        run(job)
    except (UsageError, ValueError, OSError) as error:
        # Messages from scikit-learn can span lines; the contract is one line.
        print(f"{PROG}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    return 0
