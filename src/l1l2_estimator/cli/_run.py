"""One run of the command line: load, split, fit, evaluate, save and plot."""

import importlib.util
import os

import joblib
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .. import plots
from ..classifier import L1L2Classifier
from ..regressor import L1L2Regressor
from ._data import load_data
from ._reports import (
    describe_model,
    format_evaluation,
    format_grid_results,
    format_regression_evaluation,
    format_regularization_path,
    warnings_summarized,
)
from ._settings import CV_FOLDS, L1_GRID, L2_GRID, PLOT_L1_VALUES, UsageError


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

    with warnings_summarized(network.epochs):
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
    print(f"Model: {describe_model(model)}")
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
        with warnings_summarized(network.epochs, "regularization-path fit"):
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
    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError(plots.MATPLOTLIB_MISSING)
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
