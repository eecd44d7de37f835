"""Everything l1l2-estimator does to the process, in one place.

Each module of the package that needs TensorFlow, Keras or scikeras imports this module first, so
the effects below happen once, when the first such module is imported (``import l1l2_estimator``
alone imports none of them). Each effect can be switched off by an environment variable, read once
at that moment; the value ``0`` switches it off.

The effects, why, and their switches:

- ``TF_CPP_MIN_LOG_LEVEL=3`` while TensorFlow imports, unless the user set it: TensorFlow's C++
  start-up chatter (oneDNN notices, CUDA probing) would bury the user's own output. TensorFlow
  reads the level once, so its C++ logs stay at that level, errors included, for the rest of the
  process; the variable itself is removed again after the import, so that child processes keep
  their own default. Switch: ``L1L2_ESTIMATOR_QUIET=0``.
- ``TF_ENABLE_ONEDNN_OPTS=1`` on x86-64, unless the user set it: TensorFlow turns its oneDNN
  kernels on by itself only on CPUs with AVX-512 VNNI/BF16 or AMX features; elsewhere (AVX2-only
  CPUs) it runs Eigen's kernels, whose batched matrix products round differently from their plain
  ones, so that the members of the search estimators' ensembles no longer equal single fits bit
  for bit, and those ensembles train up to 2 times slower. Switch: ``L1L2_ESTIMATOR_ONEDNN=0``.
- File descriptor 2 muted while TensorFlow imports (Python errors from the import are still
  raised): TensorFlow 2.2x logs a few lines before it reads that variable. What other threads
  write to it in those seconds is lost too. Switch: ``L1L2_ESTIMATOR_QUIET=0``, or
  ``TF_CPP_MIN_LOG_LEVEL=0``.
- TensorFlow's intra- and inter-op thread pools sized to ``OMP_NUM_THREADS`` when it is set:
  joblib tells each worker its share of the cores there; TensorFlow ignores it and would start a
  thread per core in every worker. Otherwise, when the process may run on at most 2 cores, the
  intra-op pool (the threads one operation is split among) gets 1 thread and the inter-op pool
  keeps TensorFlow's default: the default, a thread per core in each pool, keeps twice as many
  threads busy as there are cores, and splitting an operation between them cost more than it
  gained. On 2 cores the cross-validated estimators' ensembles trained up to 24% faster with 1
  intra-op thread, and single fits took the same time (README, "Threads"). Switch:
  ``L1L2_ESTIMATOR_TF_THREADS=0``, or ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS`` set.
- ``scikeras.wrappers.BaseWrapper`` gets ``__sklearn_tags__`` declared as the very function it
  already inherits (no scikeras class changes behaviour): scikit-learn's
  ``check_estimator_tags_renamed`` rejects any class whose bases define the pre-1.6
  ``_more_tags`` without ``__sklearn_tags__``. Switch: ``L1L2_ESTIMATOR_SCIKERAS_TAGS=0``.
- ``gc.freeze()`` once TensorFlow, Keras and scikeras are imported, after a ``gc.collect()`` (the
  objects alive then move to the permanent generation): they leave ~400,000 long-lived objects
  that every full garbage collection would scan again, 0.15-0.2 s a time (a first fit triggers
  one). Frozen objects are freed when no reference is left to them, but the cycle collector no
  longer looks at them: one in a reference cycle, the user's included, is never reclaimed. So it
  is done only where importing the package is what imports TensorFlow (early in a process, before
  the user's own models and data exist, as a rule); ``gc.unfreeze()`` undoes it. Switch:
  ``L1L2_ESTIMATOR_GC_FREEZE=0``.

- A Keras optimizer whose config names a module of the user's own (for its class or its
  learning-rate schedule) pickles as its serialized config, as scikeras pickles every optimizer,
  and unpickling first imports those modules: an optimizer or schedule class of the user's own,
  registered with ``register_keras_serializable`` in a module of theirs, came back from a fresh
  process (a ``n_jobs`` worker of ``cross_val_score`` or ``GridSearchCV``) as its name, a string,
  since nothing had imported that module there. Keras' own optimizers pickle exactly as scikeras
  pickles them, so their pickles do not need this package to load. Switch:
  ``L1L2_ESTIMATOR_OPTIMIZER_PICKLE=0``.

Where TensorFlow was imported before the package, the effects that act on its import (the log
level, oneDNN, the muted descriptor, the thread pools once it ran an operation) can no longer
apply, and are not attempted: no variable is set, and nothing is frozen.

The package's ``__init__`` registers a handler for ``os.fork`` (``os.register_at_fork``) that
marks a child forked from a process where TensorFlow had started (``_compat`` also recognizes
such a child by a runtime without its threads), so that training there is refused rather than
left to hang; it imports nothing in the child and changes nothing else.

Importing scikeras also changes the process, beyond our control: it sets ``__reduce__`` on
``keras.Model``, ``keras.losses.Loss``, ``keras.metrics.Metric`` and ``keras.optimizers.Optimizer``
so that they pickle (the optimizer's, the package replaces as above).
"""

