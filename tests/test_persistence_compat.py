"""Files written by earlier releases keep loading.

``tests/data/v1_*.l1l2`` were written by ``dump`` in format version 1 (the first release's code),
together with the predictions their estimators made; ``load`` must reproduce those predictions.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from l1l2_estimator import L1L2Classifier, L1L2Regressor, load

DATA = Path(__file__).parent / "data"
EXPECTED = json.loads((DATA / "v1_expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_format_1_files_load_and_predict_as_when_saved(name):
    expected = EXPECTED[name]
    estimator = load(DATA / name)
    X = np.array(expected["X"])
    if "columns" in expected:
        X = pd.DataFrame(X, columns=expected["columns"])
    if isinstance(estimator, L1L2Classifier):
        np.testing.assert_allclose(
            estimator.predict_proba(X), expected["proba"], rtol=1e-6, atol=1e-7
        )
        assert estimator.predict(X).tolist() == expected["predict"]
    else:
        assert isinstance(estimator, L1L2Regressor)
        np.testing.assert_allclose(estimator.predict(X), expected["predict"], rtol=1e-6, atol=1e-7)


def test_format_1_file_continues_training():
    estimator = load(DATA / "v1_classifier.l1l2")
    X = pd.DataFrame(
        np.array(EXPECTED["v1_classifier.l1l2"]["X"]), columns=estimator.feature_names_in_
    )
    y = estimator.predict(X)
    before = estimator.n_iter_
    estimator.partial_fit(X, y)
    assert estimator.n_iter_ == before + 1
