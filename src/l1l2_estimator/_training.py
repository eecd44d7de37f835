"""The training loop: one compiled TensorFlow call per epoch, traced once per architecture.

``keras.Model.fit`` spends ~25 ms per epoch on bookkeeping (data adapters, iterators, callback
plumbing) before any arithmetic, which dwarfs the work on small tabular data. Here each epoch is a
single ``tf.function`` call that shuffles with a stateless seed, slices mini-batches on the graph
side and runs Keras' own ``train_step`` for each one, so the optimizer, loss and regularizers are
exactly Keras'. The traced function lives on a cached trainer (see ``_trainer_cache``); when to
stop is decided by a rule of ``_stopping``.

Keras callbacks receive ``on_train_begin/end`` and ``on_epoch_begin/end`` (with
``logs={"loss": ...}``) for the trainer model, and may stop training through
``model.stop_training``; per-batch hooks are not called.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

from dataclasses import dataclass, field

import tensorflow as tf
from keras.callbacks import CallbackList

from ._compat import optimizer_slot
from ._trainer_cache import build_trainer, ensure_optimizer_built, trainer_key, trainers


def _epoch_function(model, batch_size, penalties, proximal):
    """A compiled function that trains ``model`` for one epoch and returns the epoch's mean loss.

    With ``proximal``, each optimizer step is followed by the L1 proximal step (soft-thresholding
    every kernel by ``step * l1``), which sets weights exactly to zero; the L1 term then counts in
    the reported loss but not in the gradient.
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
    velocity = optimizer_slot(optimizer, "_velocities", variable)
    if velocity is None:
        return learning_rate
    steps = tf.cast(optimizer.iterations, variable.dtype)
    bias_correction = 1.0 - tf.pow(tf.cast(optimizer.beta_2, variable.dtype), steps)
    return learning_rate / (tf.sqrt(velocity / bias_correction) + optimizer.epsilon)


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

    ``model`` must be compiled. ``seed`` is an integer; epoch ``e`` shuffles with the stateless
    seed ``(seed, e)``, so a fit is reproducible and successive ``partial_fit`` calls see
    different orders. ``stopping`` is a rule of ``_stopping`` or None (train all epochs).
    ``proximal_l1`` applies the L1 penalty by soft-thresholding (exact zeros). If anything
    raises, ``model`` is untouched.
    """
    batch_size = int(min(batch_size, len(X)))
    ensure_optimizer_built(model)
    key = trainer_key(model, batch_size, proximal_l1)
    trainer = trainers.checkout(key) or build_trainer(
        model, batch_size, proximal_l1, _epoch_function
    )
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
