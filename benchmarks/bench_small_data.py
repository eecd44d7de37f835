"""Small-data fit times of L1L2Classifier vs MLPClassifier with the same network (issue 9).

Both estimators get the same hidden layers, epochs (exactly: ``tol=0`` and ``n_iter_no_change`` =
epochs), batch size (``"auto"``: min(200, rows)), Adam learning rate (3e-3, our default) and L2
(ours: l1=1e-5, l2=1e-4; MLPClassifier: the per-step equivalent ``alpha = 2·batch·l2``, no L1).

1. ``load_breast_cancer`` (standardized), hidden (100,), 20 and 200 epochs, ``random_state=None``
   and ``random_state=0``: median fit over fresh clones, ours and MLP interleaved;
2. first fit of a process at 200 epochs, each in a fresh subprocess (imports done before the
   timer starts): median over a few processes, and ours' extra over the second fit split into
   tracing the trainer and the first call of its training function;
3. ``make_classification`` 1,000 / 5,000 / 20,000 / 100,000 × 20 (3 classes), hidden (64, 32):
   median fits.

``--breakdown`` instead shows where one small fit's time goes (breast_cancer, 20 epochs): each
phase of ``fit`` timed by wrapping the package's internal functions from the outside, a cProfile
summary, and the fixed (per-fit) and per-epoch costs of both estimators (fits of 1 and of 20
epochs of each, the four interleaved).

Fits are interleaved one of each per round, in a random order each round; besides the ratio of
the medians, the tables print the median and range of the per-round ratios ours / MLP.

    python benchmarks/bench_small_data.py [--repeats 11] [--processes 5] [--size-repeats 5]
                                          [--quick]
    python benchmarks/bench_small_data.py --breakdown [--fits 50] [--quick]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse
import collections
import cProfile
import inspect
import json
import os
import pstats
import statistics
import time

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Classifier

L1 = 1e-5
L2 = 1e-4
LEARNING_RATE = 3e-3
MAX_BATCH = 200  # batch_size="auto": min(200, rows), ours and MLPClassifier's
BREAST_CANCER_EPOCHS = (20, 200)
FIRST_FIT_EPOCHS = 200
# (rows, epochs) of make_classification with 20 features, hidden (64, 32)
SIZES = ((1_000, 20), (5_000, 20), (20_000, 5), (100_000, 5))
SIZE_HIDDEN = (64, 32)


# -- estimators ------------------------------------------------------------------------------


def params(hidden, epochs, random_state, n_rows):
    """Keyword arguments of ours and of MLPClassifier for one setting (JSON-serializable)."""
    ours = dict(
        hidden_layer_sizes=list(hidden),
        l1=L1,
        l2=L2,
        learning_rate=LEARNING_RATE,
        epochs=epochs,
        batch_size="auto",
        tol=0.0,
        n_iter_no_change=epochs,
        random_state=random_state,
    )
    mlp = dict(
        hidden_layer_sizes=list(hidden),
        alpha=c.mlp_alpha(L2, min(MAX_BATCH, n_rows)),
        learning_rate_init=LEARNING_RATE,
        max_iter=epochs,
        batch_size="auto",
        solver="adam",
        tol=0.0,
        n_iter_no_change=epochs,
        random_state=random_state,
    )
    return ours, mlp


def pair(hidden, epochs, random_state, n_rows):
    ours, mlp = params(hidden, epochs, random_state, n_rows)
    ours["hidden_layer_sizes"] = mlp["hidden_layer_sizes"] = tuple(hidden)
    return L1L2Classifier(**ours), MLPClassifier(**mlp)


class Float32MLPClassifier(MLPClassifier):
    """MLPClassifier given X as float32, as ours trains: it then computes in float32 too (given
    the float64 X a user usually has, it computes in float64)."""

    def fit(self, X, y):
        return super().fit(np.asarray(X, dtype=np.float32), y)


def trio(hidden, epochs, random_state, n_rows):
    """Ours, MLPClassifier, and MLPClassifier on float32 X, with the same settings."""
    ours, mlp = pair(hidden, epochs, random_state, n_rows)
    return ours, mlp, Float32MLPClassifier(**mlp.get_params())


def warm(estimators, X, y):
    """One untimed 1-epoch fit of each (ours: traces the training function of this structure;
    epochs are a graph input, so the real fits reuse it)."""
    rows = slice(0, min(len(X), 1000))
    for estimator in estimators:
        one_epoch = (
            dict(epochs=1, n_iter_no_change=1)
            if isinstance(estimator, L1L2Classifier)
            else dict(max_iter=1, n_iter_no_change=1)
        )
        clone(estimator).set_params(**one_epoch).fit(X[rows], y[rows])


def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


# -- 1. breast_cancer, median fits -------------------------------------------------------------


def run_breast_cancer(repeats):
    X, y = breast_cancer()
    rows = []
    for epochs in BREAST_CANCER_EPOCHS:
        for random_state in (None, 0):
            ours, mlp, mlp32 = trio((100,), epochs, random_state, len(X))
            warm([ours, mlp, mlp32], X, y)
            c.progress(f"  breast_cancer, {epochs} epochs, random_state={random_state} ...")
            (ours_times, mlp_times, mlp32_times), (ours_fit, mlp_fit, _) = (
                c.interleaved_fit_times([ours, mlp, mlp32], X, y, repeats)
            )
            rows.append(
                dict(
                    epochs=epochs,
                    random_state=random_state,
                    ours=statistics.median(ours_times),
                    mlp=statistics.median(mlp_times),
                    mlp32=statistics.median(mlp32_times),
                    spread=(_spread(ours_times), _spread(mlp_times)),
                    paired=_paired(ours_times, mlp_times),
                    epochs_run=(ours_fit.n_iter_, mlp_fit.n_iter_),
                )
            )
    return rows, X.shape


def run_blas_default(repeats, blas_limit):
    """MLPClassifier at 20 epochs, random_state=0, with as many BLAS threads as cores (OpenBLAS'
    own default), for comparison with the limited run: the limit is lifted for this run only."""
    from threadpoolctl import threadpool_limits

    X, y = breast_cancer()
    _, mlp = pair((100,), 20, 0, len(X))
    with threadpool_limits(limits=os.cpu_count()):
        threads = c.blas_threads()
        (mlp_times,), _ = c.interleaved_fit_times([mlp], X, y, repeats)
    return statistics.median(mlp_times), threads, blas_limit


# -- 2. first fit of a process ---------------------------------------------------------------

FIRST_FIT_CODE = r"""
import json, sys, time, warnings
kind, params, blas_threads = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
from sklearn.datasets import load_breast_cancer
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
phases = {"trace": 0.0, "runs": []}
if kind == "ours":
    from l1l2_estimator import L1L2Classifier, _training
    cls = L1L2Classifier
    # Time, from outside, the building and tracing of the trainer and each call of its
    # training function.
    Trainer = _training.Trainer

    def traced(*args, **kwargs):
        start = time.perf_counter()
        trainer = Trainer(*args, **kwargs)
        phases["trace"] += time.perf_counter() - start
        run = trainer.run

        def timed_run(*args, **kwargs):
            start = time.perf_counter()
            out = run(*args, **kwargs)
            phases["runs"].append(time.perf_counter() - start)
            return out

        trainer.run = timed_run
        return trainer

    _training.Trainer = traced
