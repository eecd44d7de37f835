"""The regularization path: one fit per ``l1`` value, with held-out scores and importances.

Drawn by ``plots.plot_regularization_path``; computed here, next to the estimators, because it
fits models. Scores are the estimator's own ``score``: accuracy for a classifier, R² for a
regressor.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline

__all__ = ["DEFAULT_L1_VALUES", "RegularizationPath", "regularization_path"]

# No penalty, then four decades, from barely noticeable to strong enough to shrink most
# first-layer weights of standardized inputs towards zero under the estimator's other defaults.
DEFAULT_L1_VALUES = (0.0, 1e-5, 1e-4, 1e-3, 1e-2)


def final_step(estimator):
    """The network inside ``estimator``: the last step of a Pipeline, the regressor of a
    ``TransformedTargetRegressor`` (fitted, if it is), or ``estimator`` itself."""
    while True:
        if isinstance(estimator, Pipeline):
            estimator = estimator[-1]
        elif isinstance(estimator, TransformedTargetRegressor):
            estimator = getattr(estimator, "regressor_", estimator.regressor)
        else:
            return estimator


def score_name(estimator):
    """What ``estimator.score`` measures: ``"accuracy"`` for a classifier, ``"R²"`` for a
    regressor, None for anything else."""
    try:
        if is_classifier(estimator):
            return "accuracy"
        if is_regressor(estimator):
            return "R²"
    except (AttributeError, TypeError):  # an object without scikit-learn tags
        pass
    return None


def _l1_param(estimator):
    """The ``set_params`` name of the network's ``l1`` in ``estimator``: ``l1``,
    ``<step>__l1`` or ``regressor__<step>__l1``."""
    if isinstance(estimator, Pipeline):
        return f"{estimator.steps[-1][0]}__{_l1_param(estimator[-1])}"
    if isinstance(estimator, TransformedTargetRegressor):
        return f"regressor__{_l1_param(estimator.regressor)}"
    return "l1"


@dataclass(frozen=True, eq=False)
class RegularizationPath:
    """Held-out scores and feature importances of one fit per ``l1`` value.

    Returned by :func:`regularization_path`; drawn by :func:`plot_regularization_path`.

    Parameters
    ----------
    l1_values : ndarray of shape (n_values,)
        The ``l1`` values, ascending.
    train_scores : ndarray of shape (n_values,)
        Score on the training split (the estimator's ``score``: accuracy or R²).
    test_scores : ndarray of shape (n_values,)
        Score on the held-out split.
    feature_importances : ndarray of shape (n_values, n_features)
        ``feature_importances_`` of each fit: the L2 norm of each input feature's first-layer
        weights. Row ``i`` belongs to ``l1_values[i]``.
    feature_names : ndarray of str of shape (n_features,)
        Names of the classifier's input features (column names where known, else ``x0``, ...).
    n_iter : ndarray of int of shape (n_values,)
        Epochs each fit trained.
    score_name : str, default="accuracy"
        What the scores measure: ``"accuracy"`` (a classifier) or ``"R²"`` (a regressor).
    """

    l1_values: np.ndarray
    train_scores: np.ndarray
    test_scores: np.ndarray
    feature_importances: np.ndarray
    feature_names: np.ndarray
    n_iter: np.ndarray
    score_name: str = "accuracy"


def regularization_path(estimator, X_train, y_train, X_test, y_test, l1_values=DEFAULT_L1_VALUES):
    """Fit a clone of ``estimator`` for each ``l1`` value and record scores and importances.

    Every other parameter, ``random_state`` included, is the estimator's own, so with an integer
    ``random_state`` the fits differ only in ``l1``. The estimator passed in is not changed. The
    scores are ``estimator.score``: accuracy for a classifier, R² for a regressor.

    Parameters
    ----------
    estimator : L1L2Classifier, L1L2Regressor, Pipeline or TransformedTargetRegressor
        The model to vary, fitted or not: one of the estimators, a Pipeline ending in one, or a
        ``TransformedTargetRegressor`` around either; ``l1`` of the network inside is set.
    X_train, y_train : array-like
        The data each clone is fitted on.
    X_test, y_test : array-like
        Held-out data for the scores. To choose ``l1``, use a validation split or
        ``GridSearchCV`` rather than the final test split.
    l1_values : array-like of float, default=DEFAULT_L1_VALUES
        Values of ``l1`` to fit, each >= 0; they are sorted and duplicates dropped.

    Returns
    -------
    path : RegularizationPath
        The numbers, one row per ``l1`` value.

    Notes
    -----
    One fit per value, one after another; the cost is ``len(l1_values)`` fits of ``estimator``.
    """
    network = final_step(estimator)
    scored_by = score_name(estimator)
    if "l1" not in network.get_params(deep=False) or scored_by is None:
        raise TypeError(
            "regularization_path needs an estimator with an l1 parameter (L1L2Classifier or "
            "L1L2Regressor, or a Pipeline ending in one); got "
            f"{type(network).__name__}."
        )
    l1_param = _l1_param(estimator)
    l1_values = _checked_l1_values(l1_values)

    train_scores, test_scores, importances, n_iter = [], [], [], []
    feature_names = None
    for l1 in l1_values:
        model = clone(estimator).set_params(**{l1_param: float(l1)})
        model.fit(X_train, y_train)
        fitted = final_step(model)
        train_scores.append(model.score(X_train, y_train))
        test_scores.append(model.score(X_test, y_test))
        importances.append(fitted.feature_importances_)
        n_iter.append(fitted.n_iter_)
        if feature_names is None:
            feature_names = _input_feature_names(model)
    return RegularizationPath(
        l1_values=l1_values,
        train_scores=np.array(train_scores),
        test_scores=np.array(test_scores),
        feature_importances=np.array(importances),
        feature_names=feature_names,
        n_iter=np.array(n_iter),
        score_name=scored_by,
    )


def _checked_l1_values(l1_values):
    try:
        values = np.asarray(l1_values, dtype=np.float64)
    except (TypeError, ValueError):
        values = None
    if values is None or values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(
            f"l1_values must be a non-empty list of finite numbers >= 0, got {l1_values!r}."
        )
    if np.any(values < 0):
        raise ValueError(f"l1_values must be >= 0, got {values[values < 0].tolist()}.")
    return np.unique(values)


def _input_feature_names(model):
    """Names of the features entering the network: after a Pipeline's transformers, if they
    can tell, else the fitted network's own ``feature_names_in_``, else ``x0, x1, ...``."""
    network = final_step(model)
    if isinstance(model, TransformedTargetRegressor):
        model = model.regressor_
    if isinstance(model, Pipeline) and len(model) > 1:
        try:
            return np.asarray(model[:-1].get_feature_names_out(), dtype=str)
        except (AttributeError, ValueError, TypeError):
            pass  # a transformer without get_feature_names_out
    names = getattr(network, "feature_names_in_", None)
    if names is not None:
        return np.asarray(names, dtype=str)
    return np.array([f"x{i}" for i in range(network.n_features_in_)])
