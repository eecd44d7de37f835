"""The regularization path: one fit per ``l1`` value, with held-out scores and importances.

Drawn by ``plots.plot_regularization_path``; computed here, next to the estimators, because it
fits models: the networks of all ``l1`` values at once, as one batched ensemble. Scores are the
estimator's own ``score``: accuracy for a classifier, R² for a regressor.
"""

from dataclasses import dataclass

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils.metadata_routing import process_routing
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_array, check_consistent_length

from ._compat import BaseSearchCV, check_sample_weight, not_converted, validate_params
from ._ensemble import batch_refusal
from ._inputs import is_sparse
from ._params import optimizer_config, penalty_values
from ._stopping import (
    DIVERGED,
    blind_stop_advice,
    divergence_advice,
    float32_blind_best,
    large_penalty_advice,
    loss_floor,
    never_improved,
    never_improved_advice,
    rose_from_the_start,
    small_target_message,
    target_scale_advice,
    target_too_small,
    target_variation,
    warn_blind_stop,
    warn_never_improved,
    warn_not_converged,
    warn_rose,
    warn_stopped_short,
    warnings_point_higher,
    worse_than_the_mean_message,
)
from .classifier import refuse_missing_labels, scored_labels
from .regressor import scored_targets

__all__ = ["DEFAULT_L1_VALUES", "RegularizationPath", "regularization_path"]

# No penalty, then four decades, from barely noticeable to strong enough to shrink most
# first-layer weights of standardized inputs towards zero under the estimator's other defaults.
DEFAULT_L1_VALUES = (0.0, 1e-5, 1e-4, 1e-3, 1e-2)


def final_step(estimator, *, fitted=True):
    """The network inside ``estimator``: the last step of a Pipeline, the regressor of a
    ``TransformedTargetRegressor`` (its fitted ``regressor_`` if it is fitted, unless
    ``fitted=False``: the ``regressor`` param, which ``set_params`` may have changed since), the
    estimator a ``FrozenEstimator`` holds, or ``estimator`` itself."""
    while True:
        if isinstance(estimator, Pipeline):
            estimator = estimator[-1]
        elif isinstance(estimator, TransformedTargetRegressor):
            estimator = (
                getattr(estimator, "regressor_", estimator.regressor)
                if fitted
                else estimator.regressor
            )
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


