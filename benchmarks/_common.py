"""Helpers shared by the benchmark scripts: machine description, data, timing, estimators, tables.

Imported as ``_common`` by scripts run as ``python benchmarks/<script>.py`` (the script's folder is
then first on ``sys.path``). ``l1l2_estimator`` is imported before anything that pulls in Keras or
TensorFlow, so its quiet-import logic (``TF_CPP_MIN_LOG_LEVEL``) takes effect.
"""

import l1l2_estimator  # noqa: F401, I001  (first: silences TensorFlow's start-up logging)
from l1l2_estimator import L1L2Classifier

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings

import keras
import numpy as np
import scikeras
import sklearn
import tensorflow as tf
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

# The setting of tracker issue 3.
HIDDEN = (64, 32)
L1 = 1e-5
L2 = 1e-4
LEARNING_RATE = 1e-3
BATCH_SIZE = 64
EPOCHS = 20
RANDOM_STATE = 0


def quiet():
    """Filter the warnings that would clutter benchmark output."""
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    tf.get_logger().setLevel("ERROR")
    # keras.wrappers.SKLearnClassifier.predict cannot be given verbose=0: without this it draws a
    # progress bar on every call (which would also be timed).
    keras.config.disable_interactive_logging()


# -- threads ---------------------------------------------------------------------------------


def add_thread_args(parser, blas_default=None):
    """Add ``--blas-threads`` (default ``blas_default``; 0 means the libraries' own choice) and
    ``--tf-threads``."""
    default = "the libraries' own choice" if not blas_default else str(blas_default)
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=blas_default,
        help="limit NumPy/SciPy BLAS and OpenMP threads (threadpoolctl) in this process and "
        "in the processes it starts; "
        f"0: the libraries' own choice; default: {default}. On a busy 2-core machine, "
        "multi-threaded OpenBLAS makes small matrix products (predict) jitter from ~50 µs to "
        "~8 ms; 1 is steadier.",
    )
    parser.add_argument(
        "--tf-threads",
        type=int,
        default=None,
        help="TensorFlow intra- and inter-op threads (TF_NUM_INTRAOP_THREADS / "
        "TF_NUM_INTEROP_THREADS, inherited by worker processes); default: the package's choice "
        "(on at most 2 cores, 1 intra-op thread), else TensorFlow's",
    )


def apply_thread_args(args):
    """Apply ``--blas-threads`` / ``--tf-threads``; call before TensorFlow runs its first op."""
    if args.tf_threads is not None:
        os.environ["TF_NUM_INTRAOP_THREADS"] = str(args.tf_threads)
        os.environ["TF_NUM_INTEROP_THREADS"] = str(args.tf_threads)
        tf.config.threading.set_intra_op_parallelism_threads(args.tf_threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.tf_threads)
    if args.blas_threads:  # None or 0: leave the libraries' own choice
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.blas_threads)  # stays in force: not used as a context


def blas_threads():
    """Thread counts of the BLAS / OpenMP libraries loaded in this process, e.g. "openblas=2"."""
    from threadpoolctl import threadpool_info

    counts = sorted({f"{i['internal_api']}={i['num_threads']}" for i in threadpool_info()})
    return ", ".join(counts) or "none loaded"


