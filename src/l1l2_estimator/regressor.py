"""L1L2Regressor: an L1-L2-regularized Keras network as a scikit-learn regressor."""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import numpy as np
import scipy.sparse as sp
from scikeras.wrappers import KerasRegressor
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import RegressorTags
from sklearn.utils.validation import assert_all_finite, validate_data

from . import _docs
from ._base import L1L2Network, checks_continued_params, refuse_keywords
from ._inputs import float32_features, is_sparse, refuse_structured_targets
from ._compat import StrOptions, fit_context, not_converted
from ._graph import POISSON_EPSILON
from ._params import PARAMETER_CONSTRAINTS, SPARSE_FORMATS


# The output layer and Keras loss of each ``loss``: as MLPRegressor's, Poisson's has a log link
# (an exponential output).
OUTPUTS = {
    "squared_error": ("linear", "mean_squared_error"),
    "poisson": ("exponential", "poisson"),
}
LOSS_CONSTRAINT = [StrOptions(set(OUTPUTS))]


def check_poisson_targets(y, loss):
    """Refuse negative targets for ``loss="poisson"`` (counts, rates: its log link predicts
    positive values only). ``y`` as numbers: numeric strings, which scikit-learn's validation
    leaves as strings in a str array, are read as the numbers they write (comparing the
    strings with 0 had failed with NumPy's UFuncTypeError in ``L1L2RegressorCV``)."""
    if loss != "poisson":
        return
    values = np.asarray(y, dtype=np.float64)
    if np.any(values < 0):
        raise ValueError(
            "loss='poisson' needs y >= 0 (counts or rates), but y holds negative values, such as "
            f"{float(np.min(values)):g}; use loss='squared_error' for such a target."
        )


# The least mean a Poisson output starts from (its bias then starts at about -16): the Poisson
# loss adds this epsilon to a prediction before taking its log, so nothing smaller is told apart.
POISSON_LEAST_MEAN = POISSON_EPSILON


def poisson_start_bias(y, sample_weight, partial=False):
    """The bias at which an exponential output predicts the weighted mean of ``y`` (the training
    rows' float32 targets, one column per output) for every row: its log, per output, as
    scikit-learn's Poisson GLMs start their intercept. A network that starts at zero bias
    predicts about 1, and a target whose counts are in the thousands then took Adam thousands of
    steps to reach (held-out deviance 50 where ``PoissonRegressor`` scored 0.95). Computed from
    float32 values in float64, the same in a single fit and in a cross-validation member.

    ``partial``: ``y`` is a first ``partial_fit`` call's, a part of a stream. An output whose
    counts there are all 0 then starts at 0, as before any data: at ``log(POISSON_LEAST_MEAN)``
    the counts that follow took the output hundreds of steps to climb to (a stream of rate 5
    whose first 20 rows were zeros ended 30 calls later predicting 1.6)."""
    with np.errstate(under="ignore"):  # values below float32's smallest: 0, as trained on
        y = np.asarray(y, np.float32).astype(np.float64)
        weights = None if sample_weight is None else np.asarray(sample_weight, np.float32)
    mean = np.average(y, axis=0, weights=weights)
    bias = np.log(np.maximum(mean, POISSON_LEAST_MEAN))
    if partial:
        bias = np.where(mean > 0, bias, 0.0)
    return bias.astype(np.float32)


def scored_targets(y):
    """``y`` as scikit-learn's metrics take it: a sparse ``y`` (a SciPy matrix or array, or a
    DataFrame of sparse columns), which ``fit`` takes, made dense (the metrics refuse it);
    anything else unchanged."""
    if sp.issparse(y):
        return y.toarray()
    if is_sparse(y):
        return y.sparse.to_dense()
    return y


def regression_targets(y, loss):
    """A validated ``y`` as the dense float64 numbers the network trains on: finite (as
    scikit-learn says it; it checks a target of text before it reads the numbers, so "nan" and
    "inf" had trained, diverged and been blamed on ``assume_finite``) and within float32's range
    (the network's); ``loss`` words the advice. (``check_poisson_targets`` checks the sign.)"""
    y = y.toarray() if sp.issparse(y) else np.asarray(y, dtype=np.float64)
    assert_all_finite(y, input_name="y")
    largest = np.finfo(np.float32).max
    if np.any(np.abs(y) > largest):
        how = (
            "divide it by a positive constant (loss='poisson' needs y >= 0)"
            if loss == "poisson"
            else "e.g. with TransformedTargetRegressor(transformer=StandardScaler())"
        )
        raise ValueError(
            f"y holds values beyond float32's range (±{largest:.3g}), in which the network "
            f"trains; rescale the target, {how}."
        )
    return y


