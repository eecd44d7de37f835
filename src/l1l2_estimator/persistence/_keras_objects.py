"""Allow-lists for the Keras optimizers and learning-rate schedules that a saved file holds, and
the small checks that every allow-list of this package shares.

A Keras optimizer or schedule stored as a param (or named in ``model.keras``' compile config) must
be one of the optimizer classes that the ``optimizer`` param names (Adam, AdamW, Adamax, Nadam,
SGD, RMSprop, Adagrad, Adadelta, Ftrl, Lion) or one of Keras' six learning-rate schedules, from
``keras.optimizers`` (``.schedules``), with no ``registered_name``; its config keys must be
arguments of that class, and its values JSON values of the expected kind: finite numbers,
booleans, a short name, a schedule as an optimizer's ``learning_rate``, lists of finite numbers for
a piecewise-constant schedule. Only then is the class called with them: nothing read from a file
goes through Keras' own deserialization, which looks classes up by name in a registry that a
process can extend.
"""

from .. import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import functools
import inspect
import math

import keras

from .. import _params
from .._compat import float32_learning_rate
from .._params import OPTIMIZER_NAME
from ._archive import Refused

MAX_NAME_CHARACTERS = 256
# A piecewise-constant schedule costs a few graph operations per boundary at every training
# step: 1,000 boundaries made a loaded model's next partial_fit take 5 s (tracing them).
MAX_SCHEDULE_POINTS = 101

OPTIMIZER_MODULE = "keras.optimizers"
SCHEDULE_MODULE = "keras.optimizers.schedules"
# The classes of the optimizers that the ``optimizer`` param names, by class name.
OPTIMIZER_CLASSES = {cls.__name__: cls for cls in _params.OPTIMIZER_CLASSES.values()}
SCHEDULE_CLASSES = {
    cls.__name__: cls
    for cls in (
        keras.optimizers.schedules.ExponentialDecay,
        keras.optimizers.schedules.PiecewiseConstantDecay,
        keras.optimizers.schedules.PolynomialDecay,
        keras.optimizers.schedules.InverseTimeDecay,
        keras.optimizers.schedules.CosineDecay,
        keras.optimizers.schedules.CosineDecayRestarts,
    )
}

IDENTITY_KEYS = ("module", "class_name", "config", "registered_name")


# -- optimizers and schedules --------------------------------------------------------------------


def storable_keras_object(value):
    """Whether ``value`` (a Keras optimizer or schedule) is of a class that this format stores."""
    return type(value) in OPTIMIZER_CLASSES.values() or type(value) in SCHEDULE_CLASSES.values()


def keras_object_from_config(config, where):
    """The optimizer or learning-rate schedule that ``config`` (Keras' serialization) describes,
    built only once the whole config has passed the allow-list."""
    if type(config) is dict and config.get("module") == SCHEDULE_MODULE:
        return _build(*check_schedule(config, where), where)
    cls, arguments = check_optimizer(config, where)
    # Under the name the package gives its optimizers, whatever the file says: TensorFlow keeps
    # state per optimizer name, so that loading files of many names grew the process (52 MiB
    # for 750 files).
    arguments = {**arguments, "name": OPTIMIZER_NAME}
    learning_rate = arguments.get("learning_rate")
    if type(learning_rate) is dict:
        schedule = _build(*check_schedule(learning_rate, f"{where}'s learning_rate"), where)
        arguments = {**arguments, "learning_rate": schedule}
    return _build(cls, arguments, where)


def check_optimizer(config, where):
    """``(class, arguments)`` of a serialized optimizer of an allowed class, refused unless every
    argument is one of the class's, of the expected kind."""
    cls, arguments = _keras_object(config, where, OPTIMIZER_CLASSES, OPTIMIZER_MODULE)
    learning_rate = arguments.get("learning_rate")
    if type(learning_rate) is dict:
        check_schedule(learning_rate, f"{where}'s learning_rate")
        _check_arguments(cls, {k: v for k, v in arguments.items() if k != "learning_rate"}, where)
    else:
        _check_arguments(cls, arguments, where)
    return cls, arguments


def check_schedule(config, where):
    """``(class, arguments)`` of a serialized learning-rate schedule of an allowed class."""
    cls, arguments = _keras_object(config, where, SCHEDULE_CLASSES, SCHEDULE_MODULE)
    _check_arguments(cls, arguments, where)
    return cls, arguments


