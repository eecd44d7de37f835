"""Allow-lists for the Keras configurations in a saved file, checked before Keras builds anything.

Nothing read from a file goes through Keras' own deserialization (which looks classes up by name
in a registry a process can extend). Two kinds of Keras configuration occur:

- A Keras optimizer or learning-rate schedule stored as a param. It must be one of the optimizer
  classes that the ``optimizer`` param names (Adam, AdamW, Adamax, Nadam, SGD, RMSprop, Adagrad,
  Adadelta, Ftrl, Lion) or one of Keras' six learning-rate schedules, from ``keras.optimizers``
  (``.schedules``), with no ``registered_name``; its config keys must be arguments of that class,
  and its values JSON values of the expected kind: finite numbers, booleans, a short name, a
  schedule as an optimizer's ``learning_rate``, lists of finite numbers for a piecewise-constant
  schedule. Only then is the class called with them.
- ``config.json`` of the ``model.keras`` member, checked whole: the ``Sequential`` with its dtype
  policy and build config, the ``InputLayer``, every ``Dense`` layer with its activation,
  initializers, regularizers, constraints and dtype policy, and the ``compile_config`` (loss,
  optimizer, ...). Every nested object's ``module``, ``class_name`` and ``registered_name``, every
  config key and the kind of every value are checked, and the layers must be the ones that the
  stored params, features and labels describe. The network itself is then rebuilt from the
  params: the optimizer, loss and regularizer values in the file are checked but not used.
"""

from .. import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import functools
import inspect
import math

import keras

from ._archive import Refused

MAX_NAME_CHARACTERS = 256
MAX_SCHEDULE_POINTS = 10_000

