"""The compiled epoch loop and its cache of traced trainers."""

import numpy as np

from l1l2_estimator import L1L2Classifier
from l1l2_estimator import _training

from .conftest import FAST

EXACT = dict(FAST, epochs=4, tol=0, n_iter_no_change=4)


def test_cached_trainer_gives_the_same_fit_as_a_fresh_one(binary_data):
    X, y = binary_data
    _training.trainers.clear()
    fresh = L1L2Classifier(**EXACT).fit(X, y)
    assert len(_training.trainers) == 1
    cached = L1L2Classifier(**EXACT).fit(X, y)
    np.testing.assert_array_equal(cached.predict_proba(X), fresh.predict_proba(X))
    assert cached.model_ is not fresh.model_


def test_split_warm_start_equals_one_fit(binary_data):
    """Weights, optimizer moments and the shuffling sequence all carry over between fits."""
    X, y = binary_data
    straight = L1L2Classifier(**EXACT).fit(X, y)
    split = L1L2Classifier(**{**EXACT, "epochs": 2, "n_iter_no_change": 2}, warm_start=True)
    split.fit(X, y).fit(X, y)
    assert split.n_iter_ == straight.n_iter_ == 4
    np.testing.assert_allclose(split.loss_curve_, straight.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(split.predict_proba(X), straight.predict_proba(X), rtol=1e-6)


def test_cache_is_bounded(binary_data):
    X, y = binary_data
    for units in range(1, _training.MAX_CACHED_TRAINERS + 4):
        L1L2Classifier(**{**FAST, "hidden_layer_sizes": (units,), "epochs": 1}).fit(X, y)
    assert len(_training.trainers) == _training.MAX_CACHED_TRAINERS


def test_key_separates_what_the_graph_depends_on(fitted_binary):
    model = fitted_binary.model_
    key = _training.trainer_key(model, 32)
    assert _training.trainer_key(model, 32) == key
    assert _training.trainer_key(model, 16) != key
    other = L1L2Classifier(**{**FAST, "l1": 0.5})
    other.fit(*_small(fitted_binary))
    assert _training.trainer_key(other.model_, 32) != key


def _small(fitted):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, fitted.n_features_in_))
    return X, (X[:, 0] > 0).astype(int)


def test_stopping_rule_matches_mlp():
    rule = _training.StoppingRule(tol=0.1, n_iter_no_change=2)
    decisions = [rule.update(loss) for loss in [1.0, 0.5, 0.45, 0.44, 0.43]]
    assert decisions == [False, False, False, False, True]
    assert rule.best_loss == 0.43
