"""The training loop: all epochs of a fit in one compiled TensorFlow call.

``keras.Model.fit`` spends ~25 ms per epoch on bookkeeping (data adapters, iterators, callback
plumbing) before any arithmetic, which dwarfs the work on small tabular data. Here a whole fit is
one call of a ``tf.function`` that, epoch after epoch, shuffles with the stateless seed
``(seed, epoch)``, slices mini-batches, computes the loss (Keras' loss functions plus the penalty of
``keras.regularizers.L1L2``: ``l1 * sum(|W|) + l2 * sum(W ** 2)`` over the kernels), and applies
the gradients with the Keras optimizer; MLPClassifier's stopping rule (``_stopping.loss_rule``)
runs in the graph too, so the call ends when training converges. The graph belongs to a cached
trainer (``_trainer_cache``), so it is traced once per network structure, whatever the seed,
penalties or data.

The same loop trains an *ensemble* (``NetworkSpec.members``): variables with a leading member
axis, several row streams (one per cross-validation fold, each shuffled and batched exactly as a
single fit on that fold's rows would be), per-member penalties, and the sum of the members' losses
as the objective, so that every member follows the path of its own single fit. A member that stops
keeps the weights of its last epoch while the others go on. The two layouts differ only in how
a batch reaches the members (``_SingleLayout``, ``_EnsembleLayout``); one network uses plain 2-D
products, which take fewer operations per step.

When Keras callbacks, a progress bar or ``early_stopping`` need to see every epoch, ``train``
calls the graph one epoch at a time.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf
from keras.callbacks import CallbackList

from ._compat import optimizer_slot
from ._stopping import loss_rule
from ._trainer_cache import Trainer, trainer_key, trainers

# Per-row loss of each output kind, from the output layer's pre-activation values (the logits),
# as Keras computes it for a sigmoid or softmax output; averaged over the outputs of a row.
_ROW_LOSSES = {
    "binary_crossentropy": lambda y, logits: keras.losses.binary_crossentropy(
        y, logits, from_logits=True
    ),
    "sparse_categorical_crossentropy": lambda y, logits: (
        keras.losses.sparse_categorical_crossentropy(
            tf.cast(y[..., 0], tf.int32), logits, from_logits=True
        )
    ),
    "mean_squared_error": keras.losses.mean_squared_error,
}


def _step_size(optimizer, variable):
    """The step the optimizer takes per unit of gradient for each entry of ``variable``.

    The proximal step must shrink by ``step * l1`` in the optimizer's own metric: for SGD that is
    the learning rate; Adam-style optimizers divide by the root of the (bias-corrected) second
    moment, so a coordinate whose gradients are small moves, and is shrunk, more. Optimizers
    without second moments are treated like SGD.
    """
    learning_rate = tf.cast(optimizer.learning_rate, variable.dtype)
    velocity = optimizer_slot(optimizer, "_velocities", variable)
    if velocity is None:
        return learning_rate
    steps = tf.cast(optimizer.iterations, variable.dtype)
    bias_correction = 1.0 - tf.pow(tf.cast(optimizer.beta_2, variable.dtype), steps)
    return learning_rate / (tf.sqrt(velocity / bias_correction) + optimizer.epsilon)


class _SingleLayout:
    """One network: batches of shape ``(rows, features)``, model-shaped variables."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.activation = keras.activations.get(trainer.spec.activation)
        self.row_loss = _ROW_LOSSES[trainer.spec.loss]

    def epoch_data(self, X, y, sample_weight, rows, lengths, shuffled, padded):
        """The epoch's rows in shuffled order (``shuffled(count)`` gives it), padded to whole
        batches."""
        picked = tf.gather(rows[0, : lengths[0]], shuffled(lengths[0]))
        padding = [[0, padded - lengths[0]], [0, 0]]
        return (
            tf.pad(tf.gather(X, picked), padding),
            tf.pad(tf.gather(y, picked), padding),
            tf.pad(tf.gather(sample_weight, picked), padding[:1]),
        )

    def batch(self, data, start, size):
        return [part[start : start + size] for part in data]

    def member_losses(self, batch, counts, l1, l2, proximal):
        """The mini-batch loss, shape ``(1,)``: Keras' reduction (the weighted sum over the
        batch's rows divided by their number; padding rows weigh 0) plus the penalty."""
        X, y, sample_weight = batch
        values = tf.matmul(X, self.trainer.kernels[0]) + self.trainer.biases[0]
        for kernel, bias in zip(self.trainer.kernels[1:], self.trainer.biases[1:]):
            values = tf.matmul(self.activation(values), kernel) + bias
        data_loss = tf.reduce_sum(self.row_loss(y, values) * sample_weight) / counts[0]
        return data_loss + _penalty(self.trainer.kernels, l1[0], l2[0], proximal, axes=None)


