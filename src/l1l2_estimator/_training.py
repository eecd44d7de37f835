"""The training loop: one compiled TensorFlow call per epoch, traced once per architecture.

``keras.Model.fit`` spends ~25 ms per epoch on bookkeeping (data adapters, iterators, callback
plumbing) before any arithmetic, which dwarfs the work on small tabular data. Here each epoch is a
single ``tf.function`` call that shuffles with a stateless seed, slices mini-batches on the graph
side and runs Keras' own ``train_step`` for each one, so the optimizer, loss and regularizers are
exactly Keras'.

Tracing that function costs about half a second, more than the training itself on small data, and
a traced function belongs to the variables it was traced with. So training runs on a *trainer*: a
Keras model of the same architecture whose traced function is kept in a small process-wide cache
keyed by everything the graph depends on. A fit copies its own model's weights, optimizer state and
penalty factors into the trainer, trains, and copies weights and optimizer state back; the
estimator's ``model_`` stays its own object. In the trainer the L1/L2 factors and the learning rate
are variables, so cross-validation and a grid search over ``l1``, ``l2`` or ``learning_rate`` trace
once. The cache
holds at most ``MAX_CACHED_TRAINERS`` trainers, which also bounds the memory that many fits in one
process keep alive.

Keras callbacks receive ``on_train_begin/end`` and ``on_epoch_begin/end`` (with
``logs={"loss": ...}``) for the trainer model, and may stop training through
``model.stop_training``; per-batch hooks are not called.
"""

import collections
import json
import threading
from dataclasses import dataclass, field

import numpy as np
import keras
import tensorflow as tf
from keras.callbacks import CallbackList

MAX_CACHED_TRAINERS = 8


def _epoch_function(model, batch_size, penalties, proximal):
    """A compiled function that trains ``model`` for one epoch and returns the epoch's mean loss.

    With ``proximal``, each optimizer step is followed by the L1 proximal step (soft-thresholding
    every kernel by ``learning_rate * l1``), which sets weights exactly to zero; the L1 term then
    counts in the reported loss but not in the gradient.
    """

    @tf.function(reduce_retracing=True)
    def run_epoch(X, y, sample_weight, seed, shuffle):
        n_samples = tf.shape(X)[0]
        order = tf.range(n_samples)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(order, seed=seed)
        model.reset_metrics()  # Keras' loss tracker then averages this epoch's batches only
        n_batches = (n_samples + batch_size - 1) // batch_size
        loss = tf.constant(0.0)
        for batch in tf.range(n_batches):
            rows = order[batch * batch_size : tf.minimum((batch + 1) * batch_size, n_samples)]
            logs = model.train_step(
                (tf.gather(X, rows), tf.gather(y, rows), tf.gather(sample_weight, rows))
            )
            if proximal:
                for layer, penalty in zip(model.layers, penalties):
                    kernel = layer.kernel
                    threshold = _step_size(model.optimizer, kernel) * penalty.l1
                    kernel.assign(tf.sign(kernel) * tf.maximum(tf.abs(kernel) - threshold, 0.0))
            loss = logs["loss"]
        return loss

    return run_epoch


def _step_size(optimizer, variable):
    """The step the optimizer takes per unit of gradient for each entry of ``variable``.

    The proximal step must shrink by ``step * l1`` in the optimizer's own metric: for SGD that is
    the learning rate; Adam-style optimizers divide by the root of the (bias-corrected) second
    moment, so a coordinate whose gradients are small moves, and is shrunk, more. Optimizers
    without second moments are treated like SGD.
    """
    learning_rate = tf.cast(optimizer.learning_rate, variable.dtype)
    velocities = getattr(optimizer, "_velocities", None)
    if not velocities:
        return learning_rate
    velocity = velocities[optimizer._get_variable_index(variable)]
    steps = tf.cast(optimizer.iterations, variable.dtype)
    bias_correction = 1.0 - tf.pow(tf.cast(optimizer.beta_2, variable.dtype), steps)
    return learning_rate / (tf.sqrt(velocity / bias_correction) + optimizer.epsilon)


class _VariableL1L2(keras.regularizers.L1L2):
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


class _Trainer:
    """A Keras model, its traced epoch function and its variable penalties."""

    def __init__(self, model, batch_size, proximal):
        self.model = model
        self.penalties = []
        for layer in model.layers:
            penalty = _VariableL1L2(proximal)
            layer.kernel_regularizer = penalty
            layer.kernel.regularizer = penalty
            self.penalties.append(penalty)
        self.run_epoch = _epoch_function(model, batch_size, self.penalties, proximal)

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


