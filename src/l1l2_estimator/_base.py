"""What L1L2Classifier and L1L2Regressor share: params, tags, fitting and the fitted state.

``L1L2Network`` is a mixin placed before the scikeras wrapper in each estimator's bases. It holds
the fit loop (one private ``_fit`` shared by ``fit`` and ``partial_fit``), the one method that
publishes a fitted state (``_set_fitted_state``, used by ``fit`` and by ``persistence.load``), and
calls a few hooks that each task defines: how targets are checked, described and encoded, what
the output layer is, and how held-out rows are scored.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import contextvars
import copy
import difflib
import functools
import inspect
import math
import threading
import warnings
import zlib
from numbers import Integral

import keras
import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ._compat import (
    check_sample_weight,
    fit_context,
    profiles_batches,
    refuse_forked_tensorflow,
    validate_params,
)
from ._ensemble import check_elementwise, train_ensemble
from ._fitted import changes, publish, stand_in
from ._graph import PROXIMAL_OPTIMIZERS
from ._inference import LOSS_CHECKED_ROWS, forward, training_loss_overflows
from ._inputs import (
    check_class_weight,
    class_weight_factors,
    float32_weights,
    is_sparse,
    to_largest_1,
    unit_mean,
    weight_sources,
)
from ._memory import check_training_memory
from ._network import build_network, distinct_network_name
from ._params import (
    ACTIVATIONS,
    ROUTING_PREFIXES,
    SPARSE_FORMATS,
    RoutedParams,
    batch_rows,
    layer_sizes,
    new_optimizer,
    optimizer_config,
)
from ._stopping import (
    DIVERGED,
    ValidationStoppingRule,
    blind_stop_advice,
    divergence_advice,
    finite_values,
    float32_blind_best,
    frames_above,
    large_penalty_advice,
    loss_above_the_mean,
    loss_floor,
    loss_rule_state,
    never_improved,
    never_improved_advice,
    rose_from_the_start,
    small_target_message,
    target_scale_advice,
    target_too_small,
    target_variation,
    warn_blind_stop,
    warn_never_improved,
    warn_not_converged,
    warn_rose,
    warn_stopped_short,
    worse_than_the_mean_message,
)
from ._trainer_cache import NetworkSpec
from ._training import train


# Keras' Model.fit arguments that scikeras forwards from fit, and that are params here.
_KERAS_FIT_SETTINGS = frozenset(
    {"epochs", "batch_size", "verbose", "callbacks", "shuffle", "initial_epoch"}
)


def refuse_keywords(estimator, method, keywords):
    """TypeError for keyword arguments ``estimator.method`` does not take, saying where the first
    goes: Keras' and scikeras' ``fit`` arguments are params here, as in scikit-learn."""
    if not keywords:
        return
    name = next(iter(keywords))
    kind = type(estimator).__name__
    if name in estimator.get_params(deep=False) or name in _KERAS_FIT_SETTINGS:
        advice = (
            "training settings are params, as in scikit-learn: "
            f"set_params({name}=...) or {kind}({name}=...)"
        )
    elif name in ("validation_split", "validation_data"):
        advice = (
            "hold rows out with early_stopping=True and validation_fraction, as MLPClassifier "
            "does"
        )
    else:
        taken = [
            name for name, parameter
            in inspect.signature(getattr(estimator, method)).parameters.items()
            if parameter.kind is not parameter.VAR_KEYWORD
        ]
        advice = f"{method} takes {', '.join(taken[:-1])} and {taken[-1]}"
        # The closest of the method's arguments and the params (class_weights is the
        # class_weight param, not sample_weight); MLPClassifier's names (max_iter) first.
        params = estimator._signature_params()
        close = difflib.get_close_matches(name, [*taken, *params], n=1)
        if name == "classes" and is_classifier(estimator):
            advice += "; fit reads the classes from y" + (
                " (classes is an argument of partial_fit)"
                if hasattr(estimator, "partial_fit") else ""
            )
        elif estimator._other_name(name) is not None or (close and close[0] in params):
            advice += f"; training settings are params{estimator._param_hint(name)}"
        elif close:
            advice += f" (did you mean {close[0]!r}?)"
    raise TypeError(f"{kind}.{method}() got an unexpected keyword argument {name!r}: {advice}.")


def _but_learning_rate(config):
    """A serialized optimizer without its learning rate's value, keeping only whether it is a
    schedule: a Keras optimizer keeps its state in other variables when the rate is a schedule
    (no variable for the rate), so a switch between a number and a schedule is another
    optimizer."""
    rate = config["config"].get("learning_rate")
    return {**config, "config": {**config["config"], "learning_rate": isinstance(rate, dict)}}


def _is_callback(item):
    """A Keras callback, or a callback class (scikeras builds it with ``callbacks__*``)."""
    return isinstance(item, keras.callbacks.Callback) or (
        isinstance(item, type) and issubclass(item, keras.callbacks.Callback)
    )


def _check_callbacks(callbacks):
    """Refuse ``callbacks`` entries that scikeras would refuse later with its own ``TypeError``."""
    bad = [
        item for item in callbacks or ()
        if not (_is_callback(item) or (isinstance(item, list) and all(map(_is_callback, item))))
    ]
    if bad:
        raise ValueError(
            "callbacks must be a list of keras.callbacks.Callback instances or classes (built "
            f"with callbacks__* arguments), or lists of them; got {bad[0]!r} in it."
        )


def _is_index(part):
    """Whether ``part`` of a routed name is a list index as scikeras reads it: ASCII digits,
    written as ``int`` writes them (scikeras matches ``"0"``, not ``"00"`` or ``"²"``)."""
    return part.isascii() and part.isdigit() and str(int(part)) == part


def _callback_classes(callbacks):
    """Each callback class in the list ``callbacks``, with where it sits (``"0"``, or ``"0__1"``
    in a nested list) and the indexes of the routed arguments that reach it: scikeras passes
    an unnumbered ``callbacks__<name>`` to the classes of the outer list, ``callbacks__<i>__``
    to the i-th item (every class of a nested list), and ``callbacks__<i>__<j>__`` to the j-th
    class of the i-th."""
    for position, item in enumerate(callbacks):
        if isinstance(item, type):
            yield str(position), item, ("", str(position))
        elif isinstance(item, (list, tuple)):
            for inner, cls in enumerate(item):
                if isinstance(cls, type):
                    yield f"{position}__{inner}", cls, (str(position), f"{position}__{inner}")


def _constructor_parameters(cls):
    """The parameters of the constructor of ``cls`` as Python reads its signature (not through
    a decorator's ``__wraps__``, which may name another function's); None where it cannot be
    read, and the class is left to say what it takes."""
    try:
        return inspect.signature(cls, follow_wrapped=False).parameters
    except (TypeError, ValueError):
        return None


def _takes(parameters, argument):
    """Whether a constructor of ``parameters`` takes the routed ``argument`` (a name, or a
    position: scikeras passes digits as positional arguments, in their order)."""
    if parameters is None:
        return True
    kinds = [parameter.kind for parameter in parameters.values()]
    if argument.isascii() and argument.isdigit():
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return inspect.Parameter.VAR_POSITIONAL in kinds or (
            sum(kind in positional for kind in kinds) > int(argument)
        )
    if argument in parameters and (
        parameters[argument].kind is not inspect.Parameter.POSITIONAL_ONLY
    ):
        return True
    return inspect.Parameter.VAR_KEYWORD in kinds


def _check_callback_arguments(estimator):
    """Refuse, before training, a ``callbacks__*`` argument that routes to no callback class (a
    number past the list, an index scikeras does not read as one) or reaches a class whose
    constructor does not take it, and a class whose required argument none gives: scikeras
    drops the first silently, and builds the others into the class's own TypeError, which names
    neither the argument nor the way out."""
    routed = [name for name in estimator._extra_param_names() if name.startswith("callbacks__")]
    callbacks = estimator.callbacks if isinstance(estimator.callbacks, list) else []
    if not callbacks:
        # With no callbacks (None, or an empty list in a grid), the arguments route nowhere and
        # are kept (a grid over callbacks=[None, [...]] with fixed routed arguments).
        return
    classes = list(_callback_classes(callbacks))
    reaching = {}  # where each class sits -> the arguments that reach it
    for name in routed:
        index, _, argument = name.removeprefix("callbacks__").rpartition("__")
        parts = index.split("__") if index else []
        if parts and not (_is_index(parts[0]) and int(parts[0]) < len(callbacks)):
            where = (
                f"callbacks[{parts[0]}], but callbacks holds callbacks[0] to "
                f"callbacks[{len(callbacks) - 1}]" if _is_index(parts[0])
                else f"{parts[0]!r}, which is no index of the list callbacks (its items are "
                f"numbered from 0, as in callbacks__0__{argument})"
            )
            raise ValueError(
                f"{name} routes to {where}; remove it with del estimator.{name}."
            )
        item = callbacks[int(parts[0])] if parts else None
        if len(parts) == 2 and _is_index(parts[1]) and not (
            isinstance(item, (list, tuple)) and int(parts[1]) < len(item)
        ):
            what = "a list shorter than that" if isinstance(item, (list, tuple)) else "no list"
            raise ValueError(
                f"{name} routes to callbacks[{parts[0]}][{parts[1]}], but callbacks[{parts[0]}] "
                f"is {what}; remove it with del estimator.{name}."
            )
        if not index and classes and all(isinstance(item, (list, tuple)) for item in callbacks):
            raise ValueError(
                f"{name} reaches no callback class: an unnumbered argument reaches the classes "
                "of the outer list of callbacks only, and its classes are in nested lists (it "
                f"was dropped); number it, as callbacks__{classes[0][0]}__{argument} or "
                f"callbacks__{classes[0][0].partition('__')[0]}__{argument} for every class of "
                f"callbacks[{classes[0][0].partition('__')[0]}], or remove it with del "
                f"estimator.{name}."
            )
        for where, cls, indexes in classes:
            if index not in indexes:
                continue
            reaching.setdefault(where, []).append(argument)
            parameters = _constructor_parameters(cls)
            if _takes(parameters, argument):
                continue
            close = difflib.get_close_matches(argument, list(parameters), n=1)
            taking = [
                (other, other_cls) for other, other_cls, _ in classes
                if other != where and argument in (_constructor_parameters(other_cls) or {})
            ]
            if close:
                hint = f" (did you mean callbacks__{index + '__' if index else ''}{close[0]}?)"
            elif not index and taking:
                other, other_cls = taking[0]
                hint = f" (callbacks__{other}__{argument} reaches {other_cls.__name__} alone)"
            else:
                hint = ""
            raise ValueError(
                f"{name} reaches callbacks[{where.replace('__', '][')}], {cls.__name__}, which "
                f"takes no argument {argument!r}{hint}; remove it with del estimator.{name}."
            )
    for where, cls, _ in classes:
        parameters = _constructor_parameters(cls)
        if parameters is None:
            continue
        given = reaching.get(where, [])
        positions = sum(argument.isascii() and argument.isdigit() for argument in given)
        missing = [
            name for number, (name, parameter) in enumerate(parameters.items())
            if parameter.default is parameter.empty
            and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
            and name not in given
            and not (number < positions and parameter.kind is not parameter.KEYWORD_ONLY)
        ]
        if missing:
            raise ValueError(
                f"callbacks[{where.replace('__', '][')}], {cls.__name__}, needs the argument "
                f"{missing[0]!r}, and no callbacks__* argument gives it: set "
                f"callbacks__{where}__{missing[0]}=... (or pass an instance, "
                f"{cls.__name__}(...))."
            )


def _build_callbacks(estimator):
    """scikeras' ``_initialize_callbacks`` (which builds callback classes with the
    ``callbacks__*`` arguments), with its TypeError for arguments that reach a callback
    instance (a loaded file's, beside the instances passed again after loading) as a
    ValueError saying what to do."""
    try:
        estimator._initialize_callbacks()
    except TypeError as error:
        routed = [
            name for name in estimator._extra_param_names() if name.startswith("callbacks__")
        ]
        if not routed or "does not accept parameters because it's not a class" not in str(error):
            raise
        raise ValueError(
            f"The callbacks__* arguments {routed} build callback classes, but reach a callback "
            "instance in callbacks, which takes none: pass the class (keras.callbacks."
            "EarlyStopping, not EarlyStopping(...)), or remove the arguments (del "
            f"estimator.{routed[0]})."
        ) from None


# The events Model.fit and Model.predict send that these estimators never do: training runs
# whole epochs in compiled code and scores its held-out rows without Keras' evaluate, and
# prediction runs without Keras' predict (scikeras passed the callbacks to it).
_UNSENT_EVENTS = (
    "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
    "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
)


def _check_callback_events(callbacks, stacklevel):
    """Refuse built ``callbacks`` that count batches to act (``ModelCheckpoint``'s and
    ``BackupAndRestore``'s integer ``save_freq``): training sends callbacks epoch events only,
    so they never acted, without a word. Warn of a callback of the user's own (or a
    ``LambdaCallback``) that handles a batch, test or predict event, of ``TerminateOnNaN`` (a batch
    event's) and of ``TensorBoard`` with an integer ``update_freq`` or a ``profile_batch``:
    each would do nothing of it, silently (a warning at ``stacklevel`` from here)."""
    idle = []
    for callback in keras.tree.flatten(list(callbacks or [])):
        name = type(callback).__name__
        save_freq = getattr(callback, "save_freq", "epoch")
        if isinstance(callback, (keras.callbacks.ModelCheckpoint,
                                 keras.callbacks.BackupAndRestore)) and (
            isinstance(save_freq, Integral) and not isinstance(save_freq, bool)
        ):
            raise ValueError(
                f"callbacks: {name}'s save_freq={save_freq} counts batches, "
                "and these estimators send callbacks epoch events only (it would never save): "
                "use save_freq='epoch'."
            )
        swap = getattr(keras.callbacks, "SwapEMAWeights", None)
        if swap is not None and isinstance(callback, swap):
            # Keras' own ValueError said to set use_ema=True, which these estimators refuse.
            raise ValueError(
                "callbacks: SwapEMAWeights swaps in the optimizer's moving average of the weights "
                "(use_ema=True), which these estimators do not support (Keras puts the average "
                "in place of the weights at the end of training); remove it."
            )
        if isinstance(callback, keras.callbacks.TerminateOnNaN):
            idle.append(f"{name} (a fit whose loss turns NaN or infinite raises a ValueError, "
                        "'training diverged', anyway)")
        elif isinstance(callback, keras.callbacks.TensorBoard) and (
            isinstance(callback.update_freq, Integral) or profiles_batches(callback)
        ):
            unsent = []
            if isinstance(callback.update_freq, Integral):
                unsent.append(f"update_freq={callback.update_freq} (it logs each epoch only)")
            if profiles_batches(callback):
                unsent.append("profile_batch (the profiler starts and stops at batch events)")
            idle.append(f"{name}'s {' and '.join(unsent)}")
        else:
            events = [event for event in _UNSENT_EVENTS if _users_handler(callback, event)]
            if events:
                idle.append(f"{name}'s {', '.join(events)}")
    if idle:
        warnings.warn(
            "callbacks: these estimators send callbacks epoch events only (on_train_begin, "
            "on_epoch_begin, on_epoch_end, on_train_end), never batch, test or predict events, "
            f"so these never act: {'; '.join(idle)}. Do the work in on_epoch_end.",
            UserWarning,
            stacklevel=stacklevel + frames_above(),
        )


def _users_handler(callback, event):
    """Whether ``callback`` handles ``event`` with code of its own: set on the instance (as
    ``LambdaCallback`` sets the functions it is given), or in a class of its that is not Keras'
    (Keras' checkpoints handle batch events for their batch ``save_freq`` only, refused above,
    and its progress bar and TensorBoard's validation logs have the estimator's own
    counterparts)."""
    if event in vars(callback):
        return True
    for cls in type(callback).__mro__:
        if event in vars(cls):
            return not (cls.__module__ == "keras" or cls.__module__.startswith("keras."))
    return False


def _uncopyable_callback_error(estimator):
    """A ``TypeError`` naming the first callback instance of ``estimator`` (nested lists
    flattened) that cannot be copied, and what to do; None if every one can. Keras' CSVLogger
    keeps its closed log file after a fit and TensorBoard its writers and modules, so that
    cloning or pickling the fitted estimator failed with pickle's "cannot pickle
    '_io.TextIOWrapper' object", naming neither. (Copied as ``clone`` copies them: a callback of
    lambdas copies, and only pickle refuses it, naming the lambda.)"""
    if getattr(_COPY_CHECK, "running", False):
        # A callback that refers to its estimator copies it, which checks again: once is enough
        # (each check had copied afresh, until a RecursionError was taken for the callback's).
        return None
    _COPY_CHECK.running = True
    try:
        return _first_uncopyable(estimator)
    finally:
        _COPY_CHECK.running = False


_COPY_CHECK = threading.local()


def _first_uncopyable(estimator):
    for callback in keras.tree.flatten(list(getattr(estimator, "callbacks", None) or [])):
        if isinstance(callback, type):
            continue
        try:
            # The estimator itself is not copied along (a callback that refers to it would
            # otherwise be blamed for another callback of it that does not copy).
            copy.deepcopy(callback, {id(estimator): estimator})
        except Exception as error:  # whatever the callback's own state raises
            name = type(callback).__name__
            return TypeError(
                f"{type(estimator).__name__}'s {name} callback cannot be copied or pickled "
                f"({type(error).__name__}: {error}), which cloning (GridSearchCV, "
                f"cross_val_score) and pickling the estimator need: pass the class, "
                f"callbacks=[{_public_path(type(callback))}] with its arguments as "
                "callbacks__<argument>=..., which builds a fresh one for every fit, or "
                "set_params(callbacks=None) first."
            )
    return None


def _public_path(cls):
    """Where to import ``cls`` from: ``keras.callbacks.CSVLogger`` for Keras' own callbacks
    (their ``__module__`` is a private ``keras.src`` one), else its module's path."""
    if getattr(keras.callbacks, cls.__name__, None) is cls:
        return f"keras.callbacks.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def _weights_digest(coefs, intercepts):
    """A checksum of the weights ``coefs`` and ``intercepts`` (their values and shapes): whether
    ``model_`` still holds the estimator's weights, which may have been replaced or changed in
    place since it was built (as ``MLPClassifier``'s may). CRC-32, about 2 ms a million weights
    (BLAKE2 took 9 ms): it guards against edits, not forgery."""
    checksum = 0
    for array in (*coefs, *intercepts):
        array = np.ascontiguousarray(array, dtype=np.float64)
        checksum = zlib.crc32(repr(array.shape).encode(), checksum)
        checksum = zlib.crc32(array.data, checksum)
    return checksum


class _Draws:
    """What a fit draws from a ``RandomState`` param, given back if the fit fails: a failed fit
    had moved the param on, so that the next fit differed from the one it would have been
    (``MLPClassifier`` moves it on in some such cases, not in others). Drawn from the param
    itself, under a lock, so that fits sharing one generator, in threads too, draw distinct
    numbers; given back only while nothing has drawn from it since."""

    _lock = threading.Lock()

    def __init__(self, random_state):
        self.generator = random_state if isinstance(random_state, np.random.RandomState) else None
        self._before = self._after = None

    def __enter__(self):
        if self.generator is not None:
            self._lock.acquire()
            try:
                self._before = self.generator.get_state()
            except BaseException:  # Ctrl-C while reading: the lock had stayed held, for good
                self._lock.release()
                raise
        return self

    def __exit__(self, *exc_info):
        if self.generator is not None:
            try:
                self._after = self.generator.get_state()
            finally:
                self._lock.release()

    def give_back(self):
        if self._after is None:
            return
        with self._lock:
            if _same_state(self.generator.get_state(), self._after):
                self.generator.set_state(self._before)


def _same_state(state, other):
    """Whether two ``RandomState.get_state()`` tuples are the same state."""
    return all(
        np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
        for a, b in zip(state, other, strict=True)
    )


def checks_continued_params(partial_fit):
    """Decorate ``partial_fit`` (outside ``fit_context``) to check the param constraints when it
    continues a fitted estimator: ``fit_context`` skips them there (to keep repeated calls cheap),
    so that a param set between calls (``l1=-1``, ``batch_size=0``) was trained on, or failed
    inside TensorFlow. Skipped, as for ``fit``, under ``sklearn.set_config(
    skip_parameter_validation=True)``."""

    @functools.wraps(partial_fit)
    def checked(self, *args, **kwargs):
        if self.__sklearn_is_fitted__() and not get_config()["skip_parameter_validation"]:
            validate_params(self)
        return partial_fit(self, *args, **kwargs)

    return checked


# Set while scikit-learn's HTML view lists the fitted attributes (see _get_fitted_attr_html).
_LISTING_ATTRIBUTES = contextvars.ContextVar("listing_fitted_attributes", default=False)


class _NotBuiltYet:
    """What that list shows for a ``model_`` not built yet (its repr, whole: the view shortens
    strings beyond 9 characters and other reprs beyond 20)."""

    def __repr__(self):
        return "<not built yet>"


_NOT_BUILT = _NotBuiltYet()


class L1L2Network(RoutedParams):
    """Mixin: the shared machinery of the L1-L2 network estimators (see the module docstring).

    ``__init__`` only stores its arguments (``_store_params``); scikeras' own ``__init__`` is not
    called: it would store params these classes do not have (``model``, ``loss``, ...), which
    ``clone`` would then pass back."""

    __repr__ = BaseEstimator.__repr__  # scikit-learn's: shows only the params that differ
    _routing_prefixes = ROUTING_PREFIXES  # scikeras' set_params routing
    _penalties = None  # (l1, l2) of the fitted weights; set by _set_fitted_state

    def __sklearn_tags__(self):
        # scikeras lists BaseWrapper before ClassifierMixin/RegressorMixin, so the mixins' tags
        # are never reached through super(); each task sets what its mixin would set.
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        self._set_task_tags(tags)
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    def _refuse_initialize(self):
        raise AttributeError(
            f"{type(self).__name__} does not offer scikeras' initialize (a Keras model built and "
            "compiled without training): its network is trained by its own loop and kept as "
            "coefs_ and intercepts_, which only fit and partial_fit set. Call fit, or "
            "partial_fit for one epoch."
        )

    # scikeras' public initialize validated the data onto the estimator (overwriting a fitted
    # one's n_features_in_) and then failed on attributes these classes do not have: it is
    # unavailable, as scikit-learn marks a method an estimator does not offer.
    @available_if(_refuse_initialize)
    def initialize(self, X, y=None):
        """Not offered: ``hasattr(estimator, "initialize")`` is False; use ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Unused.
        y : array-like of shape (n_samples,), default=None
            Unused.
        """

    # -- hooks each task defines ------------------------------------------------------------

    def _set_task_tags(self, tags):
        """Set the estimator type and the task's tags on ``tags``."""
        raise NotImplementedError

    def _targets_from(self, y, classes, sparse=False, partial=False):
        """What the network's output must describe, learned from ``y`` at a fresh fit
        (``classes`` from ``partial_fit``; ``sparse``: ``y`` was given as a SciPy sparse
        matrix; ``partial``: the fit is ``partial_fit``'s): the classes, or the number of
        outputs."""
        raise NotImplementedError

    def _fitted_targets(self):
        """The same description, of the fitted estimator."""
        raise NotImplementedError

    def _target_state(self, targets):
        """The fitted attributes that ``targets`` determine (encoder, ``classes_``, ...)."""
        raise NotImplementedError

    def _check_targets_continue(self, y, incremental, classes=None):
        """Refuse targets that the existing output layer cannot learn."""

    def _encode_targets(self, targets, y):
        """``y`` as the network's training targets (class codes, or numbers), for ``targets``."""
        raise NotImplementedError

    def _output_layer(self, targets):
        """``(units, activation, loss)`` of the output layer for ``targets``."""
        raise NotImplementedError

    def _validation_score(self, targets, y_true, output, sample_weight):
        """Score of network ``output`` on held-out ``y_true`` (higher is better)."""
        raise NotImplementedError

    def _stratify(self, y):
        return None

    def _check_held_out(self, y_val):
        """Refuse early_stopping's held-out targets if its score cannot rank epochs by them."""

    def _output_bias(self, targets, encoded, sample_weight, partial=False):
        """The output layer's starting bias for a fresh fit on the training rows' ``encoded``
        targets and ``sample_weight`` (``partial``: the rows of a first ``partial_fit`` call),
        or None for zeros (Keras' and scikit-learn's start)."""
        return None

    # -- fitting -----------------------------------------------------------------------------

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the network to ``(X, y)``; with ``warm_start=True``, continue training it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels (or a multilabel indicator matrix) for the classifier, numbers
            for the regressor.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss.
        **fit_params : dict
            Not taken: a TypeError says where each setting goes (training settings such as
            ``epochs`` are params, as in scikit-learn; scikeras forwards them to Keras).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        refuse_keywords(self, "fit", fit_params)
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        """Fit (or, with ``incremental`` or ``warm_start``, continue fitting) and publish the
        fitted state once training has succeeded. A fit that fails gives back what it drew from
        a ``RandomState`` param (see ``_Draws``)."""
        draws = _Draws(self.random_state)
        try:
            return self._fit_drawing(X, y, sample_weight, draws, incremental=incremental,
                                     classes=classes)
        except BaseException:
            draws.give_back()
            raise

    def _fit_drawing(self, X, y, sample_weight, draws, *, incremental, classes):
        """``_fit``'s work; a fresh fit draws its initial state under ``draws``."""
        self._check_params()
        # Read once: a set_params during training (from a callback, or another thread) applies
        # to the next fit; the published state records what this one trained with (it had
        # recorded the penalties in force when training ended, as if trained under them).
        penalties = (float(self.l1), float(self.l2))
        epochs = 1 if incremental else self.epochs
        if incremental and self.early_stopping:
            peer = "MLPClassifier" if is_classifier(self) else "MLPRegressor"
            raise ValueError(
                f"partial_fit does not support early_stopping=True, as {peer}'s does not: "
                "it trains one epoch on the rows it is given and holds none out. Set "
                "early_stopping=False to train incrementally (also to continue a fit that used "
                "it)."
            )
        continuing = (incremental or self.warm_start) and self.__sklearn_is_fitted__()
        source = self
        if continuing:
            # What a continued fit starts from, read from a copy of one fit's attributes (a
            # refit in another thread, published meanwhile, had mixed one fit's weights with
            # another's loss curve); what its checks record there (a subclass's
            # _validate_data may) is published with the fit, as a fresh fit's validation is.
            found = stand_in(self)
            source = stand_in(found)
            X, y = source._validate_data(X, y)
            source._check_targets_continue(y, incremental, classes)
            state = source._continued_state(incremental)
            features = source.n_features_in_, getattr(source, "feature_names_in_", None)
            validated = changes(found, source)
        else:
            sparse_y = is_sparse(y)  # a SciPy matrix, or a DataFrame of sparse columns
            checked = stand_in(self)  # the feature count is published with the network
            X, y = checked._validate_data(X, y, reset=True)
            features = checked.n_features_in_, getattr(checked, "feature_names_in_", None)
            # And whatever else validation recorded (a subclass's _validate_data may).
            validated = changes(self, checked)
            targets = self._targets_from(y, classes, sparse_y, partial=incremental)
            with draws:
                state = self._initial_state(targets, X.shape[1], random_state=draws.generator)
        targets, hidden_activation = state["targets"], state["hidden_activation"]
        units, output_activation, loss = self._output_layer(targets)
        # scikeras sets this fit's callbacks, and predict's, on the estimator it is called
        # on; kept there, they rode along in every pickle and copy (after
        # set_params(callbacks=None) too: a lambda's callback made the fitted estimator
        # unpicklable). Set on a stand-in, nothing of the estimator changes (a concurrent
        # fit of the same estimator in another thread is not disturbed either); training
        # takes them from it, and the NumPy predict needs none.
        routed = stand_in(self)
        _build_callbacks(routed)
        callbacks = routed._fit_callbacks
        # Warnings point at the caller: _fit's and fit's frames, and partial_fit's one more.
        _check_callback_events(callbacks, stacklevel=6 + incremental)
        sample_weight = self._training_weights(
            X, y, sample_weight, targets, relative=not incremental
        )
        X, y, sample_weight = self._validate_sample_weight(X, y, sample_weight)
        validation = None
        validation_carried = False
        if not incremental and self.early_stopping:
            X, y, sample_weight, validation = self._hold_out_validation(
                X, y, sample_weight, state, output_activation
            )
            if continuing and source._validation_continues(state):
                validation_carried = validation.continue_from(
                    state["validation_scores"], state["weights"]
                )
        if not incremental:
            # partial_fit takes them as given (Keras' train_on_batch does): scaled per call,
            # a class weight would cancel out in a call of one class.
            sample_weight = unit_mean(sample_weight)
        else:
            sample_weight = float32_weights(sample_weight, self.get_params(deep=False))
        encoded = self._encode_targets(targets, y)
        if not continuing:  # from the rows it trains on (after early_stopping's hold-out)
            bias = self._output_bias(targets, encoded, sample_weight, partial=incremental)
            if bias is not None:
                state = {**state, "weights": [*state["weights"][:-1], bias]}
        spec = NetworkSpec(
            layer_sizes=(X.shape[1], *(w.shape[1] for w in state["weights"][::2])),
            activation=hidden_activation,
            output=output_activation,
            loss=loss,
            proximal=bool(self.proximal_l1),
            sparse=sp.issparse(X),
        )
        losses = state["loss_curve"]
        # With early_stopping, the held-out score alone stops training, as in
        # MLPClassifier; partial_fit trains its one epoch.
        stopping = (
            None if incremental or validation is not None
            else (self.tol, self.n_iter_no_change)
        )
        rule_start = state["rule_start"]
        carried = source._carried_rule(losses, rule_start) if continuing and stopping else None
        if continuing and (carried is None if not incremental else source._penalties_changed()):
            # The rule starts afresh with this fit's epochs (partial_fit's epochs count in
            # the training's rule, but under other penalties they start a new one).
            rule_start = len(losses)
        result = train(
            spec,
            state["optimizer_config"],
            state["weights"],
            state["optimizer_state"],
            X,
            encoded,
            sample_weight,
            l1=penalties[0],
            l2=penalties[1],
            epochs=epochs,
            batch_size=batch_rows(self.batch_size),
            shuffle=self.shuffle,
            seed=state["shuffle_seed"],
            initial_epoch=len(losses),
            stopping=stopping,
            rule_state=carried,
            validation=validation,
            callbacks=callbacks,
            verbose=self.verbose,
            # The callbacks' network carries this fit's penalties, not the fitted ones.
            keras_model=lambda: self._keras_model(
                {**state, "optimizer_state": None}, penalties=penalties
            ),
        )
        if result.diverged:
            start_weight = None
            if continuing and training_loss_overflows(
                state["weights"], X, encoded, spec.activation, spec.output
            ):
                start_weight = float(max(np.abs(w).max() for w in state["weights"]))
            raise ValueError(self._divergence_message(
                len(losses) + len(result.losses), X, y, sample_weight, start_weight=start_weight,
                start_penalty=(
                    _penalty_of(state["weights"], *penalties),
                    min(batch_rows(self.batch_size), X.shape[0]),
                ),
            ))
        if validation is not None:
            # The scores of this training: of the fits before too, where the rule carried.
            validation_scores = validation.scores
            validation_start = (
                len(losses) - len(state["validation_scores"]) if validation_carried
                else len(losses)
            )
        elif incremental:  # kept, as MLPClassifier keeps them, at the epochs they scored
            validation_scores = state["validation_scores"]
            validation_start = state["validation_start"]
        else:
            validation_scores = validation_start = None
        # Before the new state is published: a ConvergenceWarning turned into an error
        # (``-W error``) fails the fit, which then leaves the estimator as it was.
        if not incremental and not result.converged and not result.stopped_by_callback:
            warn_not_converged(
                type(self).__name__, epochs, stacklevel=5,
                by="training loss" if validation is None else "validation score",
                advice=target_scale_advice(y, getattr(self, "loss", None)),
            )
        elif stopping and result.converged and not result.stopped_by_callback:
            best = float32_blind_best((losses + result.losses)[rule_start:], self.tol)
            if best is not None:
                warn_blind_stop(
                    type(self).__name__, len(result.losses), best, self.tol, stacklevel=5,
                    advice=blind_stop_advice(y, getattr(self, "loss", None))
                    + large_penalty_advice([penalties]),
                )
            elif not continuing and rose_from_the_start(result.losses):
                warn_rose(
                    type(self).__name__, result.losses, stacklevel=5,
                    advice=divergence_advice(self.get_params(deep=False), X, y, sample_weight),
                )
            elif target_too_small(
                variation := target_variation(y, sample_weight, getattr(self, "loss", None)),
                self.tol,
            ):
                warn_stopped_short(
                    type(self).__name__, len(result.losses),
                    small_target_message(variation, self.tol, self.loss), stacklevel=5,
                )
            elif (above := loss_above_the_mean(
                result.weights, X, encoded, sample_weight, getattr(self, "loss", None),
                hidden_activation, self.tol,
            )) is not None:
                warn_stopped_short(
                    type(self).__name__, len(result.losses),
                    worse_than_the_mean_message(*above, self.tol, self.loss), stacklevel=5,
                )
            elif not continuing and never_improved(
                result.losses, self.tol,
                loss_floor(y, sample_weight, getattr(self, "loss", None)),
            ):
                warn_never_improved(
                    type(self).__name__, result.losses, self.tol, stacklevel=5,
                    advice=never_improved_advice(self.get_params(deep=False)),
                )
        if validation is not None:
            # The held-out score decided, and no loss rule ran: the losses of this training (on
            # the rows left after the hold-out, of epochs whose weights it may have set back)
            # leave nothing for a later fit's loss rule to carry on, which starts after them (a
            # warm fit without early_stopping had replayed them, compared its losses with their
            # best and stopped after n_iter_no_change + 1 epochs while its loss still fell).
            rule_start = len(losses) + len(result.losses)
        self._set_fitted_state(
            **{
                **state,
                "weights": result.weights,
                "optimizer_state": result.optimizer_state,
                "loss_curve": losses + result.losses,
                "validation_scores": validation_scores,
                "validation_start": validation_start,
                "rule_start": rule_start,
            },
            n_features_in=features[0],
            feature_names_in=features[1],
            validated=validated,
            penalties=penalties,
        )
        return self

    def _carried_rule(self, losses, rule_start):
        """The loss rule's state for a warm-started fit to continue from, or None for a fresh
        rule. Carried, as MLPClassifier carries its best loss and count between warm fits, so
        that fits of a few epochs each stop where one long fit would; but only across fits of
        one training: where the last one ran out of epochs, and under the penalties it was
        fitted with. After a fit the rule stopped, or with other ``l1``/``l2`` (whose loss
        cannot be compared with the fitted one), the rule starts afresh: MLPClassifier's would
        train one epoch and stop, which made a warm fit on new data, or a step along a path of
        penalties, end at once. The rule is replayed over the epochs of ``losses`` from
        ``rule_start``, where it last started (replayed from the first epoch, a rule that had
        stopped once, or a loss under the earlier penalties, stopped or restarted every later
        fit)."""
        best_loss, count = loss_rule_state(losses[rule_start:], self.tol)
        if count > self.n_iter_no_change or self._penalties_changed():
            return None
        return best_loss, count

    def _validation_continues(self, state):
        """Whether a warm fit with ``early_stopping`` continues the held-out rule of the fitted
        ``state``'s training (``ValidationStoppingRule.continue_from``): where its scores end
        the loss curve (``partial_fit`` since has moved the weights off the best ones) and under
        the penalties it was fitted with (a step along a path of penalties goes on, as for the
        loss rule)."""
        scores = state["validation_scores"]
        if scores is None:
            return False
        start = state["validation_start"]
        ends_curve = start is None or start + len(scores) == len(state["loss_curve"])
        return ends_curve and not self._penalties_changed()

    def _penalties_changed(self):
        """Whether ``l1`` or ``l2`` differ from the penalties the fitted weights were trained
        under: a loss under other penalties cannot be compared with the fitted ones."""
        if self._penalties is None:  # pickled by an earlier version: its params (_keras_model)
            return False
        return tuple(map(float, self._penalties)) != (float(self.l1), float(self.l2))

    def _continued_state(self, incremental):
        """The fitted state that continued training starts from, under the current params: the
        network must be the fitted one; the hidden activation and the optimizer's settings
        (``learning_rate`` among them) are the params', as ``MLPClassifier``'s warm start takes
        them. The optimizer's state carries over unless a setting of the optimizer other than
        its learning rate changed."""
        state = self._get_fitted_state()
        del state["n_features_in"], state["feature_names_in"]
        fitted_sizes = tuple(kernel.shape[1] for kernel in state["weights"][:-2:2])
        if layer_sizes(self.hidden_layer_sizes) != fitted_sizes:
            how = "partial_fit" if incremental else "warm_start=True"
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r}, but {how} continues training "
                f"the fitted network, of hidden layers {fitted_sizes}: set hidden_layer_sizes "
                "back, or fit a new network (warm_start=False)."
            )
        config = optimizer_config(self.get_params(deep=False))
        if _but_learning_rate(config) != _but_learning_rate(state["optimizer_config"]):
            # Another optimizer, or other settings (a momentum slot read as a centered
            # RMSprop's mean gradient made the next steps NaN): a fresh state, as MLPClassifier's
            # warm start always takes.
            state["optimizer_state"] = None
        state.update(optimizer_config=config, hidden_activation=ACTIVATIONS[self.activation])
        return state

    def _fit_members(self, X, y, sample_weight, folds, penalties, *, prepare_refit=False,
                     name=None, splits=False, sparse_targets=False, failures=None,
                     worse=None, progress=None):
        """Cross-validation's training, for ``L1L2ClassifierCV``/``L1L2RegressorCV``.

        For every training fold (an array of row indices of ``X``) and every ``(l1, l2)`` pair,
        the fitted state that ``clone(self).set_params(l1=l1, l2=l2).fit(X[fold], y[fold],
        sample_weight[fold])`` would publish, all trained at once as one ensemble
        (``_ensemble.train_ensemble``). Returns ``(members, diverged, converged)``:
        ``members[f][p]`` is a fitted state for ``_set_fitted_state`` (without optimizer state:
        continuing to train a member starts a fresh optimizer), ``diverged[f][p]`` tells whether
        that fit would have raised, ``converged[f][p]`` whether it stopped by the ``tol`` rule.
        ``prepare_refit`` traces the training graph of the network of the whole data meanwhile,
        for the refit that follows. ``name`` names the estimator in messages (by default this
        one's class). ``sparse_targets``: ``y`` was given sparse (a multilabel indicator the
        members then predict sparse, as a single fit on it does).

        A fold's members learn what the fold holds (``_fold_targets``: a classifier's fold that
        misses a class, the classes it has, as its single fit does); each set of targets trains
        as an ensemble of its own, and all of them are checked for memory before any trains.
        A fold whose single fit would fail before training is refused: one whose rows all
        weigh 0 (by ``sample_weight`` and ``class_weight``), and, if the folds are the training
        folds of cross-validation ``splits`` ("raise" or "skip"), one without rows, or that the
        single fit refuses (one class, class weights that do not fit its classes). Folds are
        checked in order, so that "raise" names the first, as GridSearchCV stops at its first
        failed fit; with "skip" such a fold is not trained: its members are None (the fits
        GridSearchCV's ``error_score`` scores) and ``failures[fold]`` is ``(cause, message)``,
        the cause one of "empty", "unweighted" and "error" (the message of the single fit's
        error). ``worse``, a dict, gets ``worse[fold, pair]`` for every member the ``tol`` rule
        stopped: ``loss_above_the_mean`` of it on its training rows, as its single fit checks
        it (None where it is no worse than the mean, and for a classifier). ``progress`` is
        passed on to ``train_ensemble``, with the folds' numbers as the streams' names.
        """
        self._check_params()
        # Both callers (the searches, regularization_path's batched fits) refuse early_stopping,
        # callbacks and sparse X, or fit one network at a time there, before they get here.
        assert not self.early_stopping and not self.callbacks
        # Before the folds are checked: whatever they hold, the optimizer cannot train members.
        check_elementwise(optimizer_config(self.get_params(deep=False)))
        X, y = self._validate_data(X, y, reset=True)
        assert not sp.issparse(X)
        name = name or type(self).__name__
        targets = self._targets_from(y, None, sparse_targets)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
        # Each fold's row stream and targets, or why its fit fails.
        streams = []
        for index, fold in enumerate(folds):
            cause = None
            if not len(fold):  # a failed fit in GridSearchCV ("Found array with 0 sample(s)")
                cause = ("empty", None)
            else:
                try:
                    fold_targets = self._fold_targets(y[fold], targets)
                    given = None if sample_weight is None else sample_weight[fold]
                    # check_sample_weight refuses weights that are all 0 with a message of its
                    # own.
                    weights = (
                        given if given is not None and not np.any(given)
                        else self._training_weights(X[fold], y[fold], given, fold_targets)
                    )
                except ValueError as error:
                    if not splits:
                        raise
                    cause = ("error", str(error))
                else:
                    if not np.any(weights):
                        cause = ("unweighted", None)
            if cause is None:
                # A single fit drops rows of weight 0 (scikeras' _validate_sample_weight).
                streams.append((np.asarray(fold)[weights != 0], unit_mean(weights[weights != 0]),
                                fold_targets))
                continue
            if splits != "skip":
                raise self._fold_failure(name, index, cause, splits) from None
            streams.append(None)
            if failures is not None:
                failures[index] = cause
        members = [[None] * len(penalties) for _ in folds]
        diverged = [[False] * len(penalties) for _ in folds]
        converged = np.zeros((len(folds), len(penalties)), dtype=bool)
        trained = [index for index, stream in enumerate(streams) if stream is not None]
        if not trained:
            return members, diverged, converged
        # Every ensemble at once, before any trains (the whole data's output layer is the
        # widest; a step's activations are those of the largest ensemble at most).
        check_training_memory(
            name,
            (X.shape[1], *layer_sizes(self.hidden_layer_sizes), self._output_layer(targets)[0]),
            len(trained) * len(penalties),
            rows=sum(len(streams[index][0]) for index in trained),
            # A batch never holds more than a fold's rows (batch_size=10**9 asks for full
            # batches).
            batch=min(batch_rows(self.batch_size), max(len(folds[index]) for index in trained)),
        )
        groups = {}  # the folds of each set of targets, the whole data's first
        for index in trained:
            fold_targets = streams[index][2]
            key = None if fold_targets is targets else tuple(fold_targets.tolist())
            groups.setdefault(key, []).append(index)
        for key, group in sorted(groups.items(), key=lambda item: item[0] is not None):
            # Every group starts from what its single fits start from: a RandomState given as
            # random_state is drawn from afresh (as clone gives each single fit a copy).
            starter = self if len(groups) == 1 else clone(self)
            fold_targets = streams[group[0]][2]
            state = starter._initial_state(
                fold_targets, X.shape[1], members=len(group) * len(penalties),
                rows=sum(len(streams[index][0]) for index in group),
                batch=min(batch_rows(self.batch_size), max(len(folds[index]) for index in group)),
                name=name,
            )
            units, output_activation, loss = self._output_layer(fold_targets)
            spec = NetworkSpec(
                layer_sizes=(X.shape[1], *(w.shape[1] for w in state["weights"][::2])),
                activation=state["hidden_activation"],
                output=output_activation,
                loss=loss,
                proximal=bool(self.proximal_l1),
            )
            encoded = self._encode_targets(fold_targets, y)
            # Each fold's members start from its single fit's output bias.
            output_biases = [
                self._output_bias(fold_targets, encoded[streams[index][0]], streams[index][1])
                for index in group
            ]
            result = train_ensemble(
                spec,
                state["optimizer_config"],
                state["weights"],
                X,
                encoded,
                [streams[index][:2] for index in group],
                penalties=penalties,
                output_biases=output_biases,
                epochs=self.epochs,
                batch_size=batch_rows(self.batch_size),
                shuffle=self.shuffle,
                seed=state["shuffle_seed"],
                stopping=(self.tol, self.n_iter_no_change),
                # The refit learns the whole data's targets.
                prepare_single=prepare_refit and key is None,
                progress=progress,
                stream_names=group,
            )
            converged[group] = result.converged.reshape(len(group), len(penalties))
            for stream, fold in enumerate(group):
                # As the single fit on the fold checks its weights: on its first rows.
                rows = streams[fold][0][:LOSS_CHECKED_ROWS]
                X_rows, y_rows = X[rows], encoded[rows]
                for pair in range(len(penalties)):
                    member = stream * len(penalties) + pair
                    members[fold][pair] = {
                        **state,
                        "weights": result.weights[member],
                        "optimizer_state": None,
                        "loss_curve": result.loss_curves[member],
                        "n_features_in": X.shape[1],
                        "feature_names_in": getattr(self, "feature_names_in_", None),
                    }
                    diverged[fold][pair] = bool(result.diverged[member]) or (
                        training_loss_overflows(result.weights[member], X_rows, y_rows,
                                                spec.activation, spec.output)
                    )
                if (worse is not None and getattr(self, "loss", None) is not None
                        and converged[fold].any()):
                    # As the single fit on the fold checks a stop: on its training rows.
                    rows, weights = streams[fold][:2]
                    y_fold = encoded[rows]
                    for pair in range(len(penalties)):
                        if converged[fold, pair] and not diverged[fold][pair]:
                            worse[fold, pair] = loss_above_the_mean(
                                result.weights[stream * len(penalties) + pair], X, y_fold,
                                weights, self.loss, spec.activation, self.tol, rows=rows,
                            )
        return members, diverged, converged

    def _fold_failure(self, name, index, cause, splits):
        """The error that stops training at fold ``index``, whose fit fails by ``cause``."""
        kind, message = cause
        if kind == "empty":
            return ValueError(
                f"{name}: training fold {index} of the splits cv gave has no rows, and "
                "error_score='raise' stops the search at a failed fit."
            )
        if kind == "unweighted":
            which = f"Training fold {index}" if splits else "The training data"
            return ValueError(
                f"{which} has only rows of weight 0 (by "
                f"{weight_sources(self.get_params(deep=False))}): there is nothing to train on."
            )
        return ValueError(
            f"{name}: the fit on training fold {index} of the splits cv gave fails ({message}), "
            "and error_score='raise' stops the search at a failed fit."
        )

    def _fold_targets(self, y, targets):
        """What the single fit on a fold's targets ``y`` learns, where the whole data's are
        ``targets``: those, or (a classifier's fold that misses a class) its own."""
        return targets

    def _divergence_message(self, epoch, X, y, sample_weight, start_weight=None,
                            start_penalty=None):
        advice = divergence_advice(
            self.get_params(deep=False), X, y, sample_weight,
            start_weight=start_weight, start_penalty=start_penalty,
        )
        return (
            f"{type(self).__name__}: training diverged at epoch {epoch}: {DIVERGED}: {advice}. "
            "The estimator was left as it was before this fit."
        )

    def _check_params(self):
        """What ``_parameter_constraints`` cannot express: element-wise layer sizes, that every
        extra keyword argument is routed, non-negative class weights, and an optimizer the
        proximal L1 step knows. Checked in ``fit`` (after ``_fit_context`` has checked the
        constraints), in the batched fits of the searches and ``regularization_path``
        (``_fit_members``), and by ``load``."""
        layer_sizes(self.hidden_layer_sizes)
        _check_callbacks(self.callbacks)
        _check_callback_arguments(self)
        check_class_weight(getattr(self, "class_weight", None))
        if self.proximal_l1:
            kind = optimizer_config(self.get_params(deep=False))["class_name"]
            if kind not in PROXIMAL_OPTIMIZERS:
                raise ValueError(
                    f"proximal_l1=True needs an optimizer with a step per unit gradient "
                    f"({', '.join(sorted(PROXIMAL_OPTIMIZERS))}); {kind} has none. Choose one of "
                    "those or set proximal_l1=False."
                )
        self._check_extra_params()

    def _initial_state(self, targets, n_features, members=1, *, rows=0, batch=0, name=None,
                       random_state=None):
        """A fresh fit's starting point for ``n_features`` inputs: Glorot-uniform kernels and
        zero biases drawn from ``random_state`` (kernel by kernel, then the shuffling seed; by
        default the param's), a fresh optimizer.
        ``members`` networks of this shape will train at once (cross-validation), on ``rows``
        rows gathered each epoch in batches of ``batch`` rows (for the memory check, whose message
        names ``name``, by default this class)."""
        rng = check_random_state(self.random_state if random_state is None else random_state)
        n_outputs = self._output_layer(targets)[0]
        sizes = (n_features, *layer_sizes(self.hidden_layer_sizes), n_outputs)
        check_training_memory(name or type(self).__name__, sizes, members, rows=rows, batch=batch)
        weights = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            weights.append(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32))
            weights.append(np.zeros(fan_out, dtype=np.float32))
        return {
            "weights": weights,
            "optimizer_config": optimizer_config(self.get_params(deep=False)),
            "optimizer_state": None,
            "targets": targets,
            "hidden_activation": ACTIVATIONS[self.activation],
            "loss_curve": [],
            "shuffle_seed": int(rng.randint(np.iinfo(np.int32).max)),
            "validation_scores": None,
            "validation_start": None,
            "rule_start": 0,
        }

    def _set_fitted_state(
        self,
        *,
        weights,
        optimizer_config,
        optimizer_state,
        targets,
        hidden_activation,
        n_features_in,
        feature_names_in,
        loss_curve,
        shuffle_seed,
        validation_scores,
        validation_start=None,
        rule_start=0,
        encoders=None,
        validated=None,
        penalties=None,
    ):
        """Publish a fitted state, all attributes at once: used by ``fit`` and by ``load``.

        ``weights`` are the float32 kernels and biases, layer by layer; ``optimizer_config`` the
        Keras-serialized optimizer and ``optimizer_state`` its variables (what continued training
        starts from; None starts it from a fresh optimizer); ``targets`` is what the task's
        ``_targets_from`` returns;
        ``hidden_activation`` the Keras name of the hidden activation; ``shuffle_seed`` seeds the
        shuffling of continued training; ``validation_scores`` come with ``early_stopping``,
        and score the epochs from ``validation_start`` on (the epochs of ``loss_curve`` before
        the fit that recorded them; default: they score its last epochs; ``partial_fit`` after
        that fit goes on adding epochs but no scores). ``rule_start`` is the epoch of
        ``loss_curve`` where the loss rule of the current training started (a ``warm_start``
        fit continues it from there).
        ``encoders``, from ``_encoder_state(targets, n_features_in)``, shares fitted encoders
        among estimators (the cross-validated estimators' members) instead of fitting new ones.
        ``validated`` is ``(attributes, removed)``, what this fit's validation set and removed
        (see ``changes``), published too. ``penalties``, the ``(l1, l2)`` that the weights were
        fitted with, defaults to the params (a fit's; ``load`` passes the file's).
        """
        attributes, removed = validated or ({}, [])
        state = {
            **attributes,
            **(encoders or self._encoder_state(targets, n_features_in)),
            "n_features_in_": n_features_in,
            "history_": {"loss": [float(loss) for loss in loss_curve]},
            "coefs_": [np.asarray(w, dtype=np.float64) for w in weights[::2]],
            "intercepts_": [np.asarray(w, dtype=np.float64) for w in weights[1::2]],
            "out_activation_": self._output_layer(targets)[1],
            "_hidden_activation": hidden_activation,
            "_optimizer_config": optimizer_config,
            "_optimizer_state": (
                None if optimizer_state is None else [np.asarray(v) for v in optimizer_state]
            ),
            "_shuffle_seed": int(shuffle_seed),
            "_rule_start": int(rule_start),
            # The penalties the weights were fitted with, for model_'s regularizers (set_params
            # may change l1 and l2 before model_ is first built).
            "_penalties": penalties or (float(self.l1), float(self.l2)),
            # model_, built from the state above when first asked for: (the weights' digest,
            # the Keras model).
            "_model": None,
        }
        # As MLPClassifier's: None without early_stopping.
        state["validation_scores_"] = (
            None if validation_scores is None else list(validation_scores)
        )
        state["best_validation_score_"] = (
            None if validation_scores is None else max(validation_scores)
        )
        state["_validation_start"] = (
            None
            if validation_scores is None
            else len(loss_curve) - len(validation_scores)
            if validation_start is None
            else int(validation_start)
        )
        if feature_names_in is not None:
            state["feature_names_in_"] = feature_names_in
        absent = [name for name in removed if name not in state]
        if feature_names_in is None:
            absent.append("feature_names_in_")
        publish(self, state, absent=absent)

    def _encoder_state(self, targets, n_features_in):
        """The fitted target and feature encoders (and the attributes ``targets`` determine)."""
        return {
            **self._target_state(targets),
            "feature_encoder_": self.feature_encoder.fit(
                np.zeros((0, n_features_in), dtype=np.float32)
            ),
        }

    def _get_fitted_state(self):
        """The fitted state, as the keyword arguments of ``_set_fitted_state``."""
        check_is_fitted(self)
        weights = [
            np.asarray(w, dtype=np.float32)
            for pair in zip(self.coefs_, self.intercepts_)
            for w in pair
        ]
        return {
            "weights": weights,
            "optimizer_config": self._optimizer_config,
            "optimizer_state": (
                None if self._optimizer_state is None else list(self._optimizer_state)
            ),
            "targets": self._fitted_targets(),
            "hidden_activation": self._hidden_activation,
            "n_features_in": self.n_features_in_,
            "feature_names_in": getattr(self, "feature_names_in_", None),
            "loss_curve": list(self.loss_curve_),
            "shuffle_seed": self._shuffle_seed,
            "validation_scores": getattr(self, "validation_scores_", None),
            # (An estimator pickled before it was kept has none: its scores end the curve.)
            "validation_start": vars(self).get("_validation_start"),
            # (Nor this: its rule replays from the first epoch, as it did then.)
            "rule_start": vars(self).get("_rule_start", 0),
        }

    def _get_fitted_attr_html(self, doc_link=""):
        """scikit-learn's table of fitted attributes in the HTML view (1.8 and later), without
        building ``model_``: the table reads every attribute, and ``model_`` builds a Keras
        network the first time it is read after a fit (in a notebook, a cell ending in
        ``clf.fit(X, y)`` had built one per run, taking longer than a small fit). It lists the
        network where one is built, and says when it will be otherwise."""
        token = _LISTING_ATTRIBUTES.set(True)
        try:
            attributes = super()._get_fitted_attr_html(doc_link)
        finally:
            _LISTING_ATTRIBUTES.reset(token)
        if "model_" not in attributes:  # not built (inspect.getmembers skips it then)
            listed = {
                **attributes,
                "model_": {"type_name": "Sequential", "value": _NOT_BUILT},
            }
            attributes.clear()
            attributes.update(sorted(listed.items()))  # in getmembers' order, by name
        return attributes

    @property
    def model_(self):
        """The fitted network as a compiled ``keras.Sequential``.

        Its weights and optimizer state are built from the fitted state the first time it is
        asked for, and again when ``coefs_`` or ``intercepts_`` have changed since (kept with
        that fit's attributes: a refit in another thread meanwhile gets a model of its own).
        """
        # Also a model built before a fork: its Keras functions would wait forever there.
        refuse_forked_tensorflow()
        fitted = self._fitted_view()
        digest = _weights_digest(fitted.coefs_, fitted.intercepts_)
        built = vars(fitted).get("_model")
        if built is not None and built[0] == digest:
            return built[1]
        if _LISTING_ATTRIBUTES.get():
            # Listed as not built yet (see _get_fitted_attr_html).
            raise AttributeError("model_ is built when it is first read")
        model = fitted._keras_model(fitted._get_fitted_state())
        # Named once built: a model built under a name of its own kept about 0.4 MiB of
        # TensorFlow's per-name state for the life of the process.
        model.name = distinct_network_name()
        fitted._model = (digest, model)
        return model

    def _keras_model(self, state, penalties=None):
        """A compiled Keras network holding ``state``'s weights (and optimizer state, if any),
        with the ``(l1, l2)`` ``penalties`` (by default those the fitted weights were fitted
        with)."""
        units, output_activation, loss = self._output_layer(state["targets"])
        kernels = state["weights"][::2]
        # (An estimator pickled by an earlier version has no _penalties: its params.)
        l1, l2 = penalties or self._penalties or (self.l1, self.l2)
        return build_network(
            n_features=kernels[0].shape[0],
            n_outputs=units,
            hidden_layer_sizes=tuple(kernel.shape[1] for kernel in kernels[:-1]),
            activation=state["hidden_activation"],
            output_activation=output_activation,
            loss=loss,
            l1=float(l1),
            l2=float(l2),
            optimizer=new_optimizer(state["optimizer_config"]),
            weights=state["weights"],
            optimizer_state=state["optimizer_state"],
            # Distinct, fixed seeds per estimator (see build_network), never Python's random.
            seed=int(state["shuffle_seed"]) % 2**30,
        )

    def __getstate__(self):
        error = _uncopyable_callback_error(self)
        if error is not None:
            raise error
        # The Keras model is rebuilt from the fitted state where it is needed: unpickling is fast
        # and the pickle holds arrays, not a serialized Keras model.
        state = dict(super().__getstate__())
        state.pop("_model", None)
        return state

    def __sklearn_clone__(self):
        try:
            return super().__sklearn_clone__()
        except Exception:
            error = _uncopyable_callback_error(self)
            if error is None:
                raise
            raise error from None

    def _hold_out_validation(self, X, y, sample_weight, state, output_activation):
        """Split off ``validation_fraction`` of the rows (stratified for classifiers, seeded like
        the shuffling) and return the training part with a rule that scores the held-out part
        after every epoch."""
        # As train_test_split counts them; checked first, so that a split that would leave no
        # training row gets this message too, not train_test_split's.
        n_rows = X.shape[0]
        n_held_out = math.ceil(self.validation_fraction * n_rows)
        if n_held_out < 2 or n_held_out >= n_rows:  # MLPClassifier: one row cannot tell progress
            # Too few held out, or none left to train on: advice for each (it had said
            # "increase validation_fraction" for both).
            what, change = (
                ("too small", "Increase") if n_held_out < 2 else ("too large", "Decrease")
            )
            raise ValueError(
                f"The validation set is {what}: early_stopping would hold out {n_held_out} "
                f"of the {n_rows} rows it trains on (n_samples={n_rows}, validation_fraction="
                f"{self.validation_fraction}; rows of zero sample_weight do not count) and "
                f"needs at least 2, with at least 1 left to train on. {change} "
                "validation_fraction, or add rows to the data set."
            )
        X, X_val, y, y_val, sample_weight, weight_val = train_test_split(
            X,
            y,
            sample_weight,
            test_size=self.validation_fraction,
            random_state=state["shuffle_seed"],
            stratify=self._stratify(y),
        )
        self._check_held_out(y_val)
        targets, activation = state["targets"], state["hidden_activation"]
        # Scaled to a largest weight of 1: accuracy and R² do not change, and weights near
        # float64's largest number no longer overflow their sums (NaN scores, kept silently).
        weight_val = to_largest_1(weight_val)

        def score(weights):
            output = forward(X_val, weights[::2], weights[1::2], activation, output_activation)
            return self._validation_score(targets, y_val, output, weight_val)

        validation = ValidationStoppingRule(
            score=score, tol=self.tol, n_iter_no_change=self.n_iter_no_change
        )
        return X, y, sample_weight, validation

    @staticmethod
    def _validate_sample_weight(X, y, sample_weight):
        """scikeras' zero-weight handling (its extension point): rows of weight 0 dropped, as
        they train nothing, and weights all 0 refused; kept in float64, where scikeras casts
        them to float32 before ``unit_mean`` could scale them (``c * w`` beyond float32's range
        or below its smallest number then trained otherwise than ``w``, or was refused)."""
        if not np.any(sample_weight):
            raise ValueError(
                "No training row has any weight (by sample_weight and class_weight): there is "
                "nothing to train on."
            )
        kept = sample_weight != 0
        if kept.all():  # (a copy of X, a quarter of a large fit's memory, for nothing)
            return X, y, sample_weight
        return X[kept], y[kept], sample_weight[kept]

    def _training_weights(self, X, y, sample_weight, targets, relative=True):
        """Sample weights for the loss: user weights times class weights, never None.

        A dict of class weights is read against all the classes (``targets``), as
        SGDClassifier's ``partial_fit`` reads it: a ``partial_fit`` call whose rows lack a class
        that the dict leaves out raised scikit-learn's error (it read the dict against the call's
        own labels). ``relative``: only the weights' ratios count (a fit, which ``unit_mean``
        scales), so each factor is divided by its largest before they are multiplied; else
        (``partial_fit``) they are taken as given."""
        # float64 until unit_mean scales them: w and c * w train alike even where c * w is
        # beyond float32's range or below its smallest number.
        sample_weight = check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True, copy=True
        )
        class_weight = getattr(self, "class_weight", None)
        if isinstance(class_weight, dict) and np.ndim(y) == 2:
            raise ValueError(
                "class_weight as a dict weights the classes of single-label targets; for a "
                "multilabel indicator y use class_weight='balanced' or sample_weight."
            )
        if class_weight is None:
            return sample_weight
        if isinstance(class_weight, dict):
            per_class = class_weight_factors(class_weight, targets)
            factors = per_class[np.searchsorted(targets, y)]
        else:
            factors = _balanced_factors(y, sample_weight)
        if relative:
            # (Weights of 1e-200 under class weights of 1e-200 had multiplied to 0, "no row has
            # any weight"; 1e300 under 1e300 to inf, a divergence.)
            sample_weight, factors = to_largest_1(sample_weight), to_largest_1(factors)
        with np.errstate(under="ignore"):  # a product below float64's range: 0, as it means
            return sample_weight * factors

    # -- prediction ----------------------------------------------------------------------------

    def _fitted_view(self):
        """This estimator as one fit left it, even while another thread refits it: a stand-in
        of the same class over the attribute dict of this instant. A fit publishes what it
        learned by replacing the whole dict (``publish``), so every attribute read through the
        view (the feature check, the weights, the classes) is of the same fit, where reading
        them one by one from ``self`` could mix two."""
        check_is_fitted(self)
        view = object.__new__(type(self))
        view.__dict__ = vars(self)
        return view

    def _network_output(self, X, logits=False):
        """The network's output for ``X`` (NumPy forward pass over ``coefs_``/``intercepts_``),
        or with ``logits`` its output layer's values before the output activation; call it on a
        ``_fitted_view``."""
        X = validate_data(
            self, X, reset=False, dtype=(np.float64, np.float32), accept_sparse=SPARSE_FORMATS
        )
        # Overflow is named below, not warned of by NumPy on the way; underflow (a softplus
        # unit far below 0, a saturated softmax) rounds to 0 or a subnormal, as meant.
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            output = forward(
                X, self.coefs_, self.intercepts_, self._hidden_activation,
                "linear" if logits else self.out_activation_,
            )
        finite = np.isfinite(output).all(axis=1)
        if logits and not finite.all() and finite_values(X, None):
            # A logit of +-inf (asked for by the binary predict_proba) from finite X is a
            # probability of exactly 0 or 1, as the sigmoid that predict applies gives it
            # (MLPClassifier's too); NaN is none.
            finite = ~np.isnan(output).any(axis=1)
        if not finite.all():
            # No training reaches a network whose output overflows (it trains in float32 and
            # would diverge); X far beyond the training data's scale does, and a file given to
            # load can set weights near float32's largest number, whose float64 products
            # overflow a few layers on. NaN or inf in X reach here only under assume_finite.
            cause = (
                "its forward pass overflowed float64 (X holds values far beyond those it was "
                "trained on, or its weights are extreme, as a file given to load can set them)"
                if finite_values(X, None)
                else "X holds NaN or infinite values, which assume_finite=True (scikit-learn's "
                "config) let through unchecked"
            )
            raise ValueError(
                f"{type(self).__name__}: the network's output is not finite for "
                f"{np.count_nonzero(~finite)} of {len(finite)} rows: {cause}."
            )
        return output

    # -- fitted attributes ---------------------------------------------------------------------

    # Each checks that the estimator is fitted first: unfitted, they had raised an
    # AttributeError naming history_ (or coefs_), not the NotFittedError the others raise.

    @property
    def loss_curve_(self):
        """Mean training loss (penalty included) of each epoch, as ``MLPClassifier``'s."""
        check_is_fitted(self)
        return self.history_["loss"]

    @property
    def best_loss_(self):
        """Lowest epoch loss since the current training's loss rule started.

        None after a fit with ``early_stopping=True``, where the held-out score decided, as in
        scikit-learn's MLP estimators.
        """
        fitted = vars(self._fitted_view())  # one fit's, even while another thread refits
        # As MLPClassifier's: None where the held-out score decided (early_stopping).
        if fitted.get("validation_scores_") is not None:
            return None
        # The loss rule's best: over the epochs of the current training, from where its rule
        # started (a loss under earlier penalties, which cannot be compared, had counted;
        # estimators pickled before the rule's start was kept started it at the first epoch).
        losses = fitted["history_"]["loss"]
        return min(losses[fitted.get("_rule_start", 0):] or losses)

    @property
    def loss_(self):
        """Loss of the last epoch trained (the last value of ``loss_curve_``)."""
        check_is_fitted(self)
        return self.history_["loss"][-1]

    @property
    def n_layers_(self):
        """Number of layers, input and output included (``len(hidden_layer_sizes) + 2``)."""
        check_is_fitted(self)
        return len(self.coefs_) + 1

    @property
    def n_iter_(self):
        """Number of epochs trained (cumulative under ``warm_start`` and ``partial_fit``)."""
        check_is_fitted(self)
        return len(self.history_["loss"])

    @property
    def feature_importances_(self):
        """Euclidean (L2) norm of each input feature's row of the first-layer kernel.

        A feature whose outgoing weights are all zero (``proximal_l1=True`` makes exact zeros)
        has importance 0. ``SelectFromModel(estimator)`` keeps the features whose importance is
        at least the mean importance (its default threshold for an estimator it does not know
        as L1-penalized); ``SelectFromModel(estimator, threshold=1e-12)`` keeps every feature the
        L1 penalty left in use. Like the weights, the values depend on the scale of the
        features: standardize them first.
        """
        check_is_fitted(self)
        return np.linalg.norm(self.coefs_[0], axis=1)

    @property
    def sparsity_(self):
        """Fraction of exactly-zero kernel weights in each Dense layer, first layer first."""
        check_is_fitted(self)
        return [float(np.mean(kernel == 0.0)) for kernel in self.coefs_]


