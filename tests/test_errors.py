"""Bad input gets a clear scikit-learn-style error, never a Keras/TensorFlow traceback, and never
changes an already fitted estimator."""

import contextlib
import functools
import itertools
import re
import threading
import warnings

import keras
import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import sklearn
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from l1l2_estimator import (
    L1L2Classifier,
    L1L2ClassifierCV,
    L1L2Regressor,
    L1L2RegressorCV,
    _inference,
)
from l1l2_estimator._inference import forward

from .conftest import FAST

rng = np.random.RandomState(0)
X8 = rng.normal(size=(40, 8))
Y = (X8[:, 0] > 0).astype(int)


def _with(value, row=0, column=0):
    X = X8.copy() if isinstance(value, float) else X8.astype(object)
    X[row, column] = value
    return X


def _sparse_with(value):
    X = scipy.sparse.csr_matrix(X8)
    X.data[0] = value
    return X


# (method, X, y, sample_weight, exception, message) for fit; X only for the others.
FIT_CASES = {
    "nan in X": (_with(np.nan), Y, None, ValueError, "NaN"),
    "inf in X": (_with(np.inf), Y, None, ValueError, "infinity"),
    "-inf in X": (_with(-np.inf), Y, None, ValueError, "infinity"),
    "string in X": (_with("seven"), Y, None, ValueError, "could not convert string to float"),
    "dict in X": (_with({"a": 1}), Y, None, TypeError, "float"),
    "1-D X": (X8[:, 0], Y, None, ValueError, "Expected 2D array, got 1D array"),
    "3-D X": (X8.reshape(40, 4, 2), Y, None, ValueError, "dim 3"),
    "no rows": (X8[:0], Y[:0], None, ValueError, "0 sample"),
    "no columns": (X8[:, :0], Y, None, ValueError, "0 feature"),
    "one class": (X8, np.zeros(40), None, ValueError, "only one class"),
    "continuous y": (X8, np.linspace(0, 1, 40), None, ValueError, "Unknown label type"),
    "2-D y of several classes per column": (
        X8, np.column_stack([Y, 2 * Y, Y]), None, ValueError, "multiclass-multioutput targets"
    ),
    "2-D y of 0s and 2s": (X8, 2 * np.eye(2)[Y], None, ValueError, "of 0s and 1s"),
    "y None": (X8, None, None, ValueError, "requires y to be passed"),
    "X/y length mismatch": (X8, Y[:30], None, ValueError, "inconsistent numbers of samples"),
    "y with NaN": (X8, np.where(Y, np.nan, 0.0), None, ValueError, "NaN"),
    "sample_weight length": (X8, Y, np.ones(30), ValueError, "sample_weight.shape"),
    "negative sample_weight": (X8, Y, -np.ones(40), ValueError, "Negative values in data"),
    # scikit-learn's message from 1.8 on; the package's own where scikit-learn lets them pass.
    "all-zero sample_weight": (X8, Y, np.zeros(40), ValueError,
                               "at least one non-zero|No training row has any weight"),
    "2-D sample_weight": (X8, Y, np.ones((40, 2)), ValueError, "Sample weights must be 1D"),
    "NaN in sparse X": (_sparse_with(np.nan), Y, None, ValueError, "NaN"),
    # Its records had been taken as labels (MLPClassifier: "unhashable type").
    "structured y": (X8, np.rec.fromarrays([Y, Y * 2.0], names="a,b"), None, TypeError,
                     r"y is a structured array \(fields 'a', 'b'\): give the targets as a "
                     r"plain array, such as y\['a'\]"),
}


@pytest.mark.parametrize(
    "estimator_class", [L1L2Classifier, L1L2Regressor, L1L2ClassifierCV, L1L2RegressorCV]
)
def test_a_structured_y_is_refused_by_every_estimator(estimator_class):
    # A regressor had taken a record of one field as numbers.
    y = np.zeros(40, dtype=[("target", "f8")])
    y["target"] = X8[:, 0]
    if estimator_class is L1L2ClassifierCV:
        y = np.rec.fromarrays([Y], names="target")
    with pytest.raises(TypeError, match=r"y is a structured array \(fields 'target'\)"):
        estimator_class(**FAST).fit(X8, y)
    # As a list of records, and of no fields (its message had failed with an IndexError).
    with pytest.raises(TypeError, match=r"y is a structured array \(fields 'target'\)"):
        estimator_class(**FAST).fit(X8, list(y))
    with pytest.raises(TypeError, match=r"y is a structured array \(no fields\): give the "
                                        r"targets as a plain array or a 2-D array"):
        estimator_class(**FAST).fit(X8, np.zeros(40, dtype=np.dtype([])))


@pytest.mark.parametrize("case", sorted(FIT_CASES))
def test_bad_fit_input(case):
    X, y, sample_weight, error, message = FIT_CASES[case]
    with pytest.raises(error, match=message) as raised:
        L1L2Classifier(**FAST).fit(X, y, sample_weight=sample_weight)
    _assert_not_from_keras(raised.value)


PREDICT_CASES = {
    "wrong feature count": (X8[:, :3], ValueError, "X has 3 features, but L1L2Classifier is"),
    "nan at predict": (_with(np.nan), ValueError, "NaN"),
    "inf at predict": (_with(np.inf), ValueError, "infinity"),
    "string at predict": (_with("x"), ValueError, "could not convert string to float"),
    "1-D at predict": (X8[0], ValueError, "Expected 2D array, got 1D array"),
    "3-D at predict": (X8.reshape(40, 4, 2), ValueError, "dim 3"),
    "no rows at predict": (X8[:0], ValueError, "0 sample"),
    "sparse, wrong feature count": (
        scipy.sparse.csr_matrix(X8[:, :3]), ValueError, "X has 3 features, but L1L2Classifier is"
    ),
    "NaN in sparse X at predict": (_sparse_with(np.nan), ValueError, "NaN"),
}


@pytest.fixture(scope="module")
def fitted():
    return L1L2Classifier(**FAST).fit(X8, Y)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
@pytest.mark.parametrize("case", sorted(PREDICT_CASES))
def test_bad_predict_input(fitted, method, case):
    X, error, message = PREDICT_CASES[case]
    before = fitted.predict_proba(X8)
    with pytest.raises(error, match=message) as raised:
        if method == "score":
            fitted.score(X, Y[: X.shape[0]])
        else:
            getattr(fitted, method)(X)
    _assert_not_from_keras(raised.value)
    np.testing.assert_array_equal(fitted.predict_proba(X8), before)


def test_score_with_mismatched_y(fitted):
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        fitted.score(X8, Y[:10])


_TEXT = np.where(Y, "yes", "no").astype(object)
MISSING_LABELS = {
    "None": np.where(np.arange(40) == 3, None, _TEXT),
    "NaN": np.where(np.arange(40) == 3, np.nan, _TEXT),
    "pandas NA, string dtype": pd.Series(np.where(np.arange(40) == 3, None, _TEXT),
                                         dtype="string"),
    "pandas NA, Int64": pd.array(np.where(np.arange(40) == 3, None, Y), dtype="Int64"),
    "a category left out": pd.Categorical(np.where(np.arange(40) == 3, None, _TEXT)),
    "a one-column frame": pd.DataFrame({"y": pd.Series(
        np.where(np.arange(40) == 3, None, _TEXT), dtype="string")}),
}


@pytest.mark.parametrize("case", sorted(MISSING_LABELS))
@pytest.mark.parametrize("call", ["fit", "partial_fit", "score", "search"])
def test_missing_labels_are_named_as_such(fitted, case, call):
    # scikit-learn's validation failed with "boolean value of NA is ambiguous" or "'<' not
    # supported between instances of 'NoneType' and 'str'", naming neither y nor the cause.
    y = MISSING_LABELS[case]
    before = fitted.predict_proba(X8)
    with pytest.raises(ValueError, match=r"y has 1 missing label \(None, NaN or pandas' NA; "
                                         r"in row 3\)") as raised:
        if call == "score":
            fitted.score(X8, y)
        elif call == "search":
            L1L2ClassifierCV(**FAST, l1s=[0], l2s=[0], cv=2).fit(X8, y)
        elif call == "partial_fit":
            fitted.partial_fit(X8, y)
        else:
            fitted.fit(X8, y)
    _assert_not_from_keras(raised.value)
    np.testing.assert_array_equal(fitted.predict_proba(X8), before)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_use_before_fit(method):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        args = (X8, Y) if method == "score" else (X8,)
        getattr(L1L2Classifier(), method)(*args)


BAD_PARAM_TYPES = {
    "hidden_layer_sizes": None,
    "activation": 3,
    "l1": "0.1",
    "l2": [0.1],
    "optimizer": 1.0,
    "learning_rate": "fast",
    "epochs": 1.5,
    "batch_size": None,
    "tol": "small",
    "n_iter_no_change": 2.0,
    "shuffle": "yes",
    "class_weight": [1, 2],
    "warm_start": "no",
    "random_state": "seed",
    "callbacks": 5,
    "verbose": "loud",
}


@pytest.mark.parametrize("name", sorted(BAD_PARAM_TYPES))
def test_every_param_rejects_a_wrong_type(name):
    clf = L1L2Classifier(**FAST).set_params(**{name: BAD_PARAM_TYPES[name]})
    with pytest.raises(ValueError, match=f"'{name}' parameter of L1L2Classifier must be"):
        clf.fit(X8, Y)


def _excluding(optimizer, **exclusions):
    optimizer.exclude_from_weight_decay(**exclusions)
    return optimizer


