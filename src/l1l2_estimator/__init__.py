"""l1l2-estimator: an L1-L2-regularized Keras network as a first-class scikit-learn classifier.

The public names are imported on first use (PEP 562), so that ``import l1l2_estimator`` and the
command line's ``--help`` do not pay for importing TensorFlow; ``from l1l2_estimator import
L1L2Classifier`` imports it (a few seconds).
"""

import importlib

__all__ = [
    "L1L2Classifier",
    "L1L2ClassifierCV",
    "L1L2Regressor",
    "L1L2RegressorCV",
    "RegularizationPath",
    "dump",
    "load",
    "regularization_path",
]

# Public name -> the module that defines it.
_HOMES = {
    "L1L2Classifier": ".classifier",
    "L1L2Regressor": ".regressor",
    "L1L2ClassifierCV": "._cv",
    "L1L2RegressorCV": "._cv",
    "RegularizationPath": "._path",
    "regularization_path": "._path",
    "dump": ".persistence",
    "load": ".persistence",
}


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
