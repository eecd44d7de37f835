"""L1L2Classifier: an L1-L2-regularized Keras network as a scikit-learn classifier."""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import special
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import KerasClassifier
from sklearn.base import ClassifierMixin, clone
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d, validate_data

from . import _docs
from ._base import L1L2Network, checks_continued_params, refuse_keywords
from ._inputs import float32_features, is_sparse, refuse_structured_targets
from ._compat import fit_context, not_converted
from ._params import CLASS_WEIGHT_CONSTRAINT, PARAMETER_CONSTRAINTS, SPARSE_FORMATS


@not_converted
class L1L2Classifier(L1L2Network, KerasClassifier):
    _parameter_constraints: dict = {
        **PARAMETER_CONSTRAINTS,
        "class_weight": CLASS_WEIGHT_CONSTRAINT,
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        l1=1e-5,
        l2=1e-4,
        optimizer="adam",
        learning_rate=3e-3,
        epochs=1000,
        batch_size="auto",
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        proximal_l1=False,
        class_weight=None,
        warm_start=False,
        random_state=None,
        callbacks=None,
        verbose=0,
        **kwargs,
    ):
        self._store_params(locals())

    # -- scikit-learn protocol ---------------------------------------------------------------

    def _set_task_tags(self, tags):
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_label=True)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y``, as ``ClassifierMixin.score``.

        For multilabel targets, the subset accuracy.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.
        y : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_labels)
            True labels; a sparse single column of labels is made dense, as ``fit`` makes it.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Accuracy.
        """
        refuse_missing_labels(y)
        return ClassifierMixin.score(self, X, scored_labels(y), sample_weight=sample_weight)

    # -- fitting -----------------------------------------------------------------------------

    @checks_continued_params
    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None, **fit_params):
        """Train for one epoch on ``(X, y)``, keeping the network and its optimizer state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            All classes across calls; required on the first call if ``y`` lacks some of them.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss.
        **fit_params : dict
            Not taken: a TypeError says where each setting goes (training settings such as
            ``epochs`` are params, as in scikit-learn; scikeras forwards them to Keras).

        Returns
        -------
        self : L1L2Classifier
            The fitted estimator.

        Raises
        ------
        ValueError
            With ``early_stopping=True``, as ``MLPClassifier.partial_fit`` refuses it (a
            chunk's rows are no validation split), or with ``class_weight="balanced"``, as
            ``SGDClassifier.partial_fit`` refuses it (a chunk's class counts are not the
            data's).
        """
        refuse_keywords(self, "partial_fit", fit_params)
        if isinstance(self.class_weight, str):  # "balanced", the only string it takes
            # As SGDClassifier.partial_fit: a chunk's class counts are not the data's.
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: it would balance each "
                "call's rows on their own. Compute the weights once, e.g. dict(zip(classes, "
                "compute_class_weight('balanced', classes=classes, y=y_sample))) from a large "
                "enough sample of the targets, and pass them as class_weight (for a multilabel "
                "y, as sample_weight)."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # -- task hooks of L1L2Network --------------------------------------------------------------

    def _targets_from(self, y, classes, sparse=False, partial=False):
        if classes is not None:
            classes = _checked_classes(classes)
        if y.ndim == 2:  # a multilabel indicator matrix (``_validate_data`` checked it)
            targets = Multilabel.of(y, sparse)
            if classes is not None and not np.array_equal(
                np.unique(classes), targets.classes
            ):
                raise ValueError(
                    f"classes={classes.tolist()!r} does not fit y's {targets.n_labels} label "
                    f"columns: for a multilabel indicator y, classes are the columns' numbers "
                    f"{targets.classes.tolist()} (as classes_), or leave classes out."
                )
            return targets
        labels = class_labels(y if classes is None else classes)
        unseen = np.setdiff1d(np.unique(y), labels)
        if unseen.size:
            raise ValueError(
                f"y has labels {unseen.tolist()} that are not in classes {labels.tolist()}."
            )
        if labels.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {labels.tolist()[0]!r}"
                + (
                    ". For partial_fit, pass every class with classes=[...] on the first call."
                    if partial and classes is None else "."
                )
            )
        return labels

    def _fitted_targets(self):
        indicator_dtype = vars(self).get("_indicator_dtype")
        if indicator_dtype is not None:
            sparse = vars(self).get("_indicator_sparse", False)
            return Multilabel(n_labels=self.n_outputs_, dtype=indicator_dtype, sparse=sparse)
        return self.classes_

    def _fold_targets(self, y, classes):
        # A fold that misses a class learns the classes it holds, as a single fit on it does
        # (which refuses a fold of one class); a multilabel fold keeps every label column.
        if isinstance(classes, Multilabel):
            return classes
        held = self._targets_from(y, None)
        return classes if np.array_equal(held, classes) else held

    def _target_state(self, classes):
        # scikeras' fitted encoder, target_encoder_, is built when first asked for (neither fit
        # nor predict needs it; fitting it took a fifth of a small fit's fixed cost).
        if isinstance(classes, Multilabel):
            # predict returns indicators of the dtype fit saw, float16 as float32 (MLPClassifier's
            # are int64).
            return {
                "classes_": classes.classes,
                "n_classes_": classes.n_labels,
                "n_outputs_": classes.n_labels,
                "n_outputs_expected_": 1,
                "_indicator_dtype": classes.dtype,
                "_indicator_sparse": classes.sparse,
                "_target_encoder": None,
            }
        # As scikeras' encoder reports them, but classes_ keeps the labels' own dtype.
        return {
            "classes_": classes,
            "n_classes_": len(classes),
            "n_outputs_": 1,
            "n_outputs_expected_": 1,
            "_indicator_dtype": None,
            "_indicator_sparse": False,
            "_target_encoder": None,
        }

    @property
    def target_encoder(self):
        """The unfitted target encoder, scikeras' ``KerasClassifier.target_encoder`` hook.

        That of ``target_encoder_`` once fitted, else a ``ClassifierLabelEncoder`` (scikeras'
        own reads a ``loss`` param, which this classifier does not have).
        """
        if not hasattr(self, "coefs_"):
            return ClassifierLabelEncoder()
        return clone(label_encoder(self._fitted_view()._fitted_targets()))

    @property
    def target_encoder_(self):
        """The fitted target encoder of the fitted classes (``KerasClassifier.target_encoder_``).

        Built the first time it is asked for, and kept with that fit's attributes (a refit in
        another thread meanwhile gets an encoder of its own).
        """
        fitted = self._fitted_view()
        encoder = vars(fitted).get("_target_encoder")
        if encoder is None:
            encoder = label_encoder(fitted._fitted_targets())
            fitted._target_encoder = encoder
        return encoder

    def _encode_targets(self, classes, y):
        if isinstance(classes, Multilabel):
            return np.asarray(y, dtype=np.float32)
        return np.searchsorted(classes, y).astype(np.float32)

    def _output_layer(self, classes):
        if isinstance(classes, Multilabel):  # one sigmoid unit per label
            return classes.n_labels, "sigmoid", "binary_crossentropy"
        if len(classes) == 2:
            return 1, "sigmoid", "binary_crossentropy"
        return len(classes), "softmax", "sparse_categorical_crossentropy"

    def _validation_score(self, classes, y_true, output, sample_weight):
        if isinstance(classes, Multilabel):  # y_true is dense here: compare dense indicators
            classes = dataclasses.replace(classes, sparse=False)
        return accuracy_score(
            scored_labels(y_true), _labels(output, classes), sample_weight=sample_weight
        )

    def _stratify(self, y):
        """The labels that early_stopping's held-out rows are stratified by: single-label ``y``
        when every class can have rows on both sides of the split; otherwise (a class of one
        row, fewer held-out or training rows than classes) a plain split, as MLPClassifier makes
        for every multiclass ``y`` (a stratified one raised ``train_test_split``'s error).
        Multilabel rows are not stratified, as in MLPClassifier."""
        if y.ndim == 2:
            return None
        _, counts = np.unique(y, return_counts=True)
        held_out = math.ceil(self.validation_fraction * len(y))  # as train_test_split counts
        if counts.min() < 2 or min(held_out, len(y) - held_out) < len(counts):
            return None
        return y

    def _check_targets_continue(self, y, incremental, classes=None):
        """Continued training keeps the output layer, so the labels must fit it (MLPClassifier's
        rules: ``partial_fit`` takes a subset of ``classes_``, a warm-started ``fit`` all of them,
        and ``classes``, if given again, must be the first call's; multilabel targets keep their
        number of labels)."""
        if classes is not None:
            classes = _checked_classes(classes)
        if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes={classes.tolist()!r} is not the same as the classes_ this "
                f"{type(self).__name__} was fitted with, {self.classes_.tolist()}; refit to "
                "change the classes."
            )
        fitted = self._fitted_targets()
        if isinstance(fitted, Multilabel) or y.ndim == 2:
            if not isinstance(fitted, Multilabel) or y.ndim != 2:
                kind = "multilabel" if isinstance(fitted, Multilabel) else "single-label"
                raise ValueError(
                    f"This {type(self).__name__} was fitted on {kind} targets; continued "
                    "training needs the same kind. Refit with warm_start=False."
                )
            if y.shape[1] != fitted.n_labels:
                raise ValueError(
                    f"y has {y.shape[1]} labels, but this {type(self).__name__} was fitted with "
                    f"{fitted.n_labels}; refit with warm_start=False."
                )
            return
        labels = np.unique(y)
        unseen = np.setdiff1d(labels, self.classes_)
        if unseen.size:
            advice = (
                "pass every class to the first partial_fit call (classes=...)"
                if incremental
                else "a warm start keeps the classes of the fit it continues"
            )
            raise ValueError(
                f"y has labels {unseen.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}; {advice}, or refit with warm_start=False."
            )
        if not incremental and labels.size != self.classes_.size:
            raise ValueError(
                "warm_start can only be used where y has the same classes as in the previous "
                f"call to fit. Previously got {self.classes_.tolist()}, y has {labels.tolist()}."
            )

    # -- hooks called by scikeras ------------------------------------------------------------

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        """scikit-learn's ``validate_data`` in place of scikeras' own checks (which miss the
        feature-count message, feature names and label-type checks)."""
        refuse_structured_targets(y)
        refuse_missing_labels(y)
        with float32_features(X):
            X, y = validate_data(
                self, X, y, reset=reset, dtype=np.float32, accept_sparse=SPARSE_FORMATS,
                multi_output=True,
            )
        return X, classification_targets(y)

    # -- prediction ----------------------------------------------------------------------------

    def predict_proba(self, X):
        """Class probabilities for each row of ``X``, columns ordered as ``classes_``.

        For multilabel targets, each label's probability.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class (of each label, for multilabel targets).
        """
        fitted = self._fitted_view()  # one fit's network and classes, whatever another thread does
        if fitted.out_activation_ == "sigmoid" and not isinstance(
            fitted._fitted_targets(), Multilabel
        ):
            # One sigmoid unit, for the positive class: each class's probability from the logit
            # z, as expit(-z) and expit(z), each to float64's precision (1 - expit(z) was 0 from
            # z of about 37 on, and its log -inf, where expit(-z) is 1e-16 or more below).
            z = fitted._network_output(X, logits=True)[:, 0]
            return np.column_stack([special.expit(-z), special.expit(z)])
        return fitted._network_output(X)  # softmax, or a sigmoid unit per label

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``, as ``MLPClassifier.predict_log_proba``.

        Computed from the output layer's values before its activation, so it stays finite where
        a probability rounds to 0.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class (of each label, for multilabel targets).
        """
        fitted = self._fitted_view()  # one fit's network and classes, as predict_proba's
        z = fitted._network_output(X, logits=True)
        # Probabilities below float64's smallest, and logits far apart (their difference
        # overflows to -inf), are what they mean: predict_proba's zeros.
        with np.errstate(over="ignore", under="ignore"):
            if fitted.out_activation_ == "softmax":
                if np.isposinf(z).any():  # refused as predict_proba refuses it
                    return np.log(fitted._network_output(X))
                return special.log_softmax(z, axis=1)
            if isinstance(fitted._fitted_targets(), Multilabel):
                return special.log_expit(z)
            return np.column_stack([special.log_expit(-z[:, 0]), special.log_expit(z[:, 0])])

    def predict(self, X):
        """Most probable class label of each row of ``X`` (multilabel: an indicator matrix).

        For multilabel targets, each label whose probability exceeds 0.5 is predicted.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
            Predicted class labels (multilabel: 0/1 indicators, of the dtype ``fit`` saw,
            float16 as float32; a CSR matrix if ``fit`` saw a sparse one, as
            ``MLPClassifier``).
        """
        fitted = self._fitted_view()  # one fit's network and classes, whatever another thread does
        return _labels(fitted._network_output(X), fitted._fitted_targets())


def scored_labels(y):
    """``y`` as scikit-learn's metrics take it, where they refuse what ``fit`` takes: 1-D labels
    for a sparse single column of labels (a SciPy matrix or array, or a DataFrame of one sparse
    column; ``accuracy_score``: "Sparse input is only supported when targets are of multilabel
    type"); a NumPy float64 indicator matrix for a DataFrame of several columns of numbers or
    booleans (pandas' nullable ``Int64`` and ``boolean``, or NumPy columns of different dtypes,
    ``bool`` beside ``int64``: ``accuracy_score`` made either an object array and failed,
    "scipy.sparse does not support dtype object"); anything else unchanged (a sparse indicator
    of several labels is one that the metrics take); float16 indicators as float32 (the
    metrics' sparse matrices refuse float16: "scipy.sparse does not support dtype float16"),
    and in native byte order (they refuse ``'>i8'`` too)."""
    if isinstance(y, np.ndarray) and y.ndim == 2 and y.dtype == np.float16:
        return y.astype(np.float32)
    if isinstance(y, np.ndarray) and y.ndim == 2 and not y.dtype.isnative:
        return y.astype(y.dtype.newbyteorder("="))
    if not is_sparse(y):
        # Only an indicator frame (several columns, all of numbers or booleans): a column of
        # text labels (pandas' str or category) is labels, not numbers.
        dtypes = list(getattr(y, "dtypes", ())) if np.ndim(y) == 2 else []
        indicator = (
            len(dtypes) > 1
            and all(_holds_numbers(dtype) for dtype in dtypes)
            # Only where NumPy would make it an object array: a frame of one NumPy dtype stays
            # a frame, as GridSearchCV hands it to a scorer.
            and (
                len(set(map(str, dtypes))) > 1
                or any(
                    not isinstance(d, np.dtype) or d == np.float16 or not d.isnative
                    for d in dtypes
                )
            )
        )
        return y.to_numpy(dtype=np.float64) if indicator else y
    if np.ndim(y) > 2 or (np.ndim(y) == 2 and y.shape[1] != 1):
        return y
    if sp.issparse(y):  # a column, or a 1-D sparse array (scipy's coo_array)
        return y.toarray().ravel()
    return y.sparse.to_dense().to_numpy().ravel()  # a DataFrame of one sparse column


def _holds_numbers(dtype):
    """Whether a pandas column of ``dtype`` holds numbers or booleans (a categorical one: by its
    categories)."""
    categories = getattr(dtype, "categories", None)
    return getattr(dtype if categories is None else categories.dtype, "kind", "O") in "biuf"


@dataclass(frozen=True)
class Multilabel:
    """What a multilabel classifier's output describes: ``n_labels`` independent binary labels,
    given to ``fit`` as an indicator matrix of ``dtype``, a SciPy sparse one if ``sparse`` (as
    ``MLPClassifier``, ``predict`` then returns a CSR matrix)."""

    n_labels: int
    dtype: np.dtype
    sparse: bool = False

    @classmethod
    def of(cls, y, sparse=False):
        """The description of an indicator matrix ``y`` (validated, made dense). Its dtype in
        native byte order, as ``MLPClassifier`` predicts: a big-endian ``y`` (``'>i8'``) had
        ``predict`` return indicators that scikit-learn's metrics refuse ("scipy.sparse does not
        support dtype >i8"), which failed ``score`` and every fit with ``early_stopping``."""
        return cls(n_labels=y.shape[1], dtype=y.dtype.newbyteorder("="), sparse=sparse)

    @property
    def classes(self):
        """``classes_`` of a multilabel classifier, as ``MLPClassifier``'s: the numbers of the
        label columns."""
        return np.arange(self.n_labels)


def label_encoder(classes):
    """scikeras' target encoder fitted to ``classes`` (an array of labels, or a ``Multilabel``):
    its ``ClassifierLabelEncoder``, or for multilabel indicators a ``LabelBinarizer``, fitted on
    one row of the label columns (an identity matrix of them would take memory in the square of
    their number: 7 TiB for a file's million labels)."""
    if isinstance(classes, Multilabel):
        return LabelBinarizer().fit(np.eye(1, classes.n_labels, dtype=int))
    return ClassifierLabelEncoder(categories=[classes]).fit(classes)


def _checked_classes(classes):
    """``partial_fit``'s ``classes`` as a 1-D array, its labels checked as ``y``'s are (NaN,
    None, a mix of strings and numbers are refused, as MLPClassifier refuses them)."""
    given, classes = classes, np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(
            f"classes must be a 1-D array-like of labels, got an array of shape {classes.shape}."
        )
    try:
        # Each label twice: scikit-learn warns that y may be a regression target where more
        # than half its rows are distinct labels, which every list of more than 20 classes is
        # (MLPClassifier and SGDClassifier do not check classes so, and do not warn).
        check_classification_targets(np.repeat(classes, 2))
        # As given: NumPy makes ["a", "b", 3] all strings, which MLPClassifier refuses as a mix
        # of strings and numbers (unique_labels' rule; unique_labels itself warns as above in
        # scikit-learn 1.7).
        if classes.dtype.kind in "OU":
            labels = classes.tolist() if classes.dtype.kind == "O" else given
            if len({isinstance(label, str) for label in labels}) > 1:
                raise ValueError("Mix of label input types (string and number)")
    except (ValueError, TypeError) as error:  # it says "y" and means these labels
        # (TypeError: NumPy cannot sort labels of mixed types, e.g. a str and NaN.)
        message = str(error).replace("Input y", "classes")
        raise ValueError(f"classes must hold class labels, as y must: {message}") from None
    return classes


def refuse_missing_labels(y, name="y"):
    """Refuse labels that are missing (None, NaN, pandas' NA or NaT) with a ``ValueError`` that
    says so and where, naming them ``name``. scikit-learn's validation fails on them with
    "boolean value of NA is ambiguous", "'<' not supported between instances of 'NoneType' and
    'str'" or "Mix type of y not allowed", naming neither y nor the cause; NumPy numbers are
    left to its own "Input y contains NaN"."""
    dtype = getattr(y, "dtype", None)
    if y is None or is_sparse(y) or (isinstance(dtype, np.dtype) and dtype.kind != "O"):
        return
    try:
        values = np.asarray(y, dtype=object)
    except ValueError:  # ragged: scikit-learn's validation says so
        return
    if values.ndim > 2:
        return
    missing = pd.isna(values)
    if missing.ndim == 2:
        missing = missing.any(axis=1)
    rows = np.flatnonzero(missing)
    if rows.size:
        raise ValueError(
            f"{name} has {rows.size} missing label{'s' if rows.size > 1 else ''} (None, NaN or "
            f"pandas' NA; in row{'s' if rows.size > 1 else ''} "
            f"{', '.join(map(str, rows[:5].tolist()))}{', ...' if rows.size > 5 else ''}): "
            "drop those rows, or give them a label of their own."
        )


def class_labels(y):
    """The sorted distinct labels of ``y`` in native byte order: big-endian labels ('>i4') give
    classes as MLPClassifier's, and as load gives them back (predict's dtype had changed across
    dump and load)."""
    labels = np.unique(y)
    return labels if labels.dtype.isnative else labels.astype(labels.dtype.newbyteorder("="))


def classification_targets(y):
    """Validated class labels (1-D) or multilabel indicator matrix (2-D, dense): a single
    column becomes 1-D with scikit-learn's ``DataConversionWarning``."""
    if sp.issparse(y):
        y = y.toarray()
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    if y.ndim == 2:
        check_indicator(y)
    return y


def check_indicator(y):
    """Refuse a 2-D ``y`` that is not a multilabel indicator matrix (0/1 columns)."""
    kind = type_of_target(y)
    if kind == "multilabel-indicator" and not np.isin(np.unique(y), (0, 1)).all():
        raise ValueError(
            f"y of shape {y.shape} must be a multilabel indicator matrix of 0s and 1s, got the "
            f"values {np.unique(y).tolist()}."
        )
    if kind != "multilabel-indicator":
        raise ValueError(
            f"y of shape {y.shape} must be a multilabel indicator matrix (a column per label, "
            f"values 0 and 1), got {kind} targets. Pass a 1-D y for one label per row."
        )


def _labels(output, classes):
    """Class labels from the network's output (one sigmoid unit, one unit per class, or one
    sigmoid unit per label)."""
    if isinstance(classes, Multilabel):
        # float16 indicators come back as float32: scikit-learn's metrics refuse float16
        # ("scipy.sparse does not support dtype float16"), so they could not be scored.
        dtype = np.float32 if classes.dtype == np.float16 else classes.dtype
        indicators = (output > 0.5).astype(dtype)
        return sp.csr_matrix(indicators) if classes.sparse else indicators
    if output.shape[1] == 1:
        return classes[(output[:, 0] > 0.5).astype(int)]
    return classes[np.argmax(output, axis=1)]


L1L2Classifier.__doc__ = _docs.compose(
    """\
Multi-layer perceptron classifier with L1-L2 weight penalties, built on Keras.

A ``keras.Sequential`` of ``Dense`` layers, one per entry of ``hidden_layer_sizes`` and then an
output layer (sigmoid for two classes, softmax for more; one sigmoid unit per label for a
multilabel indicator ``y``). Every kernel, the output layer's
included, carries ``keras.regularizers.L1L2(l1, l2)``; biases are not penalized. The estimator
follows scikit-learn's API: params are set in ``__init__`` and validated in ``fit``; learned
state ends with ``_``; it works in ``Pipeline``, ``GridSearchCV``, ``clone``, pickle and joblib.
""",
    L1L2Classifier.__init__,
    score="accuracy",
    stratified=(
        " (stratified by class where every class\n    can have rows on both sides of the split; "
        "not for a multilabel ``y``)"
    ),
    class_weight_partial_fit=(
        " ``partial_fit`` refuses ``\"balanced\"`` (it would balance\n    each call's rows on "
        "their own)."
    ),
    sparsity="sparsity_",
    target_encoder=(
        "it encodes ``y`` as the network's outputs (``model_``'s\n    targets) and decodes them"
    ),
    out_activation=(
        '"sigmoid" for two classes and for a multilabel\n    indicator ``y`` (a unit per label), '
        '"softmax" for more classes'
    ),
    alpha_mapping="MLPClassifier's ``alpha`` corresponds to ``l2 = alpha / (2 * batch_size)``.",
    model_outputs=(
        "; a binary classifier's has one output, the probability of\n    ``classes_[1]``"
    ),
    target_attributes="""\
classes_ : ndarray of shape (n_classes,)
    Class labels; for a multilabel indicator ``y``, the numbers of its label columns (as
    ``MLPClassifier``'s).
n_classes_ : int
    Number of classes (of labels, for a multilabel ``y``).
n_outputs_ : int
    Number of targets, as scikeras counts them: 1 for class labels, the number of labels for a
    multilabel ``y`` (``MLPClassifier``'s counts its output units: ``n_classes_`` for more than
    two classes).""",
    see_also="""\
L1L2Regressor : The regression twin of this estimator.
sklearn.neural_network.MLPClassifier : The multi-layer perceptron of scikit-learn (L2 only).
scikeras.wrappers.KerasClassifier : The wrapper this class builds on.
""",
    notes="""\
A whole fit is one compiled TensorFlow call and prediction is a NumPy forward pass over
``coefs_``/``intercepts_``; both match Keras' own ``fit``/``predict`` arithmetic. Sparse X
(CSR/CSC) and, as in ``MLPClassifier``, multilabel indicator targets are accepted.
""",
    examples="""\
>>> from sklearn.datasets import make_classification
>>> from l1l2_estimator import L1L2Classifier
>>> X, y = make_classification(n_samples=200, n_features=10, random_state=0)
>>> clf = L1L2Classifier(hidden_layer_sizes=(16,), learning_rate=0.01, random_state=0)
>>> clf = clf.fit(X, y)
>>> clf.predict_proba(X[:2]).shape
(2, 2)
>>> bool(clf.score(X, y) > 0.9)
True
""",
)
