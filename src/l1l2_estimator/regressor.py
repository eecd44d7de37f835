"""L1L2Regressor: an L1-L2-regularized Keras network as a scikit-learn regressor."""

import numpy as np
from scikeras.wrappers import KerasRegressor
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils import RegressorTags
from sklearn.utils.validation import validate_data

from ._base import PARAMETER_CONSTRAINTS, L1L2Network


class L1L2Regressor(L1L2Network, KerasRegressor):
    """Multi-layer perceptron regressor with L1-L2 weight penalties, built on Keras.

    The regression twin of :class:`~l1l2_estimator.L1L2Classifier`: the same ``Dense`` stack with
    ``keras.regularizers.L1L2(l1, l2)`` on every kernel, a linear output layer with one unit per
    target, and the mean squared error as loss. It takes the same params (but ``class_weight``),
    validates them the same way, and has the same fitted attributes, ``feature_importances_`` and
    ``sparsity_`` included; ``early_stopping`` scores the held-out rows by R².

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(100,)
        Units of each hidden layer.
    activation : str, default="relu"
        Hidden-layer activation, as for L1L2Classifier.
    l1, l2 : float, default=1e-5, 1e-4
        L1 and L2 penalty factors on every kernel.
    optimizer : str or keras.optimizers.Optimizer, default="adam"
        Keras optimizer name or instance; routed arguments as ``optimizer__<name>``.
    learning_rate : float, default=1e-3
        Learning rate of an optimizer given by name.
    epochs : int, default=200
        Maximum passes over the training data.
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``min(200, n_samples)``.
    tol : float, default=1e-4
        Minimum improvement of the loss (or of the validation R²) that counts as progress.
    n_iter_no_change : int, default=10
        Epochs without progress tolerated before stopping.
    shuffle : bool, default=True
        Whether to shuffle the samples at each epoch.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stop when their R² stops improving, keep the
        best epoch's weights.
    validation_fraction : float, default=0.1
        Held-out fraction for ``early_stopping``.
    proximal_l1 : bool, default=False
        Apply L1 by soft-thresholding after each optimizer step, which gives exact zeros.
    warm_start : bool, default=False
        When True, ``fit`` continues training the current network.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, shuffling and the validation split.
    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks receiving epoch events.
    verbose : int, default=0
        1 shows Keras' progress bar for each epoch.
    **kwargs
        Routed arguments ``optimizer__<name>`` and ``callbacks__<name>``.

    Attributes
    ----------
    n_features_in_, feature_names_in_, model_, coefs_, intercepts_, loss_curve_, best_loss_, \
n_iter_, validation_scores_, best_validation_score_, feature_importances_, sparsity_
        As for L1L2Classifier; ``validation_scores_`` hold R² values.

    See Also
    --------
    L1L2Classifier : The classifier.
    sklearn.neural_network.MLPRegressor : scikit-learn's multi-layer perceptron regressor.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from l1l2_estimator import L1L2Regressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> reg = L1L2Regressor(hidden_layer_sizes=(32,), learning_rate=0.01, random_state=0)
    >>> reg = reg.fit(X, y / y.std())
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> bool(reg.score(X, y / y.std()) > 0.9)
    True
    """

    _parameter_constraints: dict = dict(PARAMETER_CONSTRAINTS)

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
        warm_start=False,
        random_state=None,
        callbacks=None,
        verbose=0,
        **kwargs,
    ):
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
        self.warm_start = warm_start
        self.random_state = random_state
        self.callbacks = callbacks
        self.verbose = verbose
        vars(self).update(kwargs)

    def __sklearn_tags__(self):
        # As for the classifier: scikeras' base order hides RegressorMixin's tags.
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags

    score = RegressorMixin.score

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train for one epoch on ``(X, y)``, keeping the network and its optimizer state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss.

        Returns
        -------
        self : L1L2Regressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    # -- task hooks of L1L2Network --------------------------------------------------------------

    def _encode_targets(self, y):
        return np.asarray(y, dtype=np.float32).reshape(len(y), -1)

    def _output_layer(self):
        return self.n_outputs_, "linear", "mean_squared_error"

    def _validation_score(self, y_true, output, sample_weight):
        return r2_score(y_true, output.reshape(np.shape(y_true)), sample_weight=sample_weight)

    def _check_targets_continue(self, y, incremental):
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} output(s), but this {type(self).__name__} was fitted with "
                f"{self.n_outputs_}; refit with warm_start=False."
            )

    # -- hooks called by scikeras ---------------------------------------------------------------

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=True):
        """scikit-learn's ``validate_data``: numeric, finite targets of one or more columns."""
        X, y = validate_data(
            self, X, y, reset=reset, dtype=np.float32, multi_output=True, y_numeric=True
        )
        if reset:
            self._y_ndim = y.ndim
        return X, y

    # -- prediction -----------------------------------------------------------------------------

    def predict(self, X):
        """Predicted targets for each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, shaped like the ``y`` seen in ``fit``.
        """
        output = self._network_output(X)
        return output[:, 0] if self._y_ndim == 1 else output
