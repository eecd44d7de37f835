"""Sparse X: CSR and CSC matrices and arrays train and predict without being densified."""

import json
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from l1l2_estimator import (
    L1L2Classifier,
    L1L2ClassifierCV,
    L1L2Regressor,
    L1L2RegressorCV,
    regularization_path,
)

from .conftest import FAST

FORMATS = {
    "csr_matrix": scipy.sparse.csr_matrix,
    "csc_matrix": scipy.sparse.csc_matrix,
    "csr_array": scipy.sparse.csr_array,
    "csc_array": scipy.sparse.csc_array,
    "coo_matrix": scipy.sparse.coo_matrix,  # converted to CSR by scikit-learn's validation
}


@pytest.fixture(scope="module")
def mostly_zero(binary_data):
    """The binary fixture with about two thirds of its entries set to zero."""
    X, y = binary_data
    X = np.where(np.abs(X) < 1.0, 0.0, X)
    return X, y


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_sparse_fit_equals_dense_fit(mostly_zero, kind):
    """The same rows, batches and weights as the dense fit: the same network, up to float32
    rounding in the first layer's sums."""
    X, y = mostly_zero
    dense = L1L2Classifier(**FAST).fit(X, y)
    sparse = L1L2Classifier(**FAST).fit(FORMATS[kind](X), y)
    assert sparse.n_iter_ == dense.n_iter_
    np.testing.assert_allclose(sparse.coefs_[0], dense.coefs_[0], atol=1e-5)
    for X_predict in (X, FORMATS[kind](X), scipy.sparse.csc_matrix(X)):
        np.testing.assert_allclose(
            sparse.predict_proba(X_predict), dense.predict_proba(X), atol=1e-5
        )
    np.testing.assert_array_equal(sparse.predict(FORMATS[kind](X)), dense.predict(X))
    assert sparse.score(FORMATS[kind](X), y) == dense.score(X, y)


def test_sparse_regressor_partial_fit_and_early_stopping(mostly_zero):
    X, y = mostly_zero
    target = X[:, 0] - 2 * X[:, 1]
    csr = scipy.sparse.csr_matrix(X)
    regressor = L1L2Regressor(**FAST).fit(csr, target)
    assert regressor.predict(csr).shape == (len(y),)
    assert regressor.score(csr, target) > 0.8
    before = regressor.n_iter_
    regressor.partial_fit(csr[:64], target[:64])
    assert regressor.n_iter_ == before + 1
    stopped = L1L2Classifier(**{**FAST, "epochs": 200}, early_stopping=True).fit(csr, y)
    assert stopped.n_iter_ < 200 and stopped.best_validation_score_ > 0.8


def test_sparse_sample_weights_drop_zero_rows(mostly_zero):
    """Rows of weight 0 are dropped from a sparse X as from a dense one."""
    X, y = mostly_zero
    weights = np.ones(len(y))
    weights[::3] = 0
    dense = L1L2Classifier(**FAST).fit(X, y, sample_weight=weights)
    sparse = L1L2Classifier(**FAST).fit(scipy.sparse.csr_matrix(X), y, sample_weight=weights)
    np.testing.assert_allclose(sparse.predict_proba(X), dense.predict_proba(X), atol=1e-5)