@pytest.mark.parametrize(
    "routed, error, message",
    [
        ({"optimizer__beta_1": "x"}, TypeError, "optimizer__beta_1 must be a number, a bool or"),
        ({"optimizer__weight_decay": [0.1]}, TypeError, "optimizer__weight_decay must be"),
        ({"optimizer__epsilon": np.nan}, ValueError, "optimizer__epsilon must be finite"),
        ({"optimizer__learning_rate": -1.0}, ValueError, "optimizer__learning_rate must be > 0"),
        ({"optimizer__learning_rate": "1e-3"}, TypeError, "or a Keras learning-rate schedule"),
        ({"optimizer__betas": 0.9}, ValueError, "Invalid optimizer__ arguments"),
        ({"optimizer__use_ema": True}, ValueError, "use_ema=True is not supported"),
        # It trained, then the fit was refused as diverged, advising a learning-rate schedule.
        ({"optimizer": keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.05))},
         ValueError, r"optimizer=LossScaleOptimizer\(...\) is not supported: .* float32 .* "
         r"Pass the optimizer it wraps \(its inner_optimizer\)"),
        # Not in the config through which each fit copies an instance: AdamW decayed the
        # biases anyway, and Muon's keywords matched none of the training variables (model_
        # then failed on optimizer state of other shapes, a callback with a bare zip error).
        ({"optimizer": _excluding(keras.optimizers.AdamW(weight_decay=0.5), var_names=["bias"])},
         ValueError, r"exclude_from_weight_decay\(...\) is not supported: every fit builds a "
         "fresh AdamW from its config"),
        ({"optimizer": keras.optimizers.Muon(exclude_layers=["output"])}, ValueError,
         r"exclude_layers=\['output'\] is not supported"),
        # Values Keras takes and trains on wrongly (a negative epsilon wrecked accuracy).
        ({"optimizer__epsilon": -1.0}, ValueError, r"optimizer__epsilon must be > 0 \(.*got -1.0"),
        # As MLPClassifier's: a weight whose gradients were all 0 made Adam's step 0 / 0.
        ({"optimizer__epsilon": 0.0}, ValueError, r"optimizer__epsilon must be > 0 \(steps "
         "divide by a running quantity plus epsilon, 0 for a weight whose gradients are all 0"),
        ({"optimizer": "ftrl", "optimizer__initial_accumulator_value": 0.0}, ValueError,
         "Ftrl's initial_accumulator_value must be > 0"),
        ({"optimizer__clipnorm": -1.0}, ValueError, "optimizer__clipnorm must be > 0"),
        # Keras trains with twice it, in float32: 3e38 overflowed there.
        ({"optimizer": "ftrl", "optimizer__l2_shrinkage_regularization_strength": 3e38},
         ValueError, "l2_shrinkage_regularization_strength must be >= 0 and at most half of "
         "float32's largest"),
        ({"optimizer__weight_decay": -0.1}, ValueError, "optimizer__weight_decay must be >= 0"),
        ({"optimizer__beta_2": 1.5}, ValueError, r"optimizer__beta_2 must be in \[0, 1\]"),
        # Keras keeps them in float32: an epsilon of 1e300 (infinite there) silently stopped all
        # training; 10**400 raised NumPy's TypeError; TensorFlow flushes numbers below float32's
        # smallest normal one to 0 (an epsilon of 1e-40 made Adam's step 0 / 0).
        ({"optimizer__epsilon": 1e300}, ValueError, "optimizer__epsilon must be within float32"),
        ({"optimizer__epsilon": 10**400}, ValueError, "optimizer__epsilon must be finite"),
        ({"optimizer__clipnorm": 1e-300}, ValueError, r"optimizer__clipnorm \(1e-300, which "
         r"TensorFlow computes as 0: below float32's smallest normal number, 1.175e-38\) must be "
         r"> 0"),
        ({"optimizer__epsilon": 1e-40}, ValueError, r"optimizer__epsilon \(1e-40, which "
         "TensorFlow computes as 0"),
        ({"learning_rate": 1e300}, ValueError, "'learning_rate' parameter .* range"),
        # An infinite penalty in float32: the fit "diverged", with advice about the learning rate.
        ({"l1": 1e39}, ValueError, "'l1' parameter .* range"),
        ({"l2": 1e39}, ValueError, "'l2' parameter .* range"),
        ({"learning_rate": 1e-40}, ValueError, "'learning_rate' parameter .* range"),
        # An integer no float holds: it passed, and the fit failed with Python's OverflowError.
        ({"tol": 10**400}, ValueError, "'tol' parameter .* range"),
        # NumPy 2 compared them with the bounds in float16, where float32's largest number is
        # inf and its smallest normal one 0: an infinite l1 and a learning rate of 0 passed.
        ({"l1": np.float16(np.inf)}, ValueError, "'l1' parameter .* range"),
        ({"learning_rate": np.float16(0.0)}, ValueError, "'learning_rate' parameter .* range"),
        # Steps that divide by 0 (or never move) whatever the data.
        ({"optimizer__beta_1": 1.0}, ValueError, r"Adam's beta_1 must be < 1 in float32 \(its "
         r"steps divide by 1 - beta_1 \*\* step, 0 for beta_1 = 1\); got 1.0"),
        ({"optimizer__beta_2": 0.99999999}, ValueError, "Adam's beta_2 must be < 1 in float32 "
         r"\(its running squares stay 0, and so does every step"),
        ({"optimizer": "nadam", "optimizer__beta_2": 1.0}, ValueError,
         "Nadam's beta_2 must be < 1 in float32 .* 1 - beta_2 \\*\\* step, also 0"),
        ({"optimizer": "adamax", "optimizer__beta_1": 1.0}, ValueError,
         "Adamax's beta_1 must be < 1"),
        ({"optimizer": "lion", "optimizer__beta_1": 1.0, "optimizer__beta_2": 1.0}, ValueError,
         "Lion's beta_1 and beta_2 must not both be 1 in float32"),
        ({"optimizer": "adamax", "optimizer__epsilon": 9.9 * float(np.finfo(np.float32).tiny)},
         ValueError, "Adamax's epsilon times 1 - beta_1 must be at least float32's smallest"),
        # Keras counts steps modulo it in int64: a float failed inside TensorFlow's FloorMod.
        ({"optimizer__gradient_accumulation_steps": 2.5}, ValueError,
         "gradient_accumulation_steps must be an integer >= 2, or 0 or None"),
        ({"optimizer__gradient_accumulation_steps": 2.0}, ValueError,
         "gradient_accumulation_steps must be an integer >= 2"),
        ({"optimizer": "ftrl", "optimizer__beta": -10.0}, ValueError,
         "optimizer__beta must be >= 0"),
        # The traced step opens a TensorFlow name scope of the schedule's name.
        ({"optimizer__learning_rate": keras.optimizers.schedules.ExponentialDecay(
            1e-2, 10, 0.9, name="bad name!")}, ValueError,
         "ExponentialDecay's name must be a TensorFlow name scope"),
        # TensorFlow keeps state per name; Keras 3 ignores decay.
        # Keras takes None for any argument; TensorFlow then failed at the first step with
        # "None values not supported", naming none.
        ({"optimizer__beta_1": None}, ValueError, "optimizer__beta_1 must be a number, got None"),
        ({"optimizer": "adagrad", "optimizer__initial_accumulator_value": None}, ValueError,
         "optimizer__initial_accumulator_value must be a number, got None"),
        ({"optimizer": "rmsprop", "optimizer__rho": None}, ValueError,
         "optimizer__rho must be a number, got None"),
        ({"optimizer__learning_rate": None}, ValueError,
         "optimizer__learning_rate must be a number, got None"),
        ({"optimizer__name": "a b"}, ValueError, "optimizer__name is not supported"),
        ({"optimizer__decay": 0.5}, ValueError, "optimizer__decay is not supported"),
        (
            {"optimizer__learning_rate": keras.optimizers.schedules.PiecewiseConstantDecay(
                [10], [1e-2, -1e-2])},
            ValueError,
            r"PiecewiseConstantDecay's values must be finite rates >= 0, got \[0.01, -0.01\]",
        ),
        (
            # Keras' own schedules are checked by their arguments: this one is positive at
            # steps 0, 1, 10, 100, ... and negative at steps 5-8 of every period of 9.
            {"optimizer__learning_rate": keras.optimizers.schedules.CosineDecayRestarts(
                0.5, 9, alpha=-1.0)},
            ValueError,
            "CosineDecayRestarts's alpha must be >= 0",
        ),
    ],
)
def test_routed_optimizer_arguments_are_checked_before_keras_sees_them(routed, error, message):
    """Keras takes any value and fails inside training (a bare TypeError from its Adam, or
    TensorFlow's UnimplementedError); a fitted estimator stays as it was."""
    clf = L1L2Classifier(**FAST).fit(X8, Y)
    before = clf.predict_proba(X8)
    for warm_start in (False, True):
        with pytest.raises(error, match=message) as raised:
            clf.set_params(warm_start=warm_start, **routed).fit(X8, Y)
        _assert_not_from_keras(raised.value)
        np.testing.assert_array_equal(clf.predict_proba(X8), before)


_TINY = float(np.finfo(np.float32).tiny)


def test_optimizer_arguments_that_keras_takes_as_none_may_be_none():
    # Those that are None by default, and the bools, which Keras reads as False.
    clf = L1L2Classifier(**FAST, optimizer__clipnorm=None, optimizer__weight_decay=None,
                         optimizer__gradient_accumulation_steps=None, optimizer__amsgrad=None)
    plain = L1L2Classifier(**FAST)
    np.testing.assert_array_equal(clf.fit(X8, Y).predict_proba(X8),
                                  plain.fit(X8, Y).predict_proba(X8))


def test_new_optimizer_arguments_build_no_optimizer_of_a_new_name():
    """Finding the Keras class of the optimizer param's name built an optimizer under an
    automatic name, new every time (adam_1, adam_2, ...): TensorFlow keeps state per name, and
    every fit or load of optimizer arguments not seen before grew the process by about 68 KB."""
    def number(name):  # Keras names them adam, adam_1, adam_2, ...
        return int(name[len("adam_"):] or 0)

    first = keras.optimizers.Adam().name
    for epsilon in (1.1e-7, 1.2e-7, 1.3e-7):
        L1L2Classifier(**FAST, optimizer__epsilon=epsilon).fit(X8, Y)
    following = keras.optimizers.Adam().name
    # Where Keras numbers the names (it does not with TensorFlow 2.16 and Keras 3.10), the next
    # number: no optimizer of a new name was built between.
    numbered = number(keras.optimizers.Adam().name) != number(following)
    assert number(following) == number(first) + numbered, (first, following)


@pytest.mark.parametrize(
    "optimizer, routed",
    [
        *[(name, {"optimizer__epsilon": _TINY})
          for name in ("adam", "adamw", "nadam", "rmsprop", "adadelta")],
        # Adamax's first step divides by (1 - beta_1) * epsilon there: 0.1 * epsilon must not be
        # flushed to 0.
        ("adamax", {"optimizer__epsilon": 10.000001 * _TINY}),
        ("adagrad", {"optimizer__epsilon": _TINY, "optimizer__initial_accumulator_value": 0.0}),
        ("ftrl", {"optimizer__initial_accumulator_value": _TINY}),
    ],
)
def test_the_smallest_epsilon_accepted_trains_beside_a_feature_that_is_always_0(
    optimizer, routed
):
    """The weights of a feature that is always 0 get only zero gradients. With epsilon 0, or
    1e-40 (which TensorFlow flushes to 0), or Ftrl's accumulators starting at 0, their step was
    0 / 0 and the fit "diverged" with advice to lower the learning rate; now those are refused,
    and the smallest value accepted (float32's smallest normal number; for Adamax, that over
    1 - beta_1) trains."""
    X = np.hstack([np.zeros((len(X8), 1)), X8])
    clf = L1L2Classifier(**FAST, optimizer=optimizer, l1=0.0, l2=0.0, **routed).fit(X, Y)
    assert all(np.isfinite(kernel).all() for kernel in clf.coefs_)
    assert np.isfinite(clf.loss_curve_).all()


@pytest.mark.parametrize(
    "callbacks", [[1], [keras.callbacks.History(), "early"], [[keras.callbacks.History(), None]]]
)
def test_a_callbacks_entry_that_is_no_callback_is_refused_by_name(callbacks):
    # scikeras' TypeError ("If specified, ``callbacks`` must be one of ...") named no entry.
    clf = L1L2Classifier(**FAST).fit(X8, Y)
    before = clf.predict_proba(X8)
    with pytest.raises(ValueError, match="callbacks must be a list of keras.callbacks.Callback"):
        clf.set_params(callbacks=callbacks).fit(X8, Y)
    np.testing.assert_array_equal(clf.predict_proba(X8), before)


@pytest.mark.parametrize(
    "settings, said",
    [
        ({"optimizer__amsgrad": 1}, "optimizer__amsgrad"),
        ({"optimizer__amsgrad": 0.0}, "optimizer__amsgrad"),
        ({"optimizer": "sgd", "optimizer__nesterov": 1}, "optimizer__nesterov"),
        ({"optimizer": "rmsprop", "optimizer__centered": "yes"}, "optimizer__centered"),
        ({"optimizer": keras.optimizers.Adam(amsgrad=1)}, "The optimizer's amsgrad"),
    ],
)
def test_a_switch_of_the_optimizer_takes_only_a_bool(settings, said):
    """Keras trained with amsgrad=1 as with True, and dump then refused to write the file (load
    takes switches as true or false), blaming the training's values; scikit-learn's "boolean"
    constraint refuses MLPClassifier(nesterovs_momentum=1) too."""
    with pytest.raises(TypeError, match=rf"^{said} must be a bool \(or None for False\), got "):
        L1L2Classifier(**FAST, **settings).fit(X8, Y)


@pytest.mark.parametrize(
    "optimizer, message",
    [
        (lambda: keras.optimizers.Adam(learning_rate=-0.05), "learning_rate must be > 0"),
        (lambda: keras.optimizers.Adam(epsilon=-1e-7), "epsilon must be > 0"),
        (lambda: keras.optimizers.RMSprop(epsilon=0.0), "epsilon must be > 0"),
        (lambda: keras.optimizers.Ftrl(initial_accumulator_value=0.0),
         "Ftrl's initial_accumulator_value must be > 0"),
        (lambda: keras.optimizers.SGD(momentum=0.5, clipnorm=-1.0), "clipnorm must be > 0"),
        (lambda: keras.optimizers.Adam(epsilon=1e300), "epsilon must be within float32's range"),
        (lambda: keras.optimizers.Adam(epsilon=None), "epsilon must be a number, got None"),
        (
            lambda: keras.optimizers.SGD(
                learning_rate=keras.optimizers.schedules.ExponentialDecay(-0.05, 10, 0.9)),
            "ExponentialDecay's initial_learning_rate must be > 0",
        ),
    ],
)
def test_an_optimizer_instance_is_checked_as_routed_arguments_are(optimizer, message):
    """Adam(learning_rate=-0.05) trained uphill without a word (loss 0.72 to 57 in 30 steps)."""
    with pytest.raises(ValueError, match=message):
        L1L2Classifier(**FAST, optimizer=optimizer()).fit(X8, Y)