@not_converted
@dataclass(frozen=True, eq=False)
class RegularizationPath:
    """Held-out scores and feature importances of one fit per ``l1`` value.

    Returned by :func:`regularization_path`; drawn by :func:`plot_regularization_path`.

    The numbers are kept as NumPy arrays (array-likes given are converted), so a path built by
    hand draws as one that :func:`regularization_path` returns.

    Parameters
    ----------
    l1_values : ndarray of shape (n_values,)
        The ``l1`` values: finite, at least 0, ascending.
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

    def __post_init__(self):
        for name, dtype in (
            ("l1_values", np.float64), ("train_scores", np.float64),
            ("test_scores", np.float64), ("feature_importances", np.float64),
            ("feature_names", None), ("n_iter", None),
        ):
            try:
                value = np.asarray(getattr(self, name), dtype=dtype)
            except (TypeError, ValueError) as error:  # ragged rows, strings as numbers
                raise ValueError(
                    f"RegularizationPath: {name} must be "
                    + ("numbers" if dtype is not None else "an array")
                    + f" in a regular shape; NumPy could not read it: {error}"
                ) from None
            object.__setattr__(self, name, value)
        # A path built by hand is checked here, not where matplotlib or NumPy would fail on it.
        if self.l1_values.ndim != 1 or self.l1_values.size == 0:
            # (An empty one had drawn a blank figure, where regularization_path refuses [].)
            raise ValueError(
                "RegularizationPath: l1_values must be 1-D and hold at least one value; got "
                f"shape {self.l1_values.shape}."
            )
        l1_values = self.l1_values
        if not (np.isfinite(l1_values).all() and (l1_values >= 0).all()
                and (np.diff(l1_values) > 0).all()):
            # (A negative value was drawn outside the symlog axis' limits, unsorted ones as a
            # zig-zag.)
            raise ValueError(
                "RegularizationPath: l1_values must be finite, >= 0 and strictly ascending "
                f"(no value twice), as regularization_path returns them; got "
                f"{l1_values.tolist()}."
            )
        n_values = self.l1_values.shape[0]
        for name in ("train_scores", "test_scores", "n_iter"):
            value = getattr(self, name)
            if value.shape != (n_values,):
                raise ValueError(
                    f"RegularizationPath: {name} must be 1-D with one entry per l1 value "
                    f"({n_values}); got shape {value.shape}."
                )
        n_iter = self.n_iter
        if not (
            n_iter.dtype.kind in "iu"
            or (n_iter.dtype.kind == "f" and np.all(np.isfinite(n_iter) & (n_iter % 1 == 0)))
        ) or (n_iter < 0).any():
            # (Strings had been taken.)
            raise ValueError(
                "RegularizationPath: n_iter must hold whole numbers >= 0, the epochs of each fit; "
                f"got {n_iter.tolist()}."
            )
        if self.feature_importances.ndim != 2 or self.feature_importances.shape[0] != n_values:
            raise ValueError(
                "RegularizationPath: feature_importances must have shape (n_values, n_features), "
                f"one row per l1 value ({n_values}); got shape {self.feature_importances.shape}."
            )
        n_features = self.feature_importances.shape[1]
        if self.feature_names.shape != (n_features,):
            raise ValueError(
                f"RegularizationPath: feature_names must name the {n_features} features of "
                f"feature_importances; got shape {self.feature_names.shape}."
            )
        if not isinstance(self.score_name, str) or not self.score_name:
            raise ValueError(
                f"RegularizationPath: score_name must be a non-empty str; got {self.score_name!r}."
            )


@not_converted
def regularization_path(
    estimator,
    X_train,
    y_train,
    X_test,
    y_test,
    l1_values=DEFAULT_L1_VALUES,
    *,
    sample_weight=None,
    test_sample_weight=None,
):
    """Fit a clone of ``estimator`` for each ``l1`` value and record scores and importances.

    Every other parameter, ``random_state`` included, is the estimator's own, so with an integer
    ``random_state`` the fits differ only in ``l1``. The estimator passed in is not changed. The
    scores are ``estimator.score``: accuracy for a classifier, R² for a regressor.

    Parameters
    ----------
    estimator : L1L2Classifier, L1L2Regressor, Pipeline or TransformedTargetRegressor
        The model to vary, fitted or not: one of the estimators, a Pipeline ending in one, or a
        ``TransformedTargetRegressor`` around either; ``l1`` of the network inside is set. A
        fitted ``L1L2ClassifierCV`` or ``L1L2RegressorCV`` (alone or as such a step) is varied
        through its ``best_estimator_``: around the ``l2`` and layers it chose.
    X_train, y_train : array-like
        The data each clone is fitted on.
    X_test, y_test : array-like
        Held-out data for the scores. To choose ``l1``, use a validation split or
        ``GridSearchCV`` rather than the final test split.
    l1_values : array-like of float, default=DEFAULT_L1_VALUES
        Values of ``l1`` to fit, each >= 0; they are sorted, duplicates dropped and -0.0 read
        as 0.0.
    sample_weight : array-like of shape (n_train_samples,), default=None
        Weights of the training rows: passed to every fit (to the network's ``fit``, through a
        Pipeline or TransformedTargetRegressor) and to the training score.
    test_sample_weight : array-like of shape (n_test_samples,), default=None
        Weights of the held-out rows, for the held-out score.

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
    are fitted once, and every network is scored behind that same fit. Where the ensemble cannot
    train them (``early_stopping=True``, callbacks, ``verbose``, sparse input, an optimizer or
    optimizer argument it refuses, or more memory than it may take: README, "Pictures"), the
    networks are fitted once per value instead, each clone with its own
    preprocessing, with the same results.
    """
    estimator, path, scored_by, l1_values, (sample_weight, test_sample_weight) = (
        checked_path_inputs(
            estimator, X_train, y_train, X_test, y_test, l1_values, sample_weight,
            test_sample_weight,
        )
    )
    train_scores, test_scores, importances, n_iter = [], [], [], []
    feature_names = None
    models = _fit_each_l1(estimator, path, X_train, y_train, l1_values, sample_weight)
    for model in models:
        fitted = final_step(model)
        train_scores.append(model.score(X_train, y_train, sample_weight=sample_weight))
        test_scores.append(model.score(X_test, y_test, sample_weight=test_sample_weight))
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


def checked_path_inputs(
    estimator, X_train, y_train, X_test, y_test, l1_values, sample_weight, test_sample_weight
):
    """What ``regularization_path`` checks before its fits, which take far longer than any of
    this: ``(estimator, its network's path, what its score measures, the sorted l1 values,
    (the training and held-out weights, checked))``,
    with a fitted search in ``estimator`` replaced by its ``best_estimator_``."""
    estimator, _, scored_by = path_estimator(estimator)
    path = network_path(estimator)  # refuses a FrozenEstimator, which is never fitted again
    # (+ 0.0: -0.0 as 0.0, which a table of the path had printed as "-0".)
    values = np.asarray(penalty_values("l1_values", l1_values), dtype=np.float64)
    l1_values = np.unique(values) + 0.0
    check_consistent_length(X_train, y_train, sample_weight)
    check_consistent_length(X_test, y_test, test_sample_weight)
    train_shape, test_shape = _shape(X_train), _shape(X_test)
    if None not in (train_shape, test_shape):
        # A Pipeline may take 1-D X (documents for a text vectorizer), but both alike: a 1-D
        # X_test beside a 2-D X_train (df["f"] for df[["f"]]) had failed after the fits.
        if len(train_shape) != len(test_shape):
            raise ValueError(
                f"X_test is {len(test_shape)}-D, but X_train is {len(train_shape)}-D"
                + (f" ({train_shape[1]} features)" if len(train_shape) == 2 else "")
                + ": give both alike (a DataFrame's column as df[['f']], not df['f'])."
            )
        if len(train_shape) == 2 and train_shape[1] != test_shape[1]:
            raise ValueError(
                f"X_test has {test_shape[1]} features, but X_train has {train_shape[1]}."
            )
    _check_test_targets(y_train, y_test, scored_by)
    _check_held_out(estimator, path, X_train, X_test, test_shape, scored_by)
    _check_weights_routed(estimator, sample_weight, test_sample_weight)
    weights = (
        checked_weights(sample_weight, X_train, "sample_weight"),
        checked_weights(test_sample_weight, X_test, "test_sample_weight"),
    )
    return estimator, path, scored_by, l1_values, weights


def checked_weights(weights, X, name):
    """Row weights as scikit-learn's check makes them (float64, one per row of ``X``, finite
    and >= 0), or None; a ValueError names them ``name``. Weights written as text had passed
    to the fits and failed in accuracy_score's average after them; negative held-out weights
    had made an accuracy of 10."""
    if weights is None:
        return None
    try:
        return check_sample_weight(weights, X, ensure_non_negative=True)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: {error}") from None


def _check_held_out(estimator, path, X_train, X_test, test_shape, scored_by):
    """ValueError, before the fits, for held-out rows the held-out score would refuse after
    them: none at all (one, for R², which scikit-learn leaves undefined there: NaN, with a
    warning, after every fit), and, where the network takes ``X_test`` as given (alone or in a
    TransformedTargetRegressor, no Pipeline step before it), values it cannot predict on (NaN,
    text that is not a number) or other column names than ``X_train``'s."""
    least = 2 if scored_by == "R²" else 1
    if test_shape is not None and test_shape[0] < least:
        raise ValueError(
            f"X_test has {test_shape[0]} row{'' if test_shape[0] == 1 else 's'}: the held-out "
            f"{scored_by} needs at least {'two' if least == 2 else 'one'}."
        )
    # A TransformedTargetRegressor passes X on as given; the steps of a Pipeline before the
    # network check their own inputs (an imputer takes NaN).
    if path and any(part != "regressor" for part in path.split("__")):
        return
    try:
        # As the network reads X (numbers written as text too), in float64 or float32.
        check_array(
            X_test, accept_sparse=True, dtype=(np.float64, np.float32), input_name="X_test"
        )
    except ValueError as error:
        if "X_test" in str(error):
            raise
        raise ValueError(f"X_test cannot be predicted on: {error}") from error
    train_names, test_names = _column_names(X_train), _column_names(X_test)
    if None not in (train_names, test_names) and train_names != test_names:
        raise ValueError(
            f"X_test's column names {test_names} differ from X_train's {train_names}: the "
            "network would refuse them at the held-out score, as at predict."
        )


