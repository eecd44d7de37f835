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
