"""Searching the penalty: L1L2ClassifierCV() against the elastic-net LogisticRegressionCV.

The linear model with our kind of penalty searches its own penalty grid, as ours does. For
sklearn's iris, wine, breast_cancer and digits and the README recipe, each search in
``make_pipeline(StandardScaler(), ...)`` is scored by nested cross-validation: an outer 5-fold
``StratifiedKFold(shuffle=True, random_state=0)``, each search running its own inner 5 folds on
the outer training rows:

- ``L1L2ClassifierCV(random_state=0)`` at its defaults: ``l1`` × ``l2`` over {0, 1e-5, 1e-4,
  1e-3} each, 16 pairs;
- ``LogisticRegressionCV(Cs=4, l1_ratios=(0, 1/3, 2/3, 1), solver="saga", scoring="accuracy",
  random_state=0)``: 16 pairs of ``C`` (its own log-spaced grid from 1e-4 to 1e4) and L1 share;
  saga is the solver that takes an elastic net.

Per data set: the outer folds' mean accuracy, the difference in test rows, each search's mean
wall time and their ratio, the penalties each chose most often, and the ConvergenceWarnings
each raised. Ours runs once, untimed, with 1 epoch on each data set first (it traces its graphs
once per network structure).

    python benchmarks/bench_linear.py [--datasets iris,wine] [--max-folds N] [--quick]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse
import collections
import inspect
import statistics
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bench_defaults import DATASETS, _mean, elastic_net_penalty
from l1l2_estimator import L1L2ClassifierCV

N_SPLITS = 5
L1_RATIOS = (0.0, 1 / 3, 2 / 3, 1.0)


def linear_search():
    """The elastic-net ``LogisticRegressionCV`` over 4 × 4 pairs. ``use_legacy_attributes``
    (scikit-learn 1.8 and later) is set to the coming default, under which ``C_`` and
    ``l1_ratio_`` are plain floats."""
    named = elastic_net_penalty()
    if "use_legacy_attributes" in inspect.signature(LogisticRegressionCV).parameters:
        named["use_legacy_attributes"] = False
    return LogisticRegressionCV(
        Cs=4,
        l1_ratios=L1_RATIOS,
        solver="saga",
        scoring="accuracy",
        random_state=0,
        **named,
    )


def chosen(kind, search):
    if kind == "ours":
        return f"l1={search.l1_:g}, l2={search.l2_:g}"
    C, ratio = np.ravel(search.C_)[0], np.ravel(search.l1_ratio_)[0]
    return f"C={C:.3g}, l1_ratio={ratio:.2g}"


def fit_and_score(kind, X_train, y_train, X_test, y_test, epochs):
    search = L1L2ClassifierCV(random_state=0, **epochs) if kind == "ours" else linear_search()
    pipeline = make_pipeline(StandardScaler(), search)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        pipeline.fit(X_train, y_train)
        seconds = time.perf_counter() - start
    correct = int(np.sum(pipeline.predict(X_test) == y_test))
    return dict(
        seconds=seconds,
        correct=correct,
        accuracy=correct / len(y_test),
        chosen=chosen(kind, pipeline[-1]),
        convergence_warnings=sum(issubclass(w.category, ConvergenceWarning) for w in caught),
    )


def run(names, max_folds, epochs):
    results = {}
    for name in names:
        X, y = DATASETS[name]()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make_pipeline(StandardScaler(), L1L2ClassifierCV(epochs=1)).fit(X, y)
        folds = list(StratifiedKFold(N_SPLITS, shuffle=True, random_state=0).split(X, y))
        records = {"ours": [], "linear": []}
        test_sizes = []
        for fold, (train, test) in enumerate(folds[:max_folds]):
            c.progress(f"  {name}: outer fold {fold} ...")
            order = ["ours", "linear"] if fold % 2 == 0 else ["linear", "ours"]
            for kind in order:
                records[kind].append(
                    fit_and_score(kind, X[train], y[train], X[test], y[test], epochs)
                )
            test_sizes.append(len(test))
        results[name] = dict(
            shape=X.shape, classes=len(np.unique(y)), records=records, test_sizes=test_sizes
        )
    return results


def report(args, results):
    c.emit(c.machine_header())
    c.emit()
    c.emit(
        "Nested cross-validation: outer `StratifiedKFold(5, shuffle=True, random_state=0)`, "
        f"{min(args.max_folds, N_SPLITS)} fold(s); in each, `make_pipeline(StandardScaler(), "
        "L1L2ClassifierCV(random_state=0))` (l1 × l2 over {0, 1e-5, 1e-4, 1e-3}, inner cv=5) "
        "and `make_pipeline(StandardScaler(), LogisticRegressionCV(Cs=4, l1_ratios=(0, 1/3, "
        '2/3, 1), solver="saga", scoring="accuracy", random_state=0))` (inner cv=5). Δ rows: '
        "mean over outer folds of the test rows ours classified right minus the linear "
        "search's; search: mean wall time of the pipeline's fit (ours after an untimed 1-epoch "
        "search on the data set); chosen: the pair picked most often, and in how many folds; "
        "warnings: the ConvergenceWarnings the searches raised in all (the linear search "
        "raises one for each of its fits that stops at max_iter, 100 passes of saga)."
    )
    c.emit()
    headers = [
        "data set",
        "ours accuracy",
        "linear accuracy",
        "Δ rows (ours − linear)",
        "ours search",
        "linear search",
        "ours / linear",
        "ours chose",
        "linear chose",
        "warnings (ours, linear)",
    ]
    rows = []
    for name, result in results.items():
        ours, linear = result["records"]["ours"], result["records"]["linear"]

        def most_common(records):
            pair, count = collections.Counter(r["chosen"] for r in records).most_common(1)[0]
            return f"{pair} ({count}/{len(records)})"

        n_rows, features = result["shape"]
        test_rows = statistics.mean(result["test_sizes"])
        difference = statistics.mean(o["correct"] - x["correct"] for o, x in zip(ours, linear))
        rows.append(
            [
                f"{name} ({n_rows}×{features}, {result['classes']} classes)",
                f"{_mean(ours, 'accuracy'):.4f}",
                f"{_mean(linear, 'accuracy'):.4f}",
                f"{difference:+.2f} of {test_rows:.0f}",
                c.fmt_seconds(_mean(ours, "seconds")),
                c.fmt_seconds(_mean(linear, "seconds")),
                c.fmt_ratio(_mean(ours, "seconds"), _mean(linear, "seconds")),
                most_common(ours),
                most_common(linear),
                f"{sum(r['convergence_warnings'] for r in ours)}, "
                f"{sum(r['convergence_warnings'] for r in linear)}",
            ]
        )
    c.emit(c.markdown_table(headers, rows))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets",
        default=",".join(DATASETS),
        help=f"comma-separated subset of {','.join(DATASETS)} (default: all)",
    )
    parser.add_argument(
        "--max-folds",
        type=int,
        default=N_SPLITS,
        help=f"use only the first N of the {N_SPLITS} outer folds",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 1 outer fold, ours at most 5 epochs"
    )
    c.add_thread_args(parser, blas_default=1)
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.datasets.split(",") if name.strip()]
    unknown = sorted(set(names) - set(DATASETS))
    if unknown or not names:
        parser.error(
            f"unknown data set(s): {', '.join(unknown) or 'none given'}; choose from "
            f"{', '.join(DATASETS)}"
        )
    if args.max_folds < 1:
        parser.error("--max-folds must be at least 1")
    c.apply_thread_args(args)
    epochs = {}
    if args.quick:
        args.max_folds, epochs = 1, {"epochs": 5}
    c.quiet()
    c.warm_up()
    report(args, run(names, args.max_folds, epochs))


if __name__ == "__main__":
    main()
