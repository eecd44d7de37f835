"""Pictures (l1l2_estimator.plots and the command line's --plot): the files are real PNGs, the
regularization path's numbers behave, and a missing matplotlib is one clear ImportError."""

import dataclasses
import importlib
import os
import re
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import matplotlib.figure
import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import l1l2_estimator
from l1l2_estimator import (
    L1L2Classifier,
    L1L2ClassifierCV,
    L1L2Regressor,
    L1L2RegressorCV,
    cli,
    plots,
)
from l1l2_estimator._path import checked_path_inputs, final_step
from l1l2_estimator.cli import _settings

from .conftest import FAST

matplotlib.use("Agg")  # tests never open windows
import matplotlib.pyplot as plt  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLOT_FILES = {"confusion_matrix.png", "loss_curve.png", "regularization_path.png"}
REGRESSION_FILES = {"prediction_error.png", "loss_curve.png", "regularization_path.png"}
MISSING = (
    'matplotlib is required for plotting: pip install "l1l2-estimator[plot]" (matplotlib 3.10+)'
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("dtype", ["object", "Int64"])
def test_missing_labels_in_a_path_or_a_confusion_matrix_are_named_as_fit_names_them(
    split, monkeypatch, tmp_path, dtype
):
    """sklearn's label checks said "Mix type of y not allowed" or "Input contains NaN" (after a
    NumPy cast warning) where fit and score say that labels are missing, and where."""
    X_train, y_train, X_test, y_test = split
    fitted = L1L2Classifier(**FAST).fit(X_train, y_train)
    monkeypatch.setattr(L1L2Classifier, "_fit_members", None)  # no path fits anything
    estimator = L1L2Classifier(**FAST)
    train, test = (pd.Series(y, dtype=dtype) for y in (y_train, y_test))
    train.iloc[5] = test.iloc[3] = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy warning before the message
        with pytest.raises(ValueError, match=r"^y_test has 1 missing label .*in row 3\)"):
            plots.regularization_path(estimator, X_train, y_train, X_test, test)
        with pytest.raises(ValueError, match=r"^y_train has 1 missing label .*in row 5\)"):
            plots.regularization_path(estimator, X_train, train, X_test, y_test)
        with pytest.raises(ValueError, match=r"^y has 1 missing label .*in row 3\)"):
            plots.plot_confusion_matrix(fitted, X_test, test)
        with pytest.raises(ValueError, match=r"^y_test has 1 missing label .*in row 3\)"):
            plots.save_plots(fitted, X_train, y_train, X_test, test, tmp_path, l1_values=[0])


def png_size(path):
    """``(width, height)`` in pixels of the PNG file at ``path``, after checking its signature
    and that matplotlib can decode it."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG file"
    assert data[12:16] == b"IHDR"  # the first chunk, which holds the size
    width, height = struct.unpack(">II", data[16:24])
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (height, width)
    return width, height


@pytest.fixture(scope="module")
def split(binary_data):
    X, y = binary_data
    return X[:200], y[:200], X[200:], y[200:]


@pytest.fixture(scope="module")
def pipeline_path(split):
    """A Pipeline's path over three decades of l1: no penalty, a moderate one, a strong one."""
    X_train, y_train, X_test, y_test = split
    pipeline = make_pipeline(StandardScaler(), L1L2Classifier(**FAST))
    # Unsorted with a duplicate: the path sorts them and fits each value once.
    return plots.regularization_path(
        pipeline, X_train, y_train, X_test, y_test, [1e-2, 0, 1e-3, 0.0, 3e-2]
    )


# -- confusion matrix and loss curve ---------------------------------------------------------------


def test_confusion_matrix_is_labelled_by_class(fitted_multiclass, multiclass_data):
    X, y = multiclass_data
    y = np.array(["ant", "bee", "cat"])[y]
    display = plots.plot_confusion_matrix(fitted_multiclass, X, y)
    assert display.confusion_matrix.shape == (3, 3)
    assert display.confusion_matrix.sum() == len(y)
    ax = display.ax_
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["ant", "bee", "cat"]
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["ant", "bee", "cat"]
    assert ax.get_xlabel() == "Predicted label" and ax.get_ylabel() == "True label"
    accuracy = fitted_multiclass.score(X, y)
    assert f"accuracy {accuracy:.3f}" in ax.get_title()


@pytest.mark.parametrize(
    "labels, ticks",
    [(pd.array([True, False] * 20, dtype="boolean"), ["False", "True"]),
     (pd.array([1, 2] * 20, dtype="Int64"), ["1", "2"])],
)
def test_confusion_matrix_names_nullable_labels_as_given(labels, ticks):
    """classes_ of nullable labels are float64 (as MLPClassifier's); the ticks had read 0.0 and
    1.0 where scikit-learn's ConfusionMatrixDisplay writes the labels of y."""
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = pd.Series(labels)
    model = L1L2Classifier(**{**FAST, "epochs": 2}).fit(X, y)
    display = plots.plot_confusion_matrix(model, X, y)
    assert [tick.get_text() for tick in display.ax_.get_xticklabels()] == ticks
    assert display.confusion_matrix.sum() == len(y)


def test_confusion_matrix_counts_every_row_also_of_a_label_never_fitted(
    fitted_multiclass, multiclass_data
):
    # The rows of an unseen label were left out of the matrix, though the title counted them.
    X, y = multiclass_data
    y = np.array(["ant", "bee", "cat"])[y]
    y[:5] = "dog"
    display = plots.plot_confusion_matrix(fitted_multiclass, X, y)
    assert display.confusion_matrix.sum() == len(y)
    assert display.confusion_matrix[3].sum() == 5 and display.confusion_matrix[:, 3].sum() == 0
    labels = [tick.get_text() for tick in display.ax_.get_yticklabels()]
    assert labels == ["ant", "bee", "cat", "dog"]
    with pytest.raises(ValueError, match="Mix of label input types"):
        plots.plot_confusion_matrix(fitted_multiclass, X, np.arange(len(y)))


def test_many_classes_keep_the_confusion_matrix_small_and_fast(tmp_path):
    """save_plots grew the figure with the classes (250 made a 9,400-pixel square that took
    7.5 GB and 81 s, most of it writing 62,500 cell numbers); its side is capped now, and the
    cells get numbers for at most 30 classes unless asked for."""
    rng = np.random.default_rng(0)
    n_classes = 60
    y = np.repeat(np.arange(n_classes), 3)
    X = rng.normal(size=(len(y), 4)) + y[:, None] / 10
    model = L1L2Classifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y)
    many = plots.plot_confusion_matrix(model, X, y)
    assert many.text_ is None  # no numbers in 3,600 cells
    assert plots.plot_confusion_matrix(model, X, y, include_values=True).text_.shape == (60, 60)
    plt.close("all")
    path = plots.regularization_path(model, X, y, X, y, [0])
    plots.save_plots(model, X, y, X, y, tmp_path, path=path)
    width, height = png_size(tmp_path / plots.FILE_NAMES["confusion_matrix"])
    # 24 inches a side at 100 dpi, the colour bar included (it had been 2,500 wide).
    assert max(width, height) == 2400 < 0.6 * n_classes * 100  # uncapped: 3,900 by 3,800


def test_a_few_classes_get_numbers_in_their_cells(fitted_multiclass, multiclass_data):
    X, y = multiclass_data
    y = np.array(["ant", "bee", "cat"])[y]
    assert plots.plot_confusion_matrix(fitted_multiclass, X, y).text_.shape == (3, 3)
    assert plots.plot_confusion_matrix(fitted_multiclass, X, y, include_values=False).text_ is None


LONG_LABELS = np.array([
    "a very long category name number one for the confusion matrix test",
    "another extremely long category label that goes on and on and on",
    "short",
])


def test_long_labels_head_the_columns_by_number(fitted_multiclass, multiclass_data, tmp_path):
    """Two labels of 66 characters had squeezed save_plots' matrix to nothing (matplotlib:
    "constrained_layout not applied because axes sizes collapsed to zero") and written the
    column labels across each other."""
    X, y = multiclass_data
    model = clone(fitted_multiclass).fit(X, LONG_LABELS[y])
    display = plots.plot_confusion_matrix(model, X, LONG_LABELS[y])
    ax = display.ax_
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["[0]", "[1]", "[2]"]
    assert [tick.get_text() for tick in ax.get_yticklabels()] == [
        "[0] a very long category name number one fo\u2026",  # 40 characters of each label
        "[1] another extremely long category label t\u2026",
        "[2] short",
    ]
    assert ax.get_xlabel() == "Predicted label (numbered as the rows)"
    assert all(tick.get_rotation() == 0 for tick in ax.get_xticklabels())
    # Names given are drawn as given.
    given = plots.plot_confusion_matrix(model, X, LONG_LABELS[y], display_labels=LONG_LABELS)
    assert [tick.get_text() for tick in given.ax_.get_xticklabels()] == list(LONG_LABELS)
    plt.close("all")
    path = plots.regularization_path(model, X, LONG_LABELS[y], X, LONG_LABELS[y], [0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the collapse was a UserWarning
        files = plots.save_plots(model, X, LONG_LABELS[y], X, LONG_LABELS[y], tmp_path,
                                 path=path)
    width, height = png_size(Path(files["confusion_matrix"]))
    # Widened by the row labels' room: 4.8 + 1 inches wide for 3 short labels.
    assert height == 480 and width > 580 + 200


def test_loss_curve_draws_loss_curve_(fitted_binary):
    ax = plots.plot_loss_curve(fitted_binary)
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), fitted_binary.loss_curve_)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, fitted_binary.n_iter_ + 1))
    assert len(ax.figure.axes) == 1  # no validation axis without validation_scores_


def test_loss_curve_adds_validation_scores_on_a_second_axis(binary_data):
    X, y = binary_data
    fitted = L1L2Classifier(**FAST, early_stopping=True).fit(X, y)
    ax = plots.plot_loss_curve(fitted)
    loss_ax, score_ax = ax.figure.axes
    assert loss_ax is ax
    scores, best = score_ax.get_lines()
    np.testing.assert_allclose(scores.get_ydata(), fitted.validation_scores_)
    np.testing.assert_array_equal(scores.get_xdata(), np.arange(1, fitted.n_iter_ + 1))
    np.testing.assert_allclose(best.get_ydata(), [fitted.best_validation_score_])
    assert score_ax.get_ylabel() == "validation accuracy"
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend[:2] == ["training loss", "validation accuracy"]
    assert legend[2].startswith(f"best: {fitted.best_validation_score_:.3f} at epoch ")


def test_loss_curve_lines_validation_scores_up_with_the_last_epochs(binary_data):
    # After a warm-started fit that starts a new training (here: other penalties),
    # loss_curve_ holds every epoch and validation_scores_ the last fit's.
    X, y = binary_data
    fitted = L1L2Classifier(**{**FAST, "epochs": 3}, early_stopping=True).fit(X, y)
    fitted.set_params(warm_start=True, epochs=2, l1=1e-3).fit(X, y)
    assert (len(fitted.loss_curve_), len(fitted.validation_scores_)) == (5, 2)
    scores, best = plots.plot_loss_curve(fitted).figure.axes[1].get_lines()
    np.testing.assert_array_equal(scores.get_xdata(), [4, 5])
    assert best.get_xdata()[0] == 4 + int(np.argmax(fitted.validation_scores_))
    # One that continues the training: its scores go on from the first epoch.
    fitted.fit(X, y)
    assert (len(fitted.loss_curve_), len(fitted.validation_scores_)) == (7, 4)
    scores, _ = plots.plot_loss_curve(fitted).figure.axes[1].get_lines()
    np.testing.assert_array_equal(scores.get_xdata(), [4, 5, 6, 7])


def test_loss_curve_keeps_validation_scores_at_their_epochs_after_partial_fit(binary_data):
    # partial_fit after an early-stopping fit adds epochs and keeps the scores (as
    # MLPClassifier keeps them): they were drawn at the last epochs, the best one moved.
    X, y = binary_data
    fitted = L1L2Classifier(**{**FAST, "epochs": 4}, early_stopping=True).fit(X, y)
    scores = list(fitted.validation_scores_)
    fitted.set_params(early_stopping=False)
    for _ in range(3):
        fitted.partial_fit(X, y)
    assert (len(fitted.loss_curve_), fitted.validation_scores_) == (7, scores)
    lines, best = plots.plot_loss_curve(fitted).figure.axes[1].get_lines()
    np.testing.assert_array_equal(lines.get_xdata(), [1, 2, 3, 4])
    assert best.get_xdata()[0] == 1 + int(np.argmax(scores))
    # Warm-started again with early stopping: the new fit's scores, at its epochs.
    fitted.set_params(early_stopping=True, warm_start=True, epochs=2).fit(X, y)
    lines, _ = plots.plot_loss_curve(fitted).figure.axes[1].get_lines()
    np.testing.assert_array_equal(lines.get_xdata(), [8, 9])
    # A display built by hand: the last epochs, unless told where the scores start.
    display = plots.LossCurveDisplay(loss_curve=[3, 2, 1], validation_scores=[0.5, 0.6])
    np.testing.assert_array_equal(display.plot().score_ax_.get_lines()[0].get_xdata(), [2, 3])
    display = plots.LossCurveDisplay(
        loss_curve=[3, 2, 1], validation_scores=[0.5, 0.6], validation_start=0
    )
    np.testing.assert_array_equal(display.plot().score_ax_.get_lines()[0].get_xdata(), [1, 2])
    with pytest.raises(ValueError, match="validation_start == 2, must be <= 1"):
        plots.LossCurveDisplay(
            loss_curve=[3, 2, 1], validation_scores=[0.5, 0.6], validation_start=2
        ).plot()


def test_every_picture_of_an_unfitted_estimator_is_a_not_fitted_error(split, tmp_path):
    """scikit-learn's NotFittedError, and save_plots says so before the path's fits and before
    making its folder."""
    X_train, y_train, X_test, y_test = split
    classifier = make_pipeline(StandardScaler(), L1L2Classifier(**FAST))
    regressor = L1L2Regressor(**FAST)
    for draw in (
        lambda: plots.plot_loss_curve(classifier),
        lambda: plots.plot_confusion_matrix(classifier, X_test, y_test),
        lambda: plots.plot_prediction_error(regressor, X_test, y_test),
        lambda: plots.save_plots(classifier, X_train, y_train, X_test, y_test, tmp_path / "out"),
    ):
        with pytest.raises(NotFittedError, match="L1L2(Classifier|Regressor) instance is not"):
            draw()
    assert not (tmp_path / "out").exists()