class _EnsembleLayout:
    """Members on a leading axis, ``streams * per_stream`` of them: batches of shape
    ``(streams, rows, features)``, each stream feeding its ``per_stream`` members."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.streams, self.per_stream = trainer.spec.members
        self.activation = keras.activations.get(trainer.spec.activation)
        self.row_loss = _ROW_LOSSES[trainer.spec.loss]

    def epoch_data(self, X, y, sample_weight, rows, lengths, shuffled, padded):
        parts = []
        for stream in range(self.streams):
            picked = tf.gather(rows[stream, : lengths[stream]], shuffled(lengths[stream]))
            padding = [[0, padded - lengths[stream]], [0, 0]]
            parts.append(
                (
                    tf.pad(tf.gather(X, picked), padding),
                    tf.pad(tf.gather(y, picked), padding),
                    tf.pad(tf.gather(sample_weight, picked), padding[:1]),
                )
            )
        return [tf.stack(part) for part in zip(*parts)]

    def batch(self, data, start, size):
        return [part[:, start : start + size] for part in data]

    def _view(self, variable):
        """A variable as ``(streams, per_stream, ..., units)``; biases get a row axis."""
        shape = variable.shape[1:] if len(variable.shape) == 3 else (1, variable.shape[-1])
        return tf.reshape(variable, (self.streams, self.per_stream, *shape))

    def member_losses(self, batch, counts, l1, l2, proximal):
        """Each member's mini-batch loss, shape ``(members,)``."""
        X, y, sample_weight = batch
        kernels, biases = self.trainer.kernels, self.trainer.biases
        values = tf.einsum("sbd,spdu->spbu", X, self._view(kernels[0])) + self._view(biases[0])
        for kernel, bias in zip(kernels[1:], biases[1:]):
            values = tf.matmul(self.activation(values), self._view(kernel)) + self._view(bias)
        row_losses = self.row_loss(tf.broadcast_to(y[:, None], tf.shape(values)), values)
        data_loss = tf.reduce_sum(row_losses * sample_weight[:, None], axis=-1)
        data_loss = tf.reshape(data_loss / counts[:, None], (-1,))
        return data_loss + _penalty(kernels, l1, l2, proximal, axes=(1, 2))


def _penalty(kernels, l1, l2, proximal, axes):
    """``l1 * sum(|W|) + l2 * sum(W ** 2)`` over ``kernels``, summed over ``axes`` (each member's
    own entries). Under the proximal step the L1 term is applied by soft-thresholding, not by its
    gradient; it still counts in the reported loss."""
    absolute = tf.add_n(
        [tf.reduce_sum(tf.abs(tf.stop_gradient(k) if proximal else k), axes) for k in kernels]
    )
    square = tf.add_n([tf.reduce_sum(tf.square(k), axes) for k in kernels])
    return l1 * absolute + l2 * square


def _along_members(flags, variable):
    """Per-member ``flags`` shaped to broadcast over a variable with a leading member axis."""
    return tf.reshape(flags, (-1, *[1] * (len(variable.shape) - 1)))


