"""l1l2-estimator: an L1-L2-regularized Keras network as a first-class scikit-learn classifier."""

from ._environment import import_keras_quietly

import_keras_quietly()

from .classifier import L1L2Classifier  # noqa: E402
from .persistence import dump, load  # noqa: E402
from .regressor import L1L2Regressor  # noqa: E402

__all__ = ["L1L2Classifier", "L1L2Regressor", "dump", "load"]
