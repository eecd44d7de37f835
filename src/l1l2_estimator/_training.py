"""The training loop: one compiled TensorFlow call per epoch.

``keras.Model.fit`` spends ~25 ms per epoch on bookkeeping (data adapters, iterators, callback
plumbing) before any arithmetic, which dwarfs the work on small tabular data. Here each epoch is a
single ``tf.function`` call that shuffles with a stateless seed, slices mini-batches on the graph
side and runs Keras' own ``train_step`` for each one, so the optimizer, loss and regularizers are
exactly Keras'. Keras callbacks still receive ``on_train_begin/end`` and ``on_epoch_begin/end``
(with ``logs={"loss": ...}``) and may stop training through ``model.stop_training``; per-batch hooks
are not called.
"""

from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
from keras.callbacks import CallbackList


def _epoch_function(model, batch_size):
    """A compiled function that trains ``model`` for one epoch and returns the epoch's mean loss."""

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
            loss = logs["loss"]
        return loss

    return run_epoch


@dataclass
class StoppingRule:
    """MLPClassifier's rule: stop once the loss has not improved by ``tol`` for
    more than ``n_iter_no_change`` consecutive epochs."""

    tol: float
    n_iter_no_change: int
    best_loss: float = np.inf
    no_improvement_count: int = 0

    def update(self, loss):
        """Record one epoch's loss; return True when training should stop."""
        if loss > self.best_loss - self.tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        self.best_loss = min(self.best_loss, loss)
        return self.no_improvement_count > self.n_iter_no_change


@dataclass
class TrainingResult:
    losses: list = field(default_factory=list)
    converged: bool = False


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
    callbacks=(),
    verbose=0,
):
    """Train ``model`` for up to ``epochs`` epochs; return the per-epoch losses.

    ``seed`` is an integer; epoch ``e`` shuffles with the stateless seed ``(seed, e)``, so a fit is
    reproducible and successive ``partial_fit`` calls see different orders. ``stopping`` is a
    :class:`StoppingRule` or None (train all epochs).
    """
    batch_size = int(min(batch_size, len(X)))
    run_epoch = _epoch_function(model, batch_size)
    X = tf.convert_to_tensor(X, dtype=tf.float32)
    y = tf.convert_to_tensor(y, dtype=tf.float32)
    sample_weight = tf.convert_to_tensor(sample_weight, dtype=tf.float32)
    callback_list = CallbackList(
        list(callbacks),
        add_progbar=bool(verbose),
        model=model,
        verbose=verbose,
        epochs=initial_epoch + epochs,
        steps=-(-len(X) // batch_size),
    )
    result = TrainingResult()
    model.stop_training = False
    callback_list.on_train_begin()
    logs = {}
    for epoch in range(initial_epoch, initial_epoch + epochs):
        callback_list.on_epoch_begin(epoch)
        loss = float(run_epoch(X, y, sample_weight, tf.constant([seed, epoch], tf.int64), shuffle))
        result.losses.append(loss)
        logs = {"loss": loss}
        callback_list.on_epoch_end(epoch, logs)
        if stopping is not None and stopping.update(loss):
            result.converged = True
            break
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return result
