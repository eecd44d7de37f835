"""Fit and predict time of L1L2Classifier vs MLPClassifier as data grows (issue 3 network).

1k, 10k and 100k rows x 20 and 200 features of make_classification data (3 classes, 75/25 split),
hidden (64, 32), batch 64, Adam lr 1e-3, l1=1e-5 / l2=1e-4 (MLPClassifier: alpha=2*64*l2), and
5 epochs by default to keep the 100k runs bounded. Predict is timed on all test rows.

    python benchmarks/bench_scaling.py [--epochs 5] [--repeats 3] [--quick]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse

from sklearn.metrics import accuracy_score


def measure(estimators, X_train, X_test, y_train, y_test, repeats, calls, max_seconds):
    """For each of ``estimators``: the median fit over ``repeats`` fresh clones, the estimators
    interleaved (so that a slow spell of a shared machine falls on both), after an untimed fit
    on 100 rows (which, for ours, traces the training function of the architecture: a process
    pays that once, not per size); then the median predict and the accuracy."""
    for estimator in estimators:
        c.median_fit_time(estimator, X_train[:100], y_train[:100], 1)
    times, fitted = c.interleaved_fit_times(estimators, X_train, y_train, repeats)
    return [
        (
            c.median(fit_times),
            c.median_call_time(lambda: model.predict(X_test), calls, max_seconds),
            accuracy_score(y_test, model.predict(X_test)),
        )
        for fit_times, model in zip(times, fitted)
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs of every fit")
    parser.add_argument("--repeats", type=int, default=3, help="fits per cell (median)")
    parser.add_argument("--calls", type=int, default=20, help="timed predict calls (median)")
    parser.add_argument("--max-seconds", type=float, default=2.0, help="budget per predict cell")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000],
                        help="rows of each data set")
    parser.add_argument("--features", type=int, nargs="+", default=[20, 200],
                        help="features of each data set")
    parser.add_argument(
        "--quick", action="store_true",
        help="the --sizes up to 10k rows (else 1k and 10k), 1 fit: a smoke run",
    )
    c.add_thread_args(parser, blas_default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = [s for s in args.sizes if s <= 10_000] or [1_000, 10_000]
        args.repeats, args.calls, args.max_seconds = 1, 10, 1.0
    c.apply_thread_args(args)
    c.quiet()
    c.warm_up()

    rows = []
    for n_features in args.features:
        for n_samples in args.sizes:
            X_train, X_test, y_train, y_test = c.make_data(n_samples, n_features)
            cell = [X_train, X_test, y_train, y_test, args.repeats, args.calls, args.max_seconds]
            c.progress(f"{n_samples} x {n_features}: ours and MLPClassifier ...")
            ours, mlp = measure([c.ours(epochs=args.epochs), c.mlp(epochs=args.epochs)], *cell)
            rows.append(
                [
                    f"{n_samples:,}",
                    n_features,
                    c.fmt_seconds(ours[0]),
                    c.fmt_seconds(mlp[0]),
                    c.fmt_ratio(ours[0], mlp[0]),
                    f"{len(X_test):,}",
                    c.fmt_seconds(ours[1]),
                    c.fmt_seconds(mlp[1]),
                    c.fmt_ratio(ours[1], mlp[1]),
                    f"{ours[2]:.3f} / {mlp[2]:.3f}",
                ]
            )

    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"make_classification, 3 classes, 75/25 split; hidden {c.HIDDEN}, **{args.epochs} epochs** "
        f"(all trained: tol=0), batch {c.BATCH_SIZE}, Adam lr {c.LEARNING_RATE}, l1={c.L1}, "
        f"l2={c.L2} (MLPClassifier: alpha={c.mlp_alpha():g}, no L1). Fit: median of "
        f"{args.repeats} fresh clone(s), ours and MLPClassifier interleaved, after an untimed "
        "fit on 100 rows (ours traces its training "
        "function there, once per process and architecture; the first fit of a process is in "
        "bench_small_data.py and bench_compare.py), rows = training rows + test rows; predict: "
        f"all test rows, median of up to {args.calls} calls after a warm-up. Ratio = ours / "
        "MLPClassifier. Once-per-process start-up is paid by an untimed warm-up."
    )
    c.emit()
    c.emit(
        c.markdown_table(
            [
                "rows",
                "features",
                "fit ours",
                "fit MLP",
                "ratio",
                "test rows",
                "predict ours",
                "predict MLP",
                "ratio",
                "accuracy ours / MLP",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
