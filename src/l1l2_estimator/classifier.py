"""L1L2Classifier: an L1-L2-regularized Keras network as a scikit-learn classifier."""

import contextlib
import warnings
from numbers import Integral, Real

import keras
import numpy as np
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, compute_sample_weight
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import _scikeras_compat  # noqa: F401  (declares __sklearn_tags__ on scikeras' BaseWrapper)
from ._inference import dense_weights, forward
from ._network import ACTIVATIONS, build_network
from ._training import StoppingRule, ValidationStoppingRule, train

OPTIMIZERS = frozenset(
    {"adam", "adamw", "adamax", "nadam", "sgd", "rmsprop", "adagrad", "adadelta", "ftrl", "lion"}
)

# Keyword arguments of the form ``<prefix>__<name>`` that are passed on rather than validated here:
# ``optimizer__beta_1=0.95`` reaches the optimizer, ``callbacks__<...>`` scikeras' callback routing.
ROUTING_PREFIXES = frozenset({"optimizer", "callbacks"})


class L1L2Classifier(KerasClassifier):
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
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "l1": [Interval(Real, 0, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), keras.optimizers.Optimizer],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "proximal_l1": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "callbacks": [list, None],
        "verbose": ["verbose"],
    }

    _routing_prefixes = ROUTING_PREFIXES

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

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    score = ClassifierMixin.score
    __repr__ = BaseEstimator.__repr__  # scikit-learn's: shows only the params that differ

    # -- fitting -----------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``(X, y)``; with ``warm_start=True``, continue training it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels: two or more distinct values of any sortable type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss.

        Returns
        -------
        self : L1L2Classifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

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

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        self._check_layer_sizes_and_routing()
        continuing = (incremental or self.warm_start) and hasattr(self, "model_")
        with self._restored_on_failure():
            if continuing:
                X, y = self._validate_data(X, y)
                self._check_labels_continue(y, incremental)
            else:
                self.classes_ = None if classes is None else np.asarray(classes)
                X, y = self._initialize(X, y)  # validates, encodes labels, builds the network
                self.history_ = {"loss": []}
            self._initialize_callbacks()
            sample_weight = self._training_weights(X, y, sample_weight)
            X, y, sample_weight = self._validate_sample_weight(X, y, sample_weight)
            stopping = None
            if not incremental and self.early_stopping:
                X, y, sample_weight, stopping = self._hold_out_validation(X, y, sample_weight)
            elif not incremental:
                stopping = StoppingRule(tol=self.tol, n_iter_no_change=self.n_iter_no_change)
            result = train(
                self.model_,
                X,
                self.target_encoder_.transform(y),
                sample_weight,
                epochs=1 if incremental else self.epochs,
                batch_size=min(200, len(X)) if self.batch_size == "auto" else self.batch_size,
                shuffle=self.shuffle,
                seed=self._shuffle_seed,
                initial_epoch=self.current_epoch,
                stopping=stopping,
                proximal_l1=self.proximal_l1,
                callbacks=self._fit_callbacks,
                verbose=self.verbose,
            )
            self.history_["loss"].extend(result.losses)
            self.coefs_, self.intercepts_ = dense_weights(self.model_)
            if isinstance(stopping, ValidationStoppingRule):
                self.validation_scores_ = stopping.scores
                self.best_validation_score_ = stopping.best_score
            elif not incremental:
                vars(self).pop("validation_scores_", None)
                vars(self).pop("best_validation_score_", None)
        if stopping is not None and not result.converged and not result.stopped_by_callback:
            warnings.warn(
                f"{type(self).__name__}: the maximum number of epochs ({self.epochs}) was "
                "reached and the training loss has not converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )
        return self

    def _hold_out_validation(self, X, y, sample_weight):
        """Split off ``validation_fraction`` of the rows (stratified, seeded like the shuffling)
        and return the training part with a rule that scores the held-out part every epoch."""
        X, X_val, y, y_val, sample_weight, weight_val = train_test_split(
            X,
            y,
            sample_weight,
            test_size=self.validation_fraction,
            random_state=self._shuffle_seed,
            stratify=y,
        )

        def accuracy(model):
            coefs, intercepts = dense_weights(model)
            proba = forward(X_val, coefs, intercepts, self._hidden_activation)
            return accuracy_score(y_val, self.classes_[proba.argmax(axis=1)], sample_weight=weight_val)

        stopping = ValidationStoppingRule(
            score=accuracy, tol=self.tol, n_iter_no_change=self.n_iter_no_change
        )
        return X, y, sample_weight, stopping

    def _check_labels_continue(self, y, incremental):
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

    def _check_layer_sizes_and_routing(self):
        """What ``_parameter_constraints`` cannot express: element-wise layer sizes and the
        prefixes of routed keyword arguments."""
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not sizes or not all(
            isinstance(size, Integral) and not isinstance(size, bool) and size > 0
            for size in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a non-empty sequence of "
                f"positive integers, got {self.hidden_layer_sizes!r}."
            )
        for name in self.get_params(deep=False):
            if "__" in name and name.split("__", 1)[0] not in ROUTING_PREFIXES:
                raise ValueError(
                    f"{name} is not a parameter of {type(self).__name__}; routed arguments must "
                    f"start with one of {sorted(p + '__' for p in ROUTING_PREFIXES)}."
                )

    @contextlib.contextmanager
    def _restored_on_failure(self):
        """Leave the estimator exactly as it was if fitting raises, trained weights included."""
        saved_state = dict(vars(self))
        model = saved_state.get("model_")
        saved_weights = None if model is None else model.get_weights()
        saved_optimizer = None
        if model is not None and model.optimizer is not None:
            saved_optimizer = [v.numpy() for v in model.optimizer.variables]
        try:
            yield
        except BaseException:
            vars(self).clear()
            vars(self).update(saved_state)
            if model is not None:
                model.set_weights(saved_weights)
                if saved_optimizer is not None:
                    variables = model.optimizer.variables
                    if len(variables) == len(saved_optimizer):
                        for variable, value in zip(variables, saved_optimizer):
                            variable.assign(value)
            raise

    def _training_weights(self, X, y, sample_weight):
        """Sample weights for the loss: user weights times class weights, never None."""
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True, copy=True
        )
        if self.class_weight is not None:
            sample_weight *= compute_sample_weight(self.class_weight, y).astype(np.float32)
        return sample_weight

    # -- hooks called by scikeras ------------------------------------------------------------

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        """scikit-learn's ``validate_data`` in place of scikeras' own checks (which miss the
        feature-count message, feature names and label-type checks)."""
        if y is None:
            return validate_data(self, X, reset=reset, dtype=np.float32), None
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

    def _build_keras_model(self):
        rng = check_random_state(self.random_state)
        sizes = self.hidden_layer_sizes
        # NumPy scalars (a grid built with np.arange, say) become the Python numbers Keras expects.
        sizes = (int(sizes),) if isinstance(sizes, Integral) else tuple(map(int, sizes))
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(sizes) + 1)
        self._shuffle_seed = int(rng.randint(np.iinfo(np.int32).max))
        self._hidden_activation = ACTIVATIONS[self.activation]
        return build_network(
            n_features=self.n_features_in_,
            n_outputs=1 if self.n_classes_ == 2 else self.n_classes_,
            hidden_layer_sizes=sizes,
            activation=self.activation,
            l1=float(self.l1),
            l2=float(self.l2),
            optimizer=self._make_optimizer(),
            seeds=[int(seed) for seed in seeds],
        )

    def _make_optimizer(self):
        if isinstance(self.optimizer, keras.optimizers.Optimizer):
            # A fresh copy: a Keras optimizer is bound to the variables of the first model it trains.
            return type(self.optimizer).from_config(self.optimizer.get_config())
        routed = {
            name.split("__", 1)[1]: value
            for name, value in self.get_params(deep=False).items()
            if name.startswith("optimizer__")
        }
        routed.setdefault("learning_rate", self.learning_rate)
        routed.setdefault("name", "optimizer")  # a fixed name: see _network.build_network
        optimizer_class = type(keras.optimizers.get(self.optimizer))
        try:
            return optimizer_class(**routed)
        except (TypeError, ValueError) as error:
            raise ValueError(f"Invalid optimizer__ arguments {routed!r}: {error}") from None

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
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return forward(X, self.coefs_, self.intercepts_, self._hidden_activation)

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
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    @property
    def loss_curve_(self):
        return self.history_["loss"]

    @property
    def best_loss_(self):
        return min(self.history_["loss"])

    @property
    def n_iter_(self):
        return len(self.history_["loss"])

    @property
    def feature_importances_(self):
        """Euclidean (L2) norm of each input feature's row of the first-layer kernel.

        A feature whose outgoing weights are all zero has importance 0, so
        ``SelectFromModel(L1L2Classifier(...))`` keeps the features the L1 penalty left in use.
        Like the weights, the values depend on the scale of the features: standardize them first.
        """
        check_is_fitted(self)
        return np.linalg.norm(self.coefs_[0], axis=1)

    @property
    def sparsity_(self):
        """Fraction of exactly-zero kernel weights in each Dense layer, first layer first."""
        check_is_fitted(self)
        return [float(np.mean(kernel == 0.0)) for kernel in self.coefs_]
