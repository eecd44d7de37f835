"""Everything the command line checks and prepares before fitting, without TensorFlow: the flags'
combinations, the output folders, the data and its split. A usage or data error is reported
within a second: before the estimator (and TensorFlow) is imported, and before scikit-learn is
(its import alone takes most of a second), except for what only the split can tell."""

import importlib.util
import math
import os
from dataclasses import dataclass

from .._memory import available_memory
from .._plot_files import written_by_save_plots
from ._data import load_data, simulated_informative
from ._settings import CV_FOLDS, SIMULATION_DEFAULTS, TASK_PENALTIES, UsageError


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
    # Output paths are checked before fitting, which can take minutes, rather than when writing.
    if args.save:
        _check_save_file(args.save, args.csv)
    if args.plot:
        _check_plot_folder(args.plot)
    if args.save and args.plot:
        _check_save_outside_plots(args.save, args.plot, regression)
    if args.csv is None:  # the simulated data's rows and classes are known before simulating
        samples = args.samples or SIMULATION_DEFAULTS["samples"]
        classes = None if regression else args.classes or SIMULATION_DEFAULTS["classes"]
        _check_simulation(args, classes)
        _check_simulated_memory(samples, args.features or SIMULATION_DEFAULTS["features"])
        hint = f" of the --samples {samples} shared by {classes} classes" if classes else ""
        _check_split(
            args.test_size, samples, _simulated_class_counts(samples, classes), hint
        )
    X, y, description = load_data(args)
    class_counts = None if regression else _class_counts(y)
    _check_split(args.test_size, len(y), class_counts, advice=_continuous_advice(class_counts))
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
    if args.grid and not regression:
        _check_grid_folds(y_train, args.test_size)
    return Job(args, regression, params, description, X_train, X_test, y_train, y_test)


def _check_split(test_size, n_rows, class_counts, hint="", advice=""):
    """Refuse, before scikit-learn is imported, a split that train_test_split would refuse or
    that cannot be scored: no training rows; for regression (``class_counts`` None), fewer than
    2 test rows, on which R² is undefined; stratified by ``class_counts`` (label -> rows), a class
    of one row (said with ``hint`` and then ``advice``) or fewer test or training rows than
    classes."""
    n_test = test_size if isinstance(test_size, int) else math.ceil(test_size * n_rows)
    n_train = n_rows - n_test
    if n_train < 1:
        raise UsageError(
            f"--test-size {test_size} leaves no training rows of the {n_rows} there are"
        )
    if class_counts is None:
        if n_test < 2:
            raise UsageError(
                f"--test-size {test_size} leaves 1 test row of the {n_rows} there are; R² needs "
                "at least 2"
            )
        return
    single = [label for label, count in class_counts.items() if count < 2]
    if single:
        raise UsageError(
            f"class {single[0]!r} has a single row{hint}; the stratified split needs at least "
            f"2 rows of every class{advice}"
        )
    if min(n_test, n_train) < len(class_counts):
        raise UsageError(
            f"--test-size {test_size} splits the {n_rows} rows into {n_train} training and "
            f"{n_test} test rows; the stratified split needs at least one row of each of the "
            f"{len(class_counts)} classes in each part"
        )


def _check_grid_folds(y_train, test_size):
    """--grid's stratified folds each train on every class only with 2 training rows of each."""
    single = [label for label, count in _class_counts(y_train).items() if count < 2]
    if single:
        raise UsageError(
            f"--grid: class {single[0]!r} has a single row in the training split; its "
            f"{CV_FOLDS}-fold cross-validation needs 2 or more rows of every class there "
            f"(lower --test-size {test_size}, or add rows of that class)"
        )


def _continuous_advice(class_counts):
    """Advice, for the message about a class of a single row, when the labels look like the
    values of a numeric target: numbers, more than one of them on a single row."""
    if class_counts is None:
        return ""
    single = sum(count < 2 for count in class_counts.values())
    numbers = all(
        isinstance(label, (int, float)) and not isinstance(label, bool) for label in class_counts
    )
    if not numbers or single < 2:
        return ""
    return (
        f"; {single} of the {len(class_counts)} classes have a single row: if the target is a "
        "quantity rather than a class, pass --task regression"
    )


