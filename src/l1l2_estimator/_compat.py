"""Every private API of scikit-learn, Keras and scikeras that the package relies on, in one place.

Each name below is imported or reached only here, so that a dependency upgrade that removes one
breaks this module (and ``tests/test_compat.py``, which checks each of them) rather than a fit deep
inside the package. README's "Private APIs we rely on" section says why each is used.

Methods of scikeras' ``BaseWrapper`` that the estimators override or call as a subclass
(``_validate_data``, ``_initialize_callbacks``, ``_fit_callbacks``, ``_validate_sample_weight``,
``target_encoder``, ``_routing_prefixes``) are scikeras' documented extension points for
subclasses; ``tests/test_compat.py`` checks those too.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

# scikit-learn: the decorator that validates params once per fit (nested estimators skip it), the
# constraint types of ``_parameter_constraints``, and the sample-weight check with its
# non-negativity option. Third-party estimators use all three; none is public yet.
from sklearn.base import _fit_context as fit_context  # noqa: F401
from sklearn.utils._param_validation import Interval, StrOptions  # noqa: F401
from sklearn.utils.validation import _check_sample_weight as check_sample_weight  # noqa: F401

try:
    # Keras: the scope that forces safe-mode deserialization even in a process that called
    # keras.config.enable_unsafe_deserialization().
    from keras.src.saving.serialization_lib import SafeModeScope
except ImportError:  # pragma: no cover - a future Keras moved it; tests/test_compat.py says so
    SafeModeScope = None


def optimizer_slot(optimizer, name, variable):
    """The optimizer's state variable ``name`` (e.g. ``"_velocities"``) kept for ``variable``,
    or None if the optimizer keeps no such state."""
    slots = getattr(optimizer, name, None)
    if not slots:
        return None
    return slots[optimizer._get_variable_index(variable)]
