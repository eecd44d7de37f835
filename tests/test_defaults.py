"""The defaults converge on the small data sets our users bring, as accurately as MLPClassifier's.

`L1L2Classifier()` in `make_pipeline(StandardScaler(), ...)`, every other param at its default,
5-fold stratified cross-validation (`benchmarks/bench_defaults.py` prints the same comparison with
epochs and fit times).
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Classifier

DATA = {
    "iris": lambda: load_iris(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "the README recipe": lambda: make_classification(
        n_samples=1000, n_features=20, n_informative=10, n_redundant=5, random_state=42
    ),
}


@pytest.mark.parametrize("name", list(DATA))
def test_defaults_converge_and_match_mlp_classifier(name):
    X, y = DATA[name]()
    ours_right, theirs_right = [], []
    for fold, (train, test) in enumerate(
        StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a ConvergenceWarning (or any other) fails the test
            ours = make_pipeline(StandardScaler(), L1L2Classifier(random_state=fold))
            ours.fit(X[train], y[train])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # MLPClassifier's 200 epochs
            theirs = make_pipeline(StandardScaler(), MLPClassifier(random_state=fold))
            theirs.fit(X[train], y[train])
        ours_right.append(np.sum(ours.predict(X[test]) == y[test]))
        theirs_right.append(np.sum(theirs.predict(X[test]) == y[test]))
    # At least MLPClassifier's accuracy, within one test row per fold on average.
    assert np.mean(ours_right) >= np.mean(theirs_right) - 1
