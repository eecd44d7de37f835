"""The estimators' parameters: their constraints and the rules that read them.

The rules about a parameter's value live here once: which values are valid
(``PARAMETER_CONSTRAINTS``, checked by scikit-learn's ``_fit_context``), how ``hidden_layer_sizes``
is normalized, how many rows ``batch_size="auto"`` means, what a list of penalties must hold,
which extra keyword arguments are routed, and how the optimizer is built from ``optimizer``,
``learning_rate`` and ``optimizer__*``. The rules that need the estimator itself (class weights,
the proximal step's optimizers) are ``L1L2Network._check_params``.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import copy
import difflib
import functools
import inspect
import math
import re
from numbers import Integral, Real

import keras
import numpy as np

from ._compat import (
    Interval,
    Options,
    StrOptions,
    float32_learning_rate,
    require_eager_execution,
    require_usable_tensorflow,
    weight_decay_exclusions,
)

# Accepted ``activation`` names -> the Keras activation they build. The MLPClassifier names
# ("logistic", "identity") are aliases so that users switching over keep their grids.
ACTIVATIONS = {
    "relu": "relu",
    "tanh": "tanh",
    "logistic": "sigmoid",
    "sigmoid": "sigmoid",
    "identity": "linear",
    "linear": "linear",
    "elu": "elu",
    "selu": "selu",
    "gelu": "gelu",
    "softplus": "softplus",
    "silu": "silu",
}

# The Keras class of each optimizer the ``optimizer`` param names. (``keras.optimizers.get`` would
# build one to find it, under an automatic name, new at every call: TensorFlow keeps state per
# name, which grew by about 68 KB with every fit or load of optimizer arguments not seen before.)
OPTIMIZER_CLASSES = {
    cls.__name__.lower(): cls
    for cls in (
        keras.optimizers.Adam,
        keras.optimizers.AdamW,
        keras.optimizers.Adamax,
        keras.optimizers.Nadam,
        keras.optimizers.SGD,
        keras.optimizers.RMSprop,
        keras.optimizers.Adagrad,
        keras.optimizers.Adadelta,
        keras.optimizers.Ftrl,
        keras.optimizers.Lion,
    )
}
# Each by its lowercase name, as scikit-learn's solvers are named, or by its Keras class name
# ("Adam", "RMSprop"), as Keras users write it (it had been refused).
OPTIMIZERS = frozenset(OPTIMIZER_CLASSES) | {cls.__name__ for cls in OPTIMIZER_CLASSES.values()}

# Keyword arguments of the form ``<prefix>__<name>`` that are passed on rather than validated here:
# ``optimizer__beta_1=0.95`` reaches the optimizer, ``callbacks__<...>`` scikeras' callback routing.
ROUTING_PREFIXES = frozenset({"optimizer", "callbacks"})

# The positive float32 numbers that TensorFlow computes with, in which Keras keeps an optimizer's
# arguments: on CPUs it flushes numbers below float32's smallest normal one to 0 (an epsilon of
# 1e-40 was 0 there, and Adam's step divided 0 by 0).
FLOAT32_SMALLEST = float(np.finfo(np.float32).tiny)
FLOAT32_LARGEST = float(np.finfo(np.float32).max)

class RealInterval(Interval):
    """scikit-learn's ``Interval`` of real numbers, compared in float64.

    NumPy 2 compares a NumPy float with a Python float in the NumPy float's precision: float32's
    largest number is inf in float16, so ``np.float16(1e10)`` (inf) passed as an ``l1`` at most
    that largest number, and float32's smallest normal number is 0 there, so
    ``np.float16(1e-9)`` (0) passed as a learning rate above it, and trained nothing. An integer
    that no float holds (``10**400``) is outside: it passed as a ``tol``, also from a file, and
    the fit failed with Python's ``OverflowError``. A real number of another type
    (``fractions.Fraction``) is compared as its float: scikit-learn's check of NaN failed on it
    with NumPy's ``TypeError``, naming no param.
    """

    def __init__(self, left, right, *, closed):
        super().__init__(Real, left, right, closed=closed)

    def __contains__(self, val):
        if isinstance(val, Integral) and not isinstance(val, (bool, np.bool_)):
            try:
                float(val)
            except OverflowError:
                return False
        if isinstance(val, Real) and not isinstance(val, (Integral, float)):
            try:
                val = float(val)
            except OverflowError:  # Fraction(10**400): no float holds it
                return False
        return super().__contains__(val)


PARAMETER_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    # At most float32's largest number, in which the network trains (1e39 became an infinite
    # penalty there: the fit "diverged", with advice about the learning rate).
    "l1": [RealInterval(0, FLOAT32_LARGEST, closed="both")],
    "l2": [RealInterval(0, FLOAT32_LARGEST, closed="both")],
    "optimizer": [StrOptions(set(OPTIMIZERS)), keras.optimizers.Optimizer],
    # Keras keeps it in float32: 1e300 became an infinite rate (and training "diverged"), and a
    # rate below float32's smallest normal number is 0 to TensorFlow.
    "learning_rate": [RealInterval(FLOAT32_SMALLEST, FLOAT32_LARGEST, closed="both")],
    # Epoch counts are 32-bit integers in the training graph.
    "epochs": [Interval(Integral, 1, 2**31 - 1, closed="both")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, 2**31 - 1, closed="both")],
    "tol": [RealInterval(0, None, closed="left")],
    # np.inf, as MLPClassifier takes it: the rule never stops training.
    "n_iter_no_change": [Interval(Integral, 1, 2**31 - 1, closed="both"), Options(Real, {np.inf})],
    "shuffle": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [RealInterval(0, 1, closed="neither")],
    "proximal_l1": ["boolean"],
    "warm_start": ["boolean"],
    "random_state": ["random_state"],
    "callbacks": [list, None],
    "verbose": ["verbose"],
}

CLASS_WEIGHT_CONSTRAINT = [dict, StrOptions({"balanced"}), None]

# The sparse formats X may come in (scikit-learn's validate_data converts the others to the
# first); training uses CSR rows, prediction either.
SPARSE_FORMATS = ("csr", "csc")


def layer_sizes(hidden_layer_sizes):
    """``hidden_layer_sizes`` as a tuple of Python ints, or ValueError.

    An int is one layer and an empty sequence none (the output layer on the features, as
    ``MLPClassifier(hidden_layer_sizes=())`` takes it: a penalized linear model); NumPy integers
    (a grid built with ``np.arange``) become Python ints, which Keras expects.
    """
    sizes = hidden_layer_sizes
    if isinstance(sizes, Integral):
        sizes = [sizes]
    elif _one_dimensional(sizes):
        sizes = list(sizes)
    else:  # a 0-d array failed inside NumPy; a dict or a set gave its keys in its own order
        sizes = [None]
    if not all(
        isinstance(size, Integral) and not isinstance(size, bool) and 0 < size < 2**63
        for size in sizes
    ):
        raise ValueError(
            "hidden_layer_sizes must be a positive integer or a sequence of positive integers "
            "(empty for no hidden layer; TensorFlow's dimensions are 64-bit: each below 2**63), "
            f"got {_short_repr(hidden_layer_sizes)}."
        )
    return tuple(int(size) for size in sizes)


def _one_dimensional(value):
    """Whether ``value`` is a 1-D array-like (a list, tuple, range, 1-D array or pandas Series),
    not a scalar, 0-d array, dict or set (NumPy sees those as 0-d) or a ragged list."""
    try:
        return np.ndim(value) == 1
    except ValueError:  # ragged
        return False


def _short_repr(value, limit=200):
    """``repr(value)``, cut to ``limit`` characters (a layer size of thousands of digits is
    beyond what Python prints)."""
    try:
        text = repr(value)
    except ValueError:  # an integer of more than 4,300 digits
        return f"a {type(value).__name__} with an integer too long to print"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_penalty(value):
    """Whether ``value`` is a number from 0 to float32's largest, compared as float64 (see
    RealInterval: np.float16(inf) passed a comparison in float16). A bool is its number, as
    ``l1=True`` is in scikit-learn's constraints and in ``GridSearchCV``'s grid."""
    try:
        return isinstance(value, Real) and 0 <= float(value) <= FLOAT32_LARGEST
    except OverflowError:  # an int beyond float64 (10**400)
        return False


def penalty_values(name, given):
    """The penalties that the list param ``name`` (``l1s``, ``l2s``, ``l1_values``) gives, in
    the order given; refused unless a non-empty list of numbers from 0 to float32's largest
    (as ``l1`` and ``l2``)."""
    try:
        values = list(given) if np.ndim(given) == 1 else None
    except ValueError:  # ragged ([0, [1e-4]]): NumPy's "inhomogeneous shape"
        values = None
    if not values or not all(_is_penalty(value) for value in values):
        raise ValueError(
            f"{name} must be a non-empty list of numbers >= 0 and at most float32's largest "
            f"({FLOAT32_LARGEST:.4g}), in which the networks train; got {_short_repr(given)}."
        )
    return values


def batch_rows(batch_size):
    """The rows per mini-batch that the param ``batch_size`` asks for: ``"auto"`` is 200, as in
    ``MLPClassifier``; training takes at most the rows it has (``min(200, n_samples)``)."""
    # A Python int: a NumPy one (np.uint8(100)) overflowed the memory check's products.
    return 200 if isinstance(batch_size, str) else int(batch_size)


def is_routed(name):
    """Whether keyword argument ``name`` is passed on (``optimizer__beta_1``,
    ``callbacks__...``)."""
    prefix, separator, rest = name.partition("__")
    return bool(separator) and prefix in ROUTING_PREFIXES and bool(rest)


# The name of every optimizer the package builds, also from an instance or a file: Keras makes
# automatic names unique per process, and TensorFlow keeps per-name state that would then grow.
OPTIMIZER_NAME = "optimizer"


def optimizer_config(params):
    """The Keras-serialized optimizer that the params ``optimizer``, ``learning_rate`` and
    ``optimizer__*`` describe (what ``new_optimizer`` turns into a fresh optimizer).

    An optimizer instance is copied through its config: a Keras optimizer is bound to the
    variables of the first model it trains.
    """
    optimizer = params["optimizer"]
    routed = {
        name.split("__", 1)[1]: value
        for name, value in params.items()
        if name.startswith("optimizer__")
    }
    _check_optimizer_arguments(routed)
    routed = {name: _plain_number(name, value) for name, value in routed.items()}
    if routed.get("use_ema", getattr(optimizer, "use_ema", False)):
        raise ValueError(
            "The optimizer's use_ema=True is not supported: Keras puts the moving average of the "
            "weights in place at the end of Model.fit, which these estimators' training does "
            "not do. Leave use_ema off."
        )
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        # It trained, but its config has no learning rate, and the fit was then refused as
        # diverged, advising a learning-rate schedule the user had not given.
        raise ValueError(
            "optimizer=LossScaleOptimizer(...) is not supported: loss scaling keeps float16 "
            "gradients from underflowing, and these networks train in float32 whatever Keras' "
            "dtype policy (mixed_float16 included). Pass the optimizer it wraps "
            "(its inner_optimizer)."
        )
    if isinstance(optimizer, keras.optimizers.Optimizer):
        if weight_decay_exclusions(optimizer):
            # Not in the config, through which every fit copies the instance: it trained with
            # the decay on every variable, without a word.
            raise ValueError(
                f"The optimizer's exclude_from_weight_decay(...) is not supported: every fit "
                f"builds a fresh {type(optimizer).__name__} from its config, which does not "
                "hold the exclusions. The l1 and l2 penalties leave the biases out already; "
                "for decoupled decay on every variable, leave the exclusions out."
            )
        config = _rebuildable(keras.optimizers.serialize(optimizer))
        if config["config"].get("exclude_layers"):
            # Muon matches the keywords against variable paths, and the estimators' training
            # variables (kernel_0, bias_0, ...) have other paths than model_'s layers
            # (.../hidden_1/kernel): a keyword naming a layer matched no training variable, so
            # it trained as without it, and model_ (and any callback) then failed on optimizer
            # state of other shapes.
            raise ValueError(
                f"The optimizer's exclude_layers={config['config']['exclude_layers']!r} is not "
                "supported: Muon matches its keywords against variable paths, and these "
                "estimators train variables of their own (kernel_0, bias_0, ...), not model_'s "
                "layers (hidden_1, ..., output), so a keyword would pick other variables in "
                "training than in model_. Leave exclude_layers empty."
            )
        muon = getattr(keras.optimizers, "Muon", None)
        if muon is not None and isinstance(optimizer, muon) and _keras_before(3, 13):
            # Its step reads a path that TensorFlow's variables lack there: the fit failed 44
            # frames inside Keras with "'ResourceVariable' object has no attribute 'path'".
            raise ValueError(
                f"optimizer=Muon(...) fails in training under Keras {keras.version()} (its step "
                "reads variable paths that TensorFlow's variables lack before Keras 3.13): upgrade "
                "Keras to 3.13 or later, or choose another optimizer."
            )
        if routed:  # over the instance's own arguments (its learning rate stays its own)
            config = _serialized_optimizer(type(optimizer), {**config["config"], **routed}, routed)
        # The instance's own arguments in the same ranges as routed ones (a file's optimizer is
        # one too), and the package's fixed name (see below), whatever the instance is called.
        _check_instance_arguments(config)
        config["config"]["name"] = OPTIMIZER_NAME
        return _check_denominators(config)
    routed.setdefault("learning_rate", _plain_number("learning_rate", params["learning_rate"]))
    # A fixed name: Keras makes automatic names unique per process, and TensorFlow keeps per-name
    # state that would then grow with every optimizer built (see _network.build_network).
    routed.setdefault("name", OPTIMIZER_NAME)
    try:
        key = (optimizer.lower(), tuple(sorted(routed.items())))
        hash(key)
    except TypeError:  # an unhashable argument (a learning-rate schedule): not remembered
        return _check_denominators(_serialized_optimizer(optimizer, routed))
    return _check_denominators(copy.deepcopy(_remembered_optimizer(key)))


def _rebuildable(config):
    """The serialized optimizer ``config``, if Keras can rebuild it and its learning-rate
    schedule (each fit, clone and file builds a fresh optimizer from it): a class of Keras' own,
    or one registered with ``keras.saving.register_keras_serializable``; else TypeError. (An
    unregistered subclass failed at fit inside Keras' deserializer: "Could not locate class".)"""
    schedule = config["config"].get("learning_rate")
    for what, serialized in (("optimizer", config), ("learning-rate schedule", schedule)):
        if not isinstance(serialized, dict):
            continue
        module = serialized.get("module") or ""
        if module == "keras" or module.startswith("keras."):
            continue
        if keras.saving.get_registered_object(serialized.get("registered_name")) is None:
            raise TypeError(
                f"The {what} {serialized.get('class_name')!r} is a class that Keras cannot "
                "rebuild from its config, as the estimator does for every fit, clone and file: "
                "register it with @keras.saving.register_keras_serializable()."
            )
    return config


def _check_denominators(config):
    """Refuse the serialized optimizer ``config`` if its step divides by 0 or never moves; else
    return it. Keras takes these settings, and its steps are then NaN, so that the fit "diverged"
    with advice about the learning rate that has nothing to do with the cause, or 0:

    - Adam, AdamW and Adamax divide by their bias correction ``1 - beta_1 ** step``, 0 for
      ``beta_1 = 1`` in float32 (MLPClassifier takes ``beta_1`` and ``beta_2`` in [0, 1) too;
      Nadam's correction differs and trains with it, Lion's betas only weigh its moment);
    - Adam's and AdamW's running squares stay 0 for ``beta_2 = 1``, and their step is then 0:
      the fit returned the initial network without a word; Nadam divides them by ``1 - beta_2 **
      step``, 0 / 0;
    - Adamax divides by ``(1 - beta_1) * (norm + epsilon)`` at its first step, which TensorFlow
      flushes to 0 below float32's smallest normal number for a weight whose gradients are all 0
      (under a feature that is always 0, or a dead unit): ``epsilon`` of float32's smallest
      normal number made its step 0 / 0 with the default ``beta_1``;
    - Lion's step is the sign of its moment mixed with the gradient, ``beta_1 * m + (1 -
      beta_1) * gradient``, and its moment, starting at 0, takes ``1 - beta_2`` of each
      gradient: with both betas 1 it never moves, without a word;
    - Ftrl divides by a power of its accumulated squares (plus its L2 strengths), which stay at
      ``initial_accumulator_value`` for such a weight: 0 / 0 if that is 0.

    (Every optimizer's ``epsilon`` is > 0 by ``_ARGUMENT_RANGES``.)"""
    kind, arguments = config["class_name"], config["config"]
    # The betas as Keras computes with them, in float32 (0.99999999 is 1 there).
    if kind in ("Adam", "AdamW", "Adamax") and np.float32(arguments["beta_1"]) >= 1:
        raise ValueError(
            f"{kind}'s beta_1 must be < 1 in float32 (its steps divide by 1 - beta_1 ** step, "
            f"0 for beta_1 = 1); got {arguments['beta_1']!r}."
        )
    if kind in ("Adam", "AdamW", "Nadam") and np.float32(arguments["beta_2"]) >= 1:
        why = (
            "its running squares stay 0, and it divides them by 1 - beta_2 ** step, also 0"
            if kind == "Nadam"
            else "its running squares stay 0, and so does every step: the fit returns the "
            "initial network"
        )
        raise ValueError(
            f"{kind}'s beta_2 must be < 1 in float32 ({why}); got {arguments['beta_2']!r}."
        )
    if kind == "Adamax":
        first = np.float32(1) - np.float32(arguments["beta_1"])
        if float(first * np.float32(arguments["epsilon"])) < FLOAT32_SMALLEST:
            raise ValueError(
                f"Adamax's epsilon times 1 - beta_1 must be at least float32's smallest normal "
                f"number, {FLOAT32_SMALLEST:.4g} (its first step divides by (1 - beta_1) * "
                "(norm + epsilon), which TensorFlow computes as 0 below that, and the norm is 0 "
                "for a weight whose gradients are all 0: under a feature that is always 0 or a "
                f"dead unit, 0 / 0); got epsilon={arguments['epsilon']!r}, "
                f"beta_1={arguments['beta_1']!r}."
            )
    if kind == "Lion" and all(np.float32(arguments[beta]) >= 1 for beta in ("beta_1", "beta_2")):
        raise ValueError(
            "Lion's beta_1 and beta_2 must not both be 1 in float32 (its moment then stays 0, "
            "and so does every step, the sign of its mix with the gradient: the fit returns the "
            f"initial network); got beta_1={arguments['beta_1']!r}, "
            f"beta_2={arguments['beta_2']!r}."
        )
    if kind == "Ftrl" and float(arguments["initial_accumulator_value"]) < FLOAT32_SMALLEST:
        raise ValueError(
            "Ftrl's initial_accumulator_value must be > 0 (its steps divide by a power of the "
            "accumulated squares, which stay at their initial value for a weight whose gradients "
            "are all 0: under a feature that is always 0 or a dead unit, 0 / 0); got "
            f"{arguments['initial_accumulator_value']!r}."
        )
    return config


def new_optimizer(config):
    """A fresh Keras optimizer from its serialized ``config``, which is left as it is
    (``keras.optimizers.deserialize`` rewrites the config it is given, and knows fewer classes
    than ``keras.saving``)."""
    require_usable_tensorflow()
    optimizer = keras.saving.deserialize_keras_object(copy.deepcopy(config))
    return float32_learning_rate(optimizer, config["config"].get("learning_rate"))


@functools.lru_cache(maxsize=64)
def _remembered_optimizer(key):
    # Building a Keras optimizer creates variables (a few milliseconds); a grid search asks for the
    # same few configurations over and over.
    name, routed = key
    return _serialized_optimizer(name, dict(routed))


def _serialized_optimizer(optimizer_class, arguments, routed=None):
    """The serialized optimizer of ``optimizer_class`` (or its name) with ``arguments`` (Keras
    config values); ValueError quoting the ``routed`` ones (default: all) if Keras refuses
    them."""
    if isinstance(optimizer_class, str):
        optimizer_class = OPTIMIZER_CLASSES[optimizer_class.lower()]
    require_eager_execution()  # Keras builds it, and reads its variables back
    try:
        optimizer = float32_learning_rate(
            optimizer_class.from_config(dict(arguments)), arguments.get("learning_rate")
        )
        config = keras.optimizers.serialize(optimizer)
    except (TypeError, ValueError) as error:
        # The package's fixed name is no argument of the user's.
        quoted = {k: v for k, v in (arguments if routed is None else routed).items() if k != "name"}
        unknown = sorted(set(quoted) - _optimizer_arguments(optimizer_class))
        remove = f" (remove it with del estimator.optimizer__{unknown[0]})" if unknown else ""
        raise ValueError(
            f"Invalid optimizer__ arguments {quoted!r} for {optimizer_class.__name__}{remove}: "
            f"{error}"
        ) from None
    return _rebuildable(config)


def _keras_before(major, minor):
    """Whether the Keras imported is older than ``major.minor`` (read from the start of its
    version, so that "3.13.0rc1" or "3.13.0.dev0" count as 3.13)."""
    found = re.match(r"(\d+)\.(\d+)", keras.version())
    return found is not None and (int(found[1]), int(found[2])) < (major, minor)


def _optimizer_arguments(optimizer_class):
    """The names of the arguments ``optimizer_class`` takes: its own and its base classes'
    (Keras' optimizers pass the shared ones, ``clipnorm`` and the like, on as ``**kwargs``)."""
    return {
        parameter.name
        for cls in optimizer_class.__mro__
        if "__init__" in vars(cls)
        for parameter in inspect.signature(cls.__init__).parameters.values()
        if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
    } - {"self"}


def _check_optimizer_arguments(routed):
    """Refuse a routed optimizer argument that no Keras optimizer takes, before Keras accepts it
    silently and fails inside training: every one is a finite number, a bool or None, in its
    range where Keras trains on wrongly outside it (``_ARGUMENT_RANGES``), but ``learning_rate``
    (a number > 0, as the param ``learning_rate``, or a Keras schedule whose rates are > 0).
    ``name`` is refused: the package names its optimizers itself (TensorFlow keeps state per
    name, which a name per fit, or per loaded file, would grow), and ``decay``, which Keras 3
    ignores."""
    for name, value in routed.items():
        if name in _REFUSED_ARGUMENTS:
            raise ValueError(f"optimizer__{name} is not supported: {_REFUSED_ARGUMENTS[name]}.")
        if name == "learning_rate" and isinstance(
            value, keras.optimizers.schedules.LearningRateSchedule
        ):
            _check_schedule(value)
            continue
        if value is None:
            _check_none(f"optimizer__{name}", name)
            continue
        if isinstance(value, (bool, np.bool_)):
            if name in _BOOLEAN_ARGUMENTS:
                continue
            value = int(value)  # the number it stands for (``_plain_number``)
        if name in _BOOLEAN_ARGUMENTS:
            _refuse_non_boolean(f"optimizer__{name}", value)
        if not isinstance(value, Real):
            raise TypeError(
                f"optimizer__{name} must be a number, a bool or None"
                f"{', or a Keras learning-rate schedule' if name == 'learning_rate' else ''}; "
                f"got {value!r}."
            )
        _check_number(f"optimizer__{name}", name, value)


_REFUSED_ARGUMENTS = {
    "name": "the package names its optimizer itself",
    "decay": "Keras 3 optimizers ignore it; use a learning-rate schedule as "
    "optimizer__learning_rate",
}


# The optimizer arguments that Keras takes as None: those whose default is None (for "none")
# or a bool (None reads as False: amsgrad, nesterov, centered, use_ema). Any other (beta_1,
# epsilon, rho, ...) Keras accepts as None and then fails inside training with TensorFlow's
# "None values not supported", naming no argument.
def _arguments_whose_default(test):
    """The names of the optimizers' arguments whose default passes ``test``."""
    return frozenset(
        name
        for optimizer_class in OPTIMIZER_CLASSES.values()
        for name, parameter in inspect.signature(optimizer_class.__init__).parameters.items()
        if test(parameter.default)
    )


_NONE_TAKERS = _arguments_whose_default(
    lambda default: default is None or isinstance(default, bool)
)


# The optimizer arguments that are bools (amsgrad, nesterov, centered, use_ema); a bool given
# for any other is the number it stands for, as in scikit-learn (MLPClassifier trains with
# ``learning_rate_init=True``; Keras refused ``learning_rate=True`` in its own words).
_BOOLEAN_ARGUMENTS = _arguments_whose_default(lambda default: isinstance(default, bool))


# The optimizer arguments that count steps (Keras takes them as integers or None). Keras refuses
# the others unless they are Python floats where it checks them (``learning_rate``, SGD's
# ``momentum``), so every other number is passed as one.
_INTEGER_ARGUMENTS = frozenset({"gradient_accumulation_steps", "ema_overwrite_frequency"})


def _plain_number(name, value):
    """The optimizer argument ``name``'s ``value`` as Keras takes it: a number (a NumPy scalar,
    or an int where Keras expects a float: ``learning_rate=1``, ``np.float32(1e-3)``) as a
    Python float, or as an int for the arguments that count steps; a bool as it is for the
    arguments that are bools, else as the number it stands for; anything else as it is."""
    if isinstance(value, (bool, np.bool_)):
        if name in _BOOLEAN_ARGUMENTS:
            return value
        value = int(value)
    if not isinstance(value, Real):
        return value
    if name in _INTEGER_ARGUMENTS:
        return int(value) if isinstance(value, Integral) else value
    return float(value)


def _check_none(said, name):
    """Refuse None for the optimizer argument ``name`` (``said`` so) unless Keras takes it."""
    if name not in _NONE_TAKERS:
        raise ValueError(
            f"{said} must be a number, got None (None is taken only for the arguments that are "
            "None or a bool by default, such as weight_decay, clipnorm or amsgrad)."
        )


def _check_instance_arguments(config):
    """An optimizer instance's (serialized) arguments in the ranges of routed ones."""
    for name, value in config["config"].items():
        if value is None:
            _check_none(f"The optimizer's {name}", name)
        elif isinstance(value, dict) and name == "learning_rate":  # a serialized schedule
            _check_schedule(keras.optimizers.schedules.deserialize(value))
        elif name in _BOOLEAN_ARGUMENTS and not isinstance(value, (bool, np.bool_)):
            _refuse_non_boolean(f"The optimizer's {name}", value)
        elif isinstance(value, Real) and not isinstance(value, bool):
            _check_number(f"The optimizer's {name}", name, value)


def _refuse_non_boolean(said, value):
    """TypeError for ``value`` (not a bool) given to an optimizer argument that is a switch, as
    scikit-learn's "boolean" constraint refuses ``MLPClassifier(nesterovs_momentum=1)``: Keras
    trained with ``amsgrad=1`` as with True, and ``load`` then refused the file (``dump``
    refused to write it, blaming the training's values)."""
    raise TypeError(f"{said} must be a bool (or None for False), got {value!r}.")


def _check_number(said, name, value):
    """Refuse the optimizer argument ``name`` (a number; ``said`` so in the message) unless it is
    finite, in its range (``_check_range``) and within float32's, in which Keras keeps it: 1e300
    is infinite there (an epsilon of 1e300 silently stopped all training), and a number below
    float32's smallest normal one is 0 to TensorFlow (refused where 0 is)."""
    try:
        number = float(value)
    except OverflowError:  # an int beyond float64
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{said} must be finite, got {value!r}.")
    _check_range(said, name, value)
    if abs(number) > FLOAT32_LARGEST:
        raise ValueError(
            f"{said} must be within float32's range (±{FLOAT32_LARGEST:.3g}), in which Keras "
            f"keeps it; got {value!r}."
        )
    if 0 < abs(number) < FLOAT32_SMALLEST:
        _check_range(
            f"{said} ({value!r}, which TensorFlow computes as 0: below float32's smallest normal "
            f"number, {FLOAT32_SMALLEST:.4g})",
            name,
            0.0,
        )


def _check_range(said, name, value):
    """Refuse the optimizer argument ``name`` (``said`` so in the message) outside its range:
    a learning rate > 0, as the param ``learning_rate``; ``_ARGUMENT_RANGES`` for the rest."""
    expected, within = (
        ("> 0", lambda rate: rate > 0) if name == "learning_rate"
        else _ARGUMENT_RANGES.get(name, (None, lambda _: True))
    )
    if not within(value):
        raise ValueError(f"{said} must be {expected}, got {value!r}.")


# Steps at which a learning-rate schedule of another kind than Keras' own is sampled: from the
# first step to far beyond any training.
# The last step at which a learning-rate schedule's rate is checked (load refuses a file whose
# optimizer, under a schedule, counted more steps: its next step's rate is unchecked).
SCHEDULE_LAST_CHECKED_STEP = 2**31 - 1
_SCHEDULE_STEPS = (0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, SCHEDULE_LAST_CHECKED_STEP)


# The names TensorFlow takes for a name scope opened outside any other (its op-name rule), less
# the scope separators '/', '\\' and '>'.
_SCOPE_NAME = re.compile(r"[A-Za-z0-9.][A-Za-z0-9_.-]*")


def _check_schedule(schedule):
    """Refuse a learning-rate schedule whose rate is not finite, not > 0 at the first step or
    negative at a later step: Keras takes a negative rate and trains uphill.

    Keras' own schedules are held to argument ranges within which no step's rate is negative
    (``_SCHEDULE_RANGES``; a piecewise-constant schedule by its values, since a call costs a
    computation per boundary), and all but the piecewise one are then called at the steps
    ``_SCHEDULE_STEPS`` for a finite rate (a rate that grows without bound overflows), the
    piecewise one at the first step only (where Keras' own failures show, such as values of
    mixed dtypes); any other schedule can only be called at those steps.
    """
    name = type(schedule).__name__
    config = schedule.get_config()
    own = getattr(keras.optimizers.schedules, name, None) is type(schedule)
    scope = config.get("name")
    if isinstance(scope, str) and not _SCOPE_NAME.fullmatch(scope):
        # Called eagerly here, a schedule takes any name; the traced training step opens a
        # TensorFlow name scope of it, which refused 'bad name!' there with a ValueError from
        # inside TensorFlow.
        raise ValueError(
            f"The learning-rate schedule {name}'s name must be a TensorFlow name scope: letters, "
            f"digits, '_', '.' and '-', not starting with '_' or '-'; got {scope[:100]!r}."
        )
    steps = _SCHEDULE_STEPS
    if own and name == "PiecewiseConstantDecay":
        _check_piecewise(config["boundaries"], config["values"])
        steps = (0,)  # once: Keras' own failures (values of mixed dtypes) show at any step
    elif own:
        for argument, (expected, within) in _SCHEDULE_RANGES[name].items():
            value = config.get(argument)
            if value is not None and not within(value):
                raise ValueError(
                    f"The learning-rate schedule {name}'s {argument} must be {expected} (its "
                    f"rate would be negative, or undefined, at some step), got {value!r}."
                )
        if name == "CosineDecayRestarts" and config["alpha"] > 1 and config["m_mul"] > 1:
            # The rate is alpha - (alpha - 1) * m_mul**restart * (a cosine in [0, 1]) times the
            # initial rate: with both above 1 it turns negative after some restarts.
            raise ValueError(
                "The learning-rate schedule CosineDecayRestarts must have alpha <= 1 or "
                f"m_mul <= 1: with alpha={config['alpha']!r} and m_mul={config['m_mul']!r} its "
                "rate turns negative after some restarts."
            )
    for step in steps:
        try:
            rate = float(np.asarray(schedule(step)))
        except Exception as error:  # noqa: BLE001  (any schedule's own failure)
            raise ValueError(
                f"The learning-rate schedule {name} fails at step {step}: {error}"
            ) from None
        # A rate decayed to 0 is harmless (float32 underflows: no more training); a negative
        # one trains uphill.
        if not (np.isfinite(rate) and (rate > 0 if step == 0 else rate >= 0)):
            raise ValueError(
                f"The learning-rate schedule {name} must give a rate > 0 at the first step and "
                f"rates >= 0 after it; it gives {rate:g} at step {step}."
            )


def _finite(value):
    """Whether ``value`` is a finite number as a float (``10**400`` is not)."""
    try:
        return bool(np.isfinite(float(value)))
    except OverflowError:
        return False


def _whole_step(value):
    """Whether ``value`` is a whole number that a float holds (a step)."""
    try:
        return isinstance(value, Real) and float(value).is_integer()
    except OverflowError:
        return False


def _check_piecewise(boundaries, values):
    """A ``PiecewiseConstantDecay``'s rates are its values: each finite and >= 0, the first
    step's > 0; its boundaries whole steps (Keras casts them to the step's integer type) in
    increasing order (Keras does not check it)."""
    boundaries, values = list(boundaries), list(values)
    if not all(isinstance(v, Real) and _finite(v) and v >= 0 for v in values):
        raise ValueError(
            "The learning-rate schedule PiecewiseConstantDecay's values must be finite rates "
            f">= 0, got {values!r}."
        )
    if not all(_whole_step(b) for b in boundaries) or any(
        later <= earlier for earlier, later in zip(boundaries, boundaries[1:])
    ):
        raise ValueError(
            "The learning-rate schedule PiecewiseConstantDecay's boundaries must be whole "
            f"steps in increasing order, got {boundaries!r}."
        )
    # Keras' rule: values[0] up to and including boundaries[0], values[i] after boundaries[i-1].
    first = values[sum(boundary < 0 for boundary in boundaries)]
    if not first > 0:
        raise ValueError(
            "The learning-rate schedule PiecewiseConstantDecay must give a rate > 0 at the first "
            f"step; it gives {first:g} at step 0."
        )


# The ranges of the Keras optimizers' numeric arguments outside which Keras trains on without a
# word, but wrongly (a negative epsilon or clipnorm, a decay factor beyond 1, ...).
_UNIT = ("in [0, 1]", lambda value: 0 <= value <= 1)
_NON_NEGATIVE = (">= 0", lambda value: value >= 0)
_POSITIVE = ("> 0", lambda value: value > 0)
_ARGUMENT_RANGES = {
    **dict.fromkeys(["beta_1", "beta_2", "rho", "momentum", "ema_momentum"], _UNIT),
    # As MLPClassifier's: every optimizer that takes one divides by a running quantity plus
    # epsilon, which is 0 for a weight whose gradients have all been 0 (under a feature that is
    # always 0, or a dead unit); with epsilon 0 Adam's step there divided 0 by 0 and the fit
    # "diverged".
    "epsilon": (
        "> 0 (steps divide by a running quantity plus epsilon, 0 for a weight whose gradients "
        "are all 0: under a feature that is always 0 or a dead unit, 0 / 0)",
        lambda value: value > 0,
    ),
    **dict.fromkeys(
        [
            "weight_decay",
            "initial_accumulator_value",
            "l1_regularization_strength",
            "l2_regularization_strength",
            # Ftrl's: its steps divide by (beta + the root of the accumulated squares) / rate;
            # beta=-10 drove the weights to about 0 without a word.
            "beta",
        ],
        _NON_NEGATIVE,
    ),
    **dict.fromkeys(["clipnorm", "clipvalue", "global_clipnorm", "loss_scale_factor"], _POSITIVE),
    "learning_rate_power": ("<= 0", lambda value: value <= 0),
    # Keras doubles it, in float32: above half of float32's largest number, training overflowed.
    "l2_shrinkage_regularization_strength": (
        ">= 0 and at most half of float32's largest number (Keras trains with twice it)",
        lambda value: 0 <= value <= FLOAT32_LARGEST / 2,
    ),
    # Keras takes any number and counts steps modulo it in int64: 2.5 (or 2.0) failed inside
    # TensorFlow at the first step. 0, as None, accumulates nothing.
    "gradient_accumulation_steps": (
        "an integer >= 2, or 0 or None for none (Keras counts the steps modulo it, in integers)",
        lambda value: isinstance(value, Integral) and (value == 0 or value >= 2),
    ),
}


# Keras' own learning-rate schedules: the ranges of their arguments within which the rate is
# defined and >= 0 at every step (> 0 at the first), from Keras' formulas (a decay rate or
# factor >= 0, an end or floor rate >= 0, a positive step count, a power >= 0).
_SCHEDULE_RANGES = {
    "ExponentialDecay": {
        "initial_learning_rate": _POSITIVE, "decay_steps": _POSITIVE, "decay_rate": _NON_NEGATIVE,
    },
    "InverseTimeDecay": {
        "initial_learning_rate": _POSITIVE, "decay_steps": _POSITIVE, "decay_rate": _NON_NEGATIVE,
    },
    "PolynomialDecay": {
        "initial_learning_rate": _POSITIVE, "decay_steps": _POSITIVE,
        "end_learning_rate": _NON_NEGATIVE, "power": _NON_NEGATIVE,
    },
    "CosineDecay": {
        "initial_learning_rate": _POSITIVE, "decay_steps": _POSITIVE, "alpha": _NON_NEGATIVE,
        "warmup_target": _POSITIVE, "warmup_steps": _NON_NEGATIVE,
    },
    "CosineDecayRestarts": {
        "initial_learning_rate": _POSITIVE, "first_decay_steps": _POSITIVE, "t_mul": _POSITIVE,
        "m_mul": _NON_NEGATIVE, "alpha": _NON_NEGATIVE,
    },
}


# What scikit-learn's MLP estimators and Keras call some of the params.
_OTHER_NAMES = {
    "max_iter": ("epochs",),
    "alpha": ("l2", "l2s"),  # the cross-validated estimators search l2s
    "learning_rate_init": ("learning_rate",),
    "validation_split": ("early_stopping=True, validation_fraction",),
    "solver": ("optimizer",),
    "metrics": ("scoring",),  # the cross-validated estimators' (see _KERAS_COMPILE_HINTS)
}


# What a Keras user's compile arguments are here, where no param takes them.
_KERAS_COMPILE_HINTS = {
    "loss": "a classifier's loss is cross-entropy, binary or categorical as its targets are",
    "metrics": "score with scikit-learn: score(), or a scorer's name as scoring= in "
               "cross_val_score or GridSearchCV",
}


@functools.cache
def _init_params(init):
    """The named arguments of an ``__init__``, sorted: read once per class (reading them with
    ``inspect.signature`` took about 30 µs, and clone, get_params and set_params ask for them
    several times per fit and about 400 times per cross-validated search)."""
    parameters = inspect.signature(init).parameters.values()
    return tuple(sorted(
        p.name for p in parameters if p.name != "self" and p.kind is not p.VAR_KEYWORD
    ))


class RoutedParams:
    """scikit-learn's params for estimators that take routed keyword arguments.

    The params are the named arguments of ``__init__`` (sorted, as scikit-learn lists them) and
    the extra keyword arguments given to ``__init__`` or routed ones added by ``set_params``; other
    attributes set on the estimator are not params. An unknown keyword argument stays a param, so
    that a clone still fails in ``fit`` (scikit-learn estimators do not raise in ``__init__``).
    """

    # What fit takes routed arguments for (``optimizer__beta_1``, ...).
    _fit_prefixes = ROUTING_PREFIXES

    def _unknown_param_advice(self, name):
        """What to use instead of the param ``name``, which this estimator does not have, where
        there is something to say (a search names the single estimator's params it refuses)."""
        return None

    def _store_params(self, arguments):
        """Store ``__init__``'s arguments (its ``locals()``) as params, as scikit-learn
        requires: ``__init__`` only stores, ``fit`` validates."""
        arguments = dict(arguments)
        extra = arguments.pop("kwargs", {})
        del arguments["self"]
        arguments.pop("__class__", None)
        vars(self).update(arguments)
        vars(self).update(extra)
        self._extra_params = tuple(extra)

    @classmethod
    def _signature_params(cls):
        """The named params of ``__init__``, sorted, as scikit-learn lists them."""
        return _init_params(cls.__init__)

    def _extra_param_names(self):
        extra = vars(self).get("_extra_params")
        if extra is None:  # unpickled from a version that did not record them
            return [name for name in vars(self) if is_routed(name)]
        return list(extra)

    def _check_extra_params(self):
        """Refuse an extra keyword argument that is not routed to one of ``_fit_prefixes``: a
        typo such as ``epoch=10`` fails in ``fit`` instead of passing silently."""
        prefixes = self._fit_prefixes
        for name in self._extra_param_names():
            if not is_routed(name) or name.partition("__")[0] not in prefixes:
                raise TypeError(
                    f"{type(self).__name__} got an unexpected keyword argument {name!r}"
                    f"{self._param_hint(name)}; routed arguments start with "
                    f"{' or '.join(sorted(p + '__' for p in prefixes))}."
                )

    def _other_name(self, name):
        """The param (or settings) that MLPClassifier's or Keras' ``name`` is here, or None."""
        params = self._signature_params()
        return next(
            (meant for meant in _OTHER_NAMES.get(name, ()) if meant.split("=")[0] in params),
            None,
        )

    def _param_hint(self, name):
        """What ``name`` (an unknown keyword argument) is likely meant as: the param of
        MLPClassifier's or Keras' name, or a param spelled alike."""
        meant = self._other_name(name)
        if meant is not None:
            return f" (here: {meant})"
        if name in _KERAS_COMPILE_HINTS and name not in self._signature_params():
            return f" ({_KERAS_COMPILE_HINTS[name]})"
        close = difflib.get_close_matches(name, self._signature_params(), n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def __delattr__(self, name):
        """``del estimator.optimizer__beta_1`` removes a routed argument, so that its
        optimizer's (or callback's) default applies again: no value given to ``set_params``
        does that, and an argument of one optimizer class had made every fit with another
        fail (``optimizer="sgd"`` after ``optimizer__beta_1``), as had a loaded file's
        ``callbacks__*`` arguments beside callback instances."""
        if is_routed(name) and name in self._extra_param_names():
            self._extra_params = tuple(n for n in self._extra_param_names() if n != name)
            vars(self).pop(name, None)
            return
        super().__delattr__(name)

    def get_params(self, deep=True):
        """Get the parameters of this estimator.

        The params are the arguments of ``__init__`` and the routed ``optimizer__*`` (and
        ``callbacks__*``) arguments given to ``__init__`` or ``set_params``, as in scikit-learn;
        other attributes set on the estimator are not params.

        Parameters
        ----------
        deep : bool, default=True
            If True, also return the parameters of contained objects that are estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = {}
        for name in (*self._signature_params(), *sorted(self._extra_param_names())):
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update((f"{name}__{key}", v) for key, v in value.get_params().items())
            params[name] = value
        return params

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Routed arguments (``optimizer__beta_1=0.9``) may be added (and removed with ``del
        estimator.optimizer__beta_1``); any other name must be a param already.

        Parameters
        ----------
        **params : dict
            Parameter names mapped to their new values.

        Returns
        -------
        self : object
            The estimator.
        """
        valid = self.get_params(deep=False)
        # In the order given, as scikit-learn's set_params: the names before one it refuses
        # are set.
        for name, value in params.items():
            prefix, separator, rest = name.partition("__")
            if separator and not rest and prefix in self._fit_prefixes:
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}: a routed "
                    "argument names what it sets after the prefix (optimizer__beta_1, ...)."
                )
            # Only the prefixes fit routes: a search took callbacks__* here, then refused it.
            if is_routed(name) and prefix in self._fit_prefixes:
                vars(self)[name] = value
                extra = self._extra_param_names()
                if name not in extra:
                    self._extra_params = (*extra, name)
            elif prefix not in valid:
                # scikeras' message would advise passing it to the constructor, where fit then
                # refuses it.
                advice = self._unknown_param_advice(prefix)
                raise ValueError(
                    f"Invalid parameter {name!r} for estimator {type(self).__name__}. Valid "
                    f"parameters are: {sorted(n for n in valid if not is_routed(n))!r}, and "
                    "routed arguments starting with "
                    f"{' or '.join(sorted(p + '__' for p in self._fit_prefixes))}."
                    + (f" {advice}" if advice else "")
                )
            else:
                super().set_params(**{name: value})
        return self
