"""L1L2ClassifierCV and L1L2RegressorCV: the batched grid search equals GridSearchCV over single
fits, member for member."""

import contextlib
import os
import pathlib
import pickle
import re
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.datasets import load_wine, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning, NotFittedError
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metadata_routing import get_routing_for_object

from l1l2_estimator import (
    L1L2Classifier,
    L1L2ClassifierCV,
    L1L2Regressor,
    L1L2RegressorCV,
    _base,
    _ensemble,
    _graph,
)
from l1l2_estimator._trainer_cache import trainers

# Small and quick, with the stopping rule active: members stop at different epochs.
NETWORK = dict(hidden_layer_sizes=(8,), learning_rate=0.02, epochs=300, random_state=0)
L1S, L2S = [0, 1e-3, 1e-2], [0, 1e-2]


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)  # 178 rows: folds of 142 and 143 rows, batch = fold
    return StandardScaler().fit_transform(X), y


def _grid_search(estimator, X, y, l1s, l2s, cv, return_train_score=False, **fit_params):
    search = GridSearchCV(
        estimator, {"l1": l1s, "l2": l2s}, cv=cv, refit=False,
        return_train_score=return_train_score,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return search.fit(X, y, **fit_params)


def _assert_same_results(ours, theirs):
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], atol=1e-6
    )
    # The same columns in the same order (ours adds mean_n_iter).
    assert [key for key in ours.cv_results_ if key != "mean_n_iter"] == list(theirs.cv_results_)
    for key in theirs.cv_results_:
        if key.endswith(("_test_score", "_train_score")) and not key.startswith("rank"):
            np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], atol=1e-6)
    assert ours.best_params_ == theirs.best_params_
    assert ours.cv_results_["params"] == theirs.cv_results_["params"]
    np.testing.assert_array_equal(
        ours.cv_results_["rank_test_score"], theirs.cv_results_["rank_test_score"]
    )


def test_classifier_equals_grid_search_with_weights(wine):
    """Class weights, sample weights (with zeros, dropped as a single fit drops them), L1 under
    Adam (whose path is sensitive to the last bit) and folds of two sizes."""
    X, y = wine
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    weights[::9] = 0
    params = dict(NETWORK, class_weight="balanced")
    # With the training scores (weighted as the held-out ones, as GridSearchCV weights them).
    ours = L1L2ClassifierCV(
        l1s=L1S, l2s=L2S, cv=5, refit=False, return_train_score=True, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y, sample_weight=weights)
    theirs = _grid_search(
        L1L2Classifier(**params), X, y, L1S, L2S, 5, return_train_score=True,
        sample_weight=weights,
    )
    _assert_same_results(ours, theirs)
    assert "mean_train_score" in ours.cv_results_
    assert len(set(ours.cv_results_["mean_n_iter"])) > 1  # the stopping rule stopped them


@pytest.mark.parametrize(
    "settings",
    [
        {"proximal_l1": True},
        {"activation": "tanh", "optimizer": "rmsprop"},
        {"activation": "gelu", "hidden_layer_sizes": (8, 5), "optimizer": "adamw"},
        {"activation": "softplus", "optimizer": "sgd", "optimizer__momentum": 0.9},
        {"batch_size": 48},
        {"optimizer": "nadam"},
        {"optimizer": "adamax", "proximal_l1": True},
        {"optimizer": "adagrad"},
        {"optimizer": "adadelta"},
        {"optimizer": "lion"},
    ],
    ids=["proximal", "tanh-rmsprop", "gelu-adamw-2-layers", "softplus-sgd", "short-last-batch",
         "nadam", "adamax-proximal", "adagrad", "adadelta", "lion"],
)
def test_members_equal_single_fits_bit_for_bit(wine, settings):
    """Whatever the ensemble's shape, each member rounds exactly as its single fit, transcendental
    activations and losses included."""
    X, y = wine
    folds = [train for train, _ in StratifiedKFold(3).split(X, y)]
    penalties = [(0.0, 0.0), (1e-2, 1e-3)]
    base = L1L2Classifier(**{**NETWORK, "epochs": 80, **settings})
    members, diverged, converged = clone(base)._fit_members(X, y, None, folds, penalties)
    for fold, train in enumerate(folds):
        for pair, (l1, l2) in enumerate(penalties):
            single = clone(base).set_params(l1=l1, l2=l2).fit(X[train], y[train])
            member = members[fold][pair]
            assert len(member["loss_curve"]) == single.n_iter_
            assert member["loss_curve"] == single.loss_curve_
            expected = [w for pair_ in zip(single.coefs_, single.intercepts_) for w in pair_]
            for got, want in zip(member["weights"], expected):
                np.testing.assert_array_equal(got, want.astype(np.float32))


def _assert_members_equal_single_fits(X, y, n_penalties):
    penalties = [(0.0, 0.0)] * n_penalties
    base = L1L2Classifier(**{**NETWORK, "epochs": 3, "tol": 0.0})
    members, _, _ = clone(base)._fit_members(X, y, None, [np.arange(len(y))], penalties)
    single = clone(base).set_params(l1=0.0, l2=0.0).fit(X, y)
    expected = [w for pair in zip(single.coefs_, single.intercepts_) for w in pair]
    for member in members[0]:
        assert member["loss_curve"] == single.loss_curve_
        for got, want in zip(member["weights"], expected):
            np.testing.assert_array_equal(got, want.astype(np.float32))


@pytest.mark.parametrize("n_penalties", [3, 5])
def test_members_equal_single_fits_whatever_their_number(wine, n_penalties):
    _assert_members_equal_single_fits(*wine, n_penalties)


