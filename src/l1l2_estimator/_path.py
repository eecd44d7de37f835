"""The regularization path: one fit per ``l1`` value, with held-out scores and importances.

Drawn by ``plots.plot_regularization_path``; computed here, next to the estimators, because it
fits models: the networks of all ``l1`` values at once, as one batched ensemble. Scores are the
estimator's own ``score``: accuracy for a classifier, R² for a regressor.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline

from ._base import batch_refusal
from ._params import optimizer_config, penalty_values
from ._stopping import divergence_advice, warn_not_converged

__all__ = ["DEFAULT_L1_VALUES", "RegularizationPath", "regularization_path"]

# No penalty, then four decades, from barely noticeable to strong enough to shrink most
# first-layer weights of standardized inputs towards zero under the estimator's other defaults.
DEFAULT_L1_VALUES = (0.0, 1e-5, 1e-4, 1e-3, 1e-2)


def final_step(estimator):
    """The network inside ``estimator``: the last step of a Pipeline, the regressor of a
    ``TransformedTargetRegressor`` (fitted, if it is), the estimator a ``FrozenEstimator``
    holds, or ``estimator`` itself."""
    while True:
        if isinstance(estimator, Pipeline):
            estimator = estimator[-1]
        elif isinstance(estimator, TransformedTargetRegressor):
            estimator = getattr(estimator, "regressor_", estimator.regressor)
        elif isinstance(estimator, FrozenEstimator):
            estimator = estimator.estimator
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
    if isinstance(estimator, FrozenEstimator):
        raise TypeError(
            "regularization_path fits a clone of the estimator for each l1 value, and a "
            "FrozenEstimator is never fitted again: pass the estimator it holds (.estimator)."
        )
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
        Names of the network's input features (column names where known, else ``x0``, ...).
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
    The networks of all ``l1`` values train at once, as one batched ensemble (see
    :class:`~l1l2_estimator.L1L2ClassifierCV`); each equals, bit for bit, what
    ``clone(estimator).set_params(l1=value).fit(X_train, y_train)`` would fit, and warns as it would
    (``ConvergenceWarning``). The preprocessing steps of a Pipeline or TransformedTargetRegressor
    are fitted as usual. A network with ``early_stopping=True`` or callbacks, or one that sees
    sparse input, is fitted once per value instead. The fitted networks keep no optimizer state:
    continued training of one starts a fresh optimizer.
    """
    network = final_step(estimator)
    scored_by = score_name(estimator)
    if "l1" not in network.get_params(deep=False) or scored_by is None:
        raise TypeError(
            "regularization_path needs an estimator with an l1 parameter (L1L2Classifier or "
            "L1L2Regressor, or a Pipeline ending in one); got "
            f"{type(network).__name__}."
        )
    l1_values = np.unique(np.asarray(penalty_values("l1_values", l1_values), dtype=np.float64))
    path = network_path(estimator)

    train_scores, test_scores, importances, n_iter = [], [], [], []
    feature_names = None
    for model in _fit_each_l1(estimator, path, X_train, y_train, l1_values):
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


def _fit_each_l1(estimator, path, X, y, l1_values):
    """One fitted copy of ``estimator`` (whose network is at ``path``, see ``network_path``) per
    ``l1`` value, as ``clone(estimator).set_params(l1=...).fit(X, y)`` would fit it: the networks
    trained at once as one ensemble where they can be."""
    network = clone(final_step(estimator))

    def one_at_a_time():
        param = f"{path}__l1" if path else "l1"
        return [clone(estimator).set_params(**{param: float(l1)}).fit(X, y) for l1 in l1_values]

    not_members = batch_refusal(optimizer_config(network.get_params(deep=False)))
    if network.early_stopping or network.callbacks or not_members:  # one network at a time
        return one_at_a_time()
    # The inputs the network sees inside the estimator: fit the estimator with a stand-in that
    # keeps them (a Pipeline's transformed X, a TransformedTargetRegressor's transformed y).
    # (A TransformedTargetRegressor fits a clone of its regressor: the stand-in is found in the
    # fitted estimator.)
    inputs = final_step(
        clone(estimator).set_params(**{path: _Inputs()}).fit(X, y) if path else _Inputs().fit(X, y)
    )
    if sp.issparse(inputs.X_):  # sparse rows train one network at a time
        return one_at_a_time()
    penalties = [(float(l1), network.l2) for l1 in l1_values]
    members, diverged, converged = network._fit_members(
        inputs.X_, inputs.y_, None, [np.arange(np.shape(inputs.y_)[0])], penalties
    )
    models = []
    for (l1, _), state, failed, done in zip(penalties, members[0], diverged[0], converged[0]):
        if failed:
            raise ValueError(
                f"{type(network).__name__}: training diverged (the loss became infinite or NaN) "
                f"with l1={l1:g}: {divergence_advice(network.learning_rate, network.optimizer)}."
            )
        if not done:
            warn_not_converged(type(network).__name__, network.epochs, stacklevel=3)
        fitted = clone(network).set_params(l1=l1)
        fitted._set_fitted_state(**state)
        # The estimator around the fitted network: its other steps fitted as usual, the network
        # frozen (FrozenEstimator's fit leaves it as it is).
        models.append(
            clone(estimator).set_params(**{path: FrozenEstimator(fitted)}).fit(X, y)
            if path
            else fitted
        )
    return models


class _Inputs(BaseEstimator):
    """A stand-in for the network that keeps what it is fitted on (it never predicts: the
    method is there because a TransformedTargetRegressor asks for one)."""

    def fit(self, X, y):
        self.X_, self.y_ = X, y
        return self

    def predict(self, X):
        raise NotImplementedError("a stand-in that only records its training data")


def network_path(estimator):
    """The ``set_params`` name of the network inside ``estimator``: ``""`` for the network
    itself, ``<step>`` or ``regressor__<step>`` for one inside a Pipeline or
    TransformedTargetRegressor."""
    return _l1_param(estimator)[: -len("__l1")] if _l1_param(estimator) != "l1" else ""


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
