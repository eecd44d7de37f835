"""L1L2Regressor: the same network and standards as the classifier, for numeric targets."""

import pickle
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.base import is_regressor
from sklearn.datasets import make_regression
from sklearn.exceptions import DataConversionWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_fit2d_1sample

from l1l2_estimator import L1L2Classifier, L1L2Regressor

FAST = dict(hidden_layer_sizes=(32,), epochs=60, batch_size=32, learning_rate=0.01, random_state=0)


@pytest.fixture(scope="module")
def regression_split():
    X, y = make_regression(n_samples=400, n_features=8, n_informative=5, noise=5.0, random_state=0)
    return train_test_split(X, y / y.std(), random_state=0)


@pytest.fixture(scope="module")
def fitted(regression_split):
    X_train, _, y_train, _ = regression_split
    return make_pipeline(StandardScaler(), L1L2Regressor(**FAST)).fit(X_train, y_train)


def test_is_a_regressor():
    assert is_regressor(L1L2Regressor())


def test_learns_like_mlp_regressor(regression_split, fitted):
    X_train, X_test, y_train, y_test = regression_split
    mlp = make_pipeline(
        StandardScaler(), MLPRegressor(hidden_layer_sizes=(32,), max_iter=500, random_state=0)
    )
    mlp_score = mlp.fit(X_train, y_train).score(X_test, y_test)
    assert fitted.score(X_test, y_test) > 0.9
    assert fitted.score(X_test, y_test) > mlp_score - 0.05
    assert fitted.predict(X_test).shape == y_test.shape


def test_linear_output_and_mse_loss(fitted):
    model = fitted[-1].model_
    assert model.layers[-1].get_config()["activation"] == "linear"
    assert model.loss == "mean_squared_error"
    X = np.random.RandomState(0).normal(size=(5, 8))
    keras_output = model.predict(fitted[0].transform(X).astype(np.float32), verbose=0)[:, 0]
    np.testing.assert_allclose(fitted.predict(X), keras_output, rtol=1e-4, atol=1e-5)


def test_multioutput_targets(regression_split):
    X_train, _, y_train, _ = regression_split
    Y = np.column_stack([y_train, -2 * y_train])
    reg = L1L2Regressor(**FAST).fit(X_train, Y)
    assert reg.predict(X_train).shape == Y.shape
    assert reg.score(X_train, Y) > 0.8
    with pytest.raises(ValueError, match="output"):
        reg.partial_fit(X_train, y_train)


def test_a_single_column_target_predicts_one_dimension_like_mlp_regressor(regression_split):
    X_train, X_test, y_train, y_test = regression_split
    column = y_train.reshape(-1, 1)
    with warnings.catch_warnings():
        # A multi-output regressor takes a column as one target: nothing to warn about.
        warnings.simplefilter("error", DataConversionWarning)
        reg = L1L2Regressor(**FAST).fit(X_train, column)
    with pytest.warns(DataConversionWarning):  # MLPRegressor ravels it, with a warning
        mlp = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5).fit(X_train, column)
    assert reg.predict(X_test).shape == mlp.predict(X_test).shape == (len(X_test),)
    assert reg.n_outputs_ == 1
    # The same network as from a 1-D y: same seed, same targets, same predictions.
    np.testing.assert_allclose(
        reg.predict(X_test), L1L2Regressor(**FAST).fit(X_train, y_train).predict(X_test)
    )
    assert reg.score(X_test, y_test.reshape(-1, 1)) == pytest.approx(reg.score(X_test, y_test))
    assert reg.partial_fit(X_train, column).predict(X_test[:3]).shape == (3,)
    stopped = L1L2Regressor(**FAST, early_stopping=True).fit(X_train, column)
    assert stopped.best_validation_score_ > 0.8  # R² of the held-out rows, computed per column


def test_grid_search_over_penalties(regression_split):
    X_train, _, y_train, _ = regression_split
    grid = GridSearchCV(
        L1L2Regressor(**{**FAST, "epochs": 10}), {"l1": [0.0, 1e-3], "l2": [0.0, 1e-3]}, cv=2
    ).fit(X_train, y_train)
    assert len(grid.cv_results_["params"]) == 4


def test_early_stopping_scores_r2_and_proximal_l1_gives_zeros(regression_split):
    X_train, _, y_train, _ = regression_split
    reg = L1L2Regressor(**{**FAST, "epochs": 300}, early_stopping=True).fit(X_train, y_train)
    assert reg.n_iter_ < 300
    assert reg.best_validation_score_ == max(reg.validation_scores_) > 0.8
    sparse = L1L2Regressor(**FAST, l1=1e-2, proximal_l1=True).fit(X_train, y_train)
    assert sparse.sparsity_[0] > 0.2


def test_early_stopping_refuses_a_validation_set_of_one_row():
    """As MLPRegressor: the R² of one held-out row is NaN, which never improves."""
    X = np.random.RandomState(0).randn(10, 3)
    with pytest.raises(ValueError, match="too small: early_stopping would hold out 1 of the 10"):
        L1L2Regressor(**FAST, early_stopping=True).fit(X, X[:, 0])