def test_members_equal_single_fits_when_operations_are_split_among_threads():
    """With several intra-op threads (TensorFlow's default on a machine of more than 2 cores;
    this test process has one, see _environment), an odd number of members does not share out
    evenly among them: without padding slots, the middle member's products were split between
    two threads and rounded differently from its single fit. Checked in a process with two."""
    code = (
        "from l1l2_estimator import _ensemble; import tensorflow as tf; "
        "tf.config.threading.set_intra_op_parallelism_threads(2); "
        "assert _ensemble._intra_op_threads() == 2; "
        "from sklearn.datasets import load_wine; from sklearn.preprocessing import StandardScaler; "
        "import tests.test_cv as t; "
        "X, y = load_wine(return_X_y=True); X = StandardScaler().fit_transform(X); "
        "[t._assert_members_equal_single_fits(X, y, n) for n in (3, 5)]; print('equal')"
    )
    root = pathlib.Path(__file__).resolve().parent.parent
    env = {**os.environ, "L1L2_ESTIMATOR_TF_THREADS": "0", "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["equal"]


def _members_in_chains(monkeypatch, base, X, y, folds, penalties, chains, sample_weight=None):
    """Members trained with ``chains`` chains wherever an ensemble has that many members per
    stream, and the (members, chains) of every ensemble built."""
    monkeypatch.setattr(_ensemble, "CHAIN_MIN_FLOP", 0)
    monkeypatch.setattr(_ensemble, "_parallel_chains", lambda: chains)
    trainers.clear()
    fitted, _, _ = clone(base)._fit_members(X, y, sample_weight, folds, penalties)
    return fitted, {(trainer.spec.members, trainer.spec.chains) for trainer in trainers.idle()}


def _assert_same_members(got, expected):
    for fold_expected, fold_got in zip(expected, got):
        for want, have in zip(fold_expected, fold_got):
            assert have["loss_curve"] == want["loss_curve"]
            for a, b in zip(have["weights"], want["weights"]):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
@pytest.mark.parametrize("chains", [2, 3])
def test_members_equal_whatever_the_number_of_chains(wine, monkeypatch, chains, output):
    """An ensemble split into chains (operations of their own per group of members, run side
    by side on 2 cores) trains every member as one chain does, bit for bit, the stopping rule,
    L1, a short last batch and 5 members per stream (chains of 3 and 2, or 2, 2 and 1)
    included, for each kind of output layer."""
    X, y = wine
    folds = [train for train, _ in StratifiedKFold(2).split(X, y)]
    penalties = [(0.0, 0.0), (1e-3, 0.0), (0.0, 1e-2), (1e-2, 1e-3), (1e-3, 1e-3)]
    network = {**NETWORK, "epochs": 60, "batch_size": 40}
    if output == "linear":
        base, y = L1L2Regressor(**network, tol=3e-2), X[:, 0] + X[:, 1] ** 2
        X = X[:, 2:]
    else:
        base = L1L2Classifier(**network)
        y = y if output == "softmax" else y == 0
    expected, one = _members_in_chains(monkeypatch, base, X, y, folds, penalties, 1)
    got, used = _members_in_chains(monkeypatch, base, X, y, folds, penalties, chains)
    assert one == {((2, 5), 1)} and used == {((2, 5), chains)}  # one ensemble each
    assert len({len(m["loss_curve"]) for fold in got for m in fold}) > 1  # some stopped early
    _assert_same_members(got, expected)


def test_members_trained_in_many_calls_equal_those_of_one(wine, monkeypatch):
    """A call of the ensemble's graph returns after ``RETURN_AFTER_SECONDS`` (so that Ctrl-C
    can stop a search) and the next call goes on. Cut after every epoch, with members stopping
    at different epochs and packed tighter as half of a stream's stop, every member trains as
    in one call, bit for bit."""
    X, y = wine
    folds = [train for train, _ in StratifiedKFold(3).split(X, y)]
    penalties = [(0.0, 0.0), (1e-3, 0.0), (0.0, 1e-2), (1e-2, 1e-3), (3e-2, 0.0)]
    base = L1L2Classifier(**{**NETWORK, "epochs": 200})
    monkeypatch.setattr(_ensemble._Packing, "worth_packing",
                        lambda self, per_stream: per_stream >= 2)
    trainers.clear()
    whole, _, _ = clone(base)._fit_members(X, y, None, folds, penalties)
    monkeypatch.setattr(_graph, "RETURN_AFTER_SECONDS", 0.0)
    calls = []
    build = _ensemble.Trainer.__init__

    def counting(self, *args, **kwargs):  # a trainer whose run counts its calls
        build(self, *args, **kwargs)
        run = self.run
        self.run = lambda **inputs: calls.append(1) or run(**inputs)

    monkeypatch.setattr(_ensemble.Trainer, "__init__", counting)
    trainers.clear()
    cut, _, _ = clone(base)._fit_members(X, y, None, folds, penalties)
    epochs = {len(m["loss_curve"]) for fold in whole for m in fold}
    assert len(epochs) > 1  # members stopped at different epochs
    assert len(calls) >= max(epochs)  # one epoch a call
    _assert_same_members(cut, whole)


@pytest.mark.parametrize("chains", [2, 3])
def test_members_equal_in_chains_when_packed_tighter(wine, monkeypatch, chains):
    """Members still training are packed into smaller ensembles (here whenever half of a
    stream's have stopped), each with its own number of chains, the weights, optimizer state
    and stopping rule carried over: still every member as in one chain, with deep layers,
    proximal L1, sample and class weights."""
    X, y = wine
    folds = [train for train, _ in StratifiedKFold(3).split(X, y)]
    penalties = [(0.0, 0.0), (1e-3, 0.0), (0.0, 1e-2), (1e-2, 1e-3), (1e-3, 1e-3), (3e-2, 0.0),
                 (1e-2, 0.0)]
    base = L1L2Classifier(**{**NETWORK, "epochs": 200, "hidden_layer_sizes": (16, 8, 5),
                             "activation": "tanh", "proximal_l1": True,
                             "class_weight": "balanced"})
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    monkeypatch.setattr(_ensemble._Packing, "worth_packing",
                        lambda self, per_stream: per_stream >= 2)
    arguments = (base, X, y, folds, penalties)
    expected, one = _members_in_chains(monkeypatch, *arguments, 1, sample_weight=weights)
    got, used = _members_in_chains(monkeypatch, *arguments, chains, sample_weight=weights)
    assert len(used) > 1 and {c for _, c in one} == {1}  # packed: several ensembles
    assert max(c for _, c in used) > 1
    assert all(c == min(chains, per_stream) for (_, per_stream), c in used)
    _assert_same_members(got, expected)


@pytest.mark.parametrize(
    "intra, inter, variable, cores, chains",
    [(1, 0, None, 2, 2), (1, 0, None, 1, 1), (1, 1, None, 2, 1), (1, 4, None, 2, 2),
     (1, 3, None, 8, 3), (2, 0, None, 2, 1), (0, 0, None, 8, 1), (1, 0, " 1", 2, 1),
     (1, 0, "3", 4, 3), (1, 2, "1", 4, 2)],
)
def test_chains_follow_the_thread_pools(monkeypatch, intra, inter, variable, cores, chains):
    """Chains where each operation runs on one thread: one per inter-op thread (TensorFlow's
    config, else its TF_NUM_INTEROP_THREADS as its runtime parses it, else a thread per core), at
    most one per core; none where operations are shared out."""
    if variable is None:
        monkeypatch.delenv("TF_NUM_INTEROP_THREADS", raising=False)
    else:
        monkeypatch.setenv("TF_NUM_INTEROP_THREADS", variable)
    monkeypatch.setattr(_ensemble, "_intra_op_threads", lambda: intra or cores)
    monkeypatch.setattr(_ensemble.tf.config.threading, "get_inter_op_parallelism_threads",
                        lambda: inter)
    monkeypatch.setattr(_ensemble._environment, "usable_cores", lambda: cores)
    assert _ensemble._parallel_chains.__wrapped__() == chains


def test_small_ensembles_stay_one_chain(monkeypatch):
    """A second chain costs its first run about 0.2 s of tracing: only ensembles with enough
    arithmetic left (products of 6 FLOP per weight and row, every member, every epoch) take
    it, as many as the machine runs side by side, at most one per member."""
    monkeypatch.setattr(_ensemble, "_parallel_chains", lambda: 2)
    layers = (30, 64, 2)  # 6 * (30 * 64 + 64 * 2) = 12,288 FLOP per row
    assert _ensemble._ensemble_chains(layers, [455] * 5, 16, 100) == 2  # 44.7 GFLOP
    assert _ensemble._ensemble_chains(layers, [455] * 5, 16, 50) == 1  # 22.4 GFLOP
    assert _ensemble._ensemble_chains(layers, [455] * 5, 1, 10_000) == 1  # one member each
    monkeypatch.setattr(_ensemble, "_parallel_chains", lambda: 3)
    assert _ensemble._ensemble_chains(layers, [455] * 5, 2, 10_000) == 2


@pytest.mark.parametrize("prepare_refit", [False, True])
def test_refit_trainer_prepared_while_the_grid_trains(wine, prepare_refit):
    """With prepare_refit, the single network's trainer is in the cache once the ensemble has
    trained (traced in a background thread), and a refit then finds it there."""
    X, y = wine
    folds = [train for train, _ in StratifiedKFold(2).split(X, y)]  # one group: 89 rows each
    base = L1L2Classifier(**{**NETWORK, "epochs": 5, "hidden_layer_sizes": (7,)})
    trainers.clear()
    clone(base)._fit_members(X, y, None, folds, [(0.0, 0.0)], prepare_refit=prepare_refit)
    assert len(trainers) == 1 + prepare_refit
    clone(base).fit(X, y)
    assert len(trainers) == 2


def test_several_architectures_trace_no_refit_network_they_do_not_refit(wine):
    """Each architecture had traced a refit network in the background, though only the best
    is refitted: five architectures then took ten trainers, more than the cache keeps, and
    every later search traced all of them again."""
    X, y = wine
    trainers.clear()
    search = L1L2ClassifierCV(**{**NETWORK, "epochs": 3, "hidden_layer_sizes": [(5,), (6,)]},
                              l1s=[0], l2s=[0], cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert len(trainers) == 3  # one ensemble per architecture, and the refit's network
    traced = set(map(id, trainers.idle()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clone(search).fit(X, y)
    assert set(map(id, trainers.idle())) == traced


def test_score_does_not_mix_a_search_refitted_meanwhile(wine, monkeypatch):
    """score read best_estimator_, then scorer_: a refit published in between (by another
    thread) scored the old network by the new search's metric."""
    X, y = wine
    network = {**NETWORK, "epochs": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **network).fit(X, y)
        other = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring="neg_log_loss",
                                 **network).fit(X, y)
    expected = search.best_estimator_.score(X, y)
    reading = L1L2ClassifierCV._fitted_best

    def refitted_meanwhile(self, *args):
        best = reading(self, *args)
        vars(self).update(vars(other))  # another thread's refit lands here
        return best

    monkeypatch.setattr(L1L2ClassifierCV, "_fitted_best", refitted_meanwhile)
    assert search.score(X, y) == expected


def test_no_hidden_layer_is_an_architecture_as_in_mlp(wine):
    """hidden_layer_sizes=() (the output layer on the features, a penalized softmax
    regression), as MLPClassifier takes it: it had been refused. The search over it and a
    hidden layer equals GridSearchCV over single fits."""
    X, y = wine
    network = {**NETWORK, "epochs": 20, "hidden_layer_sizes": ()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        single = L1L2Classifier(**network).fit(X, y)
        ours = L1L2ClassifierCV(**{**network, "hidden_layer_sizes": [(), (4,)]}, l1s=L1S,
                                l2s=[0], cv=2).fit(X, y)
        theirs = GridSearchCV(
            L1L2Classifier(**network),
            {"hidden_layer_sizes": [(), (4,)], "l1": L1S, "l2": [0]}, cv=2, refit=False,
        ).fit(X, y)
    assert [kernel.shape for kernel in single.coefs_] == [(X.shape[1], 3)]
    np.testing.assert_allclose(single.model_.predict(X, verbose=0), single.predict_proba(X),
                               atol=1e-6)
    np.testing.assert_allclose(ours.cv_results_["mean_test_score"],
                               theirs.cv_results_["mean_test_score"], atol=1e-6)
    with pytest.raises(ValueError, match=r"\(empty for no hidden layer"):
        L1L2Classifier(hidden_layer_sizes=(4, 0)).fit(X, y)


def test_regressor_equals_grid_search_multi_output():
    X, y = make_regression(n_samples=161, n_features=6, n_targets=2, noise=5.0, random_state=0)
    y = y / y.std()
    cv = KFold(4, shuffle=True, random_state=0)
    params = dict(NETWORK, batch_size=32)
    ours = L1L2RegressorCV(l1s=L1S, l2s=L2S, cv=cv, refit=False, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        # A sparse y is made dense, as L1L2Regressor makes it.
        sparse = clone(ours).fit(X, scipy.sparse.csr_matrix(y))
    theirs = _grid_search(L1L2Regressor(**params), X, y, L1S, L2S, cv)
    _assert_same_results(ours, theirs)
    np.testing.assert_array_equal(
        sparse.cv_results_["mean_test_score"], ours.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize("search_class", [L1L2ClassifierCV, L1L2RegressorCV])
def test_a_scalar_sample_weight_weighs_every_row_alike(search_class, wine):
    # As scikit-learn's _check_sample_weight spreads it (L1L2Regressor.fit takes it so);
    # L1L2RegressorCV had failed inside NumPy ("Shape of weights must be consistent").
    X, y = wine
    if search_class is L1L2RegressorCV:
        y = (y - y.mean()) / y.std()
    settings = dict(l1s=[0, 1e-3], l2s=[0], cv=2, refit=False, **{**NETWORK, "epochs": 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = search_class(**settings).fit(X, y, sample_weight=2.0)
        plain = search_class(**settings).fit(X, y)
    np.testing.assert_array_equal(weighted.cv_results_["mean_test_score"],
                                  plain.cv_results_["mean_test_score"])


@pytest.mark.parametrize("form", ["SciPy matrix", "frame of sparse columns", "1-D SciPy array"])
def test_a_regressors_sparse_y_is_scored_as_the_dense_one(form):
    """A DataFrame of sparse columns trained but reached the scorer sparse: every member scored
    NaN and the first pair was refit; and score() with a scoring refused both sparse forms that
    fit takes (L1L2Regressor.score makes them dense)."""
    import pandas as pd

    X, y = make_regression(n_samples=60, n_features=4, noise=5.0, random_state=0)
    y = np.where(y > 0, y, 0) / y.std()
    sparse = {
        "SciPy matrix": lambda: scipy.sparse.csr_matrix(y[:, None]),
        "frame of sparse columns": lambda: pd.DataFrame(
            {"y": pd.arrays.SparseArray(y, fill_value=0.0)}),
        "1-D SciPy array": lambda: scipy.sparse.coo_array(y),
    }[form]()
    dense = y[:, None] if form != "1-D SciPy array" else y
    search = L1L2RegressorCV(l1s=[0, 1e-2], l2s=[0, 1e-2], cv=3, scoring="r2", **NETWORK)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = clone(search).fit(X, sparse)
        expected = clone(search).fit(X, dense)
    np.testing.assert_array_equal(ours.cv_results_["mean_test_score"],
                                  expected.cv_results_["mean_test_score"])
    assert ours.score(X, sparse) == expected.score(X, dense)


def test_poisson_regressor_equals_grid_search():
    """The exponential output and Poisson loss, members as single fits, scored by the Poisson
    deviance."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 4))
    y = rng.poisson(np.exp(0.4 * X[:, 0] + 0.2)).astype(float)
    params = {**NETWORK, "loss": "poisson", "epochs": 60}
    ours = L1L2RegressorCV(l1s=L1S, l2s=[0, 1e-2], cv=3, refit=False,
                           scoring="neg_mean_poisson_deviance", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs = GridSearchCV(
            L1L2Regressor(**params), {"l1": L1S, "l2": [0, 1e-2]}, cv=3, refit=False,
            scoring="neg_mean_poisson_deviance",
        ).fit(X, y)
    _assert_same_results(ours, theirs)


def test_several_architectures_and_a_custom_scorer():
    X, y = make_classification(n_samples=150, n_features=6, random_state=3)
    architectures = [(4,), (6, 3)]
    params = {key: value for key, value in NETWORK.items() if key != "hidden_layer_sizes"}
    ours = L1L2ClassifierCV(
        hidden_layer_sizes=architectures, l1s=[0, 1e-2], l2s=[1e-3], cv=3, scoring="neg_log_loss",
        **params,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs = GridSearchCV(
            L1L2Classifier(**params),
            {"hidden_layer_sizes": architectures, "l1": [0, 1e-2], "l2": [1e-3]},
            cv=3,
            scoring="neg_log_loss",
        ).fit(X, y)
    _assert_same_results(ours, theirs)
    assert ours.hidden_layer_sizes_ == theirs.best_params_["hidden_layer_sizes"]
    assert isinstance(ours.best_estimator_, L1L2Classifier)
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.best_estimator_.predict_proba(X), atol=1e-6
    )


def test_an_int_among_architectures_is_one_layer(wine):
    # A list of architectures holding an int was refused as one malformed architecture.
    X, y = wine
    params = {**NETWORK, "hidden_layer_sizes": [(4,), 3], "epochs": 2, "cv": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = L1L2ClassifierCV(l1s=[0], l2s=[0], **params).fit(X, y)
    # As given, as GridSearchCV keeps them; the chosen one as a tuple.
    assert list(search.cv_results_["param_hidden_layer_sizes"]) == [(4,), 3]
    assert search.hidden_layer_sizes_ in [(4,), (3,)]
    search.set_params(hidden_layer_sizes=[[4], [3, 2]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert [p["hidden_layer_sizes"] for p in search.cv_results_["params"]] == [[4], [3, 2]]
    assert search.hidden_layer_sizes_ in [(4,), (3, 2)]
    # The refit is made with best_params_, as given (as GridSearchCV's best_estimator_ is): it
    # had the tuple of hidden_layer_sizes_.
    assert search.best_estimator_.hidden_layer_sizes == search.best_params_["hidden_layer_sizes"]
    assert isinstance(search.best_estimator_.hidden_layer_sizes, list)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.set_params(hidden_layer_sizes=[3, 2]).fit(X, y)  # one architecture, as a list
    assert search.best_estimator_.hidden_layer_sizes == [3, 2]
    assert search.hidden_layer_sizes_ == (3, 2)


class _PolarsLikeColumn:
    """A one-column frame as polars' behaves here: NumPy (and so scikit-learn's validation)
    takes it as object labels, and its column as a Series of its own (``to_series``) as
    fixed-width strings. The refit had been given that Series: its classes_ and predictions
    were ``<U``, the search's ``object``, and dump refused a best_estimator_ whose labels were
    longer than 1,024 characters where it saves a single fit on the same y."""

    def __init__(self, labels):
        self.labels = np.asarray(labels, dtype=object)
        self.shape = (len(self.labels), 1)

    def __len__(self):
        return len(self.labels)

    def __array__(self, dtype=None, copy=None):
        return self.labels[:, None] if dtype is None else self.labels[:, None].astype(dtype)

    def to_series(self):
        return self.labels.astype(str)


@pytest.mark.parametrize("refit", [True, False])
def test_big_endian_labels_give_native_classes_as_the_single_classifier(refit):
    """The search's classes_ kept y's '>i8' (its predict, through the refit, gave native
    int64; L1L2Classifier, MLPClassifier and GridSearchCV give native classes_)."""
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, hidden_layer_sizes=(4,), epochs=2,
                              refit=refit, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y.astype(">i8"))
    assert search.classes_.dtype == np.dtype("int64")
    np.testing.assert_array_equal(search.classes_, [0, 1])
    if refit:
        assert search.predict(X).dtype == search.classes_.dtype


@pytest.mark.parametrize("form", ["array", "frame", "sparse", "polars-like"])
def test_a_column_of_labels_warns_once_and_refits_on_the_same_classes(form):
    # The search took the column as 1-D with scikit-learn's DataConversionWarning, and its
    # refit, given the column, warned again (LogisticRegressionCV warns once).
    import scipy.sparse as sp
    from sklearn.exceptions import DataConversionWarning

    pd = pytest.importorskip("pandas")
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    labels = np.array(["no", "yes"])[y]
    if form == "sparse":  # of numbers (labels 1 and 2, so that neither is all zeros)
        column = sp.csr_matrix(y[:, None] + 1)
        labels = np.array([1, 2])[y]
    elif form == "polars-like":
        column = _PolarsLikeColumn(labels)
    else:
        column = labels[:, None] if form == "array" else pd.DataFrame({"label": labels})
    search = L1L2ClassifierCV(l1s=[0], l2s=[0, 1e-3], cv=2, hidden_layer_sizes=(4,), epochs=3,
                              random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, column)
    assert [w.category for w in caught].count(DataConversionWarning) == 1
    np.testing.assert_array_equal(search.classes_, np.unique(labels))
    np.testing.assert_array_equal(search.best_estimator_.classes_, np.unique(labels))
    assert search.best_estimator_.classes_.dtype == search.classes_.dtype
    assert search.predict(X).dtype == search.classes_.dtype
    assert set(search.predict(X)) <= set(np.unique(labels))


def test_fitted_attributes_and_prediction(wine):
    pd = pytest.importorskip("pandas")
    X, y = wine
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=3, **NETWORK)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(frame, y)
    assert (search.l1_, search.l2_) in [(0, 0), (1e-3, 0)]
    assert search.hidden_layer_sizes_ == (8,)
    assert search.best_estimator_.get_params()["l1"] == search.l1_
    np.testing.assert_array_equal(search.feature_names_in_, frame.columns)
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])
    assert search.predict(frame).shape == (len(y),)
    assert search.predict_proba(frame).shape == (len(y), 3)
    np.testing.assert_allclose(
        search.predict_log_proba(frame), np.log(search.predict_proba(frame)), rtol=1e-12,
        atol=1e-15,
    )
    assert 0.8 < search.score(frame, y) <= 1.0
    table = pd.DataFrame(search.cv_results_)
    assert {"mean_test_score", "rank_test_score", "param_l1", "mean_n_iter"} <= set(table)
    again = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(again.predict(frame), search.predict(frame))


def test_random_state_none_draws_one_seed_for_every_member(wine):
    X, y = wine
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **{**NETWORK, "random_state": None})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert isinstance(search.best_estimator_.random_state, int)
    assert search.get_params()["random_state"] is None  # the param itself is left alone


def test_refit_false_chooses_without_an_estimator(wine):
    X, y = wine
    search = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=2, refit=False, **NETWORK)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert not hasattr(search, "best_estimator_")
    # The prediction methods stay (unlike GridSearchCV's), so that a search with refit=False can
    # be the last step of a Pipeline or TransformedTargetRegressor that only chooses the pair
    # (the command line's --grid); they say why they cannot predict.
    for method in ("predict", "predict_proba", "predict_log_proba", "score"):
        with pytest.raises(NotFittedError, match="refit=False"):
            getattr(search, method)(*((X, y) if method == "score" else (X,)))


def _sparsest_within_one_std(cv_results):
    """The row of the largest l1 whose mean score is within one std of the best."""
    means, stds = cv_results["mean_test_score"], cv_results["std_test_score"]
    best = int(np.argmax(means))
    good = np.flatnonzero(means >= means[best] - stds[best])
    return int(good[np.argmax(np.asarray(cv_results["param_l1"])[good])])


def test_a_callable_refit_chooses_as_in_grid_search(wine):
    X, y = wine
    params = {**NETWORK, "epochs": 30}
    search = L1L2ClassifierCV(l1s=[0, 1e-3, 1e-2], l2s=[0], cv=3, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)  # best_score_ of this search must not survive the next one
        search.set_params(refit=_sparsest_within_one_std).fit(X, y)
        theirs = GridSearchCV(
            L1L2Classifier(**params), {"l1": [0, 1e-3, 1e-2], "l2": [0]}, cv=3,
            refit=_sparsest_within_one_std,
        ).fit(X, y)
    assert search.best_index_ == theirs.best_index_ == _sparsest_within_one_std(
        search.cv_results_
    )
    assert search.best_params_ == theirs.best_params_
    assert search.l1_ == search.best_estimator_.l1 == theirs.best_params_["l1"]
    assert not hasattr(search, "best_score_") and not hasattr(theirs, "best_score_")
    np.testing.assert_allclose(
        search.predict_proba(X), theirs.best_estimator_.predict_proba(X), atol=1e-6
    )


@pytest.mark.parametrize(
    "refit, error, message",
    [
        (lambda results: 0.5, TypeError, "refit must return the index .* got 0.5"),
        (lambda results: 2, IndexError, "refit returned 2, not a row of cv_results_ \\(0 to 1\\)"),
    ],
)
def test_a_callable_refit_returning_no_row_is_refused(wine, refit, error, message):
    X, y = wine
    search = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=2, **{**NETWORK, "epochs": 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
        before = dict(vars(search))
        with pytest.raises(error, match=message):
            search.set_params(refit=refit).fit(X, y)
    assert vars(search).keys() == before.keys()  # the earlier search, unchanged
    assert search.best_score_ == before["best_score_"]


def test_penalties_of_a_narrow_float_dtype_are_checked_in_float64(binary_data):
    """np.float16's inf passed "at most float32's largest" compared in float16 (with NumPy's
    overflow warning, an exception where warnings are errors), and its members diverged."""
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="l1s must be a non-empty list of numbers >= 0"):
            L1L2ClassifierCV(l1s=np.array([0, np.inf], dtype=np.float16), cv=2).fit(X, y)


def test_penalty_lists_refuse_ints_beyond_float64_and_take_bools_as_l1_does(binary_data):
    """An int beyond float64 in l1s, l2s or l1_values escaped as a bare OverflowError ("int
    too large to convert to float") naming no param; True, which l1=True and GridSearchCV's
    grid take as 1, was refused."""
    from l1l2_estimator.plots import regularization_path

    X, y = binary_data
    for params in ({"l1s": [0, 10**400]}, {"l2s": [-(10**400)]}, {"l1s": [0, 10**5000]}):
        name = next(iter(params))
        with pytest.raises(ValueError, match=f"{name} must be a non-empty list of numbers"):
            L1L2ClassifierCV(**params, cv=2, epochs=2).fit(X, y)
    with pytest.raises(ValueError, match="l1_values must be a non-empty list of numbers"):
        regularization_path(L1L2Classifier(epochs=2), X, y, X, y, l1_values=[0, 10**400])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = L1L2ClassifierCV(l1s=[True, 0], l2s=[0], cv=2, **{**NETWORK, "epochs": 2})
        search.fit(X, y)
    assert [params["l1"] for params in search.cv_results_["params"]] == [True, 0]


def test_the_chosen_penalties_are_floats_whatever_the_grid_holds(binary_data):
    """l1_ and l2_ had been the grid's values as given: an int 0, np.float32 (which json.dumps
    refuses), a Fraction; cv_results_' params keep them as given, as GridSearchCV's do."""
    import json
    from fractions import Fraction

    X, y = binary_data
    l1s, l2s = [0], [np.float32(1e-3), Fraction(1, 10**4)]
    search = L1L2ClassifierCV(l1s=l1s, l2s=l2s, cv=2, **{**NETWORK, "epochs": 2}).fit(X, y)
    assert type(search.l1_) is float and type(search.l2_) is float
    assert search.l2_ == float(search.cv_results_["params"][search.best_index_]["l2"])
    json.dumps({"l1": search.l1_, "l2": search.l2_})
    assert [type(p["l1"]) for p in search.cv_results_["params"]] == [int, int]


def test_members_whose_optimizer_state_overflows_fail_as_their_single_fits_do():
    """A member the loss rule stops keeps being stepped (only its weights are kept) while the
    others of its stream train: its optimizer state, judged at the end, overflowed there and it
    was counted diverged where its single fit had stopped with a finite state and scored. And a
    member whose state overflows while it trains fails as its single fit does."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 3))
    y = X @ [1.0, -2.0, 0.5]
    net = dict(hidden_layer_sizes=(), optimizer="sgd", optimizer__momentum=0.9,
               learning_rate=0.001, tol=0.0, batch_size=50, random_state=0, epochs=300)
    l2s = [0.0, 1e-4, 1e-3, 2500.0]  # the last stops at epoch 12; continued, it diverges
    cv = KFold(2)
    theirs = GridSearchCV(L1L2Regressor(**net), {"l1": [0.0], "l2": l2s}, cv=cv, refit=False)
    ours = L1L2RegressorCV(l1s=[0.0], l2s=l2s, cv=cv, refit=False, **net)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no failed fit on either side
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X, y)
    for split in ("split0_test_score", "split1_test_score"):
        np.testing.assert_array_equal(ours.cv_results_[split], theirs.cv_results_[split])
    # Features of 1e20 overflow Adam's running squares in the first epoch, behind finite
    # weights: the single fit raises, and the search's members fail where GridSearchCV's do.
    classes = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match="training diverged at epoch 1"):
        L1L2Classifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X * 1e20, classes)
    net = dict(hidden_layer_sizes=(4,), epochs=1, random_state=0)
    l1s = [0.0, 1e-4, 1e-3]
    theirs = GridSearchCV(L1L2Classifier(**net), {"l1": l1s, "l2": [0.0]}, cv=cv, refit=False)
    ours = L1L2ClassifierCV(l1s=l1s, l2s=[0.0], cv=cv, refit=False, **net)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        theirs.fit(X * 1e20, classes)
        ours.fit(X * 1e20, classes)
    failed = [np.isnan(theirs.cv_results_[f"split{i}_test_score"]) for i in range(2)]
    assert np.any(failed)
    for i in range(2):
        np.testing.assert_array_equal(ours.cv_results_[f"split{i}_test_score"],
                                      theirs.cv_results_[f"split{i}_test_score"])


def test_members_diverging_by_their_penalty_are_told_so_not_to_lower_the_learning_rate():
    """A single fit of l1=1e20 says that no learning rate helps (the penalty's gradients'
    squares overflow Adam's float32 running squares); the search's messages about the same
    members said to lower learning_rate first. Each pair now gets a single fit's advice."""
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    params = dict(NETWORK, epochs=5)
    penalty = r"use a smaller l1 \(it is 1e\+20: from about 1\.84e\+19 on"
    with pytest.raises(ValueError, match="All the 2 member fits failed.*: 2 diverged .*" + penalty):
        L1L2ClassifierCV(l1s=[1e20], l2s=[0], cv=2, **params).fit(X, y)
    with pytest.raises(ValueError, match="'raise' stops the search at a failed fit: " + penalty):
        L1L2ClassifierCV(l1s=[1e20], l2s=[0], cv=2, error_score="raise", **params).fit(X, y)
    with pytest.warns(FitFailedWarning, match="2 of the 4 member fits failed") as caught:
        with pytest.warns(UserWarning, match="test scores are non-finite"):
            L1L2ClassifierCV(l1s=[0, 1e20], l2s=[0], cv=2, **params).fit(X, y)
    message = next(str(w.message) for w in caught if w.category is FitFailedWarning)
    assert "lower learning_rate" not in message and "use a smaller l1 (it is 1e+20" in message
    # Pairs that diverge for different reasons each get their own advice.
    with pytest.warns(FitFailedWarning, match="6 of the 8 member fits failed") as caught:
        with pytest.warns(UserWarning, match="test scores are non-finite"):
            L1L2ClassifierCV(l1s=[0, 1e20], l2s=[0, 1e20], cv=2, **params).fit(X, y)
    message = next(str(w.message) for w in caught if w.category is FitFailedWarning)
    assert "l1=0, l2=1e+20: use a smaller l2 (it is 1e+20" in message
    assert "l1=1e+20, l2=0: use a smaller l1 (it is 1e+20" in message
    assert "lower learning_rate" not in message


@pytest.mark.parametrize("architectures", [(8,), [(8,), (4,)]])
def test_members_that_reach_epochs_are_named_by_candidate(wine, architectures):
    """The ConvergenceWarning counted the members that reached epochs ("10 of the 80 member
    fits") without saying whose they were; it now names the candidates (at most 6, in the
    grid's order) with the number of folds each, which here are those whose single fits warn."""
    X, y = wine
    params = dict(NETWORK, epochs=150)
    splits = list(StratifiedKFold(3).split(X, y))
    several = isinstance(architectures, list)
    reached = {}
    for architecture in architectures if several else [architectures]:
        for l1 in L1S:
            for l2 in L2S:
                for train, _ in splits:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        L1L2Classifier(**{**params, "hidden_layer_sizes": architecture},
                                       l1=l1, l2=l2).fit(X[train], y[train])
                    if any("maximum number of epochs" in str(w.message) for w in caught):
                        which = f"hidden_layer_sizes={architecture!r}, " if several else ""
                        name = f"{which}l1={l1:g}, l2={l2:g}"
                        reached[name] = reached.get(name, 0) + 1
    members = len(splits) * len(L1S) * len(L2S) * (len(architectures) if several else 1)
    assert 0 < sum(reached.values()) < members
    listed = [f"{name} ({n} fold{'s' if n > 1 else ''})" for name, n in reached.items()]
    if len(listed) > 6:
        listed = [*listed[:6], f"and {len(listed) - 6} more candidates"]
    with pytest.warns(ConvergenceWarning) as record:
        L1L2ClassifierCV(l1s=L1S, l2s=L2S, cv=splits, refit=False,
                         **{**params, "hidden_layer_sizes": architectures}).fit(X, y)
    assert [str(w.message) for w in record if "member fits" in str(w.message)] == [
        f"L1L2ClassifierCV: {sum(reached.values())} of the {members} member fits reached the "
        f"maximum number of epochs (150) before the training loss converged: "
        f"{'; '.join(listed)}; cv_results_['mean_n_iter'] holds each candidate's mean epochs. "
        "Raise epochs to train them longer."
    ]


def test_members_that_reach_epochs_on_an_unscaled_target_are_told_to_scale_it():
    """Where the target's scale keeps the members from converging, the warning gives that
    advice, not "raise epochs" before it."""
    X, y = make_regression(n_samples=120, n_features=5, noise=1, random_state=0)
    with pytest.warns(ConvergenceWarning) as record:
        L1L2RegressorCV(l1s=[0, 1e-3], l2s=[0], cv=3, epochs=5, random_state=0).fit(X, y)
    message, = [str(w.message) for w in record if "member fits" in str(w.message)]
    assert message.startswith(
        "L1L2RegressorCV: 6 of the 6 member fits reached the maximum number of epochs (5) before "
        "the training loss converged; cv_results_['mean_n_iter'] holds each candidate's mean "
        "epochs. y's mean is "
    )
    assert "centre and scale the target" in message and "Raise epochs" not in message


def test_a_loss_that_rose_from_the_start_is_not_called_converged():
    """At a learning rate of 10 (Adam) the loss rose from 0.888 to 8.03 and the rule stopped
    the fit after 12 epochs, published as converged without a word (MLPClassifier's too). A
    fit, a search's members and a regularization path now warn, naming the learning rate."""
    from l1l2_estimator.plots import regularization_path

    X, y = make_classification(n_samples=60, n_features=5, n_informative=3, random_state=0)
    settings = dict(hidden_layer_sizes=(4,), learning_rate=10.0, epochs=200, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"after 12 epochs without ever falling below "
                                                r"its first epoch's \(0\.888; the last was "
                                                r"8\.03\), so the network learned nothing "
                                                r"after its first epoch; lower learning_rate "
                                                r"\(it is 10\)"):
        clf = L1L2Classifier(**settings).fit(X, y)
    assert clf.n_iter_ == 12 and clf.loss_curve_[-1] > clf.loss_curve_[0]
    faster = {**settings, "learning_rate": 1e3}  # every fold's loss rises too
    with pytest.warns(ConvergenceWarning, match=(
        r"2 of the 2 member fits stopped improving by tol without ever falling below their first "
        r"epoch's, so they learned nothing after it; lower learning_rate \(it is 1000\), "
        r"standardize the features \(StandardScaler\)\.$"  # no smaller penalties: all are 0
    )):
        L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **faster).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=(
        r"without ever falling below its first epoch's .*; lower learning_rate \(it is 1000\)"
    )):
        regularization_path(L1L2Classifier(**faster), X, y, X, y, [0, 1e-3])
    # A learning rate that trains: no such warning, nor for a warm start that cannot improve.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fitted = L1L2Classifier(**{**settings, "learning_rate": 0.01, "epochs": 2000}).fit(X, y)
        fitted.set_params(warm_start=True).fit(X, y)


def test_a_fit_that_never_improved_after_its_first_epoch_is_not_called_converged():
    """At a learning rate of 1e-6 (Adam) each epoch's loss on iris was about 1e-5 below the one
    before, never tol (1e-4) below the best, and the rule stopped the fit after 12 epochs, the
    fewest it allows, at a training accuracy of 0.19 to 0.6: published as converged without a
    word (MLPClassifier's too). A fit, a search's members and a regularization path now warn,
    naming the learning rate; fits that learn, and a loss that rose from the start (which has
    its own warning), get no such warning."""
    from sklearn.datasets import load_iris

    from l1l2_estimator.plots import regularization_path

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    settings = dict(hidden_layer_sizes=(8,), learning_rate=1e-6)
    idle = (r"after 12 epochs, the fewest the rule allows: no epoch after the first improved "
            r"on the best loss by tol=0\.0001 \(it went from 1\.9005 to 1\.9004\), so the "
            r"network learned almost nothing after its first epoch; raise learning_rate \(it "
            r"is 1e-06\), standardize the features \(StandardScaler\), or lower tol \(it is "
            r"0\.0001\)\.$")
    with pytest.warns(ConvergenceWarning, match=idle) as caught:
        fitted = L1L2Classifier(**settings, random_state=1).fit(X, y)
    assert len(caught) == 1 and fitted.n_iter_ == 12 and fitted.score(X, y) < 0.5
    for seed in (0, 2):
        with pytest.warns(ConvergenceWarning, match="the fewest the rule allows"):
            L1L2Classifier(**settings, random_state=seed).fit(X, y)
    # The param that sets the rate is named: an optimizer's own, or optimizer__learning_rate.
    with pytest.warns(ConvergenceWarning, match=r"raise the optimizer's learning_rate \(it is "
                                                r"1e-06\)"):
        L1L2Classifier(hidden_layer_sizes=(8,), random_state=1,
                       optimizer=keras.optimizers.Adam(learning_rate=1e-6)).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=r"raise optimizer__learning_rate \(it is 1e-06"):
        L1L2Classifier(hidden_layer_sizes=(8,), random_state=1,
                       optimizer__learning_rate=1e-6).fit(X, y)
    with pytest.warns(ConvergenceWarning, match=(
        r"L1L2ClassifierCV: the training loss of 2 of the 2 member fits stopped improving by "
        r"tol after the fewest epochs the rule allows: no epoch after the first improved on the "
        r"best loss by tol=0\.0001, so they learned almost nothing after it; raise learning_rate "
        r"\(it is 1e-06\)"
    )):
        L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, refit=False, random_state=1,
                         **settings).fit(X, y)
    with pytest.warns(ConvergenceWarning) as path_warnings:
        regularization_path(L1L2Classifier(**settings, random_state=1), X, y, X, y, [0, 1e-3])
    assert sum("the fewest the rule allows" in str(w.message) for w in path_warnings) == 2
    # A learning rate that trains: no warning; one far too large: the rose warning alone.
    # Nor a coarse tol, which each epoch's fall stayed a little below: the loss fell by 47%,
    # and the rule stopped it where that tol says it converged.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        L1L2Classifier(hidden_layer_sizes=(8,), random_state=1).fit(X, y)
        coarse = L1L2Classifier(random_state=0, tol=0.08).fit(X, y)
    assert coarse.n_iter_ == 12 and coarse.loss_curve_[-1] < 0.6 * coarse.loss_curve_[0]
    with pytest.warns(ConvergenceWarning) as caught:
        L1L2Classifier(hidden_layer_sizes=(8,), learning_rate=1e3, random_state=1).fit(X, y)
    assert [w for w in caught if "without ever falling below its first" in str(w.message)]
    assert not [w for w in caught if "the fewest the rule allows" in str(w.message)]
    # A regressor's fit that also predicts worse than the mean gets that warning, the same from
    # a single fit, a search's members and a path (the search had said it learned nothing).
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    for make, fit in [
        (lambda: L1L2Regressor(**settings, random_state=1), lambda model: model.fit(X, y)),
        (lambda: L1L2RegressorCV(l1s=[0], l2s=[0], cv=2, refit=False, **settings,
                                 random_state=1), lambda model: model.fit(X, y)),
        (lambda: L1L2Regressor(**settings, random_state=1),
         lambda model: regularization_path(model, X, y, X, y, [0])),
    ]:
        with pytest.warns(ConvergenceWarning) as caught:
            fit(make())
        messages = [str(w.message) for w in caught]
        assert [m for m in messages if "worse than their mean" in m], messages
        assert not [m for m in messages if "the fewest the rule allows" in m], messages


