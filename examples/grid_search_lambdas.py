"""Choosing the penalties by cross-validation: GridSearchCV over ``l1``, ``l2`` and
``hidden_layer_sizes`` of an L1L2Classifier inside a Pipeline with StandardScaler.

The pipeline's step is named ``l1l2classifier`` by ``make_pipeline``, so its parameters are
addressed as ``l1l2classifier__l1`` and so on. Run it with
``python examples/grid_search_lambdas.py``; it fits 25 small networks in well under a minute.

GridSearchCV fits one network at a time and can search anything (other params, several
metrics, several processes). For ``l1`` and ``l2`` alone, ``L1L2ClassifierCV`` trains the whole
grid on every fold at once and gives the same scores faster: see ``cross_validated.py``.
"""

from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Classifier

X, y = make_classification(
    n_samples=400, n_features=20, n_informative=6, n_redundant=4, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)

pipeline = make_pipeline(StandardScaler(), L1L2Classifier(random_state=0))
param_grid = {
    "l1l2classifier__l1": [0.0, 1e-3],
    "l1l2classifier__l2": [0.0, 1e-3],
    "l1l2classifier__hidden_layer_sizes": [(16,), (32, 16)],
}
# n_jobs=1: each worker process would import TensorFlow anew, which costs more than these fits.
search = GridSearchCV(pipeline, param_grid, cv=3, n_jobs=1)
search.fit(X_train, y_train)

best = {name.split("__")[1]: value for name, value in search.best_params_.items()}
print(f"Best parameters: {best}")
print(f"Best mean CV accuracy: {search.best_score_:.3f}")
print(f"Held-out accuracy of the refit best pipeline: {search.score(X_test, y_test):.3f}")

print("\nAll candidates, best first:")
print(f"{'rank':>4}  {'l1':>6}  {'l2':>6}  {'hidden':<9} {'mean':>6} {'std':>6}")
results = search.cv_results_
for i in sorted(range(len(results["params"])), key=lambda i: results["rank_test_score"][i]):
    params = results["params"][i]
    print(
        f"{results['rank_test_score'][i]:>4}  "
        f"{params['l1l2classifier__l1']:>6g}  {params['l1l2classifier__l2']:>6g}  "
        f"{str(params['l1l2classifier__hidden_layer_sizes']):<9} "
        f"{results['mean_test_score'][i]:>6.3f} {results['std_test_score'][i]:>6.3f}"
    )