def os_threads():
    """Number of OS threads of this process (Linux), or None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def thread_report():
    """What one process sees: TF's thread settings, BLAS threads, OS threads after a tiny fit.

    Cheap (a 1-epoch fit of a 4-unit net on 50 rows starts TensorFlow's thread pools). Meant to run
    inside joblib workers: ``Parallel(n_jobs=2)(delayed(thread_report)() for _ in range(2))``.
    """
    quiet()  # warning filters and TF's logger level are per process
    threads_before = os_threads()
    X, y = make_xy(n_samples=50, n_features=4, n_classes=2)
    L1L2Classifier(hidden_layer_sizes=(4,), epochs=1).fit(X, y)
    time.sleep(0.3)  # hold this worker so that a second call lands on the other one
    return dict(
        pid=os.getpid(),
        cpu_count=os.cpu_count(),
        tf_intra=tf.config.threading.get_intra_op_parallelism_threads(),
        tf_inter=tf.config.threading.get_inter_op_parallelism_threads(),
        tf_env=(os.environ.get("TF_NUM_INTRAOP_THREADS"), os.environ.get("TF_NUM_INTEROP_THREADS")),
        omp_env=os.environ.get("OMP_NUM_THREADS"),
        blas=blas_threads(),
        os_threads_before=threads_before,
        os_threads_after=os_threads(),
    )


# -- machine ---------------------------------------------------------------------------------


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cpu_vector_features():
    """The CPU's widest vector instructions (what decides TensorFlow's default kernels)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    wide = sorted(f for f in flags if f.startswith(("avx512", "amx")))
                    return ", ".join(wide) if wide else ("AVX2, no AVX-512" if "avx2" in flags
                                                         else "no AVX2")
    except OSError:
        pass
    return "unknown vector features"


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def machine_header():
    """One Markdown line describing the machine and library versions."""
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load avg %.2f" % os.getloadavg()[0]
    threading = tf.config.threading
    intra = _pool(threading.get_intra_op_parallelism_threads(), "TF_NUM_INTRAOP_THREADS")
    inter = _pool(threading.get_inter_op_parallelism_threads(), "TF_NUM_INTEROP_THREADS")
    return (
        f"**Machine:** {platform.platform()}; {cpu_model()} ({cpu_vector_features()}); "
        f"{os.cpu_count()} logical cores "
        f"({usable_cores()} usable{load}); Python {platform.python_version()}; "
        f"numpy {np.__version__}; scikit-learn {sklearn.__version__}; "
        f"tensorflow {tf.__version__}; keras {keras.__version__}; "
        f"scikeras {scikeras.__version__}; l1l2_estimator {_version('l1l2-estimator')}; "
        f"threads: {blas_threads()}, TF intra/inter {intra}/{inter}; "
        f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset')}"
    )


def _pool(configured, variable):
    """A TensorFlow thread pool's size: as configured (the package sets the intra-op pool on small
    machines), else from its environment variable, else TensorFlow's default."""
    return str(configured) if configured else os.environ.get(variable, "default")


def _version(distribution):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


# -- data ------------------------------------------------------------------------------------


def make_xy(n_samples=5000, n_features=20, n_classes=3, random_state=0):
    """make_classification data: 10 informative and 5 redundant features (fewer if n_features
    is small)."""
    return make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=min(10, n_features),
        n_redundant=min(5, max(n_features - 10, 0)),
        n_classes=n_classes,
        random_state=random_state,
    )


def make_data(n_samples=5000, n_features=20, n_classes=3, test_size=0.25, random_state=0):
    """make_xy data split 75/25 (stratified): X_train, X_test, y_train, y_test."""
    X, y = make_xy(n_samples, n_features, n_classes, random_state)
    return train_test_split(X, y, test_size=test_size, random_state=random_state, stratify=y)


# -- timing ----------------------------------------------------------------------------------


def median_call_time(function, n_calls, max_seconds=None, warmup=1):
    """Median wall time (seconds) of ``function()`` over up to ``n_calls`` calls after ``warmup``
    untimed calls; stops early (after at least 5 calls) once ``max_seconds`` have been spent."""
    for _ in range(warmup):
        function()
    times = []
    spent = 0.0
    for _ in range(n_calls):
        start = time.perf_counter()
        function()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        spent += elapsed
        if max_seconds is not None and len(times) >= 5 and spent >= max_seconds:
            break
    return statistics.median(times)


def median_fit_time(estimator, X, y, repeats, fit_params=None):
    """Wall time of ``clone(estimator).fit(X, y, **fit_params)`` over ``repeats`` fresh clones;
    returns ``(median seconds, first fit's seconds, last fitted clone)``. The first fit of an
    architecture in a process includes tracing TensorFlow's training function, which later fits of
    L1L2Classifier reuse."""
    times = []
    fitted = None
    for _ in range(repeats):
        fitted = clone(estimator)
        start = time.perf_counter()
        fitted.fit(X, y, **(fit_params or {}))
        times.append(time.perf_counter() - start)
    return statistics.median(times), times[0], fitted