def test_diverging_members_score_nan_and_lose():
    """A huge L2 factor under SGD makes those members diverge (a single fit raises): they score
    NaN and rank last, as GridSearchCV's failed fits do."""
    X, y = make_classification(n_samples=80, n_features=5, random_state=0)
    params = dict(NETWORK, optimizer="sgd", learning_rate=0.1)
    search = L1L2ClassifierCV(l1s=[0], l2s=[0, 1e3], cv=2, return_train_score=True, **params)
    with pytest.warns(FitFailedWarning, match="2 of the 4 member fits failed .*: 2 diverged"):
        # and, as GridSearchCV warns after failed fits, about the non-finite means
        with pytest.warns(UserWarning, match=r"test scores are non-finite: \[[0-9.]+ nan\]"):
            with pytest.warns(UserWarning, match=r"train scores are non-finite: \[[0-9.]+ +nan"):
                search.fit(X, y)
    for split in ("test", "train"):
        means = search.cv_results_[f"mean_{split}_score"]
        assert np.isfinite(means[0]) and np.isnan(means[1])
    assert list(search.cv_results_["rank_test_score"]) == [1, 2]
    assert search.l2_ == 0
    with pytest.raises(ValueError, match="training diverged"):
        L1L2Classifier(**params, l2=1e3).fit(X, y)
    with pytest.raises(ValueError, match="All the 2 member fits failed.*: 2 diverged"):
        L1L2ClassifierCV(l1s=[0], l2s=[1e3], cv=2, **params).fit(X, y)
    # As GridSearchCV's error_score: a number instead of NaN, or the fit's error.
    with pytest.warns(FitFailedWarning, match="score error_score=-1"):
        search.set_params(error_score=-1).fit(X, y)
    np.testing.assert_array_equal(search.cv_results_["split0_test_score"][1], -1)
    np.testing.assert_array_equal(search.cv_results_["mean_train_score"][1], -1)
    with pytest.raises(ValueError, match="l1=0, l2=1000 on training fold 0 diverged.*'raise'"):
        search.set_params(error_score="raise").fit(X, y)
    with pytest.raises(ValueError, match=r"of hidden_layer_sizes=\(4,\), l1=0, l2=1000 on"):
        search.set_params(hidden_layer_sizes=[(4,), (8,)]).fit(X, y)


def test_error_score_raise_stops_at_the_first_failure_in_grid_search_order(binary_data):
    """GridSearchCV fits and scores by candidate, then fold: a scorer's error on the first pair
    is raised before the second pair's divergence (every divergence had been raised before any
    member was scored)."""
    X, y = binary_data

    def scorer(estimator, X_, y_):
        if estimator.l1 == 0:
            raise ZeroDivisionError("the scorer fails on l1=0")
        return 0.5

    params = dict(NETWORK, epochs=3)
    grid = {"l1": [0, 1e38], "l2": [0]}  # l1=1e38 diverges
    for search in (
        L1L2ClassifierCV(l1s=grid["l1"], l2s=grid["l2"], cv=2, scoring=scorer,
                         error_score="raise", **params),
        GridSearchCV(L1L2Classifier(**params), grid, cv=2, scoring=scorer, error_score="raise"),
    ):
        with pytest.raises(ZeroDivisionError, match="the scorer fails on l1=0"):
            search.fit(X, y)


def _regression_with_an_unweighted_fold():
    """Data, weights and splits where the first training fold has only rows of weight 0 (the
    held-out folds all have weight)."""
    X, y = make_regression(n_samples=60, n_features=4, noise=1.0, random_state=0)
    weights = np.ones(60)
    weights[:20] = 0
    rows = np.arange(60)
    splits = [(rows[:20], rows[20:]), (rows[:40], rows[40:]), (rows[20:], rows[:40])]
    return X, y / y.std(), weights, splits


