"""Side-by-side fit/predict timings and accuracy of four scikit-learn MLP classifiers (issue 3).

L1L2Classifier, sklearn's MLPClassifier, scikeras' KerasClassifier and keras.wrappers'
SKLearnClassifier, each on 5000x20 make_classification data (3 classes, 75/25 split), hidden
(64, 32), 20 epochs, batch 64, Adam lr 1e-3, L1=1e-5 / L2=1e-4 (MLPClassifier: L2 only).

    python benchmarks/bench_compare.py [--repeats 3] [--calls 100] [--quick]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse

from sklearn.metrics import accuracy_score


def estimator_groups(epochs):
    """The estimators in two groups, each with ``MLPClassifier``: ours, then the Keras peers.
    Each group's fits are interleaved with MLPClassifier's, and ours are timed before any Keras
    model is built or fitted in the process: fitted beside the Keras peers, our fits took
    1.07-1.16x MLPClassifier's, against 0.83-0.90x beside MLPClassifier alone (2026-12-06;
    MLPClassifier's own fits did not change)."""
    keras_est, keras_fit_params = c.keras_wrapper(epochs)
    mlp = ("sklearn MLPClassifier", c.mlp(epochs), {}, "predict_proba")
    return [
        # name, estimator, fit params, predict_proba-like method name
        [("L1L2Classifier (ours)", c.ours(epochs), {}, "predict_proba"), mlp],
        [
            ("scikeras KerasClassifier", c.plain_scikeras(epochs), {}, "predict_proba"),
            # SKLearnClassifier has no predict_proba; decision_function returns the softmax
            # outputs.
            ("keras SKLearnClassifier", keras_est, keras_fit_params, "decision_function"),
            mlp,
        ],
    ]


def run(repeats, calls, max_seconds, epochs, n_samples):
    """One result per estimator (MLPClassifier's from the first group) and, per group, the
    median of MLPClassifier's fits in it, which the group's fit ratios are taken against."""
    X_train, X_test, y_train, y_test = c.make_data(n_samples=n_samples)
    results, mlp_fits = [], []
    for number, entries in enumerate(estimator_groups(epochs)):
        if number:
            c.warm_up(keras_model=True)  # Keras' first model, for the Keras peers only
        group, mlp_fit = _run_group(entries, repeats, calls, max_seconds, X_train, X_test,
                                    y_train, y_test, skip_mlp=bool(number))
        results += group
        mlp_fits.append(mlp_fit)
    return results, mlp_fits, len(X_train), len(X_test)


def _run_group(entries, repeats, calls, max_seconds, X_train, X_test, y_train, y_test,
               skip_mlp):
    one_row = X_test[:1]
    # First fits: each estimator's first in this process (ours traces its training function
    # there); then the timed fits, the estimators interleaved so that they share the noise.
    first_fits = []
    for name, estimator, fit_params, _ in entries:
        c.progress(f"  {name}: first fit ...")
        first_fits.append(c.median_fit_time(estimator, X_train, y_train, 1, fit_params)[1])
    c.progress(f"  fitting each {repeats}x, interleaved ...")
    fit_times, fitted_all = c.interleaved_fit_times(
        [estimator for _, estimator, _, _ in entries], X_train, y_train, repeats,
        [fit_params for _, _, fit_params, _ in entries],
    )
    results, mlp_fit = [], None
    for (name, _, _, proba_method), first_fit, times, fitted in zip(
        entries, first_fits, fit_times, fitted_all
    ):
        if name.startswith("sklearn"):
            mlp_fit = c.median(times)
            if skip_mlp:
                continue
        c.progress(f"  {name}: predicting ...")
        proba = getattr(fitted, proba_method)
        results.append(
            dict(
                name=name,
                first_fit=first_fit,
                fit=c.median(times),
                mlp_fit=None,  # set below: MLPClassifier's median fit in this group
                predict_1=c.median_call_time(lambda: fitted.predict(one_row), calls, max_seconds),
                predict_all=c.median_call_time(lambda: fitted.predict(X_test), calls, max_seconds),
                proba_1=c.median_call_time(lambda: proba(one_row), calls, max_seconds),
                accuracy=accuracy_score(y_test, fitted.predict(X_test)),
                epochs_trained=_epochs_trained(fitted),
            )
        )
    for result in results:
        result["mlp_fit"] = mlp_fit
    return results, mlp_fit


