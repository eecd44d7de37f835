"""The Keras network built from params."""

import keras
import numpy as np
import pytest

from l1l2_estimator._network import build_network
from l1l2_estimator._params import ACTIVATIONS


def _build(n_outputs, hidden=(5, 4), l1=0.01, l2=0.02, activation="relu"):
    output, loss = {
        1: ("sigmoid", "binary_crossentropy"),
    }.get(n_outputs, ("softmax", "sparse_categorical_crossentropy"))
    return build_network(
        n_features=3,
        n_outputs=n_outputs,
        hidden_layer_sizes=hidden,
        activation=ACTIVATIONS[activation],
        output_activation=output,
        loss=loss,
        l1=l1,
        l2=l2,
        optimizer="adam",
    )


def test_regularizer_on_every_kernel_and_no_bias():
    model = _build(n_outputs=3)
    assert [layer.units for layer in model.layers] == [5, 4, 3]
    for layer in model.layers:
        assert isinstance(layer, keras.layers.Dense)
        assert isinstance(layer.kernel_regularizer, keras.regularizers.L1L2)
        assert layer.kernel_regularizer.l1 == pytest.approx(0.01)
        assert layer.kernel_regularizer.l2 == pytest.approx(0.02)
        assert layer.bias_regularizer is None
    # the penalty Keras adds to the loss is l1*sum|W| + l2*sum(W^2) over kernels, never biases
    for layer in model.layers:
        layer.bias.assign(np.full(layer.bias.shape, 5.0))
    kernels = [layer.kernel.numpy() for layer in model.layers]
    expected = sum(0.01 * np.abs(k).sum() + 0.02 * (k**2).sum() for k in kernels)
    assert float(sum(model.losses)) == pytest.approx(expected, rel=1e-5)


def test_output_layer_matches_task():
    binary, multi = _build(n_outputs=1), _build(n_outputs=4)
    assert binary.layers[-1].units == 1
    assert binary.layers[-1].get_config()["activation"] == "sigmoid"
    assert binary.loss == "binary_crossentropy"
    assert multi.layers[-1].units == 4
    assert multi.layers[-1].get_config()["activation"] == "softmax"
    assert multi.loss == "sparse_categorical_crossentropy"


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_hidden_activation_names(name):
    model = _build(n_outputs=1, hidden=(4,), activation=name)
    assert model.layers[0].get_config()["activation"] == ACTIVATIONS[name]


def test_weights_and_optimizer_state_are_loaded():
    template = _build(n_outputs=2)
    weights = [np.full(w.shape, 0.5, dtype=np.float32) for w in template.get_weights()]
    optimizer = keras.optimizers.Adam()
    optimizer.build(template.trainable_variables)
    state = [np.full(v.shape, 3, dtype=v.dtype) for v in optimizer.variables]
    model = build_network(
        n_features=3, n_outputs=2, hidden_layer_sizes=(5, 4), activation="relu",
        output_activation="softmax", loss="sparse_categorical_crossentropy", l1=0.0, l2=0.0,
        optimizer=keras.optimizers.Adam(), weights=weights, optimizer_state=state,
    )
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    for variable, value in zip(model.optimizer.variables, state):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_a_deep_network_builds_and_saves_within_the_recursion_limit():
    """Keras builds and saves a model by recursing once per layer: past about 980 layers (load
    takes files of up to 1,024) model_ and dump raised RecursionError under Python's default
    limit of 1,000. Here the limit is set low, so that 150 layers pass it."""
    import inspect
    import sys

    from l1l2_estimator.persistence._network import keras_bytes

    depth = len(inspect.stack(0))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 120)
    try:
        model = _build(n_outputs=1, hidden=(2,) * 150, l1=0.0, l2=0.0)
        data = keras_bytes(model)
        assert sys.getrecursionlimit() == depth + 120  # set back
    finally:
        sys.setrecursionlimit(limit)
    assert len(model.layers) == 151 and model.layers[-1].units == 1
    assert data.startswith(b"PK")