else:
    cls = MLPClassifier
if blas_threads:
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=blas_threads)
warnings.simplefilter("ignore")
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
estimator = cls(**params)
start = time.perf_counter()
estimator.fit(X, y)
seconds = time.perf_counter() - start
start = time.perf_counter()
estimator.fit(X, y)
second = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "second": second, "n_iter": estimator.n_iter_,
                  "phases": phases}))
"""


def run_first_fits(processes, blas_threads):
    ours_params, mlp_params = params((100,), FIRST_FIT_EPOCHS, 0, 569)
    times = {"ours": [], "mlp": [], "ours_second": [], "mlp_second": [], "trace": [],
             "first_call_extra": []}
    for index in range(processes):
        order = ("ours", "mlp") if index % 2 == 0 else ("mlp", "ours")
        for kind in order:
            c.progress(f"  first fit in a fresh process: {kind} ({index + 1}/{processes}) ...")
            kind_params = ours_params if kind == "ours" else mlp_params
            result = c.python_json(
                FIRST_FIT_CODE, [kind, json.dumps(kind_params), blas_threads or 0]
            )
            times[kind].append(result["seconds"])
            times[kind + "_second"].append(result["second"])
            runs = result["phases"]["runs"]
            if kind == "ours" and len(runs) == 2:  # the first fit's call, the second fit's
                times["trace"].append(result["phases"]["trace"])
                times["first_call_extra"].append(runs[0] - runs[1])
    medians = {kind: statistics.median(values) if values else float("nan")
               for kind, values in times.items()}
    # Process i of ours against process i of MLP (they ran one after the other).
    medians["paired"] = _paired(times["ours"], times["mlp"])
    return medians


# -- 3. make_classification sizes ------------------------------------------------------------


def run_sizes(repeats, n_features=20):
    rows = []
    for n_rows, epochs in SIZES:
        X, y = c.make_xy(n_samples=n_rows, n_features=n_features, n_classes=3)
        ours, mlp, mlp32 = trio(SIZE_HIDDEN, epochs, 0, n_rows)
        warm([ours, mlp, mlp32], X, y)
        c.progress(f"  make_classification {n_rows}x{n_features}, {epochs} epochs ...")
        (ours_times, mlp_times, mlp32_times), (ours_fit, mlp_fit, _) = (
            c.interleaved_fit_times([ours, mlp, mlp32], X, y, repeats)
        )
        rows.append(
            dict(
                rows=n_rows,
                features=n_features,
                epochs=epochs,
                ours=statistics.median(ours_times),
                mlp=statistics.median(mlp_times),
                mlp32=statistics.median(mlp32_times),
                spread=(_spread(ours_times), _spread(mlp_times)),
                paired=_paired(ours_times, mlp_times),
                epochs_run=(ours_fit.n_iter_, mlp_fit.n_iter_),
            )
        )
    return rows


def _spread(times):
    """The spread of repeated timings: (fastest, slowest)."""
    return min(times), max(times)


def _paired(ours_times, mlp_times):
    """Per-round ratios ours / MLP: the fits are interleaved, so round ``i`` of each shared the
    machine's state."""
    return [ours / mlp for ours, mlp in zip(ours_times, mlp_times, strict=True)]


