"""L1L2ClassifierCV (the l1 × l2 grid and every fold trained at once) against GridSearchCV.

For each setting, side by side in one run, each timed in a fresh process (so that every figure
includes what the first search of a process pays: for ours, tracing the training graph; for
GridSearchCV with n_jobs=2, starting two worker processes that import TensorFlow):

* ``L1L2ClassifierCV(l1s, l2s, cv)`` (refit included), and the same search again in that process;
* ``GridSearchCV(L1L2Classifier(...), {"l1": l1s, "l2": l2s}, cv, n_jobs=2)``, and the same search
  again in that process (workers already started, training graphs already traced);
* the same ``GridSearchCV(L1L2Classifier(...), ..., n_jobs=1)``, and again (no workers: the fits
  run in the searching process; next to the n_jobs=2 figures, this shows how much of them is
  starting the two workers, each of which imports TensorFlow; ``--no-serial`` skips it);
* ``GridSearchCV(MLPClassifier(...), {"alpha": 16 values}, cv, n_jobs=2)``.

The kinds take turns, the order rotating from repeat to repeat (repeat ``r`` starts with kind
``r`` mod the number of kinds), so that each kind goes first equally often when ``--repeats`` is
a multiple of their number (4, or 3 with ``--no-serial``; with the default 3 repeats the
MLPClassifier search never goes first: every search runs in a fresh process, so the order
matters little).

It prints the wall times, the ratios to ours (first search against first search, and again
against again), our peak resident memory (and how much of it the search added to the process
after its imports), and whether our ``cv_results_`` equal GridSearchCV's (the largest difference
of ``mean_test_score`` and whether the best pair is the same; GridSearchCV with n_jobs=1 included).

``--breakdown`` instead shows where one search's time goes (tracing, ensemble training, refit,
the rest), and how much of an ensemble epoch is matrix products and at what rate.

    python benchmarks/bench_cv.py [--quick] [--repeats 3] [--settings breast_cancer,digits,...]
                                  [--no-serial]
    python benchmarks/bench_cv.py --breakdown [--quick] [--settings ...]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse
import json
import math

import numpy as np

# (name, data, hidden layers, folds, epochs); the grid is 4 × 4 everywhere.
SETTINGS = {
    "breast_cancer": ("breast_cancer", (64,), 5, 100),
    "make_classification_1000x20": ("make_1000", (64, 32), 5, 100),
    "make_classification_5000x20": ("make_5000", (64, 32), 3, 10),
    "digits": ("digits", (64,), 5, 100),
}
L1S = [0.0, 1e-5, 1e-4, 1e-3]
L2S = [0.0, 1e-5, 1e-4, 1e-3]
# MLPClassifier's grid of the same size over the same range of L2 penalty: its alpha is our
# 2 · batch_size · l2 (batches of 200 rows in every setting's training folds), for 0 and 15
# log-spaced l2 from 1e-6 to 1e-3.
ALPHAS = [0.0] + [float(2 * 200 * l2) for l2 in 10.0 ** np.linspace(-6, -3, 15)]
# Ours' default learning rate, given to MLPClassifier too (its default is 1e-3).
LEARNING_RATE = 3e-3

# The code each fresh process starts with: load the data of the setting given as JSON.
DATA = c.MEMORY + r"""
import json, sys, time, warnings
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
"""

# Then: time one kind of search, print JSON.
PROCESS = DATA + r"""
from sklearn.model_selection import GridSearchCV
if int(sys.argv[3]):  # OpenBLAS' threads in this process (GridSearchCV's workers get 1 from loky)
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=int(sys.argv[3]))
if kind == "ours":
    from l1l2_estimator import L1L2ClassifierCV
    search = L1L2ClassifierCV(l1s=setting["l1s"], l2s=setting["l2s"], cv=setting["folds"],
                              **network)
elif kind in ("grid", "serial"):  # n_jobs=2 (two loky workers) or 1 (in this process)
    from l1l2_estimator import L1L2Classifier
    search = GridSearchCV(L1L2Classifier(**network), {"l1": setting["l1s"], "l2": setting["l2s"]},
                          cv=setting["folds"], n_jobs=2 if kind == "grid" else 1)
else:
    from sklearn.neural_network import MLPClassifier
    search = GridSearchCV(MLPClassifier(hidden_layer_sizes=tuple(setting["hidden"]),
                                        max_iter=setting["epochs"],
                                        learning_rate_init=setting["learning_rate"],
                                        random_state=0),
                          {"alpha": setting["alphas"]}, cv=setting["folds"], n_jobs=2)
