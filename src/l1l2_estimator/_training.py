"""The training loop: all epochs of a fit in one compiled TensorFlow call.

``keras.Model.fit`` spends ~25 ms per epoch on bookkeeping (data adapters, iterators, callback
plumbing) before any arithmetic, which dwarfs the work on small tabular data. Here a whole fit is
one call of a ``tf.function`` that, epoch after epoch, shuffles with the stateless seed
``(seed, epoch)``, slices mini-batches, computes the loss (Keras' loss functions, the softmax one
written out as ``_softmax_cross_entropy``, plus the penalty of ``keras.regularizers.L1L2``:
``l1 * sum(|W|) + l2 * sum(W ** 2)`` over the kernels), and applies
the gradients with the Keras optimizer; MLPClassifier's stopping rule (``_stopping.loss_rule``)
runs in the graph too, so the call ends when training converges. The graph belongs to a cached
trainer (``_trainer_cache``), so it is traced once per network structure, whatever the seed,
penalties or data.

The same loop trains an *ensemble* (``NetworkSpec.members``): variables with a leading member
axis, several row streams (one per cross-validation fold, each shuffled and batched exactly as a
single fit on that fold's rows would be), per-member penalties, and the sum of the members' losses
as the objective, so that every member follows the path of its own single fit. A member that stops
keeps the weights of its last epoch while the others go on. One ``_Layout`` serves both: one
network uses plain 2-D products, which take fewer operations per step; an ensemble batched
products, split into chains of members that TensorFlow runs side by side where it runs each
operation on one thread.

When Keras callbacks, a progress bar or ``early_stopping`` need to see every epoch, ``train``
calls the graph one epoch at a time.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import functools
import os
import sys
import threading
import time
from dataclasses import dataclass, field

import keras
import numpy as np
import scipy.sparse as sp
import tensorflow as tf
from keras.callbacks import CallbackList

from ._compat import detach_model, optimizer_slot, refuse_forked_tensorflow
from ._params import new_optimizer
from ._stopping import loss_rule
from ._trainer_cache import NetworkSpec, Trainer, trainer_key, trainers


def _broadcast(y, logits):
    return tf.broadcast_to(y, tf.shape(logits))


@tf.custom_gradient
def _softmax_cross_entropy(one_hot, logits):
    """Per row, ``log(sum(exp(z))) - z[label]`` with ``z = logits - max(logits)``: the formula of
    TensorFlow's fused ``SparseSoftmaxCrossEntropyWithLogits``, which Keras' sparse categorical
    cross-entropy calls, and its gradient ``softmax - one_hot``, as separate element-wise
    operations and sums over each row's own classes. The fused kernel evaluates element by
    element without vector instructions: TensorFlow's profiler put it at 0.65 ms of a 4.1 ms
    ensemble step on 1,000×20 rows with 3 classes; value and gradient this way took 25% (3
    classes) to 48% (10 classes) less in a compiled loop. ``one_hot`` (class axis last) may
    broadcast over the logits' member axis, where Keras needs the labels copied per member."""
    shifted = logits - tf.reduce_max(logits, axis=-1, keepdims=True)
    exponentials = tf.exp(shifted)
    total = tf.reduce_sum(exponentials, axis=-1, keepdims=True)
    loss = tf.math.log(total[..., 0]) - tf.reduce_sum(shifted * one_hot, axis=-1)

    def gradient(upstream):
        return None, upstream[..., None] * (exponentials / total - one_hot)

    return loss, gradient


# Per-row loss of each output kind, from the output layer's pre-activation values (the logits),
# as Keras computes it for a sigmoid or softmax output; averaged over the outputs of a row. ``y``
# has the logits' shape but for a member axis of size 1 (and one column of class codes for the
# softmax output).
_ROW_LOSSES = {
    "binary_crossentropy": lambda y, logits: keras.losses.binary_crossentropy(
        _broadcast(y, logits), logits, from_logits=True
    ),
    "sparse_categorical_crossentropy": lambda y, logits: _softmax_cross_entropy(
        tf.one_hot(tf.cast(y[..., 0], tf.int32), logits.shape[-1]), logits
    ),
    "mean_squared_error": lambda y, logits: keras.losses.mean_squared_error(
        _broadcast(y, logits), logits
    ),
    # The exponential output's Poisson loss, as Keras computes it on the exponential's values.
    "poisson": lambda y, logits: keras.losses.poisson(_broadcast(y, logits), tf.exp(logits)),
}


def _step_size(optimizer, variable, learning_rate):
    """The step the optimizer took per unit of (first-moment) gradient for each entry of
    ``variable``, after its update at ``learning_rate`` (read before the update: a schedule's
    rate moves on with the step count): what the proximal step multiplies ``l1`` by.

    The proximal step must shrink by ``step * l1`` in the optimizer's own metric (a coordinate
    whose gradients are small moves, and is shrunk, more): the learning rate for SGD; the learning
    rate over the root of the bias-corrected second moment (plus epsilon) for Adam, AdamW and
    Nadam; over the root of the accumulated squares (plus epsilon) for RMSprop and Adagrad; over
    the infinity norm (plus epsilon) for Adamax. ``PROXIMAL_OPTIMIZERS`` lists them; fitting
    refuses the others.
    """
    kind = type(optimizer).__name__
    learning_rate = tf.cast(learning_rate, variable.dtype)
    epsilon = getattr(optimizer, "epsilon", None)
    if kind == "SGD":
        return learning_rate
    if kind in ("Adam", "AdamW", "Nadam"):
        # With AMSGrad, Adam's step divides by the largest second moment so far.
        quantity = "max_second_moment" if getattr(optimizer, "amsgrad", False) else "second_moment"
        velocity = optimizer_slot(optimizer, quantity, variable)
        steps = tf.cast(optimizer.iterations, variable.dtype)
        bias_correction = 1.0 - tf.pow(tf.cast(optimizer.beta_2, variable.dtype), steps)
        return learning_rate / (tf.sqrt(velocity / bias_correction) + epsilon)
    if kind == "RMSprop":
        denominator = optimizer_slot(optimizer, "second_moment", variable) + epsilon
        if optimizer.centered:
            denominator -= tf.square(optimizer_slot(optimizer, "mean_gradient", variable))
        return learning_rate / tf.sqrt(denominator)
    if kind == "Adagrad":
        accumulated = optimizer_slot(optimizer, "accumulator", variable)
        return learning_rate / tf.sqrt(accumulated + epsilon)
    if kind == "Adamax":
        return learning_rate / (optimizer_slot(optimizer, "infinity_norm", variable) + epsilon)
    raise ValueError(f"no proximal step for {kind}")  # refused earlier, in fit


