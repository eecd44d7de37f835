"""When training stops: MLPClassifier's two rules, on the training loss or on held-out data.

Both rules count the epochs without an improvement of at least ``tol`` and stop once that count
exceeds ``n_iter_no_change``. The loss rule runs inside the compiled training graph, for every
member of an ensemble at once; the validation rule (``early_stopping``) scores held-out rows in
NumPy after each epoch and keeps the best weights.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import contextlib
import contextvars
import warnings
from numbers import Real
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import tensorflow as tf
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_poisson_deviance

from ._inference import forward
from ._inputs import weight_sources
from ._params import optimizer_config


# How the messages say to scale a squared-error target.
SCALED_TARGET = "TransformedTargetRegressor(regressor=..., transformer=StandardScaler())"


def _targets(y):
    """A regressor's target ``y`` (dense or sparse; one column or several) as a dense float64
    array of one column per output."""
    y = np.asarray(y.toarray() if sp.issparse(y) else y, dtype=np.float64)
    return y.reshape(len(y), -1)


def divergence_advice(params, X=None, y=None, sample_weight=None, *, weights_scaled=False,
                      start_weight=None, start_penalty=None):
    """What to change when training with the estimator params ``params`` (``get_params``)
    diverged: the loss, the weights or the optimizer's state became infinite or NaN. Names the
    learning rate the optimizer used (the param that set it: ``learning_rate``,
    ``optimizer__learning_rate`` or an optimizer instance's own). Where the training data
    ``X``, ``y`` or ``sample_weight`` hold NaN or infinite values (only under scikit-learn's
    ``assume_finite=True``, which skips the check), says so instead; so too where values are so
    large that their squares overflow float32 (``sample_weight``'s only where it is what the
    network trained on; ``weights_scaled``: the user's weights, which training scales to a mean
    of 1, are not), where a squared-error target's squares sum beyond float32's range, where a
    continued fit starts from weights at which the loss on its rows already overflows
    (``start_weight``: their largest magnitude, else None), where the penalty of the weights
    it starts from times the rows of its first batch, ``start_penalty`` (that penalty, l1 ·
    Σ|w| + l2 · Σw² over the kernels in float64, and those rows), is beyond float32's range
    (the epoch's loss sums it so), and where a penalty's gradients overflow an optimizer's running
    squares."""
    if X is not None and not finite_values(X, y, sample_weight):
        return (
            "X, y or sample_weight holds NaN or infinite values, which assume_finite=True "
            "(scikit-learn's config) let through unchecked: remove or impute them"
        )
    config = optimizer_config(params)
    huge = _values_whose_squares_overflow(
        X, y if "loss" in params else None, None if weights_scaled else sample_weight,
        weights_name=weight_sources(params),
    )
    # Only where the optimizer's steps grow with the gradients: Adamax's and Lion's do not
    # (a Poisson target of 2e20 trained under both), so another cause is looked for there.
    if huge and config["class_name"] in (*_RUNNING_SQUARES, "SGD"):
        fixes = {
            "X": "standardize the features (StandardScaler)",
            # Its y must stay >= 0: scaled, not standardized.
            "y": "divide the target by a positive constant (loss='poisson' needs y >= 0)"
            if params.get("loss") == "poisson" else f"scale the target ({SCALED_TARGET})",
            # fit trains on weights scaled to a mean of 1: only partial_fit's can be this large.
            "weights": "partial_fit takes each call's weights as given (fit scales them to a "
            "mean of 1), so divide them by a constant",
        }
        return "; ".join(
            f"{name} {'hold' if ' and ' in name else 'holds'} values as large as "
            f"{largest:.3g}: {_why_huge_values_diverge(name, params, config)}: "
            f"{fixes[name if name in fixes else 'weights']}"
            for name, largest in huge
        )
    summed, outputs = (
        _squares_summed(y) if params.get("loss") == "squared_error" else (None, 1)
    )
    if summed is not None:
        # Each square is within float32, their sum over an epoch is not (Keras' epoch loss sums
        # them so too): a target of 5e17 on 2,000 rows diverged at a learning rate of 1e-20.
        each = f" (each row's mean over its {outputs} outputs)" if outputs > 1 else ""
        return (
            f"y's squares{each} sum to {summed:.3g} over its {len(y)} rows, beyond float32's "
            "largest "
            f"number ({_FLOAT32_MAX:.3g}), in which the network sums an epoch's loss, whatever "
            f"the learning rate: scale the target ({SCALED_TARGET})"
        )
    if start_weight is not None:
        # No learning rate helps: the weights it starts from (a file's, say) already overflow
        # the loss on these rows (the advice had been to lower the learning rate).
        return (
            "the network it continues from already makes the loss on these rows overflow "
            f"float32 (its largest weight is {start_weight:.3g}), whatever the learning rate: fit "
            "a new network (warm_start=False, or a new estimator)"
        )
    if start_penalty is not None and start_penalty[0] * start_penalty[1] > _FLOAT32_MAX:
        # The loss holds the penalty, and an epoch's loss sums each batch's times its rows,
        # which no learning rate changes on the first batch (proximal_l1 keeps l1 out of the
        # gradients, not out of the loss: l1=1e36 diverged at a learning rate of 3e-9, and the
        # advice led with lowering it).
        penalty, rows = start_penalty
        given = [
            f"{name}={float(params[name]):g}" for name in ("l1", "l2")
            if isinstance(params.get(name), Real) and params[name] > 0
        ]
        given = ", ".join(
            [named for named in given if float(named.partition("=")[2]) >= 1] or given
        )
        return (
            f"the penalty of the weights training starts from (l1 · Σ|w| + l2 · Σw² over the "
            f"kernels) is {penalty:.3g}, and the epoch's loss, which counts it once per row, "
            f"reaches {penalty * rows:.3g} on the first batch of {rows} rows, beyond float32's "
            f"largest number ({_FLOAT32_MAX:.3g}), whatever the learning rate: use smaller "
            f"penalties ({given}; useful ones are at most about 1e-2)"
        )
    # From about 1.84e19 on, a penalty's gradients (l1 per weight, 2 * l2 * weight) have squares
    # beyond float32's range, which the optimizers that keep running squares overflow whatever
    # the learning rate (l1=1e30 and l2=1e30 diverged at 1e-30).
    overflowing = [
        f"use a smaller {name} (it is {float(params[name]):g}: from about "
        f"{_SQUARE_OVERFLOWS:.3g} on, "
        "its gradients' squares overflow float32, in which the optimizer keeps its running "
        "squares, whatever the learning rate; useful penalties are at most about 1e-2)"
        # Under proximal_l1, l1 never enters the gradients (l1=1e30 trained).
        for name in (("l2",) if params.get("proximal_l1") else ("l1", "l2"))
        if isinstance(params.get(name), Real) and params[name] >= _SQUARE_OVERFLOWS
    ]
    if overflowing and config["class_name"] in _RUNNING_SQUARES:
        return "; ".join(overflowing)
    rate, name = _learning_rate(params)
    if isinstance(rate, (int, float)):
        lower = f"lower {name} (it is {rate:g})"
        # Keras' weight decay multiplies the weights by 1 - rate * weight_decay every step:
        # beyond -1 they grow, whatever the data.
        decay = config["config"].get("weight_decay")
        if isinstance(decay, (int, float)) and rate * decay > 2:
            lower += (
                f" or the optimizer's weight_decay (it is {decay:g}: each step multiplies the "
                f"weights by 1 - learning rate * weight_decay = {1 - rate * decay:g}, whose "
                "magnitude must stay at most 1)"
            )
    elif config["class_name"] == "Ftrl":
        # Keras' Ftrl divides by the rate: a step at rate 0 (a schedule that decays to it, as
        # CosineDecay does by default) makes its state NaN, however low the rates before it.
        lower = (
            f"keep the learning-rate schedule's rate above 0 ({name}; Ftrl divides by the "
            "learning rate, so a step at rate 0 makes its state NaN: CosineDecay's and "
            "CosineDecayRestarts' alpha, PolynomialDecay's end_learning_rate, ExponentialDecay's "
            "decay_rate and PiecewiseConstantDecay's values above 0) or lower its rates"
        )
    else:
        lower = f"lower the rates of the learning-rate schedule ({name})"
    if params.get("loss") == "poisson":  # its y must stay >= 0: scaled, not standardized
        target = " and, for loss='poisson', divide the target by a positive constant"
    elif "loss" in params:  # a regressor's
        target = " and the target"
    else:
        target = ""
    advice = f"{lower}, standardize the features (StandardScaler){target}"
    # Penalties of 1 and more are far beyond useful ones (up to about 1e-2), and a huge one
    # overflows the loss in float32 whatever the learning rate (l1=3e38 did at once).
    large = [
        f"{name}={float(params[name]):g}" for name in ("l1", "l2")
        if isinstance(params.get(name), Real) and params[name] >= 1
    ]
    if large:
        advice += f", or use smaller penalties ({', '.join(large)})"
    return advice if config["class_name"] == "Adam" else f"{advice}, or choose optimizer='adam'"


def _why_huge_values_diverge(name, params, config):
    """Why values of ``name`` (X, y or the weights) beyond about 1.84e19 made training with the
    optimizer of ``config`` (one whose steps grow with the gradients) diverge."""
    # A Poisson loss never squares y, but its gradients are as large as y.
    gradients = (
        "a Poisson loss's gradients are as large"
        if name == "y" and params.get("loss") == "poisson" else None
    )
    if config["class_name"] == "SGD":
        # Its steps are the learning rate times the gradients: 1e-30 trained where 3e-3 did not.
        return (
            f"{gradients or 'the gradients grow with them'}, and SGD's steps along them overflow "
            "float32, in which the network trains, at any learning rate large enough to train"
        )
    # Gradients, Adam's moments and the squared error hold their squares: no learning rate
    # helps (1e-10 diverged as 3e-3 did), while MLPClassifier computes in float64.
    return (
        f"{gradients + ', and their squares' if gradients else 'their squares'} overflow "
        f"float32 (beyond {_SQUARE_OVERFLOWS:.3g}), in which the network trains, whatever the "
        "learning rate"
    )


def _learning_rate(params):
    """``(rate, name)``: the learning rate the optimizer of the estimator params ``params``
    trains with (a number, or a schedule), and the param that sets it: ``learning_rate``,
    ``optimizer__learning_rate`` or an optimizer instance's own."""
    rate = optimizer_config(params)["config"].get("learning_rate")
    if "optimizer__learning_rate" in params:
        name = "optimizer__learning_rate"
    elif isinstance(params["optimizer"], str):
        name = "learning_rate"
    else:
        name = "the optimizer's learning_rate"
    return rate, name


_FLOAT32_MAX = float(np.finfo(np.float32).max)
# The largest float32 whose square float32 holds.
_SQUARE_OVERFLOWS = float(np.sqrt(_FLOAT32_MAX))
# Keras' optimizers that keep running squares (or accumulated squares) of the gradients.
_RUNNING_SQUARES = {"Adam", "AdamW", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Ftrl"}


def _squares_summed(y):
    """``(sum, n_outputs)``: the sum over the rows of a regressor's target of each row's mean
    square over its outputs, where it overflows float32 (each square may not), else None."""
    if y is None or sp.issparse(y):
        return None, 1
    values = np.asarray(y)
    outputs = values.shape[1] if values.ndim == 2 else 1
    if not values.size or values.dtype.kind not in "fiu":
        return None, outputs
    summed = float(np.sum(np.square(values, dtype=np.float64))) / outputs
    return (summed if summed > _FLOAT32_MAX else None), outputs


def _values_whose_squares_overflow(X, y, sample_weight=None, weights_name="sample_weight"):
    """``[(name, largest magnitude)]`` of ``X``, a regressor's ``y`` (None for a classifier) and
    the weights trained on (named ``weights_name``: what set them), whose largest magnitude has
    a square beyond float32's range."""
    found = []
    for name, values in (("X", X), ("y", y), (weights_name, sample_weight)):
        if values is None:
            continue
        values = values.data if sp.issparse(values) else np.asarray(values)
        if values.size and values.dtype.kind in "fiu":
            largest = float(np.max(np.abs(values)))
            if largest > _SQUARE_OVERFLOWS:
                found.append((name, largest))
    return found


# Frames of the package between a fit and the user's line, when the package itself calls fit
# (a search's refit): set by ``warnings_point_higher``, per thread and task.
_FRAMES_ABOVE = contextvars.ContextVar("l1l2_estimator_frames_above", default=0)


# What "diverged" means in every message that says a fit diverged.
DIVERGED = "the loss, the weights or the optimizer's state became infinite or NaN"


def frames_above():
    """The frames ``warnings_point_higher`` adds to the fits' warnings' ``stacklevel`` here."""
    return _FRAMES_ABOVE.get()


@contextlib.contextmanager
def warnings_point_higher(frames):
    """Make the fits' warnings inside the block point ``frames`` more frames up the stack: at
    the line that called the package, not at the package's own call of ``fit``."""
    token = _FRAMES_ABOVE.set(_FRAMES_ABOVE.get() + frames)
    try:
        yield
    finally:
        _FRAMES_ABOVE.reset(token)


# A squared-error target whose root mean square (of its most distant output) exceeds this gets
# advice to scale it in the ConvergenceWarning (load_diabetes' standard deviation is 77: every
# fit ran to its epoch cap unscaled; a target of 290 ± 5, kelvins, never got near).
_LARGE_TARGET_SCALE = 10.0


def target_scale_advice(y, loss):
    """Advice to centre and scale a squared-error regressor's target ``y`` that lies far from 0,
    by its spread or by its mean (the network starts near 0, its output bias moves by about a
    learning rate a step, and the penalties compete with the squared error in y's units), for a
    ConvergenceWarning; "" otherwise (a classifier: ``loss`` None)."""
    if loss != "squared_error" or y is None or not np.size(y):
        return ""
    y = _targets(y)
    mean, spread = np.mean(y, axis=0), np.std(y, axis=0)
    farthest = int(np.argmax(np.hypot(mean, spread)))  # each output's root mean square
    if not np.hypot(mean[farthest], spread[farthest]) > _LARGE_TARGET_SCALE:
        return ""
    mean, spread = mean[farthest], spread[farthest]
    # A centred target's mean is rounding noise (-7.8e-16 had been quoted, with "centre").
    centred = abs(mean) <= 1e-6 * spread
    what = (
        f"output {farthest} of y has the mean {0.0 if centred else mean:.3g} and the standard "
        f"deviation {spread:.3g}" if y.shape[1] > 1
        else f"y's mean is {0.0 if centred else mean:.3g} and its standard deviation {spread:.3g}"
    )
    return (
        f" {what}: {'scale' if centred else 'centre and scale'} the target ({SCALED_TARGET}); "
        "the network starts near 0, and the penalties compete with the squared error in y's "
        "units."
    )


# How many float32 steps a loss may move and still count as flat: a stuck fit's epoch losses
# drift by a few steps (a target of standard deviation 1.45e8: 0 to 3), where one that rose after
# its best rose by thousands (load_diabetes' raw target).
_FLAT_STEPS = 16


def float32_blind_best(losses, tol):
    """The best (smallest) of a training's epoch ``losses`` if the loss rule, which the training
    graph runs in float32, may have stopped the training while its loss still fell, else None:
    where ``tol`` is below half the best loss's float32 spacing (a loss above 2048 under the
    default ``tol``), the rule counts only a strictly lower float32 loss, and every epoch after
    the best stayed within ``_FLAT_STEPS`` float32 steps of it, so that a fall by less than a
    step would have looked the same (a squared-error target of standard deviation 1.45e8
    stopped after 21 epochs, its loss flat at 2.1330070e16 in float32, untrained, where
    ``MLPRegressor``'s float64 rule ran on and warned). A loss that rose after its best by more
    (load_diabetes' raw target, by thousands of steps) stopped as a float64 rule would."""
    tol = np.float32(min(float(tol), float(np.finfo(np.float32).max)))
    losses = np.asarray(losses, dtype=np.float32)
    if not losses.size or not tol > 0:
        return None
    at = int(np.argmin(losses))
    best, after = losses[at], losses[at + 1 :]
    if not np.isfinite(best) or best - tol != best or not after.size:
        return None
    flat = np.all(after - best <= _FLAT_STEPS * np.abs(np.spacing(best)))
    return float(best) if flat else None


def blind_stop_message(best, tol):
    """Why a stop at the best loss ``best`` (``float32_blind_best``) may not be convergence."""
    return (
        f"float32, in which the stopping rule runs, cannot register a change of less than "
        f"{float(np.abs(np.spacing(np.float32(best)))):.3g} in a loss of {best:.3g} (tol is "
        f"{tol:g}), so the loss may still have been falling"
    )


def warn_blind_stop(name, epochs, best, tol, stacklevel, advice=""):
    """A ``ConvergenceWarning`` for a fit of estimator ``name`` that the loss rule stopped after
    ``epochs`` epochs at a best loss ``best`` that float32 cannot tell from ``best - tol``
    (``float32_blind_best``); ``advice`` follows."""
    warnings.warn(
        f"{name}: the training loss stopped improving by tol after {epochs} epochs, but "
        f"{blind_stop_message(best, tol)}.{advice}",
        ConvergenceWarning,
        stacklevel=stacklevel + 1 + frames_above(),
    )


def rose_from_the_start(losses):
    """Whether a fresh training's epoch ``losses`` ended above the first epoch's without ever
    falling below it: the loss rule stops such a training after ``n_iter_no_change + 2`` epochs
    as if it had converged (under Adam at a learning rate of 10 the loss rose from 0.888 to 8.03,
    at 1e6 to 4.69e10; ``MLPClassifier`` stops so too, without a word)."""
    if len(losses) < 2 or min(losses[1:]) < losses[0]:
        return False
    first = np.float32(losses[0])
    # Risen beyond float32's drift (a stuck fit's loss ends a few steps up: see _FLAT_STEPS).
    return bool(np.float32(losses[-1]) - first > _FLAT_STEPS * np.abs(np.spacing(first)))


def warn_rose(name, losses, stacklevel, advice):
    """A ``ConvergenceWarning`` for a fit of estimator ``name`` whose epoch ``losses`` rose from
    the start (``rose_from_the_start``); ``advice`` (``divergence_advice``'s) follows."""
    warnings.warn(
        f"{name}: the training loss stopped improving by tol after {len(losses)} epochs without "
        f"ever falling below its first epoch's ({losses[0]:.3g}; the last was "
        f"{losses[-1]:.3g}), so the network learned nothing after its first epoch; {advice}.",
        ConvergenceWarning,
        stacklevel=stacklevel + 1 + frames_above(),
    )


# How little of the distance from its first epoch's loss to the loss's floor a training stopped
# after the fewest epochs the rule allows may have covered, to count as having learned almost
# nothing: iris at a learning rate of 1e-6 covered about 0.006%; at tol=0.08 and the default
# learning rate, whose epochs each fell by a little less than tol, 47%.
_ALMOST_NOTHING = 0.01


def loss_floor(y, sample_weight, loss):
    """The least value a regressor's training loss ``loss`` can take on its target ``y``
    (weighted by ``sample_weight``): Keras' Poisson loss, ``mean(rate - y * log(rate + 1e-7))``,
    is least where each rate is its count, and below 0 for counts above e; every other loss
    (squared error, a classifier's cross-entropy: ``loss`` None), with its penalties, is at
    least 0."""
    if loss != "poisson" or y is None or not np.size(y):
        return 0.0
    from ._graph import POISSON_EPSILON  # here: _graph imports this module's loss rule

    y = _targets(y)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if weights is not None and not weights.sum() > 0:
        return 0.0
    with np.errstate(all="ignore"):
        least = y - y * np.log(y + POISSON_EPSILON)
    return float(np.average(least.mean(axis=1), weights=weights))


def never_improved(losses, tol, floor=0.0):
    """Whether a fresh training's epoch ``losses`` learned almost nothing that the loss rule
    could see: no epoch after the first improved on the best loss by ``tol``, as the rule counts
    an improvement (``loss_rule_state``), so that it stopped the training after
    ``n_iter_no_change + 2`` epochs, the fewest it allows, as if it had converged; and the loss
    fell by less than 1% of the way from the first epoch's to its ``floor`` (``loss_floor``).
    Iris, standardized, at a learning rate of 1e-6 under Adam fell so (each epoch 1e-5 below
    the one before) and stopped after 12 epochs at a training accuracy of 0.19 to 0.6, as
    ``MLPClassifier`` stops, without a word. A loss that fell further, each epoch by a little
    less than a coarse ``tol``, stopped where that ``tol`` says it converged."""
    if len(losses) < 2:
        return False
    first, fell = float(losses[0]), float(losses[0]) - float(np.min(losses))
    # The fall first: a fit that learned fails it at once, where the rule's replay loops in
    # Python over every epoch.
    if not (np.isfinite(first) and fell < _ALMOST_NOTHING * (first - floor)):
        return False
    return loss_rule_state(losses, tol)[1] == len(losses) - 1


def never_improved_advice(params):
    """What to change where no epoch of a training improved on the best loss by tol
    (``never_improved``), trained with the estimator params ``params``."""
    rate, name = _learning_rate(params)
    faster = (
        f"raise {name} (it is {rate:g})" if isinstance(rate, (int, float))
        else f"raise the rates of the learning-rate schedule ({name})"
    )
    return (
        f"{faster}, standardize the features (StandardScaler), or lower tol (it is "
        f"{float(params['tol']):g})"
    )


def warn_never_improved(name, losses, tol, stacklevel, advice):
    """A ``ConvergenceWarning`` for a fit of estimator ``name`` none of whose epoch ``losses``
    after the first improved on the best by ``tol`` (``never_improved``); ``advice``
    (``never_improved_advice``'s) follows."""
    warnings.warn(
        f"{name}: the training loss stopped improving by tol after {len(losses)} epochs, the "
        f"fewest the rule allows: no epoch after the first improved on the best loss by "
        f"tol={float(tol):g} (it went from {losses[0]:.5g} to {losses[-1]:.5g}), so the "
        f"network learned almost nothing after its first epoch; {advice}.",
        ConvergenceWarning,
        stacklevel=stacklevel + 1 + frames_above(),
    )


def blind_stop_advice(y, loss):
    """Advice for a fit the loss rule stopped where float32 cannot register ``tol``
    (``float32_blind_best``): ``target_scale_advice``'s for a squared-error target; for a
    Poisson one, whose loss grows with its counts, to divide it by a constant."""
    if loss != "poisson" or y is None or not np.size(y):
        return target_scale_advice(y, loss)
    y = _targets(y)
    return (
        f" y's mean is {np.mean(y):.3g}: divide the target by a positive constant (loss="
        "'poisson' needs y >= 0), which brings the loss to where float32 registers tol."
    )


def target_variation(y, sample_weight, loss):
    """All that a regressor's network can gain on its training loss (the data term, which Keras
    averages over outputs) over predicting each output's mean, weighted by ``sample_weight``:
    for squared error y's variance, for Poisson half its deviance from the mean (Keras' Poisson
    loss leaves out a term of y alone, which cancels); None for a classifier (``loss`` None)."""
    if loss not in ("squared_error", "poisson") or y is None or not np.size(y):
        return None
    y = _targets(y)
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if weights is not None and not weights.sum() > 0:
        return None
    mean = np.average(y, axis=0, weights=weights)
    if loss == "squared_error":
        per_output = np.average((y - mean) ** 2, axis=0, weights=weights)
    else:
        per_output = [
            mean_poisson_deviance(column, np.full(len(column), centre), sample_weight=weights) / 2
            if centre > 0 else 0.0  # all zeros: nothing to learn
            for column, centre in zip(y.T, mean)
        ]
    return float(np.mean(per_output))


def target_too_small(variation, tol):
    """Whether a target's ``variation`` (``target_variation``) is nonzero and below ``tol``: the
    loss rule then stops a fit whatever its network learns beyond the mean (a constant target,
    of variation 0, has nothing more to learn)."""
    return variation is not None and 0 < variation < float(tol)


# The rows on which a stopped regressor's training loss is compared with the mean's: all of
# them up to this many, else this many drawn at random (a fixed draw; evenly spaced rows had
# met a period in the data), which a forward pass takes in about 10 ms.
_COMPARED_ROWS = 10_000


# How much of the mean's loss (above the loss's floor) a stopped regressor's data loss must
# exceed it by, beside tol, to count as worse than the mean (a training R² below -0.01 for the
# squared error): a network that penalties hold near the mean stops with its output bias a little
# off the mean of its rows, which the loss rule cannot see settle (l1=0.1 on a fold of
# standardized load_diabetes, whose mean was -0.012: R² -0.0012, 0.0012 above the mean's loss of
# 1.02).
_WORSE_BY = 0.01


def loss_above_the_mean(weights, X, y, sample_weight, loss, activation, tol, rows=None):
    """``(loss, the mean's)`` where a regressor's network of ``weights`` (kernel, bias, ...;
    hidden ``activation``) predicts its training rows ``X``, ``y`` (as trained on, weighted by
    ``sample_weight``) worse than their weighted mean does, by more than ``tol`` and more than
    1% of the mean's loss above the least the loss can be (``loss_floor``), in the training
    loss without its penalties; else None (None for a classifier). No optimum lies there: the
    network of zero weights predicting the mean has no penalty, so an optimum's data loss is at
    most the mean's. The loss rule stops such fits where the loss falls by less than tol in
    n_iter_no_change epochs before the network fits anything (a target of standard deviation
    0.02 stopped at R² -28). A network pushed to the mean by strong penalties is not flagged:
    the penalties' own weight (L1's jitter about zero under Adam) is left out, and so is the
    output bias' last approach to the mean, within 1% (``_WORSE_BY``). ``rows``: the rows of
    ``X`` the training used, in its order (``y`` and ``sample_weight`` are theirs), where ``X``
    holds more (a fold's), so that no more of them are copied than are compared."""
    from ._graph import POISSON_EPSILON  # here: _graph imports this module's loss rule

    if loss not in ("squared_error", "poisson") or not float(tol) > 0:
        return None
    n = X.shape[0] if rows is None else len(rows)
    y = _targets(y)
    weights_all = (
        np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    )
    if not weights_all.sum() > 0:
        return None
    mean = np.average(y, axis=0, weights=weights_all)
    picked = None
    if n > _COMPARED_ROWS:
        picked = np.sort(np.random.default_rng(0).choice(n, _COMPARED_ROWS, replace=False))
        y, weights_all = y[picked], weights_all[picked]
        if not weights_all.sum() > 0:
            return None
    if rows is not None:  # the training's rows of X, of which only those picked are copied
        picked = np.asarray(rows) if picked is None else np.asarray(rows)[picked]
    if picked is not None:
        X = X[picked] if not sp.issparse(X) else sp.csr_matrix(X)[picked]
    kernels = [np.asarray(w, dtype=np.float64) for w in weights[::2]]
    biases = [np.asarray(w, dtype=np.float64) for w in weights[1::2]]
    output = "linear" if loss == "squared_error" else "exponential"
    with np.errstate(all="ignore"):
        predicted = forward(X, kernels, biases, activation, output)
        if loss == "squared_error":
            fitted, constant = (predicted - y) ** 2, (mean - y) ** 2
        else:  # the Poisson loss as trained (_graph's)
            fitted = predicted - y * np.log(predicted + POISSON_EPSILON)
            constant = mean - y * np.log(mean + POISSON_EPSILON)
        data_loss = np.average(fitted.mean(axis=1), weights=weights_all)
        the_mean = np.average(constant.mean(axis=1), weights=weights_all)
    floor = loss_floor(y, weights_all, loss)
    if not np.isfinite(data_loss) or not data_loss - the_mean > max(
        float(tol), _WORSE_BY * (the_mean - floor)
    ):
        return None
    return float(data_loss), float(the_mean)


def _scaling_up(loss):
    """How to scale a regressor's target of ``loss`` up: standardized, or for Poisson (whose y
    stays >= 0) multiplied."""
    return SCALED_TARGET if loss == "squared_error" else "multiply it by a positive constant"


def worse_than_the_mean_message(data_loss, the_mean, tol, loss):
    """Why a loss rule's stop at a ``data_loss`` above ``the_mean``'s by more than ``tol``
    (``loss_above_the_mean``) is no convergence, and what to do."""
    return (
        f"its network predicts its training rows worse than their mean: a loss of "
        f"{data_loss:.3g} without the penalties, above the mean's {the_mean:.3g} by more than "
        f"tol={float(tol):g} and {worse_margin_words(loss)}, where any optimum lies at or below "
        f"it. {worse_than_the_mean_advice(loss)}"
    )


def worse_margin_words(loss):
    """The share of the mean's loss beside tol that ``loss_above_the_mean`` asks of a stopped
    regressor of ``loss``, in words."""
    if loss == "poisson":  # its losses fall below 0 for counts above e: from its floor
        return "1% of the mean's loss above the loss's least value"
    return "1% of the mean's loss"


def worse_than_the_mean_advice(loss):
    """What to do where the loss rule stopped a regressor of ``loss`` worse than the mean."""
    return (
        f"Scale a small target up ({_scaling_up(loss)}), or lower tol, or raise n_iter_no_change "
        "or the learning rate."
    )


def small_target_message(variation, tol, loss, at_most=False):
    """Why a loss rule's stop where the target's ``variation`` is below ``tol``
    (``target_too_small``) says nothing of convergence, and what to do; ``at_most``: the
    largest of several fits' (a search's folds)."""
    return (
        f"all that a network can gain over predicting y's mean is {'at most ' * at_most}"
        f"{variation:.3g} ("
        + ("y's variance" if loss == "squared_error" else "half y's Poisson deviance from it")
        + f"), less than tol={float(tol):g}, so the stopping rule cannot see it learn. Scale the "
        f"target up ({_scaling_up(loss)}) or lower tol."
    )


def warn_stopped_short(name, epochs, reason, stacklevel):
    """A ``ConvergenceWarning`` for a fit of estimator ``name`` that the loss rule stopped after
    ``epochs`` epochs although it had not converged, for ``reason``
    (``small_target_message``'s, ``worse_than_the_mean_message``'s)."""
    warnings.warn(
        f"{name}: the training loss stopped improving by tol after {epochs} epochs, but "
        + reason,
        ConvergenceWarning,
        stacklevel=stacklevel + 1 + frames_above(),
    )


def large_penalty_advice(penalties):
    """Advice to use smaller penalties where a pair of the ``(l1, l2)`` ``penalties`` holds one of
    1 or more (far beyond useful ones, at most about 1e-2: the loss is then mostly theirs, and a
    classifier's beyond 2048 only through them), else ``""``."""
    large = sorted(
        {f"{name}={float(value):g}" for pair in penalties
         for name, value in zip(("l1", "l2"), pair) if value >= 1}
    )
    if not large:
        return ""
    return (
        f" Use smaller penalties ({', '.join(large)}): useful ones are at most about 1e-2, and "
        "the loss is then mostly theirs."
    )


def warn_not_converged(name, epochs, stacklevel, by="training loss", advice=""):
    """MLPClassifier's ``ConvergenceWarning`` for a fit of estimator ``name`` that trained
    ``epochs`` epochs (its maximum) without its rule stopping it: the rule of the ``training
    loss``, or with early_stopping of the ``validation score``; ``advice`` follows."""
    warnings.warn(
        f"{name}: the maximum number of epochs ({epochs}) was reached and the {by} has not "
        f"converged yet.{advice}",
        ConvergenceWarning,
        stacklevel=stacklevel + 1 + frames_above(),
    )


# The rule before its first epoch: no best loss yet, which a count of -1 says (the first epoch
# always improves, as on MLPClassifier's infinite best loss), beside a finite best loss, so that
# the training graph computes no infinity (under ``tf.debugging.enable_check_numerics`` an
# infinite best loss minus ``tol`` failed every fit).
FRESH_RULE = (float(np.finfo(np.float32).max), -1)


def loss_rule(loss, best_loss, no_improvement, tol, n_iter_no_change):
    """One epoch of MLPClassifier's rule, element-wise over members: returns the new best loss,
    the new count of epochs without an improvement by ``tol``, and whether to stop (a count of
    -1 is a rule that has no best loss yet: ``FRESH_RULE``)."""
    # In float32, best_loss - tol is best_loss itself once tol is below half its spacing (a
    # loss above 2048 under the default tol): an unchanged loss had counted as an improvement,
    # and training ran on. As MLPClassifier's float64 rule, it is one only with tol = 0.
    improved = (no_improvement < 0) | (
        (loss <= best_loss - tol) & ((loss < best_loss) | (tol <= 0))
    )
    no_improvement = tf.where(improved, tf.zeros_like(no_improvement), no_improvement + 1)
    return tf.minimum(best_loss, loss), no_improvement, no_improvement > n_iter_no_change


def loss_rule_state(losses, tol):
    """MLPClassifier's loss rule replayed over ``losses`` (a fitted estimator's loss curve) as
    the training graph computes it, in float32: ``(best loss, epochs without an improvement by
    tol)``, for a warm-started fit to continue from. MLPClassifier carries ``best_loss_`` and its
    count from one warm fit to the next, so that fits of a few epochs each stop where one long
    fit would; each of ours had started the rule afresh, and never stopped when ``epochs`` was
    at most ``n_iter_no_change``."""
    tol = np.float32(min(float(tol), float(np.finfo(np.float32).max)))
    best, count = np.float32(FRESH_RULE[0]), FRESH_RULE[1]
    for loss in np.asarray(losses, dtype=np.float32):
        improved = count < 0 or (loss <= best - tol and (loss < best or tol <= 0))
        count = 0 if improved else count + 1
        best = min(best, loss)
    return float(best), count


@dataclass
class ValidationStoppingRule:
    """MLPClassifier's ``early_stopping``: stop once ``score(weights)`` on held-out data has not
    improved by ``tol`` for more than ``n_iter_no_change`` epochs, and keep the best weights."""

    score: object  # callable: list of weight arrays -> float, higher is better
    tol: float
    n_iter_no_change: int
    scores: list = field(default_factory=list)
    best_score: float = -np.inf
    best_weights: list = None
    no_improvement_count: int = 0

    def update(self, weights):
        """Score one epoch's weights; return True when training should stop."""
        return self.record(self.score(weights), weights)

    def record(self, score, weights):
        """Record one epoch's ``score`` (of ``weights``; None: not kept); return True when training
        should stop."""
        self.scores.append(score)
        if score < self.best_score + self.tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        if score > self.best_score:
            self.best_score = score
            self.best_weights = None if weights is None else [np.array(w) for w in weights]
        return self.no_improvement_count > self.n_iter_no_change

    def continue_from(self, scores, weights):
        """Carry the rule over from the fits before, as MLPClassifier carries its best
        validation score and count between warm fits: replay the held-out ``scores`` of their
        training, whose best weights are ``weights`` (a fit ends on its best weights). Return
        whether it was carried: not where that training's rule had stopped it (nothing is
        changed then, and the rule starts afresh, as the loss rule does)."""
        replay = ValidationStoppingRule(None, self.tol, self.n_iter_no_change)
        stopped = False
        for score in scores:
            stopped = replay.record(float(score), None)
        if stopped:
            return False
        self.scores = replay.scores
        self.best_score = replay.best_score
        self.no_improvement_count = replay.no_improvement_count
        self.best_weights = [np.array(w) for w in weights]
        return True


def finite_values(X, y, sample_weight=None):
    """Whether ``X`` (dense or sparse), a numeric ``y`` and ``sample_weight`` (if any) hold only
    finite values."""
    values = [X.data if sp.issparse(X) else X]
    for other in (y, sample_weight):
        other = np.asarray(other.data if sp.issparse(other) else other)
        if other.dtype.kind in "fc":
            values.append(other)
    return all(np.isfinite(v).all() for v in values)