@pytest.mark.parametrize("estimator", [L1L2Regressor, L1L2Classifier])
def test_early_stopping_on_one_row_passes_scikit_learns_check(estimator):
    # The check wants n_samples=1 named, as MLPRegressor(early_stopping=True) names it.
    check_fit2d_1sample(estimator.__name__, estimator(**FAST, early_stopping=True))


@pytest.mark.parametrize("outputs", [1, 2])
def test_early_stopping_refuses_held_out_rows_of_one_target(outputs):
    """R² of held-out rows whose target is constant is 0 for every prediction but that constant,
    so early_stopping stopped after n_iter_no_change epochs at its first epoch's weights, silently
    (MLPRegressor does so too): a target of 5 was predicted as about 1. One output that varies
    is enough to rank the epochs."""
    X = np.random.RandomState(0).randn(60, 3)
    y = np.full((60, outputs), 5.0)
    reg = L1L2Regressor(**FAST, early_stopping=True)
    with pytest.raises(ValueError, match=r"held-out rows \(validation_fraction=0\.1\) all have "
                                         r"the same target.*without early_stopping"):
        reg.fit(X, y if outputs == 2 else y[:, 0])
    assert not hasattr(reg, "coefs_")
    if outputs == 2:
        y[:, 1] = X[:, 0]
        assert reg.fit(X, y).n_iter_ >= 1


def test_early_stopping_that_leaves_no_row_to_train_says_to_decrease_the_fraction():
    # It said "too small ... Increase validation_fraction".
    X = np.random.RandomState(0).randn(10, 3)
    with pytest.raises(ValueError, match="too large: early_stopping would hold out 10 of the 10 "
                                         r"rows .* Decrease validation_fraction"):
        L1L2Regressor(**FAST, early_stopping=True, validation_fraction=0.95).fit(X, X[:, 0])


def test_early_stopping_on_one_weighted_row_says_the_validation_set_is_too_small():
    """Rows of zero weight are dropped before the split: one row of nonzero weight in 40 gave
    train_test_split's "the resulting train set will be empty"."""
    X = np.random.RandomState(0).randn(40, 3)
    weights = np.zeros(40)
    weights[0] = 1.0
    with pytest.raises(ValueError, match=r"hold out 1 of the 1 rows .*zero sample_weight"):
        L1L2Regressor(**FAST, early_stopping=True).fit(X, X[:, 0], sample_weight=weights)
    # Held-out rows enough, but none left to train on.
    with pytest.raises(ValueError, match=r"hold out 3 of the 3 rows .*at least 1 left"):
        L1L2Regressor(**FAST, early_stopping=True, validation_fraction=0.9).fit(X[:3], X[:3, 0])


def test_non_numeric_or_nan_targets_are_refused(regression_split):
    X_train, _, y_train, _ = regression_split
    with pytest.raises(ValueError, match="could not convert"):
        L1L2Regressor(**FAST).fit(X_train, np.array(["a"] * len(y_train)))
    with pytest.raises(ValueError, match="NaN"):
        L1L2Regressor(**FAST).fit(X_train, np.full(len(y_train), np.nan))
    with pytest.raises(ValueError, match="'l1' parameter of L1L2Regressor"):
        L1L2Regressor(l1=-1).fit(X_train, y_train)
    with pytest.raises(TypeError, match="unexpected keyword argument 'class_weight'"):
        L1L2Regressor(class_weight="balanced").fit(X_train, y_train)
    with pytest.raises(ValueError, match="y holds values beyond float32's range"):
        L1L2Regressor(**FAST).fit(X_train, np.full(len(y_train), 1e300))


def test_numeric_strings_train_as_numbers_and_predictions_are_float64(regression_split, fitted):
    """As README says: numeric strings as Ridge takes them; float64 out for float32 X."""
    X_train, X_test, y_train, _ = regression_split
    params = dict(FAST, epochs=3)
    as_numbers = L1L2Regressor(**params).fit(X_train, y_train)
    as_strings = L1L2Regressor(**params).fit(X_train, y_train.astype(str))
    np.testing.assert_allclose(as_strings.predict(X_test), as_numbers.predict(X_test), atol=1e-5)
    predictions = fitted.predict(X_test.astype(np.float32))
    assert predictions.dtype == np.float64
    np.testing.assert_allclose(predictions, fitted.predict(X_test), atol=1e-5)


def test_a_sparse_target_is_made_dense(regression_split):
    import scipy.sparse as sp

    X_train, X_test, y_train, _ = regression_split
    Y = np.column_stack([y_train, -y_train])
    dense = L1L2Regressor(**{**FAST, "epochs": 5}).fit(X_train, Y)
    sparse = L1L2Regressor(**{**FAST, "epochs": 5}).fit(X_train, sp.csr_matrix(Y))
    np.testing.assert_array_equal(sparse.predict(X_test), dense.predict(X_test))
    # score takes the y that fit took (r2_score refused the sparse matrix)
    assert sparse.score(X_train, sp.csr_matrix(Y)) == dense.score(X_train, Y)


_LOAD = textwrap.dedent(
    """
    import pickle, sys, numpy as np
    with open(sys.argv[1], "rb") as handle:
        reg = pickle.load(handle)
    np.save(sys.argv[3], reg.predict(np.load(sys.argv[2])))
    """
)


