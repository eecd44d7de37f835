"""TensorFlow's thread pools on a small machine: the package's setting against TensorFlow's own.

On a machine (or CPU set) of at most 2 cores, importing the package gives TensorFlow's intra-op
pool 1 thread and leaves the inter-op pool at its default (``_environment``);
``L1L2_ESTIMATOR_TF_THREADS=0`` keeps TensorFlow's defaults (a thread per core in each pool).
This script times the same work under both, each in fresh processes that take turns, and prints
the median over processes of the fastest run in each, and their ratio: single fits of
``L1L2Classifier`` (breast_cancer, hidden (100,), 20 and 200 epochs; ``make_classification``
n×20, hidden (64, 32), 1,000 rows for 20 epochs and 20,000 rows for 5) and ``L1L2ClassifierCV``
searches without refit (4 × 4 grid, 5 folds, exactly 30 epochs: breast_cancer and digits with
hidden (64,), ``make_classification`` 1,000×20 with hidden (64, 32)), each after one that
traces. ``--processes N`` (default 3) processes per setting; ``--quick`` for a smoke run.
Figures, never pass/fail.
"""

import argparse
import os

import _common
import numpy as np

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.preprocessing import StandardScaler
import tensorflow as tf
from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV

quick = sys.argv[1] == "quick"
repeats = 2 if quick else 7
cv_epochs = 3 if quick else 30


def fastest(make, X, y, repeats):
    make().fit(X, y)  # traces
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        make().fit(X, y)
        times.append(time.perf_counter() - start)
    return min(times)


def exact(**params):
    epochs = params["epochs"]
    return lambda: L1L2Classifier(**params, tol=0.0, n_iter_no_change=epochs, random_state=0)


grid = [0.0, 1e-5, 1e-4, 1e-3]


def search(hidden):
    return lambda: L1L2ClassifierCV(
        l1s=grid, l2s=grid, cv=5, hidden_layer_sizes=hidden, epochs=cv_epochs, tol=0.0,
        n_iter_no_change=cv_epochs, random_state=0, refit=False,
    )


out = {"intra": tf.config.threading.get_intra_op_parallelism_threads(),
       "inter": tf.config.threading.get_inter_op_parallelism_threads()}
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
for epochs in (20, 200):
    out[f"breast_cancer, (100,), {epochs} epochs"] = fastest(
        exact(hidden_layer_sizes=(100,), epochs=epochs), X, y, repeats)
for rows, epochs in ((1000, 20), (20000, 5)):
    Xm, ym = make_classification(n_samples=rows, n_features=20, n_informative=10, n_classes=3,
                                 random_state=0)
    out[f"make_classification {rows:,}x20, (64, 32), {epochs} epochs"] = fastest(
        exact(hidden_layer_sizes=(64, 32), epochs=epochs), Xm, ym, repeats)
Xm, ym = make_classification(n_samples=1000, n_features=20, n_informative=10, n_redundant=5,
                             n_classes=3, random_state=0)
Xd, yd = load_digits(return_X_y=True)
scores = {}
for name, (Xs, ys, hidden) in {
    "breast_cancer": (X, y, (64,)),
    "make_classification 1,000x20": (StandardScaler().fit_transform(Xm), ym, (64, 32)),
    "digits": (StandardScaler().fit_transform(Xd), yd, (64,)),
}.items():
    out[f"L1L2ClassifierCV {name}, {cv_epochs} epochs"] = fastest(
        search(hidden), Xs, ys, max(1, repeats // 2))
    scores[name] = [float(m) for m in search(hidden)().fit(Xs, ys).cv_results_["mean_test_score"]]
out["scores"] = scores
print(json.dumps(out))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=3, help="processes per setting")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 process, short work")
    args = parser.parse_args()
    processes = 1 if args.quick else args.processes
    settings = {"package": "1", "TensorFlow's defaults": "0"}
    results = {name: [] for name in settings}
    for run in range(processes):
        for name, switch in settings.items():
            _common.progress(f"  {name} ({run + 1}/{processes}) ...")
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("TF_NUM_", "OMP_NUM_THREADS"))}
            env["L1L2_ESTIMATOR_TF_THREADS"] = switch
            results[name].append(
                _common.python_json(CHILD, ["quick" if args.quick else "full"], env=env)
            )
    _common.emit(_common.machine_header())
    ours, theirs = (results[name] for name in settings)
    _common.emit(
        f"\nThread pools (intra-op/inter-op; 0 = TensorFlow's default, a thread per core): "
        f"package {ours[0]['intra']}/{ours[0]['inter']}, "
        f"TensorFlow's defaults {theirs[0]['intra']}/{theirs[0]['inter']}; median of "
        f"{processes} process(es) each, taking turns, of the fastest of several fits in each "
        "(fresh clones, after one that traces; exactly the given epochs; the searches without "
        "refit)."
    )
    rows = []
    for key in ours[0]:
        if key in ("intra", "inter", "scores"):
            continue
        a = _common.median([r[key] for r in ours])
        b = _common.median([r[key] for r in theirs])
        rows.append([key, _common.fmt_seconds(a), _common.fmt_seconds(b), f"{a / b:.2f}×"])
    _common.emit(_common.markdown_table(
        ["work", "package (1 intra-op thread)", "TensorFlow's defaults", "package / defaults"],
        rows
    ))
    # Per search, NaN (a failed candidate) equals NaN here: both settings failed it.
    same = all(
        r["scores"].keys() == ours[0]["scores"].keys()
        and all(
            np.array_equal(scores, ours[0]["scores"][name], equal_nan=True)
            for name, scores in r["scores"].items()
        )
        for r in ours + theirs
    )
    _common.emit(
        f"\nL1L2ClassifierCV mean scores identical under both settings: {'yes' if same else 'NO'}"
    )


if __name__ == "__main__":
    main()