# Optimizers whose proximal L1 step ``_step_size`` knows. (Adadelta scales by a running ratio of
# updates, Ftrl applies its own L1, Lion takes sign steps: none has a step per unit gradient.)
PROXIMAL_OPTIMIZERS = frozenset({"SGD", "Adam", "AdamW", "Nadam", "RMSprop", "Adagrad", "Adamax"})


class _Layout:
    """How a batch reaches the members: ``streams * per_stream`` of them, batches of shape
    ``(streams, rows, features)``, each stream feeding its ``per_stream`` members. Streams may
    differ in rows and batch size (as the training folds of a cross-validation do) but not in
    the number of batches per epoch. One network is the grid 1 × 1, computed with plain 2-D
    products on its model-shaped variables (TensorFlow's batched product costs twice as much
    per call on small matrices).

    Each member computes what a single fit computes, bit for bit, so that it follows the same
    path even where the L1 penalty's sign makes the path sensitive to the last bit: every product
    is a product of one member's own matrices (an ensemble broadcasts a stream's inputs over its
    members rather than concatenating them into a wider product), the bias gradient is a product
    with ones rather than a sum over rows (whose rounding depends on the whole tensor's shape),
    each batch is padded to whole vector registers, and every sum runs over one member's own
    trailing values.
    """

    def __init__(self, trainer):
        self.trainer = trainer
        self.single = trainer.spec.members is None
        self.sparse = trainer.spec.sparse
        self.streams, self.per_stream = trainer.spec.members or (1, 1)
        chains = trainer.spec.chains
        self.chain_sizes = [self.per_stream // chains + (i < self.per_stream % chains)
                            for i in range(chains)]
        self.activation = keras.activations.get(trainer.spec.activation)
        self.row_loss = _ROW_LOSSES[trainer.spec.loss]

    def epoch_data(self, X, y, rows, weights, lengths, batch_sizes, orders, n_batches):
        """Every stream's epoch laid out as whole batches, ``(streams, batches, rows, ...)``,
        each batch padded to the largest batch size, so that a step takes one slice."""
        # Batches padded to a multiple of 16 rows: element-wise kernels compute whole vector
        # registers and a scalar tail differently (exp, log, tanh round differently there), so
        # every member's block must start and end on a register boundary, whatever the grid.
        largest = (tf.reduce_max(batch_sizes) + 15) // 16 * 16
        slot = tf.range(largest)[None, None, :]
        positions = tf.range(n_batches)[None, :, None] * batch_sizes[:, None, None] + slot
        real = (slot < batch_sizes[:, None, None]) & (positions < lengths[:, None, None])
        positions = tf.where(real, positions, 0)
        shuffled = tf.gather(tf.stack(orders), positions, batch_dims=1)
        picked = tf.gather(rows, shuffled, batch_dims=1)
        row_weights = tf.gather(weights, shuffled, batch_dims=1) * tf.cast(real, tf.float32)
        counts = tf.reduce_sum(tf.cast(real, tf.int32), axis=-1)
        # Sparse rows are looked up batch by batch (``batch``): the epoch's rows as one dense
        # array would be as large as the dense X.
        features = picked if self.sparse else tf.gather(X, picked)
        return features, tf.gather(y, picked), row_weights, counts

    def batch(self, data, index, sparse_rows=None):
        """Batch ``index`` of every stream, cut to the register-aligned width of its longest
        stream (an epoch's last batch is often much shorter than the others), and each stream's
        number of real rows. With sparse input (``sparse_rows``, the ``_SparseRows`` of X), the
        batch's rows of the one stream as a ``tf.SparseTensor``."""
        features, y, weights, counts = data
        counts = counts[:, index]
        width = (tf.reduce_max(counts) + 15) // 16 * 16
        rows = features[:, index, :width]
        batch_X = sparse_rows.rows(rows[0]) if self.sparse else rows
        return [batch_X, y[:, index, :width], weights[:, index, :width]], counts

    def _view(self, variable):
        """A variable as the products see it: as it is for one network; for an ensemble a kernel
        as ``(streams, per_stream, inputs, units)``, a bias as ``(streams, per_stream, 1,
        units)``."""
        if self.single:
            return variable
        units = variable.shape[-1]
        rows = variable.shape[-2] if len(variable.shape) == 3 else 1
        return tf.reshape(variable, (self.streams, self.per_stream, rows, units))

    def _chains(self, values):
        """``values`` with a stream and a member axis, ``(streams, per_stream, ...)``, split
        along the members into the ensemble's chains."""
        if len(self.chain_sizes) == 1:
            return [values]
        return tf.split(values, self.chain_sizes, axis=1)

    def member_losses(self, batch, counts, l1, l2, proximal):
        """Each member's mini-batch loss, shape ``(members,)``: Keras' reduction (the weighted
        sum over the batch's rows divided by their number; padding rows weigh 0) plus the
        penalty.

        An ensemble of several chains (``NetworkSpec.chains``) computes each chain's members
        with operations of their own, which depend on no other chain's, so that TensorFlow's
        inter-op threads run the chains side by side; the losses are joined at the end."""
        X, y, sample_weight = batch
        # One network: its stream's rows; an ensemble: a stream's rows, broadcast over its members
        # by the products below; sparse rows: a SparseTensor.
        inputs = X if self.sparse else X[0] if self.single else X[:, None]
        targets = y[0] if self.single else y[:, None]
        row_weights = tf.reshape(sample_weight, (self.streams, 1, -1))
        row_counts = tf.cast(counts, tf.float32)[:, None]
        grid = (self.streams, self.per_stream)
        if self.single:
            views = [[v] for v in self.trainer.variables]
        else:
            views = [self._chains(self._view(v)) for v in self.trainer.variables]
        kernels, biases = views[0::2], views[1::2]
        rates = [self._chains(tf.reshape(rate, grid)) for rate in (l1, l2)]
        losses = []
        for chain, width in enumerate(self.chain_sizes):
            values = inputs
            for index, (kernel, bias) in enumerate(zip(kernels, biases)):
                kernel, bias = kernel[chain], bias[chain]
                if index:
                    values = self.activation(values)
                if index == 0 and self.sparse:
                    values = _add_bias(tf.sparse.sparse_dense_matmul(values, kernel), bias)
                elif kernel.shape[-1] == 1:  # one unit: the same element-wise sums in every layout
                    values = _one_unit(values, kernel, bias)
                else:
                    values = _add_bias(tf.matmul(values, kernel), bias)
            # Sums over a member's trailing axes, the same reduction whatever the grid.
            row_losses = tf.reshape(self.row_loss(targets, values), (self.streams, width, -1))
            data_loss = tf.reduce_sum(row_losses * row_weights, axis=-1) / row_counts
            blocks = [kernel[chain] for kernel in kernels]
            if self.single:  # one network's kernels as the blocks of one member
                blocks = [tf.reshape(block, (1, 1, *block.shape)) for block in blocks]
            penalty = _penalty(blocks, rates[0][chain], rates[1][chain], proximal)
            losses.append(data_loss + penalty)
        return tf.reshape(losses[0] if len(losses) == 1 else tf.concat(losses, axis=1), (-1,))


