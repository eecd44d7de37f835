"""Pictures of a fitted L1L2Classifier or L1L2Regressor.

For a classifier: the confusion matrix; for a regressor: the prediction error (predicted against
actual values, and residuals, with scikit-learn's ``PredictionErrorDisplay``); for both: the loss
curve and the regularization path (held-out accuracy or R², and feature importances, against
``l1``).

matplotlib is an optional dependency (``pip install "l1l2-estimator[plot]"``). This module imports
without it; each function imports matplotlib when called and raises ``ImportError`` with the
install command if it is missing.

Every function takes one of the estimators, a ``Pipeline`` whose last step is one, or (for a
regressor) a ``TransformedTargetRegressor`` around either. The ``plot_*`` functions draw into the
Axes they are given (or into a new pyplot figure); :func:`save_plots` draws all three pictures of
the task into PNG files through matplotlib's Agg canvas, without pyplot, so it neither needs a
display nor changes the user's pyplot backend.

The regularization path is computed by :func:`l1l2_estimator.regularization_path` (it fits
models); this module draws it, and re-exports the function for convenience.

Examples
--------
::

    from l1l2_estimator import regularization_path
    from l1l2_estimator.plots import plot_regularization_path

    path = regularization_path(pipeline, X_train, y_train, X_test, y_test, [0, 1e-4, 1e-3, 1e-2])
    plot_regularization_path(path)
"""

import contextlib
import io
import math
import os
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_consistent_length, check_is_fitted, check_scalar

from ._files import write_replacing
from ._path import (
    DEFAULT_L1_VALUES,
    RegularizationPath,
    checked_path_inputs,
    checked_weights,
    described,
    final_step,
    is_any_search,
    regularization_path,
    score_name,
    searched_best,
)
from ._plot_files import FILE_NAMES, written_by_save_plots
from ._stopping import warnings_point_higher
from .classifier import refuse_missing_labels, scored_labels
from .regressor import scored_targets

__all__ = [
    "DEFAULT_L1_VALUES",
    "LossCurveDisplay",
    "RegularizationPath",
    "RegularizationPathDisplay",
    "plot_confusion_matrix",
    "plot_loss_curve",
    "plot_prediction_error",
    "plot_regularization_path",
    "regularization_path",
    "save_plots",
]

MATPLOTLIB_MISSING = (
    'matplotlib is required for plotting: pip install "l1l2-estimator[plot]" (matplotlib 3.10+)'
)



def _require_matplotlib():
    """Import matplotlib, or raise ImportError saying how to install it (or, where it is
    installed but fails to import, why)."""
    try:
        import matplotlib
    except ImportError as error:
        if isinstance(error, ModuleNotFoundError) and error.name == "matplotlib":
            raise ImportError(MATPLOTLIB_MISSING) from error
        raise ImportError(
            f"matplotlib is installed but fails to import ({type(error).__name__}: {error})"
        ) from error
    return matplotlib


def _pyplot():
    _require_matplotlib()
    import matplotlib.pyplot as plt

    return plt


# -- confusion matrix ------------------------------------------------------------------------------


def _fitted_network(estimator, function):
    """The fitted network inside ``estimator`` (a fitted ``L1L2ClassifierCV`` or
    ``L1L2RegressorCV``: its ``best_estimator_``); NotFittedError if ``estimator`` is not fitted
    (a TransformedTargetRegressor is fitted by its own fit, even around a fitted regressor), or
    is a search fitted with ``refit=False``."""
    _check_instance(estimator, function)
    network = final_step(estimator)
    # Any search's best_estimator_ (GridSearchCV's too, maybe a Pipeline), or why it has none;
    # and so on down a search over a search (a GridSearchCV over an L1L2ClassifierCV).
    while is_any_search(network):
        best = searched_best(network)
        if best is None or final_step(best) is network:  # (one that holds itself: no loop)
            break
        network = final_step(best)
    check_is_fitted(network)
    check_is_fitted(estimator)
    return network


def _fitted_l1l2_network(estimator, function, what):
    """``_fitted_network``, or TypeError where that is not an L1L2Classifier or L1L2Regressor:
    ``function`` draws ``what`` of one only (a fitted LogisticRegression had been called not
    fitted, and MLPClassifier, which has a ``loss_curve_``, failed with an AttributeError)."""
    from ._base import L1L2Network

    network = _fitted_network(estimator, function)
    if not isinstance(network, L1L2Network):
        raise TypeError(
            f"{function} draws {what} of an L1L2Classifier or L1L2Regressor (alone, at the end "
            "of a Pipeline, in a TransformedTargetRegressor, or as a search's best_estimator_); "
            f"got {type(network).__name__}."
        )
    return network


def _check_instance(estimator, function):
    """TypeError naming the class where a class is given for an estimator (scikit-learn's
    ``check_is_fitted`` calls it "<class '...'> is a class, not an instance")."""
    network = final_step(estimator)
    if isinstance(network, type):
        raise TypeError(f"{function} needs a fitted estimator; got {described(network)}.")


def _check_task(estimator, task, function):
    """TypeError unless ``estimator`` is an instance whose ``score`` measures ``task``
    ("accuracy" for a classifier, "R²" for a regressor), naming the picture of the other."""
    _check_instance(estimator, function)
    network = final_step(estimator)
    name = score_name(estimator)
    if name is None:  # neither (a string, None, an array): not the other task's estimator
        raise TypeError(
            f"{function} needs a fitted "
            f"{'classifier' if task == 'accuracy' else 'regressor'}; got {described(network)}."
        )
    if name != task:
        needs, other, instead = (
            ("a classifier", "a regressor", "plot_prediction_error") if task == "accuracy"
            else ("a regressor", "a classifier", "plot_confusion_matrix")
        )
        raise TypeError(
            f"{function} needs {needs}; for {other}, use {instead} (got "
            f"{type(network).__name__})."
        )


def _one_output(n_outputs, function, regression=True):
    """ValueError for a regressor of ``n_outputs`` > 1, or a classifier fitted on a multilabel
    indicator (``n_outputs_``: its number of labels), which ``function`` cannot draw."""
    if n_outputs > 1 and not regression:
        raise ValueError(
            f"{function} draws one label per row; the estimator was fitted on a multilabel "
            f"indicator of {n_outputs} labels. Draw each label's with "
            "sklearn.metrics.multilabel_confusion_matrix (or "
            "ConfusionMatrixDisplay.from_predictions(y[:, k], estimator.predict(X)[:, k]))."
        )
    if n_outputs > 1:
        raise ValueError(
            f"{function} draws one target; the estimator predicts {n_outputs}. Draw each column, "
            "e.g. PredictionErrorDisplay.from_predictions(y[:, 0], estimator.predict(X)[:, 0])."
        )


