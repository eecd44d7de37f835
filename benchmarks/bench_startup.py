"""Start-up costs: imports, the command line, and joblib workers (issue 9).

Every figure comes from fresh processes (``sys.executable``), median of N runs, commands
interleaved run by run:

1. ``python -c pass``, ``import numpy``, ``import sklearn.base``, ``import keras`` and
   ``import keras, scikeras.wrappers`` (what the dependencies cost), ``import l1l2_estimator``,
   ``from l1l2_estimator import L1L2Classifier``; ``python -m l1l2_estimator --help``,
   ``--version``, a usage error (``--epochs 0``) and a CSV error (``--csv missing.csv --target
   y``); then the slowest imports of ``from l1l2_estimator import L1L2Classifier``
   (``python -X importtime``);
2. joblib workers: ``cross_val_score(L1L2Classifier(hidden_layer_sizes=(32,), epochs=20), ...,
   cv=5, n_jobs=2)`` on breast_cancer, first call of a process (workers start and import
   TensorFlow) and second call (loky reuses its workers), vs ``n_jobs=1`` and vs
   ``MLPClassifier``; and how long ``from l1l2_estimator import L1L2Classifier`` takes inside a
   fresh joblib worker.

    python benchmarks/bench_startup.py [--runs 5] [--cv-runs 3] [--quick]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse
import os
import statistics
import sys
import tempfile

# A statement run as ``python -c``, timed inside the child too (import time without the
# interpreter's start and exit; the exit differs: a process that called gc.freeze(), as our package
# does after importing TensorFlow, skips scanning those objects when it shuts down).
TIMED = (
    "import sys, time; _t = time.perf_counter(); {}; "
    "sys.stdout.write('\\n%r' % (time.perf_counter() - _t))"
)

COMMANDS = [
    # (label, arguments after the interpreter, or a statement to time in the child too)
    ("python -c pass", "pass"),
    ("import numpy", "import numpy"),
    ("import sklearn.base", "import sklearn.base"),
    ("import keras", "import keras"),
    ("import keras, scikeras.wrappers", "import keras, scikeras.wrappers"),
    ("import l1l2_estimator", "import l1l2_estimator"),
    ("from l1l2_estimator import L1L2Classifier", "from l1l2_estimator import L1L2Classifier"),
    ("python -m l1l2_estimator --help", ["-m", "l1l2_estimator", "--help"]),
    ("python -m l1l2_estimator --version", ["-m", "l1l2_estimator", "--version"]),
    (
        "python -m l1l2_estimator --epochs 0 (usage error)",
        ["-m", "l1l2_estimator", "--epochs", "0"],
    ),
    (
        "python -m l1l2_estimator --csv missing.csv --target y (CSV error)",
        ["-m", "l1l2_estimator", "--csv", "missing.csv", "--target", "y"],
    ),
]
OURS = "from l1l2_estimator import L1L2Classifier"


def subprocess_env():
    """The environment of every child: this one's, with TF_CPP_MIN_LOG_LEVEL=3 (our package sets
    it too; TensorFlow 2.2x still logs a few lines before reading it, which our package mutes and
    a bare ``import keras`` writes to its captured stderr)."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


# -- 1. commands -----------------------------------------------------------------------------


def run_commands(runs):
    env = subprocess_env()
    wall = {label: [] for label, _ in COMMANDS}
    inside = {label: [] for label, command in COMMANDS if isinstance(command, str)}
    exit_codes = {}
    with tempfile.TemporaryDirectory() as folder:  # missing.csv is surely missing here
        for run in range(runs):
            order = COMMANDS if run % 2 == 0 else COMMANDS[::-1]
            for label, command in order:
                c.progress(f"  run {run + 1}/{runs}: {label} ...")
                arguments = ["-c", TIMED.format(command)] if isinstance(command, str) else command
                seconds, completed = c.time_command(
                    [sys.executable, *arguments], env=env, cwd=folder
                )
                wall[label].append(seconds)
                exit_codes[label] = completed.returncode
                if isinstance(command, str) and completed.returncode == 0:
                    inside[label].append(float(completed.stdout.strip().splitlines()[-1]))
    return wall, inside, exit_codes


def import_profile(top):
    """The slowest imports of ``from l1l2_estimator import L1L2Classifier`` by cumulative time
    (``-X importtime``): packages (names without a dot, at whatever depth they were first
    imported; a package's time includes what it imports), and our own modules. Our package mutes
    file descriptor 2 while TensorFlow imports, which would swallow importtime's lines:
    L1L2_ESTIMATOR_QUIET=0 keeps it open for this run."""
    env = {**subprocess_env(), "L1L2_ESTIMATOR_QUIET": "0"}
    _, completed = c.time_command(
        [sys.executable, "-X", "importtime", "-c", OURS], env=env, cwd=tempfile.gettempdir()
    )
    entries = []
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|", 2)
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        entries.append([int(cumulative_us), int(self_us), depth, name.strip(), ""])
    # A module's line comes after those of the modules it imported: the importer of an entry at
    # depth d is the next entry at depth d - 1. Shown: the first importer outside the package
    # (``import matplotlib.pyplot`` imports ``matplotlib`` first, from within).
    importers = [
        next((i for i in range(index + 1, len(entries)) if entries[i][2] == entry[2] - 1), None)
        for index, entry in enumerate(entries)
    ]
    for index, entry in enumerate(entries):
        package, importer = entry[3].split(".")[0], importers[index]
        while importer is not None and entries[importer][3].split(".")[0] == package:
            importer = importers[importer]
        entry[4] = "" if importer is None else entries[importer][3]
    top_level = sorted((e for e in entries if "." not in e[3]), reverse=True)[:top]
    ours = sorted((e for e in entries if e[3].startswith("l1l2_estimator")), reverse=True)[:top]
    return top_level, ours


