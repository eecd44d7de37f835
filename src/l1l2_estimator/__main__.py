"""The command-line main job: ``python -m l1l2_estimator`` or ``l1l2-estimator``.

It runs the classic recipe end to end: load data (simulated by ``make_classification``, or a CSV
file), split it with a stratified ``train_test_split``, fit ``StandardScaler`` followed by
:class:`~l1l2_estimator.L1L2Classifier` on the training part (optionally choosing ``l1`` and ``l2``
by a cross-validated grid search), and report accuracy, the confusion matrix and
``classification_report`` on the held-out part. ``--save`` writes the fitted pipeline with joblib;
``--plot DIR`` writes the confusion matrix, the loss curve and a regularization path (held-out
accuracy and feature importances refitted for a few ``l1`` values) as PNG files, which needs
matplotlib (the ``plot`` extra).

Problems with the input (a missing file or column, a non-numeric feature, a parameter the
estimator rejects) are reported as one line, ``l1l2-estimator: error: <message>``, with exit
code 2.

Examples
--------
::

    python -m l1l2_estimator                          # simulated data, 2 classes
    python -m l1l2_estimator --classes 3 --grid       # choose l1 and l2 by 3-fold CV
    l1l2-estimator --csv iris.csv --target species --save model.joblib
    python -m l1l2_estimator --plot plots             # also write three PNG files to plots/
"""

import argparse
import contextlib
import csv
import os
import sys
import warnings

import joblib
import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.compose import TransformedTargetRegressor
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    mean_absolute_error,
    r2_score,
    root_mean_squared_error,
)
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import plots
from .classifier import L1L2Classifier
from .regressor import L1L2Regressor

PROG = "l1l2-estimator"

# The values --grid tries for each penalty: none, light, moderate.
L1_GRID = (0.0, 1e-4, 1e-3)
L2_GRID = (0.0, 1e-4, 1e-3)
CV_FOLDS = 3

# The l1 values of --plot's regularization path: few, as each is one more fit of the whole model.
PLOT_L1_VALUES = (0.0, 1e-4, 1e-3, 1e-2)

# Defaults of the flags that only make sense for simulated data; they are None in the parser so
# that giving one together with --csv can be reported instead of silently ignored.
SIMULATION_DEFAULTS = {"samples": 1000, "features": 20, "classes": 2}

# The classic recipe's network, two hidden layers; the estimator's own default is one of 100 units.
DEFAULT_HIDDEN = "64,32"