def _labels_fitted(network):
    """The number of labels a classifier was fitted on per row: those of a multilabel indicator
    for one of ours, else 1 (``MLPClassifier``'s ``n_outputs_`` counts output units: 3 for 3
    classes)."""
    from ._base import L1L2Network

    return network.n_outputs_ if isinstance(network, L1L2Network) else 1


def _check_one_target(y, regression, function, name="y"):
    """Refuse the ``y`` (named ``name``) of a task that ``function``'s pictures do not draw: a
    multilabel indicator matrix, or several regression targets; and missing labels, as ``score``
    refuses them (``type_of_target`` would warn, casting NaN, and fail unclearly)."""
    if regression:
        n_targets = np.shape(y)[1] if np.ndim(y) > 1 else 1
        if n_targets > 1:
            raise ValueError(
                f"{function} draws one target; y has {n_targets}. Draw each column, e.g. "
                "PredictionErrorDisplay.from_predictions(y[:, 0], estimator.predict(X)[:, 0])."
            )
        return
    refuse_missing_labels(y, name)
    if type_of_target(scored_labels(y)) == "multilabel-indicator":
        raise ValueError(
            f"{function} draws the confusion matrix of one label per row; y is a multilabel "
            "indicator matrix. Draw each label's with sklearn.metrics.multilabel_confusion_matrix "
            "(or ConfusionMatrixDisplay.from_predictions(y[:, k], estimator.predict(X)[:, k]))."
        )


# The largest side of save_plots' confusion matrix, in inches (2,400 pixels at the default dpi).
MAX_FIGURE_INCHES = 24

# Where a class's label is longer than this, a confusion matrix heads its columns by number and
# its rows by number and label, the label cut to LONGEST_ROW_LABEL characters: two labels of 66
# characters had squeezed save_plots' matrix to nothing (matplotlib's "axes sizes collapsed").
LONGEST_TICK_LABEL = 20
LONGEST_ROW_LABEL = 40

# Above this many classes, a confusion matrix's cells get no numbers unless asked for: they are
# unreadable there, and drawing one text per cell took most of the time (250 classes: 62,500).
MAX_ANNOTATED_CLASSES = 30


def plot_confusion_matrix(
    estimator, X, y, ax=None, *, sample_weight=None, normalize=None, cmap="Blues",
    include_values=None, display_labels=None, values_format=None, xticks_rotation=None,
    colorbar=True, im_kw=None, text_kw=None,
):
    """Draw the confusion matrix of a fitted classifier on ``(X, y)``, rows labelled by class.

    A thin wrapper of :meth:`sklearn.metrics.ConfusionMatrixDisplay.from_predictions` that uses
    every class of ``estimator.classes_`` (so a class absent from ``y`` still gets its row and
    column) and every label of ``y`` (a label the estimator never saw gets its row, of rows
    predicted as other classes), and puts the accuracy in the title.

    Parameters
    ----------
    estimator : L1L2Classifier, L1L2ClassifierCV or Pipeline
        A fitted classifier (alone, at the end of a Pipeline, or a search's refit).
    X : array-like of shape (n_samples, n_features)
        Input data, usually a held-out split.
    y : array-like of shape (n_samples,)
        True labels.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; None makes a new pyplot figure.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the rows: each cell (and the accuracy) sums them instead of counting rows.
    normalize : {"true", "pred", "all"} or None, default=None
        As in :func:`sklearn.metrics.confusion_matrix`; None shows counts.
    cmap : str or matplotlib colormap, default="Blues"
        Colormap of the cells.
    include_values : bool or None, default=None
        Whether to write each cell's value in it (``ConfusionMatrixDisplay``'s option); None:
        for at most 30 classes.
    display_labels : array-like of shape (n_labels,), default=None
        The names of the rows and columns, one per label of ``y`` and ``estimator.classes_``
        in sorted order; None: the labels as written, or, where one is longer than 20
        characters, the columns numbered ``[0]``, ``[1]``, ... and each row ``[i]`` and its
        label (cut to 40 characters, ending in "…").
    values_format : str, default=None
        Format of the cells' values, e.g. ``".1f"`` for weighted counts; None: scikit-learn's
        (``"d"`` or ``".2g"``, whichever is shorter).
    xticks_rotation : {"vertical", "horizontal"} or float, default=None
        Rotation of the column labels; None: 45 degrees where a label is longer than 6
        characters, else horizontal.
    colorbar : bool, default=True
        Whether to add a colour bar.
    im_kw, text_kw : dict, default=None
        Keyword arguments of matplotlib's ``imshow`` for the cells and of ``text`` for their
        values.

    Returns
    -------
    display : sklearn.metrics.ConfusionMatrixDisplay
        The display; ``display.ax_`` is the Axes drawn into.
    """
    _require_matplotlib()
    from sklearn.metrics import ConfusionMatrixDisplay

    _check_one_axes(ax)
    _check_task(estimator, "accuracy", "plot_confusion_matrix")
    network = _fitted_network(estimator, "plot_confusion_matrix")
    _check_one_target(y, regression=False, function="plot_confusion_matrix")
    _one_output(_labels_fitted(network), "plot_confusion_matrix", regression=False)
    check_consistent_length(X, y, sample_weight)
    sample_weight = checked_weights(sample_weight, y, "sample_weight")
    # As fit and score take it: a sparse column of labels made dense.
    y = scored_labels(y)
    # y's labels first: of equal labels, the set keeps the first, and classes_ of nullable
    # labels are floats (True, 1 written 1.0), as scikit-learn's display writes y's.
    labels = unique_labels(y, estimator.classes_)
    y_pred = estimator.predict(X)
    numbered = display_labels is None and max(len(str(label)) for label in labels) > (
        LONGEST_TICK_LABEL
    )
    if numbered:
        display_labels = [_literal(f"[{index}] {_cut(str(label), LONGEST_ROW_LABEL)}")
                          for index, label in enumerate(labels)]
    elif display_labels is None:
        display_labels = [_literal(label) for label in labels]
    elif len(display_labels) != len(labels):
        raise ValueError(
            f"display_labels has {len(display_labels)} name{'s' * (len(display_labels) != 1)}, "
            f"but the matrix has {len(labels)} "
            "rows: one per label of y and of estimator.classes_, in sorted order."
        )
    if xticks_rotation is None:
        # Long class names overlap when written side by side under the columns.
        longest = max(len(str(label)) for label in display_labels)
        xticks_rotation = 45 if longest > 6 and not numbered else "horizontal"
    display = ConfusionMatrixDisplay.from_predictions(
        y,
        y_pred,
        labels=labels,
        display_labels=display_labels,
        sample_weight=sample_weight,
        normalize=normalize,
        cmap=cmap,
        xticks_rotation=xticks_rotation,
        include_values=(
            len(labels) <= MAX_ANNOTATED_CLASSES if include_values is None else include_values
        ),
        values_format=values_format,
        colorbar=colorbar,
        im_kw=im_kw,
        text_kw=text_kw,
        ax=ax,
    )
    if numbered:
        display.ax_.set_xticks(range(len(labels)), [f"[{index}]" for index in range(len(labels))])
        display.ax_.set_xlabel("Predicted label (numbered as the rows)")
    accuracy = accuracy_score(y, y_pred, sample_weight=sample_weight)
    display.ax_.set_title(f"Confusion matrix ({len(y)} samples, accuracy {accuracy:.3f})")
    return display