def test_save_plots_removes_the_folders_it_made_when_the_path_fails(
    fitted_binary, binary_data, tmp_path, monkeypatch
):
    """The folder is made before the path's fits (one that cannot be made fails at once), and
    had been left empty when they failed or were interrupted; a folder that was there stays."""
    X, y = binary_data

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "regularization_path", interrupted)
    (tmp_path / "kept").mkdir()
    # os.makedirs makes "new" too for new/../plots, which resolves to tmp_path/plots.
    for folder in (tmp_path / "kept", tmp_path / "new" / "plots", f"{tmp_path}/new/../plots"):
        with pytest.raises(KeyboardInterrupt):
            plots.save_plots(fitted_binary, X, y, X, y, folder)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kept"]
    assert not any((tmp_path / "kept").iterdir())


@pytest.mark.parametrize("dpi", ["high", 0, -1.0, float("nan"), True])
def test_save_plots_checks_dpi_before_anything(fitted_binary, binary_data, tmp_path, monkeypatch,
                                               dpi):
    # "can't multiply sequence by non-int", after the folder was made and the path fitted.
    X, y = binary_data
    monkeypatch.setattr(plots, "regularization_path", None)  # not to be called
    with pytest.raises(ValueError, match="dpi must be a number > 0, 'figure' or None"):
        plots.save_plots(fitted_binary, X, y, X, y, tmp_path / "out", dpi=dpi)
    assert not (tmp_path / "out").exists()


def test_save_plots_checks_x_test_against_the_fitted_estimator_before_anything(
    fitted_binary, split, pipeline_path, tmp_path, monkeypatch
):
    """An X_test the fitted estimator refuses had been found by the confusion matrix, after the
    path's fits (minutes on real data) and after the folder was made, left empty."""
    X_train, y_train, X_test, y_test = split
    monkeypatch.setattr(plots, "regularization_path", None)  # not to be called
    for path in (None, pipeline_path):
        with pytest.raises(ValueError, match="X has 3 features, but L1L2Classifier is expecting "
                                             "8 features as input"):
            plots.save_plots(fitted_binary, X_train[:, :3], y_train, X_test[:, :3], y_test,
                             tmp_path / "out", path=path)
    assert not (tmp_path / "out").exists()


def test_save_plots_refuses_a_path_of_another_estimator(
    fitted_binary, split, pipeline_path, regression_split, tmp_path
):
    """A given path was drawn beside pictures of an estimator it was not computed for."""
    X_train, y_train, X_test, y_test = split
    Xr_train, yr_train, Xr_test, yr_test = regression_split
    regressor = L1L2Regressor(**FAST).fit(Xr_train, yr_train)
    with pytest.raises(ValueError, match="path holds accuracy scores, but the estimator is a "
                                         "regressor, scored by R²"):
        plots.save_plots(regressor, None, None, Xr_test, yr_test, tmp_path / "out",
                         path=pipeline_path)
    narrow = dataclasses.replace(
        pipeline_path,
        feature_importances=pipeline_path.feature_importances[:, :3],
        feature_names=pipeline_path.feature_names[:3],
    )
    with pytest.raises(ValueError, match="path holds the importances of 3 features, but the "
                                         "estimator's network takes 8"):
        plots.save_plots(fitted_binary, None, None, X_test, y_test, tmp_path / "out",
                         path=narrow)
    assert not (tmp_path / "out").exists()
    # A hand-built path may measure its scores otherwise.
    other = dataclasses.replace(pipeline_path, score_name="balanced accuracy")
    files = plots.save_plots(fitted_binary, None, None, X_test, y_test, tmp_path / "out",
                             path=other)
    assert set(files) == {"confusion_matrix", "loss_curve", "regularization_path"}


@pytest.mark.parametrize("dpi", [0.01, 1e5, 1e300])
def test_save_plots_refuses_a_dpi_that_matplotlib_cannot_draw_before_fitting(
    fitted_binary, binary_data, tmp_path, monkeypatch, dpi
):
    """Numbers > 0 that make a picture less than a pixel or more than Agg's 65,535 pixels a
    side: savefig had failed after the path's fits, leaving an empty folder ("cannot write
    empty image", std::bad_alloc, a TypeError from the renderer)."""
    X, y = binary_data
    monkeypatch.setattr(plots, "regularization_path", None)  # not to be called
    with pytest.raises(ValueError, match=r"where matplotlib draws 1 to 65535: give a dpi from "
                                         r"0\.239 to 5957\.$"):
        plots.save_plots(fitted_binary, X, y, X, y, tmp_path / "out", dpi=dpi)
    assert not (tmp_path / "out").exists()
    # The bounds the message gives are taken (shown rounded inwards; 0.238 and 5958 are not)
    # by this check; whether text can be drawn at 0.239 dpi is matplotlib's (3.10 cannot, 3.11
    # can), checked next.
    monkeypatch.setattr(plots, "regularization_path", lambda *args, **kwargs: 1 / 0)
    monkeypatch.setattr(plots, "_check_text_renders", lambda figure, dpi: None)
    for taken in (0.239, 5957):
        with pytest.raises(ZeroDivisionError):  # past the check: on to the path's fits
            plots.save_plots(fitted_binary, X, y, X, y, tmp_path / "out", dpi=taken)


@pytest.mark.parametrize("dpi", [None, "figure", 72.5])
def test_save_plots_takes_the_dpi_matplotlib_takes(fitted_binary, binary_data, tmp_path,
                                                    monkeypatch, dpi):
    X, y = binary_data
    saved = []
    monkeypatch.setattr(
        matplotlib.figure.Figure, "savefig",
        lambda figure, file, **kwargs: saved.append(kwargs["dpi"]),
    )
    path = plots.regularization_path(fitted_binary, X, y, X, y, [0])
    plots.save_plots(fitted_binary, X, y, X, y, tmp_path / "out", path=path, dpi=dpi)
    assert saved == [dpi] * 3


def test_the_loss_curve_of_another_estimator_is_a_type_error(binary_data, tmp_path):
    """A fitted LogisticRegression had been called not fitted, and MLPClassifier (which has a
    loss_curve_) failed with an AttributeError; a wrapper that is not a search, as
    TunedThresholdClassifierCV, is not looked into either."""
    from sklearn.model_selection import TunedThresholdClassifierCV
    from sklearn.neural_network import MLPClassifier

    X, y = binary_data
    others = [
        LogisticRegression().fit(X, y),
        make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=300, random_state=0).fit(X, y),
        TunedThresholdClassifierCV(L1L2Classifier(**FAST), cv=2).fit(X, y),
    ]
    for other in others:
        name = type(final_step(other)).__name__
        with pytest.raises(TypeError, match=f"plot_loss_curve draws the loss curve of an "
                                            f"L1L2Classifier or L1L2Regressor .*; got {name}"):
            plots.plot_loss_curve(other)
        # save_plots draws that curve too: refused before its folder is made (it had been made,
        # and left empty, before the loss curve's error named plot_loss_curve).
        folder = tmp_path / name
        with pytest.raises(TypeError, match=f"save_plots draws the pictures of an "
                                            f"L1L2Classifier or L1L2Regressor .*; got {name}"):
            plots.save_plots(other, X, y, X, y, folder, l1_values=[0])
        assert not folder.exists()


def test_a_path_with_a_1d_x_test_beside_a_2d_x_train_is_refused_before_fitting(
    binary_data, monkeypatch
):
    """df["f"] for df[["f"]]: the fits ran, then scoring failed in scikit-learn's words. A
    Pipeline may take 1-D X (documents for a text vectorizer), so only the mismatch is refused."""
    X, y = binary_data
    monkeypatch.setattr(L1L2Classifier, "_fit_members", None)  # not to be called
    monkeypatch.setattr(L1L2Classifier, "fit", None)
    with pytest.raises(ValueError, match=r"X_test is 1-D, but X_train is 2-D \(1 features\): "
                                         r"give both alike"):
        plots.regularization_path(L1L2Classifier(**FAST), X[:, :1], y, X[:, 0], y, [0, 1e-3])


def test_a_hand_built_path_of_ragged_or_non_numeric_fields_names_the_field():
    fields = dict(l1_values=[0, 1e-3], train_scores=[0.9, 0.8], test_scores=[0.8, 0.7],
                  feature_importances=[[3, 2], [2, 1]], feature_names=["a", "b"], n_iter=[5, 5])
    for name, value in (("feature_importances", [[3, 2], [2]]), ("train_scores", ["a", "b"])):
        with pytest.raises(ValueError, match=f"RegularizationPath: {name} must be numbers in a "
                                             "regular shape; NumPy could not read it"):
            plots.RegularizationPath(**{**fields, name: value})
    # n_iter of text, fractions or negative counts had been taken.
    for n_iter in (["x", "y"], [5, 2.5], [5, -1], [5.0, float("nan")]):
        with pytest.raises(ValueError, match="n_iter must hold whole numbers >= 0"):
            plots.RegularizationPath(**{**fields, "n_iter": n_iter})
    assert plots.RegularizationPath(**{**fields, "n_iter": [5.0, 7.0]}).n_iter.tolist() == [5, 7]


def test_a_hand_built_loss_curve_of_the_wrong_shape_names_the_field():
    # A 2-D curve had failed inside matplotlib ("too many values to unpack").
    for fields, name, why in (
        (dict(loss_curve=[[1, 2], [3, 4]]), "loss_curve", "must be 1-D"),
        (dict(loss_curve=["a", "b"]), "loss_curve", "must be numbers"),
        (dict(loss_curve=[3, 2, 1], validation_scores=[[0.5]]), "validation_scores",
         "must be 1-D"),
    ):
        with pytest.raises(ValueError, match=f"LossCurveDisplay: {name} {why}"):
            plots.LossCurveDisplay(**fields).plot()
    assert not plt.get_fignums()  # nothing drawn


def test_an_unfitted_wrapper_around_a_fitted_network_is_not_fitted(split, tmp_path):
    # An unfitted TransformedTargetRegressor whose regressor param was fitted: its loss curve was
    # drawn, and save_plots failed only after making its folder and fitting the path.
    X_train, _, X_test, _ = split
    y_train, y_test = X_train[:, 0] + X_train[:, 1], X_test[:, 0] + X_test[:, 1]
    regressor = L1L2Regressor(**{**FAST, "epochs": 2}).fit(X_train, y_train)
    wrapper = TransformedTargetRegressor(regressor, transformer=StandardScaler())
    for draw in (
        lambda: plots.plot_loss_curve(wrapper),
        lambda: plots.plot_prediction_error(wrapper, X_test, y_test),
        lambda: plots.save_plots(wrapper, X_train, y_train, X_test, y_test, tmp_path / "out"),
    ):
        with pytest.raises(NotFittedError, match="TransformedTargetRegressor instance is not"):
            draw()
    assert not (tmp_path / "out").exists()


def test_a_search_fitted_with_refit_false_is_not_fitted_for_pictures(split, tmp_path):
    # Its path was refused as "an unfitted L1L2ClassifierCV", after save_plots made its folder.
    X_train, y_train, X_test, y_test = split
    search = L1L2ClassifierCV(**{**FAST, "epochs": 2}, l1s=[0], l2s=[0], cv=2, refit=False)
    search.fit(X_train, y_train)
    for draw in (
        lambda: plots.plot_loss_curve(search),
        lambda: plots.plot_confusion_matrix(search, X_test, y_test),
        lambda: plots.regularization_path(search, X_train, y_train, X_test, y_test, [0]),
        lambda: plots.save_plots(search, X_train, y_train, X_test, y_test, tmp_path / "out"),
    ):
        with pytest.raises(NotFittedError, match="fitted with refit=False"):
            draw()
    assert not (tmp_path / "out").exists()


def test_multilabel_pictures_are_refused_before_the_path_is_fitted(monkeypatch, tmp_path):
    X, Y = make_multilabel_classification(n_samples=60, n_features=5, random_state=0)
    fitted = L1L2Classifier(**{**FAST, "epochs": 2}).fit(X, Y)
    for labels in (Y, scipy.sparse.csr_matrix(Y)):
        with pytest.raises(ValueError, match="y is a multilabel indicator matrix. Draw each"):
            plots.plot_confusion_matrix(fitted, X, labels)
    monkeypatch.setattr(plots, "regularization_path", None)  # not to be called
    with pytest.raises(ValueError, match="save_plots draws the confusion matrix of one label"):
        plots.save_plots(fitted, X, Y, X, Y, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_loss_curve_of_a_search_is_its_best_estimators(binary_data):
    X, y = binary_data
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **{**FAST, "epochs": 3}).fit(X, y)
    ax = plots.plot_loss_curve(search)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), search.best_estimator_.loss_curve_)
    # GridSearchCV's too (it was refused as a GridSearchCV without loss_curve_ for a while).
    grid = GridSearchCV(L1L2Classifier(**{**FAST, "epochs": 3}), {"l1": [0]}, cv=2).fit(X, y)
    ax = plots.plot_loss_curve(grid)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), grid.best_estimator_.loss_curve_)


# -- regularization path ---------------------------------------------------------------------------


def test_loss_curve_takes_line_keywords(fitted_binary):
    # Refused as unexpected keywords, where scikit-learn's Displays pass them to matplotlib.
    display = plots.LossCurveDisplay.from_estimator(fitted_binary, c="red", lw=3, label="mine")
    line = display.loss_line_
    assert (line.get_color(), line.get_linewidth(), line.get_label()) == ("red", 3, "mine")
    assert display.ax_.yaxis.label.get_color() == "red"


def test_a_closed_loss_curve_with_scores_is_freed():
    """The validation scores' twin had been kept in a module-level WeakKeyDictionary by its
    Axes, which the twin refers back to: no entry ever went, and every figure drawn with scores
    stayed in memory (60 MiB per 100 curves), as did save_plots' figures."""
    import gc
    import weakref

    display = plots.LossCurveDisplay(loss_curve=[0.9, 0.6, 0.5],
                                     validation_scores=[0.5, 0.7, 0.6]).plot()
    figure = weakref.ref(display.figure_)
    plt.close(display.figure_)
    del display
    gc.collect()
    assert figure() is None