def test_pickle_round_trip_in_new_process(regression_split, fitted, tmp_path):
    _, X_test, _, _ = regression_split
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(fitted))
    np.save(tmp_path / "X.npy", X_test)
    paths = [tmp_path / "model.pkl", tmp_path / "X.npy", tmp_path / "out.npy"]
    subprocess.run([sys.executable, "-c", _LOAD, *map(str, paths)], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), fitted.predict(X_test))


# -- loss="poisson" ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def counts():
    """Counts whose log-rate is linear in two of six features, split 2:1."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 6))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.7 * X[:, 1] + 0.3)).astype(float)
    return X[:1000], y[:1000], X[1000:], y[1000:]


@pytest.fixture(scope="module")
def poisson_fitted(counts):
    X, y, _, _ = counts
    return L1L2Regressor(hidden_layer_sizes=(16,), loss="poisson", random_state=0).fit(X, y)


def test_poisson_loss_has_a_log_link_and_fits_counts_better(counts, poisson_fitted):
    from sklearn.metrics import mean_poisson_deviance

    X, y, X_test, y_test = counts
    predicted = poisson_fitted.predict(X_test)
    assert poisson_fitted.out_activation_ == "exponential" and np.all(predicted > 0)
    assert poisson_fitted.model_.loss == "poisson"
    np.testing.assert_allclose(
        poisson_fitted.model_.predict(X_test, verbose=0)[:, 0], predicted, rtol=1e-5
    )
    squared = L1L2Regressor(hidden_layer_sizes=(16,), random_state=0).fit(X, y)
    assert mean_poisson_deviance(y_test, predicted) < mean_poisson_deviance(
        y_test, np.clip(squared.predict(X_test), 1e-3, None)
    )


def test_poisson_predictions_that_overflow_far_from_the_data_are_refused_by_count(
    counts, poisson_fitted
):
    """The exponential output overflows far outside the training data: predict names how many
    rows (MLPRegressor returns inf for them), and the rows within reach still predict."""
    _, _, X_test, _ = counts
    rows = X_test[:3].copy()
    rows[:2, :2] = [[1e5, -1e5], [1e6, -1e6]]  # the log-rate grows with x0 and falls with x1
    with pytest.raises(ValueError, match=r"not finite for 2 of 3 rows: its forward pass "
                                         r"overflowed float64"):
        poisson_fitted.predict(rows)
    assert np.isfinite(poisson_fitted.predict(rows[2:])).all()


def test_poisson_loss_ignores_keras_epsilon_setting(counts):
    # Keras' Poisson loss reads keras.config.epsilon() when the graph is traced: a user's
    # set_epsilon changed the loss of networks traced after it but not of those cached before,
    # so the same fit gave other weights depending on what the process had fitted earlier.
    import keras

    from l1l2_estimator import _trainer_cache

    X, y = counts[0][:200], counts[1][:200]
    settings = dict(hidden_layer_sizes=(3,), loss="poisson", epochs=5, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 epochs: not converged
        reference = L1L2Regressor(**settings).fit(X, y)
        _trainer_cache.trainers.clear()  # so that the fit below traces under the setting
        keras.config.set_epsilon(1e-2)
        try:
            fitted = L1L2Regressor(**settings).fit(X, y)
        finally:
            keras.config.set_epsilon(1e-7)
            _trainer_cache.trainers.clear()
    assert fitted.loss_curve_ == reference.loss_curve_
    np.testing.assert_array_equal(fitted.predict(X), reference.predict(X))


def _starting_output_bias(X, y, **fit_kwargs):
    """The output bias a fit starts from, read after one step of a vanishing learning rate
    (Adam moves every weight by about the learning rate)."""
    network = L1L2Regressor(hidden_layer_sizes=(4,), loss="poisson", epochs=1, batch_size=10**6,
                            learning_rate=1e-12, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one epoch: not converged
        return network.fit(X, y, **fit_kwargs).intercepts_[-1]


def test_poisson_output_starts_at_the_log_of_the_weighted_mean_target():
    # It started at 0 (a prediction of about 1 for every row), which counts in the thousands
    # took thousands of Adam steps to reach; scikit-learn's Poisson GLMs start at the log mean.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.column_stack([rng.poisson(5000.0, 60), rng.poisson(0.5, 60), np.zeros(60)])
    weights = rng.uniform(0.5, 2.0, 60)
    np.testing.assert_allclose(
        _starting_output_bias(X, y, sample_weight=weights),
        # An output whose every count is 0 starts at Keras' Poisson epsilon, not at -inf.
        np.log([np.average(y[:, 0], weights=weights), np.average(y[:, 1], weights=weights),
                1e-7]),
        rtol=1e-6,
    )
    np.testing.assert_allclose(_starting_output_bias(X, y[:, 0]), [np.log(y[:, 0].mean())],
                               rtol=1e-6)
    # Rows of weight 0 do not count; a squared-error output still starts at 0.
    weights[:30] = 0
    np.testing.assert_allclose(
        _starting_output_bias(X, y[:, 0], sample_weight=weights),
        [np.log(np.average(y[30:, 0], weights=weights[30:]))], rtol=1e-6,
    )
    squared = L1L2Regressor(hidden_layer_sizes=(4,), epochs=1, learning_rate=1e-12, tol=0,
                            random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.all(np.abs(squared.fit(X, y[:, 1]).intercepts_[-1]) < 1e-9)


def test_partial_fit_refuses_early_stopping_naming_mlp_regressor():
    """The message named MLPClassifier for the regressor too."""
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    with pytest.raises(
        ValueError, match="partial_fit does not support early_stopping=True, as MLPRegressor's"
    ):
        L1L2Regressor(hidden_layer_sizes=(4,), early_stopping=True).partial_fit(X, y)


def test_poisson_partial_fit_starts_at_its_first_rows_mean_and_continues_from_its_bias():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    y = rng.poisson(300.0, 80).astype(float)
    network = L1L2Regressor(hidden_layer_sizes=(4,), loss="poisson", learning_rate=1e-12,
                            batch_size=10**6, random_state=0)
    first = network.partial_fit(X[:40], y[:40]).intercepts_[-1].copy()
    np.testing.assert_allclose(first, [np.log(y[:40].mean())], rtol=1e-6)
    # A continued fit keeps training the network it has: its bias is not set anew.
    network.partial_fit(X[40:], y[40:] * 100)
    np.testing.assert_allclose(network.intercepts_[-1], first, rtol=1e-6)
    warm = network.set_params(warm_start=True, epochs=1, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm.fit(X, y * 1000)
    np.testing.assert_allclose(warm.intercepts_[-1], first, rtol=1e-6)


def test_poisson_partial_fit_whose_first_rows_are_all_zero_starts_at_zero():
    # At log(1e-7), where a fit on zeros alone starts, a stream of rate 5 whose first 20 rows
    # were zeros still predicted 1.6 thirty calls later (review).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5020, 3))
    y = rng.poisson(5 * np.exp(0.3 * X[:, 0])).astype(float)
    y[:20] = 0
    network = L1L2Regressor(hidden_layer_sizes=(16,), loss="poisson", batch_size=50,
                            random_state=0)
    network.partial_fit(X[:20], np.column_stack([y[:20], y[20:40]]))
    # Per output: the output of zeros at 0, the other at its log mean.
    np.testing.assert_allclose(network.intercepts_[-1], [0, np.log(y[20:40].mean())], atol=1e-2)
    stream = L1L2Regressor(hidden_layer_sizes=(16,), loss="poisson", batch_size=50,
                           random_state=0)
    stream.partial_fit(X[:20], y[:20])
    for _ in range(3):
        for start in range(20, 5020, 500):
            stream.partial_fit(X[start:start + 500], y[start:start + 500])
    assert abs(stream.predict(X[20:]).mean() / y[20:].mean() - 1) < 0.15


def test_poisson_fits_large_counts():
    """Counts near 10,000 whose log-rate is linear: the held-out deviance was 14-63 over three
    seeds (PoissonRegressor's about 0.95, MLPRegressor(loss='poisson')'s 32-94) while the output
    climbed from 0 to log(10,000)."""
    from sklearn.linear_model import PoissonRegressor
    from sklearn.metrics import mean_poisson_deviance

    rng = np.random.default_rng(2)
    X = rng.normal(size=(1000, 5))
    y = rng.poisson(10_000 * np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1]))
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    ours = make_pipeline(StandardScaler(), L1L2Regressor(loss="poisson", random_state=2))
    deviance = mean_poisson_deviance(y_test, ours.fit(X_train, y_train).predict(X_test))
    glm = mean_poisson_deviance(y_test, PoissonRegressor().fit(X_train, y_train).predict(X_test))
    assert deviance < 10 * glm


def test_poisson_loss_refuses_negative_targets(counts):
    from l1l2_estimator import L1L2RegressorCV

    X, y, _, _ = counts
    for estimator in (L1L2Regressor(loss="poisson"), L1L2RegressorCV(loss="poisson", cv=2)):
        with pytest.raises(ValueError, match="loss='poisson' needs y >= 0 .* such as -1"):
            estimator.fit(X, y - 1)


def test_a_changed_loss_keeps_the_fitted_network_and_refuses_to_continue(
    counts, poisson_fitted, tmp_path
):
    from l1l2_estimator import dump

    X, y, X_test, _ = counts
    changed = pickle.loads(pickle.dumps(poisson_fitted)).set_params(loss="squared_error")
    np.testing.assert_array_equal(changed.predict(X_test), poisson_fitted.predict(X_test))
    assert changed.model_.layers[-1].activation.__name__ == "exponential"
    for how, fit in (("warm_start=True", lambda: changed.set_params(warm_start=True).fit(X, y)),
                     ("partial_fit", lambda: changed.partial_fit(X, y))):
        with pytest.raises(ValueError, match=f"but {how} continues training the network fitted "
                                             "with loss='poisson'"):
            fit()
    with pytest.raises(ValueError, match="its params loss \\(fitted with 'poisson'\\) were"):
        dump(changed, tmp_path / "changed.l1l2")


def test_poisson_loss_round_trips_through_dump_and_load(counts, poisson_fitted, fitted,
                                                         tmp_path):
    import json
    import zipfile

    from l1l2_estimator import dump, load

    _, _, X_test, _ = counts
    dump(poisson_fitted, tmp_path / "poisson.l1l2")
    loaded = load(tmp_path / "poisson.l1l2")
    assert loaded.loss == "poisson" and loaded.out_activation_ == "exponential"
    np.testing.assert_array_equal(loaded.predict(X_test), poisson_fitted.predict(X_test))
    # A squared-error file leaves the param out and stays format 1, which earlier versions read
    # (they refused every regressor file as holding "an unknown parameter 'loss'").
    dump(fitted[-1], tmp_path / "squared.l1l2")
    for name, version, has_loss in (("poisson", 2, True), ("squared", 1, False)):
        with zipfile.ZipFile(tmp_path / f"{name}.l1l2") as archive:
            metadata = json.loads(archive.read("l1l2-estimator.json"))
        assert metadata["format_version"] == version
        assert ("loss" in metadata["params"]) is has_loss
    assert load(tmp_path / "squared.l1l2").loss == "squared_error"


def test_a_regressor_pickled_before_loss_existed_is_a_squared_error_one(
    regression_split, fitted, tmp_path
):
    # It predicted, but get_params, repr, clone, dump and continued training raised
    # AttributeError: no loss.
    from sklearn.base import clone

    from l1l2_estimator import dump

    X, _, y, _ = regression_split
    pipeline = pickle.loads(pickle.dumps(fitted))
    old = pipeline[-1]
    del vars(old)["loss"]
    assert old.get_params()["loss"] == "squared_error" and "L1L2Regressor(" in repr(old)
    assert clone(old).loss == "squared_error"
    np.testing.assert_array_equal(pipeline.predict(X), fitted.predict(X))
    dump(old, tmp_path / "old.l1l2")
    pipeline.set_params(l1l2regressor__warm_start=True, l1l2regressor__epochs=2).fit(X, y)
    assert len(old.loss_curve_) == len(fitted[-1].loss_curve_) + 2


def test_divergence_advice_for_poisson_keeps_the_target_non_negative(counts):
    X, y, _, _ = counts
    with pytest.raises(ValueError, match="for loss='poisson', divide the target by a positive"):
        L1L2Regressor(loss="poisson", learning_rate=0.5, epochs=50, random_state=0).fit(
            X, y * 1e10
        )
    # Beyond 1.84e19 the gradients' squares overflow float32 whatever the rate.
    with pytest.raises(ValueError, match=r"y holds values as large as .* divide the target by a "
                                         r"positive constant \(loss='poisson' needs y >= 0\)"):
        L1L2Regressor(loss="poisson", learning_rate=0.5, epochs=50, random_state=0).fit(
            X, y * 1e30
        )
    with pytest.raises(ValueError, match="divide it by a positive constant"):
        L1L2Regressor(loss="poisson").fit(X, y * 1e39)
    # A changed loss is named before the new loss's rule for y.
    model = L1L2Regressor(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, y - 1)
    with pytest.raises(ValueError, match="continues training the network fitted with loss='sq"):
        model.set_params(warm_start=True, loss="poisson").fit(X, y - 1)


@pytest.mark.parametrize("estimator", ["L1L2Regressor", "L1L2RegressorCV"])
@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e39"])
@pytest.mark.parametrize("dtype", [str, object])
def test_numeric_strings_that_are_not_finite_numbers_are_refused_as_numbers_are(
    regression_split, estimator, text, dtype
):
    """scikit-learn checks a target of text for NaN and infinity before it reads the numbers:
    "nan" trained, diverged, and was blamed on assume_finite; "inf" was called a value beyond
    float32's range; and the search trained every member on them."""
    from l1l2_estimator import L1L2RegressorCV

    X_train, _, y_train, _ = regression_split
    y = y_train.astype(str).astype(dtype)
    y[3] = text
    if estimator == "L1L2Regressor":
        model = L1L2Regressor(**FAST)
    else:
        model = L1L2RegressorCV(**FAST, l1s=[0], l2s=[0], cv=2)
    expected = {"nan": "Input y contains NaN", "1e39": "y holds values beyond float32's range"}
    with pytest.raises(ValueError, match=expected.get(text, "Input y contains infinity")):
        model.fit(X_train, y)
    if estimator == "L1L2Regressor":
        fitted = L1L2Regressor(**FAST).fit(X_train, y_train)
        before = fitted.predict(X_train)
        with pytest.raises(ValueError, match=expected.get(text, "Input y contains infinity")):
            fitted.partial_fit(X_train, y)
        np.testing.assert_array_equal(fitted.predict(X_train), before)


