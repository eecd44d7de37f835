"""One run of the command line, once ``_job.prepare`` has checked it: fit, evaluate, save, plot.

This module imports the estimators, and so TensorFlow.
"""

import os

import joblib
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .. import plots
from .._cv import L1L2ClassifierCV, L1L2RegressorCV
from .._files import write_replacing
from .._path import final_step, network_path, regularization_path, score_name
from ..classifier import L1L2Classifier
from ..regressor import L1L2Regressor
from ._reports import (
    describe_model,
    format_evaluation,
    format_grid_results,
    format_regression_evaluation,
    format_regularization_path,
    warnings_summarized,
)
from ._settings import CV_FOLDS, GRIDS, PLOT_L1_VALUES, UsageError


def run(job):
    """Fit, evaluate and optionally save and plot, as ``job`` (see ``_job.prepare``) says."""
    args, regression = job.args, job.regression
    X_train, X_test, y_train, y_test = job.X_train, job.X_test, job.y_train, job.y_test
    network = (L1L2Regressor if regression else L1L2Classifier)(**job.params)
    pipeline = make_pipeline(StandardScaler(), network)
    prefix = f"{type(network).__name__.lower()}__"
    if regression:
        # The penalty competes with the squared error in y's units: standardize y, as for X.
        pipeline = TransformedTargetRegressor(regressor=pipeline, transformer=StandardScaler())
        prefix = f"regressor__{prefix}"
    print(f"Data: {job.description}")
    print(
        f"Split: {len(y_train)} training samples, {len(y_test)} test samples "
        f"({'random' if regression else 'stratified'}, test size {args.test_size}, "
        f"seed {args.seed})"
    )

    with warnings_summarized(network.epochs):
        if args.grid:
            model, search = search_penalties(pipeline, GRIDS[args.task], X_train, y_train)
        else:
            model = pipeline.fit(X_train, y_train)

    if args.grid:
        print()
        print(format_grid_results(search, score_name(network)))
    print()
    print(f"Model: {describe_model(model)}")
    print()
    evaluate = format_regression_evaluation if regression else format_evaluation
    print(evaluate(model, X_test, y_test))

    if args.save is not None:
        try:
            save_model(model, args.save)
        except OSError as error:
            raise UsageError(
                f"cannot write --save {args.save!r}: {error.strerror or error}"
            ) from None
        print(f"\nSaved the fitted pipeline to {args.save} (read it back with joblib.load).")

    if args.plot is not None:
        # --verbose reports the final fit's epochs, not the path's refits' (they had followed
        # the report, unlabelled).
        model.set_params(**{f"{prefix}verbose": 0})
        try:
            with warnings_summarized(network.epochs, "regularization-path fit"):
                path = regularization_path(
                    model, X_train, y_train, X_test, y_test, PLOT_L1_VALUES[args.task]
                )
        finally:
            model.set_params(**{f"{prefix}verbose": job.params["verbose"]})
        try:
            with warnings_summarized(network.epochs, "regularization-path fit"):
                files = plots.save_plots(
                    model, X_train, y_train, X_test, y_test, args.plot, path=path
                )
        except OSError as error:  # what the checks before fitting cannot see (a full disk)
            raise UsageError(
                f"cannot write --plot {args.plot!r}: {error.strerror or error}"
            ) from None
        print()
        print(format_regularization_path(path))
        names = ", ".join(os.path.basename(name) for name in files.values())
        print(f"\nWrote {names} to {args.plot}")


def save_model(model, path):
    """``joblib.dump(model, path)``, written to a new file in the same folder and renamed over
    ``path`` once complete (see ``_files.write_replacing``)."""
    # The new file's name ends as PATH does (not the file a link names, as --save's check of
    # .lz4 reads it): joblib chooses its compression by the extension.
    write_replacing(
        path, lambda name: joblib.dump(model, name), suffix=os.path.splitext(path)[1]
    )


def search_penalties(model, grid, X, y):
    """Choose ``l1`` and ``l2`` of ``model``'s network from ``grid`` by cross-validation on
    ``(X, y)``, with the whole grid and every fold trained at once (``L1L2ClassifierCV`` or
    ``L1L2RegressorCV`` in place of the network), and refit the best pair on all of it.

    Returns ``(fitted model, search)``: the model with the refitted network in the search's
    place, and the fitted search, whose ``cv_results_`` the report reads.
    """
    network = final_step(model)
    search_class = L1L2RegressorCV if isinstance(network, L1L2Regressor) else L1L2ClassifierCV
    params = {
        name: value
        for name, value in network.get_params(deep=False).items()
        if name in search_class().get_params(deep=False)
    }
    search = search_class(**params, l1s=grid["l1"], l2s=grid["l2"], cv=CV_FOLDS, refit=False)
    path = network_path(model)
    searched = final_step(clone(model).set_params(**{path: search}).fit(X, y))
    # The model itself with the chosen pair, fitted as usual: what --save writes and --plot draws.
    chosen = {f"{path}__l1": searched.l1_, f"{path}__l2": searched.l2_}
    return clone(model).set_params(**chosen).fit(X, y), searched