@pytest.mark.parametrize("error_score", [np.nan, 0.0])
def test_a_fold_with_only_zero_weights_is_a_failed_fit_as_in_grid_search(error_score):
    """GridSearchCV scores the fit of a training fold of zero weights error_score; the search
    did not train at all (it raised scikit-learn's error of the whole data's weights)."""
    X, y, weights, splits = _regression_with_an_unweighted_fold()
    # Every trained member trains all 20 epochs.
    params = dict(NETWORK, epochs=20, tol=0, n_iter_no_change=20)
    ours = L1L2RegressorCV(l1s=[0, 1e-2], l2s=[0], cv=splits, error_score=error_score,
                           return_train_score=True, **params)
    with warnings.catch_warnings():
        if np.isnan(error_score):
            warnings.simplefilter("ignore", UserWarning)  # the NaN means
        with pytest.warns(FitFailedWarning, match=(
            "2 of the 6 member fits failed and score error_score=(nan|0.0).*2 had nothing to "
            r"train on \(training fold 0: only rows of weight 0, by sample_weight\)"
        )):
            # The members not trained are not counted as having reached epochs.
            with pytest.warns(ConvergenceWarning, match="4 of the 6 member fits reached"):
                ours.fit(X, y, sample_weight=weights)
        # GridSearchCV's own warnings about the same failures.
        for category in (ConvergenceWarning, FitFailedWarning, UserWarning):
            warnings.simplefilter("ignore", category)
        theirs = GridSearchCV(
            L1L2Regressor(**params), {"l1": [0, 1e-2], "l2": [0]}, cv=splits, refit=False,
            error_score=error_score, return_train_score=True,
        ).fit(X, y, sample_weight=weights)
    _assert_same_results(ours, theirs)
    assert np.all(np.isfinite(ours.cv_results_["split1_test_score"]))
    np.testing.assert_array_equal(ours.cv_results_["split0_test_score"], error_score)
    np.testing.assert_array_equal(ours.cv_results_["mean_n_iter"], [20, 20])  # of trained folds


def test_a_fold_with_only_zero_weights_is_refused_with_error_score_raise(wine):
    X, y, weights, splits = _regression_with_an_unweighted_fold()
    search = L1L2RegressorCV(l1s=[0], l2s=[0], cv=splits, error_score="raise", **NETWORK)
    with pytest.raises(ValueError, match=r"Training fold 0 has only rows of weight 0 \(by "
                       r"sample_weight\)"):  # the regressor has no class_weight
        search.fit(X, y, sample_weight=weights)
    assert not hasattr(search, "cv_results_")
    with pytest.raises(ValueError, match="Training fold 0 has only rows of weight 0"):
        search.set_params(cv=splits[:1]).fit(X, y, sample_weight=weights)  # one split
    with pytest.raises(ValueError, match="No training row has any weight"):
        L1L2Classifier(**NETWORK, class_weight={0: 0, 1: 0, 2: 0}).fit(*wine)  # no sample_weight
    # Every training fold without weight: nothing to search, whatever error_score.
    with pytest.raises(ValueError, match="All the 2 member fits failed.*training folds 0, 1:"):
        search.set_params(error_score=np.nan, cv=splits[:2]).fit(
            X, y, sample_weight=(np.arange(60) >= 40).astype(float)
        )


def _failing_on_the_first_fold(estimator, X, y):
    """A scorer that raises on held-out rows of 60 (the first of wine's three folds)."""
    if len(y) == 60:
        raise ValueError("no score for this fold")
    return float(np.mean(estimator.predict(X) == y))


@pytest.mark.parametrize("several", [False, True])
def test_a_scorer_that_raises_scores_error_score_as_in_grid_search(wine, several):
    X, y = wine
    scoring = (
        {"accuracy": "accuracy", "failing": _failing_on_the_first_fold} if several
        else _failing_on_the_first_fold
    )
    refit = "accuracy" if several else True
    params, folds = dict(NETWORK, epochs=20), KFold(3, shuffle=True, random_state=0)
    ours = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=folds, scoring=scoring, refit=refit,
                            **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message="One or more of the test scores are non-finite")
        with pytest.warns(UserWarning, match=(
            "Scoring failed for 2 test scores, which are set to error_score=nan.*ValueError: "
            r"no score for this fold \(2 times\)"
        )):
            ours.fit(X, y)
        warnings.simplefilter("ignore", UserWarning)  # GridSearchCV's, one per failure
        theirs = GridSearchCV(
            L1L2Classifier(**params), {"l1": [0, 1e-2], "l2": [0]}, cv=folds, scoring=scoring,
            refit=refit,
        ).fit(X, y)
    names = ["accuracy", "failing"] if several else ["score"]
    assert [key for key in ours.cv_results_ if key != "mean_n_iter"] == list(theirs.cv_results_)
    for name in names:
        for key in (f"split0_test_{name}", f"split1_test_{name}", f"mean_test_{name}"):
            np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], atol=1e-6)
    failing = "failing" if several else "score"
    assert np.all(np.isnan(ours.cv_results_[f"split0_test_{failing}"]))
    assert np.all(np.isfinite(ours.cv_results_[f"split1_test_{failing}"]))
    assert ours.best_params_ == theirs.best_params_
    with pytest.raises(ValueError, match="no score for this fold"):
        ours.set_params(error_score="raise").fit(X, y)


def test_a_callable_of_several_metrics_that_raises_scores_error_score_for_each(wine):
    """GridSearchCV fails there with a TypeError of its own (it puts a float among the dicts)."""
    def metrics(estimator, X, y):
        _failing_on_the_first_fold(estimator, X, y)
        return {"a": 1.0, "b": 2.0}

    search = L1L2ClassifierCV(
        l1s=[0, 1e-2], l2s=[0], cv=KFold(3, shuffle=True, random_state=0), scoring=metrics,
        refit=False, error_score=-1, **{**NETWORK, "epochs": 3},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="Scoring failed for 2 test scores"):
            search.fit(*wine)
    results = search.cv_results_
    for name, score in (("a", 1.0), ("b", 2.0)):
        np.testing.assert_array_equal(results[f"split0_test_{name}"], [-1, -1])
        np.testing.assert_array_equal(results[f"split1_test_{name}"], [score, score])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"optimizer__clipnorm": 1.0}, "optimizer__clipnorm clips by a norm over all"),
        ({"optimizer": "ftrl"}, "Ftrl's update raises its accumulators to a power"),
        # A Keras optimizer, but its steps scale by statistics of whole weight arrays.
        ({"optimizer": keras.optimizers.Adafactor()},
         r"update each weight from its own gradient and state alone \(Adadelta, .*\); got "
         "'Adafactor'"),
        # (Keras' optimizer deserializer returned Lamb as a string: a bare KeyError here.)
        ({"optimizer": keras.optimizers.Lamb()}, r"alone \(Adadelta, .*\); got 'Lamb'"),
        ({"l1s": []}, "l1s must be a non-empty list"),
        ({"l2s": [0, -1]}, "l2s must be a non-empty list"),
        ({"hidden_layer_sizes": [(4,), (0,)]}, "hidden_layer_sizes must be one architecture"),
        ({"hidden_layer_sizes": [(4,), "4"]}, r"or a list of architectures.*got \[\(4,\), '4'\]"),
        ({"activation": "sigmoidish"}, "activation"),
    ],
)
def test_bad_settings_are_clear_errors(change, message, wine):
    X, y = wine
    with pytest.raises(ValueError, match=message):
        L1L2ClassifierCV(**{**NETWORK, "cv": 2, **change}).fit(X, y)
    # Also where a fold could not train: the folds' failures had been named instead (and a
    # search whose folds all failed had reported only that).
    weights = np.where(np.arange(len(y)) < len(y) // 2, 0.0, 1.0)
    for settings in ({"error_score": "raise"}, {}):
        with pytest.raises(ValueError, match=message):
            L1L2ClassifierCV(**{**NETWORK, "cv": KFold(2), **settings, **change}).fit(
                X, y, sample_weight=weights
            )


@pytest.mark.parametrize(
    "name, advice",
    [
        ("early_stopping", "use GridSearchCV over L1L2Classifier\\(early_stopping=True\\)"),
        ("callbacks", "pass callbacks to L1L2Classifier"),
        ("warm_start", "continue training best_estimator_ instead"),
        ("n_jobs", "for several processes use GridSearchCV\\(n_jobs=...\\)"),
        ("l1", "the search chooses l1 from l1s"),
    ],
)
def test_a_single_estimator_param_is_refused_with_what_to_use(name, advice, wine):
    search = L1L2ClassifierCV(**{name: 1})  # scikit-learn estimators never raise here
    with pytest.raises(TypeError, match=f"L1L2ClassifierCV does not take {name}: .*{advice}"):
        search.fit(*wine)
    # set_params, which GridSearchCV and validation_curve call, had given only scikit-learn's
    # list of valid params.
    with pytest.raises(ValueError, match=f"Invalid parameter '{name}' for estimator "
                                         f"L1L2ClassifierCV.*L1L2ClassifierCV does not take "
                                         f"{name}: .*{advice}"):
        L1L2ClassifierCV().set_params(**{name: 1})


@pytest.mark.parametrize("search_class", [L1L2ClassifierCV, L1L2RegressorCV])
def test_verbose_reports_the_search_and_changes_nothing_else(search_class, wine, capsys):
    """verbose had been refused ("a search trains silently"), where GridSearchCV and
    LogisticRegressionCV take it."""
    X, y = wine
    y = y if search_class is L1L2ClassifierCV else (y - y.mean()) / y.std()
    settings = dict(NETWORK, hidden_layer_sizes=[(4,), (8,)], l1s=[0, 1e-3], l2s=[0], cv=2,
                    epochs=30)
    quiet = search_class(**settings).fit(X, y)
    assert capsys.readouterr().out == ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = search_class(**settings, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"],
                                  quiet.cv_results_["mean_test_score"])
    name = f"[{search_class.__name__}]"
    assert lines[0] == "Fitting 2 folds for each of 4 candidates, totalling 8 fits"
    for line, architecture in zip(lines[1:3], ["(4,)", "(8,)"]):
        assert re.fullmatch(
            rf"{re.escape(name)} hidden_layer_sizes={re.escape(architecture)}: 4 fits in "
            r"\d+\.\d\d s, (\d+ to \d+ epochs|\d+ epochs each)(, \d at the epoch cap)?", line
        ), line
    best = search.best_params_
    assert lines[3] == (
        f"{name} best: hidden_layer_sizes={best['hidden_layer_sizes']!r}, "
        f"l1={best['l1']:g}, l2={best['l2']:g}, mean test score {search.best_score_:.4f}"
    )
    assert re.fullmatch(
        rf"{re.escape(name)} refitted on all 178 rows in \d+\.\d\d s, "
        rf"{search.best_estimator_.n_iter_} epochs", lines[4]
    ), lines[4]
    assert len(lines) == 5


def test_verbose_2_reports_every_return_of_the_ensemble(wine, capsys, monkeypatch):
    from l1l2_estimator import _graph

    monkeypatch.setattr(_graph, "RETURN_AFTER_SECONDS", 0.0)  # a call per epoch
    search = L1L2ClassifierCV(**{**NETWORK, "epochs": 4, "tol": 0}, l1s=[0, 1e-3], l2s=[0],
                              cv=2, refit=False, verbose=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(*wine)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:5] == [
        f"[L1L2ClassifierCV] hidden_layer_sizes=(8,): epoch {epoch}, {left} of 4 fits training"
        for epoch, left in [(1, 4), (2, 4), (3, 4), (4, 0)]  # at the cap, none trains on
    ]
    assert lines[5].startswith("[L1L2ClassifierCV] hidden_layer_sizes=(8,): 4 fits in ")
    assert lines[5].endswith(", 4 epochs each, 4 at the epoch cap")
    assert lines[6].startswith("[L1L2ClassifierCV] best: l1=")  # refit=False: no refit line
    assert len(lines) == 7
    # 5 folds of wine: training folds of 142 and 143 rows, each a batch, train as two ensembles
    # one after the other, each line naming its folds; the pair chosen by the metric refit names.
    search.set_params(cv=5, scoring=["accuracy", "f1_macro"], refit="f1_macro").fit(*wine)
    lines = capsys.readouterr().out.splitlines()
    folds = [re.fullmatch(r"\[L1L2ClassifierCV\] hidden_layer_sizes=\(8,\), folds ([\d, ]+): "
                          r"epoch \d, \d+ of \d+ fits training", line) for line in lines[1:-3]]
    assert all(folds) and len(folds) == 8, lines
    assert sorted({int(f) for match in folds for f in match[1].split(", ")}) == list(range(5))
    assert re.fullmatch(r"\[L1L2ClassifierCV\] best: l1=\S+, l2=0, mean test f1_macro "
                        rf"{search.best_score_:.4f}", lines[-2])
    assert lines[-1].startswith("[L1L2ClassifierCV] refitted on all 178 rows in ")


def test_verbose_prints_nothing_for_a_search_it_refuses(wine, capsys):
    search = L1L2ClassifierCV(scoring=["accuracy", "f1_macro"], refit="neither", verbose=1)
    with pytest.raises(ValueError, match="refit"):
        search.fit(*wine)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("search_class", [L1L2ClassifierCV, L1L2RegressorCV])
def test_set_params_refuses_callbacks_arguments_that_a_search_does_not_route(search_class):
    # Accepted, and listed by get_params, then refused by fit ("routed arguments start with
    # optimizer__"), where every other name a search does not take fails in set_params.
    search = search_class()
    with pytest.raises(ValueError, match=r"Invalid parameter 'callbacks__patience' for "
                       rf"estimator {search_class.__name__}.*starting with optimizer__\."):
        search.set_params(callbacks__patience=3)
    assert "callbacks__patience" not in search.get_params()
    search.set_params(optimizer__beta_1=0.8)
    assert search.get_params()["optimizer__beta_1"] == 0.8


def test_an_unknown_keyword_is_a_type_error(wine):
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        L1L2ClassifierCV(epoch=10).fit(*wine)
    # Given to fit, as Keras takes them: Python's bare TypeError had named _L1L2NetworkCV.fit.
    with pytest.raises(TypeError, match=r"L1L2ClassifierCV.fit\(\) got an unexpected keyword "
                       r"argument 'epochs': training settings are params.*"
                       r"L1L2ClassifierCV\(epochs=\.\.\.\)"):
        L1L2ClassifierCV().fit(*wine, epochs=5)
    with pytest.raises(TypeError, match=r"fit takes X, y, sample_weight and groups"):
        L1L2ClassifierCV().fit(*wine, shuffled=True)


def _multi_metric_pair(X, y, scoring, refit, **search):
    """Ours and GridSearchCV, both fitted with several metrics."""
    params = dict(NETWORK, epochs=40)
    ours = L1L2ClassifierCV(l1s=L1S, l2s=L2S, cv=3, scoring=scoring, refit=refit, **search,
                            **params)
    theirs = GridSearchCV(L1L2Classifier(**params), {"l1": L1S, "l2": L2S}, cv=3,
                          scoring=scoring, refit=refit, **search)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ours.fit(X, y), theirs.fit(X, y)


def _assert_same_multi_metric_results(ours, theirs):
    # The same columns in the same order (ours adds mean_n_iter), the same scores and ranks.
    assert [key for key in ours.cv_results_ if key != "mean_n_iter"] == list(theirs.cv_results_)
    for key, expected in theirs.cv_results_.items():
        if key.startswith(("split", "mean_test", "std_test", "mean_train", "std_train")):
            np.testing.assert_allclose(ours.cv_results_[key], expected, atol=1e-6, err_msg=key)
        elif key.startswith("rank"):
            np.testing.assert_array_equal(ours.cv_results_[key], expected, err_msg=key)
    assert ours.multimetric_ is True


@pytest.mark.parametrize(
    "scoring", [{"acc": "accuracy", "f1": "f1_macro"}, ["accuracy", "f1_macro"]]
)
def test_several_metrics_equal_grid_search_with_refit_by_name(wine, scoring):
    refit = "f1" if isinstance(scoring, dict) else "f1_macro"
    ours, theirs = _multi_metric_pair(*wine, scoring, refit, return_train_score=True)
    _assert_same_multi_metric_results(ours, theirs)
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_score_ == pytest.approx(theirs.best_score_, abs=1e-6)
    assert (ours.l1_, ours.l2_) == (theirs.best_params_["l1"], theirs.best_params_["l2"])
    assert list(ours.scorer_) == list(theirs.scorer_)  # a dict of scorers, as GridSearchCV's
    X, y = wine
    # score: the metric refit names, as GridSearchCV.score.
    assert ours.score(X, y) == pytest.approx(
        f1_score(y, ours.predict(X), average="macro")
    )


def test_several_metrics_without_refit_choose_nothing_as_grid_search(wine):
    ours, theirs = _multi_metric_pair(*wine, ["accuracy", "f1_macro"], False)
    _assert_same_multi_metric_results(ours, theirs)
    for name in ("best_index_", "best_score_", "best_params_", "l1_", "l2_",
                 "hidden_layer_sizes_", "best_estimator_"):
        assert not hasattr(ours, name), name
        assert not hasattr(theirs, name) or name in ("l1_", "l2_", "hidden_layer_sizes_")
    with pytest.raises(NotFittedError, match="refit=False: it kept no fitted network"):
        ours.predict(wine[0])


def test_several_metrics_with_a_callable_refit(wine):
    def most_accurate(results):
        return int(np.argmax(results["mean_test_accuracy"]))

    ours, theirs = _multi_metric_pair(*wine, ["accuracy", "f1_macro"], most_accurate)
    _assert_same_multi_metric_results(ours, theirs)
    assert ours.best_index_ == theirs.best_index_
    assert not hasattr(ours, "best_score_")
    with pytest.raises(ValueError, match="refit is a callable, so score does not know"):
        ours.score(*wine)


def test_a_callable_scoring_may_return_several_metrics_as_in_grid_search(wine):
    def two(estimator, X, y):
        predicted = estimator.predict(X)
        return {"accuracy": float(np.mean(predicted == y)), "errors": float(np.sum(predicted != y))}

    ours, theirs = _multi_metric_pair(*wine, two, "accuracy")
    _assert_same_multi_metric_results(ours, theirs)
    assert ours.best_index_ == theirs.best_index_
    assert ours.score(*wine) == theirs.score(*wine)


def test_score_with_weights_by_a_scorer_that_takes_none_is_a_clear_error(wine):
    """Outside metadata routing, score passes sample_weight to its scorer, as
    LogisticRegressionCV.score; a scorer whose metric takes no weights is refused in words, not
    by the metric's own TypeError. A metric taking keyword arguments gets the weights."""
    from sklearn.metrics import accuracy_score, make_scorer

    X, y = wine
    weights = np.where(y == 0, 5.0, 0.2)

    def hits(y_true, y_pred):
        return float(np.mean(y_true == y_pred))

    def passing(y_true, y_pred, **kwargs):
        return accuracy_score(y_true, y_pred, **kwargs)

    fitted = {}
    for name, metric in (("hits", hits), ("passing", passing)):
        fitted[name] = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring=make_scorer(metric),
                                        **NETWORK)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted[name].fit(X, y)
    with pytest.raises(TypeError, match=r"scoring make_scorer\(hits.* does not take "
                                        r"sample_weight.*score\(X, y\) without"):
        fitted["hits"].score(X, y, sample_weight=weights)
    assert fitted["hits"].score(X, y) == accuracy_score(y, fitted["hits"].predict(X))
    assert fitted["passing"].score(X, y, sample_weight=weights) == accuracy_score(
        y, fitted["passing"].predict(X), sample_weight=weights
    )
    # Its own TypeError, from weights it takes but cannot use, is not blamed on the scorer.
    with pytest.raises(TypeError) as raised:
        fitted["passing"].score(X, y, sample_weight=np.array(["x"] * len(y), dtype=object))
    assert "does not take sample_weight" not in str(raised.value)