@not_converted
class L1L2Regressor(L1L2Network, KerasRegressor):
    _parameter_constraints: dict = {**PARAMETER_CONSTRAINTS, "loss": LOSS_CONSTRAINT}
    loss = "squared_error"  # the param of an estimator pickled before it existed

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        loss="squared_error",
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
        warm_start=False,
        random_state=None,
        callbacks=None,
        verbose=0,
        **kwargs,
    ):
        self._store_params(locals())

    def _set_task_tags(self, tags):
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.multi_output = True
        # Poisson's loss refuses a negative y, as PoissonRegressor says with this tag.
        tags.target_tags.positive_only = self.loss == "poisson"

    def score(self, X, y, sample_weight=None):
        """R² of ``predict(X)`` against ``y``, as ``RegressorMixin.score``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.
        y : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_outputs)
            True targets; a sparse matrix is made dense, as ``fit`` makes it.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R² (uniform average over the outputs).
        """
        return RegressorMixin.score(self, X, scored_targets(y), sample_weight=sample_weight)

    @checks_continued_params
    @fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, **fit_params):
        """Train for one epoch on ``(X, y)``, keeping the network and its optimizer state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample in the loss.
        **fit_params : dict
            Not taken: a TypeError says where each setting goes (training settings such as
            ``epochs`` are params, as in scikit-learn; scikeras forwards them to Keras).

        Returns
        -------
        self : L1L2Regressor
            The fitted estimator.

        Raises
        ------
        ValueError
            With ``early_stopping=True``, as ``MLPRegressor.partial_fit`` refuses it: a chunk's
            rows are no validation split; or with a ``loss`` changed since the network was
            fitted, whose output layer it no longer matches.
        """
        refuse_keywords(self, "partial_fit", fit_params)
        return self._fit(X, y, sample_weight, incremental=True)

    # -- task hooks of L1L2Network --------------------------------------------------------------

    def _targets_from(self, y, classes, sparse=False, partial=False):
        """``(n_outputs, y_ndim, loss)``: a 1-D ``y`` or a single column is one output,
        predicted as a 1-D array (``y_ndim`` is kept as part of the fitted state), learned with
        ``loss`` (which sets the output layer)."""
        check_poisson_targets(y, self.loss)
        return (1 if y.ndim == 1 else y.shape[1], y.ndim, self.loss)

    def _fitted_targets(self):
        # The fitted loss is the one whose output layer the network has.
        loss = next(name for name, (out, _) in OUTPUTS.items() if out == self.out_activation_)
        return (self.n_outputs_, self._y_ndim, loss)

    def _target_state(self, targets):
        n_outputs, y_ndim, _ = targets
        shape = (0,) if y_ndim == 1 else (0, n_outputs)
        encoder = self.target_encoder.fit(np.zeros(shape, dtype=np.float32))
        return {"target_encoder_": encoder, **encoder.get_metadata(), "_y_ndim": y_ndim}

    def _encode_targets(self, targets, y):
        with np.errstate(under="ignore"):  # targets below float32's smallest: 0, as trained on
            return np.asarray(y, dtype=np.float32).reshape(len(y), -1)

    def _output_layer(self, targets):
        return (targets[0], *OUTPUTS[targets[2]])

    def _output_bias(self, targets, encoded, sample_weight, partial=False):
        """Poisson's output starts at the training rows' weighted mean target (``poisson_start_
        bias``); a linear output at zero, as in Keras and MLPRegressor."""
        if targets[2] != "poisson":
            return None
        return poisson_start_bias(encoded, sample_weight, partial)

    def _validation_score(self, targets, y_true, output, sample_weight):
        return r2_score(y_true, output.reshape(np.shape(y_true)), sample_weight=sample_weight)

    def _check_held_out(self, y_val):
        """R² of held-out targets that are all one value is 0 for any other prediction: every
        epoch scores the same, and early_stopping would stop after ``n_iter_no_change`` epochs
        at the first epoch's weights, as MLPRegressor does without a word. One output that
        varies ranks the epochs."""
        values = np.asarray(y_val).reshape(y_val.shape[0], -1)  # dense here, as validated
        if not (values == values[0]).all():
            return
        several = values.shape[1] > 1
        raise ValueError(
            f"early_stopping's held-out rows (validation_fraction={self.validation_fraction}) "
            f"all have the same target{'s' if several else ''} "
            f"({', '.join(f'{value:g}' for value in values[0])}{' per output' if several else ''})"
            ": R², the score that early_stopping ranks epochs by, is 0 for every other "
            "prediction, so training would stop after n_iter_no_change epochs at its first "
            "epoch's weights. Fit without early_stopping, or hold out other rows (a larger "
            "validation_fraction, or another random_state: which rows are held out depends on "
            "it)."
        )

    def _check_targets_continue(self, y, incremental, classes=None):
        fitted_loss = self._fitted_targets()[2]
        if self.loss != fitted_loss:
            how = "partial_fit" if incremental else "warm_start=True"
            raise ValueError(
                f"loss={self.loss!r}, but {how} continues training the network fitted with "
                f"loss={fitted_loss!r} (its output layer differs): set loss back, or fit a new "
                "network (warm_start=False)."
            )
        check_poisson_targets(y, fitted_loss)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} output(s), but this {type(self).__name__} was fitted with "
                f"{self.n_outputs_}; refit with warm_start=False."
            )

    # -- hooks called by scikeras ---------------------------------------------------------------

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=True):
        """scikit-learn's ``validate_data``: numeric, finite targets of one or more columns,
        within float32's range (the network's); a sparse ``y`` is made dense."""
        refuse_structured_targets(y)
        with float32_features(X):
            validated = validate_data(
                self, X, y, reset=reset, dtype=np.float32, multi_output=True, y_numeric=True,
                accept_sparse=SPARSE_FORMATS,
            )
        if y is None:
            return validated
        X, y = validated
        return X, regression_targets(y, self.loss)

    # -- prediction -----------------------------------------------------------------------------

    def predict(self, X):
        """Predicted targets for each row of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions: one value per row for a single target (also when ``fit`` saw ``y`` of
            shape (n_samples, 1), as ``MLPRegressor`` does), one column per target otherwise.
        """
        fitted = self._fitted_view()  # one fit's network and outputs, whatever another thread does
        output = fitted._network_output(X)
        return output[:, 0] if fitted.n_outputs_ == 1 else output


