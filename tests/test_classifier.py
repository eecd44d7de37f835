"""Behaviour users rely on: the recipe, sklearn tools, params, errors, reproducibility, pickling."""

import copy
import json
import os
import pickle
import re
import subprocess
import sys
import textwrap
import threading
import warnings

import joblib
import keras
import numpy as np
import pytest
import scipy.special
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags

from l1l2_estimator import (
    L1L2Classifier,
    L1L2ClassifierCV,
    L1L2Regressor,
    L1L2RegressorCV,
    _training,
    dump,
    load,
)

from .conftest import FAST


def test_is_a_classifier_by_sklearn_tags():
    assert is_classifier(L1L2Classifier())
    assert get_tags(L1L2Classifier()).estimator_type == "classifier"


def test_seed_recipe_confusion_matrix(recipe_split):
    X_train, X_test, y_train, y_test = recipe_split
    clf = L1L2Classifier(hidden_layer_sizes=(64, 32), l1=1e-5, l2=1e-4, random_state=0)
    clf = make_pipeline(StandardScaler(), clf).fit(X_train, y_train)
    predicted = clf.predict(X_test)
    matrix = confusion_matrix(y_test, predicted)
    assert matrix.shape == (2, 2)
    assert matrix.sum() == len(y_test)
    assert np.trace(matrix) / len(y_test) > 0.8


def test_string_and_multiclass_labels(multiclass_data, fitted_multiclass):
    X, y = multiclass_data
    labels = np.array(["ant", "bee", "cat"])[y]
    assert list(fitted_multiclass.classes_) == ["ant", "bee", "cat"]
    predicted = fitted_multiclass.predict(X)
    assert predicted.dtype == labels.dtype
    assert set(predicted) <= {"ant", "bee", "cat"}
    proba = fitted_multiclass.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(
        fitted_multiclass.predict_log_proba(X), np.log(proba), rtol=1e-12, atol=1e-15
    )
    assert fitted_multiclass.score(X, labels) > 0.8


def test_binary_proba_has_two_columns(binary_data, fitted_binary):
    X, y = binary_data
    proba = fitted_binary.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_array_equal(fitted_binary.classes_, [0, 1])
    np.testing.assert_array_equal(fitted_binary.predict(X), proba.argmax(axis=1))


def test_grid_search_over_l1_l2_and_layer_sizes(binary_data):
    X, y = binary_data
    grid = GridSearchCV(
        L1L2Classifier(epochs=10, random_state=0),
        {"l1": [0.0, 1e-3], "l2": [0.0, 1e-3], "hidden_layer_sizes": [(8,), (8, 4)]},
        cv=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 8
    assert set(grid.best_params_) == {"l1", "l2", "hidden_layer_sizes"}
    assert grid.best_estimator_.hidden_layer_sizes == grid.best_params_["hidden_layer_sizes"]


def test_pipeline_with_nested_params(binary_data):
    X, y = binary_data
    pipeline = make_pipeline(StandardScaler(), L1L2Classifier(**FAST))
    pipeline.set_params(l1l2classifier__l1=1e-3, l1l2classifier__hidden_layer_sizes=(8,))
    assert pipeline.get_params()["l1l2classifier__l1"] == 1e-3
    grid = GridSearchCV(pipeline, {"l1l2classifier__l2": [0.0, 1e-3]}, cv=2).fit(X, y)
    assert grid.best_estimator_[-1].hidden_layer_sizes == (8,)
    assert grid.score(X, y) > 0.8


def test_larger_l1_shrinks_first_layer(binary_data):
    X, y = binary_data
    params = dict(FAST, hidden_layer_sizes=(32,), tol=0, n_iter_no_change=30)
    weak = L1L2Classifier(l1=0.0, l2=0.0, **params).fit(X, y)
    strong = L1L2Classifier(l1=3e-2, l2=0.0, **params).fit(X, y)
    weak_norm = np.abs(weak.coefs_[0]).sum()
    strong_norm = np.abs(strong.coefs_[0]).sum()
    assert strong_norm < 0.5 * weak_norm


def test_fitted_network_has_one_dense_per_layer_plus_output(fitted_multiclass):
    layers = fitted_multiclass.model_.layers
    assert [layer.units for layer in layers] == [16, 3]
    assert all(isinstance(layer.kernel_regularizer, keras.regularizers.L1L2) for layer in layers)
    assert [c.shape for c in fitted_multiclass.coefs_] == [(8, 16), (16, 3)]
    assert [b.shape for b in fitted_multiclass.intercepts_] == [(16,), (3,)]


def test_model_penalizes_with_the_fitted_l1_and_l2_after_set_params(binary_data):
    """model_ is the fitted network: its regularizers are the penalties its weights were fitted
    with, whether it is first built before or after set_params, or after pickling."""
    import pickle

    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, "epochs": 2}, l1=1e-5, l2=1e-4).fit(X, y)
    clf.set_params(l1=0.5, l2=0.25)
    for model in (clf.model_, pickle.loads(pickle.dumps(clf)).model_):
        for layer in model.layers:
            assert layer.kernel_regularizer.l1 == pytest.approx(1e-5)
            assert layer.kernel_regularizer.l2 == pytest.approx(1e-4)
    clf.fit(X, y)  # a refit takes the new penalties
    assert clf.model_.layers[0].kernel_regularizer.l1 == pytest.approx(0.5)


def test_two_fitted_networks_can_be_called_in_one_keras_model(binary_data):
    """Every model_ was named "l1l2_network", and a Keras model that averaged two fitted
    networks refused them: 'The name "l1l2_network" is used 2 times in the model'."""
    X, y = binary_data
    first = L1L2Classifier(**{**FAST, "epochs": 2}).fit(X, y)
    second = L1L2Classifier(**{**FAST, "epochs": 2, "random_state": 1}).fit(X, y)
    features = keras.Input((X.shape[1],))
    averaged = keras.Model(
        features, keras.layers.Average()([first.model_(features), second.model_(features)])
    )
    assert first.model_.name != second.model_.name
    expected = (first.predict_proba(X)[:, 1] + second.predict_proba(X)[:, 1]) / 2
    np.testing.assert_allclose(averaged(X[:5]).numpy().ravel(), expected[:5], atol=1e-6)


@pytest.mark.parametrize("change", ["in place", "replaced"])
def test_model_follows_coefs_changed_after_it_was_built(change, binary_data):
    """model_, once built, was kept while coefs_ and intercepts_ changed (in place, or assigned
    as MLPClassifier's may be): it then disagreed with predict, until a pickle round trip. Left
    unchanged, they keep the same model_ (and what model_.fit taught it)."""
    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, "epochs": 2}).fit(X, y)
    model = clf.model_
    assert clf.model_ is model
    if change == "in place":
        clf.coefs_[0][:] = 0
    else:
        clf.coefs_ = [np.zeros_like(clf.coefs_[0]), *clf.coefs_[1:]]
    rebuilt = clf.model_
    assert rebuilt is not model
    np.testing.assert_allclose(
        rebuilt.predict(X[:5], verbose=0).ravel(), clf.predict_proba(X[:5])[:, 1], atol=1e-6
    )
    rebuilt.fit(X, y, epochs=1, verbose=0)
    assert clf.model_ is rebuilt  # model_.fit changes the copy, not coefs_


@pytest.mark.parametrize("labels", [[3, 7], ["ant", "bee", "cat"]])
def test_model_learns_and_predicts_in_the_target_encoders_terms(labels, multiclass_data):
    """What the model_ docstring and README say: Keras' own fit and evaluate on model_ take
    target_encoder_.transform(y), whose inverse maps model_.predict back to predict's labels."""
    X, y = multiclass_data
    y = np.asarray(labels)[y % len(labels)]
    clf = L1L2Classifier(**{**FAST, "epochs": 3}).fit(X, y)
    outputs = clf.model_.predict(X, verbose=0)
    assert outputs.shape == (len(X), 1 if len(labels) == 2 else len(labels))
    np.testing.assert_array_equal(clf.target_encoder_.inverse_transform(outputs), clf.predict(X))
    loss = clf.model_.evaluate(X, clf.target_encoder_.transform(y), verbose=0)
    assert 0 < loss < 5


def test_same_seed_same_probabilities_and_other_seed_differs(binary_data, fitted_binary):
    X, y = binary_data
    again = L1L2Classifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), fitted_binary.predict_proba(X))
    other = L1L2Classifier(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(other.predict_proba(X), fitted_binary.predict_proba(X))


_SUBPROCESS_FIT = textwrap.dedent(
    """
    import json, sys, numpy as np
    from sklearn.datasets import make_classification
    from l1l2_estimator import L1L2Classifier
    X, y = make_classification(n_samples=300, n_features=8, n_informative=4, random_state=0)
    clf = L1L2Classifier(**json.loads(sys.argv[2])).fit(X, y)
    np.save(sys.argv[1], clf.predict_proba(X))
    """
)


def test_same_seed_same_probabilities_in_another_process(binary_data, fitted_binary, tmp_path):
    X, _ = binary_data
    out = tmp_path / "proba.npy"
    subprocess.run([sys.executable, "-c", _SUBPROCESS_FIT, str(out), json.dumps(FAST)], check=True)
    np.testing.assert_array_equal(np.load(out), fitted_binary.predict_proba(X))


_SUBPROCESS_LOAD = textwrap.dedent(
    """
    import sys, pickle, joblib, numpy as np
    X = np.load(sys.argv[1])
    with open(sys.argv[2], "rb") as handle:
        from_pickle = pickle.load(handle)
    from_joblib = joblib.load(sys.argv[3])
    np.save(sys.argv[4], np.stack([from_pickle.predict_proba(X), from_joblib.predict_proba(X)]))
    print(type(from_pickle.model_).__name__, from_joblib.predict(X[:3]).tolist())
    """
)


def test_pickle_and_joblib_round_trip_in_new_process(multiclass_data, fitted_multiclass, tmp_path):
    X, _ = multiclass_data
    np.save(tmp_path / "X.npy", X)
    with open(tmp_path / "model.pkl", "wb") as handle:
        pickle.dump(fitted_multiclass, handle)
    joblib.dump(fitted_multiclass, tmp_path / "model.joblib")
    paths = [tmp_path / name for name in ("X.npy", "model.pkl", "model.joblib", "out.npy")]
    done = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS_LOAD, *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
    )
    expected = fitted_multiclass.predict_proba(X)
    both = np.load(tmp_path / "out.npy")
    np.testing.assert_array_equal(both[0], expected)
    np.testing.assert_array_equal(both[1], expected)
    assert done.stdout.startswith("Sequential")
    assert done.stdout.split(" ", 1)[1].strip() == str(fitted_multiclass.predict(X[:3]).tolist())


def test_unpickled_estimator_keeps_training(multiclass_data, fitted_multiclass):
    X, y = multiclass_data
    labels = np.array(["ant", "bee", "cat"])[y]
    copy = pickle.loads(pickle.dumps(fitted_multiclass))
    before = copy.n_iter_
    copy.partial_fit(X, labels)
    assert copy.n_iter_ == before + 1
    assert fitted_multiclass.n_iter_ == before


_OPTIMIZER_MODULE = """
import keras

@keras.saving.register_keras_serializable(package="mine")
class MySGD(keras.optimizers.SGD):
    pass

@keras.saving.register_keras_serializable(package="mine")
class Constant(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, rate):
        self.rate = rate

    def __call__(self, step):
        return self.rate

    def get_config(self):
        return {"rate": self.rate}
"""

_PICKLE_IT = """
import pickle, sys
import numpy as np
from l1l2_estimator import L1L2Classifier
from mine import Constant, MySGD
X = np.random.RandomState(0).normal(size=(40, 3))
estimator = L1L2Classifier(hidden_layer_sizes=(4,), epochs=3, random_state=0,
                           optimizer=MySGD(learning_rate=Constant(0.05), momentum=0.5))
with open(sys.argv[1], "wb") as handle:
    pickle.dump(estimator.fit(X, X[:, 0] > 0), handle)
np.save(sys.argv[2], estimator.coefs_[0])
"""

# A fresh process that never imports the optimizer's module itself, as a joblib worker.
_UNPICKLE_AND_REFIT = """
import pickle, sys
import numpy as np
with open(sys.argv[1], "rb") as handle:
    estimator = pickle.load(handle)
schedule = estimator.optimizer.get_config()["learning_rate"]
print(type(estimator.optimizer).__name__, schedule["class_name"])
X = np.random.RandomState(0).normal(size=(40, 3))
np.save(sys.argv[2], estimator.fit(X, X[:, 0] > 0).coefs_[0])
"""