def test_a_stop_where_float32_cannot_register_tol_warns_and_says_to_scale_the_target():
    """A target of standard deviation 1.45e8 has a squared error whose float32 spacing (2e9)
    dwarfs tol: no epoch's loss registered as lower, the rule stopped after 21 epochs, and the
    untrained network (R² 0) was published as converged without a word, where MLPRegressor's
    float64 rule runs on and warns. A fit, a search and a regularization path now warn so."""
    from sklearn.exceptions import ConvergenceWarning

    from l1l2_estimator import L1L2RegressorCV
    from l1l2_estimator.plots import regularization_path

    X, y = make_regression(n_samples=100, n_features=5, noise=1.0, random_state=0)
    huge = y * 1e6
    settings = dict(hidden_layer_sizes=(8,), epochs=500, random_state=0)
    blind = (r"stopped improving by tol .*float32, in which the stopping rule runs, cannot "
             r"register a change of less than 2\.15e\+09 in a loss of .*so the loss may still "
             r"have been falling\. y's mean is -1\.54e\+07 .*centre and scale the target")
    with pytest.warns(ConvergenceWarning, match=blind):
        reg = L1L2Regressor(**settings).fit(X, huge)
    assert reg.n_iter_ < 500
    with pytest.warns(ConvergenceWarning, match="4 of the 4 member fits " + blind):
        L1L2RegressorCV(l1s=[0, 1e-3], l2s=[0], cv=2, **settings).fit(X, huge)
    with pytest.warns(ConvergenceWarning, match=blind):
        regularization_path(L1L2Regressor(**settings), X, huge, X, huge, [0, 1e-3])
    # A Poisson loss of large counts is large and negative: its step was printed negative, and
    # no advice followed.
    rng = np.random.RandomState(0)
    X_counts = rng.randn(200, 3)
    counts = rng.poisson(np.exp(7 + 0.3 * X_counts[:, 0])).astype(float)
    with pytest.warns(ConvergenceWarning, match=(
        r"cannot register a change of less than 0\.000488 in a loss of -7\.1e\+03 .*y's mean is "
        r"1\.16e\+03: divide the target by a positive constant"
    )):
        L1L2Regressor(loss="poisson", hidden_layer_sizes=(8,), learning_rate=0.03,
                      random_state=0).fit(X_counts, counts)
    # A scaled target converges by the rule, and no warning says it may not have.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        scaled = L1L2Regressor(**{**settings, "epochs": 2000}).fit(X, y / y.std())
    assert scaled.n_iter_ < 2000