def interleaved_fit_times(estimators, X, y, repeats, fit_params=None):
    """Fit ``repeats`` fresh clones of each of ``estimators`` (with its ``fit_params``, a list of
    dicts), interleaved so that they share the machine's noise: one of each per round, in a
    random order drawn afresh each round (seeded, ``RandomState(0)`` per call, so runs are
    reproducible; a rotation would keep who follows whom, and with it any cost one fit leaves to
    the next), with an untimed ``gc.collect()`` before each timed fit (so that no fit pays for
    collecting another's garbage); returns one list of wall times (seconds) per estimator, in
    round order (entry ``i`` of each list is from round ``i``: the lists are paired), and the
    last fitted clone of each."""
    fit_params = fit_params or [{} for _ in estimators]
    times = [[] for _ in estimators]
    fitted = [None] * len(estimators)
    order = np.random.RandomState(0)
    for _ in range(repeats):
        for index in order.permutation(len(estimators)).tolist():
            estimator = clone(estimators[index])
            gc.collect()
            start = time.perf_counter()
            estimator.fit(X, y, **fit_params[index])
            times[index].append(time.perf_counter() - start)
            fitted[index] = estimator
    return times, fitted


def run_python(code, args=(), env=None, cwd=None, timeout=900):
    """Run ``python -c code *args`` in a fresh interpreter (this one's executable); returns the
    wall time in seconds, as the caller sees it (interpreter start included), and the
    ``subprocess.CompletedProcess`` (text output captured)."""
    return time_command([sys.executable, "-c", code, *map(str, args)], env, cwd, timeout)


def time_command(argv, env=None, cwd=None, timeout=900):
    """Wall time (seconds) of running ``argv`` to completion, and its ``CompletedProcess``."""
    start = time.perf_counter()
    completed = subprocess.run(
        argv, env=env, cwd=cwd, timeout=timeout, capture_output=True, text=True, check=False
    )
    return time.perf_counter() - start, completed


# For the code of a fresh process: its own peak and current resident memory in MiB. Linux's
# ``ru_maxrss`` would not do: a child starts with its parent's (fork and exec keep it), so a small
# child of a benchmark that imported TensorFlow reported the parent's 681 MiB. ``VmHWM`` starts
# afresh at exec, and ``reset_peak`` starts it afresh again (Linux; elsewhere ``ru_maxrss``).
MEMORY = r"""
def _status_mib(field):
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def peak_mib():
    return _status_mib("VmHWM")
def rss_mib():
    return _status_mib("VmRSS")
def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass
"""


def python_json(code, args=(), env=None, cwd=None, timeout=900):
    """Run ``code`` as ``run_python`` does and return the JSON object it printed on its last line
    of standard output; raises RuntimeError (with the end of its stderr) if it failed."""
    _, completed = run_python(code, args, env, cwd, timeout)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"subprocess failed (exit code {completed.returncode}):\n{completed.stderr[-3000:]}"
        )
    return json.loads(lines[-1])


def median(values):
    return statistics.median(values) if values else None


def warm_up(keras_model=False):
    """Pay the once-per-process costs (TensorFlow runtime start, lazy imports) before anything is
    timed, so that they are not charged to whichever estimator happens to run first; with
    ``keras_model``, also Keras' first model build and ``model.fit``/``predict``, for the Keras
    peers. (Until 2026-12-06 every script fitted that plain Keras model: it slowed the package's
    later fits in the process by 2-4%, which its users, who fit no such model, do not pay.)"""
    X, y = make_xy(n_samples=60, n_features=4, n_classes=3)
    L1L2Classifier(hidden_layer_sizes=(4,), epochs=1).fit(X, y).predict(X)
    if keras_model:
        model = _sequential(4, 3, "sparse_categorical_crossentropy")
        model.fit(X, y, epochs=1, verbose=0)
        model.predict(X, verbose=0)
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=1).fit(X, y).predict(X)


# -- estimators ------------------------------------------------------------------------------


def mlp_alpha(l2=L2, batch_size=BATCH_SIZE):
    """MLPClassifier's ``alpha`` whose per-step L2 gradient equals Keras' ``l2``.

    MLPClassifier adds ``alpha * W / n`` to each step's gradient, ``n`` being the rows of the
    mini-batch (``sw_sum`` in ``_backprop``); Keras adds ``2 * l2 * W``. With mini-batches the
    equivalent is therefore ``alpha = 2 * batch_size * l2``, the rule in L1L2Classifier's
    docstring (``l2 = alpha / (2 * batch_size)``); with full-batch training, e.g.
    ``solver="lbfgs"``, the batch is all ``n_samples`` rows.
    MLPClassifier has no L1 term.
    """
    return 2 * batch_size * l2