def test_an_optimizer_class_of_ones_own_unpickles_where_its_module_was_not_imported(tmp_path):
    """scikeras pickles an optimizer as its config alone: in a fresh process (a loky worker of
    cross_val_score(n_jobs=2)) nothing imported the module of a registered class of one's own,
    and the optimizer param came back as its name, 'MySGD', which the params refuse."""
    (tmp_path / "mine.py").write_text(_OPTIMIZER_MODULE)
    paths = [str(tmp_path / name) for name in ("estimator.pkl", "first.npy", "again.npy")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    subprocess.run([sys.executable, "-c", _PICKLE_IT, paths[0], paths[1]], check=True, env=env)
    done = subprocess.run(
        [sys.executable, "-c", _UNPICKLE_AND_REFIT, paths[0], paths[2]],
        check=True, capture_output=True, text=True, env=env,
    )
    assert done.stdout.split() == ["MySGD", "Constant"]
    np.testing.assert_array_equal(np.load(paths[1]), np.load(paths[2]))


def test_estimators_with_an_optimizer_of_a_local_class_copy_and_pickle():
    """A first fix pickled the optimizer's class by reference: a registered class defined in a
    function no longer pickled (nor joblib.hash-ed), and copy.copy left a wrapper in the
    optimizer param, which the next fit refused."""
    import copy

    @keras.saving.register_keras_serializable(package="local_test")
    class LocalSGD(keras.optimizers.SGD):
        pass

    estimator = L1L2Classifier(hidden_layer_sizes=(3,), epochs=2, optimizer=LocalSGD(0.05))
    assert type(copy.copy(estimator).optimizer) is LocalSGD
    assert type(pickle.loads(pickle.dumps(estimator)).optimizer) is LocalSGD
    assert joblib.hash(estimator) == joblib.hash(clone(estimator))


@pytest.mark.parametrize("optimizer_class", [keras.optimizers.Lamb, keras.optimizers.Adam])
def test_every_keras_optimizer_survives_clone_copy_and_pickle(binary_data, optimizer_class):
    """Keras' own optimizers pickled as scikeras pickles them, through
    ``keras.optimizers.deserialize``, which returned Keras 3.15's Lamb as the string "Lamb": a
    clone, copy or unpickled estimator then refused its own optimizer param (GridSearchCV failed
    every fit), and L1L2ClassifierCV raised a bare KeyError."""
    import copy

    X, y = binary_data
    estimator = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0,
                               optimizer=optimizer_class(learning_rate=0.01))
    expected = estimator.fit(X, y).predict_proba(X)
    for twin in (clone(estimator), copy.deepcopy(estimator), pickle.loads(pickle.dumps(estimator))):
        assert type(twin.optimizer) is optimizer_class
        assert twin.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)
        np.testing.assert_array_equal(twin.fit(X, y).predict_proba(X), expected)


@pytest.mark.parametrize(
    # (Keras 3.10, the lowest supported, has no ScheduleFreeAdamW.)
    "name", [name for name in ("Lamb", "Muon", "ScheduleFreeAdamW", "Adam")
             if hasattr(keras.optimizers, name)],
)
def test_optimizers_another_keras_may_lack_are_pickled_to_say_so(name):
    """scikeras' unpickler rebuilds an optimizer through keras.optimizers.deserialize, which in
    Keras 3.10 returns Muon, Lamb and ScheduleFreeAdamW (pickled under 3.15) as their names: the
    unpickled estimator refused its own optimizer param at its next fit. Only the optimizers
    every supported Keras rebuilds so are pickled as scikeras pickles them (such pickles load
    without this package); the others through the package, which says what went wrong."""
    from l1l2_estimator import _environment

    optimizer = getattr(keras.optimizers, name)(learning_rate=0.01)
    reducer = optimizer.__reduce__()[0]
    assert (reducer is _environment._unpickled_optimizer) is (name != "Adam")
    estimator = L1L2Classifier(optimizer=optimizer)
    assert type(pickle.loads(pickle.dumps(estimator)).optimizer) is type(optimizer)
    if name == "Adam":
        return
    # As from a Keras that has no such class: the same pickle, the class renamed.
    missing = name[:-1] + chr(ord(name[-1]) + 1)
    # (Keras 3.10 says "Could not locate class", 3.15 "Could not deserialize".)
    with pytest.raises(TypeError, match=(
        rf"^The pickled estimator's optimizer is Keras' {missing}, which this process's Keras "
        rf"{re.escape(keras.version())} cannot rebuild \(Could not .*{missing}.*\): it was "
        r"pickled under another Keras version\. Unpickle it where that version is installed, "
        r"or fit the estimator again here\.$"
    )):
        pickle.loads(pickle.dumps(estimator).replace(name.encode(), missing.encode()))


@pytest.mark.parametrize("version, refused", [("3.10.0", True), ("3.12.4", True),
                                              ("3.13.0rc1", False), ("3.15.1", False)])
def test_muon_is_refused_where_keras_cannot_train_it(binary_data, monkeypatch, version, refused):
    # Keras 3.10 to 3.12's Muon failed 44 frames inside Keras: "'ResourceVariable' object has
    # no attribute 'path'" (checked with Keras 3.10.0, 3.11.3 and 3.12.0 under TensorFlow 2.16).
    from l1l2_estimator._params import _keras_before

    X, y = binary_data
    trains = not _keras_before(3, 13)  # this process' Keras
    monkeypatch.setattr(keras, "version", lambda: version)
    estimator = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0,
                               optimizer=keras.optimizers.Muon(learning_rate=0.01))
    if refused:
        with pytest.raises(ValueError, match=rf"optimizer=Muon\(\.\.\.\) fails in training "
                                             rf"under Keras {re.escape(version)} .*upgrade "
                                             "Keras to 3.13 or later"):
            estimator.fit(X, y)
    elif trains:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            assert np.isfinite(estimator.fit(X, y).predict_proba(X)).all()
    else:  # under the lowest Keras, which cannot train it: taken by the check alone
        from l1l2_estimator._params import optimizer_config

        assert optimizer_config(estimator.get_params())["class_name"] == "Muon"


def test_parallel_cross_validation_and_grid_search(binary_data):
    X, y = binary_data
    clf = L1L2Classifier(hidden_layer_sizes=(8,), epochs=10, random_state=0)
    serial = cross_val_score(clf, X, y, cv=2, n_jobs=1)
    parallel = cross_val_score(clf, X, y, cv=2, n_jobs=2)
    np.testing.assert_allclose(parallel, serial)
    grid = GridSearchCV(clf, {"l1": [0.0, 1e-3]}, cv=2, n_jobs=2).fit(X, y)
    assert grid.best_estimator_.n_features_in_ == X.shape[1]


def test_pandas_input_sets_feature_names(binary_data):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = L1L2Classifier(**{**FAST, "epochs": 5}).fit(frame, pd.Series(y))
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)
    renamed = frame.rename(columns={"f0": "other"})
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(renamed)


def test_numpy_scalars_are_accepted_as_params(binary_data):
    X, y = binary_data
    clf = L1L2Classifier(
        **{**FAST, "epochs": 2},
    ).set_params(l1=np.float32(1e-4), l2=np.float64(1e-4), hidden_layer_sizes=np.array([6, 3]))
    assert [layer.units for layer in clf.fit(X, y).model_.layers] == [6, 3, 1]


def test_clone_and_set_params_keep_every_param():
    clf = L1L2Classifier(
        hidden_layer_sizes=(7, 3), l1=0.1, l2=0.2, activation="tanh", optimizer__beta_1=0.8
    )
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    copy.set_params(l1=0.5, optimizer__beta_1=0.7, epochs=3)
    assert (copy.l1, copy.optimizer__beta_1, copy.epochs) == (0.5, 0.7, 3)
    assert clf.l1 == 0.1


def test_params_are_the_signature_and_routed_arguments():
    """As in scikit-learn, an attribute set on an estimator is not a param: clone keeps working."""
    clf = L1L2Classifier(l1=0.1, optimizer__beta_1=0.8)
    signature = set(L1L2Classifier().get_params())
    clf.foo = 1
    clf.set_params(callbacks__patience=3)
    assert set(clf.get_params()) == signature | {"optimizer__beta_1", "callbacks__patience"}
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "foo")
    assert list(L1L2Classifier().get_params()) == sorted(signature)  # sorted, as scikit-learn's
    # scikeras' message advised passing it to the constructor, where fit then refuses it.
    with pytest.raises(ValueError, match="Invalid parameter 'foo' for estimator L1L2Classifier. "
                       r"Valid parameters are: \[.*'epochs'.*routed arguments") as caught:
        clf.set_params(foo=2)
    assert "constructor" not in str(caught.value)
    # As scikit-learn's set_params: the names before a refused one are set.
    l1 = clf.l1
    with pytest.raises(ValueError, match="Invalid parameter 'foo'"):
        clf.set_params(epochs=7, foo=1, l1=0.5)
    assert (clf.epochs, clf.l1) == (7, l1)
    with pytest.raises(ValueError, match="Invalid parameter 'optimizer__'"):
        clf.set_params(l1=0.3, optimizer__=1)
    assert clf.l1 == 0.3


def test_routed_params_survive_pickle_and_refused_set_params():
    clf = L1L2Classifier(optimizer__beta_1=0.8)
    with pytest.raises(ValueError, match="Invalid parameter .epoch."):
        clf.set_params(optimizer__beta_2=0.9, epoch=3)  # the routed one before it was set
    assert clf.get_params()["optimizer__beta_2"] == 0.9
    assert pickle.loads(pickle.dumps(clf)).get_params() == clf.get_params()
    # Pickled before params were recorded: the routed attributes are the extra params.
    del clf._extra_params
    assert {"optimizer__beta_1", "optimizer__beta_2"} <= set(clf.get_params())


def test_a_routed_argument_is_removed_with_del(binary_data):
    """No value given to set_params removes a routed argument: an argument of Adam's had made
    every fit with optimizer="sgd" fail, and routed callback arguments (a loaded file's) every
    fit with callback instances."""
    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, "epochs": 2}, optimizer__beta_1=0.8, optimizer__beta_2=0.9)
    clf.fit(X, y).set_params(optimizer="sgd")
    with pytest.raises(ValueError, match=r"Invalid optimizer__ arguments .* for SGD \(remove it "
                                         r"with del estimator.optimizer__beta_1\)"):
        clf.fit(X, y)
    # The advice names an argument the optimizer refuses, not one it takes.
    with pytest.raises(ValueError, match=r"for Adam \(remove it with del "
                                         r"estimator.optimizer__momentum\)"):
        clone(clf).set_params(optimizer="adam", optimizer__momentum=0.5,
                              optimizer__amsgrad=True).fit(X, y)
    del clf.optimizer__beta_1, clf.optimizer__beta_2
    assert not any(name.startswith("optimizer__") for name in clf.get_params())
    assert not hasattr(clf, "optimizer__beta_1")
    assert isinstance(clf.fit(X, y).model_.optimizer, keras.optimizers.SGD)
    assert clone(clf).get_params() == clf.get_params()
    assert pickle.loads(pickle.dumps(clf)).get_params() == clf.get_params()
    with pytest.raises(AttributeError):
        del clf.optimizer__beta_1  # no longer there
    with pytest.raises(AttributeError):
        del clf.not_an_attribute

    # Routed callback arguments beside an instance: said so, with the way out.
    clf.set_params(callbacks__monitor="loss", callbacks=[keras.callbacks.History()])
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=r"The callbacks__\* arguments \['callbacks__monitor'\] "
                                         r"build callback classes, but reach a callback instance.*"
                                         r"del estimator.callbacks__monitor"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    del clf.callbacks__monitor
    clf.fit(X, y)
    # With a class, they build it.
    clf.set_params(callbacks__monitor="loss", callbacks__patience=1,
                   callbacks=[keras.callbacks.EarlyStopping])
    clf.fit(X, y)


def test_unknown_keyword_still_fails_after_clone():
    clf = clone(L1L2Classifier(**FAST, epoch=1))
    assert clf.get_params()["epoch"] == 1
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        clf.fit(*_TINY)


