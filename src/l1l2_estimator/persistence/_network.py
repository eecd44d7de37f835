"""The ``model.keras`` member: the fitted network in Keras' native format, checked before and
after Keras reads it.

What ``model.keras`` may contain is an allow-list: a ``Sequential`` of ``Dense`` layers (after the
input) from ``keras.layers``, with no Python function stored as bytecode anywhere. Anything else is
refused before Keras instantiates a layer, so a bypass of Keras' safe mode in some other layer
class cannot be reached through our files. Keras then loads it with ``safe_mode=True`` (enforced
even in a process that enabled unsafe deserialization), and the loaded network must be the one the
stored params describe.
"""

from .. import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import io
import json
import os
import tempfile
import zipfile

import keras

from .._params import ACTIVATIONS, layer_sizes
from ._archive import MODEL_MEMBER, ZIP_ERRORS, Refused, read_member
from ._schema import first_line, holds_lambda, safe_mode

_NETWORK_CLASS = "Sequential"
_LAYER_CLASSES = frozenset({"InputLayer", "Dense"})


def keras_bytes(model):
    """``model`` in Keras' native ``.keras`` format, as bytes."""
    # keras.saving.save_model writes only to a path ending in ".keras".
    with tempfile.TemporaryDirectory() as folder:
        file = os.path.join(folder, MODEL_MEMBER)
        keras.saving.save_model(model, file)
        with open(file, "rb") as handle:
            return handle.read()


def load_network(model_bytes):
    """The Keras network in ``model_bytes``, checked against the allow-list, loaded in safe mode."""
    check_network_config(model_bytes)
    # keras.saving.load_model reads only from a path ending in ".keras".
    with tempfile.TemporaryDirectory() as folder:
        file = os.path.join(folder, MODEL_MEMBER)
        with open(file, "wb") as handle:
            handle.write(model_bytes)
        try:
            with safe_mode():
                return keras.saving.load_model(file, compile=True, safe_mode=True)
        except Exception as error:  # Keras raises many types for files it cannot load
            raise Refused(
                f"Keras refused its {MODEL_MEMBER} (loaded with safe_mode=True): "
                f"{first_line(error)}"
            ) from error


def check_network_config(model_bytes):
    """Refuse, before Keras builds anything, a network that is not a Sequential of Dense layers."""
    try:
        with zipfile.ZipFile(io.BytesIO(model_bytes)) as archive:
            config = json.loads(read_member(archive, "config.json").decode("utf-8"))
    except (*ZIP_ERRORS, KeyError, ValueError) as error:  # no config.json; bad UTF-8 or JSON
        raise Refused(f"its {MODEL_MEMBER} is not a Keras .keras archive ({error}).") from error
    if not isinstance(config, dict) or config.get("class_name") != _NETWORK_CLASS:
        found = config.get("class_name") if isinstance(config, dict) else None
        raise Refused(f"its {MODEL_MEMBER} holds a {found!r} model, not a Sequential.")
    inner = config.get("config")
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if type(layers) is not list:
        raise Refused(f"its {MODEL_MEMBER} lists no layers.")
    for layer in layers:
        if (
            not isinstance(layer, dict)
            or layer.get("class_name") not in _LAYER_CLASSES
            or layer.get("module") != "keras.layers"
            or layer.get("registered_name") is not None
        ):
            found = layer.get("class_name") if isinstance(layer, dict) else layer
            raise Refused(
                f"its {MODEL_MEMBER} holds a {found!r} layer; only Dense layers are allowed."
            )
    if holds_lambda(config):
        raise Refused(f"its {MODEL_MEMBER} holds a Python lambda, which is never loaded.")


def check_network_matches(model, estimator, fields):
    """The loaded network must be the one the params describe: predictions use the params'
    activation and the labels' count, partial_fit uses the network."""
    sizes = list(layer_sizes(estimator.hidden_layer_sizes))
    n_outputs, output_activation, _ = estimator._output_layer(fields["targets"])
    layers = list(model.layers) if isinstance(model, keras.Sequential) else []
    if not layers or not all(type(layer) is keras.layers.Dense for layer in layers):
        raise Refused(f"its {MODEL_MEMBER} is not a Sequential of Dense layers.")
    shapes = [tuple(layer.kernel.shape) for layer in layers]
    expected_shapes = list(zip([fields["n_features_in"], *sizes], [*sizes, n_outputs]))
    if shapes != expected_shapes:
        raise Refused(
            f"its network has kernels of shapes {shapes}, but its params, features and classes "
            f"call for {expected_shapes}."
        )
    activations = [layer.get_config()["activation"] for layer in layers]
    expected_activations = [ACTIVATIONS[estimator.activation]] * len(sizes)
    expected_activations.append(output_activation)
    if activations != expected_activations:
        raise Refused(
            f"its network uses activations {activations}, but its params call for "
            f"{expected_activations}."
        )
    if not all(layer.use_bias for layer in layers) or model.optimizer is None:
        raise Refused("its network lacks biases or a compiled optimizer.")


def network_state(model, estimator):
    """What a loaded network contributes to the fitted state (keyword arguments of
    ``_set_fitted_state``): weights, optimizer configuration and state, hidden activation."""
    if not model.optimizer.built:  # a file saved before any training step
        model.optimizer.build(model.trainable_variables)
    return {
        "weights": model.get_weights(),
        "optimizer_config": keras.optimizers.serialize(model.optimizer),
        "optimizer_state": [variable.numpy() for variable in model.optimizer.variables],
        "hidden_activation": ACTIVATIONS[estimator.activation],
    }