def ours(epochs=EPOCHS, **overrides):
    params = dict(
        hidden_layer_sizes=HIDDEN,
        l1=L1,
        l2=L2,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        learning_rate=LEARNING_RATE,
        tol=0.0,
        n_iter_no_change=epochs,  # > epochs-1 epochs without improvement never happens: all epochs
        random_state=RANDOM_STATE,
    )
    params.update(overrides)
    return L1L2Classifier(**params)


def mlp(epochs=EPOCHS, **overrides):
    params = dict(
        hidden_layer_sizes=HIDDEN,
        alpha=mlp_alpha(),
        max_iter=epochs,
        batch_size=BATCH_SIZE,
        learning_rate_init=LEARNING_RATE,
        solver="adam",
        tol=0.0,
        n_iter_no_change=epochs,
        random_state=RANDOM_STATE,
    )
    params.update(overrides)
    return MLPClassifier(**params)


def _sequential(n_features, n_classes, loss):
    model = keras.Sequential([keras.Input(shape=(n_features,))])
    for units in HIDDEN:
        model.add(
            keras.layers.Dense(
                units, activation="relu", kernel_regularizer=keras.regularizers.l1_l2(L1, L2)
            )
        )
    model.add(
        keras.layers.Dense(
            n_classes, activation="softmax", kernel_regularizer=keras.regularizers.l1_l2(L1, L2)
        )
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss=loss)
    return model


def scikeras_model(meta):
    """Model function for scikeras' KerasClassifier (integer-encoded targets)."""
    n_features, n_classes = meta["n_features_in_"], meta["n_classes_"]
    return _sequential(n_features, n_classes, "sparse_categorical_crossentropy")


def keras_wrapper_model(X, y):
    """Model function for keras.wrappers.SKLearnClassifier, which one-hot encodes the targets,
    so the loss is categorical (not sparse) cross-entropy: the same loss on a different encoding."""
    return _sequential(X.shape[1], y.shape[1], "categorical_crossentropy")


def plain_scikeras(epochs=EPOCHS):
    from scikeras.wrappers import KerasClassifier

    return KerasClassifier(
        model=scikeras_model,
        loss="sparse_categorical_crossentropy",
        epochs=epochs,
        batch_size=BATCH_SIZE,
        verbose=0,
        random_state=RANDOM_STATE,
    )


def keras_wrapper(epochs=EPOCHS):
    """keras.wrappers.SKLearnClassifier and the fit params to pass to its ``fit``.

    The fit params go to ``fit`` rather than the ``fit_kwargs`` param because the wrapper's
    ``__sklearn_clone__`` (Keras 3.15) drops ``fit_kwargs``: a clone would train 1 epoch, batch 32.
    """
    from keras.wrappers import SKLearnClassifier

    fit_params = dict(epochs=epochs, batch_size=BATCH_SIZE, verbose=0)
    return SKLearnClassifier(model=keras_wrapper_model), fit_params


# -- output ----------------------------------------------------------------------------------


def fmt_seconds(seconds):
    if seconds is None:
        return "n/a"
    if seconds < 0:
        return "−" + fmt_seconds(-seconds)
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def fmt_delta(seconds):
    """A signed duration: "+1.2 ms", "−3.4 s"."""
    return "n/a" if seconds is None else ("+" if seconds >= 0 else "") + fmt_seconds(seconds)


def fmt_ratio(value, reference):
    """``value / reference`` to 3 significant digits (2 had printed 1.049 as "1×", next to a
    target of 1.0×)."""
    if value is None or reference is None or reference == 0:
        return "n/a"
    ratio = value / reference
    return f"{ratio:.0f}×" if ratio >= 100 else f"{ratio:.3g}×" if ratio < 10 else f"{ratio:.1f}×"


def markdown_table(headers, rows):
    """A Markdown table; the first column left-aligned, the others right-aligned."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [
        "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |",
        "|" + "|".join(
            ":" + "-" * (w + 1) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(widths)
        ) + "|",
    ]
    for row in rows:
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def emit(text=""):
    print(text, flush=True)


def progress(text):
    print(text, file=sys.stderr, flush=True)