L1L2Regressor.__doc__ = _docs.compose(
    """\
Multi-layer perceptron regressor with L1-L2 weight penalties, built on Keras.

The regression twin of :class:`~l1l2_estimator.L1L2Classifier`: the same ``Dense`` stack with
``keras.regularizers.L1L2(l1, l2)`` on every kernel, a linear output layer with one unit per
target, and the mean squared error as loss (or, with ``loss="poisson"``, an exponential output
and Keras' Poisson loss, for counts and rates, as ``MLPRegressor(loss="poisson")``; its output
bias starts at the log of the training rows' weighted mean target, as ``PoissonRegressor``'s
intercept does). It takes the same params (but ``class_weight``; plus ``loss``),
validates them the same way, and has the same fitted attributes, ``feature_importances_`` and
``sparsity_`` included; ``early_stopping`` scores the held-out rows by R². Scale the target, as
for ``MLPRegressor``: the penalty competes with the squared error in ``y``'s units (with
``loss="poisson"``, divide a count target by a constant instead: it must stay >= 0).
""",
    L1L2Regressor.__init__,
    score="R²",
    stratified="",
    sparsity="sparsity_",
    target_encoder=(
        "it checks ``y`` and shapes it as the network's outputs\n    (``model_``'s targets)"
    ),
    out_activation='"linear"; "exponential" with ``loss="poisson"``',
    model_outputs="",
    # MLPRegressor's loss is half the squared error (plus 0.5 * alpha * sum(W²) / batch_size).
    alpha_mapping="MLPRegressor's ``alpha`` corresponds to ``l2 = alpha / batch_size`` (its loss "
    "is half the\n    squared error); with ``loss=\"poisson\"``, to "
    "``l2 = alpha / (2 * batch_size)`` (its Poisson\n    loss is not halved; with several "
    "outputs, divided by their number too: MLPRegressor\n    sums its Poisson loss over them, "
    "Keras averages it).",
    target_attributes="""\
n_outputs_ : int
    Number of targets (columns of a 2-D ``y``; 1 for a 1-D ``y``).""",
    see_also="""\
L1L2Classifier : The classifier.
sklearn.neural_network.MLPRegressor : The multi-layer perceptron regressor of scikit-learn.
scikeras.wrappers.KerasRegressor : The wrapper this class builds on.
""",
    notes="""\
A whole fit is one compiled TensorFlow call and prediction is a NumPy forward pass over
``coefs_``/``intercepts_``; both match Keras' own ``fit``/``predict`` arithmetic. Sparse X
(CSR/CSC) is accepted.
""",
    examples="""\
>>> from sklearn.datasets import make_regression
>>> from l1l2_estimator import L1L2Regressor
>>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
>>> reg = L1L2Regressor(hidden_layer_sizes=(32,), learning_rate=0.01, random_state=0)
>>> reg = reg.fit(X, y / y.std())
>>> reg.predict(X[:3]).shape
(3,)
>>> bool(reg.score(X, y / y.std()) > 0.9)
True
""",
)
