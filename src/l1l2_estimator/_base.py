"""What L1L2Classifier and L1L2Regressor share: params, validation, fitting, fitted attributes.

``L1L2Network`` is a mixin placed before the scikeras wrapper in each estimator's bases. It holds
the fit loop (one private ``_fit`` shared by ``fit`` and ``partial_fit``) and calls a few hooks that
each task defines: how targets are checked, encoded and scored, and what the output layer is.
"""

import contextlib
import warnings
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, compute_sample_weight
from sklearn.utils._param_validation import Interval, StrOptions
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

PARAMETER_CONSTRAINTS = {
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
    "warm_start": ["boolean"],
    "random_state": ["random_state"],
    "callbacks": [list, None],
    "verbose": ["verbose"],
}


class L1L2Network:
    """Mixin: the shared machinery of the L1-L2 network estimators (see the module docstring)."""

    __repr__ = BaseEstimator.__repr__  # scikit-learn's: shows only the params that differ
    _routing_prefixes = ROUTING_PREFIXES  # scikeras' set_params routing

    def __sklearn_is_fitted__(self):
        return hasattr(self, "coefs_")

    # -- hooks each task defines ------------------------------------------------------------

    def _start_targets(self, classes):
        """Reset target state before a fresh fit (``classes`` from ``partial_fit``)."""

    def _check_targets_continue(self, y, incremental):
        """Refuse targets that the existing output layer cannot learn."""

    def _encode_targets(self, y):
        raise NotImplementedError

    def _output_layer(self):
        """``(units, activation, loss)`` of the output layer."""
        raise NotImplementedError

    def _validation_score(self, y_true, output, sample_weight):
        """Score of network ``output`` on held-out ``y_true`` (higher is better)."""
        raise NotImplementedError

    def _stratify(self, y):
        return None

    # -- fitting -----------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to ``(X, y)``; with ``warm_start=True``, continue training it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels for the classifier, numbers for the regressor.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        self._check_params()
        continuing = (incremental or self.warm_start) and hasattr(self, "model_")
        with self._restored_on_failure():
            if continuing:
                X, y = self._validate_data(X, y)
                self._check_targets_continue(y, incremental)
            else:
                self._start_targets(classes)
                X, y = self._initialize(X, y)  # validates, encodes targets, builds the network
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
                self._encode_targets(y),
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
        """Split off ``validation_fraction`` of the rows (stratified for classifiers, seeded like
        the shuffling) and return the training part with a rule that scores the held-out part
        after every epoch."""
        X, X_val, y, y_val, sample_weight, weight_val = train_test_split(
            X,
            y,
            sample_weight,
            test_size=self.validation_fraction,
            random_state=self._shuffle_seed,
            stratify=self._stratify(y),
        )

        def score(model):
            coefs, intercepts = dense_weights(model)
            output = forward(X_val, coefs, intercepts, *self._activations)
            return self._validation_score(y_val, output, weight_val)

        stopping = ValidationStoppingRule(
            score=score, tol=self.tol, n_iter_no_change=self.n_iter_no_change
        )
        return X, y, sample_weight, stopping

    def _check_params(self):
        """What ``_parameter_constraints`` cannot express: element-wise layer sizes, and that
        every extra keyword argument is routed (``optimizer__*``, ``callbacks__*``), so that a
        typo such as ``epoch=10`` fails instead of passing silently. Checked in ``fit``, as
        scikit-learn estimators never raise in ``__init__``."""
        for name in self.get_params(deep=False):
            if name not in self._parameter_constraints and (
                "__" not in name or name.split("__", 1)[0] not in ROUTING_PREFIXES
            ):
                raise TypeError(
                    f"{type(self).__name__} got an unexpected keyword argument {name!r}; routed "
                    f"arguments start with {' or '.join(sorted(p + '__' for p in ROUTING_PREFIXES))}."
                )
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

    @contextlib.contextmanager
    def _restored_on_failure(self):
        """Leave the estimator exactly as it was if fitting raises.

        Restoring the attributes suffices: a fresh fit builds a new network, and continued
        training copies trained weights into ``model_`` only once training has succeeded
        (see ``_training.train``).
        """
        saved_state = dict(vars(self))
        try:
            yield
        except BaseException:
            vars(self).clear()
            vars(self).update(saved_state)
            raise

    def _training_weights(self, X, y, sample_weight):
        """Sample weights for the loss: user weights times class weights, never None."""
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True, copy=True
        )
        class_weight = getattr(self, "class_weight", None)
        if class_weight is not None:
            sample_weight *= compute_sample_weight(class_weight, y).astype(np.float32)
        return sample_weight

    # -- hooks called by scikeras ------------------------------------------------------------

    def _build_keras_model(self):
        rng = check_random_state(self.random_state)
        sizes = self.hidden_layer_sizes
        # NumPy scalars (a grid built with np.arange, say) become the Python numbers Keras expects.
        sizes = (int(sizes),) if isinstance(sizes, Integral) else tuple(map(int, sizes))
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(sizes) + 1)
        self._shuffle_seed = int(rng.randint(np.iinfo(np.int32).max))
        units, output_activation, loss = self._output_layer()
        self._activations = (ACTIVATIONS[self.activation], output_activation)
        return build_network(
            n_features=self.n_features_in_,
            n_outputs=units,
            hidden_layer_sizes=sizes,
            activation=self.activation,
            output_activation=output_activation,
            loss=loss,
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

    def _network_output(self, X):
        """The network's output for ``X`` (NumPy forward pass over ``coefs_``/``intercepts_``)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return forward(X, self.coefs_, self.intercepts_, *self._activations)

    # -- fitted attributes ---------------------------------------------------------------------

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
        ``SelectFromModel(estimator)`` keeps the features the L1 penalty left in use. Like the
        weights, the values depend on the scale of the features: standardize them first.
        """
        check_is_fitted(self)
        return np.linalg.norm(self.coefs_[0], axis=1)

    @property
    def sparsity_(self):
        """Fraction of exactly-zero kernel weights in each Dense layer, first layer first."""
        check_is_fitted(self)
        return [float(np.mean(kernel == 0.0)) for kernel in self.coefs_]
