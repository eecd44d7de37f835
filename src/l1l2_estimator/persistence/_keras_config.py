"""Allow-list for ``config.json`` of the ``model.keras`` member, checked whole before anything
is built from the file.

Every nested entry is checked: the ``Sequential`` with its dtype policy and build config, the
``InputLayer``, every ``Dense`` layer with its activation, initializers, regularizers, constraints
and dtype policy, and the ``compile_config`` (loss, optimizer, ...). Every object's ``module``,
``class_name`` and ``registered_name``, every config key and the kind of every value are checked,
and the layers must be the ones that the stored params, features and labels describe. The network
itself is then rebuilt from the params: the optimizer and loss in the file are checked but not
used. The regularizers' ``l1`` and ``l2`` (one pair, the same in every layer) are the penalties
that the weights were fitted with, which ``model_`` reports, as it does after pickling, when
``set_params`` changed ``l1`` or ``l2`` after fitting; further training uses the params.
"""

import numpy as np

from ._archive import Refused
from ._keras_objects import (
    IDENTITY_KEYS,
    check_boolean,
    check_constant,
    check_keys,
    check_name,
    check_optimizer,
    is_finite_number,
    is_integer,
    show,
)

FLOAT32_MAX = float(np.finfo(np.float32).max)

# The losses that the estimators' output layers use (``_output_layer``).
LOSSES = frozenset(
    {"binary_crossentropy", "sparse_categorical_crossentropy", "mean_squared_error", "poisson"}
)


def check_network_config(config, *, n_features, units, activations):
    """Refuse a ``config.json`` that is not, in every nested entry, a compiled ``Sequential`` of an
    ``InputLayer`` of ``n_features`` and ``Dense`` layers of ``units`` with ``activations``, all
    with one L1-L2 penalty; return that penalty, ``(l1, l2)``."""
    where = "its network"
    check_keys(config, where, IDENTITY_KEYS + ("compile_config",), ("build_config",))
    _identity(config, where, ("Sequential",), ("keras",))
    if "build_config" in config:
        _build_config(config["build_config"], f"{where}'s build_config", n_features)
    inner = config["config"]
    check_keys(inner, f"{where}'s config", ("name", "layers"),
               ("trainable", "dtype", "build_input_shape"))
    check_name(inner["name"], f"{where}'s name")
    # The package trains every layer by its own loop, whatever the config says: a false would
    # load and be ignored. dump writes true.
    check_constant(inner.get("trainable", True), True, f"{where}'s trainable")
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
    penalties = [
        _dense_layer(layer, f"{where}'s layer {index + 1}", width, layer_units, activation)
        for index, (layer, width, layer_units, activation) in enumerate(
            zip(layers[1:], widths, units, activations)
        )
    ]
    if len(set(penalties)) > 1:
        raise Refused(
            f"{where}'s layers have different kernel_regularizer penalties {show(penalties)}; "
            "an estimator's network has one l1 and one l2."
        )
    _compile_config(config["compile_config"], f"{where}'s compile_config")
    return penalties[0]


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
    check_keys(layer, where, IDENTITY_KEYS)
    _identity(layer, where, ("InputLayer",), ("keras.layers",))
    config = layer["config"]
    check_keys(config, f"{where}'s config", ("batch_shape", "name"),
               ("dtype", "sparse", "ragged", "optional"))
    _batch_shape(config["batch_shape"], f"{where}'s batch_shape", n_features)
    check_name(config["name"], f"{where}'s name")
    if "dtype" in config:
        _dtype_policy(config["dtype"], f"{where}'s dtype")
    for flag in ("sparse", "ragged", "optional"):
        check_constant(config.get(flag, False), False, f"{where}'s {flag}")


_DENSE_KEYS = (
    "name", "units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
    "kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint",
)
# Keys that some Keras versions write, always null for our networks.
_DENSE_NULL_KEYS = ("activity_regularizer", "quantization_config")


