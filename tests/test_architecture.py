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

# The methods through which other modules talk to an estimator: get and set the whole fitted
# state (with encoders fitted once for many members), read one fit's attributes together (a
# refit in another thread cannot change them between reads), check params, describe the output
# layer, build the Keras network of a fitted state (``dump``: not ``model_``, a copy the user
# may have changed), train the members of a cross-validation.
PROTOCOL = {
    "_get_fitted_state",
    "_keras_model",
    "_fitted_view",
    "_set_fitted_state",
    "_encoder_state",
    "_check_params",
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


def _dependency_private_uses(path):
    """``(line, what)`` for each private API of another package that ``path`` names: imports from
    a private module or of a private name (``from sklearn.utils._x import ...``, ``from
    sklearn.base import _y``, ``tensorflow.python``), dotted references into ``keras.src``, and
    private attribute names passed as strings (``getattr(obj, "_slots")``)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            segments = node.module.split(".")
            names = [alias.name for alias in node.names]
            if any(segment.startswith("_") for segment in segments[1:]) or segments[:2] in (
                ["tensorflow", "python"],
                ["tensorflow", "core"],
                ["keras", "src"],
            ):
                yield node.lineno, f"from {node.module} import ..."
            elif any(name.startswith("_") and not name.startswith("__") for name in names):
                yield node.lineno, f"from {node.module} import {', '.join(names)}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                segments = alias.name.split(".")
                if any(s.startswith("_") for s in segments[1:]) or segments[:2] in (
                    ["tensorflow", "python"],
                    ["keras", "src"],
                ):
                    yield node.lineno, f"import {alias.name}"
        elif isinstance(node, ast.Attribute) and ast.unparse(node).startswith(
            ("keras.src.", "tf.python.", "tensorflow.python.")
        ):
            yield node.lineno, ast.unparse(node)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and node.args[1].value.startswith("_")
            and not node.args[1].value.startswith("__")
        ):
            yield node.lineno, f"{node.func.id}(..., {node.args[1].value!r})"


# The package's fork handler runs in the child before anything may be imported there (an import
# can wait forever on a module lock held at the fork), and the package's import loads no
# TensorFlow: it reads the lock of TensorFlow's eager context itself (README, "Private APIs").
FORK_HANDLER_USES = {("__init__.py", "getattr(..., '_initialize_lock')")}
# The environment module runs first, before ``_compat`` can be imported, and keeps the thread
# pools that the user sized with tf.config.threading, read from the eager context's attributes.
ENVIRONMENT_USES = {
    ("_environment.py", "from tensorflow.python.eager import ..."),
    ("_environment.py", "getattr(..., '_intra_op_parallelism_threads')"),
    ("_environment.py", "getattr(..., '_inter_op_parallelism_threads')"),
}


def test_private_dependency_apis_only_in_compat():
    offending = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_compat.py":
            continue
        for line, what in _dependency_private_uses(path):
            if (str(path.relative_to(PACKAGE)), what) not in FORK_HANDLER_USES | ENVIRONMENT_USES:
                offending.append(f"{path.relative_to(PACKAGE)}:{line} {what}")
    assert offending == []


def test_the_private_api_check_finds_what_it_looks_for(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "from sklearn.utils._param_validation import Interval\n"
        "from sklearn.base import _fit_context\n"
        "from tensorflow.python.eager import context\n"
        "import keras.src.ops\n"
        "slots = getattr(optimizer, '_velocities')\n"
        "from ._compat import fit_context\n"  # ours: allowed
        "from sklearn.utils import check_array\n"  # public: allowed
    )
    assert [line for line, _ in _dependency_private_uses(module)] == [1, 2, 3, 4, 5]