def _column_names(X):
    """A DataFrame's column names where all are strings (which scikit-learn checks at
    predict), else None."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    return list(columns) if all(isinstance(name, str) for name in columns) else None


def _check_weights_routed(estimator, sample_weight, test_sample_weight):
    """With metadata routing on, the error a Pipeline's ``score`` raises after the fits for
    weights its network's score request does not set (``UnsetMetadataPassedError``), raised
    before them: the training and held-out scores pass ``sample_weight`` and
    ``test_sample_weight`` to it."""
    if not (get_config().get("enable_metadata_routing", False) and isinstance(estimator, Pipeline)):
        return
    for weights in (sample_weight, test_sample_weight):
        if weights is not None:
            process_routing(estimator, "score", sample_weight=weights)


def _check_test_targets(y_train, y_test, scored_by):
    """ValueError, before the fits, for a ``y_test`` that the held-out score would refuse after
    them: labels of another kind than ``y_train``'s (text beside numbers, numbers with fractions
    beside classes, an indicator matrix beside one column), or targets of another number of
    outputs, or not numbers, for a regressor."""
    if scored_by != "R²":
        refuse_missing_labels(y_train, "y_train")
        refuse_missing_labels(y_test, "y_test")
        try:
            unique_labels(scored_labels(y_train))
        except (TypeError, ValueError):
            return  # y_train's own problem, which the fit names
        try:
            unique_labels(scored_labels(y_train), scored_labels(y_test))
        except (TypeError, ValueError) as error:
            raise ValueError(f"y_test does not hold labels like y_train's: {error}") from None
        return
    outputs = [1 if len(_shape(y) or ()) < 2 else _shape(y)[1] for y in (y_train, y_test)]
    if outputs[0] != outputs[1]:
        raise ValueError(f"y_test has {outputs[1]} outputs, but y_train has {outputs[0]}.")
    try:
        targets = np.asarray(scored_targets(y_test), dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"y_test must hold numbers, as y_train does: {error}") from error
    # NaN or infinity, which R² refuses after the fits.
    check_array(targets, ensure_2d=False, ensure_min_samples=0, input_name="y_test")


def _shape(X):
    """The shape of ``X`` (array, DataFrame, sparse matrix, nested lists), or None for ragged
    lists."""
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.shape(X)
        except ValueError:  # ragged lists
            return None
    return tuple(shape)


def searched_best(search):
    """The ``best_estimator_`` of a fitted search (``is_any_search``; None if it is not fitted);
    NotFittedError if it was fitted with ``refit=False``, which keeps none."""
    best = getattr(search, "best_estimator_", None)
    if best is None and hasattr(search, "cv_results_"):
        raise no_refit_error(search)
    return best


def no_refit_error(search):
    """The NotFittedError of a search fitted with ``refit=False``, asked for its refitted
    network."""
    chose = "it chose l1_ and l2_ but" if hasattr(search, "l1_") else "it"
    return NotFittedError(
        f"This {type(search).__name__} was fitted with refit=False: {chose} kept no fitted "
        "network. Fit it with refit=True (with several metrics in scoring, refit=<the name of "
        "the one to choose by>)."
    )


def is_search(estimator):
    """Whether ``estimator`` is an ``L1L2ClassifierCV``/``L1L2RegressorCV``."""
    return _is_estimator(estimator) and "l1s" in estimator.get_params(deep=False)


def is_any_search(estimator):
    """Whether ``estimator`` is a search that may keep a refitted ``best_estimator_``: ours,
    ``GridSearchCV``, ``RandomizedSearchCV``, ... (scikit-learn's searches and those built on
    them), or any other estimator that holds a fitted ``best_estimator_`` (searches of other
    libraries built on ``BaseEstimator`` alone); not ``RidgeCV``, whose ``cv_results_`` come
    with no ``best_estimator_``, nor ``TunedThresholdClassifierCV``, which has ``refit`` and
    ``estimator`` params but is a classifier of its own."""
    return (
        isinstance(estimator, BaseSearchCV)
        or is_search(estimator)
        or (_is_estimator(estimator) and hasattr(estimator, "best_estimator_"))
    )


def path_estimator(estimator):
    """``(estimator, network, what its score measures)`` for a regularization path of
    ``estimator``: a fitted search in it replaced by its ``best_estimator_``; TypeError if it has
    no network with an ``l1`` param."""
    estimator = _through_search(estimator)
    network = final_step(estimator, fitted=False)
    scored_by = score_name(estimator)
    params = network.get_params(deep=False) if _is_estimator(network) else {}
    if "l1" not in params or scored_by is None:
        if is_any_search(network):
            # A search not fitted (a fitted one was replaced, or said it has no
            # best_estimator_): NotFittedError, as from the other functions.
            raise NotFittedError(
                f"This {type(network).__name__} instance is not fitted yet: regularization_path "
                "varies the best_estimator_ of a fitted search (such as L1L2ClassifierCV or "
                "GridSearchCV, with refit). Call its fit first, or pass the L1L2Classifier or "
                "L1L2Regressor (or a Pipeline ending in one) itself."
            )
        raise TypeError(
            "regularization_path needs an estimator with an l1 parameter (L1L2Classifier or "
            f"L1L2Regressor, or a Pipeline ending in one); got {described(network)}."
        )
    return estimator, network, scored_by


def _is_estimator(value):
    """Whether ``value`` is an estimator instance (not a class, None or ``"passthrough"``)."""
    return hasattr(value, "get_params") and not isinstance(value, type)


def described(value):
    """How a message names what was given instead of an estimator."""
    if isinstance(value, type):
        return f"the class {value.__name__} (an instance is needed: {value.__name__}())"
    if isinstance(value, str):
        return repr(value)
    return type(value).__name__


def _through_search(estimator):
    """``estimator`` with a fitted search in it (``L1L2ClassifierCV``/``L1L2RegressorCV``, or
    any other with a ``best_estimator_``, such as ``GridSearchCV``) replaced by that search's
    ``best_estimator_`` (unchanged otherwise)."""
    search = final_step(estimator)
    best = searched_best(search) if is_any_search(search) else None
    if best is None:
        return estimator
    path = network_path(estimator)
    # Again for a search over a search (a GridSearchCV over an L1L2ClassifierCV).
    return _through_search(clone(estimator).set_params(**{path: best}) if path else best)


def _weight_param(estimator):
    """The name under which ``estimator.fit`` hands ``sample_weight`` to the network inside:
    ``sample_weight``, or ``<step>__sample_weight`` through a Pipeline (a
    TransformedTargetRegressor passes its fit params on as they are). With scikit-learn's
    metadata routing on, the routing decides, as for any fit."""
    if get_config().get("enable_metadata_routing", False):
        return "sample_weight"
    if isinstance(estimator, Pipeline):
        return f"{estimator.steps[-1][0]}__{_weight_param(estimator[-1])}"
    if isinstance(estimator, TransformedTargetRegressor):
        return _weight_param(estimator.regressor)
    return "sample_weight"


def _fit_each_l1(estimator, path, X, y, l1_values, sample_weight):
    """One fitted ``estimator`` (whose network is at ``path``, see ``network_path``) per ``l1``
    value, in turn, as ``clone(estimator).set_params(l1=...).fit(X, y)`` would fit it: the
    networks trained at once as one ensemble where they can be, each then put behind one fit of
    the estimator's other steps (the same object each time, so use each before the next)."""
    # With l1 set to a value of the path, which replaces it: the estimator's own l1 is not
    # checked (an invalid one had been refused, where each point's fit takes the path's value).
    network = clone(final_step(estimator, fitted=False)).set_params(l1=float(l1_values[0]))
    fit_params = {} if sample_weight is None else {_weight_param(estimator): sample_weight}

    def one_at_a_time():
        param = f"{path}__l1" if path else "l1"
        for l1 in l1_values:
            model = clone(estimator).set_params(**{param: float(l1)})
            # A network's warnings point at the caller's line: above this generator,
            # regularization_path (a Pipeline's point inside scikit-learn, as its own fit's do).
            with warnings_point_higher(0 if path else 2):
                model.fit(X, y, **fit_params)
            yield model

    # Checked as its fit would check them, before the batched fits read them (an optimizer
    # named "Adam" reached the lookup of Keras' class by its name: a bare KeyError).
    validate_params(network)
    not_members = batch_refusal(optimizer_config(network.get_params(deep=False)))
    # One network at a time: settings the ensemble does not train, and verbose (a single fit's
    # progress lines; the ensemble prints none).
    if network.early_stopping or network.callbacks or not_members or network.verbose:
        return one_at_a_time()
    # The inputs the network sees inside the estimator: fit the estimator once with a stand-in
    # that keeps them (a Pipeline's transformed X, a TransformedTargetRegressor's transformed y,
    # the weights as the network would get them). The other steps stay fitted: each network
    # takes the stand-in's place. (A TransformedTargetRegressor fits a clone of its regressor:
    # the stand-in is found in the fitted estimator.)
    stand_in = _Inputs()
    if fit_params and get_config().get("enable_metadata_routing", False):
        # Routed to the stand-in as it would be to the network.
        requests = network.get_metadata_routing().fit.requests
        stand_in.set_fit_request(sample_weight=requests.get("sample_weight"))
    prepared = (
        clone(estimator).set_params(**{path: stand_in}) if path else stand_in
    ).fit(X, y, **fit_params)
    inputs = final_step(prepared)
    if is_sparse(inputs.X_):  # sparse rows train one network at a time
        return one_at_a_time()
    penalties = [(float(l1), network.l2) for l1 in l1_values]
    # Read before the inputs are let go (the fits' ConvergenceWarning gives it).
    advice = target_scale_advice(inputs.y_, getattr(network, "loss", None))
    blind_advice = blind_stop_advice(inputs.y_, getattr(network, "loss", None))
    variation = target_variation(
        inputs.y_, inputs.sample_weight_, getattr(network, "loss", None)
    )
    floor = loss_floor(inputs.y_, inputs.sample_weight_, getattr(network, "loss", None))
    worse = {}  # each point the rule stopped worse than the mean, as its single fit checks it
    try:
        trained = network._fit_members(
            inputs.X_, inputs.y_, inputs.sample_weight_, [np.arange(np.shape(inputs.y_)[0])],
            penalties, worse=worse,
        )
        above = [worse.get((0, pair)) for pair in range(len(penalties))]
        # Read from the data, as each point's single fit reads it (values whose squares
        # overflow float32, NaN let through by assume_finite, a penalty too large), for the
        # points that diverged or whose loss rose: only the learning rate had been named.
        diverging = [
            divergence_advice(
                {**network.get_params(deep=False), "l1": l1}, inputs.X_, inputs.y_,
                inputs.sample_weight_, weights_scaled=True,
            ) if failed or rose_from_the_start(state["loss_curve"]) else None
            for (l1, _), failed, state in zip(penalties, trained[1][0], trained[0][0])
        ]
    except MemoryError:
        # Too many networks for the memory available at once (refused before anything was
        # allocated), where one may fit: one at a time, each fit checked by itself.
        return one_at_a_time()
    finally:
        inputs.X_ = inputs.y_ = inputs.sample_weight_ = None  # no longer needed
    return _batched(
        network, prepared, inputs, penalties, advice, blind_advice, variation, above, floor,
        diverging, *trained,
    )