def test_several_metrics_weight_the_scores_that_take_weights_as_grid_search(wine):
    """Outside metadata routing, GridSearchCV passes sample_weight to the metrics that take it
    and warns about the others, by name."""
    import sklearn
    from sklearn.metrics import accuracy_score, make_scorer

    X, y = wine
    weights = np.where(y == 0, 5.0, 0.2)

    def hits(y_true, y_pred):  # no sample_weight
        return float(np.mean(y_true == y_pred))

    scoring = {"weighted": "accuracy", "unweighted": make_scorer(hits)}
    params = dict(NETWORK, epochs=10)
    ours = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=3, scoring=scoring, refit="weighted",
                            **params)
    theirs = GridSearchCV(L1L2Classifier(**params), {"l1": [0, 1e-2], "l2": [0]}, cv=3,
                          scoring=scoring, refit="weighted")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="scoring unweighted=.* does not take sample_weight"):
            ours.fit(X, y, sample_weight=weights)
        with pytest.warns(UserWarning, match="scoring unweighted=.* does not support"):
            theirs.fit(X, y, sample_weight=weights)
    _assert_same_multi_metric_results(ours, theirs)
    assert not np.allclose(ours.cv_results_["mean_test_weighted"],
                           ours.cv_results_["mean_test_unweighted"])
    # Under routing, each metric's own request decides; an unset one is refused before training.
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        requested = {
            "weighted": make_scorer(accuracy_score).set_score_request(sample_weight=True),
            "unweighted": make_scorer(accuracy_score).set_score_request(sample_weight=False),
        }
        ours = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=3, scoring=requested,
                                refit="weighted", **params).set_fit_request(sample_weight=True)
        theirs = GridSearchCV(
            L1L2Classifier(**params).set_fit_request(sample_weight=True),
            {"l1": [0, 1e-2], "l2": [0]}, cv=3, scoring=requested, refit="weighted",
        )
        ours.fit(X, y, sample_weight=weights)
        theirs.fit(X, y, sample_weight=weights)
        _assert_same_multi_metric_results(ours, theirs)
        unset = {**requested, "unweighted": make_scorer(accuracy_score)}
        # As GridSearchCV: scikit-learn 1.7's scorers request nothing, so nothing is unset.
        if "sample_weight" in get_routing_for_object(unset["unweighted"]).score.requests:
            with pytest.raises(ValueError, match="set_score_request.* for 'unweighted'"):
                ours.set_params(scoring=unset).fit(X, y, sample_weight=weights)


def test_a_plain_function_among_several_metrics_takes_no_weights(wine):
    """scikit-learn's multi-metric scorer raises AttributeError for a plain function when
    sample_weight is given; each metric is scored by itself here."""
    X, y = wine

    def errors(estimator, X, y):
        return float(np.sum(estimator.predict(X) != y))

    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring={"acc": "accuracy", "e": errors},
                              refit="acc", **{**NETWORK, "epochs": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="scoring e=.* does not take sample_weight"):
            search.fit(X, y, sample_weight=np.ones(len(y)))
    predicted = search.best_estimator_.predict(X)
    assert search.scorer_["e"](search.best_estimator_, X, y) == np.sum(predicted != y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_e"]))


def test_score_of_several_metrics_scores_only_the_one_refit_names(wine):
    """It called every metric, and scikit-learn's multi-metric scorer fails on a plain
    function when given sample_weight."""
    X, y = wine

    def plain(estimator, X, y):
        raise AssertionError("score called a metric refit does not name")

    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring={"acc": "accuracy", "p": plain},
                              refit="acc", error_score="raise", **{**NETWORK, "epochs": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(AssertionError, match="score called"):
            search.fit(X, y)  # the plain metric scores every member
        search.set_params(scoring={"acc": "accuracy", "p": lambda *args: 1.0}).fit(X, y)
    search.scorer_["p"] = plain
    weights = np.where(y == 0, 5.0, 0.2)
    assert search.score(X, y, sample_weight=weights) == pytest.approx(
        np.average(search.predict(X) == y, weights=weights)
    )


@pytest.mark.parametrize("scoring, how", [
    (["accuracy", "f1_macro"], r"search\.scorer_\[name\]\(search\.best_estimator_, X, y\)"),
    (lambda estimator, X, y: {"a": 1.0, "b": 2.0},
     r"search\.scorer_\(search\.best_estimator_, X, y\)\[name\]"),
])
def test_score_with_a_callable_refit_says_how_to_score_a_metric(wine, scoring, how):
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring=scoring, refit=lambda results: 0,
                              **{**NETWORK, "epochs": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(*wine)
    with pytest.raises(ValueError, match=f"call {how} for the metric you want"):
        search.score(*wine)


def test_a_metric_of_several_that_returns_a_dict_is_refused_as_grid_search_does(wine):
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, refit="x", **{**NETWORK, "epochs": 2},
                              scoring={"x": lambda estimator, X, y: {"a": 1.0}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match=r"scoring must return a number \(metric 'x'\)"):
            search.fit(*wine)


def test_a_dict_of_one_metric_is_several_metrics_as_in_grid_search(wine):
    """GridSearchCV counts a dict (or a callable's dict) of one metric as multi-metric: refit
    must name it, and refit=False chooses nothing."""
    params = dict(l1s=[0], l2s=[0], cv=2, **{**NETWORK, "epochs": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = L1L2ClassifierCV(scoring={"score": "accuracy"}, refit=False, **params).fit(*wine)
        assert search.multimetric_ is True and not hasattr(search, "best_index_")
        with pytest.raises(ValueError, match="refit must name the one"):
            L1L2ClassifierCV(scoring=lambda estimator, X, y: {"score": 1.0}, **params).fit(*wine)


def test_a_set_of_metrics_is_refused_as_grid_search_refuses_it(wine):
    # Its order, that of the cv_results_ columns, changed with the hash seed.
    with pytest.raises(ValueError, match="'scoring' parameter"):
        L1L2ClassifierCV(scoring={"accuracy", "f1_macro"}, refit=False, **NETWORK).fit(*wine)


@pytest.mark.parametrize("refit", [True, "f1"])
def test_several_metrics_need_refit_to_name_one(wine, refit):
    search = L1L2ClassifierCV(scoring=["accuracy", "f1_macro"], refit=refit, **NETWORK)
    with pytest.raises(ValueError, match=(
        r"several metrics in scoring \('accuracy', 'f1_macro'\), refit must name the one that "
        rf"chooses the pair \(refit='accuracy'\).*got refit={refit!r}"
    )):
        search.fit(*wine)


def test_a_callable_must_return_the_same_metrics_every_time(wine):
    calls = []

    def changing(estimator, X, y):
        calls.append(None)
        return {"a": 1.0} if len(calls) == 1 else {"b": 1.0}

    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring=changing, refit="a",
                              **{**NETWORK, "epochs": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match=r"same metrics for every fold and pair, got \['a'\]"):
            search.fit(*wine)


def test_a_callable_may_return_its_metrics_in_any_order(wine):
    """GridSearchCV gathers a callable's scores by name; the search had refused the same
    metrics in another order."""

    def reordered(estimator, X, y):
        accuracy = estimator.score(X, y)
        scores = {"acc": accuracy, "err": 1 - accuracy}
        return scores if estimator.l1 == 0 else dict(reversed(scores.items()))

    network = {**NETWORK, "epochs": 3}
    ours = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=2, scoring=reordered, refit=False,
                            **network)
    theirs = GridSearchCV(L1L2Classifier(**network), {"l1": [0, 1e-2], "l2": [0]}, cv=2,
                          scoring=reordered, refit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(*wine)
        theirs.fit(*wine)
    for key in ("mean_test_acc", "mean_test_err", "rank_test_err"):
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], atol=1e-6)


def test_infinite_and_nan_means_rank_as_in_grid_search_cv(wine):
    """GridSearchCV ranks a NaN mean below the worst score, -inf included (it counts -inf as
    the smallest float); the search had tied them, and could choose the NaN pair."""
    by_l1 = {0.0: np.nan, 1e-2: -np.inf, 1e-3: np.inf, 1e-4: 0.5}

    def scorer(estimator, X, y):
        return by_l1[estimator.l1]

    network = {**NETWORK, "epochs": 2}
    l1s = list(by_l1)
    ours = L1L2ClassifierCV(l1s=l1s, l2s=[0], cv=2, scoring=scorer, **network)
    theirs = GridSearchCV(L1L2Classifier(**network), {"l1": l1s, "l2": [0]}, cv=2,
                          scoring=scorer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(*wine)
        theirs.fit(*wine)
    np.testing.assert_array_equal(
        ours.cv_results_["rank_test_score"], theirs.cv_results_["rank_test_score"]
    )
    assert ours.best_index_ == theirs.best_index_


@pytest.mark.parametrize("scoring", [[], ["accuracy", "no_such_metric"], {"a": 3}])
def test_bad_metric_lists_are_refused_by_scikit_learns_check(wine, scoring):
    with pytest.raises(ValueError):
        L1L2ClassifierCV(scoring=scoring, refit=False, **NETWORK).fit(*wine)


def test_groups_reach_a_group_splitter(wine):
    X, y = wine
    groups = np.arange(len(y)) % 6
    params = dict(NETWORK, epochs=20)
    ours = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=GroupKFold(3), refit=False, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y, groups=groups)
    theirs = _grid_search(L1L2Classifier(**params), X, y, [0, 1e-2], [0], GroupKFold(3),
                          groups=groups)
    _assert_same_results(ours, theirs)


class _SplitByIndex:
    """A splitter that reads the DataFrame and Series it is given (their index), as a user's
    leave-one-period-out splitter does."""

    def split(self, X, y=None, groups=None):
        assert X.index.equals(y.index)
        odd = np.asarray(X.index % 2 == 1)
        for test in (odd, ~odd):
            yield np.flatnonzero(~test), np.flatnonzero(test)

    def get_n_splits(self, X=None, y=None, groups=None):
        return 2 if X.index.size else 0


def test_a_splitter_gets_x_and_y_as_given_as_in_grid_search(wine):
    # The splits came from the validated NumPy arrays, so a splitter that reads the index of
    # the DataFrame it is handed failed with an AttributeError; GridSearchCV hands it X and y
    # as given.
    pd = pytest.importorskip("pandas")
    X, y = wine
    index = np.arange(len(y)) * 3 + 7
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])], index=index)
    labels = pd.Series(y, index=index)
    params = dict(NETWORK, epochs=20)
    ours = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=_SplitByIndex(), refit=False, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(frame, labels)
    theirs = _grid_search(L1L2Classifier(**params), frame, labels, [0, 1e-2], [0],
                          _SplitByIndex())
    _assert_same_results(ours, theirs)


def test_score_uses_scoring_as_grid_search_does(wine):
    X, y = wine
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring="f1_macro", **NETWORK)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X[::2], y[::2])
    expected = f1_score(y[1::2], search.predict(X[1::2]), average="macro")
    assert search.score(X[1::2], y[1::2]) == pytest.approx(expected)


def test_held_out_rows_are_scored_in_float64_as_grid_search_scores_them():
    """A scale-dependent scorer on features that float32 cannot hold exactly: the held-out
    rows are scored on the float64 data, as GridSearchCV scores them."""
    rng = np.random.default_rng(0)
    X, y = make_regression(n_samples=150, n_features=5, noise=5, random_state=0)
    X = X * 0.1 + rng.uniform(0, 1e-3, X.shape) + 3.0
    params = dict(hidden_layer_sizes=(8,), epochs=30, random_state=0, batch_size=32)
    ours = L1L2RegressorCV(l1s=[0, 1e-3], l2s=[0], cv=KFold(3), refit=False,
                           scoring="neg_mean_squared_error", **params)
    theirs = GridSearchCV(L1L2Regressor(**params), {"l1": [0, 1e-3], "l2": [0]}, cv=KFold(3),
                          scoring="neg_mean_squared_error", refit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs.fit(X, y)
    np.testing.assert_array_equal(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )


def test_a_search_too_large_for_memory_is_refused_before_training(wine, monkeypatch):
    """The weights of 20 members fit in 200 KiB here, but their activations on a batch do not:
    the check counts both (and the rows gathered each epoch)."""
    from l1l2_estimator import _memory

    monkeypatch.setattr(_memory, "available_memory", lambda: 200 * 1024)
    search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0, 1e-3], cv=5, **NETWORK)
    with pytest.raises(MemoryError, match="20 networks .* or fewer l1s, l2s or folds"):
        search.fit(*wine)
    assert not hasattr(search, "cv_results_")


def _folds_missing_classes(wine):
    """wine sorted by class (59, 71 and 48 rows) and split in order: training folds of all
    three classes, and folds that miss class 0 or class 2 (a binary network, one output)."""
    X, y = wine
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]
    rows = np.arange(len(y))
    splits = [
        (rows[60:], rows[:60]),  # classes 1 and 2
        (np.r_[rows[:40], rows[100:]], rows[40:100]),  # all three
        (rows[:130], rows[130:]),  # classes 0 and 1
        (np.r_[rows[:20], rows[60:140]], np.r_[rows[20:60], rows[140:]]),  # all three
        (rows[90:], rows[:90]),  # classes 1 and 2, a second fold of them
    ]
    return X, y, splits