import contextlib
import copy
import gc
import importlib
import json
import os
import platform
import sys
import types

SWITCHES = {
    "quiet": "L1L2_ESTIMATOR_QUIET",
    "onednn": "L1L2_ESTIMATOR_ONEDNN",
    "threads": "L1L2_ESTIMATOR_TF_THREADS",
    "scikeras_tags": "L1L2_ESTIMATOR_SCIKERAS_TAGS",
    "gc_freeze": "L1L2_ESTIMATOR_GC_FREEZE",
    "optimizer_pickle": "L1L2_ESTIMATOR_OPTIMIZER_PICKLE",
}


def enabled(effect):
    """Whether the user left ``effect`` (a key of ``SWITCHES``) switched on."""
    return os.environ.get(SWITCHES[effect], "1") != "0"


@contextlib.contextmanager
def _stderr_muted():
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (embedded interpreters): nothing to mute
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _wrong_backend(backend):
    return ImportError(
        "l1l2-estimator trains its networks with TensorFlow and needs Keras' TensorFlow backend, "
        f"but Keras is set to use {backend} (by KERAS_BACKEND or the keras.json file of "
        "KERAS_HOME, ~/.keras by default): set the environment variable KERAS_BACKEND=tensorflow "
        "before Keras is first imported."
    )


def _import_tensorflow():
    """Import TensorFlow and Keras, with oneDNN's kernels, quietly unless the user asked for the
    noise; refuse a Keras set to another backend than TensorFlow. Where TensorFlow is already
    imported, its settings are left alone: they are read at its import."""
    requested = os.environ.get("KERAS_BACKEND")
    if "keras" not in sys.modules and requested and requested != "tensorflow":
        raise _wrong_backend(repr(requested))
    first = not TENSORFLOW_ALREADY_IMPORTED
    quiet = first and enabled("quiet")
    set_level = quiet and "TF_CPP_MIN_LOG_LEVEL" not in os.environ
    if set_level:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    if first and enabled("onednn") and platform.machine().lower() in ("x86_64", "amd64"):
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    muted = quiet and os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "0"
    try:
        tensorflow = _import_quietly(muted)
    finally:
        if set_level:  # read by now; child processes keep their own default
            os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return tensorflow


def _import_quietly(muted):
    try:
        with _stderr_muted() if muted else contextlib.nullcontext():
            try:
                import keras
            except ImportError as error:
                # keras.json names a backend whose library is not installed.
                backend = _configured_backend()
                if backend != "tensorflow":
                    raise _wrong_backend(f"{backend!r} ({error})") from error
                raise
            import tensorflow
        check_backend(keras)
    except AttributeError as error:
        # A module of the user's own that hides a library (a keras.py beside the script), or a
        # broken dependency: an AttributeError out of ``from l1l2_estimator import ...`` became
        # Python's "cannot import name 'L1L2Classifier'", without its cause, and the command
        # line printed a traceback.
        raise _import_failure(error) from error
    return tensorflow


def _import_failure(error):
    """The ImportError saying that importing Keras and TensorFlow failed with the
    AttributeError ``error``, and where the module it names was found (a file of the user's
    own, named as a library, hides that library)."""
    module = getattr(error, "obj", None)
    where = ""
    if isinstance(module, types.ModuleType):
        found = getattr(module, "__file__", None) or "a namespace package"
        where = (
            f" (the module {module.__name__!r} imported here is {found}: a file or folder of "
            "that name in the current folder or beside your script hides the installed "
            "library; rename it)"
        )
    return ImportError(f"Importing Keras and TensorFlow failed: {error}{where}.")


def _configured_backend():
    """The backend Keras was configured with, after its import failed: its config module's, or
    else (that module's own import failed, as under Keras 3.15 for a keras.json naming torch
    without torch installed, and Python dropped it) the keras.json Keras reads, found as Keras
    finds it; "tensorflow" where none says otherwise."""
    config = sys.modules.get("keras.src.backend.config")
    if config is not None:
        return getattr(config, "backend", lambda: "tensorflow")()
    if "KERAS_HOME" in os.environ:
        folder = os.path.expanduser(os.environ["KERAS_HOME"])
    else:
        home = os.path.expanduser("~")
        folder = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    try:
        with open(os.path.join(folder, "keras.json"), encoding="utf-8") as file:
            backend = json.load(file).get("backend", "tensorflow")
    except (OSError, ValueError, AttributeError):  # none, not JSON, not an object
        return "tensorflow"
    return backend if isinstance(backend, str) else "tensorflow"