def test_loss_curves_drawn_on_one_axes_can_be_told_apart():
    """Each curve takes the Axes' next colours (both had been C0 and C1), their validation
    scores share one right-hand axis (each had drawn a scale of its own over the other's), and
    the legend names them all (the second had replaced the first's)."""
    _, ax = plt.subplots()
    first = plots.LossCurveDisplay(
        loss_curve=[0.9, 0.6, 0.5], validation_scores=[0.5, 0.7, 0.6]
    ).plot(ax=ax, label="l1=0")
    second = plots.LossCurveDisplay(
        loss_curve=[0.8, 0.7, 0.65], validation_scores=[0.4, np.nan, 0.9]
    ).plot(ax=ax, label="l1=0.01", color=None)  # None: the next colour (had been a ValueError)
    colors = [matplotlib.colors.to_hex(line.get_color()) for line in (
        first.loss_line_, *first.score_ax_.get_lines()[:1], second.loss_line_,
        *second.score_ax_.get_lines()[2:3],
    )]
    assert colors == [matplotlib.colors.to_hex(f"C{i}") for i in range(4)]
    assert first.score_ax_ is second.score_ax_ and len(ax.figure.axes) == 2
    assert second.score_ax_.get_ylim()[0] <= 0.4 and second.score_ax_.get_ylim()[1] >= 0.9
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == [
        "l1=0", "l1=0.01", "l1=0: validation accuracy", "l1=0: best: 0.700 at epoch 2",
        "l1=0.01: validation accuracy", "l1=0.01: best: 0.900 at epoch 3",  # NaN is not best
    ]
    # A colour given to the loss leaves the scores theirs, also the loss's own default.
    for given in ("C0", "tab:blue", "red"):
        drawn = first.plot(ax=plt.subplots()[1], color=given)
        scores = drawn.score_ax_.get_lines()[0].get_color()
        assert matplotlib.colors.same_color(drawn.loss_line_.get_color(), given)
        assert matplotlib.colors.same_color(scores, "C1")
    # Axes that share an x axis are not twins: each curve of subplots(sharex=True) has its own.
    _, (top, bottom) = plt.subplots(2, 1, sharex=True)
    upper, lower = first.plot(ax=top), second.plot(ax=bottom)
    assert upper.score_ax_ is not lower.score_ax_ and len(top.figure.axes) == 4


def test_regularization_paths_drawn_on_one_pair_of_axes_keep_their_places(pipeline_path):
    """A second path on the same axes had reset the l1 axis to its own values, squeezing the
    first path's points together, and drawn its scores in the first one's colours."""
    _, axes = plt.subplots(1, 2)
    plots.plot_regularization_path(pipeline_path, axes, name="first")
    l1 = pipeline_path.l1_values
    shorter = plots.RegularizationPath(
        l1_values=l1[[0, -1]] * [1, 10], train_scores=[0.9, 0.8], test_scores=[0.8, 0.7],
        feature_importances=pipeline_path.feature_importances[[0, -1]],
        feature_names=pipeline_path.feature_names, n_iter=[5, 5],
    )
    plots.plot_regularization_path(shorter, axes, name="second")
    score_ax, importance_ax = axes
    assert score_ax.get_xscale() == "symlog"
    low, high = score_ax.get_xlim()
    assert low < 0 and high > 10 * l1[-1]
    # The symlog axis stays linear up to the first path's smallest positive l1.
    assert score_ax.xaxis.get_transform().linthresh == l1[l1 > 0].min()
    # A narrower path after a wider one leaves the wider one's range, on both axes, also where
    # the importances are one collection (n_labeled=0); the importance axis reaches the top
    # of every path's lines; the Axes' other lines (a chance level) are not the path's.
    _, axes = plt.subplots(1, 2)
    axes[0].axhline(0.5)
    plots.plot_regularization_path(pipeline_path, axes, n_labeled=0)
    taller = plots.RegularizationPath(
        l1_values=l1[:2], train_scores=[0.9, 0.8], test_scores=[0.8, 0.7],
        feature_importances=pipeline_path.feature_importances[:2] * 10,
        feature_names=pipeline_path.feature_names, n_iter=[5, 5],
    )
    plots.plot_regularization_path(taller, axes, n_labeled=0)
    for ax in axes:
        assert ax.get_xlim() == pytest.approx((-0.2 * l1[1], 1.5 * l1[-1]))
    assert axes[1].get_ylim() == pytest.approx((0, 1.05 * taller.feature_importances.max()))
    labels = [line.get_label() for line in score_ax.get_lines()]
    assert labels == [
        "first: held-out split", "first: training split",
        "second: held-out split", "second: training split",
    ]
    colors = [matplotlib.colors.to_hex(line.get_color()) for line in score_ax.get_lines()]
    assert colors == [matplotlib.colors.to_hex(c) for c in ("C0", "C7", "C1", "C1")]


def test_paths_on_one_pair_of_axes_have_their_own_feature_colours_and_legend_entries():
    """Each path had coloured its features from C0 again, and the importance legend listed only
    the last path's features: it named the first path's C0 line by the second's feature. Long
    names (ColumnTransformer's) are cut, as the confusion matrix cuts its labels: 77 characters
    had drawn the two titles over each other, 137 collapsed the figure (review)."""
    def path(names, seed):
        rng = np.random.RandomState(seed)
        return plots.RegularizationPath(
            [0, 1e-3, 1e-2], rng.rand(3), rng.rand(3), rng.rand(3, len(names)), names, [5] * 3
        )

    _, axes = plt.subplots(1, 2)
    plots.plot_regularization_path(path(["age", "bmi"], 0), axes, name="A")
    plots.plot_regularization_path(path(["age", "bmi"], 1), axes, name="B", n_labeled=1)
    importance_ax = axes[1]
    lines = [line for line in importance_ax.get_lines()]
    assert sorted(line.get_label() for line in lines[:2]) == ["A: age", "A: bmi"]
    assert lines[2].get_label() in ("B: age", "B: bmi")
    colours = [matplotlib.colors.to_hex(line.get_color()) for line in lines]
    assert colours == [matplotlib.colors.to_hex(f"C{i}") for i in range(3)]
    legend = importance_ax.get_legend()
    texts = [text.get_text() for text in legend.get_texts()]
    assert texts == [line.get_label() for line in lines[:2]] + [
        "B: other features (1)", lines[2].get_label()
    ]
    # Each legend entry in its line's colour.
    by_label = {line.get_label(): matplotlib.colors.to_hex(line.get_color()) for line in lines}
    for handle, text in zip(legend.legend_handles, texts):
        if text in by_label:
            assert matplotlib.colors.to_hex(handle.get_color()) == by_label[text]

    long = "onehotencoder__" + "x" * 120
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    plots.plot_regularization_path(path([long, "short"], 2), axes)
    texts = [text.get_text() for text in axes[1].get_legend().get_texts()]
    assert long[:39] + "\u2026" in texts and max(map(len, texts)) == 40
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "axes sizes collapsed to zero"
        figure.canvas.draw()
    assert all(ax.get_position().width > 0.15 for ax in axes)


@pytest.mark.parametrize(
    "n_labeled, error", [(2.5, TypeError), ("3", TypeError), (-1, ValueError)]
)
def test_n_labeled_is_checked_by_name(pipeline_path, n_labeled, error):
    # 2.5 and "3" failed deep inside NumPy ("slice indices must be integers"); -1 drew nothing.
    with pytest.raises(error, match="n_labeled"):
        plots.plot_regularization_path(pipeline_path, n_labeled=n_labeled)


def test_a_path_built_from_lists_draws_as_a_computed_one(pipeline_path):
    # Its plot failed with "'list' object has no attribute 'sum'".
    fields = ("l1_values", "train_scores", "test_scores", "feature_importances", "n_iter")
    by_hand = plots.RegularizationPath(
        **{name: getattr(pipeline_path, name).tolist() for name in fields},
        feature_names=list(pipeline_path.feature_names),
    )
    for name in (*fields, "feature_names"):
        np.testing.assert_array_equal(getattr(by_hand, name), getattr(pipeline_path, name))
        assert isinstance(getattr(by_hand, name), np.ndarray)
    score_ax, _ = plots.plot_regularization_path(by_hand)
    np.testing.assert_array_equal(score_ax.lines[0].get_ydata(), pipeline_path.test_scores)


def test_regularization_path_numbers(pipeline_path):
    path = pipeline_path
    np.testing.assert_array_equal(path.l1_values, [0, 1e-3, 1e-2, 3e-2])
    assert path.feature_importances.shape == (4, 8)
    assert path.train_scores.shape == path.test_scores.shape == path.n_iter.shape == (4,)
    assert np.all((path.test_scores >= 0) & (path.test_scores <= 1))
    assert path.test_scores[0] > 0.8  # no penalty: the fixture data are easy
    assert np.all(path.n_iter >= 1)
    # The L1 penalty shrinks the first-layer weights: much less importance in all at the strongest.
    totals = path.feature_importances.sum(axis=1)
    assert totals[-1] < 0.5 * totals[0]
    assert np.all(path.feature_importances >= 0)
    # StandardScaler has no column names to pass on here, so it names its outputs x0, x1, ...
    assert path.feature_names.tolist() == [f"x{i}" for i in range(8)]


@pytest.mark.parametrize(
    "kind", ["pipeline", "target-transformed regressor", "ftrl", "clipnorm"]
)
def test_regularization_path_equals_one_fit_per_value(kind, split, regression_split):
    """The networks of all l1 values train at once, each exactly as its own fit would (or, for
    settings that cannot train together, one at a time)."""
    if kind != "target-transformed regressor":
        X_train, y_train, X_test, y_test = split
        settings = {"ftrl": {"optimizer": "ftrl"}, "clipnorm": {"optimizer__clipnorm": 1.0}}
        model = make_pipeline(
            StandardScaler(), L1L2Classifier(**FAST, **settings.get(kind, {}))
        )
        param = "l1l2classifier__l1"
    else:
        X_train, y_train, X_test, y_test = regression_split
        model = _regression_model()
        param = "regressor__l1l2regressor__l1"
    values = [0.0, 1e-3, 3e-2]
    path = plots.regularization_path(model, X_train, y_train, X_test, y_test, values)
    for index, l1 in enumerate(values):
        single = clone(model).set_params(**{param: l1}).fit(X_train, y_train)
        assert path.test_scores[index] == single.score(X_test, y_test)
        assert path.train_scores[index] == single.score(X_train, y_train)
        np.testing.assert_array_equal(
            path.feature_importances[index], _final(single).feature_importances_
        )
        assert path.n_iter[index] == _final(single).n_iter_


def _final(model):
    model = model.regressor_ if isinstance(model, TransformedTargetRegressor) else model
    return model[-1]


def test_regularization_path_of_a_bare_estimator_keeps_it_unchanged(split):
    X_train, y_train, X_test, y_test = split
    columns = [f"feature {i}" for i in range(8)]
    estimator = L1L2Classifier(**FAST)
    path = plots.regularization_path(
        estimator,
        pd.DataFrame(X_train, columns=columns),
        y_train,
        pd.DataFrame(X_test, columns=columns),
        y_test,
        [0, 1e-2],
    )
    assert path.feature_names.tolist() == columns
    assert path.feature_importances.shape == (2, 8)
    assert not hasattr(estimator, "model_")  # clones were fitted, not the estimator
    assert estimator.get_params() == L1L2Classifier(**FAST).get_params()


def test_regularization_path_rejects_bad_input(split):
    X_train, y_train, X_test, y_test = split
    estimator = L1L2Classifier(**FAST)
    with pytest.raises(ValueError, match=r"l1_values must be .* >= 0 .*; got \[0, -0.001\]"):
        plots.regularization_path(estimator, X_train, y_train, X_test, y_test, [0, -1e-3])
    with pytest.raises(ValueError, match="l1_values must be a non-empty list"):
        plots.regularization_path(estimator, X_train, y_train, X_test, y_test, [])
    with pytest.raises(TypeError, match="needs an estimator with an l1 parameter.*LogisticReg"):
        plots.regularization_path(
            make_pipeline(StandardScaler(), LogisticRegression()),
            X_train,
            y_train,
            X_test,
            y_test,
        )
    # The network's params are checked as its fit checks them, before the batched fits read
    # them: an unknown optimizer name ("Adam", before it was taken) raised a bare KeyError,
    # and an invalid l2 trained.
    for bad in ({"optimizer": "Adamm"}, {"l2": -1.0}):
        for model in (L1L2Classifier(**FAST, **bad),
                      make_pipeline(StandardScaler(), L1L2Classifier(**FAST, **bad))):
            with pytest.raises(ValueError, match=f"The '{next(iter(bad))}' parameter of "
                                                 "L1L2Classifier must be"):
                plots.regularization_path(model, X_train, y_train, X_test, y_test)
    # Refitting a frozen pipeline's network alone would skip the pipeline's other steps.
    frozen = FrozenEstimator(make_pipeline(StandardScaler(), estimator).fit(X_train, y_train))
    with pytest.raises(TypeError, match="a FrozenEstimator is never fitted again: pass"):
        plots.regularization_path(frozen, X_train, y_train, X_test, y_test)


def test_regularization_path_of_a_sparse_indicator_equals_one_fit_per_value():
    X, Y = make_multilabel_classification(n_samples=80, n_features=5, random_state=0)
    estimator = make_pipeline(StandardScaler(), L1L2Classifier(**{**FAST, "epochs": 5}))
    Y_sparse = scipy.sparse.csr_matrix(Y)
    path = plots.regularization_path(estimator, X, Y_sparse, X, Y_sparse, [0, 1e-2])
    for index, l1 in enumerate([0, 1e-2]):
        single = clone(estimator).set_params(l1l2classifier__l1=l1).fit(X, Y_sparse)
        assert path.test_scores[index] == single.score(X, Y_sparse)


class _CountingScaler(StandardScaler):
    """A StandardScaler that counts its clones' fits."""

    fits = 0

    def fit(self, X, y=None, sample_weight=None):
        type(self).fits += 1
        return super().fit(X, y, sample_weight)


