"""Choosing l1 and l2 with L1L2ClassifierCV: the whole grid, on every fold, trained at once.

``L1L2ClassifierCV`` is to ``L1L2Classifier`` what ``LogisticRegressionCV`` is to
``LogisticRegression``: one estimator that cross-validates its own penalties and refits the best
pair on all its training data. Its members are the very networks that ``GridSearchCV`` would fit
one by one, so the scores are the same; this script checks that on a small grid (for the time
each takes, see ``benchmarks/bench_cv.py``). Run it with ``python examples/cross_validated.py``.
"""

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
# Scaled once, outside the searches, so that both get identical inputs (the test quarter stays
# unseen; inside a pipeline each fold would scale by its own training rows).
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

network = dict(hidden_layer_sizes=(32,), random_state=0)
l1s, l2s = [0.0, 1e-4, 1e-3], [0.0, 1e-3]
cv = StratifiedKFold(3, shuffle=True, random_state=0)

search = L1L2ClassifierCV(l1s=l1s, l2s=l2s, cv=cv, **network).fit(X_train, y_train)

# A tie in mean score goes to the first pair in the grid's order, as in GridSearchCV.
print(f"Best pair: l1={search.l1_:g}, l2={search.l2_:g}")
print(f"Best mean CV accuracy: {search.best_score_:.3f}")
print(f"Held-out accuracy of the refit network: {search.score(X_test, y_test):.3f}")

print("\nAll pairs, best first:")
table = pd.DataFrame(search.cv_results_)[
    ["rank_test_score", "param_l1", "param_l2", "mean_test_score", "std_test_score", "mean_n_iter"]
]
print(table.sort_values("rank_test_score", kind="stable").to_string(index=False))

grid = GridSearchCV(
    L1L2Classifier(**network), {"l1": l1s, "l2": l2s}, cv=cv, refit=False
).fit(X_train, y_train)
same = np.array_equal(search.cv_results_["mean_test_score"], grid.cv_results_["mean_test_score"])
print(f"\nGridSearchCV over L1L2Classifier gives identical mean scores: {same}")
print(f"Same best pair: {search.best_params_ == grid.best_params_}")
