"""The ``model.keras`` member: the fitted network in Keras' native format.

``dump`` writes ``keras.saving.save_model(estimator.model_)``, so the member can be opened with
Keras. ``load`` never hands it to Keras: it reads the archive in memory (exactly ``config.json``,
``metadata.json`` and ``model.weights.h5``, stored as Keras stores them), checks ``config.json``
against the allow-list of ``_keras_config`` and against the network that the stored params,
features and labels describe, and takes only the weights and the optimizer state from
``model.weights.h5`` (``_weights``). The network, its optimizer, loss and regularizers are rebuilt
from the params by the estimator, so training settings in the file cannot reach it.

Every size is bounded before anything is allocated: the weights that the params call for must fit
in the bytes that the member declares, and the member may declare at most a few times what the
weights and optimizer state of that network need (``ExpectedNetwork.byte_limit``).
"""

from .. import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import io
import os
import tempfile
import threading
import warnings
import zipfile
from typing import NamedTuple

import h5py
import keras
import numpy as np

from .._compat import (
    accumulator_state,
    cache_keras_save_skipsets,
    centered_state,
    gradient_accumulators,
    keras_archive_bytes,
    moment_state,
    momentum_product,
    non_negative_state,
    step_count,
)
from .._params import (
    ACTIVATIONS,
    SCHEDULE_LAST_CHECKED_STEP,
    layer_sizes,
    new_optimizer,
    optimizer_config,
)
from .._network import room_for_layers
from ._archive import MODEL_MEMBER, Archive, Refused
from ._keras_config import check_network_config
from ._keras_objects import (
    check_keys,
    check_optimizer,
    first_line,
    is_name,
    keras_object_from_config,
)
from ._schema import MAX_LAYERS, parse_json
from ._weights import WEIGHTS_MEMBER, read_weights, walk_weights

KERAS_MEMBERS = ("config.json", "metadata.json", WEIGHTS_MEMBER)

MAX_NETWORK_BYTES = 1 << 30  # 1 GiB
# model.keras and its weights file hold the weights and the optimizer's state (up to ~6 times the
# weights: Adam with amsgrad, EMA and gradient accumulation) plus HDF5's and Keras' bookkeeping.
NETWORK_BYTES_PER_WEIGHT_BYTE = 8
NETWORK_BYTES_PER_LAYER = 1 << 16  # 64 KiB
NETWORK_BASE_BYTES = 1 << 20  # 1 MiB
# config.json takes about 1 KiB per layer and 2 KiB besides; decoded JSON takes up to ~25 times
# its size in memory.
CONFIG_BYTES_PER_LAYER = 1 << 12  # 4 KiB
CONFIG_BASE_BYTES = 1 << 14  # 16 KiB
KERAS_METADATA_BYTES = 1 << 12  # 4 KiB
# The most steps that a file's optimizer may have counted. No training takes that many (at a
# million steps a second, 2**53 steps take 285 years), and from below it the int64 count can grow
# a thousand times as far again before it wraps to a negative count past 2**63 (which makes the
# next step's bias correction, beta ** step, infinite). Float64 holds every count up to it.
MAX_STEPS = (1 << 53) - 1


_SAVING = threading.Lock()


def keras_bytes(model):
    """``model`` in Keras' native ``.keras`` format, as bytes, refused (``ValueError``) if its
    weights file is not in the HDF5 layout that ``load`` reads (a newer h5py or HDF5 writing
    another by default): better no file than one that cannot be loaded."""
    # (One dump at a time here: catch_warnings swaps the process's filters, and two
    # overlapping blocks could restore each other's.)
    with _SAVING, warnings.catch_warnings():
        # Keras' saver converts TensorFlow's variables with np.array, whose __array__ takes
        # no copy keyword: NumPy 2's DeprecationWarning, which made dump fail where warnings
        # are errors (python -W error), though nothing of ours or the user's is at fault.
        warnings.filterwarnings(
            "ignore", "__array__ implementation doesn't accept a copy keyword",
            DeprecationWarning,
        )
        with room_for_layers(len(model.layers)):
            data = keras_archive_bytes(model)
            if data is None:
                data = _saved_through_a_file(model)
        cache_keras_save_skipsets()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        weights = archive.read(WEIGHTS_MEMBER)
    try:
        walk_weights(weights, len(model.layers), len(model.optimizer.variables))
    except Refused as refused:
        raise ValueError(
            f"Cannot save the estimator: h5py {h5py.version.version} (HDF5 "
            f"{h5py.version.hdf5_version}) wrote its weights in a layout that load refuses: "
            f"{refused}"
        ) from None
    return data