def _paired_text(ratios):
    """Median (fastest–slowest) of per-round ratios; a range straddling 1× makes a median near 1×
    inconclusive."""
    return (
        f"{c.fmt_ratio(statistics.median(ratios), 1)} "
        f"({c.fmt_ratio(min(ratios), 1)}–{c.fmt_ratio(max(ratios), 1)})"
    )


def _spread_text(row):
    (ours_low, ours_high), (mlp_low, mlp_high) = row["spread"]
    return (
        f"{c.fmt_seconds(ours_low)}–{c.fmt_seconds(ours_high)}; "
        f"{c.fmt_seconds(mlp_low)}–{c.fmt_seconds(mlp_high)}"
    )


# -- report ----------------------------------------------------------------------------------


def _tf_pools():
    """TensorFlow's thread pools in this process, as configured (0: TensorFlow's default)."""
    import tensorflow as tf

    def pool(threads):
        return f"{threads} thread(s)" if threads else "TensorFlow's default size"

    return (
        f"intra-op pool of {pool(tf.config.threading.get_intra_op_parallelism_threads())} and "
        f"inter-op pool of {pool(tf.config.threading.get_inter_op_parallelism_threads())} on "
        f"{os.cpu_count()} cores"
    )


def report(args, bc_rows, bc_shape, blas_default, first, size_rows):
    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"Same network, epochs, batch size and learning rate for both: Adam lr {LEARNING_RATE}, "
        f"batch \"auto\" (= min({MAX_BATCH}, rows)), exactly the given epochs (tol=0, "
        f"n_iter_no_change=epochs); ours l1={L1}, l2={L2}; MLPClassifier alpha=2·batch·l2 "
        f"(={c.mlp_alpha(L2, MAX_BATCH):g}), no L1. Fit: median of {args.repeats} fresh clones, "
        "ours and MLPClassifier interleaved (one fit of each per round, in a random order each "
        "round), after an untimed 1-epoch fit of each (ours traces its training function once "
        "per network structure). Ratios: ours / MLPClassifier; 'ours / MLP' is the ratio of the "
        "medians, 'per round' the median (lowest–highest) of the rounds' own ratios (round i's "
        "ours over round i's MLP; for the first fit, process i's of each): a range that "
        "straddles 1× marks a ratio near 1× as inconclusive. "
        "Ours trains in float32 whatever X is; MLPClassifier computes in X's dtype: float64 in "
        "'MLPClassifier' (the data as users have it), float32 in 'MLP, float32 X'. Threads: "
        f"MLPClassifier's BLAS as --blas-threads; ours TensorFlow's {_tf_pools()}."
    )
    c.emit()
    c.emit(f"### load_breast_cancer ({bc_shape[0]}×{bc_shape[1]}, standardized), hidden (100,)")
    c.emit()
    headers = [
        "setting", "ours", "MLPClassifier", "ours / MLP", "per round: median (lowest–highest)",
        "fastest–slowest (ours; MLP)",
        "MLP, float32 X", "ours / MLP float32", "epochs run (ours, MLP)",
    ]
    table = [
        [
            f"{r['epochs']} epochs, random_state={r['random_state']}",
            c.fmt_seconds(r["ours"]),
            c.fmt_seconds(r["mlp"]),
            c.fmt_ratio(r["ours"], r["mlp"]),
            _paired_text(r["paired"]),
            _spread_text(r),
            c.fmt_seconds(r["mlp32"]),
            c.fmt_ratio(r["ours"], r["mlp32"]),
            "%d, %d" % r["epochs_run"],
        ]
        for r in bc_rows
    ]
    by_key = {(r["epochs"], r["random_state"]): r for r in bc_rows}
    table.append(
        [
            f"first fit of a process, {FIRST_FIT_EPOCHS} epochs (median of {args.processes} "
            "processes)",
            c.fmt_seconds(first["ours"]),
            c.fmt_seconds(first["mlp"]),
            c.fmt_ratio(first["ours"], first["mlp"]),
            _paired_text(first["paired"]) if first["paired"] else "",
            "",
            "",
            "",
            "",
        ]
    )
    c.emit(c.markdown_table(headers, table))
    c.emit()
    def seed_cost(epochs, kind):
        return c.fmt_ratio(by_key[epochs, None][kind], by_key[epochs, 0][kind])

    seed_costs = ", ".join(
        f"{epochs} epochs: ours {seed_cost(epochs, 'ours')}, MLP {seed_cost(epochs, 'mlp')}"
        for epochs in BREAST_CANCER_EPOCHS
    )
    c.emit(f"random_state=None / random_state=0: {seed_costs}.")
    c.emit(
        f"First fit of a process ({FIRST_FIT_EPOCHS} epochs) minus the second fit in the same "
        f"process (medians): ours {c.fmt_seconds(first['ours'] - first['ours_second'])}, MLP "
        f"{c.fmt_seconds(first['mlp'] - first['mlp_second'])} (each process imports everything "
        "before the timer starts; ours' first fit then starts TensorFlow's runtime and traces)."
    )
    c.emit(
        f"Of ours' extra (medians): building and tracing the trainer "
        f"{c.fmt_seconds(first['trace'])}; the first call of its training function minus the "
        f"second fit's call {c.fmt_seconds(first['first_call_extra'])} (TensorFlow instantiates "
        "the traced graph on its first call: graph rewrites, partitioning, kernels)."
    )
    if blas_default is not None:
        mlp_seconds, threads, limit = blas_default
        limited = by_key[20, 0]["mlp"]
        c.emit(
            f"MLPClassifier, 20 epochs, random_state=0, BLAS threads {threads} instead of "
            f"{limit}: {c.fmt_seconds(mlp_seconds)} ({c.fmt_ratio(mlp_seconds, limited)} the "
            f"limited run; ours / this: {c.fmt_ratio(by_key[20, 0]['ours'], mlp_seconds)})."
        )
    c.emit()
    c.emit(
        f"### make_classification (n×20, 3 classes), hidden {SIZE_HIDDEN}, median of "
        f"{args.size_repeats} fits"
    )
    c.emit()
    headers = [
        "rows × features", "epochs", "ours", "MLPClassifier", "ours / MLP",
        "per round: median (lowest–highest)", "fastest–slowest (ours; MLP)", "MLP, float32 X",
        "ours / MLP float32", "epochs run",
    ]
    c.emit(
        c.markdown_table(
            headers,
            [
                [
                    f"{r['rows']:,} × {r['features']}",
                    r["epochs"],
                    c.fmt_seconds(r["ours"]),
                    c.fmt_seconds(r["mlp"]),
                    c.fmt_ratio(r["ours"], r["mlp"]),
                    _paired_text(r["paired"]),
                    _spread_text(r),
                    c.fmt_seconds(r["mlp32"]),
                    c.fmt_ratio(r["ours"], r["mlp32"]),
                    "%d, %d" % r["epochs_run"],
                ]
                for r in size_rows
            ],
        )
    )