def _batched(network, prepared, inputs, penalties, advice, blind_advice, variation, above,
             floor, diverging, members, diverged, converged):
    """Yield the path's fitted estimators from the batched fits' ``members``, first raising for
    one that diverged, or warning as a fit of each would (``advice`` for fits that reached
    ``epochs``, ``blind_advice`` for stops where float32 cannot register ``tol``, the target's
    ``variation``, ``target_variation``, for stops that cannot see a small target learned, and
    each point's ``above``, ``loss_above_the_mean``, for stops worse than the mean, the
    ``floor`` of its loss, ``loss_floor``, for stops that learned almost nothing, and each
    point's ``diverging`` advice, ``divergence_advice``, where it diverged or its loss rose)."""
    for (l1, _), failed, text in zip(penalties, diverged[0], diverging):
        if failed:
            raise ValueError(
                f"{type(network).__name__}: training diverged ({DIVERGED}) with "
                f"l1={float(l1):g}: {text}."
            )
    for (l1, _), done, state, worse, text in zip(
        penalties, converged[0], members[0], above, diverging
    ):
        if not done:
            # _batched, its caller (regularization_path), the caller's line.
            warn_not_converged(
                type(network).__name__, network.epochs, stacklevel=3, advice=advice
            )
        elif (best := float32_blind_best(state["loss_curve"], network.tol)) is not None:
            warn_blind_stop(
                type(network).__name__, len(state["loss_curve"]), best, network.tol,
                stacklevel=3, advice=blind_advice + large_penalty_advice([(l1, network.l2)]),
            )
        elif rose_from_the_start(state["loss_curve"]):
            warn_rose(
                type(network).__name__, state["loss_curve"], stacklevel=3, advice=text,
            )
        elif target_too_small(variation, network.tol):
            warn_stopped_short(
                type(network).__name__, len(state["loss_curve"]),
                small_target_message(variation, network.tol, network.loss), stacklevel=3,
            )
        elif worse is not None:
            warn_stopped_short(
                type(network).__name__, len(state["loss_curve"]),
                worse_than_the_mean_message(*worse, network.tol, network.loss), stacklevel=3,
            )
        elif never_improved(state["loss_curve"], network.tol, floor):
            warn_never_improved(
                type(network).__name__, state["loss_curve"], network.tol, stacklevel=3,
                advice=never_improved_advice({**network.get_params(deep=False), "l1": l1}),
            )
    for (l1, _), state in zip(penalties, members[0]):
        fitted = clone(network).set_params(l1=l1)
        fitted._set_fitted_state(**state)
        if prepared is inputs:
            yield fitted
        else:
            _put_network(prepared, fitted)
            yield prepared


