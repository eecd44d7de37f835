"""l1l2-estimator: an L1-L2-regularized Keras network as a first-class scikit-learn classifier.

The public names are imported on first use (PEP 562), so that ``import l1l2_estimator`` and the
command line's ``--help`` do not pay for importing TensorFlow; ``from l1l2_estimator import
L1L2Classifier`` imports it (a few seconds).
"""

import importlib as _importlib
import os as _os
import sys as _sys

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


# Set in a child forked, while TensorFlow was imported, from a process that had not yet loaded
# the package's module that checks forks (``_compat``), which checks on its import; the second
# where another thread of the parent was starting TensorFlow's runtime at the fork.
_forked_after_tensorflow_import = False
_forked_while_tensorflow_started = False


def _after_fork_in_child():
    """TensorFlow's thread pools do not survive a fork: a child forked after its runtime had
    started would wait forever at its first operation, so training there is refused
    (``_compat.refuse_forked_tensorflow``). Registered here, at the package's import, rather
    than with the estimators: a parent that had run TensorFlow and only imported the package
    forked unnoticed, and the child's fit hung. Nothing is imported here: an import in a fork
    handler can wait forever on a module lock that a thread of the parent held at the fork."""
    global _forked_after_tensorflow_import, _forked_while_tensorflow_started
    compat = _sys.modules.get(__name__ + "._compat")
    context = _sys.modules.get("tensorflow.python.eager.context")
    if compat is not None:
        compat.mark_forked_child()
    elif context is not None:
        _forked_after_tensorflow_import = True
        # The start-up lock of TensorFlow's runtime, copied held where another thread of the
        # parent was starting it: the child's first operation would wait for it forever.
        lock = getattr(context.context_safe(), "_initialize_lock", None)
        _forked_while_tensorflow_started = lock is not None and lock.locked()


_os.register_at_fork(after_in_child=_after_fork_in_child)


def _installed_version():
    # importlib.metadata is imported here, when the version is asked for: it takes about 40 ms
    # to import, four times the rest of the package's import.
    from importlib import metadata

    try:
        return metadata.version("l1l2-estimator")
    except metadata.PackageNotFoundError:  # imported from a source tree, not installed
        return "0+unknown"


def __getattr__(name):
    if name == "__version__":  # looked up on first use: reading the metadata costs milliseconds
        value = _installed_version()
    elif name in _HOMES:
        value = getattr(_importlib.import_module(_HOMES[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    public = {name for name in globals() if not name.startswith("_")}
    return sorted({*public, *__all__, "__version__"})