class _NegativeAfterNine(keras.optimizers.schedules.LearningRateSchedule):
    """A schedule of the user's own: only sampled (steps 0, 1, 10, 100, ...)."""

    def __call__(self, step):
        return keras.ops.where(step < 10, 0.01, -0.01)

    def get_config(self):
        return {}


@pytest.mark.parametrize("schedule, message", [
    (_NegativeAfterNine(), "_NegativeAfterNine must give a rate > 0 at the first step and rates "
     ">= 0 after it; it gives -0.01 at step 10"),
    # Keras' own, within its argument ranges, still called at those steps: a rate growing
    # without bound overflows.
    (keras.optimizers.schedules.ExponentialDecay(0.01, 1, 10.0), "ExponentialDecay must give a "
     "rate > 0 at the first step and rates >= 0 after it; it gives inf at step"),
])
def test_schedules_are_called_at_sampled_steps_too(schedule, message):
    with pytest.raises(ValueError, match=message):
        L1L2Classifier(**FAST, optimizer__learning_rate=schedule).fit(X8, Y)


@pytest.mark.parametrize("schedule, message", [
    # Negative at steps 20 and 21 (a later restart), positive at every sampled step.
    (keras.optimizers.schedules.CosineDecayRestarts(1e-2, 5, t_mul=3, m_mul=1.05, alpha=11),
     "CosineDecayRestarts must have alpha <= 1 or m_mul <= 1"),
    # Keras' own failure (values of two dtypes) shows at the first step.
    (keras.optimizers.schedules.PiecewiseConstantDecay([10], [0.1, np.float64(0.05)]),
     "PiecewiseConstantDecay fails at step 0"),
    # Keras casts a boundary to the step's integer type: -0.5 is step 0, whose rate is 0.
    (keras.optimizers.schedules.PiecewiseConstantDecay([-0.5], [0.0, 0.1]),
     "boundaries must be whole steps in increasing order"),
    (keras.optimizers.schedules.PiecewiseConstantDecay([10], [10**400, 0.1]),
     "values must be finite rates >= 0"),
])
def test_keras_schedules_out_of_their_safe_ranges_are_refused(schedule, message):
    with pytest.raises(ValueError, match=message):
        L1L2Classifier(**FAST, optimizer__learning_rate=schedule).fit(X8, Y)


def test_a_cosine_restart_schedule_above_one_that_never_grows_is_accepted():
    schedule = keras.optimizers.schedules.CosineDecayRestarts(1e-2, 5, m_mul=0.9, alpha=11)
    L1L2Classifier(**{**FAST, "epochs": 2}, optimizer__learning_rate=schedule).fit(X8, Y)


def test_a_decaying_schedule_that_reaches_zero_is_accepted():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)  # 0 in float32 later
    L1L2Classifier(**{**FAST, "epochs": 2}, optimizer__learning_rate=schedule).fit(X8, Y)


def test_an_optimizer_instance_trains_under_the_packages_own_name():
    clf = L1L2Classifier(**{**FAST, "epochs": 1}, optimizer=keras.optimizers.Adam(name="mine"))
    assert clf.fit(X8, Y).model_.optimizer.name == "optimizer"


def test_routed_arguments_apply_over_an_optimizer_instance():
    clf = L1L2Classifier(
        **{**FAST, "epochs": 1}, optimizer=keras.optimizers.SGD(learning_rate=0.05),
        optimizer__momentum=0.9,
    ).fit(X8, Y)
    config = clf.model_.optimizer.get_config()
    assert (config["momentum"], config["learning_rate"]) == (0.9, pytest.approx(0.05))


@pytest.mark.parametrize("name", ["optimizer__", "callbacks__"])
def test_a_routing_prefix_without_a_name_is_refused_by_set_params(name):
    # It passed and was dropped: neither a param afterwards nor an error in fit.
    with pytest.raises(ValueError, match=f"Invalid parameter '{name}' .* names what it sets"):
        L1L2Regressor().set_params(**{name: 1})


def test_a_callbacks_argument_while_callbacks_is_none_routes_nowhere():
    # A grid over callbacks=[None, [...]] with fixed callbacks__* arguments fits its None
    # candidate; such an estimator dumps and loads (test_persistence).
    clf = L1L2Classifier(**{**FAST, "epochs": 1}, callbacks__monitor="loss")
    with pytest.warns(Warning):  # one epoch: not converged
        clf.fit(X8, Y)
    assert clf.n_iter_ == 1


@pytest.mark.parametrize(
    "callbacks, routed, message",
    [
        # A misspelling: scikeras built the class and leaked its constructor's TypeError.
        ([keras.callbacks.EarlyStopping], {"callbacks__patiense": 2},
         r"callbacks__patiense reaches callbacks\[0\], EarlyStopping, which takes no argument "
         r"'patiense' \(did you mean callbacks__patience\?\); remove it with del "
         r"estimator.callbacks__patiense\."),
        ([keras.callbacks.EarlyStopping], {"callbacks__0__patiense": 2},
         r"did you mean callbacks__0__patience\?"),
        # An unnumbered argument reaches every class in the list.
        ([keras.callbacks.EarlyStopping, keras.callbacks.History], {"callbacks__patience": 2},
         r"callbacks__patience reaches callbacks\[1\], History, which takes no argument "
         r"'patience' \(callbacks__0__patience reaches EarlyStopping alone\)"),
        # A number past the list's end routed nowhere, silently.
        ([keras.callbacks.EarlyStopping], {"callbacks__5__patience": 2},
         r"callbacks__5__patience routes to callbacks\[5\], but callbacks holds callbacks\[0\] "
         r"to callbacks\[0\]; remove it with del estimator.callbacks__5__patience\."),
        # So did an index scikeras does not read as one (a name of its dict form, a leading
        # zero, a digit that is not ASCII: the last had been int()'s own ValueError).
        ([keras.callbacks.EarlyStopping], {"callbacks__es__patience": 2},
         r"callbacks__es__patience routes to 'es', which is no index of the list callbacks "
         r"\(its items are numbered from 0, as in callbacks__0__patience\)"),
        ([keras.callbacks.EarlyStopping], {"callbacks__00__patience": 2},
         r"routes to '00', which is no index"),
        ([keras.callbacks.EarlyStopping], {"callbacks__\u00b2__patience": 2},
         r"routes to '\u00b2', which is no index"),
        # In a nested list: the j-th class of the i-th item (scikeras' TypeError had leaked), an
        # index past it, or into an item that is no list (both routed nowhere).
        ([[keras.callbacks.EarlyStopping, keras.callbacks.History]],
         {"callbacks__0__1__patience": 2},
         r"callbacks__0__1__patience reaches callbacks\[0\]\[1\], History, which takes no "
         r"argument 'patience'"),
        # Unnumbered, it reaches the classes of the outer list alone: none here (it was dropped).
        ([[keras.callbacks.EarlyStopping]], {"callbacks__patience": 2},
         r"callbacks__patience reaches no callback class: an unnumbered argument reaches the "
         r"classes of the outer list of callbacks only, .*callbacks__0__0__patience or "
         r"callbacks__0__patience for every class of callbacks\[0\]"),
        ([[keras.callbacks.EarlyStopping]], {"callbacks__0__3__patience": 2},
         r"routes to callbacks\[0\]\[3\], but callbacks\[0\] is a list shorter than that"),
        ([keras.callbacks.EarlyStopping], {"callbacks__0__1__patience": 2},
         r"routes to callbacks\[0\]\[1\], but callbacks\[0\] is no list"),
        # More positional arguments than the constructor takes.
        ([keras.callbacks.History], {"callbacks__0__0": 2},
         r"callbacks__0__0 reaches callbacks\[0\], History, which takes no argument '0'"),
        # A required argument none gives: the class's own TypeError had named no way to give it.
        ([keras.callbacks.CSVLogger], {},
         r"callbacks\[0\], CSVLogger, needs the argument 'filename', and no callbacks__\* "
         r"argument gives it: set callbacks__0__filename=\.\.\. \(or pass an instance, "
         r"CSVLogger\(\.\.\.\)\)"),
    ],
)
def test_a_callbacks_argument_no_callback_takes_is_refused_before_training(
    callbacks, routed, message
):
    clf = L1L2Classifier(**FAST).fit(X8, Y)
    before = clf.predict_proba(X8)
    clf.set_params(callbacks=callbacks, **routed)
    with pytest.raises(ValueError, match=message):
        clf.fit(X8, Y)
    np.testing.assert_array_equal(clf.predict_proba(X8), before)
    # Numbered, it reaches the one class that takes it; a class taking **kwargs takes any.
    for name in routed:
        delattr(clf, name)
    clf.set_params(
        callbacks=[keras.callbacks.EarlyStopping, keras.callbacks.History,
                   keras.callbacks.LambdaCallback],
        callbacks__0__patience=2, callbacks__0__monitor="loss", callbacks__2__note="kept",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X8, Y)


class _UnreadableSignature(keras.callbacks.Callback):
    def __init__(self, x=1):
        super().__init__()
        self.x = x


_UnreadableSignature.__signature__ = "not a signature"


def _other_function(self, y=2):
    """Another function, whose signature a decorator gives the constructor below."""


class _DecoratedConstructor(keras.callbacks.Callback):
    @functools.wraps(_other_function)
    def __init__(self, *args, **kwargs):
        super().__init__()
        self.kwargs = kwargs


def _schedule(epoch, rate):
    return rate


def test_swap_ema_weights_is_refused_by_name():
    """It needs the optimizer's use_ema=True, which is refused: Keras' own ValueError had said
    to set it."""
    clf = L1L2Classifier(**FAST, callbacks=[keras.callbacks.SwapEMAWeights()])
    with pytest.raises(ValueError, match="callbacks: SwapEMAWeights swaps in the optimizer's "
                                         r"moving average of the weights \(use_ema=True\), "
                                         "which these estimators do not support"):
        clf.fit(X8, Y)


@pytest.mark.parametrize(
    "callbacks, routed",
    [
        # Digits are positional arguments, as scikeras passes them: LearningRateScheduler(f),
        # EarlyStopping("loss"), and an unnumbered one to every class of the list.
        ([keras.callbacks.LearningRateScheduler], {"callbacks__0__0": _schedule}),
        ([keras.callbacks.EarlyStopping], {"callbacks__0__0": "loss"}),
        ([keras.callbacks.LearningRateScheduler], {"callbacks__0": _schedule}),
        # A signature Python cannot read (it had raised inspect's TypeError), and a decorated
        # constructor whose __wrapped__ names another function's (it had been refused).
        ([_UnreadableSignature], {"callbacks__x": 2}),
        ([keras.callbacks.EarlyStopping, _UnreadableSignature],
         {"callbacks__1__x": 2, "callbacks__0__monitor": "loss"}),
        ([_DecoratedConstructor], {"callbacks__z": 2}),
        # A nested list: callbacks__<i>__ reaches each of its classes, and __<i>__<j>__ one.
        ([[keras.callbacks.EarlyStopping, keras.callbacks.LambdaCallback]],
         {"callbacks__0__patience": 2, "callbacks__0__0__monitor": "loss"}),
    ],
)
def test_callbacks_arguments_scikeras_builds_are_taken(callbacks, routed):
    clf = L1L2Classifier(**FAST, callbacks=callbacks, **routed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X8, Y)
    assert clf.n_iter_ >= 1


@pytest.mark.parametrize(
    "case", ["nan in X", "one class", "negative sample_weight", "3-D X", "X/y length mismatch"]
)
def test_failed_fit_keeps_fitted_estimator(case):
    X, y, sample_weight, error, _ = FIT_CASES[case]
    clf = L1L2Classifier(**FAST).fit(X8, Y)
    before = clf.predict_proba(X8)
    for warm_start in (False, True):
        clf.set_params(warm_start=warm_start)
        attributes = dict(vars(clf))
        with pytest.raises(error):
            clf.fit(X, y, sample_weight=sample_weight)
        assert vars(clf).keys() == attributes.keys()
        assert all(vars(clf)[name] is value for name, value in attributes.items())
        np.testing.assert_array_equal(clf.predict_proba(X8), before)


