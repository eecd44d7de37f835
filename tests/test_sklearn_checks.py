"""scikit-learn's estimator checks on the default-constructed estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV, L1L2Regressor, L1L2RegressorCV

# Only these two may fail, for reasons we cannot change from a subclass or that sklearn itself
# grants its own mini-batch networks.
EXPECTED_FAILED_CHECKS = {
    "check_mixin_order": (
        "scikeras' KerasClassifier/KerasRegressor list BaseWrapper before ClassifierMixin/"
        "RegressorMixin; a subclass cannot reorder its parents' bases. The tags are set "
        "explicitly instead."
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch stochastic training: weighting a sample by 2 is not the same optimisation "
        "path as repeating it (scikit-learn exempts MLPClassifier for the same reason)."
    ),
}


@parametrize_with_checks(
    [L1L2Classifier(), L1L2Regressor()],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# The cross-validated estimators with a small grid and network, so that each check fits quickly.
SEARCH_SETTINGS = dict(hidden_layer_sizes=(16,), l1s=[0, 1e-3], l2s=[1e-4], cv=2)


@parametrize_with_checks(
    [L1L2ClassifierCV(**SEARCH_SETTINGS), L1L2RegressorCV(**SEARCH_SETTINGS)],
    expected_failed_checks=lambda estimator: {
        "check_sample_weight_equivalence_on_dense_data": EXPECTED_FAILED_CHECKS[
            "check_sample_weight_equivalence_on_dense_data"
        ],
    },
)
def test_sklearn_compatible_search(estimator, check):
    check(estimator)
