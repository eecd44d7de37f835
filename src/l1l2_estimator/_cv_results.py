"""Scoring a search's members and assembling ``cv_results_`` as ``GridSearchCV`` does: a score as
a float, a scorer's failure as ``error_score``, the columns and ranks of the table, and the pair
it chooses."""

import contextlib
import warnings
from collections import Counter
from numbers import Integral, Real

import numpy as np
from scipy.stats import rankdata

from ._compat import safe_indexing


def _number(score, name=None):
    """A score as a float; as GridSearchCV, a 0-d array or a NumPy scalar is one."""
    if hasattr(score, "item"):
        with contextlib.suppress(ValueError):
            score = score.item()
    if not isinstance(score, Real):
        metric = "" if name is None else f" (metric {name!r})"
        raise ValueError(
            f"scoring must return a number{metric}, got {score!r} ({type(score).__name__})."
        )
    return float(score)


def score_member(scoring, several, member, rows, weights, picked, error_score, failures):
    """The score of ``member`` on ``rows`` (``(X, y)``, those ``picked`` of the data) by
    ``scoring``, a ``(scorer, takes the weights, metadata)`` triple by metric name (the metadata
    by name, each as ``(value, whether it has a value per row)``: ``picked`` of those that do are
    passed, the others whole): with ``several``
    metrics, a float per name; else a float, or the floats of the dict the scorer returns (a
    callable scoring several metrics, as GridSearchCV takes it).

    As GridSearchCV's ``error_score``: a scorer that raises scores ``error_score`` (None when
    the scorer of one metric or a dict-returning callable raised: ``error_score`` for every
    metric), its exception added to ``failures``; with ``"raise"`` it propagates."""
    scores = {}
    for name, (scorer, weighted, metadata) in scoring.items():
        given = {"sample_weight": weights[picked]} if weighted and weights is not None else {}
        given.update({
            key: safe_indexing(value, picked) if per_row else value
            for key, (value, per_row) in metadata.items()
        })
        try:
            scores[name] = scorer(member, *rows, **given)
        except Exception as error:
            if error_score == "raise":
                raise
            failures.append(error)
            if not several:
                return None
            scores[name] = error_score
    if several:
        return {name: _number(score, name) for name, score in scores.items()}
    score = scores["score"]
    if isinstance(score, dict):
        if not score:
            raise ValueError("scoring returned an empty dict: name at least one metric.")
        return {name: _number(value, name) for name, value in score.items()}
    return _number(score)


def failures_summary(failures):
    """The distinct errors of ``failures`` (exceptions), each with how often it occurred."""
    counts = Counter(f"{type(error).__name__}: {str(error).rstrip('.')}" for error in failures)
    return "; ".join(
        text if count == 1 else f"{text} ({count} times)" for text, count in counts.items()
    )


def ranks(means):
    """Ranks of mean scores, as GridSearchCV ranks them: the best first, ties sharing the best
    rank; a NaN mean counts as the lowest mean minus 1, and infinite means as the largest and
    smallest float (so a NaN ranks below -inf, but above the largest float when every other
    mean is +inf); all NaN: all first."""
    if np.isnan(means).all():
        return np.ones(len(means), np.int32)
    filled = np.nan_to_num(means, nan=np.nanmin(means) - 1)
    return rankdata(-filled, method="min").astype(np.int32)


def cv_results(candidates, scores, names, fit_times, score_times, n_iters, several,
               error_score, train_scores=None):
    """``cv_results_``, shaped like ``GridSearchCV``'s: for each metric of ``names``
    (``["score"]`` for one), its held-out columns and, with ``train_scores``, its
    ``return_train_score=True`` columns. ``scores`` holds, per candidate and fold, its
    score (one metric), its scores by metric name, or None (a failed fit, or a scorer
    of every metric that raised: ``error_score`` for every metric)."""
    column_names = (["hidden_layer_sizes"] if several else []) + ["l1", "l2"]
    results = {}
    for label, values in (("fit_time", fit_times), ("score_time", score_times)):
        values = np.asarray(values, dtype=np.float64)
        results[f"mean_{label}"] = values.mean(axis=1)
        results[f"std_{label}"] = values.std(axis=1)
    for name in column_names:
        # As GridSearchCV: numbers get a numeric column, anything else an object column.
        values = [candidate[name] for candidate in candidates]
        try:
            inferred = np.array(values)
        except ValueError:  # sequences of different lengths
            inferred = None
        if inferred is not None and inferred.ndim == 1 and inferred.dtype.kind != "U":
            column = np.ma.MaskedArray(inferred, mask=False)
        else:
            column = np.ma.MaskedArray(np.empty(len(candidates), dtype=object), mask=False)
            for index, value in enumerate(values):
                column[index] = value
        results[f"param_{name}"] = column
    results["params"] = candidates

    failed = np.nan if isinstance(error_score, str) else error_score

    def table(given, name):
        return np.array(
            [[failed if score is None else score[name] if isinstance(score, dict) else score
              for score in rows] for rows in given],
            dtype=np.float64,
        )

    for name in names:
        splits = [("test", scores)] + ([("train", train_scores)] if train_scores else [])
        for split, given in splits:
            values = table(given, name)
            for fold in range(values.shape[1]):
                results[f"split{fold}_{split}_{name}"] = values[:, fold]
            # As GridSearchCV: a candidate with a failed (NaN) split has a NaN mean.
            means = values.mean(axis=1)
            results[f"mean_{split}_{name}"] = means
            results[f"std_{split}_{name}"] = values.std(axis=1)
            if split == "test":
                results[f"rank_test_{name}"] = ranks(means)
            if not np.all(np.isfinite(means)):
                warnings.warn(
                    f"One or more of the {split} scores are non-finite: {means}",
                    UserWarning,
                    stacklevel=5,  # cv_results, _search, fit, fit_context, the caller
                )
    results["mean_n_iter"] = np.nanmean(np.asarray(n_iters, dtype=np.float64), axis=1)
    return results


def chosen_pair(refit, results, candidates, multimetric):
    """The pair a search with ``refit`` chooses, as the ``best_*`` attributes GridSearchCV sets:
    by a callable ``refit``, else by the best mean score of the metric ``refit`` names (of
    several), else of the one metric. A multi-metric search with ``refit=False`` chooses
    none."""
    if callable(refit):
        # As GridSearchCV: the callable chooses from cv_results_, and best_score_ is not set.
        index = refit(results)
        if not isinstance(index, Integral) or isinstance(index, bool):
            raise TypeError(
                f"refit must return the index of the chosen row of cv_results_, an int; got "
                f"{index!r} ({type(index).__name__})."
            )
        if not 0 <= index < len(candidates):
            raise IndexError(
                f"refit returned {index}, not a row of cv_results_ (0 to "
                f"{len(candidates) - 1})."
            )
        return {"best_index_": int(index), "best_params_": dict(candidates[index])}
    if multimetric and not refit:
        return {}
    metric = refit if multimetric else "score"
    best = int(np.argmin(results[f"rank_test_{metric}"]))
    return {
        "best_index_": best,
        "best_score_": float(results[f"mean_test_{metric}"][best]),
        "best_params_": dict(candidates[best]),
    }