# -- --breakdown -----------------------------------------------------------------------------


class PhaseTimer:
    """Cumulative wall time of wrapped callables, installed from the outside and removed again."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self.calls = collections.Counter()
        self._undo = []
        self.missing = []

    def _timed(self, label, function):
        seconds, calls = self.seconds, self.calls

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - start
                calls[label] += 1

        timed.__wrapped__ = function
        return timed

    def wrap_method(self, cls, name, label):
        """Wrap ``cls.name`` (a function, static or class method) where the MRO defines it."""
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        original = vars(owner)[name] if owner is not None else None
        if isinstance(original, (staticmethod, classmethod)):
            wrapped = type(original)(self._timed(label, original.__func__))
        elif inspect.isfunction(original):
            wrapped = self._timed(label, original)
        else:
            self.missing.append(f"{cls.__name__}.{name}")
            return
        setattr(owner, name, wrapped)
        self._undo.append(lambda: setattr(owner, name, original))

    def wrap_attribute(self, obj, name, label):
        """Wrap a module's function or an object's callable attribute."""
        if not callable(getattr(obj, name, None)):
            self.missing.append(f"{getattr(obj, '__name__', type(obj).__name__)}.{name}")
            return
        had_own = name in vars(obj)
        original = vars(obj)[name] if had_own else None
        setattr(obj, name, self._timed(label, getattr(obj, name)))
        self._undo.append(
            (lambda: setattr(obj, name, original)) if had_own else (lambda: delattr(obj, name))
        )

    def remove(self):
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def reset(self):
        self.seconds.clear()
        self.calls.clear()


# (label, parent label): the phases of one fit; "fit" is timed around estimator.fit.
PHASES = [
    ("_fit", "fit"),
    ("_check_params", "_fit"),
    ("_validate_data", "_fit"),
    ("validate_data (sklearn)", "_validate_data"),
    ("check_classification_targets", "_validate_data"),
    ("_targets_from", "_fit"),
    ("_initial_state", "_fit"),
    ("_initialize_callbacks", "_fit"),
    ("_training_weights", "_fit"),
    ("_validate_sample_weight", "_fit"),
    ("_encode_targets", "_fit"),
    ("train", "_fit"),
    ("trainer cache checkout", "train"),
    ("Trainer() (builds and traces)", "train"),
    ("trainer.optimizer_state", "train"),
    ("trainer.load", "train"),
    ("trainer.run", "train"),
    ("trainer.read", "train"),
    ("_set_fitted_state", "_fit"),
    ("_target_state", "_set_fitted_state"),
]


def install_phase_timers(timer):
    """Wrap the package's internal phases of a fit; returns nothing, records what it could not
    wrap in ``timer.missing``."""
    from l1l2_estimator import _base, _trainer_cache, _training, classifier

    cls = L1L2Classifier
    for name in (
        "_fit",
        "_check_params",
        "_validate_data",
        "_targets_from",
        "_initial_state",
        "_initialize_callbacks",
        "_training_weights",
        "_validate_sample_weight",
        "_encode_targets",
        "_set_fitted_state",
        "_target_state",
    ):
        timer.wrap_method(cls, name, name)
    timer.wrap_attribute(classifier, "validate_data", "validate_data (sklearn)")
    timer.wrap_attribute(classifier, "check_classification_targets", "check_classification_targets")
    timer.wrap_attribute(_base, "train", "train")

    instrumented = set()

    def instrument(trainer):
        """Wrap a trainer's compiled functions (instance attributes) once."""
        if trainer is None or id(trainer) in instrumented:
            return trainer
        instrumented.add(id(trainer))
        for name in ("optimizer_state", "load", "run", "read"):
            timer.wrap_attribute(trainer, name, f"trainer.{name}")
        return trainer

    cache = getattr(_training, "trainers", None) or getattr(_trainer_cache, "trainers", None)
    if cache is not None and callable(getattr(cache, "checkout", None)):
        checkout = cache.checkout
        timed_checkout = timer._timed("trainer cache checkout", checkout)
        cache.checkout = lambda key: instrument(timed_checkout(key))
        timer._undo.append(lambda: delattr(cache, "checkout"))
    else:
        timer.missing.append("trainers.checkout")
    trainer_class = getattr(_training, "Trainer", None)
    if trainer_class is not None:
        timed_build = timer._timed("Trainer() (builds and traces)", trainer_class)
        _training.Trainer = lambda *args, **kwargs: instrument(timed_build(*args, **kwargs))
        timer._undo.append(lambda: setattr(_training, "Trainer", trainer_class))
    else:
        timer.missing.append("_training.Trainer")


