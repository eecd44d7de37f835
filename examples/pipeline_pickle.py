"""Saving a fitted Pipeline (StandardScaler + L1L2Classifier) with joblib and with pickle, then
loading both in a fresh Python process, which predicts exactly what the original does.

Run it with ``python examples/pipeline_pickle.py``; it exits with status 1 if any prediction
differs.
"""

import pickle
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import joblib
import numpy as np
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Classifier

X, y = make_classification(
    n_samples=300, n_features=10, n_classes=3, n_informative=5, random_state=0
)
labels = np.array(["low", "mid", "high"])[y]  # string labels survive the round trip too
pipeline = make_pipeline(
    StandardScaler(),
    L1L2Classifier(hidden_layer_sizes=(16,), l1=1e-4, l2=1e-4, random_state=0),
)
pipeline.fit(X, labels)

# The new process loads both files and writes what it predicts for X next to them.
LOAD_AND_PREDICT = textwrap.dedent(
    """
    import pickle, sys
    import joblib, numpy as np
    folder = sys.argv[1]
    X = np.load(f"{folder}/X.npy")
    from_joblib = joblib.load(f"{folder}/pipeline.joblib")
    with open(f"{folder}/pipeline.pkl", "rb") as file:
        from_pickle = pickle.load(file)
    np.savez(
        f"{folder}/predicted.npz",
        joblib_labels=from_joblib.predict(X),
        joblib_proba=from_joblib.predict_proba(X),
        pickle_labels=from_pickle.predict(X),
        pickle_proba=from_pickle.predict_proba(X),
    )
    """
)

with tempfile.TemporaryDirectory() as folder:
    folder = Path(folder)
    joblib.dump(pipeline, folder / "pipeline.joblib")
    with open(folder / "pipeline.pkl", "wb") as file:
        pickle.dump(pipeline, file)
    np.save(folder / "X.npy", X)
    sizes = {name: (folder / name).stat().st_size for name in ("pipeline.joblib", "pipeline.pkl")}
    print("Saved: " + ", ".join(f"{name} ({size / 1024:.0f} KiB)" for name, size in sizes.items()))

    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT, str(folder)], capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"The fresh process failed:\n{done.stderr}")
    with np.load(folder / "predicted.npz") as predicted:
        predicted = dict(predicted)

labels_here = pipeline.predict(X)
proba_here = pipeline.predict_proba(X)
print(f"Predicted here, first 8 rows: {labels_here[:8].tolist()}")
all_identical = True
for source in ("joblib", "pickle"):
    same_labels = np.array_equal(predicted[f"{source}_labels"], labels_here)
    same_proba = np.array_equal(predicted[f"{source}_proba"], proba_here)
    all_identical &= same_labels and same_proba
    print(
        f"Loaded from {source} in a new process: identical labels: {same_labels}, "
        f"identical probabilities: {same_proba}"
    )
sys.exit(0 if all_identical else 1)
