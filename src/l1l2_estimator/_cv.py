"""L1L2ClassifierCV and L1L2RegressorCV: the penalties chosen by cross-validation, with the whole
``l1`` × ``l2`` grid and every fold trained at once.

``GridSearchCV`` fits one network per (penalty pair, fold); on small data each fit is mostly fixed
cost and tiny steps. These estimators train all of them as one *ensemble* (see
``L1L2Network._fit_members`` and ``_ensemble.train_ensemble``): every member has its own weights,
penalties and row stream (its fold's training rows, shuffled and batched as a single fit would
shuffle and batch them), and follows the path of the corresponding single fit. Scoring, the
``cv_results_`` table and the refit are scikit-learn's, as in ``GridSearchCV``.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import time
import warnings
from collections import Counter
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone, is_classifier
from sklearn import get_config
from sklearn.exceptions import (
    ConvergenceWarning,
    FitFailedWarning,
    UnsetMetadataPassedError,
)
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state, indexable
from sklearn.utils.metadata_routing import (
    UNUSED,
    MetadataRouter,
    MethodMapping,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _docs
from ._compat import (
    StrOptions,
    check_sample_weight,
    fit_context,
    not_converted,
    own_metadata_request,
    safe_indexing,
    scorer_accepts_sample_weight,
    scorer_takes_no_sample_weight,
)
from ._base import refuse_keywords
from ._cv_results import chosen_pair, cv_results, failures_summary, score_member
from ._fitted import publish, stand_in
from ._inputs import (
    class_weight_factors,
    is_sparse,
    refuse_beyond_float32,
    refuse_structured_targets,
    weight_sources,
)
from ._params import (
    CLASS_WEIGHT_CONSTRAINT,
    PARAMETER_CONSTRAINTS,
    RoutedParams,
    layer_sizes,
    penalty_values,
)
from ._path import no_refit_error
from ._stopping import (
    DIVERGED,
    blind_stop_advice,
    blind_stop_message,
    divergence_advice,
    finite_values,
    float32_blind_best,
    large_penalty_advice,
    loss_floor,
    never_improved,
    never_improved_advice,
    rose_from_the_start,
    small_target_message,
    target_scale_advice,
    target_too_small,
    target_variation,
    warnings_point_higher,
    worse_margin_words,
    worse_than_the_mean_advice,
)
from .classifier import (
    L1L2Classifier,
    Multilabel,
    class_labels,
    classification_targets,
    refuse_missing_labels,
    scored_labels,
)
from .regressor import (
    LOSS_CONSTRAINT,
    L1L2Regressor,
    check_poisson_targets,
    regression_targets,
    scored_targets,
)

# No penalty, then three decades: the range in which L1 and L2 change what these networks learn
# on standardized features (see README: l1/l2 versus MLPClassifier's alpha).
DEFAULT_L1S = (0.0, 1e-5, 1e-4, 1e-3)
DEFAULT_L2S = (0.0, 1e-5, 1e-4, 1e-3)
# A network fitting a (standardized) target needs penalties about a hundred times stronger than
# the classification defaults (README, "Regression settings"): on load_diabetes the default
# search scored a nested-CV R² of 0.33 with the grid above and 0.48 with this one.
DEFAULT_REGRESSION_L1S = (0.0, 1e-3, 1e-2, 1e-1)
DEFAULT_REGRESSION_L2S = (0.0, 1e-3, 1e-2, 1e-1)

_SEARCH_CONSTRAINTS = {
    "l1s": ["array-like"],
    "l2s": ["array-like"],
    "cv": ["cv_object"],
    # Several metrics: a list or tuple of scorer names, or a dict of names to scorers (as
    # GridSearchCV, no set: its order, that of the cv_results_ columns, would vary by run).
    "scoring": [StrOptions(set(get_scorer_names())), callable, list, tuple, dict, None],
    # A str names the metric of several to choose and refit by.
    "refit": ["boolean", str, callable],
    "return_train_score": ["boolean"],
    "error_score": [StrOptions({"raise"}), Real],
    "verbose": ["verbose"],
}


def _per_row(value, n_rows):
    """Whether the metadata ``value`` holds a value per row of the data (an array, list, Series
    or sparse matrix of ``n_rows``): GridSearchCV gives a scorer each fold's rows of such
    metadata, and the rest whole."""
    if isinstance(value, (str, bytes)):
        return False
    shape = getattr(value, "shape", None)
    try:
        return (shape[0] if shape is not None and len(shape) else len(value)) == n_rows
    except TypeError:  # a scalar, an object without a length
        return False


def _rows(positions, fold, split, part):
    """A split's ``fold`` (row numbers, negative ones included, or a boolean mask; an empty
    list too, which NumPy reads as floats) as row numbers of ``positions``; ValueError naming
    the ``split`` and its ``part`` ("training" or "test") for anything else (2-D indices had
    failed deep inside the training, float or string ones with NumPy's IndexError)."""
    fold = np.asarray(fold)
    if not fold.size:
        fold = fold.reshape(0).astype(np.intp)
    if fold.ndim != 1 or fold.dtype.kind not in "iub":
        raise ValueError(
            f"cv's split {split} gave {part} indices of shape {fold.shape} and dtype "
            f"{fold.dtype}: each must be a 1-D array of integer row numbers or a boolean mask."
        )
    if fold.dtype.kind == "b" and len(fold) != len(positions):
        raise ValueError(
            f"cv's split {split} gave a {part} mask of {len(fold)} values for "
            f"{len(positions)} rows."
        )
    if fold.dtype.kind != "b" and np.any((fold >= len(positions)) | (fold < -len(positions))):
        raise ValueError(
            f"cv's split {split} gave {part} indices outside the {len(positions)} rows."
        )
    return positions[fold]


# The most candidates a warning about members that reached ``epochs`` names (grid order).
_LISTED = 6

# What a search's choice sets; a multi-metric search without refit chooses nothing.
_CHOICE = ("best_index_", "best_score_", "best_params_", "l1_", "l2_", "hidden_layer_sizes_")


def _targets_key(targets):
    """What a member learns, as a dict key: a classifier's classes as a tuple of labels."""
    return tuple(targets.tolist()) if isinstance(targets, np.ndarray) else targets


def label_column(y):
    """A single column of class labels (a NumPy array or a pandas or polars frame) as that
    column, 1-D, for the refit: the search took it as 1-D with scikit-learn's
    ``DataConversionWarning``, which the refit, given the column, gave a second time. Anything
    else (1-D, or of several columns, or without a shape) as given."""
    shape = getattr(y, "shape", None)  # a polars frame has no ndim
    if shape is None or len(shape) != 2 or shape[1] != 1:
        return y
    if is_sparse(y):  # a SciPy column, or a DataFrame of one sparse column
        return scored_labels(y)
    if hasattr(y, "iloc"):  # pandas
        return y.iloc[:, 0]
    # NumPy's column, or a polars frame's as NumPy takes the frame, as the search's validation
    # did: a polars frame's column as a Series of its own (to_series) validates as fixed-width
    # strings where the frame gives object labels, and the refit's classes_ had differed.
    return np.asarray(y)[:, 0]


class _Report:
    """What a search with ``verbose`` prints, on standard output as ``GridSearchCV`` does: with
    1 or more, its size first (in ``GridSearchCV``'s words), then a line per architecture once
    its members are trained, the chosen pair and the refit; with 2 or more, also the epochs and
    the members still training after every call of an ensemble's graph (a call returns after
    about ``_graph.RETURN_AFTER_SECONDS``, or earlier to pack the members tighter, or when they
    are done: a short search prints one such line)."""

    def __init__(self, search, n_candidates, splits):
        self.verbose = search.verbose
        self.name = f"[{type(search).__name__}]"
        self.n_splits = len(splits)
        self._print(
            1, f"Fitting {self.n_splits} folds for each of {n_candidates} candidates, totalling "
            f"{n_candidates * self.n_splits} fits"
        )

    def _print(self, level, text):
        if self.verbose >= level:
            print(text, flush=True)

    def progress(self, architecture):
        """The ``progress`` of ``train_ensemble`` for ``architecture`` (as given), or None. Where
        the folds train as several ensembles, one after the other (folds of different batch
        counts or sizes, or a classifier's folds that miss a class), each line names the folds
        of its ensemble."""
        if self.verbose < 2:
            return None

        def report(folds, epochs, training, members):
            which = (
                "" if len(folds) == self.n_splits
                else f", fold{'s' if len(folds) > 1 else ''} {', '.join(map(str, folds))}"
            )
            self._print(
                2, f"{self.name} hidden_layer_sizes={architecture!r}{which}: epoch {epochs}, "
                f"{training} of {members} fits training"
            )

        return report

    def trained(self, architecture, members, capped, seconds):
        epochs = [len(state["loss_curve"]) for row in members for state in row if state]
        span = (
            "none trained" if not epochs
            else f"{epochs[0]} epochs each" if min(epochs) == max(epochs)
            else f"{min(epochs)} to {max(epochs)} epochs"
        )
        self._print(
            1, f"{self.name} hidden_layer_sizes={architecture!r}: {len(epochs)} fits in "
            f"{seconds:.2f} s, {span}" + (f", {capped} at the epoch cap" if capped else "")
        )

    def chosen(self, candidate, score, metric):
        """The chosen ``candidate`` and its mean ``score`` (None: not set), by ``metric`` (the
        one of several that chose it; None for one metric)."""
        pair = ", ".join(
            f"{name}={value!r}" if name == "hidden_layer_sizes" else f"{name}={float(value):g}"
            for name, value in candidate.items()
        )
        self._print(
            1, f"{self.name} best: {pair}"
            + ("" if score is None else f", mean test {metric or 'score'} {score:.4f}")
        )

    def refitted(self, estimator, rows, seconds):
        self._print(
            1, f"{self.name} refitted on all {rows} rows in {seconds:.2f} s, "
            f"{estimator.n_iter_} epochs"
        )


# The single estimator's params that a search trained as one ensemble cannot take, and what to
# use instead.
_NOT_SEARCH_PARAMS = {
    "early_stopping": "every member is scored on its own held-out fold; to combine both, use "
    "GridSearchCV over {estimator}(early_stopping=True)",
    "validation_fraction": "it belongs to early_stopping, which a search does not take; use "
    "GridSearchCV over {estimator}(early_stopping=True)",
    "callbacks": "every fold and pair trains at once; pass callbacks to {estimator} (e.g. "
    "best_estimator_.set_params(callbacks=...)) or use GridSearchCV",
    "warm_start": "each search trains fresh networks; continue training best_estimator_ "
    "instead",
    "n_jobs": "the whole grid already trains at once in this process; for several processes "
    "use GridSearchCV(n_jobs=...)",
    "l1": "the search chooses l1 from l1s",
    "l2": "the search chooses l2 from l2s",
}


class _L1L2NetworkCV(RoutedParams, BaseEstimator):
    """What both cross-validated estimators share; each sets ``_estimator_class``."""

    _estimator_class = None
    _fit_prefixes = frozenset({"optimizer"})  # callbacks are refused (_check_not_search_params)
    error_score = np.nan  # the param of a search pickled before it existed
    verbose = 0  # likewise
    # With metadata routing on, groups goes to the splitter (get_metadata_routing), as
    # GridSearchCV and LogisticRegressionCV route it, not to a request of this search's own.
    __metadata_request__fit = {"groups": UNUSED}

    def get_metadata_routing(self):
        """Get the metadata routing of this search.

        Its own requests (``sample_weight`` for ``fit`` and ``score``), ``groups`` to the
        ``cv`` splitter's ``split``, and the requests of the ``scoring`` scorers (of each
        metric's, with several) to their ``score`` from ``fit`` and ``score``, as
        ``LogisticRegressionCV`` routes them: a ``Pipeline`` or ``cross_validate`` with
        routing on passes a group splitter its groups, and the search the weights its scorer
        asks for, without a request of the search's own. (With ``scoring=None`` the search
        scores by its estimator's ``score``, whose request is the search's own.)

        Returns
        -------
        routing : MetadataRouter
            The routing information.
        """
        own = own_metadata_request(self)
        scorers = self._routed_scorers()
        weighing = any(
            get_routing_for_object(scorer).score.requests.get("sample_weight", False) is not False
            for scorer in scorers.values()
        )
        if weighing and "sample_weight" in own.score.requests:
            # Scored by scorers that may take sample_weight (or whose request is unset, which
            # routing then names), the search's own score request is theirs: as
            # LogisticRegressionCV, whose score leaves sample_weight to its scorer. (Where every
            # scorer takes none or declines it, the search keeps its own: Pipeline.score routes
            # the name even when it passes no weights, and refused it when nothing knew it.)
            own.score.add_request(param="sample_weight", alias=UNUSED)
        router = (
            MetadataRouter(owner=self)
            .add_self_request(own)
            .add(splitter=self.cv, method_mapping=MethodMapping().add(caller="fit", callee="split"))
        )
        if scorers:
            mapping = MethodMapping().add(caller="score", callee="score")
            router.add(method_mapping=mapping.add(caller="fit", callee="score"), **scorers)
        return router

    def _routed_scorers(self):
        """The scorers ``get_metadata_routing`` names, by name (``scorer``, or ``scorer_`` and
        the metric's name for several); none for ``scoring=None`` or a scoring that ``fit``
        will refuse (routing is asked for before the fit that says why)."""
        if self.scoring is None:
            return {}
        base = self._estimator_class()
        try:
            metrics = self._metric_scorers(base)
            if metrics is None:
                return {"scorer": check_scoring(base, scoring=self.scoring)}
        except (TypeError, ValueError):
            return {}
        return {f"scorer_{name}": scorer for name, scorer in metrics.items()}

    def _network_params(self):
        """The params of the single estimator every member (and the refit) is made from."""
        return {
            name: value
            for name, value in self.get_params(deep=False).items()
            if name not in _SEARCH_CONSTRAINTS
        }

    def _architectures(self):
        """``hidden_layer_sizes`` as a list of architectures, each ``(layer sizes, as given)``:
        one (an int or a sequence of ints), or several (a sequence of those, in which an int is
        one layer)."""
        sizes = self.hidden_layer_sizes
        try:  # (iterating a 0-d array had raised NumPy's TypeError)
            several = not isinstance(sizes, (Integral, str)) and any(
                not isinstance(item, Integral) for item in sizes
            )
            candidates = list(sizes) if several else [sizes]
            return [(layer_sizes(candidate), candidate) for candidate in candidates], several
        except (TypeError, ValueError):
            raise ValueError(
                "hidden_layer_sizes must be one architecture (a positive integer or a sequence "
                "of positive integers, () for no hidden layer) or a list of architectures, such "
                f"as [(32,), (64, 32)], got {sizes!r}."
            ) from None

    # As GridSearchCV: the scorers are the user's, and scikit-learn checks the params of the
    # metrics they call (skipped, a scorer of fbeta_score with beta=-1 scored where
    # GridSearchCV's fails, and sparse multilabel targets reached log_loss, which refuses them).
    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, groups=None, **fit_params):
        """Train the grid on every fold at once, choose the best pair, refit it on all the data.

        The best pair is the one with the best mean cross-validated score; it is refitted on the
        whole of ``(X, y)`` (with ``refit=True``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels for the classifier, numbers for the regressor.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss, and in the held-out scores when the
            scorer takes weights, as ``GridSearchCV`` passes them.
        groups : array-like of shape (n_samples,), default=None
            Group labels of the samples, for a group splitter as ``cv`` (``GroupKFold``, ...),
            as ``GridSearchCV.fit`` takes them.
        **fit_params : dict
            With metadata routing on, the metadata ``get_metadata_routing()`` routes, as
            ``GridSearchCV.fit`` takes it: a group splitter's groups under the name its
            ``set_split_request`` gives them, and what the scorers' ``set_score_request`` asks
            for (each held-out score gets its fold's rows of it). Anything else is refused with
            a TypeError saying where the setting goes (training settings such as ``epochs`` are
            params, as in scikit-learn).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._refuse_score_aliases(fit_params)
        self._refuse_unrouted("fit", fit_params)
        # A search that fails leaves a fitted one exactly as it was, as a failed fit does: it
        # publishes its attributes only once everything has succeeded.
        self._search(X, y, sample_weight, groups, fit_params)
        return self

    def _refuse_unrouted(self, method, keywords):
        """Refuse by name (refuse_keywords) the ``keywords`` of ``method`` that metadata routing
        does not send anywhere (all of them, with routing off), as GridSearchCV refuses them."""
        consumed = (
            self.get_metadata_routing().consumes(method, list(keywords))
            if keywords and get_config().get("enable_metadata_routing", False) else set()
        )
        refuse_keywords(self, method, {k: v for k, v in keywords.items() if k not in consumed})

    def _scorer_metadata(self, routed, names):
        """The metadata routing gives each metric's scorer (by the names ``scoring`` holds;
        ``"score"`` for one), besides ``sample_weight``, which the search weighs itself."""
        return {
            name: {
                key: value
                for key, value in routed.get(
                    "scorer" if name == "score" else f"scorer_{name}", {}
                ).get("score", {}).items()
                if key != "sample_weight"
            }
            for name in names
        }

    def _search(self, X, y, sample_weight, groups, metadata):
        self._check_not_search_params()
        self._check_extra_params()
        l1s, l2s = penalty_values("l1s", self.l1s), penalty_values("l2s", self.l2s)
        architectures, several = self._architectures()
        # What the search learns (``fitted``) is published at its end, all at once.
        X_checked, y_checked, fitted = self._validate_search_data(X, y)
        # As an array of one weight a row (a scalar, as _check_sample_weight spreads it), for
        # the held-out scores and the checks of the members' fits. Negative weights are refused
        # here, as by a single fit, before the splitter runs: GridSearchCV fails every fold
        # whose training rows hold one and warns, then its refit raises.
        score_weights = (
            None if sample_weight is None
            else check_sample_weight(sample_weight, X_checked, ensure_non_negative=True)
        )
        # A multilabel indicator given sparse stays so for the scorer, and is predicted sparse,
        # as by the single classifier (a sparse column of labels is made dense, as it takes it).
        sparse_y = is_sparse(y) and is_classifier(self) and y_checked.ndim == 2
        feature_names = fitted.get("feature_names_in_")
        # Without routing, groups go to the splitter, and there is no other metadata.
        split_params, routed = {"groups": groups}, {}
        if get_config().get("enable_metadata_routing", False) and (
            groups is not None or metadata
        ):
            # As GridSearchCV and LogisticRegressionCV: groups only where the splitter asks for
            # them (a KFold does not: TypeError, "not routed to any object"), under the name it
            # asks by, and to the scorers what they ask for.
            given = metadata if groups is None else {"groups": groups, **metadata}
            routed = process_routing(self, "fit", **given)
            split_params = routed.splitter.split
        # As GridSearchCV, the splitter and the scorer see X and y as given (a DataFrame stays
        # one, a sparse indicator matrix too; a regressor's sparse y dense, as L1L2Regressor
        # takes it). indexable: as GridSearchCV, anything that only has __array__ becomes an
        # array.
        X_given, y_given = indexable(X, y_checked if sp.issparse(y) and not sparse_y else y)
        # A frame of nullable labels, a frame of sparse columns: what the metrics (and the
        # splitters) refuse.
        y_given = (scored_labels if is_classifier(self) else scored_targets)(y_given)
        # Every split as row numbers (a boolean mask or negative indices select the rows
        # GridSearchCV's indexing selects; the members' row streams are positions).
        positions = np.arange(X_checked.shape[0])
        cv = check_cv(self.cv, y_given, classifier=is_classifier(self))
        splits = [
            (_rows(positions, train, split, "training"), _rows(positions, test, split, "test"))
            for split, (train, test) in enumerate(cv.split(X_given, y_given, **split_params))
        ]
        if not splits:
            raise ValueError(
                f"{type(self).__name__} got no train/test splits from cv={self.cv!r}, so nothing "
                "to train or score: was the CV iterator empty (a generator is used up by the "
                "first fit)?"
            )
        n_splits = cv.get_n_splits(X_given, y_given, **split_params)
        if n_splits != len(splits):  # as GridSearchCV, which sizes cv_results_ by the count
            raise ValueError(
                f"cv={self.cv!r} is inconsistent: its get_n_splits says {n_splits} splits, but "
                f"its split gave {len(splits)}."
            )
        params = self._network_params()
        if params["random_state"] is None:
            # One seed for every member and the refit: a search over fresh seeds would compare
            # the penalties under different initial weights.
            params["random_state"] = int(check_random_state(None).randint(np.iinfo(np.int32).max))
        base = self._estimator_class(**params)
        penalties = [(l1, l2) for l1 in l1s for l2 in l2s]
        # check_scoring checks the scoring as GridSearchCV does (unknown or repeated metric
        # names, ...); several metrics are then scored each by its own scorer.
        scorer = check_scoring(base, scoring=self.scoring)
        metrics = self._metric_scorers(base)
        if metrics is not None:
            self._check_refit_names_a_metric(metrics)
        # Each metric scored by its own scorer (several metrics: in the order given), with or
        # without the weights: as GridSearchCV, sample_weight also weights the held-out scores
        # of the metrics that take it.
        takes = self._metrics_taking_weights(scorer, metrics, sample_weight)
        # Once the search's settings are checked, as GridSearchCV's first line.
        report = _Report(self, len(architectures) * len(penalties), splits)
        named = metrics or {"score": scorer}
        given = self._scorer_metadata(routed, named)
        scoring = {
            name: (metric, takes[name], {
                # As GridSearchCV, a fold's rows of what has a value per row, the rest whole.
                key: (value, _per_row(value, X_checked.shape[0]))
                for key, value in given[name].items()
            })
            for name, metric in named.items()
        }

        def rows(indices):
            # Indexed afresh for every member, as GridSearchCV indexes them for every fit: a
            # scorer that edits its rows in place had changed the rows of the fold's later pairs.
            return safe_indexing(X_given, indices), safe_indexing(y_given, indices)

        candidates, scores, fit_times, score_times, n_iters = [], [], [], [], []
        train_scores = [] if self.return_train_score else None
        raising = isinstance(self.error_score, str)  # "raise"
        # How many members of each candidate (named as in messages) reached ``epochs``.
        unconverged = Counter()
        # The (best loss, (l1, l2)) of members stopped where float32 cannot register tol.
        blind = []
        rose = []  # the (l1, l2) of members stopped whose loss rose from the start
        idle = 0  # members stopped with no epoch after the first improving by tol
        # The target's variation in each training fold (a regressor's), and that of each member
        # stopped where it is below tol: a single fit reads its own training rows' (the whole
        # y's had given another warning than the member's single fit, or none).
        variations = [
            target_variation(
                safe_indexing(y_checked, train),
                None if score_weights is None else score_weights[train],
                getattr(self, "loss", None),
            )
            for train, _ in splits
        ]
        small = []
        # The data loss above the mean's of members stopped worse than it (a regressor's).
        worse = []
        # The least loss of each training fold (below 0 only for a Poisson regressor's).
        floors = [
            loss_floor(
                safe_indexing(y_checked, train),
                None if score_weights is None else score_weights[train], self.loss,
            ) if getattr(self, "loss", None) == "poisson" else 0.0
            for train, _ in splits
        ]
        # Failed member fits by cause, and the causes of the folds not trained (fold -> (cause,
        # message)). A training fold without rows is a failed fit, as GridSearchCV's fit on it
        # fails ("Found array with 0 sample(s)").
        failed = {"diverged": 0, "unweighted": 0, "empty": 0, "error": 0, "causes": {},
                  "diverged_at": []}  # the (l1, l2) of each diverged member
        score_failures = {"test": [], "train": []}
        # The refit's network is traced in the background while the grid trains, where it is
        # known: with several architectures, each had traced one that only the best would use
        # (and 5 of them filled the trainer cache, so that every later search traced again).
        prepare_refit = bool(self.refit) and len({a for a, _ in architectures}) == 1
        for architecture, given in architectures:
            template = clone(base).set_params(hidden_layer_sizes=architecture)
            started = time.perf_counter()
            # As GridSearchCV's error_score: a fold whose fit would fail (nothing to train on,
            # one class, class weights that do not fit its classes) is refused, or its members
            # are failed fits, their causes in ``causes``.
            causes = {}
            above = {} if getattr(self, "loss", None) is not None else None  # a regressor's
            members, diverged, converged = template._fit_members(
                X_checked, y_checked, sample_weight, [train for train, _ in splits], penalties,
                prepare_refit=prepare_refit, name=type(self).__name__,
                splits="raise" if raising else "skip", sparse_targets=sparse_y, failures=causes,
                worse=above, progress=report.progress(given),
            )
            # The members of a fold learn what it holds (a fold that misses a class, its own
            # classes): one set of fitted encoders serves all members of the same targets.
            encoders = [None] * len(splits)
            shared = {}
            for fold, row in enumerate(members):
                state = next((state for state in row if state is not None), None)
                if state is not None:
                    key = _targets_key(state["targets"])
                    if key not in shared:
                        shared[key] = template._encoder_state(
                            state["targets"], state["n_features_in"]
                        )
                    encoders[fold] = shared[key]
            failed["causes"].update(causes)
            per_member = (time.perf_counter() - started) / (len(splits) * len(penalties))
            trained = np.array([[state is not None for state in row] for row in members])
            reached = ~np.asarray(converged) & ~np.asarray(diverged) & trained
            which = f"hidden_layer_sizes={given!r}, " if several else ""  # in messages
            unconverged.update({
                f"{which}l1={float(l1):g}, l2={float(l2):g}": int(count)
                for (l1, l2), count in zip(penalties, reached.sum(axis=0)) if count
            })
            report.trained(given, members, int(reached.sum()), time.perf_counter() - started)
            # Members the loss rule stopped where it may not have converged.
            for fold, (row, row_converged, row_diverged) in enumerate(
                zip(members, converged, diverged)
            ):
                for index, (pair, state, stopped, failed_) in enumerate(zip(
                    penalties, row, row_converged, row_diverged
                )):
                    if state is None or not stopped or failed_:
                        continue
                    best = float32_blind_best(state["loss_curve"], self.tol)
                    if best is not None:
                        blind.append((best, pair))
                    elif rose_from_the_start(state["loss_curve"]):
                        rose.append(pair)
                    elif target_too_small(variations[fold], self.tol):
                        small.append(variations[fold])
                    elif above and above.get((fold, index)) is not None:
                        data_loss, the_mean = above[fold, index]
                        worse.append(data_loss - the_mean)
                    elif never_improved(state["loss_curve"], self.tol, floors[fold]):
                        idle += 1
            for pair, (l1, l2) in enumerate(penalties):
                candidate = {"l1": l1, "l2": l2}
                if several:
                    # As GridSearchCV: the architecture as given.
                    candidate = {"hidden_layer_sizes": given, **candidate}
                candidates.append(candidate)
                scores.append([])
                if train_scores is not None:
                    train_scores.append([])
                score_times.append([])
                n_iters.append([])
                fit_times.append([per_member] * len(splits))
                for fold, (train, test) in enumerate(splits):
                    state = members[fold][pair]
                    # A fold not trained has no epochs to count (NaN, left out of the mean).
                    n_iters[-1].append(np.nan if state is None else len(state["loss_curve"]))
                    if raising and diverged[fold][pair]:
                        # Here, in GridSearchCV's order (by pair, then by fold), so that a
                        # scorer's error in an earlier fit is raised first, as there (every
                        # divergence had been raised before any member was scored).
                        advice = self._divergence_advice(
                            X_checked, y_checked, score_weights, [(l1, l2)]
                        )
                        raise ValueError(
                            f"{type(self).__name__}: the fit of {which}l1={float(l1):g}, "
                            f"l2={float(l2):g} on training fold {fold} diverged ({DIVERGED}), "
                            "and error_score='raise' stops the search at a failed fit: "
                            f"{advice}."
                        )
                    if state is None or diverged[fold][pair]:
                        failed[causes[fold][0] if state is None else "diverged"] += 1
                        if state is not None:
                            failed["diverged_at"].append((l1, l2))
                        scores[-1].append(None)  # error_score for every metric
                        if train_scores is not None:
                            train_scores[-1].append(None)
                        score_times[-1].append(0.0)
                        continue
                    # An estimator of its own for each member, as GridSearchCV's scorer gets (a
                    # scorer may keep the estimators it scores).
                    member = clone(template).set_params(l1=l1, l2=l2)
                    member._set_fitted_state(
                        **{**state, "feature_names_in": feature_names}, encoders=encoders[fold]
                    )
                    held_out = rows(test)
                    started = time.perf_counter()
                    scores[-1].append(score_member(
                        scoring, metrics is not None, member, held_out, score_weights, test,
                        self.error_score, score_failures["test"],
                    ))
                    # As GridSearchCV's score_time: the held-out scores alone.
                    score_times[-1].append(time.perf_counter() - started)
                    if train_scores is not None:
                        train_scores[-1].append(
                            score_member(scoring, metrics is not None, member, rows(train),
                                   score_weights, train, self.error_score,
                                   score_failures["train"])
                        )
        self._warn(unconverged, failed, len(candidates) * len(splits), score_failures,
                   (X_checked, y_checked, score_weights), blind, rose, small,
                   worse, idle)
        names, multimetric = self._metric_names(scores, metrics)
        results = cv_results(
            candidates, scores, names, fit_times, score_times, n_iters, several,
            self.error_score, train_scores,
        )
        fitted.update(
            cv_results_=results,
            n_splits_=len(splits),
            # As GridSearchCV: a dict of the scorers for several metrics given as a list or dict.
            scorer_=scorer if metrics is None else metrics,
            multimetric_=multimetric,
            # What score scores by, fixed by the fit: the metric refit names (of several), and
            # whether the scorer is the estimators' own score (scoring=None).
            _refit_metric=self.refit if multimetric and isinstance(self.refit, str) else None,
            _own_scorer=self.scoring is None,
        )
        chosen = chosen_pair(self.refit, results, candidates, multimetric)
        fitted.update(chosen)
        if "best_index_" in chosen:
            best = candidates[chosen["best_index_"]]
            fitted.update(
                # Floats, as documented, whatever the grid held (0, np.float32, Fraction,
                # which json.dumps refuses); cv_results_' params keep them as given.
                l1_=float(best["l1"]),
                l2_=float(best["l2"]),
                hidden_layer_sizes_=layer_sizes(
                    best.get("hidden_layer_sizes", architectures[0][0])
                ),
            )
            report.chosen(best, fitted.get("best_score_"), fitted["_refit_metric"])
        if self.refit:
            started = time.perf_counter()
            # Its ConvergenceWarning points at the line that called this search's fit.
            with warnings_point_higher(3):  # _search, fit, fit_context
                # With best_params_ as given (the architecture too, as GridSearchCV's refit
                # has it; base has it already where there is one), copied as GridSearchCV
                # copies them: a list of layer sizes the caller edits later stays out of it.
                fitted["best_estimator_"] = clone(base).set_params(
                    **clone(candidates[fitted["best_index_"]], safe=False)
                ).fit(X, label_column(y) if is_classifier(self) else y,
                      sample_weight=sample_weight)
            fitted["refit_time_"] = time.perf_counter() - started
            report.refitted(fitted["best_estimator_"], X_checked.shape[0], fitted["refit_time_"])
        # Everything at once: predict (through best_estimator_) and cv_results_ describe the same
        # search, also to another thread.
        # A search without refit leaves no best_estimator_ of an earlier search behind (fitted
        # on other data, it would answer for this one).
        absent = [] if self.refit else ["best_estimator_", "refit_time_"]
        absent += [name for name in _CHOICE if name not in fitted]
        if feature_names is None:
            absent.append("feature_names_in_")
        publish(self, fitted, absent=absent)

    def _metric_scorers(self, base):
        """With several metrics in ``scoring``, a scorer per metric name (in the order given, as
        GridSearchCV names them); None for one metric or a callable."""
        if isinstance(self.scoring, dict):
            given = self.scoring
        elif isinstance(self.scoring, (list, tuple)):
            given = {name: name for name in self.scoring}
        else:
            return None
        for name, value in given.items():
            # (check_scoring leaves a dict's values to be checked by the search's validation)
            if not (callable(value) or (isinstance(value, str) and value in get_scorer_names())):
                raise ValueError(
                    f"scoring[{name!r}] must be the name of a scikit-learn scorer or a callable, "
                    f"got {value!r}."
                )
        return {name: check_scoring(base, scoring=value) for name, value in given.items()}

    def _check_refit_names_a_metric(self, names):
        """As GridSearchCV: with several metrics, ``refit`` names the one that chooses the pair,
        is a callable, or is False (no pair chosen)."""
        if callable(self.refit) or (isinstance(self.refit, str) and self.refit in names):
            return
        if isinstance(self.refit, (bool, np.bool_)) and not self.refit:
            return
        raise ValueError(
            f"With several metrics in scoring ({', '.join(map(repr, names))}), refit must name "
            f"the one that chooses the pair (refit={next(iter(names))!r}), be a callable "
            f"choosing from cv_results_, or be False to choose none; got refit={self.refit!r}."
        )

    def _metric_names(self, scores, metrics):
        """The metric names of the scores (``["score"]`` for one metric), checked to be the
        same for every member, and whether there are several (a list or dict ``scoring``, or a
        callable returning a dict, even of one metric, as GridSearchCV counts them)."""
        if metrics is not None:
            return list(metrics), True
        given = [score for rows in scores for score in rows if score is not None]
        several = bool(given) and isinstance(given[0], dict)
        names = list(given[0]) if several else ["score"]
        if several:
            # A callable scoring that returns a dict: checked once its names are known, as
            # GridSearchCV checks it.
            self._check_refit_names_a_metric(names)
        # In any order, as GridSearchCV gathers them by name (in the first one's order).
        expected = sorted(names) if several else "a single number"
        for score in given:
            found = sorted(score) if isinstance(score, dict) else "a single number"
            if found != expected:
                raise ValueError(
                    "scoring must return the same metrics for every fold and pair, got "
                    f"{names if several else 'a single number'} for one and {found} for "
                    "another."
                )
        return names, several

    def _validate_search_data(self, X, y):
        if is_sparse(X):
            frame = not sp.issparse(X)  # a pandas DataFrame, whose densifier is not toarray
            raise TypeError(
                f"{type(self).__name__} does not take sparse X: its networks train at once on "
                "dense batches. Search with GridSearchCV over "
                f"{self._estimator_class.__name__}, which takes sparse X, or densify X "
                f"({'X.sparse.to_dense()' if frame else 'X.toarray()'}) if it fits in memory."
            )
        # Kept in float64 when given so (the members train on a float32 copy): held-out rows are
        # scored on the data GridSearchCV would score them on. Validated on a stand-in, which
        # validate_data writes the feature count and names to: returned, to be published with
        # the rest of the search.
        checked = stand_in(self)
        refuse_structured_targets(y)
        if is_classifier(self):
            refuse_missing_labels(y)
        X, y = validate_data(
            checked, X, y, reset=True, dtype=(np.float64, np.float32), multi_output=True,
            y_numeric=not is_classifier(self),
        )
        refuse_beyond_float32(X)
        fitted = {"n_features_in_": checked.n_features_in_}
        if hasattr(checked, "feature_names_in_"):
            fitted["feature_names_in_"] = checked.feature_names_in_
        if is_classifier(self):
            y = classification_targets(y)
            classes = Multilabel.of(y).classes if y.ndim == 2 else class_labels(y)
            if y.ndim == 1 and len(classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {classes.tolist()[0]!r}."
                )
            if y.ndim == 1 and isinstance(self.class_weight, dict):
                # Keys that are no class of the data, refused before any fold trains (the
                # message had come as every member fit failing, per fold).
                class_weight_factors(self.class_weight, classes)
            fitted["classes_"] = classes
        else:
            y = regression_targets(y, self.loss)  # as L1L2Regressor takes it
            check_poisson_targets(y, self.loss)
        return X, y, fitted

    def _check_not_search_params(self):
        """Refuse, saying what to use instead, the single estimator's params that a search
        trained as one ensemble cannot take (given to ``__init__``, which stores anything)."""
        for name in self._extra_param_names():
            advice = self._unknown_param_advice(name)
            if advice is not None:
                raise TypeError(advice)

    def _unknown_param_advice(self, name):
        """Why the search does not take the single estimator's param ``name``, and what to use
        instead; None for any other name. ``set_params`` adds it to its ``ValueError`` (what
        ``GridSearchCV`` and ``validation_curve`` call)."""
        if name not in _NOT_SEARCH_PARAMS:
            return None
        return (
            f"{type(self).__name__} does not take {name}: "
            + _NOT_SEARCH_PARAMS[name].format(estimator=self._estimator_class.__name__)
            + "."
        )

    def score(self, X, y, sample_weight=None, **score_params):
        """Score ``best_estimator_`` on ``(X, y)`` by ``scoring``, as ``GridSearchCV.score``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels or targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, passed to the scorer.
        **score_params : dict
            With metadata routing on, the metadata the scorer's ``set_score_request`` asks for,
            as ``GridSearchCV.score`` takes it; refused otherwise.

        Returns
        -------
        score : float
            The score by ``scoring``: the estimator's own ``score`` (accuracy or R²) when
            ``scoring`` is None.
        """
        # One snapshot of the fitted state: a search refitted meanwhile (in another thread)
        # publishes all of its state at once, and is not mixed in (its metric with this network).
        fitted = dict(vars(self))
        best = self._fitted_best(fitted)
        self._refuse_unrouted("score", score_params)
        routed = process_routing(self, "score", **score_params) if score_params else {}
        # As GridSearchCV: the scorer and the metric fixed by the fit, whatever set_params has
        # changed since (a scoring set after the fit would score by a metric the search did not
        # choose by, or fail).
        (metric, own), scorer = self._fitted_score_choice(fitted), fitted["scorer_"]
        if fitted["multimetric_"] and metric is None:
            how = (
                "search.scorer_[name](search.best_estimator_, X, y)"
                if isinstance(scorer, dict)
                else "search.scorer_(search.best_estimator_, X, y)[name]"
            )
            raise ValueError(
                f"This {type(self).__name__} scores several metrics and its refit is a "
                f"callable, so score does not know which one to return: call {how} for the "
                "metric you want."
            )
        # What routing gives the scorer of the metric scored (of several, the one refit names;
        # a callable returning several metrics is one scorer).
        name = metric if isinstance(scorer, dict) else "score"
        given = self._scorer_metadata(routed, [name])[name]
        if isinstance(scorer, dict):
            # Several metrics: the one refit names, as GridSearchCV (scoring only that one).
            scorer, metric = scorer[metric], None
        if sample_weight is not None and self._scorer_takes_weights(scorer, "score", own):
            given["sample_weight"] = sample_weight
        # A sparse column of labels, a sparse y of a regressor, as fit takes them, and so on.
        y = (scored_labels if is_classifier(self) else scored_targets)(y)
        try:
            score = scorer(best, X, y, **given)
        except TypeError as error:
            # The metric's own "unexpected keyword argument", told in words.
            if "sample_weight" in given and not own and scorer_takes_no_sample_weight(scorer):
                raise TypeError(
                    f"The scoring {scorer} does not take sample_weight, so {type(self).__name__}"
                    ".score cannot weight its score: call score(X, y) without sample_weight, or "
                    "fit with a scorer whose metric takes it."
                ) from error
            raise
        return score if metric is None else score[metric]

    def _refuse_score_aliases(self, fit_params):
        """TypeError for metadata that a scorer's request names as its ``sample_weight``
        (``set_score_request(sample_weight="w")``): the routing lists it, so a Pipeline passes it
        on, but the search weights its held-out scores by ``sample_weight`` alone."""
        if not fit_params or not get_config().get("enable_metadata_routing", False):
            return
        scorers = self.scoring.values() if isinstance(self.scoring, dict) else [self.scoring]
        aliases = {
            get_routing_for_object(scorer).score.requests.get("sample_weight")
            for scorer in scorers if hasattr(scorer, "get_metadata_routing")
        }
        name = next((name for name in fit_params if name in aliases), None)
        if name is not None:  # (other keywords: refuse_keywords' message)
            raise TypeError(
                f"{type(self).__name__}.fit() got {name!r}, the name a scorer's "
                f"set_score_request gives sample_weight (sample_weight={name!r}): this search "
                f"weights its members and their held-out scores by sample_weight alone, where "
                f"GridSearchCV passes {name!r} to that scorer only. Pass the weights as "
                "sample_weight, with the scorer's set_score_request(sample_weight=True)."
            )

    def _score_requests(self, owner):
        """The score requests of a scorer, or of this search's own score (``owner`` is self:
        its routing is a router's, which holds them as its self request)."""
        if owner is self:
            return own_metadata_request(self).score.requests
        return get_routing_for_object(owner).score.requests

    def _fitted_score_choice(self, fitted):
        """The metric ``score`` returns (of several; None for one, or with a callable refit)
        and whether the scorer is the estimators' own ``score``: as the fit recorded them in
        ``fitted`` (the estimator's attributes), or, for a search pickled before it did, as the
        params say."""
        if "_refit_metric" in fitted:
            return fitted["_refit_metric"], fitted["_own_scorer"]
        refit = fitted["refit"]
        metric = refit if fitted["multimetric_"] and isinstance(refit, str) else None
        return metric, fitted["scoring"] is None

    def _scorer_takes_weights(self, scorer, method, own):
        """Outside metadata routing, True: ``score`` passes ``sample_weight`` to its scorer, as
        ``LogisticRegressionCV.score``. With routing on, what the scorer's score request says
        (with ``scoring=None``, this search's own ``set_score_request``), as ``GridSearchCV``
        routes it: an unset request is refused, and so are weights that no one takes."""
        if not get_config().get("enable_metadata_routing", False):
            return True
        requests = self._score_requests(self if own else scorer)
        request = requests.get("sample_weight", False)  # a plain function takes none
        if request is None:
            how = (
                f"{type(self).__name__}(...).set_score_request(sample_weight=True or False)"
                if own
                else "make_scorer(...).set_score_request(sample_weight=True or False)"
            )
            raise UnsetMetadataPassedError(
                message=(
                    f"[sample_weight] is passed to {method} but the scorer's request for it is "
                    f"not set: with metadata routing on, say whether it takes it ({how}), as "
                    "GridSearchCV asks."
                ),
                unrequested_params={"sample_weight": None},
                routed_params={},
            )
        if request is not True:
            why = (
                f"its score request aliases it to {request!r}, metadata this search does not "
                "route"
                if isinstance(request, str)
                else "its score request is False, or it is a plain function"
            )
            raise TypeError(
                f"{type(self).__name__}.{method} got sample_weight, but with metadata routing on "
                f"its scorer does not take it ({why}): leave sample_weight out, or request it "
                "with set_score_request(sample_weight=True), as GridSearchCV routes it."
            )
        return True

    def _divergence_advice(self, X, y, sample_weight, penalties):
        """What to change where members of the ``(l1, l2)`` ``penalties`` diverged, training on
        ``X``, ``y`` and ``sample_weight``: the advice a single fit of each pair gives (a
        penalty whose gradients overflow float32 is the cause whatever the learning rate), by
        pair where it differs."""
        params = self.get_params(deep=False)
        pairs = {}
        for l1, l2 in dict.fromkeys((float(l1), float(l2)) for l1, l2 in penalties):
            advice = divergence_advice(
                {**params, "l1": l1, "l2": l2}, X, y, sample_weight, weights_scaled=True
            )
            pairs.setdefault(advice, []).append(f"l1={l1:g}, l2={l2:g}")
        if len(pairs) == 1:
            advice = next(iter(pairs))
        else:
            advice = "; ".join(f"{' and '.join(at)}: {text}" for text, at in pairs.items())
        # Smaller penalties only where some are to be had (not for a grid of zeros).
        penalized = any(l1 or l2 for l1, l2 in penalties)
        finite = finite_values(X, y, sample_weight)
        return advice + ", or search smaller l1s and l2s" if finite and penalized else advice

    def _warn(self, unconverged, failed, total, score_failures, data, blind=(), rose=(),
              small=(), worse=(), idle=0):
        """Warn, as GridSearchCV, about failed fits (or refuse a search whose fits all
        failed), about scorers that raised, about members that reached ``epochs``
        (``unconverged``: how many of each candidate), about
        members the loss rule stopped where float32 cannot register an improvement of ``tol``
        (``blind``: their best losses and penalties, ``float32_blind_best``), about members of the
        ``(l1, l2)`` pairs ``rose`` whose loss it stopped rising from the start
        (``rose_from_the_start``), about the members it stopped where their training
        fold's target varies by less than ``tol`` (``small``: each one's variation,
        ``target_too_small``), about members
        it stopped worse than the mean (``worse``: by how much each, ``loss_above_the_mean``),
        and about the ``idle`` members it stopped after the fewest epochs it allows, none after
        the first having improved on the best loss by ``tol``, having learned almost nothing
        (``never_improved``)."""
        reasons = []
        if failed["diverged"]:
            reasons.append(
                f"{failed['diverged']} diverged ({DIVERGED}: "
                f"{self._divergence_advice(*data, failed['diverged_at'])})"
            )

        def folds(cause, message=None):
            numbers = sorted(
                fold for fold, (kind, text) in failed["causes"].items()
                if kind == cause and (message is None or text == message)
            )
            return f"training fold{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"

        if failed["unweighted"]:
            reasons.append(
                f"{failed['unweighted']} had nothing to train on ({folds('unweighted')}: only "
                f"rows of weight 0, by {weight_sources(self.get_params(deep=False))})"
            )
        if failed["empty"]:
            reasons.append(f"{failed['empty']} had a training fold without rows")
        if failed["error"]:
            # As a single fit on the fold would raise (e.g. a fold of one class).
            messages = dict.fromkeys(
                text for kind, text in failed["causes"].values() if kind == "error"
            )
            reasons.append(
                f"{failed['error']} could not be fitted ("
                + "; ".join(f"{folds('error', text)}: {text}" for text in messages) + ")"
            )
        n_failed = sum(failed[cause] for cause in ("diverged", "unweighted", "empty", "error"))
        if n_failed == total:
            raise ValueError(
                f"All the {total} member fits failed, as GridSearchCV refuses a search whose "
                f"fits all failed: {'; '.join(reasons)}."
            )
        if n_failed:
            warnings.warn(
                f"{n_failed} of the {total} member fits failed and score "
                f"error_score={self.error_score}, as GridSearchCV's failed fits do: "
                f"{'; '.join(reasons)}.",
                FitFailedWarning,
                stacklevel=5,  # _warn, _search, fit, fit_context, the caller
            )
        for split, errors in score_failures.items():
            if errors:
                warnings.warn(
                    f"Scoring failed for {len(errors)} {split} score"
                    f"{'s' if len(errors) > 1 else ''}, which "
                    f"{'are' if len(errors) > 1 else 'is'} set to "
                    f"error_score={self.error_score}, as GridSearchCV sets them: "
                    f"{failures_summary(errors)}. With error_score='raise' the search stops "
                    "at the scorer's error.",
                    UserWarning,
                    stacklevel=5,  # _warn, _search, fit, fit_context, the caller
                )
        advice = target_scale_advice(data[1], getattr(self, "loss", None))
        if unconverged:
            shown = [
                f"{candidate} ({count} fold{'s' if count > 1 else ''})"
                for candidate, count in list(unconverged.items())[:_LISTED]
            ]
            if len(unconverged) > _LISTED:
                shown.append(f"and {len(unconverged) - _LISTED} more candidates")
            reached = unconverged.total()
            warnings.warn(
                f"{type(self).__name__}: {reached} of the {total} member fits reached "
                f"the maximum number of epochs ({self.epochs}) before the training loss "
                f"converged"
                + (f": {'; '.join(shown)}" if reached < total else "")
                + "; cv_results_['mean_n_iter'] holds each candidate's mean epochs."
                # Where the target's scale is the cause, the advice says so, not more epochs.
                + (advice or " Raise epochs to train them longer."),
                ConvergenceWarning,
                stacklevel=5,  # _warn, _search, fit, fit_context, the caller
            )

        def stopped(count, reason):
            """Warn about ``count`` members the loss rule stopped, for ``reason``."""
            warnings.warn(
                f"{type(self).__name__}: the training loss of {count} of the {total} member "
                f"fits stopped improving by tol{reason}",
                ConvergenceWarning,
                stacklevel=6,  # stopped, _warn, _search, fit, fit_context, the caller
            )

        if blind:
            lowest = min(best for best, _ in blind)
            stopped(len(blind), (
                f" at {lowest:.3g} or more, but {blind_stop_message(lowest, self.tol)}."
                + blind_stop_advice(data[1], getattr(self, "loss", None))
                + large_penalty_advice([pair for _, pair in blind])
            ))
        if rose:
            stopped(len(rose), (
                " without ever falling below their first epoch's, so they learned nothing after "
                f"it; {self._divergence_advice(*data, rose)}."
            ))
        if small:
            stopped(len(small), ", but " + small_target_message(
                max(small), self.tol, self.loss, at_most=len(set(small)) > 1
            ))
        if worse:
            stopped(len(worse), (
                ", but their networks predict their training rows worse than their mean, in the "
                f"loss without the penalties by more than tol={float(self.tol):g} and "
                f"{worse_margin_words(self.loss)} (by up to {max(worse):.3g}), where any optimum "
                "lies at or below it. "
                f"{worse_than_the_mean_advice(self.loss)}"
            ))
        if idle:
            stopped(idle, (
                " after the fewest epochs the rule allows: no epoch after the first improved on "
                f"the best loss by tol={float(self.tol):g}, so they learned almost nothing after "
                f"it; {never_improved_advice(self.get_params(deep=False))}."
            ))

    # -- prediction through the refitted estimator ---------------------------------------------

    def _metrics_taking_weights(self, scorer, metrics, sample_weight):
        """Whether each metric's held-out scores take ``sample_weight`` (by name; ``"score"``
        for one metric), as GridSearchCV decides: outside metadata routing, the metrics whose
        scorer accepts it (the others are warned about); with routing on, those whose score
        request says so (with ``scoring=None``, this search's own ``set_score_request``). An
        unset request is refused, before training, as routing refuses metadata no one asked
        for."""
        named = metrics or {"score": scorer}
        if sample_weight is None:
            return dict.fromkeys(named, False)
        if not get_config().get("enable_metadata_routing", False):
            takes = {name: scorer_accepts_sample_weight(metric) for name, metric in named.items()}
            refusing = [
                str(named[name]) if metrics is None else f"{name}={named[name]}"
                for name, accepted in takes.items() if not accepted
            ]
            if refusing:
                warnings.warn(
                    f"The scoring {', '.join(refusing)} does not take sample_weight: "
                    f"{'its' if len(refusing) == 1 else 'their'} held-out scores are "
                    "unweighted while the fits are weighted, which may mislead the search.",
                    UserWarning,
                    stacklevel=5,  # _metrics_taking_weights, _search, fit, fit_context, caller
                )
            return takes
        if self.scoring is None:
            named = {"score": self}
        requests = {
            name: self._score_requests(owner) for name, owner in named.items()
        }
        # A plain function has no request: as GridSearchCV, it is called without the weights.
        unset = [name for name, request in requests.items()
                 if "sample_weight" in request and request["sample_weight"] is None]
        if unset:
            if self.scoring is None:
                how = f"{type(self).__name__}(...).set_score_request(sample_weight=True or False)"
            else:
                how = "make_scorer(...).set_score_request(sample_weight=True or False)"
                if metrics is not None:
                    how += f" for {', '.join(map(repr, unset))}"
            raise UnsetMetadataPassedError(
                message=(
                    "[sample_weight] is passed but the held-out scores' request for it is not "
                    f"set: with metadata routing on, say whether they take it ({how}), as "
                    "GridSearchCV asks."
                ),
                unrequested_params={"sample_weight": None},
                routed_params={},
            )
        # Only True takes sample_weight: an alias (set_score_request(sample_weight="v")) takes
        # the metadata of that name, which GridSearchCV routes, and this search does not (it
        # had weighted the scores by sample_weight, as GridSearchCV does not).
        return {name: request.get("sample_weight") is True for name, request in requests.items()}

    def _fitted_best(self, fitted=None):
        """``best_estimator_``, by what the fit kept in ``fitted`` (the estimator's attributes,
        by default as they are now; not by ``refit`` as set since)."""
        fitted = vars(self) if fitted is None else fitted
        if "cv_results_" not in fitted:
            check_is_fitted(self, "cv_results_")
        best = fitted.get("best_estimator_")
        if best is None:
            raise no_refit_error(self)
        return best

    def predict(self, X):
        """Predict with ``best_estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted labels or targets.
        """
        return self._fitted_best().predict(X)

    @property
    def feature_importances_(self):
        """The refitted network's feature importances, ``best_estimator_.feature_importances_``.

        The Euclidean norm of each input feature's row of its first-layer kernel, so that
        ``SelectFromModel`` and ``RFE`` take the search, as they take ``LogisticRegressionCV``.
        """
        return self._fitted_best().feature_importances_

    def __sklearn_is_fitted__(self):
        return hasattr(self, "cv_results_")


