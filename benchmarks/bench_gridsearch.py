"""GridSearchCV wall time over a 4x4 l1/l2 grid, 3 folds, n_jobs=1 vs n_jobs=2 (issue 3 data).

L1L2Classifier on 5000x20 make_classification data (3 classes), hidden (64, 32), batch 64,
10 epochs; optionally MLPClassifier over 16 alpha values (the same number of fits) for reference.
With n_jobs=2 it also runs a tiny joblib call in each worker and reports the thread settings it
sees (TensorFlow intra/inter-op config and env, BLAS threads, OS threads after a small fit).

Each row is timed ``--repeats`` times (default 3), the rows taking turns (the order rotating
from repeat to repeat); it prints the median wall time and the fastest–slowest of each row.

    python benchmarks/bench_gridsearch.py [--epochs 10] [--repeats 3] [--no-mlp] [--quick]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse
import os
import time

import numpy as np
from joblib import Parallel, delayed
from joblib.externals.loky import get_reusable_executor
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from l1l2_estimator import L1L2Classifier

GRID_VALUES = [0.0, 1e-5, 1e-4, 1e-3]
# The "threads" column: the package's sizing of TensorFlow's pools in the workers (from joblib's
# OMP_NUM_THREADS), or TensorFlow's default pools ("0" = one thread per core; a set variable also
# turns l1l2_estimator's sizing off).
PACKAGE = "package default"
TF_DEFAULT = "TF default pools"


def grid_for(name, size):
    values = GRID_VALUES[:size] if size <= len(GRID_VALUES) else np.geomspace(1e-6, 1e-2, size)
    if name == "ours":
        return {"l1": list(values), "l2": list(values)}
    # MLPClassifier has no l1: as many alpha values as our grid has candidates.
    return {"alpha": list(np.geomspace(1e-5, 1.0, size * size))}


def probe_workers(n_jobs):
    """Start (or reuse) the loky pool and ask each worker what threads it sees; return
    ``(seconds, reports)``: the first call's time includes spawning workers and importing TF."""
    start = time.perf_counter()
    reports = Parallel(n_jobs=n_jobs)(delayed(c.thread_report)() for _ in range(n_jobs))
    return time.perf_counter() - start, reports


def fresh_pool():
    """Shut the reusable loky pool down, so that the next n_jobs>1 call spawns workers that
    inherit the current environment (e.g. TF_NUM_INTRAOP_THREADS)."""
    get_reusable_executor().shutdown(wait=True)


def forget_traces():
    """Drop the training functions this process has traced (l1l2_estimator's private cache), so
    that ours' next search traces again, as its first search in a process does."""
    from l1l2_estimator import _trainer_cache

    cache = getattr(_trainer_cache, "trainers", None)
    if callable(getattr(cache, "clear", None)):
        cache.clear()
    else:
        c.progress("  (cannot clear l1l2_estimator's trainer cache: renamed?)")


def time_search(estimator, grid, X, y, n_jobs, folds):
    search = GridSearchCV(
        estimator,
        grid,
        cv=StratifiedKFold(folds, shuffle=True, random_state=0),
        n_jobs=n_jobs,
        refit=False,
        error_score="raise",
    )
    start = time.perf_counter()
    search.fit(X, y)
    elapsed = time.perf_counter() - start
    n_fits = len(search.cv_results_["params"]) * folds
    return elapsed, n_fits, float(np.max(search.cv_results_["mean_test_score"]))


def _best_text(values):
    """The best mean CV accuracy of a row's repeats: one value, or the range if they differ."""
    low, high = min(values), max(values)
    return f"{low:.4f}" if low == high else f"{low:.4f}–{high:.4f}"


def _pool(configured, variable):
    """A worker's TensorFlow pool as configured, else its environment variable's value (how
    ``--tf-threads`` sets it), else TensorFlow's default."""
    if configured:
        return str(configured)
    return str(variable) if variable not in (None, "", "0") else "default"