def phase_rows(timer, fit_seconds, n_fits):
    """Rows (label, ms per fit, share of fit, calls per fit) in tree order, with an "other" row
    under each parent for the time its children do not account for."""
    seconds = dict(timer.seconds)
    seconds["fit"] = fit_seconds
    children = collections.defaultdict(list)
    for label, parent in PHASES:
        children[parent].append(label)
    rows = []

    def visit(label, depth):
        if label != "fit" and label not in seconds:
            return
        calls = timer.calls.get(label, n_fits) / n_fits
        rows.append((("  " * depth) + label, seconds[label], calls))
        kids = [k for k in children.get(label, []) if k in seconds]
        for kid in kids:
            visit(kid, depth + 1)
        if kids:
            other = seconds[label] - sum(seconds[k] for k in kids)
            rows.append((("  " * (depth + 1)) + f"(rest of {label})", other, None))

    visit("fit", 0)
    return [
        [
            label.replace(" ", "\u00a0", len(label) - len(label.lstrip())),
            f"{total / n_fits * 1e3:.2f}",
            f"{total / fit_seconds:.0%}",
            "" if calls is None else f"{calls:g}",
        ]
        for label, total, calls in rows
    ]


def profile_table(profile, n_fits, top):
    stats = pstats.Stats(profile)
    entries = []
    for (filename, line, function), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        entries.append((cumtime, tottime, ncalls, _short_location(filename, line, function)))
    by_cumulative = sorted(entries, reverse=True)[:top]
    by_self = sorted(entries, key=lambda e: e[1], reverse=True)[:top]

    def rows(selected):
        return [
            [location, f"{ncalls / n_fits:g}", f"{tottime / n_fits * 1e3:.2f}",
             f"{cumtime / n_fits * 1e3:.2f}"]
            for cumtime, tottime, ncalls, location in selected
        ]

    headers = ["function", "calls / fit", "self ms / fit", "cumulative ms / fit"]
    package = [e for e in entries if "l1l2_estimator" in e[3]]
    package.sort(reverse=True)
    return (
        c.markdown_table(headers, rows(by_cumulative)),
        c.markdown_table(headers, rows(by_self)),
        c.markdown_table(headers, rows(package[:top])),
    )