@pytest.fixture(scope="module")
def categories():
    """A 60-category column and a number: OneHotEncoder's output is sparse."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"city": rng.integers(0, 60, 400).astype(str), "size": rng.normal(size=400)}
    )
    y = (frame["city"].astype(int) % 3 == 0) ^ (frame["size"] > 0.5)
    encode = ColumnTransformer(
        [
            ("city", OneHotEncoder(handle_unknown="ignore"), ["city"]),
            ("size", StandardScaler(), ["size"]),
        ],
        sparse_threshold=1.0,
    )
    return frame, y.to_numpy(), encode


def test_one_hot_pipeline_as_with_mlp(categories):
    """The issue's pipeline: a ColumnTransformer with a OneHotEncoder feeds a sparse matrix;
    it fits, as MLPClassifier's does, and learns the rule."""
    frame, y, encode = categories
    assert scipy.sparse.issparse(encode.fit_transform(frame))
    ours = make_pipeline(encode, L1L2Classifier(hidden_layer_sizes=(32,), random_state=0))
    ours.fit(frame, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = make_pipeline(encode, MLPClassifier(random_state=0)).fit(frame, y)
    assert ours.score(frame, y) >= 0.95
    assert ours.score(frame, y) >= mlp.score(frame, y) - 0.02
    # GridSearchCV and the regularization path refit the sparse pipeline one network at a time.
    search = GridSearchCV(
        make_pipeline(encode, L1L2Classifier(hidden_layer_sizes=(8,), epochs=20, random_state=0)),
        {"l1l2classifier__l1": [0, 1e-3]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(frame, y)
        path = regularization_path(search.best_estimator_, frame, y, frame, y, [0, 1e-3])
    assert path.feature_importances.shape == (2, 61)
    assert path.feature_names[0].startswith("city__city_")


def test_a_dataframe_of_sparse_columns_takes_the_sparse_path(mostly_zero):
    """A pandas DataFrame of sparse columns trains as the SciPy matrix it becomes in validation,
    and the regularization path fits it one network at a time, as a SciPy matrix: it tried the
    batched fits, which refused it with an internal TypeError."""
    X, y = mostly_zero
    frame = pd.DataFrame.sparse.from_spmatrix(
        scipy.sparse.csr_matrix(X), columns=[f"f{i}" for i in range(X.shape[1])]
    )
    network = L1L2Classifier(**{**FAST, "epochs": 5})
    from_frame = regularization_path(network, frame, y, frame, y, [0, 1e-3])
    from_matrix = regularization_path(
        network, scipy.sparse.csr_matrix(X), y, scipy.sparse.csr_matrix(X), y, [0, 1e-3]
    )
    np.testing.assert_array_equal(from_frame.feature_importances, from_matrix.feature_importances)
    assert list(from_frame.feature_names) == list(frame.columns)


@pytest.mark.parametrize("search", [L1L2ClassifierCV, L1L2RegressorCV])
def test_a_frame_without_columns_is_not_called_sparse(search):
    """pandas' .sparse accessor takes a DataFrame of no columns (all of its none are sparse): the
    searches told the user to densify it; GridSearchCV and the single estimators say why."""
    X = pd.DataFrame(index=range(20))
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match="at least one array or dtype is required"):
        search(l1s=[0], l2s=[0], cv=2).fit(X, y)


@pytest.mark.parametrize("search", [L1L2ClassifierCV, L1L2RegressorCV])
def test_cross_validated_estimators_refuse_sparse_clearly(mostly_zero, search):
    X, y = mostly_zero
    with pytest.raises(TypeError, match=r"does not take sparse X.*GridSearchCV.*\(X.toarray\(\)\)"):
        search(l1s=[0], l2s=[0], cv=2).fit(scipy.sparse.csr_matrix(X), y)
    # A DataFrame of sparse columns (which the single estimators take) got scikit-learn's
    # advice to call toarray(), which a DataFrame lacks.
    frame = pd.DataFrame.sparse.from_spmatrix(scipy.sparse.csr_matrix(X))
    with pytest.raises(TypeError, match=r"does not take sparse X.*\(X.sparse.to_dense\(\)\)"):
        search(l1s=[0], l2s=[0], cv=2).fit(frame, y)
    # Dense columns, in a DataFrame too, train.
    search(l1s=[0], l2s=[0], cv=2, epochs=2).fit(frame.sparse.to_dense(), y)


def test_training_never_densifies_the_matrix():
    """A 2,000 × 2,000,000 CSR matrix (16 GB as dense float32) trains and predicts while the
    process grows by far less than the dense matrix: only the nonzeros, the first kernel and
    its optimizer slots are held."""
    script = textwrap.dedent(
        """
        import json, resource
        import numpy as np, scipy.sparse
        from l1l2_estimator import L1L2Classifier
        rng = np.random.default_rng(0)
        n, d = 2000, 2_000_000
        per_row = 10
        X = scipy.sparse.csr_matrix(
            (rng.normal(size=n * per_row).astype(np.float32),
             rng.integers(0, d, n * per_row), np.arange(0, n * per_row + 1, per_row)),
            shape=(n, d),
        )
        X.sum_duplicates()
        y = (np.asarray(X.sum(axis=1)).ravel() > 0).astype(int)
        y[:2] = [0, 1]
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        clf = L1L2Classifier(hidden_layer_sizes=(2,), epochs=2, random_state=0).fit(X, y)
        proba = clf.predict_proba(X)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"grew_mib": (after - before) / 1024, "rows": proba.shape[0],
                          "nnz": int(X.nnz), "iters": clf.n_iter_}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["rows"] == 2000 and result["iters"] == 2
    dense_mib = 2000 * 2_000_000 * 4 / 2**20
    # The first kernel (2,000,000 × 2) with Adam's slots and gradients is ~100 MiB.
    assert result["grew_mib"] < 1000, (result, dense_mib)
    assert result["nnz"] > 19_000


SCIPY_FORMATS = ["bsr", "coo", "csc", "csr", "dia", "dok", "lil"]


@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")  # DIA of random X
@pytest.mark.parametrize("kind", ["matrix", "array"])
@pytest.mark.parametrize("layout", SCIPY_FORMATS)
@pytest.mark.parametrize("value", [1e39, np.inf])
def test_x_beyond_float32_is_named_in_every_sparse_format(binary_data, layout, kind, value):
    """A value beyond float32's range in a DOK matrix raised AttributeError (it has no
    ``.data``) from the handler that names the problem, and in a LIL matrix (whose ``.data``
    holds lists) got scikit-learn's "infinity": every format gets the same message."""
    X, y = binary_data
    X = X * (np.abs(X) > 1)
    X[0, 0] = value
    sparse_X = getattr(scipy.sparse, f"{layout}_{kind}")(X)
    message = "beyond float32's range" if np.isfinite(value) else "Input X contains infinity"
    for estimator in (L1L2Classifier(**FAST), L1L2Regressor(**FAST)):
        with pytest.raises(ValueError, match=message):
            estimator.fit(sparse_X, y)
