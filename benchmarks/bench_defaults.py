"""The default settings on real small data: L1L2Classifier() vs MLPClassifier() (issue 9) and
vs elastic-net LogisticRegression.

For sklearn's iris, wine, breast_cancer and digits and the README recipe
(``make_classification(n_samples=1000, n_features=20, n_informative=10, n_redundant=5,
random_state=42)``): 5-fold ``StratifiedKFold(shuffle=True, random_state=0)``, in each fold
``make_pipeline(StandardScaler(), L1L2Classifier(random_state=s))`` and the same with
``MLPClassifier(random_state=s)`` and with the elastic-net
``LogisticRegression(solver="saga", l1_ratio=0.5, random_state=s)``, and ours without hidden
layers (``L1L2Classifier(hidden_layer_sizes=(), random_state=s)``, the same linear model)
against the latter, every other parameter at its default. Per data set: epochs (iterations)
used (mean, max), folds that converged (no ConvergenceWarning), mean accuracy, the accuracy
difference in test rows, mean fit time; then a count of every ConvergenceWarning (and any other
warning) the fits raised. The recipe's data at
5,000, 20,000 and 100,000 rows can be asked for by name (``--datasets recipe_5000,...``).

    python benchmarks/bench_defaults.py [--seeds 1] [--datasets iris,wine] [--quick]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse
import collections
import inspect
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Classifier

N_SPLITS = 5


def readme_recipe(n_samples=1000):
    return make_classification(
        n_samples=n_samples, n_features=20, n_informative=10, n_redundant=5, random_state=42
    )


DATASETS = {
    "iris": lambda: load_iris(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "readme": readme_recipe,
}
# The recipe's data at the sizes the product is also judged at; by name only (5-fold runs at
# 100,000 rows take minutes per seed).
LARGER = {f"recipe_{n}": (lambda n=n: readme_recipe(n)) for n in (5000, 20000, 100000)}


def elastic_net_penalty():
    """What asks ``LogisticRegression`` (or its CV) for the elastic net besides ``l1_ratio``:
    nothing since scikit-learn 1.8, which deprecated ``penalty``; before it, that param."""
    penalty = inspect.signature(LogisticRegression).parameters["penalty"].default
    return {} if penalty == "deprecated" else {"penalty": "elasticnet"}


def elastic_net(random_state):
    """``LogisticRegression`` with the elastic-net penalty, half L1 and half L2, at ``C=1``: the
    linear model with our kind of penalty (saga is the solver that takes it)."""
    return LogisticRegression(
        solver="saga", l1_ratio=0.5, random_state=random_state, **elastic_net_penalty()
    )


def our_linear_model(random_state):
    """Ours without hidden layers: the output layer on the features, an L1-L2-penalized
    logistic (softmax) regression, the same model as the elastic-net ``LogisticRegression``."""
    return L1L2Classifier(hidden_layer_sizes=(), random_state=random_state)


ESTIMATORS = {
    "ours": L1L2Classifier,
    "mlp": MLPClassifier,
    "enet": elastic_net,
    "linear": our_linear_model,
}
LABELS = {
    "ours": "L1L2Classifier",
    "mlp": "MLPClassifier",
    "enet": "LogisticRegression (elastic net)",
    "linear": "L1L2Classifier(hidden_layer_sizes=())",
}
# Each table: one estimator against another, with the short names of its columns.
COMPARISONS = [("ours", "mlp"), ("ours", "enet"), ("linear", "enet")]
SHORT = {"ours": "ours", "mlp": "MLP", "enet": "enet", "linear": "ours ()"}
UNITS = {"ours": "epochs", "mlp": "epochs", "enet": "iterations", "linear": "epochs"}


def fit_and_score(kind, random_state, X_train, y_train, X_test, y_test):
    """Fit the default pipeline, recording its warnings; returns a dict of what happened."""
    pipeline = make_pipeline(StandardScaler(), ESTIMATORS[kind](random_state=random_state))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # every warning, ConvergenceWarning included
        start = time.perf_counter()
        pipeline.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    convergence = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    others = collections.Counter(
        f"{w.category.__name__}: {str(w.message).splitlines()[0][:80]}"
        for w in caught
        if not issubclass(w.category, ConvergenceWarning)
    )
    correct = int(np.sum(pipeline.predict(X_test) == y_test))
    return dict(
        seconds=seconds,
        epochs=int(np.max(pipeline[-1].n_iter_)),  # LogisticRegression's: an array
        convergence_warnings=convergence,
        other_warnings=others,
        correct=correct,
        accuracy=correct / len(y_test),
    )


def warm(X, y):
    """Untimed 1-epoch fits of our two networks and MLPClassifier on this data set (ours traces
    its training function once per network structure; the first fold would otherwise carry that
    ~0.3 s)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_pipeline(StandardScaler(), L1L2Classifier(epochs=1)).fit(X, y)
        make_pipeline(StandardScaler(), L1L2Classifier(hidden_layer_sizes=(), epochs=1)).fit(X, y)
        make_pipeline(StandardScaler(), MLPClassifier(max_iter=1)).fit(X, y)


def run(names, seeds, max_folds):
    results = {}
    for name in names:
        X, y = {**DATASETS, **LARGER}[name]()
        warm(X, y)
        folds = list(StratifiedKFold(N_SPLITS, shuffle=True, random_state=0).split(X, y))
        records = {kind: [] for kind in ESTIMATORS}
        test_sizes = []
        for seed in range(seeds):
            for fold, (train, test) in enumerate(folds[:max_folds]):
                random_state = seed * N_SPLITS + fold
                c.progress(f"  {name}: seed {seed}, fold {fold} (random_state={random_state}) ...")
                kinds = list(ESTIMATORS)
                order = kinds[fold % len(kinds) :] + kinds[: fold % len(kinds)]
                for kind in order:
                    records[kind].append(
                        fit_and_score(kind, random_state, X[train], y[train], X[test], y[test])
                    )
                test_sizes.append(len(test))
        results[name] = dict(
            shape=X.shape, classes=len(np.unique(y)), records=records, test_sizes=test_sizes
        )
    return results