def _dense_layer(layer, where, width, units, activation):
    check_keys(layer, where, IDENTITY_KEYS, ("build_config",))
    _identity(layer, where, ("Dense",), ("keras.layers",))
    if "build_config" in layer:
        _build_config(layer["build_config"], f"{where}'s build_config", width)
    config = layer["config"]
    check_keys(config, f"{where}'s config", _DENSE_KEYS, ("trainable", "dtype", *_DENSE_NULL_KEYS))
    check_name(config["name"], f"{where}'s name")
    check_constant(config.get("trainable", True), True, f"{where}'s trainable")
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
    check_constant(config["use_bias"], True, f"{where}'s use_bias")
    _initializer(config["kernel_initializer"], f"{where}'s kernel_initializer", "GlorotUniform")
    _initializer(config["bias_initializer"], f"{where}'s bias_initializer", "Zeros")
    penalty = _regularizer(config["kernel_regularizer"], f"{where}'s kernel_regularizer")
    for key in ("bias_regularizer", "kernel_constraint", "bias_constraint", *_DENSE_NULL_KEYS):
        check_constant(config.get(key), None, f"{where}'s {key}")
    return penalty


def _initializer(value, where, class_name):
    check_keys(value, where, IDENTITY_KEYS)
    _identity(value, where, (class_name,), ("keras.initializers",))
    config = value["config"]
    if class_name == "Zeros":
        check_keys(config, f"{where}'s config", ())
        return
    check_keys(config, f"{where}'s config", ("seed",), ("input_axes", "output_axes"))
    if config["seed"] is not None and not is_integer(config["seed"]):
        raise Refused(f"{where}'s seed must be an integer or null, got {show(config['seed'])}.")
    for key in ("input_axes", "output_axes"):
        check_constant(config.get(key), None, f"{where}'s {key}")


def _regularizer(value, where):
    if value is None:
        raise Refused(f"{where} is missing; every kernel carries the L1L2 penalty.")
    check_keys(value, where, IDENTITY_KEYS)
    _identity(value, where, ("L1L2",), ("keras.regularizers",))
    config = value["config"]
    check_keys(config, f"{where}'s config", ("l1", "l2"))
    for key in ("l1", "l2"):
        # model_'s regularizer computes in float32: a larger factor is infinite there (and no fit
        # trains with one: it diverges).
        if not is_finite_number(config[key]) or not 0 <= config[key] <= FLOAT32_MAX:
            raise Refused(
                f"{where}'s {key} must be a number from 0 to {FLOAT32_MAX:.7g} (float32's "
                f"largest), got {show(config[key])}."
            )
    return float(config["l1"]) + 0.0, float(config["l2"]) + 0.0  # (-0.0 as 0.0)


def _dtype_policy(value, where):
    if value == "float32":  # Keras before 3.4
        return
    check_keys(value, where, IDENTITY_KEYS, ("shared_object_id",))
    _identity(value, where, ("DTypePolicy", "FloatDTypePolicy"), ("keras", "keras.dtype_policies"))
    if value["config"] != {"name": "float32"}:
        raise Refused(f"{where} must be float32, got {show(value['config'])}.")
    if "shared_object_id" in value and not is_integer(value["shared_object_id"]):
        raise Refused(f"{where}'s shared_object_id must be an integer.")


def _build_config(value, where, n_features):
    check_keys(value, where, ("input_shape",))
    _batch_shape(value["input_shape"], f"{where}'s input_shape", n_features)


def _batch_shape(value, where, width):
    """``[null, width]``."""
    if type(value) is not list or value != [None, width] or not is_integer(value[1]):
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
        check_constant(value[key], None, f"{where}'s {key}")
    check_boolean(value["run_eagerly"], f"{where}'s run_eagerly")
    check_boolean(value.get("auto_scale_loss", True), f"{where}'s auto_scale_loss")
    if value["jit_compile"] != "auto":
        check_boolean(value["jit_compile"], f"{where}'s jit_compile")
    steps = value["steps_per_execution"]
    if not is_integer(steps) or steps < 1:
        raise Refused(
            f"{where}'s steps_per_execution must be a positive integer, got {show(steps)}."
        )