def describe(reports):
    lines = []
    for r in sorted(reports, key=lambda r: r["pid"]):
        lines.append(
            f"  - worker pid {r['pid']}: os.cpu_count()={r['cpu_count']}, TF intra/inter pools "
            f"{_pool(r['tf_intra'], r['tf_env'][0])}/{_pool(r['tf_inter'], r['tf_env'][1])} "
            f"(as configured, else from TF_NUM_INTRAOP/INTEROP_THREADS="
            f"{r['tf_env'][0]}/{r['tf_env'][1]}, else TF's default: one per core), "
            f"OMP_NUM_THREADS={r['omp_env']}, {r['blas']}, OS threads {r['os_threads_before']} "
            f"before / {r['os_threads_after']} after a small fit"
        )
    unique = {r["pid"] for r in reports}
    if len(unique) < len(reports):
        lines.append(f"  ({len(reports)} calls landed on {len(unique)} distinct worker(s))")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10, help="epochs of every fit")
    parser.add_argument("--grid", type=int, default=4, help="values per axis (l1 and l2)")
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds")
    parser.add_argument("--n-samples", type=int, default=5000, help="rows of the data")
    parser.add_argument("--n-jobs", type=int, default=2, help="the parallel setting compared to 1")
    parser.add_argument(
        "--repeats", type=int, default=3,
        help="timed searches per row (median), the rows taking turns in a rotating order",
    )
    parser.add_argument("--no-mlp", action="store_true", help="skip the MLPClassifier reference")
    parser.add_argument(
        "--no-oversubscribed",
        action="store_true",
        help="skip the extra parallel run with TensorFlow's default pools (one thread per core) "
        "in every worker, i.e. without l1l2_estimator's sizing from joblib's OMP_NUM_THREADS",
    )
    parser.add_argument("--quick", action="store_true", help="2x2 grid, 3 epochs: a smoke run")
    c.add_thread_args(parser, blas_default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.grid, args.epochs = 2, 3
    c.apply_thread_args(args)
    c.quiet()
    c.warm_up()

    X, y = c.make_xy(n_samples=args.n_samples)
    estimators = [("ours", "L1L2Classifier (ours)", c.ours(epochs=args.epochs))]
    if not args.no_mlp:
        estimators.append(("mlp", "sklearn MLPClassifier", c.mlp(epochs=args.epochs)))

    # The rows: (estimator's name, estimator, grid, n_jobs, threads). With --tf-threads the
    # workers' pools are that size (TF_NUM_* turns the package's sizing off), and the row of
    # TensorFlow's default pools is left out, which the output says.
    pools = PACKAGE if args.tf_threads is None else f"--tf-threads {args.tf_threads}"
    specs = [
        (name, estimator, grid_for(key, args.grid), n_jobs, pools)
        for key, name, estimator in estimators
        for n_jobs in (1, args.n_jobs)
    ]
    if not args.no_oversubscribed and args.tf_threads is None:
        # Same parallel search with TensorFlow's default pools in every worker: what a plain Keras
        # wrapper does under GridSearchCV(n_jobs=2).
        specs.append(
            (estimators[0][1], estimators[0][2], grid_for("ours", args.grid), args.n_jobs,
             TF_DEFAULT)
        )

    elif not args.no_oversubscribed:
        c.emit(f"(--tf-threads {args.tf_threads}: no row of TensorFlow's default pools)")
    c.progress(f"starting {args.n_jobs} workers ...")
    probes = {pools: probe_workers(args.n_jobs)}
    results = [dict(seconds=[], best=[], n_fits=None) for _ in specs]
    for repeat in range(args.repeats):
        # The rows take turns, repeat r starting with row r (mod the rows), so that a slow
        # spell of the shared machine falls on all of them, and each goes first equally often
        # over a multiple of the rows' number of repeats (not with fewer repeats than rows).
        first = repeat % len(specs)
        for index in [*range(first, len(specs)), *range(first)]:
            name, estimator, grid, n_jobs, threads = specs[index]
            c.progress(f"{name}: n_jobs={n_jobs}, {threads} ({repeat + 1}/{args.repeats}) ...")
            # Every timed search of ours traces its training function, as the first search of a
            # process does (and as each did when every row ran once), whatever ran before it.
            traces = isinstance(estimator, L1L2Classifier)
            if threads == TF_DEFAULT:
                os.environ["TF_NUM_INTRAOP_THREADS"] = os.environ["TF_NUM_INTEROP_THREADS"] = "0"
            try:
                if n_jobs > 1:
                    # Untimed: start the workers (fresh ones for ours, or with other thread
                    # settings), as the first call to a new pool imports TensorFlow in them (and
                    # loky stops workers that have idled a while).
                    if traces or threads == TF_DEFAULT:
                        fresh_pool()
                    probes.setdefault(threads, probe_workers(n_jobs))
                elif traces:
                    forget_traces()
                elapsed, n_fits, best = time_search(estimator, grid, X, y, n_jobs, args.folds)
            finally:
                if threads == TF_DEFAULT:
                    del os.environ["TF_NUM_INTRAOP_THREADS"], os.environ["TF_NUM_INTEROP_THREADS"]
                    fresh_pool()  # the next parallel row starts workers with the package's sizing
            results[index]["seconds"].append(elapsed)
            results[index]["best"].append(best)
            results[index]["n_fits"] = n_fits

    rows = [
        [name, n_jobs, threads, result["n_fits"], c.median(result["seconds"]),
         min(result["seconds"]), max(result["seconds"]), result["best"]]
        for (name, _, _, n_jobs, threads), result in zip(specs, results)
    ]
    # Speed-up: median wall time of the first n_jobs=1 row of the same estimator / this row's.
    serial = {}
    for name, n_jobs, _, _, elapsed, _, _, _ in rows:
        if n_jobs == 1:
            serial.setdefault(name, elapsed)
    table = [
        [
            name,
            n_jobs,
            threads,
            n_fits,
            c.fmt_seconds(elapsed),
            f"{c.fmt_seconds(low)}–{c.fmt_seconds(high)}",
            c.fmt_seconds(elapsed / n_fits),
            c.fmt_ratio(serial[name], elapsed),
            _best_text(best),
        ]
        for name, n_jobs, threads, n_fits, elapsed, low, high, best in rows
    ]
    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"GridSearchCV on make_classification {args.n_samples}x20 (3 classes), {args.folds}-fold "
        f"stratified CV, refit=False; hidden {c.HIDDEN}, {args.epochs} epochs, batch "
        f"{c.BATCH_SIZE}, Adam lr {c.LEARNING_RATE}. Ours: l1 × l2 grid "
        f"{args.grid}×{args.grid} over {grid_for('ours', args.grid)['l1']}; MLPClassifier: "
        f"{args.grid * args.grid} alpha values (geomspace 1e-5..1). Workers are started (and "
        "TensorFlow imported in them) before each timed n_jobs>1 search, untimed: fresh workers "
        "before each of ours (for the 'TF default pools' row with TF_NUM_INTRAOP/INTEROP_THREADS"
        "=0, TensorFlow's one thread per core in every worker, and with the package's sizing "
        "after it). Each timed search of ours traces its training function, in the workers or "
        "(n_jobs=1, its trace cache cleared before) in this process, as a first search does. "
        f"Wall: median of {args.repeats} repeat(s), the rows taking turns (repeat r starts with "
        "row r), and the fastest–slowest; per fit and speed-up from the medians. Speed-up: the "
        "estimator's first n_jobs=1 row (default threads, this process) over this row."
    )
    c.emit()
    c.emit(
        c.markdown_table(
            [
                "estimator", "n_jobs", "threads", "fits", "wall", "fastest–slowest", "per fit",
                "speed-up", "best CV acc",
            ],
            table,
        )
    )
    c.emit()
    c.emit(f"Parent: pid {os.getpid()}, os.cpu_count()={os.cpu_count()}, {c.blas_threads()}.")
    for threads, (seconds, reports) in probes.items():
        label = f"n_jobs={args.n_jobs}, " + (
            "package thread sizing" if threads == PACKAGE else threads
        )
        c.emit(f"Workers ({label}; pool start + first call {c.fmt_seconds(seconds)}):")
        c.emit(describe(reports))


if __name__ == "__main__":
    main()