def test_continued_training_refuses_labels_that_do_not_fit(fitted):
    clf = L1L2Classifier(**FAST).fit(X8, Y)
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes_ .*first "
                       "partial_fit call"):
        clf.partial_fit(X8, np.where(Y, 2, 0))
    # A warm-started fit had been told about partial_fit, which it never called.
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes_ .*a warm start "
                       "keeps the classes") as caught:
        clone(clf).set_params(warm_start=True).fit(X8, Y).fit(X8, np.where(Y, 2, 0))
    assert "partial_fit" not in str(caught.value)
    with pytest.raises(ValueError, match="warm_start can only be used where y has the same"):
        clf.set_params(warm_start=True).fit(X8, np.zeros(40, dtype=int))
    clf.partial_fit(X8[:5], np.zeros(5, dtype=int))  # a subset is fine for partial_fit


def test_predict_from_four_threads_matches_sequential(fitted):
    batches = [rng.normal(size=(50, 8)) for _ in range(16)]
    expected = [fitted.predict_proba(batch) for batch in batches]
    results = [None] * len(batches)
    barrier = threading.Barrier(4)

    def work(worker):
        barrier.wait()
        for index in range(worker, len(batches), 4):
            for _ in range(20):
                results[index] = fitted.predict_proba(batches[index])

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


def _assert_not_from_keras(error):
    module = type(error).__module__
    assert not module.startswith(("keras", "tensorflow")), module
    frames = []
    traceback = error.__traceback__
    while traceback is not None:
        frames.append(traceback.tb_frame.f_code.co_filename)
        traceback = traceback.tb_next
    assert not any("/keras/" in f or "/tensorflow/" in f for f in frames), frames[-1]


# -- training failures (tracker issue 11, items 8-10) ------------------------------------------


@pytest.mark.parametrize("estimator_class", [L1L2Classifier, L1L2Regressor])
def test_divergence_is_a_clear_error_and_keeps_the_fitted_state(estimator_class):
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int) if estimator_class is L1L2Classifier else X[:, 0]
    fitted = estimator_class(hidden_layer_sizes=(8,), epochs=5, random_state=0).fit(X, y)
    before = fitted.predict(X)
    fitted.set_params(optimizer="sgd", learning_rate=1e3, epochs=50)
    with pytest.raises(ValueError, match="training diverged at epoch .*: lower learning_rate") as e:
        fitted.fit(X * 100, y)
    _assert_not_from_keras(e.value)
    assert "or choose optimizer='adam'" in str(e.value)  # SGD diverged
    # A classifier was told "and, for a regressor, the target" too.
    target = "standardize the features (StandardScaler) and the target, or choose"
    assert (target in str(e.value)) is (estimator_class is L1L2Regressor)
    assert "for a regressor" not in str(e.value)
    np.testing.assert_array_equal(fitted.predict(X), before)
    assert all(np.isfinite(w).all() for w in fitted.coefs_)


@pytest.mark.parametrize(
    "settings, named",
    [
        ({"optimizer": "sgd", "optimizer__learning_rate": 1e3}, "lower optimizer__learning_rate"),
        ({"optimizer": "sgd_instance"}, "lower the optimizer's learning_rate"),
    ],
)
def test_divergence_names_the_learning_rate_the_optimizer_used(settings, named):
    X = rng.normal(size=(60, 4)) * 100
    y = (X[:, 0] > 0).astype(int)
    if settings["optimizer"] == "sgd_instance":
        settings = {"optimizer": keras.optimizers.SGD(learning_rate=1e3)}
    with pytest.raises(ValueError, match=f"diverged .*: {named} \\(it is 1000\\)") as e:
        L1L2Classifier(hidden_layer_sizes=(8,), epochs=50, random_state=0, **settings).fit(X, y)
    assert "(it is 0.003)" not in str(e.value)


@pytest.mark.parametrize("optimizer, rate, decay, scale, named", [
    ("adamw", 3e-3, 1e6, 1, True),
    ("sgd", 1e3, 1e-3, 100, False),
])
def test_divergence_names_a_weight_decay_that_grows_the_weights(optimizer, rate, decay, scale,
                                                                 named):
    """Keras' weight decay multiplies the weights by 1 - learning_rate * weight_decay each step:
    AdamW's weight_decay=1e6 at the default rate made that -2999, and the advice only named the
    learning rate. Where the factor stays within [-1, 1] (SGD at a rate of 1000 with a decay of
    1e-3: 0) the weights shrink, and the decay stays unnamed."""
    X = rng.normal(size=(60, 4)) * scale
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(8,), epochs=50, random_state=0, optimizer=optimizer,
                         optimizer__weight_decay=decay, learning_rate=rate)
    with pytest.raises(ValueError, match="diverged") as raised:
        clf.fit(X, y)
    message = str(raised.value)
    if named:
        assert ("or the optimizer's weight_decay (it is 1e+06: each step multiplies the weights "
                "by 1 - learning rate * weight_decay = -2999") in message
    else:
        assert "weight_decay" not in message and "lower learning_rate (it is 1000)" in message


def test_divergence_under_a_huge_penalty_names_the_penalty():
    """l1 = 3e38, within its range, overflows the loss in float32 at once: the advice named only
    the learning rate and the data."""
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    start = (r"the penalty of the weights training starts from \(l1 · Σ\|w\| \+ l2 · Σw² over "
             r"the kernels\) is [0-9.e+]+, and the epoch's loss, which counts it once per row, "
             r"reaches [0-9.e+]+ on the first batch of 60 rows, beyond float32's largest number "
             r"\(3\.4e\+38\), whatever the learning rate: use smaller penalties \(l1=")
    with pytest.raises(ValueError, match=start + r"3e\+38; useful ones"):
        L1L2Classifier(hidden_layer_sizes=(8,), epochs=5, random_state=0, l1=3e38).fit(X, y)
    # Under proximal_l1 the L1 term is out of the gradients but in the loss: l1=1e36 diverged
    # at any learning rate, and the advice led with lowering it.
    for rate in (3e-3, 3e-9):
        with pytest.raises(ValueError, match=start + r"1e\+36; useful ones") as raised:
            L1L2Classifier(epochs=5, random_state=0, l1=1e36, proximal_l1=True,
                           learning_rate=rate).fit(X, y)
        assert "learning_rate" not in str(raised.value)
    with pytest.raises(ValueError, match="diverged") as raised:
        L1L2Classifier(hidden_layer_sizes=(8,), epochs=50, random_state=0,
                       learning_rate=1e3, optimizer="sgd").fit(X * 100, y)
    assert "smaller penalties" not in str(raised.value)  # the defaults are not named


def test_divergence_from_huge_values_names_their_size_not_the_learning_rate():
    """Features or a regressor's target of about 1e19 and more have squares beyond float32's
    range (in the gradients, Adam's moments, the squared error): the fit diverges whatever the
    learning rate, and the advice said to lower it (it was 1e-10)."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=300, n_features=5, random_state=0)
    with pytest.raises(ValueError, match="diverged") as raised:
        L1L2Classifier(hidden_layer_sizes=(4,), epochs=30, random_state=0,
                       learning_rate=1e-10).fit(X * 1e20, y)
    message = str(raised.value)
    largest = f"{np.abs(X * 1e20).max():.3g}"
    assert f"X holds values as large as {largest}: their squares overflow float32" in message
    assert "lower learning_rate" not in message
    with pytest.raises(ValueError, match="diverged") as raised:
        L1L2Regressor(hidden_layer_sizes=(4,), epochs=30, random_state=0).fit(X, X[:, 0] * 1e20)
    assert "y holds values as large as" in str(raised.value)
    assert "lower learning_rate" not in str(raised.value)
    # regularization_path's batched fits, whose points equal these fits, said to lower the
    # learning rate whatever the data.
    from l1l2_estimator.plots import regularization_path

    for estimator, target, named in (
        (L1L2Classifier(hidden_layer_sizes=(4,), epochs=30, random_state=0), y, "X"),
        (L1L2Regressor(hidden_layer_sizes=(4,), epochs=30, random_state=0), X[:, 0] * 1e20, "y"),
    ):
        data = X * 1e20 if named == "X" else X
        with pytest.raises(ValueError, match=r"diverged .* with l1=0: ") as raised:
            regularization_path(estimator, data, target, data, target, [0, 1e-3])
        assert f"{named} holds values as large as" in str(raised.value)
        assert "lower learning_rate" not in str(raised.value)


def test_divergence_from_a_huge_poisson_target_names_its_gradients():
    """A Poisson loss never squares y: the message said y's squares overflowed. Its gradients
    are of y's size, and the optimizer keeps their squares."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = rng.poisson(3, 60) * 1e25
    with pytest.raises(ValueError, match="diverged") as raised:
        L1L2Regressor(hidden_layer_sizes=(4,), loss="poisson", epochs=20,
                      random_state=0).fit(X, y)
    message = str(raised.value)
    assert (f"y holds values as large as {y.max():.3g}: a Poisson loss's gradients are as "
            "large, and their squares overflow float32") in message
    assert "divide the target by a positive constant" in message
    # SGD keeps no squares: its steps grow with the gradients (a rate of 1e-30 trained, without
    # learning anything); Adamax's steps do not grow with them, and it trained.
    with pytest.raises(ValueError, match="diverged") as raised:
        L1L2Regressor(hidden_layer_sizes=(4,), loss="poisson", epochs=20, random_state=0,
                      optimizer="sgd").fit(X, y)
    assert ("a Poisson loss's gradients are as large, and SGD's steps along them overflow "
            "float32, in which the network trains, at any learning rate large enough to "
            "train") in str(raised.value)
    L1L2Regressor(hidden_layer_sizes=(4,), loss="poisson", epochs=2, random_state=0,
                  optimizer="adamax").fit(X, y)


def test_divergence_from_huge_partial_fit_weights_names_them():
    """partial_fit takes each call's weights as given: weights of 3e38, within float32's range,
    overflow the weighted loss, and the advice blamed the learning rate (fit scales weights to
    a mean of 1, where the same weights train)."""
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(4,), random_state=0, epochs=2).fit(X, y)
    with pytest.raises(ValueError, match="diverged") as raised:
        clf.partial_fit(X, y, sample_weight=np.full(len(y), 3e38))
    message = str(raised.value)
    assert "sample_weight and class_weight hold values as large as 3e+38: their squares " \
        "overflow" in message
    assert "partial_fit takes each call's weights as given" in message
    assert "lower learning_rate" not in message
    assert clf.n_iter_ == 2
    clf.fit(X, y, sample_weight=np.full(len(y), 3e38))  # scaled to a mean of 1: it trains
    # Weights set by class_weight are named by what sets them, not as sample_weight alone.
    weighted = L1L2Classifier(hidden_layer_sizes=(4,), random_state=0, epochs=2,
                              class_weight={0: 3e38, 1: 3e38}).fit(X, y)
    with pytest.raises(ValueError, match="sample_weight and class_weight hold values as large"):
        weighted.partial_fit(X, y)
    # A search's members train on weights scaled to a mean of 1: its advice does not name them.
    search = L1L2ClassifierCV((4,), l1s=[0], l2s=[0], cv=2, epochs=20, random_state=0,
                              optimizer="sgd", learning_rate=1e3, error_score="raise")
    with pytest.raises(ValueError, match="diverged") as raised:
        search.fit(X * 100, y, sample_weight=np.full(len(y), 3e38))
    assert "lower learning_rate" in str(raised.value)
    assert "sample_weight holds" not in str(raised.value)