def _put_network(model, network):
    """Put the fitted ``network`` in the place of the innermost fitted step of ``model`` (a
    fitted Pipeline or TransformedTargetRegressor, nested as deep as need be)."""
    while True:
        if isinstance(model, Pipeline):
            inner = model.steps[-1][1]
            if not isinstance(inner, (Pipeline, TransformedTargetRegressor)):
                model.steps[-1] = (model.steps[-1][0], network)
                return
        else:  # a fitted TransformedTargetRegressor
            inner = model.regressor_
            if not isinstance(inner, (Pipeline, TransformedTargetRegressor)):
                model.regressor_ = network
                return
        model = inner


class _Inputs(BaseEstimator):
    """A stand-in for the network that keeps what it is fitted on (it never predicts: the
    method is there because a TransformedTargetRegressor asks for one)."""

    def fit(self, X, y, sample_weight=None):
        self.X_, self.y_, self.sample_weight_ = X, y, sample_weight
        return self

    def predict(self, X):
        raise NotImplementedError("a stand-in that only records its training data")


def network_path(estimator):
    """The ``set_params`` name of the network inside ``estimator``: ``""`` for the network
    itself, ``<step>`` or ``regressor__<step>`` for one inside a Pipeline or
    TransformedTargetRegressor."""
    return _l1_param(estimator)[: -len("__l1")] if _l1_param(estimator) != "l1" else ""


def _input_feature_names(model):
    """Names of the features entering the network: the fitted network's own
    ``feature_names_in_`` if it saw a DataFrame; else what the transformers before it call
    their outputs, followed through nested Pipelines, TransformedTargetRegressors and
    FrozenEstimators, if each can tell; else ``x0, x1, ...``."""
    network = final_step(model)
    names = getattr(network, "feature_names_in_", None)
    if names is not None:
        return np.asarray(names, dtype=str)
    names = None  # the names entering the current step; None: the step's own
    while model is not network:
        if isinstance(model, Pipeline):
            if len(model) > 1:
                try:
                    names = model[:-1].get_feature_names_out(names)
                except (AttributeError, ValueError, TypeError):
                    names = None  # a transformer without get_feature_names_out
                    break
            model = model[-1]
        elif isinstance(model, TransformedTargetRegressor):
            model = getattr(model, "regressor_", model.regressor)
        elif isinstance(model, FrozenEstimator):
            model = model.estimator
        else:
            break
    else:
        # ("passthrough" steps alone give None.)
        if names is not None and np.ndim(names) == 1 and len(names) == network.n_features_in_:
            return np.asarray(names, dtype=str)
    return np.array([f"x{i}" for i in range(network.n_features_in_)])
