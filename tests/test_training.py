"""The compiled training loop and its cache of traced trainers."""

import concurrent.futures
import signal
import subprocess
import sys
import threading
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from l1l2_estimator import L1L2Classifier, L1L2Regressor, _graph, _stopping, _trainer_cache
from l1l2_estimator._inputs import unit_mean

from .conftest import FAST

EXACT = dict(FAST, epochs=4, tol=0, n_iter_no_change=4)


def _only_trainer():
    (trainer,) = _trainer_cache.trainers.idle()
    return trainer


def test_cached_trainer_gives_the_same_fit_as_a_fresh_one(binary_data):
    X, y = binary_data
    _trainer_cache.trainers.clear()
    fresh = L1L2Classifier(**EXACT).fit(X, y)
    assert len(_trainer_cache.trainers) == 1
    cached = L1L2Classifier(**EXACT).fit(X, y)
    np.testing.assert_array_equal(cached.predict_proba(X), fresh.predict_proba(X))


def test_split_warm_start_equals_one_fit(binary_data):
    """Weights, optimizer moments and the shuffling sequence all carry over between fits."""
    X, y = binary_data
    straight = L1L2Classifier(**EXACT).fit(X, y)
    split = L1L2Classifier(**{**EXACT, "epochs": 2, "n_iter_no_change": 2}, warm_start=True)
    split.fit(X, y).fit(X, y)
    assert split.n_iter_ == straight.n_iter_ == 4
    np.testing.assert_allclose(split.loss_curve_, straight.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(split.predict_proba(X), straight.predict_proba(X), rtol=1e-6)


@pytest.mark.parametrize("path", ["one call", "epoch by epoch"])
def test_warm_fits_carry_the_stopping_rule_as_mlp_classifier_does(binary_data, path):
    """Each warm fit had started the tol rule afresh: fits of 3 epochs with n_iter_no_change=3
    could never stop, and warned every time. MLPClassifier keeps its best loss and count between
    warm fits; so do we now, within one training: the fits stop at the epoch one long fit stops
    at, with its network. A warm fit after that starts the rule afresh (MLPClassifier's would
    train one epoch and stop, also on new data or under other penalties)."""
    X, y = binary_data
    settings = dict(FAST, hidden_layer_sizes=(8,), learning_rate=0.05, tol=2e-2,
                    n_iter_no_change=3)
    if path == "epoch by epoch":
        settings["callbacks"] = [keras.callbacks.History()]
    one = L1L2Classifier(**{**settings, "epochs": 60}).fit(X, y)
    assert one.n_iter_ < 60  # stopped by the rule
    warm = L1L2Classifier(**{**settings, "epochs": 3}, warm_start=True)
    for _ in range(20):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warm.fit(X, y)
        if not caught:  # no ConvergenceWarning: stopped by the rule
            break
    else:
        pytest.fail("20 warm fits of 3 epochs never stopped by the rule")
    assert warm.n_iter_ == one.n_iter_
    np.testing.assert_array_equal(warm.loss_curve_, one.loss_curve_)
    np.testing.assert_array_equal(warm.predict_proba(X), one.predict_proba(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm.fit(X, y)
    assert warm.n_iter_ == one.n_iter_ + 3  # a fresh rule cannot stop within 3 epochs


def test_the_rule_is_not_carried_to_other_penalties(binary_data):
    """A loss under other penalties cannot be compared with the fitted one: a warm fit after
    set_params(l1=...) starts the rule afresh (a step along a path had stopped at once)."""
    X, y = binary_data
    warm = L1L2Classifier(**{**FAST, "epochs": 3}, tol=2e-2, n_iter_no_change=3, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm.fit(X, y)
    assert warm._carried_rule(warm.loss_curve_, 0) is not None  # the same training goes on
    warm.set_params(l1=1e-2)
    assert warm._carried_rule(warm.loss_curve_, 0) is None
    warm.set_params(l1=1e-5, l2=1e-2)  # l1 back to the default, l2 another
    assert warm._carried_rule(warm.loss_curve_, 0) is None


def test_a_fit_records_the_penalties_it_trained_with_whatever_set_params_does_meanwhile(
    binary_data,
):
    """set_params(l1=...) during a fit (from a callback here; another thread alike) applies to
    the next fit. The fit had recorded the new l1 as the one it trained with: model_'s
    regularizers, dump's penalties and the warm start's rule (carried on under the new l1, so
    the next warm fit stopped at once) all followed it."""
    X, y = binary_data

    class SetL1(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                changed.set_params(l1=5e-2, epochs=7)

    settings = {**FAST, "epochs": 4, "tol": 1e-4, "n_iter_no_change": 3, "warm_start": True}
    changed = L1L2Classifier(**settings, callbacks=[SetL1()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        changed.fit(X, y)
    control = L1L2Classifier(**settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        control.fit(X, y)
    np.testing.assert_array_equal(changed.loss_curve_, control.loss_curve_)
    assert changed.n_iter_ == 4 and "number of epochs (4) was reached" in str(caught[-1].message)
    defaults = L1L2Classifier()
    assert changed._penalties == control._penalties == (defaults.l1, defaults.l2)
    assert changed.model_.layers[0].kernel_regularizer.l1 == pytest.approx(control._penalties[0])
    # The warm fit under the new l1 starts a fresh rule, as the control's does.
    control.set_params(l1=5e-2, epochs=7)
    assert changed._carried_rule(changed.loss_curve_, 0) is None
    assert control._carried_rule(control.loss_curve_, 0) is None


def test_best_loss_is_the_current_rules_best(binary_data):
    """After a warm fit under a larger l1, best_loss_ had stayed the lowest loss under the old
    penalty, which the new rule cannot compare with (nor reach)."""
    X, y = binary_data
    warm = L1L2Classifier(**{**FAST, "epochs": 5}, l1=0.0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm.fit(X, y)
        assert warm.best_loss_ == min(warm.loss_curve_)
        warm.set_params(l1=1e-1).fit(X, y)
        assert warm.best_loss_ == min(warm.loss_curve_[5:]) > min(warm.loss_curve_)
        warm.partial_fit(X, y)  # one training goes on: its epoch counts in the rule
        assert warm.best_loss_ == min(warm.loss_curve_[5:])
        warm.set_params(l1=0.0).partial_fit(X, y)  # a new rule, of one epoch
        assert warm.best_loss_ == warm.loss_curve_[-1]
    # Pickled before the rule's start was kept: the rule started at the first epoch.
    del vars(warm)["_rule_start"]
    assert warm.best_loss_ == min(warm.loss_curve_)


def test_a_warm_fit_of_an_estimator_pickled_without_its_penalties_continues(binary_data):
    """An estimator pickled by an earlier version has no record of the penalties its weights
    were fitted under: its network is built under its params, and a warm fit had failed
    ("'NoneType' object is not iterable") where it asked whether they had changed."""
    X, y = binary_data
    warm = L1L2Classifier(**{**FAST, "epochs": 3}, warm_start=True, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(X, y)
        del vars(warm)["_penalties"]
        assert warm.model_.layers[0].kernel_regularizer.l1 == pytest.approx(warm.l1)
        warm.fit(X, y)
        warm.set_params(early_stopping=False).partial_fit(X, y)
    assert len(warm.loss_curve_) == 7


def test_a_fit_trains_on_the_float32_rows_it_is_given_without_copying_them(binary_data,
                                                                          monkeypatch):
    """Rows of weight 0 are dropped before training; where none is, the rows had been copied
    all the same (a boolean mask copies): a quarter of a large fit's memory, for nothing."""
    from l1l2_estimator import _base

    X, y = binary_data
    X = np.ascontiguousarray(X, dtype=np.float32)
    trained_on = []
    real_train = _base.train
    monkeypatch.setattr(_base, "train", lambda spec, config, weights, state, rows, *args, **kw: (
        trained_on.append(rows), real_train(spec, config, weights, state, rows, *args, **kw))[1])
    estimator = L1L2Classifier(**FAST)
    estimator.fit(X, y)
    estimator.fit(X, y, sample_weight=np.ones(len(y)))
    estimator.partial_fit(X, y)
    assert [np.shares_memory(rows, X) for rows in trained_on] == [True, True, True]
    estimator.fit(X, y, sample_weight=np.r_[0.0, np.ones(len(y) - 1)])  # a row dropped
    assert len(trained_on[-1]) == len(y) - 1


@pytest.mark.parametrize("between", ["nothing", "partial_fit"])
def test_a_warm_fit_after_early_stopping_starts_the_loss_rule_afresh(between):
    """An early_stopping training runs no loss rule; a warm fit without it had replayed the
    rule over its losses (on the rows left after the hold-out, of epochs whose weights were
    set back), compared its own with their best and stopped after n_iter_no_change + 1 epochs
    while its loss still fell by 30 tol an epoch, reporting their best as best_loss_ (review)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=300, n_features=10, flip_y=0.3, random_state=0)
    clf = L1L2Classifier(hidden_layer_sizes=(8,), epochs=200, learning_rate=0.02,
                         random_state=0, warm_start=True, early_stopping=True,
                         validation_fraction=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        held_out = len(clf.loss_curve_)
        clf.set_params(early_stopping=False, epochs=30)
        if between == "partial_fit":  # its epoch counts in the rule that starts after them
            clf.partial_fit(X, y)
        before = len(clf.loss_curve_)
        clf.fit(X, y)
    assert len(clf.loss_curve_) - before == 30  # the loss still falling: no stop
    # The rule's best: of the epochs since the early_stopping training.
    assert clf.best_loss_ == min(clf.loss_curve_[held_out:])


def _warm_fits_until_stopped(estimator, X, y, most=60):
    """Warm fits of ``estimator`` until one ends without a ConvergenceWarning (stopped by the
    rule); fails after ``most``."""
    for _ in range(most):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(X, y)
        if not caught:
            return estimator
    pytest.fail(f"{most} warm fits of {estimator.epochs} epochs never stopped by the rule")


@pytest.mark.parametrize("change", ["none", "penalty"])
def test_the_rule_carries_over_fits_of_every_later_training(binary_data, change):
    """The rule was replayed over the whole loss curve: once a training had stopped (or after
    set_params(l1=...), over the losses under the old penalty), every later training in fits of
    a few epochs never stopped (or stopped at once), where one long warm fit stops."""
    X, y = binary_data
    settings = {**FAST, "hidden_layer_sizes": (8,), "learning_rate": 0.05, "tol": 2e-2,
                "n_iter_no_change": 2, "warm_start": True}
    del settings["epochs"]
    first = dict(epochs=60) if change == "none" else dict(epochs=5)
    later = dict(l1=1e-2) if change == "penalty" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = L1L2Classifier(**settings, **first).fit(X, y)
        one.set_params(**later, epochs=300).fit(X, y)  # the second training, one long fit
        chunks = L1L2Classifier(**settings, **first).fit(X, y)
    start = chunks.n_iter_
    chunks.set_params(**later, epochs=2)
    _warm_fits_until_stopped(chunks, X, y)
    assert chunks.n_iter_ == one.n_iter_ > start + 2
    np.testing.assert_array_equal(chunks.loss_curve_, one.loss_curve_)
    np.testing.assert_array_equal(chunks.predict_proba(X), one.predict_proba(X))


def test_partial_fit_under_new_penalties_starts_a_new_rule(binary_data):
    """partial_fit under other penalties records them as the fitted ones without restarting the
    rule: the next warm fit compared its losses with the best under the old penalty and
    stopped at once, where the same step made by a warm fit trains on."""
    X, y = binary_data
    settings = dict(hidden_layer_sizes=(8,), random_state=0, tol=1e-4, n_iter_no_change=5,
                    warm_start=True)
    trained = []
    for step in ("partial_fit", "fit"):
        estimator = L1L2Classifier(**settings, l2=0.0, epochs=30)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.fit(X, y)
            if step == "partial_fit":
                estimator.set_params(l2=0.1).partial_fit(X, y)
            else:
                estimator.set_params(l2=0.1, epochs=1).fit(X, y)
            estimator.set_params(epochs=40).fit(X, y)
        trained.append(estimator.n_iter_ - 31)
    assert trained[0] > 5 and trained[0] == trained[1]


def test_the_rule_start_survives_dump_and_load(binary_data, tmp_path):
    """A loaded file continues the current training's rule as the estimator would have."""
    from l1l2_estimator import dump, load

    X, y = binary_data
    settings = {**FAST, "hidden_layer_sizes": (8,), "learning_rate": 0.05, "tol": 2e-2,
                "n_iter_no_change": 2, "warm_start": True}
    del settings["epochs"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = L1L2Classifier(**settings, epochs=60).fit(X, y)
        fitted.set_params(epochs=2).fit(X, y)  # a second training, restarted after the stop
    dump(fitted, tmp_path / "model.l1l2")
    loaded = load(tmp_path / "model.l1l2")
    assert loaded._get_fitted_state()["rule_start"] == fitted._get_fitted_state()["rule_start"] > 0
    for estimator in (fitted, loaded):
        _warm_fits_until_stopped(estimator, X, y)
    np.testing.assert_array_equal(loaded.loss_curve_, fitted.loss_curve_)


def test_warm_fits_carry_the_held_out_rule_as_mlp_classifier_does(binary_data):
    """With early_stopping, each warm fit started the held-out rule afresh: fits of at most
    n_iter_no_change epochs never stopped and warned every time. MLPClassifier carries its best
    validation score and count between warm fits; so do we now, within one training, with the
    scores of the whole training in validation_scores_."""
    X, y = binary_data
    chunks = L1L2Classifier(hidden_layer_sizes=(8,), epochs=2, random_state=0, learning_rate=0.01,
                            early_stopping=True, n_iter_no_change=2, warm_start=True)
    _warm_fits_until_stopped(chunks, X, y, most=40)
    assert len(chunks.validation_scores_) == chunks.n_iter_ > 4  # one training, every epoch
    assert chunks.best_validation_score_ == max(chunks.validation_scores_)
    stopped_at = chunks.n_iter_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chunks.fit(X, y)  # after the stop, a fresh rule: this fit's scores alone
    assert chunks.n_iter_ == stopped_at + 2 and len(chunks.validation_scores_) == 2


@pytest.mark.parametrize("between", ["partial_fit", "penalty"])
def test_the_held_out_rule_starts_afresh_after_partial_fit_or_new_penalties(binary_data, between):
    """partial_fit moves the weights off the best ones the rule would restore, and a step to
    other penalties goes on as for the loss rule: the next warm fit starts the rule afresh."""
    X, y = binary_data
    estimator = L1L2Classifier(hidden_layer_sizes=(8,), epochs=2, random_state=0,
                               early_stopping=True, n_iter_no_change=5, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(X, y)
        if between == "partial_fit":  # (which refuses early_stopping, as MLPClassifier's)
            estimator.set_params(early_stopping=False).partial_fit(X, y)
            estimator.set_params(early_stopping=True)
        else:
            estimator.set_params(l1=1e-3)
        estimator.fit(X, y)
    assert len(estimator.validation_scores_) == 2
    assert estimator._get_fitted_state()["validation_start"] == estimator.n_iter_ - 2


def test_the_largest_epochs_cap_costs_only_the_epochs_trained(binary_data):
    """The graph reserved room for every allowed epoch's loss up front: epochs=2**31 - 1 (the
    command line's limit too) aborted the process in TensorFlow (std::bad_alloc), and 1e8 took
    9.5 GB, for a fit the rule stopped after a few hundred epochs."""
    from l1l2_estimator import L1L2ClassifierCV

    X, y = binary_data
    settings = dict(hidden_layer_sizes=(4,), epochs=2**31 - 1, random_state=0, tol=1e-2)
    assert L1L2Classifier(**settings).fit(X, y).n_iter_ < 1000
    search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=2, **settings).fit(X, y)
    assert search.cv_results_["mean_n_iter"].max() < 1000


def test_the_replayed_rule_stops_where_the_graph_stopped(binary_data):
    """The rule's state replayed in float32 from a loss curve says "stop" exactly at the epoch
    the graph stopped, and not before."""
    X, y = binary_data
    for tol in (0.0, 1e-3, 2e-2):
        fitted = L1L2Classifier(**dict(FAST, epochs=40, tol=tol, n_iter_no_change=2)).fit(X, y)
        curve = fitted.loss_curve_
        assert _stopping.loss_rule_state(curve, tol)[0] == min(curve)
        stops = [_stopping.loss_rule_state(curve[:end], tol)[1] > 2 for end in range(1, 41)]
        assert stops[: len(curve) - 1] == [False] * (len(curve) - 1)
        assert stops[len(curve) - 1] == (fitted.n_iter_ < 40)


@pytest.mark.parametrize("scale", [1.0, 100.0])
def test_an_unchanged_loss_is_no_improvement_also_where_float32_cannot_subtract_tol(scale):
    """Above a loss of 2048, best - tol rounds to best in float32: an unchanged loss had counted
    as an improvement, and training ran every epoch (the search's members too), where
    MLPClassifier's float64 rule stops."""
    from l1l2_estimator import L1L2RegressorCV

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2)).astype(np.float32)
    y = scale * rng.normal(size=100)
    # A rate that moves no weight: the same loss every epoch.
    settings = dict(hidden_layer_sizes=(), epochs=50, n_iter_no_change=5, tol=1e-4,
                    learning_rate=1e-30, l1=0.0, l2=0.0, batch_size=100, shuffle=False,
                    random_state=0)
    fitted = L1L2Regressor(**settings).fit(X, y)
    assert len(set(fitted.loss_curve_)) == 1 and (fitted.loss_curve_[0] > 2048) == (scale > 1)
    assert fitted.n_iter_ == 7  # the first epoch, then 6 without an improvement
    search_settings = {k: v for k, v in settings.items() if k not in ("l1", "l2")}
    search = L1L2RegressorCV(**search_settings, l1s=[0.0], l2s=[0.0], cv=2).fit(X, y)
    assert search.cv_results_["mean_n_iter"].tolist() == [7.0]
    assert _stopping.loss_rule_state([fitted.loss_curve_[0]] * 20, 1e-4)[1] == 19
    # With tol = 0, as in MLPClassifier, an equal loss is not worse: it counts as one.
    assert _stopping.loss_rule_state([fitted.loss_curve_[0]] * 20, 0.0)[1] == 0


def test_epoch_by_epoch_path_equals_one_call(binary_data):
    """Callbacks make train call the graph once per epoch; the arithmetic is the same."""
    X, y = binary_data
    whole = L1L2Classifier(**EXACT).fit(X, y)
    stepped = L1L2Classifier(**EXACT, callbacks=[keras.callbacks.History()]).fit(X, y)
    np.testing.assert_array_equal(stepped.loss_curve_, whole.loss_curve_)
    np.testing.assert_array_equal(stepped.predict_proba(X), whole.predict_proba(X))
    # The optimizer's state too (one call returns it with the weights; the epochs read it).
    states = [e._get_fitted_state()["optimizer_state"] for e in (whole, stepped)]
    assert len(states[0]) == len(states[1]) > 2
    for mine, theirs in zip(*states, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_fit_leaves_the_optimizer_state_of_its_last_step(binary_data):
    """The state a fit keeps (for warm starts and ``dump``) is the trainer's after the fit, step
    count included."""
    X, y = binary_data
    _trainer_cache.trainers.clear()
    clf = L1L2Classifier(**EXACT).fit(X, y)
    state = clf._get_fitted_state()["optimizer_state"]
    steps = -(-len(X) // EXACT["batch_size"]) * clf.n_iter_
    counts = [int(v) for v in state if np.ndim(v) == 0 and np.issubdtype(v.dtype, np.integer)]
    assert steps in counts
    for kept, now in zip(state, _only_trainer().read(), strict=True):
        np.testing.assert_array_equal(kept, now.numpy())


def test_a_fit_in_one_call_does_not_trace_the_read_function(binary_data):
    X, y = binary_data
    _trainer_cache.trainers.clear()
    L1L2Classifier(**EXACT).fit(X, y)
    trainer = _only_trainer()
    assert trainer._read is None
    L1L2Classifier(**EXACT, callbacks=[keras.callbacks.History()]).fit(X, y)
    assert _only_trainer() is trainer and trainer._read is not None


def test_cache_is_bounded(binary_data):
    X, y = binary_data
    for units in range(1, _trainer_cache.MAX_CACHED_TRAINERS + 4):
        L1L2Classifier(**{**FAST, "hidden_layer_sizes": (units,), "epochs": 1}).fit(X, y)
    assert len(_trainer_cache.trainers) == _trainer_cache.MAX_CACHED_TRAINERS


def test_cache_keeps_every_idle_trainer_of_a_key():
    """Concurrent fits of one structure each check out a trainer of their own; all are kept
    for the next such fits (one per key had dropped the others: every threaded search traced
    again), within the cache's bound, least recently used out first."""
    cache = _trainer_cache.TrainerCache(3)
    cache.checkin("a", "a1")
    cache.checkin("a", "a2")
    cache.checkin("b", "b1")
    assert len(cache) == 3
    cache.checkin("c", "c1")  # "a" was used least recently: its older trainer goes
    assert cache.idle() == ["a2", "b1", "c1"]
    assert [cache.checkout("a"), cache.checkout("a")] == ["a2", None]
    cache.checkin("b", "b2")
    assert [cache.checkout("b"), cache.checkout("b"), cache.checkout("b")] == ["b2", "b1", None]


def test_concurrent_fits_leave_their_trainers_for_the_next_ones(binary_data):
    X, y = binary_data
    _trainer_cache.trainers.clear()
    barrier = threading.Barrier(2)

    class Together(keras.callbacks.Callback):  # both fits hold a trainer at once
        def on_train_begin(self, logs=None):
            barrier.wait(timeout=60)

    def fit(_):
        return L1L2Classifier(**EXACT, callbacks=[Together()]).fit(X, y)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = list(pool.map(fit, range(2)))
    assert len(_trainer_cache.trainers) == 2
    traced = set(map(id, _trainer_cache.trainers.idle()))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        again = list(pool.map(fit, range(2)))
    assert set(map(id, _trainer_cache.trainers.idle())) == traced  # no new trace
    np.testing.assert_array_equal(again[0].coefs_[0], first[0].coefs_[0])


def _key(**changes):
    spec = _trainer_cache.NetworkSpec(
        layer_sizes=(8, 16, 1), activation="relu", output="sigmoid", loss="binary_crossentropy"
    )
    optimizer = keras.optimizers.serialize(keras.optimizers.Adam(learning_rate=0.01))
    optimizer_changes = changes.pop("optimizer", {})
    optimizer["config"].update(optimizer_changes)
    return _trainer_cache.trainer_key(spec.__class__(**{**vars(spec), **changes}), optimizer)


def test_key_separates_what_the_graph_depends_on():
    key = _key()
    assert _key(optimizer={"learning_rate": 0.5, "name": "other"}) == key  # graph inputs
    for change in [
        {"layer_sizes": (8, 7, 1)},
        {"activation": "tanh"},
        {"proximal": True},
        {"members": (2, 3)},
        {"optimizer": {"beta_1": 0.5}},
    ]:
        assert _key(**change) != key, change
    assert _key(members=(2, 3), chains=2) != _key(members=(2, 3))


def test_seeds_and_penalties_do_not_retrace(binary_data):
    """One trace serves fits with fresh seeds, other penalties, learning rates and batch sizes."""
    X, y = binary_data
    _trainer_cache.trainers.clear()
    L1L2Classifier(**{**EXACT, "random_state": None}).fit(X, y)
    traced = _only_trainer()  # a trainer traces its functions once, when it is built
    for l1, batch_size in [(0.0, 32), (1e-2, 50), (1e-3, "auto")]:
        L1L2Classifier(
            **{**EXACT, "random_state": None, "batch_size": batch_size, "learning_rate": 0.1}, l1=l1
        ).fit(X, y)
    assert _only_trainer() is traced


def test_one_trace_serves_a_grid_over_penalties(binary_data):
    """Penalties are graph inputs: the cached trainer reproduces fresh fits exactly."""
    X, y = binary_data
    grid = [(0.0, 0.0), (1e-2, 0.0), (0.0, 1e-2), (1e-3, 1e-3)]
    _trainer_cache.trainers.clear()
    fits = [L1L2Classifier(**EXACT, l1=l1, l2=l2).fit(X, y) for l1, l2 in grid]
    assert len(_trainer_cache.trainers) == 1
    for (l1, l2), fitted in zip(grid, fits):
        _trainer_cache.trainers.clear()
        fresh = L1L2Classifier(**EXACT, l1=l1, l2=l2).fit(X, y)
        np.testing.assert_allclose(fitted.predict_proba(X), fresh.predict_proba(X), rtol=1e-6)


def test_penalty_equals_keras_l1l2(fitted_binary):
    """The penalty in the training graph is what keras.regularizers.L1L2 adds to model_'s loss."""
    model = fitted_binary.model_
    kernels = [layer.kernel.value[None, None] for layer in model.layers]  # one member
    ours = _graph._penalty(kernels, 1e-5, 1e-4, proximal=False)[0, 0]
    assert float(ours) == pytest.approx(float(sum(model.losses)), rel=1e-6)
    for layer in model.layers:
        assert type(layer.kernel_regularizer) is keras.regularizers.L1L2


@pytest.mark.parametrize("n_classes", [3, 10, 40])
def test_softmax_loss_and_gradient_equal_keras(n_classes):
    """The softmax output's loss (written as separate operations, ``_softmax_cross_entropy``)
    equals Keras' sparse categorical cross-entropy from logits, value and gradient, also with
    the labels of each stream broadcast over its members, and with logits far from zero."""
    rng = np.random.default_rng(n_classes)
    logits = tf.constant(rng.normal(0, 30, (2, 3, 48, n_classes)), tf.float32)  # streams, members
    codes = rng.integers(0, n_classes, (2, 1, 48, 1)).astype(np.float32)  # one column per stream
    row_loss = _graph._ROW_LOSSES["sparse_categorical_crossentropy"]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        ours = row_loss(tf.constant(codes), logits)
        labels = tf.constant(np.broadcast_to(codes[..., 0], (2, 3, 48)).astype(np.int32))
        theirs = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
        weights = tf.constant(rng.uniform(0, 2, (2, 3, 48)), tf.float32)
        ours_total, theirs_total = (tf.reduce_sum(loss * weights) for loss in (ours, theirs))
    assert ours.shape == theirs.shape == (2, 3, 48)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        tape.gradient(ours_total, logits), tape.gradient(theirs_total, logits), atol=1e-6
    )


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_epoch_loss_equals_keras_evaluate(estimator, binary_data):
    """One epoch without shuffling, one batch: the reported loss is Keras' own loss (data term
    plus penalty) at the starting weights."""
    X, y = binary_data
    cls = L1L2Classifier if estimator == "classifier" else L1L2Regressor
    y = y if estimator == "classifier" else X[:, 0] + X[:, 1]
    params = dict(FAST, epochs=1, batch_size=len(X), shuffle=False, l1=1e-3, l2=1e-3)
    params["learning_rate"] = 1e-12  # the one step changes nothing
    start = cls(**params).fit(X, y)
    model = start.model_
    targets = np.asarray(y, dtype=np.float32).reshape(-1, 1)  # labels 0/1 are their own codes
    keras_loss = model.evaluate(X.astype(np.float32), targets, batch_size=len(X), verbose=0)
    assert start.loss_curve_[0] == pytest.approx(keras_loss, rel=1e-5)


@pytest.mark.parametrize(
    "estimator, optimizer, weighted",
    [
        ("classifier", "adam", False),
        ("classifier", "sgd", True),
        ("multiclass", "rmsprop", False),
        ("regressor", "sgd", False),
    ],
)
def test_a_training_step_equals_keras_train_on_batch(
    estimator, optimizer, weighted, binary_data, multiclass_data
):
    """A step of the compiled loop is Keras' own: after one epoch of one batch, ``model_`` (the
    same weights, the optimizer state included) trained by ``train_on_batch`` on the same batch
    ends where a second epoch of the estimator (``warm_start``) does. Under SGD the L1-L2 terms
    of the gradient (1e-5 of a weight per step here) are a hundred times the tolerance."""
    X, y = multiclass_data if estimator == "multiclass" else binary_data
    X = X.astype(np.float32)
    cls = L1L2Regressor if estimator == "regressor" else L1L2Classifier
    y = X[:, 0] + X[:, 1] if estimator == "regressor" else y
    sample_weight = np.linspace(0.5, 2.0, len(X)) if weighted else None
    fitted = cls(
        hidden_layer_sizes=(16,), epochs=1, batch_size=len(X), shuffle=False, l1=1e-3, l2=1e-3,
        learning_rate=0.01, optimizer=optimizer, warm_start=True, random_state=0,
    ).fit(X, y, sample_weight=sample_weight)
    model = fitted.model_
    assert int(model.optimizer.iterations) == 1
    start = model.get_weights()
    fitted.fit(X, y, sample_weight=sample_weight)
    # Labels 0, 1, 2 are their own codes; a regressor's target is its one output column.
    # The estimator scales the weights to a mean of 1 (unit_mean); Keras takes them as given.
    keras_weights = None if sample_weight is None else unit_mean(sample_weight.astype(np.float32))
    model.train_on_batch(X, np.asarray(y, np.float32).reshape(-1, 1), sample_weight=keras_weights)
    ours = [w for pair in zip(fitted.coefs_, fitted.intercepts_) for w in pair]
    for mine, keras_weight, before in zip(ours, model.get_weights(), start):
        assert np.abs(mine - before).max() > 1e-4  # the step moved every weight array
        np.testing.assert_allclose(mine, keras_weight, rtol=0, atol=1e-7)

def test_loss_scale_factor_changes_nothing_as_in_keras(binary_data):
    """Keras' train_step multiplies the loss by loss_scale_factor and its optimizer divides the
    gradients by it: the same steps (the loop took only the division, steps 1,000 times too
    small)."""
    X, y = binary_data
    params = dict(EXACT, optimizer="sgd", learning_rate=0.05)
    plain = L1L2Classifier(**params).fit(X, y)
    scaled = L1L2Classifier(**params, optimizer__loss_scale_factor=1000.0).fit(X, y)
    np.testing.assert_allclose(scaled.loss_curve_, plain.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(scaled.coefs_[0], plain.coefs_[0], rtol=0, atol=1e-5)


def test_amsgrad_proximal_step_uses_the_largest_second_moment():
    """Adam with AMSGrad divides by the running maximum of the second moment, which a large
    gradient followed by small ones leaves above the second moment itself."""
    variable = keras.Variable(np.zeros(3, "float32"))
    optimizer = keras.optimizers.Adam(learning_rate=0.1, amsgrad=True)
    optimizer.build([variable])
    for gradient in (10.0, 0.01, 0.01):
        optimizer.apply([tf.fill((3,), gradient)], [variable])
    (velocity_hat,) = optimizer._velocity_hats
    assert float(velocity_hat[0]) > float(optimizer._velocities[0][0])
    steps = float(optimizer.iterations)
    expected = 0.1 / (np.sqrt(float(velocity_hat[0]) / (1 - 0.999**steps)) + optimizer.epsilon)
    step = _graph._step_size(optimizer, variable, optimizer.learning_rate)
    np.testing.assert_allclose(step.numpy(), expected, rtol=1e-5)


def test_stopping_rule_matches_mlp():
    best, count = tf.constant([np.inf]), tf.constant([0])
    decisions = []
    for loss in [1.0, 0.5, 0.45, 0.44, 0.43]:
        best, count, stop = _stopping.loss_rule(tf.constant([loss]), best, count, 0.1, 2)
        decisions.append(bool(stop[0]))
    assert decisions == [False, False, False, False, True]
    assert float(best[0]) == pytest.approx(0.43)


def _soft_threshold(weights, threshold):
    return np.sign(weights) * np.maximum(np.abs(weights) - np.float32(threshold), 0)


@pytest.mark.parametrize("accumulation", [None, 2])
def test_proximal_step_follows_each_update_at_its_rate(binary_data, accumulation):
    """The proximal step soft-thresholds by the rate of the update it follows (a schedule's rate
    moves on with the step count inside apply) and, with gradient accumulation, follows only
    the calls of apply that update the weights (it had shrunk the weights on every batch, and
    under Adam, before its first update, divided 0 by 0: every fit 'diverged')."""
    X, y = binary_data
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    # One batch per epoch: with accumulation 2, epoch 2 makes the one update.
    params = dict(FAST, epochs=2 if accumulation else 1, tol=0, n_iter_no_change=2,
                  batch_size=len(X), optimizer="sgd", optimizer__learning_rate=schedule,
                  optimizer__gradient_accumulation_steps=accumulation, l2=1e-3)
    # Under the proximal step the L1 term adds nothing to the gradient: the update is the one
    # without L1, then every kernel entry shrinks by rate * l1, at the update's rate (Keras
    # evaluates a schedule at its count of apply calls, 1 at the update under accumulation 2).
    rate = np.float32(0.1 * 0.5 ** (1 if accumulation else 0))
    plain = L1L2Classifier(**params, l1=0.0).fit(X, y)
    proximal = L1L2Classifier(**params, l1=0.05, proximal_l1=True).fit(X, y)
    for ours, before in zip(proximal.coefs_, plain.coefs_):
        np.testing.assert_allclose(
            ours, _soft_threshold(before, rate * np.float32(0.05)), rtol=0, atol=1e-7
        )


def test_proximal_adam_with_gradient_accumulation_trains(binary_data):
    X, y = binary_data
    clf = L1L2Classifier(**FAST, proximal_l1=True, l1=1e-3,
                         optimizer__gradient_accumulation_steps=2).fit(X, y)
    assert clf.score(X, y) > 0.8


def test_n_iter_no_change_inf_never_stops_as_in_mlp(binary_data, tmp_path):
    """np.inf, as MLPClassifier takes it, turns the rule off (it had been refused): every epoch
    trains, as with the largest patience the graph holds, also under early_stopping, in the
    cross-validated search, and it survives dump and load."""
    from sklearn.neural_network import MLPClassifier

    from l1l2_estimator import L1L2ClassifierCV, dump, load

    X, y = binary_data
    params = dict(FAST, epochs=12, tol=10.0)  # no epoch improves by 10: the rule would stop
    never = L1L2Classifier(**params, n_iter_no_change=np.inf).fit(X, y)
    largest = L1L2Classifier(**params, n_iter_no_change=2**31 - 1).fit(X, y)
    assert never.n_iter_ == largest.n_iter_ == 12
    np.testing.assert_array_equal(never.coefs_[0], largest.coefs_[0])
    # Any float's inf (float16's had raised OverflowError: 2**31 - 1 is inf in float16, so the
    # graph's cap kept the inf).
    for inf in (np.float16(np.inf), np.float32(np.inf)):
        narrow = L1L2Classifier(**params, n_iter_no_change=inf).fit(X, y)
        np.testing.assert_array_equal(narrow.coefs_[0], never.coefs_[0])
    assert L1L2Classifier(**params, n_iter_no_change=3).fit(X, y).n_iter_ < 12
    mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=12, tol=10.0, n_iter_no_change=np.inf)
    assert mlp.fit(X, y).n_iter_ == 12
    early = L1L2Classifier(**params, n_iter_no_change=np.inf, early_stopping=True).fit(X, y)
    assert early.n_iter_ == 12
    search = L1L2ClassifierCV(**params, n_iter_no_change=np.inf, l1s=[0], l2s=[0, 1e-3], cv=2)
    np.testing.assert_array_equal(search.fit(X, y).cv_results_["mean_n_iter"], [12, 12])
    dump(never, tmp_path / "never.zip")
    assert load(tmp_path / "never.zip").n_iter_no_change == np.inf
    with pytest.raises(ValueError, match="n_iter_no_change"):
        L1L2Classifier(**params, n_iter_no_change=2.5).fit(X, y)


def test_fits_train_under_tensorflows_check_numerics(binary_data):
    """The loss rule started from an infinite best loss, and its best loss minus tol was an
    infinity in the graph: under tf.debugging.enable_check_numerics() every fit traced there
    failed ("Tensor had +Inf values"), and its trainer stayed cached after the checks were off.
    The rule now starts from a finite best loss and a count of -1."""
    from l1l2_estimator import L1L2ClassifierCV

    X, y = binary_data
    settings = dict(hidden_layer_sizes=(3,), epochs=15, random_state=0)

    def fits():
        return [
            L1L2Classifier(**settings).fit(X, y).predict_proba(X),
            L1L2Classifier(**settings, tol=1e39).fit(X, y).loss_curve_,
            L1L2Classifier(**settings).partial_fit(X, y).predict_proba(X),
            L1L2Regressor(**settings, early_stopping=True).fit(X, X[:, 0]).predict(X),
            L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=2, **settings).fit(X, y)
            .cv_results_["mean_test_score"],
        ]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = fits()
        _trainer_cache.trainers.clear()
        tf.debugging.enable_check_numerics()
        try:
            checked = fits()
        finally:
            tf.debugging.disable_check_numerics()
            _trainer_cache.trainers.clear()
    for got, want in zip(checked, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_ctrl_c_during_a_trace_lets_the_trace_finish_then_interrupts(monkeypatch):
    """A Ctrl-C that landed inside TensorFlow's tracing could leave its graph-building stacks
    broken ("Nesting violated for default stack of FuncGraph", then every later fit refused as
    if eager execution were off), or came out as another error (SystemError, pybind11's
    "MISMATCH of original and normalized active exception types"). In the main thread it is
    now held until the trace ends (a few tenths of a second), then raised as itself; the
    estimator keeps its fitted state and the next fit trains as in a fresh process."""
    import _thread
    import signal
    import time

    from l1l2_estimator import _training

    real = _training.compile_functions
    traced = []

    def interrupted(trainer):
        _thread.interrupt_main()  # Ctrl-C, as the main thread sees it
        time.sleep(0.05)  # where Python runs the handler
        functions = real(trainer)
        traced.append(True)
        return functions

    X = np.random.RandomState(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(3, 2), epochs=2, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    monkeypatch.setattr(_training, "compile_functions", interrupted)
    _trainer_cache.trainers.clear()  # (another test of the process may have traced the shape)
    # Python's own handler, as in an interactive process: a suite started in the background
    # (nohup, &) inherits SIGINT ignored, where Python installs none and interrupt_main does
    # nothing.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            clf.set_params(hidden_layer_sizes=(5, 3, 2)).fit(X, y)  # a new shape: it traces
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert traced == [True]  # the trace ran to its end
    assert tf.executing_eagerly()
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    monkeypatch.setattr(_training, "compile_functions", real)
    refit = clf.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(
        refit, L1L2Classifier(hidden_layer_sizes=(5, 3, 2), epochs=2, random_state=0)
        .fit(X, y).predict_proba(X),
    )


@pytest.mark.parametrize("kind", ["classifier", "sparse", "regressor"])
def test_a_fit_cut_into_many_calls_trains_as_one_call(binary_data, monkeypatch, kind):
    """A call of the training graph returns after ``RETURN_AFTER_SECONDS`` (so that Ctrl-C can
    stop a long fit) and the next goes on from its epoch and stopping rule. Cut after every
    epoch, a fit, and a warm fit after it, train as in one call, bit for bit, the stopping rule
    included."""
    import scipy.sparse

    X, y = binary_data
    estimator = L1L2Classifier(**{**FAST, "epochs": 300, "tol": 1e-3}, warm_start=True)
    if kind == "sparse":
        X = scipy.sparse.csr_matrix(np.where(np.abs(X) > 1, X, 0))
    elif kind == "regressor":
        estimator = L1L2Regressor(**{**FAST, "epochs": 300, "tol": 1e-3}, warm_start=True)
        y = X[:, 0] + X[:, 1] ** 2

    def two_fits():
        fitted = clone(estimator)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            first = fitted.fit(X, y).loss_curve_[:]
            fitted.fit(X, y)
        return first, fitted.loss_curve_, fitted.n_iter_, fitted.coefs_, fitted.intercepts_

    whole = two_fits()
    monkeypatch.setattr(_graph, "RETURN_AFTER_SECONDS", 0.0)
    cut = two_fits()
    assert 1 < len(whole[0]) < 300  # stopped by the rule
    assert cut[:3] == whole[:3]
    for got, want in zip(cut[3] + cut[4], whole[3] + whole[4], strict=True):
        np.testing.assert_array_equal(got, want)


_UNDER_OP_DETERMINISM = """
import warnings
warnings.simplefilter("ignore")
import numpy as np
from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV, L1L2Regressor, _graph
from l1l2_estimator.plots import regularization_path
import tensorflow as tf
rng = np.random.RandomState(0)
X = rng.normal(size=(120, 5))
y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
settings = dict(hidden_layer_sizes=(8,), epochs=40, random_state=0)

def results():
    yield L1L2Classifier(**settings).fit(X, y).predict_proba(X)
    yield L1L2Regressor(**settings).fit(X, X[:, 0]).predict(X)
    search = L1L2ClassifierCV(**settings, l1s=[0, 1e-3], l2s=[0], cv=2).fit(X, y)
    yield search.cv_results_["mean_test_score"]
    yield search.predict_proba(X)
    path = regularization_path(L1L2Classifier(**settings), X, y, X, y, [0, 1e-3])
    yield path.feature_importances
    yield path.test_scores

before = list(results())  # traced without op determinism: the cached trainers read the clock
tf.config.experimental.enable_op_determinism()
print(all(np.array_equal(a, b) for a, b in zip(results(), before, strict=True)))
_graph.RETURN_AFTER_SECONDS = 0.0  # a call per epoch
print(all(np.array_equal(a, b) for a, b in zip(results(), before, strict=True)))
"""


def test_fits_under_op_determinism_equal_those_without():
    """TensorFlow refuses its clock under op determinism (``tf.config.experimental.
    enable_op_determinism()``, which Keras' reproducibility advice pairs with
    ``set_random_seed``), and the training loop read it to return to Python now and then:
    every fit, search and path failed with TensorFlow's FailedPreconditionError "Timestamp
    cannot be called when determinism is enabled". Its trainers now count epochs instead, and
    train as the others do, bit for bit, also cut into a call per epoch. (In a child process:
    op determinism has no public switch back.)"""
    child = subprocess.run([sys.executable, "-c", _UNDER_OP_DETERMINISM], capture_output=True,
                           text=True, timeout=600)
    assert child.stdout.split() == ["True", "True"], child.stderr[-3000:]


_INTERRUPTED = """
import sys, warnings
warnings.simplefilter("ignore")
import numpy as np
from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV
import tensorflow as tf
if sys.argv[1:] == ["deterministic"]:
    tf.config.experimental.enable_op_determinism()
rng = np.random.RandomState(0)
X = rng.normal(size=(2000, 20)).astype(np.float32)
y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
short = dict(hidden_layer_sizes=(32,), epochs=2, n_iter_no_change=100000, random_state=0)
for estimator in [L1L2Classifier(**short),
                  L1L2ClassifierCV(**short, l1s=[0, 1e-4], l2s=[0], cv=2)]:
    estimator.fit(X, y)  # traced: the long fit below runs in compiled calls only
    before = estimator.predict_proba(X)
    print("training", flush=True)
    try:
        estimator.set_params(epochs=100000).fit(X, y)  # minutes
        print("finished", flush=True)
    except KeyboardInterrupt:
        print("interrupted", np.array_equal(estimator.predict_proba(X), before), flush=True)
"""


@pytest.mark.parametrize("determinism", [False, True])
def test_ctrl_c_stops_a_long_fit_or_search_and_keeps_the_fitted_state(determinism):
    """Python runs no signal handler while TensorFlow's C code runs a call, and a fit (or a
    search) had run all its epochs in one call: Ctrl-C took effect only when training ended
    (here after 100,000 epochs, minutes). The graph now returns every RETURN_AFTER_SECONDS and
    the next call goes on, so the interrupt lands within about that; the estimator keeps the
    state of its earlier fit, as after any failed fit. Under op determinism, where the graph
    cannot read the clock, the calls are asked for as many epochs as fit in that time."""
    child = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED, *(["deterministic"] if determinism else [])],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        # As from a terminal: a child started by a background job inherits SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines = []
    watchdog = threading.Timer(90, child.kill)  # a fit that Ctrl-C cannot stop ends here
    watchdog.start()
    try:
        for _ in ("fit", "search"):
            lines.append(child.stdout.readline())
            if lines[-1] != "training\n":
                break
            threading.Event().wait(1.0)  # into the long fit's compiled calls
            child.send_signal(signal.SIGINT)
            lines.append(child.stdout.readline())
        child.wait()
    finally:
        watchdog.cancel()
        child.kill()
        stderr = child.stderr.read()
    assert "".join(lines).split() == ["training", "interrupted", "True"] * 2, stderr[-2000:]