# -- prediction error ------------------------------------------------------------------------------


def plot_prediction_error(
    estimator,
    X,
    y,
    ax=None,
    *,
    sample_weight=None,
    kind="actual_vs_predicted",
    subsample=1000,
    random_state=0,
):
    """Draw a fitted regressor's predictions on ``(X, y)`` against the true values.

    A thin wrapper of :meth:`sklearn.metrics.PredictionErrorDisplay.from_predictions` that puts
    the R² in the title. ``kind="actual_vs_predicted"`` shows how far the points fall from the
    diagonal; ``kind="residual_vs_predicted"`` shows the residuals (true minus predicted) around
    zero.

    Parameters
    ----------
    estimator : L1L2Regressor, L1L2RegressorCV, Pipeline or TransformedTargetRegressor
        A fitted regressor of one target (alone, at the end of a Pipeline, in a
        TransformedTargetRegressor, or a search's refit).
    X : array-like of shape (n_samples, n_features)
        Input data, usually a held-out split.
    y : array-like of shape (n_samples,)
        True target values.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; None makes a new pyplot figure.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the rows, for the R² in the title (the points are drawn alike).
    kind : {"actual_vs_predicted", "residual_vs_predicted"}, default="actual_vs_predicted"
        Which picture to draw.
    subsample : int, float or None, default=1000
        At most this many points (a fraction, with a float) are drawn; None draws all. The R² in
        the title is always computed on all of them.
    random_state : int, RandomState instance or None, default=0
        Chooses the subsample.

    Returns
    -------
    display : sklearn.metrics.PredictionErrorDisplay
        The display; ``display.ax_`` is the Axes drawn into.
    """
    _require_matplotlib()
    from sklearn.metrics import PredictionErrorDisplay, r2_score

    _check_one_axes(ax)
    _check_subsample(subsample)
    _check_task(estimator, "R²", "plot_prediction_error")
    _fitted_network(estimator, "plot_prediction_error")
    _check_one_target(y, regression=True, function="plot_prediction_error")
    check_consistent_length(X, y, sample_weight)
    sample_weight = checked_weights(sample_weight, y, "sample_weight")
    y_pred = np.asarray(estimator.predict(X))
    _one_output(y_pred.shape[1] if y_pred.ndim > 1 else 1, "plot_prediction_error")
    # As fit and score take it: a sparse column made dense, numbers written as text read.
    y = np.asarray(scored_targets(y), dtype=np.float64)
    y_pred, y = y_pred.reshape(len(y_pred)), y.reshape(len(y))
    display = PredictionErrorDisplay.from_predictions(
        y, y_pred, kind=kind, subsample=subsample, random_state=random_state, ax=ax
    )
    what = "Predicted against actual" if kind == "actual_vs_predicted" else "Residuals"
    r2 = r2_score(y, y_pred, sample_weight=sample_weight)
    display.ax_.set_title(f"{what} ({len(y)} samples, R² {r2:.3f})")
    return display


# -- loss curve ------------------------------------------------------------------------------------