@tf.custom_gradient
def _add_bias(values, bias):
    """``values + bias`` (``bias`` broadcast over the rows), whose gradient for the bias is a
    matrix product with a row of ones rather than TensorFlow's sum over the rows: a sum's rounding
    depends on the shape of the whole tensor (how many members share the batch), a member's
    matrix product does not, so that a member of an ensemble rounds exactly as a single fit."""

    def gradient(upstream):
        rows = tf.shape(upstream)[-2]
        ones = tf.ones(tf.concat([tf.shape(upstream)[:-2], [1, rows]], 0), upstream.dtype)
        return upstream, tf.reshape(tf.matmul(ones, upstream), tf.shape(bias))

    return values + bias, gradient


@tf.custom_gradient
def _one_unit(values, kernel, bias):
    """A Dense layer of one unit, ``values @ kernel + bias``, computed as element-wise products
    summed over each row (and its kernel gradient as a row-vector product): a matrix product
    with a single column takes another path in a batched product than in a plain one, and
    rounds differently."""
    weights = tf.linalg.matrix_transpose(kernel)  # (..., 1, inputs)
    output = tf.reduce_sum(values * weights, axis=-1, keepdims=True) + bias

    def gradient(upstream):  # upstream: (..., rows, 1)
        columns = tf.linalg.matrix_transpose(upstream)  # (..., 1, rows)
        kernel_gradient = tf.matmul(columns, values)  # (..., 1, inputs)
        return (
            upstream * weights,
            tf.reshape(kernel_gradient, tf.shape(kernel)),
            tf.reshape(tf.reduce_sum(columns, axis=-1), tf.shape(bias)),
        )

    return output, gradient


class _SparseRows:
    """The rows of a ``tf.SparseTensor`` (indices in row-major order) as ragged rows of column
    indices and values, so that any rows can be gathered into a batch."""

    def __init__(self, X):
        n_rows = tf.shape(X, out_type=tf.int64)[0]
        row_ids = X.indices[:, 0]
        self.columns = tf.RaggedTensor.from_value_rowids(X.indices[:, 1], row_ids, nrows=n_rows)
        self.values = tf.RaggedTensor.from_value_rowids(X.values, row_ids, nrows=n_rows)
        self.n_features = X.dense_shape[1]

    def rows(self, picked):
        """Rows ``picked`` (in that order) as a ``tf.SparseTensor`` of ``len(picked)`` rows."""
        columns = tf.gather(self.columns, picked)
        values = tf.gather(self.values, picked)
        indices = tf.stack([columns.value_rowids(), columns.flat_values], axis=1)
        shape = tf.stack([tf.shape(picked, out_type=tf.int64)[0], self.n_features])
        return tf.SparseTensor(indices, values.flat_values, shape)


def _penalty(kernels, l1, l2, proximal):
    """Each member's ``l1 * sum(|W|) + l2 * sum(W ** 2)`` over its ``kernels`` (blocks of shape
    ``(streams, per_stream, inputs, units)``). Under the proximal step the L1 term is applied
    by soft-thresholding, not by its gradient; it still counts in the reported loss."""
    absolute = tf.add_n(
        [tf.reduce_sum(tf.abs(tf.stop_gradient(k) if proximal else k), (2, 3)) for k in kernels]
    )
    square = tf.add_n([tf.reduce_sum(tf.square(k), (2, 3)) for k in kernels])
    return l1 * absolute + l2 * square


def _along_members(flags, variable):
    """Per-member ``flags`` shaped to broadcast over a variable with a leading member axis."""
    return tf.reshape(flags, (-1, *[1] * (len(variable.shape) - 1)))