@pytest.mark.parametrize("given, hint", [
    ("hidden_layer_size", "(did you mean 'hidden_layer_sizes'?)"),
    ("max_iter", "(here: epochs)"),  # MLPClassifier's names
    ("alpha", "(here: l2)"),
    ("validation_split", "(here: early_stopping=True, validation_fraction)"),  # Keras' name
])
def test_an_unknown_keyword_says_which_param_is_meant(given, hint):
    with pytest.raises(TypeError, match=re.escape(f"argument {given!r} {hint}; routed")):
        L1L2Classifier(**FAST, **{given: 1}).fit(*_TINY)


def test_routed_optimizer_argument_reaches_optimizer(binary_data):
    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, "epochs": 2}, optimizer="sgd", optimizer__momentum=0.5)
    clf.set_params(learning_rate=0.05).fit(X, y)
    optimizer = clf.model_.optimizer
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert optimizer.momentum == 0.5
    assert float(optimizer.learning_rate) == pytest.approx(0.05)


def test_optimizer_instance_is_copied_per_fit(binary_data):
    X, y = binary_data
    optimizer = keras.optimizers.RMSprop(learning_rate=0.01)
    clf = L1L2Classifier(**{**FAST, "epochs": 2}, optimizer=optimizer)
    first = clf.fit(X, y).model_.optimizer
    second = clf.fit(X, y).model_.optimizer
    assert first is not optimizer and second is not first
    assert float(second.learning_rate) == pytest.approx(0.01)


def test_stops_when_loss_stops_improving(binary_data):
    X, y = binary_data
    clf = L1L2Classifier(hidden_layer_sizes=(16,), epochs=500, tol=1e-2, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.best_loss_ == min(clf.loss_curve_)
    # MLPClassifier's names for the last loss and the layer count
    assert clf.loss_ == clf.loss_curve_[-1] and clf.n_layers_ == 3


def test_warns_when_epochs_run_out(binary_data):
    X, y = binary_data
    with pytest.warns(ConvergenceWarning, match=r"maximum number of epochs \(2\) was reached "
                                                "and the training loss has not converged"):
        L1L2Classifier(**{**FAST, "epochs": 2}).fit(X, y)
    # With early_stopping the held-out score decides, and the warning says so.
    with pytest.warns(ConvergenceWarning, match="and the validation score has not converged"):
        L1L2Classifier(**{**FAST, "epochs": 2}, early_stopping=True).fit(X, y)


def test_keras_callbacks_can_stop_training(binary_data):
    X, y = binary_data
    seen = []
    callbacks = [
        keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["loss"])),
        keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0),
    ]
    clf = L1L2Classifier(**FAST, callbacks=callbacks).fit(X, y)
    assert clf.n_iter_ == 2  # epoch 1 sets the baseline, epoch 2 does not improve by 10
    assert seen == clf.loss_curve_


def test_verbose_prints_mlp_lines_when_output_is_not_a_terminal(binary_data, capsys):
    """Into a file, a pipe or a CI log: MLPClassifier's lines, one per epoch, with the validation
    score under early_stopping, and none of a progress bar's control characters."""
    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, "epochs": 3}, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"Iteration {epoch + 1}, loss = {loss:.8f}" for epoch, loss in enumerate(clf.loss_curve_)
    ]
    clf = L1L2Classifier(**{**FAST, "epochs": 3}, verbose=1, early_stopping=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1::2] == [f"Validation score: {s:.6f}" for s in clf.validation_scores_]
    assert all(line.startswith("Iteration ") for line in lines[::2])


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_says_why_the_rule_stopped_as_mlp_classifier(binary_data, capsys, early_stopping):
    """MLPClassifier prints "... did not improve more than tol=... for N consecutive epochs.
    Stopping." when its rule ends training; ours stopped without a word."""
    X, y = binary_data
    mlp_like = dict(tol=0.5, n_iter_no_change=2, early_stopping=early_stopping)
    clf = L1L2Classifier(**{**FAST, "epochs": 50}, verbose=1, **mlp_like).fit(X, y)
    assert clf.n_iter_ < 50
    what = "Validation score" if early_stopping else "Training loss"
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"{what} did not improve more than tol=0.500000 for 2 consecutive epochs. Stopping."
    )
    L1L2Classifier(**{**FAST, "epochs": 2}, verbose=1, **mlp_like).fit(X, y)  # ran out
    assert "Stopping." not in capsys.readouterr().out


def test_verbose_shows_keras_progress_bar_on_a_terminal(binary_data, capsys, monkeypatch):
    monkeypatch.setattr(_training, "_interactive_output", lambda: True)
    X, y = binary_data
    L1L2Classifier(**{**FAST, "epochs": 2}, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out
    assert "loss:" in out
    L1L2Classifier(**{**FAST, "epochs": 2}, verbose=1, early_stopping=True).fit(X, y)
    assert "validation_score:" in capsys.readouterr().out
    # The rule's "Stopping." line comes last, after the bar of its epoch (it had come between
    # the epoch's "Epoch n/N" line and its bar).
    for early_stopping in (False, True):
        clf = L1L2Classifier(**{**FAST, "epochs": 50}, verbose=1, tol=0.5, n_iter_no_change=2,
                             early_stopping=early_stopping).fit(X, y)
        lines = capsys.readouterr().out.strip().splitlines()
        assert clf.n_iter_ < 50
        assert lines[-1].endswith("consecutive epochs. Stopping.")
        assert "loss:" in lines[-2]


def test_html_view_lists_fitted_attributes_without_building_the_network(binary_data):
    """scikit-learn's HTML view (a notebook shows it for a cell ending in clf.fit(X, y)) reads
    every attribute: model_ built a Keras network at each display of a refitted estimator,
    taking longer than a small fit, also inside a Pipeline."""
    from sklearn.base import BaseEstimator
    from sklearn.utils import estimator_html_repr

    X, y = binary_data
    clf = L1L2Classifier(**FAST).fit(X, y)
    html = clf._repr_html_()
    assert vars(clf)["_model"] is None  # not built
    if hasattr(BaseEstimator, "_get_fitted_attr_html"):  # scikit-learn 1.8 and later
        assert "&lt;not built yet&gt;" in html
    model = clf.model_
    html = estimator_html_repr(clf)
    assert vars(clf)["_model"][1] is model  # listed as built, not built again
    piped = make_pipeline(StandardScaler(), L1L2Classifier(**FAST)).fit(X, y)
    estimator_html_repr(piped)
    assert vars(piped[-1])["_model"] is None
    assert "L1L2Classifier" in estimator_html_repr(L1L2Classifier())


def test_progress_bar_only_on_a_kernels_own_output(monkeypatch, tmp_path):
    """In a Jupyter kernel, the bar where output goes to the kernel's stream, and MLPClassifier's
    plain lines where it is redirected to a file (the bar's colour codes had filled the log)."""
    import contextlib
    import types

    kernel_stream = type("OutStream", (), {"__module__": "ipykernel.iostream",
                                           "isatty": lambda self: False,
                                           "write": lambda self, text: len(text),
                                           "flush": lambda self: None})
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    with contextlib.redirect_stdout(kernel_stream()):
        assert _training._interactive_output()
    with open(tmp_path / "log.txt", "w") as log, contextlib.redirect_stdout(log):
        assert not _training._interactive_output()


def test_callbacks_see_the_validation_score(binary_data):
    """With early_stopping, every epoch's logs hold the held-out score, so that a Keras callback
    can use it (here: stop at the first epoch that does not improve it)."""
    X, y = binary_data
    seen = []
    callbacks = [
        keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: seen.append(logs["validation_score"])
        ),
        keras.callbacks.EarlyStopping(monitor="validation_score", mode="max", patience=0),
    ]
    clf = L1L2Classifier(**FAST, early_stopping=True, callbacks=callbacks).fit(X, y)
    assert seen == clf.validation_scores_
    assert clf.n_iter_ == len(seen) < FAST["epochs"]


@pytest.mark.parametrize(
    "counts",
    [(7, 7, 6), (60, 39, 1)],  # 2 held-out rows for 3 classes; a class of a single row
    ids=["fewer-held-out-rows-than-classes", "a-class-of-one-row"],
)
def test_early_stopping_holds_out_a_plain_split_where_no_stratified_one_exists(counts):
    """As MLPClassifier, which never stratifies multiclass y, fits these: a stratified split
    raised train_test_split's error (about a test_size the user never set)."""
    y = np.repeat(np.arange(len(counts)), counts)
    X = np.random.default_rng(0).normal(size=(len(y), 4)) + y[:, None]
    clf = L1L2Classifier(**{**FAST, "epochs": 3}, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert len(clf.validation_scores_) == 3
    np.testing.assert_array_equal(clf.classes_, np.arange(len(counts)))


def test_early_stopping_stops_by_the_held_out_score_alone(binary_data):
    """As MLPClassifier: the training loss's rule does not stop an early_stopping fit, and every
    epoch is scored (with tol 0.02 the loss rule stopped it at epoch 4, unscored)."""
    X, y = binary_data
    clf = L1L2Classifier(
        **{**FAST, "epochs": 300, "learning_rate": 3e-4}, early_stopping=True, tol=0.02,
        n_iter_no_change=2,
    ).fit(X, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ < 300
    best = max(scores[: -3])  # MLPClassifier's rule: no gain of tol in the last 3 epochs
    assert max(scores[-3:]) < best + 0.02


def test_callbacks_that_set_the_learning_rate_train_at_it(binary_data):
    """As in Model.fit: LearningRateScheduler (and ReduceLROnPlateau) set the learning rate of
    the model the callbacks see; training follows it (here 0 from epoch 2: the loss stays)."""
    X, y = binary_data
    frozen = keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate if epoch == 0 else 0.0)
    clf = L1L2Classifier(**{**FAST, "epochs": 5, "tol": 0}, callbacks=[frozen]).fit(X, y)
    assert clf.loss_curve_[0] != clf.loss_curve_[1]
    np.testing.assert_allclose(clf.loss_curve_[1:], clf.loss_curve_[1], rtol=1e-6)
    assert float(clf.model_.optimizer.learning_rate) == 0.0


@pytest.mark.parametrize("event", ["on_train_begin", "on_epoch_begin", "on_epoch_end"])
def test_a_callback_that_replaces_the_optimizer_is_told_to_set_the_param(binary_data, event):
    """model.compile(optimizer=...) or model.optimizer = ... in a callback had failed the fit
    with the package's "optimizer_state: expected a list of 10 inputs" (or a zip of unequal
    lengths); training uses the params' optimizer, whose state the callbacks' model mirrors."""
    X, y = binary_data

    def replace(*_):
        callback.model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")

    callback = keras.callbacks.LambdaCallback(**{event: replace})
    clf = L1L2Classifier(**FAST).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=r"A callback replaced the Keras model's optimizer "
                                         r"\(Adam by SGD, through model.compile or "
                                         r"model.optimizer\) during the fit: .*Set the optimizer "
                                         r"param"):
        clf.set_params(callbacks=[callback]).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_the_readme_filter_lets_learning_rate_callbacks_run_where_warnings_are_errors(
    binary_data,
):
    """The README's workaround for Keras' NumPy 2 DeprecationWarning, which fails these
    callbacks under -W error (in Model.fit too)."""
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings(
            "ignore", "__array__ implementation doesn't accept a copy keyword", DeprecationWarning
        )
        warnings.simplefilter("ignore", ConvergenceWarning)  # 3 epochs
        for callback in (keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1),
                         keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate * 0.5)):
            L1L2Classifier(**{**FAST, "epochs": 3, "tol": 0}, callbacks=[callback]).fit(X, y)


def test_a_used_csv_logger_is_named_when_the_fitted_estimator_cannot_be_copied(
    binary_data, tmp_path
):
    """Keras' CSVLogger keeps its closed file after a fit: cloning or pickling the fitted
    estimator failed with "cannot pickle '_io.TextIOWrapper' object", naming neither; passed as
    a class with callbacks__filename, a fresh one logs every fit, and all copies work."""
    X, y = binary_data
    log = tmp_path / "log.csv"
    clf = L1L2Classifier(**{**FAST, "epochs": 2},
                         callbacks=[keras.callbacks.CSVLogger(str(log))]).fit(X, y)
    clone(L1L2Classifier(**FAST, callbacks=[keras.callbacks.CSVLogger(str(log))]))  # unused: fine
    # Named by its public path (its __module__ is keras.src.callbacks.csv_logger).
    message = (r"L1L2Classifier's CSVLogger callback cannot be copied or pickled .*"
               r"callbacks=\[keras\.callbacks\.CSVLogger\]")
    for copy_it in (clone, pickle.dumps, copy.deepcopy):
        with pytest.raises(TypeError, match=message):
            copy_it(clf)
    as_class = L1L2Classifier(**{**FAST, "epochs": 2}, callbacks=[keras.callbacks.CSVLogger],
                              callbacks__filename=str(log)).fit(X, y)
    assert len(log.read_text().splitlines()) == 3  # a header and 2 epochs
    for copy_it in (clone, copy.deepcopy, lambda model: pickle.loads(pickle.dumps(model))):
        copy_it(as_class)
    # A callback of lambdas copies (pickle refuses it on its own, naming the lambda).
    lambdas = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    copy.deepcopy(L1L2Classifier(**{**FAST, "epochs": 2}, callbacks=[lambdas]).fit(X, y))