def _penalty_of(weights, l1, l2):
    """The L1-L2 penalty of ``weights`` (kernel, bias, kernel, ...), l1 · Σ|w| + l2 · Σw² over
    the kernels, in float64 (beyond float32's range where the loss overflows with it)."""
    kernels = [np.asarray(kernel, np.float64) for kernel in weights[::2]]
    with np.errstate(over="ignore"):
        return float(l1) * sum(float(np.abs(k).sum()) for k in kernels) + float(l2) * sum(
            float(np.square(k).sum()) for k in kernels
        )


def _balanced_factors(y, sample_weight):
    """Each row's ``class_weight="balanced"`` factor, the classes counted by their rows'
    ``sample_weight``, as ``LogisticRegression`` counts them (``compute_class_weight`` with
    ``sample_weight``): a class's rows weigh as much in all as any other's. Rows of weight 0
    count for nothing (and get 0: they are dropped). For a multilabel indicator, the product
    of each label's factors. Counted by rows instead, weights of 10 on every row of one class
    had left that class ten times the other's weight in all."""
    factors = np.zeros(len(sample_weight))
    kept = sample_weight > 0
    if not kept.any():
        return factors  # refused afterwards: no row has any weight
    y = y.toarray() if sp.issparse(y) else np.asarray(y)
    weights = sample_weight[kept]
    with np.errstate(over="ignore"):
        overflows = not np.isfinite(weights.sum())
    if overflows:
        # Finite weights whose sum overflows (60 of 1e307): the factors, a ratio of weighted
        # counts, are the same for weights scaled to a largest of 1, where inf / inf had made
        # them NaN and the fit diverge.
        weights = weights / weights.max()
    product = np.ones(len(weights))
    for column in (y[kept].T if y.ndim == 2 else [y[kept]]):
        classes, index = np.unique(column, return_inverse=True)
        product *= compute_class_weight(
            "balanced", classes=classes, y=column, sample_weight=weights
        )[index]
    factors[kept] = product
    return factors