class UsageError(Exception):
    """A problem with the user's input; reported as one line on stderr with exit code 2."""


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
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # --help (0) or argparse's usage error (2)
        return exit_request.code
    try:
        run(args)
    except (UsageError, ValueError, OSError) as error:
        # Messages from scikit-learn can span lines; the contract is one line.
        print(f"{PROG}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    return 0


def build_parser():
    """The argument parser of ``l1l2-estimator``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Fit StandardScaler + L1L2Classifier (an L1-L2-regularized Keras network) on a "
            "stratified training split and report accuracy, the confusion matrix and "
            "per-class precision/recall on the held-out split."
        ),
        epilog=(
            "Without --csv the data are simulated by sklearn's make_classification. "
            "Exit codes: 0 success, 2 usage or input error."
        ),
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--csv",
        metavar="PATH",
        help="read the data from this CSV file (header row required; feature columns numeric)",
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        help="the CSV column holding the class labels (or the numeric target with --task "
        "regression)",
    )
    data.add_argument(
        "--task",
        choices=("classification", "regression"),
        default="classification",
        help="classification (L1L2Classifier, the default) or regression (L1L2Regressor: "
        "simulated by make_regression, target standardized, scored by R²)",
    )
    data.add_argument(
        "--samples",
        type=int,
        metavar="N",
        help=f"simulated samples (default {SIMULATION_DEFAULTS['samples']})",
    )
    data.add_argument(
        "--features",
        type=int,
        metavar="N",
        help=f"simulated features (default {SIMULATION_DEFAULTS['features']})",
    )
    data.add_argument(
        "--classes",
        type=int,
        metavar="N",
        help=f"simulated classes (default {SIMULATION_DEFAULTS['classes']})",
    )
    data.add_argument(
        "--seed",
        type=int,
        metavar="N",
        default=0,
        help="seeds the simulation, the split and the network (default 0)",
    )
    data.add_argument(
        "--test-size",
        type=float,
        metavar="FRACTION",
        default=0.25,
        help="fraction of samples held out for evaluation (default 0.25)",
    )

    model = parser.add_argument_group("model")
    model.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=_layer_sizes(DEFAULT_HIDDEN),
        metavar="SIZES",
        help=f"comma-separated hidden layer sizes (default {DEFAULT_HIDDEN})",
    )
    defaults = L1L2Classifier().get_params()
    model.add_argument(
        "--l1", type=float, metavar="FACTOR", help=f"L1 penalty factor (default {defaults['l1']:g})"
    )
    model.add_argument(
        "--l2", type=float, metavar="FACTOR", help=f"L2 penalty factor (default {defaults['l2']:g})"
    )
    model.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        help=f"maximum training epochs (default {defaults['epochs']}; training stops earlier "
        "once the loss stops improving)",
    )
    model.add_argument(
        "--grid",
        action="store_true",
        help=f"choose l1 in {_grid_text(L1_GRID)} and l2 in {_grid_text(L2_GRID)} by "
        f"{CV_FOLDS}-fold cross-validation on the training split",
    )

    output = parser.add_argument_group("output")
    output.add_argument("--save", metavar="PATH", help="write the fitted pipeline with joblib")
    output.add_argument(
        "--plot",
        metavar="DIR",
        help="write confusion_matrix.png, loss_curve.png and regularization_path.png to this "
        f"folder (created if missing); the path refits the model for l1 in "
        f"{_grid_text(PLOT_L1_VALUES)}; needs matplotlib",
    )
    output.add_argument(
        "--verbose", action="store_true", help="show Keras' progress bar for each epoch"
    )
    return parser


def _layer_sizes(text):
    """Parse ``"64,32"`` into ``(64, 32)``; whether the sizes are valid is the estimator's call."""
    try:
        return tuple(int(size) for size in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 64,32, got {text!r}"
        ) from None


def _grid_text(values):
    return "{" + ", ".join(f"{value:g}" for value in values) + "}"


def run(args):
    """Load, split, fit, evaluate and optionally save, as described by parsed ``args``."""
    if args.save and not os.path.isdir(os.path.dirname(args.save) or "."):
        # Checked before fitting, which can take minutes, rather than when writing.
        raise UsageError(f"cannot write --save {args.save!r}: its folder does not exist")
    if args.plot:
        _prepare_plot_folder(args.plot)
    regression = args.task == "regression"
    if regression and args.plot:
        raise UsageError("--plot draws classifier pictures; it is not available with --task regression")
    network = (L1L2Regressor if regression else L1L2Classifier)(**_estimator_params(args))
    pipeline = make_pipeline(StandardScaler(), network)
    prefix = f"{type(network).__name__.lower()}__"
    if regression:
        # The penalty competes with the squared error in y's units: standardize y, as for X.
        pipeline = TransformedTargetRegressor(regressor=pipeline, transformer=StandardScaler())
        prefix = f"regressor__{prefix}"
    X, y, description = load_data(args)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, stratify=None if regression else y, random_state=args.seed
    )
    print(f"Data: {description}")
    print(
        f"Split: {len(y_train)} training samples, {len(y_test)} test samples "
        f"({'random' if regression else 'stratified'}, test size {args.test_size:g}, "
        f"seed {args.seed})"
    )

    with _warnings_summarized(network.epochs):
        if args.grid:
            search = GridSearchCV(
                pipeline,
                {f"{prefix}l1": L1_GRID, f"{prefix}l2": L2_GRID},
                cv=CV_FOLDS,
                # A parameter the estimator rejects should stop the run with its message, not
                # turn into a table of NaN scores.
                error_score="raise",
            )
            model = search.fit(X_train, y_train).best_estimator_
        else:
            model = pipeline.fit(X_train, y_train)

    if args.grid:
        print()
        print(format_grid_results(search, prefix, "R²" if regression else "accuracy"))
    print()
    print(f"Model: {_describe_model(model)}")
    print()
    evaluate = format_regression_evaluation if regression else format_evaluation
    print(evaluate(model, X_test, y_test))

    if args.save:
        try:
            joblib.dump(model, args.save)
        except OSError as error:
            raise UsageError(
                f"cannot write --save {args.save!r}: {error.strerror or error}"
            ) from None
        print(f"\nSaved the fitted pipeline to {args.save} (read it back with joblib.load).")

    if args.plot:
        with _warnings_summarized(network.epochs, "regularization-path fit"):
            path = plots.regularization_path(
                model, X_train, y_train, X_test, y_test, PLOT_L1_VALUES
            )
        files = plots.save_plots(model, X_train, y_train, X_test, y_test, args.plot, path=path)
        print()
        print(format_regularization_path(path))
        names = ", ".join(os.path.basename(name) for name in files.values())
        print(f"\nWrote {names} to {args.plot}")