class Recorder(keras.callbacks.Callback):
    """A callback of a module (so that pickle finds it) that may refer to anything."""


def test_a_callback_that_refers_to_its_estimator_copies_and_pickles(binary_data, tmp_path):
    """Checking whether callbacks copy had copied such an estimator afresh at every level, until
    a RecursionError, reported as a 40 KB TypeError about the callback."""
    X, y = binary_data
    recorder = Recorder()
    clf = L1L2Classifier(**{**FAST, "epochs": 2}, callbacks=[recorder])
    recorder.owner = clf
    for fitted in (False, True):
        if fitted:
            clf.fit(X, y)
        copied = copy.deepcopy(clf)
        assert copied.callbacks[0].owner is copied
        assert pickle.loads(pickle.dumps(clf)).callbacks[0].owner is not None
        clone(clf)
    # Beside one that does not copy, the one that does not copy is named (it had been this one,
    # which copied the estimator and so the other).
    clf.set_params(callbacks=[recorder, keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))])
    clf.fit(X, y)
    with pytest.raises(TypeError, match="L1L2Classifier's CSVLogger callback cannot be copied"):
        pickle.dumps(clf)


@pytest.mark.parametrize("kind", ["ModelCheckpoint", "BackupAndRestore", "class"])
def test_a_callback_that_counts_batches_is_refused(binary_data, tmp_path, kind):
    # Training sends epoch events only: a save_freq in batches never saved, without a word.
    X, y = binary_data
    path = str(tmp_path / ("m.keras" if kind != "BackupAndRestore" else "backup"))
    clf = L1L2Classifier(**FAST).fit(X, y)
    before = clf.predict_proba(X)
    if kind == "class":
        clf.set_params(callbacks=[keras.callbacks.ModelCheckpoint],
                       callbacks__filepath=path, callbacks__save_freq=3)
    else:
        callback = getattr(keras.callbacks, kind)(path, save_freq=3)
        clf.set_params(callbacks=[keras.callbacks.History(), [callback]])
    name = "BackupAndRestore" if kind == "BackupAndRestore" else "ModelCheckpoint"
    for fit in (lambda: clf.fit(X, y), lambda: clf.partial_fit(X, y)):
        with pytest.raises(ValueError, match=f"callbacks: {name}'s save_freq=3 counts batches"):
            fit()
        np.testing.assert_array_equal(clf.predict_proba(X), before)
    # Per epoch, it saves.
    callback = keras.callbacks.ModelCheckpoint(str(tmp_path / "e.keras"), save_freq="epoch")
    L1L2Classifier(**FAST, callbacks=[callback]).fit(X, y)
    assert (tmp_path / "e.keras").exists()


class BatchCounter(keras.callbacks.Callback):
    """Counts batches, as in Model.fit: a hook these estimators never call."""

    def on_train_batch_end(self, batch, logs=None):
        self.batches = getattr(self, "batches", 0) + 1


class PredictionCounter(keras.callbacks.Callback):
    """Counts predictions, as scikeras' predict (through Model.predict) sent them."""

    def on_predict_begin(self, logs=None):
        self.predictions = getattr(self, "predictions", 0) + 1


@pytest.mark.parametrize("kind", ["own", "lambda", "TerminateOnNaN", "predict"])
def test_a_callback_that_acts_on_batch_or_test_events_is_warned_of(binary_data, kind, tmp_path):
    """Training sends epoch events only: a callback's batch or test hooks (TerminateOnNaN is
    one) did nothing, without a word, and so did its predict hooks. The warning names them and
    points at the caller's line; Keras' own epoch-level callbacks and a subclass that adds
    nothing get none."""
    X, y = binary_data
    callback = {
        "own": BatchCounter(),
        "lambda": keras.callbacks.LambdaCallback(on_test_end=lambda logs: None),
        "TerminateOnNaN": keras.callbacks.TerminateOnNaN(),
        "predict": PredictionCounter(),
    }[kind]
    named = {"own": "BatchCounter's on_train_batch_end", "lambda": "LambdaCallback's on_test_end",
             "TerminateOnNaN": "TerminateOnNaN .a fit whose loss turns NaN",
             "predict": "PredictionCounter's on_predict_begin"}[kind]
    clf = L1L2Classifier(**FAST, callbacks=[keras.callbacks.History(), [callback]])
    for fit in (clf.fit, clf.partial_fit):
        with pytest.warns(UserWarning,
                          match=f"never batch, test or predict events.*{named}") as caught:
            fit(X, y)
        assert [w.filename for w in caught if w.category is UserWarning] == [__file__]
    clf.predict(X)
    assert not hasattr(callback, "batches") and not hasattr(callback, "predictions")

    class Checkpoint(keras.callbacks.ModelCheckpoint):
        pass

    quiet = [keras.callbacks.EarlyStopping(monitor="loss"), keras.callbacks.ProgbarLogger(),
             keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None),
             Checkpoint(str(tmp_path / "c.keras"))]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        L1L2Classifier(**FAST, callbacks=quiet).fit(X, y)


@pytest.mark.parametrize("settings, named", [
    ({"update_freq": 5}, r"TensorBoard's update_freq=5 \(it logs each epoch only\)"),
    ({"profile_batch": 2}, r"TensorBoard's profile_batch \(the profiler starts and stops"),
    ({"profile_batch": (2, 4), "update_freq": 1}, r"update_freq=1 .* and profile_batch"),
])
def test_tensorboard_settings_that_count_batches_are_warned_of(tmp_path, settings, named):
    """profile_batch profiled nothing, without a word (no batch events are sent), as an
    integer update_freq, which was warned of, logged each epoch only. (Checked where fits
    check their callbacks: TensorBoard's own writing needs the tensorboard package.)"""
    from l1l2_estimator._base import _check_callback_events

    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path), **settings)
    with pytest.warns(UserWarning, match=f"never batch, test or predict events.*{named}"):
        _check_callback_events([board], stacklevel=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        _check_callback_events([keras.callbacks.TensorBoard(log_dir=str(tmp_path))], 1)


class ModelReader(keras.callbacks.Callback):
    """Reads its model at every epoch's end, as EarlyStopping does when it stops."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training  # noqa: B018


def test_a_callback_shared_by_fits_in_two_threads_keeps_its_model_until_both_end(binary_data):
    """The first fit to end had detached its model from the shared callback while the other
    still used it: the other's next epoch failed with "'NoneType' object has no attribute
    'stop_training'" (Model.fit leaves the model set)."""
    X, y = binary_data
    shared = ModelReader()
    long_started, short_done = threading.Event(), threading.Event()
    errors = []

    def waits(epoch, logs):
        if epoch == 0:  # the short fit starts and ends within this fit's first epoch
            long_started.set()
            short_done.wait(60)

    def fit(epochs, own):
        try:
            L1L2Classifier(**{**FAST, "epochs": epochs}, callbacks=[shared, own]).fit(X, y)
        except Exception as error:  # noqa: BLE001  (any failure is the test's to report)
            errors.append(repr(error))

    long = threading.Thread(target=fit, args=(3, keras.callbacks.LambdaCallback(
        on_epoch_end=waits)))
    long.start()
    assert long_started.wait(60)
    fit(1, keras.callbacks.History())
    short_done.set()
    long.join(60)
    assert errors == []
    assert getattr(shared, "_model", None) is None  # detached once neither fit uses it


def test_a_diverged_fit_calls_no_on_train_end_and_keeps_a_backup(binary_data, tmp_path):
    """As Model.fit when training raises: on_train_end had been called, and BackupAndRestore
    deleted the backup that it keeps for a fit that fails."""
    X, y = binary_data
    ends = []
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    spy = keras.callbacks.LambdaCallback(on_train_end=lambda logs: ends.append(logs))
    # Two epochs that back up, then a rate that diverges.
    rate = keras.callbacks.LearningRateScheduler(lambda epoch, _: 1e-3 if epoch < 2 else 1e9)
    clf = L1L2Classifier(**{**FAST, "epochs": 30}, optimizer="sgd",
                         callbacks=[backup, rate, spy])
    with pytest.raises(ValueError, match="training diverged at epoch 3"):
        clf.fit(X * 1e3, y)
    assert ends == []
    assert (tmp_path / "backup").exists()


@pytest.mark.parametrize("event", ["on_train_begin", "on_epoch_begin"])
def test_weights_a_callback_sets_at_the_start_are_trained_from(binary_data, event):
    # As in Model.fit (BackupAndRestore restores its backup in on_train_begin): they were
    # dropped, and training went on from the weights before.
    X, y = binary_data

    class Zeroes(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            if event == "on_train_begin":
                self.zero()

        def on_epoch_begin(self, epoch, logs=None):
            if event == "on_epoch_begin" and epoch == 1:
                self.zero()

        def zero(self):
            self.model.set_weights([np.zeros_like(w) for w in self.model.get_weights()])
            self.model.optimizer.learning_rate = 0.0

    clf = L1L2Classifier(**{**FAST, "epochs": 3, "tol": 0}, callbacks=[Zeroes()]).fit(X, y)
    # From zero weights at rate 0 the network stays at zero: the loss is log 2 from there on.
    zeroed = {"on_train_begin": 0, "on_epoch_begin": 1}[event]
    np.testing.assert_allclose(clf.loss_curve_[zeroed:], np.log(2), rtol=1e-6)
    assert all(not np.any(coef) for coef in clf.coefs_)


@pytest.mark.parametrize("event", ["on_train_begin", "on_epoch_begin"])
def test_a_lambda_callback_that_sets_weights_at_the_start_is_followed(binary_data, event):
    """LambdaCallback sets the functions it is given on the instance, not in its class: the
    weights and learning rate they set in on_train_begin/on_epoch_begin were dropped."""
    X, y = binary_data

    def zero(*_):
        model = callback.model
        model.set_weights([np.zeros_like(w) for w in model.get_weights()])
        model.optimizer.learning_rate = 0.0

    callback = keras.callbacks.LambdaCallback(**{event: zero})
    clf = L1L2Classifier(**{**FAST, "epochs": 3, "tol": 0}, callbacks=[callback]).fit(X, y)
    np.testing.assert_allclose(clf.loss_curve_, np.log(2), rtol=1e-6)
    assert all(not np.any(coef) for coef in clf.coefs_)


def test_callbacks_see_the_optimizer_state_of_the_epoch(binary_data, tmp_path):
    # Their model's optimizer was a fresh one: step count 0, a schedule's rate at step 0, and
    # ModelCheckpoint saved an optimizer that could not resume.
    X, y = binary_data
    seen = []
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 1, 0.5)
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(
        (int(record.model.optimizer.iterations), float(record.model.optimizer.learning_rate))
    ))
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"))
    clf = L1L2Classifier(
        **{**FAST, "epochs": 3, "tol": 0, "batch_size": 50},
        optimizer__learning_rate=schedule, callbacks=[record, checkpoint],
    ).fit(X[:100], y[:100])
    assert [step for step, _ in seen] == [2, 4, 6]
    np.testing.assert_allclose([rate for _, rate in seen], [0.01 * 0.5**s for s in (2, 4, 6)],
                               rtol=1e-6)
    saved = keras.saving.load_model(tmp_path / "m.keras")
    assert int(saved.optimizer.iterations) == 6
    for mine, theirs in zip(clf.model_.optimizer.variables, saved.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))