def test_float32_blind_best_is_the_loss_where_float32_cannot_register_tol():
    """Only a loss that stayed flat within a float32 step after its best: one that rose by more
    (load_diabetes' raw target, by thousands of steps) stopped as a float64 rule would stop
    it, and had been warned about too."""
    from l1l2_estimator._stopping import float32_blind_best

    step = float(np.spacing(np.float32(2100.0)))  # 2.4e-4, beyond 2 * tol
    assert float32_blind_best([3000.0, 2100.0, 2100.0, 2100.0 + step], 1e-4) == 2100.0
    # A stuck fit's losses drift by a few steps (0 to 3 for a target of std 1.45e8).
    assert float32_blind_best([3000.0, 2100.0, 2100.0 + 3 * step, 2100.0], 1e-4) == 2100.0
    assert float32_blind_best([3000.0, 2100.0, 2100.0, 2100.5], 1e-4) is None  # it rose
    assert float32_blind_best([3000.0, 2100.0], 1e-4) is None  # nothing after the best
    assert float32_blind_best([3000.0, 1000.0, 1000.0], 1e-4) is None  # step 6.1e-5
    assert float32_blind_best([-7000.0, -7100.0, -7100.0], 1e-4) == -7100.0  # Poisson's
    assert float32_blind_best([3000.0, 2100.0, 2100.0], 1e-3) is None
    assert float32_blind_best([3000.0, 2100.0, 2100.0], 0.0) is None  # unchanged counts
    assert float32_blind_best([], 1e-4) is None