class LossCurveDisplay:
    """Training loss per epoch and, when recorded, the validation score.

    A Display in scikit-learn's manner (``from_estimator``, ``plot``, ``ax_``, ``figure_``). The
    loss is ``loss_curve_`` (penalty included). With ``validation_scores`` (an estimator
    fitted with ``early_stopping=True``), the validation score of each epoch (accuracy for a
    classifier, R² for a regressor) is drawn against a second y axis on the right, in its own
    color, with the best score (whose weights the estimator keeps) marked. The scores belong to
    the epochs from ``validation_start`` on: those of the fit that recorded them (a
    warm-started fit follows earlier fits' epochs, and ``partial_fit`` after it adds epochs
    without scores).

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        The training loss of each epoch.
    validation_scores : array-like of shape (n_scored_epochs,), default=None
        The validation score of each scored epoch (at most one per epoch of ``loss_curve``),
        or None.
    validation_start : int, default=None
        The epochs of ``loss_curve`` before the first scored one; None: the scores belong to
        the last ``len(validation_scores)`` epochs.
    score_name : {"accuracy", "R²"}, default="accuracy"
        What the validation scores measure.

    Attributes
    ----------
    ax_ : matplotlib.axes.Axes
        The Axes of the loss.
    score_ax_ : matplotlib.axes.Axes or None
        Its twin holding the validation scores, when drawn.
    figure_ : matplotlib.figure.Figure
        The figure of ``ax_``.
    loss_line_ : matplotlib.lines.Line2D
        The loss curve.
    """

    def __init__(self, *, loss_curve, validation_scores=None, validation_start=None,
                 score_name="accuracy"):
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.validation_start = validation_start
        self.score_name = score_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, **kwargs):
        """Draw the loss curve of a fitted estimator.

        Parameters
        ----------
        estimator : L1L2Classifier, L1L2Regressor, Pipeline or TransformedTargetRegressor
            A fitted estimator (a Pipeline or TransformedTargetRegressor around one), or a
            fitted ``L1L2ClassifierCV``/``L1L2RegressorCV``: its refit's curve.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; None makes a new pyplot figure.
        **kwargs : dict
            Keyword arguments of :meth:`matplotlib.axes.Axes.plot` for the loss curve.

        Returns
        -------
        display : LossCurveDisplay
            The display, drawn.
        """
        _require_matplotlib()
        network = _fitted_l1l2_network(
            estimator, "LossCurveDisplay.from_estimator", "the loss curve"
        )
        return cls(
            loss_curve=network.loss_curve_,
            validation_scores=getattr(network, "validation_scores_", None),
            validation_start=network._get_fitted_state()["validation_start"],
            score_name="R²" if score_name(estimator) == "R²" else "accuracy",
        ).plot(ax=ax, **kwargs)

    def plot(self, ax=None, **kwargs):
        """Draw the curve.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Where to draw; None makes a new pyplot figure.
        **kwargs : dict
            Keyword arguments of :meth:`matplotlib.axes.Axes.plot` for the loss curve (its
            ``color``, ``label``, ``linewidth``, ...).

        Returns
        -------
        display : LossCurveDisplay
            The display, drawn (``ax_``, ``figure_``, ...).
        """
        matplotlib = _require_matplotlib()
        from matplotlib import cbook
        from matplotlib.lines import Line2D

        # Checked before anything is drawn (a 2-D curve had failed inside matplotlib: "too many
        # values to unpack").
        losses = _curve(self.loss_curve, "loss_curve")
        scores = self.validation_scores
        if scores is not None:
            scores = _curve(scores, "validation_scores")
        if scores is not None and (not isinstance(self.score_name, str) or not self.score_name):
            # (It names the validation axis: unused without scores.)
            raise ValueError(
                f"LossCurveDisplay: score_name must be a non-empty str; got {self.score_name!r}."
            )
        if "axes" in kwargs:  # a Line2D property: matplotlib's "multiple values for 'axes'"
            raise TypeError(
                "LossCurveDisplay draws on one Axes, given as ax=...; axes= is "
                "RegularizationPathDisplay's (two Axes)."
            )
        if len(losses) == 0:
            raise ValueError("LossCurveDisplay: loss_curve is empty; it needs one loss per epoch.")
        start = self.validation_start
        if scores is not None and len(scores):
            if len(scores) > len(losses):
                raise ValueError(
                    f"LossCurveDisplay: {len(scores)} validation_scores for {len(losses)} epochs "
                    "of loss_curve; an epoch has at most one score."
                )
            # loss_curve_ counts the epochs of earlier warm-started fits and of later
            # partial_fit calls too; the scores only the epochs of the fit that recorded them.
            if start is None:
                start = len(losses) - len(scores)
            start = check_scalar(
                start, "validation_start", Integral, min_val=0, max_val=len(losses) - len(scores)
            )
        metric = _literal(self.score_name)
        _check_one_axes(ax)
        if ax is None:
            _, ax = _pyplot().subplots(layout="constrained")
        self.ax_, self.figure_, self.score_ax_ = ax, ax.figure, None

        epochs = np.arange(1, len(losses) + 1)
        # Aliases (c, lw, ...) under their full names, so that they override the defaults.
        given = cbook.normalize_kwargs(kwargs, Line2D)
        # A label of the caller's, shown as scikit-learn's displays show it; None, "" or one
        # starting with "_" is none (matplotlib leaves it out of a legend): the default's then.
        label = given.pop("label", None)
        labelled = bool(label) and not str(label).startswith("_")
        color = given.pop("color", None)
        style = {"label": label if labelled else "training loss", **given}
        # The Axes' next colour (C0 on fresh Axes, C2 after a curve with scores), taken also
        # where a colour is given, so that the scores' colour after it is the same either way.
        (self.loss_line_,) = ax.plot(epochs, losses, **style)
        if color is not None:
            self.loss_line_.set_color(color)
        loss_color = self.loss_line_.get_color()
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (penalty included)", color=loss_color)
        ax.tick_params(axis="y", labelcolor=loss_color)
        ax.grid(alpha=0.3)
        if scores is None or len(scores) == 0:
            ax.set_title(f"Training loss per epoch ({len(losses)} epochs)")
            if labelled:
                ax.legend()
            return self

        # The Axes' next colour after the loss's (C1 on fresh Axes), taken by a line drawn and
        # removed (matplotlib has no public way to read it otherwise); not the loss's own (a
        # loss given C1 on fresh Axes).
        for _ in range(len(matplotlib.rcParams["axes.prop_cycle"]) + 1):
            (probe,) = ax.plot([], [])
            score_color = probe.get_color()
            probe.remove()
            if not matplotlib.colors.same_color(score_color, loss_color):
                break
        # A second curve drawn on these Axes shares the first one's score axis (a twin each had
        # drawn two right-hand scales over each other).
        score_ax = self.score_ax_ = _score_twin(ax)
        score_epochs = np.arange(1, len(scores) + 1) + start
        whose = f"{label}: " if labelled else ""
        score_ax.plot(
            score_epochs, scores, color=score_color, label=f"{whose}validation {metric}"
        )
        if not np.all(np.isnan(scores)):
            best = int(np.nanargmax(scores))
            score_ax.plot(
                score_epochs[best],
                scores[best],
                "o",
                color=score_color,
                label=f"{whose}best: {scores[best]:.3f} at epoch {score_epochs[best]}",
            )
        score_ax.set_ylabel(f"validation {metric}", color=score_color)
        score_ax.tick_params(axis="y", labelcolor=score_color)
        ax.set_title(f"Training loss and validation {metric} per epoch ({len(losses)} epochs)")
        # Loss falls from the top left, the score rises to the top right: below the axes, the
        # legend covers neither. It names every curve drawn on these Axes, earlier ones too.
        handles = [
            line for line in ax.get_lines() + score_ax.get_lines()
            if not line.get_label().startswith("_")
        ]
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncols=3,
            frameon=False,
        )
        return self


# The attribute of an Axes that holds the twin with its validation scores, by which a second
# curve on the same Axes finds it (the Axes sharing its x axis are not its twins alone:
# subplots(sharex=True)). On the Axes itself, so that both go with their figure: a module-level
# WeakKeyDictionary never dropped an entry, as its value, the twin, refers back to its key.
_SCORE_TWIN = "_l1l2_estimator_score_twin"


def _score_twin(ax):
    """The twin of ``ax`` that holds validation scores, made on first use."""
    twin = getattr(ax, _SCORE_TWIN, None)
    if twin is None or twin.figure is not ax.figure or twin not in ax.figure.axes:
        twin = ax.twinx()
        setattr(ax, _SCORE_TWIN, twin)
    return twin


def plot_loss_curve(estimator, ax=None):
    """Draw the training loss of each epoch and, when recorded, the validation score.

    ``LossCurveDisplay.from_estimator(estimator, ax=ax).ax_``: see :class:`LossCurveDisplay`.

    Parameters
    ----------
    estimator : L1L2Classifier, L1L2Regressor, Pipeline or TransformedTargetRegressor
        A fitted estimator (a Pipeline or TransformedTargetRegressor around one), or a fitted
        ``L1L2ClassifierCV``/``L1L2RegressorCV``: its refit's curve.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; None makes a new pyplot figure.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes of the loss; the validation axis, when drawn, is its twin in ``ax.figure.axes``.
    """
    _require_matplotlib()
    _fitted_l1l2_network(estimator, "plot_loss_curve", "the loss curve")  # named so in errors
    return LossCurveDisplay.from_estimator(estimator, ax=ax).ax_


# -- regularization path ---------------------------------------------------------------------------


