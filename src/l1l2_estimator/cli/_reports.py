"""The text the command line prints: warnings summary, model, grid, path and evaluation reports."""

import contextlib
import re
import sys
import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    mean_absolute_error,
    r2_score,
    root_mean_squared_error,
)

from .._path import final_step
from ._settings import PROG, printable, quoted_label


@contextlib.contextmanager
def warnings_summarized(epochs, noun="fit"):
    """Collect the warnings raised while fitting, then print each kind once, as one line on stderr.

    A grid search fits dozens of networks; each that runs out of epochs would otherwise print a
    multi-line ConvergenceWarning with a source excerpt. If fitting fails, the error is what
    matters and the warnings are dropped.
    """
    with warnings.catch_warnings(record=True) as caught:
        # "always": the default filter shows a warning once per code location, which would hide
        # every grid-search fit after the first one from the count. Appended, after the user's
        # filters (-W, PYTHONWARNINGS), which come first: ignored, or made an error (which _main
        # reports as one), as they say (put first, "always" had printed the note under -W
        # ignore).
        warnings.simplefilter("always", ConvergenceWarning, append=True)
        yield
    # The fits that reached --epochs; a search counts its members. Other ConvergenceWarnings
    # (a stop where float32 cannot register tol, a loss that rose from the start) are printed
    # as they are (they had been counted as fits that reached --epochs, and their reason lost).
    unconverged = sum(
        _fits_reported(warning)
        for warning in caught
        if issubclass(warning.category, ConvergenceWarning) and _reached_epochs(warning)
    )
    if unconverged:
        fits = f"1 {noun}" if unconverged == 1 else f"{unconverged} {noun}s"
        print(
            f"{PROG}: note: {fits} stopped at --epochs {epochs} before converging",
            file=sys.stderr,
        )
    shown, glyphs = set(), {}
    for warning in caught:
        message = " ".join(str(warning.message).split())
        missing = _MISSING_GLYPH.fullmatch(message)
        if missing:  # matplotlib warns once per character its font lacks
            glyphs.setdefault(missing.group(2), {})[chr(int(missing.group(1)))] = None
        elif message not in shown and not (
            issubclass(warning.category, ConvergenceWarning) and _reached_epochs(warning)
        ):
            shown.add(message)
            print(f"{PROG}: warning: {message}", file=sys.stderr)
    for font, characters in glyphs.items():
        print(
            f"{PROG}: note: the pictures' font ({font}) has no {''.join(characters)}, "
            "drawn as boxes: set matplotlib's font.family to a font that has them",
            file=sys.stderr,
        )


# matplotlib's warning about a character its font lacks (one per character, each two lines).
_MISSING_GLYPH = re.compile(r"Glyph (\d+) \(.*\) missing from font\(s\) (.*)\.")


def _reached_epochs(warning):
    """Whether a ConvergenceWarning is about fits that reached the maximum number of epochs."""
    return "maximum number of epochs" in str(warning.message)


def _fits_reported(warning):
    """How many fits a ConvergenceWarning is about: a search (``L1L2ClassifierCV``) warns once
    for all its member fits, with their count; any other fit warns for itself."""
    members = re.search(r"(\d+) of the \d+ member fits", str(warning.message))
    return int(members.group(1)) if members else 1


def describe_model(model):
    network = final_step(model)
    params = network.get_params()
    target = (
        ", target standardized" if isinstance(model, TransformedTargetRegressor) else ""
    )
    return (
        f"StandardScaler + {type(network).__name__}("
        f"hidden_layer_sizes={params['hidden_layer_sizes']}, l1={params['l1']:g}, "
        f"l2={params['l2']:g}, epochs={params['epochs']}), trained for {network.n_iter_} "
        f"epoch{'' if network.n_iter_ == 1 else 's'}{target}"
    )


def format_grid_results(search, metric="accuracy"):
    """The best ``(l1, l2)`` pair and a table of cross-validated scores for every pair."""
    results = search.cv_results_
    best = search.best_params_
    lines = [
        f"Grid search: {len(results['params'])} (l1, l2) pairs, {search.n_splits_}-fold "
        f"cross-validation on the training split (all trained at once), scored by {metric}",
        f"Best: l1={best['l1']:g}, l2={best['l2']:g} "
        f"(mean CV {metric} {_score(search.best_score_, 3)}); refit on the whole training split",
        "",
        f"{'l1':>8} {'l2':>8} {'mean':>7} {'std':>7} {'rank':>5}",
    ]
    for index, (params, mean, std, rank) in enumerate(zip(
        results["params"],
        results["mean_test_score"],
        results["std_test_score"],
        results["rank_test_score"],
    )):
        # The pair refit (of several tied at rank 1, every one of them had been marked).
        marker = "  <- best" if index == search.best_index_ else ""
        lines.append(
            f"{params['l1']:>8g} {params['l2']:>8g} "
            f"{_score(mean, 3):>7} {_score(std, 3):>7} {rank:>5d}{marker}"
        )
    return "\n".join(lines)


