"""Shared fixtures: small data sets, fitted once per session."""

import os

# scikit-learn's check_array_api_input (numpy namespace) runs only with SciPy's array-API mode,
# which must be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from l1l2_estimator import L1L2Classifier  # noqa: E402

# Small, quick settings that still learn the fixtures' data well.
FAST = dict(hidden_layer_sizes=(16,), epochs=30, batch_size=32, learning_rate=0.01, random_state=0)


@pytest.fixture(scope="session")
def binary_data():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=4, random_state=0)
    return X, y


@pytest.fixture(scope="session")
def multiclass_data():
    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=1
    )
    return X, y


@pytest.fixture(scope="session")
def recipe_split():
    """The seed recipe: make_classification, then a 75/25 train_test_split."""
    X, y = make_classification(
        n_samples=1000, n_features=20, n_informative=10, n_redundant=5, random_state=42
    )
    return train_test_split(X, y, test_size=0.25, random_state=42, stratify=y)


@pytest.fixture(scope="session")
def fitted_binary(binary_data):
    X, y = binary_data
    return L1L2Classifier(**FAST).fit(X, y)


@pytest.fixture(scope="session")
def fitted_multiclass(multiclass_data):
    X, y = multiclass_data
    labels = np.array(["ant", "bee", "cat"])[y]
    return L1L2Classifier(**FAST).fit(X, labels)


def _status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def peak_memory_growth(function):
    """Run ``function()`` and return ``(its exception or None, MiB)``: how far the process's peak
    resident set rose above its resident set at the start.

    Linux resets the peak (VmHWM) when "5" is written to /proc/self/clear_refs, so the peak of this
    call alone is measured, whatever earlier tests allocated.
    """
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    before = _status_kib("VmRSS")
    error = None
    try:
        function()
    except Exception as raised:  # the caller asserts on it
        error = raised
    return error, (_status_kib("VmHWM") - before) / 1024