def _class_counts(y):
    import numpy as np  # (here: --help and flag errors need no NumPy)

    labels, counts = np.unique(y, return_counts=True)
    return dict(zip(labels.tolist(), counts.tolist()))


def _simulated_class_counts(samples, classes):
    """Rows per class that make_classification gives (equal shares, the first classes one more
    when they do not divide evenly); None for regression."""
    if classes is None:
        return None
    return {label: samples // classes + (label < samples % classes) for label in range(classes)}


def _check_simulation(args, classes):
    """Refuse what make_classification would: more class clusters (two per class) than its
    informative features can place."""
    if classes is None:
        return
    features = args.features or SIMULATION_DEFAULTS["features"]
    informative = simulated_informative(features)
    if 2 * classes > 2**informative:
        needed = next(
            more
            for more in range(features, 10 * classes + 4)
            if 2 * classes <= 2 ** simulated_informative(more)
        )
        raise UsageError(
            f"--classes {classes} needs more informative features than --features {features} "
            f"gives ({informative}); use --features {needed} or more"
        )


def _check_save_file(path, csv):
    """Check that --save can be written: its folder exists and may be written to, it is not a
    folder, and it is not the --csv file the data comes from."""
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"cannot write --save {path!r}: its folder does not exist")
    if os.path.isdir(path):
        raise UsageError(
            f"cannot write --save {path!r}: it is a folder; give a file name, such as "
            f"{os.path.join(path, 'model.joblib')!r}"
        )
    if csv is not None and os.path.exists(path) and os.path.exists(csv):
        if os.path.samefile(path, csv):
            raise UsageError(
                f"--save {path!r} is the --csv file the data comes from; writing the model "
                "there would replace the data. Give another file name"
            )
    writable = os.access(path, os.W_OK) if os.path.exists(path) else os.access(
        folder, os.W_OK | os.X_OK
    )
    if not writable:
        raise UsageError(f"cannot write --save {path!r}: permission denied")


def _check_plot_folder(folder):
    """Check that --plot can be honoured: matplotlib is there, and the folder is one or can be
    made (it is made when the plots are written, so a run that fails first leaves none)."""
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib: pip install 'l1l2-estimator[plot]'")
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"cannot write to --plot {folder!r}: it is a file, not a folder")
    existing = os.path.abspath(folder)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UsageError(f"cannot create --plot {folder!r}: {existing!r} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        verb = "write to" if existing == os.path.abspath(folder) else "create"
        raise UsageError(f"cannot {verb} --plot {folder!r}: Permission denied")


def _check_save_outside_plots(save, folder, regression):
    """--save must be neither the --plot folder nor one of the plot files written there (the
    plots, written after the model, would replace it, or find a file where the folder goes)."""
    saved, plotted = os.path.realpath(save), os.path.realpath(folder)
    if saved == plotted:
        raise UsageError(
            f"--save {save!r} is the --plot folder; give the model a file name, such as "
            f"{os.path.join(folder, 'model.joblib')!r}"
        )
    plots = written_by_save_plots(regression)
    if os.path.dirname(saved) == plotted and os.path.basename(saved) in plots:
        raise UsageError(
            f"--save {save!r} is a file that --plot {folder!r} writes its plots to; give the "
            "model another name"
        )


def _check_simulated_memory(samples, features):
    """Refuse simulated data larger than the memory free now (NumPy would fail to allocate it,
    or the operating system kill the process); where the platform does not say, let it try."""
    available = available_memory()
    if available is None:
        return
    needed = samples * features * 8  # X as float64; its copies come on top
    if needed > available:
        raise UsageError(
            f"--samples {samples} and --features {features} make {samples * features:,} "
            f"simulated values, about {needed / 2**30:.1f} GiB, but {available / 2**30:.1f} GiB "
            "of memory are available; simulate fewer"
        )


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
