"""One run of the command line, once ``_job.prepare`` has checked it: fit, evaluate, save, plot.

This module imports the estimators, and so TensorFlow.
"""

import os

import joblib
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .. import plots
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
            search = search_penalties(pipeline, prefix, GRIDS[args.task], X_train, y_train)
            model = search.best_estimator_
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
                model, X_train, y_train, X_test, y_test, PLOT_L1_VALUES[args.task]
            )
        files = plots.save_plots(model, X_train, y_train, X_test, y_test, args.plot, path=path)
        print()
        print(format_regularization_path(path))
        names = ", ".join(os.path.basename(name) for name in files.values())
        print(f"\nWrote {names} to {args.plot}")


def search_penalties(pipeline, prefix, grid, X, y):
    """Choose ``l1`` and ``l2`` of ``pipeline``'s network (params named ``prefix + "l1"``) from
    ``grid`` by cross-validation on ``(X, y)``, and refit the best pair on all of it.

    Returns the fitted search: ``best_estimator_``, ``best_params_``, ``best_score_``,
    ``n_splits_`` and ``cv_results_`` are what the report reads.
    """
    search = GridSearchCV(
        pipeline,
        {f"{prefix}l1": grid["l1"], f"{prefix}l2": grid["l2"]},
        cv=CV_FOLDS,
        # A parameter the estimator rejects should stop the run with its message, not turn into
        # a table of NaN scores.
        error_score="raise",
    )
    return search.fit(X, y)