def test_non_finite_weights_after_the_last_step_are_divergence_too():
    """A step beyond float32's range: the epoch's loss (of its one batch, before the step) is
    finite but the weights after its last step are not. partial_fit refuses them as fit does,
    and fits nothing."""
    X = rng.normal(size=(60, 4)) * 1e3
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(8,), random_state=0, optimizer="sgd",
                         learning_rate=3e38)
    with pytest.raises(ValueError, match="the loss, the weights or the optimizer's state "
                       "became infinite or NaN"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_an_optimizer_state_that_overflowed_is_divergence_too():
    """Features of 1e20 have gradients whose squares overflow float32: one epoch left Adam's
    running squares infinite behind finite weights and loss, and the fit succeeded. Every later
    partial_fit or warm start then diverged, whatever the learning rate (the state carries over
    when only the rate changes), and dump refused the estimator. Now such a fit is a divergence
    that names the features' size, leaves the estimator as it was, and fails the same members of
    a search."""
    X = np.random.RandomState(0).normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(4,), random_state=0, epochs=1).fit(X, y)
    before = clf.predict_proba(X)
    for call in (lambda: clf.fit(X * 1e20, y), lambda: clf.partial_fit(X * 1e20, y)):
        with pytest.raises(ValueError, match=r"training diverged at epoch \d: the loss, the "
                           "weights or the optimizer's state became infinite or NaN: X holds "
                           "values as large as"):
            call()
        np.testing.assert_array_equal(clf.predict_proba(X), before)
        assert all(np.isfinite(v).all() for v in clf._get_fitted_state()["optimizer_state"])
    search = L1L2ClassifierCV((4,), l1s=[0], l2s=[0], cv=2, epochs=1, random_state=0,
                              error_score="raise")
    with pytest.raises(ValueError, match="diverged"):
        search.fit(X * 1e20, y)


@pytest.mark.parametrize("estimator_class", [L1L2Classifier, L1L2Regressor])
def test_finite_weights_whose_loss_overflows_after_the_last_step_are_divergence_too(
    estimator_class,
):
    """learning_rate=1e30 for one epoch of one batch: the epoch's loss, taken before the step,
    was finite, and so were the weights after it (about 1e30); the fit published them, with
    predictions of 1e61, where a second epoch reported the divergence, and every later
    partial_fit then diverged. A set_params(learning_rate=1e30).partial_fit on a fitted
    estimator replaced its network so."""
    X = np.random.RandomState(0).normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int) if estimator_class is L1L2Classifier else 2 * X[:, 0]
    blown = dict(hidden_layer_sizes=(8,), epochs=1, random_state=0, learning_rate=1e30)
    with pytest.raises(ValueError, match="training diverged at epoch 1: .*lower learning_rate"):
        estimator_class(**blown).fit(X, y)
    fitted = estimator_class(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X, y)
    before = fitted.predict(X)
    with pytest.raises(ValueError, match="training diverged at epoch 4"):
        fitted.set_params(learning_rate=1e30).partial_fit(X, y)
    np.testing.assert_array_equal(fitted.predict(X), before)
    assert fitted.n_iter_ == 3
    # Weights that grow large while the loss stays within float32 still train (1e6 a step).
    large = estimator_class(**{**blown, "learning_rate": 1e6}).fit(X, y)
    assert max(np.abs(kernel).max() for kernel in large.coefs_) > 1e5
    # A search's members are checked as the single fits are: each diverges, as each fit of
    # GridSearchCV does.
    search = (L1L2ClassifierCV if estimator_class is L1L2Classifier else L1L2RegressorCV)(
        (8,), l1s=[0], l2s=[0, 1e-3], cv=3, epochs=1, random_state=0, learning_rate=1e30,
        refit=False,
    )
    with pytest.raises(ValueError, match="All the 6 member fits failed.*6 diverged"):
        search.fit(X, y)


def test_continuing_from_a_poisson_bias_whose_rate_overflows_names_it_not_the_learning_rate():
    """A Poisson rate exp(z) overflows float32 from z of about 88.7, far below the weights of
    1e4 beyond which the check had looked (a file's output bias of 89 was blamed on the
    learning rate)."""
    X = np.random.RandomState(0).normal(size=(60, 4))
    y = np.random.RandomState(1).poisson(3.0, size=60)
    fitted = L1L2Regressor(hidden_layer_sizes=(4,), loss="poisson", epochs=2,
                           random_state=0).fit(X, y)
    state = fitted._get_fitted_state()
    state["weights"] = [*state["weights"][:-1], np.full_like(state["weights"][-1], 89.0)]
    fitted._set_fitted_state(**state)
    with pytest.raises(ValueError, match=r"already makes the loss on these rows overflow "
                       r"float32 \(its largest weight is 89") as raised:
        fitted.partial_fit(X, y)
    assert "lower learning_rate" not in str(raised.value)


def test_continuing_from_weights_whose_loss_overflows_names_them_not_the_learning_rate():
    """A network whose weights (a file's, say: load takes weights up to float32's largest)
    already overflow the loss cannot be trained on at any learning rate: the advice had been to
    lower it."""
    X = np.random.RandomState(0).normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    fitted = L1L2Classifier(hidden_layer_sizes=(8,), epochs=2, random_state=0).fit(X, y)
    state = fitted._get_fitted_state()
    state["weights"] = [w * np.float32(1e20) if w.ndim == 2 else w for w in state["weights"]]
    fitted._set_fitted_state(**state)
    before = fitted.predict_proba(X)
    for call in (lambda: fitted.partial_fit(X, y),
                 lambda: fitted.set_params(warm_start=True).fit(X, y)):
        with pytest.raises(ValueError, match=r"training diverged at epoch 3: the loss, the "
                           r"weights or the optimizer's state became infinite or NaN: the network "
                           r"it continues from already makes the loss on these rows overflow "
                           r"float32 \(its largest weight is [\d.e+]+\), whatever the learning "
                           r"rate: fit a new network") as raised:
            call()
        assert "lower learning_rate" not in str(raised.value)
        np.testing.assert_array_equal(fitted.predict_proba(X), before)
    # Where the rows themselves are the cause, they are named, as for a new network.
    with sklearn.config_context(assume_finite=True):
        with pytest.raises(ValueError, match="X, y or sample_weight holds NaN or infinite"):
            fitted.set_params(warm_start=False).partial_fit(np.where(X > 2, np.nan, X), y)
    # A fresh fit trains.
    fitted.set_params(warm_start=False).fit(X, y)


@pytest.mark.parametrize("activation, kernel, overflows", [
    ("tanh", 2e4, False),  # float32's inf, and tanh(inf) = 1: the loss is finite
    ("relu", -2e4, False),  # relu(-inf) = 0
    ("relu", 2e4, True),  # relu(inf) = inf
    ("linear", -2e4, True),
])
def test_an_activation_that_saturates_a_float32_overflow_is_no_divergence(activation, kernel,
                                                                           overflows):
    """A hidden unit's pre-activation beyond float32's range is infinite in training; tanh,
    sigmoid, relu of -inf, ... make it finite again, and training goes on: the check had called
    a fit of a feature near float32's limit (which trained with a finite loss) diverged."""
    X = np.array([[1e35], [1.0]])
    weights = [np.array([[kernel]], np.float32), np.zeros(1, np.float32),
               np.ones((1, 1), np.float32), np.zeros(1, np.float32)]
    assert _inference.training_loss_overflows(weights, X, np.array([1.0, 0.0]), activation,
                                              "sigmoid") is overflows


def test_a_target_whose_squares_sum_beyond_float32_is_named_not_the_learning_rate():
    """The epoch's loss sums its rows' squared errors in float32, as Keras' does: a target of
    5e17 (each square 2.5e35) on 2,000 rows diverged at any learning rate, and the advice was
    to lower it."""
    X = rng.normal(size=(2000, 3))
    y = np.where(X[:, 0] > 0, 5e17, -5e17)
    with pytest.raises(ValueError, match="diverged") as raised:
        L1L2Regressor(hidden_layer_sizes=(4,), epochs=2, random_state=0,
                      learning_rate=1e-20).fit(X, y)
    message = str(raised.value)
    assert ("y's squares sum to 5e+38 over its 2000 rows, beyond float32's largest number "
            "(3.4e+38), in which the network sums an epoch's loss, whatever the learning "
            "rate: scale the target") in message
    assert "lower learning_rate" not in message
    # A row's squared error is its mean over the outputs: 4 outputs of 3e17 on 1,000 rows sum
    # to 9e37 (their squares to 3.6e38) and train; a divergence there is the rate's.
    X = X[:1000]
    y = np.where(X[:, :1] > 0, 3e17, -3e17) * np.ones((1, 4))
    L1L2Regressor(hidden_layer_sizes=(4,), epochs=2, random_state=0,
                  learning_rate=1e-20).fit(X, y)
    with pytest.raises(ValueError, match="diverged") as raised:
        L1L2Regressor(hidden_layer_sizes=(4,), epochs=2, random_state=0, optimizer="sgd",
                      learning_rate=1e10).fit(X, y)
    assert "y's squares" not in str(raised.value)
    assert "lower learning_rate (it is 1e+10)" in str(raised.value)
    with pytest.raises(ValueError, match=r"y's squares \(each row's mean over its 4 outputs\) "
                       r"sum to 5e\+38 over its 1000 rows"):
        L1L2Regressor(hidden_layer_sizes=(4,), epochs=2, random_state=0,
                      learning_rate=1e-20).fit(X, y * np.sqrt(5e38 / 9e37))


@pytest.mark.parametrize("penalty", [{"l1": 1e30}, {"l2": 1e30}])
def test_a_penalty_whose_gradients_overflow_is_named_first(penalty):
    """l1 or l2 of 1e30 give gradients whose squares overflow Adam's running squares in float32:
    every fit diverged, at a learning rate of 1e-30 too, and the advice led with lowering it."""
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match="diverged") as raised:
        L1L2Classifier(hidden_layer_sizes=(4,), epochs=3, random_state=0, learning_rate=1e-30,
                       **penalty).fit(X, y)
    name = next(iter(penalty))
    assert f"use a smaller {name} (it is 1e+30: from about 1.84e+19 on" in str(raised.value)
    assert "lower learning_rate" not in str(raised.value)
    if name == "l1":  # proximal_l1 keeps l1 out of the gradients: it trains, and is not blamed
        L1L2Classifier(hidden_layer_sizes=(4,), epochs=3, random_state=0, proximal_l1=True,
                       **penalty).fit(X, y)
        with pytest.raises(ValueError, match="diverged") as raised:
            L1L2Classifier(hidden_layer_sizes=(4,), epochs=3, random_state=0,
                           proximal_l1=True, learning_rate=1e38, **penalty).fit(X * 1e3, y)
        assert "lower learning_rate (it is 1e+38)" in str(raised.value)
        assert "smaller l1 (it is" not in str(raised.value)


def test_predict_while_refitting_in_another_thread_never_fails():
    """The fitted state is published all at once at the end of a fit: a concurrent predict sees
    the old network or the new one, never a half-published one."""
    X = rng.normal(size=(200, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X, y)
    failures, calls, stop = [], [0], threading.Event()

    def predict_forever():
        while not stop.is_set():
            try:
                assert clf.predict(X[:5]).shape == (5,)
                calls[0] += 1
            except Exception as error:  # noqa: BLE001 - every failure counts
                failures.append(repr(error))

    thread = threading.Thread(target=predict_forever)
    thread.start()
    try:
        for seed in range(30):
            clf.set_params(random_state=seed).fit(X, y)
    finally:
        stop.set()
        thread.join()
    assert calls[0] > 0
    assert failures == []


class _Inspect(keras.callbacks.Callback):
    """Calls ``look`` at every epoch's end of the fit it is passed to."""

    def __init__(self, look):
        super().__init__()
        self.look = look

    def on_epoch_end(self, epoch, logs=None):
        self.look()


def test_a_refit_on_other_features_publishes_them_with_its_network():
    """validate_data wrote n_features_in_ and feature_names_in_ when a fit began, while the old
    network stayed published: predict on the old features failed for the whole refit, and a
    copy taken meanwhile (its n_features_in_ beside the old kernels) could predict neither
    width."""
    import pandas as pd

    X = rng.normal(size=(120, 6))
    y = (X[:, 0] > 0).astype(int)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    clf = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(frame, y)
    expected = clf.predict_proba(frame)
    seen = []

    def look():
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # "X has feature names, but ..."
            seen.append(clf.n_features_in_)
            np.testing.assert_array_equal(clf.predict_proba(frame), expected)
            state = dict(vars(clf))  # what a copy taken now would hold
            assert state["coefs_"][0].shape[0] == state["n_features_in_"]

    wider = rng.normal(size=(120, 9))
    clf.set_params(callbacks=[_Inspect(look)]).fit(wider, y)
    assert seen == [6, 6]
    assert clf.n_features_in_ == 9 and not hasattr(clf, "feature_names_in_")


def test_a_convergence_warning_made_an_error_leaves_the_fitted_estimator_as_it_was():
    X = rng.normal(size=(100, 4))
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, y)
    before = {name: value for name, value in vars(clf).items() if name.endswith("_")}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            clf.set_params(random_state=1).fit(X, y)
    after = {name: value for name, value in vars(clf).items() if name.endswith("_")}
    assert after.keys() == before.keys()
    for got, want in zip(after["coefs_"], before["coefs_"]):
        np.testing.assert_array_equal(got, want)


