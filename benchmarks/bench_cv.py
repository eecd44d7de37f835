"""L1L2ClassifierCV (the l1 × l2 grid and every fold trained at once) against GridSearchCV.

For each setting, side by side in one run, each timed in a fresh process (so that every figure
includes what the first search of a process pays: for ours, tracing the training graph; for
GridSearchCV with n_jobs=2, starting two worker processes that import TensorFlow):

* ``L1L2ClassifierCV(l1s, l2s, cv)`` (refit included), and the same search again in that process;
* ``GridSearchCV(L1L2Classifier(...), {"l1": l1s, "l2": l2s}, cv, n_jobs=2)``, and the same search
  again in that process (workers already started, training graphs already traced);
* ``GridSearchCV(MLPClassifier(...), {"alpha": 16 values}, cv, n_jobs=2)``.

It prints the wall times, the ratios to ours (first search against first search, and again
against again), our peak resident memory (and how much of it the search added to the process
after its imports), and whether our ``cv_results_`` equal GridSearchCV's (the largest difference
of ``mean_test_score`` and whether the best pair is the same).

    python benchmarks/bench_cv.py [--quick] [--repeats 3] [--settings breast_cancer,digits,...]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse
import json

# (name, data, hidden layers, folds, epochs); the grid is 4 × 4 everywhere.
SETTINGS = {
    "breast_cancer": ("breast_cancer", (64,), 5, 100),
    "make_classification_1000x20": ("make_1000", (64, 32), 5, 100),
    "make_classification_5000x20": ("make_5000", (64, 32), 3, 10),
    "digits": ("digits", (64,), 5, 100),
}
L1S = [0.0, 1e-5, 1e-4, 1e-3]
L2S = [0.0, 1e-5, 1e-4, 1e-3]
ALPHAS = [float(a) for a in (0.0, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0,
                             3.0, 10.0, 30.0, 100.0)]

# The code each fresh process runs: load the data, then time one kind of search, print JSON.
PROCESS = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
setting = json.loads(sys.argv[1])
kind = sys.argv[2]
import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.preprocessing import StandardScaler
data = setting["data"]
if data == "breast_cancer":
    X, y = load_breast_cancer(return_X_y=True)
elif data == "digits":
    X, y = load_digits(return_X_y=True)
else:
    n = int(data.split("_")[1])
    X, y = make_classification(n_samples=n, n_features=20, n_informative=10, n_redundant=5,
                               n_classes=3, random_state=0)
X = StandardScaler().fit_transform(X)
network = dict(hidden_layer_sizes=tuple(setting["hidden"]), epochs=setting["epochs"],
               random_state=0)
from sklearn.model_selection import GridSearchCV
if kind == "ours":
    from l1l2_estimator import L1L2ClassifierCV
    search = L1L2ClassifierCV(l1s=setting["l1s"], l2s=setting["l2s"], cv=setting["folds"],
                              **network)
elif kind == "grid":
    from l1l2_estimator import L1L2Classifier
    search = GridSearchCV(L1L2Classifier(**network), {"l1": setting["l1s"], "l2": setting["l2s"]},
                          cv=setting["folds"], n_jobs=2)
else:
    from sklearn.neural_network import MLPClassifier
    search = GridSearchCV(MLPClassifier(hidden_layer_sizes=tuple(setting["hidden"]),
                                        max_iter=setting["epochs"], random_state=0),
                          {"alpha": setting["alphas"]}, cv=setting["folds"], n_jobs=2)
before_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
times = []
for _ in range(1 if kind == "mlp" else 2):
    start = time.perf_counter()
    search.fit(X, y)
    times.append(time.perf_counter() - start)
print(json.dumps({
    "seconds": times,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "before_mib": before_mib,
    "means": [float(m) for m in search.cv_results_["mean_test_score"]],
    "best": int(search.best_index_),
}))
"""


def run_setting(name, quick, repeats):
    """Each kind of search ``repeats`` times, the kinds taking turns (so that a slow spell of a
    shared machine does not fall on one of them); the median of each figure."""
    data, hidden, folds, epochs = SETTINGS[name]
    if quick:
        folds, epochs = 2, min(epochs, 5)
    setting = dict(data=data, hidden=hidden, folds=folds, epochs=epochs, l1s=L1S, l2s=L2S,
                   alphas=ALPHAS)
    runs = {kind: [] for kind in ("ours", "grid", "mlp")}
    for repeat in range(repeats):
        for kind in runs:
            c.progress(f"{name}: {kind} ({repeat + 1}/{repeats})")
            runs[kind].append(c.python_json(PROCESS, [json.dumps(setting), kind], timeout=3600))
    results = {}
    for kind, outputs in runs.items():
        results[kind] = {
            **outputs[0],
            "seconds": [c.median(list(times)) for times in zip(*(o["seconds"] for o in outputs))],
            "peak_mib": max(o["peak_mib"] for o in outputs),
            "growth_mib": max(o["peak_mib"] - o["before_mib"] for o in outputs),
        }
    return setting, results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 folds, at most 5 epochs")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each search (median)")
    parser.add_argument(
        "--settings",
        default=",".join(SETTINGS),
        help=f"comma-separated subset of {', '.join(SETTINGS)}",
    )
    args = parser.parse_args(argv)
    c.quiet()
    rows = []
    for name in args.settings.split(","):
        setting, results = run_setting(name, args.quick, args.repeats)
        ours, grid, mlp = results["ours"], results["grid"], results["mlp"]
        ours_seconds = ours["seconds"][0]
        difference = max(abs(a - b) for a, b in zip(ours["means"], grid["means"]))
        rows.append([
            name,
            f"{setting['folds']}",
            f"{setting['epochs']}",
            f"{len(L1S) * len(L2S) * setting['folds']}",
            c.fmt_seconds(ours_seconds),
            c.fmt_seconds(ours["seconds"][1]),
            f"{ours['peak_mib']:.0f} MiB (+{ours['growth_mib']:.0f})",
            c.fmt_seconds(grid["seconds"][0]),
            f"{grid['seconds'][0] / ours_seconds:.1f}×",
            c.fmt_seconds(grid["seconds"][1]),
            f"{grid['seconds'][1] / ours['seconds'][1]:.1f}×",
            c.fmt_seconds(mlp["seconds"][0]),
            f"{mlp['seconds'][0] / ours_seconds:.1f}×",
            f"{difference:.1e}",
            "yes" if ours["best"] == grid["best"] else "no",
        ])
    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"4 × 4 grid (l1 in {L1S}, l2 in {L2S}); every figure from a fresh process, first search "
        "included; 'again' is a second search in the same process (ratios: first against first, "
        "again against again); "
        "GridSearchCV n_jobs=2; "
        f"median of {args.repeats} runs, the searches taking turns"
    )
    c.emit(
        c.markdown_table(
            [
                "setting", "folds", "epochs", "members", "L1L2ClassifierCV", "again",
                "peak RSS (+ fit)",
                "GridSearchCV(ours)", "speed-up", "again", "speed-up", "GridSearchCV(MLP)",
                "speed-up", "max Δ mean score", "same best",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