def format_regularization_path(path):
    """Held-out score (accuracy or R²) and epochs trained for each ``l1`` of a regularization
    path."""
    metric = path.score_name
    lines = [
        f"Regularization path: the model refitted for {len(path.l1_values)} values of l1 "
        f"(other settings as above), held-out {metric}",
        "",
        f"{'l1':>8} {metric:>9} {'epochs':>7}",
    ]
    for l1, score, epochs in zip(path.l1_values, path.test_scores, path.n_iter):
        lines.append(f"{l1:>8g} {_score(score, 3):>9} {epochs:>7d}")
    return "\n".join(lines)


def _score(value, decimals):
    """A score with ``decimals`` decimals, or as many significant digits far from 0 and 1 (an R²
    of -5e299 had printed as 300 digits)."""
    return f"{value:.{decimals}{'g' if abs(value) >= 1e6 else 'f'}}"


def format_regression_evaluation(model, X_test, y_test):
    """Held-out R², mean absolute error and root mean squared error."""
    y_pred = model.predict(X_test)
    return "\n".join(
        [
            f"Test R²: {_score(r2_score(y_test, y_pred), 4)}",
            f"Test mean absolute error: {mean_absolute_error(y_test, y_pred):.4g}",
            f"Test root mean squared error: {root_mean_squared_error(y_test, y_pred):.4g}",
        ]
    )


def format_evaluation(model, X_test, y_test):
    """Held-out accuracy, the labelled confusion matrix and ``classification_report``."""
    y_pred = model.predict(X_test)
    labels = model.classes_
    accuracy = accuracy_score(y_test, y_pred)
    correct = int(np.sum(np.asarray(y_test) == y_pred))
    # A class neither in the test split nor predicted has no precision or recall: scored 0, it
    # pulled the macro average down (0.500 with every test row right); named instead.
    seen = np.isin(labels, np.concatenate([np.asarray(y_test), np.asarray(y_pred)]))
    absent = [
        f"Class {quoted_label(label)} has no rows in the test split: left out of the report."
        for label in labels[~seen].tolist()
    ]
    return "\n".join(
        [
            f"Test accuracy: {accuracy:.4f} ({correct} of {len(y_test)} correct)",
            "",
            "Confusion matrix (rows: true class, columns: predicted class):",
            format_confusion_matrix(confusion_matrix(y_test, y_pred, labels=labels), labels),
            "",
            "Classification report:",
            # zero_division=0: a class never predicted by a weak model is a result, not a warning.
            classification_report(
                y_test, y_pred, labels=labels[seen], digits=3, zero_division=0,
                target_names=[_shown(str(label)) for label in labels[seen]],
            ).rstrip(),
            *absent,
        ]
    ).rstrip()


def _shown(text):
    """``printable(text)`` as standard output will write it: characters its encoding lacks
    escaped here (``\\xe7``), so that tables measure their columns on what is written (under
    PYTHONIOENCODING=ascii the stream escaped them after the widths were set, and the columns
    of non-ASCII labels no longer lined up)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    return printable(text).encode(encoding, "backslashreplace").decode(encoding)


# Above this many characters, a label heads its column by its number alone (the row gives the
# whole label): three labels of 60 characters had made a table 243 characters wide.
LONGEST_COLUMN_LABEL = 20


def format_confusion_matrix(matrix, labels):
    """Text table of ``matrix`` with ``labels`` as row (true) and column (predicted) headers;
    where a label is long, the columns are headed by numbers and each row's label by its
    number too."""
    corner = "true \\ predicted"
    names = [_shown(str(label)) for label in labels]
    columns = names
    if max(len(name) for name in names) > LONGEST_COLUMN_LABEL:
        columns = [f"[{index}]" for index in range(len(names))]
        names = [f"[{index}] {name}" for index, name in enumerate(names)]
    row_width = max(len(corner), *(len(name) for name in names))
    column_width = max(5, *(len(name) for name in columns), *(len(str(n)) for n in matrix.flat))
    lines = [corner.ljust(row_width) + "".join(f" {name:>{column_width}}" for name in columns)]
    for name, row in zip(names, matrix):
        lines.append(name.ljust(row_width) + "".join(f" {count:>{column_width}d}" for count in row))
    return "\n".join(lines)