class _TrainerCache:
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


trainers = _TrainerCache(MAX_CACHED_TRAINERS)


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


def _build_trainer(model, batch_size, proximal=False):
    clone = keras.models.clone_model(model)
    optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    clone.compile(optimizer=optimizer, loss=model.loss, jit_compile=False)
    ensure_optimizer_built(clone)
    return _Trainer(clone, batch_size, proximal)


def ensure_optimizer_built(model):
    """Create the optimizer's variables (moments) so that its state can be copied."""
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


@dataclass
class StoppingRule:
    """MLPClassifier's rule: stop once the loss has not improved by ``tol`` for
    more than ``n_iter_no_change`` consecutive epochs."""

    tol: float
    n_iter_no_change: int
    best_loss: float = np.inf
    no_improvement_count: int = 0

    def update(self, loss, model):
        """Record one epoch's loss; return True when training should stop."""
        if loss > self.best_loss - self.tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        self.best_loss = min(self.best_loss, loss)
        return self.no_improvement_count > self.n_iter_no_change

    def finish(self, model):
        """Called once training ends; the loss rule keeps the last weights."""


@dataclass
class ValidationStoppingRule:
    """MLPClassifier's ``early_stopping``: stop once ``score(model)`` on held-out data has not
    improved by ``tol`` for more than ``n_iter_no_change`` epochs, and keep the best weights."""

    score: object  # callable: model -> float, higher is better
    tol: float
    n_iter_no_change: int
    scores: list = field(default_factory=list)
    best_score: float = -np.inf
    best_weights: list = None
    no_improvement_count: int = 0

    def update(self, loss, model):
        score = self.score(model)
        self.scores.append(score)
        if score < self.best_score + self.tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        if score > self.best_score:
            self.best_score = score
            self.best_weights = model.get_weights()
        return self.no_improvement_count > self.n_iter_no_change

    def finish(self, model):
        if self.best_weights is not None:
            model.set_weights(self.best_weights)


@dataclass
class TrainingResult:
    losses: list = field(default_factory=list)
    converged: bool = False
    stopped_by_callback: bool = False


def train(
    model,
    X,
    y,
    sample_weight,
    *,
    epochs,
    batch_size,
    shuffle,
    seed,
    initial_epoch=0,
    stopping=None,
    proximal_l1=False,
    callbacks=(),
    verbose=0,
):
    """Train ``model`` in place for up to ``epochs`` epochs; return the per-epoch losses.

    ``model`` must be compiled. ``seed`` is an integer; epoch ``e`` shuffles with the stateless seed ``(seed, e)``, so a
    fit is reproducible and successive ``partial_fit`` calls see different orders. ``stopping`` is
    a :class:`StoppingRule`, a :class:`ValidationStoppingRule` or None (train all epochs).
    ``proximal_l1`` applies the L1 penalty by soft-thresholding (exact zeros). If anything raises,
    ``model`` is untouched.
    """
    batch_size = int(min(batch_size, len(X)))
    ensure_optimizer_built(model)
    key = trainer_key(model, batch_size, proximal_l1)
    trainer = trainers.checkout(key) or _build_trainer(model, batch_size, proximal_l1)
    trainer.load_state(model)

    X = tf.convert_to_tensor(X, dtype=tf.float32)
    y = tf.convert_to_tensor(y, dtype=tf.float32)
    sample_weight = tf.convert_to_tensor(sample_weight, dtype=tf.float32)
    callback_list = CallbackList(
        list(callbacks),
        add_progbar=bool(verbose),
        model=trainer.model,
        verbose=verbose,
        epochs=initial_epoch + epochs,
        steps=-(-len(X) // batch_size),
    )
    result = TrainingResult()
    trainer.model.stop_training = False
    callback_list.on_train_begin()
    logs = {}
    for epoch in range(initial_epoch, initial_epoch + epochs):
        callback_list.on_epoch_begin(epoch)
        seed_pair = tf.constant([seed, epoch], tf.int64)
        loss = float(trainer.run_epoch(X, y, sample_weight, seed_pair, shuffle))
        result.losses.append(loss)
        logs = {"loss": loss}
        callback_list.on_epoch_end(epoch, logs)
        if stopping is not None and stopping.update(loss, trainer.model):
            result.converged = True
            break
        if trainer.model.stop_training:
            result.stopped_by_callback = True
            break
    if stopping is not None:
        stopping.finish(trainer.model)
    callback_list.on_train_end(logs)

    trainer.save_state(model)
    trainers.checkin(key, trainer)
    return result