def test_fits_leave_pythons_random_stream_alone():
    """Building the Keras network (for callbacks, or model_) drew its unseeded initializers'
    seeds from Python's random module, the stream keras.utils.set_random_seed seeds."""
    import random

    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    random.seed(7)
    state = random.getstate()
    clf = L1L2Classifier(
        hidden_layer_sizes=(4,), epochs=2, random_state=0, callbacks=[keras.callbacks.History()]
    ).fit(X, y)
    assert random.getstate() == state
    clf.set_params(callbacks=None).fit(X, y)
    clf.model_  # noqa: B018  (built on first access)
    assert random.getstate() == state


def test_an_estimator_fitted_with_callbacks_copies_without_keras_warnings():
    """The callbacks kept the Keras model of the fit (``callback.model``): every clone, deepcopy
    and pickle of the fitted estimator copied it, and Keras warned "Skipping variable loading
    for optimizer" while reloading it (in every worker of a GridSearchCV with n_jobs)."""
    import copy
    import pickle

    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    history = keras.callbacks.History()
    stopping = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    clf = L1L2Classifier(
        hidden_layer_sizes=(4,), epochs=5, random_state=0, callbacks=[history, stopping]
    ).fit(X, y)
    assert len(history.history["loss"]) == 2 and stopping.stopped_epoch == 1  # kept
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clone(clf)
        copy.deepcopy(clf)
        pickle.loads(pickle.dumps(clf))


def test_callbacks_in_nested_lists_and_with_their_own_set_model_still_work():
    """Detaching the fit's Keras model from the callbacks called set_model(None) on the
    unflattened list: nested lists (which CallbackList flattens) and a set_model override that
    uses its model failed the fit after training."""

    class UsesModel(keras.callbacks.Callback):
        def set_model(self, model):
            super().set_model(model)
            self.rate = float(model.optimizer.learning_rate)

    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    history, uses = keras.callbacks.History(), UsesModel()
    L1L2Classifier(
        hidden_layer_sizes=(4,), epochs=2, random_state=0, callbacks=[[history], uses]
    ).fit(X, y)
    assert len(history.history["loss"]) == 2 and uses.rate == pytest.approx(3e-3)
    assert history.model is None and uses.model is None


def test_the_callbacks_model_carries_this_fits_penalties():
    """It was built with the penalties of the previous fit."""
    seen = []

    class Look(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(self.model.layers[0].kernel_regularizer.get_config())

    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(4,), epochs=1, random_state=0, l1=0.0, l2=0.0)
    clf.fit(X, y).set_params(l1=0.5, l2=0.25, callbacks=[Look()]).fit(X, y)
    assert seen == [{"l1": 0.5, "l2": 0.25}]


def test_model_layers_draw_no_seed_from_python_and_differ_from_each_other():
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(8, 8), epochs=1, random_state=0).fit(X, y)
    seeds = [layer.get_config()["kernel_initializer"]["config"]["seed"]
             for layer in clf.model_.layers]
    assert all(isinstance(seed, int) for seed in seeds) and len(set(seeds)) == 3
    clone = keras.models.clone_model(clf.model_)
    hidden = [layer.get_weights()[0] for layer in clone.layers[:2]]
    assert hidden[1].shape == (8, 8) and not np.array_equal(hidden[0][:3], hidden[1][:3])


def _refit_during_the_forward_pass(monkeypatch, estimator, X, y):
    """Make the next forward pass first refit ``estimator`` on ``(X, y)``: another thread's
    refit, landing between a predict's reading of the network and of what it describes."""
    import l1l2_estimator._base as base

    forward = base.forward

    def refit_first(*args):
        monkeypatch.setattr(base, "forward", forward)
        estimator.fit(X, y)
        return forward(*args)

    monkeypatch.setattr(base, "forward", refit_first)


@pytest.mark.parametrize(
    "method, refit_y",
    [
        ("predict", np.array(["x", "y", "z"] * 20)),
        ("predict_proba", rng.randint(0, 2, size=(60, 3))),  # multilabel: no column added
    ],
)
def test_predict_reads_one_fits_network_and_classes_while_another_thread_refits(
    monkeypatch, method, refit_y
):
    """predict read the network, then classes_, from the estimator one by one: a refit landing
    between them returned the old network's output indexed into the new classes_ (labels of
    neither fit), and predict_proba shaped the old output by the new targets."""
    X = rng.normal(size=(60, 4))
    y = np.where(X[:, 0] > 0, "a", "b")
    clf = L1L2Classifier(hidden_layer_sizes=(3,), epochs=2, random_state=0).fit(X, y)
    expected = getattr(clf, method)(X)
    _refit_during_the_forward_pass(monkeypatch, clf, rng.normal(size=(60, 6)), refit_y)
    np.testing.assert_array_equal(getattr(clf, method)(X), expected)
    assert clf.n_features_in_ == 6  # the refit did land


def test_regressor_predict_reads_one_fits_outputs_while_another_thread_refits(monkeypatch):
    X = rng.normal(size=(60, 4))
    reg = L1L2Regressor(hidden_layer_sizes=(3,), epochs=2, random_state=0).fit(X, X[:, 0])
    expected = reg.predict(X)
    _refit_during_the_forward_pass(monkeypatch, reg, X, X[:, :2])
    np.testing.assert_array_equal(reg.predict(X), expected)  # 1-D, not the old (60, 1) column
    assert reg.n_outputs_ == 2


@pytest.mark.parametrize("attribute", ["model_", "target_encoder_"])
def test_a_refit_while_model_is_built_gets_a_model_of_its_own(monkeypatch, attribute):
    """model_ (target_encoder_) read the fitted state from the estimator and kept what it built
    in the estimator's attributes of that later instant: a refit in another thread meanwhile
    was then served the earlier fit's network (encoder) ever after."""
    import l1l2_estimator._base as base
    import l1l2_estimator.classifier as classifier

    X = rng.normal(size=(60, 4))
    clf = L1L2Classifier(hidden_layer_sizes=(3,), epochs=2, random_state=0)
    clf.fit(X, (X[:, 0] > 0).astype(int))
    module, name = (
        (base, "build_network") if attribute == "model_" else (classifier, "label_encoder")
    )
    build = getattr(module, name)

    def refit_first(*args, **kwargs):
        monkeypatch.setattr(module, name, build)
        clf.set_params(random_state=1).fit(X, np.where(X[:, 1] > 0, "yes", "no"))
        return build(*args, **kwargs)

    monkeypatch.setattr(module, name, refit_first)
    getattr(clf, attribute)  # built for the first fit, while the second lands
    assert list(clf.classes_) == ["no", "yes"]  # the refit did land
    if attribute == "model_":
        np.testing.assert_array_equal(clf.model_.get_weights()[0], clf.coefs_[0])
    else:
        assert list(clf.target_encoder_.inverse_transform(np.eye(2))) == ["no", "yes"]


@pytest.mark.parametrize("Estimator", [L1L2Classifier, L1L2Regressor])
@pytest.mark.parametrize(
    "bad",
    [{"l1": -1.0}, {"l2": -5.0}, {"learning_rate": -0.5}, {"batch_size": 0},
     {"activation": "bogus"}, {"optimizer": "Adamm"}, {"tol": "x"}, {"shuffle": "no"}],
)
def test_partial_fit_refuses_a_bad_param_set_after_fitting(Estimator, bad):
    """scikit-learn's fit_context skips the param constraints when partial_fit continues a
    fitted estimator: these trained on (l1=-1 to a negative loss) or failed inside TensorFlow
    (batch_size=0: an integer division by zero) or with a KeyError."""
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    estimator = Estimator(hidden_layer_sizes=(3,), epochs=2, random_state=0).fit(X, y)
    before = [w.copy() for w in estimator.coefs_]
    name = next(iter(bad))
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        estimator.set_params(**bad).partial_fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(estimator.coefs_, before))


@pytest.mark.parametrize(
    "given, plain",
    [({"learning_rate": np.float32(0.01)}, {"learning_rate": float(np.float32(0.01))}),
     ({"learning_rate": 1}, {"learning_rate": 1.0}),
     ({"optimizer__learning_rate": np.float32(0.01)},
      {"optimizer__learning_rate": float(np.float32(0.01))}),
     ({"optimizer": "sgd", "optimizer__momentum": np.float32(0.5)},
      {"optimizer": "sgd", "optimizer__momentum": 0.5}),
     ({"optimizer": "sgd", "optimizer__momentum": 0},
      {"optimizer": "sgd", "optimizer__momentum": 0.0}),
     # A bool is the number it stands for, as for l1 and epochs (and MLPClassifier's
     # learning_rate_init): these were refused in Keras' words, as "optimizer__" arguments.
     ({"learning_rate": True}, {"learning_rate": 1.0}),
     ({"optimizer": "sgd", "optimizer__momentum": np.True_},
      {"optimizer": "sgd", "optimizer__momentum": 1.0}),
     # ... but for the arguments that are bools, which take only bools (a number is refused:
     # test_a_switch_of_the_optimizer_takes_only_a_bool).
     ({"optimizer__amsgrad": np.True_}, {"optimizer__amsgrad": True})],
)
def test_numpy_scalars_and_ints_train_as_the_floats_they_are(given, plain):
    """Keras takes only Python floats for learning_rate (and SGD's momentum): np.float32(0.01)
    and 1 were refused in Keras' words, and, through a cache of built optimizers, accepted
    once an equal float had been used in the process."""
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    fits = [
        L1L2Classifier(hidden_layer_sizes=(3,), epochs=2, random_state=0, **params).fit(X, y)
        for params in (given, plain)
    ]
    np.testing.assert_array_equal(fits[0].coefs_[0], fits[1].coefs_[0])


def test_partial_fit_follows_skip_parameter_validation():
    """Under scikit-learn's skip_parameter_validation, partial_fit leaves the constraints to the
    user, as fit does there."""
    import sklearn

    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(3,), epochs=2, random_state=0).fit(X, y)
    with sklearn.config_context(skip_parameter_validation=True):
        clf.set_params(l2=-1.0).fit(X, y).partial_fit(X, y)
    assert len(clf.loss_curve_) == 3


@pytest.mark.parametrize("Estimator", [L1L2Classifier, L1L2Regressor])
def test_scikeras_initialize_is_unavailable_and_leaves_a_fitted_estimator_alone(Estimator):
    """scikeras' public initialize validated the data onto the estimator (a fitted one's
    n_features_in_ became the new width, its feature names went) and then failed with an
    AttributeError about a 'loss' or 'model' these classes do not have."""
    import pandas as pd

    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    y = (frame["a"] > 0).astype(int)
    estimator = Estimator(hidden_layer_sizes=(3,), epochs=2, random_state=0).fit(frame, y)
    expected = estimator.predict(frame)
    assert not hasattr(estimator, "initialize")
    with pytest.raises(AttributeError, match="initialize") as raised:
        estimator.initialize(np.hstack([frame, frame]), y)
    assert "Call fit, or partial_fit" in str(raised.value.__cause__)
    assert estimator.n_features_in_ == 3
    assert list(estimator.feature_names_in_) == ["a", "b", "c"]
    np.testing.assert_array_equal(estimator.predict(frame), expected)


def test_classifier_target_encoder_is_scikerass_encoder_of_its_classes():
    """scikeras' target_encoder extension point read a 'loss' param the classifier does not
    have (AttributeError), and before a fit a 'classes_' it does not have yet."""
    from scikeras.utils.transformers import ClassifierLabelEncoder

    assert isinstance(L1L2Classifier().target_encoder, ClassifierLabelEncoder)
    X = rng.normal(size=(30, 2))
    clf = L1L2Classifier(hidden_layer_sizes=(2,), epochs=1, random_state=0)
    clf.fit(X, np.where(X[:, 0] > 0, "p", "q"))
    encoder = clf.target_encoder
    assert not hasattr(encoder, "classes_")  # unfitted, as scikeras' property returns it
    np.testing.assert_array_equal(encoder.fit(np.array(["q", "p"])).classes_, clf.classes_)


