"""Everything the command line checks and prepares before fitting, without TensorFlow: the flags'
combinations, the output folders, the data and its split. A usage or data error is reported
within a second: before the estimator (and TensorFlow) is imported, and before scikit-learn is
(its import alone takes most of a second), except for what only the split can tell."""

import errno
import importlib.util
import math
import os
import sys
from dataclasses import dataclass

from .._memory import available_memory, check_training_memory, in_words
from .._plot_files import written_by_save_plots
from ._data import load_data, simulated_informative
from ._settings import (
    CV_FOLDS,
    PROG,
    SIMULATION_DEFAULTS,
    TASK_PENALTIES,
    UsageError,
    quoted_label,
)


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
    if args.save is not None:
        _check_save_file(args.save, args.csv)
    if args.plot is not None:
        _check_plot_folder(args.plot, args.csv, regression)
    if args.save is not None and args.plot is not None:
        _check_save_outside_plots(args.save, args.plot, regression)
    if args.csv is None:  # the simulated data's rows and classes are known before simulating
        samples = args.samples or SIMULATION_DEFAULTS["samples"]
        features = args.features or SIMULATION_DEFAULTS["features"]
        classes = None if regression else args.classes or SIMULATION_DEFAULTS["classes"]
        _check_simulated_memory(samples, features)
        _check_simulation(features, classes)
        # (It had been checked after simulating: a second or more, scikit-learn imported.)
        hint = f" of the --samples {samples} shared by {classes} classes" if classes else ""
        # The split first: more classes than rows is refused there, whatever the memory.
        _check_split(args.test_size, samples, _simulated_classes(samples, classes), hint)
        _check_network_memory(
            args.hidden, features, 1 if regression else classes, classes_flag=True
        )
    X, y, description = load_data(args)
    class_counts = None if regression else _class_counts(y)
    if args.csv is not None:
        _check_network_memory(args.hidden, X.shape[1], 1 if regression else len(class_counts))
    _check_split(
        args.test_size, len(y), _classes(class_counts), advice=_continuous_advice(class_counts)
    )
    if args.csv is not None:
        _note_quantity_labels(args.target, class_counts)
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
    if regression:
        _check_split_targets(y_train, y_test)
    if args.grid:
        _check_grid_folds(y_train, args.test_size, regression)
    if args.plot is not None:
        _check_matplotlib_imports()
    return Job(args, regression, params, description, X_train, X_test, y_train, y_test)


def _check_split(test_size, n_rows, classes, hint="", advice=""):
    """Refuse, before scikit-learn is imported, a split that train_test_split would refuse or
    that cannot be scored: no training rows; for regression (``classes`` None), fewer than 2
    test rows, on which R² is undefined; stratified by ``classes`` (``(n_classes, label)``, the
    label the first class of fewer than 2 rows, or None), a class of one row (said with
    ``hint`` and then ``advice``) or fewer test or training rows than classes."""
    n_test = test_size if isinstance(test_size, int) else math.ceil(test_size * n_rows)
    n_train = n_rows - n_test
    if n_train < 1:
        raise UsageError(
            f"--test-size {test_size} leaves no training rows of the {n_rows} there are"
        )
    if classes is None:
        if n_test < 2:
            raise UsageError(
                f"--test-size {test_size} leaves 1 test row of the {n_rows} there are; R² needs "
                "at least 2"
            )
        return
    n_classes, single = classes
    if single is not None:
        raise UsageError(
            f"class {quoted_label(single)} has a single row{hint}; the stratified split needs "
            f"at least 2 rows of every class{advice}"
        )
    if min(n_test, n_train) < n_classes:
        raise UsageError(
            f"--test-size {test_size} splits the {n_rows} rows into {n_train} training and "
            f"{n_test} test rows; the stratified split needs at least one row of each of the "
            f"{n_classes} classes in each part"
        )


def _check_split_targets(y_train, y_test):
    """Refuse a regression split whose target is one value in either part: in the training
    split there is nothing to learn (the network would predict a constant), and in the test
    split R² is undefined (scikit-learn's ``r2_score`` gives 0 for imperfect predictions)."""
    import numpy as np

    for part, y, what, advice in (
        ("training", y_train, "there is nothing to learn", "a smaller --test-size"),
        ("test", y_test, "its R² is undefined", "a larger --test-size"),
    ):
        values = np.unique(y)
        if len(y) == 1:  # no seed helps ("is 167.353 in all of its 1 rows" had said so)
            raise UsageError(
                f"the {part} split holds a single row (its target is {values[0]:g}), so "
                f"{what}; use {advice}"
            )
        if len(values) == 1:
            raise UsageError(
                f"the {part} split's target is {values[0]:g} in all of its {len(y)} rows, so "
                f"{what}; use {advice} or another --seed"
            )