class RegularizationPathDisplay:
    """Score (left) and each feature's importance (right) against ``l1``.

    A Display in scikit-learn's manner (``from_estimator``, ``plot``, ``axes_``, ``figure_``).
    The score is the path's ``score_name``: accuracy for a classifier, R² for a regressor. The
    ``l1`` axis is logarithmic; when the path includes ``l1=0``, the stretch from 0 to the
    smallest positive value is drawn linearly (a "symlog" axis), so 0 sits one step to the left
    of the smallest positive value. The ``n_labeled`` features with the largest importance
    summed over the path are drawn in color and named in the legend; the others are thin grey
    lines.

    Parameters
    ----------
    path : RegularizationPath
        The result of :func:`regularization_path`.

    Attributes
    ----------
    axes_ : sequence of two matplotlib.axes.Axes
        The score Axes and the importance Axes, as given to ``plot`` (or made by it).
    figure_ : matplotlib.figure.Figure
        Their figure.
    other_lines_ : matplotlib.collections.LineCollection or None
        The grey lines of the features beyond the ``n_labeled`` named ones, one per feature;
        None if there are none.
    """

    def __init__(self, path):
        if not isinstance(path, RegularizationPath):
            raise TypeError(
                "path must be the RegularizationPath that regularization_path returns, got "
                f"{type(path).__name__}."
            )
        self.path = path

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X_train,
        y_train,
        X_test,
        y_test,
        l1_values=DEFAULT_L1_VALUES,
        *,
        sample_weight=None,
        test_sample_weight=None,
        axes=None,
        n_labeled=5,
        name=None,
    ):
        """Fit the regularization path of an estimator and draw it.

        Parameters
        ----------
        estimator : L1L2Classifier, L1L2Regressor, Pipeline or TransformedTargetRegressor
            The model to vary, as :func:`regularization_path` takes it.
        X_train, y_train : array-like
            The data each clone is fitted on.
        X_test, y_test : array-like
            Held-out data for the scores.
        l1_values : array-like of float, default=DEFAULT_L1_VALUES
            Values of ``l1`` to fit, each >= 0.
        sample_weight : array-like of shape (n_train_samples,), default=None
            Weights of the training rows, for the fits and the training scores.
        test_sample_weight : array-like of shape (n_test_samples,), default=None
            Weights of the held-out rows, for the held-out scores.
        axes : sequence of two matplotlib.axes.Axes, default=None
            Where to draw the scores and the importances; None makes a new pyplot figure.
        n_labeled : int, default=5
            How many features to name.
        name : str, default=None
            Put before the legend entries of both panels (the score lines and the
            features), to tell paths drawn on the same axes apart.

        Returns
        -------
        display : RegularizationPathDisplay
            The display, drawn; its ``path`` holds the numbers.
        """
        _require_matplotlib()
        # Before the fits, which take longer than all the drawing.
        check_scalar(n_labeled, "n_labeled", Integral, min_val=0)
        if axes is not None:
            _two_axes(axes)
        with warnings_point_higher(1):  # the fits' warnings point at the caller's line
            path = regularization_path(
                estimator, X_train, y_train, X_test, y_test, l1_values,
                sample_weight=sample_weight, test_sample_weight=test_sample_weight,
            )
        return cls(path).plot(axes=axes, n_labeled=n_labeled, name=name)

    def plot(self, axes=None, *, n_labeled=5, name=None):
        """Draw the path.

        Parameters
        ----------
        axes : sequence of two matplotlib.axes.Axes, default=None
            Where to draw the scores and the importances; None makes a new pyplot figure.
        n_labeled : int, default=5
            How many features to name.
        name : str, default=None
            Put before the legend entries of both panels (the score lines and the
            features), to tell paths drawn on the same axes apart.

        Returns
        -------
        display : RegularizationPathDisplay
            The display, drawn (``axes_``, ``figure_``).
        """
        _require_matplotlib()
        from matplotlib.collections import LineCollection

        check_scalar(n_labeled, "n_labeled", Integral, min_val=0)
        path = self.path
        if axes is None:
            _, axes = _pyplot().subplots(1, 2, figsize=(11, 4.2), layout="constrained")
        flat = _two_axes(axes)
        self.axes_, self.figure_ = axes, flat[0].figure
        score_ax, importance_ax = flat
        l1 = path.l1_values

        # The first path on these axes: held-out scores in the Axes' first colour, training
        # scores in grey; each later one gets the next colour for both, so that they differ.
        earlier = _drawn_path(score_ax)[0].size > 0
        whose = f"{name}: " if name else ""
        (held_out,) = score_ax.plot(
            l1, path.test_scores, "o-", label=f"{whose}held-out split", gid=_PATH_GID
        )
        score_ax.plot(
            l1, path.train_scores, "o--", color=held_out.get_color() if earlier else "C7",
            label=f"{whose}training split", zorder=held_out.get_zorder() - 0.1, gid=_PATH_GID,
        )
        metric = _literal(path.score_name)
        score_ax.set_ylabel(metric)
        score_ax.set_title(f"{metric[0].upper()}{metric[1:]} against the L1 penalty")
        score_ax.legend(loc="best")

        importances = path.feature_importances
        # The features that stay in use longest along the path, most important first.
        ranked = np.argsort(-importances.sum(axis=0), kind="stable")
        labeled, others = ranked[:n_labeled], ranked[n_labeled:]
        # The legend's lines and labels, given to it explicitly: matplotlib leaves out of an
        # automatic legend every line whose label starts with "_", as a column "_id" does. Those
        # of the paths drawn here before come first, and this path's colours follow theirs (each
        # path had started again at C0 and the legend listed only the last path's features, so
        # that it named an earlier path's lines wrongly).
        handles, labels = _path_legend(importance_ax)
        first_colour = sum(
            1 for line in importance_ax.get_lines() if line.get_gid() == _PATH_GID
        )
        if len(others):
            # All the grey lines as one collection, under one legend entry: a line each took
            # 6.4 s to draw and 4.5 s to save for 20,000 features (a bag of words).
            label = f"{whose}other features ({len(others)})"
            self.other_lines_ = LineCollection(
                [np.column_stack([l1, importances[:, feature]]) for feature in others],
                colors="0.7", linewidths=0.8, label=label, zorder=1, gid=_PATH_GID,
            )
            importance_ax.add_collection(self.other_lines_)
            handles.append(self.other_lines_)
            labels.append(label)
        else:
            self.other_lines_ = None
        for index, feature in enumerate(labeled):
            # Cut as the confusion matrix cuts its labels: ColumnTransformer's names of 77
            # characters had drawn the two titles over each other, and of 137 collapsed the
            # figure (matplotlib's "axes sizes collapsed to zero").
            label = whose + _literal(_cut(str(path.feature_names[feature]), LONGEST_ROW_LABEL))
            (line,) = importance_ax.plot(
                l1,
                importances[:, feature],
                "o-",
                markersize=4,
                color=f"C{(first_colour + index) % 10}",
                label=label,
                zorder=2,
                gid=_PATH_GID,
            )
            handles.append(line)
            labels.append(label)
        importance_ax.set_ylabel("feature importance\n(L2 norm of first-layer weights)")
        importance_ax.set_title("Feature importances against the L1 penalty")
        # From 0 to the largest importance of every path drawn here, with matplotlib's margin
        # (a limit set by an earlier path had cut a later one's off).
        top = np.nanmax(_drawn_path(importance_ax)[1], initial=-np.inf)
        importance_ax.set_ylim(0, top * 1.05 if 0 < top < np.inf else None)
        # Outside the axes: the lines fill the panel from top left to bottom right.
        importance_ax.legend(
            handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0
        )

        for ax in flat:
            # Over the l1 values of every path drawn here: a second path had reset the first's
            # (and the Axes' other lines, a chance level's axhline, are not the path's).
            _use_l1_scale(ax, _drawn_path(ax)[0])
            ax.set_xlabel("l1")
            ax.grid(alpha=0.3)
        return self