# -- 2. joblib workers -----------------------------------------------------------------------

CV_CODE = r"""
import json, sys, time, warnings
kind = sys.argv[1]
n_jobs, calls, blas_threads = (int(value) for value in sys.argv[2:5])
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler
if kind == "ours":
    from l1l2_estimator import L1L2Classifier
    estimator = L1L2Classifier(
        hidden_layer_sizes=(32,), epochs=20, tol=0.0, n_iter_no_change=20, random_state=0
    )
else:
    from sklearn.neural_network import MLPClassifier
    estimator = MLPClassifier(
        hidden_layer_sizes=(32,), max_iter=20, tol=0.0, n_iter_no_change=20,
        learning_rate_init=3e-3, alpha=0.04, random_state=0,
    )
if blas_threads:
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=blas_threads)
warnings.simplefilter("ignore")
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
times = []
for _ in range(calls):
    start = time.perf_counter()
    scores = cross_val_score(estimator, X, y, cv=5, n_jobs=n_jobs)
    times.append(time.perf_counter() - start)
print(json.dumps({"times": times, "accuracy": float(scores.mean())}))
"""

WORKER_IMPORT_CODE = r"""
import json, time
from joblib import Parallel, delayed

def timed_import():
    import os, sys, time
    before = sorted(m for m in ("numpy", "sklearn", "tensorflow") if m in sys.modules)
    start = time.perf_counter()
    from l1l2_estimator import L1L2Classifier  # noqa: F401
    seconds = time.perf_counter() - start
    time.sleep(0.2)  # hold this worker, so that the other task lands on the other one
    return {"pid": os.getpid(), "seconds": seconds, "loaded_before": before}

start = time.perf_counter()
results = Parallel(n_jobs=2)(delayed(timed_import)() for _ in range(2))
print(json.dumps({"workers": results, "wall": time.perf_counter() - start}))
"""

CV_SETTINGS = [("ours", 2), ("ours", 1), ("mlp", 2), ("mlp", 1)]


def run_cv(runs, blas_threads):
    env = subprocess_env()
    times = {setting: ([], []) for setting in CV_SETTINGS}
    for run in range(runs):
        order = CV_SETTINGS if run % 2 == 0 else CV_SETTINGS[::-1]
        for kind, n_jobs in order:
            c.progress(f"  cross_val_score run {run + 1}/{runs}: {kind}, n_jobs={n_jobs} ...")
            result = c.python_json(CV_CODE, [kind, n_jobs, 2, blas_threads or 0], env=env)
            first, second = result["times"]
            times[kind, n_jobs][0].append(first)
            times[kind, n_jobs][1].append(second)
    worker_imports, walls = [], []
    for run in range(runs):
        c.progress(f"  import in fresh joblib workers, run {run + 1}/{runs} ...")
        result = c.python_json(WORKER_IMPORT_CODE, env=env)
        walls.append(result["wall"])
        worker_imports.extend(result["workers"])
    medians = {
        setting: (statistics.median(first), statistics.median(second))
        for setting, (first, second) in times.items()
    }
    return medians, worker_imports, walls


# -- report ----------------------------------------------------------------------------------