def _saved_through_a_file(model):
    """``model`` saved by ``keras.saving.save_model``, which writes only to a path ending in
    ".keras", as bytes."""
    with tempfile.TemporaryDirectory() as folder:
        file = os.path.join(folder, MODEL_MEMBER)
        keras.saving.save_model(model, file)
        with open(file, "rb") as handle:
            return handle.read()


def check_stored_values(network, estimator, kernel_shapes):
    """Refused where ``load`` would refuse the values of the weights and optimizer state in
    ``network`` (what ``keras_bytes`` wrote for ``estimator``, whose kernels have
    ``kernel_shapes``): values that are not finite, or beyond what the optimizer keeps. Training
    can leave such an optimizer state (Adagrad's accumulated squares overflow float32 on huge
    gradients, and its steps there become 0 rather than diverge)."""
    with zipfile.ZipFile(io.BytesIO(network)) as archive:
        weights = archive.read(WEIGHTS_MEMBER)
    config = params_optimizer_config(estimator)
    read_weights(
        weights,
        kernel_shapes,
        lambda shapes: optimizer_layout(config, shapes),
        lambda n_variables: optimizer_variable_count(config, n_variables),
    )


def check_params_describe_state(estimator, state):
    """``dump`` refuses an estimator whose params were changed after fitting in a way that no
    longer describes its network: ``load`` rebuilds the network and its optimizer from the
    params."""
    params = estimator.get_params(deep=False)
    fitted_sizes = tuple(kernel.shape[1] for kernel in state["weights"][:-2:2])
    if len(fitted_sizes) + 1 > MAX_LAYERS:
        raise ValueError(
            f"Cannot save the estimator: its network has {len(fitted_sizes) + 1} layers; this "
            f"format stores networks of at most {MAX_LAYERS}."
        )
    changed = []
    if layer_sizes(params["hidden_layer_sizes"]) != fitted_sizes:
        changed.append(f"hidden_layer_sizes (fitted with {fitted_sizes})")
    if ACTIVATIONS.get(params["activation"]) != state["hidden_activation"]:
        changed.append(f"activation (fitted with {state['hidden_activation']!r})")
    if "loss" in params and params["loss"] != state["targets"][2]:
        changed.append(f"loss (fitted with {state['targets'][2]!r})")
    if not _same_optimizer(optimizer_config(params), state["optimizer_config"]):
        changed.append("optimizer, learning_rate or optimizer__* arguments")
    if changed:
        raise ValueError(
            f"Cannot save the estimator: its params {'; '.join(changed)} were changed after it "
            "was fitted. load rebuilds the network and its optimizer from the params, so they "
            "must describe the fitted network: set them back, or fit again."
        )


def _same_optimizer(config, other):
    return _canonical(config) == _canonical(other)


def _canonical(config):
    # One spelling for configs written by different routes (defaults filled in, float32 values).
    return keras.optimizers.serialize(new_optimizer(config))


class ExpectedNetwork:
    """The network that an estimator's params, features and targets describe."""

    def __init__(self, estimator, fields):
        hidden = list(layer_sizes(estimator.hidden_layer_sizes))
        n_outputs, output_activation, _ = estimator._output_layer(fields["targets"])
        self.n_features = fields["n_features_in"]
        self.units = [*hidden, n_outputs]
        self.activations = [ACTIVATIONS[estimator.activation]] * len(hidden) + [output_activation]
        self.kernel_shapes = list(zip([self.n_features, *hidden], self.units))
        # float32 kernels and biases
        self.weight_bytes = 4 * sum(n_in * n_out + n_out for n_in, n_out in self.kernel_shapes)

    def byte_limit(self):
        """The most bytes that model.keras or its weights file may take for this network."""
        n_layers = len(self.units)
        return min(
            MAX_NETWORK_BYTES,
            NETWORK_BYTES_PER_WEIGHT_BYTE * self.weight_bytes
            + NETWORK_BYTES_PER_LAYER * n_layers
            + NETWORK_BASE_BYTES,
        )

    def config_byte_limit(self):
        return CONFIG_BASE_BYTES + CONFIG_BYTES_PER_LAYER * len(self.units)