def test_regularization_path_fits_the_preprocessing_once_and_scores_behind_that_fit(split):
    """The batched networks are put behind the one fit of the steps before them, which is also
    the fit they trained behind (a second fit of a random transformer would differ)."""
    from sklearn.random_projection import GaussianRandomProjection

    X_train, y_train, X_test, y_test = split
    _CountingScaler.fits = 0
    model = make_pipeline(_CountingScaler(), L1L2Classifier(**FAST))
    plots.regularization_path(model, X_train, y_train, X_test, y_test, [0, 1e-3, 1e-2, 3e-2])
    assert _CountingScaler.fits == 1
    # random_state=None: every fit of the projection draws another one.
    model = make_pipeline(GaussianRandomProjection(4), L1L2Classifier(**FAST))
    trained_on = []
    original = L1L2Classifier._fit_members

    def recording(self, X, *args, **kwargs):
        trained_on.append(np.array(X))
        return original(self, X, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(L1L2Classifier, "_fit_members", recording)
        scored_on = []
        patch.setattr(
            L1L2Classifier, "score",
            lambda self, X, y, sample_weight=None: scored_on.append(np.array(X)) or 0.5,
        )
        plots.regularization_path(model, X_train, y_train, X_test, y_test, [0, 1e-2])
    (trained,) = trained_on
    # Each network's training score sees the training rows through the same projection.
    assert len(scored_on) == 4
    np.testing.assert_array_equal(scored_on[0], trained)
    np.testing.assert_array_equal(scored_on[2], trained)


def test_regularization_path_of_a_fitted_target_transformer_follows_its_params(regression_split):
    """A fitted TransformedTargetRegressor's regressor_ is what it was fitted with; the path
    varies the params it has now, as clone() would."""
    X_train, y_train, X_test, y_test = regression_split
    model = _regression_model().fit(X_train, y_train)
    model.set_params(regressor__l1l2regressor__epochs=3)
    path = plots.regularization_path(model, X_train, y_train, X_test, y_test, [0, 1e-2])
    single = clone(model).set_params(regressor__l1l2regressor__l1=1e-2).fit(X_train, y_train)
    assert path.n_iter.tolist() == [3, 3]
    assert path.test_scores[1] == single.score(X_test, y_test)
    model.set_params(regressor=Ridge())
    with pytest.raises(TypeError, match="got Ridge"):
        plots.regularization_path(model, X_train, y_train, X_test, y_test)


def test_regularization_path_names_the_columns_through_passthrough_steps(split):
    from sklearn.pipeline import Pipeline

    X_train, y_train, X_test, y_test = split
    columns = [f"c{i}" for i in range(8)]
    model = Pipeline([("nothing", "passthrough"), ("net", L1L2Classifier(**FAST))])
    path = plots.regularization_path(
        model, pd.DataFrame(X_train, columns=columns), y_train,
        pd.DataFrame(X_test, columns=columns), y_test, [0, 1e-2],
    )
    assert path.feature_names.tolist() == columns
    plots.plot_regularization_path(path)


@pytest.mark.parametrize("selector", ["pca", "select"])
def test_regularization_path_names_the_features_through_nested_pipelines(split, selector):
    # A nested Pipeline was named by the outer steps alone: PCA's inputs were called by the
    # DataFrame's columns (wrong labels), SelectKBest's chosen columns x0, x1, ... (lost).
    from sklearn.decomposition import PCA
    from sklearn.feature_selection import SelectKBest

    X_train, y_train, X_test, y_test = split
    columns = [f"c{i}" for i in range(8)]
    step = PCA(8) if selector == "pca" else SelectKBest(k=3)
    model = make_pipeline(StandardScaler(), make_pipeline(step, L1L2Classifier(**FAST)))
    path = plots.regularization_path(
        model, pd.DataFrame(X_train, columns=columns), y_train,
        pd.DataFrame(X_test, columns=columns), y_test, [0],
    )
    fitted_step = clone(model).fit(pd.DataFrame(X_train, columns=columns), y_train)[1][0]
    expected = [f"pca{i}" for i in range(8)] if selector == "pca" else (
        np.array(columns)[fitted_step.get_support()].tolist()
    )
    assert path.feature_names.tolist() == expected


def test_regularization_path_display_checks_its_drawing_arguments_before_fitting(
    split, monkeypatch
):
    # n_labeled=-1 and axes that are not two Axes were refused only after every fit.
    fitted = []
    monkeypatch.setattr(plots, "regularization_path", lambda *args, **kw: fitted.append(1))
    X_train, y_train, X_test, y_test = split
    model = make_pipeline(StandardScaler(), L1L2Classifier(**FAST))
    for arguments, error in (({"n_labeled": -1}, "n_labeled"), ({"axes": "no"}, "axes must")):
        with pytest.raises(ValueError, match=error):
            plots.RegularizationPathDisplay.from_estimator(
                model, X_train, y_train, X_test, y_test, [0, 1e-3], **arguments
            )
    assert not fitted


def test_regularization_path_of_a_search_varies_its_best_estimator(split, tmp_path):
    X_train, y_train, X_test, y_test = split
    search = L1L2ClassifierCV(**{**FAST, "epochs": 5}, l1s=[0, 1e-3], l2s=[0, 1e-2], cv=2)
    # (A TypeError, "needs an estimator with an l1 parameter", where the other functions raise
    # NotFittedError.)
    with pytest.raises(NotFittedError, match="This L1L2ClassifierCV instance is not fitted yet: "
                       "regularization_path varies the best_estimator_ of a fitted search"):
        plots.regularization_path(search, X_train, y_train, X_test, y_test)
    search.fit(X_train, y_train)
    path = plots.regularization_path(search, X_train, y_train, X_test, y_test, [0, 1e-2])
    expected = plots.regularization_path(
        search.best_estimator_, X_train, y_train, X_test, y_test, [0, 1e-2]
    )
    np.testing.assert_array_equal(path.test_scores, expected.test_scores)
    np.testing.assert_array_equal(path.feature_importances, expected.feature_importances)
    pipeline = make_pipeline(StandardScaler(), search).fit(X_train, y_train)
    files = plots.save_plots(pipeline, X_train, y_train, X_test, y_test, tmp_path, l1_values=[0])
    assert {p.name for p in tmp_path.iterdir()} == PLOT_FILES
    assert set(files) == {"confusion_matrix", "loss_curve", "regularization_path"}


@pytest.mark.parametrize("over_a_pipeline", [False, True])
def test_pictures_of_a_grid_search_are_its_best_estimators(split, tmp_path, over_a_pipeline):
    """The path and save_plots were refused as 'needs an estimator with an l1 parameter', and a
    search over a Pipeline had no loss curve; save_plots had made its folder first."""
    X_train, y_train, X_test, y_test = split
    network = L1L2Classifier(**{**FAST, "epochs": 5})
    estimator, grid = network, {"l2": [0, 1e-2]}
    if over_a_pipeline:
        estimator, grid = make_pipeline(StandardScaler(), network), {"l1l2classifier__l2": [0]}
    search = GridSearchCV(estimator, grid, cv=2)
    with pytest.raises(NotFittedError, match="This GridSearchCV instance is not fitted yet"):
        plots.regularization_path(search, X_train, y_train, X_test, y_test, [0])
    with pytest.raises(NotFittedError, match="GridSearchCV instance is not fitted"):
        plots.save_plots(search, X_train, y_train, X_test, y_test, tmp_path / "no")
    assert not (tmp_path / "no").exists()
    search.fit(X_train, y_train)
    path = plots.regularization_path(search, X_train, y_train, X_test, y_test, [0, 1e-2])
    expected = plots.regularization_path(
        search.best_estimator_, X_train, y_train, X_test, y_test, [0, 1e-2]
    )
    np.testing.assert_array_equal(path.test_scores, expected.test_scores)
    best = search.best_estimator_[-1] if over_a_pipeline else search.best_estimator_
    np.testing.assert_array_equal(plots.plot_loss_curve(search).lines[0].get_ydata(),
                                  best.loss_curve_)
    plots.save_plots(search, X_train, y_train, X_test, y_test, tmp_path / "out", l1_values=[0])
    assert {p.name for p in (tmp_path / "out").iterdir()} == PLOT_FILES
    no_refit = GridSearchCV(estimator, grid, cv=2, refit=False).fit(X_train, y_train)
    for draw in (
        lambda: plots.regularization_path(no_refit, X_train, y_train, X_test, y_test, [0]),
        lambda: plots.plot_loss_curve(no_refit),
        lambda: plots.save_plots(no_refit, X_train, y_train, X_test, y_test, tmp_path / "not"),
    ):  # it was "an unfitted GridSearchCV", or one "without loss_curve_"
        with pytest.raises(NotFittedError, match="GridSearchCV was fitted with refit=False"):
            draw()
    other = GridSearchCV(LogisticRegression(), {"C": [1.0]}, cv=2).fit(X_train, y_train)
    with pytest.raises(TypeError, match="save_plots draws the pictures of an L1L2Classifier or "
                                        "L1L2Regressor .*; got LogisticRegression"):
        plots.save_plots(other, X_train, y_train, X_test, y_test, tmp_path / "not")
    assert not (tmp_path / "not").exists()


@pytest.mark.parametrize("wrapped", ["bare", "pipeline", "target-transformed regressor"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_regularization_path_with_sample_weight_equals_weighted_fits(
    wrapped, early_stopping, split, regression_split
):
    """Weights reach every fit (batched or one at a time) as fit's sample_weight would, and
    weight the scores."""
    settings = {**FAST, "epochs": 8, "early_stopping": early_stopping}
    if wrapped == "target-transformed regressor":
        X_train, y_train, X_test, y_test = regression_split
        model = TransformedTargetRegressor(
            make_pipeline(StandardScaler(), L1L2Regressor(**settings)),
            transformer=StandardScaler(),
        )
        param, weight = "regressor__l1l2regressor__l1", "l1l2regressor__sample_weight"
    else:
        X_train, y_train, X_test, y_test = split
        network = L1L2Classifier(**settings)
        model = network if wrapped == "bare" else make_pipeline(StandardScaler(), network)
        param = "l1" if wrapped == "bare" else "l1l2classifier__l1"
        weight = "sample_weight" if wrapped == "bare" else "l1l2classifier__sample_weight"
    rng = np.random.default_rng(0)
    w_train, w_test = rng.uniform(0, 3, len(y_train)), rng.uniform(0, 3, len(y_test))
    values = [0.0, 1e-2]
    path = plots.regularization_path(
        model, X_train, y_train, X_test, y_test, values,
        sample_weight=w_train, test_sample_weight=w_test,
    )
    unweighted = plots.regularization_path(model, X_train, y_train, X_test, y_test, values)
    assert not np.array_equal(path.feature_importances, unweighted.feature_importances)
    for index, l1 in enumerate(values):
        single = clone(model).set_params(**{param: l1}).fit(X_train, y_train, **{weight: w_train})
        assert path.train_scores[index] == single.score(X_train, y_train, sample_weight=w_train)
        assert path.test_scores[index] == single.score(X_test, y_test, sample_weight=w_test)
        network = single if wrapped == "bare" else _final(single)
        np.testing.assert_array_equal(path.feature_importances[index], network.feature_importances_)


def test_regularization_path_routes_sample_weight_as_requested(split):
    """With scikit-learn's metadata routing on, the weights go where the network asks."""
    import sklearn

    X_train, y_train, X_test, y_test = split
    w = np.random.default_rng(1).uniform(0, 3, len(y_train))
    with sklearn.config_context(enable_metadata_routing=True):
        network = L1L2Classifier(**FAST).set_fit_request(sample_weight=True)
        network.set_score_request(sample_weight=True)
        model = make_pipeline(StandardScaler().set_fit_request(sample_weight=False), network)
        path = plots.regularization_path(
            model, X_train, y_train, X_test, y_test, [0, 1e-2], sample_weight=w
        )
        single = clone(model).set_params(l1l2classifier__l1=1e-2).fit(
            X_train, y_train, sample_weight=w
        )
        assert path.train_scores[1] == single.score(X_train, y_train, sample_weight=w)


def test_regularization_path_checks_its_data_before_fitting(split, monkeypatch):
    X_train, y_train, X_test, y_test = split
    monkeypatch.setattr(L1L2Classifier, "_fit_members", None)  # any fit would fail differently
    estimator = L1L2Classifier(**FAST)
    with pytest.raises(ValueError, match="X_test has 3 features, but X_train has 8"):
        plots.regularization_path(estimator, X_train, y_train, X_test[:, :3], y_test)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        plots.regularization_path(estimator, X_train, y_train, X_test, y_test[:-1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        plots.regularization_path(
            estimator, X_train, y_train, X_test, y_test, sample_weight=np.ones(3)
        )
    # A y_test that the held-out score would refuse after every fit: refused before them.
    for y_wrong, why in [
        (np.array(["no", "yes"])[y_test], "Mix of label input types"),
        (y_test + 0.5, "Mix type of y"),
        (np.c_[y_test, y_test], "Mix type of y"),
    ]:
        with pytest.raises(ValueError,
                           match=f"y_test does not hold labels like y_train's: {why}") as raised:
            plots.regularization_path(estimator, X_train, y_train, X_test, y_wrong)
        assert raised.value.__cause__ is None and raised.value.__suppress_context__
    # A y_train the fit refuses is left to the fit to name (it had been blamed on y_test).
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        checked_path_inputs(estimator, X_train, y_train + 0.5, X_test, y_test, [0], None, None)
        L1L2Classifier(**FAST).fit(X_train, y_train + 0.5)
    # Labels of one kind, though not all of them fitted, are scored.
    checked_path_inputs(
        estimator, X_train, y_train, X_test, np.where(y_test == 0, 2, 1), [0], None, None
    )
    # Sorted, without duplicates, and -0.0 as 0.0 (a table of the path had printed "-0").
    *_, values, _ = checked_path_inputs(
        estimator, X_train, y_train, X_test, y_test, [1e-3, -0.0, 1e-3], None, None
    )
    assert values.tolist() == [0.0, 1e-3] and not np.signbit(values[0])


def test_regularization_path_checks_a_regressors_y_test_before_fitting(
    regression_split, monkeypatch
):
    X_train, y_train, X_test, y_test = regression_split
    monkeypatch.setattr(L1L2Regressor, "_fit_members", None)  # any fit would fail differently
    estimator = L1L2Regressor(**FAST)
    with pytest.raises(ValueError, match="y_test has 2 outputs, but y_train has 1"):
        plots.regularization_path(estimator, X_train, y_train, X_test, np.c_[y_test, y_test])
    with pytest.raises(ValueError, match="y_test must hold numbers, as y_train does"):
        plots.regularization_path(estimator, X_train, y_train, X_test,
                                  np.char.add(y_test.astype(str), "x"))
    # One column is one output, as the score takes it.
    checked_path_inputs(estimator, X_train, y_train, X_test, y_test[:, None], [0], None, None)


@pytest.mark.parametrize("how", ["batched", "one at a time", "save_plots"])
def test_path_warnings_point_at_the_callers_line(how, split, tmp_path):
    import warnings

    X_train, y_train, X_test, y_test = split
    settings = {**FAST, "epochs": 2, "early_stopping": how == "one at a time"}
    estimator = L1L2Classifier(**settings)
    fitted = clone(estimator).fit(X_train, y_train) if how == "save_plots" else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if how == "save_plots":
            plots.save_plots(fitted, X_train, y_train, X_test, y_test, tmp_path, l1_values=[0])
        else:
            plots.regularization_path(estimator, X_train, y_train, X_test, y_test, [0, 1e-2])
    convergence = [w for w in caught if "maximum number of epochs" in str(w.message)]
    assert convergence
    assert {w.filename for w in convergence} == {__file__}


def test_plot_regularization_path_refuses_one_axes_and_other_objects(pipeline_path):
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="axes must be two matplotlib Axes"):
        plots.plot_regularization_path(pipeline_path, ax)
    with pytest.raises(TypeError, match="path must be the RegularizationPath.*got dict"):
        plots.plot_regularization_path({"l1_values": [0]})
    _, column = plt.subplots(2, 1)  # an array of shape (2,) of Axes works as well as a list
    assert len(plots.plot_regularization_path(pipeline_path, column)) == 2


def test_confusion_matrix_and_prediction_error_take_sample_weight(
    fitted_binary, binary_data, fitted_regression, regression_split
):
    from sklearn.metrics import confusion_matrix

    X, y = binary_data
    w = np.random.default_rng(0).uniform(0, 3, len(y))
    display = plots.plot_confusion_matrix(fitted_binary, X, y, sample_weight=w)
    np.testing.assert_allclose(
        display.confusion_matrix, confusion_matrix(y, fitted_binary.predict(X), sample_weight=w)
    )
    assert f"accuracy {fitted_binary.score(X, y, sample_weight=w):.3f}" in display.ax_.get_title()
    _, _, X_test, y_test = regression_split
    w = np.random.default_rng(0).uniform(0, 3, len(y_test))
    display = plots.plot_prediction_error(fitted_regression, X_test, y_test, sample_weight=w)
    r2 = fitted_regression.score(X_test, y_test, sample_weight=w)
    assert f"R² {r2:.3f}" in display.ax_.get_title()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        plots.plot_prediction_error(fitted_regression, X_test[:5], y_test)


def test_confusion_matrix_takes_scikit_learns_display_options(fitted_binary, binary_data):
    """values_format, display_labels, xticks_rotation, colorbar, im_kw and text_kw reach
    ConfusionMatrixDisplay (they had been TypeErrors: a weighted cell read "1e+02", unfixable)."""
    X, y = binary_data
    w = np.full(len(y), 1.25)
    display = plots.plot_confusion_matrix(
        fitted_binary, X, y, sample_weight=w, values_format=".1f",
        display_labels=["negative", "positive"], xticks_rotation=30, colorbar=False,
        im_kw={"cmap": "Greens"}, text_kw={"fontsize": 7},
    )
    cells = display.confusion_matrix
    assert [t.get_text() for t in display.text_.ravel()] == [f"{v:.1f}" for v in cells.ravel()]
    assert {t.get_fontsize() for t in display.text_.ravel()} == {7}
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["negative", "positive"]
    assert display.ax_.get_xticklabels()[0].get_rotation() == 30
    assert display.im_.get_cmap().name == "Greens"
    assert len(display.figure_.axes) == 1  # no colour bar
    with pytest.raises(ValueError, match="display_labels has 3 names, but the matrix has 2 rows"):
        plots.plot_confusion_matrix(fitted_binary, X, y, display_labels=["a", "b", "c"])


def test_prediction_error_of_a_two_target_regressor_says_to_draw_each(regression_split):
    X_train, y_train, X_test, y_test = regression_split
    two = L1L2Regressor(**{**FAST, "epochs": 3}).fit(X_train, np.c_[y_train, y_train])
    with pytest.raises(ValueError, match="draws one target; the estimator predicts 2"):
        plots.plot_prediction_error(two, X_test, y_test)


def test_displays_follow_scikit_learns_display_api(split, pipeline_path, binary_data):
    """from_estimator draws and returns the display; plot draws again elsewhere and returns it;
    ax_/axes_ and figure_ say where; the plot_* functions return what the displays drew."""
    X_train, y_train, X_test, y_test = split
    X, y = binary_data
    fitted = L1L2Classifier(**{**FAST, "early_stopping": True}).fit(X, y)
    display = plots.LossCurveDisplay.from_estimator(fitted)
    assert display.figure_ is display.ax_.figure and display.score_ax_ is not None
    np.testing.assert_array_equal(display.loss_line_.get_ydata(), fitted.loss_curve_)
    _, ax = plt.subplots()
    assert display.plot(ax=ax) is display and display.ax_ is ax
    assert len(ax.figure.axes) == 2  # the loss and its twin of validation scores

    path_display = plots.RegularizationPathDisplay(pipeline_path)
    _, axes = plt.subplots(1, 2)
    assert path_display.plot(axes) is path_display and path_display.axes_ is axes
    assert path_display.figure_ is axes[0].figure
    drawn = plots.RegularizationPathDisplay.from_estimator(
        make_pipeline(StandardScaler(), L1L2Classifier(**FAST)),
        X_train, y_train, X_test, y_test, [1e-2, 0, 1e-3, 0.0, 3e-2],
    )
    np.testing.assert_array_equal(drawn.path.test_scores, pipeline_path.test_scores)
    # The 5 named features as lines, the other 3 as one collection of lines.
    assert len(drawn.axes_[1].get_lines()) == 5
    assert len(drawn.other_lines_.get_segments()) == pipeline_path.feature_importances.shape[1] - 5
    with pytest.raises(TypeError, match="path must be the RegularizationPath"):
        plots.RegularizationPathDisplay({"l1_values": [0]})


def test_plot_regularization_path_panels(pipeline_path):
    score_ax, importance_ax = plots.plot_regularization_path(pipeline_path, n_labeled=3)
    for ax in (score_ax, importance_ax):
        assert ax.get_xscale() == "symlog"  # l1=0 is on the path
        assert ax.get_xlim()[0] < 0 < pipeline_path.l1_values[1]
        assert ax.get_xlabel() == "l1"
    held_out = next(line for line in score_ax.get_lines() if line.get_label() == "held-out split")
    np.testing.assert_allclose(held_out.get_ydata(), pipeline_path.test_scores)
    assert len(importance_ax.get_lines()) == 3  # one per named feature
    (others,) = importance_ax.collections  # the other 5 features' grey lines, as one
    ranked = np.argsort(-pipeline_path.feature_importances.sum(axis=0), kind="stable")
    for segment, feature in zip(others.get_segments(), ranked[3:], strict=True):
        np.testing.assert_array_equal(segment[:, 0], pipeline_path.l1_values)
        np.testing.assert_array_equal(segment[:, 1], pipeline_path.feature_importances[:, feature])
    bottom, top_of_axis = importance_ax.get_ylim()
    assert bottom == 0 and top_of_axis >= pipeline_path.feature_importances.max()
    legend = [text.get_text() for text in importance_ax.get_legend().get_texts()]
    top = np.argsort(-pipeline_path.feature_importances.sum(axis=0))[:3]
    assert legend == ["other features (5)", *(f"x{i}" for i in top)]


@pytest.mark.parametrize(
    "l1_values, labels",
    [
        ([0, 2e-3, 3e-3, 5e-3], ["0", "0.002", "0.003", "0.005"]),
        ([0, 0.5, 1, 2], ["0", "0.5", "1", "2"]),
        (np.r_[0, np.linspace(2e-3, 5e-3, 12)], ["0", "0.002", "0.00255", "0.00336", "0.005"]),
        # Values crowded at one end are not all labelled, over one another.
        ([0, 1e-3, 1.1e-3, 1.2e-3, 9e-3], ["0", "0.001", "0.009"]),
        # Two values that print alike are labelled once.
        ([0, 1e-3, 1.0001e-3], ["0", "0.001"]),
    ],
)
def test_a_narrow_symlog_l1_axis_labels_the_values_themselves(pipeline_path, l1_values, labels):
    """Over less than about a decade the symlog locator had labelled 0 and 1e-3, where no
    point was, and none of the positive values; some of the values are labelled now, spread
    over the axis."""
    n = len(l1_values)
    path = plots.RegularizationPath(
        l1_values=l1_values, train_scores=np.full(n, 0.9), test_scores=np.full(n, 0.8),
        feature_importances=np.ones((n, len(pipeline_path.feature_names))),
        feature_names=pipeline_path.feature_names, n_iter=np.full(n, 5),
    )
    for ax in plots.plot_regularization_path(path):
        ax.figure.canvas.draw()
        low, high = ax.get_xlim()
        shown = [
            text.get_text()
            for tick, text in zip(ax.get_xticks(), ax.get_xticklabels())
            if low <= tick <= high
        ]
        assert shown == labels
        assert not ax.xaxis.get_minorticklocs().size
    # A wider path drawn after it on the same axes gets the symlog decades back.
    score_ax, importance_ax = plots.plot_regularization_path(pipeline_path)
    plots.plot_regularization_path(path, (score_ax, importance_ax))
    score_ax.figure.canvas.draw()
    assert "0.002" not in [text.get_text() for text in score_ax.get_xticklabels()]


@pytest.mark.parametrize("l1_values", [[0, 1e-5, 1e-4], [0, 1e-4, 1e-3], [0, 1e-6, 1e-5]])
def test_a_symlog_l1_axis_over_one_decade_keeps_its_decade_labels(pipeline_path, l1_values):
    """A decade's end tick (1e-5 computed as 9.999999999999999e-06) counts as inside the
    range: [0, 1e-5, 1e-4] had been labelled as a narrow range, unlike [0, 1e-4, 1e-3]."""
    path = plots.RegularizationPath(
        l1_values=l1_values, train_scores=np.full(3, 0.9), test_scores=np.full(3, 0.8),
        feature_importances=np.ones((3, len(pipeline_path.feature_names))),
        feature_names=pipeline_path.feature_names, n_iter=np.full(3, 5),
    )
    score_ax, _ = plots.plot_regularization_path(path)
    score_ax.figure.canvas.draw()
    labels = [text.get_text() for text in score_ax.get_xticklabels()]
    assert any("10^{" in label for label in labels)


def test_plot_regularization_path_without_zero_uses_a_log_axis(pipeline_path):
    keep = pipeline_path.l1_values > 0
    path = plots.RegularizationPath(
        l1_values=pipeline_path.l1_values[keep],
        train_scores=pipeline_path.train_scores[keep],
        test_scores=pipeline_path.test_scores[keep],
        feature_importances=pipeline_path.feature_importances[keep],
        feature_names=pipeline_path.feature_names,
        n_iter=pipeline_path.n_iter[keep],
    )
    axes = plots.plot_regularization_path(path)
    assert [ax.get_xscale() for ax in axes] == ["log", "log"]


# -- files -----------------------------------------------------------------------------------------


def test_save_plots_writes_three_pngs(split, pipeline_path, tmp_path):
    X_train, y_train, X_test, y_test = split
    model = make_pipeline(StandardScaler(), L1L2Classifier(**FAST)).fit(X_train, y_train)
    folder = tmp_path / "new" / "folder"  # created on the way
    files = plots.save_plots(model, X_train, y_train, X_test, y_test, folder, path=pipeline_path)
    assert set(files) == {"confusion_matrix", "loss_curve", "regularization_path"}
    assert {path.name for path in folder.iterdir()} == PLOT_FILES
    sizes = {name: png_size(folder / plots.FILE_NAMES[name]) for name in files}
    assert all(width >= 400 and height >= 300 for width, height in sizes.values())
    width, height = sizes["regularization_path"]
    assert width > 2 * height  # two panels side by side
    assert not plt.get_fignums()  # drawn off pyplot: no figure left open


def test_save_plots_that_fails_or_is_interrupted_leaves_the_earlier_files(
    fitted_binary, binary_data, tmp_path, monkeypatch
):
    """Every picture is drawn before a file is written, and each file is written whole: Ctrl-C
    while the third was drawn had left the first two new beside an old third (and, in a
    PNG's write, a truncated file)."""
    from matplotlib.figure import Figure

    X, y = binary_data
    path = plots.regularization_path(fitted_binary, X, y, X, y, [0])
    folder = tmp_path / "out"
    plots.save_plots(fitted_binary, X, y, X, y, folder, path=path)
    earlier = {file.name: file.read_bytes() for file in folder.iterdir()}
    drawn = []
    savefig = Figure.savefig

    def interrupted_at_the_third(figure, *args, **kwargs):
        drawn.append(figure)
        if len(drawn) == 3:
            raise KeyboardInterrupt
        return savefig(figure, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", interrupted_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        plots.save_plots(fitted_binary, X, y, X, y, folder, path=path, dpi=80)
    assert {file.name: file.read_bytes() for file in folder.iterdir()} == earlier
    monkeypatch.setattr(Figure, "savefig", savefig)
    plots.save_plots(fitted_binary, X, y, X, y, folder, path=path, dpi=80)
    now = {file.name: file.read_bytes() for file in folder.iterdir()}
    assert now.keys() == earlier.keys() and all(now[name] != earlier[name] for name in now)


def test_cli_plot_writes_three_pngs(capsys, tmp_path):
    folder = tmp_path / "pictures"
    code = cli.main(
        ["--samples", "120", "--epochs", "15", "--hidden", "8", "--plot", str(folder)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert {path.name for path in folder.iterdir()} == PLOT_FILES
    for name in PLOT_FILES:
        width, height = png_size(folder / name)
        assert width >= 400 and height >= 300
    assert f"to {folder}" in out
    l1_values = _settings.PLOT_L1_VALUES["classification"]
    table = out.split("l1  accuracy  epochs\n")[1].splitlines()[: len(l1_values)]
    assert [float(row.split()[0]) for row in table] == list(l1_values)
    assert "Traceback" not in err
    assert err.count("\n") <= 2  # at most a note for the run and one for the path's fits


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_cli_verbose_with_plot_reports_the_final_fit_alone(capsys, tmp_path, task):
    """The regularization path's refits had printed their epochs after the report, unlabelled."""
    code = cli.main(["--task", task, "--samples", "120", "--epochs", "3", "--hidden", "4",
                     "--verbose", "--plot", str(tmp_path / "pictures")])
    out, err = capsys.readouterr()
    assert code == 0, err
    iterations = [line for line in out.splitlines() if line.startswith("Iteration ")]
    assert [line.split(",")[0] for line in iterations] == ["Iteration 1", "Iteration 2",
                                                           "Iteration 3"]
    assert out.index("Iteration 3") < out.index("Test ")


def test_cli_plot_to_a_file_is_a_usage_error(capsys, tmp_path):
    existing = tmp_path / "file.png"
    existing.write_bytes(b"")
    code = cli.main(["--epochs", "5", "--plot", str(existing)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == (
        f"l1l2-estimator: error: cannot write to --plot {str(existing)!r}: it is a file, "
        "not a folder\n"
    )


# -- regressor pictures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def regression_split():
    X, y = make_regression(n_samples=240, n_features=6, n_informative=3, noise=5.0, random_state=0)
    columns = [f"sensor {i}" for i in range(6)]
    X = pd.DataFrame(X, columns=columns)
    return X[:180], y[:180], X[180:], y[180:]


def _regression_model():
    """The command line's regression model: standardized X and y around the network."""
    network = L1L2Regressor(**{**FAST, "epochs": 60})
    return TransformedTargetRegressor(
        make_pipeline(StandardScaler(), network), transformer=StandardScaler()
    )


@pytest.fixture(scope="module")
def fitted_regression(regression_split):
    X_train, y_train, _, _ = regression_split
    return _regression_model().fit(X_train, y_train)


@pytest.fixture(scope="module")
def regression_path(regression_split):
    X_train, y_train, X_test, y_test = regression_split
    return plots.regularization_path(
        _regression_model(), X_train, y_train, X_test, y_test, [0, 1e-2, 1.0]
    )


@pytest.mark.parametrize("kind", ["actual_vs_predicted", "residual_vs_predicted"])
def test_prediction_error_draws_every_prediction(fitted_regression, regression_split, kind):
    _, _, X_test, y_test = regression_split
    display = plots.plot_prediction_error(fitted_regression, X_test, y_test, kind=kind)
    np.testing.assert_allclose(display.y_pred, fitted_regression.predict(X_test))
    np.testing.assert_allclose(display.y_true, y_test)
    points = display.scatter_.get_offsets()
    assert len(points) == len(y_test)
    if kind == "residual_vs_predicted":
        np.testing.assert_allclose(points[:, 1], y_test - fitted_regression.predict(X_test))
    assert f"R² {fitted_regression.score(X_test, y_test):.3f}" in display.ax_.get_title()


def test_each_task_refuses_the_other_tasks_picture(fitted_regression, fitted_binary, binary_data):
    X, y = binary_data
    with pytest.raises(TypeError, match="needs a regressor; for a classifier, use plot_conf"):
        plots.plot_prediction_error(fitted_binary, X, y)
    with pytest.raises(TypeError, match="needs a classifier; for a regressor, use plot_pred"):
        plots.plot_confusion_matrix(fitted_regression, X[:, :6], y)
    # What is neither had been called the other task's estimator ("for a regressor, ...").
    for draw in (plots.plot_prediction_error, plots.plot_confusion_matrix):
        for given, named in (("foo", "'foo'"), (None, "NoneType"), (X, "ndarray")):
            with pytest.raises(TypeError, match=f"^{draw.__name__} needs a fitted (classifier|"
                                                f"regressor); got {named}\\.$"):
                draw(given, X, y)


@pytest.mark.parametrize("form", ["numbers as text", "sparse column"])
def test_prediction_error_takes_the_targets_fit_takes(fitted_regression, regression_split, form):
    """A target of numbers written as text, or a sparse column, which fit and score take, failed
    inside NumPy (a ufunc without a loop for '<U32'; len() of an unsized object)."""
    _, _, X_test, y_test = regression_split
    given = (y_test.astype(str) if form == "numbers as text"
             else scipy.sparse.csr_matrix(y_test[:, None]))
    display = plots.plot_prediction_error(fitted_regression, X_test, given)
    np.testing.assert_allclose(display.y_true, y_test)
    assert f"R² {fitted_regression.score(X_test, y_test):.3f}" in display.ax_.get_title()


def test_save_plots_refuses_a_regressor_of_several_outputs_before_its_folder(
    regression_split, tmp_path
):
    """Given one test column, save_plots made its folder and fitted the whole path before
    failing inside r2_score; the README says it refuses several targets first."""
    X_train, y_train, X_test, y_test = regression_split
    Y = np.column_stack([y_train, -y_train]) / y_train.std()
    reg = L1L2Regressor(**{**FAST, "epochs": 2}).fit(X_train, Y)
    with pytest.raises(ValueError, match="save_plots draws one target; the estimator predicts 2"):
        plots.save_plots(reg, X_train, Y, X_test, y_test / y_train.std(), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_save_plots_refuses_a_multilabel_classifier_before_its_folder(tmp_path):
    """Given one label column, save_plots made its folder and fitted the whole path before
    scikit-learn refused "a mix of binary and multilabel-indicator targets"."""
    X, Y = make_multilabel_classification(n_samples=80, n_features=8, n_classes=3, random_state=0)
    clf = L1L2Classifier(**{**FAST, "epochs": 2}).fit(X, Y)
    with pytest.raises(ValueError, match="save_plots draws one label per row; the estimator "
                       "was fitted on a multilabel indicator of 3 labels"):
        plots.save_plots(clf, X, Y[:, 0], X, Y[:, 0], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="plot_confusion_matrix draws one label per row"):
        plots.plot_confusion_matrix(clf, X, Y[:, 0])
    # MLPClassifier's n_outputs_ counts output units (3 for 3 classes): not labels per row.
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPClassifier

    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    assert mlp.n_outputs_ == 3
    assert plots.plot_confusion_matrix(mlp, X, y).confusion_matrix.sum() == len(y)


@pytest.mark.parametrize("form", ["SciPy column", "1-D SciPy array", "frame of a sparse column"])
def test_confusion_matrix_takes_the_sparse_column_of_labels_fit_takes(form, tmp_path):
    """fit and score take a sparse column of labels; the confusion matrix failed inside
    scikit-learn (unhashable type: 'csr_matrix'), and save_plots after its path's fits."""
    X = np.random.default_rng(0).normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    sparse = {
        "SciPy column": lambda: scipy.sparse.csr_matrix(y[:, None]),
        "1-D SciPy array": lambda: scipy.sparse.coo_array(y),
        "frame of a sparse column": lambda: pd.DataFrame(
            {"y": pd.arrays.SparseArray(y, fill_value=0)}),
    }[form]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DataConversionWarning: a column taken as 1-D
        clf = L1L2Classifier(**{**FAST, "epochs": 2}).fit(X, y)
        display = plots.plot_confusion_matrix(clf, X, sparse)
        files = plots.save_plots(clf, X, y, X, sparse, tmp_path / "out", l1_values=[0])
    expected = plots.plot_confusion_matrix(clf, X, y)
    np.testing.assert_array_equal(display.confusion_matrix, expected.confusion_matrix)
    assert {name.rsplit("/", 1)[-1] for name in files.values()} == PLOT_FILES


@pytest.mark.parametrize(
    "function",
    ["plot_prediction_error", "plot_confusion_matrix", "plot_loss_curve", "save_plots",
     "LossCurveDisplay.from_estimator"],
)
def test_a_class_given_for_an_estimator_is_named_so(function, binary_data, tmp_path):
    """The class L1L2Regressor was called 'not a regressor (got type)'; save_plots and the loss
    curve gave scikit-learn's "<class '...'> is a class, not an instance"."""
    X, y = binary_data
    estimator = L1L2Regressor if function == "plot_prediction_error" else L1L2Classifier
    call = {
        "plot_loss_curve": lambda: plots.plot_loss_curve(estimator),
        "LossCurveDisplay.from_estimator": lambda: plots.LossCurveDisplay.from_estimator(estimator),
        "save_plots": lambda: plots.save_plots(estimator, X, y, X, y, tmp_path / "out"),
    }.get(function, lambda: getattr(plots, function)(estimator, X, y))
    with pytest.raises(TypeError, match=rf"the class {estimator.__name__} \(an instance is "):
        call()
    assert not (tmp_path / "out").exists()


def test_prediction_error_of_several_targets_says_to_draw_each(regression_split):
    X_train, y_train, _, _ = regression_split
    Y = np.column_stack([y_train, -y_train]) / y_train.std()
    reg = L1L2Regressor(**{**FAST, "epochs": 2}).fit(X_train, Y)
    with pytest.raises(ValueError, match="plot_prediction_error draws one target; y has 2"):
        plots.plot_prediction_error(reg, X_train, Y)


def test_regularization_path_of_a_regressor_is_scored_by_r2(
    regression_split, regression_path, fitted_regression
):
    X_train, y_train, X_test, y_test = regression_split
    path = regression_path
    assert path.score_name == "R²"
    np.testing.assert_array_equal(path.l1_values, [0, 1e-2, 1.0])
    # The same seed and data as the separately fitted l1=0 model: the same R², in y's own units
    # (TransformedTargetRegressor scores the inverse-transformed predictions).
    at_zero = clone(fitted_regression).set_params(regressor__l1l2regressor__l1=0.0)
    at_zero.fit(X_train, y_train)
    assert path.test_scores[0] == pytest.approx(at_zero.score(X_test, y_test))
    assert path.test_scores[0] == pytest.approx(r2_score(y_test, at_zero.predict(X_test)))
    assert path.test_scores[0] > 0.8
    assert path.test_scores[-1] < path.test_scores[0]  # l1=1 shrinks the network towards zero
    assert path.feature_names.tolist() == [f"sensor {i}" for i in range(6)]  # DataFrame columns
    assert path.feature_importances.shape == (3, 6)


def test_regularization_path_refuses_a_regressor_without_l1_before_fitting(regression_split):
    X_train, y_train, X_test, y_test = regression_split
    estimator = TransformedTargetRegressor(make_pipeline(StandardScaler(), Ridge()))
    with pytest.raises(TypeError, match="needs an estimator with an l1 parameter.*got Ridge"):
        plots.regularization_path(estimator, X_train, y_train, X_test, y_test)
    assert not hasattr(estimator, "regressor_")


def test_regression_loss_curve_and_path_say_r2(regression_split, regression_path):
    X_train, y_train, _, _ = regression_split
    stopped = L1L2Regressor(**FAST, early_stopping=True).fit(X_train, y_train / y_train.std())
    ax = plots.plot_loss_curve(stopped)
    assert ax.figure.axes[1].get_ylabel() == "validation R²"
    assert "validation R²" in ax.get_title()
    score_ax, _ = plots.plot_regularization_path(regression_path)
    assert score_ax.get_ylabel() == "R²"
    assert score_ax.get_title() == "R² against the L1 penalty"


def test_save_plots_of_a_regressor(fitted_regression, regression_split, regression_path, tmp_path):
    X_train, y_train, X_test, y_test = regression_split
    files = plots.save_plots(
        fitted_regression, X_train, y_train, X_test, y_test, tmp_path, path=regression_path
    )
    assert set(files) == {"prediction_error", "loss_curve", "regularization_path"}
    assert {path.name for path in tmp_path.iterdir()} == REGRESSION_FILES
    width, height = png_size(tmp_path / "prediction_error.png")
    assert width > 2 * height  # actual-vs-predicted and residuals side by side
    assert not plt.get_fignums()


def test_cli_plot_with_task_regression(capsys, tmp_path):
    folder = tmp_path / "pictures"
    code = cli.main(
        ["--task", "regression", "--samples", "120", "--epochs", "15", "--hidden", "8",
         "--plot", str(folder)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert {path.name for path in folder.iterdir()} == REGRESSION_FILES
    for name in REGRESSION_FILES:
        width, height = png_size(folder / name)
        assert width >= 400 and height >= 300
    assert "held-out R²" in out
    l1_values = _settings.PLOT_L1_VALUES["regression"]
    table = out.split("l1        R²  epochs\n")[1].splitlines()[: len(l1_values)]
    assert [float(row.split()[0]) for row in table] == list(l1_values)
    assert "Traceback" not in err


# -- without matplotlib ----------------------------------------------------------------------------


@pytest.fixture
def no_matplotlib(monkeypatch):
    """Make ``import matplotlib`` fail as it does where matplotlib is not installed."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def test_missing_matplotlib_is_a_clear_import_error(
    no_matplotlib, fitted_binary, binary_data, tmp_path
):
    X, y = binary_data
    calls = {
        "plot_confusion_matrix": lambda: plots.plot_confusion_matrix(fitted_binary, X, y),
        "plot_loss_curve": lambda: plots.plot_loss_curve(fitted_binary),
        "plot_regularization_path": lambda: plots.plot_regularization_path(None),
        "save_plots": lambda: plots.save_plots(fitted_binary, X, y, X, y, tmp_path, path=None),
    }
    for name, call in calls.items():
        with pytest.raises(ImportError) as raised:
            call()
        assert str(raised.value) == MISSING, name
    assert not list(tmp_path.iterdir())  # failed before fitting or writing anything


def test_package_and_cli_work_without_matplotlib(no_matplotlib, monkeypatch, capsys, tmp_path):
    # A fresh import of the module, as in an environment without matplotlib; monkeypatch puts the
    # original module back afterwards.
    monkeypatch.delitem(sys.modules, "l1l2_estimator.plots")
    monkeypatch.setattr(l1l2_estimator, "plots", plots)
    fresh = importlib.import_module("l1l2_estimator.plots")
    assert fresh is not plots
    assert fresh.DEFAULT_L1_VALUES == plots.DEFAULT_L1_VALUES

    # --plot fails before fitting, in one line; the rest of the command line is unaffected.
    folder = tmp_path / "pictures"
    code = cli.main(["--epochs", "5", "--plot", str(folder)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == (
        'l1l2-estimator: error: --plot needs matplotlib: pip install "l1l2-estimator[plot]"\n'
    )
    assert not folder.exists()


def test_cli_reports_a_broken_matplotlib_before_fitting(tmp_path):
    """A matplotlib that is installed but fails to import (built for another NumPy, say) was
    found only when the plots were drawn, after every fit had run; it is now a usage error
    before the estimator is imported."""
    fake = tmp_path / "site" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise ImportError('numpy.core.multiarray failed to import')\n"
    )
    folder = tmp_path / "pictures"
    probe = (
        "import sys; from l1l2_estimator import cli; code = cli.main(sys.argv[1:]); "
        "print('tensorflow' in sys.modules); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "--epochs", "5", "--plot", str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "l1l2-estimator: error: --plot needs matplotlib, which is installed but fails to "
        "import (ImportError: numpy.core.multiarray failed to import)\n"
    )
    assert done.stdout == "False\n"  # nothing was fitted: TensorFlow was never imported
    assert not folder.exists()

    # The library's own plotting functions say the same, rather than "not installed".
    probe = (
        "from l1l2_estimator import plots\n"
        "try:\n    plots.plot_loss_curve(None)\n"
        "except ImportError as error:\n    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        timeout=120,
    )
    assert done.stdout == (
        "matplotlib is installed but fails to import "
        "(ImportError: numpy.core.multiarray failed to import)\n"
    )


# -- the path's fallbacks, searches told apart, early refusals -----------------------------------


def test_regularization_path_trains_one_value_at_a_time_when_the_batch_does_not_fit_in_memory(
    split, monkeypatch
):
    """The ensemble of every l1 value needs their memory together; when that is more than is
    available, each value is trained by itself (each fit checked alone), as for the settings the
    ensemble does not train. It had raised MemoryError asking for "fewer l1s, l2s or folds"."""
    from l1l2_estimator import _memory

    X_train, y_train, X_test, y_test = split
    estimator = L1L2Classifier(**{**FAST, "epochs": 5})
    expected = plots.regularization_path(estimator, X_train, y_train, X_test, y_test, [0, 1e-2])
    weights = 8 * 16 + 16 + 16 + 1  # one network of layer sizes [8, 16, 1]
    # Room for one network with its optimizer, not for two.
    monkeypatch.setattr(_memory, "available_memory",
                        lambda: int(weights * _memory._BYTES_PER_WEIGHT * 1.5))
    clone(estimator).fit(X_train, y_train)
    path = plots.regularization_path(estimator, X_train, y_train, X_test, y_test, [0, 1e-2])
    np.testing.assert_array_equal(path.test_scores, expected.test_scores)
    np.testing.assert_array_equal(path.feature_importances, expected.feature_importances)


def test_regularization_path_of_a_verbose_network_prints_each_fit(split, capsys):
    """verbose asks for a single fit's progress lines, which the ensemble does not print: each
    value is trained by itself (the README said so; the batched path printed nothing)."""
    X_train, y_train, X_test, y_test = split
    estimator = L1L2Classifier(**{**FAST, "epochs": 3, "verbose": 1})
    estimator.fit(X_train, y_train)
    single = capsys.readouterr().out.count("Iteration ")
    assert single == 3
    plots.regularization_path(estimator, X_train, y_train, X_test, y_test, [0, 1e-2])
    assert capsys.readouterr().out.count("Iteration ") == 2 * single


def test_tuned_threshold_classifier_is_not_taken_for_a_search(split):
    """TunedThresholdClassifierCV has refit and estimator params but is no search: it had been
    called "unfitted" (store_cv_results=False) or "fitted with refit=False" (True), and its
    confusion matrix refused in the second case."""
    from sklearn.model_selection import TunedThresholdClassifierCV

    X_train, y_train, X_test, y_test = split
    for store in (False, True):
        tuned = TunedThresholdClassifierCV(
            L1L2Classifier(**{**FAST, "epochs": 3}), cv=2, store_cv_results=store
        ).fit(X_train, y_train)
        with pytest.raises(TypeError, match=r"with an l1 parameter .*one\); got Tuned"):
            plots.regularization_path(tuned, X_train, y_train, X_test, y_test, [0])
        display = plots.plot_confusion_matrix(tuned, X_test, y_test)
        np.testing.assert_array_equal(
            display.confusion_matrix.sum(axis=1), np.bincount(y_test)
        )


def test_the_path_refuses_what_is_not_an_estimator_by_name(split):
    X_train, y_train, X_test, y_test = split
    for given, named in (
        (None, "got NoneType"),
        (L1L2Classifier, r"got the class L1L2Classifier \(an instance is needed"),
        (make_pipeline(StandardScaler(), "passthrough"), "got 'passthrough'"),
    ):
        with pytest.raises(TypeError, match=f"needs an estimator with an l1 parameter.*{named}"):
            plots.regularization_path(given, X_train, y_train, X_test, y_test, [0])


def test_save_plots_refuses_what_the_path_refuses_before_making_its_folder(
    fitted_binary, binary_data, tmp_path
):
    X, y = binary_data
    frozen = FrozenEstimator(fitted_binary)
    with pytest.raises(TypeError, match="a FrozenEstimator is never fitted again"):
        plots.save_plots(frozen, X, y, X, y, tmp_path / "frozen")
    with pytest.raises(ValueError, match="l1_values must be a non-empty list"):
        plots.save_plots(fitted_binary, X, y, X, y, tmp_path / "values", l1_values=[-1.0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        plots.save_plots(fitted_binary, X, y[:-1], X, y, tmp_path / "rows")
    assert list(tmp_path.iterdir()) == []


def test_save_plots_takes_a_bytes_folder(fitted_binary, binary_data, tmp_path):
    X, y = binary_data
    path = plots.regularization_path(fitted_binary, X, y, X, y, [0])
    files = plots.save_plots(
        fitted_binary, X, y, X, y, bytes(tmp_path / "out"), path=path
    )
    assert {name.rsplit("/", 1)[-1] for name in files.values()} == PLOT_FILES


def test_the_importance_legend_names_features_that_start_with_an_underscore():
    """matplotlib leaves lines labelled "_..." out of an automatic legend: a column "_id" was
    drawn but not named."""
    path = plots.RegularizationPath(
        l1_values=[0, 1e-3], train_scores=[0.9, 0.8], test_scores=[0.8, 0.7],
        feature_importances=[[3, 2, 1], [2, 1, 0]], feature_names=["_id", "age", "bmi"],
        n_iter=[5, 5],
    )
    _, importance_ax = plots.plot_regularization_path(path, n_labeled=2)
    legend = [text.get_text() for text in importance_ax.get_legend().get_texts()]
    assert legend == ["other features (1)", "_id", "age"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"test_scores": [0.8]}, r"test_scores must be 1-D with one entry per l1 value \(2\)"),
        ({"n_iter": [[5, 5]]}, "n_iter must be 1-D"),
        ({"l1_values": [[0, 1e-3]]}, r"l1_values must be 1-D and hold at least one value; got "
                                     r"shape \(1, 2\)"),
        (  # (had drawn a blank figure)
            {"l1_values": [], "train_scores": [], "test_scores": [], "n_iter": [],
             "feature_importances": np.empty((0, 2))},
            r"l1_values must be 1-D and hold at least one value; got shape \(0,\)",
        ),
        ({"feature_importances": [3, 2]}, r"feature_importances must have shape \(n_values"),
        ({"feature_names": ["a"]}, "feature_names must name the 2 features"),
        ({"score_name": ""}, "score_name must be a non-empty str"),
    ],
)
def test_a_path_built_by_hand_is_checked(bad, message):
    """These had failed where matplotlib or NumPy drew them (IndexError, matplotlib's "x and y
    must have same first dimension")."""
    fields = dict(
        l1_values=[0, 1e-3], train_scores=[0.9, 0.8], test_scores=[0.8, 0.7],
        feature_importances=[[3, 2], [2, 1]], feature_names=["a", "b"], n_iter=[5, 5],
    )
    with pytest.raises(ValueError, match=message):
        plots.RegularizationPath(**{**fields, **bad})


def test_names_and_labels_with_dollar_signs_are_drawn_as_written(tmp_path):
    """matplotlib reads text between two "$" as mathtext: a class "$x_1_2$" or a column
    "price_$_total_$" failed as a formula ("Double subscript") after all the path's fits, with
    some files written and others not."""
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["price_$_total_$", "b", "c"])
    y = np.where(X["b"] > 0, "$x_1_2$", "z")
    model = make_pipeline(StandardScaler(), L1L2Classifier(**{**FAST, "epochs": 3})).fit(X, y)
    files = plots.save_plots(model, X, y, X, y, tmp_path, l1_values=[0, 1e-3])
    assert {name.rsplit("/", 1)[-1] for name in files.values()} == PLOT_FILES
    display = plots.plot_confusion_matrix(model, X, y)
    display.figure_.canvas.draw()
    assert [tick.get_text() for tick in display.ax_.get_xticklabels()] == [r"\$x_1_2\$", "z"]
    path = plots.regularization_path(model, X, y, X, y, [0, 1e-3])
    _, importance_ax = plots.plot_regularization_path(path, n_labeled=3)
    importance_ax.figure.canvas.draw()
    legend = importance_ax.get_legend().get_texts()
    assert r"price_\$_total_\$" in [text.get_text() for text in legend]


def test_a_search_of_another_library_is_drawn_through_its_best_estimator(split):
    """Searches built on BaseEstimator alone (not scikit-learn's BaseSearchCV) keep a
    best_estimator_ too: they were unwrapped by their params before, and must still be."""
    from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin

    class OtherSearchCV(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
        def __init__(self, estimator, refit=True):
            self.estimator, self.refit = estimator, refit

        def fit(self, X, y):
            self.best_estimator_ = clone(self.estimator).set_params(l1=1e-3).fit(X, y)
            self.classes_ = self.best_estimator_.classes_
            return self

        def predict(self, X):
            return self.best_estimator_.predict(X)

    X_train, y_train, X_test, y_test = split
    search = OtherSearchCV(L1L2Classifier(**{**FAST, "epochs": 3})).fit(X_train, y_train)
    path = plots.regularization_path(search, X_train, y_train, X_test, y_test, [0, 1e-3])
    assert path.l1_values.tolist() == [0, 1e-3]
    assert plots.plot_loss_curve(search).get_title().startswith("Training loss")


def test_dollar_signs_are_left_alone_where_matplotlib_parses_no_math():
    """With rcParams["text.parse_math"] off, matplotlib draws every text as written: the escape
    would show its backslash."""
    path = plots.RegularizationPath(
        l1_values=[0, 1e-3], train_scores=[0.9, 0.8], test_scores=[0.8, 0.7],
        feature_importances=[[3, 2], [2, 1]], feature_names=["price_$_total_$", "b"],
        n_iter=[5, 5],
    )
    with matplotlib.rc_context({"text.parse_math": False}):
        _, importance_ax = plots.plot_regularization_path(path, n_labeled=2)
        importance_ax.figure.canvas.draw()
    legend = [text.get_text() for text in importance_ax.get_legend().get_texts()]
    assert legend == ["price_$_total_$", "b"]


@pytest.mark.parametrize("inner", ["search", "target-transformed pipeline"])
def test_pictures_of_a_search_over_a_search_reach_the_network(split, tmp_path, inner):
    """A GridSearchCV whose best_estimator_ is a fitted L1L2ClassifierCV (or L1L2RegressorCV in a
    TransformedTargetRegressor's Pipeline): its loss curve was refused as not a network's, and
    its path called the fitted inner search "unfitted"."""
    X_train, y_train, X_test, y_test = split
    cv = dict(**{**FAST, "epochs": 4}, l1s=[0, 1e-3], l2s=[0], cv=2)
    if inner == "search":
        estimator, grid = L1L2ClassifierCV(**cv), {"learning_rate": [1e-3, 1e-2]}
    else:
        y_train, y_test = X_train[:, 0] * 2.0 + 1.0, X_test[:, 0] * 2.0 + 1.0
        estimator = TransformedTargetRegressor(
            make_pipeline(StandardScaler(), L1L2RegressorCV(**cv)), transformer=StandardScaler()
        )
        grid = {"regressor__l1l2regressorcv__learning_rate": [1e-3, 1e-2]}
    search = GridSearchCV(estimator, grid, cv=2).fit(X_train, y_train)
    network = final_step(final_step(search.best_estimator_).best_estimator_)
    np.testing.assert_array_equal(plots.plot_loss_curve(search).lines[0].get_ydata(),
                                  network.loss_curve_)
    path = plots.regularization_path(search, X_train, y_train, X_test, y_test, [0, 1e-2])
    inner_search = final_step(search.best_estimator_)
    through = search.best_estimator_
    if inner != "search":
        through = clone(through).set_params(
            regressor__l1l2regressorcv=inner_search.best_estimator_
        )
    else:
        through = inner_search.best_estimator_
    expected = plots.regularization_path(through, X_train, y_train, X_test, y_test, [0, 1e-2])
    np.testing.assert_array_equal(path.test_scores, expected.test_scores)
    plots.save_plots(search, X_train, y_train, X_test, y_test, tmp_path, l1_values=[0])
    assert len(list(tmp_path.iterdir())) == 3


def test_a_hand_built_loss_curve_with_more_scores_than_epochs_is_refused():
    display = plots.LossCurveDisplay(loss_curve=[3.0, 2.0], validation_scores=[0.5, 0.6, 0.7])
    with pytest.raises(ValueError, match=r"3 validation_scores for 2 epochs of loss_curve"):
        display.plot()


@pytest.mark.parametrize("fields, message", [
    (dict(validation_scores=[0.5, 0.6, 0.7]), "3 validation_scores for 2 epochs"),
    (dict(validation_scores=[0.5], validation_start=2), "validation_start == 2, must be <= 1"),
    (dict(loss_curve=[]), "loss_curve is empty"),
])
def test_a_hand_built_loss_curve_is_refused_before_anything_is_drawn(fields, message):
    """The checks of the scores against the epochs came after the loss was drawn: a figure
    was left open, with a loss line in it and ax_ set; an empty curve drew an empty plot."""
    display = plots.LossCurveDisplay(**{"loss_curve": [3.0, 2.0], **fields})
    with pytest.raises(ValueError, match=message):
        display.plot()
    assert not plt.get_fignums()
    assert not hasattr(display, "ax_")


def test_a_loss_curve_given_a_label_shows_it_in_a_legend():
    ax = plots.LossCurveDisplay(loss_curve=[3.0, 2.0]).plot(label="run A").ax_
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["run A"]
    assert plots.LossCurveDisplay(loss_curve=[3.0, 2.0]).plot().ax_.get_legend() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's "No artists with labels found"
        for label in (None, "", "_hidden"):
            ax = plots.LossCurveDisplay(loss_curve=[3.0, 2.0]).plot(label=label).ax_
            assert ax.get_legend() is None
            # With scores, the legend names the loss line as it does by default (it had read
            # "_child0").
            ax = plots.LossCurveDisplay(loss_curve=[3.0, 2.0], validation_scores=[0.5]).plot(
                label=label
            ).ax_
            assert ax.get_legend().get_texts()[0].get_text() == "training loss"


@pytest.mark.parametrize(
    "l1_values", [[-1e-2, 1e-3], [np.nan, 0.0], [1e-3, 0.0], [0.0, np.inf], [1e-3, 1e-3]]
)
def test_a_hand_built_path_needs_ascending_finite_l1_values_of_at_least_0(l1_values):
    # A value twice had been taken, where regularization_path drops duplicates.
    fields = dict(train_scores=[0.9, 0.8], test_scores=[0.8, 0.7],
                  feature_importances=[[3, 2], [2, 1]], feature_names=["a", "b"], n_iter=[5, 5])
    with pytest.raises(ValueError, match="RegularizationPath: l1_values must be finite, >= 0 "
                                         "and strictly ascending"):
        plots.RegularizationPath(l1_values=l1_values, **fields)


@pytest.mark.parametrize("value", [0.04079474061072495, 0.0390625, 1e-3])
def test_a_path_of_one_value_drawn_twice_keeps_its_point_in_view(value):
    """A log axis autoscaled around one value collapsed to a zero-width range that left the
    point out, or warned of a division by zero (an error under -W error)."""
    path = plots.RegularizationPath([value], [0.9], [0.8], [[0.5]], ["f0"], [3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        axes = plots.plot_regularization_path(path, n_labeled=0)
        plots.plot_regularization_path(path, axes=axes, name="second", n_labeled=0)
        axes[0].figure.canvas.draw()
    for ax in axes:  # half a decade each side, on both panels
        low, high = ax.get_xlim()
        assert low < value < high and high / low == pytest.approx(10)


def test_a_path_of_a_tiny_value_beside_0_draws_without_a_warning():
    # regularization_path takes any value >= 0; the symlog scale's autoscaling had overflowed
    # in exp below about 1e-290 (a RuntimeWarning: an error under -W error).
    path = plots.RegularizationPath([0.0, 1e-300], [0.9, 0.8], [0.8, 0.7], [[0.5], [0.4]],
                                    ["f0"], [3, 3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        axes = plots.plot_regularization_path(path)
        axes[0].figure.canvas.draw()
    low, high = axes[0].get_xlim()
    assert low < 0.0 and 1e-300 < high  # both in view (matplotlib widens so small a range)


def test_every_one_axes_picture_takes_one_axes_as_ax(fitted_binary, binary_data):
    # Two of them (plt.subplots(1, 2)[1]) had failed inside: "'numpy.ndarray' object has no
    # attribute 'figure'"; a Figure, in the confusion matrix and the prediction error, with
    # "'Figure' object has no attribute 'imshow'" (scikit-learn's displays check neither).
    import matplotlib.pyplot as plt

    X, y = binary_data
    with pytest.warns(ConvergenceWarning):
        regressor = L1L2Regressor(**{**FAST, "epochs": 2}).fit(X, y.astype(float))
    figure, axes = plt.subplots(1, 2)
    for draw in (
        lambda ax: plots.plot_loss_curve(fitted_binary, ax=ax),
        lambda ax: plots.plot_confusion_matrix(fitted_binary, X, y, ax=ax),
        lambda ax: plots.plot_prediction_error(regressor, X, y.astype(float), ax=ax),
    ):
        with pytest.raises(TypeError, match="ax must be one matplotlib Axes, got ndarray of 2"):
            draw(axes)
        with pytest.raises(TypeError, match=r"ax must be one matplotlib Axes, got Figure\.$"):
            draw(figure)
        drawn = draw(axes[0])  # plot_loss_curve returns the Axes, the others a display
        assert getattr(drawn, "ax_", drawn) is axes[0]


@pytest.mark.parametrize(
    "subsample, error",
    [("all", TypeError), (True, TypeError), (0, ValueError), (-3, ValueError),
     (0.0, ValueError), (1.0, ValueError), (1.5, ValueError)],
)
def test_the_prediction_errors_subsample_is_checked_by_name(binary_data, subsample, error):
    # "all" had reached scikit-learn's comparison: "'<' not supported between instances of
    # 'str' and 'int'".
    X, y = binary_data
    regressor = L1L2Regressor(**{**FAST, "epochs": 1})
    with pytest.warns(ConvergenceWarning):
        regressor.fit(X, y.astype(float))
    with pytest.raises(error, match=r"subsample must be an int >= 1, a float in \(0, 1\) or "
                                    rf"None; got {re.escape(repr(subsample))}\."):
        plots.plot_prediction_error(regressor, X, y.astype(float), subsample=subsample)
    for taken in (None, 7, 0.5):
        plots.plot_prediction_error(regressor, X, y.astype(float), subsample=taken)


def test_save_plots_refuses_a_file_as_its_directory(fitted_binary, binary_data, tmp_path):
    # os.makedirs had said "File exists", which reads as a refusal to replace it.
    X, y = binary_data
    taken = tmp_path / "report.png"
    taken.write_bytes(b"mine")
    with pytest.raises(ValueError, match=r"save_plots: directory '.*report.png' is a file, not "
                                         "a folder; give a folder for the three PNG files"):
        plots.save_plots(fitted_binary, X, y, X, y, taken, l1_values=[0.0])
    assert taken.read_bytes() == b"mine"


def test_held_out_weights_are_checked_as_training_weights_are(fitted_binary, binary_data,
                                                             tmp_path, monkeypatch):
    """Negative held-out weights had been taken (weights of 1 on the right rows and -0.9 on the
    wrong ones drew "accuracy 10.000"); weights written as text had passed every fit and
    failed in accuracy_score after them."""
    X, y = binary_data
    negative = np.where(fitted_binary.predict(X) == y, 1.0, -0.9)
    for draw in (
        lambda weights: plots.plot_confusion_matrix(fitted_binary, X, y, sample_weight=weights),
        lambda weights: plots.regularization_path(fitted_binary, X, y, X, y, [0.0],
                                                  test_sample_weight=weights),
        lambda weights: plots.regularization_path(fitted_binary, X, y, X, y, [0.0],
                                                  sample_weight=weights),
    ):
        with pytest.raises(ValueError, match="sample_weight: Negative values") as raised:
            draw(negative)
        # One message, not chained to scikit-learn's (whose text it holds: it came twice).
        assert raised.value.__cause__ is None and raised.value.__suppress_context__
    texts = np.full(len(y), "1")
    title = plots.plot_confusion_matrix(fitted_binary, X, y, sample_weight=texts).ax_.get_title()
    assert title == plots.plot_confusion_matrix(fitted_binary, X, y).ax_.get_title()
    path = plots.regularization_path(fitted_binary, X, y, X, y, [0.0], sample_weight=texts,
                                     test_sample_weight=texts)
    assert path.test_scores[0] == plots.regularization_path(fitted_binary, X, y, X, y,
                                                            [0.0]).test_scores[0]


@pytest.mark.parametrize("dpi", [1.5, 3])
def test_save_plots_refuses_a_dpi_too_small_for_text_before_the_fits(
    fitted_binary, binary_data, tmp_path, monkeypatch, dpi
):
    """Text less than a pixel high: FreeType's "invalid ppem value" had failed savefig after
    the path's fits, leaving the folder."""
    X, y = binary_data
    monkeypatch.setattr(plots, "regularization_path", None)  # not to be called
    with pytest.raises(ValueError, match=f"dpi={dpi} is too small for matplotlib to draw"):
        plots.save_plots(fitted_binary, X, y, X, y, tmp_path / "out", dpi=dpi)
    assert not (tmp_path / "out").exists()


# -- held-out inputs, checked before the path's fits -------------------------------------------


def _held_out_case(case, split):
    """``(estimator, X_train, y_train, X_test, y_test, keywords)`` of one case that the held-out
    score would refuse, and the message refusing it."""
    X_train, y_train, X_test, y_test = split
    estimator, keywords = L1L2Classifier(**FAST), {}
    if case == "X_test NaN":
        X_test = X_test.copy()
        X_test[0, 0] = np.nan
        message = "Input X_test contains NaN"
    elif case == "X_test of no rows":
        X_test, y_test = X_test[:0], y_test[:0]
        message = "X_test has 0 rows"
    elif case == "X_test of text":
        X_test = np.full(X_test.shape, "a", dtype=object)
        message = "X_test cannot be predicted on: could not convert string to float"
    elif case == "X_test of other column names":
        names = [f"f{i}" for i in range(X_train.shape[1])]
        X_train = pd.DataFrame(X_train, columns=names)
        X_test = pd.DataFrame(X_test, columns=names[::-1])
        message = "X_test's column names .* differ from X_train's"
    elif case.startswith("test_sample_weight"):
        weights = np.ones(len(y_test))
        keywords["test_sample_weight"] = (
            np.where(np.arange(len(y_test)) == 0, np.nan, weights) if case.endswith("NaN")
            else np.c_[weights, weights]
        )
        message = ("test_sample_weight: Input sample_weight contains NaN" if case.endswith("NaN")
                   else "test_sample_weight: Sample weights must be 1D")
    elif case == "regressor X_test of one row":  # R² is NaN there, with a warning
        estimator = L1L2Regressor(**FAST)
        y_train, X_test, y_test = X_train[:, 0], X_test[:1], X_test[:1, 0]
        message = "X_test has 1 row: the held-out R² needs at least two"
    elif case == "test_sample_weight negative":
        keywords["test_sample_weight"] = np.where(np.arange(len(y_test)) == 0, -1.0, 1.0)
        message = "test_sample_weight: Negative values in data passed to `sample_weight`"
    elif case == "regressor y_test NaN":
        estimator = L1L2Regressor(**FAST)
        y_train, y_test = X_train[:, 0], X_test[:, 0].copy()
        y_test[3] = np.nan
        message = "Input y_test contains NaN"
    else:  # X_test NaN through a TransformedTargetRegressor, which passes X on as given
        estimator = TransformedTargetRegressor(L1L2Regressor(**FAST), transformer=StandardScaler())
        y_train, y_test = X_train[:, 0], X_test[:, 0]
        X_test = X_test.copy()
        X_test[0, 0] = np.nan
        message = "Input X_test contains NaN"
    return estimator, X_train, y_train, X_test, y_test, keywords, message


@pytest.mark.parametrize("case", [
    "X_test NaN", "X_test of no rows", "X_test of text", "X_test of other column names",
    "test_sample_weight NaN", "test_sample_weight 2-D", "test_sample_weight negative",
    "regressor y_test NaN", "regressor X_test of one row",
    "X_test NaN in a TransformedTargetRegressor",
])
def test_held_out_data_the_score_refuses_is_refused_before_the_fits(split, monkeypatch, case):
    """Each was found by the held-out score, after every network of the path had trained."""
    estimator, X_train, y_train, X_test, y_test, keywords, message = _held_out_case(case, split)
    network = type(final_step(estimator, fitted=False))
    monkeypatch.setattr(network, "_fit_members", None)  # no fit may start
    monkeypatch.setattr(network, "_fit", None)
    with pytest.raises(ValueError, match=message):
        plots.regularization_path(estimator, X_train, y_train, X_test, y_test, [0, 1e-3],
                                  **keywords)


def test_held_out_numbers_written_as_text_are_taken_as_the_network_takes_them(split):
    """The check of X_test before the fits takes what predict takes: numbers as text too."""
    X_train, y_train, X_test, y_test = split
    as_text = plots.regularization_path(
        L1L2Classifier(**FAST), X_train, y_train, X_test.astype(str), y_test, [0]
    )
    as_numbers = plots.regularization_path(
        L1L2Classifier(**FAST), X_train, y_train, X_test.astype(str).astype(float), y_test, [0]
    )
    np.testing.assert_array_equal(as_text.test_scores, as_numbers.test_scores)


def test_a_weighted_path_under_metadata_routing_needs_the_score_request_before_fitting(split):
    """With routing on, a Pipeline's score passes sample_weight only where its network's score
    request sets it: the path trained every network, then failed at the training score."""
    import sklearn
    from sklearn.exceptions import UnsetMetadataPassedError

    X_train, y_train, X_test, y_test = split
    weights = np.linspace(0.5, 2.0, len(y_train))
    with sklearn.config_context(enable_metadata_routing=True):
        network = L1L2Classifier(**FAST).set_fit_request(sample_weight=True)
        pipeline = make_pipeline(StandardScaler().set_fit_request(sample_weight=False), network)
        fits = []
        original = L1L2Classifier._fit_members

        def counted(self, *args, **kwargs):
            fits.append(1)
            return original(self, *args, **kwargs)

        L1L2Classifier._fit_members = counted
        try:
            with pytest.raises(UnsetMetadataPassedError, match=r"L1L2Classifier.score"):
                plots.regularization_path(pipeline, X_train, y_train, X_test, y_test, [0, 1e-3],
                                          sample_weight=weights)
            assert not fits
            network.set_score_request(sample_weight=True)
            path = plots.regularization_path(
                pipeline, X_train, y_train, X_test, y_test, [0], sample_weight=weights
            )
        finally:
            L1L2Classifier._fit_members = original
        fitted = clone(pipeline).set_params(l1l2classifier__l1=0.0)
        fitted.fit(X_train, y_train, sample_weight=weights)
        assert path.train_scores[0] == fitted.score(X_train, y_train, sample_weight=weights)


def test_an_invalid_l1_of_the_estimator_is_replaced_by_the_paths_values(split):
    """Each point fits the estimator with l1 set to the path's value, as
    clone(estimator).set_params(l1=value).fit would: its own l1 was checked and refused."""
    X_train, y_train, X_test, y_test = split
    path = plots.regularization_path(
        L1L2Classifier(**FAST, l1=-1.0), X_train, y_train, X_test, y_test, [0, 1e-3]
    )
    expected = plots.regularization_path(
        L1L2Classifier(**FAST), X_train, y_train, X_test, y_test, [0, 1e-3]
    )
    np.testing.assert_array_equal(path.test_scores, expected.test_scores)
    np.testing.assert_array_equal(path.feature_importances, expected.feature_importances)


def test_save_plots_refuses_folders_it_cannot_write_to_before_the_fits(split, tmp_path,
                                                                       monkeypatch):
    """A file name taken by a folder was found by savefig after the path's fits (another file
    already written); an empty directory was os.makedirs' FileNotFoundError: ''."""
    X_train, y_train, X_test, y_test = split
    fitted = L1L2Classifier(**FAST).fit(X_train, y_train)
    monkeypatch.setattr(L1L2Classifier, "_fit_members", None)
    (tmp_path / "loss_curve.png").mkdir()
    with pytest.raises(ValueError, match=r"save_plots cannot write .*loss_curve.png'?: it is a "
                                         "folder"):
        plots.save_plots(fitted, X_train, y_train, X_test, y_test, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["loss_curve.png"]
    with pytest.raises(ValueError, match=r"directory must name a folder \('\.' for the current"):
        plots.save_plots(fitted, X_train, y_train, X_test, y_test, "")


def test_loss_curve_display_names_itself_and_checks_its_arguments(split):
    X_train, y_train, _, _ = split
    with pytest.raises(TypeError, match="^LossCurveDisplay.from_estimator draws the loss curve"):
        plots.LossCurveDisplay.from_estimator(LogisticRegression().fit(X_train, y_train))
    with pytest.raises(TypeError, match="^plot_loss_curve draws the loss curve"):
        plots.plot_loss_curve(LogisticRegression().fit(X_train, y_train))
    with pytest.raises(TypeError, match="^LossCurveDisplay.from_estimator needs a fitted"):
        plots.LossCurveDisplay.from_estimator(L1L2Regressor)
    for name in (None, 3, ""):  # drawn as the axis label "validation None"
        with pytest.raises(ValueError, match="score_name must be a non-empty str"):
            plots.LossCurveDisplay(
                loss_curve=[1.0, 0.5], validation_scores=[0.5, 0.6], score_name=name
            ).plot()
        # Without scores there is no validation axis to name.
        plots.LossCurveDisplay(loss_curve=[1.0, 0.5], score_name=name).plot()
    _, ax = plt.subplots()
    with pytest.raises(TypeError, match="draws on one Axes, given as ax="):  # matplotlib's own
        plots.LossCurveDisplay(loss_curve=[1.0, 0.5]).plot(axes=ax)
    assert not ax.lines