def _short_location(filename, line, function):
    if filename == "~":  # built-in
        return function
    for marker in ("site-packages/", "src/", "lib/python"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({function})"


def run_breakdown(args):
    X, y = breast_cancer()
    epochs = 20
    ours, mlp = pair((100,), epochs, None, len(X))
    warm([ours, mlp], X, y)
    clone(ours).fit(X, y)  # a full untimed fit too

    c.progress(f"  breakdown: {args.fits} timed fits with phase wrappers ...")
    timer = PhaseTimer()
    install_phase_timers(timer)
    try:
        clone(ours).fit(X, y)  # wrappers' first call (cache checkout wraps the trainer)
        timer.reset()
        fit_total = 0.0
        for _ in range(args.fits):
            estimator = clone(ours)
            start = time.perf_counter()
            estimator.fit(X, y)
            fit_total += time.perf_counter() - start
    finally:
        timer.remove()

    c.progress(f"  breakdown: {args.fits} fits under cProfile ...")
    profile = cProfile.Profile()
    for _ in range(args.fits):
        estimator = clone(ours)
        profile.enable()
        estimator.fit(X, y)
        profile.disable()

    c.progress("  breakdown: fixed and per-epoch costs (the four fits interleaved) ...")

    def with_epochs(estimator, n_epochs):
        key = "epochs" if estimator is ours else "max_iter"
        return clone(estimator).set_params(**{key: n_epochs, "n_iter_no_change": n_epochs})

    # One fit of each cell per round, in a random order each round, so that the differences of
    # medians (per epoch, fixed) do not pick up the machine's drift between blocks of fits.
    cells = [(estimator, n_epochs) for estimator in (ours, mlp) for n_epochs in (1, epochs)]
    cell_times, _ = c.interleaved_fit_times(
        [with_epochs(estimator, n_epochs) for estimator, n_epochs in cells], X, y, args.fits
    )
    costs = []
    for estimator in (ours, mlp):
        medians = {
            n_epochs: statistics.median(times)
            for (cell, n_epochs), times in zip(cells, cell_times)
            if cell is estimator
        }
        per_epoch = (medians[epochs] - medians[1]) / (epochs - 1)
        costs.append((estimator, medians, per_epoch, medians[1] - per_epoch))

    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"Where one small fit's time goes: load_breast_cancer ({X.shape[0]}×{X.shape[1]}, "
        f"standardized), hidden (100,), {epochs} epochs, batch \"auto\" "
        f"({min(MAX_BATCH, len(X))}), "
        f"random_state=None; {args.fits} fits of fresh clones after untimed warm-up fits "
        "(the training function is already traced)."
    )
    c.emit()
    mean_fit = fit_total / args.fits
    c.emit(
        f"#### Phases (wrappers installed from outside; mean fit {c.fmt_seconds(mean_fit)} with "
        "them)"
    )
    c.emit()
    c.emit(
        c.markdown_table(
            ["phase", "ms / fit", "share", "calls / fit"], phase_rows(timer, fit_total, args.fits)
        )
    )
    c.emit()
    c.emit(
        "\"(rest of fit)\": `_fit_context` (parameter validation) and the call itself; "
        "\"(rest of _fit)\": `_restored_on_failure`'s copy of the attributes, `NetworkSpec`, "
        "`_output_layer`, ...; \"(rest of train)\": `trainer_key`, the NumPy → tensor "
        "conversions of the inputs and the tensors → NumPy of the results."
    )
    if timer.missing:
        c.emit()
        c.emit(
            "Could not wrap (renamed or not plain functions): "
            + ", ".join(timer.missing)
            + "; see their cumulative times in the cProfile tables below."
        )
    by_cumulative, by_self, package = profile_table(profile, args.fits, args.top)
    c.emit()
    c.emit(f"#### cProfile, top {args.top} by cumulative time (per fit; profiling slows calls)")
    c.emit()
    c.emit(by_cumulative)
    c.emit()
    c.emit(f"#### cProfile, top {args.top} by self time")
    c.emit()
    c.emit(by_self)
    c.emit()
    c.emit("#### cProfile, the package's own functions by cumulative time")
    c.emit()
    c.emit(package)
    c.emit()
    c.emit(
        f"#### Fixed and per-epoch cost (median of {args.fits} fits at 1 and at {epochs} epochs, "
        "the four kinds of fit interleaved: one of each per round, in a random order each round; "
        "fixed = fit(1) − per epoch)"
    )
    c.emit()
    rows = []
    for estimator, medians, per_epoch, fixed in costs:
        rows.append(
            [
                type(estimator).__name__,
                c.fmt_seconds(medians[1]),
                c.fmt_seconds(medians[epochs]),
                c.fmt_seconds(per_epoch),
                c.fmt_seconds(fixed),
            ]
        )
    rows.append(
        [
            "ours / MLP",
            c.fmt_ratio(costs[0][1][1], costs[1][1][1]),
            c.fmt_ratio(costs[0][1][epochs], costs[1][1][epochs]),
            c.fmt_ratio(costs[0][2], costs[1][2]),
            c.fmt_ratio(costs[0][3], costs[1][3]) if costs[1][3] > 0 else "n/a",
        ]
    )
    c.emit(
        c.markdown_table(
            ["estimator", "fit, 1 epoch", f"fit, {epochs} epochs", "per epoch", "fixed per fit"],
            rows,
        )
    )


