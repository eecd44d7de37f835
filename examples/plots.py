"""Pictures of a fitted model: its confusion matrix, its loss curve and a regularization path, as
three PNG files.

The path refits the pipeline for seven values of ``l1`` and shows the held-out accuracy and each
feature's importance (the L2 norm of its first-layer weights) against ``l1``: as the penalty grows,
the importances shrink overall (the weakest penalties may raise a few a little), and at the
strongest penalty most of the noise features' are exactly zero (the network applies the penalty
by a proximal step, ``proximal_l1=True``) while the four informative features keep theirs. Needs
matplotlib (``pip install "l1l2-estimator[plot]"``). Run it with
``python examples/plots.py [FOLDER]`` (default ``./plots``); it takes under half a minute.
"""

import argparse

import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Classifier
from l1l2_estimator.plots import regularization_path, save_plots

try:  # said before the fits, not after them
    import matplotlib  # noqa: F401
except ImportError:
    raise SystemExit('This example draws pictures: pip install "l1l2-estimator[plot]"') from None

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("folder", nargs="?", default="plots", help="where to write (default ./plots)")
folder = parser.parse_args().folder

# 3 classes, 12 features of which 4 informative, x0 to x3 (not shuffled), and 8 of noise: the
# path has something to switch off.
X, y = make_classification(
    n_samples=600,
    n_features=12,
    n_informative=4,
    n_redundant=0,
    n_classes=3,
    n_clusters_per_class=1,
    shuffle=False,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0, stratify=y
)
labels = np.array(["red", "green", "blue"])
y_train, y_test = labels[y_train], labels[y_test]

pipeline = make_pipeline(
    StandardScaler(),
    L1L2Classifier(
        hidden_layer_sizes=(32,),
        l1=1e-4,
        proximal_l1=True,
        random_state=0,
    ),
)
pipeline.fit(X_train, y_train)
print(f"Held-out accuracy (l1=1e-4): {pipeline.score(X_test, y_test):.3f}")

# 0, then six steps from 1e-5 to 3e-2; a fixed random_state makes l1 the only difference.
path = regularization_path(
    pipeline, X_train, y_train, X_test, y_test, [0.0, *np.geomspace(1e-5, 3e-2, 6)]
)
print("\nRegularization path:")
print(f"{'l1':>10} {'accuracy':>9} {'total importance':>17} {'features in use':>16}")
for l1, accuracy, importances in zip(path.l1_values, path.test_scores, path.feature_importances):
    in_use = np.count_nonzero(importances)
    print(f"{l1:>10.2g} {accuracy:>9.3f} {importances.sum():>17.2f} {in_use:>16d}")
last = path.feature_importances[-1]
informative = np.arange(last.size) < 4
noise = last[~informative]
print(
    f"\nAt l1={path.l1_values[-1]:.2g}: the informative features x0 to x3 keep importances of "
    f"{last[informative].min():.2f} to {last[informative].max():.2f}; "
    f"{np.count_nonzero(noise == 0)} of the {noise.size} noise features are exactly zero, "
    f"the largest noise importance is {noise.max():.3f}"
)

files = save_plots(pipeline, X_train, y_train, X_test, y_test, folder, path=path)
print()
for file in files.values():
    print(f"Wrote {file}")