def params_optimizer_config(estimator):
    """The Keras-serialized optimizer that the estimator's params describe, allow-listed."""
    try:
        config = optimizer_config(estimator.get_params(deep=False))
    except Exception as error:  # Keras raises many types for arguments it refuses
        raise Refused(
            f"its optimizer params do not describe a Keras optimizer: {first_line(error)}"
        ) from error
    check_optimizer(config, "the optimizer that its params describe")
    return config


def read_network(archive, estimator, fields):
    """What the ``model.keras`` member contributes to the fitted state (keyword arguments of
    ``_set_fitted_state``): weights, optimizer state and the penalties the weights were fitted
    with read from the file, the optimizer configuration and hidden activation from the
    params."""
    # (The params' layers were counted before they were decoded: _schema._check_layer_count.)
    expected = ExpectedNetwork(estimator, fields)
    declared = archive.declared_size(MODEL_MEMBER)
    if expected.weight_bytes > MAX_NETWORK_BYTES:
        # Not quoting the sizes: an integer of thousands of digits (valid JSON) cannot be
        # written as text.
        raise Refused(
            f"its params, features and labels call for more than {MAX_NETWORK_BYTES} bytes of "
            "weights, the most load reads."
        )
    kernels = ", ".join(map(str, expected.kernel_shapes[:4]))
    kernels += ", ..." if len(expected.kernel_shapes) > 4 else ""
    if declared < expected.weight_bytes:
        raise Refused(
            f"its params, features and labels call for {expected.weight_bytes} bytes of weights "
            f"(kernels of shapes {kernels}), but its {MODEL_MEMBER} declares only {declared} "
            "bytes."
        )
    config = params_optimizer_config(estimator)
    model_bytes = archive.read(MODEL_MEMBER, expected.byte_limit())
    archive.close()
    inner = Archive(model_bytes, KERAS_MEMBERS, f"its {MODEL_MEMBER}", stored_only=True)
    del model_bytes  # the inner archive holds it until closed
    network_config = parse_json(
        inner.read("config.json", expected.config_byte_limit()), f"its {MODEL_MEMBER}'s config",
        python_tokens=True,
    )
    penalties = check_network_config(
        network_config,
        n_features=expected.n_features,
        units=expected.units,
        activations=expected.activations,
    )
    _check_keras_metadata(inner.read("metadata.json", KERAS_METADATA_BYTES))
    weights_file = inner.read(WEIGHTS_MEMBER, expected.byte_limit())
    inner.close()
    weights, optimizer_state = read_weights(
        weights_file,
        expected.kernel_shapes,
        lambda kernel_shapes: optimizer_layout(config, kernel_shapes),
        lambda n_variables: optimizer_variable_count(config, n_variables),
    )
    return {
        "weights": weights,
        "optimizer_config": config,
        "optimizer_state": optimizer_state,
        "hidden_activation": ACTIVATIONS[estimator.activation],
        "penalties": penalties,
    }


def _check_keras_metadata(data):
    where = f"its {MODEL_MEMBER}'s metadata.json"
    content = parse_json(data, where)
    check_keys(content, where, (), ("keras_version", "date_saved"))
    if not all(is_name(value) for value in content.values()):
        raise Refused(f"{where} holds values that are not short strings.")


class StateVariable(NamedTuple):
    """One variable of an optimizer's state as ``_weights.read_weights`` expects it."""

    name: str
    shape: tuple
    dtype: np.dtype
    value: object  # None: read from the file; else the value that replaces the file's
    non_negative: bool  # the optimizer never makes it negative (``_compat.non_negative_state``)
    # For a centered RMSprop's mean gradient: the index of its second moment in the layout, and
    # epsilon (``second_moment - value ** 2 + epsilon`` stays positive: ``_compat.centered_state``)
    square_bound: tuple | None = None
    # ``(least, most, why)``: the values the optimizer keeps it within beyond its sign (None: no
    # bound on that side), in its dtype, and why, for the message: a step count of at most
    # MAX_STEPS, Adagrad's and Ftrl's accumulators at least their initial value
    # (``_compat.accumulator_state``), Nadam's product of momentum factors below 1
    # (``_compat.momentum_product``).
    bounds: tuple | None = None
    # For a first moment (Adam, AdamW, Nadam, Adamax): the index of the state that bounds it in
    # the layout, and how: ``(index, power, factor, floor)`` (``_moment_bounds``).
    moment_bound: tuple | None = None
    # For a gradient accumulator: the index of the step count in the layout and the optimizer's
    # gradient_accumulation_steps n (all accumulators are zero when the count is a multiple of n:
    # ``_compat.gradient_accumulators``).
    accumulates: tuple | None = None