def _epochs_trained(fitted):
    if hasattr(fitted, "n_iter_"):
        return fitted.n_iter_
    history = getattr(fitted, "history_", None)  # keras' SKLearnClassifier: a History object
    history = getattr(history, "history", history)
    return len(history["loss"]) if history else "?"


def report(results, mlp_fits, n_train, n_test, args):
    reference = next(r for r in results if r["name"].startswith("sklearn"))
    headers = [
        "estimator",
        "first fit",
        "× MLP",
        "fit",
        "× MLP",
        "predict 1 row",
        "× MLP",
        f"predict {n_test} rows",
        "× MLP",
        "predict_proba 1 row",
        "× MLP",
        "accuracy",
        "epochs",
    ]
    rows = []
    for r in results:
        row = [r["name"]]
        for key in ("first_fit", "fit", "predict_1", "predict_all", "proba_1"):
            # A fit against MLPClassifier's fits timed beside it, in its group.
            against = r["mlp_fit"] if key == "fit" else reference[key]
            row += [c.fmt_seconds(r[key]), c.fmt_ratio(r[key], against)]
        row += [f"{r['accuracy']:.4f}", r["epochs_trained"]]
        rows.append(row)
    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"Data: make_classification {n_train + n_test}x20, 3 classes, train {n_train} / test "
        f"{n_test}; hidden {c.HIDDEN}, {args.epochs} epochs, batch {c.BATCH_SIZE}, Adam lr "
        f"{c.LEARNING_RATE}, l1={c.L1}, l2={c.L2}. First fit: each estimator's first, in a "
        "process that has not yet trained this architecture; "
        f"fit: the median of {args.repeats} more fresh clones, in two groups each interleaved "
        "with MLPClassifier's fits, ours first, then the Keras peers (ours are timed before any "
        "plain Keras model is built in the process; each fit ratio is against MLPClassifier's "
        f"fits in its group: {c.fmt_seconds(mlp_fits[0])} beside ours, "
        f"{c.fmt_seconds(mlp_fits[1])} beside the Keras peers); "
        f"predict: median of up to {args.calls} calls (≤{args.max_seconds:g} s each) after a "
        "warm-up call. Once-per-process start-up (TF runtime, first Keras build) is paid by an "
        "untimed warm-up (a small Keras model's fit too, before the Keras peers' group). "
        "Every fit builds its own model; L1L2Classifier traces its training "
        "function "
        "once per architecture and process (the first fit) and reuses it after that, as in a grid "
        "search or cross-validation; the Keras wrappers trace on every fit."
    )
    c.emit()
    c.emit(c.markdown_table(headers, rows))
    c.emit()
    c.emit(
        f"Notes: MLPClassifier has no L1 term; alpha={c.mlp_alpha():g} = 2·batch_size·l2 gives the "
        "same per-step L2 gradient as Keras' l2 (2·n_samples·l2 would be the full-batch rule). "
        "keras SKLearnClassifier has no predict_proba: its column times decision_function "
        "(the softmax outputs); it one-hot encodes y, so its model uses categorical_crossentropy, "
        "and its epochs/batch_size are passed to fit() because its clone drops fit_kwargs. "
        "Keras' interactive logging is disabled (no progress bars). "
        "Accuracy is on the held-out 25 %."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="fits per estimator (median)")
    parser.add_argument("--calls", type=int, default=100, help="timed predict calls (median)")
    parser.add_argument(
        "--max-seconds", type=float, default=3.0, help="time budget per predict measurement"
    )
    parser.add_argument("--epochs", type=int, default=c.EPOCHS, help="epochs of every fit")
    parser.add_argument("--n-samples", type=int, default=5000, help="rows of the data")
    parser.add_argument(
        "--quick", action="store_true",
        help="1 fit, 20 calls: a smoke run (overrides --repeats and --calls)",
    )
    c.add_thread_args(parser, blas_default=1)
    args = parser.parse_args(argv)
    c.apply_thread_args(args)
    if args.quick:
        args.repeats, args.calls, args.max_seconds = 1, 20, 1.0
    c.quiet()
    c.warm_up()
    results, mlp_fits, n_train, n_test = run(
        args.repeats, args.calls, args.max_seconds, args.epochs, args.n_samples
    )
    report(results, mlp_fits, n_train, n_test, args)


if __name__ == "__main__":
    main()
