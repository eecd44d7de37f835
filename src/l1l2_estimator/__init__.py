"""l1l2-estimator: an L1-L2-regularized Keras network as a first-class scikit-learn classifier."""

from ._path import RegularizationPath, regularization_path
from .classifier import L1L2Classifier
from .persistence import dump, load
from .regressor import L1L2Regressor

__all__ = [
    "L1L2Classifier",
    "L1L2Regressor",
    "RegularizationPath",
    "dump",
    "load",
    "regularization_path",
]
