"""The searches' central promise, fuzzed: with an int ``random_state``, ``L1L2ClassifierCV`` and
``L1L2RegressorCV`` give the scores, best pair and refitted network of ``GridSearchCV`` over
separate fits, bit for bit, whatever the supported settings (README, *Cross-validated
penalties*); and a setting that fails, fails on both sides.

Hypothesis draws the settings deterministically (``derandomize=True``), a few per run to keep the
suite short; ``L1L2_FUZZ_EXAMPLES=500 python -m pytest tests/test_cv_fuzz.py -n 0`` tries more.
"""

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sklearn.model_selection import GridSearchCV, KFold, ShuffleSplit, StratifiedKFold

from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV, L1L2Regressor, L1L2RegressorCV

EXAMPLES = int(os.environ.get("L1L2_FUZZ_EXAMPLES", "10"))

TARGETS = {
    "classifier": ["binary", "binary strings", "multiclass", "multilabel"],
    "regressor": ["one output", "two outputs", "poisson"],
}
SCORINGS = {
    "binary": [None, "neg_log_loss", "roc_auc", ["accuracy", "balanced_accuracy"]],
    "binary strings": [None, "neg_log_loss", "balanced_accuracy"],
    "multiclass": [None, "f1_macro", "neg_log_loss"],
    "multilabel": [None, "f1_samples", "jaccard_samples"],
    "one output": [None, "neg_mean_absolute_error", ["r2", "neg_mean_squared_error"]],
    "two outputs": [None, "neg_mean_squared_error"],
    "poisson": [None, "neg_mean_poisson_deviance"],
}
OPTIMIZERS = [
    {"optimizer": "adam"},
    {"optimizer": "adam", "optimizer__amsgrad": True},
    {"optimizer": "sgd", "optimizer__momentum": 0.9, "optimizer__nesterov": True},
    {"optimizer": "rmsprop", "optimizer__centered": True},
    {"optimizer": "adagrad"},
    {"optimizer": "nadam"},
    {"optimizer": "adamax", "optimizer__clipvalue": 0.5},
]
PENALTIES = st.lists(st.sampled_from([0.0, 1e-4, 1e-3, 1e-2, 1e-1]), min_size=1, max_size=2)


@st.composite
def searches(draw):
    """A search's settings and data: ``(kind, target, params, cv, X, y, sample_weight)``."""
    kind = draw(st.sampled_from(sorted(TARGETS)))
    target = draw(st.sampled_from(TARGETS[kind]))
    n_rows, n_features = draw(st.integers(24, 80)), draw(st.integers(2, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.normal(size=(n_rows, n_features))
    signal = X @ rng.normal(size=(n_features, 3)) + 0.5 * rng.normal(size=(n_rows, 3))
    y = {
        "binary": lambda: (signal[:, 0] > 0).astype(int),
        "binary strings": lambda: np.where(signal[:, 0] > 0, "yes", "no"),
        "multiclass": lambda: signal.argmax(axis=1),
        "multilabel": lambda: (signal > 0.3).astype(int),
        "one output": lambda: signal[:, 0] / signal[:, 0].std(),
        "two outputs": lambda: signal[:, :2] / signal[:, :2].std(axis=0),
        "poisson": lambda: rng.poisson(np.exp(0.3 * signal[:, 0] / signal[:, 0].std())) * 1.0,
    }[target]()
    X = draw(
        st.sampled_from(
            [
                lambda X: X,
                lambda X: X.astype(np.float32),
                lambda X: pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]),
            ]
        )
    )(X)
    sample_weight = None
    if draw(st.booleans()):
        sample_weight = rng.uniform(0.2, 3.0, n_rows)
        sample_weight[rng.random(n_rows) < 0.1] = 0.0
    params = {
        "hidden_layer_sizes": draw(st.sampled_from([(), (5,), (4, 3), [(3,), (4, 2)]])),
        "l1s": draw(PENALTIES),
        "l2s": draw(PENALTIES),
        "activation": draw(st.sampled_from(["relu", "tanh", "logistic", "gelu", "identity"])),
        **draw(st.sampled_from(OPTIMIZERS)),
        "learning_rate": draw(st.sampled_from([3e-3, 1e-2, 5e-2])),
        "epochs": draw(st.integers(1, 12)),
        "batch_size": draw(st.sampled_from(["auto", 7, 16])),
        "shuffle": draw(st.booleans()),
        "tol": draw(st.sampled_from([0.0, 1e-4, 1e-2])),
        "n_iter_no_change": draw(st.integers(1, 4)),
        "proximal_l1": draw(st.booleans()),
        "scoring": draw(st.sampled_from(SCORINGS[target])),
        "random_state": draw(st.integers(0, 2**31 - 1)),
    }
    if isinstance(params["scoring"], list):
        params["refit"] = params["scoring"][0]
    if kind == "classifier" and target != "multilabel":
        params["class_weight"] = draw(st.sampled_from([None, "balanced"]))
    if target == "poisson":
        params["loss"] = "poisson"
    folds = draw(st.integers(2, 3))
    stratified = StratifiedKFold(folds, shuffle=True, random_state=0)
    cv = draw(
        st.sampled_from(
            [
                folds,
                KFold(folds, shuffle=True, random_state=1),
                ShuffleSplit(folds, test_size=0.3, random_state=2),
                stratified if kind == "classifier" and target != "multilabel" else KFold(folds),
            ]
        )
    )
    return kind, target, params, cv, X, y, sample_weight


