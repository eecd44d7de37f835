"""The documentation: docstring examples run, and the public API's docstrings are numpydoc-valid."""

import doctest
import inspect

import pytest
from numpydoc.validate import validate

import l1l2_estimator
from l1l2_estimator import _cv, classifier, cli, persistence, plots, regressor


@pytest.mark.parametrize("module", [classifier, regressor, persistence, _cv])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# numpydoc checks that this project does not follow, as scikit-learn does not for methods: an
# extended summary, a See Also and an Examples section everywhere, and a bare type name as the
# first line of Returns.
NOT_FOLLOWED = {"ES01", "SA01", "EX01", "RT02"}


def _public_api():
    """Dotted names of every public function, class and own public method of the package."""
    names = []
    for module in (l1l2_estimator, plots, persistence, cli):
        for name in module.__all__:
            names.append(f"{module.__name__}.{name}")
            obj = getattr(module, name)
            if inspect.isclass(obj):
                names.extend(
                    f"{module.__name__}.{name}.{member}"
                    for member, value in inspect.getmembers(obj, callable)
                    if not member.startswith("_")
                    and getattr(value, "__module__", "").startswith("l1l2_estimator")
                )
    return [name for name in names if callable(_resolve(name))]


def _resolve(dotted):
    module_name, *path = dotted.split(".")
    obj = __import__(module_name)
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", _public_api())
def test_public_docstrings_are_numpydoc_valid(name):
    errors = [
        f"{code}: {message}"
        for code, message in validate(name)["errors"]
        if code not in NOT_FOLLOWED
    ]
    assert errors == []
