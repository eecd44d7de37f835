"""The NumPy forward pass agrees with the Keras model's own output."""

import numpy as np
import pytest

from l1l2_estimator import L1L2Classifier
from l1l2_estimator._params import ACTIVATIONS

# Every Keras activation we build, reached through its canonical name.
KERAS_ACTIVATIONS = sorted(set(ACTIVATIONS.values()))


@pytest.mark.parametrize("activation", KERAS_ACTIVATIONS)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_fast_predict_matches_keras(activation, n_classes, binary_data, multiclass_data):
    X, y = binary_data if n_classes == 2 else multiclass_data
    clf = L1L2Classifier(hidden_layer_sizes=(12, 6), activation=activation, epochs=3,
                         random_state=0).fit(X, y)
    keras_output = clf.model_.predict(X.astype(np.float32), verbose=0)
    if n_classes == 2:
        keras_output = np.column_stack([1 - keras_output[:, 0], keras_output[:, 0]])
    np.testing.assert_allclose(clf.predict_proba(X), keras_output, atol=1e-5)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[keras_output.argmax(axis=1)])


def test_one_row_equals_batch(fitted_multiclass, multiclass_data):
    X, _ = multiclass_data
    batch = fitted_multiclass.predict_proba(X[:20])
    rows = np.vstack([fitted_multiclass.predict_proba(X[i : i + 1]) for i in range(20)])
    np.testing.assert_allclose(rows, batch, rtol=1e-12)


def test_wide_networks_predict_within_scikit_learns_working_memory(binary_data):
    # The forward pass held every row's hidden values at once (in float64, with temporaries):
    # a layer of 5,000,000 units took 76 MiB a row, so a file of 62 KB made predicting 1,000
    # rows ask for 75 GB. Rows now go through in chunks that fit scikit-learn's
    # ``working_memory``, as its pairwise functions do, with the same output.
    import tracemalloc

    from sklearn import config_context

    X, y = binary_data
    wide = L1L2Classifier(hidden_layer_sizes=(4000,), epochs=1, random_state=0).fit(X[:40], y[:40])
    rows = np.tile(X, (4, 1))  # 1,200 rows: 37 MiB for each array of hidden values
    whole = wide.predict_proba(rows)
    tracemalloc.start()
    try:
        with config_context(working_memory=4):
            chunked = wide.predict_proba(rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(chunked, whole, rtol=1e-12)
    assert peak < 12 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_sparse_rows_are_chunked_by_the_dense_layers_alone(monkeypatch):
    """A sparse X's rows never become dense: counting its features as a dense width had cut
    100,000 rows of 2**23 features into chunks of a few rows (29 times slower)."""
    import scipy.sparse
    from sklearn import config_context

    from l1l2_estimator import _inference

    rng = np.random.RandomState(0)
    X = scipy.sparse.random(200, 2**17, density=2e-4, format="csr", random_state=rng)
    y = np.arange(200) % 2
    clf = L1L2Classifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y)
    calls = []
    forward = _inference._forward
    monkeypatch.setattr(
        _inference, "_forward", lambda X, *args: calls.append(X.shape[0]) or forward(X, *args)
    )
    with config_context(working_memory=1):  # 1 MiB: not one dense row of 2**17 features (4 MiB)
        sparse_proba = clf.predict_proba(X)
    assert calls == [200]  # one chunk: the widest dense array is 4 wide
    calls.clear()
    with config_context(working_memory=1):
        dense_proba = clf.predict_proba(X[:20].toarray())
    assert len(calls) == 20  # a dense row a chunk
    # Equal, or a rounding apart (NumPy 1.26 with SciPy 1.14 sum a sparse product in another
    # order than the dense one).
    np.testing.assert_allclose(dense_proba, sparse_proba[:20], rtol=0, atol=1e-15)