def check_backend(keras):
    """Refuse an imported ``keras`` that runs another backend than TensorFlow."""
    if keras.backend.backend() != "tensorflow":
        raise _wrong_backend(repr(keras.backend.backend()))


# At most this many usable cores: one thread per operation (see the module's docstring).
SMALL_MACHINE_CORES = 2


def usable_cores():
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def thread_pool_sizes(environ, cores):
    """``(intra_op, inter_op)`` threads for TensorFlow given the environment ``environ`` and the
    number of usable ``cores``; None leaves a pool at TensorFlow's default (a thread per core),
    and so does a user's own ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS``."""
    if "TF_NUM_INTRAOP_THREADS" in environ or "TF_NUM_INTEROP_THREADS" in environ:
        return None, None
    threads = environ.get("OMP_NUM_THREADS", "")
    if threads.isdigit() and int(threads) >= 1:
        return int(threads), int(threads)
    if cores <= SMALL_MACHINE_CORES:
        return 1, None
    return None, None


def _size_thread_pools(tensorflow):
    if not enabled("threads"):
        return
    intra, inter = thread_pool_sizes(os.environ, usable_cores())
    user_intra, user_inter = _pools_sized_by_user()
    try:
        if intra is not None and not user_intra:
            tensorflow.config.threading.set_intra_op_parallelism_threads(intra)
        if inter is not None and not user_inter:
            tensorflow.config.threading.set_inter_op_parallelism_threads(inter)
    except RuntimeError:
        pass  # TensorFlow already ran ops in this process; its pools can no longer change


def _pools_sized_by_user():
    """Whether the user sized TensorFlow's intra-op and inter-op pools with
    ``tf.config.threading`` before the package was imported: those sizes are kept (they were set
    over until 2026-12-06). Read from the eager context's own attributes, where the setters
    keep them: the public getters build TensorFlow's configuration, which discovers its devices,
    which the import should not. (This module runs before ``_compat`` can be imported: README,
    "Private APIs".)"""
    from tensorflow.python.eager import context

    eager = context.context_safe()
    return (
        getattr(eager, "_intra_op_parallelism_threads", None) is not None,
        getattr(eager, "_inter_op_parallelism_threads", None) is not None,
    )


def _declare_scikeras_tags():
    from scikeras.wrappers import BaseWrapper
    from sklearn.base import BaseEstimator

    if enabled("scikeras_tags") and "__sklearn_tags__" not in vars(BaseWrapper):
        BaseWrapper.__sklearn_tags__ = BaseEstimator.__sklearn_tags__


def _reduce_optimizer(optimizer):
    """Pickle a Keras optimizer as its serialized config (as scikeras does), to be rebuilt by
    ``_unpickled_optimizer`` where the config names a module of the user's own or Keras'
    optimizer deserializer does not rebuild the class; Keras' own optimizers as scikeras pickles
    them (their pickles then load without this package)."""
    import keras

    serialized = keras.optimizers.serialize(optimizer)
    # A class of the pickling script: its serialization names no module, and where it is
    # registered Keras' unpickler elsewhere said to register it.
    main = type(optimizer).__module__ == "__main__"
    if (
        not main
        and not _user_modules(serialized)
        and _SCIKERAS_REDUCE is not None
        and getattr(keras.optimizers, type(optimizer).__name__, None) is type(optimizer)
        and type(optimizer).__name__ in _REBUILT_BY_EVERY_KERAS
        and _keras_rebuilds(type(optimizer), serialized)
    ):
        return _SCIKERAS_REDUCE(optimizer)
    return _unpickled_optimizer, (serialized, "__main__") if main else (serialized,)


# The optimizers that keras.optimizers.deserialize, which scikeras' unpickler calls, rebuilds in
# every Keras the package supports (3.10 on). It returns the name of any other as a string:
# Muon, Lamb and ScheduleFreeAdamW pickled under Keras 3.15 (whose deserializer knows some of
# them) came back as "Muon" under 3.10, and the next fit was refused for that string.
_REBUILT_BY_EVERY_KERAS = frozenset({
    "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam",
    "RMSprop", "SGD",
})

_KERAS_REBUILDS = {}


def _keras_rebuilds(optimizer_class, serialized):
    """Whether ``keras.optimizers.deserialize``, which scikeras' unpickler calls, rebuilds an
    optimizer of ``optimizer_class`` from its config ``serialized`` (one try per class): it
    returned Keras 3.15's ``Lamb`` as the string "Lamb", which fits then refused."""
    import keras

    if optimizer_class not in _KERAS_REBUILDS:
        try:
            rebuilt = keras.optimizers.deserialize(copy.deepcopy(serialized))
        except Exception:  # noqa: BLE001  (any failure: not rebuilt)
            rebuilt = None
        _KERAS_REBUILDS[optimizer_class] = isinstance(rebuilt, optimizer_class)
    return _KERAS_REBUILDS[optimizer_class]


