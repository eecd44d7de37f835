"""The compiled training graph: all epochs of a fit in one TensorFlow call.

``keras.Model.fit`` spends ~25 ms per epoch on bookkeeping (data adapters, iterators, callback
plumbing) before any arithmetic, which dwarfs the work on small tabular data. Here a whole fit is
one call (a long one, a call per ``RETURN_AFTER_SECONDS``) of a ``tf.function`` that, epoch after
epoch, shuffles with the stateless seed ``(seed, epoch)``, slices mini-batches, computes the loss
(Keras' loss functions, the softmax one written out as ``_softmax_cross_entropy``, plus the
penalty of ``keras.regularizers.L1L2``: ``l1 * sum(|W|) + l2 * sum(W ** 2)`` over the kernels),
and applies the gradients with the Keras optimizer; MLPClassifier's stopping rule
(``_stopping.loss_rule``) runs in the graph too, so the call ends when training converges. The
graph belongs to a cached trainer (``_trainer_cache``), so it is traced once per network
structure, whatever the seed, penalties or data.

The same graph trains an *ensemble* (``NetworkSpec.members``): variables with a leading member
axis, several row streams (one per cross-validation fold, each shuffled and batched exactly as a
single fit on that fold's rows would be), per-member penalties, and the sum of the members' losses
as the objective, so that every member follows the path of its own single fit. A member that stops
keeps the weights of its last epoch while the others go on. One ``_Layout`` serves both: one
network uses plain 2-D products, which take fewer operations per step; an ensemble batched
products, split into chains of members that TensorFlow runs side by side where it runs each
operation on one thread.

``_training`` calls the graph for one network, ``_ensemble`` for an ensemble.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import keras
import numpy as np
import tensorflow as tf

from ._compat import optimizer_slot
from ._stopping import loss_rule


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
    # The exponential output's Poisson loss on the exponential's values.
    "poisson": lambda y, logits: _poisson(_broadcast(y, logits), tf.exp(logits)),
}

# Keras' default epsilon, which ``keras.losses.poisson`` adds to the rate before its log.
POISSON_EPSILON = 1e-7


def _poisson(y, rate):
    """``keras.losses.poisson`` with its epsilon fixed at Keras' default (the same operations,
    so the same rounding). Keras reads ``keras.config.epsilon()`` when the graph is traced, so
    a user's ``keras.config.set_epsilon`` changed the loss of the networks traced after it and
    not of those cached before: the same fit gave other weights depending on what the process
    had fitted earlier, and a search stopped equalling ``GridSearchCV``."""
    return tf.reduce_mean(rate - y * tf.math.log(rate + POISSON_EPSILON), axis=-1)


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
    """The ``load`` and ``run`` concrete functions of ``trainer`` and its ``read`` function (see
    ``Trainer``)."""
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
            tf.TensorSpec((), tf.float64),  # return at the end of the epoch after this long (s)
        ],
    )
    def run(X, y, rows, weights, lengths, batch_sizes, seed, first_epoch, epochs, shuffle,
            l1, l2, tol, n_iter_no_change, use_rule, best_loss, no_improvement, stopped,
            return_at_most, return_after):
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

        def state_finite():
            """Whether each member's optimizer state is finite (an ensemble's; a single fit
            checks its own in NumPy): gradients beyond 1.84e19 overflow Adam's running squares
            behind finite weights, and the next step makes them NaN."""
            finite = tf.ones((n_members,), tf.bool)
            for v in optimizer.variables:
                if len(v.shape) and v.shape[0] == n_members:
                    finite &= tf.reduce_all(
                        tf.math.is_finite(v), axis=list(range(1, len(v.shape)))
                    )
            return finite

        def epoch_step(index, losses, best, count, stopped, diverged, stop_epochs, state_ok,
                       snapshots):
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
            if ensemble:
                # A stopped member's optimizer state goes on moving with the others' steps (only
                # its weights are kept): judged at the epoch it stops, as its single fit ends.
                state_ok = tf.cond(
                    tf.reduce_any(newly_stopped),
                    lambda: tf.where(newly_stopped, state_finite(), state_ok),
                    lambda: state_ok,
                )
            return (
                index + 1,
                losses.write(index, epoch_losses),
                tf.where(active, new_best, best),
                tf.where(active, new_count, count),
                stopped | newly_stopped,
                diverged | newly_diverged,
                tf.where(newly_stopped, index + 1, stop_epochs),
                state_ok,
                snapshots,
            )

        # Read as the loop starts (its condition depends on it), and again before every epoch.
        # Under op determinism TensorFlow refuses the clock (every fit failed there): the
        # callers then pass fewer epochs per call (``epochs_this_call``).
        deadline = tf.timestamp() + return_after if trainer.clocked else None

        def go_on(index, losses, best, count, stopped, *rest):
            training = tf.reshape(tf.logical_not(stopped), (streams, -1))
            busiest = tf.reduce_max(tf.reduce_sum(tf.cast(training, tf.int32), axis=1))
            if not trainer.clocked:  # (the clocked graph below is as it was before op for op)
                return (
                    (index < epochs) & (busiest > 0) & ((index == 0) | (busiest > return_at_most))
                )
            return (
                (index < epochs)
                & (busiest > 0)
                & ((index == 0) | ((busiest > return_at_most) & (tf.timestamp() < deadline)))
            )

        (
            index, losses, best, count, stopped_now, diverged, stop_epochs, state_ok, snapshots
        ) = tf.while_loop(
            go_on,
            epoch_step,
            (
                tf.constant(0, tf.int32),
                # Grown as epochs run: sized to ``epochs`` up front, a cap of 2**31 - 1 epochs
                # (which the rule stops long before) reserved gigabytes, and aborted the process.
                tf.TensorArray(tf.float32, size=tf.minimum(epochs, 1024), dynamic_size=True),
                best_loss,
                no_improvement,
                stopped,
                tf.zeros((n_members,), tf.bool),
                tf.fill((n_members,), epochs),
                tf.ones((n_members,), tf.bool),
                [tf.identity(v) for v in snapshot_variables],
            ),
        )
        newly = stopped_now & tf.logical_not(stopped)  # stopped during this call
        stopped = stopped_now
        weights = [
            tf.where(_along_members(stopped, v), snapshot, v)
            for v, snapshot in zip(variables, snapshots)
        ] if ensemble else [tf.identity(v) for v in variables]
        outputs = {
            "losses": losses.stack()[:index],
            "best_loss": best,
            "no_improvement": count,
            "converged": stopped & tf.logical_not(diverged),
            "diverged": diverged,
            "epochs": tf.minimum(stop_epochs, index),
            "weights": weights,
        }
        if ensemble:
            # Each member's, at the epoch it stopped, or now for those still training.
            outputs["state_finite"] = tf.where(newly, state_ok, state_finite())
        else:
            # One network's optimizer state too, where a call of ``read`` cost a fit 0.15 ms (an
            # ensemble reads it only when it packs its members tighter).
            outputs["optimizer_state"] = [tf.identity(v) for v in optimizer.variables]
        return outputs

    # Concrete functions: calling them skips tf.function's per-call signature matching.
    # ``read`` is traced at its first call (``Trainer.read``): a fit in one call never needs it.
    return load.get_concrete_function(), run.get_concrete_function(), read



# A call of the training graph returns at the end of the first epoch that ends this many seconds
# after it started, and its caller calls it again to go on where it stopped (the weights and the
# optimizer state stay in the graph's variables; the epoch, which seeds the shuffle, and the
# loss rule's state are inputs, so the results are the same bit for bit). Python runs no signal
# handler while TensorFlow's C code runs a call, so this is about how long Ctrl-C
# (KeyboardInterrupt) takes to stop a long fit or search. Each further call costs about a
# millisecond.
RETURN_AFTER_SECONDS = 0.5


def return_after_input():
    """``RETURN_AFTER_SECONDS`` as the graph takes it (read at each call: tests change it)."""
    return tf.constant(RETURN_AFTER_SECONDS, tf.float64)


def epochs_this_call(trainer, remaining, done, seconds):
    """How many of the ``remaining`` epochs the next call of ``trainer.run`` is asked for: all
    of them where its graph reads the clock (it returns after ``RETURN_AFTER_SECONDS`` by
    itself); traced under op determinism, where TensorFlow refuses it the clock, one to start
    with, then as many as the calls so far ran (``done`` epochs in ``seconds``) would run in
    ``RETURN_AFTER_SECONDS``, so that Ctrl-C can still stop a long fit between calls. A call
    asked for fewer epochs ends as one that returned on time, and the results are the same."""
    if trainer.clocked or remaining <= 1:
        return remaining
    if not done:
        return 1
    return max(1, min(remaining, int(RETURN_AFTER_SECONDS * done / max(seconds, 1e-9))))


def tol_input(stopping):
    """The loss rule's ``tol`` as the graph takes it: float32, at most float32's largest number
    (a larger ``tol`` became inf there, and the first epoch's ``inf - inf`` did not count as an
    improvement, as MLPClassifier counts it)."""
    tol = 0.0 if stopping is None else min(float(stopping[0]), float(np.finfo(np.float32).max))
    return tf.constant(tol, tf.float32)


def patience_input(stopping):
    """The rule's ``n_iter_no_change`` as the graph's 32-bit input: ``np.inf`` (the rule never
    stops) becomes the largest, which no epoch count exceeds. Compared as a Python number: a
    ``np.float16(inf)`` kept 2**31 - 1 (inf in float16) from replacing it."""
    patience = 0 if stopping is None else min(float(stopping[1]), 2**31 - 1)
    return tf.constant(int(patience), tf.int32)