def _prepare_plot_folder(folder):
    """Check, before fitting, that --plot can be honoured: matplotlib is there, the folder can be
    made."""
    try:
        plots._require_matplotlib()
    except ImportError as error:
        raise UsageError(str(error)) from None
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"cannot write to --plot {folder!r}: it is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create --plot {folder!r}: {error.strerror or error}") from None


def _estimator_params(args):
    """L1L2Classifier arguments from the flags; a flag left out keeps the estimator's default."""
    if args.grid and (args.l1 is not None or args.l2 is not None):
        raise UsageError("--grid chooses l1 and l2 itself; drop --l1 and --l2, or drop --grid")
    params = {
        "hidden_layer_sizes": args.hidden,
        "random_state": args.seed,
        "verbose": int(args.verbose),
    }
    for name in ("l1", "l2", "epochs"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    return params


# -- data ----------------------------------------------------------------------------------------


def load_data(args):
    """``(X, y, description)`` from a CSV file (``--csv``) or from ``make_classification``
    (``make_regression`` with ``--task regression``)."""
    simulation_flags = [name for name in SIMULATION_DEFAULTS if getattr(args, name) is not None]
    if args.csv is None:
        if args.target is not None:
            raise UsageError("--target names a column of --csv; give --csv PATH as well")
        settings = {
            name: default if getattr(args, name) is None else getattr(args, name)
            for name, default in SIMULATION_DEFAULTS.items()
        }
        if args.task == "regression":
            if args.classes is not None:
                raise UsageError("--classes shapes classification data; drop it with --task regression")
            return simulate_regression(settings["samples"], settings["features"], args.seed)
        return simulate(**settings, seed=args.seed)
    if args.target is None:
        raise UsageError(f"--csv {args.csv!r} needs --target COLUMN, the column of class labels")
    if simulation_flags:
        flags = ", ".join(f"--{name}" for name in simulation_flags)
        raise UsageError(f"{flags} shape simulated data only; drop them when reading --csv")
    return read_csv(args.csv, args.target, numeric_target=args.task == "regression")


def simulate(samples, features, classes, seed):
    """Simulated data in the proportions of the classic recipe (20 features: 10 informative,
    5 redundant)."""
    informative = min(features, max(2, features // 2))
    redundant = min(features - informative, features // 4)
    X, y = make_classification(
        n_samples=samples,
        n_features=features,
        n_informative=informative,
        n_redundant=redundant,
        n_classes=classes,
        random_state=seed,
    )
    description = (
        f"simulated by make_classification ({samples} samples, {features} features, "
        f"{classes} classes, seed {seed})"
    )
    return X, y, description


def simulate_regression(samples, features, seed):
    """Simulated regression data: half the features informative, some noise."""
    X, y = make_regression(
        n_samples=samples,
        n_features=features,
        n_informative=max(1, features // 2),
        noise=10.0,
        random_state=seed,
    )
    description = (
        f"simulated by make_regression ({samples} samples, {features} features, seed {seed})"
    )
    return X, y, description


def read_csv(path, target, numeric_target=False):
    """Read a CSV file with a header row into ``(X, y, description)``.

    Every column but ``target`` is a numeric feature. Class labels are kept as strings unless
    every one of them is an integer, so that ``10`` sorts after ``9`` in the reports.
    """
    try:
        # utf-8-sig: spreadsheet programs often write a byte-order mark before the header.
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.reader(file, skipinitialspace=True)
            # Blank lines (a trailing newline or two) are not rows of data.
            rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except OSError as error:
        raise UsageError(f"cannot read --csv {path!r}: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise UsageError(f"cannot read --csv {path!r} as CSV text: {error}") from None
    if not rows:
        raise UsageError(f"--csv {path!r} is empty; expected a header row and data rows")

    (_, header), data = rows[0], rows[1:]
    header = [name.strip() for name in header]
    if target not in header:
        raise UsageError(
            f"--target {target!r} is not a column of {path}; its columns are: {', '.join(header)}"
        )
    if len(header) < 2:
        raise UsageError(f"--csv {path!r} has no feature columns besides --target {target!r}")
    if not data:
        raise UsageError(f"--csv {path!r} has a header row but no data rows")
    for line, row in data:
        if len(row) != len(header):
            raise UsageError(
                f"{path}, line {line}: expected {len(header)} fields as in the header, "
                f"got {len(row)}"
            )

    lines = [line for line, _ in data]
    cells = np.array([row for _, row in data], dtype=object)
    target_index = header.index(target)
    feature_indices = [i for i in range(len(header)) if i != target_index]
    X = np.column_stack(
        [_numeric_column(cells[:, i], header[i], lines) for i in feature_indices]
    )
    if numeric_target:
        y = _numeric_column(cells[:, target_index], target, lines, kind="target column")
        summary = "numeric"
    else:
        y = _label_column(cells[:, target_index], target, lines)
        summary = f"with {np.unique(y).size} classes"
    description = (
        f"{path} ({len(y)} rows, {len(feature_indices)} feature columns, target {target!r} "
        f"{summary})"
    )
    return X, y, description


def _numeric_column(values, name, lines, kind="feature column"):
    try:
        return values.astype(np.float64)
    except ValueError:
        pass
    for value, line in zip(values, lines):  # only on failure: find the value to name
        try:
            float(value)
        except ValueError:
            raise UsageError(
                f"{kind} {name!r} must be numeric, got {value!r} on line {line}"
            ) from None
    raise AssertionError("unreachable: a value failed in bulk but not on its own")


def _label_column(values, name, lines):
    labels = np.array([value.strip() for value in values])
    for label, line in zip(labels, lines):
        if not label:
            raise UsageError(f"target column {name!r} has an empty value on line {line}")
    try:
        return np.array([int(label) for label in labels])
    except ValueError:
        return labels


# -- fitting ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def _warnings_summarized(epochs, noun="fit"):
    """Collect the warnings raised while fitting, then print each kind once, as one line on stderr.

    A grid search fits dozens of networks; each that runs out of epochs would otherwise print a
    multi-line ConvergenceWarning with a source excerpt. If fitting fails, the error is what
    matters and the warnings are dropped.
    """
    with warnings.catch_warnings(record=True) as caught:
        # "always": the default filter shows a warning once per code location, which would hide
        # every grid-search fit after the first one from the count.
        warnings.simplefilter("always", ConvergenceWarning)
        yield
    unconverged = sum(issubclass(warning.category, ConvergenceWarning) for warning in caught)
    if unconverged:
        fits = f"1 {noun}" if unconverged == 1 else f"{unconverged} {noun}s"
        print(f"{PROG}: note: {fits} stopped at --epochs {epochs} before converging", file=sys.stderr)
    shown = set()
    for warning in caught:
        message = " ".join(str(warning.message).split())
        if not issubclass(warning.category, ConvergenceWarning) and message not in shown:
            shown.add(message)
            print(f"{PROG}: warning: {message}", file=sys.stderr)


def _describe_model(model):
    pipeline = model.regressor_ if isinstance(model, TransformedTargetRegressor) else model
    network = pipeline[-1]
    params = network.get_params()
    target = ", target standardized" if pipeline is not model else ""
    return (
        f"StandardScaler + {type(network).__name__}("
        f"hidden_layer_sizes={params['hidden_layer_sizes']}, l1={params['l1']:g}, "
        f"l2={params['l2']:g}, epochs={params['epochs']}), trained for {network.n_iter_} "
        f"epochs{target}"
    )


# -- reporting -------------------------------------------------------------------------------------


def format_grid_results(search, prefix="l1l2classifier__", metric="accuracy"):
    """The best ``(l1, l2)`` pair and a table of cross-validated scores for every pair."""
    results = search.cv_results_
    best = search.best_params_
    lines = [
        f"Grid search: {len(results['params'])} (l1, l2) pairs, {search.n_splits_}-fold "
        f"cross-validation on the training split, scored by {metric}",
        f"Best: l1={best[prefix + 'l1']:g}, l2={best[prefix + 'l2']:g} "
        f"(mean CV {metric} {search.best_score_:.3f}); refit on the whole training split",
        "",
        f"{'l1':>8} {'l2':>8} {'mean':>7} {'std':>7} {'rank':>5}",
    ]
    for params, mean, std, rank in zip(
        results["params"],
        results["mean_test_score"],
        results["std_test_score"],
        results["rank_test_score"],
    ):
        marker = "  <- best" if rank == 1 else ""
        lines.append(
            f"{params[prefix + 'l1']:>8g} {params[prefix + 'l2']:>8g} "
            f"{mean:>7.3f} {std:>7.3f} {rank:>5d}{marker}"
        )
    return "\n".join(lines)


def format_regularization_path(path):
    """Held-out accuracy and epochs trained for each ``l1`` of a regularization path."""
    lines = [
        f"Regularization path: the model refitted for {len(path.l1_values)} values of l1 "
        "(other settings as above), held-out accuracy",
        "",
        f"{'l1':>8} {'accuracy':>9} {'epochs':>7}",
    ]
    for l1, accuracy, epochs in zip(path.l1_values, path.test_scores, path.n_iter):
        lines.append(f"{l1:>8g} {accuracy:>9.3f} {epochs:>7d}")
    return "\n".join(lines)


def format_regression_evaluation(model, X_test, y_test):
    """Held-out R², mean absolute error and root mean squared error."""
    y_pred = model.predict(X_test)
    return "\n".join(
        [
            f"Test R²: {r2_score(y_test, y_pred):.4f}",
            f"Test mean absolute error: {mean_absolute_error(y_test, y_pred):.4g}",
            f"Test root mean squared error: {root_mean_squared_error(y_test, y_pred):.4g}",
        ]
    )


def format_evaluation(model, X_test, y_test):
    """Held-out accuracy, the labelled confusion matrix and ``classification_report``."""
    y_pred = model.predict(X_test)
    labels = model.classes_
    accuracy = accuracy_score(y_test, y_pred)
    correct = int(np.sum(np.asarray(y_test) == y_pred))
    return "\n".join(
        [
            f"Test accuracy: {accuracy:.4f} ({correct} of {len(y_test)} correct)",
            "",
            "Confusion matrix (rows: true class, columns: predicted class):",
            format_confusion_matrix(confusion_matrix(y_test, y_pred, labels=labels), labels),
            "",
            "Classification report:",
            # zero_division=0: a class never predicted by a weak model is a result, not a warning.
            classification_report(y_test, y_pred, labels=labels, digits=3, zero_division=0),
        ]
    ).rstrip()


def format_confusion_matrix(matrix, labels):
    """Text table of ``matrix`` with ``labels`` as row (true) and column (predicted) headers."""
    corner = "true \\ predicted"
    names = [str(label) for label in labels]
    row_width = max(len(corner), *(len(name) for name in names))
    column_width = max(5, *(len(name) for name in names), *(len(str(n)) for n in matrix.flat))
    lines = [corner.ljust(row_width) + "".join(f" {name:>{column_width}}" for name in names)]
    for name, row in zip(names, matrix):
        lines.append(name.ljust(row_width) + "".join(f" {count:>{column_width}d}" for count in row))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