def _user_modules(serialized):
    """The modules that the serialized optimizer names for its class and its learning-rate
    schedule, but Keras' own and ``__main__``."""
    schedule = serialized.get("config", {}).get("learning_rate")
    modules = []
    for item in (serialized, schedule):
        module = item.get("module") if isinstance(item, dict) else None
        if module and module != "__main__" and module.partition(".")[0] != "keras":
            modules.append(module)
    return modules


def _unpickled_optimizer(serialized, defined_in=None):
    """The optimizer ``serialized`` describes, once the modules it names for its class and its
    learning-rate schedule are imported (importing such a module registers a class of the
    user's own with Keras, which finds it by its registered name). ``defined_in``: the module
    of a class that the pickling process defined in ``__main__`` (Keras' serialization names
    none), so that its absence here is said as such."""
    import keras

    failed = {}
    for module in _user_modules(serialized):
        try:
            importlib.import_module(module)
        except ImportError as error:
            failed[module] = error
    from ._compat import float32_learning_rate

    try:
        # (keras.saving's deserializer knows every Keras optimizer; keras.optimizers' misses
        # some.)
        optimizer = keras.saving.deserialize_keras_object(serialized)
    except (TypeError, ValueError) as error:
        raise _unpickling_error(serialized, defined_in, failed, error) or error
    return float32_learning_rate(optimizer, serialized.get("config", {}).get("learning_rate"))


def _unpickling_error(serialized, defined_in, failed, error):
    """Why a pickled (or copied) optimizer cannot be rebuilt here, or None: a class defined in
    the script or notebook that pickled it and absent here (Keras said to register it, which it
    was), a module that did not import here (the ``ImportError``, which Keras' "Could not
    locate class" left out), a class of Keras' own that this Keras lacks or whose config it
    refuses (a pickle of another Keras version: Keras said to register it), or a class that is
    here but not registered. ``error``: Keras' own."""
    class_name = serialized.get("class_name")
    if defined_in == "__main__" and not isinstance(
        getattr(sys.modules.get("__main__"), str(class_name), None), type
    ):
        return TypeError(
            f"The pickled estimator's optimizer is of the class {class_name!r}, "
            "which the script or notebook that pickled it defined (its __main__), so this "
            "process cannot rebuild it: define the class in a module that both processes import."
        )
    schedule = serialized.get("config", {}).get("learning_rate")
    for item in (serialized, schedule):
        module = item.get("module") if isinstance(item, dict) else None
        if module in failed:
            error = TypeError(
                f"The pickled estimator's optimizer uses the class {item.get('class_name')!r} of "
                f"the module {module!r}, which this process cannot import: {failed[module]}"
            )
            error.__cause__ = failed[module]
            return error
    module = serialized.get("module")
    if isinstance(module, str) and module.partition(".")[0] == "keras":
        import keras

        return TypeError(
            f"The pickled estimator's optimizer is Keras' {class_name}, which this process's "
            f"Keras {keras.version()} cannot rebuild ({str(error).split('. ')[0]}): it was "
            "pickled under another Keras version. Unpickle it where that version is installed, "
            "or fit the estimator again here."
        )
    # A class this process has (a copy made here: clone, a search's members) that Keras cannot
    # find: unregistered, as a fit says.
    from ._params import _rebuildable

    try:
        _rebuildable(serialized)
    except TypeError as unregistered:
        return unregistered
    return None


# scikeras' reducer of Keras optimizers, which ``_reduce_optimizer`` uses for Keras' own (kept
# across an ``importlib.reload`` of this module, which finds its own reducer installed).
_SCIKERAS_REDUCE = globals().get("_SCIKERAS_REDUCE")


def _pickle_optimizers_with_their_modules():
    global _SCIKERAS_REDUCE
    import keras
    import scikeras.wrappers  # noqa: F401  (sets its reducers on Keras' classes)

    if enabled("optimizer_pickle"):
        current = vars(keras.optimizers.Optimizer).get("__reduce__")
        if getattr(current, "__module__", None) != __name__:  # not ours, from an earlier load
            _SCIKERAS_REDUCE = current
        keras.optimizers.Optimizer.__reduce__ = _reduce_optimizer


# Whether TensorFlow was imported before this module (by the user, or another library).
TENSORFLOW_ALREADY_IMPORTED = "tensorflow" in sys.modules

_size_thread_pools(_import_tensorflow())
_declare_scikeras_tags()
_pickle_optimizers_with_their_modules()
if enabled("gc_freeze") and not TENSORFLOW_ALREADY_IMPORTED:
    # Garbage first, which freezing would keep forever; then the objects alive now (see above).
    gc.collect()
    gc.freeze()