def test_a_failing_refit_never_leaves_predict_an_empty_estimator():
    """The fitted state was restored by clearing the attribute dict and refilling it: a predict
    in another thread in between found no coefs_ (NotFittedError, AttributeError). Fits that
    fail at once (NaN in X) run as fast as they can beside the predictions."""
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, y)
    expected = clf.predict_proba(X[:2])
    stop = threading.Event()
    broken = np.where(X > 1, np.nan, X)

    def fail_forever():
        while not stop.is_set():
            with contextlib.suppress(ValueError):
                clf.fit(broken, y)

    thread = threading.Thread(target=fail_forever)
    thread.start()
    failures = []
    try:
        for _ in range(5000):
            try:
                np.testing.assert_array_equal(clf.predict_proba(X[:2]), expected)
            except Exception as error:  # noqa: BLE001 - every failure counts
                failures.append(repr(error))
    finally:
        stop.set()
        thread.join()
    assert failures == []


def test_what_a_subclass_validation_records_is_published():
    """Validation runs on a stand-in; an attribute a subclass's _validate_data sets (scikeras'
    own sets X_dtype_) was lost with it."""

    class Recording(L1L2Classifier):
        def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
            if reset:
                self.X_dtype_ = np.asarray(X).dtype
            return super()._validate_data(X, y, reset=reset, y_numeric=y_numeric)

    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    assert Recording(hidden_layer_sizes=(4,), epochs=1).fit(X, y).X_dtype_ == np.float64


def test_negative_class_weight_is_refused():
    with pytest.raises(ValueError, match="class_weight must map classes to finite weights >="):
        L1L2Classifier(**FAST, class_weight={0: 1.0, 1: -0.5}).fit(X8, Y)


@pytest.mark.parametrize("estimator, name, hint", [
    (L1L2Classifier, "loss", "a classifier's loss is cross-entropy, binary or categorical as its "
                             "targets are"),
    (L1L2ClassifierCV, "loss", "a classifier's loss is cross-entropy"),
    (L1L2Classifier, "metrics", "score with scikit-learn: score(), or a scorer's name as "
                                "scoring= in cross_val_score or GridSearchCV"),
    (L1L2RegressorCV, "metrics", "here: scoring"),
])
def test_keras_compile_arguments_get_a_hint(estimator, name, hint):
    """Keras habits (loss=..., metrics=[...]) got "unexpected keyword argument" alone, where
    MLPClassifier's names (max_iter, alpha) got a hint."""
    expected = rf"unexpected keyword argument {name!r} \({re.escape(hint)}"
    with pytest.raises(TypeError, match=expected):
        estimator(**{name: "x"}).fit(X8, Y)


def test_class_weight_takes_string_labels_as_keys():
    """Labels "1" and "2" took only the keys 1 and 2 (scikit-learn's compute_class_weight
    reads labels that look like integers as integers), and refused their own strings with
    "The classes, [1, 2], are not in class_weight"."""
    labels = np.where(Y == 1, "2", "1")
    by_string = L1L2Classifier(**FAST, class_weight={"1": 1.0, "2": 3.0}).fit(X8, labels)
    by_int = L1L2Classifier(**FAST, class_weight={1: 1.0, 2: 3.0}).fit(X8, labels)
    by_sample = L1L2Classifier(**FAST).fit(X8, labels, sample_weight=np.where(Y == 1, 3.0, 1.0))
    np.testing.assert_array_equal(by_string.predict_proba(X8), by_int.predict_proba(X8))
    np.testing.assert_allclose(by_string.predict_proba(X8), by_sample.predict_proba(X8),
                               rtol=1e-6)
    # What fit takes, dump writes and load reads (dump had refused the string keys, reading
    # them as scikit-learn does).
    import tempfile

    from l1l2_estimator import dump, load

    with tempfile.TemporaryDirectory() as folder:
        dump(by_string, f"{folder}/model.l1l2")
        loaded = load(f"{folder}/model.l1l2")
    assert loaded.class_weight == {"1": 1.0, "2": 3.0}
    np.testing.assert_array_equal(loaded.predict_proba(X8), by_string.predict_proba(X8))


@pytest.mark.parametrize("estimator", [L1L2Classifier(**FAST), L1L2ClassifierCV(
    l1s=[0.0], l2s=[0.0], cv=2, hidden_layer_sizes=(4,), epochs=2)], ids=["single", "cv"])
def test_class_weight_keys_that_are_no_class_are_named(estimator):
    """The message named the classes left without weight, never the key that matched none
    ("The classes, [0, 1], are not in class_weight"); the search reported it as every member
    fit failing, fold by fold, before it said what the keys were."""
    with pytest.raises(ValueError, match=r"^class_weight has a key \['bad'\] that is not among "
                       r"the classes of y, \[0, 1\], and no weight for \[0, 1\]"):
        clone(estimator).set_params(class_weight={"bad": 1.0}).fit(X8, Y)


@pytest.mark.parametrize("weight", ["a", None, [1.0]])
def test_a_class_weight_that_is_no_number_is_refused_naming_class_weight(weight):
    with pytest.raises(ValueError, match=r"class_weight must map classes to numbers .*got \{0: "):
        L1L2Classifier(**FAST, class_weight={0: weight, 1: 1.0}).fit(X8, Y)


@pytest.mark.parametrize("optimizer", ["ftrl", "lion", "adadelta"])
def test_proximal_l1_refuses_optimizers_without_a_step_size(optimizer):
    with pytest.raises(ValueError, match="proximal_l1=True needs an optimizer"):
        L1L2Classifier(**FAST, optimizer=optimizer, proximal_l1=True).fit(X8, Y)


@pytest.mark.parametrize(
    "optimizer, routed",
    [("rmsprop", {}), ("rmsprop", {"optimizer__centered": True}), ("adagrad", {}),
     ("adamax", {}), ("nadam", {}), ("sgd", {})],
)
def test_proximal_l1_gives_exact_zeros_with_every_supported_optimizer(optimizer, routed):
    X = np.random.RandomState(1).normal(size=(200, 10))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)  # eight of the ten features are noise
    clf = L1L2Classifier(
        hidden_layer_sizes=(8,), optimizer=optimizer, l1=1e-2, proximal_l1=True,
        learning_rate=0.1, epochs=300, random_state=0, **routed,
    ).fit(X, y)
    assert clf.sparsity_[0] > 0.3
    assert clf.score(X, y) > 0.95


def test_a_network_too_large_for_memory_is_a_memory_error():
    clf = L1L2Classifier(**FAST).fit(X8, Y)
    before = clf.predict_proba(X8)
    with pytest.raises(MemoryError, match=r"GiB to train, but .* GiB of memory are available"):
        clf.set_params(hidden_layer_sizes=(200_000, 200_000)).fit(X8, Y)
    np.testing.assert_array_equal(clf.predict_proba(X8), before)


@pytest.mark.parametrize("size", [2**63, 10**400, 10**5000], ids=["2**63", "10**400", "10**5000"])
def test_a_layer_beyond_64_bits_is_refused_by_name(size):
    # The memory check's float arithmetic raised OverflowError ("integer division result too
    # large for a float"); 10**5000 is beyond what Python prints.
    with pytest.raises(ValueError, match=r"hidden_layer_sizes .* each below 2\*\*63\), got"):
        L1L2Classifier(**{**FAST, "hidden_layer_sizes": (4, size)}).fit(X8, Y)


def test_a_failed_validation_never_densifies_a_dataframe_of_sparse_columns():
    """Any ValueError of validation (a NaN in X, a y one row short) made the float32 check read
    a DataFrame of sparse columns with np.asarray: densified, 32 GB for the README's
    2,000 x 2,000,000 example, before the error was raised."""
    import pandas as pd

    X = scipy.sparse.random(50, 2_000, density=0.01, format="csr", random_state=0)
    frame = pd.DataFrame.sparse.from_spmatrix(X)
    y = np.arange(50) % 2
    densified = []
    real = np.asarray

    def watched(value, *args, **kwargs):
        if value is frame:
            densified.append(True)
        return real(value, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(np, "asarray", watched)
        with pytest.raises(ValueError, match="inconsistent numbers of samples"):
            L1L2Classifier(**FAST).fit(frame, y[:-1])
    assert not densified


@pytest.mark.parametrize("values", ["object floats", "python ints"])
def test_object_x_beyond_float32_is_named_as_such(values):
    """Object arrays of numbers beyond float32's range got scikit-learn's "contains infinity",
    where float arrays got the package's message."""
    X = rng.normal(size=(20, 2)).astype(object)
    X[0, 0] = 1e39 if values == "object floats" else 10**40
    with pytest.raises(ValueError, match="X holds finite values beyond float32's range"):
        L1L2Regressor(**FAST).fit(X, np.arange(20.0))


def test_partial_fit_refuses_weights_that_are_all_zero_in_float32():
    """Weights below float32's smallest number became 0: the data counted for nothing and the
    step followed the penalty alone, silently (all-zero weights are refused)."""
    X = rng.normal(size=(30, 2))
    reg = L1L2Regressor(**FAST).fit(X, X[:, 0])
    before = reg.coefs_[0].copy()
    with pytest.raises(ValueError, match="all below float32's smallest number"):
        reg.partial_fit(X, X[:, 0], sample_weight=np.full(30, 1e-50))
    np.testing.assert_array_equal(reg.coefs_[0], before)


def test_early_stopping_scores_weights_near_float64s_largest_as_their_scaled_copy():
    """The held-out score took the raw weights: 1e308 overflowed their sums, every validation
    score was NaN (silently), and the fit kept its last epoch instead of its best."""
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] > 0).astype(int)
    params = dict(FAST, early_stopping=True, epochs=5)
    plain = L1L2Classifier(**params).fit(X, y, sample_weight=np.ones(80))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        huge = L1L2Classifier(**params).fit(X, y, sample_weight=np.full(80, 1e308))
    np.testing.assert_allclose(huge.validation_scores_, plain.validation_scores_)
    np.testing.assert_array_equal(huge.coefs_[0], plain.coefs_[0])


