"""Feature selection from L1: importances, exact zeros with the proximal step, early stopping."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Classifier

from .conftest import FAST

INFORMATIVE = 8


@pytest.fixture(scope="module")
def known_answer_split():
    """shuffle=False puts the 8 informative features first; the other 42 are noise."""
    X, y = make_classification(
        n_samples=1000,
        n_features=50,
        n_informative=INFORMATIVE,
        n_redundant=0,
        shuffle=False,
        random_state=0,
    )
    return train_test_split(X, y, random_state=0, stratify=y)


def test_exact_sparsity_selects_the_informative_features(known_answer_split):
    X_train, X_test, y_train, y_test = known_answer_split
    network = dict(hidden_layer_sizes=(32,), epochs=100, random_state=0)
    dense = make_pipeline(StandardScaler(), L1L2Classifier(**network)).fit(X_train, y_train)
    sparse = L1L2Classifier(**network, l1=1e-2, proximal_l1=True)
    selecting = make_pipeline(
        StandardScaler(), SelectFromModel(sparse), L1L2Classifier(**network)
    ).fit(X_train, y_train)

    kept = set(np.flatnonzero(selecting[1].get_support()))
    informative = set(range(INFORMATIVE))
    assert len(kept & informative) >= 0.8 * INFORMATIVE  # finds the informative features
    assert len(kept & informative) >= 0.8 * len(kept)  # and little else
    selector = selecting[1].estimator_
    assert (selector.feature_importances_ == 0).sum() >= 20  # noise features dropped exactly
    dense_accuracy = dense.score(X_test, y_test)
    assert selecting.score(X_test, y_test) >= dense_accuracy - 0.02
    sparse_alone = make_pipeline(selecting[0], selector)
    assert sparse_alone.score(X_test, y_test) >= dense_accuracy - 0.02
    # The documented threshold keeps exactly the features the L1 step left in use.
    in_use = SelectFromModel(selector, threshold=1e-12, prefit=True).get_support()
    np.testing.assert_array_equal(in_use, selector.feature_importances_ > 0)
    assert 0 < in_use.sum() < len(in_use)


def test_a_first_layer_zeroed_whole_makes_the_mean_threshold_keep_every_feature(
    known_answer_split,
):
    """As README says: every importance 0, so the mean threshold (0) keeps every feature; a
    number as threshold, as scikit-learn's 1e-5 for Lasso, keeps none."""
    X_train, _, y_train, _ = known_answer_split
    X_train = StandardScaler().fit_transform(X_train)
    zeroed = L1L2Classifier(hidden_layer_sizes=(8,), l1=1.0, proximal_l1=True, epochs=30,
                            random_state=0).fit(X_train, y_train)
    assert zeroed.sparsity_[0] == 1.0 and not zeroed.feature_importances_.any()
    by_mean = SelectFromModel(zeroed, prefit=True)
    assert by_mean.get_support().all()
    with pytest.warns(UserWarning, match="No features were selected"):
        assert SelectFromModel(zeroed, prefit=True, threshold=1e-5).transform(
            X_train).shape == (len(X_train), 0)


def test_plain_l1_under_adam_gives_no_exact_zeros(binary_data):
    X, y = binary_data
    plain = L1L2Classifier(**FAST, l1=1e-2).fit(X, y)
    proximal = L1L2Classifier(**FAST, l1=1e-2, proximal_l1=True).fit(X, y)
    assert plain.sparsity_ == [0.0, 0.0]
    assert proximal.sparsity_[0] > 0.2
    assert len(proximal.sparsity_) == 2
    for kernel, fraction in zip(proximal.coefs_, proximal.sparsity_):
        assert fraction == np.mean(kernel == 0)


def test_feature_importances_are_first_layer_row_norms(fitted_binary):
    importances = fitted_binary.feature_importances_
    assert importances.shape == (fitted_binary.n_features_in_,)
    np.testing.assert_allclose(importances, np.sqrt((fitted_binary.coefs_[0] ** 2).sum(axis=1)))
    assert (importances >= 0).all()


def test_early_stopping_keeps_the_best_weights(binary_data):
    X, y = binary_data
    clf = L1L2Classifier(**{**FAST, "epochs": 200}, early_stopping=True, validation_fraction=0.2)
    clf.fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # the kept weights are those of the best epoch: re-create the held-out split and score it
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=0.2, random_state=clf._shuffle_seed, stratify=y
    )
    assert clf.score(X_val, y_val) == clf.best_validation_score_
    assert clf.validation_scores_[-1] <= clf.best_validation_score_


def test_validation_attributes_are_none_without_early_stopping_as_in_mlp(binary_data):
    """As MLPClassifier's: validation_scores_ and best_validation_score_ are None without
    early_stopping (they were absent: MLPClassifier code reading them raised AttributeError),
    and best_loss_ is None with it."""
    from sklearn.neural_network import MLPClassifier

    X, y = binary_data
    clf = L1L2Classifier(**FAST, early_stopping=True).fit(X, y)
    mlp = MLPClassifier(max_iter=3, early_stopping=True).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_loss_ is None and mlp.best_loss_ is None
    clf.set_params(early_stopping=False).fit(X, y)
    mlp.set_params(early_stopping=False).fit(X, y)
    for name in ("validation_scores_", "best_validation_score_"):
        assert getattr(clf, name) is None and getattr(mlp, name) is None
    assert clf.best_loss_ == min(clf.loss_curve_)