@pytest.mark.parametrize("labels", [None, np.array(["a", "b", "c"], dtype=object)])
def test_folds_missing_a_class_train_their_own_classes_as_in_grid_search(wine, labels):
    """GridSearchCV fits a fold that misses a class as a network of the classes it holds; the
    search trains one ensemble per set of classes (it had refused such folds). Object labels
    (strings from pandas) too."""
    X, y, splits = _folds_missing_classes(wine)
    if labels is not None:
        y = labels[y]
    params = dict(NETWORK, epochs=40)
    ours = L1L2ClassifierCV(l1s=L1S, l2s=L2S, cv=splits, return_train_score=True, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
    theirs = _grid_search(
        L1L2Classifier(**params), X, y, L1S, L2S, splits, return_train_score=True
    )
    _assert_same_results(ours, theirs)
    # A fold without class 0 scores at most the share of its held-out rows of other classes
    # (1 of 60); the refit, on every row, learned all three classes.
    assert np.all(ours.cv_results_["split0_test_score"] <= 1 / 60)
    assert np.all(ours.cv_results_["split1_test_score"] > 0.5)
    assert list(ours.best_estimator_.classes_) == list(np.unique(y))
    assert ours.predict_proba(X).shape == (len(y), 3)


def test_a_scorer_needing_every_class_fails_on_folds_missing_one_as_in_grid_search(wine):
    X, y, splits = _folds_missing_classes(wine)
    params = dict(NETWORK, epochs=20)
    ours = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=splits, scoring="neg_log_loss",
                            refit=False, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # scikit-learn's log_loss refuses fold 1 (three columns of probabilities for held-out
        # rows of two classes) and fold 2 (held-out rows of one class); folds 0 and 4 learned
        # classes 1 and 2 and hold out rows of classes 0 and 1: log_loss takes the two columns
        # for those, in GridSearchCV too.
        with pytest.warns(UserWarning, match="Scoring failed for 4 test scores"):
            with pytest.warns(UserWarning, match="test scores are non-finite"):
                ours.fit(X, y)
        warnings.simplefilter("ignore", UserWarning)
        theirs = GridSearchCV(
            L1L2Classifier(**params), {"l1": [0, 1e-2], "l2": [0]}, cv=splits, refit=False,
            scoring="neg_log_loss",
        ).fit(X, y)
    _assert_same_results(ours, theirs)
    for fold, finite in enumerate([True, False, False, True, True]):
        assert np.all(np.isfinite(ours.cv_results_[f"split{fold}_test_score"]) == finite)


def _last_column(estimator, X, y):
    """A score that follows every bit of the weights: the sum of the last class's
    probabilities."""
    return float(np.sum(estimator.predict_proba(X)[:, -1]))


@pytest.mark.parametrize("which", [[0, 1, 2], [0, 2]], ids=["with-all-classes", "none-with-all"])
def test_members_of_a_fold_missing_a_class_are_its_single_fits(wine, which):
    """Also where no fold holds every class: the refit's network (all the classes) is then
    not prepared while the grid trains, and is what the refit learns."""
    X, y, splits = _folds_missing_classes(wine)
    splits = [splits[fold] for fold in which]
    params = dict(NETWORK, epochs=30)
    base = L1L2Classifier(**params)
    folds = [train for train, _ in splits]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=splits, scoring=_last_column,
                                  **params).fit(X, y)
        refit = clone(base).set_params(l1=search.l1_, l2=search.l2_).fit(X, y)
        for fold, train in enumerate(folds):
            single = clone(base).set_params(l1=1e-2, l2=0).fit(X[train], y[train])
            # The member scored on the held-out rows is that single fit, bit for bit.
            assert search.cv_results_[f"split{fold}_test_score"][1] == _last_column(
                single, X[splits[fold][1]], y[splits[fold][1]]
            )
    np.testing.assert_array_equal(search.predict_proba(X), refit.predict_proba(X))
    assert [len(np.unique(y[train])) for train in folds] == [[2, 3, 2], [2, 2]][len(which) == 2]


def _failing_as_in_grid_search(X, y, splits, params, error_score, failures):
    """The search over l1 in {0, 1e-2} whose FitFailedWarning matches ``failures``, after
    checking that its results equal GridSearchCV's."""
    ours = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=splits, refit=False,
                            error_score=error_score, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # NaN means
        with pytest.warns(FitFailedWarning, match=failures):
            ours.fit(X, y)
        warnings.simplefilter("ignore", FitFailedWarning)
        theirs = GridSearchCV(
            L1L2Classifier(**params), {"l1": [0, 1e-2], "l2": [0]}, cv=splits, refit=False,
            error_score=error_score,
        ).fit(X, y)
    _assert_same_results(ours, theirs)
    return ours


@pytest.mark.parametrize("error_score", [np.nan, -1.0])
def test_a_fold_of_one_class_is_a_failed_fit_as_in_grid_search(wine, error_score):
    X, y, _ = _folds_missing_classes(wine)
    rows = np.arange(len(y))
    # Fold 0 trains on class 2 alone.
    splits = [(rows[130:], rows[:130]), (rows[:100], rows[100:]), (rows[50:], rows[:50])]
    params = dict(NETWORK, epochs=20, tol=0, n_iter_no_change=20)
    ours = _failing_as_in_grid_search(
        X, y, splits, params, error_score,
        r"2 of the 6 member fits failed.*2 could not be fitted \(training fold 0: "
        r"L1L2Classifier needs samples of at least 2 classes in the data, but the data "
        r"contains only one class: 2\.\)",
    )
    np.testing.assert_array_equal(ours.cv_results_["split0_test_score"], error_score)
    np.testing.assert_array_equal(ours.cv_results_["mean_n_iter"], [20, 20])
    search = clone(ours).set_params(error_score="raise")
    with pytest.raises(ValueError, match=r"the fit on training fold 0 of the splits cv gave "
                       r"fails \(L1L2Classifier needs samples of at least 2 classes.*only one "
                       r"class: 2\.\), and error_score='raise' stops"):
        search.fit(X, y)
    assert not hasattr(search, "cv_results_")
    with pytest.raises(ValueError, match="All the 2 member fits failed, .*: 2 could not be fitted"):
        clone(ours).set_params(cv=splits[:1]).fit(X, y)


def test_class_weights_that_do_not_fit_a_fold_fail_its_fits_as_in_grid_search(wine):
    """A dict naming class 0 alone is refused for a fold of classes 1 and 2 (as scikit-learn's
    compute_class_weight refuses it), where the single fit fails (the search had stopped at the
    error)."""
    X, y, splits = _folds_missing_classes(wine)
    splits = splits[:2]  # classes 1 and 2; all three
    params = dict(NETWORK, epochs=20, class_weight={0: 2.0})
    ours = _failing_as_in_grid_search(
        X, y, splits, params, np.nan,
        r"2 of the 4 member fits failed.*2 could not be fitted \(training fold 0: "
        r"class_weight has a key \[0\] that is not among the classes of y, \[1, 2\]",
    )
    with pytest.raises(ValueError, match=r"the fit on training fold 0 of the splits cv gave fails "
                       r"\(class_weight has a key \[0\] that is not among"):
        clone(ours).set_params(error_score="raise").fit(X, y)


@pytest.mark.parametrize("order", [[1, 0], [0, 1]], ids=["all-classes-first", "missing-first"])
def test_a_random_state_instance_starts_every_fold_as_its_single_fit(wine, order):
    """Each set of classes trains from a fresh copy of the RandomState, as clone gives each of
    GridSearchCV's fits (the second set had drawn on where the first left it)."""
    X, y, splits = _folds_missing_classes(wine)
    splits = [splits[fold] for fold in order]
    params = dict(NETWORK, epochs=20, random_state=np.random.RandomState(0))
    ours = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=splits, refit=False,
                            scoring=_last_column, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        theirs = GridSearchCV(L1L2Classifier(**params), {"l1": [0, 1e-2], "l2": [0]}, cv=splits,
                              refit=False, scoring=_last_column).fit(X, y)
    _assert_same_results(ours, theirs)


def test_error_score_raise_names_the_first_failing_fold(wine):
    """As GridSearchCV stops at its first failed fit: the empty fold 1, not the fold 2 of one
    class (checked first, it had been named)."""
    X, y, _ = _folds_missing_classes(wine)
    rows = np.arange(len(y))
    splits = [(rows[40:], rows[:40]), (rows[:0], rows[:10]), (rows[130:], rows[:130])]
    with pytest.raises(ValueError, match="training fold 1 of the splits cv gave has no rows"):
        L1L2ClassifierCV(**NETWORK, cv=splits, error_score="raise").fit(X, y)


def test_folds_of_several_class_sets_are_refused_for_memory_before_any_trains(wine, monkeypatch):
    """Every set of classes together: the ensemble of the folds that miss a class had trained
    before the others were refused."""
    from l1l2_estimator import _base, _memory

    X, y, splits = _folds_missing_classes(wine)
    trained = []
    monkeypatch.setattr(_base, "train_ensemble", lambda *args, **kwargs: trained.append(args))
    monkeypatch.setattr(_memory, "available_memory", lambda: 60 * 1024)
    with pytest.raises(MemoryError, match="10 networks"):  # 5 folds, 2 pairs
        L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=splits, **NETWORK).fit(X, y)
    assert trained == []


def test_params_round_trip_through_clone():
    search = L1L2ClassifierCV(l1s=[0, 1], cv=3, optimizer__beta_1=0.8)
    copy = clone(search)
    assert copy.get_params() == search.get_params()
    assert copy.optimizer__beta_1 == 0.8


def test_a_failed_search_leaves_a_fitted_one_as_it_was(wine):
    """As a failed single fit (and GridSearchCV): the refused search publishes nothing, not even
    the features and classes it read before failing."""
    pd = pytest.importorskip("pandas")
    X, y = wine
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    labels = np.array(["x", "y", "z"])[y]
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **NETWORK)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(frame, labels)
    before, predicted = dict(vars(search)), search.predict(frame)
    with pytest.raises(ValueError, match="at least 2 classes"):
        search.fit(X[:, :5], np.zeros(len(y)))
    assert vars(search).keys() == before.keys()
    assert all(vars(search)[name] is value for name, value in before.items())
    np.testing.assert_array_equal(search.predict(frame), predicted)


def test_the_search_warning_points_at_the_callers_line(wine):
    X, y = wine
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **{**NETWORK, "epochs": 2}).fit(X, y)
    searches = [w for w in caught if str(w.message).startswith("L1L2ClassifierCV")]
    assert searches and all(w.filename == __file__ for w in searches)
    # The refit's own warning too (it pointed at the search's code).
    refits = [w for w in caught if str(w.message).startswith("L1L2Classifier:")]
    assert refits and all(w.filename == __file__ for w in refits)


def test_full_batches_are_not_counted_as_the_batch_size_asked_for(wine, monkeypatch):
    """batch_size=10**9 asks for one batch per fold: the memory check counts a fold's rows (it
    counted 10**9 rows of activations and refused a search of a few MiB), and its message names
    the search."""
    from l1l2_estimator import _memory

    X, y = wine
    search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=2, **{**NETWORK, "epochs": 5},
                              batch_size=10**9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_estimator_.n_iter_ == 5
    monkeypatch.setattr(_memory, "available_memory", lambda: 1024)
    with pytest.raises(MemoryError, match="^L1L2ClassifierCV: 4 networks .* a smaller batch_size"):
        search.fit(X, y)


def test_the_scorer_sees_the_held_out_rows_as_given(wine):
    """As GridSearchCV: a DataFrame and a Series reach the scorer (they reached it as NumPy
    arrays, and a scorer reading a column by name failed)."""
    pd = pytest.importorskip("pandas")
    X, y = wine
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = pd.Series(y, index=np.arange(len(y)) + 1000)
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append((type(X_test), type(y_test)))
        return float(np.mean(estimator.predict(X_test) == y_test) + 0 * X_test["f0"].iloc[0])

    settings = dict(l1s=[0, 1e-3], l2s=[0], cv=2, **NETWORK)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about feature names either
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = L1L2ClassifierCV(scoring=scorer, **settings).fit(frame, labels)
    assert set(seen) == {(pd.DataFrame, pd.Series)}
    theirs = _grid_search(L1L2Classifier(**NETWORK), frame, labels, [0, 1e-3], [0], 2)
    ours_default = L1L2ClassifierCV(**settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours_default.fit(frame, labels)
    _assert_same_results(ours_default, theirs)
    np.testing.assert_array_equal(ours.cv_results_["mean_test_score"],
                                  theirs.cv_results_["mean_test_score"])


@pytest.mark.parametrize("cv", [[], iter([])])
def test_no_splits_is_a_clear_error(wine, cv):
    with pytest.raises(ValueError, match="got no train/test splits from cv="):
        L1L2ClassifierCV(l1s=[0], l2s=[0], cv=cv, **NETWORK).fit(*wine)


def test_a_splitter_whose_count_disagrees_with_its_splits_is_refused_as_in_grid_search(wine):
    class Miscounting(KFold):
        def get_n_splits(self, X=None, y=None, groups=None):
            return 5

    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=Miscounting(2), **NETWORK)
    with pytest.raises(ValueError, match="inconsistent.*get_n_splits says 5.*split gave 2"):
        search.fit(*wine)
    with pytest.raises(ValueError, match="inconsistent results"):
        GridSearchCV(L1L2Classifier(**NETWORK), {"l1": [0]}, cv=Miscounting(2)).fit(*wine)


def test_a_scorer_may_return_a_numpy_scalar_or_0d_array_as_in_grid_search(wine):
    for returned in (np.array(0.25), np.float32(0.25)):
        search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring=lambda *args: returned,
                                  **{**NETWORK, "epochs": 2})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            search.fit(*wine)
        assert search.best_score_ == 0.25


@pytest.mark.parametrize("returned", ["x", np.array([0.5, 0.5]), {"a": "x"}, {}, None])
def test_a_scorer_that_returns_no_number_is_a_clear_error(wine, returned):
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring=lambda *args: returned,
                              **{**NETWORK, "epochs": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match="scoring (must return a number|returned an empty)"):
            search.fit(*wine)


def test_non_finite_scores_are_warned_about_as_grid_search_does(wine):
    search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=2, **{**NETWORK, "epochs": 2},
                              scoring=lambda estimator, X, y: np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="One or more of the test scores are non-finite"):
            search.fit(*wine)


def test_weights_with_a_scorer_that_cannot_take_them_are_warned_about(wine):
    X, y = wine
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **{**NETWORK, "epochs": 2},
                              scoring=lambda estimator, X, y: 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="does not take sample_weight") as caught:
            search.fit(X, y, sample_weight=np.ones(len(y)))
    assert caught[0].filename == __file__


def test_params_columns_have_grid_searchs_dtypes(wine):
    X, y = wine
    search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=2,
                              **{**NETWORK, "epochs": 2, "hidden_layer_sizes": [(4,), (4, 2)]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.cv_results_["param_l1"].dtype == np.float64
    assert search.cv_results_["param_l2"].dtype == np.int64  # [0]: as given, as GridSearchCV
    assert search.cv_results_["param_hidden_layer_sizes"].dtype == object
    assert search.cv_results_["param_hidden_layer_sizes"][2] == (4, 2)
    assert search.scorer_ is not None and search.multimetric_ is False


def test_a_single_class_is_refused_in_the_searchs_name():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="^L1L2ClassifierCV needs samples of at least 2 classes"):
        L1L2ClassifierCV(**NETWORK).fit(X, np.zeros(10))


def _assert_routed_like_grid_search(X, y, weights, scoring, settings):
    """Under metadata routing, the search's mean scores equal GridSearchCV's with the same
    weights and scoring."""
    search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=3, scoring=scoring, **settings)
    search.set_fit_request(sample_weight=True).fit(X, y, sample_weight=weights)
    grid = GridSearchCV(
        L1L2Classifier(**settings, l2=0).set_fit_request(sample_weight=True),
        {"l1": [0, 1e-3]}, cv=3, scoring=scoring,
    ).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], grid.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize("request_weights", [True, False, "other_name"])
def test_routing_weights_the_scores_as_the_scorer_requests(wine, request_weights):
    """With metadata routing on, the held-out scores took the weights even when the scorer
    declined them, or asked for them under another name (an alias, which GridSearchCV routes
    from metadata of that name, not from sample_weight); GridSearchCV follows the scorer's
    request."""
    import sklearn
    from sklearn.metrics import accuracy_score, make_scorer

    X, y = wine
    weights = np.where(y == 0, 5.0, 0.2)
    settings = {**NETWORK, "epochs": 5}
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scorer = make_scorer(accuracy_score).set_score_request(sample_weight=request_weights)
        _assert_routed_like_grid_search(X, y, weights, scorer, settings)
        unset = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=3, **settings)
        with pytest.raises(ValueError, match="set_score_request"):
            unset.fit(X, y, sample_weight=weights)
        unset.set_score_request(sample_weight=request_weights).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("Search, Single", [(L1L2ClassifierCV, L1L2Classifier),
                                            (L1L2RegressorCV, L1L2Regressor)])