def _epochs(records):
    values = [r["epochs"] for r in records]
    return f"{statistics.mean(values):.0f} / {max(values)}"


def _converged(records):
    return f"{sum(r['convergence_warnings'] == 0 for r in records)}/{len(records)}"


def _mean(records, key):
    return statistics.mean(r[key] for r in records)


def summary_row(name, result, mine, peer):
    """One table row: estimator ``mine`` against ``peer`` (keys of ``ESTIMATORS``) on data set
    ``name``."""
    ours, theirs = result["records"][mine], result["records"][peer]
    # Mean over folds of (rows ours got right − rows the peer got right) = accuracy
    # difference × fold test size.
    row_difference = statistics.mean(o["correct"] - t["correct"] for o, t in zip(ours, theirs))
    rows, features = result["shape"]
    return [
        f"{name} ({rows}×{features}, {result['classes']} classes)",
        _epochs(ours),
        _epochs(theirs),
        _converged(ours),
        _converged(theirs),
        f"{_mean(ours, 'accuracy'):.4f}",
        f"{_mean(theirs, 'accuracy'):.4f}",
        f"{row_difference:+.2f} of {statistics.mean(result['test_sizes']):.0f}",
        c.fmt_seconds(_mean(ours, "seconds")),
        c.fmt_seconds(_mean(theirs, "seconds")),
        c.fmt_ratio(_mean(ours, "seconds"), _mean(theirs, "seconds")),
    ]


def report(args, results):
    c.emit(c.machine_header())
    c.emit()
    folds_used = min(args.max_folds, N_SPLITS)
    fold_text = (
        f"all {N_SPLITS} folds"
        if folds_used == N_SPLITS
        else f"the first {folds_used} of the {N_SPLITS} folds"
    )
    c.emit(
        "`make_pipeline(StandardScaler(), L1L2Classifier(random_state=s))` vs the same with "
        "`MLPClassifier(random_state=s)` and with the elastic-net `LogisticRegression("
        'solver="saga", l1_ratio=0.5, random_state=s)`, and ours without hidden layers, '
        '`L1L2Classifier(hidden_layer_sizes=(), random_state=s)` ("ours ()"), against the '
        "latter; every other parameter "
        f"at its default; `StratifiedKFold({N_SPLITS}, shuffle=True, random_state=0)`, "
        f"{fold_text}, {args.seeds} seed(s): s = seed·{N_SPLITS} + fold. Epochs: n_iter_ (mean "
        "/ max; LogisticRegression's iterations are saga's passes over the data, at most 100 "
        "by default); converged: fits without a ConvergenceWarning; Δ rows: mean over folds of "
        "the test rows the first classified right minus the second's (accuracy difference × "
        "fold test size); fit: mean wall time of the pipeline's fit, after an untimed 1-epoch "
        "fit of our two networks and MLPClassifier on the data set (ours traces once per "
        "network structure)."
    )
    for mine, peer in COMPARISONS:
        c.emit()
        me, them = SHORT[mine], SHORT[peer]
        headers = [
            "data set",
            f"{me} {UNITS[mine]}",
            f"{them} {UNITS[peer]}",
            f"{me} converged",
            f"{them} converged",
            f"{me} accuracy",
            f"{them} accuracy",
            f"Δ rows ({me} − {them})",
            f"{me} fit",
            f"{them} fit",
            f"{me} / {them}",
        ]
        rows = [summary_row(name, result, mine, peer) for name, result in results.items()]
        c.emit(c.markdown_table(headers, rows))
    c.emit()
    for kind, label in LABELS.items():
        records = [r for result in results.values() for r in result["records"][kind]]
        warnings_count = sum(r["convergence_warnings"] for r in records)
        others = sum((r["other_warnings"] for r in records), collections.Counter())
        other_text = (
            "; other warnings: " + "; ".join(f"{n}× {text}" for text, n in others.most_common())
            if others
            else "; no other warnings"
        )
        c.emit(
            f"{label}: {warnings_count} ConvergenceWarning(s) in {len(records)} fits on "
            f"{len(results)} data set(s){other_text}."
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seeds", type=int, default=1, help="repeat the folds over N seeds (default 1)"
    )
    parser.add_argument(
        "--datasets",
        default=",".join(DATASETS),
        help=f"comma-separated names from {','.join([*DATASETS, *LARGER])} (default: "
        f"{','.join(DATASETS)})",
    )
    parser.add_argument(
        "--max-folds",
        type=int,
        default=N_SPLITS,
        help=f"use only the first N of the {N_SPLITS} folds",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: the first 2 folds, 1 seed")
    c.add_thread_args(parser, blas_default=1)
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.datasets.split(",") if name.strip()]
    unknown = sorted(set(names) - set(DATASETS) - set(LARGER))
    if unknown or not names:
        parser.error(
            f"unknown data set(s): {', '.join(unknown) or 'none given'}; choose from "
            f"{', '.join([*DATASETS, *LARGER])}"
        )
    if args.seeds < 1 or args.max_folds < 1:
        parser.error("--seeds and --max-folds must be at least 1")
    c.apply_thread_args(args)
    if args.quick:
        args.seeds, args.max_folds = 1, 2
    c.quiet()
    c.warm_up()
    results = run(names, args.seeds, args.max_folds)
    report(args, results)


if __name__ == "__main__":
    main()