before_mib = peak_mib()
times, means, best = [], [], []
for _ in range(1 if kind == "mlp" else 2):
    start = time.perf_counter()
    search.fit(X, y)
    times.append(time.perf_counter() - start)
    means.append([float(m) for m in search.cv_results_["mean_test_score"]])
    best.append(int(search.best_index_))
print(json.dumps({
    "seconds": times,
    "peak_mib": peak_mib(),
    "before_mib": before_mib,
    "means": means,  # of each search
    "best": best,
}))
"""


# ``--breakdown``: where one search's time goes, in a fresh process (``DATA`` first).
BREAKDOWN = DATA + r"""
import threading
import numpy as np
import tensorflow as tf
from sklearn.model_selection import check_cv
import l1l2_estimator._trainer_cache as cache
import l1l2_estimator._ensemble as ensemble
from l1l2_estimator import L1L2ClassifierCV

phases = {}
training_group = threading.local()

def timed(label, function, inside_group):
    # Counted in the searching thread only, and for traces only while it trains an ensemble (the
    # refit's trainer is built in a background thread, or after the ensemble).
    def call(*args, **kwargs):
        active = getattr(training_group, "active", False)
        counted = threading.current_thread() is threading.main_thread() and active == inside_group
        training_group.active = True
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            training_group.active = active
            if counted:
                phases[label] = phases.get(label, 0.0) + time.perf_counter() - start
    return call

cache.Trainer.__init__ = timed("ensemble traces", cache.Trainer.__init__, True)
ensemble._train_group = timed("ensemble group", ensemble._train_group, False)

def search(**overrides):
    return L1L2ClassifierCV(l1s=setting["l1s"], l2s=setting["l2s"], cv=setting["folds"],
                            **{**network, **overrides})

out = {}
for label in ("first", "again"):
    phases.clear()
    fitted = search()
    start = time.perf_counter()
    fitted.fit(X, y)
    total = time.perf_counter() - start
    traces = phases.get("ensemble traces", 0.0)
    group = phases["ensemble group"]
    out[label] = {"total": total, "traces": traces, "training": group - traces,
                  "refit": fitted.refit_time_, "rest": total - group - fitted.refit_time_}

