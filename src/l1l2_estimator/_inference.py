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
    "softplus": lambda z: np.logaddexp(0.0, z),
    "silu": lambda z: z * special.expit(z),
}


OUTPUT_FUNCTIONS = {
    "sigmoid": special.expit,
    "softmax": lambda z: special.softmax(z, axis=1),
    "linear": lambda z: z,
    "exponential": np.exp,
}


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