def optimizer_variable_count(config, n_variables):
    """How many variables the optimizer ``config`` keeps for a network of ``n_variables``
    (kernels and biases): its scalars (the step count, the learning rate) and its slots per
    variable, counted on one stand-in. Cheap, so that the weights file is walked before
    ``optimizer_layout`` builds the optimizer on a stand-in for every variable (a junk weights
    file under params of 1,024 layers took seconds and kept hundreds of MiB before it was
    refused)."""
    optimizer = keras_object_from_config(config, "the optimizer that its params describe")
    try:
        optimizer.build([
            keras.Variable(np.zeros((1,), "float32"), dtype="float32", name="kernel_0")
        ])
    except Exception as error:  # TensorFlow raises many types for resources it lacks
        raise Refused(
            f"the optimizer that its params describe cannot be built: {first_line(error)}"
        ) from error
    slots = sum(1 for variable in optimizer.variables if _shape(variable) == (1,))
    return len(optimizer.variables) - slots + slots * n_variables


def optimizer_layout(config, kernel_shapes):
    """The ``StateVariable`` of each variable of the optimizer ``config`` built on a network with
    ``kernel_shapes`` (see ``_weights.read_weights``): the values of its variables are read from
    the file, but for its learning rate, which comes from ``config``.

    The optimizer is built on tiny stand-ins for the network's variables, told apart by their
    sizes, so that nothing of the network's size is allocated before the file's data is checked:
    every optimizer this format allows keeps, per variable, state of that variable's shape (and
    scalars such as its step count).
    """
    optimizer = keras_object_from_config(config, "the optimizer that its params describe")
    shapes = [shape for n_in, n_out in kernel_shapes for shape in ((n_in, n_out), (n_out,))]
    try:
        stand_ins, real_shapes = [], {}
        for index, shape in enumerate(shapes):
            # Fixed names, as the trainers use: TensorFlow keeps per-name state.
            kind, stand_in_shape = ("kernel", (1, index + 1)) if len(shape) == 2 else (
                "bias", (index + 1,))
            variable = keras.Variable(np.zeros(stand_in_shape, "float32"), dtype="float32",
                                      name=f"{kind}_{index // 2}")
            stand_ins.append(variable)
            real_shapes[stand_in_shape] = shape
        optimizer.build(stand_ins)
        non_negative = {id(variable) for variable in non_negative_state(optimizer)}
        position = {id(variable): index for index, variable in enumerate(optimizer.variables)}
        square_bounds = {
            id(mean): (position[id(second)], float(optimizer.epsilon))
            for second, mean in centered_state(optimizer)
        }
        bounds = _state_bounds(optimizer)
        accumulators, accumulation_steps = gradient_accumulators(optimizer)
        accumulates = {
            id(accumulator): (position[id(step_count(optimizer))], accumulation_steps)
            for accumulator in accumulators
        }
        moment_bounds = {
            id(first): (position[id(second)], *rule)
            for first, second, rule in _moment_bounds(optimizer)
        }
        layout = []
        for variable in optimizer.variables:
            shape = _shape(variable)
            if shape and shape not in real_shapes:
                raise Refused(
                    "the optimizer that its params describe keeps state that this format "
                    f"cannot check ({variable.name} of shape {shape})."
                )
            value = variable.numpy() if variable.name == "learning_rate" else None
            layout.append(StateVariable(variable.name, real_shapes.get(shape, ()),
                                        np.dtype(variable.dtype), value,
                                        id(variable) in non_negative,
                                        square_bounds.get(id(variable)),
                                        bounds.get(id(variable)),
                                        moment_bounds.get(id(variable)),
                                        accumulates.get(id(variable))))
    except Refused:
        raise
    except Exception as error:  # TensorFlow raises many types for resources it lacks
        raise Refused(
            f"the optimizer that its params describe cannot be built: {first_line(error)}"
        ) from error
    if not all(variable.dtype in (np.float32, np.int64) for variable in layout):
        raise Refused("the optimizer that its params describe keeps variables of other types.")
    return layout


