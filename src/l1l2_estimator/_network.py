"""Build the Keras network from normalized params: a pure function of params and data shape."""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import contextlib
import itertools
import sys
import threading

import keras

from ._compat import require_usable_tensorflow

# Keras builds a model (and serializes it) by recursing once per layer (Functional's
# ``_build_map_helper``): past about 980 layers Python's default recursion limit of 1,000 raised
# a RecursionError from ``model_`` and ``dump``. Networks of more layers than this build with
# the limit raised (``room_for_layers``), one at a time.
DEEP_NETWORK_LAYERS = 100
_DEEP_BUILDS = threading.Lock()


@contextlib.contextmanager
def room_for_layers(n_layers):
    """Python's recursion limit raised by four frames a layer for the block, for a network of
    ``n_layers`` layers past ``DEEP_NETWORK_LAYERS`` (one such block at a time, so that each sets
    back the limit it found), then set back."""
    if n_layers <= DEEP_NETWORK_LAYERS:
        yield
        return
    with _DEEP_BUILDS:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + 4 * n_layers)
        try:
            yield
        finally:
            sys.setrecursionlimit(limit)


# The numbers of the networks ``model_`` has built in this process (``itertools.count``'s
# ``next`` is atomic: threads never share one).
_MODEL_NUMBERS = itertools.count()


def distinct_network_name():
    """``"l1l2_network"``, then ``"l1l2_network_1"``, ``"l1l2_network_2"``, ...: a name of its
    own for each ``model_`` of the process, as Keras names its own models, so that two fitted
    networks can be called in one Keras model (which refuses two operations of one name). Given
    once the model is built (``build_network`` builds every model under one name: see there)."""
    number = next(_MODEL_NUMBERS)
    return f"l1l2_network_{number}" if number else "l1l2_network"


def build_network(
    *,
    n_features,
    n_outputs,
    hidden_layer_sizes,
    activation,
    output_activation,
    loss,
    l1,
    l2,
    optimizer,
    weights=None,
    optimizer_state=None,
    seed=0,
):
    """Return a compiled ``keras.Sequential`` of Dense layers, ``n_outputs`` output units with
    ``output_activation``, trained with ``loss``.

    ``hidden_layer_sizes`` is a tuple of ints and ``activation`` a Keras activation name (see
    ``_params.layer_sizes`` and ``_params.ACTIVATIONS``). Every Dense kernel, the output layer's
    included, carries ``keras.regularizers.L1L2(l1, l2)``; no bias is regularized. ``weights``
    (kernels and biases, layer by layer) replace Keras' initial weights; ``optimizer_state`` (the
    values of ``optimizer.variables``, in order) is loaded into the built optimizer. The layers'
    ``GlorotUniform`` initializers are seeded ``seed``, ``seed + 1``, ...: an unseeded one would
    draw its seed from Python's ``random``, whose stream (what ``keras.utils.set_random_seed``
    seeds) building the network must leave alone; ``weights`` replace what they draw. The
    model is ``l1l2_network``, its layers ``hidden_1``, ``hidden_2``, ..., ``output``.
    """
    require_usable_tensorflow()
    layer_sizes = [*hidden_layer_sizes, n_outputs]
    activations = [activation] * len(hidden_layer_sizes) + [output_activation]
    names = [f"hidden_{i}" for i in range(1, len(hidden_layer_sizes) + 1)] + ["output"]
    # Fixed layer names: Keras makes automatic names unique per process ("dense_1234"), and
    # TensorFlow keeps per-name state that then grows with every model built (~0.5 MiB a fit).
    model = keras.Sequential(
        [keras.Input(shape=(n_features,), dtype="float32", name="features")],
        name="l1l2_network",
    )
    # float32 whatever global policy the user set (mixed_float16 made model_ compute in float16,
    # 1e-3 from predict_proba, and wrote files that load refuses): the network was trained so.
    model.dtype_policy = "float32"
    layers = [
        keras.layers.Dense(
            units,
            activation=layer_activation,
            kernel_regularizer=keras.regularizers.L1L2(l1=l1, l2=l2),
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + index),
            name=name,
            dtype="float32",
        )
        for index, (units, layer_activation, name) in enumerate(
            zip(layer_sizes, activations, names, strict=True)
        )
    ]
    with room_for_layers(len(layers)):
        for layer in layers:
            # Built once, when the last layer is added: a build after every layer took time
            # quadratic in the layers (174 s for 1,000).
            model.add(layer, rebuild=layer is layers[-1])
    if weights is not None:
        model.set_weights(weights)
    # Training runs in our own compiled loop (see _graph.py), so Keras' XLA switch for
    # ``model.fit`` is left off: it would only add compile time if a user calls ``model_.fit``.
    # No loss scaling either (a mixed_float16 policy wraps the optimizer in Keras'
    # LossScaleOptimizer, whose variables are not the trained optimizer's).
    model.compile(optimizer=optimizer, loss=loss, jit_compile=False, auto_scale_loss=False)
    if optimizer_state is not None:
        optimizer.build(model.trainable_variables)
        for variable, value in zip(optimizer.variables, optimizer_state, strict=True):
            variable.assign(value)
    return model