def test_model_is_float32_under_a_mixed_precision_policy(binary_data, tmp_path):
    # model_ and the callbacks' model were built under the user's global policy: float16
    # layers (1e-3 from predict_proba) and a LossScaleOptimizer; dump then wrote (or refused)
    # a network of that policy, which load refuses.
    X, y = binary_data
    clf = L1L2Classifier(**FAST).fit(X, y)
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = clf.model_
        dump(clf, tmp_path / "m.l1l2")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    np.testing.assert_array_equal(load(tmp_path / "m.l1l2").predict_proba(X), clf.predict_proba(X))
    assert type(model.optimizer) is keras.optimizers.Adam
    assert model.dtype_policy.name == "float32"
    assert all(layer.dtype_policy.name == "float32" for layer in model.layers)
    np.testing.assert_allclose(model.predict(X, verbose=0)[:, 0], clf.predict_proba(X)[:, 1],
                               atol=1e-6)


@pytest.mark.parametrize("floatx", ["float16", "float64"])
def test_keras_floatx_changes_neither_training_nor_model_nor_files(floatx, binary_data, tmp_path):
    # Keras makes an optimizer's learning-rate variable in keras.config.floatx() and an Input of
    # no dtype in it: under float16 the fits trained at a rounded learning rate (and the
    # trainers kept it after floatx was set back), model_ took float16 input (1e-4 from
    # predict_proba), and dump and load refused the learning rate's float16 or float64 as a
    # layout of h5py's.
    from l1l2_estimator import _trainer_cache

    X, y = binary_data
    settings = dict(hidden_layer_sizes=(5,), epochs=20, random_state=0)
    reference = L1L2Classifier(**settings).fit(X, y)
    dump(reference, tmp_path / "float32.l1l2")
    _trainer_cache.trainers.clear()  # so that the fit below builds its trainer under floatx
    keras.config.set_floatx(floatx)
    # The package never sets floatx, not even for a moment: another thread sees the user's.
    seen, done = set(), threading.Event()

    def watch():
        while not done.is_set():
            seen.add(keras.config.floatx())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        fitted = L1L2Classifier(**settings).fit(X, y)
        model = fitted.model_
        dump(fitted, tmp_path / "m.l1l2")
        loaded = load(tmp_path / "m.l1l2")
        from_float32 = load(tmp_path / "float32.l1l2")
        continued = copy.deepcopy(reference).set_params(warm_start=True).fit(X, y)
    finally:
        done.set()
        watcher.join()
        keras.config.set_floatx("float32")
        _trainer_cache.trainers.clear()
    assert seen == {floatx}
    expected = reference.predict_proba(X)
    np.testing.assert_array_equal(fitted.predict_proba(X), expected)
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    np.testing.assert_array_equal(from_float32.predict_proba(X), expected)
    assert model.inputs[0].dtype == "float32"
    assert all(variable.dtype == "float32" for variable in model.optimizer.variables
               if "iteration" not in variable.path)
    np.testing.assert_allclose(model.predict(X, verbose=0)[:, 0], expected[:, 1], atol=1e-6)
    np.testing.assert_array_equal(
        continued.predict_proba(X),
        copy.deepcopy(reference).set_params(warm_start=True).fit(X, y).predict_proba(X),
    )


@pytest.mark.parametrize("keras_name", ["Adam", "RMSprop", "SGD", "AdamW"])
def test_an_optimizer_named_as_keras_names_its_class_trains_as_the_lowercase_name(
    binary_data, keras_name, tmp_path
):
    """Keras users write optimizer="Adam": it was refused, where "adam" trains."""
    from l1l2_estimator import dump, load

    X, y = binary_data
    settings = dict(hidden_layer_sizes=(4,), epochs=3, random_state=0)
    keras_named = L1L2Classifier(**settings, optimizer=keras_name).fit(X, y)
    lowercase = L1L2Classifier(**settings, optimizer=keras_name.lower()).fit(X, y)
    assert keras_named.get_params()["optimizer"] == keras_name
    np.testing.assert_array_equal(keras_named.predict_proba(X), lowercase.predict_proba(X))
    dump(keras_named, tmp_path / "model.l1l2")
    assert load(tmp_path / "model.l1l2").get_params()["optimizer"] == keras_name
    with pytest.raises(ValueError, match="'optimizer' parameter"):
        L1L2Classifier(**settings, optimizer=keras_name.upper() + "X").fit(X, y)


def test_an_unregistered_optimizer_or_schedule_class_is_refused_by_name(binary_data):
    # Keras' Model.fit takes them; every fit here builds a fresh optimizer from the config,
    # and Keras' deserializer failed inside the fit ("Could not locate class").
    X, y = binary_data

    class MyAdam(keras.optimizers.Adam):
        pass

    class MySchedule(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.01

        def get_config(self):
            return {}

    for params, name in (
        ({"optimizer": MyAdam()}, "optimizer 'MyAdam'"),
        ({"optimizer": keras.optimizers.Adam(MySchedule())}, "learning-rate schedule 'MySchedule'"),
        ({"optimizer__learning_rate": MySchedule()}, "learning-rate schedule 'MySchedule'"),
    ):
        with pytest.raises(TypeError, match=f"^The {name} is a class that Keras cannot rebuild"):
            L1L2Classifier(**FAST, **params).fit(X, y)


def test_silent_by_default(binary_data, capsys):
    X, y = binary_data
    L1L2Classifier(**{**FAST, "epochs": 2}).fit(X, y).predict(X)
    captured = capsys.readouterr()
    assert captured.out == ""


def test_warm_start_and_partial_fit_continue_training(binary_data):
    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, "epochs": 3, "tol": 0, "n_iter_no_change": 3})
    clf.set_params(warm_start=True).fit(X, y)
    first_weights = clf.model_.get_weights()
    clf.fit(X, y)
    assert clf.n_iter_ == 6
    # model_ holds the continued network, not the first one
    np.testing.assert_array_equal(clf.model_.get_weights()[0], clf.coefs_[0].astype(np.float32))
    assert not np.array_equal(first_weights[0], clf.model_.get_weights()[0])
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 7
    fresh = L1L2Classifier(**FAST).partial_fit(X[:50], y[:50] * 0, classes=[0, 1])
    np.testing.assert_array_equal(fresh.classes_, [0, 1])
    assert fresh.n_iter_ == 1
    fresh.partial_fit(X[:50], y[:50], classes=[1, 0])  # the same classes, in any order
    # Other classes than the first call's are refused, as MLPClassifier refuses them.
    before = fresh.coefs_[0].copy()
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2\] is not the same as the classes_"):
        fresh.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    np.testing.assert_array_equal(fresh.coefs_[0], before)


def test_continued_training_follows_changed_params(binary_data, tmp_path):
    """As MLPClassifier's warm start: a changed learning rate, activation or optimizer applies
    to the next fit (the optimizer's state carries over within one optimizer class); another
    network is refused."""
    X, y = binary_data
    one_step = dict(FAST, optimizer="sgd", epochs=1, batch_size=len(X), shuffle=False)
    base = L1L2Classifier(**one_step, warm_start=True).fit(X, y)
    steps = []
    for learning_rate in (0.01, 0.02):  # one SGD step: twice the rate, twice the step
        clf = pickle.loads(pickle.dumps(base)).set_params(learning_rate=learning_rate)
        steps.append(clf.fit(X, y).coefs_[0] - base.coefs_[0])
    # (float32 weights of about 0.3: their differences are good to about 3e-8)
    np.testing.assert_allclose(steps[1], 2 * steps[0], rtol=0, atol=1e-7)
    assert np.abs(steps[0]).max() > 1e-4
    clf.set_params(activation="tanh", optimizer="adam", optimizer__amsgrad=True).fit(X, y)
    assert clf.model_.layers[0].get_config()["activation"] == "tanh"
    assert clf.model_.optimizer.get_config()["amsgrad"]
    clf.set_params(optimizer__amsgrad=False).partial_fit(X, y)  # Adam's state, without AMSGrad's
    dump(clf, tmp_path / "continued.l1l2")  # its params describe its network
    before = clf.coefs_[0].copy()
    with pytest.raises(ValueError, match=r"partial_fit continues training the fitted network, "
                       r"of hidden layers \(16,\)"):
        clf.set_params(hidden_layer_sizes=(8,)).partial_fit(X, y)
    np.testing.assert_array_equal(clf.coefs_[0], before)
    # RMSprop's momentum slots have the shapes of a centered RMSprop's mean gradients: read as
    # those, they made the next steps NaN. Any change but the learning rate starts afresh.
    rmsprop = L1L2Classifier(**FAST, optimizer="rmsprop", optimizer__momentum=0.9, warm_start=True)
    rmsprop.fit(X, y).set_params(optimizer__momentum=0.0, optimizer__centered=True).fit(X, y)


def test_the_optimizer_state_carries_over_a_changed_rate_but_not_a_switch_to_a_schedule(
    binary_data,
):
    """A new number or a new schedule continues Adam's state (its step count goes on); a switch
    between a number and a schedule starts a fresh state, as any other change of the optimizer
    does (it had done so only because the variables' shapes differed)."""
    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, "epochs": 1, "batch_size": len(X)})
    steps = lambda: int(clf._get_fitted_state()["optimizer_state"][0])  # noqa: E731
    clf.partial_fit(X, y, classes=[0, 1])
    clf.set_params(learning_rate=0.02).partial_fit(X, y)
    assert steps() == 2
    decay = keras.optimizers.schedules.ExponentialDecay
    clf.set_params(optimizer__learning_rate=decay(0.01, 10, 0.9)).partial_fit(X, y)
    assert steps() == 1
    clf.set_params(optimizer__learning_rate=decay(0.02, 10, 0.5)).partial_fit(X, y)
    assert steps() == 2
    clf.set_params(optimizer__learning_rate=0.01).partial_fit(X, y)
    assert steps() == 1


def test_class_weight_shifts_predictions_toward_weighted_class(binary_data):
    X, y = binary_data
    plain = L1L2Classifier(**FAST).fit(X, y)
    weighted = L1L2Classifier(**FAST, class_weight={0: 1.0, 1: 20.0}).fit(X, y)
    assert (weighted.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


def test_user_sample_weight_is_not_modified(binary_data):
    X, y = binary_data
    weights = np.ones(len(y))
    L1L2Classifier(**{**FAST, "epochs": 2}, class_weight="balanced").fit(X, y, weights)
    np.testing.assert_array_equal(weights, np.ones(len(y)))


# -- clear errors -----------------------------------------------------------------------------

BAD_PARAMS = [
    ("l1", -1.0),
    ("l1", float("nan")),
    ("l1", "strong"),
    ("l2", -0.5),
    ("l2", float("nan")),
    ("l2", None),
    ("hidden_layer_sizes", (0,)),
    ("hidden_layer_sizes", (16, -2)),
    ("hidden_layer_sizes", (1.5,)),
    ("hidden_layer_sizes", "wide"),
    ("hidden_layer_sizes", 0),
    ("activation", "sigmoidish"),
    ("activation", None),
    ("epochs", 0),
    ("epochs", 2.5),
    ("batch_size", 0),
    ("batch_size", "big"),
    ("learning_rate", 0.0),
    ("learning_rate", -0.1),
    ("optimizer", "adamm"),
    ("tol", -1.0),
    ("n_iter_no_change", 0),
    ("class_weight", "even"),
    ("callbacks", "early"),
    ("optimizer__not_an_argument", 1),
]


@pytest.mark.parametrize(("name", "value"), BAD_PARAMS)
def test_bad_param_is_a_value_error_naming_it(name, value, binary_data):
    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, name: value})
    with pytest.raises(ValueError, match=name.split("__")[0]):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")  # nothing was built


_TINY = (np.eye(4), np.array([0, 1, 0, 1]))


@pytest.mark.parametrize("name", ["compile__loss", "epoch", "loss"])
def test_unknown_keyword_is_a_type_error(name):
    clf = L1L2Classifier(**FAST, **{name: 1})  # scikit-learn estimators never raise in __init__
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{name}'"):
        clf.fit(*_TINY)
    with pytest.raises(ValueError, match=f"Invalid parameter .{name}."):
        L1L2Classifier().set_params(**{name: 1})