def _moment_bounds(optimizer):
    """``(first_moment, second_state, (power, factor, floor))`` for the built ``optimizer``'s
    first moments that its other state bounds: ``|m| ** power <= factor * (second + floor)``
    (up to float32 rounding), which every training keeps. By Cauchy-Schwarz, Adam's, AdamW's and
    Nadam's running means of gradients and of their squares keep ``m**2 <= K * v`` with ``K = (1
    - beta_1)**2 / ((1 - beta_2) * (1 - beta_1**2 / beta_2))`` (about 53 for the defaults) when
    ``beta_1**2 < beta_2``; Adamax's keeps ``|m| <= u * (1 - beta_1) / (1 - beta_1 / beta_2)``
    when ``beta_1 < beta_2``. The floor: TensorFlow flushes numbers below float32's smallest
    normal one (``tiny``) to 0 on CPUs, so a running square may miss increments of up to
    ``tiny`` each step, ``tiny / (1 - beta_2)`` in all (a feature in units of 1e-17 left ``v`` at
    0 while ``m`` grew); Adamax's norm, a maximum, by at most ``tiny``. ``K`` is the larger from
    the betas as given and as float32 (Nadam computes ``1 - beta`` in float32). A first moment
    beyond these, with its second state as saved, loaded and predicted as the genuine file, then
    made the next step jump by its size (a moment of 1e30 took the weights to 1e30 in one
    ``partial_fit``, without a word)."""
    kind, pairs = moment_state(optimizer)
    if kind is None:
        return []
    tiny = float(np.finfo(np.float32).tiny)
    factors, floors = [], []
    for beta_1, beta_2 in {
        (float(optimizer.beta_1), float(optimizer.beta_2)),
        (float(np.float32(optimizer.beta_1)), float(np.float32(optimizer.beta_2))),
    }:
        if kind == "squares" and 0 < beta_2 < 1 and beta_1**2 < beta_2:
            factors.append((1 - beta_1) ** 2 / ((1 - beta_2) * (1 - beta_1**2 / beta_2)))
            floors.append(tiny / (1 - beta_2))
        elif kind == "norms" and 0 < beta_2 and beta_1 < beta_2:
            factors.append((1 - beta_1) / (1 - beta_1 / beta_2))
            floors.append(tiny)
        else:  # no bound for these betas (taken one way or the other)
            return []
    rule = (2 if kind == "squares" else 1, max(factors), max(floors))
    return [(first, second, rule) for first, second in pairs]


def _state_bounds(optimizer):
    """``id(variable) -> StateVariable.bounds`` for the built ``optimizer``'s state that Keras
    keeps within bounds beyond its sign: state outside them makes the next step NaN or infinite,
    and training then fails with advice about the learning rate that has nothing to do with the
    cause."""
    if isinstance(optimizer.get_config()["learning_rate"], dict):  # a learning-rate schedule
        # Its rate is checked up to that step only: CosineDecayRestarts(first_decay_steps=2**31,
        # t_mul=0.5) is NaN from step 2**32 - 1, and a file counting 2**33 steps loaded.
        bounds = {id(step_count(optimizer)): (
            None, np.int64(SCHEDULE_LAST_CHECKED_STEP),
            "under a learning-rate schedule load reads step counts of at most 2**31 - 1, the "
            "steps at which a fit checks the schedule's rate (its next step would take an "
            "unchecked rate)",
        )}
    else:
        bounds = {id(step_count(optimizer)): (
            None, np.int64(MAX_STEPS),
            "load reads step counts of at most 2**53 - 1, more than any training takes (a count "
            "near 2**63 wraps to a negative one at the next step)",
        )}
    for accumulator, initial in accumulator_state(optimizer):
        bounds[id(accumulator)] = (
            np.float32(initial), None,
            f"the optimizer starts these accumulators at its initial_accumulator_value {initial} "
            "and only adds squares of gradients to them",
        )
    product = momentum_product(optimizer)
    if product is not None and 0 <= optimizer.beta_1 <= 1:
        bounds[id(product)] = (
            None, np.nextafter(np.float32(1), np.float32(0)),
            "the optimizer keeps its product of momentum factors below 1 (it starts at 1, each "
            "step multiplies it by a factor below 1, and its steps divide by 1 minus it)",
        )
    return bounds


def _shape(variable):
    """``variable``'s shape as a tuple of ints: under TensorFlow's
    ``tf.compat.v1.disable_v2_tensorshape()`` a variable's dimensions are ``Dimension``
    objects, which are not hashable, and dump and load had refused every optimizer so."""
    return tuple(int(size) for size in variable.shape)