# -- main ------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=11, help="breast_cancer fits per estimator and setting"
    )
    parser.add_argument(
        "--processes", type=int, default=5, help="fresh processes per estimator (first fit)"
    )
    parser.add_argument(
        "--size-repeats", type=int, default=5, help="make_classification fits per size"
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="only the breakdown of one small fit"
    )
    parser.add_argument("--fits", type=int, default=50, help="fits timed by --breakdown")
    parser.add_argument("--top", type=int, default=15, help="cProfile entries shown")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 3 repeats, 2 processes, 1 fit per size; --breakdown: 10 fits",
    )
    c.add_thread_args(parser, blas_default=1)
    args = parser.parse_args(argv)
    c.apply_thread_args(args)
    if args.quick:
        args.repeats, args.processes, args.size_repeats, args.fits = 3, 2, 1, 10
    c.quiet()
    c.warm_up()
    if args.breakdown:
        run_breakdown(args)
        return
    bc_rows, bc_shape = run_breast_cancer(args.repeats)
    blas_default = run_blas_default(args.repeats, args.blas_threads) if args.blas_threads else None
    first = run_first_fits(args.processes, args.blas_threads)
    size_rows = run_sizes(args.size_repeats)
    report(args, bc_rows, bc_shape, blas_default, first, size_rows)


if __name__ == "__main__":
    main()