def test_rose_from_the_start_only_beyond_float32_drift():
    from l1l2_estimator._stopping import rose_from_the_start

    assert rose_from_the_start([0.888, 1.5, 8.03])
    assert not rose_from_the_start([0.888, 0.7, 8.03])  # it fell below the first
    first = 1.69e16
    step = float(np.spacing(np.float32(first)))
    # A stuck fit whose loss ends a few float32 steps up learned nothing, but did not "rise".
    assert not rose_from_the_start([first, first, first + 2 * step])
    assert not rose_from_the_start([0.5])


def test_a_loss_that_rose_after_its_best_is_no_blind_stop():
    """load_diabetes' raw target: the loss rose by thousands of float32 steps after its best
    (2131 at epoch 382), and the warning said that it may still have been falling."""
    from sklearn.datasets import load_diabetes
    from sklearn.exceptions import ConvergenceWarning

    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        L1L2Regressor(hidden_layer_sizes=(16,), learning_rate=0.03, random_state=0).fit(
            X[:250], y[:250]
        )
    assert not [w for w in caught if w.category is ConvergenceWarning
                and "may still have been falling" in str(w.message)]


def test_a_warning_of_an_unscaled_target_says_to_scale_it():
    """A target in large units (load_diabetes' spans 25-346) made every fit run to its epoch cap
    (the network starts near 0, and the penalties compete with the squared error in y's units),
    and the ConvergenceWarning did not say why; a scaled target gets no such advice."""
    from sklearn.exceptions import ConvergenceWarning

    from l1l2_estimator import L1L2RegressorCV

    X, y = make_regression(n_samples=80, n_features=4, noise=10.0, random_state=0)
    standard = (y - y.mean()) / y.std()
    raw = 150 + 80 * standard
    settings = dict(hidden_layer_sizes=(4,), epochs=3, random_state=0)
    advice = (r"y's mean is 150 and its standard deviation 80: centre and scale the target "
              r"\(TransformedTargetRegressor")
    with pytest.warns(ConvergenceWarning, match=advice):
        L1L2Regressor(**settings).fit(X, raw)
    with pytest.warns(ConvergenceWarning, match=advice):
        L1L2RegressorCV(l1s=[0], l2s=[0], cv=2, **settings).fit(X, raw)
    from l1l2_estimator.plots import regularization_path

    with pytest.warns(ConvergenceWarning, match=advice):  # its batched fits
        regularization_path(L1L2Regressor(**settings), X, raw, X, raw, [0, 1e-3])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        L1L2Regressor(**settings).fit(X, y / y.std())
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert messages and not any("standard deviation" in m for m in messages)
    # Far from 0 by its mean alone (kelvins: 290 ± 5), a target never reached got no advice.
    with pytest.warns(ConvergenceWarning, match=r"y's mean is 290 and its standard deviation 5: "
                                                r"centre and scale the target"):
        L1L2Regressor(**settings).fit(X, 290 + 5 * standard)
    # Of several outputs, the one quoted is named; a centred target is told to be scaled (its
    # mean had been quoted as float noise, -7.8e-16, and it was told to be centred).
    with pytest.warns(ConvergenceWarning, match=r"output 1 of y has the mean 5e\+03 and the "
                                                r"standard deviation 50: centre and scale"):
        L1L2Regressor(**settings).fit(X, np.c_[100 + standard, 5000 + 50 * standard])
    with pytest.warns(ConvergenceWarning, match=r"y's mean is 0 and its standard deviation 20: "
                                                r"scale the target \(TransformedTarget"):
        L1L2Regressor(**settings).fit(X, 20 * standard)