def test_a_tol_beyond_float32_counts_the_first_epoch_as_an_improvement():
    """tol > float32's largest became inf in the training graph, and the first epoch's
    inf - inf did not count as an improvement: one epoch fewer than MLPRegressor runs."""
    from sklearn.neural_network import MLPRegressor

    X = rng.normal(size=(40, 2))
    for tol in (1e30, 4e38, 1e300):
        ours = L1L2Regressor(**dict(FAST, epochs=20), n_iter_no_change=1, tol=tol)
        mlp = MLPRegressor(hidden_layer_sizes=(4,), n_iter_no_change=1, tol=tol, max_iter=20,
                           random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert ours.fit(X, X[:, 0]).n_iter_ == mlp.fit(X, X[:, 0]).n_iter_ == 3, tol


def test_a_binary_logit_that_overflows_to_infinity_has_probabilities_0_and_1():
    """A row whose logit overflows float64 to +-inf: predict gave its class (the sigmoid is 0 or
    1 there) and predict_proba raised, where MLPClassifier gives [0, 1]. A NaN logit still
    raises."""
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = L1L2Classifier(hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(X, y)
    candidates = 1.7e308 * np.array(list(itertools.product([-1, 0, 1], repeat=3)))
    with np.errstate(over="ignore", invalid="ignore"):
        z = forward(candidates, clf.coefs_, clf.intercepts_, "relu", "linear")[:, 0]
    overflowing = candidates[np.isinf(z)]
    assert len(overflowing), z  # some row's logit is +-inf
    rows = np.vstack([X[:2], overflowing])
    # scikit-learn's finiteness check sums X first (NumPy warns of inf - inf); the log of 0 is
    # -inf (MLPClassifier's predict_log_proba warns so too).
    with np.errstate(invalid="ignore", divide="ignore"):
        proba = clf.predict_proba(rows)
        expected = np.where(np.isposinf(z[np.isinf(z)]), 1.0, 0.0)
        np.testing.assert_array_equal(proba[2:, 1], expected)
        np.testing.assert_array_equal(proba[2:, 0], 1 - expected)
        np.testing.assert_array_equal(clf.predict(rows), clf.classes_[proba.argmax(axis=1)])
        assert (clf.predict_log_proba(rows)[2:].max(axis=1) == 0).all()


def test_regressor_scores_a_dataframe_of_sparse_columns_as_fit_takes_it():
    """fit took y as a DataFrame of sparse columns; score refused it (r2_score: "Sparse data
    was passed, but dense data is required")."""
    import pandas as pd

    X = rng.normal(size=(40, 2))
    column = np.where(X[:, 0] > 0, X[:, 0], 0.0)
    sparse = pd.DataFrame({"a": pd.arrays.SparseArray(column, fill_value=0.0)})
    reg = L1L2Regressor(**FAST).fit(X, sparse)
    assert reg.score(X, sparse) == reg.score(X, column)


def test_non_finite_x_let_through_by_assume_finite_is_named_when_predicting(fitted_binary):
    """The output's finiteness check blamed an overflow for NaN that assume_finite=True let
    through (MLPClassifier returns a NaN row; a clear error names the config)."""
    import sklearn

    X = np.ones((3, fitted_binary.n_features_in_))
    X[1, 0] = np.nan
    with sklearn.config_context(assume_finite=True):
        with pytest.raises(ValueError, match=r"not finite for 1 of 3 rows: X holds NaN or "
                           r"infinite values, which assume_finite=True"):
            fitted_binary.predict_proba(X)
    # An infinite feature whose logit is +-inf, which finite X may give (probabilities 0 and
    # 1), is refused as NaN is: a network of no hidden layer, whose logit is then infinite.
    linear = L1L2Classifier(hidden_layer_sizes=(), epochs=2, random_state=0).fit(
        X8, (X8[:, 0] > 0).astype(int))
    rows = np.zeros((1, 8))
    rows[0, 0] = np.inf
    with sklearn.config_context(assume_finite=True):
        with pytest.raises(ValueError, match=r"X holds NaN or infinite values, which "):
            linear.predict_proba(rows)


@pytest.mark.parametrize("sparse", [False, True])
def test_non_finite_data_let_through_by_assume_finite_is_named_when_training_diverges(sparse):
    """scikit-learn's assume_finite=True skips the check of X and y (as for MLPClassifier): the
    fit then diverges, and said to lower the learning rate or standardize the features."""
    import sklearn

    from l1l2_estimator import L1L2ClassifierCV

    X = _with(np.nan, row=3, column=1)
    X = scipy.sparse.csr_matrix(X) if sparse else X
    with sklearn.config_context(assume_finite=True):
        with pytest.raises(ValueError, match="X, y or sample_weight holds NaN or infinite "
                           "values, which assume_finite=True") as error:
            L1L2Classifier(**FAST).fit(X, Y)
        assert "learning_rate" not in str(error.value)
        y = X8[:, 0].copy()
        y[5] = np.nan
        with pytest.raises(ValueError, match="X, y or sample_weight holds NaN or infinite"):
            L1L2Regressor(**FAST).fit(X8, y)
        weights = np.ones(len(Y))
        weights[7] = np.nan
        with pytest.raises(ValueError, match="X, y or sample_weight holds NaN or infinite"):
            L1L2Regressor(**FAST).fit(X8, X8[:, 0], sample_weight=weights)
        search = L1L2ClassifierCV(hidden_layer_sizes=(4,), l1s=[0], l2s=[0], cv=2, epochs=2,
                                  error_score="raise")
        nan_data = "failed fit: X, y or sample_weight holds NaN"
        # In GridSearchCV's order: the first fold's member is scored (on held-out rows that hold
        # the NaN) before the second fold's, trained on them, diverges; GridSearchCV raises the
        # same error.
        with pytest.raises(ValueError, match="X holds NaN or infinite values, which "
                                             "assume_finite=True") as error:
            search.fit(X.toarray() if sparse else X, Y)
        assert "search smaller" not in str(error.value)
        with pytest.raises(ValueError, match=nan_data):
            search.fit(X8, Y, sample_weight=weights)
        from l1l2_estimator.plots import regularization_path

        # (Sparse rows train one network at a time: the single fit's message.)
        with pytest.raises(ValueError, match=r"(with l1=0|at epoch 1): .*X, y or sample_weight "
                                             "holds NaN or infinite values, which "
                                             "assume_finite=True") as error:
            regularization_path(L1L2Classifier(**FAST), X, Y, X8, Y, [0, 1e-3])
        assert "learning_rate" not in str(error.value)
    # Finite data that diverges keeps the advice about the learning rate.
    with pytest.raises(ValueError, match="lower learning_rate"):
        L1L2Classifier(**{**FAST, "learning_rate": 1e30}, optimizer="sgd").fit(X8 * 1e15, Y)


@pytest.mark.parametrize(
    "sizes", [np.array(8), {8: "x"}, {8, 4}, (size for size in (8,)), "8", [[8]]]
)
def test_hidden_layer_sizes_that_are_no_sequence_of_sizes_are_named(sizes):
    """A 0-d array had failed in NumPy ("iteration over a 0-d array", no param named), and a
    dict or set had trained on its keys in whatever order they held."""
    # (scikit-learn's own validation names the generator and the string.)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes('? parameter of L1L2Classifier)? "
                                         "must be"):
        L1L2Classifier(**{**FAST, "hidden_layer_sizes": sizes}).fit(X8, Y)
    if isinstance(sizes, list):  # a search takes [[8]] as a list of one architecture, (8,)
        return
    search = L1L2ClassifierCV(**{**FAST, "hidden_layer_sizes": sizes}, l1s=[0], l2s=[0], cv=2)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes('? parameter of L1L2ClassifierCV)? "
                                         "must be"):
        search.fit(X8, Y)


@pytest.mark.parametrize(
    "sizes", [pd.Series([8, 4]), pd.Index([8, 4]), range(8, 10), np.array([8])]
)
def test_hidden_layer_sizes_as_any_1d_array_like(sizes):
    """A pandas Series or Index is taken as MLPClassifier takes it (the check for a sequence
    had refused them)."""
    clf = L1L2Classifier(**{**FAST, "epochs": 1, "hidden_layer_sizes": sizes}).fit(X8, Y)
    assert [coef.shape[1] for coef in clf.coefs_[:-1]] == list(sizes)


@pytest.mark.parametrize("search", [False, True], ids=["fit", "search"])
def test_a_failed_fit_keeps_what_another_thread_did_meanwhile(binary_data, search):
    """A failed fit put back the whole attribute dict it had found: a set_params and a fit that
    another thread made while it ran were undone (here, the estimator became unfitted again)."""
    X, y = binary_data
    inside, other_done = threading.Event(), threading.Event()

    def fail_in_a():
        if threading.current_thread().name == "A":
            inside.set()
            assert other_done.wait(60)
            raise RuntimeError("A's fit fails")

    class FailsInA(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            fail_in_a()

    def refit(results):  # the search's choice, made after its members trained
        fail_in_a()
        return 0

    settings = dict(hidden_layer_sizes=(4,), epochs=2, random_state=0)
    estimator = (
        L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, refit=refit, **settings) if search
        else L1L2Classifier(**settings, callbacks=[FailsInA()])
    )
    failures = []

    def fit_in_a():
        try:
            estimator.fit(X[:, :5], y)
        except RuntimeError as error:
            failures.append(str(error))

    a = threading.Thread(target=fit_in_a, name="A")
    a.start()
    try:
        assert inside.wait(60)
        estimator.set_params(epochs=3)
        estimator.fit(X, y)
        expected = estimator.predict_proba(X)
    finally:
        other_done.set()
        a.join()
    assert failures == ["A's fit fails"]
    assert estimator.epochs == 3
    assert estimator.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(estimator.predict_proba(X), expected)


def test_partial_fit_continues_one_fit_while_another_thread_refits(binary_data, monkeypatch):
    """partial_fit read the fit it continues attribute by attribute: a refit published in
    between made it train one fit's weights and publish them beside the other's loss curve."""
    import copy

    X, y = binary_data
    estimator = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, y)
    expected = copy.deepcopy(estimator).partial_fit(X, y)
    reading, refitted = threading.Event(), threading.Event()
    loss_curve = L1L2Classifier.loss_curve_

    def paused(self):  # A reads the loss curve after the weights: a refit lands in between
        if threading.current_thread().name == "A":
            reading.set()
            assert refitted.wait(60)
        return loss_curve.fget(self)

    monkeypatch.setattr(L1L2Classifier, "loss_curve_", property(paused))
    a = threading.Thread(target=lambda: estimator.partial_fit(X, y), name="A")
    a.start()
    try:
        assert reading.wait(60)
        estimator.set_params(epochs=5, random_state=1).fit(X, y)
    finally:
        refitted.set()
        a.join()
    assert estimator.loss_curve_ == expected.loss_curve_
    np.testing.assert_array_equal(estimator.predict_proba(X), expected.predict_proba(X))


@pytest.mark.parametrize("how", ["fit", "warm_start", "partial_fit"])
def test_what_a_subclass_records_in_validation_is_published_only_with_the_fit(how):
    """A continued fit ran its checks on a view that shares the estimator's attributes: what a
    subclass's _validate_data recorded there stayed after the fit failed."""

    class Recording(L1L2Classifier):
        def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
            X, y = super()._validate_data(X, y, reset=reset, y_numeric=y_numeric)
            self.rows_seen_ = len(X)
            return X, y

    X = rng.normal(size=(90, 3))
    y = (X[:, 0] > 0).astype(int)
    estimator = Recording(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, y)
    assert estimator.rows_seen_ == 90
    estimator.set_params(warm_start=how == "warm_start", learning_rate=1e30)
    with pytest.raises(ValueError, match="diverged"):
        if how == "partial_fit":
            estimator.partial_fit(X[:50] * 1e30, y[:50])
        else:
            estimator.fit(X[:50] * 1e30, y[:50])
    assert estimator.rows_seen_ == 90  # as it was
    estimator.set_params(learning_rate=1e-3)
    if how == "partial_fit":
        estimator.partial_fit(X[:60], y[:60])
    else:
        estimator.fit(X[:60], y[:60])
    assert estimator.rows_seen_ == 60  # published with the fit


def test_a_fraction_is_a_number_like_any_other():
    """scikit-learn's Interval checks NaN with NumPy, which refuses a Fraction: a valid
    l1=Fraction(1, 10000) failed with "ufunc 'isnan' not supported", naming no param."""
    from fractions import Fraction

    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    exact = dict(hidden_layer_sizes=(4,), epochs=3, random_state=0)
    as_fractions = L1L2Classifier(**exact, l1=Fraction(1, 10000), l2=Fraction(1, 1000),
                                  learning_rate=Fraction(3, 1000), tol=Fraction(1, 10**4),
                                  validation_fraction=Fraction(1, 5))
    as_floats = L1L2Classifier(**exact, l1=1e-4, l2=1e-3, learning_rate=3e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        np.testing.assert_array_equal(as_fractions.fit(X, y).predict_proba(X),
                                      as_floats.fit(X, y).predict_proba(X))
    with pytest.raises(ValueError, match="The 'l1' parameter"):
        L1L2Classifier(l1=Fraction(-1, 2)).fit(X, y)
    # One no float holds is out of range, as 10**400 is (it raised OverflowError).
    with pytest.raises(ValueError, match="The 'tol' parameter"):
        L1L2Classifier(tol=Fraction(10**400)).fit(X, y)
    # The advice formats it (Python 3.11's Fraction has no 'g' format: a TypeError).
    with pytest.raises(ValueError, match=r"use a smaller l1 \(it is 1e\+20: "):
        L1L2Classifier(**exact, l1=Fraction(10**20)).fit(X, y)


def test_ftrl_under_a_schedule_that_reaches_zero_is_told_why_it_diverged():
    """Keras' Ftrl divides by the learning rate: a schedule allowed to reach 0 (CosineDecay's
    default alpha=0) made the step at rate 0 NaN, and the advice was to lower the rates."""
    X = rng.normal(size=(40, 3))
    reg = L1L2Regressor(
        hidden_layer_sizes=(),
        optimizer="ftrl",
        optimizer__learning_rate=keras.optimizers.schedules.CosineDecay(0.01, 5),
        epochs=8,
        batch_size=40,
        random_state=0,
    )
    with pytest.raises(ValueError, match="Ftrl divides by the learning rate") as raised:
        reg.fit(X, X @ [1.0, -2.0, 0.5])
    assert "alpha" in str(raised.value)
