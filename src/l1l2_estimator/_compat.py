"""Every private API of scikit-learn, Keras, TensorFlow and scikeras that the package relies on,
in one place.

Each name below is imported or reached only here, so that a dependency upgrade that removes one
breaks this module (and ``tests/test_compat.py``, which checks each of them) rather than a fit deep
inside the package. README's "Private APIs we rely on" section says why each is used.

Methods of scikeras' ``BaseWrapper`` that the estimators override or call as a subclass
(``_validate_data``, ``_initialize_callbacks``, ``_fit_callbacks``, ``_validate_sample_weight``,
``target_encoder``, ``feature_encoder``, ``_routing_prefixes``, ``current_epoch``) are scikeras'
documented extension points for subclasses; ``tests/test_compat.py`` checks those too.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import contextlib
import functools
import inspect
import io
import os
import sys
import threading

import keras
import tensorflow as tf

# scikit-learn: the decorator that validates params once per fit (nested estimators skip it), the
# constraint types of ``_parameter_constraints``, and the sample-weight check with its
# non-negativity option. Third-party estimators use all three; none is public yet.
from sklearn.base import _fit_context as fit_context  # noqa: F401
from sklearn.utils._param_validation import Interval, Options, StrOptions  # noqa: F401
from sklearn.utils.validation import _check_sample_weight as check_sample_weight  # noqa: F401

# scikit-learn: rows of any array-like (a DataFrame stays one), as GridSearchCV hands each fold's
# held-out rows to its scorer.
from sklearn.utils import _safe_indexing as safe_indexing  # noqa: F401

# scikit-learn: the base class of its searches (GridSearchCV, RandomizedSearchCV, the halving
# ones) and of third-party ones built on it, which keep a refitted ``best_estimator_``.
# Estimators with ``refit`` and ``estimator`` params that are not searches (such as
# TunedThresholdClassifierCV) do not derive from it.
from sklearn.model_selection._search import BaseSearchCV  # noqa: F401

# TensorFlow: the eager context's thread-local function call options (see without_graph_rewrites).
from tensorflow.core.protobuf import config_pb2
from tensorflow.python.eager import context

# TensorFlow: the thread's gradient tapes (see untaped).
from tensorflow.python.eager import record

# TensorFlow: the registry of gradient functions (see forget_custom_gradients).
from tensorflow.python.framework import ops as tf_ops

# TensorFlow: AutoGraph's mark for a function it calls as it is (see not_converted).
from tensorflow.python.autograph.impl.api import autograph_artifact

# TensorFlow: whether op determinism is on (see op_determinism_enabled).
try:
    from tensorflow.python.framework.config import is_op_determinism_enabled
except ImportError:  # pragma: no cover - read from the environment instead
    is_op_determinism_enabled = None


def own_metadata_request(estimator):
    """scikit-learn's ``MetadataRequest`` of ``estimator`` itself (its own ``set_*_request``
    calls), which a router's ``get_metadata_routing`` starts from: scikit-learn's routers build
    theirs with this method, which has no public counterpart (``get_metadata_routing`` of a
    router returns the router). A fresh one at each call: changing it changes no request of
    the estimator."""
    return estimator._get_metadata_request()


@contextlib.contextmanager
def without_graph_rewrites():
    """Run TensorFlow functions called in this block (in this thread) without Grappler's graph
    rewrites.

    Grappler optimizes a function graph the first time it is called, which costs about 0.1 s for
    the training graph and buys nothing measurable on it (its operations are already what they
    should be). TensorFlow has no public per-function switch; the thread-local call options of
    the eager context carry the configuration that Grappler reads. Every call of a function must
    use the same options, or TensorFlow instantiates it again.
    """
    eager = context.context()
    saved = eager.function_call_options
    eager.function_call_options = _call_options_without_rewrites()
    try:
        yield
    finally:
        eager.function_call_options = saved


def untaped(function):
    """``function`` called out of the sight of any ``tf.GradientTape`` the caller has open in
    this thread (``with tf.GradientTape():`` around a fit, a Keras habit): a tape recorded the
    training function's call and looked up the gradients of its operations, which
    ``forget_custom_gradients`` had removed, and the fit failed with TensorFlow's
    ``LookupError: No gradient defined``. Nothing that a fit computes is differentiable to the
    caller anyway (the package's training loop takes its own gradients). TensorFlow's public
    ``GradientTape.stop_recording`` pauses one tape, which the package cannot see; this pauses
    them all."""

    def call(*args, **kwargs):
        if not record.could_possibly_record():
            return function(*args, **kwargs)
        with record.stop_recording():
            return function(*args, **kwargs)

    return call


@functools.cache
def _call_options_without_rewrites():
    config = config_pb2.ConfigProto()
    config.CopyFrom(context.context().config)
    config.allow_soft_placement = True
    config.graph_options.rewrite_options.disable_meta_optimizer = True
    return context.FunctionCallOptions(config_proto=config)


def flat_caller(function):
    """A caller of the concrete TensorFlow ``function`` (traced with an ``input_signature`` of
    tensor specs and lists of them) that binds its inputs itself: each is converted to its
    spec's dtype, and a tensor of another dtype or of a shape the spec does not allow is refused
    (``TypeError``, ``ValueError``), then the flat tensors go to ``ConcreteFunction._call_flat``,
    which runs the function (it checks shapes only while a graph is built, not in eager calls).
    TensorFlow's own binding matches every input against the signature through its generic
    type system: about 0.5 ms per call of the training function, 0.15 ms of a load, a sizeable
    share of a small fit. Without ``_call_flat`` (a TensorFlow that renamed it), the function
    itself."""
    call_flat = getattr(type(function), "_call_flat", None)
    if call_flat is None:
        return function
    names = list(function.function_type.parameters)
    specs = dict(zip(names, function.structured_input_signature[0], strict=True))
    # A list of specs takes a list of values; a single spec one value (which may be a list).
    lists = {name: isinstance(specs[name], (list, tuple)) for name in names}
    expected = {
        name: [(spec, _dims(spec)) for spec in tf.nest.flatten(specs[name])] for name in names
    }

    def call(*args, **kwargs):
        if len(args) > len(names):
            raise TypeError(f"{len(args)} positional inputs, expected at most {len(names)}")
        bound = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in expected or name in bound:
                raise TypeError(f"unexpected or repeated input {name!r}")
            bound[name] = value
        missing = [name for name in names if name not in bound]
        if missing:
            raise TypeError(f"missing inputs {missing}")
        flat = []
        for name in names:
            values = bound[name] if lists[name] else [bound[name]]
            if not isinstance(values, list) or len(values) != len(expected[name]):
                raise ValueError(f"{name}: expected a list of {len(expected[name])} inputs")
            for (spec, dims), value in zip(expected[name], values):
                flat.extend(_flat_input(name, spec, dims, value))
        return call_flat(function, flat, function.captured_inputs)

    return call


def _dims(spec):
    return tuple(spec.shape.as_list())


def _flat_input(name, spec, dims, value):
    """``value`` as the flat tensors of ``spec`` (a sparse tensor's three)."""
    if isinstance(spec, tf.SparseTensorSpec):
        if not isinstance(value, tf.SparseTensor) or value.values.dtype != spec.dtype:
            raise TypeError(f"{name}: expected a {spec.dtype.name} SparseTensor")
        tensors, dims = [value.indices, value.values, value.dense_shape], None
    else:
        if not isinstance(value, tf.Tensor):
            value = tf.convert_to_tensor(value, spec.dtype)
        elif value.dtype != spec.dtype:
            raise TypeError(f"{name}: expected {spec.dtype.name}, got {value.dtype.name}")
        tensors = [value]
    if dims is not None:
        shape = tuple(value.shape)
        if len(shape) != len(dims) or any(d is not None and d != n for d, n in zip(dims, shape)):
            raise ValueError(f"{name}: expected shape {dims}, got {shape}")
    elif len(tuple(value.dense_shape.shape)) != 1 or value.dense_shape.shape[0] != len(spec.shape):
        raise ValueError(f"{name}: expected a SparseTensor of rank {len(spec.shape)}")
    return tensors


def custom_gradient_names():
    """The names in TensorFlow's gradient registry now (see ``forget_custom_gradients``)."""
    return set(tf_ops._gradient_registry._registry)


def forget_custom_gradients(names, graphs):
    """Remove from TensorFlow's gradient registry the entries among ``names`` that a trace of
    ``graphs`` (the graphs of a trainer's concrete functions) registered.

    ``tf.custom_gradient`` inside a traced function registers its gradient function under a
    fresh name (``CustomGradient-<uid>``) and never removes it. The function closes over the
    traced graph, which then lives as long as the process: about 13 MiB a trace, kept after the
    trainer itself is gone. Once a trace is done its gradients are part of the graph and the
    entries are not read again. Only entries registered in ``graphs`` (or in a graph nested in
    one: a loop's body, a branch) are removed: a function traced in another thread meanwhile
    needs its own until its gradient is first taken, which TensorFlow builds from the registry
    when asked, long after the trace.
    """
    registry = tf_ops._gradient_registry._registry
    ours = {id(graph) for graph in graphs}
    for name in names:
        entry = registry.get(name)
        if name.startswith("CustomGradient-") and entry and _registered_in(entry["type"], ours):
            registry.pop(name, None)


def _registered_in(function, graph_ids):
    """Whether ``function``, a custom gradient's registered function, was registered in a trace
    of one of ``graph_ids`` (ids of graphs; or of a graph nested in one): TensorFlow's
    ``internal_grad_fn`` closes over the function that computes the gradient, which closes
    over the custom gradient's outputs, tensors of the graph it was traced in. Another
    thread's entry is only looked at, never trusted: whatever fails there (a closure that
    ``nest`` cannot flatten) makes it not ours."""
    try:
        for cell in _cells(function):
            if callable(cell):
                for value in _cells(cell):
                    if not callable(value) and any(
                        _nested_in(getattr(item, "graph", None), graph_ids)
                        for item in tf.nest.flatten(value)
                    ):
                        return True
    except Exception:  # noqa: BLE001  (see above)
        return False
    return False


def _cells(function):
    """The values ``function`` closes over (empty cells left out)."""
    for cell in getattr(function, "__closure__", None) or ():
        try:
            yield cell.cell_contents
        except ValueError:  # an empty cell
            continue


def _nested_in(graph, graph_ids):
    """Whether ``graph`` is one of ``graph_ids`` (ids of graphs) or nested in one."""
    while graph is not None:
        if id(graph) in graph_ids:
            return True
        graph = getattr(graph, "outer_graph", None)
    return False


def _tensorflow_running():
    """Whether TensorFlow's runtime has started in this process: its eager context holds a C
    context (with its thread pools) once the first operation ran; importing TensorFlow alone
    starts none."""
    started = context.context_safe()
    return started is not None and started._context_handle is not None


# Set in a child forked from a process where TensorFlow's runtime had started (see
# ``refuse_forked_tensorflow``); inherited by the child's own children.
_forked_from_running_tensorflow = False


def _tensorflow_starting():
    """Whether a thread is starting TensorFlow's runtime now: its eager context's start-up lock
    is held (a fork then copies it held, and the child's first operation waits for it
    forever)."""
    started = context.context_safe()
    lock = getattr(started, "_initialize_lock", None)
    return lock is not None and lock.locked()


def mark_forked_child():
    """Called in a child process just forked (the package's ``os.register_at_fork`` handler,
    registered when the package is imported): note whether TensorFlow's runtime had started,
    or was starting in another thread."""
    global _forked_from_running_tensorflow, _forked_while_tensorflow_started
    _forked_while_tensorflow_started = _forked_while_tensorflow_started or _tensorflow_starting()
    _forked_from_running_tensorflow = (
        _forked_from_running_tensorflow or _tensorflow_running() or _forked_while_tensorflow_started
    )


def _runtime_without_its_threads():
    """Whether TensorFlow's runtime has started but none of its threads run in this process: the
    runtime of a parent, inherited through a fork. None where the threads cannot be listed (no
    ``/proc``). This thread does not count: a fork's one thread keeps its name, which is the
    script's (``tf_job.py``, run as a program) or a TensorFlow pool thread's.

    The runtime's threads are told by their names (``tf_...``) where TensorFlow names them
    (2.21); 2.16 to 2.20 leave them the name of the thread that started them, so there only a
    process with no other thread at all is known to be a fork's (one with other threads, its
    own or the runtime's, cannot be told, and is let train: the runtime's had been taken for
    none, and every process that ran TensorFlow before the package was refused)."""
    if not _tensorflow_running():
        return False
    this_thread = str(threading.get_native_id())
    try:
        names = []
        for task in os.listdir("/proc/self/task"):
            if task != this_thread:
                with open(f"/proc/self/task/{task}/comm") as comm:
                    names.append(comm.read())
    except OSError:
        return None
    return _threads_inherited(names, _NAMES_ITS_THREADS)


def _threads_inherited(names, named):
    """Whether the other threads of a process, by their ``names``, say that its running
    TensorFlow runtime is a parent's: none of them is the runtime's (``tf_...``, where its
    threads are ``named``), or, where they are not, there is none at all."""
    if any(name.startswith("tf_") for name in names):
        return False
    return not names or named


# Whether this TensorFlow names its runtime's threads tf_... (2.21 does; 2.16 to 2.20 do not).
_NAMES_ITS_THREADS = tuple(int(part) for part in tf.__version__.split(".")[:2]) >= (2, 21)


# A process that loads this module after TensorFlow's runtime started: a parent's runtime,
# inherited through a fork, has none of its threads here (one the process started itself has).
# Without /proc, the package's fork handler tells: it notes a fork while TensorFlow was
# imported and this module was not yet loaded (where it was, ``mark_forked_child`` ran).
_inherited = _runtime_without_its_threads()
if _inherited is None:
    _inherited = getattr(sys.modules[__package__], "_forked_after_tensorflow_import", False)
# Forked while another thread of the parent was starting TensorFlow's runtime: its start-up lock
# was copied held, and every operation here, even building an optimizer, would wait for it.
_forked_while_tensorflow_started = getattr(
    sys.modules[__package__], "_forked_while_tensorflow_started", False
)
_forked_from_running_tensorflow = bool(_inherited) or _forked_while_tensorflow_started


def refuse_forked_tensorflow():
    """RuntimeError in a process forked (``os.fork``, multiprocessing's default start method on
    Linux, joblib's "multiprocessing" backend) from one where TensorFlow's runtime had started:
    its thread pools do not survive a fork, and the first operation in the child waits for them
    forever (a fit hung there, where ``MLPClassifier`` trains)."""
    if _forked_from_running_tensorflow:
        raise RuntimeError(_FORKED)


def refuse_strategy_scope():
    """RuntimeError inside a ``tf.distribute`` strategy's scope (``with strategy.scope():``, a
    common Keras habit around a whole script): the package trains on one device, and a fit
    that built its trainer there failed inside TensorFlow ("DistributedVariable.handle is not
    available outside the replica context", or ``'NoneType' object has no attribute
    'merge_call'``), while one whose trainer an earlier fit had cached trained."""
    if tf.distribute.has_strategy():
        raise RuntimeError(
            "l1l2-estimator trains on one device and cannot train inside a tf.distribute "
            f"strategy's scope ({type(tf.distribute.get_strategy()).__name__}); call fit, "
            "partial_fit and the searches outside `with strategy.scope():`. predict, model_, "
            "dump and load work there."
        )


_FORKED = (
    "TensorFlow cannot run in a process forked from one where it had already run (its thread "
    "pools do not survive the fork, and training would wait for them forever). Use joblib's "
    "default backend (loky), or multiprocessing with the 'spawn' or 'forkserver' start method "
    "(multiprocessing.get_context('spawn'); for joblib's 'multiprocessing' backend, which forks "
    "whatever context parallel_config names, multiprocessing.set_start_method('spawn', "
    "force=True) at the start of the program). predict works here: it is NumPy."
)


def require_eager_execution():
    """RuntimeError where TensorFlow's eager execution is off here: in a process where
    ``tf.compat.v1.disable_eager_execution()`` ran (which cannot be undone), inside a
    ``tf.Graph().as_default()`` block, or while a ``tf.function`` is traced. The package calls
    its traced functions eagerly and reads their results as NumPy arrays, which failed inside
    TensorFlow there (inside a ``tf.function``, with an error that blamed the optimizer's
    params)."""
    if _forked_while_tensorflow_started:  # any operation would wait forever (see above)
        raise RuntimeError(_FORKED)
    if not tf.executing_eagerly():
        raise RuntimeError(
            "l1l2-estimator needs TensorFlow's eager execution, which is off here: inside a "
            "tf.function, inside a `with tf.Graph().as_default():` block, or in a process where "
            "tf.compat.v1.disable_eager_execution() ran. Train, build model_, dump and load "
            "outside them (eager execution is TensorFlow 2's default). predict works anywhere: "
            "it is NumPy."
        )


def not_converted(entity):
    """``entity`` (a function, or a class with the public methods the package defines on it and
    its bases) marked so that AutoGraph, inside a user's ``tf.function``, calls it as it is:
    AutoGraph otherwise rewrote every function such a call reached, scikit-learn's too, which
    made a ``predict`` there take seconds and log, for each function it could not rewrite (one
    with a ``:=``, say), a warning that asks users to report a TensorFlow bug; a fit did so too
    before it was refused.
    The mark is the one ``tf.autograph.experimental.do_not_convert`` puts on the wrapper it
    returns, set here without a wrapper, whose frame would move every warning's
    ``stacklevel``. A subclass's own methods are converted, but not the package's that they
    call."""
    if not inspect.isclass(entity):
        return autograph_artifact(entity)
    package = __name__.rpartition(".")[0]
    for owner in entity.__mro__:
        if owner.__module__.partition(".")[0] != package:
            continue
        for name, member in vars(owner).items():
            member = getattr(member, "fn", member)  # scikit-learn's available_if
            if not name.startswith("_") and inspect.isfunction(member):
                autograph_artifact(member)
    return entity


def require_usable_tensorflow():
    """RuntimeError where the package cannot run TensorFlow: in graph mode, or in a process
    forked from one where TensorFlow had run."""
    require_eager_execution()
    refuse_forked_tensorflow()


def require_training_tensorflow():
    """``require_usable_tensorflow``, and ``refuse_strategy_scope``: what training a network
    (one, or an ensemble) needs."""
    require_usable_tensorflow()
    refuse_strategy_scope()


def validate_params(estimator):
    """Check ``estimator``'s params against its ``_parameter_constraints`` (scikit-learn's
    ``BaseEstimator._validate_params``, what ``fit_context`` calls), raising scikit-learn's
    ``InvalidParameterError`` (a ``ValueError``) naming the param."""
    estimator._validate_params()


def scorer_accepts_sample_weight(scorer):
    """Whether ``GridSearchCV`` would pass ``sample_weight`` to ``scorer``: the scikit-learn
    versions whose ``GridSearchCV`` has ``_check_scorers_accept_sample_weight`` forward it to
    scorers that accept it, outside metadata routing, asking the scorer's private
    ``_accept_sample_weight`` (a plain callable through its signature); older ones never do."""
    from sklearn.model_selection import GridSearchCV

    if not hasattr(GridSearchCV, "_check_scorers_accept_sample_weight"):
        return False
    if hasattr(scorer, "_accept_sample_weight"):
        return scorer._accept_sample_weight()
    return "sample_weight" in inspect.signature(scorer).parameters


def scorer_takes_no_sample_weight(scorer):
    """Whether ``scorer`` (a scikit-learn scorer: its metric, the private ``_score_func``; else
    the callable itself) can take no ``sample_weight``: its signature names none and takes no
    ``**kwargs``, through which a metric may still take it (scikit-learn's own
    ``_accept_sample_weight`` looks for the name only)."""
    function = getattr(scorer, "_score_func", scorer)
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # no signature to read: say nothing of it
        return False
    return not any(
        parameter.name == "sample_weight" or parameter.kind is parameter.VAR_KEYWORD
        for parameter in parameters
    )


# The per-variable state that the proximal L1 step reads from Keras optimizers, by optimizer
# class and quantity: the private attribute holding one variable per trained variable.
OPTIMIZER_SLOTS = {
    "Adam": {"second_moment": "_velocities", "max_second_moment": "_velocity_hats"},
    "AdamW": {"second_moment": "_velocities", "max_second_moment": "_velocity_hats"},
    "Nadam": {"second_moment": "_velocities"},
    "RMSprop": {"second_moment": "_velocities", "mean_gradient": "_average_gradients"},
    "Adagrad": {"accumulator": "_accumulators"},
    "Adamax": {"infinity_norm": "_u"},
}


# The optimizer state that Keras never makes negative (a negative value there makes the next step
# NaN), by optimizer class: the private attributes holding each trained variable's running
# squares, accumulators or infinity norm, and Nadam's product of momentum factors. Every
# optimizer also keeps its step count, ``_iterations`` (``iterations`` is a tensor, not that
# variable, under gradient accumulation). SGD's and Lion's state may take either sign.
NON_NEGATIVE_STATE = {
    "Adam": ("_velocities", "_velocity_hats"),  # _velocity_hats with amsgrad=True only
    "AdamW": ("_velocities", "_velocity_hats"),
    "Nadam": ("_velocities", "_u_product"),
    "RMSprop": ("_velocities",),
    "Adagrad": ("_accumulators",),
    "Adadelta": ("_accumulated_grads", "_accumulated_delta_vars"),
    "Ftrl": ("_accumulators",),
    "Adamax": ("_u",),
}


def float32_learning_rate(optimizer, learning_rate):
    """``optimizer`` with its learning-rate variable in float32, holding ``learning_rate`` (the
    number its config gives; a schedule, which keeps no variable, is left alone).

    Keras makes that variable in ``keras.config.floatx()``: under a user's float16 the fits
    trained at a rounded rate, and a float16 or float64 variable made ``dump`` write, and
    ``load`` expect, a layout of another type. The package trains, saves and loads in float32
    whatever ``floatx`` says, without setting that process-wide value itself; the new variable
    takes the old one's place among the optimizer's variables (Keras' tracker), so that their
    order is Keras' own.
    """
    variable = getattr(optimizer, "_learning_rate", None)
    if (
        # A variable (Keras 3.5 and 3.6 export a subclass of the optimizer's own variables'
        # class as keras.Variable: by class, this was skipped there), not a schedule.
        not hasattr(variable, "assign")
        or variable.dtype == "float32"
        or isinstance(learning_rate, (bool, dict))
        or not isinstance(learning_rate, (int, float))
    ):
        return optimizer
    with keras.name_scope(optimizer.name, caller=optimizer):
        fresh = keras.Variable(
            float(learning_rate), name="learning_rate", dtype="float32", trainable=False,
            aggregation="only_first_replica",
        )
    optimizer._tracker.replace_tracked_value("variables", variable, fresh)
    optimizer._learning_rate = fresh
    return optimizer


def step_count(optimizer):
    """The built ``optimizer``'s count of the steps it took (an int64 variable; ``iterations`` is
    a tensor, not that variable, under gradient accumulation)."""
    return optimizer._iterations


def non_negative_state(optimizer):
    """The variables of the built ``optimizer``'s state that Keras never makes negative."""
    variables = [step_count(optimizer)]
    for name in NON_NEGATIVE_STATE.get(type(optimizer).__name__, ()):
        state = getattr(optimizer, name, [])
        variables += state if isinstance(state, list) else [state]
    return variables


def centered_state(optimizer):
    """``(second_moment, mean_gradient)`` pairs of the built ``optimizer``'s state, one per trained
    variable, if it is a centered RMSprop (else none). Its step divides by the square root of
    ``second_moment - mean_gradient ** 2 + epsilon``, which Keras keeps positive: a running mean
    of squares is never below the square of the running mean."""
    if type(optimizer).__name__ != "RMSprop" or not optimizer.centered:
        return []
    return list(zip(optimizer._velocities, optimizer._average_gradients))


def accumulator_state(optimizer):
    """``(accumulator, initial_accumulator_value)`` pairs of the built ``optimizer``'s state, one
    per trained variable, if it is an Adagrad or an Ftrl (else none). Keras starts each accumulator
    at ``initial_accumulator_value`` and only adds squares of gradients to it."""
    if type(optimizer).__name__ not in ("Adagrad", "Ftrl"):
        return []
    return [(accumulator, optimizer.initial_accumulator_value)
            for accumulator in optimizer._accumulators]


def gradient_accumulators(optimizer):
    """The built ``optimizer``'s gradient accumulators (one per trained variable) and its
    ``gradient_accumulation_steps`` n, or ``([], None)`` without accumulation. Keras adds each
    step's gradients to them and, at every step that brings the step count to a multiple of n,
    applies their mean and sets them back to zero: whenever the count is a multiple of n, they
    are all zero."""
    steps = optimizer.gradient_accumulation_steps
    if not steps:
        return [], None
    return list(optimizer._accumulated_gradients), int(steps)


def momentum_product(optimizer):
    """The built ``optimizer``'s running product of momentum factors if it is a Nadam (else None):
    a scalar that Keras starts at 1 and multiplies by ``beta_1 * (1 - 0.5 * 0.96 ** step)`` each
    step, so that it stays below 1 for ``beta_1 <= 1`` (float32 takes it to 0 after about 1,000
    steps of the default ``beta_1``); its steps divide by 1 minus it."""
    if type(optimizer).__name__ != "Nadam":
        return None
    return optimizer._u_product


def moment_state(optimizer):
    """``(first_moment, second_state)`` pairs of the built ``optimizer``'s state, one per trained
    variable, with the kind of the second: ``("squares", pairs)`` for Adam, AdamW and Nadam (a
    running mean of gradients and of their squares, both ``s += (x - s) * (1 - beta)``),
    ``("norms", pairs)`` for Adamax (a running mean of gradients and ``u = max(beta_2 * u,
    |gradient|)``), ``(None, [])`` for the others."""
    kind = type(optimizer).__name__
    if kind in ("Adam", "AdamW", "Nadam"):
        return "squares", list(zip(optimizer._momentums, optimizer._velocities))
    if kind == "Adamax":
        return "norms", list(zip(optimizer._m, optimizer._u))
    return None, []


def optimizer_slot(optimizer, quantity, variable):
    """The state ``quantity`` (a key of ``OPTIMIZER_SLOTS[class name]``) that ``optimizer``
    keeps for ``variable``, or None if it keeps none (an RMSprop that is not centered keeps no
    mean gradient)."""
    name = OPTIMIZER_SLOTS.get(type(optimizer).__name__, {}).get(quantity)
    slots = getattr(optimizer, name, None) if name else None
    if not slots:
        return None
    return slots[optimizer._get_variable_index(variable)]


def detach_model(callback, model):
    """Keras: unset ``callback``'s model if it is ``model`` (``Callback._model``, where
    ``set_model`` keeps it), without calling ``set_model``: a subclass's override may use the
    model it is given (TensorBoard writes its graph), and None is no model."""
    if getattr(callback, "_model", None) is model:
        callback._model = None


def weight_decay_exclusions(optimizer):
    """Keras: whether ``optimizer`` holds exclusions set by ``exclude_from_weight_decay``
    (``_exclude_from_weight_decay``, variables by id, and ``_exclude_from_weight_decay_pattern``,
    names), which its config does not hold."""
    return bool(getattr(optimizer, "_exclude_from_weight_decay", None)) or (
        getattr(optimizer, "_exclude_from_weight_decay_pattern", None) is not None
    )


def profiles_batches(callback):
    """Keras: whether a ``TensorBoard`` callback was given a ``profile_batch`` (which it keeps
    parsed as ``_start_batch`` and ``_stop_batch``, both 0 for none)."""
    return getattr(callback, "_stop_batch", 0) > 0


def keras_archive_bytes(model):
    """``model`` in Keras' native ``.keras`` format, as bytes, written in memory by Keras' saver
    (``keras.src.saving.saving_lib.save_model`` takes a file object; the public
    ``keras.saving.save_model`` only a path ending in ".keras"). Through a file in a temporary
    folder, a write that failed there (a full disk, a quota) left a folder of Keras' own behind,
    one per failed ``dump``; into memory, Keras makes only an empty folder there while it saves.
    None where Keras has no such saver (the caller writes a file)."""
    try:
        from keras.src.saving.saving_lib import save_model
    except ImportError:
        return None
    buffer = io.BytesIO()
    save_model(model, buffer)
    return buffer.getvalue()


# The kinds of object whose attribute skip sets Keras' saver builds (saving_lib).
_SKIPSET_KINDS = ("Operation", "Layer", "Functional", "Sequential", "Metric", "Optimizer", "Loss")


def cache_keras_save_skipsets():
    """Keras (3.15 and earlier): ``saving_lib.get_attr_skipset`` stores each set it builds as
    the global attribute ``saving_attr_skipset_<kind>`` but looks for
    ``saving_attr_skiplist_<kind>``, so it never finds it, and every save builds its reference
    objects again: a fresh, automatically named ``Optimizer``, about 70 KB that TensorFlow's
    runtime keeps, per ``dump``. After a save, the sets it built are stored under the name it
    reads too (Keras' global attributes are per thread, as are these). Where a Keras reads
    the name it writes, this finds the name already set and changes nothing."""
    from keras.src.backend.common import global_state

    for kind in _SKIPSET_KINDS:
        built = global_state.get_global_attribute(f"saving_attr_skipset_{kind}", None)
        read = f"saving_attr_skiplist_{kind}"
        if built is not None and global_state.get_global_attribute(read, None) is None:
            global_state.set_global_attribute(read, built)


def op_determinism_enabled():
    """Whether TensorFlow's op determinism is on (``tf.config.experimental.
    enable_op_determinism()``, or ``TF_DETERMINISTIC_OPS`` set when TensorFlow started), under
    which TensorFlow refuses the clock (its ``Timestamp`` operation) that the training loop reads
    to return to Python: public TensorFlow has the switch and no way to read it. Without the
    private getter, the environment variable alone is read."""
    if is_op_determinism_enabled is None:
        return os.environ.get("TF_DETERMINISTIC_OPS", "").strip().lower() in ("1", "true")
    return bool(is_op_determinism_enabled())