# The gid of every line a path display draws, by which a later path on the same axes finds them.
_PATH_GID = "l1l2_estimator.regularization_path"


def _path_legend(ax):
    """The handles and labels of the path legend already on ``ax`` (of the paths drawn there
    before), or two empty lists."""
    legend = ax.get_legend()
    if legend is None:
        return [], []
    return list(legend.legend_handles), [text.get_text() for text in legend.get_texts()]


def _drawn_path(ax):
    """The ``(l1, y)`` values, flattened, of every path line drawn on ``ax``."""
    points = [
        np.column_stack([line.get_xdata(), line.get_ydata()]).astype(np.float64)
        for line in ax.get_lines() if line.get_gid() == _PATH_GID
    ] + [
        segment for collection in ax.collections if collection.get_gid() == _PATH_GID
        for segment in collection.get_segments()
    ]
    points = np.concatenate(points) if points else np.empty((0, 2))
    return points[:, 0], points[:, 1]


def _cut(text, length):
    """``text`` cut to at most ``length`` characters, the last an ellipsis where it was cut."""
    return text if len(text) <= length else text[: length - 1] + "\u2026"


def _literal(value):
    """``value`` as text that matplotlib draws as written: a name or label between two ``$``
    (``price_$_total_$``) is mathtext to it, drawn as a formula or refused as one after all the
    fits (``Double subscript``). Unchanged where ``rcParams["text.parse_math"]`` is off, as
    matplotlib then draws every text as written (and would draw the escape's backslash)."""
    import matplotlib

    text = str(value)
    return text.replace("$", r"\$") if matplotlib.rcParams["text.parse_math"] else text


def _check_one_axes(ax):
    """TypeError unless ``ax`` is None or one matplotlib Axes: a Figure, or the array of
    ``plt.subplots(1, 2)[1]``, had failed inside the drawing with an AttributeError."""
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be one matplotlib Axes, got {type(ax).__name__}"
            + (f" of {np.size(ax)}" if isinstance(ax, np.ndarray) else "")
            + "."
        )


def _check_subsample(subsample):
    """ValueError (TypeError for a non-number) unless ``subsample`` is what
    ``PredictionErrorDisplay`` takes: an int >= 1, a float in (0, 1), or None (its own
    check let ``"all"`` reach a comparison that names nothing)."""
    allowed = "subsample must be an int >= 1, a float in (0, 1) or None"
    if subsample is None:
        return
    if isinstance(subsample, (bool, np.bool_)) or not isinstance(subsample, Real):
        raise TypeError(f"{allowed}; got {subsample!r}.")
    if isinstance(subsample, Integral):
        if subsample < 1:
            raise ValueError(f"{allowed}; got {subsample!r}.")
    elif not 0 < subsample < 1:
        raise ValueError(f"{allowed}; got {subsample!r}.")


def _two_axes(axes):
    """``axes`` as a list of its two matplotlib Axes (scores, importances), or ValueError."""
    from matplotlib.axes import Axes

    flat = np.ravel(np.asarray(axes, dtype=object)) if not isinstance(axes, Axes) else [axes]
    if len(flat) != 2 or not all(isinstance(ax, Axes) for ax in flat):
        raise ValueError(
            "axes must be two matplotlib Axes (scores, importances), e.g. "
            f"plt.subplots(1, 2)[1]; got {type(axes).__name__} of {len(flat)}."
        )
    return list(flat)


def plot_regularization_path(path, axes=None, *, n_labeled=5, name=None):
    """Draw the score against ``l1`` (left) and each feature's importance against ``l1`` (right).

    ``RegularizationPathDisplay(path).plot(axes, n_labeled=n_labeled, name=name).axes_``: see
    :class:`RegularizationPathDisplay`.

    Parameters
    ----------
    path : RegularizationPath
        The result of :func:`regularization_path`.
    axes : sequence of two matplotlib.axes.Axes, default=None
        Where to draw the scores and the importances; None makes a new pyplot figure.
    n_labeled : int, default=5
        How many features to name.
    name : str, default=None
        Put before the legend entries of both panels (the score lines and the features), to
        tell paths drawn on the same axes apart.

    Returns
    -------
    axes : sequence of two matplotlib.axes.Axes
        The score Axes and the importance Axes.
    """
    _require_matplotlib()
    return RegularizationPathDisplay(path).plot(axes, n_labeled=n_labeled, name=name).axes_


def _use_l1_scale(ax, l1_values):
    positive = l1_values[l1_values > 0]
    if positive.size == 0:
        return  # only l1=0: a linear axis with one point
    if positive.size == l1_values.size:
        ax.set_xscale("log")
        if np.unique(positive).size == 1:
            # One value over every path drawn here: a log axis autoscaled around it collapsed
            # to a zero-width range (a second such path on the same axes), or warned of a
            # division by zero. Half a decade each side.
            ax.set_xlim(positive[0] / 10**0.5, positive[0] * 10**0.5)
        return
    # Linear from 0 to the smallest positive value, logarithmic beyond: 0 gets a place of its own
    # one step to the left instead of falling off a log axis.
    smallest, largest = positive.min(), positive.max()
    # The default margin, a share of the log range, would reach far into the mirrored negative
    # half of the axis; keep the margin left of 0 small and linear. Set first: the symlog
    # scale's own autoscaling overflowed in exp (a RuntimeWarning) for values below about 1e-290.
    ax.set_xlim(-0.2 * smallest, largest * 1.5)
    ax.set_xscale("symlog", linthresh=smallest, linscale=0.5)
    # Over less than about a decade the symlog locator labels no more than one of the positive
    # values' range, or none ([0, 2e-3, 3e-3, 5e-3] got 0 and 1e-3, where no point was): label 0
    # and some of the values themselves instead. (A decade's end tick, 1e-5 computed as
    # 9.999999999999999e-06, counts as inside the range.)
    ticks = ax.xaxis.get_major_locator().tick_values(smallest, largest)
    inside = (ticks >= smallest * (1 - 1e-9)) & (ticks <= largest * (1 + 1e-9))
    if np.count_nonzero(inside) < 2:
        from matplotlib.ticker import FuncFormatter, NullLocator

        ax.set_xticks([0.0, *_spread_values(positive)])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.3g}"))
        ax.xaxis.set_minor_locator(NullLocator())