def test_scorers_run_with_scikit_learns_checks_as_in_grid_search(Search, Single):
    """The search ran its scorers with scikit-learn's param checks skipped: a metric given an
    invalid param scored (and could be chosen) where GridSearchCV's fits score NaN."""
    from sklearn.metrics import fbeta_score, make_scorer, mean_pinball_loss

    X, y = _small_data(60)
    if Search is L1L2ClassifierCV:
        scoring = make_scorer(fbeta_score, beta=-1.0)
    else:
        y = X[:, 0]
        scoring = make_scorer(mean_pinball_loss, alpha=2.0, greater_is_better=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = Search(l1s=[0], l2s=[0], cv=3, scoring=scoring, refit=False, **SMALL).fit(X, y)
        theirs = GridSearchCV(Single(**SMALL, l1=0, l2=0), {"l1": [0]}, cv=3,
                              scoring=scoring).fit(X, y)
    assert np.isnan(theirs.cv_results_["mean_test_score"]).all()
    np.testing.assert_array_equal(ours.cv_results_["mean_test_score"],
                                  theirs.cv_results_["mean_test_score"])


def test_a_poisson_search_takes_numeric_strings_as_grid_search_does():
    """Numeric strings as y: the Poisson search compared the strings with 0 (NumPy's
    UFuncTypeError); L1L2Regressor and GridSearchCV read them as numbers."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = np.array([str(v) for v in rng.poisson(2.0, 30)])
    settings = dict(hidden_layer_sizes=(4,), epochs=3, random_state=0, loss="poisson")
    ours = L1L2RegressorCV(l1s=[0], l2s=[0], cv=3, refit=False, **settings).fit(X, y)
    theirs = GridSearchCV(L1L2Regressor(**settings, l1=0, l2=0), {"l1": [0]}, cv=3).fit(X, y)
    np.testing.assert_array_equal(ours.cv_results_["mean_test_score"],
                                  theirs.cv_results_["mean_test_score"])
    with pytest.raises(ValueError, match="could not convert string to float"):
        L1L2RegressorCV(l1s=[0], l2s=[0], cv=3, **settings).fit(X, np.array(["a"] * 30))


def test_routing_an_aliased_own_score_request_scores_as_grid_search(wine):
    """scoring=None with set_score_request(sample_weight="other_name"): the search weighted its
    held-out scores by sample_weight; GridSearchCV leaves them unweighted (its scorer takes
    metadata named other_name, which was not passed)."""
    import sklearn

    X, y = wine
    weights = np.where(y == 0, 5.0, 0.2)
    settings = {**NETWORK, "epochs": 5}
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=3, **settings)
        search.set_fit_request(sample_weight=True).set_score_request(sample_weight="other_name")
        search.fit(X, y, sample_weight=weights)
        single = L1L2Classifier(**settings, l2=0).set_fit_request(sample_weight=True)
        grid = GridSearchCV(single.set_score_request(sample_weight="other_name"),
                            {"l1": [0, 1e-3]}, cv=3).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], grid.cv_results_["mean_test_score"]
    )


def test_routing_calls_a_plain_function_scorer_without_weights_as_grid_search(wine):
    """A plain function has no score request: GridSearchCV calls it without the weights under
    routing; the search refused it as an unset request."""
    import sklearn

    X, y = wine
    weights = np.where(y == 0, 5.0, 0.2)
    settings = {**NETWORK, "epochs": 5}

    def hits(estimator, X, y):
        return float(np.mean(estimator.predict(X) == y))

    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _assert_routed_like_grid_search(X, y, weights, hits, settings)


def test_feature_selection_takes_a_search_as_it_takes_logistic_regression_cv(wine):
    from sklearn.feature_selection import RFE, SelectFromModel

    X, y = wine
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **{**NETWORK, "epochs": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        selector = SelectFromModel(search).fit(X, y)
        np.testing.assert_array_equal(
            selector.estimator_.feature_importances_,
            selector.estimator_.best_estimator_.feature_importances_,
        )
        assert RFE(search, n_features_to_select=10, step=3).fit(X, y).n_features_ == 10
    with pytest.raises(NotFittedError):
        L1L2ClassifierCV().feature_importances_


def test_the_scorer_gets_an_estimator_of_its_own_for_every_member():
    """One estimator per pair took each fold's member in turn: a scorer that kept the
    estimators it scored (to log or average them) held the last fold's network in all of them,
    where GridSearchCV gives each fit its own."""
    X, y = make_classification(n_samples=90, n_features=4, random_state=0)
    seen = []

    def scorer(estimator, X_test, y_test):
        seen.append((estimator, estimator.predict_proba(X)))
        return estimator.score(X_test, y_test)

    L1L2ClassifierCV(
        l1s=[0.0], l2s=[0.0, 1e-3], cv=3, hidden_layer_sizes=(4,), epochs=3, random_state=0,
        scoring=scorer, refit=False,
    ).fit(X, y)
    assert len(seen) == 6
    assert len({id(estimator) for estimator, _ in seen}) == 6
    # Each kept estimator still holds the network it was scored with (six different ones).
    for estimator, proba in seen:
        np.testing.assert_array_equal(estimator.predict_proba(X), proba)
    assert len({proba.tobytes() for _, proba in seen}) == 6


def test_a_search_publishes_what_it_learns_at_its_end():
    """validate_data and the results were written to the search as it went: during a new
    search on other features, the search's n_features_in_, classes_ and cv_results_ already
    described the new data while predict (through the old best_estimator_) took the old."""
    X, y = make_classification(n_samples=90, n_features=4, random_state=0)
    search = L1L2ClassifierCV(
        l1s=[0.0], l2s=[0.0, 1e-3], cv=3, hidden_layer_sizes=(4,), epochs=3, random_state=0
    ).fit(X, y)
    before = {name: getattr(search, name) for name in ("n_features_in_", "classes_", "cv_results_",
                                                       "best_estimator_", "l2_")}
    expected = search.predict_proba(X)
    observed = []

    def scorer(estimator, X_test, y_test):
        observed.append({name: getattr(search, name) for name in before})
        np.testing.assert_array_equal(search.predict_proba(X), expected)
        return estimator.score(X_test, y_test)

    wider, labels = make_classification(n_samples=90, n_features=7, n_classes=3,
                                        n_informative=4, random_state=1)
    search.set_params(scoring=scorer, l2s=[0.0, 1e-3, 1e-2]).fit(wider, labels)
    assert len(observed) == 9
    for seen in observed:
        for name, value in before.items():
            assert seen[name] is value, name
    assert search.n_features_in_ == 7 and len(search.classes_) == 3
    assert search.best_estimator_.n_features_in_ == 7


def test_a_search_without_refit_leaves_no_earlier_best_estimator_and_drops_feature_names():
    import pandas as pd

    X, y = make_classification(n_samples=90, n_features=4, random_state=0)
    frame = pd.DataFrame(X, columns=list("abcd"))
    search = L1L2ClassifierCV(
        l1s=[0.0], l2s=[0.0], cv=3, hidden_layer_sizes=(4,), epochs=2, random_state=0
    ).fit(frame, y)
    assert hasattr(search, "best_estimator_") and hasattr(search, "feature_names_in_")
    search.set_params(refit=False).fit(X[:, :3], y)
    assert not hasattr(search, "best_estimator_") and not hasattr(search, "refit_time_")
    assert not hasattr(search, "feature_names_in_") and search.n_features_in_ == 3


@pytest.fixture(scope="module")
def fitted_accuracy_search(wine):
    X, y = wine
    search = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=2, scoring="accuracy",
                              **{**NETWORK, "epochs": 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return search.fit(X, y)


@pytest.mark.parametrize(
    "scoring", ["neg_log_loss", ["accuracy", "f1_macro"], {"a": "accuracy"}, "not_a_scorer"]
)
def test_score_keeps_the_fitted_scorer_after_set_params_as_grid_search(
    wine, fitted_accuracy_search, scoring
):
    """score read the scoring param: one set after the fit scored by a metric the search had
    not chosen by, returned a dict for several metrics, or failed; GridSearchCV scores by the
    scorer_ its fit fixed."""
    X, y = wine
    search = pickle.loads(pickle.dumps(fitted_accuracy_search))
    expected = float(np.mean(search.predict(X) == y))
    search.set_params(scoring=scoring)
    assert search.score(X, y) == expected


def test_score_of_several_metrics_keeps_the_metric_refit_named_at_the_fit(wine):
    X, y = wine
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, scoring=["accuracy", "f1_macro"],
                              refit="f1_macro", **{**NETWORK, "epochs": 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    expected = f1_score(y, search.predict(X), average="macro")
    search.set_params(refit="accuracy")
    assert search.score(X, y) == pytest.approx(expected)


def test_predict_follows_what_the_fit_kept_not_refit_as_set_since(wine, fitted_accuracy_search):
    """A search fitted with refit=True, then set to refit=False, said it "was fitted with
    refit=False"; one fitted with refit=False, then set to refit=True, raised a bare
    AttributeError for best_estimator_."""
    X, y = wine
    search = pickle.loads(pickle.dumps(fitted_accuracy_search))
    expected = search.predict(X)
    search.set_params(refit=False)
    np.testing.assert_array_equal(search.predict(X), expected)
    without = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, refit=False, **{**NETWORK, "epochs": 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        without.fit(X, y)
    without.set_params(refit=True)
    with pytest.raises(NotFittedError, match="fitted with refit=False"):
        without.predict(X)


def test_routing_passes_groups_to_the_splitter_as_logistic_regression_cv(wine):
    """With metadata routing on, the search took groups as a request of its own: a Pipeline or
    cross_validate passing groups for its GroupKFold raised UnsetMetadataPassedError, where
    LogisticRegressionCV and GridSearchCV route them to the splitter."""
    import sklearn
    from sklearn.model_selection import cross_validate
    from sklearn.pipeline import make_pipeline

    X, y = wine
    groups = np.arange(len(y)) % 3
    settings = dict(l1s=[0, 1e-2], l2s=[0], cv=GroupKFold(3), **{**NETWORK, "epochs": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        direct = L1L2ClassifierCV(**settings).fit(X, y, groups=groups)
        with sklearn.config_context(enable_metadata_routing=True):
            routing = L1L2ClassifierCV(**settings).get_metadata_routing()
            assert routing.consumes("fit", ["groups"]) == {"groups"}
            piped = make_pipeline(StandardScaler(), L1L2ClassifierCV(**settings))
            piped.fit(X, y, groups=groups)
            scores = cross_validate(
                L1L2ClassifierCV(**settings), X, y, params={"groups": groups}, cv=2
            )["test_score"]
    assert scores.shape == (2,)
    np.testing.assert_array_equal(
        piped[-1].cv_results_["mean_test_score"], direct.cv_results_["mean_test_score"]
    )


def test_routing_weights_score_as_its_scorer_requests(wine):
    """With metadata routing on, score weighted its scorer whatever the scorer's request said
    (fit follows the request; GridSearchCV refuses weights no one takes)."""
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.metrics import accuracy_score, make_scorer

    X, y = wine
    weights = np.where(y == 0, 5.0, 0.2)
    settings = dict(l1s=[0], l2s=[0], cv=2, **{**NETWORK, "epochs": 3})
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        declined = make_scorer(accuracy_score).set_score_request(sample_weight=False)
        search = L1L2ClassifierCV(scoring=declined, **settings).fit(X, y)
        with pytest.raises(TypeError, match="does not take it"):
            search.score(X, y, sample_weight=weights)
        own = L1L2ClassifierCV(**settings).fit(X, y)
        with pytest.raises(UnsetMetadataPassedError, match="set_score_request"):
            own.score(X, y, sample_weight=weights)
        own.set_score_request(sample_weight="other_name")
        with pytest.raises(TypeError, match="aliases it to 'other_name', metadata this search"):
            own.score(X, y, sample_weight=weights)
        own.set_score_request(sample_weight=True)
        expected = accuracy_score(y, own.predict(X), sample_weight=weights)
        assert own.score(X, y, sample_weight=weights) == pytest.approx(expected)


def test_routing_names_the_scorers_as_logistic_regression_cv(wine):
    """A Pipeline and cross_validate pass the weights a scorer asks for to the search, as they
    pass them to LogisticRegressionCV: its routing names the scorers (they had been left out,
    so that Pipeline.score and cross_validate refused the weights as unrequested)."""
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError
    from sklearn.metrics import accuracy_score, get_scorer, make_scorer
    from sklearn.model_selection import cross_validate
    from sklearn.pipeline import make_pipeline

    X, y = wine
    weights = np.where(y == 0, 5.0, 0.2)
    settings = dict(l1s=[0], l2s=[0], cv=2, **{**NETWORK, "epochs": 3})
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        routing = L1L2ClassifierCV(scoring=weighted, **settings).get_metadata_routing()
        assert routing.consumes("score", ["sample_weight"]) == {"sample_weight"}
        assert routing.consumes("fit", ["sample_weight"]) == {"sample_weight"}
        search = L1L2ClassifierCV(scoring=weighted, **settings).set_fit_request(sample_weight=True)
        piped = make_pipeline(StandardScaler().set_fit_request(sample_weight=False), search)
        piped.fit(X, y, sample_weight=weights)
        scaled = piped[0].transform(X)
        expected = accuracy_score(y, search.predict(scaled), sample_weight=weights)
        assert piped.score(X, y, sample_weight=weights) == pytest.approx(expected)
        assert piped.score(X, y, sample_weight=weights) != pytest.approx(search.score(scaled, y))
        # A scorer's alias for the weights is routed to fit, which says what to do instead (it
        # had been refused as any unknown keyword).
        aliased = make_scorer(accuracy_score).set_score_request(sample_weight="w")
        for fit in (
            lambda: L1L2ClassifierCV(scoring=aliased, **settings).fit(X, y, w=weights),
            lambda: make_pipeline(StandardScaler(), L1L2ClassifierCV(scoring=aliased, **settings))
            .fit(X, y, w=weights),
        ):
            with pytest.raises(TypeError, match=r"fit\(\) got 'w', the name a scorer's "
                                                r"set_score_request gives sample_weight"):
                fit()
        # Names nothing routes keep the message of any keyword fit does not take.
        with pytest.raises(TypeError, match="unexpected keyword argument 'g': fit takes X, y"):
            L1L2ClassifierCV(scoring=aliased, **settings).fit(X, y, g=np.arange(len(y)) % 2)
        # fit, as LogisticRegressionCV.fit, takes them only where the search's own request asks.
        with pytest.raises(UnsetMetadataPassedError, match=r"L1L2ClassifierCV\.fit"):
            make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                          L1L2ClassifierCV(scoring=weighted, **settings)).fit(
                X, y, sample_weight=weights)
        scores = cross_validate(
            L1L2ClassifierCV(scoring=weighted, **settings).set_fit_request(sample_weight=True),
            X, y, params={"sample_weight": weights}, cv=2, scoring=weighted,
        )["test_score"]
        assert scores.shape == (2,)
        # Several metrics: each scorer by its own request (an unset one is refused).
        both = L1L2ClassifierCV(scoring={"w": weighted, "plain": "accuracy"}, refit="w",
                                **settings)
        assert set(both.get_metadata_routing()._route_mappings) == {
            "splitter", "scorer_w", "scorer_plain"
        }
        # As GridSearchCV: scikit-learn 1.7's named scorers request nothing, so nothing is unset.
        unset = "sample_weight" in get_routing_for_object(get_scorer("accuracy")).score.requests
        with pytest.raises(UnsetMetadataPassedError) if unset else contextlib.nullcontext():
            make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                          both.set_fit_request(sample_weight=True)).fit(X, y, sample_weight=weights)
        # Scorers that take no weights (a metric without sample_weight, a plain function, one
        # that declines them):
        # Pipeline.score routes the name sample_weight even when it passes none, and refused it
        # when nothing in the search knew it.
        def hits(y_true, y_pred):
            return float(np.mean(y_true == y_pred))

        declined = make_scorer(accuracy_score).set_score_request(sample_weight=False)
        for scoring in (make_scorer(hits), lambda estimator, X, y: estimator.score(X, y),
                        declined):
            piped = make_pipeline(StandardScaler(), L1L2ClassifierCV(scoring=scoring, **settings))
            piped.fit(X, y)
            assert piped.score(X, y) == pytest.approx(piped[-1].score(piped[0].transform(X), y))
            grid = GridSearchCV(piped, {"standardscaler__with_mean": [True, False]}, cv=2)
            assert np.isfinite(grid.fit(X, y).best_score_)
        # scoring=None: the search's own score request, as before.
        own = L1L2ClassifierCV(**settings).set_score_request(sample_weight=True)
        own = own.get_metadata_routing()
        assert own.consumes("score", ["sample_weight"]) == {"sample_weight"}
        assert "scorer" not in own._route_mappings


def _costly_errors(y_true, y_pred, cost):
    return -float(np.sum(np.asarray(cost) * (y_true != y_pred)))


def test_routing_passes_any_metadata_the_splitter_and_scorers_request(wine):
    """With routing on, the search takes every name its routing lists, as GridSearchCV and
    LogisticRegressionCV: a group splitter's groups under another name, and metadata a scorer
    asks for besides sample_weight (each fold's rows of it), in fit and in score. Both had been
    refused as unknown keywords, though get_metadata_routing() listed them, so that a Pipeline
    or cross_validate passing them failed."""
    import sklearn
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import cross_validate
    from sklearn.pipeline import make_pipeline

    X, y = wine
    X = StandardScaler().fit_transform(X)
    groups = np.arange(len(y)) % 4
    cost = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    params = {**NETWORK, "epochs": 4}
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        costly = make_scorer(_costly_errors).set_score_request(cost=True)
        splitter = GroupKFold(2).set_split_request(groups="inner")
        search = L1L2ClassifierCV(l1s=[0, 1e-2], l2s=[0], cv=splitter, scoring=costly, **params)
        assert search.get_metadata_routing().consumes("fit", ["inner", "cost"]) == {
            "inner", "cost"}
        search.fit(X, y, inner=groups, cost=cost)
        grid = GridSearchCV(L1L2Classifier(**params), {"l1": [0, 1e-2], "l2": [0]}, cv=splitter,
                            scoring=costly).fit(X, y, inner=groups, cost=cost)
        np.testing.assert_allclose(search.cv_results_["split0_test_score"],
                                   grid.cv_results_["split0_test_score"], atol=1e-6)
        np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                                   grid.cv_results_["mean_test_score"], atol=1e-6)
        assert search.score(X, y, cost=cost) == pytest.approx(
            _costly_errors(y, search.predict(X), cost))
        assert search.score(X, y, cost=cost) == pytest.approx(grid.score(X, y, cost=cost))
        # Through a Pipeline and cross_validate.
        piped = make_pipeline(StandardScaler(), clone(search)).fit(X, y, inner=groups, cost=cost)
        assert piped.score(X, y, cost=cost) == pytest.approx(
            _costly_errors(y, piped.predict(X), cost))
        # (Scored by the same scorer: scikit-learn 1.7's cross_validate passes the search's own
        # score no metadata.)
        scores = cross_validate(clone(search), X, y, cv=2, params={"inner": groups, "cost": cost},
                                scoring=costly, error_score="raise")["test_score"]
        assert scores.shape == (2,)
        # Several metrics: each gets what its own scorer asks for.
        both = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=splitter, refit="cost",
                                scoring={"cost": costly, "accuracy": "accuracy"}, **params)
        both.fit(X, y, inner=groups, cost=cost)
        assert np.isfinite(both.cv_results_["mean_test_cost"]).all()
        # What nothing routes is refused by name, in fit and in score.
        with pytest.raises(TypeError, match="unexpected keyword argument 'weight'"):
            clone(search).fit(X, y, inner=groups, cost=cost, weight=cost)
        with pytest.raises(TypeError, match="unexpected keyword argument 'inner': score takes"):
            search.score(X, y, cost=cost, inner=groups)
    # Without routing, as before: fit and score take sample_weight and groups alone.
    with pytest.raises(TypeError, match="unexpected keyword argument 'cost': score takes X, y "
                                        "and sample_weight"):
        search.score(X, y, cost=cost)


SMALL = dict(hidden_layer_sizes=(4,), epochs=3, random_state=0)


def _small_data(n=40):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(int)


@pytest.mark.parametrize("kind", ["negative indices", "boolean masks"])
def test_splits_as_negative_indices_or_masks_score_as_grid_search(kind):
    """Valid NumPy indexing, as GridSearchCV takes it: negative indices reached tf.gather
    (InvalidArgumentError inside TensorFlow), boolean masks a bare IndexError."""
    X, y = _small_data()
    rows = np.arange(40)
    if kind == "negative indices":
        cv = [(rows[:20] - 40, rows[20:]), (rows[20:] - 40, rows[:20])]
    else:
        first = rows < 20
        cv = [(first, ~first), (~first, first)]
    ours = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=cv, refit=False, **SMALL).fit(X, y)
    theirs = _grid_search(L1L2Classifier(**SMALL), X, y, [0, 1e-3], [0], cv)
    _assert_same_results(ours, theirs)


@pytest.mark.parametrize("Search, Single", [(L1L2ClassifierCV, L1L2Classifier),
                                            (L1L2RegressorCV, L1L2Regressor)])
@pytest.mark.parametrize("weighted", [False, True])
def test_an_empty_training_fold_is_a_failed_fit_as_in_grid_search(Search, Single, weighted):
    """A training fold without rows was refused with scikit-learn's "Sample weights must contain
    at least one non-zero number" (no weights given), as missing a class (the classifier), or
    blamed on the weights (weights given); GridSearchCV scores its fits error_score."""
    X, y = _small_data()
    y = y if Search is L1L2ClassifierCV else X[:, 0]
    rows = np.arange(40)
    cv = [(rows[:30], rows[30:]), (rows[:0], rows[30:])]
    fit_params = {"sample_weight": np.ones(40)} if weighted else {}
    non_finite = pytest.warns(UserWarning, match="test scores are non-finite")
    with pytest.warns(FitFailedWarning, match="2 had a training fold without rows"), non_finite:
        ours = Search(l1s=[0, 1e-3], l2s=[0], cv=cv, refit=False, **SMALL).fit(X, y, **fit_params)
    with pytest.warns(FitFailedWarning), pytest.warns(UserWarning, match="non-finite"):
        theirs = GridSearchCV(Single(**SMALL), {"l1": [0, 1e-3], "l2": [0]}, cv=cv,
                              refit=False).fit(X, y, **fit_params)
    assert np.isnan(ours.cv_results_["split1_test_score"]).all()
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_allclose(ours.cv_results_[key], theirs.cv_results_[key], atol=1e-6)
    with pytest.raises(ValueError, match="training fold 1 of the splits cv gave has no rows"):
        Search(l1s=[0], l2s=[0], cv=cv, error_score="raise", **SMALL).fit(X, y, **fit_params)


def test_a_sparse_multilabel_y_reaches_scorer_and_members_sparse_as_in_grid_search():
    """The search densified a sparse indicator y: the scorer got a dense y and each member
    predicted dense arrays (a scorer written for sparse ones failed on every fold), while the
    refit predicted sparse."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    Y = scipy.sparse.csr_matrix((X[:, :3] + 0.3 * rng.normal(size=(60, 3)) > 0).astype(int))
    seen = []

    def sparse_f1(estimator, X_test, y_test):
        predicted = estimator.predict(X_test)
        seen.append((scipy.sparse.issparse(y_test), scipy.sparse.issparse(predicted)))
        return f1_score(y_test.toarray(), predicted.toarray(), average="samples", zero_division=0)

    ours = L1L2ClassifierCV(
        l1s=[0, 1e-3], l2s=[0], cv=2, scoring=sparse_f1, refit=False, **SMALL
    ).fit(X, Y)
    assert seen and all(flags == (True, True) for flags in seen)
    theirs = GridSearchCV(L1L2Classifier(**SMALL), {"l1": [0, 1e-3], "l2": [0]}, cv=2,
                          scoring=sparse_f1, refit=False).fit(X, Y)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], atol=1e-6
    )