def compile_functions(trainer):
    """The ``load``, ``run`` and ``read`` functions of ``trainer`` (see ``Trainer``)."""
    spec = trainer.spec
    ensemble = spec.members is not None
    layout = _EnsembleLayout(trainer) if ensemble else _SingleLayout(trainer)
    streams = spec.members[0] if ensemble else 1
    n_members = spec.n_members
    n_targets = 1 if spec.loss == "sparse_categorical_crossentropy" else spec.layer_sizes[-1]
    variables, optimizer = trainer.variables, trainer.optimizer

    def proximal_step(l1):
        factors = tf.reshape(l1, (-1, 1, 1)) if ensemble else l1[0]
        for kernel in trainer.kernels:
            threshold = _step_size(optimizer, kernel) * factors
            kernel.assign(tf.sign(kernel) * tf.maximum(tf.abs(kernel) - threshold, 0.0))

    @tf.function(
        autograph=False,
        input_signature=[
            [tf.TensorSpec(v.shape, tf.float32) for v in variables],
            [tf.TensorSpec(v.shape, v.dtype) for v in optimizer.variables],
        ],
    )
    def load(weights, optimizer_state):
        for variable, value in zip(variables, weights):
            variable.assign(value)
        for variable, value in zip(optimizer.variables, optimizer_state):
            variable.assign(value)
        return tf.constant(True)

    @tf.function(autograph=False, input_signature=[])
    def read():
        return [tf.identity(v) for v in optimizer.variables]

    per_member = tf.TensorSpec((n_members,), tf.float32)

    @tf.function(
        autograph=False,
        jit_compile=spec.jit,
        input_signature=[
            tf.TensorSpec((None, spec.layer_sizes[0]), tf.float32),  # X
            tf.TensorSpec((None, n_targets), tf.float32),  # y (class codes for sparse CE)
            tf.TensorSpec((None,), tf.float32),  # sample_weight
            tf.TensorSpec((streams, None), tf.int32),  # rows of each stream, padded
            tf.TensorSpec((streams,), tf.int32),  # rows in each stream
            tf.TensorSpec((), tf.int64),  # seed
            tf.TensorSpec((), tf.int64),  # first epoch
            tf.TensorSpec((), tf.int32),  # epochs
            tf.TensorSpec((), tf.int32),  # batch size
            tf.TensorSpec((), tf.bool),  # shuffle
            per_member,  # l1
            per_member,  # l2
            tf.TensorSpec((), tf.float32),  # tol
            tf.TensorSpec((), tf.int32),  # n_iter_no_change
            tf.TensorSpec((), tf.bool),  # whether the loss rule may stop training
            per_member,  # best loss so far
            tf.TensorSpec((n_members,), tf.int32),  # epochs without improvement so far
        ],
    )
    def run(X, y, sample_weight, rows, lengths, seed, first_epoch, epochs, batch_size, shuffle,
            l1, l2, tol, n_iter_no_change, use_rule, best_loss, no_improvement):
        n_batches = (tf.reduce_max(lengths) + batch_size - 1) // batch_size
        row_counts = tf.cast(lengths, tf.float32)

        def train_epoch(epoch):
            def shuffled(count):
                return tf.cond(
                    shuffle,
                    lambda: tf.random.experimental.stateless_shuffle(
                        tf.range(count), seed=tf.stack([seed, epoch])
                    ),
                    lambda: tf.range(count),
                )

            data = layout.epoch_data(
                X, y, sample_weight, rows, lengths, shuffled, n_batches * batch_size
            )

            def step(batch, total):
                start = batch * batch_size
                counts = tf.cast(tf.clip_by_value(lengths - start, 0, batch_size), tf.float32)
                with tf.GradientTape() as tape:
                    losses = layout.member_losses(
                        layout.batch(data, start, batch_size), counts, l1, l2, spec.proximal
                    )
                    objective = tf.reduce_sum(losses)
                optimizer.apply(tape.gradient(objective, variables), variables)
                if spec.proximal:
                    proximal_step(l1)
                counts = tf.repeat(counts, n_members // streams) if ensemble else counts
                return batch + 1, total + losses * counts

            _, total = tf.while_loop(
                lambda batch, total: batch < n_batches,
                step,
                [tf.constant(0, tf.int32), tf.zeros((n_members,))],
            )
            # Keras' epoch loss: the mean of the batch losses, weighted by their rows.
            member_rows = tf.repeat(row_counts, n_members // streams) if ensemble else row_counts
            return total / member_rows

        snapshot_variables = variables if ensemble else []

        def epoch_step(index, losses, best, count, stopped, diverged, stop_epochs, snapshots):
            epoch_losses = train_epoch(first_epoch + tf.cast(index, tf.int64))
            active = tf.logical_not(stopped)
            new_best, new_count, converged = loss_rule(
                epoch_losses, best, count, tol, n_iter_no_change
            )
            newly_diverged = active & tf.logical_not(tf.math.is_finite(epoch_losses))
            newly_stopped = active & ((converged & use_rule) | newly_diverged)
            # A stopped member keeps the weights of its last epoch while the others go on.
            snapshots = [
                tf.where(_along_members(newly_stopped, v), v, snapshot)
                for v, snapshot in zip(snapshot_variables, snapshots)
            ]
            return (
                index + 1,
                losses.write(index, epoch_losses),
                tf.where(active, new_best, best),
                tf.where(active, new_count, count),
                stopped | newly_stopped,
                diverged | newly_diverged,
                tf.where(newly_stopped, index + 1, stop_epochs),
                snapshots,
            )

        index, losses, best, count, stopped, diverged, stop_epochs, snapshots = tf.while_loop(
            lambda index, *state: (index < epochs) & tf.logical_not(tf.reduce_all(state[3])),
            epoch_step,
            (
                tf.constant(0, tf.int32),
                tf.TensorArray(tf.float32, size=epochs),
                best_loss,
                no_improvement,
                tf.zeros((n_members,), tf.bool),
                tf.zeros((n_members,), tf.bool),
                tf.fill((n_members,), epochs),
                [tf.identity(v) for v in snapshot_variables],
            ),
        )
        weights = [
            tf.where(_along_members(stopped, v), snapshot, v)
            for v, snapshot in zip(variables, snapshots)
        ] if ensemble else [tf.identity(v) for v in variables]
        return {
            "losses": losses.stack()[:index],
            "best_loss": best,
            "no_improvement": count,
            "converged": stopped & tf.logical_not(diverged),
            "diverged": diverged,
            "epochs": tf.minimum(stop_epochs, index),
            "weights": weights,
        }

    # Concrete functions: calling them skips tf.function's per-call signature matching.
    return load.get_concrete_function(), run.get_concrete_function(), read.get_concrete_function()


@dataclass
class TrainingResult:
    """What ``train`` returns: the trained weights and optimizer state, each epoch's loss, and why
    training ended."""

    weights: list
    optimizer_state: list = None
    losses: list = field(default_factory=list)
    converged: bool = False
    stopped_by_callback: bool = False
    diverged: bool = False


def train(
    spec,
    optimizer,
    weights,
    optimizer_state,
    X,
    y,
    sample_weight,
    *,
    l1,
    l2,
    epochs,
    batch_size,
    shuffle,
    seed,
    initial_epoch=0,
    stopping=None,
    validation=None,
    callbacks=(),
    verbose=0,
    keras_model=None,
):
    """Train one network (``spec.members`` None) from ``weights`` for up to ``epochs`` epochs.

    ``optimizer`` is the Keras-serialized optimizer of the fit; ``optimizer_state`` is None for a
    fresh fit, else the state to continue from. ``seed`` is an integer; epoch ``e`` shuffles with
    the stateless seed ``(seed, e)``, so a fit is reproducible and successive ``partial_fit``
    calls see different orders. ``stopping`` is ``(tol, n_iter_no_change)`` for MLPClassifier's
    loss rule, or None to train all epochs; ``validation`` a ``_stopping.ValidationStoppingRule``
    for ``early_stopping``. Callbacks and the progress bar see ``keras_model()``, a Keras model
    that holds the weights of the epoch. Nothing outside the trainer is changed if anything
    raises.
    """
    key = trainer_key(spec, optimizer)
    trainer = trainers.checkout(key) or Trainer(
        spec, keras.optimizers.deserialize(optimizer), compile_functions
    )
    try:
        if optimizer_state is None:
            optimizer_state = trainer.optimizer_state(optimizer["config"].get("learning_rate"))
        trainer.load([np.asarray(w, np.float32) for w in weights], optimizer_state)
        n_rows = len(X)
        inputs = dict(
            X=tf.convert_to_tensor(X, tf.float32),
            y=tf.convert_to_tensor(np.asarray(y, np.float32).reshape(n_rows, -1)),
            sample_weight=tf.convert_to_tensor(sample_weight, tf.float32),
            rows=tf.range(n_rows, dtype=tf.int32)[None],
            lengths=tf.constant([n_rows], tf.int32),
            seed=tf.constant(seed, tf.int64),
            batch_size=tf.constant(min(batch_size, n_rows), tf.int32),
            shuffle=tf.constant(bool(shuffle)),
            l1=tf.constant([l1], tf.float32),
            l2=tf.constant([l2], tf.float32),
            tol=tf.constant(0.0 if stopping is None else stopping[0], tf.float32),
            n_iter_no_change=tf.constant(0 if stopping is None else stopping[1], tf.int32),
            use_rule=tf.constant(stopping is not None),
            best_loss=tf.constant([np.inf], tf.float32),
            no_improvement=tf.constant([0], tf.int32),
        )
        result = TrainingResult(weights=list(weights))
        if callbacks or verbose or validation is not None:
            _train_epoch_by_epoch(
                trainer, result, inputs, initial_epoch, epochs, validation, callbacks, verbose,
                keras_model,
            )
        else:
            out = trainer.run(
                first_epoch=tf.constant(initial_epoch, tf.int64),
                epochs=tf.constant(epochs, tf.int32),
                **inputs,
            )
            result.losses = out["losses"].numpy()[:, 0].tolist()
            result.converged = bool(out["converged"][0])
            result.diverged = bool(out["diverged"][0])
            result.weights = [w.numpy() for w in out["weights"]]
        result.optimizer_state = [v.numpy() for v in trainer.read()]
        return result
    finally:
        trainers.checkin(key, trainer)


def _train_epoch_by_epoch(trainer, result, inputs, initial_epoch, epochs, validation, callbacks,
                          verbose, keras_model):
    """Call the graph one epoch at a time, so that callbacks, the progress bar and the
    validation rule see every epoch."""
    model = keras_model() if (callbacks or verbose) else None
    callback_list = CallbackList(
        list(callbacks),
        add_progbar=bool(verbose),
        model=model,
        verbose=verbose,
        epochs=initial_epoch + epochs,
        steps=-(-int(inputs["lengths"][0]) // int(inputs["batch_size"])),
    )
    if model is not None:
        model.stop_training = False
    callback_list.on_train_begin()
    logs = {}
    for epoch in range(initial_epoch, initial_epoch + epochs):
        callback_list.on_epoch_begin(epoch)
        out = trainer.run(first_epoch=tf.constant(epoch, tf.int64), epochs=tf.constant(1),
                          **inputs)
        inputs.update(best_loss=out["best_loss"], no_improvement=out["no_improvement"])
        loss = float(out["losses"][0, 0])
        result.losses.append(loss)
        result.weights = [w.numpy() for w in out["weights"]]
        if bool(out["diverged"][0]):
            result.diverged = True
            break
        if model is not None:
            model.set_weights(result.weights)
        logs = {"loss": loss}
        callback_list.on_epoch_end(epoch, logs)
        if model is not None:
            # A callback may change the weights (Keras' EarlyStopping restores its best ones):
            # training goes on from what the model holds.
            changed = model.get_weights()
            if any(not np.array_equal(a, b) for a, b in zip(changed, result.weights)):
                result.weights = changed
                trainer.load(changed, trainer.read())
        if bool(out["converged"][0]) or (
            validation is not None and validation.update(result.weights)
        ):
            result.converged = True
            break
        if model is not None and model.stop_training:
            result.stopped_by_callback = True
            break
    if validation is not None and validation.best_weights is not None:
        result.weights = validation.best_weights
    if model is not None:
        model.set_weights(result.weights)
        callback_list.on_train_end(logs)
        result.weights = model.get_weights()
    else:
        callback_list.on_train_end(logs)