def _spread_values(positive):
    """Some of the positive ``l1`` values to label on a narrow log axis: the smallest, then each
    at least a quarter of the range's log span beyond the last one kept, and the largest (in
    place of a kept one too close to it), leaving out a value whose label would repeat the one
    before (``1e-3`` and ``1.0001e-3`` both print as 0.001)."""
    values = np.unique(positive)
    logs = np.log10(values)
    step = (logs[-1] - logs[0]) / 4
    kept = [0]
    for index in range(1, values.size):
        if logs[index] - logs[kept[-1]] >= step:
            kept.append(index)
    last = values.size - 1
    if kept[-1] != last:
        if len(kept) > 1:
            kept[-1] = last  # the largest, in place of a kept one too close to it
        else:
            kept.append(last)
    labels = [f"{value:.3g}" for value in values[kept]]
    return [values[i] for n, i in enumerate(kept) if n == 0 or labels[n] != labels[n - 1]]


# -- files -----------------------------------------------------------------------------------------


def save_plots(
    estimator,
    X_train,
    y_train,
    X_test,
    y_test,
    directory,
    *,
    l1_values=DEFAULT_L1_VALUES,
    path=None,
    sample_weight=None,
    test_sample_weight=None,
    dpi=100,
):
    """Write the task's three pictures as PNG files.

    For a classifier: the confusion matrix, the loss curve and the regularization path; for a
    regressor: the prediction error (predicted against actual values and the residuals, side by
    side), the loss curve and the regularization path. The figures are drawn on matplotlib's
    non-interactive Agg canvas, not through pyplot, so this works without a display and leaves
    pyplot's backend and open figures alone.

    Parameters
    ----------
    estimator : L1L2Classifier, L1L2Regressor, Pipeline or TransformedTargetRegressor
        A fitted estimator (a Pipeline or TransformedTargetRegressor around one), or a fitted
        ``L1L2ClassifierCV``/``L1L2RegressorCV``: its refit's pictures, and a path varied
        around the ``l2`` and layers it chose.
    X_train, y_train : array-like
        Training data for the regularization path's fits; unused when ``path`` is given.
    X_test, y_test : array-like
        Held-out data for the confusion matrix or prediction error, and the path's scores.
    directory : str or path-like
        Folder for the files; created if missing (and removed again, with the folders above
        it that were made for it, if the regularization path's fits or the drawing fail or are
        interrupted before a file is written there).
        Existing files of the same names are replaced.
    l1_values : array-like of float, default=DEFAULT_L1_VALUES
        ``l1`` values of the regularization path; unused when ``path`` is given.
    path : RegularizationPath, default=None
        A path already computed by :func:`regularization_path`, to draw instead of fitting one.
    sample_weight : array-like of shape (n_train_samples,), default=None
        Weights of the training rows, for the regularization path's fits and training scores;
        unused when ``path`` is given.
    test_sample_weight : array-like of shape (n_test_samples,), default=None
        Weights of the held-out rows: for the confusion matrix (or the R² of the prediction
        error) and the path's held-out scores.
    dpi : float, "figure" or None, default=100
        Resolution of the PNG files (> 0), as ``matplotlib.figure.Figure.savefig`` takes it.

    Returns
    -------
    files : dict of str to str
        The path of each file written, under the keys ``"confusion_matrix"`` (a classifier) or
        ``"prediction_error"`` (a regressor), ``"loss_curve"`` and ``"regularization_path"``.
    """
    _require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _check_instance(estimator, "save_plots")
    regression = score_name(estimator) == "R²"
    # Checked before the path's fits, which take longer than all the drawing.
    if not (
        dpi is None
        or (isinstance(dpi, str) and dpi == "figure")
        or (isinstance(dpi, Real) and not isinstance(dpi, bool) and 0 < dpi < math.inf)
    ):
        raise ValueError(
            f"dpi must be a number > 0, 'figure' or None, as matplotlib's savefig takes it; got "
            f"{dpi!r}."
        )
    # Before a folder is made: the loss curve is an L1L2 network's only.
    network = _fitted_l1l2_network(estimator, "save_plots", "the pictures")
    _check_one_target(y_test, regression, "save_plots", "y_test")
    _one_output(
        getattr(network, "n_outputs_", 1) if regression else _labels_fitted(network),
        "save_plots", regression,
    )
    sizes = _figure_sizes(estimator, regression)
    _check_pixels(dpi, sizes)
    check_consistent_length(X_test, y_test, test_sample_weight)
    if path is not None and not isinstance(path, RegularizationPath):
        raise TypeError(
            "path must be a RegularizationPath (what regularization_path returns) or None, got "
            f"{type(path).__name__}."
        )
    # A str folder: the file names are joined to it.
    directory = os.fsdecode(os.fspath(directory))
    if not directory:  # os.makedirs("") fails with FileNotFoundError: ''
        raise ValueError("directory must name a folder ('.' for the current one); got ''.")
    if os.path.exists(directory) and not os.path.isdir(directory):  # makedirs: "File exists"
        raise ValueError(
            f"save_plots: directory {directory!r} is a file, not a folder; give a folder for "
            "the three PNG files."
        )
    # A file name taken by a folder, which savefig would find only after the path's fits.
    for name in written_by_save_plots(regression):
        if os.path.isdir(os.path.join(directory, name)):
            raise ValueError(
                f"save_plots cannot write {os.path.join(directory, name)!r}: it is a folder. "
                "Move it, or give another directory."
            )
    if path is None:  # what the path's fits would refuse, refused before a folder is made
        sample_weight, test_sample_weight = checked_path_inputs(
            estimator, X_train, y_train, X_test, y_test, l1_values, sample_weight,
            test_sample_weight,
        )[-1]
    else:
        _check_path_of(path, network, regression)

    def new_figure(size):
        figure = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(figure)
        return figure

    # The held-out picture first: the fitted estimator checks X_test (its width, its column
    # names) before the path's fits and before a folder is made.
    figures = {}
    if regression:
        figures["prediction_error"] = new_figure(sizes["prediction_error"])
        for ax, kind in zip(
            figures["prediction_error"].subplots(1, 2),
            ("actual_vs_predicted", "residual_vs_predicted"),
        ):
            plot_prediction_error(
                estimator, X_test, y_test, ax=ax, kind=kind, sample_weight=test_sample_weight
            )
    else:
        figures["confusion_matrix"] = new_figure(sizes["confusion_matrix"])
        ax = figures["confusion_matrix"].add_subplot()
        plot_confusion_matrix(estimator, X_test, y_test, ax=ax, sample_weight=test_sample_weight)
    _check_text_renders(next(iter(figures.values())), dpi)

    # Made before the path's fits, so that a folder that cannot be made fails at once; the
    # folders made are removed again if the fits fail (or are interrupted).
    made = _missing_folders(directory)
    os.makedirs(directory, exist_ok=True)
    try:
        if path is None:
            with warnings_point_higher(1):  # the fits' warnings point at the caller's line
                path = regularization_path(
                    estimator, X_train, y_train, X_test, y_test, l1_values,
                    sample_weight=sample_weight, test_sample_weight=test_sample_weight,
                )
        figures["loss_curve"] = new_figure(sizes["loss_curve"])
        plot_loss_curve(estimator, ax=figures["loss_curve"].add_subplot())

        figures["regularization_path"] = new_figure(sizes["regularization_path"])
        plot_regularization_path(path, axes=figures["regularization_path"].subplots(1, 2))

        # Every picture drawn before any file is written, and each file written whole (a new
        # file renamed over the earlier one): a run that fails or is interrupted leaves the
        # earlier files as they were, not a partial PNG or a mix of old and new pictures.
        images = {}
        for name, figure in figures.items():
            image = io.BytesIO()
            figure.savefig(image, dpi=dpi, format="png")
            images[os.path.join(os.fspath(directory), FILE_NAMES[name])] = image.getvalue()
        files = dict(zip(figures, images))
        for file, image in images.items():
            write_replacing(file, lambda name, image=image: _write_bytes(name, image),
                            suffix=".png")
    except BaseException:
        for folder in made:  # the innermost first; one that something was put in stays
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        raise
    return files


