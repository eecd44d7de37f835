"""The compiled epoch loop and its cache of traced trainers."""

import keras
import numpy as np
import pytest

from l1l2_estimator import L1L2Classifier
from l1l2_estimator import _stopping, _trainer_cache, _training

from .conftest import FAST

EXACT = dict(FAST, epochs=4, tol=0, n_iter_no_change=4)


def test_cached_trainer_gives_the_same_fit_as_a_fresh_one(binary_data):
    X, y = binary_data
    _trainer_cache.trainers.clear()
    fresh = L1L2Classifier(**EXACT).fit(X, y)
    assert len(_trainer_cache.trainers) == 1
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
    for units in range(1, _trainer_cache.MAX_CACHED_TRAINERS + 4):
        L1L2Classifier(**{**FAST, "hidden_layer_sizes": (units,), "epochs": 1}).fit(X, y)
    assert len(_trainer_cache.trainers) == _trainer_cache.MAX_CACHED_TRAINERS


def test_key_separates_what_the_graph_depends_on(binary_data):
    X, y = binary_data
    base = L1L2Classifier(**{**FAST, "epochs": 1}).fit(X, y).model_
    key = _trainer_cache.trainer_key(base, 32)
    assert _trainer_cache.trainer_key(base, 16) != key
    assert _trainer_cache.trainer_key(base, 32, proximal=True) != key
    for change, same in [
        ({"l1": 0.5, "l2": 0.0, "learning_rate": 0.1}, True),
        ({"hidden_layer_sizes": (7,)}, False),
        ({"activation": "tanh"}, False),
        ({"optimizer": "sgd"}, False),
    ]:
        model = L1L2Classifier(**{**FAST, "epochs": 1, **change}).fit(X, y).model_
        assert (_trainer_cache.trainer_key(model, 32) == key) is same, change


def test_one_trace_serves_a_grid_over_penalties(binary_data):
    """Penalties live in trainer variables: the cached trainer reproduces fresh fits exactly."""
    X, y = binary_data
    grid = [(0.0, 0.0), (1e-2, 0.0), (0.0, 1e-2), (1e-3, 1e-3)]
    _trainer_cache.trainers.clear()
    fits = [L1L2Classifier(**EXACT, l1=l1, l2=l2).fit(X, y) for l1, l2 in grid]
    assert len(_trainer_cache.trainers) == 1
    for (l1, l2), fitted in zip(grid, fits):
        _trainer_cache.trainers.clear()
        fresh = L1L2Classifier(**EXACT, l1=l1, l2=l2).fit(X, y)
        np.testing.assert_allclose(fitted.predict_proba(X), fresh.predict_proba(X), rtol=1e-6)


def test_trainer_penalty_equals_the_models_l1l2(fitted_binary):
    model = fitted_binary.model_
    trainer = _trainer_cache.build_trainer(model, 32, False, _training._epoch_function)
    trainer.load_state(model)
    assert float(sum(trainer.model.losses)) == pytest.approx(float(sum(model.losses)), rel=1e-6)
    for layer in model.layers:  # the estimator's own network keeps Keras' L1L2 with floats
        assert type(layer.kernel_regularizer) is keras.regularizers.L1L2


def test_stopping_rule_matches_mlp():
    rule = _stopping.StoppingRule(tol=0.1, n_iter_no_change=2)
    decisions = [rule.update(loss, None) for loss in [1.0, 0.5, 0.45, 0.44, 0.43]]
    assert decisions == [False, False, False, False, True]
    assert rule.best_loss == 0.43
