"""L1L2Classifier: an L1-L2-regularized Keras network as a scikit-learn classifier."""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import numpy as np
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import KerasClassifier
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from . import _docs
from ._base import L1L2Network
from ._compat import fit_context
from ._params import CLASS_WEIGHT_CONSTRAINT, PARAMETER_CONSTRAINTS


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
        tags.classifier_tags = ClassifierTags()

    score = ClassifierMixin.score

    # -- fitting -----------------------------------------------------------------------------

    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch on ``(X, y)``, keeping the network and its optimizer state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes across calls; required on the first call if ``y`` lacks some of them.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss.

        Returns
        -------
        self : L1L2Classifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    # -- task hooks of L1L2Network --------------------------------------------------------------

    def _targets_from(self, y, classes):
        labels = np.unique(y if classes is None else np.asarray(classes))
        unseen = np.setdiff1d(np.unique(y), labels)
        if unseen.size:
            raise ValueError(
                f"y has labels {unseen.tolist()} that are not in classes {labels.tolist()}."
            )
        if labels.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {labels.tolist()[0]!r}."
            )
        return labels

    def _fitted_targets(self):
        return self.classes_

    def _check_fold_targets(self, y, classes):
        if not np.array_equal(np.unique(y), classes):
            raise ValueError(
                "Every training fold must hold every class of the data, so that all folds train "
                "the same network; use a stratified splitter or more rows per class."
            )

    def _target_state(self, classes):
        encoder = ClassifierLabelEncoder(categories=[classes]).fit(classes)
        # The encoder, given explicit categories, reports them as an object array; the labels
        # that predict returns keep their own dtype.
        return {"target_encoder_": encoder, **encoder.get_metadata(), "classes_": classes}

    def _encode_targets(self, classes, y):
        return np.searchsorted(classes, y).astype(np.float32)

    def _output_layer(self, classes):
        if len(classes) == 2:
            return 1, "sigmoid", "binary_crossentropy"
        return len(classes), "softmax", "sparse_categorical_crossentropy"

    def _validation_score(self, classes, y_true, output, sample_weight):
        return accuracy_score(y_true, _labels(output, classes), sample_weight=sample_weight)

    def _stratify(self, y):
        return y

    def _check_targets_continue(self, y, incremental):
        """Continued training keeps the output layer, so the labels must fit it (MLPClassifier's
        rules: ``partial_fit`` takes a subset of ``classes_``, a warm-started ``fit`` all of them)."""
        labels = np.unique(y)
        unseen = np.setdiff1d(labels, self.classes_)
        if unseen.size:
            raise ValueError(
                f"y has labels {unseen.tolist()} that are not in classes_ {self.classes_.tolist()}; "
                "pass every class to the first partial_fit call (classes=...) or refit with "
                "warm_start=False."
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
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float32)
        check_classification_targets(y)
        return X, y

    # -- prediction ----------------------------------------------------------------------------

    def predict_proba(self, X):
        """Class probabilities for each row of ``X``, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class.
        """
        output = self._network_output(X)
        if output.shape[1] == 1:  # one sigmoid unit: the positive class's probability
            return np.column_stack([1.0 - output[:, 0], output[:, 0]])
        return output

    def predict(self, X):
        """Most probable class label of each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        return _labels(self._network_output(X), self.classes_)


def _labels(output, classes):
    """Class labels from the network's output (one sigmoid unit, or one unit per class)."""
    if output.shape[1] == 1:
        return classes[(output[:, 0] > 0.5).astype(int)]
    return classes[np.argmax(output, axis=1)]


L1L2Classifier.__doc__ = _docs.compose(
    """\
Multi-layer perceptron classifier with L1-L2 weight penalties, built on Keras.

A ``keras.Sequential`` of ``Dense`` layers, one per entry of ``hidden_layer_sizes`` and then an
output layer (sigmoid for two classes, softmax otherwise). Every kernel, the output layer's
included, carries ``keras.regularizers.L1L2(l1, l2)``; biases are not penalized. The estimator
follows scikit-learn's API: params are set in ``__init__`` and validated in ``fit``; learned
state ends with ``_``; it works in ``Pipeline``, ``GridSearchCV``, ``clone``, pickle and joblib.
""",
    L1L2Classifier.__init__,
    score="accuracy",
    stratified=" (stratified)",
    out_activation='"sigmoid" for two classes, "softmax" for more',
    target_attributes="""\
classes_ : ndarray of shape (n_classes,)
    Class labels.
n_classes_ : int
    Number of classes.""",
    see_also="""\
L1L2Regressor : The regression twin of this estimator.
sklearn.neural_network.MLPClassifier : The multi-layer perceptron of scikit-learn (L2 only).
scikeras.wrappers.KerasClassifier : The wrapper this class builds on.
""",
    notes="""\
Training runs one compiled TensorFlow call per epoch and prediction is a NumPy forward pass
over ``coefs_``/``intercepts_``; both match Keras' own ``fit``/``predict`` arithmetic.
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