def _write_bytes(name, data):
    with open(name, "wb") as file:
        file.write(data)


def _check_text_renders(figure, dpi):
    """Refuse, before the path's fits, a ``dpi`` at which FreeType cannot draw the figure's text
    (matplotlib's RuntimeError "invalid ppem value" for text less than a pixel high, at about 1
    to 4 dpi with the default font sizes: savefig had failed after the fits), by drawing
    ``figure`` (the held-out picture) at it into memory. Only below 72 dpi, where text of at
    least 1 point is a pixel high."""
    if isinstance(dpi, str) or dpi is None or dpi >= 72:
        return
    try:
        # Its warnings ("constrained_layout not applied" at a fraction of a dpi) are the
        # drawing's own, which savefig gives again when it writes the file.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figure.savefig(io.BytesIO(), dpi=dpi, format="png")
    except RuntimeError as error:
        raise ValueError(
            f"dpi={dpi!r} is too small for matplotlib to draw the pictures' text ({error}): "
            "give a larger dpi."
        ) from None


def _missing_folders(directory):
    """The folders ``os.makedirs(directory)`` would make, the innermost first, as it walks the
    name (``new/../plots`` makes ``new`` too). A ``.`` or ``..`` step is left out: it names a
    folder that was there before."""
    missing, folder = [], os.fspath(directory)
    while folder and not os.path.exists(folder):
        head, tail = os.path.split(folder)
        if not tail:  # a trailing separator
            head, tail = os.path.split(head)
        if os.fsdecode(tail) not in (os.curdir, os.pardir):
            missing.append(folder)
        if head == folder:
            break
        folder = head
    return missing


def _curve(values, name):
    """``values`` as a 1-D float64 array, or a ValueError naming ``name``."""
    try:
        curve = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"LossCurveDisplay: {name} must be numbers, one per epoch; NumPy could not read "
            f"them: {error}"
        ) from None
    if curve.ndim != 1:
        raise ValueError(
            f"LossCurveDisplay: {name} must be 1-D, one number per epoch; got shape "
            f"{curve.shape}."
        )
    return curve


def _check_path_of(path, network, regression):
    """Refuse a ``path`` given to ``save_plots`` that :func:`regularization_path` cannot have
    computed for the fitted ``network``: the other task's scores, or another number of input
    features (a path built by hand may name its scores otherwise)."""
    expected, other = ("R²", "accuracy") if regression else ("accuracy", "R²")
    if path.score_name == other:
        raise ValueError(
            f"save_plots: path holds {other} scores, but the estimator is a "
            f"{'regressor' if regression else 'classifier'}, scored by {expected}: give the path "
            "that regularization_path computed for this estimator."
        )
    n_features = path.feature_importances.shape[1]
    if n_features != network.n_features_in_:
        raise ValueError(
            f"save_plots: path holds the importances of {n_features} features, but the "
            f"estimator's network takes {network.n_features_in_}: give the path that "
            "regularization_path computed for this estimator."
        )


def _figure_sizes(estimator, regression):
    """The size in inches of each figure ``save_plots`` draws of the fitted ``estimator``."""
    if regression:
        sizes = {"prediction_error": (11, 4.6)}
    else:
        # At most 24 inches a side (the colour bar's inch included): grown with the classes,
        # 250 of them made a 9,400-pixel square that took 7.5 GB (and their cells' numbers
        # 81 s) to draw.
        side = min(max(4.5, 0.6 * len(estimator.classes_) + 3), MAX_FIGURE_INCHES - 1)
        # Wider by what long row labels take beyond an inch (about 0.085 inch a character at
        # matplotlib's default 10 points), so that the matrix keeps its size beside them.
        longest = max(len(str(label)) for label in estimator.classes_)
        if longest > LONGEST_TICK_LABEL:  # "[i] " and the label, cut
            longest = len(f"[{len(estimator.classes_) - 1}] ") + min(longest, LONGEST_ROW_LABEL)
        extra = max(0.0, 0.085 * longest - 1)
        sizes = {"confusion_matrix": (min(side + 1 + extra, MAX_FIGURE_INCHES), side)}
    return {**sizes, "loss_curve": (6.4, 4.2), "regularization_path": (11, 4.2)}


# Matplotlib's Agg canvas draws images of less than 2**16 pixels a side.
_MAX_PIXELS = 2**16 - 1


def _check_pixels(dpi, sizes):
    """Refuse, before the path's fits, a numeric ``dpi`` that makes a figure of ``sizes``
    (inches) less than a pixel or more than Agg's largest image a side (savefig had failed after
    the fits: "cannot write empty image" at dpi=0.01, std::bad_alloc at 1e5)."""
    if isinstance(dpi, str) or dpi is None:
        return
    sides = [side for size in sizes.values() for side in size]
    low, high = 1 / min(sides), _MAX_PIXELS / max(sides)
    if not low <= dpi <= high:
        # The bounds shown rounded inwards: each shown is one the check takes.
        raise ValueError(
            f"dpi={dpi!r} would draw the pictures {min(sides) * dpi:.4g} to "
            f"{max(sides) * dpi:.4g} pixels a side, where matplotlib draws 1 to {_MAX_PIXELS}: "
            f"give a dpi from {math.ceil(low * 1000) / 1000:g} to {math.floor(high)}."
        )