@pytest.mark.parametrize("name, advice", [
    ("epochs", r"set_params\(epochs=\.\.\.\) or L1L2Classifier\(epochs=\.\.\.\)"),
    ("callbacks", r"set_params\(callbacks=\.\.\.\)"),
    ("verbose", r"set_params\(verbose=\.\.\.\)"),
    ("validation_split", r"early_stopping=True and validation_fraction"),
    ("shuffled", r"training settings are params \(did you mean 'shuffle'\?\)\.$"),
    ("foo", r"fit takes X, y(, classes)? and sample_weight\.$"),
    ("class_weights", r"training settings are params \(did you mean 'class_weight'\?\)\.$"),
    ("max_iter", r"fit takes X, y(, classes)? and sample_weight; training settings are "
                 r"params \(here: epochs\)\."),
    ("epoch", r"training settings are params \(did you mean 'epochs'\?\)\."),
    ("sample_weights", r"fit takes X, y(, classes)? and sample_weight \(did you mean "
                       r"'sample_weight'\?\)\."),
])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_training_settings_given_to_fit_are_a_type_error(
    name, advice, method, binary_data, fitted_binary
):
    """scikeras forwards fit's keyword arguments to Keras; here, as in scikit-learn, they are
    params (README, "How it relates to scikeras"), and a fitted estimator is left as it was. The
    TypeError had been Python's bare "L1L2Network.fit() got an unexpected keyword argument"."""
    X, y = binary_data
    before = fitted_binary.predict_proba(X)
    with pytest.raises(TypeError, match=rf"L1L2Classifier.{method}\(\) got an unexpected "
                       rf"keyword argument '{name}': .*{advice}"):
        getattr(fitted_binary, method)(X, y, **{name: 1})
    np.testing.assert_array_equal(fitted_binary.predict_proba(X), before)


def test_keywords_fit_does_not_take_say_where_they_go(binary_data):
    """classes belongs to partial_fit (a classifier's fit reads them from y); MLPClassifier's
    alpha is l2, and the cross-validated estimators' l2s."""
    from l1l2_estimator import L1L2Regressor

    X, y = binary_data
    with pytest.raises(TypeError, match=r"fit reads the classes from y \(classes is an "
                                        r"argument of partial_fit\)\.$"):
        L1L2Classifier(**FAST).fit(X, y, classes=[0, 1])
    with pytest.raises(TypeError, match=r"fit reads the classes from y\.$"):
        L1L2ClassifierCV(**FAST).fit(X, y, classes=[0, 1])
    with pytest.raises(TypeError, match=r"fit takes X, y and sample_weight\.$"):
        L1L2Regressor(**FAST).fit(X, y, classes=[0, 1])
    with pytest.raises(TypeError, match=r"training settings are params \(here: l2s\)\.$"):
        L1L2ClassifierCV(**FAST).fit(X, y, alpha=1e-4)