def _keras_object(config, where, classes, module):
    """``(class, config)`` of ``{"module", "class_name", "config", "registered_name"}``."""
    check_keys(config, where, IDENTITY_KEYS)
    class_name = config["class_name"]
    if type(class_name) is not str or class_name not in classes:
        raise Refused(
            f"{where} is a {show(class_name)}; only {', '.join(sorted(classes))} are allowed."
        )
    if config["module"] != module or config["registered_name"] is not None:
        raise Refused(
            f"{where} must be Keras' own {class_name} (module {module!r}, no registered_name), "
            f"got module {show(config['module'])} and registered_name "
            f"{show(config['registered_name'])}."
        )
    if type(config["config"]) is not dict:
        raise Refused(f"{where} has no config object.")
    return classes[class_name], config["config"]


@functools.cache
def _signature(cls):
    """Argument name -> default (``inspect.Parameter.empty`` if required) of ``cls``."""
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {
        name: parameter.default
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if name != "self" and parameter.kind in kinds
    }


def _check_arguments(cls, arguments, where):
    signature = _signature(cls)
    for key, value in arguments.items():
        if key not in signature:
            raise Refused(f"{where}: {cls.__name__} takes no argument {show(key)}.")
        default = signature[key]
        if key == "name":
            ok, kind = value is None or is_name(value), "a short string"
        elif type(default) is bool:
            # null as a fit takes it (Keras trains a switch of None as False): dump refused to
            # write the file of optimizer__amsgrad=None, blaming the training's values.
            ok, kind = type(value) is bool or value is None, "true, false or null"
        elif key in ("boundaries", "values"):
            ok = (
                type(value) is list
                and 0 < len(value) <= MAX_SCHEDULE_POINTS
                and all(is_finite_number(item) for item in value)
            )
            kind = f"a list of at most {MAX_SCHEDULE_POINTS} finite numbers"
        else:
            ok = is_finite_number(value) or (value is None and default is None)
            kind = "a finite number" + (" or null" if default is None else "")
        if not ok:
            raise Refused(f"{where}: {cls.__name__}'s {key} must be {kind}, got {show(value)}.")
    missing = [
        key for key, default in signature.items()
        if default is inspect.Parameter.empty and key not in arguments
    ]
    if missing:
        raise Refused(f"{where}: {cls.__name__} lacks its arguments {missing}.")


def _build(cls, arguments, where):
    try:
        built = cls(**arguments)
        return (
            float32_learning_rate(built, arguments.get("learning_rate"))
            if isinstance(built, keras.optimizers.Optimizer)
            else built
        )
    except Exception as error:  # Keras raises many types for arguments it refuses
        raise Refused(
            f"{where}: Keras cannot build {cls.__name__} from it: {first_line(error)}"
        ) from error


# -- small checks --------------------------------------------------------------------------------


def check_keys(value, where, required, optional=()):
    """Refuse ``value`` unless it is a JSON object with all ``required`` keys and no key outside
    ``required`` and ``optional``."""
    if type(value) is not dict:
        raise Refused(f"{where} must be a JSON object, got {show(value)}.")
    missing = [key for key in required if key not in value]
    unknown = [key for key in value if key not in required and key not in optional]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"lacks {', '.join(map(show, missing))}")
        if unknown:
            problems.append(f"has unexpected {', '.join(map(show, unknown[:5]))}")
        raise Refused(f"{where} {' and '.join(problems)}.")


def check_constant(value, expected, where):
    if value is not expected:
        raise Refused(f"{where} must be {show(expected)}, got {show(value)}.")


def check_boolean(value, where):
    if type(value) is not bool:
        raise Refused(f"{where} must be true or false, got {show(value)}.")


def check_name(value, where):
    if not is_name(value):
        raise Refused(
            f"{where} must be a string of at most {MAX_NAME_CHARACTERS} characters, got "
            f"{show(value)}."
        )


def is_name(value):
    return type(value) is str and len(value) <= MAX_NAME_CHARACTERS


def is_integer(value):
    return type(value) is int


def is_finite_number(value):
    """Whether ``value`` is a JSON number (not a boolean), finite, and an integer only if it fits
    in 64 bits."""
    if type(value) is int:
        return -(1 << 63) <= value < (1 << 63)
    return type(value) is float and math.isfinite(value)


def show(value, limit=80):
    """``repr(value)``, shortened to ``limit`` characters for a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_line(error):
    """The first line of an error message, at most 300 characters."""
    text = str(error).strip().splitlines()
    text = text[0] if text else type(error).__name__
    return text if len(text) <= 300 else text[:300] + "..."