OPTIMIZER_MODULE = "keras.optimizers"
SCHEDULE_MODULE = "keras.optimizers.schedules"
# The classes of the optimizers that the ``optimizer`` param names (``_params.OPTIMIZERS``).
OPTIMIZER_CLASSES = {
    cls.__name__: cls
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
# The losses that the estimators' output layers use (``_output_layer``).
LOSSES = frozenset({"binary_crossentropy", "sparse_categorical_crossentropy", "mean_squared_error"})

_IDENTITY_KEYS = ("module", "class_name", "config", "registered_name")


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


def _keras_object(config, where, classes, module, extra_keys=()):
    """``(class, config)`` of ``{"module", "class_name", "config", "registered_name"}``."""
    check_keys(config, where, _IDENTITY_KEYS, extra_keys)
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
            ok, kind = type(value) is bool, "true or false"
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
        return cls(**arguments)
    except Exception as error:  # Keras raises many types for arguments it refuses
        raise Refused(
            f"{where}: Keras cannot build {cls.__name__} from it: {first_line(error)}"
        ) from error


# -- config.json of model.keras ------------------------------------------------------------------


def check_network_config(config, *, n_features, units, activations):
    """Refuse a ``config.json`` that is not, in every nested entry, a compiled ``Sequential`` of an
    ``InputLayer`` of ``n_features`` and ``Dense`` layers of ``units`` with ``activations``."""
    where = "its network"
    check_keys(config, where, _IDENTITY_KEYS + ("compile_config",), ("build_config",))
    _identity(config, where, ("Sequential",), ("keras",))
    if "build_config" in config:
        _build_config(config["build_config"], f"{where}'s build_config", n_features)
    inner = config["config"]
    check_keys(inner, f"{where}'s config", ("name", "layers"),
               ("trainable", "dtype", "build_input_shape"))
    _name(inner["name"], f"{where}'s name")
    _boolean(inner.get("trainable", True), f"{where}'s trainable")
    if "dtype" in inner:
        _dtype_policy(inner["dtype"], f"{where}'s dtype")
    if "build_input_shape" in inner:
        _batch_shape(inner["build_input_shape"], f"{where}'s build_input_shape", n_features)
    layers = inner["layers"]
    if type(layers) is not list or len(layers) != len(units) + 1:
        count = len(layers) if type(layers) is list else show(layers)
        raise Refused(
            f"{where} has {count} layers, but its params, features and labels call for an input "
            f"and {len(units)} Dense layers."
        )
    _input_layer(layers[0], f"{where}'s layer 0", n_features)
    widths = [n_features, *units[:-1]]
    for index, (layer, width, layer_units, activation) in enumerate(
        zip(layers[1:], widths, units, activations)
    ):
        _dense_layer(layer, f"{where}'s layer {index + 1}", width, layer_units, activation)
    _compile_config(config["compile_config"], f"{where}'s compile_config")


def _identity(config, where, class_names, modules):
    """Refuse an entry that is not one of Keras' own ``class_names`` from ``modules``."""
    class_name = config["class_name"]
    if class_name not in class_names:
        raise Refused(
            f"{where} is a {show(class_name)}; only {', '.join(class_names)} is allowed there."
        )
    if config["module"] not in modules or config["registered_name"] is not None:
        raise Refused(
            f"{where} must be Keras' own {class_name} (module {modules[0]!r}, no "
            f"registered_name), got module {show(config['module'])} and registered_name "
            f"{show(config['registered_name'])}."
        )


def _input_layer(layer, where, n_features):
    check_keys(layer, where, _IDENTITY_KEYS)
    _identity(layer, where, ("InputLayer",), ("keras.layers",))
    config = layer["config"]
    check_keys(config, f"{where}'s config", ("batch_shape", "name"),
               ("dtype", "sparse", "ragged", "optional"))
    _batch_shape(config["batch_shape"], f"{where}'s batch_shape", n_features)
    _name(config["name"], f"{where}'s name")
    if "dtype" in config:
        _dtype_policy(config["dtype"], f"{where}'s dtype")
    for flag in ("sparse", "ragged", "optional"):
        _constant(config.get(flag, False), False, f"{where}'s {flag}")


_DENSE_KEYS = (
    "name", "units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
    "kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint",
)
# Keys that some Keras versions write, always null for our networks.
_DENSE_NULL_KEYS = ("activity_regularizer", "quantization_config")


def _dense_layer(layer, where, width, units, activation):
    check_keys(layer, where, _IDENTITY_KEYS, ("build_config",))
    _identity(layer, where, ("Dense",), ("keras.layers",))
    if "build_config" in layer:
        _build_config(layer["build_config"], f"{where}'s build_config", width)
    config = layer["config"]
    check_keys(config, f"{where}'s config", _DENSE_KEYS, ("trainable", "dtype", *_DENSE_NULL_KEYS))
    _name(config["name"], f"{where}'s name")
    _boolean(config.get("trainable", True), f"{where}'s trainable")
    if "dtype" in config:
        _dtype_policy(config["dtype"], f"{where}'s dtype")
    if config["units"] != units or type(config["units"]) is not int:
        raise Refused(
            f"{where} has {show(config['units'])} units, but its params, features and labels "
            f"call for {units}."
        )
    if config["activation"] != activation:
        raise Refused(
            f"{where} has activation {show(config['activation'])}, but its params call for "
            f"{activation!r}."
        )
    _constant(config["use_bias"], True, f"{where}'s use_bias")
    _initializer(config["kernel_initializer"], f"{where}'s kernel_initializer", "GlorotUniform")
    _initializer(config["bias_initializer"], f"{where}'s bias_initializer", "Zeros")
    _regularizer(config["kernel_regularizer"], f"{where}'s kernel_regularizer")
    for key in ("bias_regularizer", "kernel_constraint", "bias_constraint", *_DENSE_NULL_KEYS):
        _constant(config.get(key), None, f"{where}'s {key}")


def _initializer(value, where, class_name):
    check_keys(value, where, _IDENTITY_KEYS)
    _identity(value, where, (class_name,), ("keras.initializers",))
    config = value["config"]
    if class_name == "Zeros":
        check_keys(config, f"{where}'s config", ())
        return
    check_keys(config, f"{where}'s config", ("seed",), ("input_axes", "output_axes"))
    if config["seed"] is not None and not _is_integer(config["seed"]):
        raise Refused(f"{where}'s seed must be an integer or null, got {show(config['seed'])}.")
    for key in ("input_axes", "output_axes"):
        _constant(config.get(key), None, f"{where}'s {key}")


def _regularizer(value, where):
    if value is None:
        raise Refused(f"{where} is missing; every kernel carries the L1L2 penalty.")
    check_keys(value, where, _IDENTITY_KEYS)
    _identity(value, where, ("L1L2",), ("keras.regularizers",))
    config = value["config"]
    check_keys(config, f"{where}'s config", ("l1", "l2"))
    for key in ("l1", "l2"):
        if not is_finite_number(config[key]) or config[key] < 0:
            raise Refused(f"{where}'s {key} must be a finite number >= 0, got {show(config[key])}.")


def _dtype_policy(value, where):
    if value == "float32":  # Keras before 3.4
        return
    check_keys(value, where, _IDENTITY_KEYS, ("shared_object_id",))
    _identity(value, where, ("DTypePolicy", "FloatDTypePolicy"), ("keras", "keras.dtype_policies"))
    if value["config"] != {"name": "float32"}:
        raise Refused(f"{where} must be float32, got {show(value['config'])}.")
    if "shared_object_id" in value and not _is_integer(value["shared_object_id"]):
        raise Refused(f"{where}'s shared_object_id must be an integer.")


def _build_config(value, where, n_features):
    check_keys(value, where, ("input_shape",))
    _batch_shape(value["input_shape"], f"{where}'s input_shape", n_features)


def _batch_shape(value, where, width):
    """``[null, width]``."""
    if type(value) is not list or value != [None, width] or not _is_integer(value[1]):
        raise Refused(f"{where} must be [null, {width}], got {show(value)}.")


_COMPILE_KEYS = (
    "optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
    "steps_per_execution", "jit_compile",
)


def _compile_config(value, where):
    check_keys(value, where, _COMPILE_KEYS, ("auto_scale_loss",))
    check_optimizer(value["optimizer"], f"{where}'s optimizer")
    if type(value["loss"]) is not str or value["loss"] not in LOSSES:
        raise Refused(
            f"{where}'s loss must be one of {', '.join(sorted(LOSSES))}, got {show(value['loss'])}."
        )
    for key in ("loss_weights", "metrics", "weighted_metrics"):
        _constant(value[key], None, f"{where}'s {key}")
    _boolean(value["run_eagerly"], f"{where}'s run_eagerly")
    _boolean(value.get("auto_scale_loss", True), f"{where}'s auto_scale_loss")
    if value["jit_compile"] != "auto":
        _boolean(value["jit_compile"], f"{where}'s jit_compile")
    steps = value["steps_per_execution"]
    if not _is_integer(steps) or steps < 1:
        raise Refused(
            f"{where}'s steps_per_execution must be a positive integer, got {show(steps)}."
        )


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


def _constant(value, expected, where):
    if value is not expected:
        raise Refused(f"{where} must be {show(expected)}, got {show(value)}.")


def _boolean(value, where):
    if type(value) is not bool:
        raise Refused(f"{where} must be true or false, got {show(value)}.")


def _name(value, where):
    if not is_name(value):
        raise Refused(
            f"{where} must be a string of at most {MAX_NAME_CHARACTERS} characters, got "
            f"{show(value)}."
        )


def is_name(value):
    return type(value) is str and len(value) <= MAX_NAME_CHARACTERS


def _is_integer(value):
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