def report(args, wall, inside, exit_codes, profile, cv, worker_imports, walls):
    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"Each command in a fresh process (this environment's `{os.path.basename(sys.executable)}`"
        f"), median (and min) of {args.runs} runs, commands interleaved; wall: as the caller "
        "sees it, interpreter start and exit included; in process: the statement alone, timed "
        "inside the child; TF_CPP_MIN_LOG_LEVEL=3 for all."
    )
    c.emit()
    wall_median = {label: statistics.median(values) for label, values in wall.items()}
    inside_median = {label: c.median(values) for label, values in inside.items()}
    base = wall_median["python -c pass"]
    rows = [
        [
            f"`{label}`",
            c.fmt_seconds(wall_median[label]),
            c.fmt_seconds(min(wall[label])),
            c.fmt_delta(wall_median[label] - base),
            c.fmt_seconds(inside_median.get(label)) if label in inside else "",
            exit_codes[label],
        ]
        for label, _ in COMMANDS
    ]
    c.emit(
        c.markdown_table(
            ["command", "wall", "min", "wall − python -c pass", "in process", "exit code"], rows
        )
    )
    c.emit()
    parts = []
    for reference in ("import keras", "import keras, scikeras.wrappers"):
        parts.append(
            f"/ `{reference}`: in process "
            f"{c.fmt_ratio(inside_median[OURS], inside_median[reference])}"
            f" ({c.fmt_delta(inside_median[OURS] - inside_median[reference])}), wall "
            f"{c.fmt_ratio(wall_median[OURS], wall_median[reference])} "
            f"({c.fmt_delta(wall_median[OURS] - wall_median[reference])})"
        )
    c.emit(
        f"`{OURS}` " + "; ".join(parts) + ". The in-process difference is what our own modules "
        "add; wall times also differ in the exit (a process that ran gc.freeze() shuts down "
        "faster)."
    )
    if profile is not None:
        top_level, ours = profile
        headers = ["module", "imported by", "depth", "cumulative", "self"]

        def rows_of(entries):
            return [
                [name, importer or "(the statement)", depth, c.fmt_seconds(cum / 1e6),
                 c.fmt_seconds(own / 1e6)]
                for cum, own, depth, name, importer in entries
            ]

        c.emit()
        c.emit(
            f"#### `python -X importtime -c \"{OURS}\"` (one run; importtime itself adds some "
            f"overhead): the {args.top} slowest packages, where each was first imported (a "
            "package's cumulative time includes the packages it imports)"
        )
        c.emit()
        c.emit(c.markdown_table(headers, rows_of(top_level)))
        c.emit()
        c.emit("Our own modules:")
        c.emit()
        c.emit(c.markdown_table(headers, rows_of(ours)))
    c.emit()
    c.emit(
        f"#### joblib workers: `cross_val_score(..., cv=5)` on load_breast_cancer (standardized), "
        f"hidden (32,), exactly 20 epochs (tol=0), random_state=0; median of {args.cv_runs} "
        "fresh processes, each making two calls"
    )
    c.emit()
    c.emit(
        "Ours: `L1L2Classifier(hidden_layer_sizes=(32,), epochs=20, tol=0, n_iter_no_change=20)`;"
        " MLP: `MLPClassifier(hidden_layer_sizes=(32,), max_iter=20, tol=0, n_iter_no_change=20, "
        "learning_rate_init=3e-3, alpha=0.04)`. First call: the process has imported everything "
        "but not yet fitted (n_jobs=2: loky starts 2 workers, which import scikit-learn and, for "
        "ours, TensorFlow, and trace); second call: the same process again (loky reuses its "
        f"workers). BLAS threads in the parent: {args.blas_threads or 'library default'} "
        "(loky gives each worker cores / n_jobs)."
    )
    c.emit()
    rows = []
    for kind, n_jobs in CV_SETTINGS:
        first, second = cv[kind, n_jobs]
        mlp_first, mlp_second = cv["mlp", n_jobs]
        rows.append(
            [
                f"{'L1L2Classifier' if kind == 'ours' else 'MLPClassifier'}, n_jobs={n_jobs}",
                c.fmt_seconds(first),
                c.fmt_ratio(first, mlp_first),
                c.fmt_seconds(second),
                c.fmt_ratio(second, mlp_second),
                c.fmt_seconds(first - second),
            ]
        )
    c.emit(
        c.markdown_table(
            ["setting", "first call", "× MLP", "second call", "× MLP", "first − second"], rows
        )
    )
    c.emit()
    worker_seconds = [w["seconds"] for w in worker_imports]
    loaded = sorted({m for w in worker_imports for m in w["loaded_before"]})
    c.emit(
        f"`{OURS}` inside a fresh joblib worker (n_jobs=2, both workers importing at once): "
        f"median {c.fmt_seconds(statistics.median(worker_seconds))} (min "
        f"{c.fmt_seconds(min(worker_seconds))}, max {c.fmt_seconds(max(worker_seconds))}) over "
        f"{len(worker_seconds)} tasks in {len({w['pid'] for w in worker_imports})} distinct "
        f"workers; already loaded in the worker before it: "
        f"{', '.join(loaded) or 'none of numpy, sklearn, tensorflow'}; "
        f"the whole `Parallel` call (workers starting included): median "
        f"{c.fmt_seconds(statistics.median(walls))}. The same import in a fresh process alone: "
        f"{c.fmt_seconds(inside_median[OURS])} (in process, above)."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="processes per command (median)")
    parser.add_argument(
        "--cv-runs", type=int, default=3, help="processes per cross_val_score setting (median)"
    )
    parser.add_argument("--top", type=int, default=12, help="rows of the importtime tables")
    parser.add_argument(
        "--no-importtime", action="store_true", help="skip the python -X importtime table"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 2 runs per command, 1 per cv setting"
    )
    c.add_thread_args(parser, blas_default=1)
    args = parser.parse_args(argv)
    c.apply_thread_args(args)
    if args.quick:
        args.runs, args.cv_runs = 2, 1
    c.quiet()
    wall, inside, exit_codes = run_commands(args.runs)
    profile = None if args.no_importtime else import_profile(args.top)
    cv, worker_imports, walls = run_cv(args.cv_runs, args.blas_threads)
    report(args, wall, inside, exit_codes, profile, cv, worker_imports, walls)


if __name__ == "__main__":
    main()