def test_a_search_member_is_told_its_own_training_folds_target_is_too_small():
    """A member stopped where its training fold's target varies by less than tol is told so,
    as its single fit is: the search had read the whole y's variation (above tol here), and told
    it its network predicted worse than the mean instead."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import KFold

    from l1l2_estimator import L1L2RegressorCV

    X, y = make_regression(200, 5, noise=5.0, random_state=0)
    X, y = (X - X.mean(0)) / X.std(0), (y - y.mean()) / y.std()
    y[:100] = np.random.RandomState(0).normal(0, 1e-3, 100)  # rows 0-99 barely vary
    network = dict(hidden_layer_sizes=(8,), epochs=300, random_state=0)
    told = r"all that a network can gain over predicting y's mean is 1\.\d+e-06 \(y's variance\)"
    with pytest.warns(ConvergenceWarning, match=told):
        L1L2Regressor(**network, l1=0, l2=0).fit(X[:100], y[:100])  # fold 1's training rows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        L1L2RegressorCV(l1s=[0], l2s=[0], cv=KFold(2), refit=False, **network).fit(X, y)
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert any(re.search(r"the training loss of 1 of the 2 member fits stopped improving by "
                         r"tol, but " + told, message) for message in messages), messages
    assert not any("worse than their mean" in message for message in messages), messages


def test_a_stop_that_cannot_see_the_target_learned_or_is_worse_than_its_mean_is_warned_about(
    regression_split, counts
):
    """A target of scale 1e-6 was fitted as a constant (R² about -3e9), the loss rule stopping
    it as converged, without a word (as MLPRegressor fits it): nothing it could learn beyond
    the mean moves the loss by tol. A single fit, a search and a path say so."""
    from sklearn.exceptions import ConvergenceWarning

    from l1l2_estimator import L1L2RegressorCV, regularization_path

    X, _, y, _ = regression_split
    small = (y - y.mean()) * 1e-6 + 1e-6
    network = dict(hidden_layer_sizes=(8,), random_state=0)
    variance = (
        r"all that a network can gain over predicting y's mean is (at most )?1\.\d+e-12 \(y's "
        r"variance\), "
    )
    with pytest.warns(ConvergenceWarning, match=variance + r"less than tol=0\.0001, so the "
                      r"stopping rule cannot see it learn\. Scale the target up \("
                      r"TransformedTargetRegressor"):
        L1L2Regressor(**network).fit(X, small)
    with pytest.warns(ConvergenceWarning, match=r"L1L2RegressorCV: the training loss of 4 of "
                      r"the 4 member fits stopped improving by tol, but " + variance):
        L1L2RegressorCV(l1s=[0, 1e-3], l2s=[0], cv=2, refit=False, **network).fit(X, small)
    with pytest.warns(ConvergenceWarning) as path_warnings:
        regularization_path(L1L2Regressor(**network), X, small, X, small, l1_values=[0, 1e-3])
    assert sum("cannot see it learn" in str(w.message) for w in path_warnings) == 2
    X_counts, y_counts, _, _ = counts
    with pytest.warns(ConvergenceWarning, match=r"is \d\.\d+e-1\d \(half y's Poisson deviance "
                      r"from it\).*multiply it by a positive constant"):
        L1L2Regressor(loss="poisson", **network).fit(X_counts, y_counts * 1e-12)
    # A target a little larger, whose loss falls by less than tol in n_iter_no_change epochs
    # long before the network fits anything (R² about -28): its predictions are worse than the
    # mean's, which no optimum's are.
    above = (r"its network predicts its training rows worse than their mean: a loss of "
             r"\d(\.\d+)?(e-\d+)? without the penalties, above the mean's \d(\.\d+)?(e-\d+)? by "
             r"more than tol=0\.0001 and 1% of the mean's loss, where any optimum lies at or below "
             r"it")
    with pytest.warns(ConvergenceWarning, match=above) as caught:
        fitted = L1L2Regressor(**network).fit(X, y * 0.02)
    assert fitted.score(X, y * 0.02) < 0 and len(caught) == 1
    with pytest.warns(ConvergenceWarning) as path_warnings:
        regularization_path(L1L2Regressor(**network), X, y * 0.02, X, y * 0.02,
                            l1_values=[0, 1e-3])
    assert sum("worse than their mean" in str(w.message) for w in path_warnings) == 2
    # A search's members are checked as their single fits are.
    with pytest.warns(ConvergenceWarning, match=(
        r"L1L2RegressorCV: the training loss of 4 of the 4 member fits stopped improving by "
        r"tol, but their networks predict their training rows worse than their mean, in the loss "
        r"without the penalties by more than tol=0\.0001 and 1% of the mean's loss \(by up to "
        r"\d(\.\d+)?(e-\d+)?\), "
        r"where any optimum lies at or below it\. Scale a small target up \("
        r"TransformedTargetRegressor"
    )):
        L1L2RegressorCV(l1s=[0, 1e-3], l2s=[0], cv=2, refit=False, **network).fit(X, y * 0.02)
    # A Poisson target (y >= 0) is scaled up by a constant, never standardized.
    from l1l2_estimator._stopping import worse_than_the_mean_message

    poisson_advice = worse_than_the_mean_message(-11.7, -15.1, 1e-4, "poisson")
    assert "multiply it by a positive constant" in poisson_advice
    assert "StandardScaler" not in poisson_advice
    # Its losses fall below 0 (for counts above e): the 1% is of the distance from its floor.
    assert ("above the mean's -15.1 by more than tol=0.0001 and 1% of the mean's loss above "
            "the loss's least value" in poisson_advice)
    # A Poisson search takes its weights as a list or a Series of any index, by position (the
    # floor of each fold's loss had indexed them as given: a TypeError, and a KeyError or
    # another row's weight for a Series).
    import pandas as pd

    X_counts, y_counts, _, _ = counts
    weights = np.linspace(0.5, 2.0, len(y_counts))
    shuffled = np.random.default_rng(0).permutation(len(y_counts)) + 100
    scores = []
    for given in (weights, list(weights), pd.Series(weights, index=shuffled)):
        search = L1L2RegressorCV(loss="poisson", l1s=[0], l2s=[0], cv=2, refit=False,
                                 hidden_layer_sizes=(8,), epochs=3, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores.append(search.fit(X_counts, y_counts, sample_weight=given).cv_results_[
                "mean_test_score"])
    np.testing.assert_array_equal(scores[0], scores[1])
    np.testing.assert_array_equal(scores[0], scores[2])
    # Not at a usual scale, nor where tol is 0; a constant target has nothing to learn beyond
    # its mean, so only a stop short of it is warned about.
    # Nor penalties strong enough to push the network to the mean (their L1 jitter about zero
    # under Adam keeps the penalized loss above the mean's: no shortfall of the fit).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        L1L2Regressor(**network).fit(X, y)
        L1L2Regressor(**network, tol=0, n_iter_no_change=3, epochs=5).fit(X, small)
        collapsed = L1L2Regressor(hidden_layer_sizes=(64, 32), l1=0.1, l2=0.1, random_state=0)
        assert collapsed.fit(X, y).score(X, y) < 0.01
    assert not [w for w in caught if "loss stopped improving by tol" in str(w.message)]
    # Nor one that penalties hold near the mean of a fold off 0, its output bias a little off
    # that mean when the rule stopped it (R² -0.0012: 0.0012 above the mean's loss, beyond tol,
    # within 1% of it), as the command line's --grid trained it.
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import KFold

    X_d, y_d = load_diabetes(return_X_y=True)
    X_d, _, y_d, _ = train_test_split(X_d, y_d, test_size=0.25, random_state=0)
    X_d, y_d = StandardScaler().fit_transform(X_d), (y_d - y_d.mean()) / y_d.std()
    fold = next(KFold(3).split(X_d))[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        held = L1L2Regressor(hidden_layer_sizes=(64, 32), l1=0.1, l2=0.03, random_state=0)
        held.fit(X_d[fold], y_d[fold])
    assert -0.01 < held.score(X_d[fold], y_d[fold]) < 0
    assert not [w for w in caught if "worse than their mean" in str(w.message)]
    with pytest.warns(ConvergenceWarning, match="worse than their mean") as caught:
        L1L2Regressor(**network).fit(X, np.full(len(y), 3.0))
    assert not [w for w in caught if "cannot see it learn" in str(w.message)]
