"""NumPy forward pass over a fitted Dense stack.

Keras' ``Model.predict`` costs tens of milliseconds per call on small inputs, all of it overhead.
A fitted L1L2 network is a handful of matrix products, which NumPy runs in microseconds. We compute
in float64, which agrees with the float32 Keras model to well within 1e-5 and makes row-by-row and
whole-batch predictions agree exactly enough for scikit-learn's invariance checks.
"""

import numpy as np
from scipy import sparse, special
from sklearn import get_config
from sklearn.utils import gen_batches


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def _softplus(z):
    with np.errstate(under="ignore"):  # log(1 + e^z) of a very negative z: 0, as it is
        return np.logaddexp(0.0, z)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946

ACTIVATION_FUNCTIONS = {
    "relu": lambda z: np.maximum(z, 0, out=z),
    "tanh": lambda z: np.tanh(z, out=z),
    "sigmoid": lambda z: special.expit(z, out=z),
    "linear": lambda z: z,
    "elu": _elu,
    "selu": lambda z: _SELU_SCALE * np.where(z > 0, z, _SELU_ALPHA * np.expm1(np.minimum(z, 0))),
    "gelu": lambda z: 0.5 * z * (1.0 + special.erf(z / np.sqrt(2.0))),
    "softplus": _softplus,
    "silu": lambda z: z * special.expit(z),
}


OUTPUT_FUNCTIONS = {
    "sigmoid": special.expit,
    "softmax": lambda z: special.softmax(z, axis=1),
    "linear": lambda z: z,
    "exponential": np.exp,
}


# float32's largest number: values beyond it are infinite in the float32 network that trains.
_FLOAT32_MAX = float(np.finfo(np.float32).max)

# Weights up to this magnitude are not checked further by ``training_loss_overflows``: the
# check costs a forward pass, and training at a sensible learning rate stays far below it (Adam
# moves a weight by about the learning rate a step).
_UNREMARKABLE_WEIGHT = 1e4

# The training rows that ``training_loss_overflows`` passes forward.
LOSS_CHECKED_ROWS = 1000


def training_loss_overflows(weights, X, y, activation, output_activation):
    """Whether the network of ``weights`` (kernel, bias, kernel, bias, ...) holds a non-finite
    value, or, where a weight exceeds 1e4 in magnitude (any weight, for a Poisson rate, which
    overflows from a logit of about 88.7), whether its float32 training loss on
    the first 1,000 rows of its training data ``X`` (targets ``y`` as trained on) is beyond
    float32: a layer's values, the output's logits, a squared error, or a Poisson rate overflow
    there.

    A fit's last step can take finite weights to about 1e30 behind a finite epoch loss (which
    is the loss before each step): learning_rate=1e30 for one epoch had published them, with
    predictions of 1e61, where a second epoch would have reported the divergence. Passed the
    same rows, a single fit and its member of a cross-validated ensemble agree."""
    largest = max(float(np.max(np.abs(w))) if np.size(w) else 0.0 for w in weights)
    if not np.isfinite(largest):
        return True
    # A Poisson rate exp(z) overflows float32 from z of about 88.7: no weight is unremarkable.
    if largest <= _UNREMARKABLE_WEIGHT and output_activation != "exponential":
        return False
    if sparse.issparse(X):
        values = sparse.csr_matrix(X)[:LOSS_CHECKED_ROWS].astype(np.float64)
    else:
        values = np.asarray(X[:LOSS_CHECKED_ROWS], dtype=np.float64)
    kernels, biases = weights[::2], weights[1::2]
    hidden = ACTIVATION_FUNCTIONS[activation]
    with np.errstate(all="ignore"):  # an overflow is the answer, not a warning
        for kernel, bias in zip(kernels[:-1], biases[:-1]):
            values = values @ np.asarray(kernel, np.float64) + bias
            # As float32 holds them: beyond its range, infinite. An activation may take that
            # back to a finite value (tanh to 1, relu of -inf to 0), and float32 training then
            # goes on; an infinite or NaN activation is the overflow.
            values[np.abs(values) > _FLOAT32_MAX] *= np.inf
            values = hidden(values)
            if not np.isfinite(values).all():
                return True
        logits = values @ np.asarray(kernels[-1], np.float64) + biases[-1]
        if output_activation == "linear":  # the squared error
            targets = np.asarray(y, np.float64).reshape(len(y), -1)[:LOSS_CHECKED_ROWS]
            worst = np.square(logits - targets).max(initial=0)
        elif output_activation == "exponential":  # the Poisson rate exp(z)
            worst = np.exp(logits.max(initial=-np.inf))
        else:  # logits of a sigmoid or softmax
            worst = np.abs(logits).max(initial=0)
    return not worst <= _FLOAT32_MAX


def forward(X, coefs, intercepts, activation, output_activation):
    """The network's output, of shape (n_samples, n_outputs), for a fitted Dense stack.

    ``X`` may be dense or a SciPy sparse matrix or array. ``activation`` is the Keras name of the
    hidden activation, ``output_activation`` that of the output layer ("sigmoid", "softmax",
    "linear" or "exponential"). Rows go through in chunks whose float64 values fit
    scikit-learn's ``working_memory`` (``sklearn.set_config``), as its pairwise functions do, so
    a wide network costs memory per chunk, not per row of ``X``.
    """
    # A sparse X's rows stay sparse (their product with the first kernel is the first dense
    # array): its width counted as dense had cut 100,000 rows of 2**23 features into chunks of
    # a few rows each, 29 times slower.
    dense = [kernel.shape[0] for kernel in coefs[1 if sparse.issparse(X) else 0:]]
    widest = max(dense + [coefs[-1].shape[1]])
    # A layer's input, its product and the activation's temporaries, in float64; at least one
    # row, as scikit-learn's chunking takes one row that does not fit.
    rows = max(1, int(get_config()["working_memory"] * 2**20) // (4 * 8 * widest))
    if rows >= X.shape[0]:
        return _forward(X, coefs, intercepts, activation, output_activation)
    if sparse.issparse(X):
        X = X.tocsr()  # other formats (COO) cannot be sliced by rows
    return np.concatenate([
        _forward(X[chunk], coefs, intercepts, activation, output_activation)
        for chunk in gen_batches(X.shape[0], rows)
    ])


def _forward(X, coefs, intercepts, activation, output_activation):
    hidden = ACTIVATION_FUNCTIONS[activation]
    # A sparse X stays sparse: its product with the first kernel is a dense array.
    values = X.astype(np.float64) if sparse.issparse(X) else np.asarray(X, dtype=np.float64)
    for kernel, bias in zip(coefs[:-1], intercepts[:-1]):
        values = hidden(values @ kernel + bias)
    return OUTPUT_FUNCTIONS[output_activation](values @ coefs[-1] + intercepts[-1])
