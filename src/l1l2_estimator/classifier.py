"""L1L2Classifier: an L1-L2-regularized Keras network as a scikit-learn classifier."""

import numpy as np
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import KerasClassifier
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._base import PARAMETER_CONSTRAINTS, L1L2Network


class L1L2Classifier(L1L2Network, KerasClassifier):
    """Multi-layer perceptron classifier with L1-L2 weight penalties, built on Keras.

    A ``keras.Sequential`` of ``Dense`` layers, one per entry of ``hidden_layer_sizes`` and then an
    output layer (sigmoid for two classes, softmax otherwise). Every kernel, the output layer's
    included, carries ``keras.regularizers.L1L2(l1, l2)``; biases are not penalized. The estimator
    follows scikit-learn's API: params are set in ``__init__`` and validated in ``fit``; learned
    state ends with ``_``; it works in ``Pipeline``, ``GridSearchCV``, ``clone``, pickle and joblib.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(100,)
        Units of each hidden layer; the i-th element is the i-th hidden layer.
    activation : str, default="relu"
        Hidden-layer activation: "relu", "tanh", "sigmoid" (alias "logistic"), "linear" (alias
        "identity"), "elu", "selu", "gelu", "softplus" or "silu".
    l1 : float, default=1e-5
        L1 penalty factor: ``l1 * sum(|W|)`` over every kernel is added to the mini-batch loss.
    l2 : float, default=1e-4
        L2 penalty factor: ``l2 * sum(W ** 2)`` over every kernel is added to the mini-batch loss.
        MLPClassifier's ``alpha`` corresponds to ``l2 = alpha / (2 * batch_size)``.
    optimizer : str or keras.optimizers.Optimizer, default="adam"
        A Keras optimizer name, or an optimizer instance whose configuration is copied on each fit.
        Optimizer arguments can be routed as ``optimizer__<name>``, e.g. ``optimizer__beta_1``.
    learning_rate : float, default=1e-3
        Learning rate of an optimizer given by name (``optimizer__learning_rate`` wins if set).
        An optimizer instance keeps its own learning rate.
    epochs : int, default=200
        Maximum number of passes over the training data (MLPClassifier's ``max_iter``).
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" means ``min(200, n_samples)``, as in MLPClassifier.
    tol : float, default=1e-4
        Training stops once the epoch loss has not improved by at least ``tol`` for more than
        ``n_iter_no_change`` consecutive epochs. Set ``tol=0`` and ``n_iter_no_change=epochs`` to
        always train all epochs.
    n_iter_no_change : int, default=10
        Number of epochs without ``tol`` improvement tolerated before stopping.
    shuffle : bool, default=True
        Whether to shuffle the samples at each epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified) and stop once their
        accuracy has not improved by ``tol`` for more than ``n_iter_no_change`` epochs; the
        weights of the best epoch are kept. As in MLPClassifier, only ``fit`` uses it.
    validation_fraction : float, default=0.1
        Fraction of the training rows held out when ``early_stopping=True``; in (0, 1).
    proximal_l1 : bool, default=False
        Apply the L1 penalty by a proximal step (soft-thresholding every kernel by
        ``learning_rate * l1`` after each optimizer step) instead of through its gradient. Plain
        L1 under Adam only shrinks weights towards zero; the proximal step sets them exactly to
        zero, so unused features drop out (see ``sparsity_`` and ``feature_importances_``).
    class_weight : dict, "balanced" or None, default=None
        Weights associated with classes, multiplied into ``sample_weight``.
    warm_start : bool, default=False
        When True, ``fit`` continues training the current network instead of building a new one.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization and shuffling. An int gives identical results on every fit,
        in any process.
    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks. They receive train and epoch events (``logs={"loss": ...}``) and may stop
        training through ``model.stop_training``; per-batch events are not sent.
    verbose : int, default=0
        0 is silent; 1 shows Keras' progress bar for each epoch.
    **kwargs
        Routed arguments ``optimizer__<name>`` and ``callbacks__<name>``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column names.
    model_ : keras.Sequential
        The fitted Keras network.
    coefs_ : list of ndarray
        Kernel of each Dense layer (float64 copy taken at the end of ``fit``; predictions use it).
    intercepts_ : list of ndarray
        Bias of each Dense layer, likewise.
    loss_curve_ : list of float
        Mean training loss (penalty included) of each epoch.
    best_loss_ : float
        Lowest value of ``loss_curve_``.
    validation_scores_ : list of float
        Held-out accuracy after each epoch; only with ``early_stopping=True``.
    best_validation_score_ : float
        Best of ``validation_scores_``, whose weights the estimator keeps.
    feature_importances_ : ndarray of shape (n_features_in_,)
        L2 norm of each feature's row of the first-layer kernel; use with ``SelectFromModel``.
    sparsity_ : list of float
        Fraction of exactly-zero kernel weights in each Dense layer.
    n_iter_ : int
        Number of epochs trained (cumulative under ``warm_start`` and ``partial_fit``).
    history_ : dict
        scikeras' training history: ``{"loss": loss_curve_}``.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's multi-layer perceptron (L2 only).
    scikeras.wrappers.KerasClassifier : The wrapper this class builds on.

    Notes
    -----
    Training runs one compiled TensorFlow call per epoch and prediction is a NumPy forward pass
    over ``coefs_``/``intercepts_``; both match Keras' own ``fit``/``predict`` arithmetic.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from l1l2_estimator import L1L2Classifier
    >>> X, y = make_classification(n_samples=200, n_features=10, random_state=0)
    >>> clf = L1L2Classifier(hidden_layer_sizes=(16,), learning_rate=0.01, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **PARAMETER_CONSTRAINTS,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        l1=1e-5,
        l2=1e-4,
        optimizer="adam",
        learning_rate=1e-3,
        epochs=200,
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
        # scikeras' __init__ would store params this class does not have (model, loss, ...), which
        # clone() would then pass back here; so we store ours and the routed kwargs ourselves.
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.l1 = l1
        self.l2 = l2
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.proximal_l1 = proximal_l1
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.callbacks = callbacks
        self.verbose = verbose
        vars(self).update(kwargs)

    # -- scikit-learn protocol ---------------------------------------------------------------

    def __sklearn_tags__(self):
        # scikeras lists BaseWrapper before ClassifierMixin, so ClassifierMixin's tags are never
        # reached through super(); set what it would set.
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        return tags

    score = ClassifierMixin.score

    # -- fitting -----------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
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

    def _start_targets(self, classes):
        self.classes_ = None if classes is None else np.asarray(classes)

    def _encode_targets(self, y):
        return self.target_encoder_.transform(y)

    def _output_layer(self):
        if self.n_classes_ == 2:
            return 1, "sigmoid", "binary_crossentropy"
        return self.n_classes_, "softmax", "sparse_categorical_crossentropy"

    def _validation_score(self, y_true, output, sample_weight):
        return accuracy_score(y_true, self._labels(output), sample_weight=sample_weight)

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
        if reset and self.classes_ is None and np.unique(y).size < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but "
                f"the data contains only one class: {np.unique(y)[0]!r}."
            )
        return X, y

    @property
    def target_encoder(self):
        categories = "auto" if self.classes_ is None else [self.classes_]
        return ClassifierLabelEncoder(categories=categories)

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
        return self._labels(self._network_output(X))

    def _labels(self, output):
        """Class labels from the network's output (one sigmoid unit, or one unit per class)."""
        if output.shape[1] == 1:
            return self.classes_[(output[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(output, axis=1)]
