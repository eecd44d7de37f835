"""Everything the command line checks and prepares before fitting, without TensorFlow: the flags'
combinations, the output folders, the data and its split. A usage or data error is reported
within a second: before the estimator (and TensorFlow) is imported, and before scikit-learn is
(its import alone takes most of a second), except for what only the split can tell."""

import importlib.util
import os
from dataclasses import dataclass

from ._data import load_data
from ._settings import TASK_PENALTIES, UsageError


@dataclass
class Job:
    """A checked request: what to fit, on which split, and where to write."""

    args: object
    regression: bool
    params: dict
    description: str
    X_train: object
    X_test: object
    y_train: object
    y_test: object


def prepare(args):
    """Check ``args`` and load and split the data; UsageError says what is wrong."""
    regression = args.task == "regression"
    params = _estimator_params(args)
    if args.save and not os.path.isdir(os.path.dirname(args.save) or "."):
        # Checked before fitting, which can take minutes, rather than when writing.
        raise UsageError(f"cannot write --save {args.save!r}: its folder does not exist")
    if args.plot:
        _prepare_plot_folder(args.plot)
    X, y, description = load_data(args)
    if isinstance(args.test_size, int) and not args.test_size < len(y):
        raise UsageError(
            f"--test-size {args.test_size} rows leaves no training rows of the {len(y)} there are"
        )
    from sklearn.model_selection import train_test_split

    try:
        X_train, X_test, y_train, y_test = train_test_split(
            X,
            y,
            test_size=args.test_size,
            stratify=None if regression else y,
            random_state=args.seed,
        )
    except ValueError as error:  # e.g. a class with a single row cannot be stratified
        raise UsageError(f"cannot split the data with --test-size {args.test_size}: {error}")
    return Job(args, regression, params, description, X_train, X_test, y_train, y_test)


def _prepare_plot_folder(folder):
    """Check that --plot can be honoured: matplotlib is there, the folder can be made."""
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib: pip install 'l1l2-estimator[plot]'")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"cannot write to --plot {folder!r}: it is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create --plot {folder!r}: {error.strerror or error}") from None


def _estimator_params(args):
    """The estimator's arguments from the flags; a flag left out keeps the task's penalty
    (``TASK_PENALTIES``) or else the estimator's default."""
    if args.grid and (args.l1 is not None or args.l2 is not None):
        raise UsageError("--grid chooses l1 and l2 itself; drop --l1 and --l2, or drop --grid")
    params = {
        "hidden_layer_sizes": args.hidden,
        "random_state": args.seed,
        "verbose": int(args.verbose),
        **TASK_PENALTIES[args.task],
    }
    for name in ("l1", "l2", "epochs"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    return params
