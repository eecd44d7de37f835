"""How the modules relate: no module reads or writes another's private state.

The estimators (``_base``, ``classifier``, ``regressor``) own their private attributes. Other
modules reach them only through the internal protocol below; private APIs of our dependencies are
reached only in ``_compat``.
"""

import ast
from pathlib import Path

import l1l2_estimator

PACKAGE = Path(l1l2_estimator.__file__).parent
ESTIMATOR_MODULES = {"_base.py", "classifier.py", "regressor.py"}

# The methods through which other modules talk to an estimator (scikit-learn's _validate_params
# included): get and set the whole fitted state, check params, describe the output layer, train
# the members of a cross-validation.
PROTOCOL = {
    "_get_fitted_state",
    "_set_fitted_state",
    "_check_params",
    "_validate_params",
    "_output_layer",
    "_fit_members",
}


def _private_accesses(path):
    """``(line, "object._name")`` for each private attribute used on anything but ``self``."""
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and ast.unparse(node.value) != "self"
        ):
            yield node.lineno, f"{ast.unparse(node.value)}.{node.attr}"


def test_modules_use_only_the_estimator_protocol():
    offending = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ESTIMATOR_MODULES or path.name == "_compat.py":
            continue
        for line, access in _private_accesses(path):
            if access.rsplit(".", 1)[1] not in PROTOCOL:
                offending.append(f"{path.relative_to(PACKAGE)}:{line} {access}")
    assert offending == []


def test_private_dependency_apis_only_in_compat():
    offending = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_compat.py":
            continue
        text = path.read_text()
        for marker in ("keras.src", "sklearn.base import _", "sklearn.utils._", "import _check"):
            if marker in text:
                offending.append(f"{path.relative_to(PACKAGE)}: {marker}")
    assert offending == []
