"""Trainers kept across fits: a Keras model per architecture with its traced epoch function.

Tracing the epoch function costs about half a second, more than the training itself on small data,
and a traced function belongs to the variables it was traced with. So training runs on a *trainer*:
a Keras model of the same architecture, kept in a small process-wide cache keyed by everything the
graph depends on. A fit copies its own model's weights, optimizer state and penalty factors into the
trainer (:meth:`Trainer.load_state`), trains, and copies weights and optimizer state back
(:meth:`Trainer.save_state`); the estimator's ``model_`` stays its own object. In the trainer the
L1/L2 factors and the learning rate are variables, so cross-validation and a grid search over
``l1``, ``l2`` or ``learning_rate`` trace once. The cache holds at most ``MAX_CACHED_TRAINERS``
trainers, which also bounds the memory that many fits in one process keep alive.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import collections
import json
import threading

import keras

MAX_CACHED_TRAINERS = 8


class VariableL1L2(keras.regularizers.L1L2):
    """``L1L2``'s penalty, ``l1 * sum(|W|) + l2 * sum(W ** 2)``, with the factors held in variables
    so that a traced graph serves every value. (``L1L2`` skips a zero term; adding ``0 * sum`` gives
    the same loss and the same gradients.)"""

    def __init__(self, proximal=False):
        super().__init__()
        self.l1 = keras.Variable(0.0, trainable=False, name="l1")
        self.l2 = keras.Variable(0.0, trainable=False, name="l2")
        self.proximal = proximal

    def __call__(self, x):
        # Under the proximal step the L1 term is applied by soft-thresholding, not by its gradient.
        l1_input = keras.ops.stop_gradient(x) if self.proximal else x
        return self.l1 * keras.ops.sum(keras.ops.absolute(l1_input)) + self.l2 * keras.ops.sum(
            keras.ops.square(x)
        )


class Trainer:
    """A Keras model, its variable penalties and its traced epoch function."""

    def __init__(self, model, batch_size, proximal, make_epoch_function):
        self.model = model
        self.penalties = []
        for layer in model.layers:
            penalty = VariableL1L2(proximal)
            layer.kernel_regularizer = penalty
            layer.kernel.regularizer = penalty
            self.penalties.append(penalty)
        self.run_epoch = make_epoch_function(model, batch_size, self.penalties, proximal)

    def load_state(self, model):
        _copy_state(source=model, target=self.model)
        for penalty, layer in zip(self.penalties, model.layers, strict=True):
            factors = layer.kernel_regularizer.get_config()
            penalty.l1.assign(factors["l1"])
            penalty.l2.assign(factors["l2"])

    def save_state(self, model):
        _copy_state(source=self.model, target=model)


def _copy_state(source, target):
    """Copy weights and optimizer state (moments, iteration count, learning rate)."""
    for variable, value in zip(target.weights, source.weights, strict=True):
        variable.assign(value)
    for variable, value in zip(
        target.optimizer.variables, source.optimizer.variables, strict=True
    ):
        variable.assign(value)


def ensure_optimizer_built(model):
    """Create the optimizer's variables (moments) so that its state can be copied."""
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def build_trainer(model, batch_size, proximal, make_epoch_function):
    """A new trainer with ``model``'s architecture, loss and optimizer configuration."""
    clone = keras.models.clone_model(model)
    optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    clone.compile(optimizer=optimizer, loss=model.loss, jit_compile=False)
    ensure_optimizer_built(clone)
    return Trainer(clone, batch_size, proximal, make_epoch_function)


# Config entries that the trainer holds in variables (or that do not shape the graph).
_NOT_IN_KEY = frozenset({"name", "l1", "l2", "learning_rate"})


def _graph_config(config):
    if isinstance(config, dict):
        return {k: _graph_config(v) for k, v in config.items() if k not in _NOT_IN_KEY}
    if isinstance(config, list):
        return [_graph_config(v) for v in config]
    return config


def trainer_key(model, batch_size, proximal=False):
    """What a traced epoch function depends on besides variable values: the model's config (layer
    names and penalty factors aside), its loss, its optimizer's class and config (the learning
    rate is a variable), and the batch size."""
    optimizer_config = _graph_config(model.optimizer.get_config())
    return json.dumps(
        [
            _graph_config(model.get_config()),
            model.loss,
            type(model.optimizer).__name__,
            optimizer_config,
            batch_size,
            proximal,
        ],
        sort_keys=True,
        default=repr,
    )


class TrainerCache:
    """Trainers by key, least recently used first out. A trainer is checked out while it trains,
    so concurrent fits of one architecture (threads) each get their own."""

    def __init__(self, max_size):
        self.max_size = max_size
        self._idle = collections.OrderedDict()
        self._lock = threading.Lock()

    def checkout(self, key):
        with self._lock:
            return self._idle.pop(key, None)

    def checkin(self, key, trainer):
        with self._lock:
            self._idle[key] = trainer
            self._idle.move_to_end(key)
            while len(self._idle) > self.max_size:
                self._idle.popitem(last=False)

    def clear(self):
        with self._lock:
            self._idle.clear()

    def __len__(self):
        return len(self._idle)


trainers = TrainerCache(MAX_CACHED_TRAINERS)