def test_routing_refuses_groups_that_the_splitter_does_not_take():
    """With metadata routing on, groups passed beside a KFold were silently unused, where
    GridSearchCV and LogisticRegressionCV refuse them; a group splitter still gets them."""
    import sklearn

    X, y = _small_data()
    groups = np.arange(40) % 4
    with sklearn.config_context(enable_metadata_routing=True):
        search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=KFold(2), refit=False, **SMALL)
        with pytest.raises(TypeError, match="groups.*not routed to any object"):
            search.fit(X, y, groups=groups)
        grouped = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=GroupKFold(2), refit=False, **SMALL)
        grouped.fit(X, y, groups=groups)
    expected = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=GroupKFold(2), refit=False, **SMALL)
    expected.fit(X, y, groups=groups)
    np.testing.assert_array_equal(
        grouped.cv_results_["mean_test_score"], expected.cv_results_["mean_test_score"]
    )


def test_a_numpy_integer_batch_size_searches_as_the_int():
    """np.uint8(100) reached the memory check's products in uint8 arithmetic: OverflowError
    (a wider type could wrap around silently), where the single estimator took it."""
    X, y = _small_data(600)
    search = dict(l1s=[0], l2s=[0], cv=2, refit=False, **SMALL)
    given = L1L2ClassifierCV(**search, batch_size=np.uint8(100)).fit(X, y)
    plain = L1L2ClassifierCV(**search, batch_size=100).fit(X, y)
    np.testing.assert_array_equal(
        given.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"]
    )


def test_a_sparse_column_of_labels_is_scored_as_the_dense_one():
    """A first fix kept every sparse y sparse for the scorer: a sparse column of class labels
    (not a multilabel indicator) then failed every score ("Sparse input is only supported when
    targets are of multilabel type")."""
    X, y = _small_data(30)
    search = dict(l1s=[0, 1e-3], l2s=[0], cv=3, refit=False, **SMALL)
    from sklearn.exceptions import DataConversionWarning

    with pytest.warns(DataConversionWarning, match="column-vector y"):  # as a single fit warns
        sparse = L1L2ClassifierCV(**search).fit(X, scipy.sparse.csr_matrix(y[:, None]))
    dense = L1L2ClassifierCV(**search).fit(X, y)
    np.testing.assert_array_equal(
        sparse.cv_results_["mean_test_score"], dense.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize("kind", ["SciPy column", "DataFrame of a sparse column", "1-D coo_array"])
def test_score_takes_the_sparse_column_of_labels_that_fit_took(kind):
    """fit takes a sparse single column of labels as 1-D y; score had passed it to
    accuracy_score as it was, which refused it (a TypeError), for the single classifier and the
    search alike."""
    import pandas as pd

    X, y = _small_data(30)
    column = scipy.sparse.csr_matrix(y[:, None])
    if kind == "DataFrame of a sparse column":
        column = pd.DataFrame.sparse.from_spmatrix(column)
    elif kind == "1-D coo_array":  # fit takes it; score had failed inside scikit-learn
        column = scipy.sparse.coo_array(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the column vector's DataConversionWarning
        single = L1L2Classifier(**SMALL).fit(X, column)
        search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=3, **SMALL).fit(X, column)
    assert single.score(X, column) == single.score(X, y)
    assert search.score(X, column) == search.score(X, y)


@pytest.mark.parametrize(
    "split, message",
    [
        # 2-D indices had failed inside the training with an AttributeError ('Multilabel'
        # object has no attribute 'tolist'); GridSearchCV's fits fail on a 3-D X.
        ((np.arange(20).reshape(10, 2), np.arange(20, 40)),
         r"split 0 gave training indices of shape \(10, 2\) and dtype int64: each must be a 1-D"),
        ((np.arange(20), np.arange(20, 40).reshape(10, 2)), r"split 0 gave test indices of shape"),
        # Floats and strings had raised NumPy's IndexError.
        ((np.arange(20) + 0.0, np.arange(20, 40)), r"training indices of shape \(20,\) and dtype "
         "float64"),
        ((np.arange(20).astype(str), np.arange(20, 40)), r"training indices .* dtype <U"),
        ((np.arange(20), np.arange(30, 41)), r"split 0 gave test indices outside the 40 rows"),
        ((np.arange(20) - 41, np.arange(20, 40)), r"training indices outside the 40 rows"),
        ((np.arange(39) < 20, np.arange(40) >= 20), r"training mask of 39 values for 40 rows"),
    ],
)
def test_splits_that_are_not_row_indices_are_clear_errors(split, message):
    X, y = _small_data()
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=[(np.arange(20, 40), np.arange(20)), split],
                              **SMALL)
    with pytest.raises(ValueError, match=message.replace("split 0", "split 1")):
        search.fit(X, y)
    assert not hasattr(search, "cv_results_")


def test_empty_folds_given_as_python_lists_are_failed_fits_or_nan_scores():
    """np.asarray([]) is float64: an empty list as a split's fold raised NumPy's IndexError."""
    X, y = _small_data(30)
    rows = list(range(30))
    empty_train = [([], rows[10:]), (rows[:10] + rows[20:], rows[10:20])]
    empty_test = [(rows[:20], []), (rows[:10] + rows[20:], rows[10:20])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trained = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=empty_train, refit=False, **SMALL)
        scored = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=empty_test, refit=False, **SMALL)
        assert np.isnan(trained.fit(X, y).cv_results_["split0_test_score"]).all()
        assert np.isnan(scored.fit(X, y).cv_results_["split0_test_score"]).all()
        assert not np.isnan(scored.cv_results_["split1_test_score"]).any()


@pytest.mark.parametrize("edits", ["X", "y"])
def test_a_scorer_that_edits_its_rows_in_place_changes_no_other_pairs_scores(edits):
    """Each member is scored on rows of its own, as GridSearchCV indexes them for every fit: the
    fold's held-out (and training) rows had been shared by its pairs, so that a scorer that
    edits them in place changed the scores of the pairs after it."""
    X, y = _small_data(60)

    def accuracy(estimator, X_scored, y_scored):
        return float(np.mean(estimator.predict(X_scored) == y_scored))

    def editing(estimator, X_scored, y_scored):
        score = accuracy(estimator, X_scored, y_scored)
        if edits == "X":
            X_scored *= -1.0
        else:
            y_scored[:] = 1 - y_scored
        return score

    settings = dict(SMALL, l1s=[0.0, 1e-4], l2s=[0.0, 1e-4], cv=3, return_train_score=True)
    clean = L1L2ClassifierCV(**settings, scoring=accuracy).fit(X, y).cv_results_
    edited = L1L2ClassifierCV(**settings, scoring=editing).fit(X, y).cv_results_
    for part in ("test", "train"):
        for fold in range(3):
            key = f"split{fold}_{part}_score"
            np.testing.assert_array_equal(edited[key], clean[key])
    assert np.array_equal(X, _small_data(60)[0])  # the caller's rows are never the scorer's


def test_routing_changes_and_copies_nothing_of_the_search():
    """The routing's own request is the search's, changed for its scorers: it had been a deep
    copy, whose owner, the search itself, was copied along (a fitted search whose refit held a
    used CSVLogger could not be routed), and it leaves the search's requests as they were."""
    import threading

    import sklearn
    from sklearn.metrics import accuracy_score, make_scorer

    from l1l2_estimator._compat import own_metadata_request

    with sklearn.config_context(enable_metadata_routing=True):
        weighted = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        search = L1L2ClassifierCV(scoring=weighted, **SMALL).set_score_request(sample_weight=True)
        search.lock = threading.Lock()  # what deepcopy refuses
        routing = search.get_metadata_routing()
        assert routing.consumes("score", ["sample_weight"]) == {"sample_weight"}
        assert own_metadata_request(search).score.requests == {"sample_weight": True}


@pytest.mark.parametrize("search_class", [L1L2ClassifierCV, L1L2RegressorCV])
def test_x_beyond_float32_is_refused_before_the_splitter_warns(search_class):
    """X is checked against float32's range before the folds are drawn: the splitter's warning
    about a class too small for its folds had come before the error."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    X[0, 0] = 1e39
    y = np.r_[np.zeros(19), 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="X holds finite values beyond float32's range"):
            search_class(l1s=[0], l2s=[0], epochs=2, cv=2).fit(X, y)


@pytest.mark.parametrize("search_class", [L1L2ClassifierCV, L1L2RegressorCV])
def test_negative_sample_weight_is_refused_before_any_member_trains(search_class, monkeypatch):
    """As by a single fit: the search had failed the folds whose training rows held the weight,
    warned, and raised only in its refit."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.arange(20) % 2
    weights = np.ones(20)
    weights[3] = -1

    def trained(*args, **kwargs):
        raise AssertionError("a member trained")

    monkeypatch.setattr(_base, "train_ensemble", trained)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
            search_class(l1s=[0], l2s=[0], epochs=2, cv=2).fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("ragged", [[0, [1e-4]], [0, (1e-4, 1e-3)]])
def test_a_ragged_penalty_list_is_refused_by_name(ragged):
    """NumPy's "inhomogeneous shape" had come first, naming no list."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="l2s must be a non-empty list of numbers"):
        L1L2ClassifierCV(l1s=[0], l2s=ragged, epochs=2, cv=2).fit(X, np.arange(20) % 2)


def test_best_estimator_holds_a_copy_of_the_chosen_architecture(wine):
    """As GridSearchCV's refit (clone of best_params_): the chosen list of layer sizes was the
    caller's own object, so editing it after the fit changed the fitted best_estimator_ (whose
    dump was then refused)."""
    X, y = wine
    architectures = [[3], [4]]
    search = L1L2ClassifierCV(
        hidden_layer_sizes=architectures, l1s=[0], l2s=[0], cv=2, epochs=3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    chosen = list(search.hidden_layer_sizes_)
    architectures[search.best_index_].append(2)
    assert search.best_estimator_.hidden_layer_sizes == chosen