@not_converted
class L1L2ClassifierCV(ClassifierMixin, _L1L2NetworkCV):
    score = _L1L2NetworkCV.score  # by ``scoring``, not ClassifierMixin's accuracy
    _estimator_class = L1L2Classifier
    _parameter_constraints: dict = {
        **{k: v for k, v in PARAMETER_CONSTRAINTS.items() if k not in _NOT_SEARCH_PARAMS},
        "class_weight": CLASS_WEIGHT_CONSTRAINT,
        **_SEARCH_CONSTRAINTS,
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        l1s=DEFAULT_L1S,
        l2s=DEFAULT_L2S,
        cv=5,
        scoring=None,
        refit=True,
        return_train_score=False,
        error_score=np.nan,
        verbose=0,
        activation="relu",
        optimizer="adam",
        learning_rate=3e-3,
        epochs=1000,
        batch_size="auto",
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        proximal_l1=False,
        class_weight=None,
        random_state=None,
        **kwargs,
    ):
        self._store_params(locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def predict_proba(self, X):
        """Class probabilities from ``best_estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns ordered as ``classes_``.
        """
        return self._fitted_best().predict_proba(X)

    def predict_log_proba(self, X):
        """Compute log-probabilities with ``best_estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, columns ordered as ``classes_``.
        """
        return self._fitted_best().predict_log_proba(X)


@not_converted
class L1L2RegressorCV(RegressorMixin, _L1L2NetworkCV):
    score = _L1L2NetworkCV.score  # by ``scoring``, not RegressorMixin's R²
    _estimator_class = L1L2Regressor
    loss = "squared_error"  # the param of a search pickled before it existed
    _parameter_constraints: dict = {
        **{k: v for k, v in PARAMETER_CONSTRAINTS.items() if k not in _NOT_SEARCH_PARAMS},
        "loss": LOSS_CONSTRAINT,
        **_SEARCH_CONSTRAINTS,
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        loss="squared_error",
        l1s=DEFAULT_REGRESSION_L1S,
        l2s=DEFAULT_REGRESSION_L2S,
        cv=5,
        scoring=None,
        refit=True,
        return_train_score=False,
        error_score=np.nan,
        verbose=0,
        activation="relu",
        optimizer="adam",
        learning_rate=3e-3,
        epochs=1000,
        batch_size="auto",
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        proximal_l1=False,
        random_state=None,
        **kwargs,
    ):
        self._store_params(locals())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags


_NOTES = """\
Where ``GridSearchCV(estimator, {"l1": l1s, "l2": l2s}, cv=cv)`` fits one network per pair and
fold, this trains them together, as one ensemble per architecture: every member has its own
weights and penalties and learns from its own fold's rows, shuffled and batched exactly as a
single fit would, so each member computes bit for bit what that single fit computes, and
``cv_results_`` equals GridSearchCV's (with an int ``random_state``; with None, one seed is drawn
for every member and the refit). Members that stop early (the ``tol`` rule) keep their weights
while the others go on; the members still training are packed into a smaller ensemble when that
saves time. Training folds with different batch counts or sizes form separate ensembles.

Memory grows with the members: the weights and optimizer state of ``len(l1s) * len(l2s) *
n_splits`` networks, and each step's activations for all of them (rows per batch × members ×
hidden units × 4 bytes per layer). Supported optimizers: the Keras ones that update each weight
from its own gradient and state alone (Adadelta, Adagrad, Adam, AdamW, Adamax, Lion, Nadam,
RMSprop, SGD), without ``clipnorm``/``global_clipnorm`` (which would couple the members); the
others (Ftrl, Adafactor, Lamb, Muon, ...) are refused with a ``ValueError`` saying why.
``early_stopping``, callbacks and ``warm_start`` are not parameters of the search. Sparse X is
refused with a ``TypeError``, as the members train on dense batches; search sparse data with
``GridSearchCV`` over the single estimator.
"""

L1L2ClassifierCV.__doc__ = _docs.compose(
    """\
L1L2Classifier with ``l1`` and ``l2`` chosen by cross-validation, the grid trained at once.

The cross-validated counterpart of :class:`~l1l2_estimator.L1L2Classifier`, as
``LogisticRegressionCV`` is of ``LogisticRegression``: it trains every ``(l1, l2)`` pair of the
grid on every fold together, as one batched ensemble, scores the held-out folds, picks the pair
with the best mean score and refits it on all the data. A multilabel indicator ``y`` is searched
too; an int ``cv`` then splits it with ``KFold``.
""",
    L1L2ClassifierCV.__init__,
    search=True,
    score="accuracy",
    stratified="",
    class_weight_partial_fit="",
    sparsity="best_estimator_.sparsity_",
    out_activation="",
    splitter="StratifiedKFold",
    default_penalties=DEFAULT_L1S,
    default_reason="",
    fold_rule="""
    A training fold that misses a class trains, as ``GridSearchCV``'s fit on it does, a
    network of the classes it holds; one whose single fit fails (a single class, class
    weights that do not fit its classes) is a failed fit (``error_score``).""",
    estimator="L1L2Classifier",
    target_attributes="""\
classes_ : ndarray of shape (n_classes,)
    Class labels; for a multilabel indicator ``y``, the numbers of its label columns.""",
    see_also="""\
L1L2Classifier : The estimator each member is.
sklearn.model_selection.GridSearchCV : The same search, one fit at a time.
""",
    notes=_NOTES,
    examples="""\
>>> from sklearn.datasets import make_classification
>>> from l1l2_estimator import L1L2ClassifierCV
>>> X, y = make_classification(n_samples=200, n_features=8, random_state=0)
>>> search = L1L2ClassifierCV(hidden_layer_sizes=(8,), l1s=[0, 1e-3], l2s=[0, 1e-3], cv=3,
...                           random_state=0).fit(X, y)
>>> len(search.cv_results_["params"])
4
>>> search.predict(X[:3]).shape
(3,)
""",
)

L1L2RegressorCV.__doc__ = _docs.compose(
    """\
L1L2Regressor with ``l1`` and ``l2`` chosen by cross-validation, the grid trained at once.

The cross-validated counterpart of :class:`~l1l2_estimator.L1L2Regressor`, as ``ElasticNetCV``
is of ``ElasticNet``: every ``(l1, l2)`` pair of the grid is trained on every fold together, as
one batched ensemble; the pair with the best mean held-out score (R² by default) is refitted on
all the data.
""",
    L1L2RegressorCV.__init__,
    search=True,
    score="R²",
    stratified="",
    sparsity="best_estimator_.sparsity_",
    out_activation="",
    splitter="KFold",
    default_penalties=DEFAULT_REGRESSION_L1S,
    default_reason=(
        "\n    The default is a hundred times stronger than the classifier's: a network fitting a"
        "\n    standardized target needs far stronger penalties (on ``load_diabetes`` the best lie"
        "\n    near 1e-2)."
    ),
    fold_rule="",
    estimator="L1L2Regressor",
    target_attributes="",
    see_also="""\
L1L2Regressor : The estimator each member is.
sklearn.model_selection.GridSearchCV : The same search, one fit at a time.
""",
    notes=_NOTES,
    examples="""\
>>> from sklearn.datasets import make_regression
>>> from l1l2_estimator import L1L2RegressorCV
>>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
>>> search = L1L2RegressorCV(hidden_layer_sizes=(8,), l1s=[0, 1e-3], l2s=[0], cv=3,
...                          random_state=0).fit(X, y / y.std())
>>> sorted(search.best_params_)
['l1', 'l2']
""",
)