# Seconds per epoch of the whole ensemble, every member training every epoch (no stopping rule):
# the difference of two searches over different numbers of epochs, both in the chains of the
# whole search (the shorter one has less work ahead, which alone would keep it in one chain).
epochs = (max(2, setting["epochs"] // 10), setting["epochs"])
ensemble.CHAIN_MIN_FLOP = 0
seconds = []
for n_epochs in epochs:
    fixed = search(epochs=n_epochs, tol=0.0, n_iter_no_change=n_epochs, refit=False)
    fixed.fit(X, y)  # traced already; the second fit is timed
    start = time.perf_counter()
    fixed.fit(X, y)
    seconds.append(time.perf_counter() - start)
epoch_seconds = (seconds[1] - seconds[0]) / (epochs[1] - epochs[0])

# The matrix products of one step of that ensemble alone (streams = folds, 16 members each,
# batches padded to 208 rows), in a compiled loop, and what this machine's matrix product reaches
# at its best (2,048 × 2,048).
folds = list(check_cv(setting["folds"], y, classifier=True).split(X, y))
batch = min(200, min(len(train) for train, _ in folds))
n_batches = max(-(-len(train) // batch) for train, _ in folds)
width = -(-batch // 16) * 16
streams, members = len(folds), len(setting["l1s"]) * len(setting["l2s"])
n_outputs = 1 if len(np.unique(y)) == 2 else len(np.unique(y))
sizes = [X.shape[1], *setting["hidden"], n_outputs]
random = lambda *shape: tf.random.normal(shape)
products = []  # (left, right) operands
for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
    if n_out == 1:  # a one-unit layer is computed element-wise, not as a product
        continue
    rows = 1 if index == 0 else members  # the first layer broadcasts a stream's rows
    products += [
        (random(streams, rows, width, n_in), random(streams, members, n_in, n_out)),  # forward
        (random(streams, rows, n_in, width), random(streams, members, width, n_out)),  # kernel
        (random(streams, members, 1, width), random(streams, members, width, n_out)),  # bias
    ]
    if index:  # the gradient of the layer's input
        products.append((random(streams, members, width, n_out),
                         random(streams, members, n_out, n_in)))

def loop_seconds(pairs, n):
    @tf.function(autograph=False)
    def run():
        def body(i, total):
            for left, right in pairs:
                total += tf.reshape(tf.matmul(left, right), [-1])[0]
            return i + 1, total
        return tf.while_loop(lambda i, total: i < n, body, (0, 0.0))
    run()
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) / n

product_flops = sum(
    2 * np.prod(np.broadcast_shapes(a.shape[:-2], b.shape[:-2])) * a.shape[-2] * a.shape[-1]
    * b.shape[-1] for a, b in products
)
step_products = loop_seconds(products, 200)
big = random(2048, 2048)
peak = 2 * 2048 ** 3 / loop_seconds([(big, big)], 5)
out.update({
    "epoch_seconds": epoch_seconds, "n_batches": n_batches, "members": streams * members,
    "products_per_epoch": step_products * n_batches,
    "product_gflops": product_flops / step_products / 1e9, "peak_gflops": peak / 1e9,
})
print(json.dumps(out))
"""


def run_breakdown(name, quick):
    """Where one search's time goes, and how much of an ensemble epoch its matrix products
    take; printed as two tables."""
    data, hidden, folds, epochs = SETTINGS[name]
    if quick:
        folds, epochs = 2, min(epochs, 5)
    setting = dict(data=data, hidden=hidden, folds=folds, epochs=epochs, l1s=L1S, l2s=L2S)
    c.progress(f"{name}: breakdown")
    out = c.python_json(BREAKDOWN, [json.dumps(setting), "breakdown"], timeout=3600)
    phases = [
        [f"{name}, {label} search", c.fmt_seconds(part["total"]),
         c.fmt_seconds(part["traces"]), c.fmt_seconds(part["training"]),
         c.fmt_seconds(part["refit"]), c.fmt_seconds(part["rest"])]
        for label, part in (("first", out["first"]), ("second", out["again"]))
    ]
    share = out["products_per_epoch"] / out["epoch_seconds"]
    epoch = [
        name, str(out["members"]), str(out["n_batches"]), c.fmt_seconds(out["epoch_seconds"]),
        c.fmt_seconds(out["products_per_epoch"]), f"{share:.0%}",
        f"{out['product_gflops']:.0f}", f"{out['peak_gflops']:.0f}",
    ]
    return phases, epoch


def breakdown(names, quick):
    phase_rows, epoch_rows = [], []
    for name in names:
        phases, epoch = run_breakdown(name, quick)
        phase_rows += phases
        epoch_rows.append(epoch)
    c.emit(c.machine_header())
    c.emit()
    c.emit("Where one L1L2ClassifierCV search goes (each setting in a fresh process, searched "
           "twice): tracing the ensemble's graphs (one more each time the members still training "
           "are packed tighter), training the ensemble (in a first search, a graph's first run "
           "includes TensorFlow building its kernels, and the ensemble shares the cores with the "
           "refit's graph, traced in a background thread meanwhile), the refit (the best pair on "
           "all rows), and the rest (splitting, scoring the folds, cv_results_, and waiting for "
           "the refit's trace if it is still running).")
    c.emit(c.markdown_table(
        ["search", "total", "ensemble traces", "ensemble training", "refit", "rest"], phase_rows
    ))
    c.emit()
    c.emit("One epoch of the whole ensemble (every member training, no stopping rule) against "
           "the matrix products of its steps alone, and the rate those products reach against "
           "one 2,048 × 2,048 product's (under this process's threads: with one thread per "
           "operation, one core's best).")
    c.emit(c.markdown_table(
        ["setting", "members", "steps per epoch", "epoch", "its products alone", "share",
         "products GFLOP/s", "one product's GFLOP/s"],
        epoch_rows,
    ))


def run_setting(name, quick, repeats, blas_threads, serial=True):
    """Each kind of search ``repeats`` times, the kinds taking turns (so that a slow spell of a
    shared machine does not fall on one of them), repeat ``r`` starting with kind ``r`` mod the
    number of kinds (so that each goes first equally often over a multiple of their number of
    repeats); the median of each figure.
    ``serial``: also GridSearchCV(L1L2Classifier) with n_jobs=1."""
    data, hidden, folds, epochs = SETTINGS[name]
    if quick:
        folds, epochs = 2, min(epochs, 5)
    setting = dict(data=data, hidden=hidden, folds=folds, epochs=epochs, l1s=L1S, l2s=L2S,
                   alphas=ALPHAS, learning_rate=LEARNING_RATE)
    kinds = ["ours", "grid", *(["serial"] if serial else []), "mlp"]
    runs = {kind: [] for kind in kinds}
    for repeat in range(repeats):
        first = repeat % len(kinds)
        for kind in kinds[first:] + kinds[:first]:
            c.progress(f"{name}: {kind} ({repeat + 1}/{repeats})")
            runs[kind].append(c.python_json(
                PROCESS, [json.dumps(setting), kind, blas_threads or 0], timeout=3600
            ))
    results = {}
    for kind, outputs in runs.items():
        results[kind] = {
            # Every search of every run, each a list of mean scores (and its best index).
            "means": [means for o in outputs for means in o["means"]],
            "best": [best for o in outputs for best in o["best"]],
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
    parser.add_argument(
        "--breakdown", action="store_true",
        help="instead: where one search's time goes, and its products' share of an epoch",
    )
    parser.add_argument(
        "--no-serial", action="store_true",
        help="skip GridSearchCV(L1L2Classifier) with n_jobs=1 (shows the n_jobs=2 searches' "
        "worker start-up)",
    )
    c.add_thread_args(parser, blas_default=1)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.settings.split(",")) - set(SETTINGS))
    if unknown:
        parser.error(f"unknown --settings {', '.join(unknown)}: choose from {', '.join(SETTINGS)}")
    c.apply_thread_args(args)
    c.quiet()
    if args.breakdown:
        breakdown(args.settings.split(","), args.quick)
        return
    rows = []
    for name in args.settings.split(","):
        setting, results = run_setting(
            name, args.quick, args.repeats, args.blas_threads, serial=not args.no_serial
        )
        ours, grid, mlp = results["ours"], results["grid"], results["mlp"]
        serial = results.get("serial")
        ours_seconds = ours["seconds"][0]
        # Over every search of every run (each run searches twice), ours against GridSearchCV's
        # (n_jobs=2, and n_jobs=1 unless skipped: the same cv_results_ either way).
        theirs_all = grid["means"] + (serial["means"] if serial else [])
        # A score NaN on one side only (a candidate one search failed) is a difference, inf;
        # NaN on both sides is agreement (max() skipped a NaN difference unless it came first).
        difference = max(
            (math.inf if math.isnan(a) != math.isnan(b) else 0.0 if math.isnan(a) else abs(a - b))
            for mine in ours["means"] for theirs in theirs_all
            for a, b in zip(mine, theirs, strict=True)
        )
        best = set(ours["best"]) | set(grid["best"]) | set(serial["best"] if serial else [])
        same_best = len(best) == 1
        serial_cells = [
            c.fmt_seconds(serial["seconds"][0]),
            f"{serial['seconds'][0] / ours_seconds:.3f}×",
            c.fmt_seconds(serial["seconds"][1]),
            f"{serial['seconds'][1] / ours['seconds'][1]:.3f}×",
        ] if serial else []
        rows.append([
            name,
            f"{setting['folds']}",
            f"{setting['epochs']}",
            f"{len(L1S) * len(L2S) * setting['folds']}",
            c.fmt_seconds(ours_seconds),
            c.fmt_seconds(ours["seconds"][1]),
            f"{ours['peak_mib']:.0f} MiB (+{ours['growth_mib']:.0f})",
            c.fmt_seconds(grid["seconds"][0]),
            f"{grid['seconds'][0] / ours_seconds:.3f}×",
            c.fmt_seconds(grid["seconds"][1]),
            f"{grid['seconds'][1] / ours['seconds'][1]:.3f}×",
            *serial_cells,
            c.fmt_seconds(mlp["seconds"][0]),
            f"{mlp['seconds'][0] / ours_seconds:.3f}×",
            f"{difference:.1e}",
            "yes" if same_best else "no",
        ])
    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"4 × 4 grid (l1 in {L1S}, l2 in {L2S}); every figure from a fresh process, first search "
        "included, timed after the process's imports (GridSearchCV's start of its two workers, "
        "each importing TensorFlow, included); OpenBLAS at "
        f"{args.blas_threads or 'its default'} thread(s) in the searching process; 'again' is "
        "a second search in the same process (ratios: first against first, "
        "again against again); "
        "GridSearchCV n_jobs=2"
        + ("" if args.no_serial else
           ", and GridSearchCV(ours) also with n_jobs=1 (its fits in the searching process: "
           "no workers to start, which n_jobs=2's first search pays, and no fits in parallel)")
        + "; "
        f"MLPClassifier with learning_rate_init={LEARNING_RATE} (ours' default) over 16 alpha "
        "= 2·200·l2 for l2 in {0} ∪ logspace(1e-6, 1e-3, 15); "
        f"times: median of {args.repeats} runs, the searches taking turns (each run starting "
        "with the next kind); peak RSS and what the "
        "two searches raised it by over the process's peak after its imports (VmHWM): the "
        "largest of the runs; max Δ and same best: ours against GridSearchCV(ours)'s, over both "
        "searches of every run"
    )
    c.emit(
        c.markdown_table(
            [
                "setting", "folds", "epochs", "members", "L1L2ClassifierCV", "again",
                "peak RSS (+ fit)",
                "GridSearchCV(ours)", "speed-up", "again", "speed-up",
                *([] if args.no_serial else
                  ["GridSearchCV(ours) n_jobs=1", "speed-up", "again", "speed-up"]),
                "GridSearchCV(MLP)", "speed-up", "max Δ mean score", "same best",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