def grid_search_of(kind, params, cv):
    """``GridSearchCV`` over single fits, with the search's own grid, folds and scoring."""
    single = dict(params)
    grid = {"l1": single.pop("l1s"), "l2": single.pop("l2s")}
    scoring, refit = single.pop("scoring"), single.pop("refit", True)
    if isinstance(single["hidden_layer_sizes"], list):
        grid = {"hidden_layer_sizes": single.pop("hidden_layer_sizes"), **grid}
    estimator = (L1L2Classifier if kind == "classifier" else L1L2Regressor)(**single)
    return GridSearchCV(estimator, grid, cv=cv, scoring=scoring, refit=refit)


def fitted_or_error(search, X, y, sample_weight):
    try:
        return search.fit(X, y, sample_weight=sample_weight), None
    except (ValueError, TypeError) as error:
        return None, error


@pytest.mark.filterwarnings("ignore")  # ours warns once per search, GridSearchCV once per fit
# Drawn, not shrunk: an example takes seconds, and shrinking one that fails would take minutes.
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(searches())
def test_a_search_equals_grid_search_over_single_fits(drawn):
    kind, target, params, cv, X, y, sample_weight = drawn
    ours = (L1L2ClassifierCV if kind == "classifier" else L1L2RegressorCV)(cv=cv, **params)
    ours, our_error = fitted_or_error(ours, X, y, sample_weight)
    theirs, their_error = fitted_or_error(grid_search_of(kind, params, cv), X, y, sample_weight)
    # A setting that fails (every fit diverged, say) fails on both sides.
    assert (our_error is None) == (their_error is None), (our_error, their_error)
    if our_error is not None:
        event(f"failed on both sides: {type(our_error).__name__}")
        return
    event("compared")
    results, expected = ours.cv_results_, theirs.cv_results_
    assert results["params"] == expected["params"]
    scores = [
        key
        for key in expected
        if key.startswith(("split", "mean_t", "std_t", "rank_")) and "_time" not in key
    ]
    assert any(key.startswith("mean_test_") for key in scores)
    for key in scores:
        np.testing.assert_array_equal(results[key], expected[key], err_msg=key)
    assert (ours.best_index_, ours.best_params_) == (theirs.best_index_, theirs.best_params_)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    if kind == "classifier":
        np.testing.assert_array_equal(ours.predict_proba(X), theirs.predict_proba(X))
