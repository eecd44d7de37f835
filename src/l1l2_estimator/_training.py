"""Training one network: ``train`` runs the compiled graph (``_graph``) for all epochs in one call
(a long fit in a call per ``_graph.RETURN_AFTER_SECONDS``, so that Ctrl-C can stop it) or, when
Keras callbacks, a progress bar or ``early_stopping`` need to see every epoch, one epoch at a
time.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import sys
import threading
import time
from dataclasses import dataclass, field

import keras
import numpy as np
import scipy.sparse as sp
import tensorflow as tf
from keras.callbacks import CallbackList

from ._compat import detach_model, require_training_tensorflow
from ._graph import (
    compile_functions,
    epochs_this_call,
    patience_input,
    return_after_input,
    tol_input,
)
from ._inference import training_loss_overflows
from ._params import new_optimizer
from ._stopping import FRESH_RULE
from ._trainer_cache import Trainer, trainer_key, trainers


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
    require_training_tensorflow()
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
            tol=tol_input(stopping),
            n_iter_no_change=patience_input(stopping),
            use_rule=tf.constant(stopping is not None),
            best_loss=tf.constant([(rule_state or FRESH_RULE)[0]], tf.float32),
            no_improvement=tf.constant([(rule_state or FRESH_RULE)[1]], tf.int32),
            stopped=tf.constant([False]),
            return_at_most=tf.constant(-1, tf.int32),
            return_after=return_after_input(),
        )
        result = TrainingResult(weights=list(weights))
        if callbacks or verbose or validation is not None:
            _train_epoch_by_epoch(
                trainer, result, inputs, initial_epoch, epochs, validation, callbacks, verbose,
                keras_model,
            )
            # After the callbacks: they may have set the state.
            result.optimizer_state = [v.numpy() for v in trainer.read()]
        else:
            # One call for a short fit; a long one returns every RETURN_AFTER_SECONDS and goes
            # on, so that Ctrl-C can stop it between calls.
            started = time.perf_counter()
            while True:
                out = trainer.run(
                    first_epoch=tf.constant(initial_epoch + len(result.losses), tf.int64),
                    epochs=tf.constant(epochs_this_call(
                        trainer, epochs - len(result.losses), len(result.losses),
                        time.perf_counter() - started,
                    ), tf.int32),
                    **inputs,
                )
                run_losses = out["losses"].numpy()[:, 0].tolist()
                result.losses.extend(run_losses)
                # Read through NumPy: indexing an eager tensor costs tens of microseconds.
                result.converged = bool(out["converged"].numpy()[0])
                result.diverged = bool(out["diverged"].numpy()[0])
                if (result.converged or result.diverged or not run_losses
                        or len(result.losses) >= epochs):
                    break
                inputs.update(best_loss=out["best_loss"], no_improvement=out["no_improvement"])
            result.weights = [w.numpy() for w in out["weights"]]
            result.optimizer_state = [v.numpy() for v in out["optimizer_state"]]
        # The last step may leave non-finite weights behind a finite epoch loss (an optimizer
        # setting that divides by zero): no later epoch would report it. So may the optimizer's
        # state: gradients beyond 1.84e19 overflow Adam's running squares in float32 behind
        # finite weights, and the next step, of this fit or a later one, makes them NaN.
        # And the last step may take finite weights so far (learning_rate=1e30) that the loss
        # at them overflows float32, which no later epoch reports either.
        result.diverged = (
            result.diverged
            or not all_finite(result.optimizer_state)
            or training_loss_overflows(result.weights, X, y, spec.activation, spec.output)
        )
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
    Jupyter kernel's own output stream (Keras' own test also counts every POSIX process, files
    included; output redirected to a file inside a kernel gets plain lines, as elsewhere)."""
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty()) or (
        "ipykernel" in sys.modules
        and type(sys.stdout).__module__.partition(".")[0] == "ipykernel"
    )