def test_bad_input_errors(binary_data, fitted_binary):
    X, y = binary_data
    clf = L1L2Classifier(**FAST)
    with_nan, with_inf = X.copy(), X.copy()
    with_nan[0, 0], with_inf[0, 0] = np.nan, np.inf
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(with_nan, y)
    with pytest.raises(ValueError, match="infinity"):
        clf.fit(with_inf, y)
    with pytest.raises(ValueError, match="could not convert string to float"):
        clf.fit(np.full(X.shape, "a"), y)
    with pytest.raises(ValueError, match="Unknown label type"):
        clf.fit(X, np.linspace(0, 1, len(y)))
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X, np.zeros(len(y)))
    # Not np.str_(...); and fit has no classes= to pass (it had said to pass them).
    with pytest.raises(ValueError, match=r"only one class: 'setosa'\.$"):
        clf.fit(X, np.full(len(y), "setosa"))
    with pytest.raises(ValueError, match=r"'setosa'\. For partial_fit, pass every class with "):
        clone(clf).partial_fit(X, np.full(len(y), "setosa"))
    with pytest.raises(NotFittedError):
        L1L2Classifier().predict(X)
    # The fitted attributes that are computed say so too (they had named history_ or coefs_).
    for name in ("loss_curve_", "best_loss_", "loss_", "n_iter_", "n_layers_"):
        with pytest.raises(NotFittedError, match="This L1L2Classifier instance is not fitted"):
            getattr(L1L2Classifier(), name)
        assert not hasattr(L1L2Regressor(), name)
    with pytest.raises(ValueError, match=r"X has 3 features, but L1L2Classifier is expecting 8"):
        fitted_binary.predict(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        fitted_binary.predict_proba(with_nan)


def test_failed_fit_leaves_fitted_estimator_unchanged(binary_data):
    X, y = binary_data
    clf = L1L2Classifier(**FAST).fit(X, y)
    before = clf.predict_proba(X)
    state = sorted(vars(clf))
    with pytest.raises(ValueError):
        clf.fit(X[:, :3], np.zeros(len(y)))
    with pytest.raises(ValueError):
        clf.set_params(l1=-1).fit(X, y)
    clf.set_params(l1=1e-5)

    class Boom(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == clf.n_iter_ + 1:  # after one epoch of changed weights
                raise RuntimeError("interrupted")

    clf.set_params(warm_start=True, callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="interrupted"):
        clf.fit(X, y)
    assert sorted(vars(clf)) == state
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    keras_output = clf.model_.predict(X, verbose=0).ravel()
    np.testing.assert_array_equal(keras_output > 0.5, before[:, 1] > 0.5)


def test_fit_emits_no_unexpected_warnings(binary_data):
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        L1L2Classifier(**{**FAST, "epochs": 2}).fit(X, y).predict_proba(X)


def test_partial_fit_refuses_balanced_class_weight(binary_data):
    """As SGDClassifier.partial_fit: each call would balance its own rows' classes."""
    X, y = binary_data
    clf = L1L2Classifier(**FAST, class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported by partial_fit"):
        clf.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(clf, "coefs_")
    clf.set_params(class_weight={0: 1.0, 1: 2.0}).partial_fit(X, y, classes=[0, 1])


@pytest.mark.parametrize("scale", [1 / 300, 1000.0])
def test_the_scale_of_sample_weight_does_not_change_the_fit(binary_data, scale):
    # Weights summing to 1 (AdaBoost's) had made the penalty n times stronger against the data
    # and the tol rule stop after a few epochs.
    X, y = binary_data
    settings = dict(FAST, l1=1e-3, l2=1e-3)
    unweighted = L1L2Classifier(**settings).fit(X, y)
    uniform = L1L2Classifier(**settings).fit(X, y, sample_weight=np.full(len(y), scale))
    for got, expected in zip(uniform.coefs_, unweighted.coefs_):
        np.testing.assert_array_equal(got, expected)
    assert uniform.loss_curve_ == unweighted.loss_curve_
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    weighted = L1L2Classifier(**settings).fit(X, y, sample_weight=weights)
    rescaled = L1L2Classifier(**settings).fit(X, y, sample_weight=weights * scale)
    np.testing.assert_allclose(rescaled.predict_proba(X), weighted.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(rescaled.loss_curve_, weighted.loss_curve_, rtol=1e-5)


def test_mlp_classifiers_penalty_weakens_as_much_as_its_weights_grow(binary_data):
    """README's porting note: MLPClassifier divides alpha's penalty by the weights' sum, so
    weights scaled by 10 train as alpha / 10 (ours train the same at any scale: above)."""
    from sklearn.neural_network import MLPClassifier

    X, y = binary_data
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    fits = []
    for alpha, scale in ((0.5, 1.0), (5.0, 10.0), (5.0, 1.0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp = MLPClassifier(hidden_layer_sizes=(8,), alpha=alpha, max_iter=100, random_state=0)
            fits.append(mlp.fit(X, y, sample_weight=scale * weights).coefs_[0])
    np.testing.assert_allclose(fits[1], fits[0], rtol=1e-9)
    assert np.linalg.norm(fits[2]) < 0.95 * np.linalg.norm(fits[1])


@pytest.mark.parametrize("scale", [1e-45, 1e-46, 1e39, 1e300, 1e307, 1e-309])
def test_weights_beyond_float32_train_as_their_ratios(binary_data, scale):
    """Weights were cast to float32 before being scaled to mean 1: 1e-45 · (1, 3) became
    (1.4e-45, 2.8e-45), 1:2; 1e-46 · w became 0, "only zeros"; 1e39 · w became inf. Then their
    float64 sum overflowed at 1e307 · w (every weight became 0: the penalty alone trained), and
    the factor to mean 1 was infinite at 1e-309 · w ("training diverged")."""
    X, y = binary_data
    weights = np.where(y == 1, 3.0, 1.0)
    expected = L1L2Classifier(**FAST).fit(X, y, sample_weight=weights)
    scaled = L1L2Classifier(**FAST).fit(X, y, sample_weight=weights * scale)
    for got, want in zip(scaled.coefs_, expected.coefs_):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "class_weight, scale", [({0: 1e-200, 1: 2e-200}, 1e-200), ({0: 2e300, 1: 1e300}, 1e300)]
)
def test_class_and_sample_weights_train_as_their_ratios_whatever_their_product(
    binary_data, class_weight, scale
):
    """Each finite, but multiplied before being scaled: 1e-200 · 1e-200 became 0 ("no training
    row has any weight") and 1e300 · 1e300 inf (a divergence blamed on assume_finite)."""
    X, y = binary_data
    ratios = {label: weight / max(class_weight.values()) for label, weight in class_weight.items()}
    expected = L1L2Classifier(**FAST, class_weight=ratios).fit(X, y)
    both = L1L2Classifier(**FAST, class_weight=class_weight)
    both.fit(X, y, sample_weight=np.full(len(y), scale))
    for got, want in zip(both.coefs_, expected.coefs_):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("scale", [1e307, 1e-320])
def test_balanced_class_weights_of_sample_weights_train_as_their_ratios(binary_data, scale):
    """The "balanced" factors count each class by its rows' weights: at 1e307 · w those counts
    overflowed, inf / inf made the factors NaN, and the fit diverged, blamed on assume_finite;
    the search's members too, blamed on the learning rate."""
    X, y = binary_data
    weights = np.where(np.arange(len(y)) % 3 == 0, 2.0, 1.0)
    settings = dict(FAST, class_weight="balanced")
    expected = L1L2Classifier(**settings).fit(X, y, sample_weight=weights)
    scaled = L1L2Classifier(**settings).fit(X, y, sample_weight=weights * scale)
    for got, want in zip(scaled.coefs_, expected.coefs_):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    # The members train (their held-out accuracy, weighted by 1e307 · w, overflows in
    # scikit-learn's accuracy_score, as under GridSearchCV with routed weights), and the refit
    # is the single fit.
    search = L1L2ClassifierCV(**settings, l1s=[0], l2s=[0], cv=2)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "One or more of the test scores are non-finite")
        warnings.filterwarnings("ignore", "overflow encountered", RuntimeWarning)
        warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        search.fit(X, y, sample_weight=weights * scale)
    assert np.isfinite(search.cv_results_["split0_test_score"]).all() or scale > 1
    expected = L1L2Classifier(**settings, l1=0, l2=0).fit(X, y, sample_weight=weights)
    for got, want in zip(search.best_estimator_.coefs_, expected.coefs_):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("how", ["fit", "class_weight", "partial_fit", "search",
                                 "early_stopping"])
def test_tiny_weights_train_under_numpys_errors_raised(binary_data, how):
    """Weights spanning 65 decades underflow where they are scaled and cast to float32, as
    intended; under np.seterr(all="raise") that underflow raised FloatingPointError (and under
    "warn" with warnings as errors, a RuntimeWarning), where MLPClassifier trains."""
    X, y = binary_data
    weights = np.exp(-np.linspace(0, 150, len(y)))
    settings = dict(FAST, epochs=3)

    def train():
        if how == "partial_fit":
            return L1L2Classifier(**settings).partial_fit(X, y, classes=[0, 1],
                                                          sample_weight=weights ** (2 / 3))
        if how == "early_stopping":  # held-out weights scaled to a largest of 1
            spread = np.where(np.arange(len(y)) % 2, 1e10, 1e-300)
            return L1L2Classifier(**settings, early_stopping=True).fit(
                X, y, sample_weight=spread)
        if how == "search":
            return L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **settings).fit(
                X, y, sample_weight=weights)
        extra = {"class_weight": {0: 1.0, 1: 2.0}} if how == "class_weight" else {}
        return L1L2Classifier(**settings, **extra).fit(X, y, sample_weight=weights)

    expected = train().predict_proba(X)
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(train().predict_proba(X), expected)


@pytest.mark.parametrize("how", ["fit", "sparse", "partial_fit", "search", "regressor",
                                 "poisson", "softplus"])
def test_tiny_values_train_and_predict_under_numpys_errors_raised(binary_data, how):
    """Features (p-values of 1e-60) or targets below float32's smallest number underflow where
    they are cast to float32, as intended; under np.seterr(all="raise") that underflow raised
    FloatingPointError from the cast (and the softplus forward pass of a far-out row, from
    log(1 + e^z)), where MLPClassifier trains and predicts."""
    import scipy.sparse as sp

    from l1l2_estimator import L1L2Regressor

    X, y = binary_data
    X = np.c_[X, np.geomspace(1e-60, 1e-3, len(y))]
    settings = dict(FAST, epochs=3)

    def train():
        if how == "sparse":
            return L1L2Classifier(**settings).fit(sp.csr_matrix(X), y)
        if how == "partial_fit":
            return L1L2Classifier(**settings).partial_fit(X, y, classes=[0, 1])
        if how == "search":
            return L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **settings).fit(X, y)
        if how in ("regressor", "poisson"):
            loss = "poisson" if how == "poisson" else "squared_error"
            return L1L2Regressor(**settings, loss=loss).fit(X, np.geomspace(1e-60, 1, len(y)))
        if how == "softplus":
            return L1L2Classifier(**settings, activation="softplus").fit(X, y)
        return L1L2Classifier(**settings).fit(X, y)

    def output(fitted):
        if how in ("regressor", "poisson"):
            return fitted.predict(X)
        # A row far out: softplus of a very negative z underflows.
        return fitted.predict_proba(np.r_[X, 1e5 * X[:1]])

    expected = output(train())
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(output(train()), expected)


def test_partial_fit_weights_beyond_float32_are_a_clear_error(binary_data):
    X, y = binary_data
    beyond = r"training weights \(by sample_weight and class_weight\) hold values beyond float32"
    with pytest.raises(ValueError, match=beyond):
        L1L2Classifier(**FAST).partial_fit(
            X, y, classes=[0, 1], sample_weight=np.full(len(y), 1e39)
        )
    # No sample_weight at all: it was named all the same.
    with pytest.raises(ValueError, match=beyond):
        L1L2Classifier(**FAST, class_weight={0: 1e308, 1: 1.0}).partial_fit(X, y, classes=[0, 1])
    # The regressor has no class_weight to name.
    with pytest.raises(ValueError, match=r"training weights \(by sample_weight\) hold values"):
        L1L2Regressor(**FAST).partial_fit(X, y, sample_weight=np.full(len(y), 1e39))


@pytest.mark.parametrize("estimator_class", ["classifier", "regressor", "search"])
def test_x_beyond_float32_is_named_as_such(binary_data, estimator_class):
    """1e39 is finite in float64 and inf in float32, which scikit-learn called "infinity"."""
    from l1l2_estimator import L1L2ClassifierCV, L1L2Regressor

    X, y = binary_data
    estimator = {
        "classifier": L1L2Classifier(**FAST),
        "regressor": L1L2Regressor(**FAST),
        "search": L1L2ClassifierCV(**FAST, l1s=[0], l2s=[0], cv=2),
    }[estimator_class]
    X = X.copy()
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match="X holds finite values beyond float32's range"):
        estimator.fit(X, y)
    X[0, 0] = np.inf  # a real infinity keeps scikit-learn's message
    with pytest.raises(ValueError, match="Input X contains infinity"):
        estimator.fit(X, y)


def test_tiny_weights_train_as_no_weights(binary_data):
    # A float32 scale factor for weights of 1e-40 was infinite, and the fit "diverged".
    X, y = binary_data
    unweighted = L1L2Classifier(**FAST).fit(X, y)
    tiny = L1L2Classifier(**FAST).fit(X, y, sample_weight=np.full(len(y), 1e-40, np.float32))
    for got, expected in zip(tiny.coefs_, unweighted.coefs_):
        np.testing.assert_array_equal(got, expected)


def test_partial_fit_reads_a_class_weight_dict_against_all_classes():
    """As SGDClassifier: a call whose rows lack a class the dict leaves out trains (it raised
    scikit-learn's "The classes, [1], are not in class_weight"), weighting as the dict says."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.repeat([0, 1, 2], 20)
    chunk = y != 2  # classes 0 and 1 only

    by_class = L1L2Classifier(**FAST, class_weight={0: 1.0, 2: 5.0})
    by_class.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    by_class.partial_fit(X, y)
    by_sample = L1L2Classifier(**FAST)
    by_sample.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2])
    by_sample.partial_fit(X, y, sample_weight=np.where(y == 2, 5.0, 1.0))
    for got, expected in zip(by_class.coefs_, by_sample.coefs_):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "classes, message",
    [
        ([0, 1, np.nan], "classes must hold class labels, as y must: classes contains NaN"),
        ([0, 1, None], "classes must hold class labels, as y must: Unknown label type"),
        # NumPy made them all strings: classes '0', '1' and '2' (y's 0 and 1 "not in classes").
        ([0, 1, "2"], r"as y must: Mix of label input types \(string and number\)"),
        (3, r"1-D array-like of labels, got an array of shape \(\)"),
        ({0: 1, 1: 2}, r"1-D array-like of labels, got an array of shape \(\)"),
        ([[0, 1]], r"1-D array-like of labels, got an array of shape \(1, 2\)"),
    ],
)
@pytest.mark.parametrize("call", ["first", "later"])
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")  # sklearn's
def test_partial_fit_checks_classes_as_it_checks_labels(binary_data, classes, message, call):
    # NaN became a class (predict returned NaN, and dump wrote a file load refused); None failed
    # in NumPy's sort; a scalar or a 2-D list was taken as labels; a mix of strings and numbers
    # became strings, as MLPClassifier refuses it. On a later call, only np.unique had read them:
    # None failed in NumPy's sort, a scalar in list(), a dict "[0, 1] is not the same as [0, 1]",
    # and [[0, 1]] was taken.
    X, y = binary_data
    clf = L1L2Classifier(**FAST)
    if call == "later":
        clf.set_params(epochs=1).partial_fit(X, y, classes=[0, 1])
        coefs = [c.copy() for c in clf.coefs_]
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X, y, classes=classes)
    if call == "first":
        assert not hasattr(clf, "classes_")
    else:
        assert clf.n_iter_ == 1
        for got, expected in zip(clf.coefs_, coefs):
            np.testing.assert_array_equal(got, expected)


def test_partial_fit_with_many_classes_does_not_warn_that_y_may_be_a_regression_target():
    """Every call that passed more than 20 classes warned "The number of unique classes is
    greater than 50% of the number of samples. `y` could represent a regression problem" (a
    list of classes is all distinct); MLPClassifier and SGDClassifier do not."""
    rng = np.random.default_rng(0)
    classes = np.arange(30)
    X, y = rng.normal(size=(60, 4)), np.repeat(classes, 2)
    clf = L1L2Classifier(hidden_layer_sizes=(4,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            clf.partial_fit(X, y, classes=classes)
    with pytest.raises(ValueError, match="as y must: Unknown label type: continuous"):
        clf.partial_fit(X, y, classes=classes + 0.5)


def test_partial_fit_refuses_early_stopping_as_mlp_does(binary_data):
    X, y = binary_data
    clf = L1L2Classifier(**FAST).fit(X, y)
    coefs, epochs = [c.copy() for c in clf.coefs_], clf.n_iter_
    with pytest.raises(
        ValueError, match="partial_fit does not support early_stopping=True, as MLPClassifier's"
    ):
        clf.set_params(early_stopping=True).partial_fit(X, y)
    for got, expected in zip(clf.coefs_, coefs):
        np.testing.assert_array_equal(got, expected)
    assert clf.set_params(early_stopping=False).partial_fit(X, y).n_iter_ == epochs + 1


def test_a_first_partial_fit_of_one_class_says_to_pass_classes(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match=r"pass every class with classes=\[\.\.\.\]"):
        L1L2Classifier(**FAST).partial_fit(X[y == 0], y[y == 0])


def test_partial_fit_takes_class_weights_across_calls_of_one_class_each(binary_data):
    """partial_fit takes weights as given (as Keras' train_on_batch): scaled to a mean of 1 per
    call, a class weight would cancel out in calls that hold one class each."""
    X, y = binary_data

    def streamed(class_weight):
        clf = L1L2Classifier(**FAST, class_weight=class_weight)
        for label in (0, 1, 0, 1):
            clf.partial_fit(X[y == label], y[y == label], classes=[0, 1])
        return clf.coefs_[0]

    assert np.abs(streamed({0: 1.0, 1: 10.0}) - streamed(None)).max() > 1e-4


def test_partial_fit_leaves_rows_of_weight_zero_out(binary_data):
    """README: rows of weight 0 are left out of a partial_fit call, as in fit; the others train
    as those rows alone (Keras' train_on_batch would count the zeros in each batch's mean)."""
    X, y = binary_data
    kept = np.arange(len(y)) % 2 == 0

    def streamed(X, y, weights):
        clf = L1L2Classifier(**FAST)
        clf.partial_fit(X, y, classes=[0, 1], sample_weight=weights)
        return clf.coefs_[0]

    np.testing.assert_array_equal(
        streamed(X, y, kept.astype(float)), streamed(X[kept], y[kept], np.ones(kept.sum()))
    )


def _weighted_and_repeated_fits(estimator):
    """``estimator`` fitted with integer weights (zeros too) and on the rows repeated that many
    times, one batch holding all rows, as scikit-learn's sample-weight equivalence check does
    (for a search: the weights in one group of LeaveOneGroupOut's, two unweighted copies of the
    rows in the others); returns both fits' outputs on the rows."""
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    weights = rng.randint(0, 5, size=15)
    if not is_classifier(estimator):
        y = y.astype(float)
    X_repeated, y_repeated = X.repeat(weights, axis=0), y.repeat(weights)
    X_weighted, y_weighted = X, y
    if "cv" in estimator.get_params():
        def grouped(X_first, y_first):
            groups = np.repeat([0, 1, 2], [len(y_first), len(y), len(y)])
            X_all = np.vstack([X_first, X, X])
            splits = list(LeaveOneGroupOut().split(X_all, groups=groups))
            return X_all, np.hstack([y_first, y, y]), splits

        X_weighted, y_weighted, weighted_splits = grouped(X, y)
        X_repeated, y_repeated, repeated_splits = grouped(X_repeated, y_repeated)
        weights = np.hstack([weights, np.ones(2 * len(y))])
        weighted = clone(estimator).set_params(cv=weighted_splits)
        repeated = clone(estimator).set_params(cv=repeated_splits)
    else:
        weighted, repeated = clone(estimator), clone(estimator)
    weighted.fit(X_weighted, y_weighted, sample_weight=weights)
    repeated.fit(X_repeated, y_repeated)
    method = "predict_proba" if is_classifier(estimator) else "predict"
    return getattr(weighted, method)(X), getattr(repeated, method)(X)


NETWORK = dict(hidden_layer_sizes=(16,), epochs=200, random_state=0)


@pytest.mark.parametrize(
    "estimator",
    [
        L1L2Classifier(**NETWORK, l1=1e-3, l2=1e-3),
        L1L2Classifier(**NETWORK, l1=1e-3, l2=1e-3, shuffle=False),
        L1L2Regressor(**NETWORK, l1=1e-3, l2=1e-3),
        L1L2ClassifierCV(**NETWORK, l1s=[0, 1e-3], l2s=[1e-3]),
        L1L2RegressorCV(**NETWORK, l1s=[0, 1e-3], l2s=[1e-3]),
    ],
    ids=["classifier", "classifier-no-shuffle", "regressor", "classifier-cv", "regressor-cv"],
)
def test_a_weight_of_k_trains_as_the_row_given_k_times(estimator):
    # At float32 precision: the batches sum the same rows in another order. Weights were divided
    # by the batch's rows rather than scaled to a mean of 1, and the outputs differed by up to
    # 0.77.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted, repeated = _weighted_and_repeated_fits(estimator)
    np.testing.assert_allclose(weighted, repeated, atol=1e-5)


def test_class_weight_equals_the_same_sample_weight(binary_data):
    X, y = binary_data
    by_class = L1L2Classifier(**FAST, class_weight={0: 1.0, 1: 3.0}).fit(X, y)
    by_sample = L1L2Classifier(**FAST).fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(by_class.predict_proba(X), by_sample.predict_proba(X), rtol=1e-6)
    both = L1L2Classifier(**FAST, class_weight={0: 1.0, 1: 3.0})
    both.fit(X, y, sample_weight=np.full(len(y), 2.0))
    doubled = L1L2Classifier(**FAST).fit(X, y, sample_weight=np.where(y == 1, 6.0, 2.0))
    np.testing.assert_allclose(both.predict_proba(X), doubled.predict_proba(X), rtol=1e-6)


def test_balanced_class_weight_counts_the_classes_by_their_sample_weight(binary_data):
    """As LogisticRegression's: 'balanced' makes each class's rows weigh as much in all. Counted
    by rows, weights of 10 on every row of class 1 had left it ten times class 0's weight (its
    probabilities moved by up to 0.6); rows of weight 0 had counted too."""
    X, y = binary_data
    balanced = L1L2Classifier(**FAST, class_weight="balanced")
    plain = clone(balanced).fit(X, y).predict_proba(X)
    # A constant weight per class is what balancing takes away.
    per_class = clone(balanced).fit(X, y, sample_weight=np.where(y == 1, 10.0, 1.0))
    np.testing.assert_allclose(per_class.predict_proba(X), plain, rtol=1e-6, atol=1e-7)
    # Rows of weight 0 count for nothing: as if they were not there.
    extra = np.flatnonzero(y == 0)[:50]
    padded = clone(balanced).fit(
        np.vstack([X, X[extra]]), np.concatenate([y, y[extra]]),
        sample_weight=np.concatenate([np.ones(len(y)), np.zeros(len(extra))]),
    )
    np.testing.assert_allclose(padded.predict_proba(X), plain, rtol=1e-6, atol=1e-7)
    # The weights a balanced fit trains with: each class's total equal.
    weights = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    trained = balanced._training_weights(X, y, weights, np.array([0, 1]))
    totals = [trained[y == label].sum() for label in (0, 1)]
    np.testing.assert_allclose(totals[0], totals[1], rtol=1e-12)


def test_binary_probabilities_keep_float64_precision_in_both_columns(binary_data):
    """The negative class's probability was 1 - expit(z): exactly 0 from a logit of about 37 on,
    so predict_log_proba gave -inf there (with NumPy's divide-by-zero warning, an exception
    where warnings are errors), while the other column kept values down to 1e-300."""
    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, "epochs": 20}).fit(X, y)
    # Logits of tens to hundreds, both signs (within float64's expit, which is 0 below -745).
    extreme = X[:20] * 30
    z = (
        np.maximum(extreme @ clf.coefs_[0] + clf.intercepts_[0], 0) @ clf.coefs_[1]
        + clf.intercepts_[1]
    )[:, 0]
    assert (z > 40).any() and (z < -40).any() and np.abs(z).max() < 700
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = clf.predict_proba(extreme)
        log_proba = clf.predict_log_proba(extreme)
    assert np.all(proba > 0)
    np.testing.assert_allclose(log_proba[:, 0], scipy.special.log_expit(-z), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(log_proba[:, 1], scipy.special.log_expit(z), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(clf.predict(extreme), clf.classes_[np.argmax(proba, axis=1)])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_far_out_rows_predict_under_numpys_errors_raised(n_classes):
    """Far-out rows: a softplus unit of about -720 before its activation is a subnormal number,
    and the next product underflowed; a saturated softmax's exponential underflowed too. Under
    np.errstate(all="raise") both raised FloatingPointError (as MLPClassifier's do). And the
    log-probabilities were log(predict_proba): -inf, with NumPy's divide-by-zero warning, where a
    probability rounds to 0. They come from the logits now, finite."""
    X = np.random.default_rng(0).normal(size=(30, 2))
    clf = L1L2Classifier(
        hidden_layer_sizes=(1,), activation="softplus", epochs=1, random_state=0
    ).fit(X, np.arange(30) % n_classes)
    # One hidden unit, softplus(x0); the logits are it times -1, 0, 1 (binary: times 1).
    out = np.array([[1.0]]) if n_classes == 2 else np.array([[-1.0, 0.0, 1.0]])
    clf.coefs_ = [np.array([[1.0], [0.0]]), out]
    clf.intercepts_ = [np.zeros(1), np.zeros(out.shape[1])]
    rows = np.array([[-720.0, 0.0], [2000.0, 0.0]])
    with np.errstate(all="raise"):
        proba = clf.predict_proba(rows)
        log_proba = clf.predict_log_proba(rows)
        predicted = clf.predict(rows)
    np.testing.assert_allclose(proba[0], 1 / n_classes, rtol=1e-12)
    expected = [-2000.0, 0.0] if n_classes == 2 else [-4000.0, -2000.0, 0.0]
    np.testing.assert_allclose(log_proba[1], expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(log_proba[0], np.log(proba[0]), rtol=1e-12)
    assert list(predicted) == [0, n_classes - 1]
    # A first logit of -inf (the product overflowed) and logits 1e308 apart: probabilities of
    # exactly 0 and 1, which predict_proba gives; their logarithms -inf and 0, and the middle
    # class's -1e308, finite (predict_log_proba had fallen back to log(0) on any inf logit).
    clf.coefs_[1] = np.array([[10.0]]) if n_classes == 2 else np.array([[-10.0, 0.0, 1.0]])
    with np.errstate(all="raise"):
        proba = clf.predict_proba(np.array([[1e308, 0.0]]))[0]
        log_proba = clf.predict_log_proba(np.array([[1e308, 0.0]]))[0]
    assert proba[0] == 0 and proba[-1] == 1
    assert log_proba[0] == -np.inf and log_proba[-1] == 0
    if n_classes == 3:
        assert log_proba[1] == -1e308


@pytest.mark.parametrize("failure", ["ConvergenceWarning as an error", "divergence"])
def test_a_failed_fit_does_not_move_a_random_state_param_on(binary_data, failure):
    """A RandomState param is drawn from through a copy that it follows only when the fit
    succeeds: a fit that failed after drawing had moved it on, so that the next fit differed
    from the one it would have been. A fit that succeeds moves it on, as MLPClassifier's."""
    X, y = binary_data
    settings = {**FAST, "epochs": 2, "tol": 0, "optimizer": "adam"}
    del settings["random_state"]
    clf = L1L2Classifier(**settings, random_state=np.random.RandomState(3))
    with warnings.catch_warnings():
        if failure == "divergence":
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.set_params(optimizer="sgd", learning_rate=1e30)
        else:
            warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises((ValueError, ConvergenceWarning)):
            clf.fit(X, y)
    clf.set_params(**settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        untouched = L1L2Classifier(**settings, random_state=np.random.RandomState(3))
        for _ in range(2):  # the second fit draws on from where the first left the generator
            clf.fit(X, y)
            untouched.fit(X, y)
            np.testing.assert_array_equal(clf.coefs_[0], untouched.coefs_[0])
        assert not np.array_equal(
            clf.coefs_[0],
            L1L2Classifier(**settings, random_state=np.random.RandomState(3)).fit(X, y).coefs_[0],
        )


class _InterruptedReading(np.random.RandomState):
    """A generator whose ``get_state`` call number ``at`` is interrupted, as by Ctrl-C."""

    def __init__(self, seed, at):
        super().__init__(seed)
        self.calls, self.at = 0, at

    def get_state(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return super().get_state(*args, **kwargs)


@pytest.mark.parametrize("at", [1, 2], ids=["before the draws", "after them"])
def test_ctrl_c_while_a_fit_reads_its_random_state_leaves_no_lock_held(binary_data, at):
    """A KeyboardInterrupt while a fit read its RandomState param's state (before or after its
    draws) had left the lock that fits sharing a generator take held: every later fit with a
    RandomState param, in any thread, hung."""
    from l1l2_estimator._base import _Draws

    X, y = binary_data
    settings = {**FAST, "epochs": 2, "tol": 0}
    del settings["random_state"]
    with pytest.raises(KeyboardInterrupt):
        L1L2Classifier(**settings, random_state=_InterruptedReading(0, at)).fit(X, y)
    assert not _Draws._lock.locked()
    fitted = threading.Event()

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            L1L2Classifier(**settings, random_state=np.random.RandomState(1)).fit(X, y)
        fitted.set()

    threading.Thread(target=fit, daemon=True).start()
    assert fitted.wait(60)


def test_fits_sharing_a_random_state_in_threads_draw_distinct_weights(binary_data):
    """Each fit draws from the shared generator itself, as MLPClassifier's do, under a lock:
    drawn from copies of it, two fits started together had drawn the same weights."""
    X, y = binary_data
    shared = np.random.RandomState(0)
    settings = {**FAST, "epochs": 2, "tol": 0, "random_state": shared}
    estimators = [L1L2Classifier(**settings) for _ in range(2)]
    start = threading.Barrier(2)

    def fit(estimator):
        start.wait()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator.fit(X, y)

    threads = [threading.Thread(target=fit, args=(estimator,)) for estimator in estimators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not np.array_equal(estimators[0].coefs_[0], estimators[1].coefs_[0])


class _InitialWeights(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.weights = [w.astype(np.float64) for w in self.model.get_weights()]


def _trained_as_mlp(ours, mlp, X, y):
    """``ours`` fitted, and ``mlp`` fitted from ``ours``' initial weights for as many epochs."""
    initial = _InitialWeights()
    ours.set_params(callbacks=[initial]).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.set_params(max_iter=1).fit(X, y)  # builds its layers, then starts from ours' weights
        mlp.coefs_, mlp.intercepts_ = initial.weights[::2], initial.weights[1::2]
        mlp.loss_curve_ = []
        mlp.set_params(warm_start=True, max_iter=ours.epochs).fit(X, y)
    return ours, mlp


@pytest.mark.parametrize("batch_size", [50, 64])
def test_l2_of_alpha_over_twice_the_batch_trains_as_mlp_where_every_batch_is_full(batch_size):
    """README: MLPClassifier's alpha is l2 = alpha / (2 * batch_size), exactly where every batch
    is full; its short last batch (200 rows in 64s: one of 8) is penalized by its own rows."""
    from sklearn.datasets import make_classification
    from sklearn.neural_network import MLPClassifier

    X, y = make_classification(n_samples=200, n_features=6, random_state=1)
    X = StandardScaler().fit_transform(X)
    alpha, rate = 2.0, 0.05
    same = dict(hidden_layer_sizes=(8,), batch_size=batch_size, shuffle=False, tol=0)
    ours, mlp = _trained_as_mlp(
        L1L2Classifier(l1=0, l2=alpha / (2 * batch_size), optimizer="sgd", learning_rate=rate,
                       epochs=5, n_iter_no_change=np.inf, random_state=0, **same),
        MLPClassifier(alpha=alpha, solver="sgd", momentum=0, learning_rate_init=rate,
                      n_iter_no_change=10**6, random_state=0, **same),
        X, y,
    )
    gap = np.max(np.abs(np.array(ours.loss_curve_) / np.array(mlp.loss_curve_) - 1))
    if batch_size == 50:
        assert gap < 1e-5
        for ours_kernel, mlp_kernel in zip(ours.coefs_, mlp.coefs_):
            np.testing.assert_allclose(ours_kernel, mlp_kernel, atol=1e-5)
    else:
        assert gap > 1e-2


def test_multilabel_l2_of_alpha_divides_by_the_labels_too():
    """README: for k labels MLPClassifier sums the cross-entropy over them where Keras averages
    it, so alpha is l2 = alpha / (2 * batch_size * k), and its loss (and gradient) is k times
    ours: at k times its SGD learning rate ours trains the same weights."""
    from sklearn.datasets import make_multilabel_classification
    from sklearn.neural_network import MLPClassifier

    X, Y = make_multilabel_classification(n_samples=200, n_features=6, n_classes=3,
                                          random_state=0)
    X = StandardScaler().fit_transform(X)
    k, batch_size, alpha, rate = Y.shape[1], 50, 2.0, 0.02
    same = dict(hidden_layer_sizes=(8,), batch_size=batch_size, shuffle=False, tol=0)
    ours, mlp = _trained_as_mlp(
        L1L2Classifier(l1=0, l2=alpha / (2 * batch_size * k), optimizer="sgd",
                       learning_rate=rate * k, epochs=5, n_iter_no_change=np.inf,
                       random_state=0, **same),
        MLPClassifier(alpha=alpha, solver="sgd", momentum=0, learning_rate_init=rate,
                      n_iter_no_change=10**6, random_state=0, **same),
        X, Y,
    )
    np.testing.assert_allclose(np.array(ours.loss_curve_) * k, mlp.loss_curve_, rtol=1e-5)
    for ours_kernel, mlp_kernel in zip(ours.coefs_, mlp.coefs_):
        np.testing.assert_allclose(ours_kernel, mlp_kernel, atol=1e-5)