def _check_grid_folds(y_train, test_size, regression):
    """--grid's folds: stratified, which needs a class of as many training rows as folds (a
    fold that misses a rarer class trains on the others, as GridSearchCV's fit on it would);
    for regression, each scores R² only on 2 rows or more."""
    if regression:
        if len(y_train) < 2 * CV_FOLDS:
            raise UsageError(
                f"--grid scores R² on each of {CV_FOLDS} folds of the {len(y_train)} training "
                f"rows, which needs at least {2 * CV_FOLDS} (2 per fold); lower --test-size "
                f"{test_size}, or add rows"
            )
        # The folds the search draws (KFold, unshuffled: cv=CV_FOLDS for a regressor). A fold
        # of one target value scores R² 0 for every pair (r2_score's value where it is
        # undefined), which the mean CV R² reported had taken in without a word.
        import numpy as np
        from sklearn.model_selection import KFold

        for fold, (_, held_out) in enumerate(KFold(CV_FOLDS).split(y_train), start=1):
            values = np.unique(np.asarray(y_train)[held_out])
            if len(values) == 1:
                raise UsageError(
                    f"--grid: fold {fold} of {CV_FOLDS} holds out {len(held_out)} training rows "
                    f"whose target is {values[0]:g} in all of them, so its R² is undefined; use "
                    "another --seed, or add rows"
                )
        return
    counts = _class_counts(y_train)
    if max(counts.values()) < CV_FOLDS:  # as StratifiedKFold refuses it
        raise UsageError(
            f"--grid: no class has {CV_FOLDS} rows in the training split (the largest has "
            f"{max(counts.values())}); its stratified {CV_FOLDS}-fold cross-validation needs "
            f"one with {CV_FOLDS} or more (lower --test-size {test_size}, or add rows)"
        )
    # A class of one training row is held out whole by one fold, whose training part then
    # lacks it: with two classes, the other of 2 rows or more, that fold trains on one class,
    # fails, and every pair's mean score is NaN (a "best" pair had been reported from them).
    # Several classes of one row go to different folds (the stratified folds deal the rows out
    # in turn), so every training part keeps two classes or more.
    several = [label for label, count in counts.items() if count >= 2]
    if len(counts) == 2 and len(several) == 1:
        single = next(label for label in counts if label not in several)
        raise UsageError(
            f"--grid: the class {quoted_label(single)} has one row in the training split, so "
            f"the fold that holds it out trains on the class {quoted_label(several[0])} alone "
            f"and scores nothing; lower --test-size {test_size}, or add rows"
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


# More whole-number classes than this in a CSV target get a note that it may be a quantity (digits
# are 10 classes).
_MANY_NUMBER_CLASSES = 10


def _note_quantity_labels(target, class_counts):
    """A note on standard error where a CSV target read as class labels holds many whole
    numbers: a count (items bought) fitted as 16 classes had scored an accuracy of 0.26 where
    --task regression scored R² 0.91, without a word."""
    if class_counts is None or len(class_counts) <= _MANY_NUMBER_CLASSES:
        return
    if not all(isinstance(label, int) and not isinstance(label, bool) for label in class_counts):
        return
    print(
        f"{PROG}: note: target {target!r} holds {len(class_counts)} whole-number "
        "classes; if it is a quantity rather than a class, pass --task regression",
        file=sys.stderr,
    )


def _class_counts(y):
    import numpy as np  # (here: --help and flag errors need no NumPy)

    labels, counts = np.unique(y, return_counts=True)
    return dict(zip(labels.tolist(), counts.tolist()))


def _classes(class_counts):
    """``(n_classes, label)`` for ``_check_split``: the label of the first class of fewer than 2
    rows, or None; None for regression."""
    if class_counts is None:
        return None
    single = [label for label, count in class_counts.items() if count < 2]
    return len(class_counts), single[0] if single else None


def _simulated_classes(samples, classes):
    """``_classes`` of make_classification's rows, computed without a count per class (a
    --classes of millions would take seconds and GiB): equal shares, the first
    ``samples % classes`` classes one row more."""
    if classes is None:
        return None
    share, more = divmod(samples, classes)
    single = None if share >= 2 else more if share == 1 else 0
    return classes, single


def _check_simulation(features, classes):
    """Refuse what make_classification would: more class clusters (two per class) than its
    informative features can place (``2 * classes <= 2**informative``, compared by bit length:
    2 to the power of the 5 billion informative features of ``--features 10000000000`` took
    23 s and 2 GB)."""
    if classes is None:
        return
    informative = simulated_informative(features)
    bits = (2 * classes - 1).bit_length()  # the fewest informative features that place them
    if informative < bits:
        needed = next(more for more in range(features, 4 * bits + 4)
                      if simulated_informative(more) >= bits)
        raise UsageError(
            f"--classes {classes} needs more informative features than --features {features} "
            f"gives ({informative}); use --features {needed} or more"
        )


def _check_save_file(path, csv):
    """Check that --save can be written: its folder (the folder of the file a link points to)
    exists and may be written to, it is not a folder, and it is not the --csv file the data
    comes from."""
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise UsageError(
            f"cannot write --save {path!r}: it names a folder; give a file name, such as "
            f"{os.path.join(path, 'model.joblib')!r}"
        )
    if path.endswith(".lz4") and importlib.util.find_spec("lz4") is None:
        # joblib compresses by the extension; without the package, it failed after the fits.
        raise UsageError(
            f"--save {path!r}: joblib compresses a .lz4 file with the lz4 package, which is not "
            "installed (pip install lz4); or use .gz, .bz2 or .xz, or no compression"
        )
    target = os.path.realpath(path)
    if not os.path.isdir(os.path.dirname(target)):
        where = "its folder" if target == os.path.abspath(path) else f"the folder of {target!r}"
        raise UsageError(f"cannot write --save {path!r}: {where} does not exist")
    problem = _unwritable(path, csv)
    if problem == "the --csv file":
        raise UsageError(
            f"--save {path!r} is the --csv file the data comes from; writing the model "
            "there would replace the data. Give another file name"
        )
    if problem is not None:
        if problem == "it is a folder":
            problem += f"; give a file name, such as {os.path.join(path, 'model.joblib')!r}"
        raise UsageError(f"cannot write --save {path!r}: {problem}")


def _check_plot_folder(folder, csv, regression):
    """Check that --plot can be honoured: matplotlib is there, the folder is one or can be made
    (it is made when the plots are written, so a run that fails first leaves none), and each
    plot file can be written there: not a folder, and not the --csv file."""
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError('--plot needs matplotlib: pip install "l1l2-estimator[plot]"')
    if os.path.islink(folder) and not os.path.exists(folder):
        raise UsageError(
            f"cannot write to --plot {folder!r}: it is a link to {os.path.realpath(folder)!r}, "
            "which does not exist"
        )
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"cannot write to --plot {folder!r}: it is a file, not a folder")
    existing = os.path.abspath(folder)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if os.path.islink(existing) and not os.path.exists(existing):  # a folder above: a dangling link
        raise UsageError(
            f"cannot create --plot {folder!r}: {existing!r} is a link to "
            f"{os.path.realpath(existing)!r}, which does not exist"
        )
    if not os.path.isdir(existing):
        raise UsageError(f"cannot create --plot {folder!r}: {existing!r} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        verb = "write to" if existing == os.path.abspath(folder) else "create"
        raise UsageError(f"cannot {verb} --plot {folder!r}: Permission denied")
    for name in written_by_save_plots(regression):
        problem = _unwritable(os.path.join(folder, name), csv)
        if problem == "the --csv file":
            raise UsageError(
                f"--plot {folder!r} would write {name} over the --csv file the data comes "
                "from; give another folder"
            )
        if problem is not None:
            raise UsageError(f"cannot write {name} to --plot {folder!r}: {problem}")


def _check_matplotlib_imports():
    """Import what --plot draws with, so that a matplotlib that is installed but broken (built
    for another NumPy, say) is reported before fitting rather than after it. This is done last:
    the import takes a fraction of a second, which a usage error should not wait for."""
    try:
        import matplotlib.pyplot  # noqa: F401  (scikit-learn's Display classes import it)
        from matplotlib.backends import backend_agg  # noqa: F401
    except Exception as error:
        raise UsageError(
            "--plot needs matplotlib, which is installed but fails to import "
            f"({type(error).__name__}: {error})"
        ) from None


def _check_save_outside_plots(save, folder, regression):
    """--save must be neither the --plot folder, nor a folder above it (the model, written
    first, would be a file where the plots' folder goes), nor one of the plot files written
    there (the plots, written after the model, would replace it)."""
    saved, plotted = os.path.realpath(save), os.path.realpath(folder)
    if saved == plotted:
        # A file inside a folder not made yet is refused (--save's folder must exist; the
        # plots' is made after the model is written): advice it would refuse had been given.
        inside = os.path.join(folder, "model.joblib")
        raise UsageError(
            f"--save {save!r} is the --plot folder; give the model a file name, such as "
            + (f"{inside!r}" if os.path.isdir(folder) else
               f"'model.joblib' ({inside!r} once the folder exists: --save does not make it)")
        )
    if plotted.startswith(saved + os.sep):
        raise UsageError(
            f"--plot {folder!r} is inside --save {save!r}, the model's file; give the plots "
            "another folder"
        )
    plots = written_by_save_plots(regression)
    if os.path.dirname(saved) == plotted and os.path.basename(saved) in plots:
        raise UsageError(
            f"--save {save!r} is a file that --plot {folder!r} writes its plots to; give the "
            "model another name"
        )


def _unwritable(path, csv):
    """Why the file ``path`` cannot be written before fitting, or None: a link into a folder that
    does not exist, a folder, ``"the --csv file"`` (which it would replace), or no permission.
    (A folder that does not exist yet is fine: the plots' folder is made when they are written.)
    What the system refuses to look up is refused too: a name longer than the file system
    takes, a loop of links (they had been found when writing, after the fits)."""
    try:
        os.stat(path)
    except OSError as error:
        if error.errno in (errno.ENAMETOOLONG, errno.ELOOP):
            return error.strerror
    target = os.path.realpath(path)
    if os.path.islink(path) and not os.path.isdir(os.path.dirname(target)):
        return f"it is a link to {target!r}, whose folder does not exist"
    if os.path.isdir(target):
        return "it is a folder"
    if csv is not None and _same_file(target, csv):
        return "the --csv file"
    if not _writable(target):
        return "permission denied"
    return None


def _same_file(path, other):
    """Whether ``path`` and ``other`` both exist and are one file; ``other`` may be ``-``, the
    --csv of standard input, which is the file ``path`` where the shell redirected it
    (``--csv - < data.csv --save data.csv`` had replaced the data)."""
    if not os.path.exists(path):
        return False
    if other == "-":
        try:
            return os.path.samestat(os.stat(path), os.fstat(0))
        except OSError:  # no standard input
            return False
    return os.path.exists(other) and os.path.samefile(path, other)


def _writable(path):
    """Whether the file ``path`` (links resolved) may be written, or created in its folder."""
    if os.path.exists(path):
        return os.access(path, os.W_OK)
    folder = os.path.dirname(path)
    return not os.path.exists(folder) or os.access(folder, os.W_OK | os.X_OK)


def _check_network_memory(hidden, n_features, n_classes, classes_flag=False):
    """Refuse --hidden sizes whose network cannot train in the memory available, as the
    estimator would (it had been found after TensorFlow was imported, some seconds later, in
    words naming hidden_layer_sizes); ``n_classes`` 1 for regression. Where the network of one
    output would fit, the classes are named instead (``--classes`` where ``classes_flag``, the
    simulated data's): smaller --hidden sizes would not have been the remedy."""
    outputs = n_classes if n_classes > 2 else 1
    sizes = (n_features, *hidden, outputs)
    try:
        check_training_memory(
            f"--hidden {','.join(map(str, hidden))}", sizes, 1,
            remedy="Use smaller --hidden sizes (or fewer features).",
        )
    except MemoryError as error:
        message = str(error)
        if outputs > 1:
            try:
                check_training_memory("", (n_features, *hidden, 1), 1)
            except MemoryError:
                pass  # too large even with one output: the layers are the cause
            else:
                try:
                    check_training_memory(
                        f"--classes {n_classes}" if classes_flag
                        else f"the target's {n_classes} classes",
                        sizes, 1,
                        remedy="Simulate fewer --classes." if classes_flag
                        else "Is the target a class? For a quantity, pass --task regression.",
                    )
                except MemoryError as named:
                    message = str(named)
        raise UsageError(message) from None


# How many times the simulated X (float64) a run holds at its peak, rounded up.
SIMULATED_COPIES = 4


def _check_simulated_memory(samples, features):
    """Refuse simulated data larger than the memory free now (NumPy would fail to allocate it,
    or the operating system kill the process); where the platform does not say, let it try."""
    available = available_memory()
    if available is None:
        return
    # X as float64, and the copies a run makes of it (the split, the standardized and the
    # float32 ones): a run's peak grew by 3.3 times X (300,000 × 100 values). Counted once, X
    # had passed the check at half the memory, and the run was killed minutes later.
    size = samples * features * 8
    if SIMULATED_COPIES * size > available:
        raise UsageError(
            f"--samples {samples} and --features {features} make {samples * features:,} "
            f"simulated values, about {in_words(size)}, and a run holds about "
            f"{SIMULATED_COPIES} times that, but {in_words(available)} of memory are "
            "available; simulate fewer"
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