def _out_of_memory(spec, error):
    return MemoryError(
        f"TensorFlow ran out of memory training a network of layer sizes {list(spec.layer_sizes)}: "
        "use smaller hidden_layer_sizes or batch_size. "
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
    # (Nested lists as CallbackList flattens them.)
    given = keras.tree.flatten(list(callbacks)) if model is not None else []
    _callbacks_in_use(given, model)
    try:
        _run_epochs(trainer, result, inputs, initial_epoch, epochs, validation, callbacks,
                    verbose, bar, model)
    finally:
        _callbacks_done(given, model)


# Callbacks that fits running now were given (by id): [how many fits, their stand-in models].
# A callback instance shared by fits in several threads keeps the model it was last given until
# the last of them ends, as under Model.fit (it had been detached by the first fit to end, and
# the other's next event failed on a model of None).
_CALLBACKS_IN_USE = {}
_CALLBACKS_LOCK = threading.Lock()


def _callbacks_in_use(callbacks, model):
    with _CALLBACKS_LOCK:
        for callback in callbacks:
            entry = _CALLBACKS_IN_USE.setdefault(id(callback), [0, []])
            entry[0] += 1
            entry[1].append(model)


def _callbacks_done(callbacks, model):
    """Once no fit uses them, the callbacks keep their own state (EarlyStopping.stopped_epoch,
    History.history) but not the fits' stand-in models: held by the estimator's params, a model
    was copied (and reloaded by Keras, with warnings) by every clone, deepcopy and pickle of the
    fitted estimator."""
    with _CALLBACKS_LOCK:
        for callback in callbacks:
            entry = _CALLBACKS_IN_USE[id(callback)]
            entry[0] -= 1
            if entry[0] == 0:
                del _CALLBACKS_IN_USE[id(callback)]
                for given in entry[1]:
                    detach_model(callback, given)


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
        pushed = _push_state(model, result.weights, trainer, optimizer=model.optimizer)
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
            # The fit raises: as in Model.fit when training raises, the callbacks get no
            # on_train_end (BackupAndRestore had deleted the backup it keeps for a failed fit).
            result.diverged = True
            return
        if verbose and not bar:
            print(f"Iteration {epoch + 1}, loss = {loss:.8f}", flush=True)
        logs = {"loss": loss}
        converged = bool(out["converged"].numpy()[0])
        stopped_by = "Training loss" if converged else None
        if not converged and validation is not None:
            # Scored before the callbacks, so that they (and the progress bar) see the score.
            converged = validation.update(result.weights)
            stopped_by = "Validation score" if converged else None
            logs["validation_score"] = validation.scores[-1]
            if verbose and not bar:
                print(f"Validation score: {validation.scores[-1]:.6f}", flush=True)
        if model is not None:
            pushed = _push_state(model, result.weights, trainer, out["weights"], pushed[2])
        callback_list.on_epoch_end(epoch, logs)
        if model is not None:
            pushed = _pull_changes(trainer, result, model, pushed)
        if verbose and stopped_by:
            # MLPClassifier's line when its rule stops training: after the epoch's own line
            # (the progress bar draws it at on_epoch_end).
            tol, patience = (
                (validation.tol, validation.n_iter_no_change) if stopped_by[0] == "V"
                else (inputs["tol"].numpy(), inputs["n_iter_no_change"].numpy())
            )
            print(f"{stopped_by} did not improve more than tol={float(tol):f} for "
                  f"{int(patience)} consecutive epochs. Stopping.", flush=True)
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
        pushed = (result.weights, *pushed[1:])
        callback_list.on_train_end(logs)
        _pull_changes(trainer, result, model, pushed)
    else:
        callback_list.on_train_end(logs)


def _push_state(model, weights, trainer, tensors=None, optimizer=None):
    """Put ``weights`` (NumPy arrays; ``tensors``, the same as tensors, if at hand: assigned
    faster) and the trainer's optimizer state in ``model``, whose ``optimizer`` the callbacks
    were given; return them as pushed, with that optimizer."""
    _check_optimizer_kept(model, optimizer)
    state = trainer.read()
    values = zip(model.weights, weights if tensors is None else tensors, strict=True)
    for variable, value in [*values, *zip(model.optimizer.variables, state, strict=True)]:
        variable.assign(value)
    return list(weights), [v.numpy() for v in state], optimizer


def _check_optimizer_kept(model, optimizer):
    """ValueError where a callback gave ``model`` another optimizer than ``optimizer`` (by
    ``model.compile`` or ``model.optimizer = ...``): training goes on with the optimizer of the
    estimator's params, whose state the model's mirrors; the fit had failed on the new one's
    variables with "optimizer_state: expected a list of 10 inputs"."""
    if model.optimizer is not optimizer:
        raise ValueError(
            f"A callback replaced the Keras model's optimizer ({type(optimizer).__name__} by "
            f"{type(model.optimizer).__name__}, through model.compile or model.optimizer) "
            "during the fit: training uses the optimizer of the estimator's params. Set the "
            "optimizer param (or optimizer__* arguments) instead, or change the model's "
            "optimizer in place (its learning_rate, as LearningRateScheduler does)."
        )


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
    since ``pushed`` (``(weights, optimizer state, optimizer)``), if they changed any; return
    what the model holds now."""
    _check_optimizer_kept(model, pushed[2])
    weights = model.get_weights()
    state = [v.numpy() for v in model.optimizer.variables]
    if _changed(weights, pushed[0]) or _changed(state, pushed[1]):
        result.weights = weights
        trainer.load(weights, state)
    return weights, state, pushed[2]


def _changed(arrays, before):
    return any(not np.array_equal(a, b) for a, b in zip(arrays, before, strict=True))