def compile_functions(trainer):
    """The ``load``, ``run`` and ``read`` functions of ``trainer`` (see ``Trainer``)."""
    spec = trainer.spec
    ensemble = spec.members is not None
    layout = _Layout(trainer)
    streams = layout.streams
    n_members = spec.n_members
    n_targets = spec.n_targets
    variables, optimizer = trainer.variables, trainer.optimizer

    def proximal_step(l1, learning_rate, updates_before):
        """Soft-threshold every kernel after the optimizer's step at ``learning_rate``; with
        gradient accumulation, only after the calls of ``apply`` that updated the weights (the
        others only add up gradients, and ``iterations`` counts the updates)."""
        factors = tf.reshape(l1, (-1, 1, 1)) if ensemble else l1[0]

        def shrink():
            for kernel in trainer.kernels:
                threshold = _step_size(optimizer, kernel, learning_rate) * factors
                kernel.assign(tf.sign(kernel) * tf.maximum(tf.abs(kernel) - threshold, 0.0))
            return tf.constant(True)

        if not optimizer.gradient_accumulation_steps:
            shrink()
        else:
            tf.cond(optimizer.iterations > updates_before, shrink, lambda: tf.constant(False))

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
        input_signature=[
            # X: every row, dense or sparse
            tf.SparseTensorSpec((None, spec.layer_sizes[0]), tf.float32)
            if spec.sparse
            else tf.TensorSpec((None, spec.layer_sizes[0]), tf.float32),
            tf.TensorSpec((None, n_targets), tf.float32),  # y (class codes for sparse CE)
            tf.TensorSpec((streams, None), tf.int32),  # rows of X in each stream, padded
            tf.TensorSpec((streams, None), tf.float32),  # their sample weights, padded
            tf.TensorSpec((streams,), tf.int32),  # rows in each stream
            tf.TensorSpec((streams,), tf.int32),  # batch size of each stream
            tf.TensorSpec((), tf.int64),  # seed
            tf.TensorSpec((), tf.int64),  # first epoch
            tf.TensorSpec((), tf.int32),  # epochs
            tf.TensorSpec((), tf.bool),  # shuffle
            per_member,  # l1
            per_member,  # l2
            tf.TensorSpec((), tf.float32),  # tol
            tf.TensorSpec((), tf.int32),  # n_iter_no_change
            tf.TensorSpec((), tf.bool),  # whether the loss rule may stop training
            per_member,  # best loss so far
            tf.TensorSpec((n_members,), tf.int32),  # epochs without improvement so far
            tf.TensorSpec((n_members,), tf.bool),  # members stopped before this call
            tf.TensorSpec((), tf.int32),  # return once no stream has more members training
        ],
    )
    def run(X, y, rows, weights, lengths, batch_sizes, seed, first_epoch, epochs, shuffle,
            l1, l2, tol, n_iter_no_change, use_rule, best_loss, no_improvement, stopped,
            return_at_most):
        # Every stream has this many batches (the callers group streams so).
        n_batches = (lengths[0] + batch_sizes[0] - 1) // batch_sizes[0]
        row_counts = tf.cast(lengths, tf.float32)
        sparse_rows = _SparseRows(X) if spec.sparse else None

        def train_epoch(epoch):
            def shuffled(count):
                return tf.cond(
                    shuffle,
                    lambda: tf.random.experimental.stateless_shuffle(
                        tf.range(count), seed=tf.stack([seed, epoch])
                    ),
                    lambda: tf.range(count),
                )

            # Each stream's order of its own rows, as a single fit on them would shuffle.
            longest = tf.shape(rows)[1]
            orders = [
                tf.pad(shuffled(lengths[s]), [[0, longest - lengths[s]]]) for s in range(streams)
            ]
            data = layout.epoch_data(
                X, y, rows, weights, lengths, batch_sizes, orders, n_batches
            )

            def step(index, total):
                batch, counts = layout.batch(data, index, sparse_rows)
                with tf.GradientTape() as tape:
                    losses = layout.member_losses(batch, counts, l1, l2, spec.proximal)
                    # As Keras' train_step: scaled by the optimizer's loss_scale_factor (if any),
                    # which its apply divides out of the gradients.
                    objective = optimizer.scale_loss(tf.reduce_sum(losses))
                if spec.proximal:  # read before apply moves the step count on
                    rate = tf.identity(optimizer.learning_rate)
                    updates_before = (
                        tf.identity(optimizer.iterations)
                        if optimizer.gradient_accumulation_steps else None
                    )
                optimizer.apply(tape.gradient(objective, variables), variables)
                if spec.proximal:
                    proximal_step(l1, rate, updates_before)
                counts = tf.cast(counts, tf.float32)
                counts = tf.repeat(counts, n_members // streams) if ensemble else counts
                return index + 1, total + losses * counts

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

        def go_on(index, losses, best, count, stopped, *rest):
            training = tf.reshape(tf.logical_not(stopped), (streams, -1))
            busiest = tf.reduce_max(tf.reduce_sum(tf.cast(training, tf.int32), axis=1))
            return (index < epochs) & (busiest > 0) & ((index == 0) | (busiest > return_at_most))

        index, losses, best, count, stopped, diverged, stop_epochs, snapshots = tf.while_loop(
            go_on,
            epoch_step,
            (
                tf.constant(0, tf.int32),
                tf.TensorArray(tf.float32, size=epochs),
                best_loss,
                no_improvement,
                stopped,
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


def _tol(stopping):
    """The loss rule's ``tol`` as the graph takes it: float32, at most float32's largest number
    (a larger ``tol`` became inf there, and the first epoch's ``inf - inf`` did not count as an
    improvement, as MLPClassifier counts it)."""
    tol = 0.0 if stopping is None else min(float(stopping[0]), float(np.finfo(np.float32).max))
    return tf.constant(tol, tf.float32)


def _patience(stopping):
    """The rule's ``n_iter_no_change`` as the graph's 32-bit input: ``np.inf`` (the rule never
    stops) becomes the largest, which no epoch count exceeds."""
    patience = 0 if stopping is None else min(stopping[1], 2**31 - 1)
    return tf.constant(int(patience), tf.int32)


def all_finite(arrays):
    """Whether every value of every array is finite."""
    return all(np.isfinite(array).all() for array in arrays)


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
    rule_state=None,
):
    """Train one network (``spec.members`` None) from ``weights`` for up to ``epochs`` epochs.

    ``optimizer`` is the Keras-serialized optimizer of the fit; ``optimizer_state`` is None for a
    fresh fit, else the state to continue from (under ``optimizer``'s learning rate; a state that
    is not this optimizer's starts afresh, see ``Trainer.optimizer_state``). ``seed`` is an
    integer; epoch ``e`` shuffles with the stateless seed ``(seed, e)``, so a fit is reproducible
    and successive ``partial_fit`` calls see different orders. ``stopping`` is ``(tol,
    n_iter_no_change)`` for MLPClassifier's loss rule, or None to train all epochs;
    ``rule_state`` is the loss rule's ``(best loss, epochs without improvement)`` to start
    from (``_stopping.loss_rule_state``; None: a fresh rule).
    ``validation`` a ``_stopping.ValidationStoppingRule`` for ``early_stopping``. Callbacks and
    the progress bar see ``keras_model()``, a Keras model that holds the weights of the epoch.
    Nothing outside the trainer is changed if anything raises.
    """
    refuse_forked_tensorflow()
    key = trainer_key(spec, optimizer)
    try:
        trainer = trainers.checkout(key) or Trainer(
            spec, new_optimizer(optimizer), compile_functions
        )
    except tf.errors.ResourceExhaustedError as error:
        raise _out_of_memory(spec, error) from None
    try:
        optimizer_state = trainer.optimizer_state(
            optimizer["config"].get("learning_rate"), optimizer_state
        )
        trainer.load([np.asarray(w, np.float32) for w in weights], optimizer_state)
        n_rows = X.shape[0]
        inputs = dict(
            X=_as_tensor(X),
            y=tf.convert_to_tensor(np.asarray(y, np.float32).reshape(n_rows, -1)),
            # From NumPy: an eager tf.range and its slice took 0.14 ms, 1% of a small fit.
            rows=tf.convert_to_tensor(np.arange(n_rows, dtype=np.int32)[None]),
            weights=tf.convert_to_tensor(np.asarray(sample_weight, np.float32)[None]),
            lengths=tf.constant([n_rows], tf.int32),
            batch_sizes=tf.constant([min(batch_size, n_rows)], tf.int32),
            seed=tf.constant(seed, tf.int64),
            shuffle=tf.constant(bool(shuffle)),
            l1=tf.constant([l1], tf.float32),
            l2=tf.constant([l2], tf.float32),
            tol=_tol(stopping),
            n_iter_no_change=_patience(stopping),
            use_rule=tf.constant(stopping is not None),
            best_loss=tf.constant([np.inf if rule_state is None else rule_state[0]], tf.float32),
            no_improvement=tf.constant([0 if rule_state is None else rule_state[1]], tf.int32),
            stopped=tf.constant([False]),
            return_at_most=tf.constant(-1, tf.int32),
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
            # Read through NumPy: indexing an eager tensor costs tens of microseconds.
            result.converged = bool(out["converged"].numpy()[0])
            result.diverged = bool(out["diverged"].numpy()[0])
            result.weights = [w.numpy() for w in out["weights"]]
        result.optimizer_state = [v.numpy() for v in trainer.read()]
        # The last step may leave non-finite weights behind a finite epoch loss (an optimizer
        # setting that divides by zero): no later epoch would report it.
        result.diverged = result.diverged or not all_finite(result.weights)
        return result
    except tf.errors.ResourceExhaustedError as error:
        raise _out_of_memory(spec, error) from None
    finally:
        trainers.checkin(key, trainer)


def _as_tensor(X):
    """``X`` for the training graph: a dense float32 tensor, or a ``tf.SparseTensor`` for a
    SciPy sparse matrix or array (its nonzeros only)."""
    if not sp.issparse(X):
        return tf.convert_to_tensor(X, tf.float32)
    X = sp.coo_matrix(X.tocsr(copy=False).sorted_indices())  # row-major order
    indices = np.column_stack([X.row, X.col]).astype(np.int64)
    return tf.SparseTensor(indices, X.data.astype(np.float32, copy=False), X.shape)


def _interactive_output():
    """Whether standard output can show a progress bar that redraws itself: a terminal or a
    Jupyter kernel (Keras' own test also counts every POSIX process, files included)."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty()) or "ipykernel" in sys.modules


def _out_of_memory(spec, error):
    return MemoryError(
        f"TensorFlow ran out of memory training a network of layer sizes {list(spec.layer_sizes)} "
        f"({spec.n_members} at once): use smaller hidden_layer_sizes or batch_size. "
        f"({str(error).splitlines()[0][:200]})"
    )


def _train_epoch_by_epoch(trainer, result, inputs, initial_epoch, epochs, validation, callbacks,
                          verbose, keras_model):
    """Call the graph one epoch at a time, so that callbacks, the progress report and the
    validation rule see every epoch.

    ``verbose`` shows Keras' progress bar on a terminal or in a notebook; elsewhere (a file, a
    pipe, a CI log) it prints one line per epoch as ``MLPClassifier`` does, without the bar's
    cursor movements."""
    bar = bool(verbose) and _interactive_output()
    model = keras_model() if (callbacks or bar) else None
    try:
        _run_epochs(trainer, result, inputs, initial_epoch, epochs, validation, callbacks,
                    verbose, bar, model)
    finally:
        # The callbacks keep their own state (EarlyStopping.stopped_epoch, History.history) but
        # not this stand-in model: held by the estimator's params, it was copied (and reloaded
        # by Keras, with warnings) by every clone, deepcopy and pickle of the fitted estimator.
        # (Nested lists as CallbackList flattens them.)
        if model is not None:
            for callback in keras.tree.flatten(list(callbacks)):
                detach_model(callback, model)


def _run_epochs(trainer, result, inputs, initial_epoch, epochs, validation, callbacks, verbose,
                bar, model):
    callback_list = CallbackList(
        list(callbacks),
        add_progbar=bar,
        model=model,
        verbose=verbose,
        epochs=initial_epoch + epochs,
        steps=-(-int(inputs["lengths"].numpy()[0]) // int(inputs["batch_sizes"].numpy()[0])),
    )
    if model is not None:
        model.stop_training = False
        # The model the callbacks see holds the trainer's weights and optimizer state (its step
        # count, moments and learning rate: ModelCheckpoint saves them, schedules read them).
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        pushed = _push_state(model, result.weights, trainer)
    # A callback may set the weights or the optimizer state of the model (a backup restored at
    # the start, LearningRateScheduler's rate at each epoch's start, ReduceLROnPlateau's and
    # EarlyStopping's at its end): training goes on from what the model holds. (Looked for only
    # after the events that some callback handles: each look reads every variable.)
    at_train_begin = _handled(callbacks, "on_train_begin")
    at_epoch_begin = _handled(callbacks, "on_epoch_begin")
    callback_list.on_train_begin()
    if model is not None and at_train_begin:
        pushed = _pull_changes(trainer, result, model, pushed)
    logs = {}
    for epoch in range(initial_epoch, initial_epoch + epochs):
        callback_list.on_epoch_begin(epoch)
        if model is not None and at_epoch_begin:
            pushed = _pull_changes(trainer, result, model, pushed)
        out = trainer.run(first_epoch=tf.constant(epoch, tf.int64), epochs=tf.constant(1),
                          **inputs)
        inputs.update(best_loss=out["best_loss"], no_improvement=out["no_improvement"])
        # Read through NumPy: indexing an eager tensor costs tens of microseconds.
        loss = float(out["losses"].numpy()[0, 0])
        result.losses.append(loss)
        result.weights = [w.numpy() for w in out["weights"]]
        if bool(out["diverged"].numpy()[0]):
            result.diverged = True
            break
        if verbose and not bar:
            print(f"Iteration {epoch + 1}, loss = {loss:.8f}", flush=True)
        logs = {"loss": loss}
        converged = bool(out["converged"].numpy()[0])
        if not converged and validation is not None:
            # Scored before the callbacks, so that they (and the progress bar) see the score.
            converged = validation.update(result.weights)
            logs["validation_score"] = validation.scores[-1]
            if verbose and not bar:
                print(f"Validation score: {validation.scores[-1]:.6f}", flush=True)
        if model is not None:
            pushed = _push_state(model, result.weights, trainer, out["weights"])
        callback_list.on_epoch_end(epoch, logs)
        if model is not None:
            pushed = _pull_changes(trainer, result, model, pushed)
        if converged:
            result.converged = True
            break
        if model is not None and model.stop_training:
            result.stopped_by_callback = True
            break
    if validation is not None and validation.best_weights is not None:
        result.weights = validation.best_weights
    if model is not None:
        model.set_weights(result.weights)
        pushed = (result.weights, pushed[1])
        callback_list.on_train_end(logs)
        _pull_changes(trainer, result, model, pushed)
    else:
        callback_list.on_train_end(logs)


def _push_state(model, weights, trainer, tensors=None):
    """Put ``weights`` (NumPy arrays; ``tensors``, the same as tensors, if at hand: assigned
    faster) and the trainer's optimizer state in ``model``; return them as pushed."""
    state = trainer.read()
    values = zip(model.weights, weights if tensors is None else tensors, strict=True)
    for variable, value in [*values, *zip(model.optimizer.variables, state, strict=True)]:
        variable.assign(value)
    return list(weights), [v.numpy() for v in state]


def _handled(callbacks, event):
    """Whether any of ``callbacks`` (nested lists flattened) handles ``event`` itself: in its
    class, or as an attribute of its own (``LambdaCallback`` sets the functions it is given so)."""
    base = getattr(keras.callbacks.Callback, event)
    for callback in keras.tree.flatten(list(callbacks)):
        handler = getattr(callback, event, None)
        if getattr(handler, "__func__", handler) is not base:
            return True
    return False


def _pull_changes(trainer, result, model, pushed):
    """Load into the trainer the weights and optimizer state that callbacks set on ``model``
    since ``pushed`` (``(weights, optimizer state)``), if they changed any; return what the
    model holds now."""
    weights = model.get_weights()
    state = [v.numpy() for v in model.optimizer.variables]
    if _changed(weights, pushed[0]) or _changed(state, pushed[1]):
        result.weights = weights
        trainer.load(weights, state)
    return weights, state


def _changed(arrays, before):
    return any(not np.array_equal(a, b) for a, b in zip(arrays, before, strict=True))


@dataclass
class EnsembleResult:
    """What ``train_ensemble`` returns, member by member (stream-major: member
    ``s * n_penalties + p`` learned from stream ``s`` with penalty pair ``p``)."""

    weights: list  # each a list of arrays, kernel0, bias0, ...
    loss_curves: list
    converged: np.ndarray
    diverged: np.ndarray


def train_ensemble(
    spec,
    optimizer,
    weights,
    X,
    y,
    streams,
    *,
    penalties,
    epochs,
    batch_size,
    shuffle,
    seed,
    stopping,
    prepare_single=False,
):
    """Train one member per (stream, penalty pair), all at once, each exactly as ``train`` would
    train it alone on its stream's rows.

    ``spec`` has ``members=None``; ``weights`` are every member's starting weights (one network,
    model-shaped). ``streams`` is a list of ``(rows, sample_weight)``: the rows of ``X``/``y``
    a member learns from, in order, with their weights. ``penalties`` is a list of
    ``(l1, l2)``. Streams are grouped by their number of batches per epoch (one graph steps
    every member at once) and their batch size (a batch padded beyond its own size would sum in
    another order); each group is one ensemble.

    With ``prepare_single``, the trainer of one network of this structure (what a refit of the
    chosen member trains with) is traced and run once in a background thread while the ensemble
    trains, so that the refit does not pay for its trace afterwards.
    """
    refuse_forked_tensorflow()
    sizes = [min(batch_size, len(rows)) for rows, _ in streams]
    groups = {}
    for index, ((rows, _), size) in enumerate(zip(streams, sizes)):
        groups.setdefault((-(-len(rows) // size), size), []).append(index)
    members = [None] * (len(streams) * len(penalties))
    single = NetworkSpec(**{**vars(spec), "members": None})
    preparation = _Preparation(single, optimizer) if prepare_single else None
    try:
        for indices in groups.values():
            weights_, curves, converged, diverged = _train_group(
                spec, optimizer, weights, X, y, [streams[i] for i in indices],
                [sizes[i] for i in indices], penalties, epochs, shuffle, seed, stopping,
                preparation,
            )
            for position, stream in enumerate(indices):
                for pair in range(len(penalties)):
                    member = position * len(penalties) + pair
                    members[stream * len(penalties) + pair] = (
                        weights_[member], curves[member], converged[member], diverged[member]
                    )
    finally:
        if preparation is not None:
            preparation.join()
    weights, curves, converged, diverged = zip(*members)
    return EnsembleResult(list(weights), list(curves), np.array(converged), np.array(diverged))


def _train_group(spec, optimizer, weights, X, y, streams, sizes, penalties, epochs, shuffle, seed,
                 stopping, preparation=None):
    """Train every (stream, penalty pair) member of one group of streams.

    The members run as one ensemble, ``streams × pairs``, until no stream has more than half of
    its members still training; then, if the time it saves outweighs tracing a smaller graph,
    the members still training are packed into a smaller ensemble (their weights, optimizer
    state and stopping-rule state carried over), and so on. A stream with fewer members left
    than the busiest one is padded with copies, which train but are ignored.
    """
    n_pairs = len(penalties)
    packing = _Packing(len(streams), n_pairs, weights, epochs)
    inputs = dict(
        X=tf.convert_to_tensor(X, tf.float32),
        y=tf.convert_to_tensor(np.asarray(y, np.float32).reshape(X.shape[0], -1)),
        seed=tf.constant(seed, tf.int64),
        shuffle=tf.constant(bool(shuffle)),
        tol=_tol(stopping),
        n_iter_no_change=_patience(stopping),
        use_rule=tf.constant(stopping is not None),
    )
    penalties = np.asarray(penalties, np.float32)
    while packing.busy():
        slots = packing.slots()
        n_streams, per_stream = len(packing.streams), len(slots) // len(packing.streams)
        group_spec = NetworkSpec(**{
            **vars(spec),
            "members": (n_streams, per_stream),
            "chains": _ensemble_chains(
                spec.layer_sizes, [len(streams[s][0]) for s in packing.streams], per_stream,
                epochs - packing.epochs_done,
            ),
        })
        key = trainer_key(group_spec, optimizer)
        started = time.perf_counter()
        trainer = trainers.checkout(key) or Trainer(
            group_spec, new_optimizer(optimizer), compile_functions
        )
        packing.trace_seconds = max(packing.trace_seconds, time.perf_counter() - started)
        try:
            optimizer_state = packing.optimizer_state(
                trainer.optimizer_state(optimizer["config"].get("learning_rate"))
            )
            trainer.load(packing.member_weights(), optimizer_state)
            chosen = [streams[s] for s in packing.streams]
            longest = max(len(rows) for rows, _ in chosen)
            rows = np.zeros((n_streams, longest), np.int32)
            row_weights = np.zeros((n_streams, longest), np.float32)
            for index, (stream_rows, stream_weights) in enumerate(chosen):
                rows[index, : len(stream_rows)] = stream_rows
                row_weights[index, : len(stream_rows)] = stream_weights
            inputs.update(
                rows=tf.constant(rows),
                weights=tf.constant(row_weights),
                lengths=tf.constant([len(r) for r, _ in chosen], tf.int32),
                batch_sizes=tf.constant([sizes[s] for s in packing.streams], tf.int32),
                l1=tf.constant(penalties[[pair for _, pair, _ in slots], 0]),
                l2=tf.constant(penalties[[pair for _, pair, _ in slots], 1]),
            )
            # Run until no stream has more than half its members training (then consider packing
            # them tighter), or to the end when that would not pay.
            return_at_most = per_stream // 2 if packing.worth_packing(per_stream) else -1
            while True:
                if preparation is not None:
                    preparation.start()  # while this thread waits for TensorFlow
                started = time.perf_counter()
                out = trainer.run(
                    first_epoch=tf.constant(packing.epochs_done, tf.int64),
                    epochs=tf.constant(epochs - packing.epochs_done, tf.int32),
                    best_loss=tf.constant(packing.best_loss()),
                    no_improvement=tf.constant(packing.no_improvement()),
                    stopped=tf.constant(packing.stopped()),
                    return_at_most=tf.constant(return_at_most, tf.int32),
                    **inputs,
                )
                out = {k: (v.numpy() if hasattr(v, "numpy") else [w.numpy() for w in v])
                       for k, v in out.items()}
                packing.record(out, time.perf_counter() - started)
                if not packing.busy() or not packing.worth_packing(per_stream):
                    if not packing.busy():
                        break
                    return_at_most = -1
                    continue
                packing.keep_optimizer_state([v.numpy() for v in trainer.read()])
                break
        finally:
            trainers.checkin(key, trainer)
    return packing.results()


class _Preparation:
    """Tracing, in a background thread, the trainer of one network (``spec``, ``optimizer``) and
    running it once on a row of zeros (TensorFlow builds a graph's kernels on its first run), then
    leaving it in the trainer cache for the next fit of that structure. Started once, while the
    calling thread waits for an ensemble's run; a failure here only leaves the trainer unbuilt
    (the fit that needs it builds it and reports the error)."""

    def __init__(self, spec, optimizer):
        self.spec, self.optimizer = spec, optimizer
        self.thread = None

    def start(self):
        if self.thread is None:
            self.thread = threading.Thread(target=self._prepare, daemon=True)
            self.thread.start()

    def join(self):
        if self.thread is not None:
            self.thread.join()

    def _prepare(self):
        key = trainer_key(self.spec, self.optimizer)
        try:
            trainer = trainers.checkout(key)
            if trainer is None:
                trainer = Trainer(self.spec, new_optimizer(self.optimizer), compile_functions)
                trainer.run(**_idle_inputs(self.spec.layer_sizes[0], self.spec.n_targets))
        except Exception:  # noqa: BLE001  (only a head start: the refit builds its own trainer)
            return
        trainers.checkin(key, trainer)


def _idle_inputs(n_features, n_targets):
    """Inputs of a single network's ``run`` that train for no epoch: one row of zeros."""
    return dict(
        X=tf.zeros((1, n_features)),
        y=tf.zeros((1, n_targets)),
        rows=tf.zeros((1, 1), tf.int32),
        weights=tf.ones((1, 1)),
        lengths=tf.constant([1]),
        batch_sizes=tf.constant([1]),
        seed=tf.constant(0, tf.int64),
        first_epoch=tf.constant(0, tf.int64),
        epochs=tf.constant(0),
        shuffle=tf.constant(False),
        l1=tf.zeros((1,)),
        l2=tf.zeros((1,)),
        tol=tf.constant(0.0),
        n_iter_no_change=tf.constant(1),
        use_rule=tf.constant(False),
        best_loss=tf.constant([np.inf]),
        no_improvement=tf.constant([0]),
        stopped=tf.constant([False]),
        return_at_most=tf.constant(-1),
    )


def _intra_op_threads():
    """The threads TensorFlow shares an operation out among (its default: one per core this
    process may run on)."""
    return (
        tf.config.threading.get_intra_op_parallelism_threads()
        or _threads_from_environment("TF_NUM_INTRAOP_THREADS")
        or _environment.usable_cores()
    )


def _threads_from_environment(variable):
    """A thread pool's size as TensorFlow's runtime reads it from ``variable`` (its config does
    not show it), or 0."""
    value = os.environ.get(variable, "").strip()
    return int(value) if value.isdigit() else 0


# Below this much arithmetic (the products of every member's forward and backward passes, all
# epochs), an ensemble stays one chain: a second makes its first run trace and instantiate
# about 0.2 s more (2-core machine), which 2 chains' 0.7 of the time per epoch repays from
# about 0.6 s of training, some 30-40 GFLOP at the rate one chain reached (the 4 × 4 searches of
# benchmarks/bench_cv.py: 33-327 GFLOP; wine's with hidden (100,) and 100 epochs: 10).
CHAIN_MIN_FLOP = 3e10


def _ensemble_chains(layer_sizes, stream_rows, per_stream, epochs):
    """The chains of an ensemble of ``per_stream`` members on each stream of ``stream_rows``
    rows, training at most ``epochs`` epochs: ``_parallel_chains()`` (at most one per member)
    where its work repays their cost, else 1."""
    per_row = 6 * sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    if per_row * sum(stream_rows) * per_stream * epochs < CHAIN_MIN_FLOP:
        return 1
    return min(per_stream, _parallel_chains())


@functools.cache
def _parallel_chains():
    """Into how many chains of operations an ensemble splits its members (``_Layout``): where
    TensorFlow runs each operation on one thread, as many as its inter-op pool has threads to
    run them side by side, at most one per core; else 1 (the operations themselves are shared
    out among threads). On 2 cores, 2 chains trained an epoch of the 80-member searches of
    breast_cancer, 1,000×20 rows and digits in 0.67-0.73 of the time of 1 chain (3 or 4
    chains were slower than 2). Read once: TensorFlow sizes its pools once, when it starts
    (which the first ensemble's inputs have made it do), and a key that changed with the
    environment afterwards would only trace again."""
    if _intra_op_threads() != 1:
        return 1
    cores = _environment.usable_cores()
    inter = (
        tf.config.threading.get_inter_op_parallelism_threads()
        or _threads_from_environment("TF_NUM_INTEROP_THREADS")
        or cores
    )
    return max(1, min(inter, cores))


class _Packing:
    """Which members of a group are still training, how they are packed into an ensemble
    (streams × slots per stream), and what each member has become so far."""

    def __init__(self, n_streams, n_pairs, weights, epochs):
        self.n_pairs, self.epochs = n_pairs, epochs
        n_members = n_streams * n_pairs
        self.weights = [[np.asarray(w, np.float32) for w in weights] for _ in range(n_members)]
        self.curves = [[] for _ in range(n_members)]
        self.rule = np.array([[np.inf, 0]] * n_members, dtype=np.float64)
        self.finished = np.zeros(n_members, bool)
        self.converged = np.zeros(n_members, bool)
        self.diverged = np.zeros(n_members, bool)
        self.optimizer_slices = None  # per member: its slices of the optimizer's variables
        self.shared_state = None  # the optimizer's member-independent variables
        self.epochs_done = 0
        self.trace_seconds = 0.5  # until a trace has been timed
        self.seconds_per_member_epoch = None
        self.streams = list(range(n_streams))
        self._layout = None

    def busy(self):
        return self.epochs_done < self.epochs and not self.finished.all()

    def slots(self):
        """``(stream, pair, padding)`` per slot, stream-major; computed once per packing."""
        training = [
            [pair for pair in range(self.n_pairs) if not self.finished[s * self.n_pairs + pair]]
            for s in range(len(self.weights) // self.n_pairs)
        ]
        self.streams = [s for s, pairs in enumerate(training) if pairs]
        width = max(len(training[s]) for s in self.streams)
        # A batched product shares its matrices out among TensorFlow's threads; when they do not
        # divide evenly, one member's product is split between two threads and rounds
        # differently from its single fit (seen with oneDNN on 2 threads: the middle member of
        # 3, 5, 7 or 9). So every thread gets whole members: more padding slots if need be.
        threads = _intra_op_threads()
        while len(self.streams) * width % threads:
            width += 1
        self._layout = [
            (s, pairs[min(i, len(pairs) - 1)], i >= len(pairs))
            for s in self.streams
            for pairs in [training[s]]
            for i in range(width)
        ]
        return self._layout

    def member(self, slot):
        stream, pair, _ = self._layout[slot]
        return stream * self.n_pairs + pair

    def member_weights(self):
        members = [self.member(slot) for slot in range(len(self._layout))]
        return [
            np.stack([self.weights[m][i] for m in members]) for i in range(len(self.weights[0]))
        ]

    def optimizer_state(self, fresh):
        if self.optimizer_slices is None:
            return fresh
        members = [self.member(slot) for slot in range(len(self._layout))]
        return [
            shared
            if shared is not None
            else np.stack([self.optimizer_slices[m][i] for m in members])
            for i, shared in enumerate(self.shared_state)
        ]

    def keep_optimizer_state(self, state):
        """Split the optimizer's variables into per-member slices (those with a leading member
        axis: Keras keeps one per weight, shaped like it) and shared values (step count,
        learning rate)."""
        slots = len(self._layout)
        self.shared_state = [None if v.ndim and v.shape[0] == slots else v for v in state]
        self.optimizer_slices = self.optimizer_slices or {}
        for slot in range(slots):
            if not self._layout[slot][2]:
                self.optimizer_slices[self.member(slot)] = [
                    v[slot] if v.ndim and v.shape[0] == slots else None for v in state
                ]

    def best_loss(self):
        slots = range(len(self._layout))
        return np.array([self.rule[self.member(s), 0] for s in slots], np.float32)

    def no_improvement(self):
        return np.array([self.rule[self.member(s), 1] for s in range(len(self._layout))], np.int32)

    def stopped(self):
        return np.array([padding for _, _, padding in self._layout])

    def record(self, out, seconds):
        n_run = len(out["losses"])
        active_slots = 0
        for slot, (_, _, padding) in enumerate(self._layout):
            if padding:
                continue
            member = self.member(slot)
            if self.finished[member]:
                continue
            active_slots += 1
            trained = int(out["epochs"][slot])
            self.curves[member].extend(out["losses"][:trained, slot].tolist())
            self.weights[member] = [w[slot] for w in out["weights"]]
            self.rule[member] = (out["best_loss"][slot], out["no_improvement"][slot])
            if out["diverged"][slot] or out["converged"][slot]:
                self.finished[member] = True
                self.converged[member] = bool(out["converged"][slot])
                self.diverged[member] = bool(out["diverged"][slot])
        self.epochs_done += n_run
        if n_run and active_slots:
            self.seconds_per_member_epoch = seconds / (n_run * len(self._layout))

    def worth_packing(self, per_stream):
        """Whether packing the busiest stream's members into half the slots would save more
        time than tracing a new graph costs (the members still training are assumed to need
        as many more epochs as they have had, within the cap)."""
        if per_stream < 2 or self.seconds_per_member_epoch is None:
            return per_stream >= 2
        remaining = min(self.epochs_done, self.epochs - self.epochs_done)
        saved = self.seconds_per_member_epoch * len(self.streams) * (per_stream / 2) * remaining
        return saved > 2 * self.trace_seconds

    def results(self):
        return self.weights, self.curves, self.converged, self.diverged
